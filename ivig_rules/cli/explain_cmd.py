"""``ivig-rules explain``: the rules that decided a patient's recommendation, and why not IVIG."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from .common import EngineName, EngineOption, RulesetsOption, WeightPolicy, WeightPolicyOption, handles_errors


@handles_errors
def explain(
    patient: str = typer.Argument(..., help="Patient file (YAML or JSON, one mapping of facts, or a FHIR R4 Bundle), or - for standard input."),
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
    from ..evaluation.evaluator import Evaluator
    from ..analysis.explain import explain as explain_patient
    from ..analysis.explain_text import to_text
    from ..fhir.input import read_patient_input

    with Evaluator(rulesets, engine=engine.value, weight_policy=weight_policy.value) as evaluator:
        parsed, given, reading = read_patient_input(patient, evaluator)
        explanation = explain_patient(evaluator, parsed, given=given, limit=limit)
    if as_json:
        data = explanation.to_dict()
        if reading is not None:
            data["input"] = reading.to_dict()
        typer.echo(json.dumps(data, indent=2, default=str))
    else:
        typer.echo(to_text(explanation, evaluator.vocabulary))
        if reading is not None:
            from ..fhir.text import reading_text

            typer.echo(reading_text(reading))
    raise typer.Exit(3 if explanation.recommendation is None else 0)
