"""No wrong dose, no silent coercion: every input path reads numbers, booleans and ranges alike (issue 15.5).

The same patient fact goes through five doors (a library mapping, a YAML file, a JSON file, a
CSV cell, a JSON Lines row); each must refuse what the others refuse, with the plausible range
the vocabulary gives.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import ROOT
from ivig_rules.audit import audit_cohort
from ivig_rules.loading.catalogue import load_catalogue
from ivig_rules.errors import IvigRulesError, SchemaError, YamlError
from ivig_rules.lint import lint_paths
from ivig_rules.loading.patient import patient_from_mapping, read_patient

BASE = {"id": "p", "diagnosis": "gbs", "age_years": 40, "sex": "male"}


def through_every_door(tmp_path: Path, vocab, fact: str, yaml_text: str, csv_text: str, value) -> dict[str, str | None]:
    """The error (or None) each input path gives for one fact written in its own syntax."""
    out: dict[str, str | None] = {}

    def attempt(name, call):
        try:
            call()
            out[name] = None
        except IvigRulesError as exc:
            out[name] = str(exc)

    attempt("mapping", lambda: patient_from_mapping({**BASE, fact: value}, vocab))
    (tmp_path / "p.yaml").write_text(
        "".join(f"{k}: {v}\n" for k, v in BASE.items()) + f"{fact}: {yaml_text}\n", encoding="utf-8"
    )
    attempt("yaml", lambda: read_patient(tmp_path / "p.yaml", vocab))
    if value is not None:
        (tmp_path / "p.json").write_text(json.dumps({**BASE, fact: value}), encoding="utf-8")
        attempt("json", lambda: read_patient(tmp_path / "p.json", vocab))
        (tmp_path / "c.jsonl").write_text(json.dumps({**BASE, fact: value}) + "\n", encoding="utf-8")
        audit_cohort(tmp_path / "c.jsonl", tmp_path / "r.jsonl", workers=0)
        out["jsonl"] = json.loads((tmp_path / "r.jsonl").read_text())["error"]
    (tmp_path / "c.csv").write_text(",".join([*BASE, fact]) + "\n" + ",".join([*map(str, BASE.values()), csv_text]) + "\n")
    audit_cohort(tmp_path / "c.csv", tmp_path / "r.jsonl", workers=0)
    out["csv"] = json.loads((tmp_path / "r.jsonl").read_text())["error"]
    return out


@pytest.mark.parametrize("weight", [1e-300, 0.04, 0.01, 0.0001, 0.2])
def test_a_weight_of_a_few_grams_is_refused_on_every_path(tmp_path, vocab, weight):
    text = f"{weight:.10f}".rstrip("0")
    errors = through_every_door(tmp_path, vocab, "weight_kg", text, text, weight)
    assert set(errors) == {"mapping", "yaml", "json", "jsonl", "csv"}
    for door, error in errors.items():
        assert error is not None and "out of range" in error and "at least 0.25 kg" in error, door


def test_the_smallest_plausible_weight_gives_a_dose_above_zero(durable):
    rec = durable.evaluate({**BASE, "diagnosis": "gbs", "weight_kg": 0.25, "age_years": 0})
    assert rec.dose is not None and rec.dose.dosing_weight_kg > 0 and rec.dose.total_g > 0


@pytest.mark.parametrize("digits", ["４０", "٧٠", "𝟗", "4٠", "৪"])
def test_non_ascii_digits_are_refused_on_every_path(tmp_path, vocab, digits):
    errors = through_every_door(tmp_path, vocab, "weight_kg", digits, digits, digits)
    for door, error in errors.items():
        assert error is not None and "weight_kg" in error, door


@pytest.mark.parametrize("tagged, fact", [
    ("!!int 0x11", "age_years"),
    ("!!int 0o50", "age_years"),
    ("!!int 1_0", "age_years"),
    ("!!int 1:30", "age_years"),
    ("!!float 4_0.5", "weight_kg"),
    ("!!bool yes", "severe"),
    ("!!bool off", "severe"),
    ("!!bool on", "severe"),
    ("!!float 0x1p3", "weight_kg"),
])
def test_explicit_yaml_tags_do_not_bring_back_yaml_1_1_coercions(tmp_path, vocab, tagged, fact):
    path = tmp_path / "p.yaml"
    facts = {**BASE, fact: tagged}
    path.write_text("".join(f"{k}: {v}\n" for k, v in facts.items()), encoding="utf-8")
    with pytest.raises(YamlError, match="is tagged !!") as caught:
        read_patient(path, vocab)
    assert caught.value.line == list(facts).index(fact) + 1


@pytest.mark.parametrize("tagged, value", [("!!int 17", 17), ('!!int "17"', 17), ("!!float 72.5", 72.5), ("!!bool true", True)])
def test_explicit_tags_written_as_plain_values_still_read(tmp_path, tagged, value):
    from ivig_rules.loading.marked_yaml import parse_text

    assert parse_text(f"a: {tagged}\n")["a"] == value


def _rulesets_with(tmp_path: Path, old: str, new: str) -> Path:
    target = tmp_path / "rulesets"
    shutil.copytree(ROOT / "rulesets", target)
    path = target / "pathways" / "gbs.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


@pytest.mark.parametrize("amount", ["1e-300", "0.0004", "0"])
def test_an_implausible_ruleset_dose_is_refused_by_the_loader_and_by_lint(tmp_path, amount):
    folder = _rulesets_with(tmp_path, "g_per_kg: 2", f"g_per_kg: {amount}")
    with pytest.raises(SchemaError, match="out of range") as caught:
        load_catalogue(folder)
    assert caught.value.file.endswith("gbs.yaml") and caught.value.key.endswith("g_per_kg")
    report = lint_paths([folder])
    assert any(f.file.endswith("gbs.yaml") and "out of range" in f.message for f in report.findings)
    assert report.exit_code() != 0
