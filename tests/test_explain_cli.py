"""The explain command: text, JSON, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ivig_rules.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
RULESETS = str(ROOT / "rulesets")


def write(tmp_path, text, name="patient.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_text_names_rules_values_citations_and_why_not(tmp_path):
    path = write(tmp_path, "diagnosis: gbs\nage_years: 50\nsex: male\ntreatments: {plasma_exchange: failed}\n")
    result = CliRunner().invoke(app, ["explain", path, "--rulesets", RULESETS])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "decided by gbs.plex_failed" in out
    assert "because Plasma exchange has status failed (needs failed)" in out
    assert "cite: neuromuscular IVIG page (KabaFusion): GBS: treatment and dosing" in out
    assert ".txt" not in out
    assert "Why not IVIG" in out
    assert "Plasma exchange has status failed; the rule needs it intolerant, contraindicated or unavailable" in out
    assert "treatments.ivig = not_tried" in out  # taken from the default


def test_json(tmp_path):
    path = write(tmp_path, '{"diagnosis": "ms_relapse", "age_years": 35, "sex": "female", "treatments": {"corticosteroids": "failed"}}', "p.json")
    result = CliRunner().invoke(app, ["explain", path, "--json", "--engine", "reference", "--limit", "0", "--rulesets", RULESETS])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ivig"] == "not_yet" and data["gap"] is False
    assert data["trace"][0]["role"] == "decided"
    assert data["why_not"] and [m["unmet_count"] for m in data["why_not"]] == sorted(m["unmet_count"] for m in data["why_not"])
    assert "treatments.plasma_exchange" in data["defaults"]


def test_gap_exits_3_after_explaining(tmp_path):
    rulesets = tmp_path / "rulesets"
    import shutil

    shutil.copytree(ROOT / "rulesets", rulesets)
    shutil.copy(ROOT / "tests" / "rulesets" / "gapped.yaml", rulesets / "pathways" / "zz_gapped.yaml")
    for other in (rulesets / "pathways").glob("*.yaml"):
        if other.name != "zz_gapped.yaml" and "diagnosis: dermatomyositis" in other.read_text():
            other.unlink()
    path = write(tmp_path, "diagnosis: dermatomyositis\nage_years: 50\nsex: male\ntreatments: {plasma_exchange: failed}\n")
    result = CliRunner().invoke(app, ["explain", path, "--rulesets", str(rulesets)])
    assert result.exit_code == 3
    assert "a gap in the ruleset" in result.output
    assert "lint_gapped.ivig_after_plex" in result.output


def test_invalid_patient_exit_2_with_file_and_line(tmp_path):
    path = write(tmp_path, "diagnosis: gbs\nage_years: 50\nsex: male\ntreatments: {plasma_exchang: failed}\n")
    result = CliRunner().invoke(app, ["explain", path, "--rulesets", RULESETS])
    assert result.exit_code == 2
    assert f"{path}:4" in result.output and "plasma_exchange" in result.output
    assert "Traceback" not in result.output


def test_why_not_text_leaves_out_ivig_status_changes(tmp_path):
    path = write(tmp_path, "diagnosis: ms_relapse\nage_years: 35\nsex: female\ntreatments: {corticosteroids: failed}\n")
    result = CliRunner().invoke(app, ["explain", path, "--rulesets", RULESETS])
    assert result.exit_code == 0, result.output
    why_not = result.output.split("Why not IVIG")[1].split("Not given")[0]
    assert "ms_relapse.ivig_third_line" in why_not
    assert "the rule needs it ongoing" not in why_not and "IVIG has status" not in why_not
    assert "Left out: rules that need IVIG itself in another status than not_tried" in why_not
    assert "ms_relapse.ivig_course_under_way" in why_not
