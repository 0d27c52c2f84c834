"""``ivig-rules run``: check scenario files against the rules (the QA team's daily tool)."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from ..scenarios.formats import DEFAULT_RUN_FORMAT, RUN_FORMATS
from .common import EngineOption, RulesetsOption, WeightPolicy, WeightPolicyOption, handles_errors, warn, write_output


RunFormatName = Enum("RunFormatName", {name: name for name in RUN_FORMATS}, type=str)  # the registry's names


@handles_errors
def run(
    paths: List[Path] = typer.Argument(..., help="Scenario files or folders (searched recursively for *.yaml)."),
    fmt: Optional[RunFormatName] = typer.Option(
        None, "--format", "-f", show_default=False,
        help=f"Report format: {', '.join(RUN_FORMATS)} (default: the --output file's suffix, else {DEFAULT_RUN_FORMAT}).",
    ),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", dir_okay=False, metavar="FILE",
        help="Write the report to this file (" + ", ".join(f"*{f.suffix} {f.name}" for f in RUN_FORMATS.values())
             + "), its 'N passed, N failed' line also to standard error; - is standard output.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
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
    engine: str = EngineOption,
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
    ivig-rules run scenarios/ -o results.json
    """
    from ..evaluation.evaluator import Evaluator
    from ..scenarios.formats import render_run
    from ..scenarios.runner import load_scenarios, run_scenarios, select_by_tags

    fmt_name = _chosen_format(fmt.value if fmt else None, as_json, output)

    with Evaluator(rulesets, engine=engine, weight_policy=weight_policy.value) as evaluator:
        files, scenarios = load_scenarios(paths, evaluator.vocabulary, rulesets=evaluator.catalogue.root)
        scenarios = select_by_tags(scenarios, tag)
        progress = _progress if sys.stderr.isatty() and fmt_name == DEFAULT_RUN_FORMAT else None
        report = run_scenarios(scenarios, evaluator, files=files, progress=progress)
    if progress:
        sys.stderr.write("\n")
    if junit is not None:
        write_output(render_run("junit", report), junit)
    covered = None
    if coverage or fail_under is not None or coverage_json or coverage_diagram:
        from ..scenarios.coverage import coverage_of
        from ..scenarios.coverage_output import write_coverage

        covered = coverage_of(report, evaluator.catalogue)
        write_coverage(covered, evaluator.catalogue, coverage_json, coverage_diagram)
    shown = covered if coverage or fail_under is not None else None
    write_output(render_run(fmt_name, report, shown, verbose=verbose), output)
    if output is not None and str(output) != "-":  # the report went to a file: the terminal still hears how the run went
        typer.echo(f"{report.summary_line()}; report written to {output}", err=True)
    if covered is not None and fail_under is not None and covered.percent < fail_under:
        warn(f"rule coverage {covered.percent:g}% is below --fail-under {fail_under:g}%")
        raise typer.Exit(1)
    raise typer.Exit(0 if report.ok else 1)


def _chosen_format(given: Optional[str], as_json: bool, output: Optional[Path]) -> str:
    from ..errors import InputError
    from ..output.formats import choose_format
    from ..scenarios.formats import suffixes

    if as_json:
        if given not in (None, "json"):
            raise InputError(f"--json and --format {given} disagree; give one of them")
        given = "json"
    return choose_format(output, given, suffixes=suffixes(), what="report", option="--format", default=DEFAULT_RUN_FORMAT)


def _progress(result) -> None:
    mark = {"passed": ".", "failed": "F", "error": "E", "skipped": "s"}[result.status]
    sys.stderr.write(mark)
    sys.stderr.flush()
