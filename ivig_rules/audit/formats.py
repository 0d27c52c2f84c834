"""Which file format a cohort or a results file is in: by ``--format`` or by suffix."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError, did_you_mean

__all__ = ["FORMATS", "SUFFIXES", "choose_format"]

FORMATS = ("csv", "jsonl")
SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def choose_format(path: str | Path, given: str | None, *, what: str, option: str) -> str:
    """The format named by ``given``, else the one the file's suffix says; an error if neither says."""
    if given:
        if given not in FORMATS:
            raise InputError(
                f"unknown {what} format {given!r}; formats are: {', '.join(FORMATS)}.",
                suggestion=did_you_mean(given, FORMATS),
            )
        return given
    suffix = Path(str(path)).suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    shown = "standard input/output" if str(path) == "-" else f"the suffix {suffix or '(none)'!r}"
    raise InputError(
        f"cannot tell the {what} format from {shown}; name the file *.csv or *.jsonl, or pass {option} csv|jsonl.",
        file=None if str(path) == "-" else str(path),
    )
