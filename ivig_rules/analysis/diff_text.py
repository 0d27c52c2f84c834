"""The readable form of a semantic diff that ``ivig-rules diff`` prints."""

from __future__ import annotations

import json
from typing import Any

from .._text import plural
from .diff import DiffReport

__all__ = ["to_text"]

_NAMES = {"ivig": "IVIG", "next_step": "next step", "dose": "dose", "alerts": "alerts"}


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]" if value else "none"
    return str(value)


def to_text(report: DiffReport) -> str:
    lines = [f"Semantic diff {report.old} -> {report.new}"]
    for diagnosis in report.only_old:
        lines.append(f"  pathway for {diagnosis} only in {report.old}: its patients get no recommendation in {report.new}")
    for diagnosis in report.only_new:
        lines.append(f"  pathway for {diagnosis} only in {report.new}")
    current = None
    for group in report.groups:
        if group.diagnosis != current:
            current = group.diagnosis
            changed = sum(g.count for g in report.groups if g.diagnosis == current)
            lines.append("")
            lines.append(f"{current}: {changed} of {report.compared.get(current, 0)} patients change")
        rules = f"{group.old_rule} -> {group.new_rule}"
        if group.old_rule == group.new_rule:
            rules = f"{group.old_rule} (same rule, new outcome)"
        lines.append(f"  {rules}: {plural(group.count, 'patient')}")
        for name, transitions in group.fields.items():
            for (old, new), count in transitions.items():
                lines.append(f"      {_NAMES[name]}: {_show(old)} -> {_show(new)} ({count})")
        lines.append(f"      example patient: {json.dumps(group.example)}")
        for scenario in group.scenarios:
            lines.append(f"      scenario {scenario}")
    lines.append("")
    if report.exit_code == 0:
        lines.append(f"no change: {sum(report.compared.values())} patients compared")
    else:
        lines.append(
            f"{report.changed} of {sum(report.compared.values())} patients change, in {plural(len(report.groups), 'group')}"
        )
    return "\n".join(lines)
