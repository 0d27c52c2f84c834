"""``ivig-rules run``: check scenario files against the rules (the QA team's daily tool)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from .common import EngineName, EngineOption, RulesetsOption, WeightPolicy, WeightPolicyOption, handles_errors, write_output


@handles_errors
def run(
    paths: List[Path] = typer.Argument(..., help="Scenario files or folders (searched recursively for *.yaml)."),
    as_json: bool = typer.Option(False, "--json", help="Print the results as one JSON object."),
    junit: Optional[Path] = typer.Option(None, "--junit", help="Also write JUnit XML to this file (for CI).", dir_okay=False),
    tag: List[str] = typer.Option([], "--tag", help="Run only scenarios with this tag (repeatable)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every scenario, not only the failures."),
    engine: EngineName = EngineOption,
    weight_policy: WeightPolicy = WeightPolicyOption,
    rulesets: Optional[Path] = RulesetsOption,
) -> None:
    """Run scenarios: exit 0 when all pass, 1 when any fails, 2 on invalid input.

    Example: ivig-rules run scenarios/ --junit results.xml
    """
    from ..evaluator import Evaluator
    from ..run_report import to_json, to_junit, to_text
    from ..runner import load_scenarios, run_scenarios

    with Evaluator(rulesets, engine=engine.value, weight_policy=weight_policy.value) as evaluator:
        files, scenarios = load_scenarios(paths, evaluator.vocabulary)
        progress = _progress if sys.stderr.isatty() and not as_json else None
        report = run_scenarios(scenarios, evaluator, files=files, tags=tag, progress=progress)
    if progress:
        sys.stderr.write("\n")
    if junit is not None:
        write_output(to_junit(report), junit)
    typer.echo(to_json(report) if as_json else to_text(report, verbose=verbose))
    if not report.results:
        typer.echo("ivig-rules: no scenario was run (check --tag)", err=True)
    raise typer.Exit(0 if report.ok else 1)


def _progress(result) -> None:
    mark = {"passed": ".", "failed": "F", "error": "E", "skipped": "s"}[result.status]
    sys.stderr.write(mark)
    sys.stderr.flush()
