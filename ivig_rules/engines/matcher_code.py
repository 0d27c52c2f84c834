"""Compiles a pathway's predicates to one plain Python function, once, instead of walking tuples.

The reference engine evaluated each rule by walking its predicate tuple for every patient
(about 10 us a patient); the same predicates as one generated function answer in about 1 us
and agree with the walk on every patient of every fact space (tests/test_engines_agree.py).
The source is built only from engine keys and literal values, each written with ``repr`` of a
str, int, float or bool, so no ruleset text can become code; anything else is refused and the
caller falls back to walking the tuples.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ..logic.compiler import Predicate
from ..logic.predicates import OPS, comparisons

__all__ = ["matcher_source", "compile_matcher", "Matcher", "outcomes_source", "compile_outcomes"]

Matcher = Callable[[dict], frozenset]
_LITERALS = (str, int, float, bool)


class _Refused(ValueError):
    """A predicate this generator does not write as code (the caller walks it instead)."""


def _literal(value: Any) -> str:
    if type(value) not in _LITERALS or (isinstance(value, float) and value != value):
        raise _Refused(f"not a plain literal: {value!r}")
    return repr(value)


def _expression(predicate: Predicate, names: dict[str, str]) -> str:
    kind = predicate[0]
    if kind == "cmp":
        _, key, op, value = predicate
        if op not in OPS:  # each of these is written as itself in Python
            raise _Refused(f"operator {op!r}")
        if key not in names:
            names[key] = f"v{len(names)}"
        return f"{names[key]} {op} {_literal(value)}"
    if kind not in ("all", "any"):
        raise _Refused(f"predicate kind {kind!r}")
    parts = [_expression(part, names) for part in predicate[1]]
    if not parts:
        return "True" if kind == "all" else "False"
    joiner = " and " if kind == "all" else " or "
    return "(" + joiner.join(parts) + ")"


def matcher_source(rules: Sequence[tuple[str, Predicate]], function: str = "match") -> str:
    """Python source of ``function(facts) -> frozenset`` of the names whose predicate holds."""
    names: dict[str, str] = {}
    tests = [(name, _expression(predicate, names)) for name, predicate in rules]
    lines = [f"def {function}(facts):"]
    lines += [f"    {local} = facts[{key!r}]" for key, local in names.items()]
    lines.append("    fired = []")
    for name, test in tests:
        lines.append(f"    if {test}:")
        lines.append(f"        fired.append({name!r})")
    lines.append("    return frozenset(fired)")
    return "\n".join(lines) + "\n"


def _generated(write: Callable[[], str], function: str, builtins: dict, where: str) -> Callable | None:
    """``function`` from the source ``write()`` gives, run with only ``builtins``; None when a
    predicate cannot be written as code (deep or unusual): the caller then takes the slow way."""
    try:
        namespace: dict[str, Any] = {"__builtins__": builtins}
        exec(compile(write(), where, "exec"), namespace)  # noqa: S102 - literals only, see module doc
    except (_Refused, RecursionError, SyntaxError, MemoryError):
        return None
    return namespace[function]


def compile_matcher(rules: Sequence[tuple[str, Predicate]]) -> Matcher | None:
    """The compiled matcher, or None when a predicate cannot be written as code (deep or unusual)."""
    return _generated(lambda: matcher_source(rules), "match", {"frozenset": frozenset}, "<ivig-rules predicates>")


def outcomes_source(rules: Sequence[tuple[str, Predicate]], function: str = "outcomes") -> str:
    """Python source of ``function(facts) -> int | None``: the outcome of every distinct comparison
    the rules make, one bit each in first-seen order (a small int keeps a memo small). Two patients
    with equal numbers fire the same rules. None when a fact compared with a number is not finite
    (nan, inf): every comparison of nan is false, so it would share a number with a finite value,
    yet the engine refuses it."""
    names: dict[str, str] = {}
    atoms = [atom for _, predicate in rules for atom in comparisons(predicate)]
    tests = dict.fromkeys(_expression(atom, names) for atom in atoms)
    numeric = dict.fromkeys(names[a.key] for a in atoms if type(a.value) in (int, float))
    bits = [f"(({test}) << {bit})" if bit else f"({test})" for bit, test in enumerate(tests)] or ["0"]
    lines = [f"def {function}(facts):"]
    lines += [f"    {local} = facts[{key!r}]" for key, local in names.items()]
    for local in numeric:  # x - x is 0 for every finite number, nan for nan and inf
        lines += [f"    if {local} - {local} != 0:", "        return None"]
    lines.append(f"    return {' | '.join(bits)}")
    return "\n".join(lines) + "\n"


def compile_outcomes(rules: Sequence[tuple[str, Predicate]]) -> Callable[[dict], int | None] | None:
    """The compiled outcomes function, or None when a predicate cannot be written as code."""
    return _generated(lambda: outcomes_source(rules), "outcomes", {}, "<ivig-rules comparisons>")
