"""What a schema takes its enumerations from: the rulesets folder the loader would read first.

Sources are read before the vocabulary, and the vocabulary before rulesets, scenarios and
patients, so each schema lists the ids of the files read before its own (sources in the
vocabulary's schema; facts, therapies, statuses, alerts and evidence levels in the others).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from ..model import Source, Vocabulary
from ..loading.vocabulary import load_sources, load_vocabulary

__all__ = ["Rulesets"]


class Rulesets:
    """A rulesets folder, each of its files read once, when a schema first needs it."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    @cached_property
    def sources(self) -> dict[str, Source]:
        return load_sources(self.folder / "sources.yaml")

    @cached_property
    def vocab(self) -> Vocabulary:
        return load_vocabulary(self.folder)
