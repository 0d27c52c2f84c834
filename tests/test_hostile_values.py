"""Hostile values: one exception type from the library, and messages a terminal can survive (issue 15.7, 15.8).

Every bad input to ``Evaluator().evaluate`` raises :class:`IvigRulesError`; every message is one
line, printable and bounded, whatever it echoes (a 3.9 MB value, a 10,000-character key, a C1
control such as \\x9b, a terminal escape sequence).
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ivig_rules._excerpt import MAX_MESSAGE_CHARS, excerpt
from ivig_rules.cli import app
from ivig_rules.errors import IvigRulesError
from ivig_rules.model import Patient, frozen_map
from ivig_rules.evaluation.text import to_text

BASE = {"diagnosis": "gbs", "age_years": 40, "sex": "male"}
LONGEST = MAX_MESSAGE_CHARS + 400  # a message with its file, label and key around it


def deep_list(levels: int) -> list:
    outer: list = []
    inner = outer
    for _ in range(levels):
        inner.append([])
        inner = inner[0]
    return outer


def assert_survivable(message: str) -> None:
    assert len(message) <= LONGEST
    assert len(message.splitlines()) == 1
    assert message.isprintable(), [c for c in message if not c.isprintable()]


HOSTILE_PATIENTS = {
    "an integer of 5,000 digits": {**BASE, "age_years": 10**5000},
    "a key that is an integer of 5,000 digits": {**BASE, 10**5000: 1},
    "a list 1,000 deep for a choice fact": {**BASE, "iga": deep_list(1000)},
    "a list 1,000 deep for the diagnosis": {**BASE, "diagnosis": deep_list(1000)},
    "a list 1,000 deep for a status": {**BASE, "treatments": {"ivig": deep_list(1000)}},
    "a mapping 1,000 deep for a number": {**BASE, "weight_kg": {"a": {"b": deep_list(1000)}}},
    "a 3.9 MB diagnosis": {**BASE, "diagnosis": "x" * 3_900_000},
    "a 10,000-character key": {**BASE, "k" * 10_000: 1},
    "a C1 control in a choice": {**BASE, "diagnosis": "gbs\x9b31m"},
    "a C1 control in a key": {**BASE, "\x9bweight": 1},
    "a line separator in a key": {**BASE, "a\u2028b": 1},
    "a terminal escape in the id": {**BASE, "id": "\x1b]0;pwned\x07\x1b[2J"},
    "bytes for text": {**BASE, "id": b"abc"},
    "a set for a flag": {**BASE, "severe": {True}},
    "an object": {**BASE, "sex": object()},
    "not a mapping at all": [BASE],
}


@pytest.mark.parametrize("name", HOSTILE_PATIENTS)
def test_every_bad_input_raises_the_library_error_with_a_survivable_message(name, durable):
    with pytest.raises(IvigRulesError) as caught:
        durable.evaluate(HOSTILE_PATIENTS[name])
    assert_survivable(str(caught.value))


def test_a_huge_value_is_echoed_as_an_excerpt_that_says_how_long_it_was(durable):
    with pytest.raises(IvigRulesError) as caught:
        durable.evaluate({**BASE, "diagnosis": "x" * 3_900_000})
    assert "3,900,000 characters" in str(caught.value)
    with pytest.raises(IvigRulesError) as caught:
        durable.evaluate({**BASE, "age_years": 10**5000})
    assert "5,001 digits" in str(caught.value)


def test_excerpt_never_fails_and_stays_short():
    class Hostile:
        def __repr__(self):
            raise RuntimeError("no")

    for value in (10**100_000, deep_list(100_000), {"k" * 10**6: "v" * 10**6}, Hostile(), "\x9b" * 10**6, float("nan")):
        shown = excerpt(value)
        assert len(shown) <= 80 and shown.isprintable()


def test_text_output_escapes_a_patient_id_that_reached_it_unvalidated(durable, vocab):
    """Validation refuses control characters in text; the text output escapes them anyway."""
    facts = dict(BASE, id="\x1b[31mred\x9b")
    for name, spec in vocab.facts.items():
        facts.setdefault(name, spec.default)
    for therapy in vocab.therapies:
        facts["treatments." + therapy] = vocab.default_status
    rec = durable.evaluate(Patient(frozen_map(facts)))
    text = to_text(rec, vocab)
    assert "\x1b" not in text and "\x9b" not in text and "\\x1b[31mred\\x9b" in text


@pytest.mark.parametrize("patient", [
    {**BASE, "diagnosis": "gbs\u009b2J"},
    {**BASE, "id": "\u001b[2J\u001b[31mred"},
    {**BASE, "\u0085name": 1},
    {**BASE, "diagnosis": "y" * 3_900_000},
])
def test_the_cli_prints_one_escaped_bounded_line(tmp_path, patient):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(patient), encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate", str(path)])
    assert result.exit_code == 2
    message = result.output.strip()
    assert_survivable(message)
    assert "Traceback" not in message
