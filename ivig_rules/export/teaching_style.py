"""How the teaching view looks, shared by its DOT, Mermaid and atlas forms.

Colour carries one meaning: blue marks IVIG (an IVIG box and the safety gate in front of it).
Everything else is black on white or grey; shape says what a box is (rounded: clinical state,
hexagon: decision, rectangle: action), and the exceptions panel has a dashed frame.
"""

from __future__ import annotations

import textwrap
from types import MappingProxyType
from typing import TYPE_CHECKING

from ..graph.teaching import EXCEPTIONS, MAIN, note_mark

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "IVIG_LINE",
    "IVIG_FILL",
    "KIND_ORDER",
    "LEGEND",
    "LEGEND_NUMBERS",
    "LEGEND_VERSION",
    "style_key",
    "ordered_nodes",
    "ordered_edges",
    "panels",
    "box_lines",
    "corner",
    "note_lines",
    "NOTE_WIDTH",
]

IVIG_LINE = "#2166ac"
IVIG_FILL = "#dbe9f6"
KIND_ORDER = MappingProxyType({"state": 0, "gate": 1, "decision": 2, "action": 3, "end": 4, "ref": 5})
NOTE_WIDTH = 42
"""A note is wrapped at this many characters, so the notes column stays narrow."""

# The key: (style key, words). A style key is a node kind, or "ivig" for an IVIG box.
LEGEND = (
    ("state", "Clinical state"),
    ("decision", "Decision"),
    ("action", "Action"),
    ("ivig", "IVIG action or safety gate"),
)
LEGEND_NUMBERS = "Bold: box number. (n): note n. Circle: go to that box."
LEGEND_VERSION = "Version {version}, reviewed {reviewed}. Not medical advice."


def style_key(data: dict) -> str:
    """The look of a box: its kind, with IVIG boxes and gates as 'ivig'."""
    if data["kind"] in ("action", "gate") and (data.get("ivig") or data["kind"] == "gate"):
        return "ivig"
    if data["kind"] == "end":
        return "state"
    return data["kind"]


def ordered_nodes(view: "nx.DiGraph") -> list[str]:
    """Nodes by panel, then box number (connectors after the boxes), then id."""
    panels = [MAIN, EXCEPTIONS]

    def key(node: str) -> tuple:
        data = view.nodes[node]
        panel = panels.index(data["panel"]) if data["panel"] in panels else len(panels)
        number = data.get("number")
        return (panel, number is None, number or 0, node)

    return sorted(view.nodes, key=key)


def panels(view: "nx.DiGraph") -> list[tuple[str, str, list[str]]]:
    """(panel, title, its nodes in order) for each panel that has nodes: the main path first."""
    titles = dict(view.graph["panels"])
    nodes = ordered_nodes(view)
    out = []
    for panel in (MAIN, EXCEPTIONS):
        members = [n for n in nodes if view.nodes[n]["panel"] == panel]
        if members:
            out.append((panel, titles.get(panel, ""), members))
    return out


def ordered_edges(view: "nx.DiGraph") -> list[tuple[str, str, dict]]:
    rank = {node: i for i, node in enumerate(ordered_nodes(view))}
    return sorted(view.edges(data=True), key=lambda e: (rank[e[0]], rank[e[1]]))


QUESTION_WIDTH = 26
"""A question longer than this is wrapped, so its hexagon stays narrow and its number close."""


def box_lines(data: dict) -> list[str]:
    """The text of a box; a decision's question wrapped onto two lines when it is long."""
    if data["kind"] in ("decision", "gate"):
        return [part for line in data["lines"] for part in (textwrap.wrap(line, QUESTION_WIDTH, break_long_words=False) or [line])]
    return list(data["lines"])


def corner(data: dict) -> str:
    """What stands at a box's top-left corner: its number, and the marker of its notes."""
    number = str(data.get("number") or "")
    marks = note_mark(data.get("notes", ()))
    return f"{number} {marks}".strip()


def note_lines(note: dict) -> list[str]:
    """A note as its box in the notes column shows it: the marker, then the text wrapped under it."""
    text = f"{note_mark([note['number']])} {note['text']}"
    return textwrap.wrap(text, width=NOTE_WIDTH, break_long_words=False) or [text]
