"""Graphviz SVG made ready for the atlas: inline in a page at a readable size, or as a file of its own.

A wide pathway (ADEM) shrunk to the page's width has text a few pixels high, so the inline
diagram keeps a minimum width at which its smallest text is still about ``READABLE_PX`` pixels
and scrolls sideways instead; it never grows past Graphviz's own (natural) size. The
standalone file is the same picture at natural size, for the browser's own zoom.
"""

from __future__ import annotations

import math
import re

__all__ = ["inline_svg", "standalone_svg", "sized_for_page", "clickable_svg", "READABLE_PX"]

READABLE_PX = 10.0
"""The smallest text the inline diagram may show, in CSS pixels."""
_PX_PER_PT = 4 / 3
_SVG_START = re.compile(r"<svg\b")
_WIDTH_PT = re.compile(r'\bwidth="([0-9.]+)pt"')
_FONT_SIZE = re.compile(r'font-size="([0-9.]+)"')


def inline_svg(svg: bytes) -> str:
    """Graphviz's SVG document reduced to its <svg> element, ready to sit inside HTML."""
    text = svg.decode("utf-8")
    match = _SVG_START.search(text)
    if match is None:
        raise ValueError("Graphviz returned no <svg> element")
    return text[match.start():].strip()


def standalone_svg(svg: bytes) -> str:
    """An SVG file that opens on its own, offline: no DOCTYPE (whose DTD is a web address)."""
    return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + inline_svg(svg) + "\n"


def sized_for_page(element: str) -> str:
    """The <svg> element with a width that fills the page, but no less than readable and no more
    than natural; left as it is when Graphviz did not give its width in points."""
    tag_end = element.find(">")
    width = _WIDTH_PT.search(element, 0, tag_end)
    if width is None:
        return element
    natural_px = float(width[1]) * _PX_PER_PT
    sizes = [float(size) for size in _FONT_SIZE.findall(element)]
    smallest_pt = min(sizes) if sizes else None
    readable_px = natural_px if not smallest_pt else min(natural_px, float(width[1]) * READABLE_PX / smallest_pt)
    style = f"width:100%;min-width:{math.ceil(readable_px)}px;max-width:{math.ceil(natural_px)}px;height:auto"
    return element.replace("<svg", f'<svg style="{style}"', 1)


_NODE_GROUP = re.compile(r'<g id="(n_[A-Za-z0-9_]+)" class="(node[^"]*)">\s*<title>[^<]*</title>')


def clickable_svg(element: str, names: dict[str, tuple[str, str]]) -> str:
    """The diagram with every box and note made clickable for the details panel: the node's group
    gets ``data-node`` (the teaching view's node id), a tab stop, a role and a name, and its
    tooltip reads the box's text instead of an internal id. ``names`` maps Graphviz's element id
    (see :func:`ivig_rules.export.teaching_dot.dot_id`) to (node id, text)."""
    import html

    def attach(match: re.Match) -> str:
        found = names.get(match[1])
        if found is None:
            return match[0]
        node, text = found
        attrs = (
            f'data-node="{html.escape(node, quote=True)}" tabindex="0" role="button" '
            f'aria-label="{html.escape(text, quote=True)}"'
        )
        return f'<g id="{match[1]}" class="{match[2]} clickable" {attrs}><title>{html.escape(text)}</title>'

    return _NODE_GROUP.sub(attach, element)
