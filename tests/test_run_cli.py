"""``ivig-rules run``: a run that selects nothing is an error, and a patient file is recognised."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from ivig_rules.cli.app import app

runner = CliRunner()

SCENARIOS = {
    "scenarios": [
        {"name": "smoke", "tags": ["smoke"], "patient": {"diagnosis": "gbs", "age_years": 30, "sex": "male"}, "expect": {"ivig": "recommended"}},
        {"name": "dose", "tags": ["dose"], "patient": {"diagnosis": "cidp", "age_years": 40, "sex": "male"}, "expect": {"ivig": "recommended"}},
    ]
}


def _file(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_a_tag_that_selects_no_scenario_is_an_error_with_the_known_tags(tmp_path):
    path = _file(tmp_path, "s.yaml", SCENARIOS)
    result = runner.invoke(app, ["run", str(path), "--tag", "smok"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "ivig-rules: no scenario has the tag 'smok'; the tags in these files are: dose, smoke. Did you mean 'smoke'?\n"
    )


def test_one_unknown_tag_among_known_ones_is_still_an_error(tmp_path):
    path = _file(tmp_path, "s.yaml", SCENARIOS)
    result = runner.invoke(app, ["run", str(path), "--tag", "smoke", "--tag", "doze"])
    assert result.exit_code == 2 and "'doze'" in result.stderr and "Did you mean 'dose'?" in result.stderr


def test_known_tags_select_their_scenarios(tmp_path):
    path = _file(tmp_path, "s.yaml", SCENARIOS)
    result = runner.invoke(app, ["run", str(path), "--tag", "dose"])
    assert result.exit_code == 0
    assert result.stdout.strip().splitlines()[-1] == "1 passed, 0 failed"


def test_a_patient_file_is_recognised_and_evaluate_is_named(tmp_path):
    path = _file(tmp_path, "patient.yaml", {"diagnosis": "gbs", "age_years": 30, "sex": "male", "treatments": {"ivig": "failed"}})
    result = runner.invoke(app, ["run", str(path)])
    assert result.exit_code == 2
    message = result.stderr
    assert message.startswith(f"ivig-rules: {path}:1: ") and message.count("\n") == 1
    assert "looks like one patient" in message and f"'ivig-rules evaluate {path}'" in message


def test_a_report_written_to_a_file_still_says_how_the_run_went(tmp_path):
    """With -o the report goes to the file; the terminal still gets the one summary line, so a
    failing run in CI is not silent."""
    scenarios = {"scenarios": SCENARIOS["scenarios"] + [
        {"name": "wrong", "patient": {"diagnosis": "gbs", "age_years": 30, "sex": "male"}, "expect": {"ivig": "not_yet"}}]}
    path = _file(tmp_path, "s.yaml", scenarios)
    report = tmp_path / "results.json"
    result = runner.invoke(app, ["run", str(path), "-o", str(report)])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.strip() == f"2 passed, 1 failed; report written to {report}"
    assert '"failed": 1' in report.read_text()


def test_output_dash_is_standard_output_as_for_audit(tmp_path, monkeypatch):
    """'-o -' means standard output, as it does for audit; it never writes a file named '-'."""
    monkeypatch.chdir(tmp_path)
    path = _file(tmp_path, "s.yaml", SCENARIOS)
    result = runner.invoke(app, ["run", str(path), "-o", "-"])
    assert result.exit_code == 0 and result.stdout.rstrip().endswith("2 passed, 0 failed")
    assert result.stderr == "" and not (tmp_path / "-").exists()
    result = runner.invoke(app, ["vocabulary", "--format", "json", "-o", "-"])
    assert result.exit_code == 0 and result.stdout.startswith("{") and not (tmp_path / "-").exists()
