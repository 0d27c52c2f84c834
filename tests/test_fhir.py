"""FHIR R4 in: the mapping file, the reader, the CLI, scenario files and Bulk Data audits."""

from __future__ import annotations

import copy
import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ivig_rules.cli.app import app
from ivig_rules.errors import SchemaError, ScenarioError
from ivig_rules.evaluation.evaluator import Evaluator
from ivig_rules.fhir import FhirError, IncompleteRecordError, load_mapping, read_bundle
from ivig_rules.fhir.evaluate import patient_from_bundle
from ivig_rules.fhir.write import bundle_from_facts
from ivig_rules.model.facts import is_treatment, therapy_of
from ivig_rules.scenarios.runner import load_scenarios
from ivig_rules.scenarios.files import load_scenario_file

ROOT = Path(__file__).resolve().parent.parent
RULESETS = ROOT / "rulesets"
runner = CliRunner()
GBS = {"id": "g", "diagnosis": "gbs", "age_years": 45, "sex": "female", "weight_kg": 55, "height_cm": 165, "iga": "normal"}


@pytest.fixture(scope="module")
def ev():
    with Evaluator(RULESETS, engine="reference") as evaluator:
        yield evaluator


@pytest.fixture(scope="module")
def mapping(ev):
    return load_mapping(ev.vocabulary, RULESETS)


def bundle(mapping, ev, **changes):
    return bundle_from_facts({**GBS, **changes}, mapping, ev.vocabulary)


def resources(b, kind):
    return [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == kind]


def observation(b, loinc):
    return next(r for r in resources(b, "Observation") if r["code"]["coding"][0]["code"] == loinc)


# -- the mapping file ---------------------------------------------------------------------


def test_mapping_ships_the_codes_the_issue_names(mapping):
    systems = {(c.system, c.code) for d in mapping.diagnoses.values() for c, _ in d.entries}
    for diagnosis in mapping.diagnoses.values():
        urls = {c.system for c, _ in diagnosis.entries}
        assert {"http://snomed.info/sct", "http://hl7.org/fhir/sid/icd-10-cm"} <= urls, diagnosis.diagnosis
    assert ("http://snomed.info/sct", "40956001") in systems
    assert [c.code for c in mapping.observations["weight_kg"].codes.codes] == ["29463-7"]
    assert [c.code for c in mapping.observations["height_cm"].codes.codes] == ["8302-2"]
    assert {"kg", "g", "[lb_av]"} <= set(mapping.observations["weight_kg"].units)
    assert {"cm", "m", "[in_i]"} <= set(mapping.observations["height_cm"].units)
    ivig = {(c.system, c.code) for c in mapping.ivig_codes.codes}
    assert ("http://www.whocc.no/atc", "J06BA02") in ivig
    assert any(s == "http://www.nlm.nih.gov/research/umls/rxnorm" for s, _ in ivig)


BROKEN = [
    ("weight_kg:\n    codes", "weigth_kg:\n    codes", "unknown fact 'weigth_kg'", "weight_kg"),
    ("  corticosteroids:\n    - {system: atc", "  steroids:\n    - {system: atc", "unknown therapy 'steroids'", None),
    ('{system: loinc, code: 29463-7, display: Body weight}', '{system: lonic, code: 29463-7}', "unknown code system 'lonic'", "loinc"),
    ('"[lb_av]": 0.45359237', '"[lb_av]": -1', "out of range", None),
    ('code: "40956001"', "code: 40956001", "write the code as text", None),
]


@pytest.mark.parametrize("old,new,words,suggestion", BROKEN, ids=[b[2] for b in BROKEN])
def test_a_broken_mapping_names_file_line_and_key(tmp_path, ev, old, new, words, suggestion):
    folder = tmp_path / "rulesets"
    shutil.copytree(RULESETS, folder)
    text = (folder / "fhir.yaml").read_text()
    assert old in text
    (folder / "fhir.yaml").write_text(text.replace(old, new, 1))
    with pytest.raises(SchemaError) as caught:
        load_mapping(ev.vocabulary, folder)
    message = str(caught.value)
    assert words in message and f"{folder / 'fhir.yaml'}:" in message
    assert caught.value.line is not None
    if suggestion:
        assert f"Did you mean '{suggestion}'" in message


# -- the reader ---------------------------------------------------------------------------


def test_units_are_converted(mapping, ev):
    b = bundle(mapping, ev)
    observation(b, "29463-7")["valueQuantity"] = {"value": 121.254, "system": "http://unitsofmeasure.org", "code": "[lb_av]"}
    observation(b, "8302-2")["valueQuantity"] = {"value": 1.65, "system": "http://unitsofmeasure.org", "code": "m"}
    observation(b, "2458-8")["valueQuantity"] = {"value": 0.05, "system": "http://unitsofmeasure.org", "code": "g/L"}
    reading = read_bundle(b, mapping, ev.vocabulary)
    assert abs(reading.facts["weight_kg"] - 55) < 0.001 and reading.facts["height_cm"] == 165
    assert reading.facts["iga"] == "deficient"  # 0.05 g/L = 5 mg/dL, below 7


def test_an_unknown_unit_is_refused_not_guessed(mapping, ev):
    b = bundle(mapping, ev)
    observation(b, "29463-7")["valueQuantity"] = {"value": 55, "system": "http://unitsofmeasure.org", "code": "st"}
    with pytest.raises(FhirError) as caught:
        read_bundle(b, mapping, ev.vocabulary, file="p.json")
    assert "'st'" in str(caught.value) and "valueQuantity.code" in str(caught.value)


def test_latest_final_observation_wins(mapping, ev):
    b = bundle(mapping, ev)
    old = copy.deepcopy(observation(b, "29463-7"))
    old.update(id="old", effectiveDateTime="2020-01-01", valueQuantity={**old["valueQuantity"], "value": 90})
    prelim = copy.deepcopy(observation(b, "29463-7"))
    prelim.update(id="prelim", status="preliminary", effectiveDateTime="2030-01-01",
                  valueQuantity={**prelim["valueQuantity"], "value": 99})
    b["entry"] += [{"resource": old}, {"resource": prelim}]
    assert read_bundle(b, mapping, ev.vocabulary).facts["weight_kg"] == 55


@pytest.mark.parametrize("loinc, other", [("29463-7", 27.5), ("2458-8", 0.01)], ids=["weight", "IgA"])
def test_two_different_latest_measurements_are_refused_never_one_picked(mapping, ev, loinc, other):
    """Found by a new user: a second weight on the same date silently halved the dose."""
    b = bundle(mapping, ev)
    twin = copy.deepcopy(observation(b, loinc))
    twin.update(id="twin", valueQuantity={**twin["valueQuantity"], "value": other})
    b["entry"].append({"resource": twin})
    with pytest.raises(FhirError) as caught:
        read_bundle(b, mapping, ev.vocabulary, file="p.json")
    message = str(caught.value)
    assert "Observation/twin" in message and f"Observation/{observation(b, loinc)['id']}" in message, message
    assert "does not choose" in message


def test_the_same_value_measured_twice_at_the_latest_time_is_read(mapping, ev):
    b = bundle(mapping, ev)
    twin = copy.deepcopy(observation(b, "29463-7"))
    twin["id"] = "twin"
    b["entry"].append({"resource": twin})
    assert read_bundle(b, mapping, ev.vocabulary).facts["weight_kg"] == 55


def test_refuted_and_resolved_conditions_do_not_count(mapping, ev):
    """A refuted kidney-disease Condition rules it out (false); a resolved one says nothing (not recorded)."""
    b = bundle(mapping, ev, renal_impairment=True)
    renal = [c for c in resources(b, "Condition") if c["code"]["coding"][0]["code"] == "709044004"][0]
    renal["verificationStatus"] = {"coding": [{"code": "refuted"}]}
    reading = read_bundle(b, mapping, ev.vocabulary)
    assert reading.facts["renal_impairment"] is False and "renal_impairment" not in reading.not_recorded
    del renal["verificationStatus"]
    renal["clinicalStatus"] = {"coding": [{"code": "resolved"}]}
    reading = read_bundle(b, mapping, ev.vocabulary)
    assert "renal_impairment" not in reading.facts and "renal_impairment" in reading.not_recorded


def test_a_safety_fact_nobody_recorded_is_unknown_never_false(mapping, ev):
    """Fail safe through FHIR: no kidney Condition at all is 'not recorded', and the answer says so."""
    from ivig_rules.fhir.evaluate import patient_from_reading

    b = bundle(mapping, ev)
    reading = read_bundle(b, mapping, ev.vocabulary)
    assert "renal_impairment" not in reading.facts and "renal_impairment" in reading.not_recorded
    rec = ev.evaluate(patient_from_reading(reading, ev))
    assert "renal_impairment" in rec.not_recorded and "renal_not_recorded" in rec.alert_ids


def test_two_diagnoses_need_the_orders_reason(mapping, ev):
    b = bundle(mapping, ev)
    cidp = bundle(mapping, ev, diagnosis="cidp")
    b["entry"].append({"resource": {**resources(cidp, "Condition")[0], "id": "cidp"}})
    with pytest.raises(FhirError) as caught:
        read_bundle(b, mapping, ev.vocabulary)
    assert "several pathways (cidp, gbs)" in str(caught.value)
    b["entry"].append({"resource": {"resourceType": "MedicationRequest", "id": "order", "status": "draft", "intent": "order",
                                    "subject": {"reference": "Patient/g"},
                                    "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "J06BA02"}]},
                                    "reasonReference": [{"reference": "Condition/cidp"}]}})
    reading = read_bundle(b, mapping, ev.vocabulary)
    assert reading.facts["diagnosis"] == "cidp" and reading.sources["diagnosis"] == "MedicationRequest/order"


def test_ms_relapse_outranks_prevention(mapping, ev):
    b = bundle(mapping, ev, diagnosis="ms_relapse")
    b["entry"].append({"resource": {"resourceType": "Condition", "id": "ms", "subject": {"reference": "Patient/g"},
                                    "clinicalStatus": {"coding": [{"code": "active"}]},
                                    "code": {"coding": [{"system": "http://snomed.info/sct", "code": "24700007"}]}}})
    assert read_bundle(b, mapping, ev.vocabulary).facts["diagnosis"] == "ms_relapse"


def test_finished_therapy_without_outcome_is_unknown_and_stops_the_answer(mapping, ev):
    b = bundle(mapping, ev, diagnosis="ms_relapse", treatments={"corticosteroids": "failed"})
    steroid = resources(b, "MedicationStatement")[0]
    del steroid["statusReason"]
    reading = read_bundle(b, mapping, ev.vocabulary)
    assert "records no outcome" in reading.unknown["treatments.corticosteroids"]
    with pytest.raises(IncompleteRecordError) as caught:
        patient_from_bundle(b, ev, mapping=mapping)
    assert caught.value.exit_code == 3 and "treatments.corticosteroids" in str(caught.value)


def test_unknown_outcome_of_a_therapy_the_pathway_does_not_read_does_not_block(mapping, ev):
    b = bundle(mapping, ev, treatments={"antiseizure_medication": "failed"})
    del resources(b, "MedicationStatement")[0]["statusReason"]
    patient, reading = patient_from_bundle(b, ev, mapping=mapping)
    assert ev.evaluate(patient).ivig == "recommended"
    assert "treatments.antiseizure_medication" in reading.unknown


def test_a_resource_of_another_patient_is_refused(mapping, ev):
    b = bundle(mapping, ev)
    observation(b, "29463-7")["subject"] = {"reference": "Patient/someone-else"}
    with pytest.raises(FhirError, match="not to this record's patient"):
        read_bundle(b, mapping, ev.vocabulary)


@pytest.mark.parametrize("gender,birth,words", [("unknown", "1980-01-01", "gender 'unknown'"),
                                                ("female", "1980", "not a full date"),
                                                ("female", None, "no birthDate")])
def test_age_and_sex_are_never_guessed(mapping, ev, gender, birth, words):
    b = bundle(mapping, ev)
    patient = resources(b, "Patient")[0]
    patient["gender"] = gender
    if birth is None:
        del patient["birthDate"]
    else:
        patient["birthDate"] = birth
    with pytest.raises(FhirError, match=words):
        read_bundle(b, mapping, ev.vocabulary)


def test_r4b_models_keep_medication_codeable_concept():
    """The reason for R4B: R5 renamed MedicationStatement.medication[x], and R4 data read with it loses the drug."""
    from ivig_rules.fhir.r4b import validate_resource

    statement = {"resourceType": "MedicationStatement", "status": "completed", "subject": {"reference": "Patient/p"},
                 "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "H02AB04"}]}}
    model = validate_resource(statement)
    assert model.medicationCodeableConcept.coding[0].code == "H02AB04"
    with pytest.raises(FhirError, match="not a valid FHIR R4 MedicationStatement"):
        validate_resource({**statement, "status": 7})


# -- CLI and scenario files -----------------------------------------------------------------


def test_cli_evaluate_and_explain_read_a_bundle(tmp_path, mapping, ev):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(bundle(mapping, ev)))
    result = runner.invoke(app, ["evaluate", str(path), "--json", "--rulesets", str(RULESETS)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ivig"] == "recommended" and data["input"]["sources"]["weight_kg"].startswith("Observation/")
    text = runner.invoke(app, ["explain", str(path), "--rulesets", str(RULESETS)])
    assert text.exit_code == 0 and "Read from FHIR" in text.output


def test_cli_incomplete_record_exits_3(tmp_path, mapping, ev):
    b = bundle(mapping, ev, diagnosis="ms_relapse", treatments={"corticosteroids": "failed"})
    del resources(b, "MedicationStatement")[0]["statusReason"]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(b))
    result = runner.invoke(app, ["evaluate", str(path), "--rulesets", str(RULESETS)])
    assert result.exit_code == 3 and "Not recorded: treatments.corticosteroids" in result.output


def test_cli_invalid_r4_is_exit_2(tmp_path, mapping, ev):
    b = bundle(mapping, ev)
    resources(b, "Patient")[0]["birthDate"] = "not a date"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(b))
    result = runner.invoke(app, ["evaluate", str(path), "--rulesets", str(RULESETS)])
    assert result.exit_code == 2 and "not a valid FHIR R4 Bundle" in result.output and "birthDate" in result.output


def test_scenario_fhir_patients_run(ev):
    files, scenarios = load_scenarios([ROOT / "scenarios" / "fhir.yaml"], ev.vocabulary, rulesets=RULESETS)
    assert len(scenarios) == 4
    from ivig_rules.scenarios.runner import run_scenarios

    report = run_scenarios(scenarios, ev)
    assert report.ok, [r.mismatches for r in report.results]


def test_scenario_fhir_errors(tmp_path, ev):
    (tmp_path / "s.yaml").write_text(
        "scenarios:\n  - name: both\n    patient: {diagnosis: gbs}\n    fhir: x.json\n    expect: {ivig: recommended}\n")
    with pytest.raises(ScenarioError, match="not both"):
        load_scenario_file(tmp_path / "s.yaml", ev.vocabulary, rulesets=RULESETS)
    (tmp_path / "s.yaml").write_text("scenarios:\n  - name: missing\n    fhir: nowhere.json\n    expect: {ivig: recommended}\n")
    with pytest.raises(Exception, match="no such file"):
        load_scenario_file(tmp_path / "s.yaml", ev.vocabulary, rulesets=RULESETS)


# -- Bulk Data ----------------------------------------------------------------------------------


def test_bulk_data_audit_rows_out_equal_patients_in(tmp_path, mapping, ev):
    scenarios = load_scenarios([ROOT / "scenarios"], ev.vocabulary, rulesets=RULESETS)[1][:40]
    folder = tmp_path / "bulk"
    folder.mkdir()
    by_type: dict[str, list[str]] = {}
    expected = {}
    for index, scenario in enumerate(scenarios):
        facts = {k: v for k, v in scenario.patient.facts.items() if not is_treatment(k)}
        facts["treatments"] = {therapy_of(k): v for k, v in scenario.patient.facts.items()
                               if is_treatment(k)}
        facts["id"] = f"p{index:03d}"
        expected[facts["id"]] = ev.evaluate(scenario.patient).ivig
        for entry in bundle_from_facts(facts, mapping, ev.vocabulary)["entry"]:
            resource = entry["resource"]
            for key in ("subject", "patient"):
                if key in resource:
                    resource[key] = {"reference": f"Patient/{facts['id']}"}
            by_type.setdefault(resource["resourceType"], []).append(json.dumps(resource))
    by_type["Patient"].insert(3, "{broken")
    by_type["Observation"].append(json.dumps({"resourceType": "Observation", "status": "final",
                                              "subject": {"reference": "Patient/nobody"}}))
    for kind, lines in by_type.items():
        (folder / f"{kind}.ndjson").write_text("\n".join(lines) + "\n")
    out = tmp_path / "results.csv"
    result = runner.invoke(app, ["audit", str(folder), "-o", str(out), "--workers", "0", "--rulesets", str(RULESETS)])
    assert result.exit_code == 1, result.output  # the broken Patient line is an error row
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == len(scenarios) + 1
    assert rows[3]["error"] and "Patient.ndjson:4" in rows[3]["error"]
    got = {r["patient_id"]: r["verdict"] for r in rows if not r["error"]}
    assert got == expected
    assert "no Patient" in result.output  # the orphan Observation is reported


def test_shipped_and_written_bundles_are_valid_r4(mapping, ev):
    """The example Bundles and every scenario patient written as FHIR pass the R4B models."""
    from ivig_rules.fhir.r4b import validate_resource

    for path in sorted((ROOT / "scenarios" / "fhir").glob("*.json")):
        validate_resource(json.loads(path.read_text()), file=str(path))
    scenarios = load_scenarios([ROOT / "scenarios"], ev.vocabulary, rulesets=RULESETS)[1]
    for scenario in scenarios:
        facts = {k: v for k, v in scenario.patient.facts.items() if not is_treatment(k)}
        facts["treatments"] = {therapy_of(k): v for k, v in scenario.patient.facts.items()
                               if is_treatment(k)}
        validate_resource(bundle_from_facts(facts, mapping, ev.vocabulary), file=scenario.name)
