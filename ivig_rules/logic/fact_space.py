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
from typing import Any, Iterable, Iterator

from .compiler import CompiledPathway, compile_pathway, engine_key, fact_of_key, normalise, predicate_keys
from ..engines.reference import holds
from ..model import TREATMENT_PREFIX, Catalogue, Patient, Pathway, Rule, Vocabulary, frozen_map

__all__ = [
    "axes",
    "axes_for_rules",
    "space_size",
    "enumerate_space",
    "enumerate_patients",
    "example_patient",
    "show_value",
    "Finding",
    "decision_findings",
    "patient_from_engine_facts",
    "MAX_SPACE",
    "EXAMPLE_AGE",
    "EXAMPLE_SEX",
]

MAX_SPACE = 500_000
EXAMPLE_AGE = 40
EXAMPLE_SEX = "female"


def _thresholds(rules: Iterable[Rule], fact: str) -> set[float]:
    found: set[float] = set()
    key = engine_key(fact)

    def walk(p):
        if p[0] == "cmp":
            if p[1] == key and isinstance(p[3], (int, float)) and not isinstance(p[3], bool):
                found.add(float(p[3]))
        else:
            for part in p[1]:
                walk(part)

    for rule in rules:
        walk(normalise(rule.when))
    return found


def axes(pathway: Pathway, vocab: Vocabulary) -> dict[str, tuple[Any, ...]]:
    """For each fact the pathway's rules test, the values that decide every rule."""
    return axes_for_rules(pathway.rules, vocab)


def axes_for_rules(rules: Iterable[Rule], vocab: Vocabulary) -> dict[str, tuple[Any, ...]]:
    """For each fact these rules test (sorted by name), the values that decide every one of them.

    Used for one pathway, for the screening, and for the union of an old and a new version
    of a pathway (semantic diff), so that both versions are decided on every patient.
    """
    rules = tuple(rules)
    facts = vocab.rule_facts()
    keys: set[str] = set()
    for rule in rules:
        keys |= predicate_keys(normalise(rule.when))
    out: dict[str, tuple[Any, ...]] = {}
    for key in sorted(keys):
        fact = fact_of_key(key)
        spec = facts[fact]
        if spec.type in ("enum", "boolean"):
            out[fact] = spec.values_for_rules
        else:
            points = sorted(_thresholds(rules, fact))
            low, high = spec.minimum, spec.maximum
            values = {low, high}
            for point in points:
                for candidate in (point - 0.5, point, point + 0.5):
                    if low <= candidate <= high:
                        values.add(candidate)
            out[fact] = tuple(sorted(values))
    return out


def _empty_screening():
    from ..model import Screening

    return Screening(id="none", title="", version="0", applies_to=("recommended",), rules=())


def patient_from_engine_facts(values: dict[str, Any], pathway: Pathway, vocab: Vocabulary) -> Patient:
    """A full, valid patient with these values and every other fact at its default."""
    facts: dict[str, Any] = {}
    for name, spec in vocab.facts.items():
        facts[name] = spec.default
    facts["diagnosis"] = pathway.diagnosis
    facts["age_years"] = EXAMPLE_AGE
    facts["sex"] = EXAMPLE_SEX
    for therapy in vocab.therapies:
        facts[TREATMENT_PREFIX + therapy] = vocab.default_status
    facts.update(values)
    return Patient(facts=frozen_map(dict(sorted(facts.items()))), source=f"<{pathway.id} fact space>")


def show_value(value: Any) -> str:
    """A fact value as the reports write it: true/false, null, 2 rather than 2.0."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def example_patient(values: dict[str, Any], diagnosis: str, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """A patient mapping a user can paste into ``ivig-rules evaluate``: diagnosis, age, sex,
    the given facts, and therapy statuses nested under ``treatments:``."""
    out: dict[str, Any] = {"diagnosis": diagnosis, "age_years": EXAMPLE_AGE, "sex": EXAMPLE_SEX}
    out.update(base or {})
    treatments: dict[str, Any] = {}
    for name in sorted(values):
        value = values[name]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if name.startswith(TREATMENT_PREFIX):
            treatments[name[len(TREATMENT_PREFIX):]] = value
        else:
            out[name] = value
    if treatments:
        out["treatments"] = treatments
    return out


def space_size(space: dict[str, tuple[Any, ...]]) -> int:
    size = 1
    for values in space.values():
        size *= len(values)
    return size


def enumerate_space(space: dict[str, tuple[Any, ...]], what: str = "the fact space") -> Iterator[dict[str, Any]]:
    """Every combination of the axes' values (fact name -> value), in a fixed order."""
    size = space_size(space)
    if size > MAX_SPACE:
        raise ValueError(f"{what} has {size:,} patients, more than {MAX_SPACE:,}")
    names = list(space)
    for combo in itertools.product(*(space[n] for n in names)):
        yield dict(zip(names, combo))


def enumerate_patients(pathway: Pathway, vocab: Vocabulary) -> Iterator[dict[str, Any]]:
    """Every combination of the deciding values (fact name -> value)."""
    return enumerate_space(axes(pathway, vocab), f"the fact space of {pathway.id}")


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
