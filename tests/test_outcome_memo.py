"""The durable engine asks its C core once per combination of comparison outcomes, and the
answers it reuses are the answers the core gives."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from ivig_rules.engines.durable import DurableEngine
from ivig_rules.engines.matcher_code import outcomes_source
from ivig_rules.engines.outcome_memo import OutcomeMemo
from ivig_rules.errors import EngineError
from ivig_rules.evaluation.evaluator import Evaluator
from ivig_rules.loading.patient import patient_from_mapping
from ivig_rules.logic.predicates import cmp, join

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from cohort import patients  # noqa: E402  (the benchmarks' seeded synthetic cohort)


def _gbs(**facts):
    return {"id": "x", "diagnosis": "gbs", "age_years": 45, "sex": "female", "weight_kg": 70, **facts}


def test_reused_answers_equal_the_core_on_every_generated_patient(catalogue):
    raw = list(patients(catalogue.vocabulary, sorted(catalogue.pathways), 4000, seed=7, bad_fraction=0.0))
    valid = []
    for mapping in raw:
        try:
            valid.append(patient_from_mapping(mapping, catalogue.vocabulary))
        except Exception:
            continue
    memo_engine, core_engine = DurableEngine(), DurableEngine(memo=False)
    with Evaluator(catalogue, engine=memo_engine) as memoised, Evaluator(catalogue, engine=core_engine) as core:
        for patient in valid:
            compiled = core.compiled(patient.diagnosis)
            facts = compiled.engine_facts(patient)
            assert memo_engine.match(compiled, facts) == core_engine.match(compiled, facts), dict(patient.facts)
            assert memoised.evaluate(patient).to_dict() == core.evaluate(patient).to_dict()
        assert memo_engine.memo.reused > memo_engine.memo.asked  # most patients repeat a combination


def test_a_patient_whose_comparisons_all_come_out_the_same_is_not_asked_again(catalogue):
    engine = DurableEngine()
    with Evaluator(catalogue, engine=engine) as evaluator:
        first = evaluator.evaluate(_gbs(weight_kg=70))
        asked = engine.memo.asked
        second = evaluator.evaluate(_gbs(weight_kg=71))  # no rule compares weight between 70 and 71
        assert engine.memo.asked == asked and engine.memo.reused >= 1
        assert second.ivig == first.ivig and second.dose.total_g != first.dose.total_g  # the dose is still the patient's
        evaluator.evaluate(_gbs(weight_kg=71, renal_impairment=True))  # a comparison changes: asked again
        assert engine.memo.asked > asked


def test_the_answers_kept_are_bounded(catalogue):
    engine = DurableEngine()
    engine.memo.limit = 2
    with Evaluator(catalogue, engine=engine) as evaluator:
        for flags in ({}, {"renal_impairment": True}, {"diabetes": True}, {"cardiac_disease": True}):
            evaluator.evaluate(_gbs(**flags))
        assert all(len(answers) <= 2 for _, answers in engine.memo._pathways.values())
        assert evaluator.evaluate(_gbs()).ivig  # a cleared memo asks the core again


def test_facts_the_outcomes_cannot_read_get_the_engines_own_error(catalogue):
    engine = DurableEngine()
    with Evaluator(catalogue, engine=engine) as evaluator:
        compiled = evaluator.compiled("gbs")
        with pytest.raises(EngineError, match="do not match the compiled pathway"):
            engine.match(compiled, {})


def test_the_outcomes_source_lists_each_comparison_once():
    rules = [("a", join("all", (cmp("k1", ">=", 10), cmp("k2", "==", "x")))), ("b", cmp("k1", ">=", 10))]
    source = outcomes_source(rules)
    assert source.count(">= 10") == 1 and source.count("== 'x'") == 1
    memo, calls = OutcomeMemo(), []

    from types import SimpleNamespace

    compiled = SimpleNamespace(fingerprint="f", rules=[SimpleNamespace(name=n, predicate=p) for n, p in rules])

    def ask(compiled, facts):
        calls.append(dict(facts))
        return frozenset(["a"] if facts["k2"] == "x" else [])

    assert memo.match(compiled, {"k1": 11, "k2": "x"}, ask) == {"a"}
    assert memo.match(compiled, {"k1": 50, "k2": "x"}, ask) == {"a"}
    assert memo.match(compiled, {"k1": 50, "k2": "y"}, ask) == frozenset()
    assert len(calls) == 2 and (memo.asked, memo.reused) == (2, 1)
