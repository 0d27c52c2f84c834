"""explain: the trace of matched rules and the ranked "why not IVIG"."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivig_rules.logic.compiler import push_negation
from ivig_rules.engines import reference as reference_engine
from ivig_rules.logic import predicates
from ivig_rules.logic.predicates import holds
from ivig_rules.evaluation.evaluator import Evaluator
from ivig_rules.analysis.explain import IVIG_STATUS, explain
from ivig_rules.logic.fact_space import enumerate_patients, example_patient
from ivig_rules.model import AllOf, AnyOf, Catalogue, Compare, Not
from ivig_rules.loading.patient import patient_from_mapping
from ivig_rules.loading.rulesets import load_pathway

from conftest import adult

ROOT = Path(__file__).resolve().parent.parent


def test_trace_names_the_deciding_rule_and_the_values_that_held(reference):
    patient = adult(diagnosis="gbs", treatments={"plasma_exchange": "failed"})
    ex = explain(reference, patient)
    assert ex.verdict == "no_guidance"
    decided = [t for t in ex.trace if t.role == "decided"]
    assert [t.rule.qualified_id for t in decided] == [ex.recommendation.decided_by]
    held = {c.fact: c.actual for c in decided[0].checks}
    assert held["treatments.plasma_exchange"] == "failed"
    assert all(c.held for t in ex.trace for c in t.checks)
    positions = [t.position for t in ex.trace]
    assert positions == sorted(positions)
    # the verdict is not screened, so screening rules matched but did not apply
    assert {t.role for t in ex.trace if t.origin == "screening"} == {"not_screened"}


def test_why_not_is_ranked_and_worded(reference):
    patient = adult(diagnosis="gbs", treatments={"plasma_exchange": "failed"})
    ex = explain(reference, patient, limit=0)
    counts = [len(m.unmet) for m in ex.why_not]
    assert counts == sorted(counts) and counts[0] >= 1
    assert all(m.rule.then.ivig in ("recommended", "consider") for m in ex.why_not)
    texts = {m.rule.id: [c.unmet(reference.vocabulary) for c in m.unmet] for m in ex.why_not}
    assert texts["ivig_when_plex_not_possible"] == [
        "Plasma exchange has status failed; the rule needs it intolerant, contraindicated or unavailable"
    ]


def _satisfy(check, vocab):
    """A value that makes the comparison hold."""
    if check.op == "==":
        return check.value
    if check.op == "in":
        return check.value[0]
    spec_values = vocab.rule_facts()[check.fact].values
    excluded = check.value if isinstance(check.value, tuple) else (check.value,)
    if spec_values:
        return next(v for v in spec_values if v not in excluded)
    if isinstance(check.value, bool):
        return not check.value
    return {"<": check.value - 1, "<=": check.value, ">": check.value + 1, ">=": check.value}[check.op]


@pytest.mark.parametrize("diagnosis", ["gbs", "ms_relapse", "cidp", "adem"])
def test_fixing_the_unmet_conditions_makes_the_rule_match(reference, diagnosis):
    vocab = reference.vocabulary
    pathway = reference.catalogue.pathway_for(diagnosis)
    checked = 0
    for values in list(enumerate_patients(pathway, vocab))[::7]:
        patient = example_patient(values, diagnosis, vocab=vocab)
        ex = explain(reference, patient, limit=0)
        for miss in ex.why_not:
            if miss.outranked_by:
                continue
            fixed = dict(values)
            for check in miss.unmet:
                fixed[check.fact] = _satisfy(check, vocab)
            rec = reference.evaluate(example_patient(fixed, diagnosis, vocab=vocab))
            assert miss.rule.qualified_id in rec.rules_matched, (patient, miss.rule.id)
            checked += 1
    assert checked > 0


@pytest.mark.parametrize("engine", ["reference", "durable"])
def test_explanation_agrees_with_the_engine_on_every_patient(catalogue, engine):
    with Evaluator(catalogue, engine=engine) as ev:
        for pathway in catalogue.pathways.values():
            patients = list(enumerate_patients(pathway, catalogue.vocabulary))
            for values in patients[:: 1 if engine == "reference" else 25]:
                ex = explain(ev, example_patient(values, pathway.diagnosis, vocab=catalogue.vocabulary))
                assert ex.engine_agrees, (pathway.id, values)
                assert {t.rule.qualified_id for t in ex.trace} == set(ex.recommendation.rules_matched)


def test_recommended_has_no_why_not(reference):
    ex = explain(reference, adult(diagnosis="cidp", iga="normal"))
    assert ex.verdict == "recommended"
    assert ex.why_not == ()
    assert ex.blocked_by == ()


def test_screening_contraindication_is_named(reference):
    ex = explain(reference, adult(diagnosis="cidp", hypersensitivity_to_ig=True))
    assert ex.verdict == "contraindicated"
    assert [t.rule.qualified_id for t in ex.blocked_by] == ["safety.hypersensitivity"]
    assert ex.blocked_by[0].checks[0].actual is True


def test_defaults_name_the_facts_the_patient_did_not_give(reference):
    ex = explain(reference, adult(diagnosis="ms_relapse", treatments={"corticosteroids": "failed"}))
    assert "treatments.ivig" in ex.defaults and "treatments.plasma_exchange" in ex.defaults
    assert "treatments.corticosteroids" not in ex.defaults
    unmet = [c for m in ex.why_not for c in m.unmet if c.fact == "treatments.plasma_exchange"]
    assert unmet and all(not c.given and "default" in c.unmet() for c in unmet)


def test_why_not_never_offers_a_change_of_ivig_status(reference):
    """The review's case: after failed steroids, 'IVIG needs to be ongoing' is no way to IVIG."""
    ex = explain(reference, adult(diagnosis="ms_relapse", treatments={"corticosteroids": "failed"}), limit=0)
    assert ex.verdict == "not_yet"
    nearest = ex.why_not[0]
    assert nearest.rule.id == "ivig_third_line"
    assert [c.fact for c in nearest.unmet] == ["treatments.plasma_exchange"]
    assert all(c.fact != IVIG_STATUS for m in ex.why_not for c in m.unmet)
    assert "ivig_course_under_way" in [r.id for r in ex.needs_other_ivig_status]
    assert "ms_relapse.ivig_course_under_way" in ex.to_dict()["needs_other_ivig_status"]


def test_ivig_already_failed_leaves_no_way_to_ivig(reference):
    ex = explain(reference, adult(diagnosis="cidp", treatments={"ivig": "failed"}), limit=0)
    assert ex.verdict == "no_guidance"
    assert ex.why_not == ()
    assert ex.needs_other_ivig_status and all(r.then.ivig in ("recommended", "consider") for r in ex.needs_other_ivig_status)


@pytest.mark.parametrize("diagnosis", ["gbs", "ms_relapse", "cidp", "adem"])
def test_left_out_rules_are_exactly_those_no_other_fact_can_reach(reference, diagnosis):
    """Over the pathway's fact space: a rule is left out of why-not exactly when no patient with
    the same IVIG status matches it; the others are ranked, never on IVIG's own status."""
    vocab = reference.vocabulary
    compiled = reference.compiled(diagnosis)
    giving = {c.rule.qualified_id: c for c in compiled.rules if c.origin == "pathway" and c.rule.then.ivig in ("recommended", "consider")}
    patients = [patient_from_mapping(example_patient(v, diagnosis, vocab=vocab), vocab) for v in enumerate_patients(compiled.pathway, vocab)]
    reachable: dict[str, set[str]] = {}
    for patient in patients:
        facts = compiled.engine_facts(patient)
        found = reachable.setdefault(patient.facts[IVIG_STATUS], set())
        found.update(name for name, c in giving.items() if holds(c.predicate, facts))
    checked = 0
    for patient in patients[::5]:
        ex = explain(reference, patient, limit=0)
        if ex.verdict == "recommended":
            continue
        verdicts = ("recommended",) if ex.verdict == "consider" else ("recommended", "consider")
        wanted = {name for name, c in giving.items() if c.rule.then.ivig in verdicts}
        wanted.discard(ex.recommendation.decided_by if ex.recommendation else None)
        ranked = [m.rule.qualified_id for m in ex.why_not]
        left_out = {r.qualified_id for r in ex.needs_other_ivig_status}
        assert sorted(ranked + sorted(left_out)) == sorted(wanted)
        assert left_out == wanted - reachable[patient.facts[IVIG_STATUS]], patient.facts
        assert all(c.fact != IVIG_STATUS for m in ex.why_not for c in m.unmet)
        checked += 1
    assert checked > 0


def test_push_negation_keeps_in_lists_whole():
    tried = Compare("treatments.plasma_exchange", "in", ("failed", "intolerant"))
    adult_age = Compare("age_years", ">=", 18)
    assert push_negation(Not(tried)) == Compare("treatments.plasma_exchange", "not_in", ("failed", "intolerant"))
    assert push_negation(Not(AllOf((tried, adult_age)))) == AnyOf(
        (Compare(tried.fact, "not_in", tried.value), Compare("age_years", "<", 18))
    )
    assert push_negation(Not(Not(adult_age))) == adult_age


def test_explain_reads_comparisons_with_the_engines_operators(monkeypatch, reference):
    """explain has no operator table of its own: change the engines' (logic.predicates.OPS) and its reading follows."""
    patient = adult(diagnosis="gbs", treatments={"plasma_exchange": "failed"})
    before = explain(reference, patient)
    always = {op: (lambda a, b: True) for op in predicates.OPS}
    monkeypatch.setattr(predicates, "OPS", always)
    # the one table (logic/predicates.py) is read by the engine's predicate walk; its generated matcher is Python's own operators
    monkeypatch.setattr(reference_engine.ReferenceEngine, "match", lambda self, c, f: reference_engine.ReferenceEngine.walk(c, f))
    after = explain(reference, patient)
    assert after.engine_agrees
    assert {t.rule.qualified_id for t in after.trace} == set(after.recommendation.rules_matched)
    assert len(after.trace) > len(before.trace)  # every comparison now holds, for explain as for the engine


def test_gap_is_explained_with_the_nearest_rules(catalogue):
    pathway = load_pathway(ROOT / "tests" / "rulesets" / "gapped.yaml", catalogue.vocabulary)
    single = Catalogue(catalogue.vocabulary, catalogue.screening, {pathway.diagnosis: pathway})
    with Evaluator(single, engine="reference") as ev:
        ex = explain(ev, adult(diagnosis="dermatomyositis", treatments={"plasma_exchange": "failed"}))
    assert ex.recommendation is None and ex.verdict is None
    assert ex.why_not[0].rule.id == "ivig_after_plex"
    assert [c.fact for c in ex.why_not[0].unmet] == ["treatments.plasma_exchange"]
    assert ex.to_dict()["gap"] is True


def test_a_conflict_is_explained_as_no_go_ahead(reference):
    """GBS with kidney problems: the pathway recommends IVIG; a source says not to use it."""
    from ivig_rules.analysis.explain_text import to_text

    ex = explain(reference, adult(diagnosis="gbs", renal_impairment=True))
    assert ex.verdict == "specialist_review" and ex.recommendation.pathway_verdict == "recommended"
    assert [t.rule.qualified_id for t in ex.blocked_by] == ["safety.renal"]
    assert ex.why_not == ()
    text = to_text(ex, reference.vocabulary)
    assert "gives no go-ahead (specialist review)" in text
    assert "then: ivig specialist_review; conflict renal_impairment" in text


def test_without_a_weight_the_explanation_says_no_grams_were_worked_out(reference):
    """Fail safe, as evaluate: the regimen per kg, and that the grams need the body weight."""
    from ivig_rules.analysis.explain_text import to_text

    text = to_text(explain(reference, adult(diagnosis="gbs")), reference.vocabulary)
    assert "Dose (ivig, induction): 2 g/kg per course, over 5 days" in text
    assert "dose in grams: not worked out; it needs the body weight, which was not recorded" in text
    weighed = to_text(explain(reference, adult(diagnosis="gbs", weight_kg=70, height_cm=170)), reference.vocabulary)
    assert "dosing weight" in weighed and "not worked out" not in weighed
