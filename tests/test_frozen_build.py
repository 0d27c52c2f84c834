"""Recommendations and doses built from templates (ivig_rules.evaluation.frozen) are the objects __init__ builds."""

from __future__ import annotations

from dataclasses import fields

import pytest

from conftest import adult
from ivig_rules.evaluation.dosing import Dose
from ivig_rules.evaluation.frozen import build, template
from ivig_rules.evaluation.recommendation import Recommendation


def _rebuilt(instance):
    cls = type(instance)
    return cls(**{f.name: getattr(instance, f.name) for f in fields(cls)})


@pytest.mark.parametrize("facts", [
    adult(diagnosis="gbs", weight_kg=82.3, height_cm=180),
    adult(diagnosis="gbs"),  # no weight: no dose
    adult(diagnosis="cidp", age_years=9, weight_kg=31.0),
    adult(diagnosis="ms_relapse", treatments={"corticosteroids": "failed", "plasma_exchange": "failed"}),
])
def test_built_results_equal_and_hold_exactly_what_init_gives(evaluator, facts):
    rec = evaluator.evaluate(facts)
    again = _rebuilt(rec)
    assert rec == again and vars(rec) == vars(again)
    assert set(vars(rec)) == {f.name for f in fields(Recommendation)}
    if rec.dose is not None:
        assert rec.dose == _rebuilt(rec.dose) and set(vars(rec.dose)) == {f.name for f in fields(Dose)}
    with pytest.raises(AttributeError):  # still frozen
        rec.ivig = "recommended"


def test_a_template_naming_too_few_or_unknown_fields_is_refused():
    names = [f.name for f in fields(Dose)]
    with pytest.raises(TypeError, match="missing"):
        template(Dose, {n: None for n in names[1:]})
    with pytest.raises(TypeError, match="unknown"):
        template(Dose, {**{n: None for n in names}, "colour": "red"})
    assert template(Dose, {n: None for n in names[1:]}, later=(names[0],))
    assert build(Dose, {n: 1 for n in names}).total_g == 1
