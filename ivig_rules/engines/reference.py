"""A small pure-Python evaluator of the compiled model, to check durable-rules against.

Each compiled pathway's predicates become one generated Python function the first time it is
seen (:mod:`ivig_rules.engines.matcher_code`, about 1 us a patient); a pathway whose predicates
cannot be written as code is matched by walking them with :func:`holds`, as before.
"""

from __future__ import annotations

import operator
from types import MappingProxyType
from typing import Any

from ..logic.compiler import CompiledPathway, Predicate

__all__ = ["ReferenceEngine", "holds"]

_OPS = MappingProxyType({
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
})


def holds(predicate: Predicate, facts: dict[str, Any]) -> bool:
    kind = predicate[0]
    if kind == "cmp":
        _, key, op, value = predicate
        return _OPS[op](facts[key], value)
    if kind == "all":
        return all(holds(p, facts) for p in predicate[1])
    return any(holds(p, facts) for p in predicate[1])


class ReferenceEngine:
    name = "reference"

    def __init__(self) -> None:
        self._matchers: dict[str, Any] = {}  # fingerprint -> compiled matcher (None: walk the predicates)

    def match(self, compiled: CompiledPathway, facts: dict[str, Any]) -> frozenset[str]:
        try:
            matcher = self._matchers[compiled.fingerprint]
        except KeyError:
            from .matcher_code import compile_matcher

            matcher = self._matchers[compiled.fingerprint] = compile_matcher([(r.name, r.predicate) for r in compiled.rules])
        if matcher is not None:
            return matcher(facts)
        return self.walk(compiled, facts)

    @staticmethod
    def walk(compiled: CompiledPathway, facts: dict[str, Any]) -> frozenset[str]:
        """Match by walking each predicate (the generated function's reference)."""
        return frozenset(rule.name for rule in compiled.rules if holds(rule.predicate, facts))

    def close(self) -> None:
        self._matchers.clear()

    def __enter__(self) -> "ReferenceEngine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
