"""Fidelity of the knowledge base: every outcome of every pathway is tested by a scenario."""

from __future__ import annotations

from collections import Counter

from conftest import SCENARIOS
from ivig_rules.evaluation.evaluator import Evaluator
from ivig_rules.scenarios.runner import load_scenarios


def _runs(catalogue):
    _, scenarios = load_scenarios([SCENARIOS], catalogue.vocabulary)
    with Evaluator(catalogue, engine="reference") as evaluator:
        return scenarios, [evaluator.evaluate(s.patient) for s in scenarios if s.skip is None]


def test_at_least_60_scenarios_across_all_pathways(catalogue):
    scenarios, _ = _runs(catalogue)
    assert len(scenarios) >= 60
    per_pathway = Counter(s.patient.diagnosis for s in scenarios)
    assert set(per_pathway) == set(catalogue.pathways), "every pathway has scenarios"


def test_every_pathway_rule_decides_or_fires_in_some_scenario(catalogue):
    _, recs = _runs(catalogue)
    decided = {r.decided_by for r in recs}
    fired = {rule for r in recs for rule in r.rules_fired}
    missing = []
    for pathway in catalogue.pathways.values():
        for rule in pathway.rules:
            seen = decided if rule.decides else fired
            if rule.qualified_id not in seen:
                missing.append(rule.qualified_id)
    assert missing == [], f"rules no scenario exercises: {missing}"


def test_every_safety_rule_fires_in_some_scenario(catalogue):
    _, recs = _runs(catalogue)
    fired = {rule for r in recs for rule in r.rules_fired}
    missing = [r.qualified_id for r in catalogue.screening.rules if r.qualified_id not in fired]
    assert missing == []


def test_every_verdict_a_pathway_can_give_is_seen_in_its_scenarios(catalogue):
    _, recs = _runs(catalogue)
    seen = {(r.pathway, r.ivig, r.step) for r in recs}
    missing = []
    for pathway in catalogue.pathways.values():
        for rule in pathway.rules:
            if rule.decides:
                outcome = (pathway.id, rule.then.ivig, rule.then.next_step)
                if outcome not in seen:
                    missing.append(outcome)
    assert missing == [], f"verdicts no scenario shows: {missing}"


def test_every_pathway_the_safety_screening_covers_has_a_contraindicated_scenario(catalogue):
    _, recs = _runs(catalogue)
    screened = {
        pathway.id
        for pathway in catalogue.pathways.values()
        if any(r.then.ivig in catalogue.screening.applies_to for r in pathway.rules if r.decides)
    }
    safety_rules = {r.qualified_id for r in catalogue.screening.rules}
    overridden = {r.pathway for r in recs if r.ivig == "contraindicated" and r.decided_by in safety_rules}
    assert screened - overridden == set()


def test_every_alert_of_the_vocabulary_is_raised_by_some_scenario(catalogue):
    _, recs = _runs(catalogue)
    raised = {a for r in recs for a in r.alert_ids}
    assert set(catalogue.vocabulary.alerts) - raised == set()
