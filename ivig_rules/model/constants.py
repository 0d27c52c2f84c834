"""The closed lists and numeric limits every layer shares: verdicts, severities, operators."""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping, Union


Scalar = Union[str, int, float, bool]

TREATMENT_PREFIX = "treatments."
VERDICTS = (
    "recommended", "consider", "not_yet", "not_indicated", "contraindicated", "no_guidance", "specialist_review",
)
SCREENING_VERDICTS = ("contraindicated", "specialist_review")  # the verdicts a screening rule may give, strongest first
UNKNOWN = "unknown"  # the value of a true/false fact nobody recorded
WEIGHT_MISSING = "weight_missing"
"""The alert the evaluator raises itself when a regimen has no dose because no body weight was
recorded (fail safe), so every vocabulary must define it."""
SEVERITIES = ("contraindication", "caution", "info")
OPERATORS = ("==", "!=", "<", "<=", ">", ">=", "in", "not_in")
PHASES = ("induction", "maintenance")
DOSE_BASES = ("course", "day", "infusion")
STEP_START = "start"
DOSE_LIMIT_FIELDS = ("g_per_kg", "days", "interval_weeks", "max_g_per_day")
LARGEST_NUMBER = 10**15
"""No number a rule or a patient gives may reach this: durable-rules cannot read the exponent
form (1e+16) JSON uses for floats this large, and floats stop being exact integers here."""
DECIMALS = 4
"""Patient numbers are kept to 4 decimal places (JSON writes smaller steps in exponent form,
which durable-rules cannot read), so thresholds are written with at most 4 as well."""


def frozen_map(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))
