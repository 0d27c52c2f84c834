"""durable-rules and the reference evaluator must agree on everything, everywhere."""

from __future__ import annotations

import random

from conftest import SCENARIOS
from ivig_rules.engines.durable import DurableEngine
from ivig_rules.evaluation.evaluator import Evaluator
from ivig_rules.logic.fact_space import enumerate_patients, patient_from_engine_facts
from ivig_rules.model import Patient, frozen_map
from ivig_rules.scenarios.runner import load_scenarios

_SAFETY_FLAGS = ("hypersensitivity_to_ig", "renal_impairment", "thrombosis_risk", "cardiac_disease", "diabetes", "sugar_sensitivity")


def _comparable(rec) -> dict:
    data = rec.to_dict()
    data.pop("engine")
    return data


def _with_random_facts(patient: Patient, rng: random.Random) -> Patient:
    facts = dict(patient.facts)
    facts["age_years"] = rng.choice([0.5, 4, 17, 18, 45, 80])
    facts["sex"] = rng.choice(["female", "male"])
    facts["weight_kg"] = rng.choice([None, 6.5, 30, 70, 100, 180])
    facts["height_cm"] = rng.choice([None, 60, 150, 175, 200])
    facts["iga"] = rng.choice(["normal", "deficient", "unknown"])
    for flag in _SAFETY_FLAGS:
        facts[flag] = rng.choice([False, False, False, False, True, "unknown"])
    if facts["sex"] == "female":  # pregnancy changes the dosing weight
        facts["pregnant"] = facts.get("pregnant") is True or rng.random() < 0.1
    return Patient(facts=frozen_map(dict(sorted(facts.items()))), source=patient.source)


def test_every_scenario_gets_the_same_answer_from_both_engines(catalogue):
    _, scenarios = load_scenarios([SCENARIOS], catalogue.vocabulary)
    assert scenarios
    with Evaluator(catalogue, engine="durable") as durable, Evaluator(catalogue, engine="reference") as reference:
        for scenario in scenarios:
            assert _comparable(durable.evaluate(scenario.patient)) == _comparable(reference.evaluate(scenario.patient)), scenario.where


def test_every_pathway_fact_space_gets_the_same_answer_from_both_engines(catalogue):
    """Every patient goes to durable-rules' core here (no answer reused: see test_outcome_memo.py)."""
    rng = random.Random(20261121)
    checked = 0
    with Evaluator(catalogue, engine=DurableEngine(memo=False)) as durable, Evaluator(catalogue, engine="reference") as reference:
        for pathway in catalogue.pathways.values():
            for values in enumerate_patients(pathway, catalogue.vocabulary):
                patient = _with_random_facts(patient_from_engine_facts(values, pathway, catalogue.vocabulary), rng)
                a, b = durable.evaluate(patient), reference.evaluate(patient)
                assert _comparable(a) == _comparable(b), (pathway.id, dict(patient.facts))
                checked += 1
    assert checked > 1000



def _with_other_measurements(patient: Patient, rng: random.Random) -> Patient:
    """The patient with another age and weight: facts the dose and wording read, no shipped rule."""
    facts = dict(patient.facts)
    facts["age_years"] = rng.choice([17.5, 18, 45, 80])
    facts["weight_kg"] = rng.choice([None, 30, 70, 180])
    return Patient(facts=frozen_map({k: v for k, v in sorted(facts.items()) if v is not None}), source=patient.source)


def test_the_default_durable_engine_agrees_on_every_fact_space_in_shuffled_order(catalogue):
    """Every fact space point, twice with other measurements, through the default durable engine,
    whose answers are reused for patients with the same comparison outcomes
    (engines/outcome_memo.py), in a shuffled order: whichever patient of a combination comes
    first, every answer, the reused ones included, is the reference's."""
    rng = random.Random(20261205)
    patients = [
        _with_other_measurements(patient_from_engine_facts(values, pathway, catalogue.vocabulary), rng)
        for pathway in catalogue.pathways.values()
        for values in enumerate_patients(pathway, catalogue.vocabulary)
        for _ in range(2)
    ]
    rng.shuffle(patients)
    engine = DurableEngine()
    with Evaluator(catalogue, engine=engine) as durable, Evaluator(catalogue, engine="reference") as reference:
        for patient in patients:
            assert _comparable(durable.evaluate(patient)) == _comparable(reference.evaluate(patient)), dict(patient.facts)
    assert engine.memo.reused > 1000  # reused answers were compared too, not only the core's own
