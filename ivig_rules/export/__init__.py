"""Exports of pathway graphs: DOT, Mermaid (and Markdown around it), JSON, SVG/PNG via Graphviz,
a self-contained HTML atlas, and a one-page PDF handout. Each format follows networkx's style:
``to_x(graph)`` returns, ``write_x(graph, path)`` writes. Nothing heavy is imported until a
function runs.

Two graphs can be exported: the teaching view (:func:`ivig_rules.graph.teaching_view`, what
``ivig-rules graph`` draws) and the model graph (:func:`ivig_rules.graph.build_graph`, what lint's
graph checks and the coverage report use). :func:`export_bytes` tells them apart by
``graph.graph["view"]``.
"""

from __future__ import annotations

from importlib import import_module

__all__ = ["TEXT_FORMATS", "BINARY_FORMATS", "FORMATS", "export_bytes"]

TEXT_FORMATS = ("dot", "mermaid", "markdown", "json")
BINARY_FORMATS = ("svg", "png")
FORMATS = TEXT_FORMATS + BINARY_FORMATS

# format -> (model graph exporter, teaching view exporter), as "module:function" under this package
_EXPORTERS = {
    "dot": ("dot:to_dot", "teaching_dot:to_teaching_dot"),
    "mermaid": ("mermaid:to_mermaid", "teaching_mermaid:to_teaching_mermaid"),
    "markdown": ("mermaid:to_markdown", "teaching_mermaid:to_teaching_markdown"),
    "json": ("json_graph:to_json", "teaching_json:to_teaching_json"),
}


def _exporter(fmt: str, teaching: bool):
    module, _, name = _EXPORTERS[fmt][1 if teaching else 0].partition(":")
    return getattr(import_module(f"{__name__}.{module}"), name)


def export_bytes(graph, fmt: str, **options) -> bytes:
    """The graph in one of :data:`FORMATS`, as bytes (text formats are UTF-8)."""
    teaching = graph.graph.get("view") == "teaching"
    if fmt in BINARY_FORMATS:
        from .render import render_dot

        return render_dot(_exporter("dot", teaching)(graph), fmt)
    if fmt not in _EXPORTERS:
        raise ValueError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    extra = options if fmt == "markdown" else {}
    return _exporter(fmt, teaching)(graph, **extra).encode("utf-8")
