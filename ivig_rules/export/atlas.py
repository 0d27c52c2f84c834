"""Writes the HTML atlas: a self-contained static site (inline SVG and CSS, no network needed).

One page per pathway plus an index, and each pathway's diagram also as an SVG file next to its
page, to open full size. Needs Graphviz's ``dot`` for the diagrams; checked before anything is
written, so a missing ``dot`` leaves no half-written site.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from ..errors import InputError
from ..graph import build_graph, graph_findings
from ..model import Catalogue
from .atlas_pages import INDEX, diagram_name, index_page, page_name, pathway_page
from .atlas_svg import inline_svg, sized_for_page, standalone_svg
from .dot import to_dot
from .render import find_dot, render_dot

__all__ = ["write_site", "inline_svg"]

Progress = Callable[[Path, int, int], None]


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the file: {exc.strerror or exc}", file=str(path)) from None


def write_site(catalogue: Catalogue, outdir: str | Path, progress: Optional[Progress] = None) -> list[Path]:
    """Write index.html and one page per pathway into ``outdir``, each pathway's diagram also as
    ``<pathway>.svg``; return the pages written (one progress call per page)."""
    out = Path(outdir)
    find_dot()
    if out.exists() and not out.is_dir():
        raise InputError("the output folder is a file; give a folder for the site", file=str(out))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output folder: {exc.strerror or exc}", file=str(out)) from None
    pathways = sorted(catalogue.pathways.values(), key=lambda p: p.id)
    total = len(pathways) + 1
    written: list[Path] = []
    findings = {}
    for pathway in pathways:
        graph = build_graph(pathway, catalogue.screening, catalogue.vocabulary)
        findings[pathway.id] = graph_findings(pathway, catalogue.vocabulary, catalogue.screening)
        svg = render_dot(to_dot(graph), "svg")
        _write(out / diagram_name(pathway), standalone_svg(svg))
        path = out / page_name(pathway)
        _write(path, pathway_page(catalogue, pathway, sized_for_page(inline_svg(svg)), findings[pathway.id]))
        written.append(path)
        if progress:
            progress(path, len(written), total)
    path = out / INDEX
    _write(path, index_page(catalogue, findings))
    written.append(path)
    if progress:
        progress(path, len(written), total)
    return written
