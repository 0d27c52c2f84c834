"""A cursor over marked YAML data that checks shapes and types and fails with file:line:key.

Every file format of ivig-rules (vocabulary, rulesets, scenarios, patients) is read through
:class:`Node`, so that every schema error reads the same way and carries a "did you mean".
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Iterable, Iterator

from .._excerpt import excerpt
from ..errors import InputError, SchemaError, did_you_mean
from .marked_yaml import MarkedDict, MarkedList, line_of

UNKNOWN = "unknown"  # the value of a fact nobody recorded (true/false facts that allow it)
IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""Control characters, C1 controls (\\x9b opens a terminal command), line separators and bidi overrides."""
_YAML11_WORDS = frozenset({"yes", "no", "on", "off", "y", "n"})
LARGEST = 10**15  # beyond this an int cannot be formatted or compared as a float safely
TEXT_LIMIT = 2000  # the longest text a key takes unless it says otherwise
IDENT_LIMIT = 80  # the longest id

_TYPE_NAMES = MappingProxyType({
    dict: "a mapping",
    list: "a list",
    str: "text",
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    type(None): "nothing (null)",
    _dt.date: "a date",
})


@dataclass(frozen=True)
class Keys:
    """The keys one mapping of a file format may have, as data.

    Loaders check a mapping with ``node.mapping(KEYS)``; the JSON Schemas of
    :mod:`ivig_rules.schemas` are generated from the same tables, so a key added here reaches
    both the loader and the editors.
    """

    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    what: str = ""

    @property
    def known(self) -> tuple[str, ...]:
        return self.required + self.optional


def describe(value: Any) -> str:
    """Name a value's type the way a clinician-author would."""
    for kind, name in _TYPE_NAMES.items():
        if type(value) is kind or (kind in (dict, list) and isinstance(value, kind)):
            return f"{name} ({_short(value)})" if kind not in (dict, list, type(None)) else name
    return type(value).__name__


def _short(value: Any) -> str:
    return excerpt(value, 40)


class Problems:
    """Collects the input errors of the independent parts of a file, so that one pass reports them all.

    ``with problems.part(): ...`` runs one part (a scenario, a rule, a fact) and records its
    error instead of stopping; :meth:`raise_any` then raises the first problem with every
    other one attached (:attr:`InputError.problems`). A part that failed leaves nothing
    behind, so later parts must not depend on it.
    """

    LIMIT = 100  # a hostile file does not get a message of a million lines

    def __init__(self, limit: int | None = None) -> None:
        self.found: list[InputError] = []
        self.dropped = 0
        self.limit = self.LIMIT if limit is None else limit

    @property
    def full(self) -> bool:
        """True once ``limit`` problems are kept: a reader may then count further problems with
        :meth:`skip` instead of working out each one's message (and its did-you-mean)."""
        return len(self.found) >= self.limit

    def skip(self, count: int = 1) -> None:
        """Count ``count`` problems that are not shown (see :attr:`full`)."""
        self.dropped += count

    def __bool__(self) -> bool:
        return bool(self.found)

    def add(self, exc: InputError) -> None:
        for problem in exc.problems:
            if problem.not_shown:  # a part's own count of problems not shown: one count
                self.dropped += problem.not_shown
                continue
            seen = any(
                (p.file, p.line, p.key, p.message) == (problem.file, problem.line, problem.key, problem.message)
                for p in self.found
            )
            if seen:
                continue
            if len(self.found) < self.limit:
                self.found.append(problem)
            else:
                self.dropped += 1

    def part(self) -> "_Part":
        """A block whose problem is noted here instead of raised: ``with problems.part(): ...``."""
        return _Part(self)

    def raise_any(self) -> None:
        if not self.found:
            return
        found = sorted(self.found, key=lambda p: (p.file or "", p.line or 0))  # in reading order
        first, *rest = found
        if self.dropped:
            last = rest[-1] if rest else first
            summary = type(last)(
                f"{self.dropped} more problem{'s' if self.dropped > 1 else ''} not shown; fix these first",
                file=last.file, not_shown=self.dropped,
            )
            rest.append(summary)
        for problem in found:
            problem.more = ()
        first.more = tuple(rest)
        raise first


class _Part:
    """The context of :meth:`Problems.part` (a class, not a generator: validation enters one per field)."""

    __slots__ = ("problems",)

    def __init__(self, problems: Problems) -> None:
        self.problems = problems

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, traceback) -> bool:
        if kind is not None and issubclass(kind, InputError):
            self.problems.add(exc)
            return True
        return False


class Node:
    """One value in a marked document, with where it came from."""

    __slots__ = ("value", "file", "path", "line", "error_class")

    def __init__(
        self,
        value: Any,
        file: str | None,
        path: str = "",
        line: int | None = None,
        error_class: type[InputError] = SchemaError,
    ) -> None:
        self.value = value
        self.file = file
        self.path = path
        self.line = line if line is not None else line_of(value)
        self.error_class = error_class

    # -- errors -----------------------------------------------------------------------------
    def error(self, message: str, *, suggestion: str | None = None, key: str | None = None) -> InputError:
        return self.error_class(
            message, file=self.file, line=self.line, key=key or self.path or None, suggestion=suggestion
        )

    # -- navigation -------------------------------------------------------------------------
    def _sub(self, key: Any, value: Any, line: int | None) -> "Node":
        if line is None:  # plain data (a parsed JSON Lines or CSV row) sits on its container's line
            line = line_of(value)
            if line is None:
                line = self.line
        if isinstance(key, int) and not isinstance(key, bool):
            path = f"{self.path}[{key if abs(key) < 10**9 else excerpt(key)}]"
        else:
            shown = key if isinstance(key, str) else excerpt(key)
            path = f"{self.path}.{shown}" if self.path else shown
        return Node(value, self.file, path, line, self.error_class)

    def mapping(
        self, keys: Keys | None = None, *, required: Iterable[str] = (), optional: Iterable[str] = (), what: str = ""
    ) -> "Node":
        """Check that this is a mapping with only the known keys and all the required ones
        (``keys``: a format's table of them; else ``required`` and ``optional``)."""
        if keys is not None:
            required, optional, what = keys.required, keys.optional, what or keys.what
        if not isinstance(self.value, dict):
            raise self.error(f"expected a mapping{' (' + what + ')' if what else ''}, found {describe(self.value)}")
        required = list(required)
        known = set(required) | set(optional)
        problems = Problems()
        meant: set[str] = set()  # a required key misspelt is one problem, not two
        if known:
            for key in self.value:
                with problems.part():
                    if not isinstance(key, str):
                        raise self._sub(key, None, line_of(self.value, key)).error(
                            f"keys must be text, found {describe(key)}"
                        )
                    if key not in known:
                        child = self._sub(key, self.value[key], line_of(self.value, key))
                        guess = did_you_mean(key, known)
                        meant.add(guess or "")
                        raise child.error(
                            f"unknown key '{key}'; expected one of: {', '.join(sorted(known))}.", suggestion=guess
                        )
        for key in required:
            if key not in self.value and key not in meant:
                with problems.part():
                    raise self.error(f"the key '{key}' is required here")
        problems.raise_any()
        return self

    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and key in self.value

    def child(self, key: str) -> "Node":
        return self._sub(key, self.value[key], line_of(self.value, key))

    def get(self, key: str) -> "Node | None":
        """The child at ``key``, or None when the key is absent or null."""
        if isinstance(self.value, dict) and self.value.get(key) is not None:
            return self.child(key)
        return None

    def items(self) -> Iterator[tuple[str, "Node"]]:
        for key in self.value:
            if not isinstance(key, str):
                raise self._sub(key, None, line_of(self.value, key)).error(f"keys must be text, found {describe(key)}")
            yield key, self.child(key)

    def seq(self, *, what: str = "", allow_single: bool = False, nonempty: bool = False) -> list["Node"]:
        value = self.value
        if allow_single and not isinstance(value, list):
            return [self]
        if not isinstance(value, list):
            raise self.error(f"expected a list{' of ' + what if what else ''}, found {describe(value)}")
        if nonempty and not value:
            raise self.error(f"expected at least one {what or 'item'}, found an empty list")
        lines = value.item_lines if isinstance(value, MarkedList) else []
        return [
            self._sub(i, item, lines[i] if i < len(lines) else self.line) for i, item in enumerate(value)
        ]

    # -- scalars ----------------------------------------------------------------------------
    def text(self, *, max_length: int = TEXT_LIMIT, nonempty: bool = True) -> str:
        value = self.value
        if not isinstance(value, str):
            raise self.error(f"expected text, found {describe(value)}")
        if nonempty and not value.strip():
            raise self.error("expected text, found an empty string")
        if len(value) > max_length:
            raise self.error(f"text longer than {max_length} characters is refused ({len(value):,} found)")
        control = CONTROL.search(value)
        if control:
            raise self.error(
                f"the text holds the control character {excerpt(control.group())} at position {control.start() + 1}; "
                "write printable text (a terminal could act on it)"
            )
        return value

    def ident(self, *, what: str = "an id") -> str:
        value = self.text(max_length=IDENT_LIMIT)
        if not IDENT.match(value):
            raise self.error(
                f"expected {what}: lower-case letters, digits and '_', starting with a letter; found {value!r}"
            )
        return value

    def choice(self, options: Iterable[str], *, what: str = "value") -> str:
        options = list(options)
        value = self.value
        if not isinstance(value, str) or value not in options:
            shown = ", ".join(options) if len(options) <= 14 else ", ".join(options[:14]) + ", ..."
            raise self.error(
                f"unknown {what} {_short(value)}; expected one of: {shown}.",
                suggestion=did_you_mean(value, options),
            )
        return value

    def number(
        self,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        exclusive_minimum: bool = False,
        integer: bool = False,
        unit: str = "",
    ) -> int | float:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            hint = ""
            if isinstance(value, str):
                hint = " (write numbers as plain decimals, without quotes, e.g. 72.5)"
            raise self.error(f"expected {'a whole number' if integer else 'a number'}, found {describe(value)}{hint}")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.error(f"expected a finite number, found {value}")
        suffix = f" {unit}" if unit else ""
        if isinstance(value, int) and abs(value) > LARGEST:
            raise self.error(f"{_short(value)}{suffix} is out of range: far larger than any value this key takes")
        if integer and not float(value).is_integer():
            raise self.error(f"expected a whole number, found {value}")
        if minimum is not None and (value < minimum or (exclusive_minimum and value <= minimum)):
            bound = f"more than {minimum:g}" if exclusive_minimum else f"at least {minimum:g}"
            raise self.error(f"{value:g}{suffix} is out of range: must be {bound}{suffix}")
        if maximum is not None and value > maximum:
            raise self.error(f"{value:g}{suffix} is out of range: must be at most {maximum:g}{suffix}")
        return int(value) if integer else value

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            hint = ""
            if isinstance(self.value, str):
                hint = " (write true or false without quotes)"
                if self.value.strip().lower() in _YAML11_WORDS:
                    hint = " (yes/no/on/off are text here, not booleans; write true or false)"
            raise self.error(f"expected true or false, found {describe(self.value)}{hint}")
        return self.value

    def flag(self, *, unknown: bool = False) -> bool | str:
        """true or false; also the word ``unknown`` where the fact may be unrecorded."""
        if unknown and self.value == UNKNOWN:
            return UNKNOWN
        if unknown and not isinstance(self.value, bool):
            hint = ""
            if isinstance(self.value, str) and self.value.strip().lower() in _YAML11_WORDS:
                hint = " (yes/no/on/off are text here, not booleans)"
            raise self.error(f"expected true, false or unknown, found {describe(self.value)}{hint}")
        return self.boolean()

    def date(self) -> _dt.date:
        value = self.value
        if isinstance(value, _dt.datetime):
            return value.date()
        if isinstance(value, _dt.date):
            return value
        if isinstance(value, str):
            try:
                return _dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise self.error(f"expected a date written YYYY-MM-DD, found {describe(value)}")

    def texts(self, *, what: str = "text") -> tuple[str, ...]:
        return tuple(item.text() for item in self.seq(what=what, allow_single=True))


def root(value: Any, file: str | None, error_class: type[InputError] = SchemaError) -> Node:
    """A Node for a whole parsed document."""
    return Node(value, file, "", line_of(value) if isinstance(value, (MarkedDict, MarkedList)) else 1, error_class)
