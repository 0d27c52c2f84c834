"""Why a patient got the recommendation they got, and what would have to change for IVIG.

The trace lists the rules that matched, in priority (file) order, with the comparisons that
held and the patient's values; the "why not" part ranks the rules that would recommend IVIG
by how many of their conditions this patient does not meet, nearest first.

Conditions are read from the model (not the compiled form) so that ``in`` lists stay whole:
"plasma exchange has status not_tried; the rule needs it failed, intolerant or contraindicated".
The verdict itself always comes from the evaluator (the chosen engine); the explanation's own
reading of the conditions is checked against the engine's matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from .errors import NoDecisionError
from .evaluator import Evaluator
from .fact_space import show_value
from .model import TREATMENT_PREFIX, AllOf, AnyOf, Compare, Condition, Not, Patient, Rule, Vocabulary
from .recommend import Recommendation

__all__ = ["Check", "RuleTrace", "NearMiss", "Explanation", "explain", "given_facts"]

_NEGATED = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">", "in": "not_in", "not_in": "in"}
_OPS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "in": lambda a, b: a in b,
    "not_in": lambda a, b: a not in b,
}
_WANTED = {"recommended": ("recommended",), "consider": ("recommended",)}
_DEFAULT_WANTED = ("recommended", "consider")


def _or_list(values: Iterable[Any]) -> str:
    words = [show_value(v) for v in values]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


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
        if self.fact.startswith(TREATMENT_PREFIX):
            therapy = self.fact[len(TREATMENT_PREFIX):]
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

    def to_dict(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"fact": self.fact, "op": self.op, "value": value, "actual": self.actual,
                "held": self.held, "given": self.given, "line": self.line}


# -- conditions: negation pushed down, ``in`` kept whole ----------------------------------------


def _nnf(condition: Condition, negate: bool = False) -> tuple:
    if isinstance(condition, Compare):
        op = _NEGATED[condition.op] if negate else condition.op
        return ("cmp", Compare(condition.fact, op, condition.value, condition.line))
    if isinstance(condition, Not):
        return _nnf(condition.item, not negate)
    kind = "all" if isinstance(condition, AllOf) else "any"
    if negate:
        kind = "any" if kind == "all" else "all"
    return (kind, tuple(_nnf(item, negate) for item in condition.items))


def _check(compare: Compare, patient: Patient, given: frozenset[str]) -> Check:
    actual = patient.facts.get(compare.fact)
    held = actual is not None and _OPS[compare.op](actual, compare.value)
    return Check(compare.fact, compare.op, compare.value, actual, held, compare.fact in given, compare.line)


def _support(node: tuple, patient: Patient, given: frozenset[str]) -> tuple[bool, list[Check]]:
    """Whether the condition holds, and the comparisons that make it hold."""
    if node[0] == "cmp":
        check = _check(node[1], patient, given)
        return check.held, [check]
    results = [_support(child, patient, given) for child in node[1]]
    if node[0] == "all":
        return all(held for held, _ in results), [c for held, checks in results if held for c in checks]
    for held, checks in results:
        if held:
            return True, checks
    return False, []


def _unmet(node: tuple, patient: Patient, given: frozenset[str]) -> list[Check]:
    """The fewest comparisons that would have to change for the condition to hold."""
    if node[0] == "cmp":
        check = _check(node[1], patient, given)
        return [] if check.held else [check]
    options = [_unmet(child, patient, given) for child in node[1]]
    if node[0] == "all":
        return [c for option in options for c in option]
    return min(options, key=len) if options else []


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
                     "dose": self.rule.then.dose, "alerts": list(self.rule.then.alerts)},
            "evidence": self.rule.evidence,
            "citations": [str(c) for c in self.rule.citations],
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
    blocked_by: tuple[RuleTrace, ...]  # screening rules that made IVIG contraindicated
    defaults: tuple[str, ...]  # rule facts the patient did not give, so their defaults were used
    engine_agrees: bool = True

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
        names |= {TREATMENT_PREFIX + str(k) for k, v in treatments.items() if v is not None}
    return frozenset(names)


def _rule_facts(rules: Iterable[Rule]) -> set[str]:
    found: set[str] = set()

    def walk(condition: Condition) -> None:
        if isinstance(condition, Compare):
            found.add(condition.fact)
        elif isinstance(condition, Not):
            walk(condition.item)
        else:
            for item in condition.items:
                walk(item)

    for rule in rules:
        walk(rule.when)
    return found


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
        from .patient import patient_from_mapping

        patient = patient_from_mapping(patient, evaluator.vocabulary)
    given_set = frozenset(given) if given is not None else frozenset(patient.facts)
    try:
        rec: Recommendation | None = evaluator.evaluate(patient)
    except NoDecisionError:
        rec = None
    compiled = evaluator.compiled(patient.diagnosis)
    pathway, screening = compiled.pathway, compiled.screening
    verdict = rec.ivig if rec else None
    pathway_verdict = None
    trace: list[RuleTrace] = []
    matched_ids: set[str] = set()
    for position, compiled_rule in enumerate(compiled.rules, start=1):
        rule = compiled_rule.rule
        held, checks = _support(_nnf(rule.when), patient, given_set)
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
    blocked = tuple(t for t in trace if t.role == "screened" and t.rule.then.ivig == "contraindicated")
    decider = next((t.rule.qualified_id for t in trace if t.role == "decided"), None)
    why_not: list[NearMiss] = []
    if verdict != "recommended":
        wanted = _WANTED.get(verdict or "", _DEFAULT_WANTED)
        for rule in pathway.rules:
            if rule.then.ivig not in wanted:
                continue
            if rule.qualified_id in matched_ids:
                if rule.qualified_id != decider:
                    why_not.append(NearMiss(rule, (), outranked_by=decider))
                continue
            why_not.append(NearMiss(rule, tuple(_unmet(_nnf(rule.when), patient, given_set))))
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
    )
