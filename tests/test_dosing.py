"""Dose-determining weight and grams: the policy of docs/dosing.md, checked by hand-worked numbers."""

from __future__ import annotations

import pytest

from conftest import adult
from ivig_rules.evaluation.dosing import compute_dose, dosing_weight, ideal_body_weight, round_half_up
from ivig_rules.evaluation.evaluator import Evaluator
from ivig_rules.model import Amount, DoseRegimen
from ivig_rules.loading.patient import patient_from_mapping


def _patient(vocab, **facts):
    return patient_from_mapping(adult(diagnosis="gbs", **facts), vocab)


def _regimen(**kw):
    base = dict(id="r", therapy="ivig", phase="induction", g_per_kg=Amount(2.0), per="course", days=Amount(5))
    base.update(kw)
    return DoseRegimen(**base)


def test_issue_check_man_100kg_175cm(vocab):
    patient = _patient(vocab, sex="male", age_years=40, weight_kg=100, height_cm=175)
    assert round_half_up(ideal_body_weight("male", 175), 1) == 70.5
    weight = dosing_weight(patient)
    assert (weight.kg, weight.basis, weight.ideal_kg) == (82.3, "adjusted", 70.5)
    dose = compute_dose(_regimen(), patient)
    assert (dose.total_g, dose.rounded_total_g, dose.per_day_g) == (164.6, 165.0, 32.92)


def test_female_devine_base(vocab):
    assert round_half_up(ideal_body_weight("female", 165), 1) == 56.9  # 45.5 + 2.3 x 4.96


CHILD = (
    "Actual body weight: the Australian National Blood Authority does not adjust the dosing weight under 18 "
    "(Ontario's calculator adjusts adolescents of at least 152.4 cm and over 50 kg (male) or 45.5 kg (female); "
    "the Australian rule is followed)."
)
NO_HEIGHT = "Actual body weight: height unknown, so the adjusted weight cannot be worked out; give height_cm."
SHORT = (
    "Actual body weight: the Devine formula is defined from 60 inches (152.4 cm), and the Australian "
    "National Blood Authority does not adjust the dosing weight under 152 cm."
)


@pytest.mark.parametrize(
    "facts, basis, kg, ideal, note",
    [
        ({"age_years": 17, "weight_kg": 100, "height_cm": 175, "sex": "male"}, "actual", 100, None, CHILD),
        ({"age_years": 40, "weight_kg": 100, "sex": "male"}, "actual", 100, None, NO_HEIGHT),
        ({"age_years": 40, "weight_kg": 60, "height_cm": 175, "sex": "male"}, "actual", 60, 70.5,  # below IBW
         "Actual body weight: at or below the ideal body weight (70.5 kg), so below the adjusted weight."),
        ({"age_years": 40, "weight_kg": 50, "height_cm": 152.4, "sex": "male"}, "actual", 50, 50.0,  # exactly IBW
         "Actual body weight: at or below the ideal body weight (50 kg), so below the adjusted weight."),
        ({"age_years": 40, "weight_kg": 70, "height_cm": 150, "sex": "female"}, "actual", 70, None, SHORT),  # under 60 in
        ({"age_years": 40, "weight_kg": 70, "height_cm": 152.4, "sex": "female"}, "adjusted", 55.3, 45.5,  # exactly 60 in
         "Adjusted body weight: IBW 45.5 kg + 0.4 x (actual 70 kg - IBW)."),
        ({"age_years": 18, "weight_kg": 120, "height_cm": 160, "sex": "female"}, "adjusted", 79.4, 52.4,  # IBW 52.38
         "Adjusted body weight: IBW 52.4 kg + 0.4 x (actual 120 kg - IBW)."),
    ],
)
def test_who_gets_actual_and_who_adjusted_weight(vocab, facts, basis, kg, ideal, note):
    weight = dosing_weight(_patient(vocab, **facts))
    assert (weight.basis, weight.kg, weight.ideal_kg, weight.note) == (basis, kg, ideal, note)
    assert weight.kg <= facts["weight_kg"]


def test_a_weight_from_pounds_is_shown_to_a_tenth_of_a_kg_but_computed_exactly(vocab):
    kg = 220.462 * 0.45359237  # 220.462 lb, as a FHIR Observation in [lb_av] gives it: 99.99998... kg
    weight = dosing_weight(_patient(vocab, sex="male", age_years=40, weight_kg=kg, height_cm=175))
    assert weight.note == "Adjusted body weight: IBW 70.5 kg + 0.4 x (actual 100 kg - IBW)."
    assert weight.kg == 82.3


def test_actual_weight_by_policy_or_by_regimen_says_why(vocab):
    patient = _patient(vocab, sex="male", age_years=40, weight_kg=100, height_cm=175)
    by_policy = dosing_weight(patient, "actual")
    assert (by_policy.kg, by_policy.ideal_kg, by_policy.note) == (100, None, "Actual body weight (weight policy 'actual').")
    by_regimen = dosing_weight(patient, "adjusted", "actual")
    assert (by_regimen.kg, by_regimen.note) == (100, "Actual body weight: this regimen is given per kg of actual weight.")


def test_actual_policy_switches_adjustment_off(vocab):
    patient = _patient(vocab, sex="male", age_years=40, weight_kg=100, height_cm=175)
    assert dosing_weight(patient, "actual").kg == 100
    dose = compute_dose(_regimen(), patient, "actual")
    assert (dose.total_g, dose.rounded_total_g) == (200.0, 200.0)


def test_policy_selectable_from_the_library(catalogue):
    facts = adult(diagnosis="gbs", sex="male", age_years=40, weight_kg=100, height_cm=175)
    with Evaluator(catalogue, engine="reference", weight_policy="actual") as ev:
        assert ev.evaluate(facts).dose.dosing_weight_kg == 100
    with Evaluator(catalogue, engine="reference") as ev:
        assert ev.evaluate(facts).dose.dosing_weight_kg == 82.3


def test_per_day_regimen_and_cap(vocab):
    child = _patient(vocab, age_years=8, weight_kg=30)
    steroid = _regimen(therapy="corticosteroids", g_per_kg=Amount(0.03, 0.02, 0.03), per="day", days=Amount(3), max_g_per_day=1.0)
    dose = compute_dose(steroid, child)
    assert (dose.per_day_g, dose.total_g, dose.rounded_total_g) == (0.9, 2.7, None)
    big = _patient(vocab, age_years=30, weight_kg=80)
    capped = compute_dose(steroid, big)
    assert (capped.per_day_g, capped.total_g) == (1.0, 3.0)
    assert any("Capped" in n for n in capped.notes)


def test_rounding_is_half_up_for_weights_and_5g_steps(vocab):
    child = _patient(vocab, age_years=10, weight_kg=31.25)
    assert compute_dose(_regimen(), child).dosing_weight_kg == 31.3  # 31.25 rounds up
    heavy = _patient(vocab, age_years=10, weight_kg=125)
    dose = compute_dose(_regimen(g_per_kg=Amount(0.5), per="infusion", days=Amount(1)), heavy)
    assert dose.total_g == 62.5 and dose.rounded_total_g == 65.0  # banker's rounding would give 60


VIAL_NOTE = (
    "No total rounded to 5 g: below 25 g a 5 g step changes the dose by more than 10%; "
    "round to the vial sizes at hand instead."
)


@pytest.mark.parametrize(
    "kg, total, rounded", [(5, 2.0, None), (8, 3.2, None), (62, 24.8, None), (62.5, 25.0, 25.0), (63, 25.2, 25.0)]
)
def test_small_totals_are_not_rounded_to_5g(vocab, kg, total, rounded):
    """A 2 g infant dose must never become 0 g (or 3.2 g become 5 g); from 25 g on it is rounded."""
    dose = compute_dose(_regimen(g_per_kg=Amount(0.4), per="course", days=Amount(1)), _patient(vocab, age_years=1, weight_kg=kg))
    assert (dose.total_g, dose.rounded_total_g) == (total, rounded)
    assert (VIAL_NOTE in dose.notes) == (rounded is None)


def test_grams_are_rounded_half_up_to_two_decimals(vocab):
    steroid = _regimen(therapy="corticosteroids", g_per_kg=Amount(0.03), per="day", days=Amount(3))
    dose = compute_dose(steroid, _patient(vocab, age_years=3, weight_kg=12.5))
    assert (dose.per_day_g, dose.total_g) == (0.38, 1.13)  # 0.375 a day, 1.125 in all; banker's gives 1.12


def test_grams_are_multiplied_exactly_before_rounding(vocab):
    """0.03 g/kg x 30.5 kg is 0.915 g: half-up gives 0.92, where the binary product 0.91499... gives 0.91."""
    steroid = _regimen(therapy="corticosteroids", g_per_kg=Amount(0.03), per="day", days=Amount(1))
    dose = compute_dose(steroid, _patient(vocab, age_years=3, weight_kg=30.5))
    assert (dose.dosing_weight_kg, dose.per_day_g, dose.total_g) == (30.5, 0.92, 0.92)


def test_every_scenario_dose_carries_its_regimens_words_and_sources(catalogue):
    """A dose says what its regimen says (notes, what follows, citations); the weight formula's
    sources are cited exactly when the adjusted weight was used."""
    from conftest import SCENARIOS
    from ivig_rules.evaluation.dosing import WEIGHT_CITATIONS
    from ivig_rules.scenarios.runner import load_scenarios

    _, scenarios = load_scenarios([SCENARIOS], catalogue.vocabulary)
    seen = {"notes": 0, "then": 0, "adjusted": 0}
    with Evaluator(catalogue, engine="reference") as ev:
        for scenario in scenarios:
            rec = ev.evaluate(scenario.patient)
            if rec.dose is None:
                continue
            regimen = catalogue.pathway(rec.pathway).doses[rec.dose.regimen]
            assert rec.dose.notes[0] and None not in rec.dose.notes
            if regimen.notes:
                assert regimen.notes in rec.dose.notes
                seen["notes"] += 1
            assert rec.dose.then == regimen.then
            seen["then"] += bool(regimen.then)
            adjusted = rec.dose.weight_basis == "adjusted"
            assert list(rec.dose.citations)[: len(regimen.citations)] == list(regimen.citations)
            assert set(WEIGHT_CITATIONS) <= set(rec.dose.citations) or not adjusted
            seen["adjusted"] += adjusted
    assert all(seen.values()), seen


def test_no_weight_means_no_dose_and_an_alert(evaluator):
    rec = evaluator.evaluate(adult(diagnosis="gbs"))
    assert rec.ivig == "recommended" and rec.dose is None
    assert "weight_missing" in rec.alert_ids


def test_ranges_are_kept_with_the_default(catalogue):
    with Evaluator(catalogue, engine="reference") as ev:
        rec = ev.evaluate(adult(diagnosis="adem", age_years=9, weight_kg=30, treatments={"ivig": "responded"}, recurrent=True))
    assert rec.dose.phase == "maintenance"
    assert rec.dose.g_per_kg == 0.4 and rec.dose.g_per_kg_range == (0.4, 2)
    assert rec.dose.interval_weeks == 6 and rec.dose.interval_weeks_range == (4, 6)


def test_the_json_dose_keeps_its_notes_citations_and_ranges(catalogue):
    """What `evaluate --json` prints: the dose's notes and citations as text, ranges as lists."""
    facts = adult(diagnosis="adem", age_years=9, weight_kg=30, treatments={"ivig": "responded"}, recurrent=True)
    with Evaluator(catalogue, engine="reference") as ev:
        rec = ev.evaluate(facts)
    data = rec.to_dict()["dose"]
    assert data["notes"] == list(rec.dose.notes) and data["notes"]
    assert [c["cite"] for c in data["citations"]] == [str(c) for c in rec.dose.citations] and data["citations"]
    assert data["g_per_kg_range"] == [0.4, 2] and data["interval_weeks_range"] == [4, 6]
    assert data["days_range"] is None  # one day per infusion: no range


def test_a_daily_dose_exactly_at_the_cap_is_not_called_capped(vocab):
    steroid = _regimen(therapy="corticosteroids", g_per_kg=Amount(0.02), per="day", days=Amount(3), max_g_per_day=1.0)
    at_cap = compute_dose(steroid, _patient(vocab, age_years=30, weight_kg=50))
    assert (at_cap.per_day_g, at_cap.total_g) == (1.0, 3.0)
    assert not any("Capped" in n for n in at_cap.notes)
    over = compute_dose(steroid, _patient(vocab, age_years=30, weight_kg=51))
    assert over.per_day_g == 1.0 and "Capped at 1 g per day." in over.notes


def _decimal_half_up(value, places):
    """The reference: the decimal repr writes, quantized half up (what round_half_up always meant)."""
    from decimal import ROUND_HALF_UP, Decimal

    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def test_rounding_from_the_digits_gives_what_decimal_gives():
    """round_half_up rounds plain positive floats from their repr's digits; Decimal is the reference."""
    import math
    import random

    rng = random.Random(13)
    values = [2.25, 0.915, 0.005, 0.0, 9.95, 99.95, 0.45, 1.005, 2.675, 1e-05, 1e16, 123456789.12345, 7, 0, 10**20]
    for _ in range(20_000):
        digits = rng.randint(0, 6)
        values.append(round(rng.uniform(0, 500), digits))
        values.append(rng.uniform(0, 500))  # 15-17 significant digits
        values.append(rng.randint(0, 5000) / 1000 + 0.0005)  # ties at the third place
        values.append(-round(rng.uniform(0, 50), digits))  # negatives keep the decimal way
    for value in values:
        for places in range(5):
            got, want = round_half_up(value, places), _decimal_half_up(value, places)
            assert got == want and math.copysign(1, got) == math.copysign(1, want), (value, places)


def _decimal_dose(regimen, kg):
    """The reference arithmetic: per day and total in Decimal, as compute_dose did before integers."""
    from decimal import Decimal

    grams = Decimal(repr(regimen.g_per_kg.default)) * Decimal(repr(kg))
    days = int(regimen.days.default)
    per_day, total = (grams, grams * days) if regimen.per == "day" else (grams / days, grams)
    if regimen.max_g_per_day is not None and per_day > Decimal(repr(regimen.max_g_per_day)):
        per_day = Decimal(repr(regimen.max_g_per_day))
        total = per_day * days
    return _decimal_half_up(per_day, 2), _decimal_half_up(total, 2)


def test_dose_arithmetic_in_integers_gives_what_decimal_gives(vocab):
    """Where figures allow, grams are worked out in integers; every regimen shape and weight must
    give the per-day and total grams the decimal arithmetic gives."""
    import random

    rng = random.Random(5)
    regimens = [
        _regimen(g_per_kg=Amount(g), per=per, days=Amount(days), max_g_per_day=cap)
        for g in (2.0, 0.4, 1, 0.03, 0.0125, 2.5, 0.33333)
        for per in ("course", "day", "infusion")
        for days in (1, 2, 3, 5, 7)
        for cap in (None, 40, 60.5, 0.0001)
    ]
    for regimen in regimens:
        for _ in range(40):
            weight = round(rng.uniform(2, 200), rng.choice((0, 1, 2, 4)))
            dose = compute_dose(regimen, _patient(vocab, age_years=10, weight_kg=weight))  # actual weight
            assert (dose.per_day_g, dose.total_g) == _decimal_dose(regimen, dose.dosing_weight_kg), (regimen, weight)
