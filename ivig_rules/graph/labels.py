"""Human wording for conditions, facts and doses, derived from the model (never stored in YAML).

The labels on a diagram's arrows come from here, so a rule that changes changes its arrow.
With a vocabulary the wording uses its labels ("Plasma exchange failed"); without one it falls
back to the identifiers made readable ("plasma exchange failed"). Conditions are read in their
written form (:func:`ivig_rules.logic.compiler.as_written`): a ``not`` reads as the comparisons it
negates ("IgA not normal", "age ≥ 18 years"), an ``in`` list as its values.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Iterable

from ..logic.compiler import as_written, fact_of_key
from ..logic.predicates import Cmp, Predicate, infix
from ..model import Condition, DoseRegimen, Vocabulary
from ..model.facts import is_treatment, therapy_of

__all__ = [
    "humanise", "fact_label", "condition_text", "predicate_text", "dose_summary", "dose_words", "amount_text",
    "join_unique", "PENDING",
]

PENDING = ("not_tried", "ongoing")
"""Statuses meaning 'this therapy is still to come or under way'; implied by an arrow to its step."""

_WORDS = MappingProxyType({"ig": "Ig", "iga": "IgA", "ivig": "IVIG", "ms": "MS", "ivmp": "IVMP", "plex": "PLEX", "dmt": "DMT"})
_GROUPS = MappingProxyType({"all": (", ", "always"), "any": (" or ", "never")})
_OPS = MappingProxyType({"==": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥"})


def humanise(identifier: str) -> str:
    """'hypersensitivity_to_ig' -> 'hypersensitivity to Ig'."""
    return " ".join(_WORDS.get(word, word) for word in identifier.split("_") if word)


def _g(value: float) -> str:
    return f"{value:g}"


def fact_label(fact: str, vocab: Vocabulary | None = None) -> str:
    """The subject of a comparison: a therapy's label, or the fact's name made readable."""
    therapy = therapy_of(fact)
    if therapy is not None:
        if vocab is not None and therapy in vocab.therapies:
            label = vocab.therapies[therapy].label
            return label if label.isupper() else label[:1].lower() + label[1:]
        return humanise(therapy)
    spec = vocab.facts.get(fact) if vocab is not None else None
    if spec is not None and spec.unit and fact.endswith("_" + spec.unit):
        fact = fact[: -len(spec.unit) - 1]
    return humanise(fact)


def _value(fact: str, value: object, vocab: Vocabulary | None) -> str:
    if is_treatment(fact) and vocab is not None and value in vocab.statuses:
        return vocab.statuses[value].label
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return _g(value)
    return humanise(str(value))


def _unit(fact: str, vocab: Vocabulary | None) -> str:
    spec = vocab.facts.get(fact) if vocab is not None else None
    return f" {spec.unit}" if spec is not None and spec.unit else ""


def _is_flag(fact: str, value: object, vocab: Vocabulary | None) -> bool:
    if not isinstance(value, bool):
        return False
    spec = vocab.facts.get(fact) if vocab is not None else None
    return spec is None or spec.type == "boolean"


def _compare_text(c: Cmp, vocab: Vocabulary | None) -> str:
    fact = fact_of_key(c.key)
    subject = fact_label(fact, vocab)
    if _is_flag(fact, c.value, vocab) and c.op in ("==", "!="):
        return subject if (c.value is True) == (c.op == "==") else f"not {subject}"
    if c.op in ("in", "not_in"):
        values = list(c.value)
        if c.op == "not_in" and is_treatment(fact) and vocab is not None:
            values = [s for s in vocab.statuses_for(therapy_of(fact)) if s not in c.value]
            prefix = ""
        else:
            prefix = "not " if c.op == "not_in" else ""
        return f"{subject} {prefix}" + " / ".join(_value(fact, v, vocab) for v in values)
    numeric = isinstance(c.value, (int, float)) and not isinstance(c.value, bool)
    if not numeric and c.op in ("==", "!="):
        return f"{subject} {'not ' if c.op == '!=' else ''}{_value(fact, c.value, vocab)}"
    return f"{subject} {_OPS[c.op]} {_value(fact, c.value, vocab)}{_unit(fact, vocab)}"


def condition_text(condition: Condition, vocab: Vocabulary | None = None) -> str:
    """The whole condition in words: 'IVIG not tried, corticosteroids responded'."""
    return predicate_text(as_written(condition), vocab)


def predicate_text(predicate: Predicate, vocab: Vocabulary | None = None) -> str:
    """A written-form predicate in words; its parts joined by ', ' (all) and ' or ' (any)."""
    return infix(predicate, lambda c: _compare_text(c, vocab), _GROUPS)


def amount_text(default: float, minimum: float | None, maximum: float | None, scale: float = 1.0) -> str:
    """'0.4', '0.4 (0.4-2)' or 'up to 1': the default, with the sources' range beside it."""

    def g(value: float) -> str:
        return _g(round(value * scale, 6))

    if minimum is not None and maximum is not None and minimum != maximum:
        return f"{g(default)} ({g(minimum)}-{g(maximum)})"
    if maximum is not None and minimum is None:
        return f"up to {g(maximum)}" if maximum == default else f"{g(default)} (up to {g(maximum)})"
    if minimum is not None and maximum is None and minimum != default:
        return f"{g(default)} (at least {g(minimum)})"
    return g(default)


def dose_summary(regimen: DoseRegimen) -> str:
    """One line for a diagram: '0.4 g/kg per day for 5 days', ranges in brackets, defaults first."""
    small = regimen.g_per_kg.default < 0.1
    unit, scale = ("mg/kg", 1000.0) if small else ("g/kg", 1.0)
    amount = regimen.g_per_kg
    text = f"{amount_text(amount.default, amount.minimum, amount.maximum, scale)} {unit} per {regimen.per}"
    days = regimen.days
    day_word = "day" if days.default == 1 and not days.is_range else "days"
    if not (regimen.per == "infusion" and days.default == 1 and not days.is_range):
        joiner = "for" if regimen.per == "day" else "over"
        text += f" {joiner} {amount_text(days.default, days.minimum, days.maximum)} {day_word}"
    if regimen.interval_weeks is not None:
        iv = regimen.interval_weeks
        text += f", every {amount_text(iv.default, iv.minimum, iv.maximum)} weeks"
    if regimen.max_g_per_day is not None:
        text += f", at most {_g(regimen.max_g_per_day)} g/day"
    return text


def _span(amount, scale: float = 1.0) -> str:
    """'0.4', '0.4-2' or 'up to 1': the sources' range where they give one, else the value."""

    def g(value: float) -> str:
        return _g(round(value * scale, 6))

    if amount.minimum is not None and amount.maximum is not None and amount.minimum != amount.maximum:
        return f"{g(amount.minimum)}-{g(amount.maximum)}"
    if amount.maximum is not None and amount.minimum is None:
        return f"up to {g(amount.maximum)}"
    return g(amount.default)


def dose_words(regimen: DoseRegimen) -> str:
    """A dose as a box on a slide says it: '0.4 g/kg a day for 5 days', '2 g/kg over 2-5 days',
    '0.4-2 g/kg every 4-6 weeks'. Ranges are the sources'; the atlas gives the default beside them."""
    small = regimen.g_per_kg.default < 0.1
    unit, scale = ("mg/kg", 1000.0) if small else ("g/kg", 1.0)
    amount = f"{_span(regimen.g_per_kg, scale)} {unit}"
    days = regimen.days
    one_day = days.default == 1 and not days.is_range
    count = f"{_span(days)} {'day' if one_day else 'days'}"
    if regimen.per == "day":
        text = f"{amount} a day for {count}"
    elif regimen.per == "course":
        text = f"{amount} {'in one day' if one_day else 'over ' + count}"
    else:
        text = amount if one_day else f"{amount} over {count}"
    interval = regimen.interval_weeks
    if interval is not None and regimen.per == "course" and not interval.is_range and interval.default == 4:
        text += ", monthly"  # a course repeated every four weeks: 'monthly', as the sources say it
    elif interval is not None:
        text += f"{',' if regimen.per != 'infusion' else ''} every {_span(interval)} weeks"
    return text


def join_unique(parts: Iterable[str], sep: str) -> str:
    seen: list[str] = []
    for part in parts:
        if part not in seen:
            seen.append(part)
    return sep.join(seen)
