"""Plain lines read a block at a time give the rows that reading them line by line gives.

The cohort reader passes a block of plain lines on whole when each is a row of its own
(ivig_rules.audit.cohort._Block); these files mix such blocks with what must be framed line by
line (blank and space-only lines, quoted cells across lines, \\r line ends, bad bytes), with
blocks made tiny so that every kind of line meets a block's edge.
"""

from __future__ import annotations

import random

import pytest

from ivig_rules.audit import cohort as cohort_module
from ivig_rules.audit.cohort import Cohort

HEADER = "id,diagnosis,age_years,sex,weight_kg\n"
_LINES = [
    "p1,gbs,40,male,70\n", "p2,cidp,9,female,31.5\n", "\n", "   \n", "\t\n", "\x85\n",
    'p3,"gbs",40,male,70\n', 'p4,"mult\nline",40,male,70\n', 'p5,"never closed,40\n', "p6,gbs,40,male,70\r\n",
    "p7,mmn,\x00,male,70\n", "p8,adem,é,male,70\n", 'p9,O"Brien,40,male,70\n',
]


def _file(rng: random.Random) -> bytes:
    lines = [HEADER] + [rng.choice(_LINES[:2]) if rng.random() < 0.7 else rng.choice(_LINES) for _ in range(rng.randint(0, 80))]
    data = "".join(lines).encode("utf-8")
    if rng.random() < 0.2:  # a byte that is not UTF-8 somewhere
        at = rng.randint(len(HEADER), max(len(HEADER), len(data) - 1))
        data = data[:at] + b"\xff" + data[at:]
    return data


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_rows_read_a_block_at_a_time_are_those_read_line_by_line(tmp_path, monkeypatch, catalogue, fmt):
    rng = random.Random(31 if fmt == "csv" else 32)
    path = tmp_path / f"cohort.{fmt}"
    blocks_passed = 0
    for _ in range(300):
        path.write_bytes(_file(rng))
        monkeypatch.setattr(cohort_module, "_BLOCK", rng.choice([16, 64, 200]))
        with Cohort(path, fmt, catalogue.vocabulary) as source:
            lists = list(source.row_lists())
        blocks_passed += sum(1 for rows, _ in lists if len(rows) > 1)
        with monkeypatch.context() as line_by_line:
            line_by_line.setattr(cohort_module._Block, "rows_only", lambda self, csv_quotes: False)
            with Cohort(path, fmt, catalogue.vocabulary) as source:
                expected = list(source.rows())
        assert [row for rows, _ in lists for row in rows] == expected
        assert [text for _, texts in lists for text in texts] == [row.text or "" for row in expected]
    assert blocks_passed > 100  # the block way was taken, often
