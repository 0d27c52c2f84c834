"""A validated patient, as the engines see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from .constants import Scalar
from .facts import DIAGNOSIS, ID


@dataclass(frozen=True)
class Patient:
    """A validated, normalised patient: every rule-visible fact has a value."""

    facts: Mapping[str, Scalar | None]
    source: str | None = field(default=None, compare=False)
    line: int | None = field(default=None, compare=False)

    def __getitem__(self, name: str) -> Scalar | None:
        """A fact's value (None when not recorded); a name the vocabulary does not define is a bug, raised."""
        try:
            return self.facts[name]
        except KeyError:
            raise KeyError(f"{name!r} is not a fact of this patient; facts are: {', '.join(self.facts)}") from None

    @property
    def id(self) -> str | None:
        value = self.facts.get(ID)
        return None if value is None else str(value)

    @property
    def diagnosis(self) -> str:
        return str(self.facts[DIAGNOSIS])
