"""``ivig-rules lint``: check rulesets for errors, gaps, overlaps, dead rules and stale reviews."""

from __future__ import annotations

import datetime as _dt
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from .common import RulesetsOption, fail, handles_errors


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
        None, help="Rulesets folders or pathway files (default: the project's rulesets folder).", show_default=False
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as one JSON object."),
    fail_on: FailOn = typer.Option(
        FailOn.warning, "--fail-on", help="Lowest severity that makes the exit code 1: warning (default: every finding counts) or error (lenient)."
    ),
    today: Optional[str] = typer.Option(
        None, "--today", help="Date to check review dates against, YYYY-MM-DD (default: today).", show_default=False
    ),
    rulesets: Optional[Path] = RulesetsOption,
) -> None:
    """Check rulesets: schema, citations, ids, references, gaps, overlaps, dead rules, review dates.

    Exit 0 when clean, 1 when there are findings (errors only, with --fail-on error),
    2 when some input cannot be read.
    Every gap or overlap comes with an example patient to paste into 'ivig-rules evaluate'.

    Example: ivig-rules lint rulesets/ --json
    """
    from ..lint import lint_paths
    from ..lint.report import to_json, to_text

    with _SpaceProgress() as progress:
        report = lint_paths(paths or [], today=parse_today(today), rulesets=rulesets, progress=progress)
    typer.echo(to_json(report, fail_on=fail_on.value) if as_json else to_text(report))
    raise typer.Exit(report.exit_code(fail_on.value))


class _SpaceProgress:
    """On a terminal, a line on standard error while a large fact space is checked; nothing otherwise."""

    SHOW_FROM = 20_000  # patients; smaller spaces are checked before anyone would wait for them

    def __enter__(self):
        import sys

        self._stream = sys.stderr if sys.stderr.isatty() else None
        self._shown = False
        return self.update if self._stream is not None else None

    def update(self, what: str, done: int, total: int) -> None:
        if total < self.SHOW_FROM:
            return
        self._stream.write(f"\rlint: checking {what}: {done * 100 // total}% of {total:,} patients ")
        self._stream.flush()
        self._shown = True

    def __exit__(self, *exc: object) -> None:
        if self._shown:
            self._stream.write("\r\033[K")
            self._stream.flush()
