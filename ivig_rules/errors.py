"""Errors that carry data, so that every message can name file, line and key.

Every error a user can cause is an :class:`IvigRulesError`; the CLI turns it into a
one-paragraph message and its ``exit_code`` instead of a traceback.
"""

from __future__ import annotations

import difflib
from typing import Iterable

from ._excerpt import MAX_KEY_CHARS, bounded

__all__ = [
    "IvigRulesError",
    "InputError",
    "FileReadError",
    "YamlError",
    "SchemaError",
    "PatientError",
    "ScenarioError",
    "EngineError",
    "NoDecisionError",
    "UnknownTagError",
    "did_you_mean",
    "describe_problem",
    "as_sentence",
]


_LONGEST_GUESS = 100
"""Words longer than this get no "did you mean" (no name is that long, and comparing is costly)."""


def did_you_mean(word: object, candidates: Iterable[str]) -> str | None:
    """Return the closest candidate to ``word``, or None when nothing is close."""
    if not isinstance(word, str) or len(word) > _LONGEST_GUESS:
        return None
    pool = sorted(set(candidates))
    lowered = {c.lower(): c for c in pool}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return lowered[word.lower()]
    found = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if found:
        return found[0]
    prefixed = [c for c in pool if len(word) >= 3 and c.lower().startswith(word.lower())]
    return prefixed[0] if len(prefixed) == 1 else None


def as_sentence(text: str) -> str:
    """``text`` ending as a sentence ends: a full stop added where it has none (a trailing ';', ':' or ',' becomes one).

    So that whatever follows ("Did you mean ...?", "The run stopped ...") starts a sentence of its own.
    """
    text = text.rstrip().rstrip(";:,").rstrip()
    return text if not text or text.endswith((".", "?", "!")) else text + "."


def describe_problem(where: str, label: str, key: str | None, message: str, suggestion: str | None) -> str:
    """The one-paragraph form every problem takes: 'file:line: label at key 'k': message. Did you mean ...?'.

    The message always ends as a sentence, with or without a suggestion after it. Every part is
    escaped and bounded (see :mod:`ivig_rules._excerpt`), so that a hostile file name, key or
    value cannot make the paragraph huge, break it over lines or drive a terminal.
    """
    text = f"{bounded(where, 300)}: {label}"
    if key:
        text += f" at key '{bounded(key, MAX_KEY_CHARS)}'"
    text += f": {as_sentence(bounded(message))}"
    if suggestion:
        text += f" Did you mean '{bounded(suggestion, MAX_KEY_CHARS)}'?"
    return text


class IvigRulesError(Exception):
    """Base of every error ivig-rules reports to a user."""

    exit_code = 2

    def __str__(self) -> str:
        return bounded(super().__str__())


class InputError(IvigRulesError):
    """A file or value the user gave us is wrong; says where and, if it can, what was meant.

    When a reader finds several problems in one pass (see :class:`ivig_rules.loading.cursor.Problems`)
    the first is raised with the others in ``more``: ``problems`` lists them all, and the
    message has one paragraph (line) per problem.
    """

    kind = "invalid input"

    not_shown: int = 0
    """How many further problems this entry stands for: 0 for a problem itself; the count of the
    problems left out, for the "N more problems not shown" entry that ends a long list."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key: str | None = None,
        suggestion: str | None = None,
        not_shown: int = 0,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.key = key
        self.suggestion = suggestion
        self.not_shown = not_shown
        self.more: tuple[InputError, ...] = ()
        super().__init__(self.paragraph())

    @property
    def where(self) -> str:
        if self.file is None:
            return "<input>" if self.line is None else f"<input>:{self.line}"
        return self.file if self.line is None else f"{self.file}:{self.line}"

    @property
    def problems(self) -> tuple["InputError", ...]:
        """This problem and every other one found in the same pass, in the order found."""
        return (self, *self.more)

    def paragraph(self) -> str:
        """This one problem, as one paragraph."""
        return describe_problem(self.where, self.kind, self.key, self.message, self.suggestion)

    def __str__(self) -> str:
        return "\n".join(problem.paragraph() for problem in self.problems)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "file": self.file,
            "line": self.line,
            "key": self.key,
            "message": self.message,
            "suggestion": self.suggestion,
        }


class FileReadError(InputError):
    """The file cannot be read at all (missing, a folder, not UTF-8 text, too large)."""

    kind = "cannot read"


class FileWriteError(InputError):
    """A file cannot be written (no space, no permission, a folder in the way)."""

    kind = "cannot write"


class YamlError(InputError):
    """The text is not YAML we accept (syntax, tags, aliases, size)."""

    kind = "unreadable YAML"


class SchemaError(InputError):
    """A ruleset or vocabulary file breaks the ruleset format."""

    kind = "ruleset error"


class PatientError(InputError):
    """A patient's facts break the data dictionary."""

    kind = "invalid patient"


class ScenarioError(InputError):
    """A scenario file breaks the scenario format."""

    kind = "invalid scenario"


class EngineError(IvigRulesError):
    """The rules engine failed in a way validation should have prevented."""

    exit_code = 3


class NoDecisionError(IvigRulesError):
    """No rule of a pathway decided the IVIG verdict: a gap in the ruleset, never guessed over."""

    exit_code = 3

    def __init__(self, pathway: str, where: str | None = None) -> None:
        self.pathway = pathway
        self.where_ = where
        prefix = f"{where}: " if where else ""
        super().__init__(
            f"{prefix}no rule of pathway '{pathway}' decides the IVIG verdict for this patient. "
            "This is a gap in the ruleset; no answer is given rather than a guessed one. "
            "Run 'ivig-rules lint' on the ruleset to list such gaps."
        )


class UnknownTagError(IvigRulesError):
    """Tags asked for that no scenario carries: a run that selects nothing is a typo, not a pass."""

    exit_code = 2

    def __init__(self, tags: Iterable[str], known: Iterable[str]) -> None:
        self.tags = tuple(tags)
        self.known = tuple(sorted(set(known)))
        self.suggestion = did_you_mean(self.tags[0], self.known) if self.tags else None
        shown = ", ".join(repr(t) for t in self.tags)
        text = f"no scenario has the tag{'s' if len(self.tags) > 1 else ''} {shown}; "
        text += f"the tags in these files are: {', '.join(self.known)}." if self.known else "these files have no tags."
        if self.suggestion:
            text += f" Did you mean '{self.suggestion}'?"
        super().__init__(text)
