"""A seeded generator of realistic synthetic cohorts, for benchmarks (never real patients).

The mix: every diagnosis that has a pathway in the catalogue, adults mostly with some
children, weight and height sometimes missing, IgA mostly unknown, risk flags at low
prevalence, treatment statuses mostly "not tried" with the rest spread over the others.
Ages respect the vocabulary's age checks (infantile spasms in infants, no pregnancy at 3).
A small share of rows is deliberately bad (a misspelt value, a number written as text) so
that the error path is part of what is measured. Same seed, same cohort.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any, Iterator

from ivig_rules.model import Vocabulary

__all__ = ["patients", "write_cohort", "cohort_columns"]

_FLAG_PREVALENCE = 0.06
_BAD_FRACTION = 0.01


def patients(vocab: Vocabulary, diagnoses: list[str], n: int, seed: int = 1, bad_fraction: float = _BAD_FRACTION) -> Iterator[dict[str, Any]]:
    """``n`` patient mappings as a CSV would hold them after typing (numbers, booleans, text)."""
    rng = random.Random(seed)
    flags = [name for name, spec in vocab.facts.items() if spec.type == "boolean"]
    therapies = list(vocab.therapies)
    # each therapy's own statuses ('unavailable' is not one of IVIG's): only the deliberately bad rows are bad
    statuses = {t: [s for s in vocab.statuses_for(t) if s != vocab.default_status] for t in therapies}
    iga = vocab.facts["iga"].values
    for number in range(1, n + 1):
        child = rng.random() < 0.12
        age = rng.randint(1, 17) if child else rng.randint(18, 88)
        sex = rng.choice(("female", "male"))
        patient: dict[str, Any] = {
            "id": f"p{number:07d}",
            "diagnosis": rng.choice(diagnoses),
            "age_years": age,
            "sex": sex,
        }
        if rng.random() < 0.95:
            patient["weight_kg"] = round(rng.uniform(10, 45) if child else rng.gauss(80 if sex == "male" else 68, 16), 1)
            patient["weight_kg"] = max(patient["weight_kg"], 3.0)
        if rng.random() < 0.85:
            patient["height_cm"] = round(rng.uniform(80, 175) if child else rng.gauss(176 if sex == "male" else 163, 8), 1)
            if child and "weight_kg" in patient:  # a child's weight that fits the height (a body-mass index of 13 to 24)
                patient["weight_kg"] = round(rng.uniform(13, 24) * (patient["height_cm"] / 100) ** 2, 1)
        patient["iga"] = rng.choices(iga, weights=[3 if v == "normal" else 6 if v == "unknown" else 0.3 for v in iga])[0]
        for check in _age_checks(vocab):  # a diagnosis for one age band (infantile spasms): an age inside it
            if check.fact == "diagnosis" and check.refuses(patient):
                top = min(b for b in (check.warn_from, check.refuse_from) if b is not None)
                patient["age_years"] = round(rng.uniform(0.25, top), 1)
                if "weight_kg" in patient:
                    patient["weight_kg"] = round(rng.uniform(4, 15), 1)
                if "height_cm" in patient:
                    patient["height_cm"] = round(rng.uniform(55, 95), 1)
        for flag in flags:
            needs = getattr(vocab.facts[flag], "requires", ())
            if rng.random() < _FLAG_PREVALENCE and all(patient.get(k) == v for k, v in needs):
                patient[flag] = True
                if any(c.fact == flag and c.refuses(patient) for c in _age_checks(vocab)):
                    del patient[flag]  # only combinations the vocabulary accepts (no pregnancy at 3)
        treatments = {}
        for therapy in therapies:
            if rng.random() < 0.3:
                treatments[therapy] = rng.choice(statuses[therapy])
        if treatments:
            patient["treatments"] = treatments
        if rng.random() < bad_fraction:
            _spoil(patient, rng)
        yield patient


def _age_checks(vocab: Vocabulary) -> tuple:
    """The vocabulary's age plausibility checks (none in a vocabulary from before they existed)."""
    return tuple(getattr(vocab, "age_checks", ()) or ())


def _spoil(patient: dict[str, Any], rng: random.Random) -> None:
    spoil = rng.randrange(3)
    if spoil == 0:
        patient["diagnosis"] = patient["diagnosis"].upper()
    elif spoil == 1:
        patient["age_years"] = "forty"
    else:
        patient["weight_kg"] = 999


def cohort_columns(vocab: Vocabulary) -> list[str]:
    return [*vocab.facts, *(f"treatment.{t}" for t in vocab.therapies)]


def write_cohort(path: Path, vocab: Vocabulary, diagnoses: list[str], n: int, seed: int = 1) -> Path:
    """Write a cohort as CSV or JSON Lines (by suffix), streaming."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        if path.suffix == ".jsonl":
            for patient in patients(vocab, diagnoses, n, seed):
                handle.write(json.dumps(patient) + "\n")
            return path
        columns = cohort_columns(vocab)
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for patient in patients(vocab, diagnoses, n, seed):
            treatments = patient.pop("treatments", {})
            row = [_cell(patient.get(c)) for c in columns[: len(vocab.facts)]]
            row += [treatments.get(t, "") for t in vocab.therapies]
            writer.writerow(row)
    return path


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
