"""Coverage of rules and pathway arrows by a scenario run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ivig_rules.cli.app import app
from ivig_rules.coverage import coverage_of, to_dot, to_text
from ivig_rules.runner import load_scenarios, run_scenarios

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
    every = [r.qualified_id for p in catalogue.pathways.values() for r in p.rules] + [r.qualified_id for r in catalogue.screening.rules]
    assert sorted(rules) == sorted(every)
    fired = sum(1 for r in covered.rules if r.fired)
    assert covered.percent == round(100 * fired / len(every), 1)
    assert "gbs.no_second_course" in [r.rule for r in covered.never_fired()]


def test_edges(covered):
    gbs = [e for e in covered.edges if e.pathway == "gbs"]
    assert gbs and all(e.rules for e in gbs)
    exercised = {rule for e in gbs if e.scenarios for rule in e.rules}
    assert "gbs.ivig_at_diagnosis" in exercised and "gbs.plex_failed" in exercised
    assert "gbs.no_second_course" not in exercised
    assert all(e.scenarios == 0 for e in covered.edges if e.pathway != "gbs")


def test_diagram_marks_exactly_the_untested_arrows(covered, catalogue):
    from ivig_rules.graph import build_graph

    dot = to_dot(covered, catalogue, "gbs")
    graph = build_graph(catalogue.pathway("gbs"), catalogue.screening, catalogue.vocabulary)
    exercised = {rule for e in covered.edges if e.pathway == "gbs" and e.scenarios for rule in e.rules}
    untested = []
    for u, v, d in graph.edges(data=True):
        owner = "safety" if u == "screening" else "gbs"
        if d.get("kind") == "rule" and not any(f"{owner}.{r}" in exercised for r in d["rules"]):
            untested.append((u, v))
    marked = [line for line in dot.splitlines() if 'xlabel="UNTESTED"' in line]
    assert len(marked) == len(untested) > 0
    for u, v in untested:
        assert any(line.startswith(f'  "{u}" -> "{v}" [') for line in marked)
    assert dot == to_dot(covered, catalogue, "gbs")  # deterministic


def test_text_report(covered):
    text = to_text(covered)
    assert f"rules fired: {sum(1 for r in covered.rules if r.fired)} of {len(covered.rules)}" in text
    assert "gbs.no_second_course  <- never fired" in text
    assert "Pathway arrows no scenario exercised:" in text


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


def test_project_scenarios_fire_every_rule(catalogue, reference):
    files, scenarios = load_scenarios([ROOT / "scenarios"], reference.vocabulary)
    coverage = coverage_of(run_scenarios(scenarios, reference, files=files), catalogue)
    assert [r.rule for r in coverage.never_fired()] == []
