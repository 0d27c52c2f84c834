"""Shared fixtures: the project's catalogue, and an evaluator per engine."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from ivig_rules.loading.catalogue import load_catalogue
from ivig_rules.evaluation.evaluator import Evaluator

ROOT = Path(__file__).resolve().parent.parent
RULESETS = ROOT / "rulesets"
SCENARIOS = ROOT / "scenarios"

# The fuzz campaigns (tests/test_fuzz_*.py, docs/testing.md): a quick, seeded run in the suite,
# a long one with campaigns/long.sh (--hypothesis-profile=long --hypothesis-seed=N).
_FUZZ = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture], print_blob=True)
settings.register_profile("quick", max_examples=40, derandomize=True, **_FUZZ)
settings.register_profile("long", max_examples=int(os.environ.get("IVIG_RULES_FUZZ_EXAMPLES", "2000")), **_FUZZ)
settings.load_profile(os.environ.get("IVIG_RULES_FUZZ_PROFILE", "quick"))


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue(RULESETS)


@pytest.fixture(scope="session")
def vocab(catalogue):
    return catalogue.vocabulary


@pytest.fixture(params=["durable", "reference"])
def evaluator(request, catalogue):
    with Evaluator(catalogue, engine=request.param) as ev:
        yield ev


@pytest.fixture
def durable(catalogue):
    with Evaluator(catalogue, engine="durable") as ev:
        yield ev


@pytest.fixture
def reference(catalogue):
    with Evaluator(catalogue, engine="reference") as ev:
        yield ev


def adult(**facts):
    """A minimal valid adult patient; facts override."""
    base = {"age_years": 45, "sex": "female"}
    base.update(facts)
    return base
