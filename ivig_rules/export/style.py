"""What every diagram format shares: node order, wording on the boxes, colours and the legend.

One place decides how a pathway looks, so DOT, Mermaid and the atlas agree. Orders are sorted
from the graph's data (never from dict or set order), so the same rules give the same bytes.
"""

from __future__ import annotations

import textwrap
from types import MappingProxyType
from typing import TYPE_CHECKING

from ..model import VERDICTS

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "VERDICT_COLOURS",
    "KIND_ORDER",
    "LEGEND_KINDS",
    "ordered_nodes",
    "ordered_edges",
    "node_lines",
    "edge_lines",
    "colours_of",
    "node_style_key",
    "verdict_of_node",
    "wrap",
]

# verdict -> (line colour, fill colour); ColorBrewer PuOr/RdBu-like, readable when printed grey.
VERDICT_COLOURS = MappingProxyType({
    "recommended": ("#1b7837", "#d9f0d3"),
    "consider": ("#2166ac", "#d1e5f0"),
    "not_yet": ("#b35806", "#fee0b6"),
    "not_indicated": ("#4d4d4d", "#e6e6e6"),
    "contraindicated": ("#b2182b", "#fddbc7"),
    "no_guidance": ("#01665e", "#c7eae5"),
    "specialist_review": ("#c51b7d", "#fde0ef"),
    "mixed": ("#542788", "#e7d4e8"),
})
NEUTRAL = ("#333333", "#ffffff")
KIND_ORDER = {"entry": 0, "screening": 1, "decision": 2, "step": 3, "outcome": 4}

# The legend's sample nodes: style key, text. A style key is a node kind, or "ivig" for IVIG steps.
LEGEND_KINDS = (
    ("entry", "Diagnosis (entry)"),
    ("decision", "Decision point"),
    ("step", "Therapy step (line of therapy)"),
    ("ivig", "IVIG step"),
    ("outcome", "Outcome: IVIG verdict ending a path"),
    ("screening", "Safety screening (when IVIG is recommended or considered)"),
)

_PARTICIPLES = {"recommended": "recommended", "consider": "considered"}
_LABEL_WIDTH = 30
_EDGE_WIDTH = 32


def wrap(text: str, width: int = _LABEL_WIDTH) -> list[str]:
    return textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False) or [""]


def _sort_key(graph: "nx.DiGraph", node: str) -> tuple:
    data = graph.nodes[node]
    verdict = data.get("verdict")
    return (
        data.get("line_of_therapy", 0),
        KIND_ORDER[data["kind"]],
        VERDICTS.index(verdict) if verdict in VERDICTS else len(VERDICTS),
        node,
    )


def ordered_nodes(graph: "nx.DiGraph") -> list[str]:
    """Nodes by line of therapy, then kind, then verdict, then id."""
    return sorted(graph.nodes, key=lambda n: _sort_key(graph, n))


def ordered_edges(graph: "nx.DiGraph") -> list[tuple[str, str, dict]]:
    """Edges in the order of their end nodes."""
    rank = {node: i for i, node in enumerate(ordered_nodes(graph))}
    return sorted(graph.edges(data=True), key=lambda e: (rank[e[0]], rank[e[1]]))


def node_style_key(data: dict) -> str:
    if data["kind"] == "step" and data.get("therapy") == "ivig":
        return "ivig"
    return data["kind"]


def verdict_of_node(data: dict) -> str | None:
    return data.get("verdict") if data["kind"] == "outcome" else None


def colours_of(verdict: str | None) -> tuple[str, str]:
    """(line, fill) for a verdict; neutral for none."""
    return VERDICT_COLOURS.get(verdict, NEUTRAL) if verdict else NEUTRAL


def node_lines(data: dict) -> list[str]:
    """The text on a node's box, line by line."""
    kind = data["kind"]
    if kind == "step":
        therapy = data["therapy_label"]
        if data.get("with_therapies"):
            therapy += " + " + ", ".join(t.replace("_", " ") for t in data["with_therapies"])
        head = f"Line {data['line_of_therapy']}"
        if data["therapy_label"].lower() not in data["label"].lower():
            head += f": {therapy}"
        lines = [head] + wrap(data["label"])
        if data.get("dose_summary"):
            lines += wrap(data["dose_summary"], _LABEL_WIDTH + 6)
        return lines
    if kind == "screening":
        verdicts = " or ".join(_PARTICIPLES.get(v, v.replace("_", " ")) for v in data.get("applies_to", ()))
        return wrap(data["label"]) + wrap(f"whenever IVIG is {verdicts}")
    return wrap(data["label"])


def edge_lines(data: dict) -> list[str]:
    return wrap(data.get("label", ""), _EDGE_WIDTH) if data.get("label") else []
