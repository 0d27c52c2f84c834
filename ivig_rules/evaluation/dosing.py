"""Dose arithmetic: the dose-determining weight and grams per day, per course, rounded.

Weight policy (documented in docs/dosing.md; sources: devine-1974, nba-ig-dose-adjustment,
lifeblood-adjusted-dosing-2026, ontario-ig-dose-calculator):

* ``adjusted`` (default): adults (18+), not pregnant, with a known height of at least 60 inches
  whose actual weight exceeds the ideal body weight get IBW + 0.4 x (actual - IBW), IBW by
  Devine (male 50 kg, female 45.5 kg, plus 2.3 kg per inch over 60 inches). Everyone else gets
  actual weight, never more: these are the Australian National Blood Authority's exclusions
  (under 18, under 152 cm, pregnant, actual weight below the adjusted weight). Ontario's
  calculator differs for adolescents and in pregnancy; docs/dosing.md says how and why the
  Australian rule is followed.
* ``actual``: actual weight for everyone.

Totals are also given rounded to the nearest 5 g, as Ontario's IVIG calculator does, but only
from 25 g up: below that, 5 g steps change the dose by more than 10% (a 2 g infant dose would
round to 0 g), so no rounded figure is given and the dose's notes say why.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from ..errors import PatientError
from ..model.derived import derived
from ..model.facts import AGE, HEIGHT, PREGNANT, SEX, WEIGHT
from ..model import Amount, Citation, DoseRegimen, Patient
from ..model.json_form import json_form
from .frozen import build

__all__ = [
    "WEIGHT_POLICIES",
    "DEFAULT_WEIGHT_POLICY",
    "DosingWeight",
    "Dose",
    "Regimen",
    "regimen_view",
    "ideal_body_weight",
    "dosing_weight",
    "compute_dose",
    "course_g_per_kg",
    "round_half_up",
    "dose_parts",
    "dose_citations",
]

WEIGHT_POLICIES = ("adjusted", "actual")
DEFAULT_WEIGHT_POLICY = "adjusted"
ADULT_AGE = 18
DEVINE_BASE_KG = MappingProxyType({"male": 50.0, "female": 45.5})
DEVINE_KG_PER_INCH = 2.3
DEVINE_FROM_INCHES = 60
ADJUSTMENT_FACTOR = 0.4
CM_PER_INCH = 2.54
ROUND_TO_G = 5
ROUND_FROM_G = 25  # below this, a 5 g step is more than a 10% change
WEIGHT_CITATIONS = (Citation("devine-1974"), Citation("nba-ig-dose-adjustment"))
EXCLUSION_CITATIONS = (Citation("lifeblood-adjusted-dosing-2026"),)


_QUANTA = tuple(Decimal(1).scaleb(-places) for places in range(5))
_CHILD_OR_PREGNANT_CITATIONS = EXCLUSION_CITATIONS + (Citation("ontario-ig-dose-calculator"),)


_POWERS = tuple(10**places for places in range(5))


def round_half_up(value: float, places: int = 1) -> float:
    """Round as a clinician does (2.25 -> 2.3), not as binary floats and banker's rounding do.

    The value is taken as the decimal its ``repr`` writes (2.25, not 2.249999...). A plain
    positive float or int is rounded from the digits of that text, which is exact and needs no
    Decimal; anything else (negative, exponent form, Decimal, more than 4 places) goes through
    Decimal, as before. Both give the same float (tests/test_dosing.py checks it)."""
    kind = type(value)
    if kind is float and 0 <= places <= 4 and value >= 0:
        text = repr(value)
        if "e" not in text and "n" not in text and text[0] != "-":  # exponent forms, inf/nan, -0.0: the decimal way
            point = text.index(".")
            if len(text) - point - 1 <= places:
                return value  # nothing to round
            whole = int(text[:point] + text[point + 1:point + 1 + places])
            if text[point + 1 + places] >= "5":  # half up: only the first dropped digit counts
                whole += 1
            return whole / _POWERS[places]  # correctly rounded, as float(Decimal) is
    elif kind is int and 0 <= places <= 4 and abs(value) < 2**53:
        return float(value)
    quantum = _QUANTA[places] if 0 <= places < len(_QUANTA) else Decimal(1).scaleb(-places)
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    return float(exact.quantize(quantum, rounding=ROUND_HALF_UP))


def _scaled(value: float | int | None, places: int) -> int | None:
    """``value`` x 10^places as an exact integer, when the decimal ``repr(value)`` writes has at
    most that many places (and the value is positive and below 1e9); else None."""
    if value is None or type(value) not in (int, float) or not 0 <= value < 1e9:
        return None
    scaled = round(value * _POWERS[places])
    return scaled if scaled / _POWERS[places] == value else None


def _hundredths(scaled: int) -> float:
    """A positive amount given x 10^5, rounded half up to 2 places."""
    return (scaled + 500) // 1000 / 100


def ideal_body_weight(sex: str, height_cm: float) -> float:
    """Devine ideal body weight in kg (unrounded)."""
    inches = height_cm / CM_PER_INCH
    return DEVINE_BASE_KG[sex] + DEVINE_KG_PER_INCH * (inches - DEVINE_FROM_INCHES)


@dataclass(frozen=True)
class DosingWeight:
    kg: float
    basis: str  # actual | adjusted
    ideal_kg: float | None
    note: str
    citations: tuple[Citation, ...] = ()


_POLICY_ACTUAL, _REGIMEN_ACTUAL, _UNDER_18, _PREGNANT, _NO_HEIGHT, _SHORT, _AT_OR_BELOW_IDEAL, _ADJUSTED = range(8)
"""The branches of the weight policy; each has its own note and citations (the dose's citations follow them)."""
_BRANCHES = (
    ("Actual body weight (weight policy 'actual').", ()),
    ("Actual body weight: this regimen is given per kg of actual weight.", ()),
    (
        "Actual body weight: the Australian National Blood Authority does not adjust the dosing "
        "weight under 18 (Ontario's calculator adjusts adolescents of at least 152.4 cm and "
        "over 50 kg (male) or 45.5 kg (female); the Australian rule is followed).",
        _CHILD_OR_PREGNANT_CITATIONS,
    ),
    (
        "Actual body weight: the Australian National Blood Authority does not adjust the dosing "
        "weight in pregnancy (Ontario's calculator adjusts the pre-pregnancy weight, which is not "
        "recorded here; the Australian rule is followed).",
        _CHILD_OR_PREGNANT_CITATIONS,
    ),
    ("Actual body weight: height unknown, so the adjusted weight cannot be worked out; give height_cm.", ()),
    (
        "Actual body weight: the Devine formula is defined from 60 inches (152.4 cm), and the "
        "Australian National Blood Authority does not adjust the dosing weight under 152 cm.",
        EXCLUSION_CITATIONS,
    ),
    (None, EXCLUSION_CITATIONS),  # note worded with the ideal weight
    (None, WEIGHT_CITATIONS),  # note worded with both weights
)


def _weight(facts, policy: str, regimen_basis: str) -> tuple[float, str, float | None, str, int] | None:
    """(dosing kg, basis, shown ideal kg, note, branch), or None when the patient has no weight."""
    weight = facts.get(WEIGHT)
    if weight is None:
        return None
    weight = float(weight)
    if policy == "actual":
        branch = _POLICY_ACTUAL
    elif regimen_basis == "actual":
        branch = _REGIMEN_ACTUAL
    else:
        age = facts.get(AGE)
        if age is None or float(age) < ADULT_AGE:
            branch = _UNDER_18
        elif facts.get(PREGNANT) is True:
            branch = _PREGNANT
        else:
            height = facts.get(HEIGHT)
            if height is None:
                branch = _NO_HEIGHT
            elif float(height) / CM_PER_INCH < DEVINE_FROM_INCHES:
                branch = _SHORT
            else:
                ideal = ideal_body_weight(str(facts.get(SEX)), float(height))
                shown_ideal = round_half_up(ideal, 1)
                if weight <= ideal:
                    note = f"Actual body weight: at or below the ideal body weight ({shown_ideal:g} kg), so below the adjusted weight."
                    return round_half_up(weight, 1), "actual", shown_ideal, note, _AT_OR_BELOW_IDEAL
                adjusted = min(weight, ideal + ADJUSTMENT_FACTOR * (weight - ideal))
                note = f"Adjusted body weight: IBW {shown_ideal:g} kg + 0.4 x (actual {round_half_up(weight, 1):g} kg - IBW)."  # shown to 0.1 kg, computed exactly
                return round_half_up(adjusted, 1), "adjusted", shown_ideal, note, _ADJUSTED
    return round_half_up(weight, 1), "actual", None, _BRANCHES[branch][0], branch


def dosing_weight(patient: Patient, policy: str = DEFAULT_WEIGHT_POLICY, regimen_basis: str = "policy") -> DosingWeight | None:
    """The dose-determining weight, or None when the patient has no weight."""
    found = _weight(patient.facts, policy, regimen_basis)
    if found is None:
        return None
    kg, basis, ideal, note, branch = found
    return DosingWeight(kg, basis, ideal, note, _BRANCHES[branch][1])


@dataclass(frozen=True)
class _PerKg:
    """The fields a regimen and a dose share: the amount per kg and the course, as the ruleset gives them."""

    therapy: str
    phase: str
    regimen: str
    g_per_kg: float
    g_per_kg_range: tuple[float, float] | None
    per: str
    days: int
    days_range: tuple[int, int] | None
    interval_weeks: float | None
    interval_weeks_range: tuple[float, float] | None
    max_g_per_day: float | None


@json_form
@dataclass(frozen=True)
class Regimen(_PerKg):
    """A regimen as the ruleset gives it, per kg: shown even when no dose in grams can be worked
    out (no weight recorded), so that the prescriber still sees what the sources advise."""

    then: str
    citations: tuple[Citation, ...]


@json_form
@dataclass(frozen=True)
class Dose(_PerKg):
    dosing_weight_kg: float
    weight_basis: str
    ideal_body_weight_kg: float | None
    per_day_g: float
    total_g: float
    rounded_total_g: float | None
    then: str
    notes: tuple[str, ...]
    citations: tuple[Citation, ...]


def _range(amount: Amount | None):
    if amount is None or not amount.is_range:
        return None
    return (amount.minimum, amount.maximum)


def course_g_per_kg(regimen: DoseRegimen) -> float:
    """Grams per kg in one course or infusion (what vaccine intervals are keyed on)."""
    if regimen.per == "day":
        return regimen.g_per_kg.default * regimen.days.default
    return regimen.g_per_kg.default


class _DosePlan:
    """What a regimen's dose takes from the regimen alone, worked out once per regimen."""

    def __init__(self, regimen: DoseRegimen) -> None:
        self.regimen = regimen
        self.days = int(regimen.days.default)
        self.fields = {  # the Dose fields every patient shares
            "therapy": regimen.therapy,
            "phase": regimen.phase,
            "regimen": regimen.id,
            "g_per_kg": regimen.g_per_kg.default,
            "g_per_kg_range": _range(regimen.g_per_kg),
            "per": regimen.per,
            "days": self.days,
            "days_range": _range(regimen.days),
            "interval_weeks": regimen.interval_weeks.default if regimen.interval_weeks else None,
            "interval_weeks_range": _range(regimen.interval_weeks),
            "max_g_per_day": regimen.max_g_per_day,
            "then": regimen.then,
        }
        self.grams_per_kg = Decimal(repr(regimen.g_per_kg.default))
        # the same in integers where the figures allow (g/kg x 10^4, g/day x 10^5): exact and quicker
        self.g_per_kg_4 = _scaled(regimen.g_per_kg.default, 4)
        cap_4 = _scaled(regimen.max_g_per_day, 4) if regimen.max_g_per_day is not None else None
        self.cap_5 = cap_4 * 10 if cap_4 is not None else None
        self.whole = self.g_per_kg_4 is not None and (regimen.max_g_per_day is None or cap_4 is not None)
        self.cap = Decimal(repr(regimen.max_g_per_day)) if regimen.max_g_per_day is not None else None
        self.cap_note = f"Capped at {regimen.max_g_per_day:g} g per day." if regimen.max_g_per_day is not None else ""
        self.citations: dict[tuple[int, bool], tuple[Citation, ...]] = {}

    def citations_for(self, key: tuple[int, bool]) -> tuple[Citation, ...]:
        """The regimen's citations, then the weight branch's and the rounding's not already there."""
        cited = self.citations.get(key)
        if cited is None:
            branch, rounded = key
            merged = list(self.regimen.citations)
            rounding = (Citation("ontario-ig-dose-calculator"),) if rounded else ()
            for citation in _BRANCHES[branch][1] + rounding:
                if citation not in merged:
                    merged.append(citation)
            cited = self.citations[key] = tuple(merged)
        return cited


def _plan(regimen: DoseRegimen) -> _DosePlan:
    """The regimen's plan, built on first use and kept with it (derived data of a frozen value)."""
    return derived(regimen, "_dose_plan", _DosePlan)


def dose_parts(regimen: DoseRegimen, patient: Patient, policy: str = DEFAULT_WEIGHT_POLICY) -> tuple[dict, tuple[int, bool]] | None:
    """Every field of the patient's :class:`Dose` but its citations, and the key that decides
    them (see :func:`dose_citations`); None when there is no weight. For callers that attach
    citations of their own (with their text) to many doses."""
    weight = _weight(patient.facts, policy, regimen.weight_basis)
    if weight is None:
        return None
    kg, basis, ideal, weight_note, branch = weight
    if kg <= 0:  # the vocabulary's plausible range for weight_kg keeps this from happening
        raise PatientError(
            f"the dosing weight rounds to {kg:g} kg; no dose can be worked out from it",
            file=patient.source, line=patient.line, key="weight_kg",
        )
    plan = _plan(regimen)
    regimen = plan.regimen
    days = plan.days
    notes = [weight_note]
    # Exactly, so that half-up rounding sees 0.03 g/kg x 30.5 kg as 0.915, not 0.91499...: in
    # integers (grams x 10^5) where the figures allow, else in decimal.
    kg_10 = round(kg * 10)
    grams_5 = plan.g_per_kg_4 * kg_10 if plan.whole and kg_10 / 10 == kg else None
    if grams_5 is not None and (regimen.per == "day" or grams_5 % days == 0):
        per_day_5, total_5 = (grams_5, grams_5 * days) if regimen.per == "day" else (grams_5 // days, grams_5)
        if plan.cap_5 is not None and per_day_5 > plan.cap_5:
            per_day_5 = plan.cap_5
            total_5 = per_day_5 * days
            notes.append(plan.cap_note)
        per_day_g, total = _hundredths(per_day_5), _hundredths(total_5)
    else:
        grams = plan.grams_per_kg * Decimal(repr(kg))
        if regimen.per == "day":
            per_day, total = grams, grams * days
        else:
            per_day, total = grams / days, grams
        if plan.cap is not None and per_day > plan.cap:
            per_day = plan.cap
            total = per_day * days
            notes.append(plan.cap_note)
        per_day_g, total = round_half_up(per_day, 2), round_half_up(total, 2)
    if regimen.notes:
        notes.append(regimen.notes)
    rounded = None
    if regimen.therapy == "ivig":
        if total >= ROUND_FROM_G:
            rounded = float(round_half_up(total / ROUND_TO_G, 0) * ROUND_TO_G)
        else:
            notes.append(
                f"No total rounded to 5 g: below {ROUND_FROM_G} g a 5 g step changes the dose by more "
                "than 10%; round to the vial sizes at hand instead."
            )
    fields = dict(plan.fields)
    fields.update(
        dosing_weight_kg=kg,
        weight_basis=basis,
        ideal_body_weight_kg=ideal,
        per_day_g=per_day_g,
        total_g=total,
        rounded_total_g=rounded,
        notes=tuple(notes),
    )
    return fields, (branch, rounded is not None)


def dose_citations(regimen: DoseRegimen, key: tuple[int, bool]) -> tuple[Citation, ...]:
    """The citations of a dose whose :func:`dose_parts` gave ``key`` (the same tuple every time)."""
    return _plan(regimen).citations_for(key)


def regimen_view(regimen: DoseRegimen, citations: tuple[Citation, ...]) -> Regimen:
    """The regimen in the form the output shows (with ``citations``, the regimen's own with their text)."""
    return build(Regimen, _plan(regimen).fields, {"citations": citations})


def compute_dose(regimen: DoseRegimen, patient: Patient, policy: str = DEFAULT_WEIGHT_POLICY) -> Dose | None:
    """The regimen's default dose for this patient, or None when there is no weight."""
    parts = dose_parts(regimen, patient, policy)
    if parts is None:
        return None
    fields, key = parts
    return build(Dose, fields, {"citations": dose_citations(regimen, key)})
