"""The predicates compiled to Python fire exactly the rules the tuple walk fires, and nothing else becomes code."""

from __future__ import annotations

import math

from ivig_rules.logic.compiler import compile_pathway
from ivig_rules.engines.reference import ReferenceEngine
from ivig_rules.logic.fact_space import axes_for_rules, patient_from_engine_facts
from ivig_rules.engines.matcher_code import compile_matcher, matcher_source


def _spread(space: dict, wanted: int):
    """About ``wanted`` points spread evenly over the space, in enumeration order, without
    listing it (with the safety facts' 'unknown' it is millions of points)."""
    names = list(space)
    size = 1
    for values in space.values():
        size *= len(values)
    stride = max(1, size // wanted)
    while math.gcd(stride, size) != 1 and stride < size:  # coprime: every axis's values all come up
        stride += 1
    for index in range(0, size, stride):
        point, rest = {}, index
        for name in reversed(names):
            rest, digit = divmod(rest, len(space[name]))
            point[name] = space[name][digit]
        yield {name: point[name] for name in names}


def test_generated_matcher_agrees_with_the_walk_on_every_fact_space(catalogue):
    vocab = catalogue.vocabulary
    engine = ReferenceEngine()
    checked = 0
    for pathway in catalogue.pathways.values():
        compiled = compile_pathway(pathway, catalogue.screening)
        space = axes_for_rules([r.rule for r in compiled.rules], vocab)
        for values in _spread(space, 3000):
            facts = compiled.engine_facts(patient_from_engine_facts(values, pathway, vocab))
            assert engine.match(compiled, facts) == ReferenceEngine.walk(compiled, facts), (pathway.id, values)
            checked += 1
    assert checked > 10_000


def test_constants_and_comparisons():
    match = compile_matcher([
        ("always", ("all", ())),
        ("never", ("any", ())),
        ("child", ("cmp", "age_years", "<", 18)),
        ("either", ("any", (("cmp", "tx_ivig", "==", "failed"), ("cmp", "severe", "==", True)))),
    ])
    assert match({"age_years": 10, "tx_ivig": "responded", "severe": False}) == {"always", "child"}
    assert match({"age_years": 40, "tx_ivig": "failed", "severe": False}) == {"always", "either"}


def test_only_plain_literals_become_code():
    """A value that is not a str, int, float or bool is refused, and the engine walks instead."""
    assert compile_matcher([("r", ("cmp", "x", "==", object()))]) is None
    assert compile_matcher([("r", ("cmp", "x", "==", float("nan")))]) is None
    hostile = "x'); import os; ('"
    source = matcher_source([("r", ("cmp", "tx_ivig", "==", hostile))])
    assert repr(hostile) in source and "\nimport" not in source
    assert compile_matcher([("r", ("cmp", "tx_ivig", "==", hostile))])({"tx_ivig": hostile}) == {"r"}
