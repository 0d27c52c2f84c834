"""Which rules, and which places of the pathways' teaching diagrams, a scenario run exercised.

A rule is covered when at least one scenario fired it: it decided the verdict, or it added
its alerts (pathway rules without a verdict, and safety rules when the verdict is screened).

Every rule has a place in its pathway's teaching view (:mod:`ivig_rules.graph.teaching`): an
arrow, or a numbered note. A place is exercised when it lies on a scenario's route, the places
of the rules the scenario fired (:func:`ivig_rules.graph.route_on_view`); a scenario counts
once per place, however many of the place's rules it fired. The safety gate's "no" arrow (the
screening rules that rule IVIG out) counts when a scenario reached the gate and one of them
fired; the gate's notes when their rules fired. The percentage that ``ivig-rules run
--fail-under`` checks is the share of rules covered.

Only the pathways the run touched are counted (a scenario that ran - passed, failed or ended in
an error - touches its diagnosis's pathway), with the safety screening, so a run over one
scenario file is measured against its own pathway rather than all of them. A run that touched
none counts every pathway (0%), so an empty run never passes ``--fail-under``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from .._text import plural
from ..model import Catalogue, Pathway, Rule
from ..model.json_form import json_field, json_form
from .runner import RunReport

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["RuleCoverage", "EdgeCoverage", "NoteCoverage", "CoverageReport", "coverage_of", "touched_pathways", "to_text",
           "to_json", "to_dot", "UNTESTED_COLOUR"]

UNTESTED_COLOUR = "#d62728"


@dataclass(frozen=True)
class RuleCoverage:
    rule: str  # qualified id
    origin: str  # pathway id, or "screening"
    file: str | None
    line: int | None
    decided: int = 0
    contributed: int = 0

    @property
    def fired(self) -> int:
        return self.decided + self.contributed

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "origin": self.origin, "file": self.file, "line": self.line,
                "decided": self.decided, "contributed": self.contributed, "fired": self.fired}


@json_form
@dataclass(frozen=True)
class EdgeCoverage:
    """An arrow of a pathway's teaching view that carries rules (source and target are its box ids)."""

    pathway: str
    source: str = json_field(key="from")
    target: str = json_field(key="to")
    label: str  # the arrow's words
    where: str  # 'box 6 -> box 9', as the diagram numbers them
    rules: tuple[str, ...]  # qualified ids
    scenarios: int = 0


@json_form
@dataclass(frozen=True)
class NoteCoverage:
    """A numbered note of a pathway's teaching view that lists rules."""

    pathway: str
    number: int = json_field(key="note")
    text: str
    rules: tuple[str, ...]  # qualified ids
    scenarios: int = 0


@dataclass
class CoverageReport:
    scenarios: int
    rules: list[RuleCoverage] = field(default_factory=list)
    edges: list[EdgeCoverage] = field(default_factory=list)  # the teaching views' arrows that carry rules
    notes: list[NoteCoverage] = field(default_factory=list)  # and their notes that list rules
    pathways: tuple[str, ...] = ()  # pathway ids counted (their rules, arrows and the screening's rules)
    not_counted: tuple[str, ...] = ()  # pathways no scenario of the run touched
    touched_none: bool = False  # no scenario ran, so every pathway is counted

    @staticmethod
    def _percent(covered: int, total: int) -> float:
        return 100.0 if total == 0 else round(100.0 * covered / total, 1)

    @property
    def percent(self) -> float:
        """Share of rules fired by at least one scenario, in percent (one decimal)."""
        return self._percent(sum(1 for r in self.rules if r.fired), len(self.rules))

    @property
    def edge_percent(self) -> float:
        return self._percent(sum(1 for e in self.edges if e.scenarios), len(self.edges))

    @property
    def note_percent(self) -> float:
        return self._percent(sum(1 for n in self.notes if n.scenarios), len(self.notes))

    def never_fired(self) -> list[RuleCoverage]:
        return [r for r in self.rules if not r.fired]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenarios": self.scenarios,
            "pathways": list(self.pathways),
            "pathways_not_counted": list(self.not_counted),
            "touched_none": self.touched_none,
            "rules_percent": self.percent,
            "edges_percent": self.edge_percent,
            "notes_percent": self.note_percent,
            "rules": [r.to_dict() for r in self.rules],
            "never_fired": [r.rule for r in self.never_fired()],
            "edges": [e.to_dict() for e in self.edges],
            "notes": [n.to_dict() for n in self.notes],
        }


def _counted(catalogue: Catalogue, pathways: Iterable[str]) -> list[Pathway]:
    wanted = set(pathways)
    return [catalogue.pathways[d] for d in sorted(catalogue.pathways) if catalogue.pathways[d].id in wanted]


def _all_rules(catalogue: Catalogue, pathways: list[Pathway]) -> list[tuple[str, Rule]]:
    out = []
    for pathway in pathways:
        out.extend((pathway.id, rule) for rule in pathway.rules)
    out.extend(("screening", rule) for rule in catalogue.screening.rules)
    return out


def _views(catalogue: Catalogue, pathways: list[Pathway]) -> dict[str, "nx.DiGraph"]:
    from ..graph import teaching_view

    return {p.id: teaching_view(p, catalogue.screening, catalogue.vocabulary) for p in pathways}


def _places(view: "nx.DiGraph") -> tuple[list[tuple[str, str, dict]], list[dict]]:
    """The view's arrows that carry rules, and its notes that list rules, in drawing order."""
    from ..export.teaching_style import ordered_edges

    return [e for e in ordered_edges(view) if e[2].get("rules")], [n for n in view.graph["notes"] if n["rules"]]


def touched_pathways(report: RunReport, catalogue: Catalogue) -> tuple[str, ...]:
    """The ids of the pathways of every scenario that ran (skipped scenarios do not count)."""
    touched = set()
    for result in report.results:
        pathway = catalogue.pathways.get(result.scenario.patient.diagnosis)
        if result.status != "skipped" and pathway is not None:
            touched.add(pathway.id)
    return tuple(sorted(touched))


def coverage_of(report: RunReport, catalogue: Catalogue) -> CoverageReport:
    """Rule and teaching-view coverage of the scenarios that produced a recommendation (passed or
    failed), over the pathways the run touched (every pathway when it touched none)."""
    from ..graph.teaching_route import arrow_rules, box_name, note_rules, route_on_view

    decided: dict[str, int] = {}
    contributed: dict[str, int] = {}
    evaluated = [r.recommendation for r in report.results if r.recommendation is not None]
    for rec in evaluated:
        for rule in rec.rules_fired:
            if rule == rec.decided_by:
                decided[rule] = decided.get(rule, 0) + 1
            else:
                contributed[rule] = contributed.get(rule, 0) + 1
    every = tuple(sorted(p.id for p in catalogue.pathways.values()))
    touched = touched_pathways(report, catalogue)
    counted = _counted(catalogue, touched or every)
    coverage = CoverageReport(
        scenarios=len(evaluated),
        pathways=tuple(p.id for p in counted),
        not_counted=tuple(p for p in every if p not in (touched or every)),
        touched_none=not touched,
    )
    for origin, rule in _all_rules(catalogue, counted):
        qid = rule.qualified_id
        coverage.rules.append(RuleCoverage(qid, origin, rule.file, rule.line, decided.get(qid, 0), contributed.get(qid, 0)))
    views = _views(catalogue, counted)
    on_arrow: dict[tuple[str, str, str], int] = {}  # (pathway, source, target) -> scenarios whose route took it
    on_note: dict[tuple[str, int], int] = {}
    for rec in evaluated:
        view = views.get(rec.pathway)
        if view is None:
            continue
        route = route_on_view(view, rec.rules_fired)
        for source, target in route.arrows:
            on_arrow[(rec.pathway, source, target)] = on_arrow.get((rec.pathway, source, target), 0) + 1
        for number in route.notes:
            on_note[(rec.pathway, number)] = on_note.get((rec.pathway, number), 0) + 1
    for pathway_id, view in views.items():
        arrows, notes = _places(view)
        for source, target, data in arrows:
            coverage.edges.append(EdgeCoverage(
                pathway_id, source, target, label=data.get("label", ""),
                where=f"{box_name(view, source)} -> {box_name(view, target)}", rules=arrow_rules(view, source, data),
                scenarios=on_arrow.get((pathway_id, source, target), 0)))
        for note in notes:
            coverage.notes.append(NoteCoverage(
                pathway_id, note["number"], note["text"], note_rules(view, note), on_note.get((pathway_id, note["number"]), 0)))
    return coverage


def to_text(coverage: CoverageReport) -> str:
    lines = [
        f"Coverage over {plural(coverage.scenarios, 'evaluated scenario')}:",
        f"  pathways counted: {', '.join(coverage.pathways)} and the safety screening"
        + (" (no scenario ran, so every pathway is counted)" if coverage.touched_none else ""),
    ]
    if coverage.not_counted:
        lines.append(f"  not counted (no scenario of this run): {', '.join(coverage.not_counted)}")
    lines += [
        f"  rules fired: {sum(1 for r in coverage.rules if r.fired)} of {len(coverage.rules)} ({coverage.percent:g}%)",
        f"  diagram arrows exercised: {sum(1 for e in coverage.edges if e.scenarios)} of {len(coverage.edges)} "
        f"({coverage.edge_percent:g}%)",
        f"  diagram notes exercised: {sum(1 for n in coverage.notes if n.scenarios)} of {len(coverage.notes)} "
        f"({coverage.note_percent:g}%)",
        "",
        f"{'DECIDED':>7}  {'ALERTS':>6}  RULE",
    ]
    for r in coverage.rules:
        where = f"  ({r.file}:{r.line})" if not r.fired and r.file else ""
        mark = "" if r.fired else "  <- never fired"
        lines.append(f"{r.decided:>7}  {r.contributed:>6}  {r.rule}{mark}{where}")
    untested = [e for e in coverage.edges if not e.scenarios]
    if untested:
        lines += ["", "Diagram arrows no scenario exercised:"]
        for e in untested:
            label = f" {e.label!r}" if e.label else ""
            lines.append(f"  {e.pathway}: {e.where}{label} ({', '.join(e.rules)})")
    unread = [n for n in coverage.notes if not n.scenarios]
    if unread:
        lines += ["", "Diagram notes no scenario exercised:"]
        for n in unread:
            lines.append(f"  {n.pathway}: note ({n.number}) {n.text!r} ({', '.join(n.rules)})")
    return "\n".join(lines)


def to_json(coverage: CoverageReport) -> str:
    return json.dumps(coverage.to_dict(), indent=2)


_UNTESTED_EDGE = (f'color="{UNTESTED_COLOUR}"', f'fontcolor="{UNTESTED_COLOUR}"', "penwidth=3", 'style="bold,dashed"')
_UNTESTED_NOTE = (f'color="{UNTESTED_COLOUR}"', f'fontcolor="{UNTESTED_COLOUR}"', "penwidth=2")
UNTESTED_MARK = "UNTESTED: "
"""What an untested arrow's label starts with on the coverage diagram."""


def to_dot(coverage: CoverageReport, catalogue: Catalogue, pathway_id: str) -> str:
    """The pathway's teaching diagram (DOT, as ``ivig-rules graph`` draws it) with the arrows and
    notes no scenario exercised drawn red; an untested arrow's label starts with 'UNTESTED:'."""
    from ..export.teaching_dot import to_teaching_dot

    pathway = catalogue.pathway(pathway_id)
    if pathway is None:
        from ..errors import InputError, did_you_mean

        ids = sorted(p.id for p in catalogue.pathways.values())
        raise InputError(f"no pathway {pathway_id!r}; pathways: {', '.join(ids)}.", suggestion=did_you_mean(pathway_id, ids))
    view = _views(catalogue, [pathway])[pathway.id]
    untested = {(e.source, e.target) for e in coverage.edges if e.pathway == pathway.id and not e.scenarios}
    unread = {str(n.number) for n in coverage.notes if n.pathway == pathway.id and not n.scenarios}
    if not any(e.pathway == pathway.id for e in coverage.edges):  # not counted in this run: all untested
        arrows, notes = _places(view)
        untested = {(s, t) for s, t, _ in arrows}
        unread = {str(n["number"]) for n in notes}
    return to_teaching_dot(_marked(view, untested, unread))


def _marked(view: "nx.DiGraph", untested: set, unread: set) -> "nx.DiGraph":
    """A copy of the view whose untested arrows and unread notes carry the coverage marks."""
    marked = view.copy()
    for source, target in untested & set(marked.edges):
        data = marked.edges[source, target]
        data["label"] = UNTESTED_MARK + data["label"] if data.get("label") else UNTESTED_MARK.rstrip(": ")
        data["dot_attrs"] = _UNTESTED_EDGE
    marked.graph["notes"] = [
        {**note, "dot_attrs": _UNTESTED_NOTE} if str(note["number"]) in unread else note for note in view.graph["notes"]
    ]
    marked.graph["title"] = view.graph["title"] + "\nScenario coverage: untested arrows and notes in red"
    return marked

