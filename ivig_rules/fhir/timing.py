"""FHIR R4 Timing and wording of an IVIG course: how many daily infusions, and how often it repeats.

One place for the course length, so that a CDS Hooks card's words and the Timing of the
MedicationRequest it suggests cannot disagree.
"""

from __future__ import annotations

from typing import Any

from .._text import plural

__all__ = ["UCUM", "course_timing", "course_words", "repeat_instruction"]

UCUM = "http://unitsofmeasure.org"


def course_timing(days: int, interval_weeks: float | None) -> dict[str, Any]:
    """The Timing of one dose a day for ``days`` days (a course), or of one infusion ``interval_weeks`` apart.

    A course of several days that also repeats (dermatomyositis: 5 days every 4 weeks) is one
    course here; a single Timing cannot hold both, so the repetition goes in the words
    (:func:`course_words`) and the dosage's ``additionalInstruction``.
    """
    if days > 1:
        return {"repeat": {"count": days, "frequency": 1, "period": 1, "periodUnit": "d",
                           "boundsDuration": {"value": days, "unit": "days", "system": UCUM, "code": "d"}}}
    if interval_weeks is not None:
        return {"repeat": {"frequency": 1, "period": interval_weeks, "periodUnit": "wk"}}
    return {"repeat": {"count": 1}}


def course_words(grams_per_day: str, days: int, interval_weeks: float | None) -> str:
    """'28 g a day for 5 days', '80 g in one infusion, every 4 weeks', '14 g a day for 5 days, every 4 weeks'."""
    text = f"{grams_per_day} a day for {plural(days, 'day')}" if days > 1 else f"{grams_per_day} in one infusion"
    return text + (f", every {interval_weeks:g} weeks" if interval_weeks is not None else "")


def repeat_instruction(days: int, interval_weeks: float | None) -> list[dict[str, str]]:
    """The dosage's ``additionalInstruction`` for a course of several days that repeats; empty otherwise."""
    if days > 1 and interval_weeks is not None:
        return [{"text": f"Repeat the {days}-day course every {interval_weeks:g} weeks."}]
    return []
