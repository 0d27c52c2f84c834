"""Schemas of patient files (``ivig-rules evaluate PATIENT``) and scenario files (scenarios/*.yaml).

A patient's facts come from the vocabulary, each with its type, range or values, and every
therapy's statuses under ``treatments``, so an editor completes them; the key tables of a
scenario file are scenarios.py's.
"""

from __future__ import annotations

from ..model import VERDICTS, FactSpec, Vocabulary
from ..model.facts import AGE
from ..scenarios.files import (DOSE_EXPECTATION, DOSE_FIELDS, EXPECTATION, REGIMEN_EXPECTATION, REGIMEN_FIELDS,
                              SCENARIO, SCENARIO_FILE)
from ._context import Rulesets
from ._shapes import anything, choice, flag, ident, mapping, nullable, number, ref, seq, text

__all__ = ["patient_schema", "scenario_schema", "patient"]

_TREATMENTS = "treatments"
_TEXT_FACT = 200  # patient.parse_patient: a text fact without max_length takes 200 characters


def _fact(spec: FactSpec) -> dict:
    about = " ".join(spec.description.split())
    if spec.default is not None and not spec.required:
        about += f" Default: {str(spec.default).lower() if isinstance(spec.default, bool) else spec.default}."
    if spec.type == "enum":
        return choice(spec.values, doc=about)
    if spec.type == "boolean":
        return flag(spec.allows_unknown, doc=about)
    if spec.type == "number":
        return number(spec.minimum, spec.maximum, exclusive_minimum=spec.exclusive_minimum, unit=spec.unit or "",
                      doc=about)
    return text(spec.max_length or _TEXT_FACT, doc=about)


def _treatments(vocab: Vocabulary) -> dict:
    labels = {key: term.label for key, term in vocab.statuses.items()}
    return {
        "type": "object",
        "properties": {
            therapy: choice(vocab.statuses_for(therapy), labels=labels, doc=f"The status of {term.label}.")
            for therapy, term in vocab.therapies.items()
        },
        "additionalProperties": False,
        "description": f"Each therapy's status (left out: {vocab.default_status}).",
    }


def _requires(vocab: Vocabulary, *, partial: bool) -> list[dict]:
    """A true flag that needs other facts (pregnant needs sex: female)."""
    rules = []
    for name, spec in vocab.facts.items():
        for other, needed in spec.requires:
            other_spec = vocab.facts.get(other)
            if other_spec is None:
                continue
            then: dict = {"properties": {other: {"const": needed}}}
            if other_spec.default == needed:
                then["properties"][other] = {"enum": [needed, None]}
            elif not partial:
                then["required"] = [other]
            rules.append({"if": {"properties": {name: {"const": True}}, "required": [name]}, "then": then})
    return rules


def patient(vocab: Vocabulary, *, partial: bool = False) -> dict:
    """A patient's facts (``partial``: a scenario's, which base_patient may complete)."""
    properties = {}
    for name, spec in vocab.facts.items():
        properties[name] = _fact(spec) if spec.required else nullable(_fact(spec))
    properties[_TREATMENTS] = _treatments(vocab)
    schema: dict = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "description": "A patient: facts of the vocabulary, and each therapy's status under treatments.",
    }
    required = [name for name, spec in vocab.facts.items() if spec.required]
    if required and not partial:
        schema["required"] = required
    requires = _requires(vocab, partial=partial) + _age_refusals(vocab)
    if requires:
        schema["allOf"] = requires
    return schema


def _age_refusals(vocab: Vocabulary) -> list[dict]:
    """The ages at which a fact's value is refused (``age_plausibility``), where both are given."""
    rules = []
    for check in vocab.age_checks:
        bounds = {}
        if check.refuse_below is not None:
            bounds["minimum"] = check.refuse_below
        if check.refuse_from is not None:
            bounds["exclusiveMaximum"] = check.refuse_from
        if bounds:
            rules.append({"if": {"properties": {check.fact: {"const": check.value}, AGE: {"type": "number"}},
                                 "required": [check.fact, AGE]},
                          "then": {"properties": {AGE: bounds}}})
    return rules


def patient_schema(rulesets: Rulesets) -> tuple[dict, dict]:
    return patient(rulesets.vocab), {}


# -- scenarios ----------------------------------------------------------------------------------


def _figures_expectation(keys, names: tuple[str, ...], table: str, doc: str) -> dict:
    field = {
        "type": ["number", "string", "array", "null"],
        "minimum": number()["minimum"],
        "maximum": number()["maximum"],
        "items": number(),
        "description": "The expected value: a number, a list of numbers, text, or null.",
    }
    return mapping(keys, {name: field for name in names}, table=table, not_null=names, doc=doc)


def _expectation(vocab: Vocabulary) -> dict:
    verdict = choice(VERDICTS, labels={v: t.label for v, t in vocab.verdicts.items()})
    alerts = choice(list(vocab.alerts))
    fields = {
        "ivig": seq(verdict, allow_single=True, nonempty=True, doc="The verdict, or a list of acceptable ones."),
        "next_step": choice(list(vocab.therapies), doc="The next step's therapy, or null for none."),
        "step": text(200, doc="The step id, or null."),
        "line": number(1, 9, integer=True, doc="The line of therapy, or null."),
        "with": seq(choice(list(vocab.therapies)), allow_single=True, doc="Therapies given with the next step."),
        "dose": _figures_expectation(DOSE_EXPECTATION, DOSE_FIELDS, "scenarios.files.DOSE_EXPECTATION",
                                     "Dose fields to check (any subset)."),
        "regimen": _figures_expectation(REGIMEN_EXPECTATION, REGIMEN_FIELDS, "scenarios.files.REGIMEN_EXPECTATION",
                                        "Regimen fields, per kg, to check (any subset)."),
        "alerts": seq(alerts, allow_single=True, doc="Alerts that must be present."),
        "no_alerts": seq(alerts, allow_single=True, doc="Alerts that must be absent."),
        "alert_text": {
            "type": "object",
            "propertyNames": alerts,
            "additionalProperties": text(500),
            "description": "Alert id -> words its message must contain.",
        },
        "evidence": choice(list(vocab.evidence_levels), doc="The evidence level, or null."),
        "decided_by": text(200, doc="The deciding rule (pathway.rule_id), or null."),
        "pathway_verdict": {**verdict, "description": "The pathway's own verdict before the safety screening."},
        "conflicts": seq(choice(list(vocab.conflicts)), allow_single=True, doc="Exactly these conflict ids."),
        "not_recorded": seq(choice(list(vocab.facts)), allow_single=True,
                            doc="Exactly these facts listed as not recorded."),
        "review": text(500, doc="Words the response review must contain, or null for no review."),
        "monitoring": seq(choice(list(vocab.monitoring)), allow_single=True, doc="Monitoring ids that must be present."),
        "administration": seq(choice(list(vocab.administration)), allow_single=True,
                              doc="Administration ids that must be present."),
        "citations": seq(text(500), allow_single=True, nonempty=True,
                         doc="Words some citation's readable text must contain."),
        "no_citations": seq(text(500), allow_single=True, nonempty=True,
                            doc="Words no citation's readable text may contain."),
    }
    nullable_fields = {"next_step", "step", "line", "dose", "regimen", "evidence", "decided_by", "review"}
    return mapping(
        EXPECTATION,
        fields,
        table="scenarios.files.EXPECTATION",
        not_null=[key for key in EXPECTATION.known if key not in nullable_fields],
        doc="What the recommendation must be; only the fields given are checked.",
        min_properties=1,
    )


def _scenario() -> dict:
    bundle = {
        "anyOf": [text(500, doc="A Bundle file beside this one."),
                  {"type": "object", "description": "An inline FHIR R4 Bundle."}],
        "description": "The patient as a FHIR R4 Bundle: a file name beside this file, or the Bundle inline.",
    }
    schema = mapping(
        SCENARIO,
        {
            "name": text(200, doc="The scenario's name, unique in the file."),
            "expect": ref("expectation"),
            "patient": ref("scenario_patient"),
            "fhir": bundle,
            "tags": seq(ident(), allow_single=True, doc="Tags to select scenarios with (--tag)."),
            "skip": text(500, doc="Why the scenario is skipped."),
            "description": anything(doc="What the scenario is about."),
        },
        table="scenarios.files.SCENARIO",
        not_null=["patient", "fhir", "skip"],
    )
    schema["oneOf"] = [{"required": ["patient"]}, {"required": ["fhir"]}]
    return schema


def scenario_schema(rulesets: Rulesets) -> tuple[dict, dict]:
    vocab = rulesets.vocab
    root = mapping(
        SCENARIO_FILE,
        {
            "scenarios": seq(ref("scenario"), nonempty=True, doc="The scenarios."),
            "base_patient": ref("scenario_patient", doc="Facts every scenario's patient extends."),
            "description": anything(doc="What the file's scenarios are about."),
        },
        table="scenarios.files.SCENARIO_FILE",
    )
    root["allOf"] = [_needed_somewhere(name) for name, spec in vocab.facts.items() if spec.required]
    defs = {
        "scenario": _scenario(),
        "expectation": _expectation(vocab),
        "scenario_patient": patient(vocab, partial=True),
    }
    return root, defs


def _needed_somewhere(fact: str) -> dict:
    """A required fact that base_patient does not give must be in every scenario's patient."""
    given = {"properties": {"base_patient": {"type": "object", "required": [fact]}}, "required": ["base_patient"]}
    each = {"properties": {"scenarios": {"items": {"properties": {"patient": {"required": [fact]}}}}}}
    return {"if": {"not": given}, "then": each}
