"""Renders a lint report: text for people (one line per finding, example patient below) and JSON."""

from __future__ import annotations

import json

from .._text import plural
from ..errors import describe_problem
from .findings import ERROR, WARNING
from .run import LintReport

__all__ = ["to_text", "to_json"]


def to_text(report: LintReport) -> str:
    lines: list[str] = []
    for f in report.findings:
        lines.append(describe_problem(f.where, f"{f.severity} [{f.code}]", f.key, f.message, f.suggestion))
        if f.example is not None:
            lines.append(f"    example patient: {json.dumps(f.example)}")
    errors, warnings = report.count(ERROR), report.count(WARNING)
    if lines:
        lines.append("")
    checked = f"{plural(len(report.files), 'file')}"
    checked += f", {plural(len(report.pathways), 'pathway')}"
    if not report.findings:
        lines.append(f"lint: clean ({checked} checked)")
    else:
        lines.append(
            f"lint: {plural(errors, 'error')}, {plural(warnings, 'warning')} "
            f"({checked} checked)"
        )
    if report.not_loaded:
        lines.append(f"lint: {plural(len(report.not_loaded), 'file')} cannot be loaded (exit 2): {', '.join(report.not_loaded)}")
    return "\n".join(lines)


def to_json(report: LintReport, *, fail_on: str = ERROR) -> str:
    data = {
        "exit_code": report.exit_code(fail_on),
        "summary": {
            "errors": report.count(ERROR),
            "warnings": report.count(WARNING),
            "files": len(report.files),
            "pathways": len(report.pathways),
        },
        "files": report.files,
        "not_loaded": report.not_loaded,
        "findings": [f.to_dict() for f in report.findings],
    }
    return json.dumps(data, indent=2)
