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
    "Reference",
    "Review",
    "AdviceSpec",
    "Position",
    "ConflictSpec",
    "Section",
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
    "SCREENING_VERDICTS",
    "UNKNOWN",
    "SEVERITIES",
    "OPERATORS",
    "DOSE_LIMIT_FIELDS",
    "LARGEST_NUMBER",
    "DECIMALS",
]

Scalar = Union[str, int, float, bool]

TREATMENT_PREFIX = "treatments."
VERDICTS = (
    "recommended", "consider", "not_yet", "not_indicated", "contraindicated", "no_guidance", "specialist_review",
)
SCREENING_VERDICTS = ("contraindicated", "specialist_review")  # the verdicts a screening rule may give, strongest first
UNKNOWN = "unknown"  # the value of a true/false fact nobody recorded
SEVERITIES = ("contraindication", "caution", "info")
OPERATORS = ("==", "!=", "<", "<=", ">", ">=", "in", "not_in")
PHASES = ("induction", "maintenance")
DOSE_BASES = ("course", "day", "infusion")
STEP_START = "start"
DOSE_LIMIT_FIELDS = ("g_per_kg", "days", "interval_weeks", "max_g_per_day")
LARGEST_NUMBER = 10**15
"""No number a rule or a patient gives may reach this: durable-rules cannot read the exponent
form (1e+16) JSON uses for floats this large, and floats stop being exact integers here."""
DECIMALS = 4
"""Patient numbers are kept to 4 decimal places (JSON writes smaller steps in exponent form,
which durable-rules cannot read), so thresholds are written with at most 4 as well."""


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
class Reference:
    """One entry of a source's numbered reference list: bibliographic facts only."""

    number: int
    authors: str
    title: str
    published_in: str = ""  # journal, website or publisher
    year: int | None = None
    details: str = ""  # volume, issue, pages
    doi: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Section:
    """A part of a source that numbers its references on its own (seed 003 restarts per section)."""

    id: str
    title: str
    references: tuple[Reference, ...] = ()


@dataclass(frozen=True)
class Source:
    """A document rules cite: a seed page the project was built from, or an external guideline.

    Seeds are cited by file name (the name the project's seed collection gives them); readers
    see the title, publisher and reference lists kept here, never a path to a folder.
    """

    id: str
    kind: str  # seed | external
    title: str
    short_title: str = ""  # how a citation names it: "the MS FAQ"
    publisher: str = ""
    authors: str = ""  # external sources with authors: "Devine BJ"
    published_in: str = ""
    year: int | None = None
    url: str | None = None
    doi: str | None = None
    covers: str = ""
    references: tuple[Reference, ...] = ()
    sections: Mapping[str, Section] = field(default_factory=lambda: MappingProxyType({}))

    def reference_list(self, section: str | None = None) -> tuple[Reference, ...]:
        """The numbered references of the source, or of one of its sections."""
        if section is not None:
            return self.sections[section].references
        return self.references


@dataclass(frozen=True, order=True)
class Citation:
    """A source, the section that numbers its references where it has sections, and a number.

    ``text`` is the readable reference a clinician can look up (see :mod:`ivig_rules.citations`);
    it is filled in when the citation is read and takes no part in comparisons.
    """

    source: str
    ref: int | None = None
    section: str | None = None
    text: str = field(default="", compare=False)

    def __str__(self) -> str:
        where = self.source if self.section is None else f"{self.source}#{self.section}"
        return where if self.ref is None else f"{where} [{self.ref}]"

    def to_dict(self) -> dict:
        return {"cite": str(self), "source": self.source, "section": self.section, "ref": self.ref,
                "text": self.text or str(self)}


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

    def statuses_for(self, therapy: str) -> tuple[str, ...]:
        """The statuses a therapy can have (``unavailable`` is not one of IVIG's)."""
        return tuple(s for s, term in self.statuses.items() if therapy not in term.not_for)

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
                values=self.statuses_for(therapy),
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
class Review:
    """When and how the response to a step is judged, in the project's words, cited."""

    text: str
    citations: tuple[Citation, ...]

    def to_dict(self) -> dict:
        return {"text": self.text, "citations": [c.to_dict() for c in self.citations]}


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
    review: Review | None = None
    monitoring: tuple[str, ...] = ()  # monitoring ids of the vocabulary, for this step
    administration: tuple[str, ...] = ()  # administration ids of the vocabulary, for this step
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Outcome:
    ivig: str | None = None
    next_step: str | None = None
    dose: str | None = None
    alerts: tuple[str, ...] = ()
    conflict: str | None = None  # screening rules: the conflict that makes IVIG specialist_review
    monitoring: tuple[str, ...] = ()
    administration: tuple[str, ...] = ()


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
