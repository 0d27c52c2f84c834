"""Every error is one paragraph of whole sentences, whichever reader found it (exit code 2, stderr).

The bad-input corpus (tests/test_bad_input.py) checks the patient and scenario readers; these
cases reach the ruleset reader and the FHIR reader, whose messages once ran straight into
"Did you mean" or put their source after the full stop.
"""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from conftest import ROOT
from ivig_rules.cli import app
from test_bad_input import assert_sentences

PATIENT = "diagnosis: gbs\nage_years: 40\nsex: male\nweight_kg: 70\n"


def test_an_unknown_operator_in_a_ruleset(tmp_path):
    rulesets = tmp_path / "rulesets"
    shutil.copytree(ROOT / "rulesets", rulesets)
    gbs = rulesets / "pathways" / "gbs.yaml"
    text = gbs.read_text()
    assert "plasma_exchange: {in: [" in text
    gbs.write_text(text.replace("plasma_exchange: {in: [", "plasma_exchange: {inn: [", 1))
    patient = tmp_path / "p.yaml"
    patient.write_text(PATIENT)
    result = CliRunner().invoke(app, ["evaluate", str(patient), "--rulesets", str(rulesets)])
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert "unknown operator 'inn'" in message and "Did you mean 'in'?" in message, message
    assert_sentences(message)


def test_a_fhir_value_out_of_range_names_its_resource_inside_the_sentence(tmp_path):
    from ivig_rules.evaluation.evaluator import Evaluator
    from ivig_rules.fhir import load_mapping
    from ivig_rules.fhir.write import bundle_from_facts

    with Evaluator(ROOT / "rulesets", engine="reference") as ev:
        facts = {"id": "g", "diagnosis": "gbs", "age_years": 45, "sex": "female", "weight_kg": 55, "height_cm": 165}
        bundle = bundle_from_facts(facts, load_mapping(ev.vocabulary, ROOT / "rulesets"), ev.vocabulary)
    weight = next(e["resource"] for e in bundle["entry"]
                  if e["resource"]["resourceType"] == "Observation" and e["resource"]["code"]["coding"][0]["code"] == "29463-7")
    weight["valueQuantity"]["value"] = 4000
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle))
    result = CliRunner().invoke(app, ["evaluate", str(path)])
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert f"(read from Observation/{weight['id']})." in message, message
    assert_sentences(message)
