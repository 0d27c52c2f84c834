"""Enumerates a pathway's finite fact space (its gaps and overlaps are lint's: lint/space_checks.py).

The space is every combination of the values of the facts the pathway's rules test: each
status of each therapy mentioned, both values of each flag, every value of each choice, and
for numbers one value on each side of every threshold the rules use. Every other fact keeps
its default. That space is small (hundreds to a few thousand patients) and decides every
rule, so gaps (no verdict) and overlaps (two different decisions) are found exhaustively.
"""

from __future__ import annotations

import itertools
from typing import Any, Iterable, Iterator

from .compiler import engine_key, fact_of_key, normalise, predicate_keys
from .predicates import thresholds
from ..model.facts import AGE, DIAGNOSIS, SEX, therapy_of, treatment_fact
from ..model import Patient, Pathway, Rule, Vocabulary, frozen_map

__all__ = [
    "axes",
    "axes_for_rules",
    "space_size",
    "enumerate_space",
    "enumerate_patients",
    "example_patient",
    "show_value",
    "patient_from_engine_facts",
    "MAX_SPACE",
    "EXAMPLE_AGE",
    "example_age",
    "EXAMPLE_SEX",
]

MAX_SPACE = 500_000
EXAMPLE_AGE = 40
EXAMPLE_SEX = "female"


def _thresholds(rules: Iterable[Rule], fact: str) -> set[float]:
    key = engine_key(fact)
    return {point for rule in rules for point in thresholds(normalise(rule.when), key)}


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


def example_age(diagnosis: str, vocab: Vocabulary | None) -> float:
    """The age of an example patient: ``EXAMPLE_AGE``, or for a diagnosis the vocabulary's age
    checks refuse or flag at that age (infantile spasms), half the lowest age they start from."""
    starts = [
        bound for check in (vocab.age_checks if vocab is not None else ())
        if check.fact == DIAGNOSIS and check.value == diagnosis
        for bound in (check.refuse_from, check.warn_from) if bound is not None and bound <= EXAMPLE_AGE
    ]
    return min(starts) / 2 if starts else EXAMPLE_AGE


def patient_from_engine_facts(values: dict[str, Any], pathway: Pathway, vocab: Vocabulary) -> Patient:
    """A full, valid patient with these values and every other fact at its default."""
    facts: dict[str, Any] = {}
    for name, spec in vocab.facts.items():
        facts[name] = spec.default
    facts[DIAGNOSIS] = pathway.diagnosis
    facts[AGE] = example_age(pathway.diagnosis, vocab)
    facts[SEX] = EXAMPLE_SEX
    for therapy in vocab.therapies:
        facts[treatment_fact(therapy)] = vocab.default_status
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


def example_patient(values: dict[str, Any], diagnosis: str, base: dict[str, Any] | None = None,
                    vocab: Vocabulary | None = None) -> dict[str, Any]:
    """A patient mapping a user can paste into ``ivig-rules evaluate``: diagnosis, age (one the
    vocabulary's age checks accept for the diagnosis), sex, the given facts, and therapy statuses
    nested under ``treatments:``."""
    out: dict[str, Any] = {DIAGNOSIS: diagnosis, AGE: example_age(diagnosis, vocab), SEX: EXAMPLE_SEX}
    out.update(base or {})
    treatments: dict[str, Any] = {}
    for name in sorted(values):
        value = values[name]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        therapy = therapy_of(name)
        if therapy is not None:
            treatments[therapy] = value
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
