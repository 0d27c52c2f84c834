"""Why a patient got the recommendation they got, and what would have to change for IVIG.

The trace lists the rules that matched, in priority (file) order, with the comparisons that
held and the patient's values; the "why not" part ranks the rules that would recommend IVIG
by how many of their conditions this patient does not meet, nearest first. A condition on
IVIG's own status is not something a clinician can change to get IVIG ("the rule needs IVIG
ongoing"), so it is never offered as a way there: a rule that needs a different IVIG status is
left out of the ranking and only named as left out.

Conditions keep their ``in`` lists whole, so the words read "plasma exchange has status
not_tried; the rule needs it failed, intolerant or contraindicated"; but negation is pushed
down by the compiler's :func:`~ivig_rules.logic.compiler.push_negation` and every comparison is
decided by the engines' own :func:`~ivig_rules.engines.reference.holds` on its compiled form,
so the explanation cannot read a rule differently from the engines. The verdict itself always
comes from the evaluator (the chosen engine), and its matches are checked against the trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from ..logic.compiler import normalise, push_negation
from ..logic.predicates import holds
from ..errors import NoDecisionError
from ..evaluation.evaluator import Evaluator
from ..logic.fact_space import show_value
from ..model.facts import therapy_of, treatment_fact
from ..model import AllOf, Compare, Condition, Patient, Rule, Vocabulary
from ..model.conditions import comparisons
from ..model.json_form import json_form
from ..evaluation.recommendation import Recommendation

__all__ = ["Check", "RuleTrace", "NearMiss", "Explanation", "explain", "given_facts", "IVIG_STATUS"]

IVIG_STATUS = treatment_fact("ivig")
"""IVIG's own treatment status: a rule that needs another value of it is no way to IVIG."""
_WANTED = {"recommended": ("recommended",), "consider": ("recommended",), "specialist_review": ()}
_DEFAULT_WANTED = ("recommended", "consider")


def _or_list(values: Iterable[Any]) -> str:
    words = [show_value(v) for v in values]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


@json_form
@dataclass(frozen=True)
class Check:
    """One comparison of a rule against the patient's value."""

    fact: str
    op: str
    value: Any
    actual: Any
    held: bool
    given: bool
    line: int | None = None

    def wanted(self) -> str:
        if self.op == "==":
            return show_value(self.value)
        if self.op == "in":
            return _or_list(self.value)
        if self.op in ("!=", "not_in"):
            values = self.value if isinstance(self.value, tuple) else (self.value,)
            return "anything but " + _or_list(values)
        return f"{self.op} {show_value(self.value)}"

    def subject(self, vocab: Vocabulary | None = None) -> str:
        therapy = therapy_of(self.fact)
        if therapy is not None:
            label = vocab.therapies[therapy].label if vocab and therapy in vocab.therapies else therapy
            return f"{label} has status {show_value(self.actual)}"
        return f"{self.fact} is {show_value(self.actual)}"

    def describe(self, vocab: Vocabulary | None = None) -> str:
        """'Plasma exchange has status failed (needs failed, intolerant or contraindicated)'."""
        default = "" if self.given else ", by default"
        return f"{self.subject(vocab)}{default} (needs {self.wanted()})"

    def unmet(self, vocab: Vocabulary | None = None) -> str:
        """'Plasma exchange has status not_tried; the rule needs it failed, intolerant or contraindicated'."""
        default = " (not given; the default)" if not self.given else ""
        return f"{self.subject(vocab)}{default}; the rule needs it {self.wanted()}"



# -- conditions: negation pushed down (as the compiler does), ``in`` kept whole -------------------


class _Reading:
    """One patient's comparisons, each decided as the engines decide it."""

    def __init__(self, patient: Patient, engine_facts: dict[str, Any], given: frozenset[str]) -> None:
        self.patient, self.engine_facts, self.given = patient, engine_facts, given

    def check(self, compare: Compare) -> Check:
        held = holds(normalise(compare), self.engine_facts)
        actual = self.patient.facts.get(compare.fact)
        return Check(compare.fact, compare.op, compare.value, actual, held, compare.fact in self.given, compare.line)

    def support(self, condition: Condition) -> tuple[bool, list[Check]]:
        """Whether a negation-free condition holds, and the comparisons that make it hold."""
        if isinstance(condition, Compare):
            check = self.check(condition)
            return check.held, [check]
        results = [self.support(item) for item in condition.items]
        if isinstance(condition, AllOf):
            return all(held for held, _ in results), [c for held, checks in results if held for c in checks]
        for held, checks in results:
            if held:
                return True, checks
        return False, []

    def unmet(self, condition: Condition) -> list[Check] | None:
        """The fewest comparisons that would have to change for the condition to hold, or None
        when it cannot hold without changing IVIG's own status."""
        if isinstance(condition, Compare):
            check = self.check(condition)
            if check.held:
                return []
            return None if check.fact == IVIG_STATUS else [check]
        options = [self.unmet(item) for item in condition.items]
        if isinstance(condition, AllOf):
            if any(option is None for option in options):
                return None
            return [c for option in options for c in option]
        feasible = [option for option in options if option is not None]
        return min(feasible, key=len) if feasible else None


# -- the explanation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleTrace:
    """A rule that matched, what it did, and the comparisons that held."""

    rule: Rule
    origin: str  # pathway | screening
    position: int  # 1-based, in priority (file) order over pathway rules then screening rules
    role: str  # decided | outranked | contributed | screened | not_screened
    checks: tuple[Check, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.qualified_id,
            "origin": self.origin,
            "position": self.position,
            "role": self.role,
            "line": self.rule.line,
            "then": {"ivig": self.rule.then.ivig, "next_step": self.rule.then.next_step,
                     "dose": self.rule.then.dose, "alerts": list(self.rule.then.alerts),
                     "conflict": self.rule.then.conflict, "monitoring": list(self.rule.then.monitoring),
                     "administration": list(self.rule.then.administration)},
            "evidence": self.rule.evidence,
            "citations": [c.to_dict() for c in self.rule.citations],
            "held": [c.to_dict() for c in self.checks],
        }


@dataclass(frozen=True)
class NearMiss:
    """A rule that would give IVIG, and the conditions this patient does not meet."""

    rule: Rule
    unmet: tuple[Check, ...]
    outranked_by: str | None = None  # it matched, but an earlier rule decided

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.qualified_id,
            "line": self.rule.line,
            "ivig": self.rule.then.ivig,
            "unmet_count": len(self.unmet),
            "unmet": [c.to_dict() for c in self.unmet],
            "outranked_by": self.outranked_by,
        }


@dataclass(frozen=True)
class Explanation:
    patient: Patient
    pathway: str
    recommendation: Recommendation | None  # None when no rule decides (a gap)
    trace: tuple[RuleTrace, ...]
    why_not: tuple[NearMiss, ...]
    blocked_by: tuple[RuleTrace, ...]  # screening rules that made IVIG contraindicated or put it to specialist review
    defaults: tuple[str, ...]  # rule facts the patient did not give, so their defaults were used
    engine_agrees: bool = True
    needs_other_ivig_status: tuple[Rule, ...] = ()  # IVIG rules left out of why_not: they need another IVIG status

    @property
    def verdict(self) -> str | None:
        return self.recommendation.ivig if self.recommendation else None

    def to_dict(self) -> dict[str, Any]:
        rec = self.recommendation
        return {
            "pathway": self.pathway,
            "diagnosis": self.patient.diagnosis,
            "patient_id": self.patient.id,
            "ivig": self.verdict,
            "decided_by": rec.decided_by if rec else None,
            "next_step": rec.step if rec else None,
            "engine": rec.engine if rec else None,
            "gap": rec is None,
            "trace": [t.to_dict() for t in self.trace],
            "blocked_by": [t.to_dict() for t in self.blocked_by],
            "why_not": [m.to_dict() for m in self.why_not],
            "needs_other_ivig_status": [r.qualified_id for r in self.needs_other_ivig_status],
            "defaults": list(self.defaults),
            "engine_agrees": self.engine_agrees,
        }


def given_facts(data: Any) -> frozenset[str]:
    """The fact names a raw patient mapping states (treatments as ``treatments.X``)."""
    if not isinstance(data, Mapping):
        return frozenset()
    names = {str(k) for k, v in data.items() if k != "treatments" and v is not None}
    treatments = data.get("treatments")
    if isinstance(treatments, Mapping):
        names |= {treatment_fact(str(k)) for k, v in treatments.items() if v is not None}
    return frozenset(names)


def _rule_facts(rules: Iterable[Rule]) -> set[str]:
    return {c.fact for rule in rules for c in comparisons(rule.when)}


def explain(
    evaluator: Evaluator,
    patient: Patient | Mapping[str, Any],
    *,
    given: Iterable[str] | None = None,
    limit: int = 3,
) -> Explanation:
    """Evaluate the patient and explain the result; ``given`` names the facts the user stated
    (default: every fact, as for a validated mapping with nothing left to defaults)."""
    if not isinstance(patient, Patient):
        given = given_facts(patient) if given is None else given
        from ..loading.patient import patient_from_mapping

        patient = patient_from_mapping(patient, evaluator.vocabulary)
    given_set = frozenset(given) if given is not None else frozenset(patient.facts)
    try:
        rec: Recommendation | None = evaluator.evaluate(patient)
    except NoDecisionError:
        rec = None
    compiled = evaluator.compiled(patient.diagnosis)
    pathway, screening = compiled.pathway, compiled.screening
    reading = _Reading(patient, compiled.engine_facts(patient), given_set)
    verdict = rec.ivig if rec else None
    pathway_verdict = None
    trace: list[RuleTrace] = []
    matched_ids: set[str] = set()
    for position, compiled_rule in enumerate(compiled.rules, start=1):
        rule = compiled_rule.rule
        held, checks = reading.support(push_negation(rule.when))
        if not held:
            continue
        matched_ids.add(rule.qualified_id)
        if compiled_rule.origin == "pathway":
            if rule.decides and pathway_verdict is None:
                role, pathway_verdict = "decided", rule.then.ivig
            else:
                role = "outranked" if rule.decides else "contributed"
        else:
            role = "screened" if pathway_verdict in screening.applies_to else "not_screened"
        trace.append(RuleTrace(rule, compiled_rule.origin, position, role, tuple(checks)))
    agrees = rec is None or matched_ids == set(rec.rules_matched)
    blocked = tuple(t for t in trace if t.role == "screened" and t.rule.then.ivig is not None)
    decider = next((t.rule.qualified_id for t in trace if t.role == "decided"), None)
    why_not: list[NearMiss] = []
    left_out: list[Rule] = []
    if verdict != "recommended":
        wanted = _WANTED.get(verdict or "", _DEFAULT_WANTED)
        for rule in pathway.rules:
            if rule.then.ivig not in wanted:
                continue
            if rule.qualified_id in matched_ids:
                if rule.qualified_id != decider:
                    why_not.append(NearMiss(rule, (), outranked_by=decider))
                continue
            unmet = reading.unmet(push_negation(rule.when))
            if unmet is None:
                left_out.append(rule)
            else:
                why_not.append(NearMiss(rule, tuple(unmet)))
        order = {rule.qualified_id: i for i, rule in enumerate(pathway.rules)}
        why_not.sort(key=lambda m: (len(m.unmet), order[m.rule.qualified_id]))
    defaults = tuple(sorted(f for f in _rule_facts(r.rule for r in compiled.rules) if f not in given_set))
    return Explanation(
        patient=patient,
        pathway=pathway.id,
        recommendation=rec,
        trace=tuple(trace),
        why_not=tuple(why_not[:limit]) if limit > 0 else tuple(why_not),
        blocked_by=blocked,
        defaults=defaults,
        engine_agrees=agrees,
        needs_other_ivig_status=tuple(left_out),
    )
