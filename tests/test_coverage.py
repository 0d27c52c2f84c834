"""Coverage of rules and pathway arrows by a scenario run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ivig_rules.cli.app import app
from ivig_rules.scenarios.coverage import coverage_of, to_dot, to_text
from ivig_rules.scenarios.runner import load_scenarios, run_scenarios

ROOT = Path(__file__).resolve().parent.parent
RULESETS = str(ROOT / "rulesets")

GBS = """\
base_patient: {diagnosis: gbs, age_years: 45, sex: female, weight_kg: 55, height_cm: 165, iga: normal}
scenarios:
  - name: at diagnosis
    patient: {}
    expect: {ivig: recommended}
  - name: at diagnosis, IgA unknown
    patient: {iga: unknown}
    expect: {ivig: recommended}
  - name: plex failed, expectation wrong on purpose
    patient: {treatments: {plasma_exchange: failed}}
    expect: {ivig: recommended}
  - name: skipped
    skip: not written yet
    patient: {treatments: {ivig: failed}}
    expect: {ivig: not_indicated}
"""


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "gbs.yaml"
    path.write_text(GBS)
    return path


@pytest.fixture
def covered(scenario_file, reference):
    files, scenarios = load_scenarios([scenario_file], reference.vocabulary)
    report = run_scenarios(scenarios, reference, files=files)
    return coverage_of(report, reference.catalogue)


def by_rule(coverage):
    return {r.rule: r for r in coverage.rules}


def test_rules_decided_and_alerts_are_counted(covered, catalogue):
    rules = by_rule(covered)
    assert covered.scenarios == 3  # the skipped one is not evaluated; the failed one counts
    assert rules["gbs.ivig_at_diagnosis"].decided == 2
    assert rules["gbs.plex_failed"].decided == 1
    assert rules["safety.iga_not_measured"].contributed == 1
    assert rules["safety.premedicate"].contributed == 2  # screened only when IVIG is recommended
    assert rules["gbs.no_second_course"].fired == 0
    counted = [r.qualified_id for r in catalogue.pathway("gbs").rules] + [r.qualified_id for r in catalogue.screening.rules]
    assert sorted(rules) == sorted(counted)  # only the pathway the run touched, and the screening
    fired = sum(1 for r in covered.rules if r.fired)
    assert covered.percent == round(100 * fired / len(counted), 1)
    assert covered.pathways == ("gbs",)
    assert sorted(covered.not_counted) == sorted(p.id for p in catalogue.pathways.values() if p.id != "gbs")
    assert "gbs.no_second_course" in [r.rule for r in covered.never_fired()]


def test_edges(covered):
    gbs = [e for e in covered.edges if e.pathway == "gbs"]
    assert gbs and all(e.rules for e in gbs)
    exercised = {rule for e in gbs if e.scenarios for rule in e.rules}
    assert "gbs.ivig_at_diagnosis" in exercised and "gbs.plex_failed" in exercised
    assert "gbs.no_second_course" not in exercised
    assert {e.pathway for e in covered.edges} == {"gbs"}


def test_diagram_marks_exactly_the_untested_arrows_and_notes(covered, catalogue):
    """The coverage diagram is the teaching diagram, its untested arrows and notes red."""
    from ivig_rules.export.teaching_dot import to_teaching_dot
    from ivig_rules.graph import teaching_view

    dot = to_dot(covered, catalogue, "gbs")
    view = teaching_view(catalogue.pathway("gbs"), catalogue.screening, catalogue.vocabulary)
    plain = to_teaching_dot(view).splitlines()
    untested = [(e.source, e.target) for e in covered.edges if e.pathway == "gbs" and not e.scenarios]
    tested = [(e.source, e.target) for e in covered.edges if e.pathway == "gbs" and e.scenarios]
    unread = [n.number for n in covered.notes if n.pathway == "gbs" and not n.scenarios]
    assert untested and tested and unread
    red = [line for line in dot.splitlines() if 'color="#d62728"' in line]
    assert len(red) == len(untested) + len(unread)
    for u, v in untested:
        [line] = [line for line in red if line.startswith(f'  "{u}" -> "{v}" [')]
        assert 'label="UNTESTED' in line
    for u, v in tested:
        assert not any(line.startswith(f'  "{u}" -> "{v}" [') for line in red)
    for number in unread:
        assert any(line.startswith(f'    "note:{number}" [') for line in red)
    assert len(dot.splitlines()) == len(plain)  # the same diagram, line for line, recoloured
    assert dot == to_dot(covered, catalogue, "gbs")  # deterministic


def test_coverage_diagram_draws_in_graphviz(covered, catalogue):
    import shutil
    import subprocess

    if shutil.which("dot") is None:
        pytest.skip("Graphviz dot is not installed")
    svg = subprocess.run(["dot", "-Tsvg"], input=to_dot(covered, catalogue, "gbs"), capture_output=True, text=True, check=True).stdout
    assert svg.count("UNTESTED") == sum(1 for e in covered.edges if not e.scenarios)


def test_text_report(covered):
    text = to_text(covered)
    assert f"rules fired: {sum(1 for r in covered.rules if r.fired)} of {len(covered.rules)}" in text
    assert "gbs.no_second_course  <- never fired" in text
    assert "Diagram arrows no scenario exercised:" in text
    assert "  gbs: box 4 -> box 6 'failed' (gbs.no_second_course)" in text  # the boxes as the diagram numbers them


def invoke(*args):
    return CliRunner().invoke(app, ["run", *args, "--rulesets", RULESETS, "--engine", "reference"])


def test_cli_coverage_and_fail_under(scenario_file, tmp_path):
    result = invoke(str(scenario_file), "--coverage")
    assert result.exit_code == 1  # one scenario fails on purpose
    assert "Coverage over 3 evaluated scenarios" in result.output
    ok = tmp_path / "ok.yaml"
    ok.write_text(GBS.replace("  - name: plex failed, expectation wrong on purpose\n    patient: {treatments: {plasma_exchange: failed}}\n    expect: {ivig: recommended}\n", ""))
    assert invoke(str(ok), "--fail-under", "0").exit_code == 0
    low = invoke(str(ok), "--fail-under", "90")
    assert low.exit_code == 1 and "below --fail-under 90%" in low.output


def test_cli_coverage_files_and_json(scenario_file, tmp_path):
    out_json, diagrams = tmp_path / "cov" / "coverage.json", tmp_path / "diagrams"
    result = invoke(str(scenario_file), "--json", "--coverage", "--coverage-json", str(out_json), "--coverage-diagram", str(diagrams))
    data = json.loads(result.output)
    assert data["coverage"]["scenarios"] == 3
    saved = json.loads(out_json.read_text())
    assert saved == data["coverage"]
    assert "gbs.no_second_course" in saved["never_fired"]
    assert (diagrams / "gbs.coverage.dot").read_text().startswith("digraph")
    assert sorted(d.name for d in diagrams.iterdir()) == ["gbs.coverage.dot"]  # only the pathways counted
    assert saved["pathways"] == ["gbs"] and "adem" in saved["pathways_not_counted"]


def test_project_scenarios_fire_every_rule_and_exercise_every_arrow_and_note(catalogue, reference):
    files, scenarios = load_scenarios([ROOT / "scenarios"], reference.vocabulary)
    coverage = coverage_of(run_scenarios(scenarios, reference, files=files), catalogue)
    assert coverage.not_counted == ()  # every pathway has scenarios, so none escapes the count
    assert [r.rule for r in coverage.never_fired()] == []
    # Each pathway's safety gate too (scenarios/safety_by_pathway.yaml): named, so a gap says where.
    assert [f"{e.pathway}: {e.where} {e.label!r}" for e in coverage.edges if not e.scenarios] == []
    assert [f"{n.pathway}: note ({n.number}) {n.text!r}" for n in coverage.notes if not n.scenarios] == []


TWO_PATHWAYS = """\
scenarios:
  - name: gbs at diagnosis
    patient: {diagnosis: gbs, age_years: 45, sex: female}
    expect: {ivig: recommended}
  - name: ms relapse, steroids first
    patient: {diagnosis: ms_relapse, age_years: 35, sex: female}
    expect: {ivig: not_yet}
  - name: cidp, skipped
    skip: later
    patient: {diagnosis: cidp, age_years: 50, sex: male}
    expect: {ivig: recommended}
"""


def test_only_the_pathways_the_run_touched_are_counted(tmp_path, reference, catalogue):
    path = tmp_path / "two.yaml"
    path.write_text(TWO_PATHWAYS)
    files, scenarios = load_scenarios([path], reference.vocabulary)
    coverage = coverage_of(run_scenarios(scenarios, reference, files=files), catalogue)
    assert coverage.pathways == ("gbs", "ms_relapse")  # the skipped cidp scenario touches nothing
    assert "cidp" in coverage.not_counted
    origins = {r.origin for r in coverage.rules}
    assert origins == {"gbs", "ms_relapse", "screening"}
    total = len(catalogue.pathway("gbs").rules) + len(catalogue.pathway("ms_relapse").rules) + len(catalogue.screening.rules)
    assert len(coverage.rules) == total
    text = to_text(coverage)
    assert "pathways counted: gbs, ms_relapse and the safety screening" in text
    assert "not counted (no scenario of this run): " in text and "cidp" in text.split("not counted")[1].splitlines()[0]


def test_a_scenario_ending_in_an_error_still_touches_its_pathway(tmp_path, catalogue):
    from ivig_rules.evaluation.evaluator import Evaluator
    from ivig_rules.model import Catalogue
    from ivig_rules.loading.rulesets import load_pathway

    gapped = load_pathway(ROOT / "tests" / "rulesets" / "gapped.yaml", catalogue.vocabulary)
    single = Catalogue(catalogue.vocabulary, catalogue.screening, {gapped.diagnosis: gapped})
    path = tmp_path / "gap.yaml"
    path.write_text(
        "scenarios:\n  - name: falls in the gap\n    patient: {diagnosis: dermatomyositis, age_years: 50, sex: male,"
        " treatments: {plasma_exchange: failed}}\n    expect: {ivig: recommended}\n"
    )
    with Evaluator(single, engine="reference") as ev:
        files, scenarios = load_scenarios([path], ev.vocabulary)
        report = run_scenarios(scenarios, ev, files=files)
    assert [r.status for r in report.results] == ["error"]
    coverage = coverage_of(report, single)
    assert coverage.pathways == (gapped.id,) and coverage.scenarios == 0
    assert coverage.percent == 0.0 and not coverage.touched_none


def test_a_run_that_touched_nothing_counts_every_pathway(scenario_file, reference, catalogue):
    files, scenarios = load_scenarios([scenario_file], reference.vocabulary)
    coverage = coverage_of(run_scenarios(scenarios, reference, files=files, tags=["no-such-tag"]), catalogue)
    assert coverage.touched_none and coverage.not_counted == ()
    assert sorted(coverage.pathways) == sorted(p.id for p in catalogue.pathways.values())
    assert coverage.percent == 0.0  # an empty run never passes --fail-under
    assert "no scenario ran, so every pathway is counted" in to_text(coverage)


def test_cli_fail_under_on_one_pathway_file(tmp_path):
    gbs_only = tmp_path / "gbs_only.yaml"
    gbs_only.write_text(TWO_PATHWAYS.split("  - name: ms relapse")[0])
    result = invoke(str(gbs_only), "--coverage", "--fail-under", "10")
    assert result.exit_code == 0, result.output  # 12 pathways' rules would put it far below 10%
    assert "pathways counted: gbs and the safety screening" in result.output


HYPERSENSITIVE = """\
base_patient: {diagnosis: gbs, age_years: 45, sex: female, weight_kg: 55, iga: normal, hypersensitivity_to_ig: true}
scenarios:
  - name: hypersensitive at diagnosis, the safety screening rules IVIG out
    patient: {}
    expect: {ivig: contraindicated, decided_by: safety.hypersensitivity}
  - name: hypersensitive after a course, no IVIG verdict to screen
    patient: {treatments: {ivig: failed}}
    expect: {ivig: not_indicated}
"""


def _screening_arrow(coverage, pathway):
    """The safety gate's "no" arrow on the pathway's teaching diagram."""
    [arrow] = [e for e in coverage.edges if e.pathway == pathway and e.source.startswith("gate:") and e.label == "no"]
    return arrow


def test_the_screening_arrow_counts_the_scenarios_a_safety_rule_decided(tmp_path, reference, catalogue):
    path = tmp_path / "hypersensitive.yaml"
    path.write_text(HYPERSENSITIVE)
    files, scenarios = load_scenarios([path], reference.vocabulary)
    report = run_scenarios(scenarios, reference, files=files)
    assert report.ok
    arrow = _screening_arrow(coverage_of(report, catalogue), "gbs")
    assert (arrow.rules, arrow.scenarios) == (("safety.hypersensitivity",), 1)


def test_a_scenario_two_safety_contraindications_fire_in_counts_once_on_their_arrow(tmp_path, catalogue):
    """With renal impairment made a second contraindication, a patient who has both fires both
    rules of the screening's one arrow; that arrow was exercised by one scenario, not two."""
    from dataclasses import replace

    from ivig_rules.evaluation.evaluator import Evaluator

    rules = tuple(replace(r, then=replace(r.then, ivig="contraindicated")) if r.id == "renal" else r for r in catalogue.screening.rules)
    two = replace(catalogue, screening=replace(catalogue.screening, rules=rules))
    path = tmp_path / "two.yaml"
    path.write_text(
        HYPERSENSITIVE.split("  - name: hypersensitive after")[0]
        + "  - name: hypersensitive, kidneys impaired too\n    patient: {renal_impairment: true}\n"
        + "    expect: {ivig: contraindicated, decided_by: safety.hypersensitivity}\n"
        + "  - name: kidneys impaired only\n    patient: {hypersensitivity_to_ig: false, renal_impairment: true}\n"
        + "    expect: {ivig: contraindicated, decided_by: safety.renal}\n"
    )
    with Evaluator(two, engine="reference") as ev:
        files, scenarios = load_scenarios([path], ev.vocabulary)
        report = run_scenarios(scenarios, ev, files=files)
    assert report.ok
    both = report.results[1].recommendation
    assert {"safety.hypersensitivity", "safety.renal"} <= set(both.rules_fired)
    arrow = _screening_arrow(coverage_of(report, two), "gbs")
    assert arrow.rules == ("safety.hypersensitivity", "safety.renal")
    assert arrow.scenarios == 3  # three scenarios, each counted once
