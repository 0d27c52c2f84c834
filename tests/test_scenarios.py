"""Every project scenario passes on both engines: the clinical check, as one test per engine."""

from __future__ import annotations

import pytest

from conftest import SCENARIOS
from ivig_rules.evaluation.evaluator import Evaluator
from ivig_rules.scenarios.runner import load_scenarios, run_scenarios


@pytest.mark.parametrize("engine", ["durable", "reference"])
def test_every_project_scenario_passes(catalogue, engine):
    files, scenarios = load_scenarios([SCENARIOS], catalogue.vocabulary)
    with Evaluator(catalogue, engine=engine) as evaluator:
        report = run_scenarios(scenarios, evaluator, files=files)
    failed = [f"{r.scenario.where} {r.scenario.name}: {r.status}" for r in report.results if r.status not in ("passed", "skipped")]
    assert failed == []
    assert report.count("passed") >= 200
