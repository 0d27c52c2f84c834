"""FHIR Bulk Data output (a folder of NDJSON files, one resource a line) read as an audit cohort.

Bulk Data files hold one resource type each, not one patient each, so resources are grouped
by subject without holding the cohort in memory: one pass writes (patient, file, offset) of
every resource to a temporary SQLite index on disk; then each Patient, in file order, becomes
one row holding that patient's resources as a Bundle, read back by seeking. Rows out =
patients in: a Patient line that cannot be read is a row with its problem; resources whose
subject is no Patient of the folder are counted and reported, never silently dropped.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Iterator

from ..audit.cohort import MAX_LINE_BYTES, RawRow
from ..errors import InputError

__all__ = ["BulkCohort", "BulkError"]

_SUFFIXES = (".ndjson", ".jsonl")


class BulkError(InputError):
    kind = "invalid FHIR Bulk Data"


class BulkCohort:
    """A Bulk Data folder as a stream of raw rows (one per Patient); use as a context manager."""

    fmt = "fhir"
    columns: tuple[str, ...] = ()
    header: tuple[str, ...] = ()

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.name = str(folder)
        self.files = sorted(p for p in self.folder.iterdir() if p.suffix in _SUFFIXES and p.is_file())
        if not self.files:
            raise BulkError("the folder holds no .ndjson files; FHIR Bulk Data output is one NDJSON file per "
                            "resource type (Patient.ndjson, Condition.ndjson, ...)", file=self.name)
        self.size = sum(p.stat().st_size for p in self.files)
        self.bytes_read = 0
        self.orphans = 0
        self.unreadable = 0
        handle, self._db_path = tempfile.mkstemp(prefix="ivig-bulk-", suffix=".sqlite")
        os.close(handle)
        self._db = sqlite3.connect(self._db_path)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE res (patient TEXT, file INTEGER, offset INTEGER, length INTEGER)")
        self._indexed = False

    # -- pass 1 -----------------------------------------------------------------------------
    def _index(self) -> None:
        """Positions of every Patient (in file order) and of every other resource under its subject."""
        self._db.execute("CREATE TABLE pat (seq INTEGER PRIMARY KEY, file INTEGER, line INTEGER, offset INTEGER, "
                         "length INTEGER, id TEXT, problem TEXT)")
        batch, patients = [], []
        for number, path in enumerate(self.files):
            patient_file = path.name.startswith("Patient")
            with path.open("rb") as handle:
                offset = 0
                for line, raw in enumerate(iter(lambda: handle.readline(MAX_LINE_BYTES + 1), b""), start=1):
                    length = len(raw)
                    self.bytes_read += length
                    start, offset = offset, offset + length
                    if not raw.strip():
                        continue
                    if length > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                        while True:  # skip the rest of the line in bounded pieces
                            more = handle.readline(MAX_LINE_BYTES)
                            offset += len(more)
                            self.bytes_read += len(more)
                            if not more or more.endswith(b"\n"):
                                break
                        if patient_file:
                            patients.append((number, line, start, 0, None,
                                             f"{path.name}:{line}: the line is longer than {MAX_LINE_BYTES // 1024} KB"))
                        else:
                            self.unreadable += 1
                        continue
                    kind, ident = _peek(raw)
                    if kind == "Patient" or (kind is None and patient_file):
                        problem = None if ident else (f"{path.name}:{line}: not a FHIR Patient with an id "
                                                      "(not valid JSON, or no id)")
                        patients.append((number, line, start, length, ident, problem))
                    elif ident is None:
                        self.unreadable += 1
                    else:
                        batch.append((ident, number, start, length))
                    if len(batch) >= 10_000:
                        self._db.executemany("INSERT INTO res VALUES (?, ?, ?, ?)", batch)
                        batch.clear()
                    if len(patients) >= 10_000:
                        self._db.executemany("INSERT INTO pat (file, line, offset, length, id, problem) "
                                             "VALUES (?, ?, ?, ?, ?, ?)", patients)
                        patients.clear()
        self._db.executemany("INSERT INTO res VALUES (?, ?, ?, ?)", batch)
        self._db.executemany("INSERT INTO pat (file, line, offset, length, id, problem) VALUES (?, ?, ?, ?, ?, ?)",
                             patients)
        self._db.execute("CREATE INDEX res_patient ON res (patient, file, offset)")
        self._db.execute("CREATE INDEX pat_id ON pat (id)")
        self._indexed = True

    # -- pass 2 -----------------------------------------------------------------------------
    def row_lists(self) -> Iterator[tuple[list[RawRow], list[str]]]:
        """:meth:`rows` one at a time, each with its text, as the audit reads a cohort's rows."""
        for row in self.rows():
            yield [row], [row.text or ""]

    def rows(self) -> Iterator[RawRow]:
        if not self._indexed:
            self._index()
        handles: dict = {}
        reader = self._db.cursor()
        try:
            number = 0
            for file, line, offset, length, pid, problem in reader.execute(
                "SELECT file, line, offset, length, id, problem FROM pat ORDER BY seq"
            ):
                number += 1
                if problem is not None:
                    yield RawRow(number, line, None, problem)
                    continue
                patient = self._read(handles, file, offset, length)
                yield RawRow(number, line, self._bundle(patient, pid, handles))
        finally:
            for handle in handles.values():
                handle.close()
        self.orphans = self._db.execute(
            "SELECT COUNT(*) FROM res WHERE patient NOT IN (SELECT id FROM pat WHERE id IS NOT NULL)").fetchone()[0]

    def _read(self, handles: dict, file: int, offset: int, length: int) -> bytes:
        handle = handles.get(file)
        if handle is None:
            handle = handles[file] = self.files[file].open("rb")
        handle.seek(offset)
        return handle.read(length)

    def _bundle(self, patient: bytes, pid: str, handles: dict) -> str:
        parts = [patient.decode("utf-8", "replace").strip()]
        for file, offset, length in self._db.execute(
            "SELECT file, offset, length FROM res WHERE patient = ? ORDER BY file, offset", (pid,)
        ).fetchall():
            parts.append(self._read(handles, file, offset, length).decode("utf-8", "replace").strip())
        entries = ",".join('{"resource":' + p + "}" for p in parts)
        return '{"resourceType":"Bundle","type":"collection","entry":[' + entries + "]}"

    def notes(self) -> list[str]:
        out = []
        if self.orphans:
            out.append(f"{self.orphans} resource(s) name a subject that is no Patient of {self.name}; they were not read")
        if self.unreadable:
            out.append(f"{self.unreadable} line(s) of {self.name} are not resources with a subject or patient; "
                       "they were not read")
        return out

    def close(self) -> None:
        try:
            self._db.close()
        finally:
            try:
                os.unlink(self._db_path)
            except OSError:
                pass

    def __enter__(self) -> "BulkCohort":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _peek(raw: bytes) -> tuple[str | None, str | None]:
    """(resourceType, subject patient id) of one line; for a Patient line, its own id."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    kind = data.get("resourceType")
    if not isinstance(kind, str):
        return None, None
    if kind == "Patient":
        pid = data.get("id")
        return kind, pid if isinstance(pid, str) else None
    for key in ("subject", "patient"):
        ref = data.get(key)
        if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
            target = ref["reference"]
            return kind, target[len("Patient/"):] if target.startswith("Patient/") else target
    return kind, None
