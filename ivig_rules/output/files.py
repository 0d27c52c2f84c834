"""The one way ivig-rules writes a file: its folder made, text ending in a newline, and any
failure a one-paragraph FileWriteError naming the file (never a traceback, never half a report
that looks whole)."""

from __future__ import annotations

from pathlib import Path

from ..errors import FileWriteError

__all__ = ["write_file"]


def write_file(path: str | Path, data: str | bytes, *, what: str = "file") -> Path:
    """Write text (UTF-8, with a final newline) or bytes to ``path``; returns the path."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data if data.endswith("\n") else data + "\n", encoding="utf-8")
    except OSError as exc:
        raise FileWriteError(f"{exc.strerror or exc} (the {what})", file=str(path)) from None
    return path
