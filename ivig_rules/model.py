"""The knowledge model: frozen dataclasses, no I/O.

Loaders build these from YAML; the compiler, engines, dosing, graph and reports read them.
Nothing here knows about files, durable-rules or the command line.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Union

from .teaching_model import ScreeningTeaching, Teaching, VocabularyTeaching

__all__ = [
    "Scalar",
    "FactSpec",
    "Term",
    "Source",
    "Citation",
    "VaccineInterval",
    "AlertSpec",
    "Vocabulary",
    "Compare",
    "AllOf",
    "AnyOf",
    "Not",
    "Condition",
    "Amount",
    "DoseRegimen",
    "Step",
    "Outcome",
    "Rule",
    "Pathway",
    "Screening",
    "Catalogue",
    "Patient",
    "TREATMENT_PREFIX",
    "VERDICTS",
    "SEVERITIES",
    "OPERATORS",
]

Scalar = Union[str, int, float, bool]

TREATMENT_PREFIX = "treatments."
VERDICTS = ("recommended", "consider", "not_yet", "not_indicated", "contraindicated")
SEVERITIES = ("contraindication", "caution", "info")
OPERATORS = ("==", "!=", "<", "<=", ">", ">=", "in", "not_in")
PHASES = ("induction", "maintenance")
DOSE_BASES = ("course", "day", "infusion")
STEP_START = "start"


def frozen_map(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


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
    def always_present(self) -> bool:
        """True when every validated patient has a value, so rules may test it safely."""
        return self.required or self.default is not None


@dataclass(frozen=True)
class Term:
    """A named entry of a closed list: a therapy, a status, a verdict, an evidence level."""

    id: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class Source:
    """A document rules cite: a seed file of ../shared/seeds or an external guideline."""

    id: str
    kind: str  # seed | external
    title: str
    references: int = 0
    url: str | None = None
    covers: str = ""


@dataclass(frozen=True, order=True)
class Citation:
    """A source and, where the source numbers its references, a reference number."""

    source: str
    ref: int | None = None

    def __str__(self) -> str:
        return self.source if self.ref is None else f"{self.source} [{self.ref}]"


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
    teaching: VocabularyTeaching = field(default_factory=VocabularyTeaching)  # how diagrams word evidence

    def treatment_fact(self, therapy: str) -> str:
        return TREATMENT_PREFIX + therapy

    def rule_facts(self) -> dict[str, FactSpec]:
        """Every fact a rule may test: always-present facts and every treatment status."""
        names = {n: s for n, s in self.facts.items() if s.always_present and n != "diagnosis"}
        for therapy in self.therapies:
            names[self.treatment_fact(therapy)] = FactSpec(
                name=self.treatment_fact(therapy),
                type="enum",
                description=f"treatment status of {therapy}",
                values=tuple(self.statuses),
                default=self.default_status,
            )
        return names


# -- conditions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compare:
    fact: str
    op: str
    value: Scalar | tuple[Scalar, ...]
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class AllOf:
    items: tuple["Condition", ...] = ()
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class AnyOf:
    items: tuple["Condition", ...] = ()
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Not:
    item: "Condition"
    line: int | None = field(default=None, compare=False)


Condition = Union[Compare, AllOf, AnyOf, Not]


# -- pathways -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Amount:
    """A quantity the sources give as a value or a range, with the default we use stated."""

    default: float
    minimum: float | None = None
    maximum: float | None = None

    @property
    def is_range(self) -> bool:
        return self.minimum is not None and self.maximum is not None and self.minimum != self.maximum


@dataclass(frozen=True)
class DoseRegimen:
    id: str
    therapy: str
    phase: str
    g_per_kg: Amount
    per: str  # course | day | infusion
    days: Amount
    interval_weeks: Amount | None = None
    max_g_per_day: float | None = None
    weight_basis: str = "policy"  # policy | actual
    then: str = ""
    citations: tuple[Citation, ...] = ()
    notes: str = ""
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Step:
    """A therapy step of a pathway, at a line of therapy."""

    id: str
    therapy: str
    line_of_therapy: int
    label: str
    dose: str | None = None
    with_therapies: tuple[str, ...] = ()
    citations: tuple[Citation, ...] = ()
    notes: str = ""
    final: bool = False  # the pathway ends here by design: the sources name nothing after it
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Outcome:
    ivig: str | None = None
    next_step: str | None = None
    dose: str | None = None
    alerts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """A rule: from a point of the pathway, when the condition holds, this outcome."""

    id: str
    qualified_id: str
    when: Condition
    then: Outcome
    from_steps: tuple[str, ...]  # where the decision is taken: "start" and/or step ids
    citations: tuple[Citation, ...]
    evidence: str | None = None
    notes: str = ""
    description: str = ""
    file: str | None = field(default=None, compare=False)
    line: int | None = field(default=None, compare=False)

    @property
    def decides(self) -> bool:
        return self.then.ivig is not None

    @property
    def from_step(self) -> str:
        """The first position the rule applies after (most rules have one)."""
        return self.from_steps[0]


@dataclass(frozen=True)
class Pathway:
    id: str
    title: str
    diagnosis: str
    version: str
    status: str
    last_reviewed: _dt.date
    review_due: _dt.date
    sources: tuple[str, ...]
    steps: Mapping[str, Step]
    doses: Mapping[str, DoseRegimen]
    rules: tuple[Rule, ...]
    summary: str = ""
    notes: str = ""
    file: str | None = field(default=None, compare=False)
    teaching: Teaching | None = None  # the teaching block: how the diagram tells the rules


@dataclass(frozen=True)
class Screening:
    """Safety rules applied on every pathway where IVIG is recommended or considered."""

    id: str
    title: str
    version: str
    applies_to: tuple[str, ...]
    rules: tuple[Rule, ...]
    file: str | None = field(default=None, compare=False)
    teaching: ScreeningTeaching = field(default_factory=ScreeningTeaching)  # the screening as a gate


@dataclass(frozen=True)
class Catalogue:
    """Everything in a rulesets folder, cross-checked."""

    vocabulary: Vocabulary
    screening: Screening
    pathways: Mapping[str, Pathway]  # by diagnosis
    root: str = ""

    def pathway_for(self, diagnosis: str) -> Pathway:
        return self.pathways[diagnosis]

    def pathway(self, pathway_id: str) -> Pathway | None:
        for pathway in self.pathways.values():
            if pathway.id == pathway_id:
                return pathway
        return None


@dataclass(frozen=True)
class Patient:
    """A validated, normalised patient: every rule-visible fact has a value."""

    facts: Mapping[str, Scalar | None]
    source: str | None = field(default=None, compare=False)
    line: int | None = field(default=None, compare=False)

    def __getitem__(self, name: str) -> Scalar | None:
        return self.facts.get(name)

    @property
    def id(self) -> str | None:
        value = self.facts.get("id")
        return None if value is None else str(value)

    @property
    def diagnosis(self) -> str:
        return str(self.facts["diagnosis"])
