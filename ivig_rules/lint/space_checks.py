"""Completeness and conflicts over every patient of a pathway's finite fact space.

- gap: no rule gives an IVIG verdict (the evaluator would refuse to answer);
- overlap: matching deciding rules disagree on verdict, next step or dose;
- dead rule: the rule's condition holds for nobody;
- masked rule: a deciding rule that matches somebody but never decides, because an earlier
  rule always wins (redundant when the winners say the same thing).

Gaps are grouped into "cubes" (a value set per fact) so that one finding describes a whole
hole, with the number of patients in it and a patient to paste into ``ivig-rules evaluate``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from .._text import plural
from ..logic.compiler import compile_pathway, engine_key, normalise
from ..logic.predicates import holds
from ..logic.fact_space import axes, axes_for_rules, enumerate_space, example_patient, patient_from_engine_facts, show_value
from ..model import Pathway, Screening, Vocabulary
from .findings import ERROR, WARNING, LintFinding

__all__ = [
    "pathway_space_findings",
    "pathway_space_findings_by_enumeration",
    "screening_space_findings",
    "screening_space_findings_by_enumeration",
    "describe_cube",
    "SpaceResult",
]

MAX_GAP_FINDINGS = 25


def _outcome(rule) -> tuple:
    then = rule.then
    return (then.ivig, then.next_step, then.dose)


def _show_outcome(rule) -> str:
    then = rule.then
    text = f"ivig {then.ivig}"
    if then.next_step:
        text += f", next step {then.next_step}"
    if then.dose:
        text += f", dose {then.dose}"
    return text


def describe_cube(cube: list[tuple[Any, ...]], space: dict[str, tuple[Any, ...]]) -> str:
    """'fact: value; fact in [a, b]' for the facts the cube restricts (all others: any value)."""
    parts = []
    for (name, values), chosen in zip(space.items(), cube):
        if len(chosen) == len(values):
            continue
        shown = [show_value(v) for v in values if v in chosen]
        left_out = [show_value(v) for v in values if v not in chosen]
        if len(shown) == 1:
            parts.append(f"{name}: {shown[0]}")
        elif len(left_out) < len(shown) and all(isinstance(v, str) for v in values):
            parts.append(f"{name} not {left_out[0]}" if len(left_out) == 1 else f"{name} not in [{', '.join(left_out)}]")
        else:
            parts.append(f"{name} in [{', '.join(shown)}]")
    return "; ".join(parts) or "every patient"


def _patients(count: int) -> str:
    return f"{plural(count, 'patient')}"


def _cubes(points: list[tuple], space: dict[str, tuple[Any, ...]]) -> list[list[tuple]]:
    """Cover the points with few, large cubes, greedily and in a fixed order."""
    inside = set(points)
    axes_values = list(space.values())
    covered: set[tuple] = set()
    cubes = []
    for point in points:
        if point in covered:
            continue
        cube = [[value] for value in point]
        for i, values in enumerate(axes_values):
            for value in values:
                if value in cube[i]:
                    continue
                others = [cube[j] if j != i else [value] for j in range(len(cube))]
                if all(p in inside for p in itertools.product(*others)):
                    cube[i].append(value)
        cubes.append([tuple(c) for c in cube])
        covered.update(itertools.product(*cube))
    return cubes


@dataclass(frozen=True)
class SpaceResult:
    findings: list[LintFinding]
    steps_used: dict[str, tuple[int, str]]  # step id -> (patients sent there, first rule doing it)


@dataclass
class _Tally:
    """What the findings need from the fact space, however it was computed."""

    matched: dict[str, int]  # rule name -> patients it matches
    decided: dict[str, int]  # deciding rule name -> patients it decides
    masked_by: dict[str, dict[str, int]]  # rule name -> winning rule id -> patients
    masked_example: dict[str, dict]
    gap_cubes: list[list[tuple]]  # per gap cube, per axis, its values (the starting point's first)
    overlaps: dict[tuple, list]  # deciding rule ids -> [patients, first example, deciding rules]
    steps_used: dict[str, tuple[int, str]]

    @classmethod
    def empty(cls, rules, deciders) -> "_Tally":
        return cls({r.name: 0 for r in rules}, {r.name: 0 for r in deciders}, {r.name: {} for r in deciders}, {}, [], {}, {})

    def add(self, hits: list, values: dict, count: int) -> bool:
        """Count ``count`` patients (first example ``values``) matched by ``hits``; False for a gap."""
        for r in hits:
            self.matched[r.name] += count
        deciding = [r for r in hits if r.rule.decides]
        if not deciding:
            return False
        winner = deciding[0]
        self.decided[winner.name] += count
        step = winner.rule.then.next_step
        if step is not None:
            used, first = self.steps_used.get(step, (0, winner.rule.id))
            self.steps_used[step] = (used + count, first)
        for r in deciding[1:]:
            self.masked_by[r.name][winner.rule.id] = self.masked_by[r.name].get(winner.rule.id, 0) + count
            self.masked_example.setdefault(r.name, values)
        if len({_outcome(r.rule) for r in deciding}) > 1:
            entry = self.overlaps.setdefault(tuple(r.rule.id for r in deciding), [0, values, deciding])
            entry[0] += count
        return True


def _compiled(pathway: Pathway):
    return compile_pathway(pathway, Screening("none", "", "0", ("recommended",), ()))


def pathway_space_findings(pathway: Pathway, vocab: Vocabulary) -> SpaceResult:
    """Gaps, overlaps, dead and masked rules of one pathway, and the steps patients are sent to.

    The fact space is partitioned by the rules' own comparisons (:mod:`ivig_rules.logic.partition`),
    so the cost follows the number of distinct conditions, not the number of patients; the
    findings are those of :func:`pathway_space_findings_by_enumeration`, patient for patient.
    """
    from ..logic.partition import SpaceDiagram

    compiled = _compiled(pathway)
    space = axes(pathway, vocab)
    deciders = [r for r in compiled.rules if r.rule.decides]
    tally = _Tally.empty(compiled.rules, deciders)
    diagram = SpaceDiagram([r.predicate for r in compiled.rules], space)
    for cell in diagram.cells():
        hits = [r for i, r in enumerate(compiled.rules) if cell.mask >> i & 1]
        tally.add(hits, diagram.values(cell.first), cell.count)
    decider_mask = sum(1 << i for i, r in enumerate(compiled.rules) if r.rule.decides)
    values = list(space.values())
    for cube in diagram.cubes(lambda mask: not mask & decider_mask):
        tally.gap_cubes.append([tuple(values[axis][i] for i in chosen) for axis, chosen in enumerate(cube)])
    return _findings(pathway, compiled, space, tally, vocab)


def pathway_space_findings_by_enumeration(pathway: Pathway, vocab: Vocabulary) -> SpaceResult:
    """The same findings, by evaluating every patient of the fact space (the method before
    partitioning; kept as its reference, for tests and benchmarks/analysis.py)."""
    compiled = _compiled(pathway)
    space = axes(pathway, vocab)
    names = list(space)
    deciders = [r for r in compiled.rules if r.rule.decides]
    tally = _Tally.empty(compiled.rules, deciders)
    gaps: list[tuple] = []
    for values in enumerate_space(space, f"the fact space of {pathway.id}"):
        facts = compiled.engine_facts(patient_from_engine_facts(values, pathway, vocab))
        if not tally.add([r for r in compiled.rules if holds(r.predicate, facts)], values, 1):
            gaps.append(tuple(values[n] for n in names))
    tally.gap_cubes = _cubes(gaps, space)
    return _findings(pathway, compiled, space, tally, vocab)


def _findings(pathway: Pathway, compiled, space: dict[str, tuple[Any, ...]], tally: _Tally, vocab: Vocabulary) -> SpaceResult:
    names = list(space)
    deciders = [r for r in compiled.rules if r.rule.decides]
    out: list[LintFinding] = []
    file, diagnosis = pathway.file, pathway.diagnosis
    cubes = tally.gap_cubes
    for cube in cubes[:MAX_GAP_FINDINGS]:
        size = 1
        for c in cube:
            size *= len(c)
        example = dict(zip(names, (c[0] for c in cube)))
        out.append(LintFinding(
            ERROR, "gap",
            f"no rule gives an IVIG verdict for {_patients(size)} with {describe_cube(cube, space)}",
            file=file, line=1, pathway=pathway.id, example=example_patient(example, diagnosis, vocab=vocab), count=size,
        ))
    if len(cubes) > MAX_GAP_FINDINGS:
        out.append(LintFinding(
            ERROR, "gap", f"{len(cubes) - MAX_GAP_FINDINGS} more gaps not listed", file=file, line=1, pathway=pathway.id,
        ))
    for ids, (count, values, deciding) in tally.overlaps.items():
        described = "; ".join(f"{r.rule.id} (line {r.rule.line}): {_show_outcome(r.rule)}" for r in deciding)
        out.append(LintFinding(
            ERROR, "overlap",
            f"{_patients(count)} match{'es' if count == 1 else ''} rules with different outcomes: {described}. "
            f"'{deciding[0].rule.id}' wins because it comes first",
            file=file, line=deciding[1].rule.line, pathway=pathway.id, rules=ids,
            example=example_patient(values, diagnosis, vocab=vocab), count=count,
        ))
    for r in compiled.rules:
        rule = r.rule
        if tally.matched[r.name] == 0:
            out.append(LintFinding(
                ERROR, "dead-rule", f"the rule {rule.id!r} can never fire: no patient satisfies its condition",
                file=file, line=rule.line, pathway=pathway.id, rules=(rule.id,),
            ))
        elif rule.decides and tally.decided[r.name] == 0:
            winners = tally.masked_by[r.name]
            same = all(_outcome(next(d.rule for d in deciders if d.rule.id == w)) == _outcome(rule) for w in winners)
            by = ", ".join(sorted(winners))
            out.append(LintFinding(
                WARNING if same else ERROR, "redundant-rule" if same else "masked-rule",
                f"the rule {rule.id!r} matches {_patients(tally.matched[r.name])} but never decides: "
                + (f"the earlier rules {by} always win" if len(winners) > 1 else f"the earlier rule {by} always wins")
                + (" with the same outcome" if same else " with a different outcome"),
                file=file, line=rule.line, pathway=pathway.id, rules=(rule.id, *sorted(winners)),
                example=example_patient(tally.masked_example[r.name], diagnosis, vocab=vocab), count=tally.matched[r.name],
            ))
    return SpaceResult(out, tally.steps_used)


def screening_space_findings(screening: Screening, vocab: Vocabulary) -> list[LintFinding]:
    """Screening rules whose condition holds for nobody (found by partitioning, as for pathways)."""
    from ..logic.partition import SpaceDiagram

    space = axes_for_rules(screening.rules, vocab)
    alive = 0
    for cell in SpaceDiagram([normalise(rule.when) for rule in screening.rules], space).cells():
        alive |= cell.mask
    return _dead_screening_rules(screening, {rule.id for i, rule in enumerate(screening.rules) if alive >> i & 1})


def screening_space_findings_by_enumeration(screening: Screening, vocab: Vocabulary) -> list[LintFinding]:
    """The same, by evaluating every patient of the screening's fact space (the reference method)."""
    space = axes_for_rules(screening.rules, vocab)
    predicates = [(rule, normalise(rule.when)) for rule in screening.rules]
    alive: set[str] = set()
    for values in enumerate_space(space, "the screening's fact space"):
        facts = {engine_key(k): v for k, v in values.items()}
        for rule, predicate in predicates:
            if rule.id not in alive and holds(predicate, facts):
                alive.add(rule.id)
        if len(alive) == len(predicates):
            break
    return _dead_screening_rules(screening, alive)


def _dead_screening_rules(screening: Screening, alive: set[str]) -> list[LintFinding]:
    return [
        LintFinding(
            ERROR, "dead-rule", f"the screening rule {rule.id!r} can never fire: no patient satisfies its condition",
            file=screening.file, line=rule.line, rules=(rule.id,),
        )
        for rule in screening.rules
        if rule.id not in alive
    ]
