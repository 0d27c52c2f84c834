"""Reads the ``teaching:`` blocks of pathway, safety and vocabulary files into the teaching model.

Shapes, types and every piece of wording (against the length a diagram can show) are checked
here, with the file, line and key, like the rest of the ruleset. Whether a pathway's block
names its own rules and steps, and gives every rule a place, is lint's question
(``teaching-place``, ``teaching-missing``): editing or removing a rule never stops the rules from
loading because of how a diagram tells them. The screening's and vocabulary's blocks name ids of
their own file and are checked here.
"""

from __future__ import annotations

from .cursor import Keys, Node
from ..errors import did_you_mean
from ..model import Rule
from ..model.teaching import (
    NOTE,
    NOTE_LIMIT,
    PLACES,
    ExceptionsWording,
    Placement,
    Question,
    ScreeningTeaching,
    Teaching,
    VocabularyTeaching,
)

__all__ = ["load_teaching", "load_screening_teaching", "load_vocabulary_teaching", "LIMITS"]

LIMITS = {
    "title": 60,
    "summary": 300,
    "start": 48,
    "step": 48,
    "question": 48,
    "label": 40,
    "end": 36,
    "note": NOTE_LIMIT,
    "phrase": 36,
    "heading": 30,
    "evidence": 24,
    "verdict": 20,
}
"""The longest text each piece of teaching wording may have, so that no diagram label, with the
box number, note marker and verdict around it, passes 60 characters."""

# -- the keys of each mapping of a teaching block (the JSON Schemas are built from them)
TEACHING = Keys(("summary", "start"), ("title", "steps", "decisions", "exceptions", "rules"))
PLACEMENT = Keys((), (*PLACES, "end"), "a rule's place: arrow, exception or note")
DECISION = Keys(("after", "question"))
EXCEPTIONS = Keys((), ("title", "question", "link"))
SCREENING_TEACHING = Keys((), ("question", "passed", "stopped", "rules", "groups"))
VOCABULARY_TEACHING = Keys((), ("verdicts", "evidence"))


def _words(node: Node, limit: str) -> str:
    text = " ".join(node.text(max_length=2000).split())
    if len(text) > LIMITS[limit]:
        raise node.error(
            f"{len(text)} characters is too long for a diagram; keep it to {LIMITS[limit]} "
            "(the atlas shows the rule's description and notes in full)"
        )
    return text


def _key(node: Node, key: str, table, what: str) -> None:
    if key not in table:
        shown = ", ".join(table) if len(table) <= 16 else ", ".join(list(table)[:16]) + ", ..."
        raise node.error(f"no {what} {key!r} in this file; {what}s: {shown}.", suggestion=did_you_mean(key, table))


def _placement(rule_id: str, node: Node) -> Placement:
    node.mapping(PLACEMENT)
    given = [p for p in PLACES if node.has(p)]
    if len(given) != 1:
        raise node.error(
            "give exactly one of 'arrow: OUTCOME' (an arrow on the path), 'exception: OUTCOME' (an arrow "
            "of the exceptions panel) or 'note: TEXT' (a numbered note)"
        )
    place = given[0]
    label = _words(node.child(place), NOTE if place == NOTE else "label")
    end = _words(node.child("end"), "end") if node.get("end") is not None else ""
    if place == NOTE and end:
        raise node.child("end").error("a note ends nothing; 'end' goes with an arrow or an exception")
    return Placement(rule_id, place, label, end, node.line)


def _decisions(node: Node) -> tuple[Question, ...]:
    out: list[Question] = []
    taken: dict[str, str] = {}
    for key, child in node.mapping(what="questions by step").items():
        Node(key, node.file, child.path, child.line).ident(what="a step id (or start), or a decision id")
        if isinstance(child.value, dict):
            child.mapping(DECISION)
            after = [item.ident(what="a step id (or start)") for item in child.child("after").seq(allow_single=True, nonempty=True)]
            question = _words(child.child("question"), "question")
        else:
            after, question = [key], _words(child, "question")
        for position in after:
            if position in taken:
                raise child.error(f"{position!r} already has a question (under {taken[position]!r}); one question per step")
            taken[position] = key
        out.append(Question(key, tuple(after), question, child.line))
    return tuple(out)


def _exceptions(node: Node) -> ExceptionsWording:
    node.mapping(EXCEPTIONS)
    default = ExceptionsWording()
    return ExceptionsWording(
        title=_words(node.child("title"), "start") if node.get("title") is not None else default.title,
        question=_words(node.child("question"), "question") if node.get("question") is not None else default.question,
        link=_words(node.child("link"), "label") if node.get("link") is not None else default.link,
        line=node.line,
    )


def load_teaching(node: Node) -> Teaching:
    """A pathway's ``teaching:`` block: its shape, types and lengths. Whether its ids name this
    file's rules and steps, and whether each place fits its rule, is lint's check
    (``teaching-place``), so that editing a rule never stops the rules from loading."""
    node.mapping(TEACHING)
    step_words = {}
    if node.get("steps") is not None:
        for key, child in node.child("steps").mapping(what="box wording by step").items():
            Node(key, node.file, child.path, child.line).ident(what="a step id")
            step_words[key] = _words(child, "step")
    placements = {}
    if node.get("rules") is not None:
        for key, child in node.child("rules").mapping(what="places by rule id").items():
            Node(key, node.file, child.path, child.line).ident(what="a rule id")
            placements[key] = _placement(key, child)
    return Teaching(
        summary=_words(node.child("summary"), "summary"),
        start=_words(node.child("start"), "start"),
        title=_words(node.child("title"), "title") if node.get("title") is not None else "",
        steps=step_words,
        decisions=_decisions(node.child("decisions")) if node.get("decisions") is not None else (),
        exceptions=_exceptions(node.child("exceptions")) if node.get("exceptions") is not None else ExceptionsWording(),
        rules=placements,
        file=node.file,
        line=node.line,
        lines={key: child.line for key, child in node.items()},
    )


def load_screening_teaching(node: Node, rules: list[Rule]) -> ScreeningTeaching:
    """The safety file's ``teaching:`` block: the gate's question and exits, a phrase per rule."""
    node.mapping(SCREENING_TEACHING)
    default = ScreeningTeaching()
    phrases = {}
    ids = [rule.id for rule in rules]
    if node.get("rules") is not None:
        for key, child in node.child("rules").mapping(what="a phrase per screening rule").items():
            _key(child, key, ids, "screening rule")
            phrases[key] = _words(child, "phrase")
    groups = []
    grouped: dict[str, str] = {}
    if node.get("groups") is not None:
        for heading, child in node.child("groups").mapping(what="rule ids by the heading of their note").items():
            _words(Node(heading, node.file, child.path, child.line), "heading")
            members = []
            for item in child.seq(what="screening rule ids", nonempty=True):
                rule_id = item.choice(ids, what="screening rule")
                if rule_id in grouped:
                    raise item.error(f"{rule_id!r} is already under {grouped[rule_id]!r}; one group per rule")
                grouped[rule_id] = heading
                members.append(rule_id)
            groups.append((heading, tuple(members)))
    return ScreeningTeaching(
        question=_words(node.child("question"), "question") if node.get("question") is not None else default.question,
        passed=_words(node.child("passed"), "label") if node.get("passed") is not None else default.passed,
        stopped=_words(node.child("stopped"), "label") if node.get("stopped") is not None else default.stopped,
        rules=phrases,
        groups=tuple(groups),
        line=node.line,
    )


def load_vocabulary_teaching(node: Node, verdicts, evidence_levels) -> VocabularyTeaching:
    """The vocabulary's ``teaching:`` block: how an IVIG box says its verdict and evidence."""
    node.mapping(VOCABULARY_TEACHING)

    def words(key: str, table, what: str, limit: str) -> dict[str, str]:
        out = {}
        if node.get(key) is not None:
            for name, child in node.child(key).mapping(what=f"short words per {what}").items():
                _key(child, name, list(table), what)
                out[name] = _words(child, limit)
        return out

    return VocabularyTeaching(
        verdicts=words("verdicts", verdicts, "verdict", "verdict"),
        evidence=words("evidence", evidence_levels, "evidence level", "evidence"),
    )
