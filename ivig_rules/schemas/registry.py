"""The kinds of file that have a JSON Schema, one entry each: light enough for the CLI to list
them at start-up; each kind's schema builder is imported only when a schema is built."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from types import MappingProxyType
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from ._context import Rulesets

__all__ = ["KINDS", "Kind"]


@dataclass(frozen=True)
class Kind:
    """A kind of file: its name, what it is, where the project keeps such files, how its schema is built."""

    name: str
    title: str
    about: str
    files: tuple[str, ...]  # globs relative to the project's root
    builder: str  # "module:function" in this package, imported when a schema is built

    @property
    def build(self) -> Callable[["Rulesets"], tuple[dict, dict]]:
        module, function = self.builder.split(":")
        return getattr(import_module(f"{__package__}.{module}"), function)


KINDS = MappingProxyType({kind.name: kind for kind in (
    Kind("pathway", "ivig-rules pathway file", "A treatment pathway: its steps, doses and rules "
         "(docs/ruleset-format.md).", ("rulesets/pathways/*.yaml",), "rulesets:pathway_schema"),
    Kind("safety", "ivig-rules safety screening", "The safety screening applied on every pathway "
         "(docs/ruleset-format.md).", ("rulesets/safety.yaml",), "rulesets:safety_schema"),
    Kind("vocabulary", "ivig-rules vocabulary", "The data dictionary: facts, therapies, statuses, verdicts, "
         "evidence levels, alerts and advice (docs/vocabulary.md).", ("rulesets/vocabulary.yaml",), "vocabulary:vocabulary_schema"),
    Kind("sources", "ivig-rules sources", "Every source a rule may cite, with its reference lists "
         "(docs/ruleset-format.md).", ("rulesets/sources.yaml",), "vocabulary:sources_schema"),
    Kind("fhir", "ivig-rules FHIR mapping", "How FHIR R4 codes, units and resource states map to patient facts "
         "(docs/fhir.md).", ("rulesets/fhir.yaml",), "fhir:fhir_schema"),
    Kind("scenario", "ivig-rules scenario file", "Patients with the recommendation a clinician expects "
         "(docs/scenarios.md).", ("scenarios/*.yaml",), "patients:scenario_schema"),
    Kind("patient", "ivig-rules patient", "One patient's facts, for ivig-rules evaluate and explain "
         "(docs/vocabulary.md).", (), "patients:patient_schema"),
)})
