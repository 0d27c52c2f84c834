"""Exports of pathway graphs: DOT, Mermaid (and Markdown around it), JSON, SVG/PNG via Graphviz,
and a self-contained HTML atlas. Each format follows networkx's style: ``to_x(graph)`` returns,
``write_x(graph, path)`` writes. Nothing heavy is imported until a function runs.
"""

from __future__ import annotations

__all__ = ["TEXT_FORMATS", "BINARY_FORMATS", "FORMATS", "export_bytes"]

TEXT_FORMATS = ("dot", "mermaid", "markdown", "json")
BINARY_FORMATS = ("svg", "png")
FORMATS = TEXT_FORMATS + BINARY_FORMATS


def export_bytes(graph, fmt: str, **options) -> bytes:
    """The graph in one of :data:`FORMATS`, as bytes (text formats are UTF-8)."""
    if fmt == "dot":
        from .dot import to_dot

        return to_dot(graph).encode("utf-8")
    if fmt == "mermaid":
        from .mermaid import to_mermaid

        return to_mermaid(graph).encode("utf-8")
    if fmt == "markdown":
        from .mermaid import to_markdown

        return to_markdown(graph, **options).encode("utf-8")
    if fmt == "json":
        from .json_graph import to_json

        return to_json(graph).encode("utf-8")
    if fmt in BINARY_FORMATS:
        from .render import render

        return render(graph, fmt)
    raise ValueError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
