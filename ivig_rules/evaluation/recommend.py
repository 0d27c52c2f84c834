"""Turns the set of matched rules into a recommendation; shared by both engines.

Hit policy (docs/ruleset-format.md): among a pathway's matching rules that give an IVIG
verdict, the first in file order decides; every matching rule adds its alerts. Screening rules
apply only where the verdict is one the screening covers (recommended, consider); a screening
rule may turn the verdict into ``contraindicated`` or, where the sources disagree for a fact
the patient has, ``specialist_review`` (the strongest wins; the pathway's own verdict is kept
as ``pathway_verdict`` and the disagreement as ``conflicts``). Safety facts the screening reads
that are ``unknown`` are listed as ``not_recorded``. Nothing depends on the order of the
patient's facts or on the order in which an engine reports its matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..model.citations import with_text
from ..logic.compiler import CompiledPathway, CompiledRule, fact_of_key, predicate_keys
from ..model.facts import AGE, DIAGNOSIS
from .dosing import ADULT_AGE, Dose, dose_citations, dose_parts
from .frozen import build, template
from ..errors import NoDecisionError
from ..model import (
    SCREENING_VERDICTS,
    SEVERITIES,
    UNKNOWN,
    AlertSpec,
    Citation,
    DoseRegimen,
    Patient,
    Review,
    Step,
    Vocabulary,
)

__all__ = ["Alert", "Advice", "Conflict", "ConflictPosition", "Recommendation", "resolve"]


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
            "citations": [c.to_dict() for c in self.citations],
            "rules": list(self.rules),
        }


@dataclass(frozen=True)
class Advice:
    """A monitoring or administration item raised for this patient, and the rules or step raising it."""

    id: str
    text: str
    citations: tuple[Citation, ...]
    rules: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"id": self.id, "text": self.text, "citations": [c.to_dict() for c in self.citations], "rules": list(self.rules)}


@dataclass(frozen=True)
class ConflictPosition:
    role: str  # pathway (the pathway's own verdict) | source (another source's position)
    says: str
    citations: tuple[Citation, ...]

    def to_dict(self) -> dict:
        return {"role": self.role, "says": self.says, "citations": [c.to_dict() for c in self.citations]}


@dataclass(frozen=True)
class Conflict:
    """Sources that disagree about IVIG for a fact this patient has; the verdict is specialist_review."""

    id: str
    summary: str
    facts: tuple[tuple[str, Any], ...]
    positions: tuple[ConflictPosition, ...]
    rules: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "summary": self.summary,
            "facts": dict(self.facts),
            "positions": [p.to_dict() for p in self.positions],
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


def _course_g_per_kg(regimen: DoseRegimen) -> tuple[float, float | None]:
    """Grams per kg in the course or infusion worked out (the regimen's default amount, which is
    what ``compute_dose`` gives every patient), and at the top of the source's range."""
    days = regimen.days.default
    g_per_kg = regimen.g_per_kg.default
    course = g_per_kg * days if regimen.per == "day" else g_per_kg
    top = None
    if regimen.g_per_kg.is_range or (regimen.days.is_range and regimen.per == "day"):
        high_g = regimen.g_per_kg.maximum if regimen.g_per_kg.maximum is not None else g_per_kg
        high_days = regimen.days.maximum if regimen.days.maximum is not None else days
        top = high_g * high_days if regimen.per == "day" else high_g
    return course, top


def _months(spec: AlertSpec, g_per_kg: float) -> int:
    interval = next((i for i in spec.vaccine_intervals if g_per_kg <= i.up_to_g_per_kg + 1e-9), None)
    return interval.months if interval else spec.vaccine_intervals[-1].months


def _alert_message(spec: AlertSpec, course: tuple[float, float | None] | None, patient: Patient | bool) -> str:
    """The alert's wording for this patient (or for a child, given True): the child wording
    under 18, vaccine months by dose."""
    child = patient if isinstance(patient, bool) else _is_child(patient.facts)
    if spec.child_message and child:
        return spec.child_message
    if not spec.vaccine_intervals:
        return spec.message
    table = "; ".join(
        f"about {i.months} months after up to {i.up_to_g_per_kg:g} g/kg" for i in spec.vaccine_intervals
    )
    text = f"{spec.message} Before a measles- or varicella-containing vaccine wait {table} (US ACIP)."
    if course is not None:
        g_per_kg, top = course
        text += f" For this course ({g_per_kg:g} g/kg): about {_months(spec, g_per_kg)} months"
        if top is not None and top > g_per_kg + 1e-9:
            text += f"; about {_months(spec, top)} months if it is raised to the top of its range ({top:g} g/kg)"
        text += "."
    return text


def _advice(kind: dict, specs) -> tuple[Advice, ...]:
    """Raised items in the vocabulary's order, each with the rules (or step) raising it."""
    order = {advice_id: i for i, advice_id in enumerate(specs)}
    out = []
    for advice_id, rules in sorted(kind.items(), key=lambda item: order[item[0]]):
        spec = specs[advice_id]
        out.append(Advice(advice_id, spec.text, spec.citations, tuple(rules)))
    return tuple(out)


def _conflict_template(rule: CompiledRule, decision: CompiledRule, pathway_title: str, vocab: Vocabulary):
    """A conflict without the patient's values, and the facts whose values fill it."""
    spec = vocab.conflicts[rule.rule.then.conflict]
    verdict = vocab.verdicts[decision.rule.then.ivig].label
    own = ConflictPosition(
        "pathway",
        f"{pathway_title}: {verdict} ({decision.rule.qualified_id}): {decision.rule.description or ''}".rstrip(": "),
        decision.rule.citations,
    )
    others = tuple(ConflictPosition("source", p.says, p.citations) for p in spec.positions)
    facts = tuple(fact_of_key(key) for key in sorted(predicate_keys(rule.predicate)))
    return Conflict(spec.id, spec.summary, (), (own, *others), (rule.rule.qualified_id,)), facts


@dataclass(frozen=True)
class _Decided:
    """What depends only on the set of fired rules: worked out once per pathway and set."""

    decision: CompiledRule
    decider: CompiledRule
    verdict: str
    pathway_verdict: str
    step: Step | None
    regimen: DoseRegimen | None
    raised: tuple[tuple[str, tuple[str, ...]], ...]  # alert id -> rules raising it, in order raised
    ivig_course: tuple[float, float | None] | None  # g/kg per course, and at the top of its range
    notes: tuple[str, ...]
    rule_citations: tuple[Citation, ...]  # decider, decision, contributing rules, step, conflicts, advice
    rules_fired: tuple[str, ...]
    rules_matched: tuple[str, ...]
    conflicts: tuple  # (conflict without facts, the facts to fill in from the patient)
    screened_facts: tuple[str, ...]  # safety facts to report when unknown ('not recorded')
    monitoring: tuple[Advice, ...]
    administration: tuple[Advice, ...]
    variants: dict  # (child, dose state) -> _Variant, filled as met
    first_cited: dict = field(default_factory=dict)  # rule_citations' first occurrences (as dict keys), filled once
    not_recorded: dict = field(default_factory=dict)  # the screened facts' values -> those 'unknown', filled as met


def _is_child(facts) -> bool:
    age = facts.get(AGE)
    return age is not None and float(age) < ADULT_AGE


@dataclass(frozen=True)
class _Variant:
    """What a recommendation takes from its fired rules, the patient's age band and the dose's
    citations: every Recommendation field but the patient's own (id, diagnosis, dose, conflict
    facts, safety facts not recorded) and the caller's (engine, weight policy)."""

    fields: dict
    dose_citations: tuple[Citation, ...]  # the dose's citations, with their text


@dataclass(frozen=True)
class _Verdict:
    """The verdict after the screening, and what it leaves standing: the rest of the decision
    (dose, alerts, notes, citations) reads only this."""

    decision: CompiledRule  # the pathway rule that gives the pathway's verdict
    override: CompiledRule | None  # the strongest screening rule changing that verdict
    verdict: str
    pathway_verdict: str
    step: Step | None  # None when the screening rules out an IVIG step
    contributing: list[CompiledRule]  # the rules whose alerts, advice and citations count
    conflicts: tuple  # (conflict without facts, the facts to fill in from the patient)


def _verdict(compiled: CompiledPathway, fired: list[CompiledRule], vocab: Vocabulary) -> _Verdict | None:
    """The first deciding pathway rule's verdict, overridden by the strongest screening rule
    where the screening applies (the hit policy in this module's docstring); None when no
    pathway rule decides."""
    pathway, screening = compiled.pathway, compiled.screening
    decision = next((r for r in fired if r.origin == "pathway" and r.rule.decides), None)
    if decision is None:
        return None
    pathway_verdict = verdict = decision.rule.then.ivig
    step: Step | None = pathway.steps[decision.rule.then.next_step] if decision.rule.then.next_step else None
    contributing = [r for r in fired if r.origin == "pathway" and (r is decision or not r.rule.decides)]
    screening_rules = [r for r in fired if r.origin == "screening"] if verdict in screening.applies_to else []
    overriding = [r for r in screening_rules if r.rule.then.ivig is not None]
    override = min(overriding, key=lambda r: SCREENING_VERDICTS.index(r.rule.then.ivig), default=None)
    conflicts: tuple = ()
    if override is not None and override.rule.then.ivig == "contraindicated":
        # No IVIG will be given: infusion advice (premedication, vaccines, IgA, cautions) no
        # longer applies; only the contraindicating rules speak, and they decided.
        verdict = "contraindicated"
        contributing += [r for r in screening_rules if r.rule.then.ivig == "contraindicated"]
        if step is not None and step.therapy == "ivig":
            step = None
    else:
        contributing += screening_rules
        if override is not None:
            # The sources disagree for a fact this patient has: no go-ahead, a specialist decides.
            verdict = override.rule.then.ivig
            conflicts = tuple(
                _conflict_template(r, decision, pathway.title, vocab) for r in overriding if r.rule.then.conflict
            )
    return _Verdict(decision, override, verdict, pathway_verdict, step, contributing, conflicts)


def _regimen(pathway, verdict: _Verdict) -> DoseRegimen | None:
    """The deciding rule's dose, else its step's; none without a step (no IVIG step, no dose)."""
    step = verdict.step
    if step is None:
        return None
    dose_id = verdict.decision.rule.then.dose or step.dose
    return pathway.doses[dose_id] if dose_id else None


def _raised(verdict: _Verdict, pathway_id: str) -> tuple[dict, dict, dict]:
    """Alerts, monitoring and administration items, each with the rules (or step) raising it,
    in the order raised."""
    raised: dict[str, list[str]] = {}
    monitoring: dict[str, list[str]] = {}
    administration: dict[str, list[str]] = {}
    for rule in verdict.contributing:
        for alert_id in rule.rule.then.alerts:
            raised.setdefault(alert_id, []).append(rule.rule.qualified_id)
        for item in rule.rule.then.monitoring:
            monitoring.setdefault(item, []).append(rule.rule.qualified_id)
        for item in rule.rule.then.administration:
            administration.setdefault(item, []).append(rule.rule.qualified_id)
    step = verdict.step
    if step is not None:
        for item in step.monitoring:
            monitoring.setdefault(item, []).append(f"{pathway_id}.step.{step.id}")
        for item in step.administration:
            administration.setdefault(item, []).append(f"{pathway_id}.step.{step.id}")
    return raised, monitoring, administration


def _screened_facts(compiled: CompiledPathway, verdict: _Verdict, vocab: Vocabulary) -> tuple[str, ...]:
    """The safety facts the screening reads, in the vocabulary's order, where the screening
    applied and did not rule IVIG out: those 'unknown' are reported as not recorded."""
    if verdict.pathway_verdict not in compiled.screening.applies_to or verdict.verdict == "contraindicated":
        return ()
    read = set(compiled.screening_facts)
    return tuple(f for f in vocab.facts if f in read)


def _notes(verdict: _Verdict) -> tuple[str, ...]:
    """The deciding rule's notes, why the screening changed the verdict, and the step's notes."""
    decision, override, step = verdict.decision, verdict.override, verdict.step
    decider = override or decision
    notes = [n for n in (decider.rule.notes,) if n]
    if override is not None and verdict.verdict == "contraindicated":
        notes.append(
            f"Without the contraindication the pathway would give '{verdict.pathway_verdict}' "
            f"({decision.rule.qualified_id}); the safety rule {override.rule.qualified_id} rules IVIG out."
        )
    elif override is not None:
        notes.append(
            f"The pathway alone gives '{verdict.pathway_verdict}' ({decision.rule.qualified_id}), but the sources "
            f"disagree for this patient ({', '.join(c.id for c, _ in verdict.conflicts)}): this is not a go-ahead. "
            "A specialist weighs the conflict before any IVIG is given."
        )
        if decision.rule.notes:
            notes.append(decision.rule.notes)
    if step is not None and step.notes:
        notes.append(step.notes)
    return tuple(notes)


def _rule_citations(verdict: _Verdict, advice: tuple[Advice, ...]) -> tuple[Citation, ...]:
    """Every citation the fired rules bring, duplicates kept (removed per variant), in order:
    decider, decision, contributing rules, step and its review, conflicts, advice."""
    decision, step = verdict.decision, verdict.step
    citations = list((verdict.override or decision).rule.citations) + list(decision.rule.citations)
    for rule in verdict.contributing:
        citations.extend(rule.rule.citations)
    if step is not None:
        citations.extend(step.citations)
        if step.review is not None:
            citations.extend(step.review.citations)
    for conflict, _ in verdict.conflicts:
        for position in conflict.positions:
            citations.extend(position.citations)
    for item in advice:
        citations.extend(item.citations)
    return tuple(citations)


def _decide(compiled: CompiledPathway, matched: frozenset[str], vocab: Vocabulary) -> _Decided | None:
    """Everything that depends only on the set of fired rules, put together once per set."""
    fired: list[CompiledRule] = [r for r in compiled.rules if r.name in matched]
    verdict = _verdict(compiled, fired, vocab)
    if verdict is None:
        return None
    pathway = compiled.pathway
    regimen = _regimen(pathway, verdict)
    raised, monitoring, administration = _raised(verdict, pathway.id)
    monitoring_items = _advice(monitoring, vocab.monitoring)
    administration_items = _advice(administration, vocab.administration)
    contributing = verdict.contributing
    return _Decided(
        decision=verdict.decision,
        decider=verdict.override or verdict.decision,
        verdict=verdict.verdict,
        pathway_verdict=verdict.pathway_verdict,
        step=verdict.step,
        regimen=regimen,
        raised=tuple((a, tuple(r)) for a, r in raised.items()),
        ivig_course=_course_g_per_kg(regimen) if regimen is not None and regimen.therapy == "ivig" else None,
        notes=_notes(verdict),
        rule_citations=_rule_citations(verdict, monitoring_items + administration_items),
        rules_fired=tuple(r.rule.qualified_id for r in fired if r in contributing),
        rules_matched=tuple(r.rule.qualified_id for r in fired),
        conflicts=verdict.conflicts,
        screened_facts=_screened_facts(compiled, verdict, vocab),
        monitoring=monitoring_items,
        administration=administration_items,
        variants={},
    )


_MAX_NOT_RECORDED = 1024  # combinations of screened values remembered per set of fired rules (a bound)
_PER_PATIENT = ("engine", "weight_policy", "patient_id", "diagnosis", "dose", "conflicts", "not_recorded")


def _variant(compiled: CompiledPathway, decided: _Decided, child: bool, dose_cited: tuple[Citation, ...] | None, vocab: Vocabulary) -> _Variant:
    """The alerts (worded for a child or an adult), every citation with its text, and the dose's
    citations with their text, for one (child, dose state) variant; ``dose_cited`` is None when a
    regimen has no dose (no weight)."""
    raised = {alert_id: list(rules) for alert_id, rules in decided.raised}
    if decided.regimen is not None and dose_cited is None:
        raised.setdefault("weight_missing", []).append("dosing")
    order = {alert_id: i for i, alert_id in enumerate(vocab.alerts)}
    alerts = []
    for alert_id in sorted(raised, key=lambda a: (SEVERITIES.index(vocab.alerts[a].severity), order[a])):
        spec = vocab.alerts[alert_id]
        alerts.append(
            Alert(alert_id, spec.severity, _alert_message(spec, decided.ivig_course, child), spec.citations, tuple(raised[alert_id]))
        )
    dose_citations = tuple(with_text(c, vocab.sources) for c in dose_cited) if dose_cited is not None else ()
    # first occurrences in order: the rules' citations de-duplicated once per set of fired rules
    # (a dict copy keeps its hashes), then the dose's or regimen's and the alerts'
    if not decided.first_cited:
        decided.first_cited.update(dict.fromkeys(decided.rule_citations))
    unique = decided.first_cited.copy()
    if dose_cited is not None:
        unique.update(dict.fromkeys(dose_citations))
    elif decided.regimen is not None:
        unique.update(dict.fromkeys(decided.regimen.citations))
    for alert in alerts:
        unique.update(dict.fromkeys(alert.citations))
    pathway, step = compiled.pathway, decided.step
    fields = template(Recommendation, {
        "pathway": pathway.id,
        "pathway_title": pathway.title,
        "ruleset_version": pathway.version,
        "ivig": decided.verdict,
        "next_step": step.therapy if step else None,
        "step": step.id if step else None,
        "step_label": step.label if step else None,
        "line_of_therapy": step.line_of_therapy if step else None,
        "with_therapies": step.with_therapies if step else (),
        "alerts": tuple(alerts),
        "rules_fired": decided.rules_fired,
        "rules_matched": decided.rules_matched,
        "decided_by": decided.decider.rule.qualified_id,
        "evidence": decided.decider.rule.evidence,
        "citations": tuple(with_text(c, vocab.sources) for c in unique),
        "notes": decided.notes,
        "pathway_verdict": decided.pathway_verdict,
        "review": step.review if step is not None else None,
        "monitoring": decided.monitoring,
        "administration": decided.administration,
    }, later=_PER_PATIENT)
    return _Variant(fields, dose_citations)


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
    patient only the dose, the age-dependent wording, the facts of a conflict and the safety
    facts not recorded are worked out."""
    decided = cache.get(matched) if cache is not None else None
    if decided is None:
        decided = _decided(compiled, matched, patient, vocab, cache)
    facts = patient.facts
    regimen = decided.regimen
    parts = dose_parts(regimen, patient, weight_policy) if regimen is not None else None
    # what the alerts and citations depend on: no regimen, no weight, or the dose's own citations
    state = None if regimen is None else "missing" if parts is None else parts[1]
    age = facts.get(AGE)
    child = age is not None and float(age) < ADULT_AGE  # as _is_child, inline on the hot path
    variant = decided.variants.get((child, state))
    if variant is None:
        cited = dose_citations(regimen, parts[1]) if parts is not None else None
        variant = decided.variants[(child, state)] = _variant(compiled, decided, child, cited, vocab)
    dose = build(Dose, parts[0], {"citations": variant.dose_citations}) if parts is not None else None
    # the variant's template, then the patient's own fields and the caller's (_PER_PATIENT), set
    # one by one as frozen.build allows: no dataclass __init__ on the hot path
    rec = build(Recommendation, variant.fields)
    state = rec.__dict__
    patient_id = facts.get("id")
    state["engine"] = engine
    state["weight_policy"] = weight_policy
    state["patient_id"] = None if patient_id is None else str(patient_id)
    state["diagnosis"] = str(facts[DIAGNOSIS])
    state["dose"] = dose
    state["conflicts"] = _conflicts(decided, facts) if decided.conflicts else ()
    state["not_recorded"] = _not_recorded(decided, facts) if decided.screened_facts else ()
    return rec


def _decided(compiled: CompiledPathway, matched: frozenset[str], patient: Patient, vocab: Vocabulary, cache: dict | None) -> _Decided:
    """The decision for a set of fired rules met for the first time, kept in ``cache``; a set
    without a deciding pathway rule is a ruleset gap, reported with the patient's file and line."""
    decided = _decide(compiled, matched, vocab)
    if decided is None:
        raise NoDecisionError(compiled.pathway.id, patient.source and f"{patient.source}:{patient.line or 1}")
    if cache is not None:
        cache[matched] = decided
    return decided


def _not_recorded(decided: _Decided, facts) -> tuple[str, ...]:
    """The screened safety facts this patient has as 'unknown' (fail safe: reported, never read
    as no), remembered per combination of their values up to a bound."""
    screened = decided.screened_facts
    values = tuple(map(facts.get, screened))
    try:
        not_recorded = decided.not_recorded.get(values)
    except TypeError:  # an unhashable value (a Patient built by hand): worked out, not kept
        not_recorded = None
        values = None
    if not_recorded is None:
        not_recorded = tuple(f for f in screened if facts.get(f) == UNKNOWN)
        if values is not None and len(decided.not_recorded) < _MAX_NOT_RECORDED:
            decided.not_recorded[values] = not_recorded
    return not_recorded


def _conflicts(decided: _Decided, facts) -> tuple[Conflict, ...]:
    """The decision's conflicts with this patient's values of the facts each is about."""
    return tuple(
        replace(conflict, facts=tuple((fact, facts.get(fact)) for fact in names)) for conflict, names in decided.conflicts
    )
