"""From a FHIR record to a validated :class:`~ivig_rules.model.Patient` the evaluator takes.

A fact the record cannot tell (a finished therapy without an outcome) stops the answer only
when a rule of the patient's pathway reads it (:class:`IncompleteRecordError`); other facts the
record does not state take the vocabulary's default, as they do for a YAML patient, and are
listed as not recorded in the output.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..errors import PatientError
from ..evaluation.evaluator import Evaluator
from ..model import Patient
from ..loading.patient import patient_from_mapping
from .errors import FhirError, IncompleteRecordError
from .mapping import FhirMapping, load_mapping
from .reader import FhirReading, read_bundle
from ..model.facts import DIAGNOSIS, treatment_fact

__all__ = ["patient_from_reading", "patient_from_bundle", "needed_facts", "mapping_for"]


def mapping_for(evaluator: Evaluator) -> FhirMapping:
    """The FHIR mapping of the evaluator's rulesets folder."""
    return load_mapping(evaluator.vocabulary, evaluator.catalogue.root)


def needed_facts(evaluator: Evaluator, diagnosis: str) -> frozenset[str]:
    """The facts the rules of a diagnosis's pathway (and the safety screening) read."""
    return evaluator.compiled(diagnosis).facts_read


def patient_from_reading(reading: FhirReading, evaluator: Evaluator, *, file: str | None = None,
                         also_needed: frozenset[str] = frozenset()) -> Patient:
    """The validated patient; :class:`IncompleteRecordError` when a fact the rules (or ``also_needed``) read is unknown."""
    diagnosis = reading.facts.get(DIAGNOSIS)
    if diagnosis in evaluator.catalogue.pathways:
        needed = needed_facts(evaluator, diagnosis) | also_needed
        missing = {fact: why for fact, why in reading.unknown.items() if fact in needed}
        if missing:
            raise IncompleteRecordError(diagnosis, missing, where=file)
    try:
        return patient_from_mapping(reading.facts, evaluator.vocabulary, source=file)
    except PatientError as exc:
        source = reading.sources.get(exc.key or "") or reading.sources.get(
            treatment_fact((exc.key or "").rpartition(".")[2]), ""
        )
        message = exc.message.rstrip().removesuffix(".") + (f" (read from {source})" if source else "")
        raise FhirError(message, file=file, key=exc.key, suggestion=exc.suggestion) from None


def patient_from_bundle(data: Any, evaluator: Evaluator, *, mapping: FhirMapping | None = None,
                        file: str | None = None, as_of: _dt.date | None = None) -> tuple[Patient, FhirReading]:
    reading = read_bundle(data, mapping or mapping_for(evaluator), evaluator.vocabulary, file=file, as_of=as_of)
    return patient_from_reading(reading, evaluator, file=file), reading
