"""Conditions of rules as the loaders read them: comparisons joined by all, any and not."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Union

from .constants import Scalar


@dataclass(frozen=True)
class Compare:
    fact: str
    op: str
    value: Scalar | tuple[Scalar, ...]
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class AllOf:
    items: tuple["Condition", ...] = ()
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class AnyOf:
    items: tuple["Condition", ...] = ()
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Not:
    item: "Condition"
    line: int | None = field(default=None, compare=False)


Condition = Union[Compare, AllOf, AnyOf, Not]


def comparisons(condition: Condition) -> Iterator[Compare]:
    """Every comparison of a condition as written, in file order (under ``not`` too)."""
    if isinstance(condition, Compare):
        yield condition
        return
    for item in (condition.item,) if isinstance(condition, Not) else condition.items:
        yield from comparisons(item)
