"""The teaching wording of a ruleset: frozen dataclasses, no I/O.

A pathway file's ``teaching:`` block says how its diagram speaks to a learner: the clinical
state it starts from, a question per decision point, an outcome label per rule, and where each
rule sits (an arrow on the main path, an arrow of the exceptions panel, or a numbered note).
The screening and the vocabulary carry the same kind of block for the safety gate and the
evidence wording. The rules themselves stay in the rule blocks; this is only how they are told.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

__all__ = [
    "PLACES",
    "LABEL_LIMIT",
    "NOTE_LIMIT",
    "ARROW",
    "EXCEPTION",
    "NOTE",
    "Placement",
    "Question",
    "ExceptionsWording",
    "Teaching",
    "ScreeningTeaching",
    "VocabularyTeaching",
]

ARROW = "arrow"
EXCEPTION = "exception"
NOTE = "note"
PLACES = (ARROW, EXCEPTION, NOTE)
LABEL_LIMIT = 60
"""No text of a teaching diagram (a box, an arrow, a note) may be longer than this."""
NOTE_LIMIT = 55
"""The longest note, so that with its marker ('(12) ') it stays within LABEL_LIMIT."""
"""Where a rule sits in the teaching view: an arrow on the path its ``from`` step is on, an arrow
leaving the exceptions panel (IVIG contraindicated, failed or not tolerated), or a numbered note."""


@dataclass(frozen=True)
class Placement:
    """One rule's place in the teaching view, with the words it is shown with."""

    rule: str
    place: str  # arrow | exception | note
    label: str  # the arrow's outcome label, or the note's text
    end: str = ""  # the clinical state an arrow with no next step ends in
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Question:
    """A decision point: the question asked after one or more steps (or at the start)."""

    id: str
    after: tuple[str, ...]  # "start" and/or step ids
    question: str
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ExceptionsWording:
    """The exceptions panel: its opening state, its question, and the arrow that leads to it."""

    title: str = "IVIG contraindicated, failed or not tolerated"
    question: str = "Which treatment is still open?"
    link: str = "failed or not tolerated"
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Teaching:
    """A pathway's ``teaching:`` block."""

    summary: str  # one sentence, for the atlas's front page
    start: str  # the clinical state of box 1
    title: str = ""  # a short title for the slide; the pathway's title when empty
    steps: Mapping[str, str] = field(default_factory=dict)  # step id -> the words in its box
    decisions: tuple[Question, ...] = ()
    exceptions: ExceptionsWording = field(default_factory=ExceptionsWording)
    rules: Mapping[str, Placement] = field(default_factory=dict)
    file: str | None = field(default=None, compare=False)
    line: int | None = field(default=None, compare=False)
    lines: Mapping[str, int | None] = field(default_factory=dict, compare=False)  # line of each key

    def question_after(self, position: str) -> Question | None:
        for question in self.decisions:
            if position in question.after:
                return question
        return None


@dataclass(frozen=True)
class ScreeningTeaching:
    """The safety screening drawn as one gate before IVIG: its question, its exits, a short phrase
    per screening rule, and optionally the headings its notes group the rules under (rules no
    group names are grouped by their verdict, else by their alerts' severity)."""

    question: str = "Safe to give IVIG?"
    passed: str = "yes"
    stopped: str = "no"
    rules: Mapping[str, str] = field(default_factory=dict)  # screening rule id -> phrase
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (heading, rule ids): the gate's notes, in order
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class VocabularyTeaching:
    """How an IVIG box says its verdict and evidence: 'Consider IVIG: open-label evidence'.
    A verdict or level with no words here is said with its vocabulary label."""

    verdicts: Mapping[str, str] = field(default_factory=dict)  # verdict id -> action words
    evidence: Mapping[str, str] = field(default_factory=dict)  # evidence level id -> short words
