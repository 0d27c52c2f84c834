"""Writes the HTML atlas: a self-contained static site (inline SVG and CSS, no network needed).

One page per pathway plus an index. Needs Graphviz's ``dot`` for the diagrams; checked before
anything is written, so a missing ``dot`` leaves no half-written site.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Optional

from ..errors import InputError
from ..graph import build_graph, graph_findings
from ..model import Catalogue
from .atlas_pages import INDEX, index_page, page_name, pathway_page
from .dot import to_dot
from .render import find_dot, render_dot

__all__ = ["write_site", "inline_svg"]

Progress = Callable[[Path, int, int], None]
_SVG_START = re.compile(r"<svg\b")


def inline_svg(svg: bytes) -> str:
    """Graphviz's SVG document reduced to its <svg> element, ready to sit inside HTML."""
    text = svg.decode("utf-8")
    match = _SVG_START.search(text)
    if match is None:
        raise ValueError("Graphviz returned no <svg> element")
    return text[match.start():].strip()


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the file: {exc.strerror or exc}", file=str(path)) from None


def write_site(catalogue: Catalogue, outdir: str | Path, progress: Optional[Progress] = None) -> list[Path]:
    """Write index.html and one page per pathway into ``outdir``; return the files written."""
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
        svg = inline_svg(render_dot(to_dot(graph), "svg"))
        path = out / page_name(pathway)
        _write(path, pathway_page(catalogue, pathway, svg, findings[pathway.id]))
        written.append(path)
        if progress:
            progress(path, len(written), total)
    path = out / INDEX
    _write(path, index_page(catalogue, findings))
    written.append(path)
    if progress:
        progress(path, len(written), total)
    return written
