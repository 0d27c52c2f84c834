"""One JSON form for the plain dataclasses: their fields, in field order, so the JSON contract is
declared once, by the fields.

A class that inherits :class:`JsonForm` gets ``to_dict()``: every field under its name, tuples as
lists, nested dataclasses (and anything with its own ``to_dict``) converted in turn. A field's
metadata, written with :func:`json_field`, can give it another key (``line_of_therapy`` is
``"line"``), leave it out, or convert its value first (pairs into a mapping). A ``to_dict``
written by hand is kept only where the JSON computes something the fields do not hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any, Callable

__all__ = ["JsonForm", "json_field", "to_dict", "jsonable"]

_METADATA_KEY = "ivig_rules.json"


@dataclass(frozen=True)
class _Spec:
    key: str | None = None
    omit: bool = False
    convert: Callable[[Any], Any] | None = None


def json_field(*, key: str | None = None, omit: bool = False, convert: Callable[[Any], Any] | None = None, **options: Any):
    """A dataclass field with its JSON form: under ``key``, left out (``omit``), or ``convert``-ed
    before the usual conversion; ``options`` are those of :func:`dataclasses.field`."""
    return field(metadata={_METADATA_KEY: _Spec(key, omit, convert)}, **options)


@cache
def _plan(cls: type) -> tuple[tuple[str, str, Callable[[Any], Any] | None], ...]:
    """(attribute, JSON key, converter) per field shown, worked out once per class."""
    plan = []
    for f in fields(cls):
        spec = f.metadata.get(_METADATA_KEY, _Spec())
        if not spec.omit:
            plan.append((f.name, spec.key or f.name, spec.convert))
    return tuple(plan)


def to_dict(obj: Any) -> dict[str, Any]:
    """A dataclass instance as JSON-ready data: each field under its key, in field order."""
    out = {}
    for name, key, convert in _plan(type(obj)):
        value = getattr(obj, name)
        out[key] = jsonable(value if convert is None else convert(value))
    return out


def jsonable(value: Any) -> Any:
    """A value as JSON holds it: tuples and lists as lists, a dict's values and anything with a
    ``to_dict`` converted in turn; scalars as they are."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (tuple, list)):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    own = getattr(value, "to_dict", None)
    return own() if own is not None else value


class JsonForm:
    """Mixin for a dataclass whose JSON is its fields (see the module docstring)."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)
