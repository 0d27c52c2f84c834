"""Checks on the raw YAML of a ruleset file that the loader would stop at one by one.

The loader raises on the first problem of a file. These checks walk the whole file first so
that every missing citation, every id used twice and every reference to a step, dose or
alert that does not exist is reported, each with its line and a "did you mean".
"""

from __future__ import annotations

from typing import Any, Iterable

from ..errors import did_you_mean
from ..loading.marked_yaml import line_of
from ..model import STEP_START
from .findings import ERROR, LintFinding

__all__ = ["pathway_structure", "screening_structure"]


def _finding(code: str, message: str, file: str, line: int | None, key: str, suggestion: str | None = None) -> LintFinding:
    return LintFinding(ERROR, code, message, file=file, line=line, key=key, suggestion=suggestion)


def _missing_cite(node: Any, what: str, file: str, key: str) -> list[LintFinding]:
    cite = node.get("cite")
    if cite is None or cite == [] or cite == "":
        return [_finding("missing-citation", f"{what} has no citation ('cite:')", file, line_of(node), key)]
    return []


def _reference(value: Any, table: Iterable[str], what: str, file: str, line: int | None, key: str) -> list[LintFinding]:
    table = list(table)
    if isinstance(value, str) and value in table:
        return []
    return [
        _finding(
            "unknown-reference",
            f"no {what} {value!r} exists; defined: {', '.join(table) or 'none'}.",
            file, line, key, did_you_mean(value, table),
        )
    ]


def _mapping(doc: Any, key: str) -> dict:
    value = doc.get(key) if isinstance(doc, dict) else None
    return value if isinstance(value, dict) else {}


def _rules(doc: Any) -> list:
    value = doc.get("rules") if isinstance(doc, dict) else None
    return value if isinstance(value, list) else []


def _rule_checks(doc: Any, file: str, alerts: Iterable[str], steps: dict | None, doses: dict) -> list[LintFinding]:
    out: list[LintFinding] = []
    seen: dict[str, int | None] = {}
    rules = doc["rules"]
    for i, rule in enumerate(_rules(doc)):
        if not isinstance(rule, dict):
            continue
        key = f"rules[{i}]"
        rule_id = rule.get("id")
        label = f"the rule {rule_id!r}" if isinstance(rule_id, str) else f"rule {i + 1}"
        out += _missing_cite(rule, label, file, key)
        if isinstance(rule_id, str):
            if rule_id in seen:
                out.append(_finding(
                    "duplicate-id", f"the rule id {rule_id!r} is used twice (first on line {seen[rule_id]})",
                    file, line_of(rule, "id"), f"{key}.id",
                ))
            else:
                seen[rule_id] = line_of(rule, "id") or line_of(rules, i)
        then = rule.get("then") if isinstance(rule.get("then"), dict) else {}
        for alert_index, alert in enumerate(_as_list(then.get("alerts"))):
            out += _reference(alert, alerts, "alert", file, line_of(then, "alerts"), f"{key}.then.alerts[{alert_index}]")
        if steps is None:
            continue
        for position_index, position in enumerate(_as_list(rule.get("from"))):
            if position != STEP_START:
                where = f"{key}.from" if not isinstance(rule.get("from"), list) else f"{key}.from[{position_index}]"
                out += _reference(position, [STEP_START, *steps], "step", file, line_of(rule, "from"), where)
        if then.get("next_step") is not None:
            out += _reference(then["next_step"], steps, "step", file, line_of(then, "next_step"), f"{key}.then.next_step")
        if then.get("dose") is not None:
            out += _reference(then["dose"], doses, "dose", file, line_of(then, "dose"), f"{key}.then.dose")
    return out


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def pathway_structure(doc: Any, file: str, alerts: Iterable[str]) -> list[LintFinding]:
    """Every missing citation, duplicate rule id and dangling reference of a pathway file."""
    if not isinstance(doc, dict):
        return []
    out: list[LintFinding] = []
    steps, doses = _mapping(doc, "steps"), _mapping(doc, "doses")
    for dose_id, dose in doses.items():
        if isinstance(dose, dict):
            out += _missing_cite(dose, f"the dose {dose_id!r}", file, f"doses.{dose_id}")
    for step_id, step in steps.items():
        if not isinstance(step, dict):
            continue
        out += _missing_cite(step, f"the step {step_id!r}", file, f"steps.{step_id}")
        if step.get("dose") is not None:
            out += _reference(step["dose"], doses, "dose", file, line_of(step, "dose"), f"steps.{step_id}.dose")
    if _rules(doc):
        out += _rule_checks(doc, file, alerts, steps, doses)
    return out


def screening_structure(doc: Any, file: str, alerts: Iterable[str]) -> list[LintFinding]:
    """Every missing citation, duplicate rule id and unknown alert of the screening file."""
    if not isinstance(doc, dict) or not _rules(doc):
        return []
    return _rule_checks(doc, file, alerts, None, {})
