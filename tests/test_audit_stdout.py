"""``audit COHORT -o -`` writes the results to standard output; a ';'-separated CSV gets a hint."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from ivig_rules.cli.app import app

runner = CliRunner()
ROWS = "id,diagnosis,age_years,sex,weight_kg\nA,gbs,30,male,70\nB,cidp,50,female,60\n"


def test_results_go_to_standard_output_in_the_cohorts_format(tmp_path):
    cohort = tmp_path / "cohort.csv"
    cohort.write_text(ROWS)
    result = runner.invoke(app, ["audit", str(cohort), "-o", "-", "--workers", "0"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["patient_id"], r["verdict"]) for r in rows] == [("A", "recommended"), ("B", "recommended")]
    assert "audit of" in result.stderr  # the summary stays on standard error


def test_json_lines_cohort_gives_json_lines_on_standard_output(tmp_path):
    cohort = tmp_path / "cohort.jsonl"
    cohort.write_text(json.dumps({"id": "A", "diagnosis": "gbs", "age_years": 30, "sex": "male"}) + "\n")
    result = runner.invoke(app, ["audit", str(cohort), "-o", "-", "--workers", "0"])
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["patient_id"] for line in result.stdout.splitlines()] == ["A"]
    result = runner.invoke(app, ["audit", str(cohort), "-o", "-", "--output-format", "csv", "--workers", "0"])
    assert result.stdout.startswith("row,")


def test_a_semicolon_separated_cohort_gets_a_hint(tmp_path):
    cohort = tmp_path / "cohort.csv"
    cohort.write_text(ROWS.replace(",", ";"))
    result = runner.invoke(app, ["audit", str(cohort), "-o", str(tmp_path / "out.csv"), "--workers", "0"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"ivig-rules: {cohort}:1: ") and result.stderr.count("\n") == 1
    assert "looks separated by ';'" in result.stderr and "comma-separated" in result.stderr
