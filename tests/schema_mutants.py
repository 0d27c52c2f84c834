"""Seeded mutants of valid documents: one change each, of the kinds an author's slip makes.

A key dropped, misspelt or added; a value of the wrong type, empty, too long, out of range, with
a control character, an unknown name, or null; a list emptied, shortened or given one item
twice. Each mutant is one small step away from a file that loads, so the schema and the loader
must agree on it (tests/test_schemas.py).
"""

from __future__ import annotations

import copy
import random
from typing import Any, Iterator

Path_ = tuple  # a path into a document: keys and list indexes

_LENGTHS = (20, 21, 24, 25, 30, 31, 36, 37, 40, 41, 48, 49, 55, 56, 60, 61, 80, 81, 120, 121, 200, 201, 300, 301,
            500, 501, 2000, 2001, 4000, 4001)
"""Text lengths at and just past every limit the loaders use, so a limit the schema gets wrong shows."""
_NUMBERS = (-1, 0, 0.5, 1, 2, 3.7, 9, 10, 36, 37, 100, 101, 121, 250, 400, 401, 999, 1000, 1799, 2100, 2101,
            10**9, 10**16, 0.00001, 1e-300, 2.0)
_WORDS = ("unknown", "zzz", "no_such_id", "Bad Id", "recommended", "failed", "ivig", "start", "true", "yes",
          "", "   ", "a\x07b", "4.0", "maintenance", "2026-02-30", "20260101", "2026-01-01")
_VALUES = (None, True, False, 42, 4.5, "text", [], {}, ["text"], {"a": 1}, [1, 2], [None])


def _paths(value: Any, path: Path_ = ()) -> Iterator[Path_]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, path + (index,))


def _get(doc: Any, path: Path_) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def _set(doc: Any, path: Path_, value: Any) -> Any:
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


def _long(rng: random.Random) -> str:
    """Words of exactly one of the lengths, single-spaced (so that collapsing spaces changes nothing)."""
    length = rng.choice(_LENGTHS)
    words = ("word " * (length // 5 + 1))[:length]
    return words[:-1] + "x" if words.endswith(" ") else words


def _changes(rng: random.Random, value: Any) -> list[tuple[str, Any]]:
    """The ways a value may be changed: (what, new value)."""
    out: list[tuple[str, Any]] = [("replaced by another value", rng.choice(_VALUES))]
    if isinstance(value, bool):
        out += [("flag as text", rng.choice(("yes", "true", "unknown", "no")))]
    elif isinstance(value, (int, float)):
        out += [("another number", rng.choice(_NUMBERS)), ("number as text", str(value))]
    elif isinstance(value, str):
        out += [("another word", rng.choice(_WORDS)), ("long text", _long(rng)), ("text as number", 7),
                ("with a control character", value[:5] + "\x1b[31m" + value[5:]), ("misspelt", value + "x")]
    elif isinstance(value, list):
        out += [("empty list", [])]
        if value:
            out += [("first item twice", value + value[:1]), ("one item fewer", value[1:]),
                    ("the first item alone", copy.deepcopy(value[0]))]
    elif isinstance(value, dict):
        out += [("empty mapping", {})]
    return out


def mutant(rng: random.Random, doc: Any) -> tuple[str, Any]:
    """One mutant of ``doc`` (left unchanged) and what was done to it."""
    doc = copy.deepcopy(doc)
    paths = list(_paths(doc))
    path = rng.choice(paths)
    target = _get(doc, path)
    if isinstance(target, dict) and target and rng.random() < 0.35:
        key = rng.choice(list(target))
        how = rng.choice(("drop", "misspell", "add", "null"))
        if how == "drop":
            del target[key]
        elif how == "misspell":
            target[key[:-1] + "x" if len(key) > 1 else key + "x"] = target.pop(key)
        elif how == "add":
            target[rng.choice(("zz_unknown", "notes", "note", "id", "cite", "when", "dose"))] = rng.choice(_VALUES + ("text",))
        else:
            target[key] = None
        return f"{_where(path)}: {how} key {key!r}", doc
    what, value = rng.choice(_changes(rng, target))
    return f"{_where(path)}: {what}", _set(doc, path, value)


def _where(path: Path_) -> str:
    return ".".join(str(step) for step in path) or "(root)"
