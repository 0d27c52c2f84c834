"""Turns the set of matched rules into a recommendation; shared by both engines.

Hit policy (docs/ruleset-format.md): among a pathway's matching rules that give an IVIG
verdict, the first in file order decides; every matching rule adds its alerts. Screening rules
apply only where the verdict is one the screening covers (recommended, consider); a screening
rule may turn the verdict into ``contraindicated``. Nothing depends on the order of the
patient's facts or on the order in which an engine reports its matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .compiler import CompiledPathway, CompiledRule
from .dosing import ADULT_AGE, Dose, compute_dose, course_g_per_kg
from .errors import NoDecisionError
from .model import SEVERITIES, AlertSpec, Citation, DoseRegimen, Patient, Step, Vocabulary

__all__ = ["Alert", "Recommendation", "resolve"]


@dataclass(frozen=True)
class Alert:
    id: str
    severity: str
    message: str
    citations: tuple[Citation, ...]
    rules: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "severity": self.severity,
            "message": self.message,
            "citations": [str(c) for c in self.citations],
            "rules": list(self.rules),
        }


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
    line: int | None
    with_therapies: tuple[str, ...]
    dose: Dose | None
    alerts: tuple[Alert, ...]
    rules_fired: tuple[str, ...]
    rules_matched: tuple[str, ...]
    decided_by: str
    evidence: str | None
    citations: tuple[Citation, ...]
    notes: tuple[str, ...]

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
            "next_step": self.next_step,
            "step": self.step,
            "step_label": self.step_label,
            "line": self.line,
            "with": list(self.with_therapies),
            "dose": self.dose.to_dict() if self.dose else None,
            "alerts": [a.to_dict() for a in self.alerts],
            "rules_fired": list(self.rules_fired),
            "rules_matched": list(self.rules_matched),
            "decided_by": self.decided_by,
            "evidence": self.evidence,
            "citations": [str(c) for c in self.citations],
            "notes": list(self.notes),
        }


def _unique(citations: Iterable[Citation]) -> tuple[Citation, ...]:
    """First occurrences in order; a dict keeps order and finds duplicates by hash, not by scanning."""
    return tuple(dict.fromkeys(citations))


def _alert_message(spec: AlertSpec, g_per_kg: float | None, patient: Patient) -> str:
    """The alert's wording for this patient: the child wording under 18, vaccine intervals by dose."""
    age = patient["age_years"]
    if spec.child_message and age is not None and float(age) < ADULT_AGE:
        return spec.child_message
    if not spec.vaccine_intervals:
        return spec.message
    table = "; ".join(
        f"about {i.months} months after up to {i.up_to_g_per_kg:g} g/kg" for i in spec.vaccine_intervals
    )
    text = f"{spec.message} Before a measles- or varicella-containing vaccine wait {table} (US ACIP)."
    if g_per_kg is not None:
        interval = next((i for i in spec.vaccine_intervals if g_per_kg <= i.up_to_g_per_kg + 1e-9), None)
        months = interval.months if interval else spec.vaccine_intervals[-1].months
        text += f" For this course ({g_per_kg:g} g/kg): about {months} months."
    return text


@dataclass(frozen=True)
class _Decided:
    """What depends only on the set of fired rules: worked out once per pathway and set."""

    decision: CompiledRule
    decider: CompiledRule
    verdict: str
    step: Step | None
    regimen: DoseRegimen | None
    raised: tuple[tuple[str, tuple[str, ...]], ...]  # alert id -> rules raising it, in order raised
    ivig_course: float | None
    notes: tuple[str, ...]
    rule_citations: tuple[Citation, ...]  # decider, decision, contributing rules, step
    rules_fired: tuple[str, ...]
    rules_matched: tuple[str, ...]
    variants: dict  # (child, dose state: none, missing or the weight basis) -> (alerts, citations), filled as met


def _decide(compiled: CompiledPathway, matched: frozenset[str]) -> _Decided | None:
    pathway, screening = compiled.pathway, compiled.screening
    fired: list[CompiledRule] = [r for r in compiled.rules if r.name in matched]
    decision = next((r for r in fired if r.origin == "pathway" and r.rule.decides), None)
    if decision is None:
        return None
    verdict = decision.rule.then.ivig
    step: Step | None = pathway.steps[decision.rule.then.next_step] if decision.rule.then.next_step else None
    contributing = [r for r in fired if r.origin == "pathway" and (r is decision or not r.rule.decides)]
    screening_rules = [r for r in fired if r.origin == "screening"] if verdict in screening.applies_to else []
    override = next((r for r in screening_rules if r.rule.then.ivig == "contraindicated"), None)
    if override is not None:
        # No IVIG will be given: infusion advice (premedication, vaccines, IgA, cautions) no
        # longer applies; only the contraindicating rules speak, and they decided.
        verdict = "contraindicated"
        contributing += [r for r in screening_rules if r.rule.then.ivig == "contraindicated"]
        if step is not None and step.therapy == "ivig":
            step = None
    else:
        contributing += screening_rules
    decider = override or decision

    dose_id = decision.rule.then.dose or (step.dose if step else None)
    if step is None:
        dose_id = None
    regimen = pathway.doses[dose_id] if dose_id else None

    raised: dict[str, list[str]] = {}
    for rule in contributing:
        for alert_id in rule.rule.then.alerts:
            raised.setdefault(alert_id, []).append(rule.rule.qualified_id)
    ivig_course = course_g_per_kg(regimen) if regimen is not None and regimen.therapy == "ivig" else None

    notes = [n for n in (decider.rule.notes,) if n]
    if override is not None:
        notes.append(
            f"Without the contraindication the pathway would give '{decision.rule.then.ivig}' "
            f"({decision.rule.qualified_id}); the safety rule {override.rule.qualified_id} rules IVIG out."
        )
    if step is not None and step.notes:
        notes.append(step.notes)
    citations = list(decider.rule.citations) + list(decision.rule.citations)
    for rule in contributing:
        citations.extend(rule.rule.citations)
    if step is not None:
        citations.extend(step.citations)
    return _Decided(
        decision, decider, verdict, step, regimen, tuple((a, tuple(r)) for a, r in raised.items()), ivig_course,
        tuple(notes), tuple(citations),
        tuple(r.rule.qualified_id for r in fired if r in contributing), tuple(r.rule.qualified_id for r in fired), {},
    )


def _alerts_and_citations(decided: _Decided, dose: Dose | None, patient: Patient, vocab: Vocabulary):
    """The alerts (worded for this patient) and every citation, for one (child, dose state) variant."""
    raised = {alert_id: list(rules) for alert_id, rules in decided.raised}
    if decided.regimen is not None and dose is None:
        raised.setdefault("weight_missing", []).append("dosing")
    order = {alert_id: i for i, alert_id in enumerate(vocab.alerts)}
    alerts = []
    for alert_id in sorted(raised, key=lambda a: (SEVERITIES.index(vocab.alerts[a].severity), order[a])):
        spec = vocab.alerts[alert_id]
        alerts.append(
            Alert(alert_id, spec.severity, _alert_message(spec, decided.ivig_course, patient), spec.citations, tuple(raised[alert_id]))
        )
    citations = list(decided.rule_citations)
    if dose is not None:
        citations.extend(dose.citations)
    elif decided.regimen is not None:
        citations.extend(decided.regimen.citations)
    for alert in alerts:
        citations.extend(alert.citations)
    return tuple(alerts), _unique(citations)


def resolve(
    compiled: CompiledPathway,
    matched: frozenset[str],
    patient: Patient,
    vocab: Vocabulary,
    *,
    engine: str,
    weight_policy: str,
    cache: dict | None = None,
) -> Recommendation:
    """The recommendation for this patient; ``cache`` (one dict per compiled pathway and
    vocabulary, kept by the caller) keeps what depends only on the fired rules, so that per
    patient only the dose and the age-dependent wording are worked out."""
    decided = cache.get(matched) if cache is not None else None
    if decided is None:
        decided = _decide(compiled, matched)
        if cache is not None and decided is not None:
            cache[matched] = decided
    if decided is None:
        raise NoDecisionError(compiled.pathway.id, patient.source and f"{patient.source}:{patient.line or 1}")
    regimen, step = decided.regimen, decided.step
    dose: Dose | None = compute_dose(regimen, patient, weight_policy) if regimen else None
    age = patient["age_years"]
    child = age is not None and float(age) < ADULT_AGE
    state = None if regimen is None else "missing" if dose is None else dose.weight_basis  # what the citations depend on
    variant = decided.variants.get((child, state))
    if variant is None:
        variant = decided.variants[(child, state)] = _alerts_and_citations(decided, dose, patient, vocab)
    alerts, citations = variant
    pathway = compiled.pathway
    return Recommendation(
        pathway=pathway.id,
        pathway_title=pathway.title,
        ruleset_version=pathway.version,
        engine=engine,
        weight_policy=weight_policy,
        patient_id=patient.id,
        diagnosis=patient.diagnosis,
        ivig=decided.verdict,
        next_step=step.therapy if step else None,
        step=step.id if step else None,
        step_label=step.label if step else None,
        line=step.line_of_therapy if step else None,
        with_therapies=step.with_therapies if step else (),
        dose=dose,
        alerts=alerts,
        rules_fired=decided.rules_fired,
        rules_matched=decided.rules_matched,
        decided_by=decided.decider.rule.qualified_id,
        evidence=decided.decider.rule.evidence,
        citations=citations,
        notes=decided.notes,
    )
