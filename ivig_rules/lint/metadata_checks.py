"""Governance warnings: pathways past their review date, rules without an evidence level."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from .._text import plural
from ..loading.marked_yaml import line_of
from ..model import Pathway, Rule
from .findings import WARNING, LintFinding

__all__ = ["review_findings", "evidence_findings", "silence_findings"]


def review_findings(pathway: Pathway, doc: Any, today: _dt.date) -> list[LintFinding]:
    """A warning when the pathway's review date has passed (``today`` is given, for tests)."""
    if pathway.review_due >= today:
        return []
    header = doc.get("pathway") if isinstance(doc, dict) else None
    key = "review_due" if isinstance(header, dict) and "review_due" in header else "last_reviewed"
    days = (today - pathway.review_due).days
    return [
        LintFinding(
            WARNING, "review-overdue",
            f"the pathway {pathway.id!r} was due for review on {pathway.review_due.isoformat()} "
            f"({plural(days, 'day')} ago; last reviewed {pathway.last_reviewed.isoformat()})",
            file=pathway.file, line=line_of(header, key) if isinstance(header, dict) else 1,
            key=f"pathway.{key}", pathway=pathway.id,
        )
    ]


def evidence_findings(rules: tuple[Rule, ...], owner: str | None) -> list[LintFinding]:
    """A warning for each rule that states no evidence level."""
    return [
        LintFinding(
            WARNING, "no-evidence", f"the rule {rule.id!r} gives no evidence level ('evidence:')",
            file=rule.file, line=rule.line, pathway=owner, rules=(rule.id,),
        )
        for rule in rules
        if rule.evidence is None
    ]


def silence_findings(rules: tuple[Rule, ...], owner: str | None) -> list[LintFinding]:
    """A warning for silence shown as a decision: 'not_indicated' resting on insufficient evidence.

    'not_indicated' says a source's conditions for IVIG are not met; a rule whose evidence is
    'insufficient' says the sources are silent, which is 'no_guidance'.
    """
    return [
        LintFinding(
            WARNING, "silence-as-exclusion",
            f"the rule {rule.id!r} gives 'not_indicated' on insufficient evidence: where the sources "
            "are silent the verdict is 'no_guidance'; 'not_indicated' needs a source that excludes IVIG",
            file=rule.file, line=rule.line, pathway=owner, rules=(rule.id,),
        )
        for rule in rules
        if rule.then.ivig == "not_indicated" and rule.evidence == "insufficient"
    ]
