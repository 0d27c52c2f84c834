"""Shared fixtures: the project's catalogue, and an evaluator per engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivig_rules.catalogue import load_catalogue
from ivig_rules.evaluator import Evaluator

ROOT = Path(__file__).resolve().parent.parent
RULESETS = ROOT / "rulesets"
SCENARIOS = ROOT / "scenarios"


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
