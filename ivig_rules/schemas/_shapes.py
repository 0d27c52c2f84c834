"""JSON Schema pieces, one per way :class:`ivig_rules.loading.cursor.Node` reads a value.

Each builder accepts what the reader method of the same name accepts (``text`` what
``Node.text`` does, ``mapping`` what ``Node.mapping`` does), built from the reader's own
constants, so that a schema says what the loader says. Only keywords the YAML language server
understands are used (draft-07 keywords, ``$defs`` reached by ``$ref``): no ``prefixItems``,
``unevaluatedProperties`` or ``dependentRequired``.
"""

from __future__ import annotations

import copy
from typing import Any, Iterable, Mapping

from ..loading.cursor import CONTROL, IDENT, IDENT_LIMIT, LARGEST, TEXT_LIMIT, Keys
from ..loading.marked_yaml import DATE_FORM

__all__ = [
    "UndescribedKeys",
    "text",
    "ident",
    "choice",
    "number",
    "boolean",
    "flag",
    "date",
    "seq",
    "mapping",
    "id_map",
    "nullable",
    "anything",
    "ref",
    "escape",
    "char_class",
    "TEXT_PATTERN",
]


class UndescribedKeys(LookupError):
    """A loader's key table and the schema's description of it name different keys."""


def char_class(pattern: str) -> str:
    """The inside of a one-class regex (``[...]``), every character written as ``\\uXXXX``."""
    inside = pattern[1:-1]
    return "".join(c if c == "-" else f"\\u{ord(c):04x}" for c in inside)


_CONTROLS = char_class(CONTROL.pattern)
TEXT_PATTERN = f"^[^{_CONTROLS}\\S]*[^{_CONTROLS}\\s][^{_CONTROLS}]*$"
"""Text as ``Node.text`` takes it: something besides spaces, and no control character."""

_SYNTAX = set("\\^$.|?*+()[]{}/")


def escape(word: str) -> str:
    """A literal for an ECMA-262 regex in unicode mode (which refuses Python's ``\\-`` or ``\\#``)."""
    return "".join(f"\\{c}" if c in _SYNTAX else c for c in word)


def _doc(schema: dict, doc: str) -> dict:
    if doc:
        schema["description"] = " ".join(doc.split())
    return schema


def text(max_length: int = TEXT_LIMIT, *, doc: str = "") -> dict:
    return _doc({"type": "string", "minLength": 1, "maxLength": max_length, "pattern": TEXT_PATTERN}, doc)


def ident(*, doc: str = "") -> dict:
    return _doc({"type": "string", "pattern": IDENT.pattern, "maxLength": IDENT_LIMIT}, doc)


def choice(options: Iterable[Any], *, doc: str = "", labels: Mapping[str, str] | None = None) -> dict:
    """One of the options; ``labels`` (option -> words) become the descriptions an editor shows."""
    options = list(options)
    schema = _doc({"enum": options}, doc)
    if labels:
        schema["enumDescriptions"] = [" ".join(str(labels.get(o, "")).split()) for o in options]
    return schema


def number(
    minimum: float | None = None,
    maximum: float | None = None,
    *,
    exclusive_minimum: bool = False,
    integer: bool = False,
    unit: str = "",
    doc: str = "",
) -> dict:
    """A number within its range; without one, within the size ``Node.number`` takes at all."""
    schema: dict = {"type": "integer" if integer else "number"}
    low = -LARGEST if minimum is None else minimum
    schema["exclusiveMinimum" if exclusive_minimum and minimum is not None else "minimum"] = low
    schema["maximum"] = LARGEST if maximum is None else maximum
    if unit:
        doc = f"{doc} ({unit})" if doc else unit
    return _doc(schema, doc)


def boolean(*, doc: str = "") -> dict:
    return _doc({"type": "boolean"}, doc)


def flag(unknown: bool, *, doc: str = "") -> dict:
    """true or false, and the word ``unknown`` where the fact may be unrecorded."""
    return _doc({"enum": [True, False, "unknown"]} if unknown else {"type": "boolean"}, doc)


def date(*, doc: str = "") -> dict:
    """A date as YAML writes one (2026-05-01), which the language server reads as text."""
    return _doc({"type": "string", "pattern": DATE_FORM.pattern}, doc or "A date, written YYYY-MM-DD.")


def seq(item: dict, *, allow_single: bool = False, nonempty: bool = False, doc: str = "") -> dict:
    """A list of items (``allow_single``: or one item on its own, as ``Node.seq`` takes it)."""
    items: dict = {"type": "array", "items": item}
    if nonempty:
        items["minItems"] = 1
    schema = {"anyOf": [copy.deepcopy(item), items]} if allow_single else items
    return _doc(schema, doc)


def nullable(schema: dict) -> dict:
    """The schema, or null: an optional key given as null counts as left out (``Node.get``)."""
    schema = copy.deepcopy(schema)
    if not set(schema) - {"description"}:  # takes anything already
        return schema
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
        if "enumDescriptions" in schema:
            schema["enumDescriptions"] = [*schema["enumDescriptions"], "left out"]
        return schema
    if isinstance(schema.get("type"), str) and "anyOf" not in schema:
        schema["type"] = [schema["type"], "null"]
        return schema
    description = schema.pop("description", None)
    out = {"anyOf": [schema, {"type": "null"}]}
    return _doc(out, description or "")


def anything(*, doc: str = "") -> dict:
    """A key the loader takes whatever its value (it does not read it)."""
    return _doc({}, doc)


def ref(name: str, *, doc: str = "") -> dict:
    return _doc({"$ref": f"#/$defs/{name}"}, doc)


def mapping(
    keys: Keys,
    properties: Mapping[str, dict],
    *,
    table: str,
    doc: str = "",
    not_null: Iterable[str] = (),
    min_properties: int = 0,
) -> dict:
    """A mapping with the loader's keys (``keys``, named ``table`` in messages) and no others.

    ``properties`` describes the value of every key the table has, no more and no fewer: a key
    added to the loader's table and not described here is an error when the schemas are built.
    Optional keys also take null (left out), except those in ``not_null``, which the loader
    reads even when null.
    """
    described, known = set(properties), set(keys.known)
    if described != known:
        missing = ", ".join(sorted(known - described)) or "none"
        extra = ", ".join(sorted(described - known)) or "none"
        raise UndescribedKeys(
            f"the loader's table {table} and its schema disagree: keys not described: {missing}; "
            f"described but not in the table: {extra}"
        )
    not_null = set(not_null)
    props = {}
    for key in keys.known:
        value = copy.deepcopy(properties[key])
        props[key] = value if key in keys.required or key in not_null else nullable(value)
    schema: dict = {"type": "object", "properties": props, "additionalProperties": False}
    if keys.required:
        schema["required"] = list(keys.required)
    if min_properties:
        schema["minProperties"] = min_properties
    return _doc(schema, doc or keys.what)


def id_map(value: dict, *, key: dict | None = None, nonempty: bool = False, doc: str = "") -> dict:
    """A mapping from ids (``Node.ident`` keys, or ``key``) to values of one kind."""
    schema: dict = {"type": "object", "propertyNames": key or ident(), "additionalProperties": value}
    if nonempty:
        schema["minProperties"] = 1
    return _doc(schema, doc)
