"""Structural checks on a pathway graph: unreachable steps, loops and dead ends, as data.

A lint command can print these; the atlas lists them. Each finding names its kind, the node and
a sentence for an author. A step that only points back to itself ("course under way, complete
it") is not a loop; a longer loop is reported only when one patient could follow all of it,
because the facts do not change while the rules are evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable, Sequence

from ..model import Pathway, Screening, Vocabulary
from ..model.json_form import json_form
from .build import ENTRY, SCREENING, build_graph

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["GraphFinding", "unreachable_steps", "dead_ends", "loops", "transitions", "graph_findings", "FINDING_KINDS"]

FINDING_KINDS = ("unreachable", "cycle", "dead_end")

Feasible = Callable[[Sequence[tuple[str, ...]]], bool]


@json_form
@dataclass(frozen=True)
class GraphFinding:
    kind: str  # unreachable | cycle | dead_end
    node: str
    message: str
    severity: str = "error"  # error | warning
    pathway: str = ""
    rules: tuple[str, ...] = ()


def transitions(graph: "nx.DiGraph") -> dict[tuple[str, str], tuple[str, ...]]:
    """(from, to) -> rule ids, with decision nodes folded into the node they branch from."""
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    for source, target, data in graph.edges(data=True):
        if data.get("kind") != "rule":
            continue
        origins = [source]
        if graph.nodes[source]["kind"] == "decision":
            origins = list(graph.predecessors(source))
        for origin in origins:
            out[(origin, target)] = out.get((origin, target), ()) + tuple(data["rules"])
    return out


def _step_name(graph: "nx.DiGraph", node: str) -> str:
    data = graph.nodes[node]
    return f"step '{data.get('step', node)}' ({data['label']})"


def unreachable_steps(graph: "nx.DiGraph") -> list[GraphFinding]:
    """Steps no path from the entry leads to: the engine can never send a patient there."""
    import networkx as nx

    reached: set[str] = set()
    for root in (ENTRY, SCREENING):
        if root in graph:
            reached |= {root} | nx.descendants(graph, root)
    findings = []
    for node, data in graph.nodes(data=True):
        if data["kind"] == "step" and node not in reached:
            findings.append(GraphFinding(
                "unreachable", node,
                f"{_step_name(graph, node)} cannot be reached: no rule on a path from the entry names "
                f"it as 'next_step', so the engine never recommends it.",
                pathway=graph.graph.get("pathway", ""),
            ))
    return findings


def dead_ends(graph: "nx.DiGraph") -> list[GraphFinding]:
    """Steps with no rule leading on from them (staying on the step does not count)."""
    moves = transitions(graph)
    findings = []
    for node, data in graph.nodes(data=True):
        if data["kind"] != "step" or data.get("final"):
            continue  # a final step is an end by design, declared in the ruleset
        onward = [pair for pair in moves if pair[0] == node and pair[1] != node]
        if onward:
            continue
        staying = moves.get((node, node), ())
        how = (
            f"its only rules ({', '.join(staying)}) keep the patient on it"
            if staying
            else f"no rule with 'from: {data.get('step', node)}' names a next step or an IVIG verdict"
        )
        findings.append(GraphFinding(
            "dead_end", node,
            f"{_step_name(graph, node)} has no way out: {how}, so the pathway says nothing about "
            "what follows it (response, failure, intolerance).",
            severity="warning",
            pathway=graph.graph.get("pathway", ""),
            rules=staying,
        ))
    return findings


def _canonical(cycle: list[str]) -> tuple[str, ...]:
    start = cycle.index(min(cycle))
    return tuple(cycle[start:] + cycle[:start])


def loops(graph: "nx.DiGraph", feasible: Feasible | None = None) -> list[GraphFinding]:
    """Loops through two or more nodes; with ``feasible``, only those one patient can follow."""
    import networkx as nx

    moves = transitions(graph)
    folded = nx.DiGraph()
    folded.add_edges_from(pair for pair in moves if pair[0] != pair[1])
    findings = []
    for cycle in sorted(_canonical(c) for c in nx.simple_cycles(folded)):
        hops = list(zip(cycle, cycle[1:] + cycle[:1]))
        groups = [moves[hop] for hop in hops]
        if feasible is not None and not feasible(groups):
            continue
        rules = tuple(r for group in groups for r in group)
        names = " -> ".join(graph.nodes[n].get("step", n) for n in cycle + cycle[:1])
        findings.append(GraphFinding(
            "cycle", cycle[0],
            f"the rules form a loop {names} ({', '.join(rules)}); one patient matches a rule on "
            "every arrow of it, so the pathway can send them round for ever.",
            pathway=graph.graph.get("pathway", ""),
            rules=rules,
        ))
    return findings


def _jointly_possible(pathway: Pathway, vocab: Vocabulary) -> Feasible:
    """Whether one patient can match, at once, at least one rule of every group."""
    from ..logic.compiler import normalise
    from ..logic.fact_space import axes
    from ..logic.partition import satisfiable
    from ..logic.predicates import all_of, any_of

    by_id = {r.id: r for r in pathway.rules}

    def feasible(groups: Sequence[tuple[str, ...]]) -> bool:
        ids = list(dict.fromkeys(r for group in groups for r in group if r in by_id))
        joint = all_of(any_of(normalise(by_id[r].when) for r in group if r in by_id) for group in groups)
        return satisfiable(joint, axes(replace(pathway, rules=tuple(by_id[r] for r in ids)), vocab))

    return feasible


def graph_findings(pathway: Pathway, vocabulary: Vocabulary, screening: Screening | None = None) -> list[GraphFinding]:
    """Every structural finding for one pathway: unreachable steps, loops, dead ends."""
    graph = build_graph(pathway, screening, vocabulary)
    return (
        unreachable_steps(graph)
        + loops(graph, _jointly_possible(pathway, vocabulary))
        + dead_ends(graph)
    )
