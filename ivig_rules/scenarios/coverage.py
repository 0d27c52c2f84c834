"""Which rules and pathway arrows a scenario run exercised, and which it never did.

A rule is covered when at least one scenario fired it: it decided the verdict, or it added
its alerts (pathway rules without a verdict, and safety rules when the verdict is screened).
An arrow of a pathway's graph (see :mod:`ivig_rules.graph`) is covered when a scenario was
decided by one of its rules; a scenario counts once per arrow. The screening's arrow holds the
safety rules that rule IVIG out: when several fire, the first in file order decides, so the
scenario counts once there too. The percentage that ``ivig-rules run --fail-under`` checks is
the share of rules covered.

Only the pathways the run touched are counted (a scenario that ran - passed, failed or ended in
an error - touches its diagnosis's pathway), with the safety screening, so a run over one
scenario file is measured against its own pathway rather than all of them. A run that touched
none counts every pathway (0%), so an empty run never passes ``--fail-under``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from .._text import plural
from ..model import Catalogue, Pathway, Rule
from .runner import RunReport

__all__ = ["RuleCoverage", "EdgeCoverage", "CoverageReport", "coverage_of", "touched_pathways", "to_text", "to_json", "to_dot"]


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


@dataclass(frozen=True)
class EdgeCoverage:
    pathway: str
    source: str
    target: str
    rules: tuple[str, ...]  # qualified ids
    scenarios: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"pathway": self.pathway, "from": self.source, "to": self.target,
                "rules": list(self.rules), "scenarios": self.scenarios}


@dataclass
class CoverageReport:
    scenarios: int
    rules: list[RuleCoverage] = field(default_factory=list)
    edges: list[EdgeCoverage] = field(default_factory=list)
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
            "rules": [r.to_dict() for r in self.rules],
            "never_fired": [r.rule for r in self.never_fired()],
            "edges": [e.to_dict() for e in self.edges],
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


def _edges(catalogue: Catalogue, pathways: list[Pathway]) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(pathway, from node, to node, qualified rule ids) for every arrow of the pathways' graphs."""
    from ..graph import SCREENING, build_graph, transitions

    out = []
    screening = catalogue.screening
    for pathway in pathways:
        graph = build_graph(pathway, screening, catalogue.vocabulary)
        for (source, target), rules in sorted(transitions(graph).items()):
            owner = screening.id if source == SCREENING else pathway.id
            out.append((pathway.id, source, target, tuple(f"{owner}.{r}" for r in rules)))
    return out


def touched_pathways(report: RunReport, catalogue: Catalogue) -> tuple[str, ...]:
    """The ids of the pathways of every scenario that ran (skipped scenarios do not count)."""
    touched = set()
    for result in report.results:
        pathway = catalogue.pathways.get(result.scenario.patient.diagnosis)
        if result.status != "skipped" and pathway is not None:
            touched.add(pathway.id)
    return tuple(sorted(touched))


def coverage_of(report: RunReport, catalogue: Catalogue) -> CoverageReport:
    """Rule and arrow coverage of the scenarios that produced a recommendation (passed or failed),
    over the pathways the run touched (every pathway when it touched none)."""
    decided: dict[str, int] = {}
    contributed: dict[str, int] = {}
    decided_in: dict[tuple[str, str], int] = {}  # (pathway, rule) -> scenarios it decided
    evaluated = [r.recommendation for r in report.results if r.recommendation is not None]
    for rec in evaluated:
        for rule in rec.rules_fired:
            if rule == rec.decided_by:
                decided[rule] = decided.get(rule, 0) + 1
                decided_in[(rec.pathway, rule)] = decided_in.get((rec.pathway, rule), 0) + 1
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
    for pathway, source, target, rules in _edges(catalogue, counted):
        hits = sum(decided_in.get((pathway, r), 0) for r in rules)  # one decider per scenario: no double count
        coverage.edges.append(EdgeCoverage(pathway, source, target, rules, hits))
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
        f"  pathway arrows exercised: {sum(1 for e in coverage.edges if e.scenarios)} of {len(coverage.edges)} "
        f"({coverage.edge_percent:g}%)",
        "",
        f"{'DECIDED':>7}  {'ALERTS':>6}  RULE",
    ]
    for r in coverage.rules:
        where = f"  ({r.file}:{r.line})" if not r.fired and r.file else ""
        mark = "" if r.fired else "  <- never fired"
        lines.append(f"{r.decided:>7}  {r.contributed:>6}  {r.rule}{mark}{where}")
    untested = [e for e in coverage.edges if not e.scenarios]
    if untested:
        lines.append("")
        lines.append("Pathway arrows no scenario exercised:")
        for e in untested:
            lines.append(f"  {e.pathway}: {e.source} -> {e.target} ({', '.join(e.rules)})")
    return "\n".join(lines)


def to_json(coverage: CoverageReport) -> str:
    return json.dumps(coverage.to_dict(), indent=2)


_EDGE_LINE = re.compile(r'^  "((?:[^"\\]|\\.)*)" -> "((?:[^"\\]|\\.)*)" \[(.*)\];$')
_UNTESTED = ', color="#d62728", fontcolor="#d62728", penwidth=3, style="bold,dashed", xlabel="UNTESTED"'


def to_dot(coverage: CoverageReport, catalogue: Catalogue, pathway_id: str) -> str:
    """The pathway's diagram (DOT) with the arrows no scenario exercised drawn red, bold and dashed."""
    from ..export.dot import to_dot as pathway_dot
    from ..graph import SCREENING, build_graph

    pathway = catalogue.pathway(pathway_id)
    if pathway is None:
        from ..errors import InputError, did_you_mean

        ids = sorted(p.id for p in catalogue.pathways.values())
        raise InputError(f"no pathway {pathway_id!r}; pathways: {', '.join(ids)}.", suggestion=did_you_mean(pathway_id, ids))
    graph = build_graph(pathway, catalogue.screening, catalogue.vocabulary)
    tested_rules = {r for e in coverage.edges if e.pathway == pathway.id and e.scenarios for r in e.rules}
    untested: set[tuple[str, str]] = set()
    for source, target, data in graph.edges(data=True):
        if data.get("kind") != "rule":
            continue
        owner = catalogue.screening.id if source == SCREENING else pathway.id
        if not any(f"{owner}.{r}" in tested_rules for r in data["rules"]):
            untested.add((source, target))
    lines = []
    for line in pathway_dot(graph).splitlines():
        match = _EDGE_LINE.match(line)
        if match and (match[1], match[2]) in untested:
            line = f'  "{match[1]}" -> "{match[2]}" [{match[3]}{_UNTESTED}];'
        lines.append(line)
    return "\n".join(lines) + "\n"
