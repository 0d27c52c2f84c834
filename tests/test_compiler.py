"""The compiler's normal form: negation pushed into comparisons, `in` expanded, same meaning."""

from __future__ import annotations

import itertools

import pytest

from ivig_rules.logic.compiler import durable_definition, normalise, CompiledRule
from ivig_rules.logic.predicates import holds
from ivig_rules.model import AllOf, AnyOf, Compare, Not, Rule, Outcome

STATUSES = ("not_tried", "failed", "responded")


def _direct(cond, facts) -> bool:
    """The meaning of a condition, evaluated straight from the model."""
    if isinstance(cond, Compare):
        value = facts[cond.fact]
        return {
            "==": lambda: value == cond.value, "!=": lambda: value != cond.value,
            "<": lambda: value < cond.value, "<=": lambda: value <= cond.value,
            ">": lambda: value > cond.value, ">=": lambda: value >= cond.value,
            "in": lambda: value in cond.value, "not_in": lambda: value not in cond.value,
        }[cond.op]()
    if isinstance(cond, Not):
        return not _direct(cond.item, facts)
    if isinstance(cond, AllOf):
        return all(_direct(i, facts) for i in cond.items)
    return any(_direct(i, facts) for i in cond.items)


CONDITIONS = [
    Not(Compare("treatments.ivig", "in", ("failed", "responded"))),
    Not(AllOf((Compare("severe", "==", True), Compare("age_years", "<", 18)))),
    Not(AnyOf((Compare("severe", "==", True), Not(Compare("age_years", ">=", 2))))),
    AnyOf((Compare("treatments.ivig", "not_in", ("failed",)), AllOf((Compare("severe", "!=", False),)))),
    Not(Not(Compare("age_years", "<=", 18))),
    AllOf(()),
    AnyOf(()),
    Not(AllOf(())),
]


@pytest.mark.parametrize("cond", CONDITIONS)
def test_normal_form_means_the_same_as_the_condition(cond):
    for status, severe, age in itertools.product(STATUSES, (False, True), (1, 2, 17, 18, 40)):
        facts = {"treatments.ivig": status, "severe": severe, "age_years": age}
        engine_facts = {"tx_ivig": status, "severe": severe, "age_years": age}
        assert holds(normalise(cond), engine_facts) == _direct(cond, facts), (cond, facts)


def test_negation_and_membership_leave_no_not_or_in_behind():
    pred = normalise(CONDITIONS[0])
    assert pred == ("all", (("cmp", "tx_ivig", "!=", "failed"), ("cmp", "tx_ivig", "!=", "responded")))


def test_durable_definition_shapes():
    rule = Rule("r", "p.r", CONDITIONS[1], Outcome(ivig="consider"), ("start",), ())
    definition = durable_definition((CompiledRule("r000", rule, "pathway", normalise(rule.when)),))
    assert definition["r000"] == {"all": [{"m": {"$or": [{"$neq": {"severe": True}}, {"$gte": {"age_years": 18}}]}}]}
    assert definition["sentinel"] == {"all": [{"m": {"$gte": {"seq": 0}}}]}


def test_a_condition_no_patient_meets_never_matches_and_an_empty_all_always_does(catalogue):
    """durable-rules has no literal true/false; the compiler's stand-ins must mean exactly that."""
    from dataclasses import replace

    from ivig_rules.logic.compiler import compile_pathway
    from ivig_rules.engines.durable import DurableEngine
    from ivig_rules.engines.reference import ReferenceEngine
    from ivig_rules.loading.patient import patient_from_mapping

    pathway = catalogue.pathway_for("gbs")
    never = replace(pathway.rules[0], id="never", qualified_id="gbs.never", when=AnyOf(()))
    always = replace(pathway.rules[0], id="always", qualified_id="gbs.always", when=AllOf(()))
    compiled = compile_pathway(replace(pathway, rules=(never, always, *pathway.rules)), catalogue.screening)
    names = {r.rule.id: r.name for r in compiled.rules}
    patient = patient_from_mapping({"diagnosis": "gbs", "age_years": 40, "sex": "male"}, catalogue.vocabulary)
    facts = compiled.engine_facts(patient)
    with DurableEngine(memo=False) as durable:
        for _ in range(3):  # the fact counter grows with every patient; the stand-ins must not care
            matched = durable.match(compiled, facts)
            assert names["always"] in matched and names["never"] not in matched
    assert matched == ReferenceEngine().match(compiled, facts)


def test_pushing_negation_keeps_meaning_and_the_lines_explain_cites():
    """explain and the FHIR export call push_negation(condition) and point at the YAML lines."""
    from ivig_rules.logic.compiler import push_negation

    plain = Compare("severe", "==", True, line=3)
    assert push_negation(plain) is plain  # nothing to push: the condition itself, not its negation
    pushed = push_negation(Not(AllOf((plain, Compare("age_years", "<", 18, line=4)), line=2), line=1))
    assert pushed == AnyOf((Compare("severe", "!=", True), Compare("age_years", ">=", 18)))
    assert (pushed.line, pushed.items[0].line, pushed.items[1].line) == (2, 3, 4)
