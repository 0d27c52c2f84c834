"""How a recommendation is put together from the rules that matched: who speaks in the notes.

These checks run over every project scenario and read the expected words from the rules
themselves, so a clinical edit of a note never breaks them; each asserts that it checked
enough cases to mean something.
"""

from __future__ import annotations

from conftest import SCENARIOS
from ivig_rules.runner import load_scenarios


def _runs(catalogue, reference):
    _, scenarios = load_scenarios([SCENARIOS], catalogue.vocabulary)
    return [reference.evaluate(s.patient) for s in scenarios if s.skip is None]


def _rules_by_id(catalogue):
    rules = {r.qualified_id: r for r in catalogue.screening.rules}
    for pathway in catalogue.pathways.values():
        rules.update((r.qualified_id, r) for r in pathway.rules)
    return rules


def test_the_deciding_rules_note_comes_first(catalogue, reference):
    rules = _rules_by_id(catalogue)
    checked = overridden = 0
    for rec in _runs(catalogue, reference):
        decider = rules[rec.decided_by]
        if decider.notes:
            assert rec.notes[:1] == (decider.notes,), (rec.decided_by, rec.notes)
            checked += 1
            overridden += rec.decided_by.startswith(catalogue.screening.id + ".")
        else:
            assert all(n != "" for n in rec.notes)
    assert checked >= 10 and overridden >= 1


def test_a_safety_contraindication_says_what_the_pathway_would_have_given(catalogue, reference):
    rules = _rules_by_id(catalogue)
    safety = {r.qualified_id for r in catalogue.screening.rules}
    seen = 0
    for rec in _runs(catalogue, reference):
        if rec.decided_by not in safety:
            continue
        seen += 1
        pathway_rule = next(r for r in rec.rules_fired if r not in safety and rules[r].decides)
        would = rules[pathway_rule].then.ivig
        assert any(
            f"would give '{would}' ({pathway_rule})" in n and rec.decided_by in n for n in rec.notes
        ), rec.notes
        assert rules[pathway_rule].notes not in rec.notes or not rules[pathway_rule].notes
    assert seen >= 10


def test_the_steps_note_closes_the_notes(catalogue, reference):
    seen = 0
    for rec in _runs(catalogue, reference):
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
