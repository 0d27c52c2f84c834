"""What a recommendation takes from the set of fired rules alone, worked out once per set.

Hit policy (docs/ruleset-format.md): among a pathway's matching rules that give an IVIG
verdict, the first in file order decides; every matching rule adds its alerts. Screening rules
apply only where the verdict is one the screening covers (recommended, consider); a screening
rule may turn the verdict into ``contraindicated`` or, where the sources disagree for a fact
the patient has, ``specialist_review`` (the strongest wins; the pathway's own verdict is kept
as ``pathway_verdict`` and the disagreement as ``conflicts``). Nothing here reads a patient:
``recommend.resolve`` keeps a :class:`Decided` per set of fired rules and adds the patient's
own fields, so nothing depends on the order of the patient's facts or of an engine's matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..logic.compiler import CompiledPathway, CompiledRule, fact_of_key, predicate_keys
from ..model import SCREENING_VERDICTS, Citation, DoseRegimen, Step, Vocabulary
from ..model.facts import DIAGNOSIS
from .recommendation import Advice, Conflict, ConflictPosition

__all__ = ["Decided", "decide"]


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


def _advice(kind: dict, specs) -> tuple[Advice, ...]:
    """Raised items in the vocabulary's order, each with the rules (or step) raising it."""
    if not kind:
        return ()
    return tuple(
        Advice(advice_id, spec.text, spec.citations, tuple(kind[advice_id]))
        for advice_id, spec in specs.items() if advice_id in kind
    )


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
class Decided:
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
    variants: dict  # (child, dose state, unusual-age alerts) -> _Variant, filled as met
    age_warnings: tuple = ()  # the vocabulary's age checks that can warn for this pathway's patients
    first_cited: dict = field(default_factory=dict)  # rule_citations' first occurrences (as dict keys), filled once
    not_recorded: dict = field(default_factory=dict)  # the screened facts' values -> those 'unknown', filled as met


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


def decide(compiled: CompiledPathway, matched: frozenset[str], vocab: Vocabulary) -> Decided | None:
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
    contributing = {r.name for r in verdict.contributing}  # by name: comparing rules field by field is slow
    return Decided(
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
        rules_fired=tuple(r.rule.qualified_id for r in fired if r.name in contributing),
        rules_matched=tuple(r.rule.qualified_id for r in fired),
        conflicts=verdict.conflicts,
        screened_facts=_screened_facts(compiled, verdict, vocab),
        monitoring=monitoring_items,
        administration=administration_items,
        variants={},
        age_warnings=tuple(
            check for check in vocab.age_checks
            if check.alert is not None  # the rest only refuse
            and (check.fact != DIAGNOSIS or check.value == pathway.diagnosis)  # a check on another diagnosis never warns here
        ),
    )
