"""``ivig-rules evaluate``: one patient in, one recommendation out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from .common import EngineName, EngineOption, RulesetsOption, WeightPolicy, WeightPolicyOption, handles_errors


@handles_errors
def evaluate(
    patient: str = typer.Argument(..., help="Patient file (YAML or JSON, one mapping of facts, or a FHIR R4 Bundle), or - for standard input."),
    as_json: bool = typer.Option(False, "--json", help="Print exactly one JSON object instead of the summary."),
    engine: EngineName = EngineOption,
    weight_policy: WeightPolicy = WeightPolicyOption,
    rulesets: Optional[Path] = RulesetsOption,
) -> None:
    """Evaluate one patient: the IVIG recommendation, next step, dose, alerts and citations.

    PATIENT holds one mapping of facts (listed by 'ivig-rules vocabulary'), or a FHIR R4
    Bundle read as rulesets/fhir.yaml says (docs/fhir.md). Exit 0 with an
    answer, 2 when the facts are invalid, 3 when no rule decides (a gap in the rules, never
    guessed over, as is a fact the pathway needs that a FHIR record cannot tell).

    Examples:
    ivig-rules evaluate patient.yaml
    ivig-rules evaluate patient.yaml --json --engine reference
    ivig-rules evaluate - < patient.json
    """
    from ..evaluation.evaluator import Evaluator
    from ..fhir.input import read_patient_input
    from ..evaluation.text import to_text

    with Evaluator(rulesets, engine=engine.value, weight_policy=weight_policy.value) as evaluator:
        facts, _, reading = read_patient_input(patient, evaluator)
        rec = evaluator.evaluate(facts)
    if as_json:
        data = rec.to_dict()
        data["rulesets"] = evaluator.catalogue.root  # which knowledge base answered
        if reading is not None:
            data["input"] = reading.to_dict()  # where each fact came from, and what the record does not say
        typer.echo(json.dumps(data, indent=2))
    else:
        typer.echo(to_text(rec, evaluator.vocabulary))
        if reading is not None:
            from ..fhir.text import reading_text

            typer.echo(reading_text(reading))
