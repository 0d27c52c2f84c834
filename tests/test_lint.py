"""lint over the project's rulesets and the deliberately bad ones in tests/rulesets/."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from ivig_rules.errors import NoDecisionError
from ivig_rules.evaluation.evaluator import Evaluator
from ivig_rules.lint import ERROR, WARNING, lint_paths
from ivig_rules.model import Catalogue
from ivig_rules.loading.rulesets import load_pathway

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "rulesets"
TODAY = dt.date(2026, 11, 22)


def lint_one(name: str, today=TODAY):
    return lint_paths([BAD / name], today=today, rulesets=ROOT / "rulesets")


def codes(report):
    return sorted(f.code for f in report.findings)


def evaluator_for(name: str, catalogue) -> Evaluator:
    """An evaluator whose only pathway is the given test pathway (with the project's screening)."""
    pathway = load_pathway(BAD / name, catalogue.vocabulary)
    single = Catalogue(catalogue.vocabulary, catalogue.screening, {pathway.diagnosis: pathway}, root=str(BAD))
    return Evaluator(single, engine="reference")


def test_project_rulesets_have_no_errors():
    report = lint_paths([ROOT / "rulesets"], today=TODAY)
    assert [f for f in report.findings if f.severity == ERROR] == [], [f.message for f in report.findings]
    assert report.exit_code() == 0
    assert len(report.pathways) >= 4


def test_clean_test_pathway_is_clean():
    report = lint_one("clean.yaml")
    assert report.findings == []
    assert report.pathways == ["lint_clean"]


def test_gaps_name_patients_the_evaluator_cannot_decide(catalogue):
    report = lint_one("gapped.yaml")
    gaps = [f for f in report.findings if f.code == "gap"]
    assert gaps and all(f.severity == ERROR for f in gaps)
    assert report.exit_code() == 1
    with evaluator_for("gapped.yaml", catalogue) as ev:
        for gap in gaps:
            assert {"diagnosis", "age_years", "sex"} <= set(gap.example)
            with pytest.raises(NoDecisionError):
                ev.evaluate(gap.example)
    # plasma exchange failed (with IVIG not tried) is one of the holes
    assert any(
        "plasma_exchange" in f.message and "failed" in f.message for f in gaps
    ), [f.message for f in gaps]


def test_gap_counts_cover_every_undecided_patient(catalogue):
    from ivig_rules.logic.fact_space import enumerate_patients

    report = lint_one("gapped.yaml")
    pathway = load_pathway(BAD / "gapped.yaml", catalogue.vocabulary)
    undecided = 0
    with evaluator_for("gapped.yaml", catalogue) as ev:
        for values in enumerate_patients(pathway, catalogue.vocabulary):
            patient = {"diagnosis": "dermatomyositis", "age_years": 40, "sex": "female", "treatments": {}}
            for name, value in values.items():
                patient["treatments"][name.split(".", 1)[1]] = value
            try:
                ev.evaluate(patient)
            except NoDecisionError:
                undecided += 1
    # the cubes may overlap, but together they hold at least every undecided patient
    assert undecided > 0
    assert sum(f.count for f in report.findings if f.code == "gap") >= undecided


def test_overlap_example_matches_both_rules_and_the_first_decides(catalogue):
    report = lint_one("overlapping.yaml")
    overlaps = [f for f in report.findings if f.code == "overlap"]
    assert len(overlaps) == 1
    finding = overlaps[0]
    assert finding.rules == ("steroids_failed", "severe_wait")
    assert finding.example["severe"] is True
    assert finding.example["treatments"]["corticosteroids"] == "failed"
    with evaluator_for("overlapping.yaml", catalogue) as ev:
        rec = ev.evaluate(finding.example)
    assert rec.decided_by == "lint_overlapping.steroids_failed"
    assert "lint_overlapping.severe_wait" in rec.rules_matched
    assert "gap" not in codes(report)


def test_dead_and_masked_rules():
    report = lint_one("dead_rule.yaml")
    by_code = {f.code: f for f in report.findings}
    assert by_code["dead-rule"].rules == ("never",)
    assert by_code["dead-rule"].line == 28
    masked = by_code["masked-rule"]
    assert masked.rules == ("shadowed", "catch_failed")
    assert masked.severity == ERROR
    assert masked.example["treatments"]["plasma_exchange"] == "failed"
    assert "gap" not in by_code


def test_redundant_rule_is_a_warning(tmp_path):
    text = (BAD / "clean.yaml").read_text().replace("    stop:", "    again: {arrow: not tried}\n    stop:", 1)
    text += """
  - id: again
    when: {treatments.ivig: not_tried}
    then: {ivig: recommended, next_step: ivig}
    evidence: randomised_trials
    cite: ["003_2f405638fa14e663.txt#cidp-treatment"]
"""
    path = tmp_path / "redundant.yaml"
    path.write_text(text)
    report = lint_paths([path], today=TODAY, rulesets=ROOT / "rulesets")
    assert codes(report) == ["redundant-rule"]
    assert report.findings[0].severity == WARNING
    assert report.exit_code() == 0
    assert report.exit_code(WARNING) == 1


def test_every_broken_reference_of_a_file_is_reported():
    report = lint_one("broken_refs.yaml")
    found = {(f.code, f.key) for f in report.findings}
    assert ("missing-citation", "rules[0]") in found
    assert ("missing-citation", "rules[1]") in found
    assert ("duplicate-id", "rules[1].id") in found
    assert ("unknown-reference", "rules[0].then.next_step") in found
    assert ("unknown-reference", "rules[1].from") in found
    assert ("unknown-reference", "rules[1].then.dose") in found
    assert ("unknown-reference", "rules[1].then.alerts[0]") in found
    suggestions = {f.key: f.suggestion for f in report.findings}
    assert suggestions["rules[0].then.next_step"] == "ivig"
    assert suggestions["rules[1].then.alerts[0]"] == "premedication"
    assert all(f.line for f in report.findings)
    # the loader's own first error is the same missing citation, so it is not reported twice
    assert len([f for f in report.findings if f.line == 19]) == 1


def test_schema_error_names_line_key_and_suggestion():
    report = lint_one("schema_error.yaml")
    (finding,) = report.findings
    assert (finding.code, finding.line, finding.key, finding.suggestion) == ("schema", 17, "rules[0].evidance", "evidence")
    # the loader rejects the file, so exit 2 as for 'evaluate' (a file that breaks its format)
    assert report.not_loaded == [finding.file]
    assert report.exit_code() == 2


def test_findings_in_files_that_load_exit_1_beside_a_file_that_does_not_2():
    gapped = lint_one("gapped.yaml")
    assert gapped.findings and gapped.not_loaded == [] and gapped.exit_code() == 1
    both = lint_paths([BAD / "schema_error.yaml", BAD / "gapped.yaml"], today=TODAY, rulesets=ROOT / "rulesets")
    assert {"schema", "gap"} <= set(codes(both))
    assert both.exit_code() == 2


def test_unreadable_file_exits_2_and_the_others_are_still_checked():
    report = lint_paths([BAD / "unreadable.yaml", BAD / "gapped.yaml"], today=TODAY, rulesets=ROOT / "rulesets")
    assert report.exit_code() == 2
    assert {"unreadable", "gap"} <= set(codes(report))


def test_missing_path_is_unreadable(tmp_path):
    report = lint_paths([tmp_path / "nope"], today=TODAY)
    assert report.exit_code() == 2
    assert report.findings[0].code == "unreadable"


def test_review_date_and_evidence_warnings_depend_on_today():
    stale = lint_one("stale.yaml", today=dt.date(2021, 1, 15))
    assert codes(stale) == ["no-evidence"]
    later = lint_one("stale.yaml", today=dt.date(2021, 1, 16))
    assert codes(later) == ["no-evidence", "review-overdue"]
    overdue = next(f for f in later.findings if f.code == "review-overdue")
    assert overdue.severity == WARNING and overdue.line == 10 and "1 day ago" in overdue.message
    assert later.exit_code(WARNING) == 1 and later.exit_code() == 0


def test_project_review_dates_fall_due(catalogue):
    due = min(p.review_due for p in catalogue.pathways.values())
    report = lint_paths([ROOT / "rulesets"], today=due + dt.timedelta(days=1))
    assert "review-overdue" in codes(report)


def test_every_broken_file_of_a_folder_is_reported(tmp_path):
    folder = tmp_path / "rulesets"
    shutil.copytree(ROOT / "rulesets", folder)
    gbs = folder / "pathways" / "gbs.yaml"
    gbs.write_text(gbs.read_text().replace("evidence: expert_opinion", "evidance: expert_opinion", 1))
    cidp = folder / "pathways" / "cidp.yaml"
    cidp.write_text(cidp.read_text().replace("next_step: ivig", "next_step: ivgi", 1))
    safety = folder / "safety.yaml"
    safety.write_text(safety.read_text().replace("alerts: [renal_impairment]", "alerts: [renal_impairmnt]"))
    report = lint_paths([folder], today=TODAY)
    broken = {Path(f.file).name for f in report.findings if f.severity == ERROR}
    assert broken == {"gbs.yaml", "cidp.yaml", "safety.yaml"}
    assert {Path(f).name for f in report.not_loaded} == {"gbs.yaml", "cidp.yaml", "safety.yaml"}
    assert report.exit_code() == 2  # the folder does not load, as 'evaluate --rulesets' says with exit 2


def test_two_pathways_for_one_diagnosis(tmp_path):
    folder = tmp_path / "rulesets"
    shutil.copytree(ROOT / "rulesets", folder)
    copy = folder / "pathways" / "zz_gbs_copy.yaml"
    copy.write_text((folder / "pathways" / "gbs.yaml").read_text().replace("id: gbs", "id: gbs_copy", 1))
    report = lint_paths([folder], today=TODAY)
    dup = [f for f in report.findings if f.code == "duplicate-id"]
    assert len(dup) == 1 and "gbs" in dup[0].message and dup[0].file.endswith("zz_gbs_copy.yaml")


def test_dead_screening_rule(tmp_path):
    folder = tmp_path / "rulesets"
    shutil.copytree(ROOT / "rulesets", folder)
    safety = folder / "safety.yaml"
    safety.write_text(safety.read_text() + """
  - id: impossible
    when: {all: [{iga: deficient}, {iga: normal}]}
    then: {alerts: [iga_deficiency]}
    evidence: expert_opinion
    cite: ["001_31bd74f6d628a3ef.txt"]
""")
    report = lint_paths([folder], today=TODAY)
    assert [(f.code, f.rules) for f in report.findings if f.severity == ERROR] == [("dead-rule", ("impossible",))]
    assert "safety.yaml" in next(f.file for f in report.findings if f.code == "dead-rule")


def test_output_does_not_depend_on_the_order_of_paths():
    from ivig_rules.lint.report import to_json, to_text

    names = ["gapped.yaml", "overlapping.yaml", "dead_rule.yaml", "broken_refs.yaml"]
    one = lint_paths([BAD / n for n in names], today=TODAY, rulesets=ROOT / "rulesets")
    two = lint_paths([BAD / n for n in reversed(names)], today=TODAY, rulesets=ROOT / "rulesets")
    assert to_text(one) == to_text(two)
    assert to_json(one) != "" and [f.to_dict() for f in one.findings] == [f.to_dict() for f in two.findings]


def test_unreachable_step_from_the_graph():
    report = lint_one("unreachable.yaml")
    found = [f for f in report.findings if f.code == "unreachable-step"]
    assert len(found) == 1 and found[0].severity == ERROR
    assert (found[0].line, found[0].key) == (14, "steps.plex")
    assert report.exit_code() == 1


def test_step_reached_only_through_its_own_rule_is_a_warning(tmp_path):
    text = (BAD / "unreachable.yaml").read_text() + """
  - id: plex_under_way
    from: plex
    when: {treatments.ivig: {in: [failed, intolerant, contraindicated]}, treatments.plasma_exchange: ongoing}
    then: {ivig: not_indicated, next_step: plex}
    evidence: expert_opinion
    cite: ["003_2f405638fa14e663.txt#cidp-treatment"]
"""
    text = text.replace("when: {treatments.ivig: {in: [failed, intolerant, contraindicated]}}",
                        "when: {treatments.ivig: {in: [failed, intolerant, contraindicated]}, treatments.plasma_exchange: {not_in: [ongoing]}}")
    path = tmp_path / "self_reached.yaml"
    path.write_text(text)
    report = lint_paths([path], today=TODAY, rulesets=ROOT / "rulesets")
    (found,) = [f for f in report.findings if f.code == "unreachable-step"]
    assert found.severity == WARNING and "plex_under_way" in found.message
    assert [f.code for f in report.findings if f.severity == ERROR] == []


def test_silence_shown_as_a_decision_is_a_warning(tmp_path):
    """'not_indicated' on insufficient evidence is the sources' silence shown as an exclusion."""
    clean = (BAD / "clean.yaml").read_text()
    old = "    then: {ivig: not_indicated}\n    evidence: expert_opinion"
    assert old in clean
    silent = tmp_path / "silent.yaml"
    silent.write_text(clean.replace(old, "    then: {ivig: not_indicated}\n    evidence: insufficient"))
    report = lint_paths([silent], today=TODAY, rulesets=ROOT / "rulesets")
    (finding,) = [f for f in report.findings if f.code == "silence-as-exclusion"]
    assert finding.severity == WARNING and finding.rules == ("stop",) and "no_guidance" in finding.message
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(clean.replace(old, "    then: {ivig: no_guidance}\n    evidence: insufficient"))
    assert not [f for f in lint_paths([fixed], today=TODAY, rulesets=ROOT / "rulesets").findings if f.code == "silence-as-exclusion"]
