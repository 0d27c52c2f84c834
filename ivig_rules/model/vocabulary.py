"""The data dictionary: facts, therapies, statuses, verdicts, alerts and the advice the rules raise."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from .constants import UNKNOWN, Scalar
from .facts import AGE, treatment_fact
from .sources import Citation, Source
from .teaching import VocabularyTeaching


@dataclass(frozen=True)
class FactSpec:
    """One patient fact of the data dictionary."""

    name: str
    type: str  # enum | number | boolean | text
    description: str
    values: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    default: Scalar | None = None
    required: bool = False
    unit: str | None = None
    max_length: int | None = None
    requires: tuple[tuple[str, Scalar], ...] = ()  # a true flag needs these other facts

    @property
    def allows_unknown(self) -> bool:
        """A true/false fact that may be unrecorded: its default is ``unknown``, never ``false``."""
        return self.type == "boolean" and self.default == UNKNOWN

    @property
    def values_for_rules(self) -> tuple:
        """Every value a rule can meet: the choices, true and false (and unknown), or () for numbers."""
        if self.type == "boolean":
            return (False, True, UNKNOWN) if self.allows_unknown else (False, True)
        return self.values

    @property
    def always_present(self) -> bool:
        """True when every validated patient has a value, so rules may test it safely."""
        return self.required or self.default is not None


@dataclass(frozen=True)
class Term:
    """A named entry of a closed list: a therapy, a status, a verdict, an evidence level."""

    id: str
    label: str
    description: str = ""
    not_for: tuple[str, ...] = ()  # statuses only: therapies this status cannot be given for




@dataclass(frozen=True)
class VaccineInterval:
    """Months to wait before a measles- or varicella-containing vaccine after a dose."""

    up_to_g_per_kg: float
    months: int


@dataclass(frozen=True)
class AlertSpec:
    id: str
    severity: str
    message: str
    citations: tuple[Citation, ...] = ()
    vaccine_intervals: tuple[VaccineInterval, ...] = ()
    notes: str = ""
    child_message: str = ""  # said instead of `message` for patients under 18, when given


@dataclass(frozen=True)
class AdviceSpec:
    """A monitoring or administration item: what to watch for, or how to give the infusion."""

    id: str
    text: str
    citations: tuple[Citation, ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class Position:
    """What one side of a disagreement says, with its citations."""

    says: str
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class ConflictSpec:
    """Sources that disagree about IVIG for a patient with a given fact.

    Raised by a screening rule (``then: {ivig: specialist_review, conflict: ID}``); the output
    lists the pathway's own position (its verdict and citations) beside these positions.
    """

    id: str
    summary: str
    positions: tuple[Position, ...]
    notes: str = ""


@dataclass(frozen=True)
class AgeCheck:
    """An age at which a fact's value is absurd (refused) or unusual (answered, with ``alert``).

    Ages are in years: ``*_below`` means under that age, ``*_from`` at that age or older. The
    bounds catch slips (a wrong diagnosis code, an age in months); they are the project's
    judgement, kept as data in vocabulary.yaml, not a source's statement.
    """

    fact: str
    value: Any
    reason: str
    refuse_below: float | None = None
    refuse_from: float | None = None
    warn_below: float | None = None
    warn_from: float | None = None
    alert: str | None = None

    def _outside(self, facts: Mapping[str, Any], below: float | None, start: float | None) -> bool:
        age = facts.get(AGE)
        if age is None or facts.get(self.fact) != self.value:
            return False
        return (below is not None and age < below) or (start is not None and age >= start)

    def refuses(self, facts: Mapping[str, Any]) -> bool:
        """True when the patient's age and this fact's value cannot both be right."""
        return self._outside(facts, self.refuse_below, self.refuse_from)

    def warns(self, facts: Mapping[str, Any]) -> bool:
        """True when the combination is possible but unusual enough to check (and not refused)."""
        return self.alert is not None and self._outside(facts, self.warn_below, self.warn_from) and not self.refuses(facts)

    def bound(self, facts: Mapping[str, Any]) -> str:
        """The refusing bound in words: 'under 5' or '18 or older'."""
        age = facts.get(AGE)
        if self.refuse_below is not None and age is not None and age < self.refuse_below:
            return f"under {self.refuse_below:g}"
        return f"{self.refuse_from:g} or older"


@dataclass(frozen=True)
class Vocabulary:
    """The data dictionary: the public contract that patients, scenarios and rules obey."""

    version: str
    facts: Mapping[str, FactSpec]
    therapies: Mapping[str, Term]
    statuses: Mapping[str, Term]
    default_status: str
    alerts: Mapping[str, AlertSpec]
    verdicts: Mapping[str, Term]
    evidence_levels: Mapping[str, Term]
    sources: Mapping[str, Source]
    dose_limits: Mapping[str, tuple[float, float]] = field(default_factory=lambda: MappingProxyType({}))  # field -> (minimum, maximum)
    monitoring: Mapping[str, AdviceSpec] = field(default_factory=lambda: MappingProxyType({}))
    administration: Mapping[str, AdviceSpec] = field(default_factory=lambda: MappingProxyType({}))
    conflicts: Mapping[str, ConflictSpec] = field(default_factory=lambda: MappingProxyType({}))
    teaching: VocabularyTeaching = field(default_factory=VocabularyTeaching)  # how diagrams word evidence
    age_checks: tuple[AgeCheck, ...] = ()  # ages at which a fact's value is refused or warned about

    def statuses_for(self, therapy: str) -> tuple[str, ...]:
        """The statuses a therapy can have (``unavailable`` is not one of IVIG's)."""
        return tuple(s for s, term in self.statuses.items() if therapy not in term.not_for)

    def treatment_fact(self, therapy: str) -> str:
        return treatment_fact(therapy)

    def rule_facts(self) -> dict[str, FactSpec]:
        """Every fact a rule may test: always-present facts and every treatment status."""
        names = {n: s for n, s in self.facts.items() if s.always_present and n != "diagnosis"}
        for therapy in self.therapies:
            names[self.treatment_fact(therapy)] = FactSpec(
                name=self.treatment_fact(therapy),
                type="enum",
                description=f"treatment status of {therapy}",
                values=self.statuses_for(therapy),
                default=self.default_status,
            )
        return names
