"""The result rows of an audit and how they are written: CSV or JSON Lines, fixed columns.

A result row is built in the worker and turned into text there, so the main process only
joins and writes. Every input row gives exactly one result row, whether it was evaluated,
refused, or lost with a crashed worker.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..evaluation.recommendation import Recommendation
from .cohort import RawRow

__all__ = ["FIELDS", "result_row", "error_row", "crash_row", "RowWriter"]

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

Summary = tuple  # (pathway, verdict, error message or None)
_COMMAS = len(FIELDS) - 1


def result_row(row: RawRow, rec: Recommendation) -> tuple[dict, Summary]:
    dose = rec.dose
    out = {
        "row": row.number,
        "source_line": row.line,
        "patient_id": rec.patient_id,
        "diagnosis": rec.diagnosis,
        "pathway": rec.pathway,
        "verdict": rec.ivig,
        "next_step": rec.next_step,
        "line_of_therapy": rec.line_of_therapy,
        "dose_regimen": dose.regimen if dose else None,
        "phase": dose.phase if dose else None,
        "g_per_kg": dose.g_per_kg if dose else None,
        "per": dose.per if dose else None,
        "days": dose.days if dose else None,
        "interval_weeks": dose.interval_weeks if dose else None,
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
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


class RowWriter:
    """Formats result rows as CSV or JSON Lines text (a header first for CSV)."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer, lineterminator="\n")

    def header(self) -> str:
        return self.format(dict(zip(FIELDS, FIELDS)), header=True) if self.fmt == "csv" else ""

    def format(self, row: dict, *, header: bool = False) -> str:
        if self.fmt == "jsonl":
            return json.dumps(row, allow_nan=False) + "\n"
        if not header:
            line = ",".join(["" if v is None else ";".join(v) if type(v) is list else str(v) for v in map(row.__getitem__, FIELDS)])
            # No cell holds a comma, quote or line break, and nothing unprintable: the csv module
            # would quote nothing, so the joined cells are its line.
            if line.count(",") == _COMMAS and '"' not in line and line.isprintable():
                return line + "\n"
        buffer = self._buffer
        buffer.seek(0)
        buffer.truncate()
        self._csv.writerow([row[f] if header else _cell(row[f]) for f in FIELDS])
        return buffer.getvalue()
