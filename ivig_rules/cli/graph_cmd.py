"""``ivig-rules graph``: one pathway drawn as DOT, Mermaid, Markdown, JSON, SVG or PNG."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from .common import RulesetsOption, fail, handles_errors


class GraphFormat(str, Enum):
    dot = "dot"
    mermaid = "mermaid"
    markdown = "markdown"
    json = "json"
    svg = "svg"
    png = "png"


_BINARY = {"png"}


def find_pathway(catalogue, pathway_id: str):
    """The pathway with this id (or diagnosis); an input error with "did you mean" otherwise."""
    from ..errors import InputError, did_you_mean

    found = catalogue.pathway(pathway_id) or catalogue.pathways.get(pathway_id)
    if found is not None:
        return found
    ids = sorted(p.id for p in catalogue.pathways.values())
    raise InputError(
        f"no pathway {pathway_id!r} in this rulesets folder; pathways: {', '.join(ids)}.",
        file=catalogue.root or None,
        suggestion=did_you_mean(pathway_id, ids),
    )


def write_bytes(data: bytes, output: Optional[Path]) -> None:
    """Bytes to a file, or to standard output."""
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(data)
    except OSError as exc:
        raise fail(f"{output}: cannot write the file: {exc.strerror or exc}") from None


@handles_errors
def graph(
    pathway: str = typer.Argument(..., help="Pathway id, for example ms_relapse."),
    fmt: GraphFormat = typer.Option(GraphFormat.dot, "--format", "-f", help="dot, mermaid, markdown (Mermaid in a Markdown page), json, svg or png (svg and png need Graphviz)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="File to write; text formats go to standard output without it.", dir_okay=False),
    screening: bool = typer.Option(True, "--screening/--no-screening", help="Show the safety screening gate before IVIG."),
    rulesets: Optional[Path] = RulesetsOption,
) -> None:
    """Draw one pathway from the ruleset the engine runs.

    Example: ivig-rules graph ms_relapse --format svg -o ms_relapse.svg
    """
    from ..catalogue import load_catalogue
    from ..export import export_bytes
    from ..graph import teaching_view

    if fmt.value in _BINARY and output is None:
        raise fail(f"{fmt.value} is a binary format; give a file with -o FILE")
    catalogue = load_catalogue(rulesets)
    found = find_pathway(catalogue, pathway)
    drawn = teaching_view(found, catalogue.screening if screening else None, catalogue.vocabulary)
    options = {}
    if fmt is GraphFormat.markdown:
        options["command"] = f"ivig-rules graph {found.id} --format markdown" + ("" if screening else " --no-screening")
    write_bytes(export_bytes(drawn, fmt.value, **options), output)
