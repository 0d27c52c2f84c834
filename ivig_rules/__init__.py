"""ivig-rules: an open, source-cited rules knowledge base for IVIG in neurology.

The public API is ``__all__`` below, and it is small: every module (``ivig_rules.engines``,
``ivig_rules.loading`` and the rest) is private by convention and may change between releases;
tests/test_public_api.py keeps the list honest. Use it like this::

    from ivig_rules import Evaluator, load_catalogue
    with Evaluator() as evaluator:                      # durable-rules engine by default
        rec = evaluator.evaluate({"diagnosis": "cidp", "age_years": 50, "sex": "female", "weight_kg": 70})
        print(rec.ivig, rec.next_step, rec.dose.total_g)

Decision support for review by a clinician; not medical advice.
"""

from __future__ import annotations

import importlib
from types import MappingProxyType
from typing import Any

__version__ = "0.1.0"

# name -> module; imported on first use so that `ivig-rules --help` stays fast.
_EXPORTS = MappingProxyType({
    # evaluate
    "Evaluator": ".evaluation.evaluator",
    "Recommendation": ".evaluation.recommendation",
    "Alert": ".evaluation.recommendation",
    "Dose": ".evaluation.dosing",
    "WEIGHT_POLICIES": ".evaluation.dosing",
    "engine_names": ".engines",
    # read
    "load_catalogue": ".loading.catalogue",
    "read_patient": ".loading.patient",
    "patient_from_mapping": ".loading.patient",
    "citation_text": ".model.citations",
    "reference_text": ".model.citations",
    "source_text": ".model.citations",
    # check
    "load_scenarios": ".scenarios.runner",
    "run_scenarios": ".scenarios.runner",
    "RunReport": ".scenarios.runner",
    "lint_paths": ".lint",
    # errors
    "IvigRulesError": ".errors",
    "InputError": ".errors",
    "YamlError": ".errors",
    "SchemaError": ".errors",
    "PatientError": ".errors",
    "ScenarioError": ".errors",
    "EngineError": ".errors",
    "NoDecisionError": ".errors",
})

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ivig_rules' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
