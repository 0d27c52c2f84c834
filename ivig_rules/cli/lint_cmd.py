"""``ivig-rules lint``: check rulesets for errors, gaps, overlaps, dead rules and stale reviews."""

from __future__ import annotations

import datetime as _dt
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from .common import fail, handles_errors, rulesets_option


class FailOn(str, Enum):
    error = "error"
    warning = "warning"


def parse_today(value: Optional[str]) -> Optional[_dt.date]:
    if value is None:
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise fail(f"--today: expected a date written YYYY-MM-DD, found {value!r}") from None


@handles_errors
def lint(
    paths: Optional[List[Path]] = typer.Argument(
        None, help="Rulesets folders or pathway files (default: the --rulesets folder).", show_default=False
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as one JSON object."),
    fail_on: FailOn = typer.Option(
        FailOn.warning, "--fail-on",
        help="Lowest severity that makes the exit code 1: warning (every finding counts) or error (warnings are shown but pass).",
    ),
    today: Optional[str] = typer.Option(
        None, "--today", help="Date to check review dates against (default: today).", show_default=False,
        metavar="YYYY-MM-DD",
    ),
    rulesets: Optional[Path] = rulesets_option(
        "Rulesets folder to lint when no PATHS are given; also the vocabulary of a pathway file outside any rulesets folder"
    ),
) -> None:
    """Check rulesets for errors, gaps, overlaps, dead rules and overdue reviews.

    Every problem of every file is reported in one pass: schema errors with file:line:key and
    a "did you mean", missing citations, ids used twice, dangling references; gaps and
    overlaps found by enumerating each pathway's facts, each with an example patient to paste
    into 'ivig-rules evaluate'; unreachable steps and loops; review dates past due.

    Exit 0 when clean; 1 when there are findings (by default warnings count too, the strict
    mode; with --fail-on error only errors do), in files that load; 2 when some input
    cannot be read or loaded (a schema error: the exit code evaluate gives it too).

    Examples:
    ivig-rules lint
    ivig-rules lint rulesets/pathways/gbs.yaml --json
    ivig-rules lint --fail-on error --today 2027-06-01
    """
    from ..lint import lint_paths
    from ..lint.report import to_json, to_text

    report = lint_paths(paths or [], today=parse_today(today), rulesets=rulesets)
    typer.echo(to_json(report, fail_on=fail_on.value) if as_json else to_text(report))
    raise typer.Exit(report.exit_code(fail_on.value))
