"""The public API is ``ivig_rules.__all__`` and nothing else (as httpx tests its own)."""

from __future__ import annotations

import subprocess
import sys

import ivig_rules

PUBLIC = [
    "Alert", "Dose", "EngineError", "Evaluator", "InputError", "IvigRulesError", "NoDecisionError", "PatientError",
    "Recommendation", "RunReport", "ScenarioError", "SchemaError", "WEIGHT_POLICIES", "YamlError", "__version__",
    "citation_text", "engine_names", "lint_paths", "load_catalogue", "load_scenarios", "patient_from_mapping",
    "read_patient", "reference_text", "run_scenarios", "source_text",
]


def test_all_is_the_public_api_sorted():
    assert ivig_rules.__all__ == sorted(PUBLIC)
    assert dir(ivig_rules) == ivig_rules.__all__


def test_every_exported_name_resolves_to_an_ivig_rules_object():
    for name in ivig_rules.__all__:
        value = getattr(ivig_rules, name)
        if name != "__version__" and not isinstance(value, (tuple, frozenset)):
            assert value.__module__.startswith("ivig_rules."), name


def test_a_private_name_is_not_reachable_from_the_package():
    for name in ("make_engine", "compile_pathway", "find_rulesets", "Patient"):
        try:
            getattr(ivig_rules, name)
        except AttributeError as exc:
            assert name in str(exc)
        else:
            raise AssertionError(f"ivig_rules.{name} should not be public")


def test_importing_the_package_loads_nothing_else():
    code = "import sys, ivig_rules; print(sorted(m for m in sys.modules if m.startswith('ivig_rules')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['ivig_rules']"
