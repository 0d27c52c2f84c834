"""Compiled conditions as typed nodes, and the one ``holds``: what both engines and every analysis read.

A rule's condition compiles to a tree of three node types over engine keys:
``Cmp(key, op, value)``, ``All(items)`` and ``Any(items)``, with negation already pushed into
the comparisons. The nodes are named tuples whose first field is the kind (``"cmp"``, ``"all"``,
``"any"``), so code generators that read the tuple form (the durable-rules definition, the
reference engine's generated matcher) read them unchanged.

A condition has two forms of these nodes. The written form
(:func:`ivig_rules.logic.compiler.as_written`) keeps ``in``/``not_in`` lists whole and the
author's grouping: the diagrams, the atlas and the FHIR export put it into words with ``infix``.
The engine form (:func:`ivig_rules.logic.compiler.normalise`, which is ``expand`` of the
written form) has only the comparisons of ``OPS``, groups flattened.

``holds`` decides a node (of either form) for engine facts; ``keys`` lists the facts it reads;
``comparisons`` walks its comparisons; ``conjuncts`` gives the parts that must all hold;
``thresholds`` gives the numbers it compares a key with. The reference engine, lint's fact-space
analysis, explain, the graph and its labels and the FHIR export all use these, and nothing else
walks a predicate.
"""

from __future__ import annotations

import operator
from types import MappingProxyType
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple, Union

__all__ = [
    "Cmp", "All", "AnyOf", "Predicate", "ALWAYS", "NEVER", "OPS", "LIST_OPS", "cmp", "all_of", "any_of", "join",
    "expand", "holds", "keys", "comparisons", "conjuncts", "thresholds", "infix",
]

OPS = MappingProxyType({
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
})
"""The comparisons of the engine form; each is written as itself in Python."""

LIST_OPS = MappingProxyType({
    "in": lambda value, values: value in values,
    "not_in": lambda value, values: value not in values,
})
"""The list tests the written form keeps whole (its value a tuple); ``expand`` turns them into ``OPS``."""

class Cmp(NamedTuple):
    kind: str  # "cmp"
    key: str  # an engine key (compiler.engine_key)
    op: str  # one of OPS (or of LIST_OPS in the written form)
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


def all_of(parts: Iterable[Predicate]) -> All:
    """Every part must hold; the parts kept as given (nothing flattened)."""
    return All("all", tuple(parts))


def any_of(parts: Iterable[Predicate]) -> AnyOf:
    """One part must hold; the parts kept as given (nothing flattened)."""
    return AnyOf("any", tuple(parts))


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


def expand(predicate: Predicate) -> Predicate:
    """The engine form of a written predicate: ``in`` as ``==`` parts joined by any, ``not_in`` as
    ``!=`` parts joined by all; groups of one kind flattened, a group of one part unwrapped."""
    kind = predicate[0]
    if kind == "cmp":
        _, key, op, value = predicate
        if op not in LIST_OPS:
            return cmp(key, op, value)
        positive = op == "in"
        return join("any" if positive else "all", tuple(cmp(key, "==" if positive else "!=", v) for v in value))
    return join(kind, tuple(expand(part) for part in predicate[1]))


def holds(predicate: Predicate, facts: dict[str, Any]) -> bool:
    """Whether the predicate holds for these engine facts (every key it reads present)."""
    kind = predicate[0]
    if kind == "cmp":
        _, key, op, value = predicate
        return (OPS[op] if op in OPS else LIST_OPS[op])(facts[key], value)
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


def conjuncts(predicate: Predicate) -> tuple[Predicate, ...]:
    """The parts that must all hold: the items of a top-level all, else the predicate itself."""
    return tuple(predicate[1]) if predicate[0] == "all" else (predicate,)


def keys(predicate: Predicate) -> set[str]:
    """The engine keys the predicate reads."""
    return {c.key for c in comparisons(predicate)}


def thresholds(predicate: Predicate, key: str) -> set[float]:
    """The numbers the predicate compares ``key`` with."""
    return {
        float(c.value) for c in comparisons(predicate)
        if c.key == key and isinstance(c.value, (int, float)) and not isinstance(c.value, bool)
    }


def infix(
    predicate: Predicate,
    comparison: Callable[[Cmp], str],
    groups: Mapping[str, tuple[str, str]],
    *,
    inner: bool = False,
) -> str:
    """The predicate as one line of text: each comparison as ``comparison`` says it, the parts of a
    group joined by ``groups[kind][0]`` (an empty group is ``groups[kind][1]``), an inner group of
    several parts in brackets. The diagrams' words and the FHIR expression are both this."""
    kind = predicate[0]
    if kind == "cmp":
        return comparison(Cmp(*predicate))
    parts = predicate[1]
    joiner, empty = groups[kind]
    if not parts:
        return empty
    text = joiner.join(infix(part, comparison, groups, inner=True) for part in parts)
    return f"({text})" if inner and len(parts) > 1 else text
