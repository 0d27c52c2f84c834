"""Runs scenarios through an evaluator and compares what came out with what was expected."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..loading.cursor import Problems
from ..errors import IvigRulesError, UnknownTagError
from ..evaluation.evaluator import Evaluator
from ..evaluation.recommendation import Recommendation
from .expectations import Mismatch, check_field
from .files import Scenario, collect_scenario_files, load_scenario_file

__all__ = ["Mismatch", "ScenarioResult", "RunReport", "check", "run_scenarios", "load_scenarios", "select_by_tags"]


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


def check(scenario: Scenario, rec: Recommendation) -> tuple[Mismatch, ...]:
    """Every expected field that the recommendation does not meet, in the order the file gives them."""
    lines = scenario.expect.lines
    return tuple(m for key, expected in scenario.expect.fields.items() for m in check_field(key, expected, rec, lines.get(key)))


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
