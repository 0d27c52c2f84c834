"""Which format a file is written in: the one an option names, else the one the file's suffix says.

One rule for every command that writes files (``graph -o``): a suffix that says one format
and an option that says another is an error, never a PNG file holding DOT text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from ..errors import InputError

__all__ = ["choose_format"]


def choose_format(
    path: str | Path | None,
    given: str | None,
    *,
    suffixes: Mapping[str, str],
    what: str,
    option: str,
    default: str | None = None,
) -> str:
    """The format for ``path``: ``given`` if any (it must agree with a known suffix), else the
    suffix's, else ``default`` when there is no file (standard output); otherwise an error."""
    named = path is not None and str(path) != "-"
    suffix = Path(str(path)).suffix.lower() if named else ""
    implied = suffixes.get(suffix)
    if given:
        if implied is not None and implied != given:
            raise InputError(
                f"the suffix {suffix!r} says {implied}, but {option} says {given}; "
                f"rename the file (*{_suffix_of(given, suffixes)}) or leave out {option}",
                file=str(path),
            )
        return given
    if implied is not None:
        return implied
    if not named and default is not None:
        return default
    known = ", ".join(f"*{s}" for s in suffixes)
    shown = f"the suffix {suffix or '(none)'!r}" if named else "standard output"
    raise InputError(
        f"cannot tell the {what} format from {shown}; name the file {known}, or pass {option}",
        file=str(path) if named else None,
    )


def _suffix_of(fmt: str, suffixes: Mapping[str, str]) -> str:
    return next((s for s, f in suffixes.items() if f == fmt), "." + fmt)
