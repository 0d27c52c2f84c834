"""Writes the HTML atlas: a self-contained static site (inline SVG, CSS and script; no network).

A front page of thumbnails, a review page, one page per pathway, and each pathway's teaching
diagram also as an SVG file next to its page (the front page's thumbnails, and "open on its
own"). Needs Graphviz's ``dot`` for the diagrams; checked before anything is written, so a
missing ``dot`` leaves no half-written site.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Optional

from ..errors import InputError
from ..graph import graph_findings, rules_on_view, teaching_view
from ..model import Catalogue, Pathway
from .atlas_details import node_details
from .atlas_pages import INDEX, REVIEW, PathwayReview, diagram_name, index_page, page_name, pathway_page, review_page
from .atlas_svg import clickable_svg, inline_svg, standalone_svg
from .measure import figures_of
from .render import find_dot, run_dot
from .teaching_dot import dot_id, to_teaching_dot
from .teaching_style import note_lines

__all__ = ["write_site", "pathway_html", "clickable_diagram", "inline_svg"]

Progress = Callable[[Path, int, int], None]


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the file: {exc.strerror or exc}", file=str(path)) from None


def _names(view) -> dict[str, tuple[str, str]]:
    """Graphviz element id -> (node id, text) for every clickable box and note of the view."""
    names = {dot_id(node): (node, data["label"] or f"box {data.get('number_of_target', '')}") for node, data in view.nodes(data=True)}
    for note in view.graph["notes"]:
        node = f"note:{note['number']}"
        names[dot_id(node)] = (node, " ".join(note_lines(note)))
    return names


def clickable_diagram(view, dot_text: str | None = None) -> tuple[str, bytes]:
    """The teaching diagram as the atlas shows it: its <svg> element with every box and note
    clickable (``data-node``), and Graphviz's SVG document. The workbench shows the same one."""
    svg = run_dot(dot_text if dot_text is not None else to_teaching_dot(view), "svg")
    return clickable_svg(inline_svg(svg), _names(view)), svg


def pathway_html(catalogue: Catalogue, pathway: Pathway) -> tuple[str, str, PathwayReview]:
    """A pathway's page, its diagram as an SVG file, and what the review page says about it."""
    view = teaching_view(pathway, catalogue.screening, catalogue.vocabulary)
    dot_text = to_teaching_dot(view)
    element, svg = clickable_diagram(view, dot_text)
    html = pathway_page(catalogue, pathway, view, element, node_details(view, pathway, catalogue))
    placed = sum(1 for r in pathway.rules if pathway.teaching is not None and r.id in pathway.teaching.rules and r.id in rules_on_view(view))
    figures = figures_of(json.loads(run_dot(dot_text, "json")))
    review = PathwayReview(pathway, graph_findings(pathway, catalogue.vocabulary, catalogue.screening), figures, placed)
    return html, standalone_svg(svg), review


def write_site(catalogue: Catalogue, outdir: str | Path, progress: Optional[Progress] = None) -> list[Path]:
    """Write index.html, review.html and one page per pathway into ``outdir``, each pathway's
    diagram also as ``<pathway>.svg``; return the pages written (one progress call per page)."""
    out = Path(outdir)
    find_dot()
    if out.exists() and not out.is_dir():
        raise InputError("the output folder is a file; give a folder for the site", file=str(out))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output folder: {exc.strerror or exc}", file=str(out)) from None
    pathways = sorted(catalogue.pathways.values(), key=lambda p: p.id)
    total = len(pathways) + 2
    written: list[Path] = []
    reviews = []

    def done(path: Path) -> None:
        written.append(path)
        if progress:
            progress(path, len(written), total)

    for pathway in pathways:
        html, svg, review = pathway_html(catalogue, pathway)
        _write(out / diagram_name(pathway), svg)
        _write(out / page_name(pathway), html)
        reviews.append(review)
        done(out / page_name(pathway))
    _write(out / REVIEW, review_page(catalogue, reviews))
    done(out / REVIEW)
    _write(out / INDEX, index_page(catalogue))
    done(out / INDEX)
    return written
