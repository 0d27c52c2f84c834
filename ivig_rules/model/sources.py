"""Sources the rules cite: their numbered reference lists, and a citation of one of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping


@dataclass(frozen=True)
class Reference:
    """One entry of a source's numbered reference list: bibliographic facts only."""

    number: int
    authors: str
    title: str
    published_in: str = ""  # journal, website or publisher
    year: int | None = None
    details: str = ""  # volume, issue, pages
    doi: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Section:
    """A part of a source that numbers its references on its own (seed 003 restarts per section)."""

    id: str
    title: str
    references: tuple[Reference, ...] = ()


@dataclass(frozen=True)
class Source:
    """A document rules cite: a seed page the project was built from, or an external guideline.

    Seeds are cited by file name (the name the project's seed collection gives them); readers
    see the title, publisher and reference lists kept here, never a path to a folder.
    """

    id: str
    kind: str  # seed | external
    title: str
    short_title: str = ""  # how a citation names it: "the MS FAQ"
    publisher: str = ""
    authors: str = ""  # external sources with authors: "Devine BJ"
    published_in: str = ""
    year: int | None = None
    url: str | None = None
    doi: str | None = None
    covers: str = ""
    references: tuple[Reference, ...] = ()
    sections: Mapping[str, Section] = field(default_factory=lambda: MappingProxyType({}))

    def reference_list(self, section: str | None = None) -> tuple[Reference, ...]:
        """The numbered references of the source, or of one of its sections."""
        if section is not None:
            return self.sections[section].references
        return self.references


@dataclass(frozen=True, order=True)
class Citation:
    """A source, the section that numbers its references where it has sections, and a number.

    ``text`` is the readable reference a clinician can look up (see :mod:`ivig_rules.model.citations`);
    it is filled in when the citation is read and takes no part in comparisons.
    """

    source: str
    ref: int | None = None
    section: str | None = None
    text: str = field(default="", compare=False)

    def __str__(self) -> str:
        where = self.source if self.section is None else f"{self.source}#{self.section}"
        return where if self.ref is None else f"{where} [{self.ref}]"

    def to_dict(self) -> dict:
        return {"cite": str(self), "source": self.source, "section": self.section, "ref": self.ref,
                "text": self.text or str(self)}
