"""The schema of the FHIR mapping (rulesets/fhir.yaml), from fhir/mapping.py's key tables.

Diagnoses, facts, therapies and treatment statuses are the vocabulary's, listed so an editor
completes them; the code systems a code names are the file's own (``systems``), checked by the
loader.
"""

from __future__ import annotations

from ..fhir.mapping import (
    CLINICAL_STATUSES,
    CODE,
    DIAGNOSIS,
    DIAGNOSIS_CODE,
    DIAGNOSIS_CONDITION,
    IGA,
    MAPPING,
    MAPPING_HEADER,
    OBSERVATION,
    ORDER,
    RESOURCE_STATUSES,
    RESOURCE_TYPES_WITH_STATUS,
    STATUSES_BY_TYPE,
    SYSTEM,
    TREATMENT_STATUS,
    VERIFICATION_STATUSES,
)
from ..model import Vocabulary
from ._context import Rulesets
from ._shapes import anything, boolean, choice, mapping, number, ref, seq, text

__all__ = ["fhir_schema"]

_NEVER = {"not": {}}


def _code_fields() -> dict:
    return {
        "system": {"type": "string", "description": "A code system named under 'systems' in this file."},
        "code": text(80, doc="The code, as text (in quotes when it looks like a number)."),
        "display": text(300, doc="The code's display text."),
        "verified": boolean(doc="false: not confirmed against a published code list."),
    }


def _codes(*, nonempty: bool = True, doc: str = "") -> dict:
    return seq(ref("code"), nonempty=nonempty, doc=doc or "Codes, each {system, code, display}.")


def _statuses(allowed, doc: str) -> dict:
    return seq(choice(allowed), doc=doc)


def _units(doc: str) -> dict:
    return {
        "type": "object",
        "additionalProperties": number(0, exclusive_minimum=True),
        "minProperties": 1,
        "description": f"{doc} UCUM unit -> the factor that converts it.",
    }


def _facts_of(vocab: Vocabulary, kind: str, value: dict) -> dict:
    """A mapping keyed by the vocabulary's facts of one type."""
    names = [name for name, spec in vocab.facts.items() if spec.type == kind]
    return {"type": "object", "properties": {name: value for name in names}, "additionalProperties": False}


def _if_fact(vocab: Vocabulary, name: str, kind: str, schema: dict) -> dict:
    """A key that reads the fact ``name``: refused when the vocabulary has no such fact of that type."""
    spec = vocab.facts.get(name)
    if spec is None or spec.type != kind:
        return {**_NEVER, "description": f"The vocabulary has no {kind} fact {name!r} for this to set."}
    return schema


def _diagnosis(vocab: Vocabulary) -> dict:
    diagnoses = vocab.facts["diagnosis"].values
    return mapping(
        DIAGNOSIS,
        {
            "codes": seq(ref("diagnosis_code"), nonempty=True, doc="The Condition codes that mean this diagnosis."),
            "requires_also": _codes(doc="Codes of another Condition the patient must also have."),
            "outranks": seq(choice(diagnoses), doc="Diagnoses this one wins over when both are found."),
            "notes": text(doc="Notes for the reader."),
        },
        table="fhir.mapping.DIAGNOSIS",
    )


def _iga(vocab: Vocabulary) -> dict:
    spec = vocab.facts.get("iga")
    if spec is None or not {"normal", "deficient"} <= set(spec.values or ()):
        return {**_NEVER, "description": "The vocabulary has no iga fact with the values normal and deficient."}
    return mapping(
        IGA,
        {
            "observation_codes": _codes(doc="Codes of the serum IgA Observation."),
            "units": _units("Units of the IgA result."),
            "deficient_below": number(0, exclusive_minimum=True, doc="IgA below this (in 'unit') is deficient."),
            "unit": {"type": "string", "description": "The unit of deficient_below: a unit of 'units' with factor 1."},
            "deficient_conditions": _codes(nonempty=False, doc="Condition codes that mean IgA deficiency."),
            "notes": anything(doc="Notes for the reader."),
        },
        table="fhir.mapping.IGA",
    )


def _treatment_status(vocab: Vocabulary) -> dict:
    by_type = {t: _statuses(RESOURCE_STATUSES[t], f"{t} statuses.") for t in RESOURCE_TYPES_WITH_STATUS}

    def statuses(doc: str) -> dict:
        return mapping(STATUSES_BY_TYPE, by_type, table="fhir.mapping.STATUSES_BY_TYPE",
                       not_null=RESOURCE_TYPES_WITH_STATUS, doc=doc)

    return mapping(
        TREATMENT_STATUS,
        {
            "extension": text(300, doc="The URL of the treatment-status extension."),
            "ongoing": statuses("Resource statuses that mean the therapy is under way."),
            "ignored": statuses("Resource statuses that are not read at all."),
            "outcomes": {
                "type": "object",
                "properties": {status: _codes() for status in vocab.statuses},
                "additionalProperties": False,
                "description": "Treatment status -> the codes (statusReason, outcome) that mean it.",
            },
        },
        table="fhir.mapping.TREATMENT_STATUS",
    )


def fhir_schema(rulesets: Rulesets) -> tuple[dict, dict]:
    vocab = rulesets.vocab
    diagnoses = vocab.facts["diagnosis"].values
    header = mapping(
        MAPPING_HEADER,
        {
            "version": text(40),
            "fhir_version": {**text(), "allOf": [{"pattern": "^4\\."}], "description": "An R4 version: 4.x."},
            "notes": text(doc="Notes for the reader."),
        },
        table="fhir.mapping.MAPPING_HEADER",
    )
    booleans = [name for name, spec in vocab.facts.items() if spec.type == "boolean"]
    therapies = {"type": "object", "properties": {t: _codes(nonempty=False) for t in vocab.therapies},
                 "additionalProperties": False, "required": ["ivig"],
                 "description": "Therapy -> the medication or procedure codes that mean it (ivig: at least one)."}
    therapies["properties"]["ivig"] = _codes(doc="The codes that identify an IVIG order.")
    root = mapping(
        MAPPING,
        {
            "fhir_mapping": header,
            "systems": {
                "type": "object",
                "additionalProperties": mapping(SYSTEM, {"url": text(300), "hierarchical": boolean(
                    doc="true: a listed code also matches the codes below it (G61.8 matches G61.81).")},
                    table="fhir.mapping.SYSTEM"),
                "description": "Code systems by the short name codes use.",
            },
            "diagnoses": {"type": "object", "properties": {d: ref("diagnosis") for d in diagnoses},
                          "additionalProperties": False, "description": "Diagnosis -> the codes that mean it."},
            "observations": {**_facts_of(vocab, "number", mapping(
                OBSERVATION, {"codes": _codes(), "units": _units("Units of the Observation.")},
                table="fhir.mapping.OBSERVATION")), "description": "Number fact -> its Observation codes and units."},
            "iga": _iga(vocab),
            "conditions": {**_facts_of(vocab, "boolean", _codes(nonempty=False)),
                           "description": "True/false fact -> the Condition codes that make it true."},
            "therapies": therapies,
            "treatment_status": _treatment_status(vocab),
            "order": mapping(
                ORDER,
                {
                    "dose_units": _units("Units of an order's dose."),
                    "per_kg_units": _units("Units of an order's dose per kg."),
                    "tolerance_percent": number(0, 100, doc="How far a draft dose may differ before a suggestion."),
                },
                table="fhir.mapping.ORDER",
            ),
            "hypersensitivity_fact": {**text(80), **choice(booleans),
                                      "description": "The true/false fact an immunoglobulin AllergyIntolerance sets."},
            "active_clinical_statuses": _statuses(CLINICAL_STATUSES, "Clinical statuses that count as active."),
            "ignored_verification_statuses": _statuses(VERIFICATION_STATUSES, "Verification statuses not read."),
            "diagnosis_condition": mapping(
                DIAGNOSIS_CONDITION,
                {
                    "severe_codes": _if_fact(vocab, "severe", "boolean", _codes(doc="Condition.severity codes that mean severe.")),
                    "recurrent_clinical_statuses": _if_fact(vocab, "recurrent", "boolean", _statuses(
                        CLINICAL_STATUSES, "Clinical statuses that mean recurrent.")),
                    "exacerbation_clinical_statuses": _if_fact(vocab, "exacerbation", "boolean", _statuses(
                        CLINICAL_STATUSES, "Clinical statuses that mean an exacerbation.")),
                },
                table="fhir.mapping.DIAGNOSIS_CONDITION",
                doc="What the diagnosis Condition itself says.",
            ),
        },
        table="fhir.mapping.MAPPING",
    )
    code = mapping(CODE, _code_fields(), table="fhir.mapping.CODE")
    diagnosis_code = mapping(
        DIAGNOSIS_CODE,
        {**_code_fields(), "clinical_status": _statuses(CLINICAL_STATUSES, "The clinical statuses it needs (default: any active).")},
        table="fhir.mapping.DIAGNOSIS_CODE",
    )
    return root, {"code": code, "diagnosis_code": diagnosis_code, "diagnosis": _diagnosis(vocab)}
