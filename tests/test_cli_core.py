"""The public contract of `ivig-rules evaluate` and `ivig-rules run`."""

from __future__ import annotations

import json
import random
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from conftest import RULESETS, SCENARIOS
from ivig_rules.cli import app

runner = CliRunner()

OUTPUT_KEYS = {
    "pathway", "ruleset_version", "engine", "diagnosis", "ivig", "pathway_verdict", "conflicts", "not_recorded",
    "next_step", "line", "dose", "regimen", "review", "alerts", "monitoring", "administration", "rules_fired", "citations",
}
CITATION_KEYS = {"cite", "source", "section", "ref", "text"}
DOSE_KEYS = {"therapy", "phase", "g_per_kg", "days", "interval_weeks", "dosing_weight_kg", "weight_basis", "per_day_g", "total_g", "rounded_total_g"}

MS_THIRD_LINE = {
    "id": "P-17",
    "diagnosis": "ms_relapse",
    "age_years": 40,
    "sex": "male",
    "weight_kg": 100,
    "height_cm": 175,
    "iga": "normal",
    "treatments": {"corticosteroids": "failed", "plasma_exchange": "intolerant"},
}


def _write(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False) if name.endswith(".yaml") else json.dumps(data))
    return path


def test_evaluate_json_is_exactly_one_object_with_the_contract_fields(tmp_path):
    result = runner.invoke(app, ["evaluate", str(_write(tmp_path, "p.yaml", MS_THIRD_LINE)), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # exactly one JSON document, nothing else
    assert OUTPUT_KEYS <= set(data)
    assert DOSE_KEYS <= set(data["dose"])
    assert (data["pathway"], data["engine"], data["ivig"], data["next_step"], data["line"]) == ("ms_relapse", "durable", "consider", "ivig", 3)
    assert (data["dose"]["dosing_weight_kg"], data["dose"]["total_g"], data["dose"]["rounded_total_g"]) == (82.3, 164.6, 165.0)
    assert data["patient_id"] == "P-17"
    for alert in data["alerts"]:
        assert set(alert) >= {"id", "severity", "message", "citations"}
        assert alert["severity"] in ("contraindication", "caution", "info")
    assert data["rules_fired"][0] == "ms_relapse.ivig_third_line"
    assert (data["pathway_verdict"], data["conflicts"]) == ("consider", [])
    assert set(data["not_recorded"]) == {"hypersensitivity_to_ig", "renal_impairment", "thrombosis_risk",
                                         "cardiac_disease", "diabetes", "sugar_sensitivity"}
    citations = data["citations"] + data["dose"]["citations"] + [c for a in data["alerts"] for c in a["citations"]]
    for citation in citations:
        assert set(citation) == CITATION_KEYS
        assert ".txt" not in citation["text"] and "seeds" not in citation["text"], citation
    first = next(c for c in data["citations"] if c["cite"] == "001_31bd74f6d628a3ef.txt [1]")
    assert first["text"] == "Elovaara I et al., Clin Neuropharmacol 2011, cited in the MS FAQ [1]"
    assert {m["id"] for m in data["monitoring"]} >= {"aseptic_meningitis", "trali"}


CIDP_MAINTENANCE_NO_WEIGHT = {"diagnosis": "cidp", "age_years": 58, "sex": "male", "iga": "normal",
                              "treatments": {"ivig": "responded"}}


def test_without_a_weight_the_text_shows_the_regimen_and_says_the_grams_need_the_weight(tmp_path):
    """Fail safe: no grams from a weight nobody recorded, but the regimen per kg is shown, as in the JSON."""
    path = _write(tmp_path, "p.yaml", CIDP_MAINTENANCE_NO_WEIGHT)
    data = json.loads(runner.invoke(app, ["evaluate", str(path), "--json"]).stdout)
    assert data["dose"] is None and "weight_missing" in [a["id"] for a in data["alerts"]]
    regimen = data["regimen"]
    assert (regimen["g_per_kg"], regimen["per"], regimen["days"], regimen["interval_weeks"]) == (1, "infusion", 1, 4)
    result = runner.invoke(app, ["evaluate", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    at = lines.index("Dose (ivig, maintenance): 1 g/kg per infusion, over 1 day")
    assert lines[at + 1] == "  repeated every 4 weeks (range 1-6)"
    assert lines[at + 2] == ("  dose in grams: not worked out; it needs the body weight, which was not recorded "
                             "(weigh the patient before prescribing)")
    assert "dosing weight" not in result.stdout and " g in all" not in result.stdout


def test_with_a_weight_the_regimen_and_the_dose_agree(tmp_path):
    path = _write(tmp_path, "p.yaml", {**CIDP_MAINTENANCE_NO_WEIGHT, "weight_kg": 80})
    data = json.loads(runner.invoke(app, ["evaluate", str(path), "--json"]).stdout)
    assert {k: data["dose"][k] for k in data["regimen"] if k != "citations"} == {
        k: v for k, v in data["regimen"].items() if k != "citations"}
    assert "not worked out" not in runner.invoke(app, ["evaluate", str(path)]).stdout


GBS_CONFLICT = {
    "diagnosis": "gbs", "age_years": 40, "sex": "male", "weight_kg": 60, "height_cm": 170, "iga": "deficient",
    "renal_impairment": True, "hypersensitivity_to_ig": False, "thrombosis_risk": False, "cardiac_disease": False,
    "diabetes": False, "sugar_sensitivity": False,
}


def test_a_conflict_is_top_level_in_json_and_in_the_text_headline(tmp_path):
    path = str(_write(tmp_path, "p.yaml", GBS_CONFLICT))
    data = json.loads(runner.invoke(app, ["evaluate", path, "--json"]).stdout)
    assert (data["ivig"], data["pathway_verdict"]) == ("specialist_review", "recommended")
    assert [c["id"] for c in data["conflicts"]] == ["iga_deficiency", "renal_impairment"]
    renal = data["conflicts"][1]
    assert renal["facts"] == {"renal_impairment": True}
    assert renal["positions"][0]["role"] == "pathway" and "IVIG recommended" in renal["positions"][0]["says"]
    assert any("should not be used" in p["says"] and p["citations"][0]["text"] == "Verywell MS article (Verywell Health)"
               for p in renal["positions"][1:])
    text = runner.invoke(app, ["evaluate", path]).stdout
    headline = [line for line in text.splitlines() if line.strip()][1]
    assert "NO GO-AHEAD" in headline and "RECOMMENDED" not in headline
    assert "(the pathway alone: IVIG RECOMMENDED)" in text
    assert "Sources disagree (renal_impairment: true)" in text


def test_text_output_shows_readable_references_and_never_a_seed_file(tmp_path):
    text = runner.invoke(app, ["evaluate", str(_write(tmp_path, "p.yaml", MS_THIRD_LINE))]).stdout
    assert "Elovaara I et al., Clin Neuropharmacol 2011, cited in the MS FAQ [1]" in text
    assert ".txt" not in text and "seeds" not in text
    assert "Not recorded (check before the first infusion" in text


def test_evaluate_reads_json_from_stdin():
    result = runner.invoke(app, ["evaluate", "-", "--json", "--engine", "reference"], input=json.dumps(MS_THIRD_LINE))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["engine"] == "reference"


def test_engines_give_the_same_json(tmp_path):
    path = str(_write(tmp_path, "p.json", MS_THIRD_LINE))
    outputs = []
    for engine in ("durable", "reference"):
        data = json.loads(runner.invoke(app, ["evaluate", path, "--json", "--engine", engine]).stdout)
        data.pop("engine")
        outputs.append(data)
    assert outputs[0] == outputs[1]


def test_weight_policy_is_selectable_from_the_cli(tmp_path):
    path = str(_write(tmp_path, "p.yaml", MS_THIRD_LINE))
    data = json.loads(runner.invoke(app, ["evaluate", path, "--json", "--weight-policy", "actual"]).stdout)
    assert (data["dose"]["dosing_weight_kg"], data["dose"]["weight_basis"]) == (100, "actual")


def test_evaluate_summary_is_readable_and_says_not_medical_advice(tmp_path):
    result = runner.invoke(app, ["evaluate", str(_write(tmp_path, "p.yaml", MS_THIRD_LINE))])
    assert result.exit_code == 0
    text = result.stdout
    assert "CONSIDER IVIG" in text and "line 3" in text and "164.6 g" in text
    assert "not medical advice" in text


def test_same_facts_in_any_order_give_byte_identical_output(tmp_path):
    outputs = set()
    rng = random.Random(7)
    for i in range(6):
        items = list(MS_THIRD_LINE.items())
        rng.shuffle(items)
        facts = dict(items)
        treatments = list(facts["treatments"].items())
        rng.shuffle(treatments)
        facts["treatments"] = dict(treatments)
        path = _write(tmp_path, f"p{i}.yaml", facts)
        outputs.add(runner.invoke(app, ["evaluate", str(path), "--json"]).stdout)
    assert len(outputs) == 1


def test_run_passes_the_project_scenarios():
    result = runner.invoke(app, ["run", str(SCENARIOS)])
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    assert last.endswith(" passed, 0 failed")
    assert int(last.split()[0]) >= 20


FAILING = {
    "scenarios": [
        {"name": "right", "patient": {"diagnosis": "cidp", "age_years": 50, "sex": "male"}, "expect": {"ivig": "recommended"}},
        {
            "name": "wrong on purpose",
            "patient": {"diagnosis": "cidp", "age_years": 50, "sex": "male", "weight_kg": 80},
            "expect": {"ivig": "not_yet", "line": 1, "dose": {"total_g": 999}, "alerts": ["renal_impairment"]},
        },
        {"name": "tagged", "tags": ["smoke"], "patient": {"diagnosis": "gbs", "age_years": 5, "sex": "male"}, "expect": {"ivig": ["recommended", "consider"]}},
        {"name": "skipped", "skip": "waiting for the 2027 guideline", "patient": {"diagnosis": "gbs", "age_years": 5, "sex": "male"}, "expect": {"ivig": "consider"}},
    ]
}


def _line(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_run_reports_each_failure_at_file_line_with_expected_and_actual(tmp_path):
    path = _write(tmp_path, "s.yaml", FAILING)
    line = _line(path, "name: wrong on purpose")
    result = runner.invoke(app, ["run", str(path)])
    assert result.exit_code == 1
    out = result.stdout
    assert f"{path}:{line}: wrong on purpose" in out
    assert "ivig: expected not_yet, got recommended" in out
    assert "dose.total_g: expected 999, got 160" in out  # 80 kg x 0.4 g/kg x 5 days
    assert "alerts: expected [renal_impairment]" in out
    assert "line: expected" not in out  # line 1 is right
    assert out.strip().splitlines()[-1] == "2 passed, 1 failed, 1 skipped"
    assert "waiting for the 2027 guideline" in out


def test_run_json_and_junit(tmp_path):
    path = _write(tmp_path, "s.yaml", FAILING)
    junit = tmp_path / "out" / "junit.xml"
    result = runner.invoke(app, ["run", str(path), "--json", "--junit", str(junit)])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["summary"] == {"total": 4, "passed": 2, "failed": 1, "errors": 0, "skipped": 1}
    failed = [r for r in data["results"] if r["status"] == "failed"][0]
    line = _line(path, "name: wrong on purpose")
    assert failed["line"] == line and {m["field"] for m in failed["mismatches"]} == {"ivig", "dose.total_g", "alerts"}
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("4", "1", "1")
    case = [c for c in suite.iter("testcase") if c.get("name") == "wrong on purpose"][0]
    assert case.find("failure").get("message").startswith(f"{path}:{line}")


def test_run_tag_selects_scenarios(tmp_path):
    path = _write(tmp_path, "s.yaml", FAILING)
    result = runner.invoke(app, ["run", str(path), "--tag", "smoke"])
    assert result.exit_code == 0
    assert result.stdout.strip().splitlines()[-1] == "1 passed, 0 failed"


def test_base_patient_is_extended_by_each_scenario(tmp_path):
    data = {
        "base_patient": {"diagnosis": "ms_relapse", "age_years": 40, "sex": "female", "treatments": {"corticosteroids": "failed"}},
        "scenarios": [
            {"name": "plex next", "patient": {}, "expect": {"ivig": "not_yet", "next_step": "plasma_exchange"}},
            {"name": "ivig after plex", "patient": {"treatments": {"plasma_exchange": "failed"}}, "expect": {"ivig": "consider", "line": 3}},
        ],
    }
    result = runner.invoke(app, ["run", str(_write(tmp_path, "s.yaml", data))])
    assert result.exit_code == 0, result.output


def test_a_gap_in_a_ruleset_is_an_error_not_a_guess(tmp_path):
    rulesets = tmp_path / "rulesets"
    shutil.copytree(RULESETS, rulesets)
    path = rulesets / "pathways" / "gbs.yaml"
    text = path.read_text()
    start = text.index("  - id: no_second_course")
    end = text.index("  - id:", start + 10)
    path.write_text(text[:start] + text[end:])  # nobody decides "IVIG failed" any more
    patient = _write(tmp_path, "p.yaml", {"diagnosis": "gbs", "age_years": 30, "sex": "male", "treatments": {"ivig": "failed"}})
    result = runner.invoke(app, ["evaluate", str(patient), "--rulesets", str(rulesets)])
    assert result.exit_code == 3
    assert "no rule of pathway 'gbs' decides" in result.stderr
    scenario = _write(tmp_path, "s.yaml", {"scenarios": [{"name": "gap", "patient": {"diagnosis": "gbs", "age_years": 30, "sex": "male", "treatments": {"ivig": "failed"}}, "expect": {"ivig": "not_indicated"}}]})
    result = runner.invoke(app, ["run", str(scenario), "--rulesets", str(rulesets)])
    assert result.exit_code == 1
    assert "ERROR" in result.stdout and "decides the IVIG verdict" in result.stdout


@pytest.mark.parametrize("args", [["--help"], ["evaluate", "--help"], ["run", "--help"]])
def test_help(args):
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    assert "Usage" in result.stdout
