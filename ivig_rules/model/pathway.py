"""Pathways: therapy steps, dose regimens and the rules that move a patient between them."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Mapping

from .conditions import Condition
from .json_form import json_form
from .sources import Citation
from .teaching import ScreeningTeaching, Teaching
from .vocabulary import Vocabulary


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


@json_form
@dataclass(frozen=True)
class Review:
    """When and how the response to a step is judged, in the project's words, cited."""

    text: str
    citations: tuple[Citation, ...]


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
