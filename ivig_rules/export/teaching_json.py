"""A pathway's teaching view as JSON: its boxes, arrows and notes with every attribute, in a stable order."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .teaching_style import ordered_edges, ordered_nodes

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["to_teaching_data", "to_teaching_json", "TEACHING_JSON_VERSION"]

TEACHING_JSON_VERSION = 1


def to_teaching_data(view: "nx.DiGraph") -> dict[str, Any]:
    """Plain data, shaped like networkx's node-link data (``nodes``, ``edges``), plus the notes."""
    meta = {k: v for k, v in view.graph.items() if k != "notes"}
    return {
        "format": "ivig-rules-teaching-view",
        "format_version": TEACHING_JSON_VERSION,
        "graph": meta,
        "nodes": [{"id": node, **view.nodes[node]} for node in ordered_nodes(view)],
        "edges": [{"source": s, "target": t, **data} for s, t, data in ordered_edges(view)],
        "notes": [dict(note) for note in view.graph["notes"]],
    }


def to_teaching_json(view: "nx.DiGraph") -> str:
    """Byte-identical for the same view: keys sorted, order from :mod:`.teaching_style`."""
    return json.dumps(to_teaching_data(view), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
