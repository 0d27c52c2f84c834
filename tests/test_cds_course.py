"""A CDS Hooks card keeps the course length: its words, and the FHIR R4 Timing of the suggested order.

For every IVIG regimen a scenario reaches with a dose, an order-sign call with half the dose
gets a card whose summary and detail say how many days (and how often the course repeats), and
a suggested MedicationRequest whose dosage carries the same as a Timing, valid against the
``fhir.resources`` R4B models.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("fhir.resources", reason="pip install -e '.[fhir]'")

from ivig_rules.evaluation.evaluator import Evaluator  # noqa: E402
from ivig_rules.fhir.evaluate import mapping_for  # noqa: E402
from ivig_rules.fhir.r4b import validate_resource  # noqa: E402
from ivig_rules.fhir.write import bundle_from_facts  # noqa: E402
from ivig_rules.model.facts import is_treatment, therapy_of  # noqa: E402
from ivig_rules.scenarios.runner import load_scenarios  # noqa: E402
from ivig_rules.server.cds import handle_hook  # noqa: E402
from ivig_rules.server.requests import hook_request  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# (pathway, regimen) -> (days, interval in weeks) as the rulesets give them: what the card must keep
EXPECTED_COURSES = {
    ("gbs", "course"): (5, None),
    ("cidp", "induction"): (5, None),
    ("cidp", "maintenance"): (1, 4),
    ("dermatomyositis", "monthly_course"): (5, 4),
    ("ms_relapse", "relapse_course"): (5, None),
    ("ms_prevention", "maintenance"): (1, 4),
}


@pytest.fixture(scope="module")
def local():
    with Evaluator(ROOT / "rulesets", engine="reference") as evaluator:
        yield evaluator


@pytest.fixture(scope="module")
def dosed(local):
    """One scenario patient per (pathway, IVIG regimen) that gets a dose, with its recommendation."""
    found = {}
    for scenario in load_scenarios([ROOT / "scenarios"], local.vocabulary, rulesets=ROOT / "rulesets")[1]:
        rec = local.evaluate(scenario.patient)
        if rec.dose is not None and rec.dose.therapy == "ivig" and rec.ivig in ("recommended", "consider"):
            found.setdefault((rec.pathway, rec.dose.regimen), (scenario, rec))
    return found


def _facts(patient) -> dict:
    facts = {k: v for k, v in patient.facts.items() if not is_treatment(k)}
    facts["treatments"] = {therapy_of(k): v for k, v in patient.facts.items() if is_treatment(k)}
    return facts


def _card(local, scenario, grams: float) -> dict:
    bundle = bundle_from_facts(_facts(scenario.patient), mapping_for(local), local.vocabulary)
    answer = handle_hook("ivig-order-sign", hook_request(bundle, dose_g=grams), local, mapping_for(local), "http://ehr.example")
    (card,) = answer["cards"]
    return card


def test_the_scenarios_reach_the_regimens_named_here(dosed):
    assert set(EXPECTED_COURSES) <= set(dosed)


@pytest.mark.parametrize("key", sorted(EXPECTED_COURSES), ids=lambda k: f"{k[0]}-{k[1]}")
def test_card_and_suggested_order_keep_the_course_length(local, dosed, key):
    scenario, rec = dosed[key]
    days, every = EXPECTED_COURSES[key]
    dose = rec.dose
    assert (dose.days, dose.interval_weeks) == (days, every), "the ruleset changed: update EXPECTED_COURSES"
    card = _card(local, scenario, round(dose.per_day_g / 2, 2))
    grams = f"{dose.per_day_g:g} g"
    words = f"{grams} a day for {days} days" if days > 1 else f"{grams} in one infusion"
    if every is not None:
        words += f", every {every:g} weeks"
    assert words in card["summary"] and len(card["summary"]) < 140, card["summary"]
    assert words in card["detail"]
    assert f"g/kg per {dose.per}, over {days} day{'s' if days > 1 else ''}\n" in card["detail"], card["detail"]

    order = card["suggestions"][0]["actions"][0]["resource"]
    validate_resource(order)  # a valid FHIR R4 MedicationRequest (R4B models)
    dosage = order["dosageInstruction"][0]
    assert words in dosage["text"]
    assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == dose.per_day_g
    repeat = dosage["timing"]["repeat"]
    if days > 1:
        assert (repeat["count"], repeat["frequency"], repeat["period"], repeat["periodUnit"]) == (days, 1, 1, "d")
        assert repeat["boundsDuration"] == {"value": days, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"}
    elif every is not None:
        assert (repeat["frequency"], repeat["period"], repeat["periodUnit"]) == (1, every, "wk") and "count" not in repeat
    if days > 1 and every is not None:
        assert dosage["additionalInstruction"] == [{"text": f"Repeat the {days}-day course every {every:g} weeks."}]
    else:
        assert "additionalInstruction" not in dosage


@pytest.mark.parametrize("key", sorted(EXPECTED_COURSES), ids=lambda k: f"{k[0]}-{k[1]}")
def test_without_a_weight_the_card_gives_the_regimen_and_says_the_order_is_not_checked(local, dosed, key):
    """Fail safe: no weight, no grams; the card still gives the regimen per kg with its course
    length, says the dose needs the weight, and does not pass the order's grams as checked."""
    scenario, rec = dosed[key]
    days, every = EXPECTED_COURSES[key]
    facts = _facts(scenario.patient)
    facts.pop("weight_kg")
    bundle = bundle_from_facts(facts, mapping_for(local), local.vocabulary)
    answer = handle_hook("ivig-order-sign", hook_request(bundle, dose_g=20), local, mapping_for(local), "http://ehr.example")
    (card,) = answer["cards"]
    per_kg = f"{rec.dose.g_per_kg:g} g/kg per {rec.dose.per}"
    length = f"over {days} day{'s' if days > 1 else ''}"
    assert per_kg in card["summary"] and length in card["summary"] and "weight" in card["summary"], card["summary"]
    assert len(card["summary"]) < 140
    detail = card["detail"]
    repeats = f", every {every:g} weeks" if every is not None else ""
    assert f"- {per_kg}, {length}{repeats}\n" in detail, detail
    assert "dose in grams: not worked out; it needs the body weight, which was not recorded" in detail
    assert "the order gives 20 g: not checked" in detail
    assert "suggestions" not in card and card["indicator"] == "warning"
    assert "weight_kg" not in detail.split("default was used:")[-1].split("\n")[0]


def test_the_card_gives_the_ranges_the_sources_allow_beside_the_default(local, dosed):
    """ADEM: 2 g/kg over 2 to 5 days; the card's '... a day for 5 days' is the ruleset's default,
    and the card says so, with what changes when fewer days are chosen."""
    scenario, rec = dosed[("adem", "ivig_induction")]
    assert rec.dose.days_range == (2, 5) and rec.dose.per == "course", "the ruleset changed: pick another regimen"
    card = _card(local, scenario, 10)
    assert "the sources allow 2 to 5 days; the figures above use the ruleset's default" in card["detail"], card["detail"]
    assert "spread over fewer days, each day's grams are higher" in card["detail"]
    scenario, rec = dosed[("gbs", "course")]
    assert not (rec.dose.days_range or rec.dose.g_per_kg_range or rec.dose.interval_weeks_range)
    assert "the sources allow" not in _card(local, scenario, 10)["detail"]  # one figure in the sources: no range line
