"""Which worker evaluates a row: the rows of one diagnosis go to one worker where they can.

A worker works out some things once per pathway and combination of facts (the engine's answer
for a new combination of comparison outcomes, the decision for a new set of fired rules, the
wording of its alerts) and reuses them for every later patient like it. Rows handed out in file
order make every worker meet, and work out, nearly every combination; rows routed by diagnosis
make each combination worked out by one worker only. On the benchmark cohort that is a tenth of
the CPU time of an audit (docs/performance.md). Routing only chooses where a row is evaluated;
its result, and the order rows are written in, are the same.
"""

from __future__ import annotations

import re
from typing import Callable

from ..model.facts import DIAGNOSIS
from .cohort import RawRow

__all__ = ["Router", "diagnosis_peek"]

MAX_HOMES = 256
"""Diagnoses given a worker of their own; rows of any further one (a cohort of misspellings) go anywhere."""
_LONGEST = 64
_JSON_DIAGNOSIS = re.compile(r'"diagnosis"\s*:\s*"([^"\\]{1,64})"')


def diagnosis_peek(fmt: str, columns: tuple[str, ...]) -> Callable[[RawRow], str | None]:
    """``peek(row)``: the diagnosis a raw row gives, read cheaply in the main process, or None when
    it cannot be told without parsing the row (a quoted CSV cell, a FHIR Bundle): such a row goes
    to any worker. A wrong peek costs only speed, never a result."""
    if fmt == "csv" and DIAGNOSIS in columns:
        index = columns.index(DIAGNOSIS)

        def from_csv(row: RawRow) -> str | None:
            text = row.text
            if text is None or '"' in text:
                return None
            cells = text.split(",", index + 1)
            return cells[index].strip() if len(cells) > index else None

        return from_csv
    if fmt == "jsonl":

        def from_json(row: RawRow) -> str | None:
            found = _JSON_DIAGNOSIS.search(row.text) if row.text is not None else None
            return found.group(1) if found else None

        return from_json
    return lambda row: None


class Router:
    """Gives each diagnosis a home among ``slots`` workers, the least loaded when it is first met,
    and splits a chunk's rows by home."""

    def __init__(self, slots: int, peek: Callable[[RawRow], str | None]) -> None:
        self.slots = slots
        self.peek = peek
        self._homes: dict[str, int] = {}
        self._load = [0] * slots  # rows routed to each slot so far

    def split(self, rows: list[RawRow]) -> list[tuple[int | None, list[int]]]:
        """(home slot or None for any, the row indices) per non-empty part, homes in slot order;
        within a part, the rows of one diagnosis together (in file order), so that a worker
        evaluates one pathway's rows one after another, its data still in the processor's caches."""
        parts: list[list[int]] = [[] for _ in range(self.slots + 1)]  # the last: rows for any worker
        diagnoses = list(map(self.peek, rows))
        for index, diagnosis in enumerate(diagnoses):
            parts[self._home(diagnosis)].append(index)
        for slot in range(self.slots):
            self._load[slot] += len(parts[slot])
            parts[slot].sort(key=diagnoses.__getitem__)  # stable: file order within a diagnosis
        return [(None if slot == self.slots else slot, part) for slot, part in enumerate(parts) if part]

    def _home(self, diagnosis: str | None) -> int:
        if diagnosis is None or len(diagnosis) > _LONGEST:
            return self.slots
        home = self._homes.get(diagnosis)
        if home is None:
            if len(self._homes) >= MAX_HOMES:
                return self.slots
            home = self._homes[diagnosis] = min(range(self.slots), key=self._load.__getitem__)
            self._load[home] += 1  # so that the next new diagnosis of this chunk goes elsewhere
        return home
