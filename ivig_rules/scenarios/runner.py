"""Runs scenarios through an evaluator and compares what came out with what was expected."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from ..loading.cursor import Problems
from ..errors import IvigRulesError, UnknownTagError
from ..evaluation.evaluator import Evaluator
from ..evaluation.recommend import Recommendation
from .files import Scenario, collect_scenario_files, load_scenario_file

__all__ = ["Mismatch", "ScenarioResult", "RunReport", "check", "run_scenarios", "load_scenarios", "select_by_tags"]


@dataclass(frozen=True)
class Mismatch:
    field: str
    expected: Any
    actual: Any
    line: int | None = None

    def describe(self) -> str:
        expected = _show(self.expected)
        if self.field == "ivig" and isinstance(self.expected, tuple):
            expected = "one of " + ", ".join(self.expected)  # a list of acceptable verdicts
        return f"{self.field}: expected {expected}, got {_show(self.actual)}"


def _show(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    status: str  # passed | failed | skipped | error
    mismatches: tuple[Mismatch, ...] = ()
    recommendation: Recommendation | None = None
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status in ("passed", "skipped")


@dataclass
class RunReport:
    engine: str
    files: list[str]
    results: list[ScenarioResult] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def summary_line(self) -> str:
        text = f"{self.count('passed')} passed, {self.count('failed') + self.count('error')} failed"
        if self.count("skipped"):
            text += f", {self.count('skipped')} skipped"
        return text


def _numbers_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_numbers_equal(x, y) for x, y in zip(a, b))
    return a == b


def check(scenario: Scenario, rec: Recommendation) -> tuple[Mismatch, ...]:
    """Every expected field that the recommendation does not meet."""
    out: list[Mismatch] = []
    fields, lines = scenario.expect.fields, scenario.expect.lines
    simple = {
        "next_step": rec.next_step,
        "step": rec.step,
        "line": rec.line,
        "evidence": rec.evidence,
        "decided_by": rec.decided_by,
        "with": tuple(rec.with_therapies),
        "pathway_verdict": rec.pathway_verdict,
        "conflicts": tuple(sorted(c.id for c in rec.conflicts)),
        "not_recorded": tuple(sorted(rec.not_recorded)),
    }
    for key, expected in fields.items():
        line = lines.get(key)
        if key == "ivig":
            if rec.ivig not in expected:
                out.append(Mismatch("ivig", expected if len(expected) > 1 else expected[0], rec.ivig, line))
        elif key in simple:
            if not _numbers_equal(simple[key], expected):
                out.append(Mismatch(key, expected, simple[key], line))
        elif key == "alerts":
            missing = [a for a in expected if a not in rec.alert_ids]
            if missing:
                out.append(Mismatch("alerts", tuple(missing), rec.alert_ids, line))
        elif key == "no_alerts":
            present = [a for a in expected if a in rec.alert_ids]
            if present:
                out.append(Mismatch("no_alerts", tuple(expected), tuple(present), line))
        elif key in ("monitoring", "administration"):
            have = tuple(a.id for a in getattr(rec, key))
            missing = [a for a in expected if a not in have]
            if missing or (not expected and have):
                out.append(Mismatch(key, expected, have, line))
        elif key == "review":
            text = rec.review.text if rec.review is not None else None
            if (expected is None) != (text is None) or (expected is not None and expected not in text):
                out.append(Mismatch("review", "none" if expected is None else f"a review containing {expected!r}", text, line))
        elif key in ("citations", "no_citations"):
            texts = [c.text or str(c) for c in rec.citations]
            found = [words for words in expected if any(words in text for text in texts)]
            wrong = [w for w in expected if w not in found] if key == "citations" else found
            if wrong:
                shown = tuple(texts) if key == "citations" else tuple(t for t in texts if any(w in t for w in wrong))
                out.append(Mismatch(key, tuple(expected), shown, line))
        elif key == "alert_text":
            messages = {a.id: a.message for a in rec.alerts}
            for alert_id, words in expected.items():
                message = messages.get(alert_id)
                if message is None or words not in message:
                    out.append(Mismatch(f"alert_text.{alert_id}", f"a message containing {words!r}", message, line))
        elif key == "dose":
            if expected is None or rec.dose is None:
                if (expected is None) != (rec.dose is None):
                    out.append(Mismatch("dose", expected, None if rec.dose is None else "a dose", line))
                continue
            actual = rec.dose.to_dict()
            for name, value in expected.items():
                if not _numbers_equal(actual.get(name), value):
                    out.append(Mismatch(f"dose.{name}", value, actual.get(name), line))
    return tuple(out)


def load_scenarios(paths: Iterable[str | Path], vocab, *, rulesets: str | Path | None = None) -> tuple[list[Path], list[Scenario]]:
    """Load every scenario first, so that a bad file stops the run before anything is evaluated;
    the problems of every file are reported together."""
    files = collect_scenario_files(list(paths))
    scenarios: list[Scenario] = []
    problems = Problems()
    for path in files:
        with problems.part():
            scenarios.extend(load_scenario_file(path, vocab, rulesets=rulesets))
    problems.raise_any()
    return files, scenarios


def select_by_tags(scenarios: list[Scenario], tags: Iterable[str]) -> list[Scenario]:
    """The scenarios with any of ``tags`` (all of them when no tag is given).

    A tag that no scenario carries is an error (:class:`UnknownTagError`), not an empty run
    that passes: ``--tag smok`` must not look like success.
    """
    wanted = list(dict.fromkeys(tags))
    if not wanted:
        return list(scenarios)
    known = {tag for scenario in scenarios for tag in scenario.tags}
    unknown = [tag for tag in wanted if tag not in known]
    if unknown:
        raise UnknownTagError(unknown, known)
    return [s for s in scenarios if set(wanted) & set(s.tags)]


def run_scenarios(
    scenarios: list[Scenario],
    evaluator: Evaluator,
    *,
    files: list[Path] | None = None,
    tags: Iterable[str] = (),
    progress: Callable[[ScenarioResult], None] | None = None,
) -> RunReport:
    wanted = set(tags)
    report = RunReport(engine=evaluator.engine.name, files=[str(f) for f in files or []])
    started = time.perf_counter()
    for scenario in scenarios:
        if wanted and not wanted & set(scenario.tags):
            continue
        t0 = time.perf_counter()
        if scenario.skip is not None:
            result = ScenarioResult(scenario, "skipped", error=scenario.skip)
        else:
            try:
                rec = evaluator.evaluate(scenario.patient)
            except IvigRulesError as exc:
                result = ScenarioResult(scenario, "error", error=str(exc), seconds=time.perf_counter() - t0)
            else:
                mismatches = check(scenario, rec)
                result = ScenarioResult(
                    scenario, "failed" if mismatches else "passed", mismatches, rec, seconds=time.perf_counter() - t0
                )
        report.results.append(result)
        if progress is not None:
            progress(result)
    report.seconds = time.perf_counter() - started
    return report
