"""``ivig-rules diff``: which patients a rules change affects, grouped by the rules that cause it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from .common import engine_option, handles_errors, rulesets_option


@handles_errors
def diff(
    old: Path = typer.Argument(..., help="The old rulesets folder (or pathway file)."),
    new: Path = typer.Argument(..., help="The new rulesets folder (or pathway file)."),
    scenarios: List[Path] = typer.Option(
        [], "--scenarios", metavar="PATH", help="Also compare these scenario files or folders (repeatable)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the changes as one JSON object."),
    engine: str = engine_option("reference", purpose="Rules engine for both sides (reference is fast)"),
    rulesets: Optional[Path] = rulesets_option(
        "For an OLD or NEW pathway file outside any rulesets folder: the folder whose vocabulary and safety screening it is read with"
    ),
) -> None:
    """Compare two versions of the rules: which patients get another answer, and why.

    Every patient of each pathway's fact space (and every scenario given) is evaluated on both
    sides; each one whose verdict, next step, dose or alerts change is reported, grouped by
    old deciding rule -> new deciding rule. Exit 0 no change, 1 changes, 2 invalid input.

    Examples:
    cp -r rulesets /tmp/old-rulesets
    ivig-rules diff /tmp/old-rulesets rulesets/ --scenarios scenarios/
    ivig-rules diff /tmp/old-rulesets rulesets/ --json --engine durable
    """
    from ..analysis.diff_text import to_text
    from ..scenarios.runner import load_scenarios
    from ..analysis.diff import load_side, semantic_diff

    before = load_side(old, rulesets)
    after = load_side(new, rulesets)
    cases = load_scenarios(scenarios, after.vocabulary)[1] if scenarios else []
    report = semantic_diff(before, after, scenarios=cases, engine=engine, old_label=str(old), new_label=str(new))
    typer.echo(json.dumps(report.to_dict(), indent=2) if as_json else to_text(report))
    raise typer.Exit(report.exit_code)
