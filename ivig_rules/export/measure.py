"""Readability of a diagram measured in Graphviz's own layout (``dot -Tjson``): edge crossings,
the longest label and the size of the drawing.

Crossings are counted as the issue that asked for them did: every pair of drawn edges whose
curves (the Bezier splines Graphviz drew, flattened finely) properly intersect at least once
counts one. Invisible edges are not drawn, so they do not count. A label's length is its
visible text (HTML tags removed, line breaks and runs of spaces read as one space), for every
label Graphviz places: the graph's, the clusters', the boxes' and arrows', and external labels.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from typing import Any, Iterable

from ..model.json_form import json_form

__all__ = ["LayoutFigures", "layout_of", "edge_crossings", "label_texts", "visible_text", "layout_figures", "figures_of", "MAX_WIDTH_PT", "MAX_HEIGHT_PT"]

MAX_WIDTH_PT = 1440
MAX_HEIGHT_PT = 1080
"""A diagram this size or smaller shows whole at full size on a 1920 x 1080 screen or a slide."""

_STEPS = 16  # points per Bezier segment when a curve is flattened
_TAG = re.compile(r"<[^>]*>")
_BREAKS = re.compile(r"\\[nlr]")
_LABEL_KEYS = ("label", "xlabel", "headlabel", "taillabel")

Point = tuple[float, float]


@json_form
@dataclass(frozen=True)
class LayoutFigures:
    """What a reader meets: crossings, the longest label (with its text) and the drawing's size."""

    crossings: int
    longest_label: int
    longest_text: str
    width_pt: float
    height_pt: float


def layout_of(dot_text: str) -> dict:
    """Graphviz's layout of DOT text, as the JSON ``dot -Tjson`` writes (needs Graphviz)."""
    from .render import run_dot

    return json.loads(run_dot(dot_text, "json"))


def _bezier(points: list[list[float]]) -> list[Point]:
    """A Graphviz B-spline (1 + 3n control points) as a polyline."""
    out: list[Point] = []
    for start in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[start:start + 4]
        for i in range(0 if not out else 1, _STEPS + 1):
            t = i / _STEPS
            u = 1 - t
            out.append((
                u ** 3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t ** 3 * p3[0],
                u ** 3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t ** 3 * p3[1],
            ))
    return out


def _curves(layout: dict) -> list[list[Point]]:
    curves = []
    for edge in layout.get("edges", []):
        if "invis" in str(edge.get("style", "")):
            continue
        for op in edge.get("_draw_", []):
            if op.get("op") in ("b", "B") and len(op.get("points", [])) >= 4:
                curves.append(_bezier(op["points"]))
    return curves


def _side(o: Point, p: Point, q: Point) -> float:
    return (p[0] - o[0]) * (q[1] - o[1]) - (p[1] - o[1]) * (q[0] - o[0])


def _cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    """Whether segments ab and cd properly intersect (touching ends do not count)."""
    d1, d2, d3, d4 = _side(c, d, a), _side(c, d, b), _side(a, b, c), _side(a, b, d)
    return d1 * d2 < 0 and d3 * d4 < 0


def _box(curve: list[Point]) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in curve], [p[1] for p in curve]
    return min(xs), min(ys), max(xs), max(ys)


def _overlap(a: tuple, b: tuple) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _curves_cross(first: list[Point], second: list[Point]) -> bool:
    segments = [(a, b, _box([a, b])) for a, b in zip(second, second[1:])]
    for a, b in zip(first, first[1:]):
        box = _box([a, b])
        for c, d, other in segments:
            if _overlap(box, other) and _cross(a, b, c, d):
                return True
    return False


def edge_crossings(layout: dict) -> int:
    """The number of pairs of drawn edges that cross."""
    curves = [(curve, _box(curve)) for curve in _curves(layout) if len(curve) > 1]
    return sum(
        1 for (first, box1), (second, box2) in itertools.combinations(curves, 2)
        if _overlap(box1, box2) and _curves_cross(first, second)
    )


def visible_text(label: str) -> str:
    """What a label shows: HTML tags removed, line breaks and runs of spaces as one space."""
    text = _TAG.sub(" ", label)  # Graphviz's JSON keeps an HTML label without its outer < >
    return " ".join(_BREAKS.sub(" ", text).split())


def label_texts(layout: dict) -> list[str]:
    """The visible text of every label in the layout (the graph's, clusters', nodes', edges')."""
    objects: Iterable[dict] = [layout, *layout.get("objects", []), *layout.get("edges", [])]
    out = []
    for item in objects:
        for key in _LABEL_KEYS:
            value = item.get(key)
            if isinstance(value, str) and value not in ("", "\\N", "\\E", "\\G"):
                text = visible_text(value)
                if text:
                    out.append(text)
    return out


def layout_figures(dot_text: str) -> LayoutFigures:
    """Crossings, the longest label and the size of the drawing Graphviz makes of ``dot_text``."""
    return figures_of(layout_of(dot_text))


def figures_of(layout: dict) -> LayoutFigures:
    """Crossings, the longest label and the size of a layout ``dot -Tjson`` wrote."""
    texts = label_texts(layout) or [""]
    longest = max(texts, key=len)
    x0, y0, x1, y1 = (float(v) for v in layout["bb"].split(","))
    return LayoutFigures(edge_crossings(layout), len(longest), longest, round(x1 - x0, 1), round(y1 - y0, 1))
