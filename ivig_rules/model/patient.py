"""A validated patient, as the engines see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from .constants import Scalar


@dataclass(frozen=True)
class Patient:
    """A validated, normalised patient: every rule-visible fact has a value."""

    facts: Mapping[str, Scalar | None]
    source: str | None = field(default=None, compare=False)
    line: int | None = field(default=None, compare=False)

    def __getitem__(self, name: str) -> Scalar | None:
        return self.facts.get(name)

    @property
    def id(self) -> str | None:
        value = self.facts.get("id")
        return None if value is None else str(value)

    @property
    def diagnosis(self) -> str:
        return str(self.facts["diagnosis"])
