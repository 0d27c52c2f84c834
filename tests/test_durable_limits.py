"""durable-rules' limits: lint and the loaders refuse what the default engine cannot run (issue 15.6).

Each limit is checked twice: against durable-rules' C core itself, on both sides of the limit
(so the figures in ivig_rules/engines/durable_limits.py are the core's, found by experiment),
and through lint and the evaluator, which must refuse a ruleset past it with the reason in words.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import durable_rules_engine as core
import pytest

from conftest import ROOT
from ivig_rules.logic.compiler import CompiledRule, durable_definition
from ivig_rules.engines.durable_limits import MAX_FORWARDS, MAX_STACK, MAX_TESTED_FACTS, limit_problems, stack_bound
from ivig_rules.errors import SchemaError
from ivig_rules.evaluation.evaluator import Evaluator
from ivig_rules.lint import lint_paths
from ivig_rules.loading.vocabulary import load_vocabulary


def rule(predicate: tuple, name: str = "r000") -> CompiledRule:
    return CompiledRule(name, None, "pathway", predicate)


def run_in_core(rules: list[CompiledRule], fact: dict) -> int | None:
    """None when durable-rules loads the rules and takes the fact, else its error code."""
    try:
        handle = core.create_ruleset(f"limits_{id(rules):x}", json.dumps(durable_definition(tuple(rules))))
    except core.error as exc:
        return int(str(exc).rsplit(" ", 1)[-1])
    try:
        _, state = core.assert_fact(handle, json.dumps({"sid": "0", "seq": 1, **fact}))
        result = core.start_action_for_state(handle, state)
        while result and (result[1] if isinstance(result, tuple) else result):
            result = core.complete_and_start_action(handle, state)
        core.delete_state(handle, "0")
        return None
    except core.error as exc:
        return int(str(exc).rsplit(" ", 1)[-1])
    finally:
        core.delete_ruleset(handle)


def any_of(parts) -> tuple:
    return ("any", tuple(parts))


# -- the limits, measured against the C core ------------------------------------------------------


@pytest.mark.parametrize("count", [MAX_STACK - 1, MAX_STACK])
def test_matching_tests_followed_at_once_bound_matches_the_core(count):
    """An any: of N age comparisons that all match needs N entries, plus one for the safety-net rule."""
    rules = [rule(any_of(("cmp", "age_years", ">", i / 2) for i in range(count)))]
    bound = stack_bound(rules)
    assert bound == count + 1
    assert run_in_core(rules, {"age_years": 100}) == (None if bound <= MAX_STACK else 303)
    assert run_in_core(rules, {"age_years": -1}) is None  # nothing matches: no stack needed


@pytest.mark.parametrize("count", [2 * MAX_STACK - 2, 2 * MAX_STACK - 1])
def test_alternatives_repeating_one_test_each_count(count):
    """An any: that repeats a test pushes the rest of the rule once per repeat."""
    rules = [rule(any_of(("cmp", "severe", "==", bool(i % 2)) for i in range(count)))]
    bound = stack_bound(rules)
    assert run_in_core(rules, {"severe": False}) == (None if bound <= MAX_STACK else 303)
    assert (bound <= MAX_STACK) == (count == 2 * MAX_STACK - 2)


def test_one_test_ending_more_than_128_alternatives_is_caught_before_the_core_tries():
    """128 load; past them the core writes beyond its list (it may refuse with 107, or load and corrupt)."""
    def pathway(count):
        return SimpleNamespace(keys=("severe",), rules=(rule(any_of(("cmp", "severe", "==", True) for _ in range(count))),))

    assert run_in_core(list(pathway(MAX_FORWARDS).rules), {"severe": False}) is None
    assert not [p for p in limit_problems(pathway(MAX_FORWARDS)) if "128 'any:'" in p.message]
    assert [p for p in limit_problems(pathway(MAX_FORWARDS + 1)) if "128 'any:'" in p.message]
    assert run_in_core(list(pathway(4 * MAX_FORWARDS).rules), {"severe": False}) == 107  # far past: refused


@pytest.mark.parametrize("count", [MAX_TESTED_FACTS, MAX_TESTED_FACTS + 1])
def test_tested_facts_limit_matches_the_core(count):
    rules = [rule(any_of(("cmp", f"flag{i}", "==", True) for i in range(count)))]
    fact = {f"flag{i}": False for i in range(count)}  # nothing matches, so only the property count matters
    compiled = SimpleNamespace(keys=tuple(fact), rules=tuple(rules))
    too_many = [p for p in limit_problems(compiled) if "different facts" in p.message]
    assert run_in_core(rules, fact) == (302 if too_many else None)
    assert bool(too_many) == (count > MAX_TESTED_FACTS)


@pytest.mark.parametrize("threshold, refused", [(0.0001, False), (0.00001, True)])
def test_numbers_in_exponent_form_are_refused_by_the_core(threshold, refused):
    rules = [rule(("cmp", "age_years", ">", threshold))]
    assert ("e-" in json.dumps(threshold)) == refused
    assert run_in_core(rules, {"age_years": 40}) == (204 if refused else None)
    assert run_in_core([rule(("cmp", "x", ">", 0))], {"x": 1e16}) == 204
    assert run_in_core([rule(("cmp", "x", ">", 0))], {"x": 10**15 - 1}) is None


# -- refused when a ruleset loads -----------------------------------------------------------------


@pytest.fixture
def rulesets(tmp_path) -> Path:
    target = tmp_path / "rulesets"
    shutil.copytree(ROOT / "rulesets", target)
    return target


def add_rule(rulesets: Path, when: str) -> tuple[Path, int]:
    """Add a rule to the GBS pathway; return the file and the rule's line."""
    path = rulesets / "pathways" / "gbs.yaml"
    head, teaching = path.read_text(encoding="utf-8").split("\nteaching:", 1)  # rules end where it starts
    head = head.rstrip("\n") + "\n"
    line = head.count("\n") + 1
    head += (
        "  - id: wide\n"
        f"    when: {when}\n"
        "    then: {alerts: [diabetes]}\n"
        "    evidence: expert_opinion\n"
        '    cite: ["002_2befdb370e513400.txt"]\n'
    )
    path.write_text(head + "\nteaching:" + teaching, encoding="utf-8")
    return path, line


def assert_refused(rulesets: Path, path: Path, line: int, words: str) -> None:
    report = lint_paths([rulesets])
    found = [f for f in report.findings if f.code == "engine-limit"]
    assert len(found) == 1 and found[0].file == str(path) and found[0].line == line, report.findings
    assert words in found[0].message and "cannot run the rule 'wide'" in found[0].message
    with pytest.raises(SchemaError, match=words) as caught:
        Evaluator(rulesets, engine="durable")
    assert caught.value.file == str(path) and caught.value.line == line
    Evaluator(rulesets, engine="reference").close()  # the reference evaluator would have answered


def test_an_any_of_130_flag_tests_is_refused_with_the_reason(rulesets):
    path, line = add_rule(rulesets, "{any: [" + ", ".join(["{severe: true}"] * 130) + "]}")
    assert_refused(rulesets, path, line, "more than 128 'any:' alternatives")


def test_an_any_of_163_age_comparisons_is_refused_with_the_reason(rulesets):
    path, line = add_rule(rulesets, "{any: [" + ", ".join(f"{{age_years: {{'>': {i / 2:g}}}}}" for i in range(163)) + "]}")
    assert_refused(rulesets, path, line, f"follows at most {MAX_STACK}")


def test_an_any_just_inside_the_limits_runs_in_durable_as_in_the_reference(rulesets):
    add_rule(rulesets, "{any: [" + ", ".join(f"{{age_years: {{'>': {i:g}}}}}" for i in range(30)) + "]}")
    assert not [f for f in lint_paths([rulesets]).findings if f.code == "engine-limit"]
    patient = {"diagnosis": "gbs", "age_years": 120, "sex": "male"}
    with Evaluator(rulesets, engine="durable") as durable, Evaluator(rulesets, engine="reference") as reference:
        assert durable.evaluate(patient).to_dict() == {**reference.evaluate(patient).to_dict(), "engine": "durable"}


def test_a_threshold_finer_than_4_decimals_is_refused(rulesets):
    path, _ = add_rule(rulesets, "{age_years: {'>': 0.00001}}")
    with pytest.raises(SchemaError, match="more than 4 decimal places") as caught:
        Evaluator(rulesets, engine="durable")
    assert caught.value.file == str(path)
    assert any("more than 4 decimal places" in f.message for f in lint_paths([rulesets]).findings)


def test_a_custom_number_fact_that_reaches_exponent_form_is_refused(rulesets):
    path = rulesets / "vocabulary.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "facts:\n", "facts:\n  count:\n    type: number\n    minimum: 0\n    maximum: 1e17\n    description: A count.\n", 1
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError, match="too large") as caught:
        load_vocabulary(rulesets)
    assert caught.value.key == "facts.count.maximum"
