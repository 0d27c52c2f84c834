"""Turns one raw cohort row into a result row: typed facts, validation, evaluation.

Runs in the worker processes. CSV cells are text, so each is parsed explicitly by the type
the data dictionary gives its fact (a number must be written as plain digits, a boolean as
true/false, yes/no or 1/0); then the same validation as every other patient
(:func:`ivig_rules.loading.patient.parse_patient`) applies. Whatever goes wrong with a row is
caught here and becomes that row's error; it never stops the run.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
from types import MappingProxyType
from typing import Any

from ..errors import IvigRulesError, PatientError
from ..evaluation.evaluator import Evaluator
from ..evaluation.frozen import build
from ..evaluation.recommendation import Recommendation
from ..model import UNKNOWN, Patient
from ..model.facts import DIAGNOSIS, therapy_of, treatment_fact
from ..loading.patient import patient_at
from ..loading.patient_plan import plan_for
from .cohort import TREATMENT_COLUMN_PREFIXES, RawRow
from .results import RowWriter, error_row, result_row

__all__ = ["RowProcessor", "ABORT_ENV", "STOP_ENV", "abort_id_from_environment"]

ABORT_ENV = "IVIG_RULES_AUDIT_TEST_ABORT_ID"
"""Test hook: a worker process calls os.abort() on a row whose id equals this value (simulates a crash)."""
STOP_ENV = "IVIG_RULES_AUDIT_TEST_STOP_ID"
"""Test hook: a worker process stops itself (SIGSTOP) on a row whose id equals this value (simulates a hang)."""

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")  # ASCII digits only, as YAML and JSON read them
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
_MAX_NUMBER_CHARS = 40
_TREATMENTS = "treatments"


class RowProcessor:
    """Evaluates rows of one cohort with one evaluator (one per worker process)."""

    def __init__(self, evaluator: Evaluator, fmt: str, file: str, columns: tuple[str, ...] = (), header: tuple[str, ...] = (),
                 *, abort_on_id: str | None = None, stop_on_id: str | None = None) -> None:
        self.evaluator = evaluator
        self.vocab = evaluator.vocabulary
        self.fmt = fmt
        self.file = file
        self.columns = columns
        self.header = header or columns
        # fact key as parse_patient names it -> the CSV column it came from
        self._column_of = {fact: name for fact, name in zip(columns, self.header)}
        self._identity_at = tuple((key, columns.index(key)) for key in ("id", DIAGNOSIS) if key in columns)
        # per CSV column, worked out once: (fact, column name, how its cells are typed, therapy)
        self._typing = tuple(_column_typing(fact, name, self.vocab) for fact, name in zip(columns, self.header))
        self._read_row = plan_for(self.vocab).text_row_reader(tuple(columns), _BOOLEANS, _plain_number)
        self.abort_on_id = abort_on_id
        self.stop_on_id = stop_on_id

    def process(self, row: RawRow) -> tuple[dict, tuple]:
        """The result row and its summary entry (pathway, verdict, error)."""
        answer = self._answer(row)
        return result_row(row, answer[0]) if isinstance(answer[0], Recommendation) else answer

    def text(self, row: RawRow, writer: RowWriter) -> tuple[str, tuple]:
        """The result row as ``writer`` writes it, and its summary entry: what :meth:`process`
        gives, written, with a recommendation written straight from it (:meth:`RowWriter.row_text`)."""
        first, second = self._answer(row)
        if isinstance(first, Recommendation):
            return writer.row_text(row, first, second), (first.pathway, first.ivig, None)
        return writer.format(first), second

    def _answer(self, row: RawRow) -> tuple[Recommendation, object | None] | tuple[dict, tuple]:
        """The row's recommendation and its shape, or its error row and summary entry."""
        peeked: dict[str, Any] = {}
        cells: list[str] | None = None  # a CSV row's cells: its id and diagnosis are peeked from them when needed
        try:
            if row.problem is not None:
                raise PatientError(row.problem, file=self.file, line=row.line)
            if self.fmt == "fhir":  # one patient's Bulk Data resources as a Bundle (ivig_rules.fhir.bulk)
                patient = self._fhir(row, peeked)
                return self.evaluator.evaluate_shaped(patient)
            facts = None
            if self.fmt == "csv":
                cells = self._csv_cells(row)
                facts = self._read_row(cells)  # a plainly valid row in one pass; else typed, then validated
                if facts is None:
                    self._check_width(cells, row.line)
                    mapping = self._csv_mapping(cells, row.line)
            else:
                peeked = self._json_load(row)
                mapping = self._json_mapping(peeked, row.line)
            if self.abort_on_id is not None or self.stop_on_id is not None:
                self._test_hooks(self._peeked(cells, peeked))
            if facts is not None:  # plainly valid: the Patient without its dataclass __init__
                patient = build(Patient, {"facts": MappingProxyType(facts), "source": self.file, "line": row.line})
            else:
                patient = patient_at(mapping, self.vocab, self.file, row.line)
            answer = self.evaluator.evaluate_shaped(patient)
        except PatientError as exc:
            column = self._column_of.get(exc.key, exc.key) if exc.key else None
            return error_row(row, *_identity(self._peeked(cells, peeked)), self._remap(exc), column)
        except IvigRulesError as exc:
            return error_row(row, *_identity(self._peeked(cells, peeked)), str(exc), None)
        except Exception as exc:  # a bug; reported on the row, the run goes on
            message = f"{self.file}:{row.line}: internal error: {type(exc).__name__}: {exc}. This is a bug in ivig-rules."
            return error_row(row, *_identity(self._peeked(cells, peeked)), message, None)
        return answer

    def _peeked(self, cells: list[str] | None, peeked: dict) -> dict:
        """The id and diagnosis a row gave, for its error row: from its CSV cells, else as parsed."""
        if cells is None:
            return peeked
        return {key: cells[i] for key, i in self._identity_at if i < len(cells)}

    def _test_hooks(self, peeked: dict) -> None:
        if self.abort_on_id is not None and _peek(peeked, "id") == self.abort_on_id:
            _abort()
        if self.stop_on_id is not None and _peek(peeked, "id") == self.stop_on_id:
            os.kill(os.getpid(), signal.SIGSTOP)

    def _fhir(self, row: RawRow, peeked: dict) -> Any:
        """The patient of a Bulk Data row; its id goes into ``peeked`` first, for an error row."""
        from ..fhir.evaluate import mapping_for, patient_from_bundle

        if getattr(self, "_fhir_mapping", None) is None:
            self._fhir_mapping = mapping_for(self.evaluator)
        data = json.loads(row.text)
        peeked["id"] = data["entry"][0]["resource"].get("id")
        if self.abort_on_id is not None and _peek(peeked, "id") == self.abort_on_id:
            _abort()
        patient, reading = patient_from_bundle(data, self.evaluator, mapping=self._fhir_mapping,
                                               file=f"{self.file} (Patient/{peeked['id']})")
        peeked[DIAGNOSIS] = reading.facts.get(DIAGNOSIS)
        return patient

    # -- CSV --------------------------------------------------------------------------------
    def _csv_cells(self, row: RawRow) -> list[str]:
        text = row.text
        body = text[:-1] if text.endswith("\n") else text  # a record keeps its line ending, which the csv module drops
        if body.endswith("\r"):
            body = body[:-1]
        if body and '"' not in body and "\r" not in body and "\n" not in body and "\x00" not in body:
            return body.split(",")  # what the csv module reads from a line without quotes
        try:
            cells = next(csv.reader([text]))
        except csv.Error as exc:
            raise PatientError(f"not a valid CSV row: {exc}", file=self.file, line=row.line) from None
        return cells

    def _check_width(self, cells: list[str], line: int) -> None:
        if len(cells) != len(self.columns):
            raise PatientError(
                f"the row has {len(cells)} cells but the header has {len(self.columns)} columns",
                file=self.file,
                line=line,
            )

    def _csv_mapping(self, cells: list[str], line: int) -> dict[str, Any]:
        """The typed cells as a plain patient mapping; the loader puts its errors on the row's line."""
        mapping: dict[str, Any] = {}
        treatments: dict[str, str] = {}
        # extra: a status column's therapy, or whether a true/false column allows 'unknown'
        for (fact, name, kind, extra), cell in zip(self._typing, cells):
            text = cell.strip()
            if not text:
                continue  # an empty cell: not given
            if kind == _STATUS:
                treatments[extra] = text
            elif kind == _TEXT:
                mapping[fact] = text
            elif kind == _NUMBER_CELL:
                mapping[fact] = self._number(text, line, name)
            else:
                value = _BOOLEANS.get(text.lower())
                if value is None and extra and text.lower() == UNKNOWN:
                    value = UNKNOWN
                if value is None:
                    words = "true, false or unknown" if extra else "true or false"
                    raise PatientError(
                        f"expected {words} (or yes/no, 1/0), found {text[:40]!r}",
                        file=self.file, line=line, key=name,
                    )
                mapping[fact] = value
        if treatments:
            mapping[_TREATMENTS] = treatments
        return mapping

    def _number(self, text: str, line: int, column: str) -> int | float:
        number = _plain_number(text)
        if number is None:
            raise PatientError(
                f"expected a number written as plain digits (e.g. 72.5), found {text[:40]!r}",
                file=self.file, line=line, key=column,
            )
        return number

    # -- JSON Lines -------------------------------------------------------------------------
    def _json_load(self, row: RawRow) -> Any:
        try:
            return json.loads(row.text, parse_constant=_no_constant, object_pairs_hook=_no_duplicates)
        except (ValueError, RecursionError) as exc:
            raise PatientError(f"not valid JSON: {_short(exc)}", file=self.file, line=row.line) from None

    def _json_mapping(self, data: Any, line: int) -> Any:
        """The parsed object, ``treatment.X`` keys folded into ``treatments``; plain dicts, which the
        loader reads as sitting on the row's line."""
        if not isinstance(data, dict) or not any(key.startswith(TREATMENT_COLUMN_PREFIXES) for key in data):
            return data  # parse_patient says what a patient must be
        mapping: dict[str, Any] = {}
        flat: dict[str, Any] = {}
        for key, value in data.items():
            prefix = next((p for p in TREATMENT_COLUMN_PREFIXES if key.startswith(p)), None)
            if prefix is not None:
                flat[key[len(prefix):]] = value
            elif key == _TREATMENTS and isinstance(value, dict):
                mapping[key] = dict(value)  # the folded statuses are added to a copy
            else:
                mapping[key] = value
        if flat:
            treatments = mapping.setdefault(_TREATMENTS, {})
            if not isinstance(treatments, dict):
                return mapping  # parse_patient reports the bad 'treatments' value
            for therapy, status in flat.items():
                if therapy in treatments:
                    raise PatientError(
                        f"the status of {therapy!r} is given twice (under 'treatments' and as 'treatment.{therapy}')",
                        file=self.file, line=line, key=treatment_fact(therapy),
                    )
                treatments[therapy] = status
        return mapping

    def _remap(self, exc: PatientError) -> str:
        """The error's text, naming the CSV column rather than the internal fact path."""
        column = self._column_of.get(exc.key) if exc.key else None
        if column is None or column == exc.key:
            return str(exc)
        return str(PatientError(exc.message, file=exc.file, line=exc.line, key=column, suggestion=exc.suggestion))


_STATUS, _TEXT, _NUMBER_CELL, _BOOLEAN_CELL = range(4)


def _plain_number(text: str) -> int | float | None:
    """A number written as plain ASCII digits (72, 72.5, .5, +3), or None."""
    if text.isdigit() and text.isascii() and len(text) <= _MAX_NUMBER_CHARS:
        return int(text)  # the commonest case
    if len(text) > _MAX_NUMBER_CHARS or not _NUMBER.fullmatch(text):
        return None
    return float(text) if "." in text else int(text)


def _column_typing(fact: str, name: str, vocab) -> tuple[str, str, int, Any]:
    """How a CSV column's cells become values: (fact, column name, kind, therapy or allows_unknown)."""
    therapy = therapy_of(fact)
    if therapy is not None:
        return fact, name, _STATUS, therapy
    spec = vocab.facts[fact]
    if spec.type == "number":
        return fact, name, _NUMBER_CELL, None
    if spec.type == "boolean":
        return fact, name, _BOOLEAN_CELL, spec.allows_unknown
    return fact, name, _TEXT, None


def _identity(mapping: Any) -> tuple[str | None, str | None]:
    """The id and diagnosis a row gave, as text, for its error row (even when the row is invalid)."""
    return _peek(mapping, "id"), _peek(mapping, "diagnosis")


def _peek(mapping: Any, key: str) -> str | None:
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return value if isinstance(value, str) and len(value) <= 200 else None


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} appears twice in one object")
        out[key] = value
    return out


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _abort() -> None:
    """The test hook's crash: quietly (no faulthandler dump), as a segfaulting engine would die."""
    import faulthandler

    faulthandler.disable()
    os.abort()


def abort_id_from_environment() -> str | None:
    """The test hook's patient id, if set; a process that will abort on purpose writes no core file."""
    value = os.environ.get(ABORT_ENV) or None
    if value is not None:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return value

