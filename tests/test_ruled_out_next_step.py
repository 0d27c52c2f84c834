"""When the safety screening rules IVIG out, the next step is the pathway's own for a patient
whose IVIG is recorded as contraindicated: two ways of saying one thing give one step."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conftest import SCENARIOS
from ivig_rules.evaluation.evaluator import Evaluator
from ivig_rules.model import TREATMENT_PREFIX
from ivig_rules.scenarios.runner import load_scenarios

IVIG = TREATMENT_PREFIX + "ivig"


def _gives_ivig(evaluator, patient) -> bool:
    return evaluator.evaluate(patient).ivig in ("recommended", "consider")


@pytest.mark.parametrize("engine", ["reference", "durable"])
def test_a_known_hypersensitivity_leads_where_a_recorded_contraindication_does(engine):
    with Evaluator(engine=engine) as evaluator:
        scenarios = load_scenarios([SCENARIOS], evaluator.vocabulary)[1]
        checked = set()
        for scenario in scenarios:
            patient = scenario.patient
            if patient.facts.get("hypersensitivity_to_ig") is True or not _gives_ivig(evaluator, patient):
                continue
            allergic = replace(patient, facts={**patient.facts, "hypersensitivity_to_ig": True})
            recorded = replace(patient, facts={**patient.facts, IVIG: "contraindicated", "hypersensitivity_to_ig": False})
            screened, pathway = evaluator.evaluate(allergic), evaluator.evaluate(recorded)
            assert screened.ivig == "contraindicated" and screened.decided_by == "safety.hypersensitivity", scenario.where
            if pathway.ivig == "contraindicated" and pathway.next_step is not None:
                assert (screened.next_step, screened.step) == (pathway.next_step, pathway.step), scenario.where
                if evaluator.evaluate(patient).next_step == "ivig":  # the step was IVIG: a note says where it went
                    assert any(pathway.decided_by in note for note in screened.notes), scenario.where
                checked.add(patient.diagnosis)
            assert screened.dose is None or screened.dose.therapy != "ivig", scenario.where
    assert {"gbs", "cidp", "adem", "mmn"} <= checked  # pathways with a step after IVIG is ruled out
