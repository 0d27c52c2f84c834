"""``ivig-rules evaluate``: one patient in, one recommendation out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from .common import EngineName, EngineOption, RulesetsOption, WeightPolicy, WeightPolicyOption, handles_errors


@handles_errors
def evaluate(
    patient: str = typer.Argument(..., help="Patient file (YAML or JSON, one mapping of facts), or - for standard input."),
    as_json: bool = typer.Option(False, "--json", help="Print exactly one JSON object instead of the summary."),
    engine: EngineName = EngineOption,
    weight_policy: WeightPolicy = WeightPolicyOption,
    rulesets: Optional[Path] = RulesetsOption,
) -> None:
    """Evaluate one patient and print the IVIG recommendation, dose, alerts and citations.

    Example: ivig-rules evaluate patient.yaml --json
    """
    from ..evaluator import Evaluator
    from ..patient import read_patient
    from ..recommendation_text import to_text

    with Evaluator(rulesets, engine=engine.value, weight_policy=weight_policy.value) as evaluator:
        facts = read_patient(patient, evaluator.vocabulary)
        rec = evaluator.evaluate(facts)
    if as_json:
        data = rec.to_dict()
        data["rulesets"] = evaluator.catalogue.root  # which knowledge base answered
        typer.echo(json.dumps(data, indent=2))
    else:
        typer.echo(to_text(rec, evaluator.vocabulary))
