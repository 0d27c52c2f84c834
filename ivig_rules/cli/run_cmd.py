"""``ivig-rules run``: check scenario files against the rules (the QA team's daily tool)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from .common import EngineName, EngineOption, RulesetsOption, WeightPolicy, WeightPolicyOption, handles_errors, warn, write_output


@handles_errors
def run(
    paths: List[Path] = typer.Argument(..., help="Scenario files or folders (searched recursively for *.yaml)."),
    as_json: bool = typer.Option(False, "--json", help="Print the results as one JSON object."),
    junit: Optional[Path] = typer.Option(None, "--junit", help="Also write JUnit XML to this file (for CI).", dir_okay=False),
    tag: List[str] = typer.Option([], "--tag", help="Run only scenarios with this tag (repeatable)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every scenario, not only the failures."),
    coverage: bool = typer.Option(False, "--coverage", help="Report which rules and pathway arrows the scenarios exercised."),
    fail_under: Optional[float] = typer.Option(
        None, "--fail-under", min=0, max=100, help="Exit 1 when fewer than PCT percent of the rules fired (implies --coverage).",
        metavar="PCT", show_default=False,
    ),
    coverage_json: Optional[Path] = typer.Option(None, "--coverage-json", help="Write the coverage report as JSON to this file.", dir_okay=False),
    coverage_diagram: Optional[Path] = typer.Option(
        None, "--coverage-diagram", help="Write each pathway's teaching diagram (DOT) into this folder, untested arrows and notes in red.", file_okay=False
    ),
    engine: EngineName = EngineOption,
    weight_policy: WeightPolicy = WeightPolicyOption,
    rulesets: Optional[Path] = RulesetsOption,
) -> None:
    """Run scenario files: check each patient's recommendation against the expected one.

    Every failure is shown with its file:line and expected versus actual, field by field; the
    last line reads 'N passed, N failed'. Exit 0 when all pass, 1 when any fails, 2 for
    invalid scenario files or when --tag selects no scenario.

    Examples:
    ivig-rules run scenarios/
    ivig-rules run scenarios/cidp.yaml --tag maintenance --junit results.xml
    ivig-rules run scenarios/ --coverage --fail-under 100
    """
    from ..evaluation.evaluator import Evaluator
    from ..scenarios.report import to_json, to_junit, to_text
    from ..scenarios.runner import load_scenarios, run_scenarios, select_by_tags

    with Evaluator(rulesets, engine=engine.value, weight_policy=weight_policy.value) as evaluator:
        files, scenarios = load_scenarios(paths, evaluator.vocabulary, rulesets=evaluator.catalogue.root)
        scenarios = select_by_tags(scenarios, tag)
        progress = _progress if sys.stderr.isatty() and not as_json else None
        report = run_scenarios(scenarios, evaluator, files=files, progress=progress)
    if progress:
        sys.stderr.write("\n")
    if junit is not None:
        write_output(to_junit(report), junit)
    covered = None
    if coverage or fail_under is not None or coverage_json or coverage_diagram:
        from ..scenarios.coverage import coverage_of
        from ..scenarios.coverage_output import write_coverage

        covered = coverage_of(report, evaluator.catalogue)
        write_coverage(covered, evaluator.catalogue, coverage_json, coverage_diagram)
    text = to_json(report) if as_json else to_text(report, verbose=verbose)
    if covered is not None and (coverage or fail_under is not None):
        from ..scenarios.coverage_output import with_coverage

        text = with_coverage(text, covered, as_json=as_json)
    typer.echo(text)
    if covered is not None and fail_under is not None and covered.percent < fail_under:
        warn(f"rule coverage {covered.percent:g}% is below --fail-under {fail_under:g}%")
        raise typer.Exit(1)
    raise typer.Exit(0 if report.ok else 1)


def _progress(result) -> None:
    mark = {"passed": ".", "failed": "F", "error": "E", "skipped": "s"}[result.status]
    sys.stderr.write(mark)
    sys.stderr.flush()
