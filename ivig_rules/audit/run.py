"""``audit_cohort``: a cohort file in, one result row per patient out, and a summary.

Streams: rows are read, evaluated in chunks and written as they come, so memory stays flat
however many patients the cohort holds.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator, TextIO

from ..loading.catalogue import load_catalogue
from ..evaluation.dosing import DEFAULT_WEIGHT_POLICY, WEIGHT_POLICIES
from ..engines import DEFAULT_ENGINE, engine_spec
from ..evaluation.evaluator import Evaluator
from ..model import Catalogue
from .._text import plural
from ..errors import InputError, did_you_mean
from .cohort import Cohort, RawRow
from .formats import choose_format
from .output import ResultsError, ResultsFile, StopSignals, stop_on_signals, stopped
from .pool import DEFAULT_ROW_TIMEOUT, WorkerSpec, forks, evaluate_in_process, evaluate_in_workers
from .results import RowWriter
from .routing import diagnosis_peek
from .summary import AuditSummary

__all__ = ["audit_cohort", "DEFAULT_CHUNK_SIZE", "DEFAULT_ROW_TIMEOUT", "ResultsError", "max_workers"]

DEFAULT_CHUNK_SIZE = 2048
CHUNK_BYTES = 2 * 1024 * 1024
WORKERS_PER_CORE = 4
"""More workers than this per core only add processes (about 40 MB each) that wait for a core."""


Progress = Callable[[int, int, "int | None"], None]  # rows done, bytes read, bytes in all (or None)


def audit_cohort(
    cohort: str | Path,
    results: str | Path,
    *,
    rulesets: str | Path | None = None,
    engine: str = DEFAULT_ENGINE,
    weight_policy: str = DEFAULT_WEIGHT_POLICY,
    workers: int | None = None,
    input_format: str | None = None,
    output_format: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Progress | None = None,
    warn: Callable[[str], None] | None = None,
    row_timeout: float = DEFAULT_ROW_TIMEOUT,
) -> AuditSummary:
    """Evaluate every patient of ``cohort`` and write one result row each to ``results``.

    ``workers`` processes evaluate in parallel (default: one per core); ``0`` evaluates in
    this process, without protection against a crashing engine. ``-`` reads standard input
    or writes standard output (in the cohort's format unless ``output_format`` says).
    """
    engine_spec(engine)  # an unknown engine is refused here, with the names there are
    _check_choice(weight_policy, WEIGHT_POLICIES, "weight policy")
    workers = _cores() if workers is None else workers
    if workers < 0:
        raise InputError(f"--workers must be 0 (evaluate in this process) or more, found {workers}")
    if workers > max_workers():
        raise InputError(
            f"--workers {workers:,} is more than this machine can use: at most {max_workers()} "
            f"({WORKERS_PER_CORE} per core, {plural(_cores(), 'core')} here); each worker is a process of its own. "
            "Leave --workers out for one per core."
        )
    if not row_timeout > 0:
        raise InputError(f"--row-timeout must be more than 0 seconds, found {row_timeout}")
    if chunk_size < 1:
        raise InputError(f"--chunk-size must be at least 1, found {chunk_size}")
    bulk = str(cohort) != "-" and Path(cohort).is_dir()  # a FHIR Bulk Data folder (ivig_rules.fhir.bulk)
    fmt = "fhir" if bulk else choose_format(cohort, input_format, what="cohort", option="--format")
    to_stdout = str(results) == "-"  # standard output gets the cohort's own format unless told
    default_out = ("jsonl" if bulk else fmt) if to_stdout else None
    out_fmt = choose_format(results, output_format or default_out, what="results", option="--output-format")
    if str(results) != "-" and str(cohort) != "-" and Path(results).resolve() == Path(cohort).resolve():
        raise ResultsError("this is the cohort file itself; choose another -o", file=str(results))
    catalogue = load_catalogue(rulesets)
    Evaluator(catalogue, engine=engine).close()  # what the engine cannot run is refused here, not by dying workers
    summary = AuditSummary(
        cohort="<stdin>" if str(cohort) == "-" else str(cohort),
        results="<stdout>" if str(results) == "-" else str(results),
        engine=engine,
        workers=workers,
    )
    started = time.perf_counter()
    if bulk:
        from ..fhir.bulk import BulkCohort

        opened = BulkCohort(cohort)
    else:
        opened = Cohort(cohort, fmt, catalogue.vocabulary)
    with stop_on_signals() as signals, opened as source:
        sink = ResultsFile(results)
        try:
            _run(source, sink, summary, catalogue, engine, weight_policy, fmt, out_fmt, workers, chunk_size,
                 row_timeout, progress, warn, signals)
            sink.commit()
        except BaseException as exc:
            said = sink.abandon(summary.rows, keep=not isinstance(exc, ResultsError))
            replacement = stopped(exc, said)
            if replacement is exc:
                raise
            raise replacement from None
        for note in getattr(source, "notes", lambda: [])():
            if warn is not None:
                warn(note)
    summary.seconds = time.perf_counter() - started
    return summary


def _run(source: Cohort, sink: ResultsFile, summary: AuditSummary, catalogue: Catalogue, engine: str, weight_policy: str,
         fmt: str, out_fmt: str, workers: int, chunk_size: int, row_timeout: float,
         progress: Progress | None, warn: Callable[[str], None] | None, signals: StopSignals) -> None:
    """Read, evaluate and write every row, counting each in the summary.

    Each chunk is written and counted with signals held, so a stopped run counts exactly the
    rows its file holds.
    """
    root = catalogue.root
    spec = WorkerSpec(root, engine, weight_policy, fmt, out_fmt, source.name, source.columns, source.header,
                      catalogue=catalogue if forks() else None)
    write = _writer(sink.handle, summary.results)
    write(RowWriter(out_fmt).header())
    chunks = _chunks(source.row_lists(), chunk_size)
    if workers == 0:
        outputs = evaluate_in_process(spec, chunks)
    else:
        def on_death(row: RawRow | None, how: str) -> None:
            summary.worker_deaths += 1
            if warn is not None:
                where = f"row {row.number} ({source.name}:{row.line})" if row else "no row (it was starting, or between two chunks)"
                warn(f"a worker process died ({how}) on {where}; a fresh worker goes on with the rest")

        outputs = evaluate_in_workers(spec, chunks, workers, on_death=on_death, row_timeout=row_timeout,
                                      peek=diagnosis_peek(fmt, source.columns))
    for output in outputs:
        with signals.held():
            write("".join(output.texts))
            summary.add_tally(output.tally)
        if progress is not None:
            progress(summary.rows, source.bytes_read, source.size)


def max_workers() -> int:
    """The most worker processes an audit may start on this machine."""
    return WORKERS_PER_CORE * _cores()


def _cores() -> int:
    """Cores this process may run on (a container's share, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:
        return os.cpu_count() or 1


def _writer(out: TextIO, name: str) -> Callable[[str], None]:
    """``out.write`` that turns a full disk or a closed file into a one-paragraph error."""

    def write(text: str) -> None:
        try:
            out.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise ResultsError(f"cannot write: {exc.strerror or exc}", file=name) from None

    return write


def _check_choice(value: str, options: Iterable[str], what: str) -> None:
    if value not in options:
        raise InputError(
            f"unknown {what} {value!r}; choose one of: {', '.join(options)}.", suggestion=did_you_mean(value, options)
        )


def _chunks(lists: Iterable[tuple[list[RawRow], list[str]]], size: int) -> Iterator[list[RawRow]]:
    """Chunks of ``size`` rows from lists of rows and their texts (a cohort's ``row_lists``), cut
    early at CHUNK_BYTES of text so that long rows cannot pile up."""
    chunk: list[RawRow] = []
    held = 0
    for rows, texts in lists:
        start = 0
        while start < len(rows):
            end = start + size - len(chunk)
            chunk.extend(rows[start:end])
            held += sum(map(len, texts[start:end]))
            start = end
            if len(chunk) >= size or held >= CHUNK_BYTES:
                yield chunk
                chunk, held = [], 0
    if chunk:
        yield chunk
