"""The facts the code reads are declared once (model/facts.py) and checked when the vocabulary loads."""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import ROOT, RULESETS
from ivig_rules.errors import SchemaError
from ivig_rules.loading.patient import patient_from_mapping
from ivig_rules.loading.vocabulary import load_vocabulary
from ivig_rules.logic.compiler import engine_key, fact_of_key
from ivig_rules.model.facts import CORE_FACTS, WEIGHT, therapy_of, treatment_fact


@pytest.fixture
def rulesets(tmp_path):
    folder = tmp_path / "rulesets"
    shutil.copytree(RULESETS, folder)
    return folder


def _edit_vocabulary(folder, old, new):
    path = folder / "vocabulary.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


def _line_of(path, text):
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_renaming_the_weight_fact_is_an_error_at_load_time_not_a_lost_dose(rulesets):
    path = _edit_vocabulary(rulesets, "\n  weight_kg:\n", "\n  body_weight_kg:\n")
    with pytest.raises(SchemaError) as raised:
        load_vocabulary(rulesets)
    error = raised.value
    assert (error.file, error.line) == (str(path), _line_of(path, "facts:"))
    assert "the fact 'weight_kg' must be defined (number)" in error.message and "every dose" in error.message
    assert error.suggestion == "body_weight_kg"


def test_a_core_fact_of_the_wrong_type_is_refused_at_its_line(rulesets):
    path = _edit_vocabulary(rulesets, "  height_cm:\n    type: number", "  height_cm:\n    type: text")
    with pytest.raises(SchemaError) as raised:
        load_vocabulary(rulesets)
    assert raised.value.line == _line_of(path, "  height_cm:") + 1 and "must be of type number (found text)" in raised.value.message


def test_a_core_enum_must_offer_the_values_the_code_reads(rulesets):
    _edit_vocabulary(rulesets, "values: [female, male]", "values: [female, man]")
    with pytest.raises(SchemaError, match="must offer the values female, male \\(missing male\\)"):
        load_vocabulary(rulesets)


def test_a_fact_named_like_an_engine_key_is_refused(rulesets):
    path = _edit_vocabulary(rulesets, "\n  weight_kg:\n", "\n  tx_ivig:\n    type: boolean\n    description: clash\n  weight_kg:\n")
    with pytest.raises(SchemaError) as raised:
        load_vocabulary(rulesets)
    assert raised.value.line == _line_of(path, "tx_ivig:") and "may not start with 'tx_'" in raised.value.message


def test_every_core_fact_is_in_the_project_vocabulary(vocab):
    for core in CORE_FACTS:
        assert vocab.facts[core.name].type == core.type


def test_an_unknown_fact_name_raises(evaluator):
    patient = patient_from_mapping({"diagnosis": "gbs", "age_years": 30, "sex": "male", "weight_kg": 70}, evaluator.vocabulary)
    assert patient[WEIGHT] == 70
    with pytest.raises(KeyError, match="'weight' is not a fact"):
        patient["weight"]


def test_treatment_facts_and_engine_keys_round_trip(vocab):
    for therapy in vocab.therapies:
        fact = treatment_fact(therapy)
        assert therapy_of(fact) == therapy and fact_of_key(engine_key(fact)) == fact
    for name in vocab.facts:
        assert therapy_of(name) is None and fact_of_key(engine_key(name)) == name


def test_no_module_spells_the_treatment_prefix_or_a_core_fact_itself():
    core = "|".join(re.escape(c.name) for c in CORE_FACTS if c.name != "id")
    offenders = []
    for path in (ROOT / "ivig_rules").rglob("*.py"):
        if path.parent.name == "model":  # the model layer owns the spellings (and re-exports them)
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            spelled = re.search(r"\bTREATMENT_PREFIX\b|[\"']treatments\.[\"']\s*\+|f[\"']treatments\.\{|startswith\([\"']treatments\.", line)
            if spelled or re.search(rf"(facts|patient)(\[|\.get\()[\"']({core})[\"']", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_vocabulary_schema_agrees_on_core_facts_and_engine_names():
    import json

    from jsonschema import Draft202012Validator

    schema = json.loads((ROOT / "docs" / "schemas" / "vocabulary.schema.json").read_text())
    facts = schema["properties"]["facts"]
    assert facts["required"] == [core.name for core in CORE_FACTS]
    names = Draft202012Validator(facts["propertyNames"])
    assert not names.is_valid("tx_ivig") and names.is_valid("weight_kg")


def test_the_ruleset_format_page_names_the_core_facts():
    text = (ROOT / "docs" / "ruleset-format.md").read_text()
    paragraph = text[text.index("ivig-rules' own code reads"):].split("\n\n", 1)[0]
    named = re.findall(r"`(\w+)`", paragraph.split("`vocabulary.yaml`", 1)[0])
    assert [n for n in named if n not in ("female", "male")] == [core.name for core in CORE_FACTS]
    assert f"reads {['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'][len(CORE_FACTS) - 1]} by name" in paragraph


def test_the_alert_the_evaluator_raises_itself_must_be_defined(rulesets):
    """Without it, a patient with no weight would lose the fail-safe alert that says why no dose is shown."""
    path = _edit_vocabulary(rulesets, "\n  weight_missing:\n", "\n  weight_not_given:\n")
    with pytest.raises(SchemaError) as raised:
        load_vocabulary(rulesets)
    error = raised.value
    assert (error.file, error.line) == (str(path), _line_of(path, "alerts:"))
    assert "the alert 'weight_missing' must be defined" in error.message
    assert error.suggestion == "weight_not_given"
