"""What the evaluator keeps per set of fired rules never changes an answer: cached and fresh agree."""

from __future__ import annotations

import random

from test_engines_agree import _with_random_facts

from ivig_rules.evaluation.evaluator import Evaluator
from ivig_rules.logic.fact_space import enumerate_patients, patient_from_engine_facts
from ivig_rules.evaluation.recommend import resolve
from ivig_rules.evaluation.ruled_out import needs_next_step, patient_with_ivig_ruled_out, with_next_step


def test_cached_resolution_equals_fresh_resolution(catalogue):
    rng = random.Random(13)
    checked = 0
    with Evaluator(catalogue, engine="reference") as evaluator:
        for pathway in catalogue.pathways.values():
            compiled = evaluator.compiled(pathway.diagnosis)
            for values in enumerate_patients(pathway, catalogue.vocabulary):
                # the same fired rules meet patients of every age, weight and height, in random order
                patient = _with_random_facts(patient_from_engine_facts(values, pathway, catalogue.vocabulary), rng)
                cached = evaluator.evaluate(patient)
                matched = evaluator.engine.match(compiled, compiled.engine_facts(patient))
                fresh = resolve(compiled, matched, patient, catalogue.vocabulary, engine="reference", weight_policy="adjusted")
                if needs_next_step(fresh, patient):  # the screening ruled IVIG out: the pathway's step for that
                    again = evaluator.evaluate(patient_with_ivig_ruled_out(patient))
                    fresh = with_next_step(fresh, again, pathway)
                assert cached.to_dict() == fresh.to_dict(), (pathway.id, dict(patient.facts))
                checked += 1
    assert checked > 1000
