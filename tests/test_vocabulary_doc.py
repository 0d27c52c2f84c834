"""docs/vocabulary.md is generated from rulesets/vocabulary.yaml and must not drift from it."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from conftest import ROOT
from ivig_rules.cli import app
from ivig_rules.export.vocabulary import to_markdown


def test_committed_data_dictionary_matches_the_vocabulary(vocab):
    committed = (ROOT / "docs" / "vocabulary.md").read_text(encoding="utf-8")
    assert committed == to_markdown(vocab), "regenerate: ivig-rules vocabulary -o docs/vocabulary.md"


def test_every_name_of_the_contract_is_documented(vocab):
    text = to_markdown(vocab)
    names = list(vocab.facts) + list(vocab.therapies) + list(vocab.statuses) + list(vocab.alerts) + list(vocab.verdicts)
    names += list(vocab.monitoring) + list(vocab.administration) + list(vocab.conflicts) + list(vocab.sources)
    for name in names:
        assert f"`{name}`" in text, name


def test_vocabulary_json_lists_the_fixed_names():
    result = CliRunner().invoke(app, ["vocabulary", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data["facts"]["diagnosis"]["values"]) >= {
        "ms_relapse", "ms_prevention", "nmosd_relapse", "nmosd_prevention", "pml_iris", "adem",
        "cidp", "gbs", "mmn", "myasthenia_gravis", "dermatomyositis", "infantile_spasms",
    }
    assert set(data["alerts"]) >= {
        "hypersensitivity", "iga_deficiency", "iga_unknown", "renal_impairment", "thrombosis_risk",
        "cardiac_disease", "diabetes", "sugar_sensitivity", "premedication", "live_vaccine",
        "weight_missing", "steroids_harmful",
    }
    assert data["statuses"] == ["not_tried", "ongoing", "responded", "failed", "intolerant", "contraindicated", "unavailable"]
    assert data["statuses_not_for"] == {"unavailable": ["ivig"]}
    assert data["verdicts"][-2:] == ["no_guidance", "specialist_review"]
    assert set(data["conflicts"]) == {"iga_deficiency", "renal_impairment"}
    for fact in ("hypersensitivity_to_ig", "renal_impairment", "thrombosis_risk", "cardiac_disease", "diabetes", "sugar_sensitivity"):
        assert data["facts"][fact]["default"] == "unknown", fact
    goodin = data["sources"]["001_31bd74f6d628a3ef.txt"]["references"][3]
    assert (goodin["n"], goodin["authors"], goodin["year"]) == (4, "Goodin DS et al.", 2002)
    assert "gbs-treatment" in data["sources"]["003_2f405638fa14e663.txt"]["sections"]
    assert data["default_status"] == "not_tried"
    assert data["facts"]["iga"]["default"] == "unknown"
    assert (data["facts"]["weight_kg"]["minimum"], data["facts"]["weight_kg"]["maximum"]) == (0.25, 400)
