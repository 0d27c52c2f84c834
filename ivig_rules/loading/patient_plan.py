"""A precompiled per-field validation plan: the fast way through ``parse_patient`` for plain, valid patients.

``parse_patient`` walks every key through a :class:`~ivig_rules.loading.cursor.Node` so that any problem
is reported with its file, line and key. Most patients have no problem, so the plan checks the
same rules field by field from sets and bounds worked out once per vocabulary, and answers only
when everything is plainly valid. Anything else (a value of another type, text outside
printable ASCII, a bound, a missing required fact, an unmet ``requires``) returns None and the
full walk runs, which gives the error, or the answer, exactly as before.
tests/test_patient_plan.py checks that both give the same patients and the same refusals.
:meth:`ValidationPlan.text_row_reader` does the same for rows of text cells (the CSV audit),
typing and checking each cell in one pass; tests/test_audit_fast_paths.py checks it against
typing first and validating after.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from ..model.derived import derived
from ..model.facts import HEIGHT, WEIGHT, plausible_build, therapy_of, treatment_fact
from ..model import UNKNOWN, Scalar, Vocabulary

__all__ = ["ValidationPlan", "plan_for"]

_TREATMENTS = "treatments"
_LARGEST = 10**15
_ENUM, _BOOLEAN, _NUMBER, _TEXT, _STATUS = range(5)


class ValidationPlan:
    """Per fact: its kind and what it accepts (true/false facts: whether ``unknown`` is one);
    per therapy: the statuses it can have; and every fact's default, already in name order."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.kinds: dict[str, int] = {}
        self.rules: dict[str, Any] = {}
        for name, spec in vocab.facts.items():
            if spec.type == "enum":
                self.kinds[name], self.rules[name] = _ENUM, frozenset(spec.values)
            elif spec.type == "boolean":
                self.kinds[name], self.rules[name] = _BOOLEAN, spec.allows_unknown
            elif spec.type == "number":
                self.kinds[name], self.rules[name] = _NUMBER, (spec.minimum, spec.maximum, spec.exclusive_minimum)
            else:
                self.kinds[name], self.rules[name] = _TEXT, spec.max_length or 200
        self.required = frozenset(name for name, spec in vocab.facts.items() if spec.required)
        self.requires = tuple((name, spec.requires) for name, spec in vocab.facts.items() if spec.requires)
        self.age_refused = _age_refusal(vocab.age_checks)
        self.therapies = {therapy: treatment_fact(therapy) for therapy in vocab.therapies}
        self.statuses = {therapy: frozenset(vocab.statuses_for(therapy)) for therapy in vocab.therapies}
        defaults = {name: spec.default for name, spec in vocab.facts.items()}
        defaults.update((fact, vocab.default_status) for fact in self.therapies.values())
        # Every key a patient's facts can have, sorted: filling a copy keeps the order, so the
        # facts come out sorted by name without sorting them per patient.
        self.defaults = {name: defaults[name] for name in sorted(defaults)}

    def facts(self, mapping: Any) -> dict[str, Scalar | None] | None:
        """The normalised facts, sorted by name, or None when the full walk must decide."""
        if not isinstance(mapping, dict):
            return None
        values: dict[str, Scalar | None] = self.defaults.copy()
        kinds, rules, required = self.kinds, self.rules, self.required
        seen_required = 0
        for key, value in mapping.items():
            if key == _TREATMENTS:
                continue
            kind = kinds.get(key) if type(key) is str else None
            if kind is None:
                return None
            if value is None:
                continue
            if kind == _ENUM:
                if type(value) is not str or value not in rules[key]:
                    return None
            elif kind == _BOOLEAN:
                if type(value) is not bool and not (rules[key] and value == UNKNOWN):
                    return None
            elif kind == _NUMBER:
                value = _number(value, rules[key])
                if value is None:
                    return None
            elif type(value) is not str or not value.strip() or len(value) > rules[key] or not (value.isascii() and value.isprintable()):
                return None
            if key in required:
                seen_required += 1
            values[key] = value
        if seen_required != len(required):
            return None
        if not self.consistent(values):
            return None  # the checked way says why
        if _TREATMENTS in mapping:
            treatments = mapping[_TREATMENTS]
            if not isinstance(treatments, dict) or not treatments:
                return None
            therapies, statuses = self.therapies, self.statuses
            for therapy, status in treatments.items():
                fact = therapies.get(therapy) if type(therapy) is str else None
                if fact is None or type(status) is not str or status not in statuses[therapy]:
                    return None
                values[fact] = status
        return values


    def consistent(self, values: dict) -> bool:
        """The checks across facts, on values each plainly valid: every ``requires`` met, a
        plausible build, an age no age check refuses. False: the checked way says what is wrong."""
        for name, needs in self.requires:
            if values[name] is True and any(values.get(other) != needed for other, needed in needs):
                return False
        return plausible_build(values.get(WEIGHT), values.get(HEIGHT)) and not self.age_refused(values)

    def text_row_reader(self, columns: tuple[str, ...], booleans: dict[str, bool],
                        read_number: Callable[[str], int | float | None]) -> Callable[[list[str]], dict | None]:
        """For rows of text cells (a CSV cohort) whose columns are these facts (therapy statuses as
        ``treatments.<therapy>``): a function giving a row's normalised facts in one pass, or None
        when the full way must decide (it types the cells, then validates, and names any error).

        A cell is stripped and an empty one is not given; ``booleans`` reads true/false words
        (``unknown`` where the fact allows it); ``read_number`` reads a number or gives None."""
        steps = []
        for fact in columns:
            therapy = therapy_of(fact)
            if therapy is not None:
                steps.append((fact, _STATUS, self.statuses.get(therapy, frozenset())))
            else:
                steps.append((fact, self.kinds[fact], self.rules[fact]))
        return _generated_row_reader(tuple(steps), self.required, self.defaults, booleans, read_number, self.consistent)


_CELLS_KEPT = 8192
"""Distinct cells remembered per column (a bound: a cohort's weights and ages repeat, ids do not)."""
_BLANK = object()  # a cell of spaces only: not given


def _cell_typer(kind: int, rule: Any, booleans: dict[str, bool], read_number: Callable) -> Callable[[str], Any]:
    """``typed(cell)``: a text cell's value for a fact of this kind (a status, an enum, a number, a
    true/false; free text is typed in the generated code itself), ``_BLANK``, or None when the
    cell is not plainly valid (the full way then says why)."""

    def typed(cell: str) -> Any:
        text = cell.strip()
        if not text:
            return _BLANK
        if kind == _STATUS or kind == _ENUM:
            return text if text in rule else None
        if kind == _NUMBER:
            value = read_number(text)
            return None if value is None else _number(value, rule)
        value = booleans.get(text.lower())  # _BOOLEAN
        if value is None and rule and text.lower() == UNKNOWN:
            value = UNKNOWN
        return value

    return typed


def _generated_row_reader(steps: tuple, required: frozenset, defaults: dict, booleans: dict[str, bool],
                          read_number: Callable, consistent: Callable[[dict], bool]) -> Callable[[list[str]], dict | None]:
    """The row reader as one generated function, a block of code per column (most cells of a
    cohort row are empty and cost one test). Each column but free text remembers the values of
    the cells it has typed (up to ``_CELLS_KEPT``), so that a repeated cell (a status, a sex, a
    weight seen before) costs one lookup. The code holds only column indices and fact names written
    through ``repr``; what each column accepts is in its typer (``T3``), never written."""
    namespace: dict[str, Any] = {"__builtins__": {"len": len}, "defaults": defaults, "consistent": consistent,
                                 "BLANK": _BLANK, "KEPT": _CELLS_KEPT}
    lines = ["def read(cells):", f"    if len(cells) != {len(steps)}:", "        return None",
             "    values = defaults.copy()", "    seen = 0"]
    for index, (fact, kind, rule) in enumerate(steps):
        lines += [f"    c = cells[{index}]", "    if c:"]
        if kind == _TEXT:  # free text (an id): seldom repeated, so typed each time, here
            namespace[f"R{index}"] = rule
            lines += [
                "        v = c.strip() or BLANK",
                f"        if v is not BLANK and (len(v) > R{index} or not (v.isascii() and v.isprintable())):",
                "            return None",
            ]
        else:
            namespace[f"T{index}"] = _cell_typer(kind, rule, booleans, read_number)
            namespace[f"K{index}"] = {}
            lines += [
                f"        v = K{index}.get(c)",
                "        if v is None:",
                f"            v = T{index}(c)",
                "            if v is None:",
                "                return None",
                f"            if len(K{index}) < KEPT:",
                f"                K{index}[c] = v",
            ]
        lines += ["        if v is not BLANK:", f"            values[{fact!r}] = v"]
        if fact in required:
            lines.append("            seen += 1")
    lines += [
        f"    if seen != {len(required)}:", "        return None",
        "    if not consistent(values):",
        "        return None  # the checked way says why",
        "    return values",
    ]
    exec(compile("\n".join(lines), "<ivig-rules row reader>", "exec"), namespace)  # noqa: S102 - repr'd names only
    return namespace["read"]


def _age_refusal(checks: tuple) -> Callable[[dict], bool]:
    """``refused(values)``: whether an age check refuses these facts, as one generated expression
    that looks at a check's fact value before its age (most patients stop at the first test).
    Only fact names go into the code, through ``repr``; each value and check is passed by name."""
    if not checks:
        return lambda values: False
    namespace: dict[str, Any] = {"__builtins__": {}}
    tests = []
    for index, check in enumerate(checks):
        namespace[f"V{index}"], namespace[f"C{index}"] = check.value, check
        tests.append(f"(values.get({check.fact!r}) == V{index} and C{index}.refuses(values))")
    source = "def refused(values):\n    return " + " or ".join(tests) + "\n"
    exec(compile(source, "<ivig-rules age checks>", "exec"), namespace)  # noqa: S102 - repr'd names only
    return namespace["refused"]


def _number(value: Any, rule: tuple) -> int | float | None:
    """The number checked against its bounds and normalised as ``normalise_number`` does, or None."""
    kind = type(value)
    if kind is int:
        if abs(value) > _LARGEST:
            return None
    elif kind is float:
        if not math.isfinite(value):
            return None
    else:
        return None
    minimum, maximum, exclusive = rule
    if minimum is not None and (value < minimum or (exclusive and value <= minimum)):
        return None
    if maximum is not None and value > maximum:
        return None
    if kind is int:
        return value
    rounded = round(value, 4)
    return int(rounded) if rounded.is_integer() and abs(rounded) < 1e15 else rounded


def plan_for(vocab: Vocabulary) -> ValidationPlan:
    """The vocabulary's plan, built on first use and kept with it (derived data of a frozen value)."""
    return derived(vocab, "_validation_plan", ValidationPlan)
