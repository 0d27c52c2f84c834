"""explain: the trace of matched rules and the ranked "why not IVIG"."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivig_rules.evaluator import Evaluator
from ivig_rules.explain import explain
from ivig_rules.fact_space import enumerate_patients, example_patient
from ivig_rules.model import Catalogue
from ivig_rules.ruleset_loader import load_pathway

from conftest import adult

ROOT = Path(__file__).resolve().parent.parent


def test_trace_names_the_deciding_rule_and_the_values_that_held(reference):
    patient = adult(diagnosis="gbs", treatments={"plasma_exchange": "failed"})
    ex = explain(reference, patient)
    assert ex.verdict == "not_indicated"
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
        "Plasma exchange has status failed; the rule needs it intolerant or contraindicated"
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
        patient = example_patient(values, diagnosis)
        ex = explain(reference, patient, limit=0)
        for miss in ex.why_not:
            if miss.outranked_by:
                continue
            fixed = dict(values)
            for check in miss.unmet:
                fixed[check.fact] = _satisfy(check, vocab)
            rec = reference.evaluate(example_patient(fixed, diagnosis))
            assert miss.rule.qualified_id in rec.rules_matched, (patient, miss.rule.id)
            checked += 1
    assert checked > 0


@pytest.mark.parametrize("engine", ["reference", "durable"])
def test_explanation_agrees_with_the_engine_on_every_patient(catalogue, engine):
    with Evaluator(catalogue, engine=engine) as ev:
        for pathway in catalogue.pathways.values():
            patients = list(enumerate_patients(pathway, catalogue.vocabulary))
            for values in patients[:: 1 if engine == "reference" else 25]:
                ex = explain(ev, example_patient(values, pathway.diagnosis))
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
    ex = explain(reference, adult(diagnosis="gbs", treatments={"plasma_exchange": "failed"}))
    assert "treatments.ivig" in ex.defaults
    assert "treatments.plasma_exchange" not in ex.defaults
    unmet = [c for m in ex.why_not for c in m.unmet if c.fact == "treatments.ivig"]
    assert unmet and all(not c.given and "default" in c.unmet() for c in unmet)


def test_gap_is_explained_with_the_nearest_rules(catalogue):
    pathway = load_pathway(ROOT / "tests" / "rulesets" / "gapped.yaml", catalogue.vocabulary)
    single = Catalogue(catalogue.vocabulary, catalogue.screening, {pathway.diagnosis: pathway})
    with Evaluator(single, engine="reference") as ev:
        ex = explain(ev, adult(diagnosis="dermatomyositis", treatments={"plasma_exchange": "failed"}))
    assert ex.recommendation is None and ex.verdict is None
    assert ex.why_not[0].rule.id == "ivig_after_plex"
    assert [c.fact for c in ex.why_not[0].unmet] == ["treatments.plasma_exchange"]
    assert ex.to_dict()["gap"] is True
