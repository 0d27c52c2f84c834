"""Schemas of the data dictionary (vocabulary.yaml) and of the source registry (sources.yaml).

Built from vocabulary.py's key tables. The vocabulary defines the names every other file uses,
so its schema lists only what comes from elsewhere: the sources its citations name, the fixed
verdicts and severities. Names it defines and uses itself ('not_for', 'requires', the default
status) are checked as ids; that they exist is the loader's check.
"""

from __future__ import annotations

from ..model import DOSE_LIMIT_FIELDS, LARGEST_NUMBER, SEVERITIES, VERDICTS
from ..model.facts import ENGINE_TREATMENT_PREFIX
from ..loading.vocabulary import (
    AGE_CHECK,
    ADVICE,
    ALERT,
    CONFLICT,
    DOSE_LIMITS,
    FACT,
    FACT_TYPES,
    LIMIT,
    POSITION,
    REFERENCE,
    REQUIRED_FACTS,
    SECTION,
    SECTION_ID,
    SOURCE,
    SOURCE_KINDS,
    SOURCES_FILE,
    STATUS_TERM,
    STATUSES,
    TERM,
    VACCINE_INTERVAL,
    VOCABULARY_FILE,
    VOCABULARY_HEADER,
)
from ._citations import citation, citations
from ._context import Rulesets
from ._shapes import anything, boolean, choice, flag, id_map, ident, mapping, number, ref, seq, text
from ._teaching import vocabulary_teaching

__all__ = ["vocabulary_schema", "sources_schema"]


def _terms(keys, table: str, doc: str, *, nonempty: bool = True) -> dict:
    term = mapping(
        keys,
        {
            "label": text(doc="What outputs call it."),
            "description": text(doc="What it means."),
            **({"not_for": seq(ident(), allow_single=True, doc="Therapies this status cannot be given for.")}
               if "not_for" in keys.known else {}),
        },
        table=table,
    )
    return id_map(term, nonempty=nonempty, doc=doc)


def _fact() -> dict:
    bound = {"type": "number", "exclusiveMinimum": -LARGEST_NUMBER, "exclusiveMaximum": LARGEST_NUMBER}
    schema = mapping(
        FACT,
        {
            "type": choice(FACT_TYPES, doc="enum (a choice), number, boolean (true/false) or text."),
            "description": text(doc="What the fact means, for people filling it in."),
            "values": anything(doc="The choices of an enum fact (ids)."),
            "minimum": {**bound, "description": "The smallest value a patient may have (number facts)."},
            "maximum": {**bound, "description": "The largest value a patient may have (number facts)."},
            "exclusive_minimum": boolean(doc="true: the minimum itself is refused."),
            "default": anything(doc="The value of a patient who leaves the fact out."),
            "required": boolean(doc="true: every patient must give it."),
            "unit": text(doc="The unit of a number fact."),
            "max_length": number(1, integer=True, doc="The longest text a text fact takes."),
            "requires": anything(doc="For true/false facts: other facts a true value needs ({sex: female})."),
        },
        table="loading.vocabulary.FACT",
        doc="A patient fact.",
    )
    by_type = {
        "enum": {
            "required": ["values"],
            "properties": {
                "values": seq(ident(), nonempty=True),
                "default": {"type": ["string", "null"]},
            },
        },
        "number": {
            "required": ["minimum", "maximum"],
            "properties": {
                "minimum": {"type": "number"},
                "maximum": {"type": "number"},
                "default": {"type": ["number", "null"]},
            },
        },
        "boolean": {"properties": {"default": {"anyOf": [flag(True), {"type": "null"}]},
                                   "requires": {"type": ["object", "null"]}}},
        "text": {"properties": {"default": {"anyOf": [text(), {"type": "null"}]}}},
    }
    schema["allOf"] = [
        {"if": {"properties": {"type": {"const": kind}}, "required": ["type"]}, "then": then}
        for kind, then in by_type.items()
    ]
    schema["allOf"].append({
        "if": {"properties": {"type": {"not": {"const": "boolean"}}}},
        "then": {"properties": {"requires": {"type": "null"}}},
    })
    return schema


def _alert() -> dict:
    interval = mapping(
        VACCINE_INTERVAL,
        {
            "up_to_g_per_kg": number(0, 10, exclusive_minimum=True, unit="g/kg", doc="Doses up to this many g/kg."),
            "months": number(0, 36, integer=True, doc="Months to wait before the vaccine."),
        },
        table="loading.vocabulary.VACCINE_INTERVAL",
    )
    return mapping(
        ALERT,
        {
            "severity": choice(SEVERITIES),
            "message": text(doc="What the alert says."),
            "cite": citations(),
            "vaccine_intervals": seq(interval, nonempty=True, doc="Intervals, from the smallest dose up."),
            "notes": text(doc="Notes for the reader."),
            "child_message": text(doc="Said instead of the message for patients under 18."),
        },
        table="loading.vocabulary.ALERT",
        doc="An alert: its severity, message and citations.",
    )


def _advice(what: str) -> dict:
    item = mapping(
        ADVICE,
        {"text": text(doc=f"The {what} advice."), "cite": citations(), "notes": text(doc="Notes for the reader.")},
        table="loading.vocabulary.ADVICE",
    )
    return id_map(item, doc=f"{what.capitalize()} advice, by id.")


def _conflicts() -> dict:
    position = mapping(
        POSITION,
        {"says": text(doc="What this side says."), "cite": citations()},
        table="loading.vocabulary.POSITION",
    )
    conflict = mapping(
        CONFLICT,
        {
            "summary": text(doc="The disagreement in one sentence."),
            "positions": seq(position, nonempty=True, doc="What each side says, with its citations."),
            "notes": text(doc="Notes for the reader."),
        },
        table="loading.vocabulary.CONFLICT",
    )
    return id_map(conflict, doc="Where the sources disagree, by id.")


def _dose_limits() -> dict:
    limit = mapping(
        LIMIT,
        {
            "minimum": number(0, exclusive_minimum=True, doc="The smallest plausible amount."),
            "maximum": number(0, exclusive_minimum=True, doc="The largest plausible amount (at least the minimum)."),
        },
        table="loading.vocabulary.LIMIT",
    )
    return mapping(DOSE_LIMITS, {name: limit for name in DOSE_LIMIT_FIELDS}, table="loading.vocabulary.DOSE_LIMITS",
                   doc="The plausible range of each amount of a dose regimen.")


def _age_plausibility() -> dict:
    age = number(0, 130, doc="An age in years.")
    check = mapping(
        AGE_CHECK,
        {
            "fact": ident(doc="The fact whose value is checked against the age."),
            "value": anything(doc="The value of that fact the check is about (an enum value, or true/false)."),
            "reason": text(doc="Why the combination is absurd or unusual, in words; the refusal quotes it."),
            "refuse_below": {**age, "description": "Refused under this age."},
            "refuse_from": {**age, "description": "Refused at this age or older."},
            "warn_below": {**age, "description": "Answered with the alert under this age."},
            "warn_from": {**age, "description": "Answered with the alert at this age or older."},
            "alert": ident(doc="The alert that is the warning (with warn_below or warn_from)."),
        },
        table="loading.vocabulary.AGE_CHECK",
    )
    return seq(check, doc="Ages at which a fact's value is refused (absurd) or warned about (unusual).")


def vocabulary_schema(rulesets: Rulesets) -> tuple[dict, dict]:
    """vocabulary.yaml's root schema and its ``$defs`` (its citations name the sources of sources.yaml)."""
    statuses = mapping(
        STATUSES,
        {
            "default": ident(doc="The status of a therapy not given under treatments."),
            "values": _terms(STATUS_TERM, "vocabulary.STATUS_TERM", "The statuses, by id."),
        },
        table="loading.vocabulary.STATUSES",
    )
    verdict = mapping(TERM, {"label": text(), "description": text()}, table="loading.vocabulary.TERM")
    verdicts = {
        "type": "object",
        "properties": {v: verdict for v in VERDICTS},
        "required": list(VERDICTS),
        "additionalProperties": False,
        "description": f"The verdicts, fixed: {', '.join(VERDICTS)} (in this order).",
    }
    fact_name = {**ident(), "not": {"pattern": f"^{ENGINE_TREATMENT_PREFIX}"}}  # the engine's name for treatment statuses
    facts = id_map(_fact(), key=fact_name, doc="Every patient fact, by name.")
    facts["required"] = list(REQUIRED_FACTS)
    root = mapping(
        VOCABULARY_FILE,
        {
            "vocabulary": mapping(VOCABULARY_HEADER, {"version": anything(doc="The vocabulary's version.")},
                                  table="loading.vocabulary.VOCABULARY_HEADER"),
            "facts": facts,
            "therapies": _terms(TERM, "vocabulary.TERM", "The therapies, by id."),
            "statuses": statuses,
            "verdicts": verdicts,
            "evidence_levels": _terms(TERM, "vocabulary.TERM", "The evidence levels, by id."),
            "alerts": id_map(_alert(), doc="Every alert, by id."),
            "dose_limits": _dose_limits(),
            "age_plausibility": _age_plausibility(),
            "monitoring": _advice("monitoring"),
            "administration": _advice("administration"),
            "conflicts": _conflicts(),
            "teaching": vocabulary_teaching(VERDICTS),
        },
        table="loading.vocabulary.VOCABULARY_FILE",
        doc="The data dictionary.",
    )
    return root, {"citation": citation(rulesets.sources)}


def _references() -> dict:
    reference = mapping(
        REFERENCE,
        {
            "n": number(1, 999, integer=True, doc="Its number: 1, 2, 3 ... in order."),
            "authors": text(300),
            "title": text(500),
            "published_in": text(300, doc="Journal, website or publisher."),
            "year": number(1800, 2100, integer=True),
            "details": anything(doc="Volume, issue, pages."),
            "doi": text(200),
            "url": text(500),
        },
        table="loading.vocabulary.REFERENCE",
    )
    return seq(reference, doc="The source's numbered references, in order.")


def sources_schema(rulesets: Rulesets) -> tuple[dict, dict]:
    """sources.yaml's root schema and its ``$defs``."""
    section = mapping(
        SECTION,
        {
            "id": {**text(60), "pattern": SECTION_ID.pattern, "description": "Lower-case letters, digits and hyphens."},
            "title": text(200),
            "references": ref("references"),
        },
        table="loading.vocabulary.SECTION",
    )
    source = mapping(
        SOURCE,
        {
            "id": text(120, doc="How citations name the source."),
            "kind": choice(SOURCE_KINDS, doc="seed (a page the project was built from) or external."),
            "title": text(500),
            "short_title": text(120, doc="The name citations give it (required for seeds)."),
            "publisher": text(300),
            "authors": text(300),
            "published_in": text(300),
            "year": number(1800, 2100, integer=True),
            "url": text(500),
            "doi": text(200),
            "covers": text(2000, doc="What the source covers."),
            "references": ref("references"),
            "sections": seq(section, nonempty=True, doc="Sections that number their references on their own."),
        },
        table="loading.vocabulary.SOURCE",
        doc="A source rules may cite.",
    )
    source["allOf"] = [
        {"if": {"properties": {"kind": {"const": "seed"}}, "required": ["kind"]},
         "then": {"required": ["short_title"], "properties": {"short_title": {"type": "string"}}}},
        {"not": {"required": ["references", "sections"],
                 "properties": {"references": {"type": "array"}, "sections": {"type": "array"}}}},
    ]
    root = mapping(
        SOURCES_FILE,
        {"sources": seq(source, nonempty=True, doc="Every source a rule may cite.")},
        table="loading.vocabulary.SOURCES_FILE",
        doc="The source registry.",
    )
    return root, {"references": _references()}

