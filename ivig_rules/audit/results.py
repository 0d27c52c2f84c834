"""The result rows of an audit and how they are written: CSV or JSON Lines, fixed columns.

A result row is built in the worker and turned into text there, so the main process only
joins and writes. Every input row gives exactly one result row, whether it was evaluated,
refused, or lost with a crashed worker.
"""

from __future__ import annotations

import json
from typing import Any

from ..evaluation.recommendation import Recommendation
from .cohort import RawRow

__all__ = ["FIELDS", "NUMBER_FIELDS", "FORMULA_STARTS", "result_row", "error_row", "crash_row", "RowWriter"]

FIELDS = (
    "row",
    "source_line",
    "patient_id",
    "diagnosis",
    "pathway",
    "verdict",
    "next_step",
    "line_of_therapy",
    "dose_regimen",
    "phase",
    "g_per_kg",
    "per",
    "days",
    "interval_weeks",
    "dosing_weight_kg",
    "weight_basis",
    "per_day_g",
    "total_g",
    "rounded_total_g",
    "alerts",
    "decided_by",
    "error_column",
    "error",
)

NUMBER_FIELDS = (
    "row", "source_line", "line_of_therapy", "g_per_kg", "days", "interval_weeks",
    "dosing_weight_kg", "per_day_g", "total_g", "rounded_total_g",
)
"""The columns that hold numbers the audit computed (or counted); written as numbers, never altered."""

FORMULA_STARTS = frozenset("=+-@\t\r")
"""A text cell starting with one of these is read as a formula by spreadsheets (OWASP, CSV injection)."""

Summary = tuple  # (pathway, verdict, error message or None)
_COMMAS = len(FIELDS) - 1


def result_row(row: RawRow, rec: Recommendation) -> tuple[dict, Summary]:
    dose = rec.dose
    per_kg = dose or rec.regimen  # the regimen per kg is shown even when no weight gives grams
    out = {
        "row": row.number,
        "source_line": row.line,
        "patient_id": rec.patient_id,
        "diagnosis": rec.diagnosis,
        "pathway": rec.pathway,
        "verdict": rec.ivig,
        "next_step": rec.next_step,
        "line_of_therapy": rec.line_of_therapy,
        "dose_regimen": per_kg.regimen if per_kg else None,
        "phase": per_kg.phase if per_kg else None,
        "g_per_kg": per_kg.g_per_kg if per_kg else None,
        "per": per_kg.per if per_kg else None,
        "days": per_kg.days if per_kg else None,
        "interval_weeks": per_kg.interval_weeks if per_kg else None,
        "dosing_weight_kg": dose.dosing_weight_kg if dose else None,
        "weight_basis": dose.weight_basis if dose else None,
        "per_day_g": dose.per_day_g if dose else None,
        "total_g": dose.total_g if dose else None,
        "rounded_total_g": dose.rounded_total_g if dose else None,
        "alerts": [a.id for a in rec.alerts],
        "decided_by": rec.decided_by,
        "error_column": None,
        "error": None,
    }
    return out, (rec.pathway, rec.ivig, None)


def error_row(row: RawRow, patient_id: str | None, diagnosis: str | None, message: str, column: str | None) -> tuple[dict, Summary]:
    out = dict.fromkeys(FIELDS)
    out.update(
        row=row.number, source_line=row.line, patient_id=patient_id, diagnosis=diagnosis,
        alerts=[], error_column=column, error=message,
    )
    return out, (None, None, message)


def crash_row(row: RawRow, file: str, how: str) -> tuple[dict, Summary]:
    """The result of a row during which the worker process died; the row is not evaluated."""
    message = (
        f"{file}:{row.line}: the worker process died ({how}) while evaluating this row; "
        "the row was not evaluated and a fresh worker took over the rest."
    )
    return error_row(row, None, None, message, None)


def _cell(value: Any) -> str:
    """One CSV cell; text that a spreadsheet would run as a formula gets a leading single quote.

    Only text is neutralised: the number columns hold Python numbers (``NUMBER_FIELDS``), written
    as they are, so a negative result stays a number. Text cells (patient id, diagnosis, the
    error and every other column) come from the cohort or a ruleset and may be hostile.
    """
    if value is None:
        return ""
    if type(value) is list:
        value = ";".join(value)
    elif type(value) is not str:
        return str(value)
    return "'" + value if value[:1] in FORMULA_STARTS else value


def _text_cell(value: str | None) -> str:
    """``_quoted(_cell(value))`` for a text value or None, the plain case in one test."""
    if value and value[0] not in FORMULA_STARTS and "," not in value and '"' not in value and "\n" not in value and "\r" not in value:
        return value
    return _quoted(_cell(value))


def _quoted(cell: str) -> str:
    """A cell as RFC 4180 writes it: in quotes (inner quotes doubled) when it holds a comma, quote or line break.

    Written here rather than by the csv module, whose writer leaves a lone carriage return
    unquoted on some Python versions (with a ``\\n`` line end), which splits the row for every reader.
    """
    if "," in cell or '"' in cell or "\n" in cell or "\r" in cell:
        return '"' + cell.replace('"', '""') + '"'
    return cell


_SHAPES_KEPT = 20_000
"""Recommendation shapes whose cells a writer keeps written (a bound; each is a few hundred bytes)."""
_DOSE_FIGURES = FIELDS.index("dosing_weight_kg"), FIELDS.index("rounded_total_g") + 1
"""Where the dose's figures sit among the fields (written per row by ``RowWriter.row_text``, in this order)."""


class RowWriter:
    """Formats result rows as CSV or JSON Lines text (a header first for CSV)."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        # id(shape) -> (shape, the cells before the dose's figures, the cells after them), each
        # part written and quoted; the shape is held so that its id cannot be reused
        self._shapes: dict[int, tuple[object, str, str]] = {}

    def row_text(self, row: RawRow, rec: Recommendation, shape: object | None = None) -> str:
        """``format(result_row(row, rec)[0])``, the same text; given the recommendation's shape
        (:meth:`~ivig_rules.evaluation.evaluator.Evaluator.evaluate_shaped`), a CSV writer writes
        the cells that depend only on the shape once, so per row only the row's numbers, the
        patient's id and diagnosis and the dose's figures are written."""
        if shape is None or self.fmt != "csv":
            return self.format(result_row(row, rec)[0])
        written = self._shapes.get(id(shape))
        if written is None:
            written = self._written(shape, rec)
        dose = rec.dose
        if dose is None:
            figures = ",,,,"
        else:  # numbers as _cell writes them (str), the basis as any text cell
            rounded = dose.rounded_total_g
            figures = (f"{dose.dosing_weight_kg},{_text_cell(dose.weight_basis)},{dose.per_day_g},{dose.total_g},"
                       f"{'' if rounded is None else rounded}")
        return f"{row.number},{row.line},{_text_cell(rec.patient_id)},{_text_cell(rec.diagnosis)},{written[1]},{figures},{written[2]}\n"

    def _written(self, shape: object, rec: Recommendation) -> tuple[object, str, str]:
        out = result_row(RawRow(0, 0, None), rec)[0]
        cells = [_quoted(_cell(out[field])) for field in FIELDS]
        start, end = _DOSE_FIGURES
        if len(self._shapes) >= _SHAPES_KEPT:
            self._shapes.clear()
        written = self._shapes[id(shape)] = (shape, ",".join(cells[4:start]), ",".join(cells[end:]))
        return written

    def header(self) -> str:
        return ",".join(FIELDS) + "\n" if self.fmt == "csv" else ""

    def format(self, row: dict) -> str:
        if self.fmt == "jsonl":
            return json.dumps(row, allow_nan=False) + "\n"
        starts = FORMULA_STARTS  # the commonest cells inline (empty, or text that is no formula); the rest by _cell
        cells = ["" if v is None else v if type(v) is str and v[:1] not in starts else _cell(v)
                 for v in map(row.__getitem__, FIELDS)]
        line = ",".join(cells)
        # The common case: no cell holds a comma, quote or line break, so no cell needs quotes.
        if line.count(",") == _COMMAS and '"' not in line and line.isprintable():
            return line + "\n"
        return ",".join(map(_quoted, cells)) + "\n"
