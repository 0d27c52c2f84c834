"""Schemas of pathway files (rulesets/pathways/*.yaml) and of the safety screening (safety.yaml).

Built from loading.rulesets's key tables and the vocabulary: facts, values, therapies, statuses,
alerts, evidence levels, monitoring and administration ids and sources are listed, so an editor
completes them. Ids defined in the file itself (steps, doses, rules) are checked as ids only;
that they exist is the loader's check (see :mod:`ivig_rules.schemas.limits`).
"""

from __future__ import annotations

from ..model import DOSE_BASES, OPERATORS, PHASES, SCREENING_VERDICTS, STEP_START, FactSpec, Vocabulary
from ..loading.rulesets import (
    AMOUNT_RANGE,
    COMBINATORS,
    DOSE,
    ORDERED_OPERATORS,
    PATHWAY_FILE,
    PATHWAY_HEADER,
    PATHWAY_OUTCOME,
    PATHWAY_RULE,
    PATHWAY_STATUSES,
    PATHWAY_VERDICTS,
    REVIEW,
    SCREENED_VERDICTS,
    SCREENING_FILE,
    SCREENING_HEADER,
    SCREENING_OUTCOME,
    SCREENING_RULE,
    STEP,
    WEIGHT_BASES,
)
from ._citations import citation, citations
from ._context import Rulesets
from ._shapes import anything, boolean, choice, date, flag, id_map, ident, mapping, number, ref, seq, text
from ._teaching import pathway_teaching, screening_teaching

__all__ = ["pathway_schema", "safety_schema", "condition"]

_PROSE = 4000  # loading.rulesets._prose: notes, descriptions, summaries


def _prose(doc: str) -> dict:
    return text(_PROSE, doc=doc)


def _ids(table, doc: str) -> dict:
    """A list of ids of a vocabulary table (alerts, monitoring, administration), or one id on its own."""
    return seq(choice(list(table), labels=_words(table)), allow_single=True, doc=doc)


def _words(table) -> dict[str, str]:
    """What an editor shows beside each id: an alert's message, an advice's text, a conflict's summary."""
    return {key: getattr(entry, "message", "") or getattr(entry, "text", "") or getattr(entry, "summary", "")
            for key, entry in table.items()}


def _labels(terms) -> dict[str, str]:
    return {key: term.label for key, term in terms.items()}


# -- conditions ---------------------------------------------------------------------------------


def _operand(spec: FactSpec) -> dict:
    if spec.type == "enum":
        return choice(spec.values)
    if spec.type == "boolean":
        return flag(spec.allows_unknown)
    return number(spec.minimum, spec.maximum, unit=spec.unit or "")


def _fact_test(spec: FactSpec) -> dict:
    about = " ".join(spec.description.split())
    if spec.type == "text":
        return {"not": {}, "description": f"{about} Free text: rules cannot test it."}
    value = _operand(spec)
    operators = {}
    for op in OPERATORS:
        if op in ("in", "not_in"):
            if spec.type != "number":
                operators[op] = seq(value, nonempty=True)
        elif op not in ORDERED_OPERATORS or spec.type == "number":
            operators[op] = value
    tests = {"type": "object", "properties": operators, "additionalProperties": False, "minProperties": 1}
    return {"anyOf": [value, tests], "description": f"{about} A value, or comparisons: {', '.join(operators)}."}


def condition(vocab: Vocabulary) -> dict:
    """``when:``: a mapping of fact tests (all must hold), all/any/not, or a list (all)."""
    properties = {name: _fact_test(spec) for name, spec in vocab.rule_facts().items()}
    all_, any_, not_ = COMBINATORS
    properties[all_] = seq(ref("condition"), nonempty=True, doc="Every condition of the list holds.")
    properties[any_] = seq(ref("condition"), nonempty=True, doc="At least one condition of the list holds.")
    properties[not_] = ref("condition", doc="The condition does not hold.")
    return {
        "type": ["object", "array"],
        "items": ref("condition"),
        "properties": properties,
        "additionalProperties": False,
        "minProperties": 1,
        "description": "A condition: facts and their values (all must hold), all/any/not, or a list (all).",
    }


# -- pieces of a pathway ------------------------------------------------------------------------


def _amount(limits: tuple[float, float], *, integer: bool = False, unit: str = "", doc: str = "") -> dict:
    value = number(limits[0], limits[1], integer=integer, unit=unit)
    ranged = mapping(
        AMOUNT_RANGE,
        {"default": value, "min": value, "max": value},
        table="loading.rulesets.AMOUNT_RANGE",
        doc="A range: the default, and the lowest and highest the source allows.",
    )
    return {"anyOf": [value, ranged], "description": f"{doc} A number, or {{default, min, max}}."}


def _dose(vocab: Vocabulary) -> dict:
    limits = vocab.dose_limits
    schema = mapping(
        DOSE,
        {
            "therapy": choice(list(vocab.therapies), labels=_labels(vocab.therapies), doc="The therapy dosed."),
            "phase": choice(PHASES, doc="induction, or maintenance (which needs interval_weeks)."),
            "g_per_kg": _amount(limits["g_per_kg"], unit="g/kg", doc="Grams per kg of dosing weight."),
            "per": choice(DOSE_BASES, doc="What g_per_kg is given per: a whole course, a day or an infusion."),
            "days": _amount(limits["days"], integer=True, unit="days", doc="Days the dose is spread over."),
            "cite": citations(),
            "interval_weeks": _amount(limits["interval_weeks"], unit="weeks", doc="Weeks between maintenance courses."),
            "max_g_per_day": number(*limits["max_g_per_day"], unit="g", doc="A cap on grams per day."),
            "weight_basis": choice(WEIGHT_BASES, doc="policy (the dosing-weight policy, default) or actual weight."),
            "then": _prose("What follows the dose (a taper, say)."),
            "notes": _prose("How the default was chosen, where the source gives a range."),
        },
        table="loading.rulesets.DOSE",
        doc="A dose regimen.",
    )
    schema["if"] = {"properties": {"phase": {"const": "maintenance"}}, "required": ["phase"]}
    schema["then"] = {"required": ["interval_weeks"], "properties": {"interval_weeks": {"not": {"type": "null"}}}}
    return schema


def _step(vocab: Vocabulary) -> dict:
    therapies = choice(list(vocab.therapies), labels=_labels(vocab.therapies))
    return mapping(
        STEP,
        {
            "therapy": {**therapies, "description": "The therapy this step gives."},
            "line": number(1, 9, integer=True, doc="Line of therapy."),
            "label": text(120, doc="The step's name."),
            "cite": citations(),
            "dose": ident(doc="A dose id of this file's doses."),
            "with": seq(therapies, allow_single=True, doc="Therapies given together with this one."),
            "notes": _prose("Notes for the reader."),
            "final": boolean(doc="true where the pathway ends here by design."),
            "review": mapping(REVIEW, {"text": _prose("When and how the response is judged."), "cite": citations()},
                              table="loading.rulesets.REVIEW", doc="The response review."),
            "monitoring": _ids(vocab.monitoring, "Monitoring ids of the vocabulary, for this step."),
            "administration": _ids(vocab.administration, "Administration ids of the vocabulary, for this step."),
        },
        table="loading.rulesets.STEP",
        doc="A step of the pathway: the therapy given.",
    )


def _rule_fields(vocab: Vocabulary) -> dict:
    return {
        "id": ident(doc="The rule's id, unique in the file."),
        "then": ref("outcome"),
        "cite": citations(),
        "when": ref("condition", doc="When the rule applies (left out: always)."),
        "evidence": choice(list(vocab.evidence_levels), labels=_labels(vocab.evidence_levels),
                           doc="The evidence level of the cited source."),
        "notes": _prose("What the sources do and do not say."),
        "description": _prose("The rule in words."),
    }


def _verdicts(allowed, vocab: Vocabulary) -> dict:
    return choice(allowed, labels={v: vocab.verdicts[v].label for v in allowed if v in vocab.verdicts},
                  doc="The IVIG verdict.")


def _pathway_defs(vocab: Vocabulary, sources) -> dict:
    from_steps = choice([STEP_START])
    position = {"anyOf": [from_steps, ident()], "description": "start, or a step id of this file."}
    return {
        "header": _pathway_header(vocab),
        "step": _step(vocab),
        "dose": _dose(vocab),
        "rule": mapping(
            PATHWAY_RULE,
            {
                **_rule_fields(vocab),
                "from": seq(position, allow_single=True, nonempty=True,
                            doc="Where the decision is taken: start or a step id (or a list)."),
            },
            table="loading.rulesets.PATHWAY_RULE",
        ),
        "outcome": mapping(
            PATHWAY_OUTCOME,
            {
                "ivig": _verdicts(PATHWAY_VERDICTS, vocab),
                "next_step": ident(doc="A step id of this file."),
                "dose": ident(doc="A dose id of this file (overrides the step's)."),
                "alerts": _ids(vocab.alerts, "Alert ids of the vocabulary."),
            },
            table="loading.rulesets.PATHWAY_OUTCOME",
            doc="What the rule decides.",
            min_properties=1,
        ),
        "condition": condition(vocab),
        "citation": citation(sources),
        "teaching": pathway_teaching(),
    }


def _pathway_header(vocab: Vocabulary) -> dict:
    diagnoses = vocab.facts["diagnosis"].values
    return mapping(
        PATHWAY_HEADER,
        {
            "id": ident(doc="The pathway's id, unique in the folder."),
            "title": text(200),
            "version": text(40, doc="The version, as text in quotes (\"1.0.0\")."),
            "diagnosis": choice(diagnoses, doc="The diagnosis this pathway treats (one pathway per diagnosis)."),
            "status": choice(PATHWAY_STATUSES),
            "last_reviewed": date(),
            "sources": seq(choice(list(vocab.sources)), allow_single=True, nonempty=True,
                           doc="Source ids of sources.yaml."),
            "review_due": date(doc="When the next review is due (default: a year after last_reviewed)."),
            "summary": _prose("One paragraph for the atlas."),
            "notes": _prose("Where the sources are thin, silent or disagree."),
        },
        table="loading.rulesets.PATHWAY_HEADER",
    )


def pathway_schema(rulesets: Rulesets) -> tuple[dict, dict]:
    """The pathway file's root schema and its ``$defs``."""
    vocab = rulesets.vocab
    steps = id_map(ref("step"), key={**ident(), "not": {"const": STEP_START}}, nonempty=True,
                   doc="The steps of the pathway, by id ('start' is reserved).")
    root = mapping(
        PATHWAY_FILE,
        {
            "pathway": ref("header"),
            "steps": steps,
            "rules": {
                **seq(ref("rule"), nonempty=True, doc="The rules, in order: the first that decides wins."),
                "contains": {"properties": {"then": {"properties": {"ivig": {"type": "string"}}, "required": ["ivig"]}}},
            },
            "doses": id_map(ref("dose"), doc="Dose regimens, by id."),
            "aliases": anything(doc="YAML anchors to reuse (&name), ignored otherwise."),
            "teaching": ref("teaching"),
        },
        table="loading.rulesets.PATHWAY_FILE",
    )
    return root, _pathway_defs(vocab, rulesets.sources)


def safety_schema(rulesets: Rulesets) -> tuple[dict, dict]:
    """The safety screening file's root schema and its ``$defs``."""
    vocab = rulesets.vocab
    outcome = mapping(
        SCREENING_OUTCOME,
        {
            "ivig": _verdicts(SCREENING_VERDICTS, vocab),
            "alerts": _ids(vocab.alerts, "Alert ids of the vocabulary."),
            "conflict": choice(list(vocab.conflicts), labels=_words(vocab.conflicts),
                               doc="The conflict of the vocabulary (with specialist_review)."),
            "monitoring": _ids(vocab.monitoring, "Monitoring ids of the vocabulary."),
            "administration": _ids(vocab.administration, "Administration ids of the vocabulary."),
        },
        table="loading.rulesets.SCREENING_OUTCOME",
        doc="What the screening rule adds; a conflict is named exactly when IVIG is specialist_review.",
        min_properties=1,
    )
    outcome["if"] = {"properties": {"ivig": {"const": "specialist_review"}}, "required": ["ivig"]}
    outcome["then"] = {"required": ["conflict"], "properties": {"conflict": {"type": "string"}}}
    outcome["else"] = {"properties": {"conflict": {"type": "null"}}}
    header = mapping(
        SCREENING_HEADER,
        {
            "id": ident(),
            "title": text(200),
            "version": text(40, doc="The version, as text in quotes (\"1.0.0\")."),
            "applies_to": seq(choice(SCREENED_VERDICTS), allow_single=True, nonempty=True,
                              doc="The pathway verdicts the screening applies to."),
            "notes": _prose("Notes for the reader."),
        },
        table="loading.rulesets.SCREENING_HEADER",
    )
    root = mapping(
        SCREENING_FILE,
        {
            "screening": ref("header"),
            "rules": seq(ref("rule"), nonempty=True, doc="The screening rules."),
            "teaching": ref("teaching"),
        },
        table="loading.rulesets.SCREENING_FILE",
    )
    defs = {
        "header": header,
        "rule": mapping(SCREENING_RULE, _rule_fields(vocab), table="loading.rulesets.SCREENING_RULE"),
        "outcome": outcome,
        "condition": condition(vocab),
        "citation": citation(rulesets.sources),
        "teaching": screening_teaching(),
    }
    return root, defs

