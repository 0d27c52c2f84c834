"""`ivig-rules export fhir`: PlanDefinitions and ActivityDefinitions, each valid against the R4B models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ivig_rules.cli.app import app
from ivig_rules.fhir.export import EXPRESSION_LANGUAGE

pytest.importorskip("fhir.resources", reason="pip install -e '.[test]'")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("fhir")
    result = CliRunner().invoke(app, ["export", "fhir", str(out), "--rulesets", str(ROOT / "rulesets")])
    assert result.exit_code == 0, result.output
    return {p.name: json.loads(p.read_text()) for p in out.glob("*.json")}


def test_every_resource_is_valid_r4(exported):
    from fhir.resources.R4B.activitydefinition import ActivityDefinition
    from fhir.resources.R4B.plandefinition import PlanDefinition

    models = {"PlanDefinition": PlanDefinition, "ActivityDefinition": ActivityDefinition}
    for name, data in exported.items():
        model = models[data["resourceType"]].model_validate(data)
        assert model.id == data["id"], name


def test_one_eca_plan_per_pathway_with_every_rule(exported, catalogue):
    plans = {d["id"]: d for d in exported.values() if d["resourceType"] == "PlanDefinition"}
    assert len(plans) == len(catalogue.pathways)
    for pathway in catalogue.pathways.values():
        plan = plans[pathway.id.replace("_", "-")]
        assert plan["type"]["coding"][0]["code"] == "eca-rule"
        assert [a["id"] for a in plan["action"]] == [r.id.replace("_", "-") for r in pathway.rules]
        for action in plan["action"]:
            condition = action["condition"][0]
            assert condition["kind"] == "applicability"
            assert condition["expression"]["language"] == EXPRESSION_LANGUAGE
            assert condition["expression"]["description"] and condition["expression"]["expression"]


def test_ivig_regimens_are_medication_requests_per_kg(exported, catalogue):
    activities = {d["url"]: d for d in exported.values() if d["resourceType"] == "ActivityDefinition"}
    regimens = [(p, r) for p in catalogue.pathways.values() for r in p.doses.values() if r.therapy == "ivig"]
    assert len(activities) == len(regimens)
    for pathway, regimen in regimens:
        activity = next(a for a in activities.values() if a["id"] == f"{pathway.id}-{regimen.id}".replace("_", "-"))
        assert activity["kind"] == "MedicationRequest"
        assert activity["productCodeableConcept"]["coding"][0]["code"] == "J06BA02"
        quantity = activity["dosage"][0]["doseAndRate"][0]["doseQuantity"]
        assert quantity == {"value": regimen.g_per_kg.default, "unit": "g/kg", "system": "http://unitsofmeasure.org", "code": "g/kg"}
    linked = {a["definitionCanonical"] for d in exported.values() if d["resourceType"] == "PlanDefinition"
              for a in d["action"] if "definitionCanonical" in a}
    assert linked and linked <= set(activities)


def test_the_expression_pushes_negation_in_and_keeps_lists_and_brackets():
    from ivig_rules.fhir.export import expression
    from ivig_rules.model import AllOf, AnyOf, Compare, Not

    cond = AllOf((
        Not(AnyOf((Compare("treatments.ivig", "in", ("failed", "intolerant")), Compare("age_years", "<", 18)))),
        AnyOf((Compare("severe", "==", True), AllOf(()))),
    ))
    assert expression(cond) == (
        '(treatments.ivig not_in ["failed", "intolerant"] and age_years >= 18) and (severe == true or true)'
    )
    assert expression(AnyOf(())) == "false"
