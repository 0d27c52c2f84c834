"""What lint reports: findings with a severity, a code, a place and, where it helps, a patient."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import FileReadError, InputError, YamlError
from ..model.json_form import json_field, json_form
from .checks import ERROR, SEVERITIES, SEVERITIES_OF, WARNING

__all__ = ["ERROR", "WARNING", "SEVERITIES", "LintFinding", "from_input_error"]


@json_form
@dataclass(frozen=True)
class LintFinding:
    """One problem found by ``ivig-rules lint``.

    ``example`` is a patient mapping that shows the problem and can be pasted into
    ``ivig-rules evaluate``; ``unreadable`` marks input that could not be read at all (exit 2).
    """

    severity: str
    code: str
    message: str
    file: str | None = None
    line: int | None = None
    key: str | None = None
    suggestion: str | None = None
    pathway: str | None = None
    rules: tuple[str, ...] = ()
    count: int | None = None
    example: dict[str, Any] | None = None
    unreadable: bool = json_field(omit=True, default=False, compare=False)  # for the exit code, not the JSON

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES_OF.get(self.code, ()):
            raise ValueError(f"lint finding {self.code!r} at {self.severity!r} is not in the registry (lint/checks.py)")

    @property
    def where(self) -> str:
        if self.file is None:
            return "<rulesets>"
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def sort_key(self) -> tuple:
        return (self.file or "", self.line or 0, self.code, self.message)


def from_input_error(exc: InputError, code: str = "schema") -> LintFinding:
    """A loader's error as a lint finding; YAML and file errors mean the input is unreadable."""
    unreadable = isinstance(exc, (YamlError, FileReadError))
    return LintFinding(
        severity=ERROR,
        code="unreadable" if unreadable else code,
        message=exc.message,
        file=exc.file,
        line=exc.line,
        key=exc.key,
        suggestion=exc.suggestion,
        unreadable=unreadable,
    )
