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


def test_the_vaccine_table_gives_every_acip_interval(evaluator):
    message = _message(evaluator.evaluate(adult(diagnosis="gbs", weight_kg=60)), "live_vaccine")
    assert (
        "Before a measles- or varicella-containing vaccine wait about 8 months after up to 0.4 g/kg; "
        "about 10 months after up to 1 g/kg; about 11 months after up to 2 g/kg (US ACIP)."
    ) in message


def test_a_course_above_the_table_gets_its_longest_interval(vocab):
    from ivig_rules.loading.patient import patient_from_mapping
    from ivig_rules.evaluation.recommend import _alert_message

    patient = patient_from_mapping(adult(diagnosis="gbs"), vocab)
    message = _alert_message(vocab.alerts["live_vaccine"], (2.5, None), patient)
    assert message.endswith("For this course (2.5 g/kg): about 11 months.")
