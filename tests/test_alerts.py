"""Alert wording that depends on the patient: children's premedication and vaccine intervals."""

from __future__ import annotations

from conftest import adult


def _message(rec, alert_id):
    return next(a.message for a in rec.alerts if a.id == alert_id)


def test_children_get_no_adult_premedication_doses(evaluator):
    child = evaluator.evaluate(adult(diagnosis="gbs", age_years=1, weight_kg=10))
    grown = evaluator.evaluate(adult(diagnosis="gbs", age_years=18, weight_kg=60))
    assert "650-1000 mg" not in _message(child, "premedication")
    assert "child's weight" in _message(child, "premedication")
    assert "650-1000 mg" in _message(grown, "premedication")


def test_vaccine_interval_follows_the_course(evaluator):
    rec = evaluator.evaluate(adult(diagnosis="gbs", weight_kg=60))
    assert "For this course (2 g/kg): about 11 months" in _message(rec, "live_vaccine")
