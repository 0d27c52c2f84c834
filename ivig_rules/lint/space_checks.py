"""Completeness and conflicts, found by evaluating every patient of a pathway's finite fact space.

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
from typing import Any, Callable

from .._text import plural
from ..compiler import compile_pathway, engine_key, normalise
from ..engines.reference import holds
from ..fact_space import (
    axes,
    axes_for_rules,
    enumerate_space,
    example_patient,
    patient_from_engine_facts,
    show_value,
    space_size,
)
from ..model import Pathway, Screening, Vocabulary
from .findings import ERROR, WARNING, LintFinding

__all__ = [
    "pathway_space_findings",
    "screening_space_findings",
    "describe_cube",
    "SpaceResult",
    "SpaceTooLarge",
    "MAX_CHECKS",
    "check_budget",
    "comparisons",
]

MAX_GAP_FINDINGS = 25
MAX_CHECKS = 5_000_000
"""Comparisons lint evaluates over one fact space (patients x the rules' comparisons) before it
gives up with a finding instead of minutes of silence: about 3 s here, 25 times the largest
shipped pathway. Past it, the space is reported as too large and not checked."""
PROGRESS_STEPS = 50

Progress = Callable[[str, int, int], None]  # (what, patients done, patients in all)


class SpaceTooLarge(ValueError):
    """A fact space whose checking would take too long; the message says how large and why."""


def comparisons(predicate) -> int:
    """How many comparisons a compiled predicate holds (what checking one patient costs)."""
    return 1 if predicate[0] == "cmp" else sum(comparisons(p) for p in predicate[1])


def check_budget(what: str, patients: int, rule_comparisons: int) -> None:
    """Refuse, with the figures, a space that would take more than MAX_CHECKS comparisons."""
    checks = patients * max(rule_comparisons, 1)
    if checks > MAX_CHECKS:
        raise SpaceTooLarge(
            f"{what} has {patients:,} patients and its rules {rule_comparisons:,} comparisons: "
            f"{checks:,} checks, more than lint's bound of {MAX_CHECKS:,} (a few seconds). Fewer thresholds "
            "on numbers, fewer rules or a split pathway make it smaller"
        )


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


def pathway_space_findings(pathway: Pathway, vocab: Vocabulary, progress: Progress | None = None) -> SpaceResult:
    """Gaps, overlaps, dead and masked rules of one pathway, and the steps patients are sent to."""
    compiled = compile_pathway(pathway, Screening("none", "", "0", ("recommended",), ()))
    space = axes(pathway, vocab)
    what = f"the fact space of {pathway.id}"
    total = space_size(space)
    check_budget(what, total, sum(comparisons(r.predicate) for r in compiled.rules))
    every = max(total // PROGRESS_STEPS, 1)
    names = list(space)
    deciders = [r for r in compiled.rules if r.rule.decides]
    matched = {r.name: 0 for r in compiled.rules}
    decided = {r.name: 0 for r in deciders}
    masked_by: dict[str, dict[str, int]] = {r.name: {} for r in deciders}
    masked_example: dict[str, dict] = {}
    gaps: list[tuple] = []
    overlaps: dict[tuple, list] = {}
    steps_used: dict[str, tuple[int, str]] = {}
    for done, values in enumerate(enumerate_space(space, what)):
        if progress is not None and done % every == 0:
            progress(what, done, total)
        facts = compiled.engine_facts(patient_from_engine_facts(values, pathway, vocab))
        hits = [r for r in compiled.rules if holds(r.predicate, facts)]
        for r in hits:
            matched[r.name] += 1
        deciding = [r for r in hits if r.rule.decides]
        if not deciding:
            gaps.append(tuple(values[n] for n in names))
            continue
        winner = deciding[0]
        decided[winner.name] += 1
        step = winner.rule.then.next_step
        if step is not None:
            count, first = steps_used.get(step, (0, winner.rule.id))
            steps_used[step] = (count + 1, first)
        for r in deciding[1:]:
            masked_by[r.name][winner.rule.id] = masked_by[r.name].get(winner.rule.id, 0) + 1
            masked_example.setdefault(r.name, values)
        if len({_outcome(r.rule) for r in deciding}) > 1:
            ids = tuple(r.rule.id for r in deciding)
            entry = overlaps.setdefault(ids, [0, values, deciding])
            entry[0] += 1

    out: list[LintFinding] = []
    file, diagnosis = pathway.file, pathway.diagnosis
    cubes = _cubes(gaps, space)
    for cube in cubes[:MAX_GAP_FINDINGS]:
        size = 1
        for c in cube:
            size *= len(c)
        example = dict(zip(names, (c[0] for c in cube)))
        out.append(LintFinding(
            ERROR, "gap",
            f"no rule gives an IVIG verdict for {_patients(size)} with {describe_cube(cube, space)}",
            file=file, line=1, pathway=pathway.id, example=example_patient(example, diagnosis), count=size,
        ))
    if len(cubes) > MAX_GAP_FINDINGS:
        out.append(LintFinding(
            ERROR, "gap", f"{len(cubes) - MAX_GAP_FINDINGS} more gaps not listed", file=file, line=1, pathway=pathway.id,
        ))
    for ids, (count, values, deciding) in overlaps.items():
        described = "; ".join(f"{r.rule.id} (line {r.rule.line}): {_show_outcome(r.rule)}" for r in deciding)
        out.append(LintFinding(
            ERROR, "overlap",
            f"{_patients(count)} match{'es' if count == 1 else ''} rules with different outcomes: {described}. "
            f"'{deciding[0].rule.id}' wins because it comes first",
            file=file, line=deciding[1].rule.line, pathway=pathway.id, rules=ids,
            example=example_patient(values, diagnosis), count=count,
        ))
    for r in compiled.rules:
        rule = r.rule
        if matched[r.name] == 0:
            out.append(LintFinding(
                ERROR, "dead-rule", f"the rule {rule.id!r} can never fire: no patient satisfies its condition",
                file=file, line=rule.line, pathway=pathway.id, rules=(rule.id,),
            ))
        elif rule.decides and decided[r.name] == 0:
            winners = masked_by[r.name]
            same = all(_outcome(next(d.rule for d in deciders if d.rule.id == w)) == _outcome(rule) for w in winners)
            by = ", ".join(sorted(winners))
            out.append(LintFinding(
                WARNING if same else ERROR, "redundant-rule" if same else "masked-rule",
                f"the rule {rule.id!r} matches {_patients(matched[r.name])} but never decides: "
                + (f"the earlier rules {by} always win" if len(winners) > 1 else f"the earlier rule {by} always wins")
                + (" with the same outcome" if same else " with a different outcome"),
                file=file, line=rule.line, pathway=pathway.id, rules=(rule.id, *sorted(winners)),
                example=example_patient(masked_example[r.name], diagnosis), count=matched[r.name],
            ))
    return SpaceResult(out, steps_used)


def screening_space_findings(screening: Screening, vocab: Vocabulary) -> list[LintFinding]:
    """Screening rules whose condition holds for nobody."""
    space = axes_for_rules(screening.rules, vocab)
    predicates = [(rule, normalise(rule.when)) for rule in screening.rules]
    check_budget("the screening's fact space", space_size(space), sum(comparisons(p) for _, p in predicates))
    alive: set[str] = set()
    for values in enumerate_space(space, "the screening's fact space"):
        facts = {engine_key(k): v for k, v in values.items()}
        for rule, predicate in predicates:
            if rule.id not in alive and holds(predicate, facts):
                alive.add(rule.id)
        if len(alive) == len(predicates):
            break
    return [
        LintFinding(
            ERROR, "dead-rule", f"the screening rule {rule.id!r} can never fire: no patient satisfies its condition",
            file=screening.file, line=rule.line, rules=(rule.id,),
        )
        for rule in screening.rules
        if rule.id not in alive
    ]
