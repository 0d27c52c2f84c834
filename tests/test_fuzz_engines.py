"""Fuzz campaigns on the engines and on lint: random rules, random facts, mutated rulesets (issue 15.6, 15.9).

- The stack bound of ivig_rules/engines/durable_limits.py is sound: whenever durable-rules' C core
  runs out of stack (error 303) on random rules and facts, the bound said more than 64.
- Wherever durable-rules runs, it fires exactly the rules the reference evaluator finds.
- Lint and the evaluator agree on whether a mutated ruleset loads.
"""

from __future__ import annotations

import json
import random
import shutil

import durable_rules_engine as core
import pytest
from hypothesis import given, settings, strategies as st

from conftest import ROOT
from ivig_rules.logic.compiler import SENTINEL, CompiledRule, durable_definition
from ivig_rules.engines.durable_limits import MAX_STACK, stack_bound
from ivig_rules.engines.reference import holds
from ivig_rules.errors import IvigRulesError
from ivig_rules.evaluation.evaluator import Evaluator
from ivig_rules.lint import lint_paths

pytestmark = pytest.mark.fuzz

KEYS = {"n1": "number", "n2": "number", "f1": "flag", "f2": "flag", "c1": "choice"}
CHOICES = ("a", "b", "c")


@st.composite
def comparisons(draw):
    key = draw(st.sampled_from(sorted(KEYS)))
    kind = KEYS[key]
    if kind == "number":
        return ("cmp", key, draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="])), draw(st.integers(0, 6)))
    if kind == "flag":
        return ("cmp", key, draw(st.sampled_from(["==", "!="])), draw(st.booleans()))
    return ("cmp", key, draw(st.sampled_from(["==", "!="])), draw(st.sampled_from(CHOICES)))


predicates = st.recursive(
    comparisons(),
    lambda inner: st.tuples(st.sampled_from(["all", "any"]), st.lists(inner, min_size=1, max_size=12).map(tuple)),
    max_leaves=80,
)
facts = st.fixed_dictionaries({
    "n1": st.integers(-1, 7), "n2": st.integers(-1, 7), "f1": st.booleans(), "f2": st.booleans(), "c1": st.sampled_from(CHOICES),
})


def fire(rules: list[CompiledRule], fact: dict) -> set[str] | int:
    """The rules durable-rules fires for one fact, or its error code."""
    try:
        handle = core.create_ruleset(f"fuzz_{id(rules):x}", json.dumps(durable_definition(tuple(rules))))
    except core.error as exc:
        return int(str(exc).rsplit(" ", 1)[-1])
    fired: set[str] = set()
    try:
        _, state = core.assert_fact(handle, json.dumps({"sid": "0", "seq": 1, **fact}))
        result = core.start_action_for_state(handle, state)
        message = result[1] if result else None
        while message:
            fired.update(json.loads(message))
            message = core.complete_and_start_action(handle, state)
        core.delete_state(handle, "0")
    except core.error as exc:
        return int(str(exc).rsplit(" ", 1)[-1])
    finally:
        core.delete_ruleset(handle)
    return fired - {SENTINEL}


@given(st.lists(predicates, min_size=1, max_size=4), st.lists(facts, min_size=1, max_size=4))
def test_the_stack_bound_is_sound_and_durable_agrees_with_the_reference(rule_predicates, samples):
    rules = [CompiledRule(f"r{i:03d}", None, "pathway", p) for i, p in enumerate(rule_predicates)]
    bound = stack_bound(rules)
    for fact in samples:
        outcome = fire(rules, fact)
        if outcome == 303:
            assert bound > MAX_STACK, (bound, rule_predicates, fact)
        elif isinstance(outcome, set):
            assert outcome == {r.name for r in rules if holds(r.predicate, fact)}


LOAD_CODES = ("schema", "engine-limit", "duplicate-id", "missing-citation", "unknown-reference")
"""Lint's codes for what the loader refuses (the structural checks name some of them more precisely)."""
MUTATIONS = ["0", "-1", "1e-300", "0.00001", "1e16", "!!int 0x11", "!!bool yes", "'x'", "[]", "{}", "null", "\"\\x9b\"",
             "yes", "2:30", "9" * 400, "&a", "*a", "<<: {}"]


@settings(max_examples=max(6, settings.default.max_examples // 4))
@given(st.randoms(use_true_random=False), st.integers(1, 4))
def test_lint_and_the_evaluator_agree_on_a_mutated_pathway(tmp_path_factory, rng: random.Random, count):
    folder = tmp_path_factory.mktemp("mutated") / "rulesets"
    shutil.copytree(ROOT / "rulesets", folder)
    for other in (folder / "pathways").glob("*.yaml"):
        if other.name != "gbs.yaml":
            other.unlink()
    path = folder / "pathways" / "gbs.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    for _ in range(count):
        index = rng.randrange(len(lines))
        line = lines[index]
        choice = rng.random()
        if choice < 0.2:
            del lines[index]
        elif choice < 0.3:
            lines.insert(index, line)
        elif ":" in line:
            head = line[: line.index(":") + 1]
            lines[index] = f"{head} {rng.choice(MUTATIONS)}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        Evaluator(folder, engine="durable").close()
        loads = None
    except IvigRulesError as exc:
        loads = exc
    report = lint_paths([folder])
    load_errors = [f for f in report.findings if f.severity == "error" and (f.unreadable or f.code in LOAD_CODES)]
    if loads is None:
        assert not load_errors, load_errors
    else:
        assert load_errors and any(f.file == str(path) for f in load_errors), (str(loads), report.findings)
