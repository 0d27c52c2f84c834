"""What durable-rules 2.0.28 cannot run, found before any patient is evaluated.

durable-rules' C core has fixed limits. Some stop a ruleset from loading (``create_ruleset``
fails: :func:`ivig_rules.engines.durable.refusal` tries it); two only show when a fact is
asserted, for some patients and not others, so they are computed here from the compiled rules:

* **properties**: a fact holds at most 255 properties; ours carry the facts the rules test plus
  ``sid`` and ``seq``, and the core refuses the 254th (error 302). Measured: 251 tested facts run, 252 do not.
* **matching tests followed at once**: the core walks its network of tests with a stack of 64
  entries (error 303). Every test that matches pushes the tests that follow it; an ``any:``
  pushes each matching alternative, and the rest of its rule once per matching alternative.
  :func:`stack_bound` rebuilds the network as the core builds it (one node per distinct test
  after the same tests, shared between rules) and bounds the stack for every patient at once:
  a test on a choice or a flag matches for one value only, every other test is taken to
  match. Measured: ``any:`` of 63 matching age comparisons runs, of 64 does not (the safety
  net rule is the 65th entry); the bound says 64 and 65.

* **links after one test**: at most 128 ``any:`` alternatives and 256 rules may end on one
  test. Past that the core writes beyond its fixed lists: it may refuse (error 107 or 108) or
  load and overwrite its own memory, so these are counted here, never left to a trial load.

Numbers durable-rules cannot read (exponent forms such as 1e-05 or 1e+16, error 204) are kept
out by the loaders: thresholds have at most 4 decimals and every number stays below 1e15.
tests/test_durable_limits.py checks each limit against the C core itself, on both sides of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from ..logic.compiler import SENTINEL, CompiledPathway, CompiledRule
from ..logic.predicates import Cmp, cmp

__all__ = [
    "MAX_TESTED_FACTS",
    "MAX_STACK",
    "MAX_FORWARDS",
    "MAX_ENDINGS",
    "LimitProblem",
    "stack_bound",
    "widest_lists",
    "limit_problems",
    "CODE_REASONS",
]

MAX_TESTED_FACTS = 251
"""Facts the rules of one pathway (with the screening) may test: 255 properties less sid, seq and the core's own."""
MAX_STACK = 64
"""Entries of the C core's matching stack (MAX_STACK_SIZE in events.c)."""

CODE_REASONS = {
    106: "too many different tests follow one test (the core keeps at most 512 after each)",
    107: "one test ends more than 128 'any:' alternatives across the rules (the core keeps 128 links "
         "after one test, and past them refuses or overwrites its own memory); write fewer alternatives, "
         "or merge equal tests into one",
    108: "more than 255 rules end on the same test (the core keeps 256 links after one test)",
    113: "a rule nests more than 15 all:/any: groups (the core keeps at most 32 steps for one rule)",
    201: "a value durable-rules cannot read",
    203: "a number durable-rules cannot read (it refuses exponent forms such as 1e-05)",
    204: "a number durable-rules cannot read (it refuses exponent forms such as 1e-05)",
    302: f"more than {MAX_TESTED_FACTS} different facts are tested (a fact holds at most 255 properties)",
    303: f"too many matching tests at once (the core follows at most {MAX_STACK})",
}


@dataclass(frozen=True)
class LimitProblem:
    """A rule (or the pathway as a whole, ``rule=None``) that durable-rules cannot run, and why."""

    rule: CompiledRule | None
    message: str


MAX_FORWARDS = 128
"""'any:' alternatives that may end on one test (NEXT_LIST_LENGTH in rules.h). Past it the core
writes beyond its list: sometimes it refuses (error 107), sometimes it loads and corrupts its own
memory, so this is checked here rather than left to a trial load."""
MAX_ENDINGS = 255
"""Rules that may end on one test (BETA_LIST_LENGTH, 256, less one for safety, as above)."""


@dataclass(eq=False)
class _Node:
    tests: dict = field(default_factory=dict)  # (key, op, value) -> _Node, shared like the core's
    forwards: list = field(default_factory=list)  # 'any:' joins: pushed every time, with repeats
    endings: int = 0  # rules whose condition ends on this node


def _build(predicate: tuple, parent: _Node) -> _Node:
    """Add a predicate under ``parent`` as createAlpha does; return the node the rule goes on from."""
    kind = predicate[0]
    if kind == "cmp":
        _, key, op, value = predicate
        test = (key, op, repr(value))
        node = parent.tests.get(test)
        if node is None:
            node = parent.tests[test] = _Node()
        return node
    if kind == "all":
        node = parent
        for part in predicate[1]:
            node = _build(part, node)
        return node
    join = _Node()
    for part in predicate[1]:
        _build(part, parent).forwards.append(join)
    return join


def _width(node: _Node) -> int:
    """The most entries the node may push at once: every test, but one per choice or flag tested with ==."""
    equal_keys: set[str] = set()
    count = len(node.forwards)
    for key, op, _ in node.tests:
        if op == "==":
            equal_keys.add(key)
        else:
            count += 1
    return count + len(equal_keys)


def _depth(node: _Node, memo: dict[int, int]) -> int:
    """Stack entries needed from the moment ``node`` is taken off the stack."""
    known = memo.get(id(node))
    if known is not None:
        return known
    children = [*node.tests.values(), *node.forwards]
    width = _width(node)
    deepest = max((_depth(child, memo) for child in children), default=0)
    result = max(width, width - 1 + deepest) if children else 0
    memo[id(node)] = result
    return result


def _sentinel() -> Cmp:
    return cmp("seq", ">=", 0)


def _network(rules: Iterable[CompiledRule]) -> _Node:
    root = _Node()
    for rule in rules:
        _build(rule.predicate, root).endings += 1
    _build(_sentinel(), root).endings += 1
    return root


def stack_bound(rules: Iterable[CompiledRule]) -> int:
    """An upper bound on the C core's matching stack for any patient, with the safety-net rule."""
    return _depth(_network(rules), {})


def widest_lists(rules: Iterable[CompiledRule]) -> tuple[int, int]:
    """The most 'any:' alternatives ending on one test, and the most rules ending on one test."""
    forwards = endings = 0
    seen: set[int] = set()
    todo = [_network(rules)]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        forwards, endings = max(forwards, len(node.forwards)), max(endings, node.endings)
        todo.extend(node.tests.values())
        todo.extend(node.forwards)
    return forwards, endings


def limit_problems(compiled: CompiledPathway) -> list[LimitProblem]:
    """Everything in this compiled pathway that durable-rules could fail on when a fact is asserted."""
    problems = []
    if len(compiled.keys) > MAX_TESTED_FACTS:
        problems.append(LimitProblem(None, f"its rules test {len(compiled.keys)} different facts, but "
                                           f"durable-rules can take at most {MAX_TESTED_FACTS} (a fact holds at most 255 properties)"))
    for rule in compiled.rules:
        forwards, endings = widest_lists([rule])
        if forwards > MAX_FORWARDS:
            problems.append(LimitProblem(rule, CODE_REASONS[107]))
        if endings > MAX_ENDINGS:
            problems.append(LimitProblem(rule, CODE_REASONS[108]))
    forwards, endings = widest_lists(compiled.rules)
    if not problems and (forwards > MAX_FORWARDS or endings > MAX_ENDINGS):
        problems.append(LimitProblem(None, CODE_REASONS[107 if forwards > MAX_FORWARDS else 108]))
    if problems:
        return problems
    bound = stack_bound(compiled.rules)
    if bound > MAX_STACK:
        alone = [(stack_bound([rule]), rule) for rule in compiled.rules if rule.name != SENTINEL]
        worst, rule = max(alone, key=lambda pair: pair[0])
        if worst > MAX_STACK:
            problems.append(LimitProblem(rule, (
                f"for some patients durable-rules would have to follow up to {worst} matching tests at once for "
                f"this rule alone, but it follows at most {MAX_STACK} (each matching alternative of an 'any:' counts, "
                "and the rest of the rule once per matching alternative); split the 'any:' or the rule"
            )))
        else:
            problems.append(LimitProblem(rule, (
                f"for some patients durable-rules would have to follow up to {bound} matching tests at once for "
                f"the rules of this pathway and the screening together, but it follows at most {MAX_STACK}; this "
                "rule is the widest; merge rules that start with different tests, or split wide 'any:' lists"
            )))
    return problems
