"""Reads a cohort file as a stream of raw rows, in the main process, with bounded memory.

Only the framing happens here: lines are read in bounded pieces, CSV records that span lines
(quoted newlines) are put together, the CSV header is checked against the data dictionary.
Turning a row into a patient happens in the workers (:mod:`.rows`), so that the main process
does as little per row as possible. A row that cannot even be framed (too long, not UTF-8, a
quote never closed) still becomes a raw row, with the problem, so that it is reported and
never disappears.
"""

from __future__ import annotations

import csv
import sys
from collections import deque
from pathlib import Path
from typing import BinaryIO, Iterator, NamedTuple

from ..errors import InputError, did_you_mean
from ..model import TREATMENT_PREFIX, Vocabulary

__all__ = ["RawRow", "Cohort", "resolve_columns", "MAX_LINE_BYTES", "MAX_RECORD_LINES", "TREATMENT_COLUMN_PREFIXES"]

MAX_LINE_BYTES = 1024 * 1024
"""Longest line (and CSV record) read; a patient row is a few hundred bytes, so a longer one is refused as a row."""
MAX_RECORD_LINES = 50
"""Most physical lines one CSV record (quoted newlines) may span before its quote counts as unclosed."""
TREATMENT_COLUMN_PREFIXES = ("treatment.", "treatments.")


class RawRow(NamedTuple):
    """One patient row as read: its number among the data rows, its first line, and its text."""

    number: int
    line: int
    text: str | None
    problem: str | None = None


class CohortError(InputError):
    kind = "invalid cohort"


def resolve_columns(names: list[str], vocab: Vocabulary, file: str, line: int) -> tuple[str, ...]:
    """Check a CSV header; return each column as a fact name or ``treatments.<therapy>``."""
    known = [*vocab.facts, *(p + t for p in TREATMENT_COLUMN_PREFIXES[:1] for t in vocab.therapies)]
    resolved: list[str] = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(names):
        name = raw.strip()
        if not name:
            raise CohortError(f"column {index + 1} of the header has no name", file=file, line=line)
        fact = name
        for prefix in TREATMENT_COLUMN_PREFIXES:
            if name.startswith(prefix):
                therapy = name[len(prefix):]
                if therapy not in vocab.therapies:
                    raise CohortError(
                        f"unknown therapy {therapy!r} in the column {name!r}; therapies are: {', '.join(vocab.therapies)}.",
                        file=file,
                        line=line,
                        key=name,
                        suggestion=_prefixed(prefix, did_you_mean(therapy, vocab.therapies)),
                    )
                fact = TREATMENT_PREFIX + therapy
                break
        else:
            if name not in vocab.facts:
                hint = ""
                if name in vocab.therapies:
                    hint = f" A therapy's status goes in a column named treatment.{name}."
                separator = next((sep for sep in (";", "\t", "|") if sep in name), None)
                if separator is not None and len(names) == 1:
                    hint = (
                        f" The header looks separated by {separator!r}, but a cohort is comma-separated CSV: "
                        "save it again with commas (a spreadsheet's 'CSV (comma delimited)'), or convert it to JSON Lines."
                    )
                guess = did_you_mean(name, known) or (f"treatment.{name}" if name in vocab.therapies else None)
                raise CohortError(
                    f"unknown column {name!r}; columns are fact names ({', '.join(vocab.facts)}) "
                    f"or treatment.<therapy>.{hint}",
                    file=file,
                    line=line,
                    key=name,
                    suggestion=guess,
                )
        if fact in seen:
            raise CohortError(
                f"the column {name!r} gives the same fact as the column {seen[fact]!r}", file=file, line=line, key=name
            )
        seen[fact] = name
        resolved.append(fact)
    missing = [n for n, spec in vocab.facts.items() if spec.required and n not in seen]
    if missing:
        raise CohortError(
            f"the cohort has no column for the required fact(s) {', '.join(missing)}; every row needs them.",
            file=file,
            line=line,
        )
    return tuple(resolved)


def _prefixed(prefix: str, therapy: str | None) -> str | None:
    return prefix + therapy if therapy else None


class Cohort:
    """An open cohort file; iterate :meth:`rows` once. Use as a context manager."""

    def __init__(self, path: str | Path, fmt: str, vocab: Vocabulary) -> None:
        self.name = "<stdin>" if str(path) == "-" else str(path)
        self.fmt = fmt
        self.bytes_read = 0
        self.size: int | None = None
        self._handle = self._open(path)
        self._lines = self._physical_lines()
        self.columns: tuple[str, ...] = ()
        self.header: tuple[str, ...] = ()
        try:
            if fmt == "csv":
                self._records = self._csv_records()
                self._read_header(vocab)
        except BaseException:
            self.close()
            raise

    def _open(self, path: str | Path) -> BinaryIO:
        if str(path) == "-":
            return sys.stdin.buffer
        p = Path(path)
        if not p.exists():
            raise CohortError("no such file", file=self.name)
        if p.is_dir():
            raise CohortError("this is a folder, not a cohort file", file=self.name)
        try:
            handle = p.open("rb")
        except OSError as exc:
            raise CohortError(f"cannot read the file: {exc.strerror or exc}", file=self.name) from None
        self.size = p.stat().st_size
        return handle

    # -- framing ----------------------------------------------------------------------------
    def _physical_lines(self) -> Iterator[tuple[int, str | None, str | None]]:
        """(line number, text, problem) for every line, never holding more than one line."""
        readline = self._handle.readline
        number = 0
        while True:
            raw = readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            number += 1
            self.bytes_read += len(raw)
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while True:  # skip the rest of the line in bounded pieces
                    more = readline(MAX_LINE_BYTES)
                    self.bytes_read += len(more)
                    if not more or more.endswith(b"\n"):
                        break
                yield number, None, f"the line is longer than {MAX_LINE_BYTES // 1024} KB; it was not read"
                continue
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if b"\x00" in raw:
                yield number, None, "the line contains NUL bytes; a cohort is a text file"
                continue
            try:
                yield number, raw.decode("utf-8"), None
            except UnicodeDecodeError as exc:
                yield number, None, f"the line is not UTF-8 text (byte {exc.start + 1})"

    def _csv_records(self) -> Iterator[tuple[int, str | None, str | None]]:
        """Whole CSV records; a quote left open is reported on its line and the lines after it re-read."""
        pending: deque = deque()
        source = self._lines

        def next_line():
            return pending.popleft() if pending else next(source, None)

        while True:
            item = next_line()
            if item is None:
                return
            line, text, problem = item
            if problem is not None:
                yield item
                continue
            if not text.strip():
                continue
            quotes = text.count('"')
            if quotes % 2 == 0:
                yield item
                continue
            parts = [item]
            size = len(text)
            while quotes % 2:
                following = next_line()
                if (
                    following is None
                    or following[2] is not None
                    or len(parts) >= MAX_RECORD_LINES
                    or size + len(following[1]) > MAX_LINE_BYTES
                ):
                    if following is not None:
                        pending.appendleft(following)
                    pending.extendleft(reversed(parts[1:]))
                    yield line, None, (
                        "a quoted cell opened on this line is never closed "
                        f"(within {MAX_RECORD_LINES} lines or {MAX_LINE_BYTES // 1024} KB); "
                        "the lines after it are read as rows of their own"
                    )
                    break
                parts.append(following)
                size += len(following[1])
                quotes += following[1].count('"')
            else:
                yield line, "".join(p[1] for p in parts), None

    def _read_header(self, vocab: Vocabulary) -> None:
        first = next(self._records, None)
        if first is None:
            raise CohortError("the cohort is empty; expected a header row of column names", file=self.name, line=1)
        line, text, problem = first
        if problem is not None:
            raise CohortError(f"cannot read the header: {problem}", file=self.name, line=line)
        try:
            names = next(csv.reader([text]))
        except csv.Error as exc:
            raise CohortError(f"cannot read the header: {exc}", file=self.name, line=line) from None
        self.header = tuple(n.strip() for n in names)
        self.columns = resolve_columns(names, vocab, self.name, line)

    # -- rows -------------------------------------------------------------------------------
    def rows(self) -> Iterator[RawRow]:
        """Every data row in file order; blank lines are not rows."""
        number = 0
        if self.fmt == "csv":
            for line, text, problem in self._records:
                number += 1
                yield RawRow(number, line, text, problem)
            return
        for line, text, problem in self._lines:
            if problem is None and not text.strip():
                continue
            number += 1
            yield RawRow(number, line, text, problem)

    def close(self) -> None:
        if self._handle is not sys.stdin.buffer:
            self._handle.close()

    def __enter__(self) -> "Cohort":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
