"""One JSON form for the plain dataclasses: their fields, in field order, so the JSON contract is
declared once, by the fields.

A dataclass decorated with :func:`json_form` gets ``to_dict()``: every field under its name, tuples as
lists, nested dataclasses (and anything with its own ``to_dict``) converted in turn. A field's
metadata, written with :func:`json_field`, can give it another key (an arrow's ``source`` is
``"from"``), leave it out, or convert its value first (pairs into a mapping). A ``to_dict``
written by hand is kept only where the JSON computes something the fields do not hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Callable

__all__ = ["json_form", "json_field", "to_dict", "jsonable"]

_METADATA_KEY = "ivig_rules.json"


@dataclass(frozen=True)
class _Spec:
    key: str | None = None
    omit: bool = False
    convert: Callable[[Any], Any] | None = None


_PLAIN = _Spec()


def json_field(*, key: str | None = None, omit: bool = False, convert: Callable[[Any], Any] | None = None, **options: Any):
    """A dataclass field with its JSON form: under ``key``, left out (``omit``), or ``convert``-ed
    before the usual conversion; ``options`` are those of :func:`dataclasses.field`."""
    return field(metadata={_METADATA_KEY: _Spec(key, omit, convert)}, **options)


def _plan(cls: type) -> tuple[tuple[str, str, Callable[[Any], Any] | None], ...]:
    """(attribute, JSON key, converter) per field shown, in field order."""
    plan = []
    for f in fields(cls):
        spec = f.metadata.get(_METADATA_KEY, _PLAIN)
        if not spec.omit:
            plan.append((f.name, spec.key or f.name, spec.convert))
    return tuple(plan)


def json_form(cls: type) -> type:
    """Class decorator, above ``@dataclass``: gives the class ``to_dict()``, the JSON form of its
    fields, its plan worked out once here rather than at every call."""
    plan = _plan(cls)

    def to_dict(self) -> dict[str, Any]:
        return {
            key: jsonable(getattr(self, name) if convert is None else convert(getattr(self, name)))
            for name, key, convert in plan
        }

    to_dict.__doc__ = f"{cls.__name__} as JSON-ready data: its fields in order (model/json_form.py)."
    cls.to_dict = to_dict
    return cls


def to_dict(obj: Any) -> dict[str, Any]:
    """Any dataclass instance as JSON-ready data: each field under its key, in field order."""
    return {
        key: jsonable(getattr(obj, name) if convert is None else convert(getattr(obj, name)))
        for name, key, convert in _plan(type(obj))
    }


_SCALARS = frozenset({str, bool, int, float, type(None)})


def jsonable(value: Any) -> Any:
    """A value as JSON holds it: tuples and lists as lists, anything with a ``to_dict`` through it,
    a dict's values converted in turn; scalars as they are."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is tuple or kind is list:
        return [item if type(item) in _SCALARS else jsonable(item) for item in value]
    own = getattr(kind, "to_dict", None)
    if own is not None:
        return own(value)
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return [jsonable(item) for item in value]
    return value
