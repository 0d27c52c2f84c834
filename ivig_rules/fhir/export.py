"""Pathways as CPG-on-FHIR resources: a PlanDefinition (``eca-rule``) per pathway and an
ActivityDefinition (a MedicationRequest, dose per kg) per IVIG regimen.

Each rule becomes an action whose applicability condition is given in words (``description``)
and as an expression over the data dictionary's facts (language ``text/x-ivig-rules``: the
normalised condition, which ``ivig-rules`` itself evaluates), with its citations. Plain JSON
out; the tests validate every resource with the ``fhir.resources`` R4B models.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..logic.compiler import as_written, fact_of_key
from ..logic.predicates import Cmp, infix
from ..model import Catalogue, Condition, DoseRegimen, Pathway, Rule

__all__ = ["plan_definition", "activity_definition", "to_fhir_resources", "write_fhir", "CANONICAL_BASE",
           "EXPRESSION_LANGUAGE"]

CANONICAL_BASE = "https://ivig-rules.example.org/fhir"
EXPRESSION_LANGUAGE = "text/x-ivig-rules"
_UCUM = "http://unitsofmeasure.org"
_STATUS = {"active": "active", "draft": "draft", "retired": "retired"}
_GROUPS = {"all": (" and ", "true"), "any": (" or ", "false")}


def _fhir_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9\-.]", "-", text)[:64]


def _name(text: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", text) if part)[:255] or "Pathway"


def expression(condition: Condition) -> str:
    """The condition as a compact expression over facts: and/or of comparisons, negation pushed in
    (its written form, so ``in`` lists stay whole)."""
    return infix(as_written(condition), _comparison, _GROUPS)


def _comparison(c: Cmp) -> str:
    value = json.dumps(list(c.value) if isinstance(c.value, tuple) else c.value)
    return f"{fact_of_key(c.key)} {c.op} {value}"


def activity_definition(pathway: Pathway, regimen: DoseRegimen, ivig_coding: dict) -> dict[str, Any]:
    from ..graph import dose_summary

    rid = _fhir_id(f"{pathway.id}-{regimen.id}")
    days = regimen.days.default
    dosage: dict[str, Any] = {
        "text": dose_summary(regimen),
        "route": {"coding": [{"system": "http://snomed.info/sct", "code": "47625008", "display": "Intravenous route"}]},
        "doseAndRate": [{"doseQuantity": {"value": regimen.g_per_kg.default, "unit": "g/kg", "system": _UCUM,
                                          "code": "g/kg"}}],
    }
    if regimen.per == "day":
        dosage["timing"] = {"repeat": {"count": int(days), "frequency": 1, "period": 1, "periodUnit": "d"}}
    elif regimen.per == "course":
        dosage["timing"] = {"repeat": {"boundsDuration": {"value": days, "unit": "d", "system": _UCUM, "code": "d"}}}
        dosage["doseAndRate"][0]["type"] = {"text": "total per course"}
    if regimen.max_g_per_day is not None:
        dosage["maxDosePerPeriod"] = {"numerator": {"value": regimen.max_g_per_day, "unit": "g", "system": _UCUM, "code": "g"},
                                      "denominator": {"value": 1, "unit": "d", "system": _UCUM, "code": "d"}}
    resource = {
        "resourceType": "ActivityDefinition",
        "id": rid,
        "url": f"{CANONICAL_BASE}/ActivityDefinition/{rid}",
        "version": pathway.version,
        "name": _name(f"{pathway.id} {regimen.id}"),
        "title": f"{pathway.title}: IVIG {regimen.phase}",
        "status": _STATUS.get(pathway.status, "draft"),
        "description": (f"{dose_summary(regimen)}, weighed on the dose-determining weight ({regimen.weight_basis}). "
                        f"{regimen.notes}").strip(),
        "kind": "MedicationRequest",
        "intent": "proposal",
        "productCodeableConcept": {"coding": [ivig_coding]},
        "dosage": [dosage],
        "relatedArtifact": [{"type": "citation", "display": c.text or str(c)} for c in regimen.citations] or None,
    }
    return {k: v for k, v in resource.items() if v is not None}


def plan_definition(pathway: Pathway, catalogue: Catalogue, activities: dict[str, str]) -> dict[str, Any]:
    from ..graph import condition_text

    vocab = catalogue.vocabulary
    actions = []
    for rule in pathway.rules:
        actions.append(_action(rule, pathway, activities, vocab, condition_text))
    pid = _fhir_id(pathway.id)
    return {
        "resourceType": "PlanDefinition",
        "id": pid,
        "url": f"{CANONICAL_BASE}/PlanDefinition/{pid}",
        "version": pathway.version,
        "name": _name(pathway.id),
        "title": pathway.title,
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/plan-definition-type", "code": "eca-rule",
                             "display": "ECA Rule"}]},
        "status": _STATUS.get(pathway.status, "draft"),
        "experimental": True,
        "date": pathway.last_reviewed.isoformat(),
        "description": pathway.summary or pathway.title,
        "usage": "Decision support for review by a clinician; not medical advice. Rules are tried in order; the "
                 "first that gives an IVIG verdict decides (docs/ruleset-format.md).",
        "lastReviewDate": pathway.last_reviewed.isoformat(),
        "relatedArtifact": [{"type": "citation", "display": catalogue.vocabulary.sources[s].title
                             if s in catalogue.vocabulary.sources and catalogue.vocabulary.sources[s].title else s}
                            for s in pathway.sources],
        "action": actions,
    }


def _action(rule: Rule, pathway: Pathway, activities: dict[str, str], vocab, condition_text) -> dict[str, Any]:
    outcome = rule.then
    words = condition_text(rule.when, vocab)
    verdict = vocab.verdicts[outcome.ivig].label if outcome.ivig in vocab.verdicts else None
    step = pathway.steps.get(outcome.next_step) if outcome.next_step else None
    said = [x for x in (verdict, f"next: {step.label}" if step else None,
                        f"alerts: {', '.join(outcome.alerts)}" if outcome.alerts else None) if x]
    action: dict[str, Any] = {
        "id": _fhir_id(rule.id),
        "title": rule.id.replace("_", " "),
        "description": rule.description or f"When {words}: {'; '.join(said)}.",
        "textEquivalent": f"When {words}, then {'; '.join(said) or 'no change'}.",
        "condition": [{"kind": "applicability", "expression": {
            "description": words, "language": EXPRESSION_LANGUAGE, "expression": expression(rule.when)}}],
        "documentation": [{"type": "citation", "display": c.text or str(c)} for c in rule.citations] or None,
    }
    dose = outcome.dose or (step.dose if step is not None and outcome.ivig in ("recommended", "consider") else None)
    if dose and dose in activities:
        action["definitionCanonical"] = activities[dose]
    return {k: v for k, v in action.items() if v is not None}


def to_fhir_resources(catalogue: Catalogue, ivig_coding: dict | None = None) -> dict[str, dict]:
    """File name -> resource, for every pathway and every IVIG regimen."""
    ivig_coding = ivig_coding or {"system": "http://www.whocc.no/atc", "code": "J06BA02",
                                  "display": "Immunoglobulins, normal human, for intravascular administration"}
    out: dict[str, dict] = {}
    for pathway in sorted(catalogue.pathways.values(), key=lambda p: p.id):
        activities = {}
        for regimen in pathway.doses.values():
            if regimen.therapy != "ivig":
                continue
            resource = activity_definition(pathway, regimen, ivig_coding)
            activities[regimen.id] = resource["url"]
            out[f"ActivityDefinition-{resource['id']}.json"] = resource
        plan = plan_definition(pathway, catalogue, activities)
        out[f"PlanDefinition-{plan['id']}.json"] = plan
    return out


def write_fhir(catalogue: Catalogue, outdir: str | Path) -> list[Path]:
    from ..output.files import write_file

    folder = Path(outdir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, resource in to_fhir_resources(catalogue).items():
        path = folder / name
        write_file(path, json.dumps(resource, indent=2), what="FHIR resource")
        written.append(path)
    return written


