"""The durable engine asks its C core once per combination of comparison outcomes, and the
answers it reuses are the answers the core gives."""

from __future__ import annotations

import random

import pytest

from ivig_rules.engines.durable import DurableEngine
from ivig_rules.engines.matcher_code import outcomes_source
from ivig_rules.engines.outcome_memo import OutcomeMemo
from ivig_rules.errors import EngineError
from ivig_rules.evaluation.evaluator import Evaluator
from ivig_rules.loading.patient import patient_from_mapping
from ivig_rules.logic.predicates import cmp, join


def _generated(vocab, n: int, seed: int):
    """Patients with every diagnosis, ages either side of 18, weights across the dose bands,
    each flag and each treatment status now and then (as a cohort would have them)."""
    rng = random.Random(seed)
    flags = [name for name, spec in vocab.facts.items() if spec.type == "boolean"]
    statuses = list(vocab.statuses)
    for number in range(n):
        sex = rng.choice(("female", "male"))
        patient = {"id": f"p{number}", "diagnosis": rng.choice(list(vocab.facts["diagnosis"].values)),
                   "age_years": rng.choice([1, 4, 12, 17, 18, 30, 60, 85]), "sex": sex,
                   "weight_kg": rng.choice([None, 8, 25, 49.5, 70, 95.2, 130]), "iga": rng.choice(vocab.facts["iga"].values)}
        for flag in flags:
            if rng.random() < 0.1:
                patient[flag] = rng.choice([True, "unknown"] if vocab.facts[flag].allows_unknown else [True])
        patient["treatments"] = {t: rng.choice(statuses) for t in vocab.therapies if rng.random() < 0.3}
        yield {k: v for k, v in patient.items() if v is not None}


def _gbs(**facts):
    return {"id": "x", "diagnosis": "gbs", "age_years": 45, "sex": "female", "weight_kg": 70, **facts}


def test_reused_answers_equal_the_core_on_every_generated_patient(catalogue):
    raw = list(_generated(catalogue.vocabulary, 4000, seed=7))
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
        compiled = evaluator.compiled("gbs")
        for flags in ({}, {"renal_impairment": True}, {"diabetes": True}):  # three combinations of outcomes
            engine.match(compiled, compiled.engine_facts(_patient(catalogue, **flags)))
            assert all(len(answers) <= 2 for _, answers in engine.memo._pathways.values())
        assert engine.memo.asked == 3
        engine.match(compiled, compiled.engine_facts(_patient(catalogue)))  # dropped when the memo filled: asked again
        assert engine.memo.asked == 4


def _patient(catalogue, **facts):
    from ivig_rules.loading.patient import patient_from_mapping

    return patient_from_mapping(_gbs(**facts), catalogue.vocabulary)


def test_facts_the_outcomes_cannot_read_get_the_engines_own_error(catalogue):
    engine = DurableEngine()
    with Evaluator(catalogue, engine=engine) as evaluator:
        compiled = evaluator.compiled("gbs")
        with pytest.raises(EngineError, match="do not match the compiled pathway"):
            engine.match(compiled, {})
        assert (engine.memo.asked, engine.memo.reused) == (1, 0)


def test_the_outcomes_source_lists_each_comparison_once():
    rules = [("a", join("all", (cmp("k1", ">=", 10), cmp("k2", "==", "x")))), ("b", cmp("k1", ">=", 10))]
    source = outcomes_source(rules)
    assert source.count(">= 10") == 1 and source.count("== 'x'") == 1
    memo, calls = OutcomeMemo(), []

    from types import SimpleNamespace

    compiled = SimpleNamespace(fingerprint="f", keys=("k1", "k2"), rules=[SimpleNamespace(name=n, predicate=p) for n, p in rules])

    def ask(compiled, facts):
        calls.append(dict(facts))
        return frozenset(["a"] if facts["k2"] == "x" else [])

    assert memo.match(compiled, {"k1": 11, "k2": "x"}, ask) == {"a"}
    assert memo.match(compiled, {"k1": 50, "k2": "x"}, ask) == {"a"}
    assert memo.match(compiled, {"k1": 50, "k2": "y"}, ask) == frozenset()
    assert len(calls) == 2 and (memo.asked, memo.reused) == (2, 1)


def test_every_shipped_pathway_gets_generated_functions_that_can_reach_no_builtins(catalogue):
    """The generated matcher and outcomes functions exist for every pathway (else the slow way
    runs: same answers, so only this test notices), and their code can call no builtin."""
    from ivig_rules.engines.matcher_code import compile_matcher, compile_outcomes

    with Evaluator(catalogue, engine="reference") as evaluator:
        for diagnosis in catalogue.pathways:
            rules = [(rule.name, rule.predicate) for rule in evaluator.compiled(diagnosis).rules]
            matcher, outcomes = compile_matcher(rules), compile_outcomes(rules)
            assert matcher is not None and outcomes is not None, diagnosis
            assert matcher.__globals__["__builtins__"] == {"frozenset": frozenset}
            assert outcomes.__globals__["__builtins__"] == {}


def test_facts_the_engine_would_refuse_are_never_answered_from_the_memo():
    """An extra property or a number that is not finite gets the engine's own answer (its error),
    even after a patient whose comparisons came out the same way was answered."""
    from types import SimpleNamespace

    rules = [("a", cmp("weight", ">=", 10)), ("b", cmp("flag", "==", True))]
    compiled = SimpleNamespace(fingerprint="f", keys=("flag", "weight"),
                               rules=[SimpleNamespace(name=n, predicate=p) for n, p in rules])
    memo, calls = OutcomeMemo(), []

    def ask(compiled, facts):
        calls.append(dict(facts))
        return frozenset(["a"] if facts["weight"] >= 10 else [])

    assert memo.match(compiled, {"weight": 5, "flag": False}, ask) == frozenset()
    assert memo.match(compiled, {"weight": 50, "flag": False}, ask) == {"a"}
    for refused in ({"weight": float("nan"), "flag": False}, {"weight": float("inf"), "flag": False},
                    {"weight": 50, "flag": False, "extra": 1}):
        memo.match(compiled, refused, ask)
        assert calls[-1] == refused  # asked, not answered from the patient with the same outcomes
    assert memo.reused == 0


def test_the_durable_engine_refuses_an_extra_property_after_a_memo_answer(catalogue):
    engine = DurableEngine()
    with Evaluator(catalogue, engine=engine) as evaluator:
        compiled = evaluator.compiled("gbs")
        facts = compiled.engine_facts(_patient(catalogue))
        engine.match(compiled, facts)
        with pytest.raises(EngineError, match="do not match the compiled pathway"):
            engine.match(compiled, {**facts, "extra": 1})
