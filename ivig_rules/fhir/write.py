"""Writes a patient's facts as a FHIR R4 Bundle, coded as ``rulesets/fhir.yaml`` reads them.

The inverse of the reader, for tests and examples: every scenario patient becomes a Bundle
that must give the same recommendation as the YAML (``ivig-rules fhir bundle PATIENT``). The
first code listed for each fact is used, so the Bundle shows an informaticist what to send.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Mapping

from ..model import Vocabulary
from .mapping import FhirMapping
from ..model.facts import AGE, DIAGNOSIS, SEX

__all__ = ["bundle_from_facts", "DEFAULT_AS_OF"]

DEFAULT_AS_OF = _dt.date(2026, 1, 15)
_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_STATUS_ORDER = ("active", "recurrence", "relapse", "remission")
_IGA_VALUES = {"normal": 150, "deficient": 3}  # mg/dL
_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
_ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"


def _may_be_unknown(fact: str, vocab: Vocabulary) -> bool:
    """A safety fact whose 'false' must be stated: left out, it reads as not recorded."""
    spec = vocab.facts.get(fact)
    return spec is not None and spec.allows_unknown


def bundle_from_facts(facts: Mapping[str, Any], mapping: FhirMapping, vocab: Vocabulary, *,
                      as_of: _dt.date = DEFAULT_AS_OF, patient_id: str | None = None) -> dict:
    """A collection Bundle (timestamp = ``as_of``) stating exactly the given facts."""
    pid = str(patient_id or facts.get("id") or "patient-1")[:64]
    pid = "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in pid) or "patient-1"
    subject = {"reference": f"Patient/{pid}"}
    entries: list[dict] = []
    counter = iter(range(1, 10_000))

    def add(resource: dict) -> dict:
        resource.setdefault("id", f"{resource['resourceType'][:3].lower()}-{next(counter)}")
        entries.append({"fullUrl": f"urn:uuid:{pid}-{resource['id']}", "resource": resource})
        return resource

    def condition(coding: dict, status: str = "active", **extra: Any) -> dict:
        return add({"resourceType": "Condition", "subject": subject,
                    "clinicalStatus": {"coding": [{"system": _CLINICAL, "code": status}]},
                    "code": {"coding": [coding]}, **extra})

    patient = {"resourceType": "Patient", "id": pid, "gender": facts[SEX],
               "birthDate": _birth_date(facts[AGE], as_of).isoformat()}
    entries.append({"fullUrl": f"urn:uuid:{pid}", "resource": patient})
    # diagnosis, with the clinical status that says recurrent / exacerbation as the facts do
    dmap = mapping.diagnoses[facts[DIAGNOSIS]]
    want_recurrent = bool(facts.get("recurrent"))
    want_exacerbation = bool(facts.get("exacerbation"))
    chosen = None
    for code, statuses in dmap.entries:
        allowed = statuses or mapping.active_clinical_statuses
        for status in _STATUS_ORDER:
            if status not in allowed:
                continue
            gives_recurrent = status in mapping.recurrent_clinical_statuses
            gives_exacerbation = status in mapping.exacerbation_clinical_statuses
            if gives_recurrent == want_recurrent and (gives_exacerbation == want_exacerbation or
                                                      (want_exacerbation and mapping.conditions.get("exacerbation"))):
                chosen = (code, status)
                break
        if chosen:
            break
    if chosen is None:
        raise ValueError(f"fhir.yaml cannot express {facts[DIAGNOSIS]} with recurrent={want_recurrent}, "
                         f"exacerbation={want_exacerbation}")
    extra = {}
    if "severe" in facts and mapping.severe_codes:
        if facts["severe"]:
            extra["severity"] = {"coding": [mapping.severe_codes.codes[0].coding()]}
        else:
            extra["severity"] = {"coding": [{"system": "http://snomed.info/sct", "code": "6736007", "display": "Moderate"}]}
    condition(chosen[0].coding(), chosen[1], **extra)
    if want_exacerbation and chosen[1] not in mapping.exacerbation_clinical_statuses:
        condition(mapping.conditions["exacerbation"].codes[0].coding())
    if dmap.requires_also:
        condition(dmap.requires_also.codes[0].coding())
    # measurements
    for fact, qmap in mapping.observations.items():
        if facts.get(fact) is not None:
            unit = next(u for u, f in qmap.units.items() if f == 1)
            add({"resourceType": "Observation", "status": "final", "subject": subject,
                 "effectiveDateTime": as_of.isoformat(), "code": {"coding": [qmap.codes.codes[0].coding()]},
                 "valueQuantity": {"value": facts[fact], "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}})
    if facts.get("iga") in _IGA_VALUES:
        iga = mapping.iga
        add({"resourceType": "Observation", "status": "final", "subject": subject,
             "effectiveDateTime": as_of.isoformat(), "code": {"coding": [iga.codes.codes[0].coding()]},
             "valueQuantity": {"value": _IGA_VALUES[facts["iga"]] / iga.units.get("mg/dL", 1) if "mg/dL" in iga.units
                               else _IGA_VALUES[facts["iga"]], "unit": "mg/dL" if "mg/dL" in iga.units else iga.unit,
                               "system": "http://unitsofmeasure.org", "code": "mg/dL" if "mg/dL" in iga.units else iga.unit}})
    # boolean facts; a safety fact recorded as absent is a refuted Condition (or AllergyIntolerance)
    for fact, codes in mapping.conditions.items():
        if fact in ("exacerbation",):
            continue
        if facts.get(fact) is True or (facts.get(fact) is False and _may_be_unknown(fact, vocab)):
            if not codes:
                raise ValueError(f"fhir.yaml lists no code for {fact}, so a record cannot say it")
            if facts[fact] is True:
                condition(codes.codes[0].coding())
            else:
                condition(codes.codes[0].coding(), verificationStatus={"coding": [{"system": _VERIFICATION, "code": "refuted"}]})
    hypersensitive = facts.get(mapping.hypersensitivity_fact)
    if hypersensitive is True or (hypersensitive is False and _may_be_unknown(mapping.hypersensitivity_fact, vocab)):
        allergy = {"resourceType": "AllergyIntolerance", "patient": subject,
                   "code": {"coding": [mapping.ivig_codes.codes[0].coding()]}}
        if hypersensitive:
            allergy["clinicalStatus"] = {"coding": [{"system": _ALLERGY_CLINICAL, "code": "active"}]}
        else:
            allergy["verificationStatus"] = {"coding": [{"system": _ALLERGY_VERIFICATION, "code": "refuted"}]}
        add(allergy)
    # therapies
    treatments = facts.get("treatments") or {}
    outcomes = dict(mapping.status.outcomes)
    for therapy, status in sorted(treatments.items()):
        if status == vocab.default_status:
            continue
        code = mapping.therapies[therapy].codes[0]
        procedure = code.system == "http://snomed.info/sct"
        resource: dict[str, Any] = {"resourceType": "Procedure" if procedure else "MedicationStatement",
                                    "subject": subject}
        if procedure:
            resource["code"] = {"coding": [code.coding()]}
        else:
            resource["medicationCodeableConcept"] = {"coding": [code.coding()]}
        reason = {"coding": [outcomes[status].codes[0].coding()]} if status in outcomes else None
        if status == "ongoing":
            resource["status"] = "in-progress" if procedure else "active"
        elif status == "contraindicated":
            resource["status"] = "not-done" if procedure else "not-taken"
            resource["statusReason"] = reason if procedure else [reason]
        else:
            resource["status"] = "completed" if procedure or status == "responded" else "stopped"
            if procedure:
                resource["outcome"] = reason
            else:
                resource["statusReason"] = [reason]
        key = "performedDateTime" if procedure else "effectiveDateTime"
        resource[key] = (as_of - _dt.timedelta(days=7)).isoformat()
        add(resource)
    return {"resourceType": "Bundle", "type": "collection", "timestamp": f"{as_of.isoformat()}T09:00:00Z",
            "entry": entries}


def _birth_date(age_years: float, as_of: _dt.date) -> _dt.date:
    """A birth date that gives exactly ``age_years`` at ``as_of`` (whole years, or months under 2)."""
    months = round(float(age_years) * 12)
    year, month = as_of.year, as_of.month - months
    while month < 1:
        month += 12
        year -= 1
    day = min(as_of.day, 28)
    return _dt.date(year, month, day)
