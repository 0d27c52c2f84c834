"""The facts ivig-rules' own code reads, declared once, and the one spelling of treatment facts.

Rules are data, but a few facts are read by Python itself: the diagnosis picks the pathway,
weight, height, sex, age and pregnancy decide the dosing weight, and the age picks the child
wording of an alert. They are named here, and nowhere else: the vocabulary loader checks that
each is defined with the type the code expects (file:line when not), so renaming one in
vocabulary.yaml is an error at load time, never a silent loss of every dose.

A therapy's status is the fact ``treatments.<therapy>``; ``treatment_fact`` and ``therapy_of``
are the only code that knows that spelling.
"""

from __future__ import annotations

from dataclasses import dataclass

from .constants import TREATMENT_PREFIX

__all__ = [
    "CoreFact", "CORE_FACTS", "ID", "DIAGNOSIS", "AGE", "SEX", "WEIGHT", "HEIGHT", "PREGNANT",
    "ENGINE_TREATMENT_PREFIX", "treatment_fact", "therapy_of", "is_treatment",
]


@dataclass(frozen=True)
class CoreFact:
    name: str
    type: str  # the vocabulary type the code reads it as
    why: str  # what the code does with it, for the error when it is missing
    values: tuple[str, ...] = ()  # enum values the code relies on


ID = "id"
DIAGNOSIS = "diagnosis"
AGE = "age_years"
SEX = "sex"
WEIGHT = "weight_kg"
HEIGHT = "height_cm"
PREGNANT = "pregnant"

CORE_FACTS = (
    CoreFact(ID, "text", "it labels the patient in every answer"),
    CoreFact(DIAGNOSIS, "enum", "it chooses the pathway"),
    CoreFact(AGE, "number", "it decides adult or child dosing weight and alert wording"),
    CoreFact(SEX, "enum", "the Devine ideal body weight needs it", values=("female", "male")),
    CoreFact(WEIGHT, "number", "every dose is worked out from it"),
    CoreFact(HEIGHT, "number", "the ideal and adjusted body weight need it"),
    CoreFact(PREGNANT, "boolean", "the dosing weight is not adjusted in pregnancy"),
)


PLAUSIBLE_BMI = (4.0, 200.0)
"""Weight and height that give a body-mass index outside these bounds cannot both be right
(a unit mix-up, a typo): every dose is worked out from them, so such a patient is refused. The
bounds only catch the absurd: the lightest and heaviest people on record lie inside them."""


def body_mass_index(weight_kg: float, height_cm: float) -> float:
    return weight_kg / (height_cm / 100) ** 2


def plausible_build(weight_kg: float | None, height_cm: float | None) -> bool:
    """Whether weight and height fit together (true when either is not recorded)."""
    if weight_kg is None or height_cm is None:
        return True
    low, high = PLAUSIBLE_BMI
    return low <= body_mass_index(weight_kg, height_cm) <= high


ENGINE_TREATMENT_PREFIX = "tx_"
"""A treatment fact's name inside the engine starts so (engine keys have no dots); the vocabulary
refuses fact names that start so, so that an engine key cannot be misread."""


def treatment_fact(therapy: str) -> str:
    """The fact holding a therapy's status: ``treatments.<therapy>``."""
    return TREATMENT_PREFIX + therapy


def is_treatment(fact: str) -> bool:
    return fact.startswith(TREATMENT_PREFIX)


def therapy_of(fact: str) -> str | None:
    """The therapy a treatment fact is about, or None for any other fact."""
    return fact[len(TREATMENT_PREFIX):] if fact.startswith(TREATMENT_PREFIX) else None
