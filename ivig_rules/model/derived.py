"""Data derived from a frozen value, worked out on first use and kept with the value itself.

A frozen dataclass (a vocabulary, a compiled pathway, a dose regimen) never changes, so what is
worked out from it alone (a validation plan, the roles of its rules, a dose plan) can live in its
``__dict__``: built once however many evaluators or workers use the value, shared by processes
forked after it was built, and gone with the value. Never compared, hashed or shown: dataclass
equality, hashing and repr read the fields only.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

__all__ = ["derived"]

T = TypeVar("T")


def derived(value: Any, name: str, build: Callable[[Any], T]) -> T:
    """``build(value)``, worked out the first time and kept with ``value`` under ``name``."""
    kept = value.__dict__.get(name)
    if kept is None:
        kept = value.__dict__[name] = build(value)
    return kept
