"""Compiled conditions as typed nodes, and the one ``holds``: what both engines and every analysis read.

A rule's condition compiles (:func:`ivig_rules.logic.compiler.normalise`) to a tree of three
node types over engine keys: ``Cmp(key, op, value)``, ``All(items)`` and ``Any(items)``, with
negation already pushed into the comparisons. The nodes are named tuples whose first field is
the kind (``"cmp"``, ``"all"``, ``"any"``), so code generators that read the tuple form (the
durable-rules definition, the reference engine's generated matcher) read them unchanged.

``holds`` decides a node for engine facts; ``keys`` lists the facts it reads; ``comparisons``
walks its comparisons; ``thresholds`` gives the numbers it compares a key with. The reference
engine, lint's fact-space analysis, explain and the graph checks all use these, and nothing
else walks a predicate to evaluate it.
"""

from __future__ import annotations

import operator
from types import MappingProxyType
from typing import Any, Iterator, NamedTuple, Union

__all__ = ["Cmp", "All", "AnyOf", "Predicate", "ALWAYS", "NEVER", "cmp", "join", "holds", "keys", "comparisons", "thresholds"]

OPS = MappingProxyType({
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
})


class Cmp(NamedTuple):
    kind: str  # "cmp"
    key: str  # an engine key (compiler.engine_key)
    op: str  # one of OPS
    value: Any


class All(NamedTuple):
    kind: str  # "all"
    items: tuple


class AnyOf(NamedTuple):
    kind: str  # "any"
    items: tuple


Predicate = Union[Cmp, All, AnyOf, tuple]  # plain tuples of the same shape are read alike
ALWAYS = All("all", ())
NEVER = AnyOf("any", ())


def cmp(key: str, op: str, value: Any) -> Cmp:
    return Cmp("cmp", key, op, value)


def join(kind: str, parts: tuple) -> Predicate:
    """``All`` or ``Any`` of the parts, nested nodes of the same kind flattened, one part unwrapped."""
    flat: list = []
    for part in parts:
        if part[0] == kind:
            flat.extend(part[1])
        else:
            flat.append(part)
    if len(flat) == 1:
        return flat[0]
    return All(kind, tuple(flat)) if kind == "all" else AnyOf(kind, tuple(flat))


def holds(predicate: Predicate, facts: dict[str, Any]) -> bool:
    """Whether the predicate holds for these engine facts (every key it reads present)."""
    kind = predicate[0]
    if kind == "cmp":
        _, key, op, value = predicate
        return OPS[op](facts[key], value)
    if kind == "all":
        return all(holds(p, facts) for p in predicate[1])
    return any(holds(p, facts) for p in predicate[1])


def comparisons(predicate: Predicate) -> Iterator[Cmp]:
    """Every comparison of the predicate, in order."""
    if predicate[0] == "cmp":
        yield Cmp(*predicate)
        return
    for part in predicate[1]:
        yield from comparisons(part)


def keys(predicate: Predicate) -> set[str]:
    """The engine keys the predicate reads."""
    return {c.key for c in comparisons(predicate)}


def thresholds(predicate: Predicate, key: str) -> set[float]:
    """The numbers the predicate compares ``key`` with."""
    return {
        float(c.value) for c in comparisons(predicate)
        if c.key == key and isinstance(c.value, (int, float)) and not isinstance(c.value, bool)
    }
