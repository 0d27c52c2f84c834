"""What a recommendation is, and its JSON form: the answer both engines give and every tool reads.

Kept apart from the resolution that builds it (``recommend``, ``decision``) so that readers of
a recommendation (runner, audit, server, explain) import only these plain frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..model import Citation, Review
from ..model.json_form import json_field, json_form
from .dosing import Dose, Regimen

__all__ = ["Alert", "Advice", "Conflict", "ConflictPosition", "Recommendation"]


@json_form
@dataclass(frozen=True)
class Alert:
    id: str
    severity: str
    message: str
    citations: tuple[Citation, ...]
    rules: tuple[str, ...]


@json_form
@dataclass(frozen=True)
class Advice:
    """A monitoring or administration item raised for this patient, and the rules or step raising it."""

    id: str
    text: str
    citations: tuple[Citation, ...]
    rules: tuple[str, ...]


@json_form
@dataclass(frozen=True)
class ConflictPosition:
    role: str  # pathway (the pathway's own verdict) | source (another source's position)
    says: str
    citations: tuple[Citation, ...]


@json_form
@dataclass(frozen=True)
class Conflict:
    """Sources that disagree about IVIG for a fact this patient has; the verdict is specialist_review."""

    id: str
    summary: str
    facts: tuple[tuple[str, Any], ...] = json_field(convert=dict)  # (fact, value) pairs; a mapping in JSON
    positions: tuple[ConflictPosition, ...]
    rules: tuple[str, ...]


@dataclass(frozen=True)
class Recommendation:
    pathway: str
    pathway_title: str
    ruleset_version: str
    engine: str
    weight_policy: str
    patient_id: str | None
    diagnosis: str
    ivig: str
    next_step: str | None
    step: str | None
    step_label: str | None
    line_of_therapy: int | None  # JSON key: line (every other .line here is a source line)
    with_therapies: tuple[str, ...]
    dose: Dose | None
    alerts: tuple[Alert, ...]
    rules_fired: tuple[str, ...]
    rules_matched: tuple[str, ...]
    decided_by: str
    evidence: str | None
    citations: tuple[Citation, ...]
    notes: tuple[str, ...]
    pathway_verdict: str = ""
    conflicts: tuple[Conflict, ...] = ()
    not_recorded: tuple[str, ...] = ()
    review: Review | None = None
    monitoring: tuple[Advice, ...] = ()
    administration: tuple[Advice, ...] = ()
    regimen: Regimen | None = None  # the next step's regimen per kg, with or without a dose in grams

    @property
    def alert_ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.alerts)

    def to_dict(self) -> dict:
        return {
            "pathway": self.pathway,
            "pathway_title": self.pathway_title,
            "ruleset_version": self.ruleset_version,
            "engine": self.engine,
            "weight_policy": self.weight_policy,
            "patient_id": self.patient_id,
            "diagnosis": self.diagnosis,
            "ivig": self.ivig,
            "pathway_verdict": self.pathway_verdict or self.ivig,
            "conflicts": [c.to_dict() for c in self.conflicts],
            "not_recorded": list(self.not_recorded),
            "next_step": self.next_step,
            "step": self.step,
            "step_label": self.step_label,
            "line": self.line_of_therapy,
            "with": list(self.with_therapies),
            "dose": self.dose.to_dict() if self.dose else None,
            "regimen": self.regimen.to_dict() if self.regimen else None,
            "review": self.review.to_dict() if self.review else None,
            "alerts": [a.to_dict() for a in self.alerts],
            "monitoring": [m.to_dict() for m in self.monitoring],
            "administration": [m.to_dict() for m in self.administration],
            "rules_fired": list(self.rules_fired),
            "rules_matched": list(self.rules_matched),
            "decided_by": self.decided_by,
            "evidence": self.evidence,
            "citations": [c.to_dict() for c in self.citations],
            "notes": list(self.notes),
        }
