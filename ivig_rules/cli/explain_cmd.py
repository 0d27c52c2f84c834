"""``ivig-rules explain``: the rules that decided a patient's recommendation, and why not IVIG."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from .common import EngineName, EngineOption, RulesetsOption, WeightPolicy, WeightPolicyOption, handles_errors


@handles_errors
def explain(
    patient: str = typer.Argument(..., help="Patient file (YAML or JSON, one mapping of facts), or - for standard input."),
    as_json: bool = typer.Option(False, "--json", help="Print the explanation as one JSON object."),
    limit: int = typer.Option(3, "--limit", min=0, help="How many near-miss IVIG rules to list (0: all)."),
    engine: EngineName = EngineOption,
    weight_policy: WeightPolicy = WeightPolicyOption,
    rulesets: Optional[Path] = RulesetsOption,
) -> None:
    """Explain a recommendation: the rules that decided it, and why not IVIG.

    Lists the rules that fired, on which facts and in which order, with citations; when IVIG
    is not recommended, the nearest unmet conditions of the rules that would recommend it.
    Exit 0 after an explanation, 2 when the facts are invalid, 3 when no rule decides (a gap
    in the rules), after the explanation.

    Examples:
    ivig-rules explain patient.yaml
    ivig-rules explain patient.yaml --limit 0 --json
    """
    from .. import marked_yaml
    from .._reader import root
    from ..errors import PatientError
    from ..evaluator import Evaluator
    from ..explain import explain as explain_patient
    from ..explain import given_facts
    from ..explain_text import to_text
    from ..patient import parse_patient

    with Evaluator(rulesets, engine=engine.value, weight_policy=weight_policy.value) as evaluator:
        data = marked_yaml.read_file(patient)
        name = "<stdin>" if patient == "-" else patient
        parsed = parse_patient(root(data, name, PatientError), evaluator.vocabulary)
        explanation = explain_patient(evaluator, parsed, given=given_facts(data), limit=limit)
    if as_json:
        typer.echo(json.dumps(explanation.to_dict(), indent=2, default=str))
    else:
        typer.echo(to_text(explanation, evaluator.vocabulary))
    raise typer.Exit(3 if explanation.recommendation is None else 0)
