"""A small pure-Python evaluator of the compiled model, to check durable-rules against."""

from __future__ import annotations

import operator
from types import MappingProxyType
from typing import Any

from ..compiler import CompiledPathway, Predicate

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

    def match(self, compiled: CompiledPathway, facts: dict[str, Any]) -> frozenset[str]:
        return frozenset(rule.name for rule in compiled.rules if holds(rule.predicate, facts))

    def close(self) -> None:
        return None

    def __enter__(self) -> "ReferenceEngine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
