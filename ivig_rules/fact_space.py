"""Enumerates a pathway's finite fact space, and finds its gaps and overlaps.

The space is every combination of the values of the facts the pathway's rules test: each
status of each therapy mentioned, both values of each flag, every value of each choice, and
for numbers one value on each side of every threshold the rules use. Every other fact keeps
its default. That space is small (hundreds to a few thousand patients) and decides every
rule, so gaps (no verdict) and overlaps (two different decisions) are found exhaustively.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Iterator

from .compiler import CompiledPathway, compile_pathway, engine_key
from .engines.reference import holds
from .model import TREATMENT_PREFIX, Catalogue, Patient, Pathway, Vocabulary, frozen_map

__all__ = ["axes", "enumerate_patients", "Finding", "decision_findings", "patient_from_engine_facts", "MAX_SPACE"]

MAX_SPACE = 500_000


def _thresholds(pathway: Pathway, fact: str) -> set[float]:
    from .compiler import normalise

    found: set[float] = set()
    key = engine_key(fact)

    def walk(p):
        if p[0] == "cmp":
            if p[1] == key and isinstance(p[3], (int, float)) and not isinstance(p[3], bool):
                found.add(float(p[3]))
        else:
            for part in p[1]:
                walk(part)

    for rule in pathway.rules:
        walk(normalise(rule.when))
    return found


def axes(pathway: Pathway, vocab: Vocabulary) -> dict[str, tuple[Any, ...]]:
    """For each fact the pathway's rules test, the values that decide every rule."""
    facts = vocab.rule_facts()
    compiled = compile_pathway(pathway, _empty_screening())
    out: dict[str, tuple[Any, ...]] = {}
    for key in compiled.keys:
        fact = TREATMENT_PREFIX + key[3:] if key.startswith("tx_") else key
        spec = facts[fact]
        if spec.type == "enum":
            out[fact] = spec.values
        elif spec.type == "boolean":
            out[fact] = (False, True)
        else:
            points = sorted(_thresholds(pathway, fact))
            low, high = spec.minimum, spec.maximum
            values = {low, high}
            for point in points:
                for candidate in (point - 0.5, point, point + 0.5):
                    if low <= candidate <= high:
                        values.add(candidate)
            out[fact] = tuple(sorted(values))
    return out


def _empty_screening():
    from .model import Screening

    return Screening(id="none", title="", version="0", applies_to=("recommended",), rules=())


def patient_from_engine_facts(values: dict[str, Any], pathway: Pathway, vocab: Vocabulary) -> Patient:
    """A full, valid patient with these values and every other fact at its default."""
    facts: dict[str, Any] = {}
    for name, spec in vocab.facts.items():
        facts[name] = spec.default
    facts["diagnosis"] = pathway.diagnosis
    facts["age_years"] = 40
    facts["sex"] = "female"
    for therapy in vocab.therapies:
        facts[TREATMENT_PREFIX + therapy] = vocab.default_status
    facts.update(values)
    return Patient(facts=frozen_map(dict(sorted(facts.items()))), source=f"<{pathway.id} fact space>")


def enumerate_patients(pathway: Pathway, vocab: Vocabulary) -> Iterator[dict[str, Any]]:
    """Every combination of the deciding values (fact name -> value)."""
    space = axes(pathway, vocab)
    names = list(space)
    size = 1
    for values in space.values():
        size *= len(values)
    if size > MAX_SPACE:
        raise ValueError(f"the fact space of {pathway.id} has {size:,} patients, more than {MAX_SPACE:,}")
    for combo in itertools.product(*(space[n] for n in names)):
        yield dict(zip(names, combo))


@dataclass(frozen=True)
class Finding:
    kind: str  # gap | overlap
    pathway: str
    rules: tuple[str, ...]
    example: dict[str, Any]
    message: str


def decision_findings(pathway: Pathway, vocab: Vocabulary, catalogue: Catalogue | None = None) -> list[Finding]:
    """Gaps (no rule gives a verdict) and overlaps (matching rules disagree), one example each."""
    compiled: CompiledPathway = compile_pathway(pathway, _empty_screening())
    deciders = [r for r in compiled.rules if r.rule.decides]
    findings: dict[tuple, Finding] = {}
    for values in enumerate_patients(pathway, vocab):
        patient = patient_from_engine_facts(values, pathway, vocab)
        facts = compiled.engine_facts(patient)
        hits = [r for r in deciders if holds(r.predicate, facts)]
        if not hits:
            key = ("gap",)
            if key not in findings:
                findings[key] = Finding("gap", pathway.id, (), values, "no rule gives an IVIG verdict")
            continue
        outcomes = {(r.rule.then.ivig, r.rule.then.next_step) for r in hits}
        if len(outcomes) > 1:
            ids = tuple(r.rule.id for r in hits)
            key = ("overlap", ids)
            if key not in findings:
                findings[key] = Finding(
                    "overlap", pathway.id, ids, values,
                    "rules with different outcomes match the same patient: " + ", ".join(ids),
                )
    return list(findings.values())
