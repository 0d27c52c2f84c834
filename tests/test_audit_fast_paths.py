"""The audit's quick ways (plain CSV lines split and joined without the csv module) give exactly
what the csv module gives, for every line shape the fuzz campaigns use."""

from __future__ import annotations

import csv
import io
import random

from ivig_rules.audit.cohort import RawRow
from ivig_rules.audit.results import FIELDS, RowWriter
from ivig_rules.audit.rows import RowProcessor

_PIECES = ["", " ", "a", "gbs", "40", "72.5", ",", '"', '""', "\r", "\n", "\x00", "\t", "é", "\x9b", "O'Brien", "x y", "-", ";"]


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 8)))


def _csv_module_row(values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


def test_result_rows_are_written_as_the_csv_module_writes_them():
    rng = random.Random(11)
    writer = RowWriter("csv")
    for _ in range(5000):
        row = {field: rng.choice([None, _text(rng), rng.randint(0, 500), rng.uniform(0, 200), [_text(rng), "b"], []])
               for field in FIELDS}
        cells = ["" if v is None else ";".join(v) if isinstance(v, list) else str(v) for v in (row[f] for f in FIELDS)]
        assert writer.format(row) == _csv_module_row(cells), row


class _Cells(RowProcessor):
    def __init__(self) -> None:  # only the cell reading is exercised
        self.file = "cohort.csv"


def test_plain_lines_are_split_as_the_csv_module_reads_them():
    rng = random.Random(12)
    reader = _Cells()
    for _ in range(20000):
        text = ",".join(_text(rng) for _ in range(rng.randint(1, 6)))
        try:
            want = next(csv.reader([text]), [])
        except csv.Error:
            continue  # the csv module's own error: the quick way never takes such a line (it has a quote or NUL)
        got = reader._csv_cells(RawRow(1, 2, text))
        assert got == want, repr(text)
