"""Cohort audits through the library call: formats, order, rows out = rows in, summary, crashes.

Worker processes are real (fork); cohorts are small so the file runs in a few seconds.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from ivig_rules.audit import audit_cohort
from ivig_rules.audit.results import FIELDS
from ivig_rules.audit.rows import ABORT_ENV
from ivig_rules.evaluation.evaluator import Evaluator

HEADER = "id,diagnosis,age_years,sex,weight_kg,height_cm,severe,pregnant,treatment.corticosteroids,treatments.plasma_exchange"
GOOD = [
    "g1,cidp,50,female,70,165,no,,failed,",
    "g2,gbs,30,male,80.5,180,yes,,,",
    "g3,adem,8,female,25,,false,,failed,",
    "g4,ms_relapse,35,female,60,170,,,ongoing,",
    "g5,cidp,61,male,,,,,,",  # no weight: evaluated, weight_missing alert, no dose
    "g6,gbs,45,female,90,160,1,yes,,failed",
]
# each bad row: (text, column the error must name or None, words the error must hold)
BAD = [
    ("b1,cidp,50,female,eighty,165,,,,", "weight_kg", "plain digits"),
    ("b2,cidp,50,female,1e2,165,,,,", "weight_kg", "plain digits"),
    ("b3,cidp,50,female,nan,165,,,,", "weight_kg", "plain digits"),
    ("b4,cidp,50,female,70,165,maybe,,,", "severe", "true or false"),
    ("b5,CIDP,50,female,70,165,,,,", "diagnosis", "Did you mean 'cidp'"),
    ("b6,cidp,50,female,700,165,,,,", "weight_kg", "at most 400"),
    ("b7,cidp,50,female,70,165,,,faild,", "treatment.corticosteroids", "Did you mean 'failed'"),
    ("b8,cidp,50,female", None, "4 cells but the header has 10"),
    ("b9,cidp,50,male,70,165,,yes,,", "pregnant", "needs sex: female"),
    ("b10,cidp,,female,70,165,,,,", None, "'age_years' is required"),
]


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def mixed(tmp_path) -> tuple[Path, list[str]]:
    """A cohort interleaving good and bad rows; returns it and the id expected on each output row."""
    lines, ids = [HEADER], []
    for index in range(max(len(GOOD), len(BAD))):
        for group in (GOOD, [b[0] for b in BAD]):
            if index < len(group):
                lines.append(group[index])
                ids.append(group[index].split(",")[0])
    return write(tmp_path / "cohort.csv", lines), ids


def test_csv_good_rows_match_the_evaluator(tmp_path, catalogue):
    cohort = write(tmp_path / "c.csv", [HEADER, *GOOD])
    summary = audit_cohort(cohort, tmp_path / "out.csv", workers=0)
    rows = read_csv(tmp_path / "out.csv")
    assert [r["patient_id"] for r in rows] == [g.split(",")[0] for g in GOOD]
    assert summary.rows == len(GOOD) and summary.errors == 0
    with Evaluator(catalogue) as evaluator:
        first = evaluator.evaluate(
            {"id": "g1", "diagnosis": "cidp", "age_years": 50, "sex": "female", "weight_kg": 70, "height_cm": 165,
             "severe": False, "treatments": {"corticosteroids": "failed"}}
        )
        no_weight = evaluator.evaluate({"id": "g5", "diagnosis": "cidp", "age_years": 61, "sex": "male"})
    row = rows[0]
    assert (row["pathway"], row["verdict"], row["next_step"]) == (first.pathway, first.ivig, first.next_step or "")
    assert row["line_of_therapy"] == str(first.line_of_therapy)
    assert float(row["dosing_weight_kg"]) == first.dose.dosing_weight_kg
    assert float(row["per_day_g"]) == first.dose.per_day_g
    assert float(row["total_g"]) == first.dose.total_g
    assert float(row["rounded_total_g"]) == first.dose.rounded_total_g
    assert row["alerts"].split(";") == list(first.alert_ids)
    assert row["decided_by"] == first.decided_by and row["error"] == ""
    assert rows[4]["verdict"] == no_weight.ivig and rows[4]["total_g"] == ""
    if no_weight.ivig in ("recommended", "consider") and no_weight.next_step == "ivig":
        assert "weight_missing" in rows[4]["alerts"].split(";")


DOSE_COLUMNS = ("phase", "g_per_kg", "per", "days", "interval_weeks", "dosing_weight_kg", "weight_basis",
                "per_day_g", "total_g", "rounded_total_g")


def test_results_carry_the_whole_dose(tmp_path, catalogue):
    """Amount per kg, per what, for how many days, how often: the dose is complete in both formats."""
    patients = [
        {"id": "induction", "diagnosis": "cidp", "age_years": 50, "sex": "female", "weight_kg": 70, "height_cm": 165},
        {"id": "maintenance", "diagnosis": "cidp", "age_years": 50, "sex": "female", "weight_kg": 70, "height_cm": 165,
         "treatments": {"ivig": "responded"}},
        {"id": "course", "diagnosis": "gbs", "age_years": 40, "sex": "male", "weight_kg": 80, "height_cm": 180},
        {"id": "no_weight", "diagnosis": "gbs", "age_years": 40, "sex": "male"},
    ]
    cohort = write(tmp_path / "c.jsonl", [json.dumps(p) for p in patients])
    audit_cohort(cohort, tmp_path / "out.jsonl", workers=0)
    audit_cohort(cohort, tmp_path / "out.csv", workers=0)
    as_json, as_csv = read_jsonl(tmp_path / "out.jsonl"), read_csv(tmp_path / "out.csv")
    with Evaluator(catalogue) as evaluator:
        recs = [evaluator.evaluate(p) for p in patients]
    for rec, row, cells in zip(recs, as_json, as_csv):
        assert row["dose_regimen"] == (rec.dose or rec.regimen).regimen
        expected = rec.dose.to_dict() if rec.dose else {**dict.fromkeys(DOSE_COLUMNS), **rec.regimen.to_dict()}
        assert {c: row[c] for c in DOSE_COLUMNS} == {c: expected[c] for c in DOSE_COLUMNS}, rec.patient_id
        assert {c: cells[c] for c in DOSE_COLUMNS} == {c: "" if expected[c] is None else str(expected[c]) for c in DOSE_COLUMNS}
    induction, maintenance, course, no_weight = as_json
    assert induction["per"] == "day" and induction["days"] > 1 and induction["interval_weeks"] is None
    assert maintenance["interval_weeks"] is not None and maintenance["phase"] == "maintenance"
    assert course["g_per_kg"] * course["dosing_weight_kg"] == pytest.approx(course["total_g"], abs=0.01)
    assert no_weight["verdict"] == "recommended" and "weight_missing" in no_weight["alerts"]
    per_kg = ("dose_regimen", "phase", "g_per_kg", "per", "days", "interval_weeks")
    assert [no_weight[c] for c in per_kg] == [course[c] for c in per_kg]  # the regimen per kg, as with a weight
    assert all(no_weight[c] is None for c in DOSE_COLUMNS if c not in per_kg)  # no grams without a weight


def test_bad_rows_are_reported_in_place_and_never_dropped(mixed, tmp_path):
    cohort, ids = mixed
    summary = audit_cohort(cohort, tmp_path / "out.csv", workers=2, chunk_size=3)
    rows = read_csv(tmp_path / "out.csv")
    assert len(rows) == len(ids) == summary.rows
    assert [r["patient_id"] for r in rows] == ids
    assert [int(r["row"]) for r in rows] == list(range(1, len(ids) + 1))
    assert [int(r["source_line"]) for r in rows] == list(range(2, len(ids) + 2))
    by_id = {r["patient_id"]: r for r in rows}
    for text, column, words in BAD:
        row = by_id[text.split(",")[0]]
        assert words in row["error"], row["error"]
        assert row["error"].startswith(f"{cohort}:{row['source_line']}:")
        assert row["error_column"] == (column or "")
        assert row["verdict"] == ""
        if column:
            assert f"at key '{column}'" in row["error"]
    for text in GOOD:
        assert by_id[text.split(",")[0]]["error"] == ""
    assert summary.errors == len(BAD) and summary.ok == len(GOOD)


def test_summary_counts_agree_with_the_results_file(mixed, tmp_path):
    cohort, _ = mixed
    summary = audit_cohort(cohort, tmp_path / "out.jsonl", workers=1)
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert list(rows[0]) == list(FIELDS)
    evaluated = [r for r in rows if r["error"] is None]
    assert summary.by_verdict == Counter(r["verdict"] for r in evaluated)
    pathways = Counter((r["pathway"], r["verdict"]) for r in evaluated)
    assert {(p, v): n for p, c in summary.by_pathway.items() for v, n in c.items()} == pathways
    assert summary.errors == sum(1 for r in rows if r["error"]) == len(BAD)
    data = summary.to_dict()
    assert data["rows"] == len(rows) and data["evaluated"] == len(evaluated)
    assert data["error_examples"][0] == next(r["error"] for r in rows if r["error"])
    text = summary.to_text()
    assert f"{len(rows)} rows" in text and f"{len(BAD)} with errors" in text


def test_workers_and_engines_give_byte_identical_results(mixed, tmp_path):
    cohort, _ = mixed
    outputs = []
    for workers, engine, chunk in ((0, "durable", 256), (1, "durable", 4), (2, "durable", 3), (2, "reference", 5)):
        out = tmp_path / f"out_{workers}_{engine}.csv"
        audit_cohort(cohort, out, workers=workers, engine=engine, chunk_size=chunk)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2] == outputs[3]
    assert outputs[0].count(b"\n") == 1 + len(GOOD) + len(BAD)


def test_jsonl_cohort_in_csv_results_out(tmp_path):
    lines = [
        json.dumps({"id": "j1", "diagnosis": "gbs", "age_years": 30, "sex": "male", "weight_kg": 70,
                    "treatments": {"plasma_exchange": "failed"}}),
        "",  # a blank line is not a row
        json.dumps({"id": "j2", "diagnosis": "cidp", "age_years": 50, "sex": "female", "treatment.corticosteroids": "failed"}),
        json.dumps({"id": "j3", "diagnosis": "cidp", "age_years": "50", "sex": "female"}),
        json.dumps({"id": "j4", "diagnosis": "cidp", "age_years": 50, "sex": "female", "wieght_kg": 60}),
        json.dumps({"id": "j5", "diagnosis": "cidp", "age_years": 50, "sex": "female",
                    "treatments": {"ivig": "failed"}, "treatment.ivig": "ongoing"}),
    ]
    cohort = write(tmp_path / "c.jsonl", lines)
    summary = audit_cohort(cohort, tmp_path / "out.csv", workers=0)
    rows = read_csv(tmp_path / "out.csv")
    assert [r["patient_id"] for r in rows] == ["j1", "j2", "j3", "j4", "j5"]
    assert [int(r["source_line"]) for r in rows] == [1, 3, 4, 5, 6]
    assert rows[0]["error"] == rows[1]["error"] == ""
    assert "without quotes" in rows[2]["error"] and rows[2]["error_column"] == "age_years"
    assert "Did you mean 'weight_kg'" in rows[3]["error"] and rows[3]["error_column"] == "wieght_kg"
    assert "given twice" in rows[4]["error"]
    assert summary.rows == 5 and summary.errors == 3


def test_flat_and_nested_treatments_mean_the_same(tmp_path):
    base = {"diagnosis": "cidp", "age_years": 50, "sex": "female", "weight_kg": 70}
    cohort = write(tmp_path / "c.jsonl", [
        json.dumps({**base, "treatments": {"corticosteroids": "failed", "ivig": "responded"}}),
        json.dumps({**base, "treatment.corticosteroids": "failed", "treatments.ivig": "responded"}),
    ])
    audit_cohort(cohort, tmp_path / "out.jsonl", workers=0)
    first, second = read_jsonl(tmp_path / "out.jsonl")
    assert first["error"] is None
    assert {**first, "row": 0, "source_line": 0} == {**second, "row": 0, "source_line": 0}


def test_hostile_rows_each_give_one_result_row(tmp_path):
    long_id = "x" * 300
    huge = "h" * (1024 * 1024 + 10)
    raw = b"\n".join([
        HEADER.encode(),
        b"h1,cidp,50,female,70,165,,,,",
        b'h2,cidp,50,female,"70,165,,,,',  # quote never closed
        b"h3,cidp,50,female,70,165,,,,",
        b"h4,cidp,\xff\xfe,female,70,165,,,,",  # not UTF-8
        b"h5,cidp,50,fe\x00male,70,165,,,,",  # NUL byte
        ("h6," + huge + ",50,female,70,165,,,,").encode(),  # longer than any row may be
        (long_id + ",cidp,50,female,70,165,,,,").encode(),
        b"=HYPERLINK(\"x\"),cidp,50,female,70,165,,,,",
        b"",
        b"   ",
        b"h9,cidp,50,female,70,165,,,,,,,,,",
        b"h10,gbs,30,male,70,,,,,",
    ]) + b"\n"
    cohort = tmp_path / "hostile.csv"
    cohort.write_bytes(raw)
    summary = audit_cohort(cohort, tmp_path / "out.jsonl", workers=2, chunk_size=2)
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert summary.rows == len(rows) == 10
    errors = {r["source_line"]: r["error"] for r in rows}
    assert errors[2] is None and errors[4] is None and errors[13] is None
    assert "never closed" in errors[3]
    assert "not UTF-8" in errors[5]
    assert "NUL" in errors[6]
    assert "longer than 1024 KB" in errors[7]
    assert "longer than 200 characters" in errors[8]
    assert errors[9] is None and rows[7]["patient_id"] == '=HYPERLINK("x")'
    assert "15 cells but the header has 10" in errors[12]


def test_a_crashing_worker_is_replaced_and_blamed_on_its_row(mixed, tmp_path, monkeypatch):
    cohort, ids = mixed
    clean = tmp_path / "clean.csv"
    audit_cohort(cohort, clean, workers=2, chunk_size=4)
    monkeypatch.setenv(ABORT_ENV, "g3")
    warnings: list[str] = []
    out = tmp_path / "crash.csv"
    summary = audit_cohort(cohort, out, workers=2, chunk_size=4, warn=warnings.append)
    crashed, expected = read_csv(out), read_csv(clean)
    assert len(crashed) == len(ids)
    victim = ids.index("g3")
    assert "worker process died (killed by SIGABRT)" in crashed[victim]["error"]
    assert crashed[victim]["error"].startswith(f"{cohort}:{crashed[victim]['source_line']}:")
    assert crashed[:victim] + crashed[victim + 1:] == expected[:victim] + expected[victim + 1:]
    assert summary.worker_deaths == 1 and summary.errors == len(BAD) + 1
    assert len(warnings) == 1 and f"row {victim + 1} " in warnings[0]


def test_every_worker_dies_on_its_row_and_the_run_still_ends(tmp_path, monkeypatch):
    lines = [HEADER] + [f"{'boom' if i % 3 == 0 else f'ok{i}'},gbs,30,male,70,,,,," for i in range(9)]
    cohort = write(tmp_path / "c.csv", lines)
    monkeypatch.setenv(ABORT_ENV, "boom")
    summary = audit_cohort(cohort, tmp_path / "out.csv", workers=2, chunk_size=3)
    rows = read_csv(tmp_path / "out.csv")
    assert len(rows) == 9 and summary.worker_deaths == 3
    assert [bool(r["error"]) for r in rows] == [i % 3 == 0 for i in range(9)]


def test_progress_reports_rows_as_they_are_written(mixed, tmp_path):
    cohort, ids = mixed
    seen: list[tuple[int, int, int]] = []
    audit_cohort(cohort, tmp_path / "out.csv", workers=1, chunk_size=5, progress=lambda *a: seen.append(a))
    assert [s[0] for s in seen] == sorted(s[0] for s in seen)
    assert seen[-1][0] == len(ids) and seen[-1][1] == seen[-1][2] == cohort.stat().st_size


def test_results_to_standard_output(tmp_path, capsys):
    cohort = write(tmp_path / "c.csv", [HEADER, *GOOD[:2]])
    audit_cohort(cohort, "-", output_format="jsonl", workers=0)
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["patient_id"] for line in lines] == ["g1", "g2"]


def test_a_patient_id_that_cannot_be_encoded_is_escaped_not_fatal(tmp_path):
    cohort = write(tmp_path / "c.jsonl", ['{"id": "bad\\ud800", "diagnosis": "gbs", "age_years": 30, "sex": "male"}'])
    summary = audit_cohort(cohort, tmp_path / "out.csv", workers=0)
    row = read_csv(tmp_path / "out.csv")[0]
    assert summary.rows == 1 and row["patient_id"] == "bad\\ud800" and row["error"] == ""


def test_an_empty_cohort_writes_only_the_header(tmp_path):
    cohort = write(tmp_path / "c.csv", [HEADER])
    summary = audit_cohort(cohort, tmp_path / "out.csv", workers=2)
    assert summary.rows == 0
    assert list(csv.reader(io.StringIO((tmp_path / "out.csv").read_text()))) == [list(FIELDS)]


def test_chunks_are_cut_by_size_as_well_as_by_rows(mixed, tmp_path, monkeypatch):
    import ivig_rules.audit.run as audit_run

    cohort, ids = mixed
    monkeypatch.setattr(audit_run, "CHUNK_BYTES", 60)  # about two rows of this cohort
    seen: list[int] = []
    audit_cohort(cohort, tmp_path / "out.csv", workers=2, chunk_size=256, progress=lambda rows, *_: seen.append(rows))
    steps = [b - a for a, b in zip([0, *seen], seen)]
    assert seen[-1] == len(ids) and max(steps) <= 3 and len(steps) >= len(ids) // 3


def test_a_quote_left_open_costs_one_row_not_the_rows_after_it(tmp_path, monkeypatch):
    import ivig_rules.audit.cohort as cohort_module

    monkeypatch.setattr(cohort_module, "MAX_LINE_BYTES", 200)  # a record may not grow past 200 bytes
    good = [f"q{i},gbs,30,male,70,,,,," for i in range(2, 12)]  # 10 rows, about 230 bytes
    lines = [HEADER, 'q1,cidp,50,female,"70,165,,,,', *good, 'q12,gbs,30,male,70",,,,,']
    cohort = write(tmp_path / "c.csv", lines)
    summary = audit_cohort(cohort, tmp_path / "out.csv", workers=0)
    rows = read_csv(tmp_path / "out.csv")
    assert summary.rows == len(rows) == 12
    assert "never closed" in rows[0]["error"] and rows[0]["source_line"] == "2"
    assert [r["patient_id"] for r in rows[1:11]] == [g.split(",")[0] for g in good]
    assert all(r["error"] == "" for r in rows[1:11])
    assert "plain digits" in rows[11]["error"] and rows[11]["source_line"] == "13"  # 70" is a cell, not a quote


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
def test_every_line_ending_python_csv_reads_ends_a_row(tmp_path, ending):
    """Old Mac files end lines with a lone CR; they were read as one huge row."""
    lines = [HEADER, *GOOD, '"q1",cidp,50,female,70,165,,,"fai\rled",']
    cohort = tmp_path / "c.csv"
    cohort.write_bytes(ending.join(lines).encode() + ending.encode())
    summary = audit_cohort(cohort, tmp_path / "out.csv", workers=0)
    rows = read_csv(tmp_path / "out.csv")
    expected = list(csv.reader(io.StringIO(cohort.read_text(), newline="")))[1:]
    assert summary.rows == len(rows) == len(expected) == len(GOOD) + 1
    assert [r["patient_id"] for r in rows] == [e[0] for e in expected]
    assert "unknown status" in rows[-1]["error"]  # the CR inside the quoted cell stayed in the cell


def test_a_quote_inside_an_unquoted_cell_is_text_not_the_start_of_a_record(tmp_path):
    """Issue 15.1: O"Brien or 5'11" once joined every line up to the next such line into one error row."""
    lines = ["id,diagnosis,age_years,sex", 'A"1,gbs,40,male', "B,gbs,40,male", 'C"2,gbs,40,male', "D,gbs,40,male",
             "O\"Brien,gbs,40,male", "5'11\",gbs,40,male", '"E ""quoted""",gbs,40,male']
    cohort = write(tmp_path / "c.csv", lines)
    summary = audit_cohort(cohort, tmp_path / "out.csv", workers=0)
    rows = read_csv(tmp_path / "out.csv")
    assert summary.rows == len(rows) == len(lines) - 1 == len(list(csv.reader(io.StringIO("\n".join(lines))))) - 1
    assert [r["patient_id"] for r in rows] == ['A"1', "B", 'C"2', "D", 'O"Brien', "5'11\"", 'E "quoted"']
    assert all(r["error"] == "" for r in rows) and summary.errors == 0


@pytest.mark.parametrize("bad", [b"\x00", b"\xff"], ids=["NUL", "not UTF-8"])
def test_a_refused_line_inside_a_quoted_cell_costs_its_record_one_row(tmp_path, bad):
    """Found by the CSV fuzz test on Python 3.14, whose csv writer quotes a cell holding a CR: the
    record's second line held a NUL, and the record came out as two error rows."""
    cohort = tmp_path / "c.csv"
    cohort.write_bytes(b"id,diagnosis,age_years,sex\nA,gbs,40,male\nB,gbs,40,\"ma\r" + bad + b"le\"\nC,gbs,40,male\n")
    summary = audit_cohort(cohort, tmp_path / "out.csv", workers=0)
    rows = read_csv(tmp_path / "out.csv")
    assert summary.rows == len(rows) == 3
    assert [r["patient_id"] for r in rows] == ["A", "", "C"]
    assert rows[1]["source_line"] == "3" and "line 4 of this record" in rows[1]["error"]
    assert rows[0]["error"] == rows[2]["error"] == ""


def test_the_chunk_size_the_help_gives_is_the_default_the_audit_uses():
    from typer.testing import CliRunner

    from ivig_rules.audit import DEFAULT_CHUNK_SIZE
    from ivig_rules.cli import app

    shown = CliRunner().invoke(app, ["audit", "--help"], env={"COLUMNS": "200"}).output
    assert f"default {DEFAULT_CHUNK_SIZE:,}" in " ".join(shown.split())
