"""Pathway graphs for teaching and review, drawn from the loaded rules (networkx, imported lazily).

    from ivig_rules.loading.catalogue import load_catalogue
    from ivig_rules.graph import build_graph, graph_findings, route_on_view, teaching_view
    cat = load_catalogue()
    view = teaching_view(cat.pathway("ms_relapse"), cat.screening, cat.vocabulary)  # the diagram
    route_on_view(view, recommendation.rules_fired)  # a patient's route on it
    g = build_graph(cat.pathway("ms_relapse"), cat.screening, cat.vocabulary)  # the model, for checks

Exports (DOT, Mermaid, SVG, PNG, JSON, an HTML atlas) live in :mod:`ivig_rules.export`.
"""

from __future__ import annotations

from .build import ENTRY, NODE_KINDS, SCREENING, build_graph, decision_node, outcome_node, short_labels, step_node
from .checks import FINDING_KINDS, GraphFinding, dead_ends, graph_findings, loops, transitions, unreachable_steps
from .labels import condition_text, dose_summary, dose_words
from .teaching import TEACHING_VIEW, note_mark, rules_on_view, teaching_view, view_labels
from .teaching_route import Place, Route, route_on_view, rule_places

__all__ = [
    "teaching_view",
    "rules_on_view",
    "rule_places",
    "route_on_view",
    "Route",
    "Place",
    "view_labels",
    "note_mark",
    "TEACHING_VIEW",
    "dose_words",
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
