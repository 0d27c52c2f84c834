"""Renders a scenario run: a text table with failures at file:line, JSON, and JUnit XML for CI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import defaultdict

from .._text import plural
from .runner import RunReport, ScenarioResult

__all__ = ["to_text", "to_json", "to_junit"]

_LABEL = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "skipped": "SKIP"}


def _where(result: ScenarioResult) -> str:
    return result.scenario.where


def to_text(report: RunReport, *, verbose: bool = False) -> str:
    rows = report.results
    lines: list[str] = []
    shown = report.results if verbose else [r for r in report.results if r.status != "passed"]
    if shown:
        width = min(60, max([len("SCENARIO")] + [len(r.scenario.name) for r in shown]))
        lines.append(f"{'RESULT':<6}  {'SCENARIO':<{width}}  WHERE")
        for r in shown:
            name = r.scenario.name if len(r.scenario.name) <= width else r.scenario.name[: width - 1] + "~"
            lines.append(f"{_LABEL[r.status]:<6}  {name:<{width}}  {_where(r)}")
    else:
        by_file: dict[str, int] = defaultdict(int)
        for r in report.results:
            by_file[r.scenario.file] += 1
        width = max((len(f) for f in by_file), default=4)
        lines.append(f"{'FILE':<{width}}  SCENARIOS  RESULT")
        for file, count in by_file.items():
            lines.append(f"{file:<{width}}  {count:>9}  all passed")
    failures = [r for r in rows if r.status in ("failed", "error")]
    if failures:
        lines.append("")
        lines.append("Failures:")
        for r in failures:
            lines.append(f"{_where(r)}: {r.scenario.name}")
            if r.error:
                lines.append(f"    {r.error}")
            for m in r.mismatches:
                at = f" (expected at line {m.line})" if m.line else ""
                lines.append(f"    {m.describe()}{at}")
            if r.recommendation is not None and r.mismatches:
                lines.append(f"    decided by {r.recommendation.decided_by}")
    skipped = [r for r in report.results if r.status == "skipped"]
    for r in skipped:
        lines.append(f"skipped {_where(r)}: {r.scenario.name}: {r.error}")
    lines.append("")
    lines.append(f"engine {report.engine}, {plural(len(report.files), 'file')}, {report.seconds:.2f} s")
    lines.append(report.summary_line())
    return "\n".join(lines)


def _result_dict(r: ScenarioResult) -> dict:
    return {
        "name": r.scenario.name,
        "file": r.scenario.file,
        "line": r.scenario.line,
        "status": r.status,
        "tags": list(r.scenario.tags),
        "error": r.error,
        "mismatches": [
            {"field": m.field, "expected": _jsonable(m.expected), "actual": _jsonable(m.actual), "line": m.line}
            for m in r.mismatches
        ],
        "ivig": r.recommendation.ivig if r.recommendation else None,
        "decided_by": r.recommendation.decided_by if r.recommendation else None,
    }


def _jsonable(value):
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


def to_json(report: RunReport) -> str:
    data = {
        "engine": report.engine,
        "files": report.files,
        "seconds": round(report.seconds, 4),
        "summary": {
            "total": len(report.results),
            "passed": report.count("passed"),
            "failed": report.count("failed"),
            "errors": report.count("error"),
            "skipped": report.count("skipped"),
        },
        "results": [_result_dict(r) for r in report.results],
    }
    return json.dumps(data, indent=2)


def to_junit(report: RunReport) -> str:
    suites = ET.Element("testsuites", name="ivig-rules", tests=str(len(report.results)))
    by_file: dict[str, list[ScenarioResult]] = defaultdict(list)
    for r in report.results:
        by_file[r.scenario.file].append(r)
    for file, results in by_file.items():
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=file,
            tests=str(len(results)),
            failures=str(sum(r.status == "failed" for r in results)),
            errors=str(sum(r.status == "error" for r in results)),
            skipped=str(sum(r.status == "skipped" for r in results)),
            time=f"{sum(r.seconds for r in results):.4f}",
        )
        for r in results:
            case = ET.SubElement(
                suite, "testcase", name=r.scenario.name, classname=file, file=file,
                line=str(r.scenario.line or 0), time=f"{r.seconds:.4f}",
            )
            if r.status == "failed":
                text = "\n".join(m.describe() for m in r.mismatches)
                ET.SubElement(case, "failure", message=f"{r.scenario.where}: {r.mismatches[0].describe()}").text = text
            elif r.status == "error":
                ET.SubElement(case, "error", message=r.error or "error").text = r.error
            elif r.status == "skipped":
                ET.SubElement(case, "skipped", message=r.error or "")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
