"""Turns the set of matched rules into a recommendation for one patient; shared by both engines.

The verdict, step, regimen, alerts raised, notes and rule citations depend only on the fired
rules (``decision``, kept per set in the caller's cache); here are what depends on the patient
too: the alerts' wording for a child or an adult and by dose, the dose, the values of a
conflict's facts, and the safety facts the screening reads that are ``unknown`` (listed as
``not_recorded``, never read as no).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from operator import attrgetter

from ..errors import NoDecisionError
from ..logic.compiler import CompiledPathway
from ..model.derived import derived
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


_MAX_NOT_RECORDED = 1024  # combinations of screened values remembered per rules that count (a bound)
_MAX_PIECES = 4096  # shared pieces of a kind kept per vocabulary (a bound, far above what the shipped rulesets need)
_PER_PATIENT = ("engine", "weight_policy", "patient_id", "diagnosis", "dose", "conflicts", "not_recorded")
_CITED = attrgetter("source", "ref", "section")  # what a Citation compares and hashes, as a tuple hashed in C


class _Pieces:
    """Per vocabulary (kept with it, see :func:`_pieces`): what the variants of many decisions
    share, each built once as met (up to ``_MAX_PIECES`` of a kind): the Alerts, one per (alert,
    child, course, rules), as the vaccine wording is long to write; the alerts raised, per
    decision's alerts, course, age band, weight missing and unusual-age alerts; the dose plans'
    citations with their text; and per citation what it compares as and itself with its text."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.specs = vocab.alerts
        self.sources = vocab.sources
        self.position = {alert_id: i for i, alert_id in enumerate(vocab.alerts)}
        self.alert: dict[tuple, Alert] = {}
        self.raised: dict[tuple, tuple[Alert, ...]] = {}
        self.texted: dict[int, tuple] = {}  # id of a tuple of citations -> (that tuple, with their text)
        self.cited: dict[int, tuple] = {}  # id of a citation -> (it, what it compares as, it with its text)

    def alerts(self, decided: Decided, child: bool, weight_missing: bool, unusual: tuple[str, ...]) -> tuple[Alert, ...]:
        """The alerts raised, worded for a child or an adult, by severity, then in the vocabulary's order."""
        key = (decided.raised, decided.ivig_course, child, weight_missing, unusual)
        alerts = self.raised.get(key)
        if alerts is None:
            raised = {alert_id: list(rules) for alert_id, rules in decided.raised}
            if weight_missing:
                raised.setdefault(WEIGHT_MISSING, []).append("dosing")
            for alert_id in unusual:
                raised.setdefault(alert_id, []).append("age_plausibility")
            ordered = sorted(
                (a for a in raised if a in self.position),
                key=lambda a: (SEVERITIES.index(self.specs[a].severity), self.position[a]),
            )
            alerts = tuple(self._alert(a, child, decided.ivig_course, tuple(raised[a])) for a in ordered)
            if len(self.raised) < _MAX_PIECES:
                self.raised[key] = alerts
        return alerts

    def _alert(self, alert_id: str, child: bool, course: tuple[float, float | None] | None, rules: tuple[str, ...]) -> Alert:
        """The alert worded for a child or an adult and this course, raised by ``rules``."""
        key = (alert_id, child, course, rules)
        alert = self.alert.get(key)
        if alert is None:
            spec = self.specs[alert_id]
            alert = Alert(alert_id, spec.severity, _alert_message(spec, course, child), spec.citations, rules)
            if len(self.alert) < _MAX_PIECES:
                self.alert[key] = alert
        return alert

    def with_text(self, citations: tuple[Citation, ...]) -> tuple[Citation, ...]:
        """``citations`` with their text, kept by the tuple's identity (a dose plan gives the same
        tuple every time; the tuple kept with it keeps its id from being reused)."""
        kept = self.texted.get(id(citations))
        if kept is None or kept[0] is not citations:
            kept = (citations, tuple(with_text(c, self.sources) for c in citations))
            if len(self.texted) < _MAX_PIECES:
                self.texted[id(citations)] = kept
        return kept[1]

    def add_first(self, first: dict, citations) -> dict:
        """``first`` with each of ``citations`` not already there, with its text, keyed by what
        Citation compares (see ``_CITED``); what a citation compares as and its text are kept per
        citation object (kept with them, so that its id is not reused), as most are the rules' own."""
        for citation in citations:
            known = self.cited.get(id(citation))
            if known is None or known[0] is not citation:
                known = (citation, _CITED(citation), with_text(citation, self.sources))
                if len(self.cited) < _MAX_PIECES:
                    self.cited[id(citation)] = known
            if known[1] not in first:
                first[known[1]] = known[2]
        return first


def _pieces(vocab: Vocabulary) -> _Pieces:
    """The vocabulary's shared pieces, built on first use and kept with it (derived data of a frozen value)."""
    return derived(vocab, "_variant_pieces", _Pieces)


def _shared_fields(compiled: CompiledPathway, decided: Decided, vocab: Vocabulary) -> dict:
    """The recommendation's fields that every variant of these rules that count shares, in the
    order the template has always had; ``rules_matched``, ``alerts`` and ``citations`` are
    placeholders, set per variant."""
    pathway, step, regimen = compiled.pathway, decided.step, decided.regimen
    return template(Recommendation, {
        "pathway": pathway.id,
        "pathway_title": pathway.title,
        "ruleset_version": pathway.version,
        "ivig": decided.verdict,
        "next_step": step.therapy if step else None,
        "step": step.id if step else None,
        "step_label": step.label if step else None,
        "line_of_therapy": step.line_of_therapy if step else None,
        "with_therapies": step.with_therapies if step else (),
        "alerts": (),
        "rules_fired": decided.rules_fired,
        "rules_matched": (),
        "decided_by": decided.decider.rule.qualified_id,
        "evidence": decided.decider.rule.evidence,
        "citations": (),
        "notes": decided.notes,
        "pathway_verdict": decided.pathway_verdict,
        "review": step.review if step is not None else None,
        "monitoring": decided.monitoring,
        "administration": decided.administration,
        "regimen": regimen_view(regimen, tuple(with_text(c, vocab.sources) for c in regimen.citations))
        if regimen is not None else None,
    }, later=_PER_PATIENT)


def _variant(compiled: CompiledPathway, decided: Decided, child: bool, state: object, vocab: Vocabulary,
             unusual: tuple[str, ...] = ()) -> _Variant:
    """The recommendation's fields for one (child, dose state, unusual ages) variant of this set of
    fired rules: the fields every set with the same rules that count shares (``decided.reused``),
    with this set's rules matched and the variant's alerts and citations, shared likewise.
    ``state`` is None without a regimen, "missing" without a weight, else the key of the dose's
    citations (:func:`dose_citations`); ``unusual`` are the alerts of the vocabulary's age checks
    that warn about this patient."""
    reused = decided.reused
    if reused.fields is None:
        reused.fields = _shared_fields(compiled, decided, vocab)
        reused.cited = _pieces(vocab).add_first({}, decided.rule_citations)
    alerts = _pieces(vocab).alerts(decided, child, state == "missing", unusual)
    cited = (state, unusual)  # the alerts' citations do not depend on their wording for a child
    citations = reused.citations.get(cited)
    if citations is None:
        citations = reused.citations[cited] = _citations(decided, state, vocab, alerts)
    fields = reused.fields.copy()
    fields["rules_matched"] = decided.rules_matched
    fields["alerts"] = alerts
    fields["citations"] = citations[0]
    return _Variant(fields, citations[1])


def _citations(decided: Decided, state: object, vocab: Vocabulary, alerts: tuple[Alert, ...]) -> tuple[tuple[Citation, ...], tuple[Citation, ...]]:
    """Every citation with its text, and the dose's citations with their text: the first
    occurrences in order of the rules' citations (de-duplicated once, ``decided.reused.cited``),
    then the dose's or the regimen's and the alerts'."""
    pieces = _pieces(vocab)
    dosed = state is not None and state != "missing"
    dose_cited = pieces.with_text(dose_citations(decided.regimen, state)) if dosed else ()
    regimen = decided.reused.fields["regimen"]
    unique = pieces.add_first(decided.reused.cited.copy(), dose_cited if dosed else regimen.citations if regimen is not None else ())
    for alert in alerts:
        pieces.add_first(unique, alert.citations)
    return tuple(unique.values()), dose_cited


def resolve(*args: Any, **kwargs: Any) -> Recommendation:
    """The recommendation for this patient: :func:`resolve_shaped` without the shape."""
    return resolve_shaped(*args, **kwargs)[0]


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
    """The recommendation for this patient, and its shape. ``cache`` (one dict per compiled
    pathway and vocabulary, kept by the caller) keeps what depends only on the fired rules, so
    that per patient only the dose, the age-dependent wording, the facts of a conflict and the
    safety facts not recorded are worked out. The shape is an object that is the same for every
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
        variant = decided.variants[(child, state, unusual)] = _variant(compiled, decided, child, state, vocab, unusual)
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
    decided = decide(compiled, matched, vocab, cache)
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
