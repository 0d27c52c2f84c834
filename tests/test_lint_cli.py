"""The lint command: exit codes, text and JSON output, --today, --fail-on."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ivig_rules.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "rulesets"
RULESETS = str(ROOT / "rulesets")


def invoke(*args):
    return CliRunner().invoke(app, ["lint", *args])


def test_clean_rulesets_exit_0():
    result = invoke(RULESETS, "--today", "2026-11-22")
    assert result.exit_code == 0, result.output
    assert "lint: 0 errors" in result.output or "lint: clean" in result.output


def test_findings_exit_1_with_file_line_and_example_patient():
    result = invoke(str(BAD / "overlapping.yaml"), "--rulesets", RULESETS, "--today", "2026-11-22")
    assert result.exit_code == 1
    assert f"{BAD / 'overlapping.yaml'}:22: error [overlap]" in result.output
    example = next(line for line in result.output.splitlines() if "example patient:" in line)
    patient = json.loads(example.split("example patient:", 1)[1])
    assert patient["diagnosis"] == "myasthenia_gravis" and patient["severe"] is True


def test_example_patient_can_be_pasted_into_evaluate(tmp_path):
    result = invoke(str(BAD / "dead_rule.yaml"), "--rulesets", RULESETS, "--json", "--today", "2026-11-22")
    data = json.loads(result.output)
    example = next(f["example"] for f in data["findings"] if f["code"] == "masked-rule")
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(example))
    # the project's rulesets have no nmosd pathway (yet) or have their own; what matters is that
    # the patient is valid input: evaluate must not reject it as invalid (exit 2).
    evaluated = CliRunner().invoke(app, ["evaluate", str(path), "--rulesets", RULESETS, "--engine", "reference"])
    assert "invalid patient" not in evaluated.output


def test_json_output():
    result = invoke(str(BAD / "gapped.yaml"), str(BAD / "stale.yaml"), "--rulesets", RULESETS, "--json", "--today", "2026-11-22")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["exit_code"] == 1
    assert data["summary"]["warnings"] == 2 and data["summary"]["errors"] >= 1
    assert {f["code"] for f in data["findings"]} == {"gap", "review-overdue", "no-evidence"}
    assert all(set(f) >= {"severity", "code", "message", "file", "line", "example"} for f in data["findings"])


def test_warnings_are_findings_unless_fail_on_error():
    args = [str(BAD / "stale.yaml"), "--rulesets", RULESETS, "--today", "2026-11-22"]
    assert invoke(*args).exit_code == 1
    assert invoke(*args, "--fail-on", "warning").exit_code == 1
    assert invoke(*args, "--fail-on", "error").exit_code == 0


def test_unreadable_exit_2():
    result = invoke(str(BAD / "unreadable.yaml"), "--rulesets", RULESETS)
    assert result.exit_code == 2
    assert "unreadable.yaml:3: error [unreadable]" in result.output
    assert "Traceback" not in result.output


def test_a_folder_that_does_not_load_exits_2_as_evaluate_does(tmp_path):
    import shutil

    folder = tmp_path / "bad"
    shutil.copytree(RULESETS, folder)
    gbs = folder / "pathways" / "gbs.yaml"
    gbs.write_text(gbs.read_text().replace("evidence: expert_opinion", "evidance: expert_opinion", 1))
    patient = tmp_path / "patient.yaml"
    patient.write_text("diagnosis: gbs\nage_years: 30\nsex: male\nweight_kg: 70\n")
    evaluated = CliRunner().invoke(app, ["evaluate", str(patient), "--rulesets", str(folder)])
    assert evaluated.exit_code == 2
    result = invoke(str(folder))
    assert result.exit_code == 2
    assert "1 file cannot be loaded (exit 2): " in result.output and "gbs.yaml" in result.output
    assert json.loads(invoke(str(folder), "--json").output)["exit_code"] == 2


def test_bad_today_is_refused_without_traceback():
    result = invoke(RULESETS, "--today", "tomorrow")
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output and "Traceback" not in result.output
