"""``ivig-rules audit``: a cohort of patients in, one result row per patient out, and a summary."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from .common import EngineOption, RulesetsOption, WeightPolicy, WeightPolicyOption, handles_errors, warn


class FileFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"


@handles_errors
def audit(
    cohort: str = typer.Argument(
        ..., help="Cohort file (.csv, .jsonl or .ndjson), a folder of FHIR Bulk Data NDJSON files (one row per Patient), "
                  "or - for standard input (give --format).",
    ),
    output: str = typer.Option(
        ..., "--output", "-o", metavar="FILE",
        help="Results file (.csv or .jsonl); - for standard output (in the cohort's format).",
    ),
    input_format: Optional[FileFormat] = typer.Option(None, "--format", help="Cohort format (default: from the suffix)."),
    output_format: Optional[FileFormat] = typer.Option(
        None, "--output-format", help="Results format (default: from the suffix of --output)."
    ),
    workers: Optional[int] = typer.Option(
        None, "--workers", "-w", help="Worker processes (default: one per core; 0 = in this process, no crash isolation)."
    ),
    chunk_size: Optional[int] = typer.Option(
        None, "--chunk-size", help="Rows a worker takes at a time (default 2,048: fewer hand-overs between processes)."
    ),
    row_timeout: float = typer.Option(
        60.0, "--row-timeout", help="Seconds a worker may spend on one row before it is killed and the row reported."
    ),
    summary_json: Optional[Path] = typer.Option(
        None, "--summary-json", help="Also write the summary as JSON to this file.", dir_okay=False
    ),
    engine: str = EngineOption,
    weight_policy: WeightPolicy = WeightPolicyOption,
    rulesets: Optional[Path] = RulesetsOption,
) -> None:
    """Evaluate every patient of a cohort file: one result row per input row.

    The cohort is CSV (one patient a row, comma-separated, therapy statuses in columns such as
    treatment.plasma_exchange), JSON Lines, or a folder of FHIR Bulk Data NDJSON files
    (docs/fhir.md); the results are CSV or JSON Lines, in input order, with verdict, next
    step, dose, alerts and any error. A bad row gets its error in its own output row and in
    the summary, and never stops the run. Exit 0 when every row was evaluated, 1 when any row
    has an error, 2 when the cohort cannot be read, 3 when the engine fails or the rules have
    a gap.

    Examples:
    ivig-rules audit cohort.csv -o results.csv --summary-json summary.json
    ivig-rules audit cohort.jsonl -o results.jsonl --workers 2
    ivig-rules audit cohort.csv -o - | head
    ivig-rules audit bulk-export/ -o results.csv
    """
    from ..audit import DEFAULT_CHUNK_SIZE, audit_cohort

    with _progress_bar() as progress:
        summary = audit_cohort(
            cohort,
            output,
            rulesets=rulesets,
            engine=engine,
            weight_policy=weight_policy.value,
            workers=workers,
            input_format=input_format.value if input_format else None,
            output_format=output_format.value if output_format else None,
            chunk_size=DEFAULT_CHUNK_SIZE if chunk_size is None else chunk_size,
            row_timeout=row_timeout,
            progress=progress,
            warn=warn,
        )
    typer.echo(summary.to_text(), err=True)
    if summary_json is not None:
        from ..output.files import write_file

        write_file(summary_json, json.dumps(summary.to_dict(), indent=2), what="summary")
    raise typer.Exit(1 if summary.errors else 0)


class _progress_bar:
    """A rich progress bar on a terminal (by bytes read, with rows/s); nothing when stderr is not one."""

    def __enter__(self):
        if not sys.stderr.isatty():
            self._bar = None
            return None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self._bar = Progress(
            TextColumn("auditing"),
            BarColumn(),
            TextColumn("{task.fields[rows]:>10,} rows  {task.fields[rate]:>8,.0f}/s"),
            TimeRemainingColumn(),
            auto_refresh=False,
            transient=True,
            console=Console(stderr=True),
        )
        self._bar.start()
        self._task = self._bar.add_task("audit", total=None, rows=0, rate=0.0)
        import time

        self._clock = time.perf_counter
        self._started = self._shown = self._clock()
        return self.update

    def update(self, rows: int, done: int, total: int | None) -> None:
        now = self._clock()
        if now - self._shown < 0.1:
            return
        self._shown = now
        elapsed = max(now - self._started, 1e-9)
        self._bar.update(self._task, completed=done, total=total, rows=rows, rate=rows / elapsed)
        self._bar.refresh()

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
