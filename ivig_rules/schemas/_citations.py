"""The schema of a citation: every "SOURCE [N]" that ``parse_citations`` would accept, as one pattern.

The pattern lists each source of sources.yaml, with its sections where it numbers references
per section, and the reference numbers that exist, so an editor refuses ``SOURCE [99]`` where
the source numbers 12 and completes the citations that exist.
"""

from __future__ import annotations

import re
from typing import Mapping

from ..model import Source
from ._shapes import char_class, escape, seq
from ..loading.cursor import CONTROL

__all__ = ["citation", "citations"]

_LIMIT = 300  # parse_citations reads each citation as text of at most 300 characters
_CITABLE = re.compile(r"[^\s\[\]#]+")  # a source id the citation syntax can name
_SPACE = f"[^{char_class(CONTROL.pattern)}\\S]*"  # spaces, but no control character


def _numbers(count: int) -> str:
    return "|".join(str(n) for n in range(count, 0, -1))


def _cited(where: str, count: int) -> str:
    numbered = f"(?:{_SPACE}\\[0*(?:{_numbers(count)})\\])?" if count else ""
    return escape(where) + numbered


def _forms(source: Source) -> list[tuple[str, int]]:
    """(what a citation names, how many references it may number) for a source and its sections."""
    if source.sections:
        return [(f"{source.id}#{section.id}", len(section.references)) for section in source.sections.values()]
    return [(source.id, len(source.references))]


def citation(sources: Mapping[str, Source]) -> dict:
    """One citation: a source of sources.yaml, its section where it has sections, and a number it has."""
    forms = [form for source in sources.values() if _CITABLE.fullmatch(source.id) for form in _forms(source)]
    alternatives = "|".join(_cited(where, count) for where, count in forms)
    examples = [f"{where} [{n}]" if n else where for where, count in forms for n in range(count + 1)]
    return {
        "type": "string",
        "maxLength": _LIMIT,
        "pattern": f"^{_SPACE}(?:{alternatives}){_SPACE}$",
        "examples": examples,
        "description": (
            "A citation: 'SOURCE', 'SOURCE [N]', 'SOURCE#SECTION' or 'SOURCE#SECTION [N]', with a source of "
            "sources.yaml (a source whose reference lists restart per section is cited with its section) "
            "and N a number of its reference list."
        ),
    }


def citations(*, doc: str = "") -> dict:
    """``cite:``: one citation or a list of at least one."""
    return seq({"$ref": "#/$defs/citation"}, allow_single=True, nonempty=True, doc=doc or "Where this comes from.")
