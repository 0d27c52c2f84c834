"""One door for a patient file that may be YAML/JSON facts or a FHIR Bundle (evaluate, explain)."""

from __future__ import annotations

from typing import Any

from ..loading import marked_yaml
from ..loading.cursor import root
from ..errors import PatientError
from ..evaluation.evaluator import Evaluator
from ..analysis.explain import given_facts
from ..model import Patient
from ..loading.patient import parse_patient
from .evaluate import patient_from_bundle
from .r4b import validate_resource
from .reader import FhirReading, is_bundle

__all__ = ["read_patient_input", "patient_from_data"]


def patient_from_data(data: Any, evaluator: Evaluator, name: str | None, *, validate: bool = True
                      ) -> tuple[Patient, frozenset[str], FhirReading | None]:
    """The patient, the facts the input states, and the FHIR reading when the input was a Bundle."""
    if is_bundle(data):
        if validate:
            validate_resource(data, file=name)
        patient, reading = patient_from_bundle(data, evaluator, file=name)
        return patient, frozenset(reading.sources), reading
    patient = parse_patient(root(data, name, PatientError), evaluator.vocabulary)
    return patient, given_facts(data), None


def read_patient_input(path: str, evaluator: Evaluator) -> tuple[Patient, frozenset[str], FhirReading | None]:
    """Read a patient file (``-`` for standard input): facts, or a FHIR Bundle validated with R4B."""
    data = marked_yaml.read_file(path)
    return patient_from_data(data, evaluator, "<stdin>" if path == "-" else path)
