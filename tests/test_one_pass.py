"""``lint``, ``run`` and ``evaluate`` report every problem of a file in one pass, each with
file:line:key and a "did you mean", rather than stopping at the first."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from conftest import RULESETS
from ivig_rules.loading.cursor import Problems
from ivig_rules.cli.app import app
from ivig_rules.errors import InputError
from ivig_rules.lint import lint_paths

runner = CliRunner()


def _line(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def _broken_gbs(tmp_path: Path) -> Path:
    rulesets = tmp_path / "rulesets"
    shutil.copytree(RULESETS, rulesets)
    path = rulesets / "pathways" / "gbs.yaml"
    text = path.read_text()
    text = text.replace("    line: 1\n    label: IVIG course at diagnosis", "    line: first\n    label: IVIG course at diagnosis", 1)
    text = text.replace("    phase: induction\n", "    phase: inductoin\n", 1)
    text = text.replace("  - id: ivig_at_diag", "  - id: ivig_at_diag\n    evidnce: expert_opinion", 1)
    path.write_text(text)
    return path


def test_lint_reports_every_schema_error_of_a_pathway_file(tmp_path):
    path = _broken_gbs(tmp_path)
    report = lint_paths([path])
    schema = [(f.line, f.key, f.suggestion) for f in report.findings if f.code == "schema"]
    assert schema == [
        (_line(path, "line: first"), "steps.ivig.line", None),
        (_line(path, "phase: inductoin"), "doses.course.phase", "induction"),
        (_line(path, "evidnce:"), "rules[0].evidnce", "evidence"),
    ]
    result = runner.invoke(app, ["lint", str(path)])
    assert result.exit_code == 2  # the file does not load: as evaluate says
    assert result.stdout.count(f"{path}:") == 3


def test_a_broken_step_is_reported_once_not_again_by_each_rule_that_uses_it(tmp_path):
    path = _broken_gbs(tmp_path)
    messages = [f.message for f in lint_paths([path]).findings]
    assert not [m for m in messages if "no step" in m or "no dose" in m], messages


def _scenario(name: str, patient: dict, expect: dict) -> dict:
    return {"name": name, "patient": patient, "expect": expect}


def test_run_reports_every_problem_of_every_scenario_file(tmp_path):
    first = tmp_path / "a.yaml"
    first.write_text(yaml.safe_dump({"scenarios": [
        _scenario("one", {"diagnosis": "gbs", "age_years": "forty", "sex": "female", "wieght_kg": 50}, {"ivig": "recomended"}),
        _scenario("two", {"diagnosis": "cidp", "age_years": 40, "sex": "male", "treatments": {"ivgi": "failed"}}, {"nxt_step": "ivig"}),
        _scenario("fine", {"diagnosis": "cidp", "age_years": 40, "sex": "male"}, {"ivig": "recommended"}),
    ]}, sort_keys=False))
    second = tmp_path / "b.yaml"
    second.write_text(yaml.safe_dump({"scenarios": [_scenario("three", {"diagnosis": "cidp", "age_years": 40, "sex": "male"}, {"ivig": "maybe"})]}))
    result = runner.invoke(app, ["run", str(first), str(second)])
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    expected = [
        (first, "scenarios[0].patient.age_years", None),
        (first, "scenarios[0].patient.wieght_kg", "weight_kg"),
        (first, "scenarios[0].expect.ivig", "recommended"),
        (first, "scenarios[1].patient.treatments.ivgi", "ivig"),
        (first, "scenarios[1].expect.nxt_step", "next_step"),
        (second, "scenarios[0].expect.ivig", None),
    ]
    assert len(lines) == len(expected), result.stderr
    for line, (file, key, suggestion) in zip(lines, expected):
        assert line.startswith(f"ivig-rules: {file}:") and f"at key '{key}'" in line, line
        assert (f"Did you mean '{suggestion}'?" in line) == (suggestion is not None), line


def test_evaluate_reports_every_wrong_fact_of_a_patient(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("diagnosis: cidp\nage_years: -4\nsex: mal\ntreatments: {steroids: failed}\n")
    result = runner.invoke(app, ["evaluate", str(path)])
    assert result.exit_code == 2
    keys = [line.split("at key '")[1].split("'")[0] for line in result.stderr.splitlines()]
    assert keys == ["age_years", "sex", "treatments.steroids"]


def test_a_file_with_very_many_problems_gets_a_bounded_message():
    problems = Problems()
    for line in range(1, 1001):
        with problems.part():
            raise InputError("bad", file="f.yaml", line=line)
    try:
        problems.raise_any()
    except InputError as exc:
        assert len(exc.problems) == Problems.LIMIT + 1
        assert exc.problems[-1].message.startswith("900 more problems not shown")
        assert [p.not_shown for p in exc.problems] == [0] * Problems.LIMIT + [900]
    else:
        raise AssertionError("no error raised")


def test_not_shown_is_data_of_every_input_error_with_a_default():
    """The count of problems left out is declared on the class, never set on an instance ad hoc."""
    assert InputError.not_shown == 0 and "not_shown" in InputError.__annotations__
    assert InputError("bad").not_shown == 0
    assert InputError("3 more problems not shown", not_shown=3).not_shown == 3


def test_a_part_s_own_count_of_problems_not_shown_is_added_once():
    inner = Problems(limit=1)
    for line in (1, 2, 3):
        with inner.part():
            raise InputError("bad", file="f.yaml", line=line)
    outer = Problems()
    with outer.part():
        inner.raise_any()
    with outer.part():
        raise InputError("worse", file="g.yaml", line=1)
    try:
        outer.raise_any()
    except InputError as exc:
        assert [(p.file, p.message, p.not_shown) for p in exc.problems] == [
            ("f.yaml", "bad", 0), ("g.yaml", "worse", 0), ("g.yaml", "2 more problems not shown; fix these first", 2),
        ]
    else:
        raise AssertionError("no error raised")


def test_a_patient_of_very_many_unknown_facts_gets_twenty_problems_and_a_count(tmp_path):
    path = tmp_path / "p.json"
    facts = {"diagnosis": "gbs", "age_years": 45, "sex": "female", **{f"k{i}": 0 for i in range(5000)},
             "treatments": {f"t{i}": "failed" for i in range(30)}}
    path.write_text(json.dumps(facts))
    result = runner.invoke(app, ["evaluate", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 21 and "unknown fact 'k0'" in lines[0]
    assert lines[-1].endswith(": 5010 more problems not shown; fix these first.")  # 4,980 facts, 30 therapies


def test_the_library_bounds_a_patient_s_problems_too(vocab):
    from ivig_rules.loading.patient import MAX_PROBLEMS, patient_from_mapping

    try:
        patient_from_mapping({"diagnosis": "gbs", "age_years": 45, "sex": "female",
                              **{f"k{i}": 0 for i in range(100)}}, vocab)
    except InputError as exc:
        assert len(exc.problems) == MAX_PROBLEMS + 1
        assert exc.problems[-1].message == "80 more problems not shown; fix these first"
    else:
        raise AssertionError("no error raised")


def test_run_reports_every_wrong_field_of_one_expect_mapping(tmp_path):
    """An unknown expectation key does not hide the wrong values of the other fields beside it."""
    path = tmp_path / "s.yaml"
    path.write_text(
        "scenarios:\n"
        "  - name: one\n"
        "    patient: {diagnosis: cidp, age_years: 52, sex: female, weight_kg: 68}\n"
        "    expect:\n"
        "      ivgi: recommended\n"
        "      dose: {g_per_kgg: 0.4}\n"
        "      alerts: [premedicaton]\n"
    )
    result = runner.invoke(app, ["run", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    found = [(int(line.split(":")[2]), line.split("at key '")[1].split("'")[0]) for line in result.stderr.splitlines()]
    assert found == [
        (5, "scenarios[0].expect.ivgi"),
        (6, "scenarios[0].expect.dose.g_per_kgg"),
        (7, "scenarios[0].expect.alerts[0]"),
    ], result.stderr


def test_a_wrong_fact_of_base_patient_is_named_there_and_reported_once(tmp_path):
    """base_patient's typo is one problem at its own key, not one per scenario under scenarios[i]."""
    path = tmp_path / "s.yaml"
    path.write_text(
        "base_patient:\n"
        "  diagnosis: cidp\n"
        "  age_years: 52\n"
        "  sex: female\n"
        "  wieght_kg: 68\n"
        "  treatments: {ivgi: responded}\n"
        "scenarios:\n"
        "  - name: one\n"
        "    patient: {}\n"
        "    expect: {ivig: recommended}\n"
        "  - name: two\n"
        "    patient: {iga: normall}\n"
        "    expect: {ivig: recommended}\n"
    )
    result = runner.invoke(app, ["run", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    found = [(int(line.split(":")[2]), line.split("at key '")[1].split("'")[0]) for line in result.stderr.splitlines()]
    assert found == [
        (5, "base_patient.wieght_kg"),
        (6, "base_patient.treatments.ivgi"),
        (12, "scenarios[1].patient.iga"),
    ], result.stderr
