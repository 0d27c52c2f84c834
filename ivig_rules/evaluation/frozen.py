"""Building frozen dataclasses on the hot path without their generated ``__init__``.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``, one call per
field: for ``Recommendation`` (27 fields) that was a fifth of a whole evaluation. Where most
fields come from a template worked out once, :func:`build` fills the instance's ``__dict__``
in one update instead. It is only for the plain frozen dataclasses of this package (no
``__slots__``, no ``__post_init__``, no defaults computed in ``__init__``); :func:`template`
checks a template names exactly the class's fields, and tests/test_frozen_build.py checks
the instances equal those ``__init__`` builds.
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["build", "template"]

T = TypeVar("T")
_new = object.__new__


def template(cls: type, values: dict[str, Any], *, later: tuple[str, ...] = ()) -> dict[str, Any]:
    """``values`` checked to name every field of ``cls`` except ``later`` (filled per instance)."""
    names = cls.__dataclass_fields__.keys()  # the fields (a ClassVar would make this refuse: none are used)
    given = set(values) | set(later)
    if given != names:
        raise TypeError(f"{cls.__name__} template: missing {sorted(names - given)}, unknown {sorted(given - names)}")
    return values


def build(cls: type[T], values: dict[str, Any], more: dict[str, Any] | None = None) -> T:
    """An instance of the frozen dataclass ``cls`` holding ``values`` (and then ``more``)."""
    instance = _new(cls)
    state = instance.__dict__
    state.update(values)
    if more:
        state.update(more)
    return instance
