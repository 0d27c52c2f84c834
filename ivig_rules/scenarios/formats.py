"""The output formats of ``ivig-rules run``, in one registry: ``--format`` and ``--output`` read it.

Adding a format: write its renderer (a RunReport, the coverage or None, verbose -> text) and
add one ``RunFormat`` line to ``RUN_FORMATS``; the CLI's choices, the suffix an ``--output``
file implies, and the docs table (checked by ``tests/test_registries.py``) follow from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Callable, Optional

if TYPE_CHECKING:
    from .coverage import CoverageReport
    from .runner import RunReport

__all__ = ["RunFormat", "RUN_FORMATS", "DEFAULT_RUN_FORMAT", "render_run", "suffixes"]

Renderer = Callable[["RunReport", "Optional[CoverageReport]", bool], str]


@dataclass(frozen=True)
class RunFormat:
    name: str
    suffix: str  # what an --output file is called in this format
    summary: str
    render: Renderer


def _text(report: "RunReport", coverage: "Optional[CoverageReport]", verbose: bool) -> str:
    from .report import to_text

    text = to_text(report, verbose=verbose)
    if coverage is None:
        return text
    from .coverage import to_text as coverage_text

    return text + "\n\n" + coverage_text(coverage)


def _json(report: "RunReport", coverage: "Optional[CoverageReport]", verbose: bool) -> str:
    import json

    from .report import to_dict

    data = to_dict(report)
    if coverage is not None:
        data["coverage"] = coverage.to_dict()
    return json.dumps(data, indent=2)


def _junit(report: "RunReport", coverage: "Optional[CoverageReport]", verbose: bool) -> str:
    from .report import to_junit

    return to_junit(report)  # JUnit has no place for coverage; --coverage-json writes it


RUN_FORMATS = MappingProxyType({f.name: f for f in (
    RunFormat("text", ".txt", "a table of what did not pass, failures at file:line, then 'N passed, N failed'", _text),
    RunFormat("json", ".json", "one JSON object: engine, files, summary, results (and coverage with --coverage)", _json),
    RunFormat("junit", ".xml", "JUnit XML, one test suite per scenario file, for CI", _junit),
)})
DEFAULT_RUN_FORMAT = "text"


def suffixes() -> dict[str, str]:
    """File suffix -> format name, for choosing the format of an --output file."""
    return {f.suffix: f.name for f in RUN_FORMATS.values()}


def render_run(fmt: str, report: "RunReport", coverage: "Optional[CoverageReport]" = None, *, verbose: bool = False) -> str:
    return RUN_FORMATS[fmt].render(report, coverage, verbose)
