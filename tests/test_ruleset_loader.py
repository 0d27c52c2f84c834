"""Rulesets are checked when they are built: each authoring mistake names file, line and key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import RULESETS
from ivig_rules.loading.catalogue import load_catalogue
from ivig_rules.errors import SchemaError

MS = "pathways/ms_relapse.yaml"


FROZEN_MS = Path(__file__).resolve().parent / "fixtures" / "ms_relapse_frozen.yaml"


@pytest.fixture
def rulesets(tmp_path) -> Path:
    """The project's rulesets with the MS relapse pathway replaced by a frozen copy to edit."""
    target = tmp_path / "rulesets"
    shutil.copytree(RULESETS, target)
    shutil.copy(FROZEN_MS, target / MS)
    return target


def _edit(folder: Path, name: str, old: str, new: str) -> Path:
    path = folder / name
    text = path.read_text()
    assert old in text, f"test setup: {old!r} not in {name}"
    path.write_text(text.replace(old, new, 1))
    return path


def _line_of(path: Path, needle: str) -> int:
    """Line of the first (or, for "text#N", the N-th) line holding the needle."""
    text, _, nth = needle.partition("#")
    hits = [n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    return hits[int(nth or 1) - 1]


CASES = [
    # (old text, new text, needle on the blamed line, words in the message)
    (
        "treatments.plasma_exchange: responded",
        "treatments.plasma_exchnge: responded",
        "plasma_exchnge",
        ["unknown fact 'treatments.plasma_exchnge'", "Did you mean 'treatments.plasma_exchange'"],
    ),
    (
        "when: {treatments.ivig: contraindicated}",
        "when: {treatments.ivig: {'<': failed}}",
        "'<': failed",
        ["'<' compares numbers"],
    ),
    (
        "then: {ivig: not_yet, next_step: plex}",
        "then: {ivig: not_yet, next_step: plx}",
        "next_step: plx",
        ["no step 'plx'", "Did you mean 'plex'"],
    ),
    (
        "then: {ivig: recommended, next_step: ivig}\n    evidence: open_label_trials",
        "then: {ivig: recommended, next_step: plex}\n    evidence: open_label_trials",
        "next_step: plex}",
        ["must be an IVIG step"],
    ),
    (
        "then: {ivig: not_indicated}\n    evidence: expert_opinion\n    cite: [\"001_31bd74f6d628a3ef.txt\"]\n\n  - id: plasma_exchange_next",
        "then: {ivig: not_indicated}\n    evidence: expert_opinion\n\n  - id: plasma_exchange_next",
        "- id: steroids_worked",
        ["'cite' is required"],
    ),
    (
        'cite: ["001_31bd74f6d628a3ef.txt [1]", "001_31bd74f6d628a3ef.txt [2]"',
        'cite: ["001_31bd74f6d628a3ef.txt [1]", "001_31bd74f6d628a3ef.txt [99]"',
        "[99]",
        ["numbers 11 references", "[99] does not exist"],
    ),
    (
        'cite: ["001_31bd74f6d628a3ef.txt [1]", "001_31bd74f6d628a3ef.txt [2]"',
        'cite: ["001_31bd74f6d628a3ef.tx [1]", "001_31bd74f6d628a3ef.txt [2]"',
        "001_31bd74f6d628a3ef.tx [1]",
        ["unknown source", "Did you mean '001_31bd74f6d628a3ef.txt'"],
    ),
    ("- id: steroids_worked", "- id: steroids_first", "- id: steroids_first#2", ["used twice"]),
    ('version: "1.0.0"', "version: 1.0", "version: 1.0", ["write the version as text"]),
    (
        "when: {treatments.ivig: contraindicated}",
        "when: {diagnosis: ms_relapse}",
        "when: {diagnosis",
        ["may not test 'diagnosis'"],
    ),
    (
        "when: {treatments.ivig: contraindicated}",
        "when: {weight_kg: {'>': 100}}",
        "when: {weight_kg",
        ["may not test 'weight_kg'", "no default"],
    ),
    ("then: {ivig: contraindicated}", "then: {ivig: contraindicated, alerts: [hypersensitvity]}", "hypersensitvity", ["unknown alert id", "Did you mean 'hypersensitivity'"]),
    ("then: {ivig: contraindicated}", "then: {ivig: contra}", "ivig: contra}", ["unknown IVIG verdict", "Did you mean 'contraindicated'"]),
    ("    from: start\n    when: {treatments.ivig: contraindicated}", "    form: start\n    when: {treatments.ivig: contraindicated}", "form: start", ["unknown key 'form'", "Did you mean 'from'"]),
    ("when: {treatments.ivig: contraindicated}", "when: {treatments.ivig: {is: contraindicated}}", "{is:", ["unknown operator 'is'"]),
    ("when: {treatments.ivig: contraindicated}", "when: {any: []}", "{any: []}", ["at least one"]),
    ("    g_per_kg: 0.4\n", "    g_per_kg: 40\n", "g_per_kg: 40", ["out of range", "at most 5"]),
    (
        'cite: ["001_31bd74f6d628a3ef.txt [1]", "001_31bd74f6d628a3ef.txt [2]"',
        'cite: ["003_2f405638fa14e663.txt [1]", "001_31bd74f6d628a3ef.txt [2]"',
        "003_2f405638fa14e663.txt [1]",
        ["numbers its references per section", "#SECTION", "gbs-treatment"],
    ),
    (
        'cite: ["001_31bd74f6d628a3ef.txt [1]", "001_31bd74f6d628a3ef.txt [2]"',
        'cite: ["003_2f405638fa14e663.txt#gbs-treatmnt [1]", "001_31bd74f6d628a3ef.txt [2]"',
        "gbs-treatmnt [1]",
        ["has no section 'gbs-treatmnt'", "Did you mean 'gbs-treatment'"],
    ),
    (
        'cite: ["001_31bd74f6d628a3ef.txt [1]", "001_31bd74f6d628a3ef.txt [2]"',
        'cite: ["003_2f405638fa14e663.txt#mmn [2]", "001_31bd74f6d628a3ef.txt [2]"',
        "mmn [2]",
        ["#mmn numbers 1 references", "[2] does not exist"],
    ),
    ("then: {ivig: contraindicated}", "then: {ivig: specialist_review}", "ivig: specialist_review}", ["given only by the safety screening"]),
]


@pytest.mark.parametrize("old, new, needle, words", CASES, ids=[c[3][0][:40] for c in CASES])
def test_authoring_mistakes_are_caught_at_load_time(rulesets, old, new, needle, words):
    path = _edit(rulesets, MS, old, new)
    with pytest.raises(SchemaError) as caught:
        load_catalogue(rulesets)
    error = caught.value
    assert error.file == str(path)
    assert error.line == _line_of(path, needle), str(error)
    message = str(error)
    for word in words:
        assert word in message, message


def test_two_pathways_for_one_diagnosis(rulesets):
    shutil.copy(rulesets / MS, rulesets / "pathways/ms_relapse_copy.yaml")
    _edit(rulesets, "pathways/ms_relapse_copy.yaml", "id: ms_relapse\n", "id: ms_relapse_two\n")
    with pytest.raises(SchemaError, match="already has a pathway"):
        load_catalogue(rulesets)


def test_missing_rulesets_folder(tmp_path):
    with pytest.raises(SchemaError, match="no rulesets folder"):
        load_catalogue(tmp_path / "nowhere")


def _all_citations(catalogue):
    vocab = catalogue.vocabulary
    items = [(a.id, a.citations) for a in vocab.alerts.values()]
    items += [(f"monitoring.{m.id}", m.citations) for m in vocab.monitoring.values()]
    items += [(f"administration.{m.id}", m.citations) for m in vocab.administration.values()]
    for conflict in vocab.conflicts.values():
        items += [(f"conflict.{conflict.id}", p.citations) for p in conflict.positions]
    for pathway in catalogue.pathways.values():
        items += [(r.qualified_id, r.citations) for r in pathway.rules]
        items += [(f"{pathway.id}.step.{s.id}", s.citations) for s in pathway.steps.values()]
        items += [(f"{pathway.id}.step.{s.id}.review", s.review.citations) for s in pathway.steps.values() if s.review]
        items += [(f"{pathway.id}.dose.{d.id}", d.citations) for d in pathway.doses.values()]
    items += [(r.qualified_id, r.citations) for r in catalogue.screening.rules]
    return items


def test_every_rule_and_alert_of_the_project_cites_a_known_source(catalogue):
    """Fidelity: no rule, step, dose, alert or advice without a citation that resolves."""
    sources = catalogue.vocabulary.sources
    for pathway in catalogue.pathways.values():
        assert set(pathway.sources) <= set(sources)
    for name, citations in _all_citations(catalogue):
        assert citations, name
        for citation in citations:
            source = sources[citation.source]
            assert bool(source.sections) == (citation.section is not None), (name, citation)
            if citation.ref is not None:
                assert 1 <= citation.ref <= len(source.reference_list(citation.section)), (name, citation)


def test_every_citation_reads_as_a_reference_not_a_file(catalogue):
    """A reader sees authors, journal and year, or a title and publisher: never a seed file name."""
    for name, citations in _all_citations(catalogue):
        for citation in citations:
            assert citation.text, (name, citation)
            assert ".txt" not in citation.text and "seeds" not in citation.text, (name, citation.text)
            if citation.ref is not None:
                assert f"cited in the " in citation.text and citation.text.endswith(f"[{citation.ref}]"), citation.text


def test_the_issue_example_citation_reads_as_asked(catalogue):
    from ivig_rules.model.citations import citation_text
    from ivig_rules.model import Citation

    sources = catalogue.vocabulary.sources
    assert citation_text(Citation("001_31bd74f6d628a3ef.txt", 4), sources) == (
        "Goodin DS et al., Neurology 2002, cited in the MS FAQ [4]"
    )
    assert citation_text(Citation("003_2f405638fa14e663.txt", 3, "gbs-treatment"), sources) == (
        "Van Doorn PA et al., J Clin Immunol 2010, cited in the neuromuscular IVIG page (GBS: treatment and dosing) [3]"
    )


def test_every_decision_rule_states_its_evidence(catalogue):
    for pathway in catalogue.pathways.values():
        for rule in pathway.rules:
            if rule.decides:
                assert rule.evidence in catalogue.vocabulary.evidence_levels, rule.qualified_id


def test_project_pathways_are_exhaustive_and_unambiguous(catalogue):
    from ivig_rules.logic.fact_space import decision_findings

    for pathway in catalogue.pathways.values():
        assert decision_findings(pathway, catalogue.vocabulary) == [], pathway.id


BAD = Path(__file__).resolve().parent / "rulesets"


def test_the_gap_and_overlap_checker_finds_gaps_and_overlaps(catalogue):
    """The check above passes only because its checker says nothing; here it must speak."""
    from dataclasses import replace

    from ivig_rules.errors import NoDecisionError
    from ivig_rules.evaluation.evaluator import Evaluator
    from ivig_rules.logic.fact_space import decision_findings, patient_from_engine_facts
    from ivig_rules.model import Catalogue, Outcome
    from ivig_rules.loading.rulesets import load_pathway

    vocab = catalogue.vocabulary
    assert decision_findings(load_pathway(BAD / "clean.yaml", vocab), vocab) == []

    gapped = load_pathway(BAD / "gapped.yaml", vocab)
    [gap] = decision_findings(gapped, vocab)
    assert (gap.kind, gap.pathway, gap.rules) == ("gap", "lint_gapped", ())
    only_gapped = Catalogue(vocab, catalogue.screening, {gapped.diagnosis: gapped})
    with Evaluator(only_gapped, engine="reference") as ev, pytest.raises(NoDecisionError):
        ev.evaluate(patient_from_engine_facts(gap.example, gapped, vocab))

    overlapping = load_pathway(BAD / "overlapping.yaml", vocab)
    [overlap] = decision_findings(overlapping, vocab)
    assert (overlap.kind, overlap.rules) == ("overlap", ("steroids_failed", "severe_wait"))
    assert overlap.example["severe"] is True and overlap.example["treatments.corticosteroids"] == "failed"

    def with_severe(outcome):
        rules = tuple(replace(r, then=outcome) if r.id == "severe_wait" else r for r in overlapping.rules)
        return decision_findings(replace(overlapping, rules=rules), vocab)

    # The same verdict but no next step is still a different outcome; the same outcome is not.
    assert [f.rules for f in with_severe(Outcome(ivig="recommended"))] == [("steroids_failed", "severe_wait")]
    assert with_severe(Outcome(ivig="recommended", next_step="ivig")) == []
