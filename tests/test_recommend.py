"""How a recommendation is put together from the rules that matched: who speaks in the notes.

These checks run over every project scenario and read the expected words from the rules
themselves, so a clinical edit of a note never breaks them; each asserts that it checked
enough cases to mean something.
"""

from __future__ import annotations

import pytest

from conftest import SCENARIOS
from ivig_rules.evaluation.evaluator import Evaluator
from ivig_rules.scenarios.runner import load_scenarios


@pytest.fixture
def runs(catalogue):
    """Every project scenario's recommendation (reference engine). Per test, not per module, so
    that each test really evaluates (a mutation tester maps the code a test runs to the test)."""
    _, scenarios = load_scenarios([SCENARIOS], catalogue.vocabulary)
    with Evaluator(catalogue, engine="reference") as reference:
        return [reference.evaluate(s.patient) for s in scenarios if s.skip is None]


def _rules_by_id(catalogue):
    rules = {r.qualified_id: r for r in catalogue.screening.rules}
    for pathway in catalogue.pathways.values():
        rules.update((r.qualified_id, r) for r in pathway.rules)
    return rules


def test_the_deciding_rules_note_comes_first(catalogue, runs):
    rules = _rules_by_id(catalogue)
    checked = overridden = 0
    for rec in runs:
        decider = rules[rec.decided_by]
        if decider.notes:
            assert rec.notes[:1] == (decider.notes,), (rec.decided_by, rec.notes)
            checked += 1
            overridden += rec.decided_by.startswith(catalogue.screening.id + ".")
        else:
            assert all(n != "" for n in rec.notes)
    assert checked >= 10 and overridden >= 1


def test_a_safety_contraindication_says_what_the_pathway_would_have_given(catalogue, runs):
    rules = _rules_by_id(catalogue)
    safety = {r.qualified_id for r in catalogue.screening.rules}
    seen = 0
    for rec in runs:
        if rec.decided_by not in safety or rec.ivig != "contraindicated":
            continue
        seen += 1
        pathway_rule = next(r for r in rec.rules_fired if r not in safety and rules[r].decides)
        would = rules[pathway_rule].then.ivig
        assert any(
            f"would give '{would}' ({pathway_rule})" in n and rec.decided_by in n for n in rec.notes
        ), rec.notes
        assert rules[pathway_rule].notes not in rec.notes or not rules[pathway_rule].notes
    assert seen >= 10


def test_the_steps_note_closes_the_notes(catalogue, runs):
    seen = 0
    for rec in runs:
        if rec.step is None:
            continue
        pathway = catalogue.pathway(rec.pathway)
        step = pathway.steps[rec.step]
        if step.notes:
            assert rec.notes[-1] == step.notes
            seen += 1
        else:
            assert step.notes not in rec.notes
    assert seen >= 10


def _cases(catalogue, runs):
    """Every scenario's recommendation with its pathway and the rules by id."""
    rules = _rules_by_id(catalogue)
    return [(rec, catalogue.pathway(rec.pathway), rules) for rec in runs]


def test_the_verdict_step_and_evidence_come_from_the_deciding_rule(catalogue, runs):
    for rec, pathway, rules in _cases(catalogue, runs):
        decider = rules[rec.decided_by]
        assert rec.ivig == decider.then.ivig
        assert rec.evidence == decider.evidence
        assert rec.decided_by in rec.rules_fired and set(rec.rules_fired) <= set(rec.rules_matched)
        if rec.step is None:
            assert (rec.next_step, rec.step_label, rec.line_of_therapy, rec.with_therapies) == (None, None, None, ())
            continue
        step = pathway.steps[rec.step]
        assert (rec.next_step, rec.step_label, rec.line_of_therapy, rec.with_therapies) == (
            step.therapy, step.label, step.line_of_therapy, step.with_therapies
        )


def test_alerts_come_most_severe_first_then_in_vocabulary_order(catalogue, runs):
    from ivig_rules.model import SEVERITIES

    vocab = catalogue.vocabulary
    order = list(vocab.alerts)
    mixed = 0
    for rec, _, _ in _cases(catalogue, runs):
        keys = [(SEVERITIES.index(a.severity), order.index(a.id)) for a in rec.alerts]
        assert keys == sorted(keys), rec.alert_ids
        assert all(a.severity == vocab.alerts[a.id].severity for a in rec.alerts)
        mixed += len({a.severity for a in rec.alerts}) > 1
    assert mixed >= 10


def test_each_alert_names_the_rules_that_raised_it(catalogue, runs):
    for rec, _, rules in _cases(catalogue, runs):
        for alert in rec.alerts:
            expected = [r for r in rec.rules_fired if alert.id in rules[r].then.alerts]
            if alert.id == "weight_missing" and not expected:
                expected = ["dosing"]
            if alert.id in {c.alert for c in catalogue.vocabulary.age_checks} and not expected:
                expected = ["age_plausibility"]
            assert list(alert.rules) == expected, (rec.decided_by, alert.id)
            assert alert.citations == catalogue.vocabulary.alerts[alert.id].citations


def test_citations_hold_every_source_the_recommendation_rests_on_once(catalogue, runs):
    for rec, pathway, rules in _cases(catalogue, runs):
        cited = list(rec.citations)
        assert len(cited) == len(set(cited))
        decider = rules[rec.decided_by]
        assert cited[: len(decider.citations)] == list(dict.fromkeys(decider.citations))
        wanted = [c for r in rec.rules_fired for c in rules[r].citations]
        if rec.step is not None:
            wanted += pathway.steps[rec.step].citations
        if rec.dose is not None:
            wanted += rec.dose.citations
        elif rec.step is not None and "weight_missing" in rec.alert_ids:
            regimen = pathway.doses[rules[rec.decided_by].then.dose or pathway.steps[rec.step].dose]
            wanted += regimen.citations
        wanted += [c for a in rec.alerts for c in a.citations]
        assert set(wanted) <= set(cited), rec.decided_by  # each source the answer rests on


def test_the_json_form_says_what_the_recommendation_says(catalogue, runs):
    for rec, _, _ in _cases(catalogue, runs):
        data = rec.to_dict()
        assert data["with"] == list(rec.with_therapies)
        assert [c["cite"] for c in data["citations"]] == [str(c) for c in rec.citations]
        assert data["notes"] == list(rec.notes)
        assert data["rules_fired"] == list(rec.rules_fired) and data["rules_matched"] == list(rec.rules_matched)
        assert data["dose"] == (rec.dose.to_dict() if rec.dose else None)
        for alert, shown in zip(rec.alerts, data["alerts"], strict=True):
            assert {k: shown[k] for k in ("id", "severity", "message", "rules")} == {
                "id": alert.id, "severity": alert.severity, "message": alert.message, "rules": list(alert.rules),
            }
            assert [c["cite"] for c in shown["citations"]] == [str(c) for c in alert.citations]
        for key in ("pathway", "pathway_title", "ruleset_version", "engine", "weight_policy", "patient_id", "diagnosis",
                    "ivig", "next_step", "step", "step_label", "decided_by", "evidence"):
            assert data[key] == getattr(rec, key), key
        assert data["line"] == rec.line_of_therapy  # the JSON key stays "line"


def test_a_patient_no_rule_decides_gets_a_clear_error_not_a_crash(catalogue):
    from pathlib import Path

    from ivig_rules.errors import NoDecisionError
    from ivig_rules.model import Catalogue
    from ivig_rules.loading.patient import patient_from_mapping
    from ivig_rules.loading.rulesets import load_pathway

    gapped = load_pathway(Path(__file__).resolve().parent / "rulesets" / "gapped.yaml", catalogue.vocabulary)
    only = Catalogue(catalogue.vocabulary, catalogue.screening, {gapped.diagnosis: gapped})
    facts = {"diagnosis": gapped.diagnosis, "age_years": 50, "sex": "male", "treatments": {"plasma_exchange": "failed"}}
    patient = patient_from_mapping(facts, catalogue.vocabulary, source="gap.yaml")
    for engine in ("durable", "reference"):
        with Evaluator(only, engine=engine) as evaluator, pytest.raises(NoDecisionError) as caught:
            evaluator.evaluate(patient)
        assert "lint_gapped" in str(caught.value) and "gap.yaml:1" in str(caught.value)
