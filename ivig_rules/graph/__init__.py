"""Pathway graphs for teaching and review, drawn from the loaded rules (networkx, imported lazily).

    from ivig_rules.catalogue import load_catalogue
    from ivig_rules.graph import build_graph, graph_findings
    cat = load_catalogue()
    g = build_graph(cat.pathway("ms_relapse"), cat.screening, cat.vocabulary)

Exports (DOT, Mermaid, SVG, PNG, JSON, an HTML atlas) live in :mod:`ivig_rules.export`.
"""

from __future__ import annotations

from .build import ENTRY, NODE_KINDS, SCREENING, build_graph, decision_node, outcome_node, short_labels, step_node
from .checks import FINDING_KINDS, GraphFinding, dead_ends, graph_findings, loops, transitions, unreachable_steps
from .labels import condition_text, dose_summary

__all__ = [
    "build_graph",
    "short_labels",
    "graph_findings",
    "GraphFinding",
    "unreachable_steps",
    "dead_ends",
    "loops",
    "transitions",
    "condition_text",
    "dose_summary",
    "ENTRY",
    "SCREENING",
    "NODE_KINDS",
    "FINDING_KINDS",
    "step_node",
    "decision_node",
    "outcome_node",
]
