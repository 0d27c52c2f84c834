"""A scenario's patient given as a FHIR Bundle: ``fhir: bundle.json`` (beside the file) or inline."""

from __future__ import annotations

from pathlib import Path

from ..loading import marked_yaml
from ..loading.cursor import Node
from ..errors import PatientError, ScenarioError
from ..model import Patient, Vocabulary
from ..loading.patient import patient_from_mapping
from .errors import FhirError
from .mapping import load_mapping
from .reader import read_bundle

__all__ = ["scenario_patient_from_fhir"]


def scenario_patient_from_fhir(node: Node, vocab: Vocabulary, rulesets: str | Path | None) -> Patient:
    """Read the Bundle a scenario names (or holds) and return its patient; an unknown fact is an error."""
    if isinstance(node.value, str):
        path = Path(node.file or ".").parent / node.text(max_length=500)
        data = marked_yaml.read_file(path)
        name = str(path)
    elif isinstance(node.value, dict):
        data, name = node.value, node.file
    else:
        raise node.error("'fhir' is a Bundle file name (beside the scenario file) or an inline Bundle")
    mapping = load_mapping(vocab, rulesets)
    try:
        reading = read_bundle(data, mapping, vocab, file=name)
        if reading.unknown:
            why = "; ".join(f"{fact}: {reason}" for fact, reason in sorted(reading.unknown.items()))
            raise node.error(f"the Bundle leaves facts unknown, so the scenario would test a guess: {why}")
        return patient_from_mapping(reading.facts, vocab, source=name)
    except (FhirError, PatientError) as exc:
        raise ScenarioError(f"the scenario's FHIR patient: {exc.message}", file=exc.file or node.file,
                            line=exc.line or node.line, key=exc.key, suggestion=exc.suggestion) from None
