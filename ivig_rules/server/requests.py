"""Builds CDS Hooks requests from a patient Bundle: for the tests, the benchmark and the README.

The prefetch is split by resource type as an EHR that honours the discovery document's
templates would send it; the IVIG order (a draft MedicationRequest) goes in draftOrders.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["hook_request", "ivig_draft_order"]

_KEYS = {"Condition": "conditions", "Observation": "observations", "MedicationStatement": "medicationStatements",
         "MedicationRequest": "medicationRequests", "Procedure": "procedures", "AllergyIntolerance": "allergies"}


def ivig_draft_order(patient_id: str, *, dose_g: float | None = None, order_id: str = "ivig-draft") -> dict:
    order: dict[str, Any] = {
        "resourceType": "MedicationRequest", "id": order_id, "status": "draft", "intent": "order",
        "subject": {"reference": f"Patient/{patient_id}"},
        "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "J06BA02",
                                                  "display": "Immunoglobulins, normal human, for intravascular adm."}]},
    }
    if dose_g is not None:
        order["dosageInstruction"] = [{"doseAndRate": [{"doseQuantity": {
            "value": dose_g, "unit": "g", "system": "http://unitsofmeasure.org", "code": "g"}}]}]
    return order


def hook_request(bundle: dict, *, hook: str = "order-sign", dose_g: float | None = None,
                 hook_instance: str = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", omit: tuple[str, ...] = ()) -> dict:
    """A CDS Hooks request for one patient Bundle; ``omit`` leaves prefetch keys out."""
    resources = [copy.deepcopy(e["resource"]) for e in bundle.get("entry", []) if "resource" in e]
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    drafts = [r for r in resources if r["resourceType"] == "MedicationRequest" and r.get("status") == "draft"]
    rest = [r for r in resources if r["resourceType"] != "Patient" and r not in drafts]
    if not drafts:
        drafts = [ivig_draft_order(patient["id"], dose_g=dose_g)]
    elif dose_g is not None:
        drafts[0]["dosageInstruction"] = ivig_draft_order(patient["id"], dose_g=dose_g)["dosageInstruction"]
    prefetch: dict[str, Any] = {"patient": patient}
    for key in _KEYS.values():
        prefetch[key] = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    for resource in rest:
        key = _KEYS.get(resource["resourceType"])
        if key:
            prefetch[key]["entry"].append({"resource": resource})
        elif resource["resourceType"] == "Medication":
            for bucket in ("medicationStatements", "medicationRequests"):
                prefetch[bucket]["entry"].append({"resource": resource, "search": {"mode": "include"}})
    for key in omit:
        prefetch.pop(key, None)
    context: dict[str, Any] = {"userId": "Practitioner/example", "patientId": patient["id"],
                               "draftOrders": {"resourceType": "Bundle", "type": "collection",
                                               "entry": [{"resource": d} for d in drafts]}}
    if hook == "order-select":
        context["selections"] = [f"MedicationRequest/{drafts[0]['id']}"]
    return {"hook": hook, "hookInstance": hook_instance, "context": context, "prefetch": prefetch}
