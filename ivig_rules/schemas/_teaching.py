"""Schemas of the ``teaching:`` blocks (pathway, safety and vocabulary files), from loading.teaching's tables.

The wording limits are the loader's (``LIMITS``); whether the ids a pathway's block names are
its own rules and steps is lint's question (``teaching-place``), so here they are only ids.
"""

from __future__ import annotations

from typing import Iterable

from ..loading.teaching import (
    DECISION,
    EXCEPTIONS,
    LIMITS,
    PLACEMENT,
    SCREENING_TEACHING,
    TEACHING,
    VOCABULARY_TEACHING,
)
from ..model.teaching import NOTE, PLACES
from ._shapes import choice, id_map, ident, mapping, seq, text

__all__ = ["pathway_teaching", "screening_teaching", "vocabulary_teaching"]


def words(limit: str, doc: str = "") -> dict:
    """Diagram wording: text no longer than the loader's limit for it."""
    return text(LIMITS[limit], doc=f"{doc} At most {LIMITS[limit]} characters." if doc else "")


def _placement() -> dict:
    schema = mapping(
        PLACEMENT,
        {
            "arrow": words("label", "An arrow on the path: the outcome of the step it leaves ('responded')."),
            "exception": words("label", "An arrow of the exceptions panel (IVIG contraindicated, failed, not tolerated)."),
            "note": words("note", "A numbered note, for a rule an arrow cannot show."),
            "end": words("end", "The state an arrow ends in when its rule names no next step."),
        },
        table="loading.teaching.PLACEMENT",
        not_null=PLACES,
    )
    schema["oneOf"] = [{"required": [place]} for place in PLACES]
    schema["if"] = {"required": [NOTE]}
    schema["then"] = {"properties": {"end": {"type": "null"}}}
    return schema


def _decision() -> dict:
    asked = mapping(
        DECISION,
        {
            "after": seq(ident(), allow_single=True, nonempty=True, doc="The steps (or start) the question follows."),
            "question": words("question"),
        },
        table="loading.teaching.DECISION",
    )
    return {"anyOf": [words("question", "The question asked after this step."), asked],
            "description": "A question, or {after: [steps], question} for one question after several steps."}


def pathway_teaching() -> dict:
    return mapping(
        TEACHING,
        {
            "summary": words("summary", "One sentence for the atlas's front page."),
            "start": words("start", "The clinical state the pathway starts from (box 1)."),
            "title": words("title", "A short title for the slide (default: the pathway's title)."),
            "steps": id_map(words("step"), doc="The words in a step's box, by step id (not for IVIG steps)."),
            "decisions": id_map(_decision(), doc="A question per decision point, keyed by the step it follows."),
            "exceptions": mapping(
                EXCEPTIONS,
                {
                    "title": words("start", "The state of the exceptions panel."),
                    "question": words("question", "The panel's question."),
                    "link": words("label", "The arrow from an IVIG step into the panel."),
                },
                table="loading.teaching.EXCEPTIONS",
                doc="The panel for when IVIG cannot be used.",
            ),
            "rules": id_map(_placement(), doc="Every rule's place, by rule id: arrow, exception or note."),
        },
        table="loading.teaching.TEACHING",
        doc="How the teaching diagram tells these rules (docs/ruleset-format.md, 'The teaching block').",
    )


def screening_teaching() -> dict:
    heading = {**text(LIMITS["heading"]), "description": f"A heading of at most {LIMITS['heading']} characters."}
    return mapping(
        SCREENING_TEACHING,
        {
            "question": words("question", "The safety gate's question (default: Safe to give IVIG?)."),
            "passed": words("label", "The label of the gate's way on (default: yes)."),
            "stopped": words("label", "The label of the gate's stop (default: no)."),
            "rules": id_map(words("phrase"), doc="A short phrase per screening rule, by rule id."),
            "groups": {
                "type": "object",
                "propertyNames": heading,
                "additionalProperties": seq(ident(), nonempty=True),
                "description": "Headings, each listing the screening rules its note gathers.",
            },
        },
        table="loading.teaching.SCREENING_TEACHING",
        doc="How the teaching diagrams draw the safety gate.",
    )


def vocabulary_teaching(verdicts: Iterable[str]) -> dict:
    verdicts = list(verdicts)
    return mapping(
        VOCABULARY_TEACHING,
        {
            "verdicts": {
                "type": "object",
                "propertyNames": choice(verdicts),
                "additionalProperties": words("verdict"),
                "description": "How an IVIG box words each verdict (Give IVIG, Consider IVIG).",
            },
            "evidence": id_map(words("evidence"), doc="How an IVIG box words each evidence level of this file."),
        },
        table="loading.teaching.VOCABULARY_TEACHING",
        doc="How the teaching diagrams word verdicts and evidence levels.",
    )
