"""FHIR R4 in and out: Bundles and Bulk Data to patient facts, pathways to PlanDefinitions.

The mapping from codes to facts is data (``rulesets/fhir.yaml``, :func:`load_mapping`); the
reader (:func:`read_bundle`) follows it over plain JSON so that it costs microseconds, and the
``fhir.resources`` R4B models (``pip install 'ivig-rules[fhir]'``) validate whole Bundles at
the edges (:func:`validate_bundle`) and every exported resource. See docs/fhir.md.
"""

from __future__ import annotations

from .errors import FhirError, IncompleteRecordError
from .mapping import FhirMapping, load_mapping
from .reader import FhirReading, read_bundle, is_bundle

__all__ = [
    "FhirError",
    "IncompleteRecordError",
    "FhirMapping",
    "load_mapping",
    "FhirReading",
    "read_bundle",
    "is_bundle",
]
