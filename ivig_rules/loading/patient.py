"""Validates and normalises a patient's facts against the data dictionary.

This is the engines' only door: every fact that reaches durable-rules (or the reference
evaluator) has been type-checked, range-checked and defaulted here, so the engine never sees
"80" where 80 belongs, a NaN, a missing field or an unknown property.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from . import marked_yaml
from .marked_yaml import line_of
from .patient_plan import plan_for
from .._excerpt import excerpt
from .cursor import Node, Problems, root
from ..errors import PatientError, did_you_mean
from ..model import Patient, Scalar, Vocabulary, frozen_map
from ..model.facts import AGE, HEIGHT, PLAUSIBLE_BMI, WEIGHT, body_mass_index, plausible_build, treatment_fact

__all__ = ["parse_patient", "read_patient", "patient_from_mapping", "patient_at", "normalise_number"]

_TREATMENTS = "treatments"
MAX_PROBLEMS = 20
"""Problems reported per patient; past these a patient of 100,000 unknown keys is counted, not
described key by key (each description looks for a did-you-mean)."""


def normalise_number(value: int | float) -> int | float:
    """Round to 4 decimals so JSON never writes exponent forms (durable-rules rejects 5e-05)."""
    if isinstance(value, int):
        return value
    rounded = round(float(value), 4)
    return int(rounded) if rounded.is_integer() and abs(rounded) < 1e15 else rounded


def parse_patient(node: Node, vocab: Vocabulary) -> Patient:
    """Check a patient mapping (any order of keys) and return a normalised :class:`Patient`."""
    fast = plan_for(vocab).facts(node.value)  # plainly valid patients: no Node walk (see patient_plan)
    if fast is not None:
        return Patient(facts=MappingProxyType(fast), source=node.file, line=node.line)  # fast is a fresh dict
    return _walk(node, vocab)


def _walk(node: Node, vocab: Vocabulary) -> Patient:
    """Every key through a Node, so that each problem names its file, line and key."""
    if not isinstance(node.value, dict):
        raise node.error(f"a patient is a mapping of facts such as diagnosis: cidp, found {_kind(node.value)}")
    facts = vocab.facts
    known = list(facts) + [_TREATMENTS]
    values: dict[str, Scalar | None] = {}
    problems = Problems(MAX_PROBLEMS)  # every wrong fact of the patient, not only the first
    for key, child in node.items():
        if problems.full and key not in facts:  # cheap from here on: counted, not described
            if key != _TREATMENTS:
                problems.skip()
            continue
        if key != _TREATMENTS:
            with problems.part():
                value = _fact(key, child, vocab, known)
                if value is not None:
                    values[key] = value
    for name, spec in facts.items():
        if name in values or (node.has(name) and node.value[name] is not None):
            continue
        if spec.required:
            with problems.part():
                raise node.error(f"the fact {name!r} is required ({spec.description})")
        values[name] = spec.default
    if not problems:  # these checks read other facts, which must be right first
        for name, spec in facts.items():
            for other, needed in spec.requires:
                if values.get(name) is True and values.get(other) != needed:
                    with problems.part():
                        raise node.child(name).error(
                            f"{name!r} is true, which needs {other}: {needed} (found {values.get(other)!r}); "
                            "check the patient's facts"
                        )
        for check in vocab.age_checks:
            if not problems and check.refuses(values):
                with problems.part():
                    raise node.child(check.fact if node.has(check.fact) else AGE).error(
                        f"{check.fact}: {_shown(values[check.fact])} with age_years: {values[AGE]:g} "
                        f"({check.bound(values)}) cannot both be right: {check.reason}; one of these facts is "
                        "wrong, so no answer is given"
                    )
        if not problems and not plausible_build(values.get(WEIGHT), values.get(HEIGHT)):
            with problems.part():
                raise node.child(WEIGHT).error(
                    f"a weight of {values[WEIGHT]} kg with a height of {values[HEIGHT]} cm gives a body-mass index "
                    f"of {body_mass_index(values[WEIGHT], values[HEIGHT]):.1f}, outside {PLAUSIBLE_BMI[0]:g} to "
                    f"{PLAUSIBLE_BMI[1]:g}: one of them is wrong (a unit mix-up?); every dose is worked out from them"
                )
    statuses = {therapy: vocab.default_status for therapy in vocab.therapies}
    if node.has(_TREATMENTS):
        with problems.part():
            statuses.update(_treatments(node.child(_TREATMENTS), vocab))
    problems.raise_any()
    for therapy, status in statuses.items():
        values[treatment_fact(therapy)] = status
    ordered = {name: values[name] for name in sorted(values)}
    return Patient(facts=frozen_map(ordered), source=node.file, line=node.line)


def _shown(value: Scalar) -> str:
    """A fact's value as a patient file writes it (true, not True)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _fact(key: str, child: Node, vocab: Vocabulary, known: list[str]) -> Scalar | None:
    """One fact's value, checked against the data dictionary (None when given as null)."""
    facts = vocab.facts
    if key not in facts:
        if key in vocab.therapies:
            raise child.error(f"{excerpt(key)} is a therapy; give its status under 'treatments:' (treatments: {{{key}: failed}})")
        guess = did_you_mean(key, known + list(vocab.therapies))
        if guess in vocab.therapies:
            raise child.error(
                f"unknown fact {excerpt(key)}; therapy statuses go under 'treatments:'.",
                suggestion=f"treatments: {{{guess}: ...}}",
            )
        raise child.error(f"unknown fact {excerpt(key)}; patient facts are: {', '.join(known)}.", suggestion=guess)
    if child.value is None:
        return None
    spec = facts[key]
    if spec.type == "enum":
        return child.choice(spec.values, what=f"value for {key}")
    if spec.type == "boolean":
        return child.flag(unknown=spec.allows_unknown)
    if spec.type == "number":
        number = child.number(
            minimum=spec.minimum, maximum=spec.maximum, exclusive_minimum=spec.exclusive_minimum, unit=spec.unit or ""
        )
        return normalise_number(number)
    return child.text(max_length=spec.max_length or 200)


def _treatments(treatments: Node, vocab: Vocabulary) -> dict[str, str]:
    """The status of each therapy given under 'treatments:'; every wrong entry is reported."""
    if treatments.value is None:
        raise treatments.error("'treatments' is empty; leave it out, or map each therapy to its status")
    if not isinstance(treatments.value, dict):
        raise treatments.error("'treatments' maps each therapy to its status, e.g. {corticosteroids: failed}")
    statuses: dict[str, str] = {}
    problems = Problems(MAX_PROBLEMS)
    for therapy, child in treatments.items():
        if problems.full and therapy not in vocab.therapies:
            problems.skip()
            continue
        with problems.part():
            if therapy not in vocab.therapies:
                raise child.error(
                    f"unknown therapy {excerpt(therapy)}; therapies are: {', '.join(vocab.therapies)}.",
                    suggestion=did_you_mean(therapy, vocab.therapies),
                )
            if child.value is None:
                raise child.error(
                    f"no status given for {therapy}; write one of {', '.join(vocab.statuses)}, "
                    "or leave the therapy out (it then counts as not tried)"
                )
            status = child.choice(vocab.statuses, what=f"status for {therapy}")
            if therapy in vocab.statuses[status].not_for:
                raise child.error(
                    f"{therapy} cannot be '{status}' (the vocabulary keeps that status for other therapies); "
                    f"statuses for {therapy}: {', '.join(vocab.statuses_for(therapy))}."
                )
            statuses[therapy] = status
    problems.raise_any()
    return statuses


def _kind(value: Any) -> str:
    from .cursor import describe

    return describe(value)


def read_patient(path: str | Path, vocab: Vocabulary) -> Patient:
    """Read one patient from a YAML or JSON file (``-`` for standard input)."""
    data = marked_yaml.read_file(path)
    name = "<stdin>" if str(path) == "-" else str(path)
    return parse_patient(root(data, name, PatientError), vocab)


def patient_from_mapping(mapping: Mapping[str, Any], vocab: Vocabulary, *, source: str | None = None) -> Patient:
    """Validate a plain Python mapping (for library callers)."""
    return patient_at(mapping, vocab, source, line_of(mapping))


def patient_at(mapping: Any, vocab: Vocabulary, file: str | None, line: int | None) -> Patient:
    """Validate a mapping read at ``file:line``: what ``parse_patient`` does, without making a
    cursor Node unless the validation plan cannot answer (then the walk names any error)."""
    fast = plan_for(vocab).facts(mapping)
    if fast is not None:
        return Patient(facts=MappingProxyType(fast), source=file, line=line)
    return _walk(Node(mapping, file, "", line, PatientError), vocab)
