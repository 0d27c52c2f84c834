"""The audit's quick ways (plain CSV lines split and joined without the csv module) agree with
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


def _expected_cell(value) -> str:
    """The cell a reader must get back: text that a spreadsheet would run as a formula gets a quote."""
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    text = ";".join(value) if isinstance(value, list) else value
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def test_result_rows_read_back_with_the_csv_module_as_one_row_of_the_given_cells():
    rng = random.Random(11)
    writer = RowWriter("csv")
    for _ in range(5000):
        row = {field: rng.choice([None, _text(rng), rng.randint(0, 500), rng.uniform(0, 200), [_text(rng), "b"], []])
               for field in FIELDS}
        line = writer.format(row)
        assert line.endswith("\n")
        read = list(csv.reader(io.StringIO(line, newline="")))
        assert read == [[_expected_cell(row[f]) for f in FIELDS]], row


class _Cells(RowProcessor):
    def __init__(self) -> None:  # only the cell reading is exercised
        self.file = "cohort.csv"


def test_plain_lines_are_split_as_the_csv_module_reads_them():
    rng = random.Random(12)
    reader = _Cells()
    for _ in range(20000):
        text = ",".join(_text(rng) for _ in range(rng.randint(1, 6))) + rng.choice(["", "\n", "\r\n", "\r"])  # as framed, ending kept
        try:
            want = next(csv.reader([text]), [])
        except csv.Error:
            continue  # the csv module's own error: the quick way never takes such a line (it has a quote or NUL)
        got = reader._csv_cells(RawRow(1, 2, text))
        assert got == want, repr(text)


def test_a_csv_row_read_in_one_pass_gives_the_result_of_typing_then_validating(catalogue):
    """The validation plan's row reader (one pass over the text cells) answers only plainly valid
    rows, and for those gives exactly the result row the two-step way (type, then validate) gives."""
    from ivig_rules.audit.cohort import resolve_columns
    from ivig_rules.evaluation.evaluator import Evaluator

    vocab = catalogue.vocabulary
    header = [*vocab.facts, *(f"treatment.{t}" for t in vocab.therapies)]
    columns = resolve_columns(header, vocab, "cohort.csv", 1)
    rng = random.Random(21)
    choices = {}
    for name, spec in vocab.facts.items():
        if spec.type == "enum":
            choices[name] = [*spec.values, spec.values[0].upper(), ""]
        elif spec.type == "boolean":
            choices[name] = ["true", "False", " yes ", "0", "unknown", "maybe", "", "１"]
        elif spec.type == "number":
            plain = ["165", "172.5"] if name == "height_cm" else ["40", "72.5"]  # weight and height that fit together
            choices[name] = [*plain, " 8 ", ".5", "0", "-3", "1e3", "٧٠", "999", "", "12345678901234567890123456789012345678901"]
        else:
            choices[name] = ["p1", " p 2 ", "x" * 201, "", "tab\there", "é", "=1+1", "-p", "a;b"]
    statuses = [*vocab.statuses, "", "FAILED"]
    with Evaluator(catalogue) as evaluator:
        quick = RowProcessor(evaluator, "csv", "cohort.csv", columns, tuple(header))
        slow = RowProcessor(evaluator, "csv", "cohort.csv", columns, tuple(header))
        slow._read_row = lambda cells: None
        writer = RowWriter("csv")
        answered = 0
        for number in range(1, 3001):
            cells = [rng.choice(choices[fact]) if fact in choices else rng.choice(statuses) for fact in columns]
            if rng.random() < 0.5:  # mostly valid rows too
                cells = [c if fact not in choices else rng.choice(choices[fact][:2]) for fact, c in zip(columns, cells)]
            row = RawRow(number, number + 1, ",".join(cells))
            answered += quick._read_row(quick._csv_cells(row)) is not None
            assert quick.process(row) == slow.process(row), row.text
            result, summary = slow.process(row)
            assert quick.text(row, writer) == (writer.format(result), summary), row.text
        assert answered > 300  # the one-pass way is taken often enough to be tested
        assert len(writer._shapes) > 20  # rows were written from shapes, many times each


def test_a_text_cell_written_in_one_test_is_the_cell_written_the_general_way():
    from ivig_rules.audit.results import _cell, _quoted, _text_cell

    rng = random.Random(13)
    for _ in range(5000):
        value = rng.choice([None, _text(rng)])
        assert _text_cell(value) == _quoted(_cell(value)), repr(value)
