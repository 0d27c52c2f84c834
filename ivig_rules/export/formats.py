"""The file suffix of each pathway-graph format, so that ``graph -o FILE`` can tell the format."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from ..output.formats import choose_format

__all__ = ["SUFFIXES", "graph_format"]

# suffix -> format; the first suffix of each format is the one suggested in messages
SUFFIXES = MappingProxyType({
    ".dot": "dot",
    ".gv": "dot",
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
    ".md": "markdown",
    ".markdown": "markdown",
    ".json": "json",
    ".svg": "svg",
    ".png": "png",
})


def graph_format(output: str | Path | None, given: str | None) -> str:
    """``--format`` if given (it must agree with the suffix of ``-o``), else the suffix's; DOT on standard output."""
    return choose_format(output, given, suffixes=SUFFIXES, what="diagram", option="--format", default="dot")
