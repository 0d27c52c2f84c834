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
import re
import sys
from collections import deque
from pathlib import Path
from typing import BinaryIO, Iterator, NamedTuple

from ..errors import InputError, did_you_mean
from ..model import Vocabulary
from ..model.facts import treatment_fact

__all__ = ["RawRow", "Cohort", "resolve_columns", "quote_left_open", "MAX_LINE_BYTES", "MAX_RECORD_LINES", "TREATMENT_COLUMN_PREFIXES"]

MAX_LINE_BYTES = 1024 * 1024
"""Longest line (and CSV record) read; a patient row is a few hundred bytes, so a longer one is refused as a row."""
MAX_SKIP_BYTES = 64 * MAX_LINE_BYTES
"""A line still without a line break after this much is not a cohort row (``audit /dev/zero``): reading stops."""
MAX_RECORD_LINES = 50
_BLOCK = 256 * 1024
_LINE_END = re.compile(rb"\r\n|\n|\r")
_BLANK_FIRST = re.compile(r"[^\S\n]*\n")  # a line of spaces only (as str.strip sees them), or nothing
_BLANK_AFTER = re.compile(r"\n[^\S\n]*\n")  # such a line after another (scanned from line end to line end: fast)
"""Most physical lines one CSV record (quoted newlines) may span before its quote counts as unclosed."""
TREATMENT_COLUMN_PREFIXES = ("treatment.", "treatments.")


class RawRow(NamedTuple):
    """One patient row as read: its number among the data rows, its first line, and its text."""

    number: int
    line: int
    text: str | None
    problem: str | None = None


class _Block:
    """Plain lines read a block at a time (UTF-8, each ending in \\n, no \\r or NUL): ``first`` is
    the first one's line number. Passed on whole where every line is a row of its own, so that
    the rows of a block are made at once rather than line by line."""

    __slots__ = ("first", "text", "texts")

    def __init__(self, first: int, text: str) -> None:
        self.first = first
        self.text = text  # the lines, joined as read
        self.texts = [line + "\n" for line in text.split("\n")]
        self.texts.pop()  # the empty piece after the last line end

    def rows_only(self, *, csv_quotes: bool) -> bool:
        """Whether every line is a row of its own: none blank and, in CSV, no quote anywhere
        (a quoted cell may run across lines, or be a cell of spaces)."""
        text = self.text
        return not (_BLANK_FIRST.match(text) or _BLANK_AFTER.search(text) or (csv_quotes and '"' in text))

    def lines(self) -> list[tuple[int, str, None]]:
        return [(self.first + i, text, None) for i, text in enumerate(self.texts)]


def _size(count: int) -> str:
    return f"{count // (1024 * 1024)} MB" if count >= 1024 * 1024 else f"{count // 1024} KB"


def quote_left_open(text: str, inside: bool) -> bool:
    """Whether a CSV record is still inside a quoted cell after this line (``inside``: it was before).

    The reading of Python's ``csv`` module (excel dialect): a quote opens a quoted cell only as
    the first character of a cell; inside one, ``""`` is a quote and ``"`` closes it; anything
    after the closing quote up to the next comma belongs to the cell.
    """
    index, end = 0, len(text)
    at_cell_start = not inside
    while index < end:
        if inside:
            close = text.find('"', index)
            if close < 0:
                return True
            if text.startswith('"', close + 1):
                index = close + 2
                continue
            inside, at_cell_start, index = False, False, close + 1
        elif at_cell_start and text[index] == '"':
            inside, index = True, index + 1
        else:
            comma = text.find(",", index)
            if comma < 0:
                return False
            at_cell_start, index = True, comma + 1
    return inside


class CohortError(InputError):
    kind = "invalid cohort"


_LISTED = 20
"""At most this many bad header columns are named one by one; the rest are counted."""


class _BadColumn(NamedTuple):
    """One column a header gets wrong: the message when it is the only one, and its clause in a list."""

    key: str | None
    message: str
    clause: str
    suggestion: str | None = None


def resolve_columns(names: list[str], vocab: Vocabulary, file: str, line: int) -> tuple[str, ...]:
    """Check a CSV header; return each column as a fact name or ``treatments.<therapy>``.

    Every bad column is reported, in one paragraph, each with its "did you mean": a header with
    three misspelt columns is fixed in one go, not in three runs.
    """
    known = [*vocab.facts, *(p + t for p in TREATMENT_COLUMN_PREFIXES[:1] for t in vocab.therapies)]
    resolved: list[str] = []
    seen: dict[str, str] = {}
    bad: list[_BadColumn] = []
    for index, raw in enumerate(names):
        name = raw.strip()
        fact, problem = _column_fact(index, name, names, vocab, known)
        if problem is None and fact in seen:
            problem = _BadColumn(name, f"the column {name!r} gives the same fact as the column {seen[fact]!r}",
                                 f"{name!r} gives the same fact as {seen[fact]!r}")
        if problem is not None:
            bad.append(problem)
            continue
        seen[fact] = name
        resolved.append(fact)
    if len(bad) == 1:
        (only,) = bad
        raise CohortError(only.message, file=file, line=line, key=only.key, suggestion=only.suggestion)
    if bad:
        clauses = [c.clause + (f" (did you mean {c.suggestion!r}?)" if c.suggestion else "") for c in bad[:_LISTED]]
        clauses += [f"and {len(bad) - _LISTED} more"] if len(bad) > _LISTED else []
        raise CohortError(
            f"{len(bad)} columns of the header are wrong: {'; '.join(clauses)}. Columns are fact names "
            f"({', '.join(vocab.facts)}) or treatment.<therapy>, with a therapy of: {', '.join(vocab.therapies)}.",
            file=file,
            line=line,
        )
    missing = [n for n, spec in vocab.facts.items() if spec.required and n not in seen]
    if missing:
        raise CohortError(
            f"the cohort has no column for the required fact(s) {', '.join(missing)}; every row needs them.",
            file=file,
            line=line,
        )
    return tuple(resolved)


def _column_fact(index: int, name: str, names: list[str], vocab: Vocabulary,
                 known: list[str]) -> tuple[str | None, _BadColumn | None]:
    """The fact a header column names, or what is wrong with it."""
    if not name:
        return None, _BadColumn(None, f"column {index + 1} of the header has no name", f"column {index + 1} has no name")
    for prefix in TREATMENT_COLUMN_PREFIXES:
        if name.startswith(prefix):
            therapy = name[len(prefix):]
            if therapy not in vocab.therapies:
                return None, _BadColumn(
                    name,
                    f"unknown therapy {therapy!r} in the column {name!r}; therapies are: {', '.join(vocab.therapies)}.",
                    f"{name!r} names no therapy",
                    _prefixed(prefix, did_you_mean(therapy, vocab.therapies)),
                )
            return treatment_fact(therapy), None
    if name in vocab.facts:
        return name, None
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
    return None, _BadColumn(
        name,
        f"unknown column {name!r}; columns are fact names ({', '.join(vocab.facts)}) or treatment.<therapy>.{hint}",
        f"{name!r} is {'a therapy, not a fact' if name in vocab.therapies else 'no fact'}",
        guess,
    )


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
    def _physical_lines(self) -> Iterator[tuple[int, str | None, str | None] | _Block]:
        """(line number, text, problem) for every line, never holding more than one line (or one
        read block of plain lines, as a :class:`_Block`).

        A line ends at ``\\n``, ``\\r\\n`` or a lone ``\\r`` (old Mac files, and what Python's csv
        module reads as a line end), and keeps its ending, so that a quoted cell spanning lines
        is put back together exactly.
        """
        read = getattr(self._handle, "read1", self._handle.read)
        buffer = b""
        number = 0
        skipping = 0  # bytes of an overlong line thrown away so far (0: not skipping)
        at_end = False
        while True:
            block = b"" if at_end else read(_BLOCK)
            at_end = not block
            self.bytes_read += len(block)
            buffer += block
            position = 0
            if number and not skipping:  # the plain case a block at a time: UTF-8 lines ending in \n, no \r, no NUL
                end = buffer.rfind(b"\n") + 1
                if 0 < end <= MAX_LINE_BYTES and b"\r" not in buffer[:end] and b"\x00" not in buffer[:end]:
                    try:
                        text = buffer[:end].decode("utf-8")
                    except UnicodeDecodeError:
                        text = None
                    if text is not None:
                        block = _Block(number + 1, text)
                        number += len(block.texts)
                        yield block
                        position = end
            while True:
                found = _LINE_END.search(buffer, position)
                if found is None or (found.group() == b"\r" and found.end() == len(buffer) and not at_end):
                    break  # no whole line yet (a final \r may be the first half of \r\n)
                line, position = buffer[position:found.end()], found.end()
                number += 1
                if skipping or len(line) - len(found.group()) > MAX_LINE_BYTES:
                    skipping = 0
                    yield number, None, f"the line is longer than {MAX_LINE_BYTES // 1024} KB; it was not read"
                    continue
                yield self._decoded(number, line)
            rest = len(buffer) - position
            if skipping or rest > MAX_LINE_BYTES:
                skipping += rest
                buffer = b""
                if skipping > MAX_SKIP_BYTES:
                    raise CohortError(
                        f"line {number + 1} runs on for more than {_size(MAX_SKIP_BYTES)} without a line "
                        "break; this is not a cohort file (a device such as /dev/zero, or binary data), "
                        "so reading stopped here",
                        file=self.name, line=number + 1,
                    )
            else:
                buffer = buffer[position:]
            if at_end:
                if skipping:
                    yield number + 1, None, f"the line is longer than {MAX_LINE_BYTES // 1024} KB; it was not read"
                elif buffer:
                    yield self._decoded(number + 1, buffer)
                return

    def _decoded(self, number: int, raw: bytes) -> tuple[int, str | None, str | None]:
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        # A line that is refused still keeps a lenient decoding: a quoted CSV cell may run across
        # it, and the record it belongs to must be framed whole to keep one row per record.
        if b"\x00" in raw:
            return number, raw.decode("utf-8", "replace"), "the line contains NUL bytes; a cohort is a text file"
        try:
            return number, raw.decode("utf-8"), None
        except UnicodeDecodeError as exc:
            return number, raw.decode("utf-8", "replace"), f"the line is not UTF-8 text (byte {exc.start + 1})"

    def _csv_records(self) -> Iterator[tuple[int, str | None, str | None]]:
        """Whole CSV records; a quoted cell left open is reported on its line and the lines after it re-read.

        A quote opens a quoted cell only at the start of a cell, as Python's ``csv`` module reads
        it: ``O"Brien`` or ``5'11"`` are cells holding a quote, never the start of a record
        that runs on into the next lines.
        """
        pending: deque = deque()
        source = self._lines

        def next_line(whole: bool = False):
            """The next line; a block of them where ``whole`` and each is a record of its own."""
            while True:
                item = pending.popleft() if pending else next(source, None)
                if type(item) is not _Block or (whole and item.rows_only(csv_quotes=True)):
                    return item
                pending.extendleft(reversed(item.lines()))

        first = True  # the header comes as a record of its own, never in a block
        while True:
            item = next_line(whole=not first)
            if item is None:
                return
            if type(item) is _Block:
                yield item
                continue
            line, text, problem = item
            if text is None:  # a line too long to read: its own row
                first = False
                yield item
                continue
            if problem is None and not text.strip():
                continue
            first = False
            if '"' not in text or not quote_left_open(text, False):
                yield (line, None, problem) if problem else item
                continue
            parts = [item]
            size = len(text)
            while True:
                following = next_line()
                if (
                    following is None
                    or following[1] is None
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
                if not quote_left_open(following[1], True):
                    refused = next((p for p in parts if p[2] is not None), None)
                    if refused is None:
                        yield line, "".join(p[1] for p in parts), None
                    else:  # the whole record is refused, as one row
                        yield line, None, f"line {refused[0]} of this record: {refused[2]}"
                    break

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
        for rows, _ in self.row_lists():
            yield from rows

    def row_lists(self) -> Iterator[tuple[list[RawRow], list[str]]]:
        """:meth:`rows` in lists, each with its rows' texts: a block of plain lines at once, else one row."""
        number = 0
        for item in self._records if self.fmt == "csv" else self._lines:
            if type(item) is _Block:
                if self.fmt == "csv" or item.rows_only(csv_quotes=False):
                    count = len(item.texts)
                    yield list(map(RawRow, range(number + 1, number + 1 + count), range(item.first, item.first + count),
                                   item.texts)), item.texts
                    number += count
                    continue
                lines = item.lines()
            else:
                lines = [item]
            for line, text, problem in lines:
                if self.fmt != "csv":
                    if problem is None and not text.strip():
                        continue
                    text = None if problem else text
                number += 1
                yield [RawRow(number, line, text, problem)], [text or ""]

    def close(self) -> None:
        if self._handle is not sys.stdin.buffer:
            self._handle.close()

    def __enter__(self) -> "Cohort":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
