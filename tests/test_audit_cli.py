"""``ivig-rules audit`` on the command line: exit codes, one-paragraph errors, summary files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ivig_rules.cli import app

HEADER = "id,diagnosis,age_years,sex,weight_kg"


def run(*args: str):
    result = CliRunner().invoke(app, ["audit", *args])
    assert "Traceback" not in result.output
    return result


def cohort(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "c.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_all_rows_evaluated_exits_0_and_writes_the_summary(tmp_path):
    path = cohort(tmp_path, "a,cidp,50,female,70", "b,gbs,30,male,80")
    summary = tmp_path / "out" / "summary.json"
    result = run(str(path), "-o", str(tmp_path / "r.csv"), "--summary-json", str(summary), "--workers", "1")
    assert result.exit_code == 0, result.output
    data = json.loads(summary.read_text())
    assert data["rows"] == 2 and data["errors"] == 0 and data["workers"] == 1
    assert sum(data["by_verdict"].values()) == 2
    assert set(data["by_pathway"]) == {"cidp", "gbs"}
    assert data["patients_per_second"] > 0
    assert "2 rows, 2 evaluated, 0 with errors" in result.output


def test_summary_counts_read_as_english(tmp_path):
    path = cohort(tmp_path, "a,cidp,50,female,70")
    result = run(str(path), "-o", str(tmp_path / "r.csv"), "--workers", "0")
    assert result.exit_code == 0, result.output
    assert "1 row, 1 evaluated" in result.output and "1 rows" not in result.output
    assert "(durable engine, in this process)" in result.output and "0 workers" not in result.output
    result = run(str(path), "-o", str(tmp_path / "r.csv"), "--workers", "1")
    assert "(durable engine, 1 worker)" in result.output


def test_a_bad_row_exits_1_and_is_named_in_the_summary(tmp_path):
    path = cohort(tmp_path, "a,cidp,50,female,70", "b,gbs,thirty,male,80")
    result = run(str(path), "-o", str(tmp_path / "r.jsonl"), "--workers", "0")
    assert result.exit_code == 1
    assert f"{path}:3: invalid patient at key 'age_years'" in result.output
    rows = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert [r["error"] is None for r in rows] == [True, False]


@pytest.mark.parametrize(
    "header,words",
    [
        ("id,diagnosis,age_years,sex,wieght_kg", ["unknown column 'wieght_kg'", "Did you mean 'weight_kg'"]),
        ("id,diagnosis,age_years,sex,treatment.plasma_exchnge", ["unknown therapy", "Did you mean 'treatment.plasma_exchange'"]),
        ("id,diagnosis,age_years,sex,plasma_exchange", ["treatment.plasma_exchange"]),
        ("id,diagnosis,age_years,sex,treatment.ivig,treatments.ivig", ["same fact"]),
        ("id,diagnosis,age_years", ["no column for the required fact(s) sex"]),
        ("id,diagnosis,,sex,age_years", ["column 3 of the header has no name"]),
    ],
)
def test_header_errors_name_the_file_line_and_column(tmp_path, header, words):
    path = cohort(tmp_path, "a,cidp,50,female,70", header=header)
    result = run(str(path), "-o", str(tmp_path / "r.csv"))
    assert result.exit_code == 2
    assert result.output.count("\n") == 1, result.output  # one paragraph
    assert f"{path}:1: invalid cohort" in result.output
    for word in words:
        assert word in result.output
    assert not (tmp_path / "r.csv").exists() or (tmp_path / "r.csv").read_text() == ""


def test_every_bad_header_column_is_named_in_one_paragraph_each_with_its_did_you_mean(tmp_path):
    header = "id,diagnosis,agee,sex,wieght_kg,treatment.ivgi,,plasma_exchange,treatments.ivig,treatment.ivig"
    path = cohort(tmp_path, "a,cidp,50,female,70,,,,,", header=header)
    result = run(str(path), "-o", str(tmp_path / "r.csv"))
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert "\n" not in message and message.startswith(f"ivig-rules: {path}:1: invalid cohort: 6 columns of the header are wrong: ")
    for clause in [
        "'agee' is no fact (did you mean 'age_years'?)",
        "'wieght_kg' is no fact (did you mean 'weight_kg'?)",
        "'treatment.ivgi' names no therapy (did you mean 'treatment.ivig'?)",
        "column 7 has no name",
        "'plasma_exchange' is a therapy, not a fact (did you mean 'treatment.plasma_exchange'?)",
        "'treatment.ivig' gives the same fact as 'treatments.ivig'",
    ]:
        assert clause in message, message
    assert message.endswith(".")


def test_a_header_of_very_many_bad_columns_names_twenty_and_counts_the_rest(tmp_path):
    header = "id,diagnosis,age_years,sex," + ",".join(f"x{i}" for i in range(50))
    path = cohort(tmp_path, header=header)
    result = run(str(path), "-o", str(tmp_path / "r.csv"))
    assert result.exit_code == 2
    assert "50 columns of the header are wrong" in result.stderr and "'x19' is no fact; and 30 more." in result.stderr


def test_missing_cohort_file(tmp_path):
    result = run(str(tmp_path / "nope.csv"), "-o", str(tmp_path / "r.csv"))
    assert result.exit_code == 2 and "nope.csv: invalid cohort: no such file" in result.output


def test_a_folder_is_not_a_cohort(tmp_path):
    (tmp_path / "dir.csv").mkdir()
    result = run(str(tmp_path / "dir.csv"), "-o", str(tmp_path / "r.csv"))
    assert result.exit_code == 2 and "folder" in result.output


def test_format_from_suffix_or_option(tmp_path):
    path = cohort(tmp_path, "a,cidp,50,female,70", name="c.txt")
    result = run(str(path), "-o", str(tmp_path / "r.csv"))
    assert result.exit_code == 2 and "--format csv|jsonl" in result.output
    result = run(str(path), "--format", "csv", "-o", str(tmp_path / "r.out"), "--output-format", "jsonl", "-w", "0")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "r.out").read_text())["patient_id"] == "a"


def test_refuses_to_overwrite_the_cohort(tmp_path):
    path = cohort(tmp_path, "a,cidp,50,female,70")
    result = run(str(path), "-o", str(path))
    assert result.exit_code == 2 and "results file: this is the cohort file itself" in result.output
    assert "a,cidp" in path.read_text()


def test_engine_and_weight_policy_are_passed_on(tmp_path):
    path = cohort(tmp_path, "a,cidp,50,male,120", header=HEADER)
    path.write_text("id,diagnosis,age_years,sex,weight_kg,height_cm\na,cidp,50,male,120,170\n")
    weights = {}
    for policy in ("adjusted", "actual"):
        out = tmp_path / f"{policy}.jsonl"
        result = run(str(path), "-o", str(out), "--engine", "reference", "--weight-policy", policy, "-w", "0")
        assert result.exit_code == 0, result.output
        weights[policy] = json.loads(out.read_text())["dosing_weight_kg"]
    assert weights["actual"] == 120 and weights["adjusted"] < 120
    assert "reference engine" in result.output


def test_a_results_file_that_cannot_be_written(tmp_path):
    path = cohort(tmp_path, "a,cidp,50,female,70")
    result = run(str(path), "-o", "/dev/full", "--output-format", "csv", "-w", "0")
    assert result.exit_code == 2 and "/dev/full: results file: cannot write: No space left on device" in result.output


def test_unknown_rulesets_folder(tmp_path):
    path = cohort(tmp_path, "a,cidp,50,female,70")
    result = run(str(path), "-o", str(tmp_path / "r.csv"), "--rulesets", str(tmp_path / "none"))
    assert result.exit_code == 2 and "rulesets" in result.output
