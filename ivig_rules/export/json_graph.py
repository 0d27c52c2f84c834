"""The pathway graph as JSON: graph facts, nodes and edges with every attribute, in a stable order."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .style import ordered_edges, ordered_nodes

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["to_data", "to_json", "JSON_FORMAT_VERSION"]

JSON_FORMAT_VERSION = 1


def to_data(graph: "nx.DiGraph") -> dict[str, Any]:
    """Plain data, shaped like networkx's node-link data (``nodes``, ``edges`` with source/target)."""
    return {
        "format": "ivig-rules-pathway-graph",
        "format_version": JSON_FORMAT_VERSION,
        "graph": dict(graph.graph),
        "nodes": [{"id": node, **graph.nodes[node]} for node in ordered_nodes(graph)],
        "edges": [{"source": s, "target": t, **data} for s, t, data in ordered_edges(graph)],
    }


def to_json(graph: "nx.DiGraph") -> str:
    """Byte-identical for the same graph: keys sorted, order from :mod:`.style`."""
    return json.dumps(to_data(graph), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
