"""Semantic diff: copies of rulesets/ with one rule edited, compared with the original."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ivig_rules.loading.catalogue import load_catalogue
from ivig_rules.cli.app import app
from ivig_rules.evaluation.evaluator import Evaluator
from ivig_rules.analysis.diff import NO_DECISION, load_side, semantic_diff

ROOT = Path(__file__).resolve().parent.parent
RULESETS = ROOT / "rulesets"
PLEX_FAILED = """    when: {treatments.ivig: not_tried, treatments.plasma_exchange: failed}
    then: {ivig: no_guidance}"""


@pytest.fixture
def edited(tmp_path):
    """A copy of the project's rulesets; call it with (file, old text, new text) to edit it."""
    folder = tmp_path / "rulesets"
    shutil.copytree(RULESETS, folder)

    def edit(name, old, new):
        path = folder / name
        text = path.read_text()
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1))
        return load_catalogue(folder)

    return edit


def outcome(catalogue, patient):
    with Evaluator(catalogue, engine="reference") as ev:
        return ev.evaluate(patient)


def test_no_change_exits_0(catalogue):
    report = semantic_diff(catalogue, load_catalogue(RULESETS))
    assert report.groups == [] and report.exit_code == 0
    assert set(report.compared) == set(catalogue.pathways)
    assert all(n > 0 for n in report.compared.values())


def test_one_rule_changed(catalogue, edited):
    new = edited("pathways/gbs.yaml", PLEX_FAILED, PLEX_FAILED.replace("{ivig: no_guidance}", "{ivig: consider, next_step: ivig}"))
    report = semantic_diff(catalogue, new)
    assert report.exit_code == 1
    (group,) = report.groups
    assert (group.diagnosis, group.old_rule, group.new_rule) == ("gbs", "gbs.plex_failed", "gbs.plex_failed")
    assert group.count == 2  # recurrent true / false; nothing else of the gbs space reaches the rule
    assert group.fields["ivig"] == {("no_guidance", "consider"): 2}
    assert group.fields["next_step"] == {(None, "ivig"): 2}
    assert "dose" in group.fields and "alerts" in group.fields
    # the example really changes
    assert outcome(catalogue, group.example).ivig == "no_guidance"
    assert outcome(new, group.example).ivig == "consider"


def test_new_rule_on_a_new_fact_enlarges_the_space(catalogue, edited):
    extra = """  - id: severe_after_plex
    when: {treatments.ivig: not_tried, treatments.plasma_exchange: failed, severe: true}
    then: {ivig: consider, next_step: ivig}
    evidence: expert_opinion
    cite: ["003_2f405638fa14e663.txt#cidp-treatment"]

  - id: plex_failed
"""
    new = edited("pathways/gbs.yaml", "  - id: plex_failed\n", extra)
    report = semantic_diff(catalogue, new)
    (group,) = report.groups
    assert (group.old_rule, group.new_rule) == ("gbs.plex_failed", "gbs.severe_after_plex")
    assert group.example["severe"] is True
    assert report.compared["gbs"] == 2 * semantic_diff(catalogue, catalogue).compared["gbs"]


def test_removed_rule_opens_a_gap(catalogue, edited):
    new = edited("pathways/gbs.yaml", PLEX_FAILED, PLEX_FAILED.replace("plasma_exchange: failed", "plasma_exchange: failed, severe: true"))
    report = semantic_diff(catalogue, new)
    (group,) = report.groups
    assert group.new_rule == NO_DECISION
    assert group.fields["ivig"] == {("no_guidance", NO_DECISION): group.count}
    assert group.example["severe"] is False


def test_safety_rule_change_is_found_through_its_facts(catalogue, edited):
    new = edited("safety.yaml",
                 "when: {renal_impairment: true}\n    then: {ivig: specialist_review, conflict: renal_impairment, alerts: [renal_impairment]}",
                 "when: {renal_impairment: true}\n    then: {ivig: contraindicated, alerts: [renal_impairment]}")
    report = semantic_diff(catalogue, new)
    assert report.groups
    for group in report.groups:
        assert group.example["renal_impairment"] is True
        assert outcome(new, group.example).ivig == "contraindicated"
        assert {old for old, _ in group.fields["ivig"]} <= {"specialist_review"}
    assert {g.diagnosis for g in report.groups} == set(catalogue.pathways)


def test_removed_pathway(catalogue, tmp_path):
    folder = tmp_path / "rulesets"
    shutil.copytree(RULESETS, folder)
    (folder / "pathways" / "gbs.yaml").unlink()
    report = semantic_diff(catalogue, load_catalogue(folder))
    assert report.only_old == ["gbs"] and report.exit_code == 1
    assert {g.diagnosis for g in report.groups} == {"gbs"}


def test_scenarios_are_compared_and_named(catalogue, edited):
    from ivig_rules.scenarios.runner import load_scenarios

    new = edited("pathways/gbs.yaml", PLEX_FAILED, PLEX_FAILED.replace("{ivig: no_guidance}", "{ivig: consider, next_step: ivig}"))
    _, scenarios = load_scenarios([ROOT / "scenarios"], new.vocabulary)
    report = semantic_diff(catalogue, new, scenarios=scenarios)
    (group,) = report.groups
    hit = [s for s in scenarios if s.patient.diagnosis == "gbs" and outcome(catalogue, s.patient).decided_by == "gbs.plex_failed"]
    assert len(group.scenarios) == len(hit) > 0
    assert group.count == 2 + len(hit)


def test_two_pathway_files(tmp_path):
    clean = ROOT / "tests" / "rulesets" / "clean.yaml"
    changed = tmp_path / "clean.yaml"
    changed.write_text(clean.read_text().replace("in: [not_tried, ongoing, responded]", "in: [not_tried, ongoing]")
                       .replace("in: [failed, intolerant, contraindicated]", "in: [responded, failed, intolerant, contraindicated]"))
    report = semantic_diff(load_side(clean, RULESETS), load_side(changed, RULESETS))
    (group,) = report.groups
    assert (group.old_rule, group.new_rule) == ("lint_clean.first_course", "lint_clean.stop")
    assert group.count == 1 and group.example["treatments"]["ivig"] == "responded"


def test_cli_json_and_exit_codes(edited, tmp_path):
    edited("pathways/gbs.yaml", PLEX_FAILED, PLEX_FAILED.replace("{ivig: no_guidance}", "{ivig: consider, next_step: ivig}"))
    new = str(tmp_path / "rulesets")
    runner = CliRunner()
    same = runner.invoke(app, ["diff", str(RULESETS), str(RULESETS)])
    assert same.exit_code == 0 and "no change" in same.output
    changed = runner.invoke(app, ["diff", str(RULESETS), new, "--json"])
    assert changed.exit_code == 1
    data = json.loads(changed.output)
    assert data["changed"] == 2 and data["groups"][0]["old_rule"] == "gbs.plex_failed"
    again = runner.invoke(app, ["diff", str(RULESETS), new, "--json"])
    assert again.output == changed.output
    text = runner.invoke(app, ["diff", str(RULESETS), new])
    assert "gbs.plex_failed (same rule, new outcome): 2 patients" in text.output
    assert "IVIG: no_guidance -> consider (2)" in text.output


def test_cli_bad_input_exits_2(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(app, ["diff", str(RULESETS), str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "Traceback" not in missing.output
    folder = tmp_path / "rulesets"
    shutil.copytree(RULESETS, folder)
    (folder / "pathways" / "gbs.yaml").write_text("pathway: [unclosed\n")
    broken = runner.invoke(app, ["diff", str(RULESETS), str(folder)])
    assert broken.exit_code == 2 and "gbs.yaml:" in broken.output and "unreadable YAML" in broken.output
