"""What a recommendation takes from the set of fired rules alone, worked out once per set.

Hit policy (docs/ruleset-format.md): among a pathway's matching rules that give an IVIG
verdict, the first in file order decides; every matching rule adds its alerts. Screening rules
apply only where the verdict is one the screening covers (recommended, consider); a screening
rule may turn the verdict into ``contraindicated`` or, where the sources disagree for a fact
the patient has, ``specialist_review`` (the strongest wins; the pathway's own verdict is kept
as ``pathway_verdict`` and the disagreement as ``conflicts``). Nothing here reads a patient:
``recommend.resolve`` keeps a :class:`Decided` per set of fired rules and adds the patient's
own fields, so nothing depends on the order of the patient's facts or of an engine's matches.
Most fired rules take no part in the decision (a second deciding rule, a screening rule where the
screening does not apply): what the rules that count give is put together once per such rules and
shared by every set of fired rules with them, which differ only in the rules listed as matched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..logic.compiler import CompiledPathway, CompiledRule, fact_of_key, predicate_keys
from ..model.derived import derived
from ..model import SCREENING_VERDICTS, Citation, DoseRegimen, Step, Vocabulary
from ..model.facts import DIAGNOSIS
from .frozen import build, template
from .recommendation import Advice, Conflict, ConflictPosition

__all__ = ["Decided", "Reused", "decide"]


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


def _advice(kind: dict, specs, shared: dict | None = None, name: str = "") -> tuple[Advice, ...]:
    """Raised items in the vocabulary's order, each with the rules (or step) raising it; kept in
    ``shared`` (the caller's cache) per ``name`` (monitoring, administration) and items raised."""
    if not kind:
        return ()
    key = (name, *zip(kind, map(tuple, kind.values())))  # never a tuple of places (a set's key)
    items = shared.get(key) if shared is not None else None
    if items is None:
        items = tuple([
            Advice(advice_id, spec.text, spec.citations, tuple(kind[advice_id]))
            for advice_id, spec in specs.items() if advice_id in kind
        ])
        if shared is not None:
            shared[key] = items
    return items


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


class Reused:
    """What ``recommend`` works out once for every :class:`Decided` with the same rules that count,
    whatever else matched: the recommendation's fields that depend on nothing else (``fields``,
    ``cited``), and the citations per (dose state, unusual-age alerts), filled as met."""

    __slots__ = ("fields", "cited", "citations")

    def __init__(self) -> None:
        self.fields: dict | None = None  # filled by recommend on the first variant
        self.cited: dict | None = None
        self.citations: dict = {}


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
    reused: Reused = field(default_factory=Reused)  # shared with the Decideds of the same rules that count
    not_recorded: dict = field(default_factory=dict)  # the screened facts' values -> those 'unknown', filled as met (shared too)


_PER_SET = ("rules_matched", "variants")  # the Decided's fields that depend on every fired rule


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


@dataclass(frozen=True)
class _Ruling:
    """What the deciding rule and the screening rules that give a verdict settle, whatever else
    fired (most screening rules only raise alerts): kept per such rules in the caller's cache."""

    verdict: _Verdict  # with no contributing rules: those are the fired rules' own
    fields: dict  # the Decided fields that follow from it alone


def _verdict(compiled: CompiledPathway, roles: _Roles, counted: tuple[int, ...], vocab: Vocabulary, shared: dict | None) -> tuple[_Verdict, _Ruling]:
    """The verdict of the rules that count (places, see :class:`_Roles`): the first deciding
    pathway rule's, overridden by the strongest screening rule (there where the screening applies),
    and what it rules (kept in ``shared`` per deciding and overriding rules)."""
    decision = roles.rules[min(roles.deciding.intersection(counted))]
    overriding = roles.rules_of(roles.overriding, counted)
    key = ("ruling", decision.name, *(r.name for r in overriding))  # never a tuple of places (a set's key)
    ruling = shared.get(key) if shared is not None else None
    if ruling is None:
        ruling = _ruling(compiled, decision, overriding, vocab)
        if shared is not None:
            shared[key] = ruling
    ruled = ruling.verdict
    contributing = roles.rules_of(roles.pathway, counted)  # the decision and the pathway rules that do not decide
    if ruled.override is not None and ruled.override.rule.then.ivig == "contraindicated":
        # No IVIG will be given: infusion advice (premedication, vaccines, IgA, cautions) no
        # longer applies; only the contraindicating rules speak, and they decided.
        contributing += roles.rules_of(roles.contraindicating, counted)
    else:
        contributing += roles.rules_of(roles.screening, counted)
    verdict = _Verdict(decision, ruled.override, ruled.verdict, ruled.pathway_verdict, ruled.step, contributing, ruled.conflicts)
    return verdict, ruling


def _ruling(compiled: CompiledPathway, decision: CompiledRule, overriding: list[CompiledRule], vocab: Vocabulary) -> _Ruling:
    """The verdict of the deciding rule overridden by the strongest of the screening rules that
    give a verdict, and the Decided fields that follow from it alone."""
    pathway = compiled.pathway
    pathway_verdict = verdict = decision.rule.then.ivig
    step: Step | None = pathway.steps[decision.rule.then.next_step] if decision.rule.then.next_step else None
    override = min(overriding, key=lambda r: SCREENING_VERDICTS.index(r.rule.then.ivig), default=None)
    conflicts: tuple = ()
    if override is not None and override.rule.then.ivig == "contraindicated":
        verdict = "contraindicated"  # no IVIG will be given, so no IVIG step
        if step is not None and step.therapy == "ivig":
            step = None
    elif override is not None:
        # The sources disagree for a fact this patient has: no go-ahead, a specialist decides.
        verdict = override.rule.then.ivig
        conflicts = tuple(
            _conflict_template(r, decision, pathway.title, vocab) for r in overriding if r.rule.then.conflict
        )
    ruled = _Verdict(decision, override, verdict, pathway_verdict, step, [], conflicts)
    regimen = _regimen(pathway, ruled)
    return _Ruling(ruled, {
        "decision": decision,
        "decider": override or decision,
        "verdict": verdict,
        "pathway_verdict": pathway_verdict,
        "step": step,
        "regimen": regimen,
        "ivig_course": _course_g_per_kg(regimen) if regimen is not None and regimen.therapy == "ivig" else None,
        "notes": _notes(ruled),
        "conflicts": conflicts,
        "screened_facts": _screened_facts(compiled, ruled, vocab),
        "age_warnings": tuple(
            check for check in vocab.age_checks
            if check.alert is not None  # the rest only refuse
            and (check.fact != DIAGNOSIS or check.value == pathway.diagnosis)  # a check on another diagnosis never warns here
        ),
    })


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
    for compiled_rule in verdict.contributing:
        rule = compiled_rule.rule
        then, rule_id = rule.then, rule.qualified_id
        for alert_id in then.alerts:
            raised.setdefault(alert_id, []).append(rule_id)
        for item in then.monitoring:
            monitoring.setdefault(item, []).append(rule_id)
        for item in then.administration:
            administration.setdefault(item, []).append(rule_id)
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
    return tuple(filter(set(compiled.screening_facts).__contains__, vocab.facts))


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


class _Roles:
    """Per compiled pathway (kept with it, see :func:`_roles`): each rule's place in file order and
    qualified id; the pathway rules, those that decide, the screening rules, those that give a
    verdict and those that contraindicate; and for each deciding rule the rules that count with it
    (the hit policy in this module's docstring: the pathway rules that do not decide, and the
    screening rules where the screening applies to its verdict); all as sets of places, met with
    C-level set operations."""

    def __init__(self, compiled: CompiledPathway) -> None:
        rules = self.rules = compiled.rules
        self.place = {r.name: i for i, r in enumerate(rules)}
        self.qualified = [r.rule.qualified_id for r in rules]
        self.deciding = frozenset(i for i, r in enumerate(rules) if r.origin == "pathway" and r.rule.decides)
        self.pathway = frozenset(i for i, r in enumerate(rules) if r.origin == "pathway")
        self.screening = frozenset(i for i, r in enumerate(rules) if r.origin == "screening")
        self.overriding = frozenset(i for i in self.screening if rules[i].rule.then.ivig is not None)
        self.contraindicating = frozenset(i for i in self.screening if rules[i].rule.then.ivig == "contraindicated")
        others = self.pathway - self.deciding
        applies = compiled.screening.applies_to
        self.counting = {
            i: frozenset({i, *others, *(self.screening if rules[i].rule.then.ivig in applies else ())}) for i in self.deciding
        }

    def rules_of(self, kind: frozenset[int], places: tuple[int, ...]) -> list[CompiledRule]:
        """The rules of a kind among ``places``, in file order."""
        return list(map(self.rules.__getitem__, sorted(kind.intersection(places))))


def _roles(compiled: CompiledPathway) -> _Roles:
    """The pathway's rule roles, worked out on first use and kept with it (derived data of a frozen value)."""
    return derived(compiled, "_rule_roles", _Roles)


def decide(compiled: CompiledPathway, matched: frozenset[str], vocab: Vocabulary, shared: dict | None = None) -> Decided | None:
    """Everything that depends only on the set of fired rules, put together once per set. The
    first deciding pathway rule decides; what it and the other rules that count give is kept in
    ``shared`` (the caller's cache, keyed by their places, a tuple) and reused for every other set
    with the same rules that count, which differs only in the rules listed as matched."""
    roles = _roles(compiled)
    try:  # places, in file order
        fired = sorted(map(roles.place.__getitem__, matched if isinstance(matched, frozenset) else set(matched)))
    except KeyError:  # a name that is not one of this pathway's rules: not one of its fired rules
        fired = sorted(map(roles.place.__getitem__, roles.place.keys() & matched))
    decision = min(roles.deciding.intersection(fired), default=None)
    if decision is None:
        return None
    key = tuple(sorted(roles.counting[decision].intersection(fired)))
    common = shared.get(key) if shared is not None else None
    if common is None:
        common = _common(compiled, roles, key, vocab, shared)
        if shared is not None:
            shared[key] = common
    return build(Decided, common, {"rules_matched": tuple(map(roles.qualified.__getitem__, fired)), "variants": {}})


def _common(compiled: CompiledPathway, roles: _Roles, counted: tuple[int, ...], vocab: Vocabulary, shared: dict | None) -> dict:
    """Every field of a :class:`Decided` but those of its set of fired rules (``_PER_SET``), from
    the rules that count (places); the mutable ones (``reused``, ``not_recorded``) are shared too."""
    verdict, ruling = _verdict(compiled, roles, counted, vocab, shared)
    raised, monitoring, administration = _raised(verdict, compiled.pathway.id)
    monitoring_items = _advice(monitoring, vocab.monitoring, shared, "monitoring")
    administration_items = _advice(administration, vocab.administration, shared, "administration")
    contributing = sorted(map(roles.place.__getitem__, (r.name for r in verdict.contributing)))  # in file order
    return template(Decided, {
        **ruling.fields,
        "raised": tuple(zip(raised, map(tuple, raised.values()))),
        "rule_citations": _rule_citations(verdict, monitoring_items + administration_items),
        "rules_fired": tuple(map(roles.qualified.__getitem__, contributing)),
        "monitoring": monitoring_items,
        "administration": administration_items,
        "reused": Reused(),
        "not_recorded": {},
    }, later=_PER_SET)
