"""Turns the set of matched rules into a recommendation for one patient; shared by both engines.

The verdict, step, regimen, alerts raised, notes and rule citations depend only on the fired
rules (``decision``, kept per set in the caller's cache); here are what depends on the patient
too: the alerts' wording for a child or an adult and by dose, the dose, the values of a
conflict's facts, and the safety facts the screening reads that are ``unknown`` (listed as
``not_recorded``, never read as no).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import NoDecisionError
from ..logic.compiler import CompiledPathway
from ..model import SEVERITIES, UNKNOWN, WEIGHT_MISSING, AlertSpec, Citation, Patient, Vocabulary
from ..model.citations import with_text
from ..model.facts import AGE, DIAGNOSIS
from .decision import Decided, decide
from .dosing import ADULT_AGE, Dose, dose_citations, dose_parts, regimen_view
from .frozen import build, template
from .recommendation import Alert, Conflict, Recommendation

__all__ = ["resolve", "resolve_shaped"]


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


_MAX_NOT_RECORDED = 1024  # combinations of screened values remembered per set of fired rules (a bound)
_PER_PATIENT = ("engine", "weight_policy", "patient_id", "diagnosis", "dose", "conflicts", "not_recorded")


def _variant(compiled: CompiledPathway, decided: Decided, child: bool, dose_cited: tuple[Citation, ...] | None, vocab: Vocabulary,
             unusual: tuple[str, ...] = ()) -> _Variant:
    """The alerts (worded for a child or an adult), every citation with its text, and the dose's
    citations with their text, for one (child, dose state, unusual ages) variant; ``dose_cited`` is
    None when a regimen has no dose (no weight); ``unusual`` are the alerts of the vocabulary's age
    checks that warn about this patient."""
    raised = {alert_id: list(rules) for alert_id, rules in decided.raised}
    if decided.regimen is not None and dose_cited is None:
        raised.setdefault(WEIGHT_MISSING, []).append("dosing")
    for alert_id in unusual:
        raised.setdefault(alert_id, []).append("age_plausibility")
    # by severity, then in the vocabulary's order (a stable sort of a list in that order)
    ordered = sorted((a for a in vocab.alerts if a in raised), key=lambda a: SEVERITIES.index(vocab.alerts[a].severity))
    alerts = []
    for alert_id in ordered:
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
        "regimen": regimen_view(decided.regimen, tuple(with_text(c, vocab.sources) for c in decided.regimen.citations))
        if decided.regimen is not None else None,
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
    return resolve_shaped(compiled, matched, patient, vocab, engine=engine, weight_policy=weight_policy, cache=cache)[0]


def resolve_shaped(
    compiled: CompiledPathway,
    matched: frozenset[str],
    patient: Patient,
    vocab: Vocabulary,
    *,
    engine: str,
    weight_policy: str,
    cache: dict | None = None,
) -> tuple[Recommendation, object]:
    """:func:`resolve`'s recommendation and its shape: an object that is the same for every
    recommendation of one cache with every field the same but the patient's own (id, diagnosis,
    the dose's figures, conflicts, safety facts not recorded), so that a writer of many rows can
    write the rest once per shape. Compare shapes by identity only."""
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
    warning = decided.age_warnings
    unusual = tuple(c.alert for c in warning if c.warns(facts)) if warning else ()
    variant = decided.variants.get((child, state, unusual))
    if variant is None:
        cited = dose_citations(regimen, parts[1]) if parts is not None else None
        variant = decided.variants[(child, state, unusual)] = _variant(compiled, decided, child, cited, vocab, unusual)
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
    return rec, variant


def _decided(compiled: CompiledPathway, matched: frozenset[str], patient: Patient, vocab: Vocabulary, cache: dict | None) -> Decided:
    """The decision for a set of fired rules met for the first time, kept in ``cache``; a set
    without a deciding pathway rule is a ruleset gap, reported with the patient's file and line."""
    decided = decide(compiled, matched, vocab)
    if decided is None:
        raise NoDecisionError(compiled.pathway.id, patient.source and f"{patient.source}:{patient.line or 1}")
    if cache is not None:
        cache[matched] = decided
    return decided


def _not_recorded(decided: Decided, facts) -> tuple[str, ...]:
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


def _conflicts(decided: Decided, facts) -> tuple[Conflict, ...]:
    """The decision's conflicts with this patient's values of the facts each is about."""
    return tuple(
        replace(conflict, facts=tuple((fact, facts.get(fact)) for fact in names)) for conflict, names in decided.conflicts
    )
