"""The precompiled validation plan accepts only what the full walk accepts, and gives the same patient."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

import ivig_rules.loading.patient_plan as patient_plan
from ivig_rules.errors import IvigRulesError
from ivig_rules.loading.patient import patient_from_mapping

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from cohort import patients  # noqa: E402

_ODD_VALUES = [None, "", " ", "x" * 300, "é", "\x9b", "yes", True, False, 0, -1, 0.0, 0.04, 0.3, 1e-300, 1e16, 10**16,
               float("nan"), float("inf"), 17.99999, 18, 250, 1000, "40", [], {}, "cidp", "female", "failed",
               "unknown", "unavailable"]


def _walk(mapping, vocab):
    """The full walk alone (the plan switched off)."""
    original = patient_plan.ValidationPlan.facts
    patient_plan.ValidationPlan.facts = lambda self, m: None
    try:
        return patient_from_mapping(mapping, vocab)
    finally:
        patient_plan.ValidationPlan.facts = original


def _outcome(function, mapping, vocab):
    try:
        patient = function(mapping, vocab)
    except IvigRulesError as exc:
        return ("refused", str(exc))
    return ("patient", dict(patient.facts), patient.line, patient.source)


@pytest.fixture(scope="module")
def mutated(vocab):
    """Generated patients, and each spoilt in one fact with an odd value."""
    rng = random.Random(7)
    base = list(patients(vocab, sorted(vocab.facts["diagnosis"].values), 600, seed=3, bad_fraction=0.0))
    out = list(base)
    keys = list(vocab.facts) + ["treatments", "unknown_fact"]
    for mapping in base:
        spoilt = dict(mapping)
        key = rng.choice(keys)
        if key == "treatments":
            spoilt["treatments"] = rng.choice([{}, None, [], {"ivig": rng.choice(_ODD_VALUES)}, {"nope": "failed"}])
        else:
            spoilt[key] = rng.choice(_ODD_VALUES)
        out.append(spoilt)
    return out


def test_plan_and_walk_agree_on_every_patient(vocab, mutated):
    fast = 0
    for mapping in mutated:
        expected = _outcome(_walk, mapping, vocab)
        got = _outcome(patient_from_mapping, mapping, vocab)
        assert got == expected, mapping
        fast += patient_plan.plan_for(vocab).facts(mapping) is not None
    assert fast > 500  # the plan did answer for the plainly valid ones
