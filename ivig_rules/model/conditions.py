"""Conditions of rules as the loaders read them: comparisons joined by all, any and not."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

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
