"""The knowledge model: frozen dataclasses, no I/O.

Loaders build these from YAML; the compiler, engines, dosing, graph and reports read them.
Nothing here knows about files, durable-rules or the command line. Each kind of thing has
its module (constants, sources, vocabulary, conditions, pathway, patient, teaching); this
package gives them all under one name.
"""

from __future__ import annotations

from .conditions import AllOf, AnyOf, Compare, Condition, Not
from .constants import (
    DECIMALS,
    DOSE_BASES,
    DOSE_LIMIT_FIELDS,
    LARGEST_NUMBER,
    OPERATORS,
    PHASES,
    SCREENING_VERDICTS,
    SEVERITIES,
    STEP_START,
    TREATMENT_PREFIX,
    UNKNOWN,
    VERDICTS,
    WEIGHT_MISSING,
    Scalar,
    frozen_map,
)
from .pathway import Amount, Catalogue, DoseRegimen, Outcome, Pathway, Review, Rule, Screening, Step
from .patient import Patient
from .sources import Citation, Reference, Section, Source
from .vocabulary import AdviceSpec, AgeCheck, AlertSpec, ConflictSpec, FactSpec, Position, Term, VaccineInterval, Vocabulary

__all__ = [
    "Scalar",
    "FactSpec",
    "Term",
    "Reference",
    "Review",
    "AdviceSpec",
    "AgeCheck",
    "Position",
    "ConflictSpec",
    "Section",
    "Source",
    "Citation",
    "VaccineInterval",
    "AlertSpec",
    "Vocabulary",
    "Compare",
    "AllOf",
    "AnyOf",
    "Not",
    "Condition",
    "Amount",
    "DoseRegimen",
    "Step",
    "Outcome",
    "Rule",
    "Pathway",
    "Screening",
    "Catalogue",
    "Patient",
    "TREATMENT_PREFIX",  # kept for callers; code outside model/ spells treatment facts with model.facts
    "VERDICTS",
    "SCREENING_VERDICTS",
    "UNKNOWN",
    "SEVERITIES",
    "OPERATORS",
    "DOSE_LIMIT_FIELDS",
    "LARGEST_NUMBER",
    "DECIMALS",
    "PHASES",
    "DOSE_BASES",
    "STEP_START",
    "frozen_map",
]
