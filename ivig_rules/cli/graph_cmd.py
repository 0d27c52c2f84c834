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
    fmt: Optional[GraphFormat] = typer.Option(
        None, "--format", "-f", show_default=False,
        help="dot, mermaid, markdown (Mermaid in a Markdown page), json, svg or png (svg and png need "
        "Graphviz). Default: from the suffix of -o, else dot.",
    ),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", dir_okay=False, metavar="FILE",
        help="File to write (.dot, .gv, .mmd, .md, .json, .svg or .png; the suffix gives the format); "
        "text goes to standard output without it.",
    ),
    screening: bool = typer.Option(True, "--screening/--no-screening", help="Show the safety screening gate before IVIG."),
    rulesets: Optional[Path] = RulesetsOption,
) -> None:
    """Draw one pathway as DOT, Mermaid, Markdown, JSON, SVG or PNG.

    The drawing is built from the same ruleset file the engine runs. With -o FILE the format
    comes from the file's suffix; a --format that contradicts the suffix is an error.

    Examples:
    ivig-rules graph ms_relapse --format mermaid
    ivig-rules graph gbs -o gbs.png
    ivig-rules graph adem -o adem.svg --no-screening
    """
    from ..loading.catalogue import load_catalogue
    from ..export import export_bytes
    from ..export.formats import graph_format
    from ..graph import teaching_view

    chosen = graph_format(output, fmt.value if fmt else None)
    if chosen == "png" and output is None:
        raise fail(f"{chosen} is a binary format; give a file with -o FILE")
    catalogue = load_catalogue(rulesets)
    found = find_pathway(catalogue, pathway)
    drawn = teaching_view(found, catalogue.screening if screening else None, catalogue.vocabulary)
    options = {}
    if chosen == "markdown":
        options["command"] = f"ivig-rules graph {found.id} --format markdown" + ("" if screening else " --no-screening")
    write_bytes(export_bytes(drawn, chosen, **options), output)
