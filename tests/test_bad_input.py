"""The bad-input corpus: every hostile or mistaken file gets one clear paragraph and exit code 2.

Each case names the file, and the line, key and "did you mean" the message must carry. The CLI
runs in-process for speed; a few cases also run as a real subprocess to prove there is no
traceback and that the answer comes within a second.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from ivig_rules.cli import app

BAD = Path(__file__).resolve().parent / "bad_inputs"

# file, line (or None when the file has no line to blame), key (or None), words the message must hold
PATIENT_CASES = [
    ("malformed.yaml", 3, None, ["not valid YAML"]),
    ("misspelt_fact.yaml", 4, "wieght_kg", ["unknown fact", "Did you mean 'weight_kg'"]),
    ("misspelt_therapy.yaml", 5, "treatments.plasma_exchnge", ["unknown therapy", "Did you mean 'plasma_exchange'"]),
    ("wrong_type.yaml", 2, "age_years", ["expected a number", "'forty'"]),
    ("out_of_range.yaml", 4, "weight_kg", ["out of range", "at most 400"]),
    ("unknown_status.yaml", 5, "treatments.ivig", ["unknown status", "Did you mean 'failed'"]),
    ("empty.yaml", 1, None, ["empty"]),
    ("comment_only.yaml", 1, None, ["empty"]),
    ("python_tag.yaml", 3, None, ["tag", "python/object/apply", "not allowed"]),
    ("python_tag_root.yaml", 1, None, ["tag", "not allowed"]),
    ("alias_bomb.yaml", None, None, ["alias bomb"]),
    ("not_a_mapping.yaml", 1, None, ["a patient is a mapping", "found a list"]),
    ("duplicate_key.yaml", 4, "age_years", ["appears twice", "first on line 2"]),
    ("missing_sex.yaml", 1, None, ["'sex' is required"]),
    ("broken.json", 1, None, ["not valid YAML"]),
    ("misspelt_diagnosis.json", 2, "diagnosis", ["unknown value for diagnosis", "Did you mean 'cidp'"]),
    ("nan_weight.yaml", 4, "weight_kg", ["finite number"]),
    ("quoted_boolean.yaml", 4, "severe", ["expected true or false", "without quotes"]),
    ("two_documents.yaml", 2, None, ["single document"]),
    ("treatments_list.yaml", 4, "treatments", ["maps each therapy to its status"]),
    ("exponent_weight.yaml", 4, "weight_kg", ["out of range", "at most 400"]),
    ("yes_flag.yaml", 4, "severe", ["expected true or false", "yes/no/on/off are text here"]),
    ("sexagesimal_height.yaml", 4, "height_cm", ["expected a number", "'2:50'"]),
    ("hex_weight.yaml", 4, "weight_kg", ["expected a number", "'0x50'"]),
    ("huge_integer.yaml", 4, "weight_kg", ["out of range", "far larger"]),
    ("null_status.yaml", 5, "treatments.ivig", ["no status"]),
    ("binary.yaml", None, None, ["not UTF-8"]),
    ("pregnant_male.yaml", 4, "pregnant", ["needs sex: female", "'male'"]),
    ("ivig_unavailable.yaml", 5, "treatments.ivig", ["ivig cannot be 'unavailable'", "statuses for ivig: not_tried"]),
    ("maybe_safety_flag.yaml", 4, "renal_impairment", ["expected true, false or unknown", "'maybe'"]),
    ("therapy_as_fact.yaml", 4, "plasma_exchange", ["is a therapy", "under 'treatments:'"]),
    ("infantile_spasms_adult.yaml", 1, "diagnosis",
     ["diagnosis: infantile_spasms with age_years: 40 (18 or older) cannot both be right", "begin in infancy"]),
    ("pregnant_toddler.yaml", 5, "pregnant", ["pregnant: true with age_years: 3 (under 5) cannot both be right"]),
    ("breastfeeding_toddler.yaml", 5, "breastfeeding", ["breastfeeding: true with age_years: 2 (under 5)"]),
]

SCENARIO_CASES = [
    ("misspelt_expect.yaml", 5, "scenarios[0].expect.ivgi", ["unknown key 'ivgi'", "Did you mean 'ivig'"]),
    ("bad_verdict.yaml", 5, "scenarios[0].expect.ivig", ["unknown IVIG verdict", "Did you mean 'recommended'"]),
    ("bad_patient.yaml", 10, "scenarios[1].patient.sever", ["unknown fact", "Did you mean 'severe'"]),
    ("unknown_alert.yaml", 6, "scenarios[0].expect.alerts[0]", ["unknown alert id", "Did you mean 'iga_unknown'"]),
    ("duplicate_names.yaml", 5, "scenarios[1].name", ["used twice", "first on line 2"]),
    ("skip_without_reason.yaml", 3, "scenarios[0].skip", ["needs a reason"]),
    ("unknown_conflict.yaml", 5, "scenarios[0].expect.conflicts[0]", ["unknown conflict id", "Did you mean 'renal_impairment'"]),
    ("no_scenarios_key.yaml", 1, "scenario", ["unknown key", "Did you mean 'scenarios'"]),
    ("empty_expect.yaml", 4, "scenarios[0].expect", ["'expect' is empty"]),
]


def assert_sentences(message: str) -> None:
    """One paragraph of whole sentences: it ends as a sentence ends, and so does the sentence before "Did you mean"."""
    assert "\n" not in message, "one paragraph"
    assert message.endswith((".", "?", "!")), message
    assert re.search(r"[^.?!] Did you mean", message) is None, message
    assert ". (" not in message and ".." not in message.replace("...", ""), message


def _check(result, path: Path, line, key, words) -> None:
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.startswith("ivig-rules: ")
    assert_sentences(message)
    assert "Traceback" not in result.output and "Traceback" not in message
    assert result.stdout == ""
    where = str(path) if line is None else f"{path}:{line}"
    assert f" {where}:" in message or message.startswith(f"ivig-rules: {where}:"), message
    if key is not None:
        assert f"at key '{key}'" in message, message
    for word in words:
        assert word in message, message


@pytest.mark.parametrize("name, line, key, words", PATIENT_CASES, ids=[c[0] for c in PATIENT_CASES])
def test_bad_patient_file(name, line, key, words):
    path = BAD / "patients" / name
    result = CliRunner().invoke(app, ["evaluate", str(path), "--json"])
    _check(result, path, line, key, words)


@pytest.mark.parametrize("name, line, key, words", SCENARIO_CASES, ids=[c[0] for c in SCENARIO_CASES])
def test_bad_scenario_file(name, line, key, words):
    path = BAD / "scenarios" / name
    result = CliRunner().invoke(app, ["run", str(path)])
    _check(result, path, line, key, words)


def test_every_corpus_file_has_a_case():
    named = {c[0] for c in PATIENT_CASES} | {c[0] for c in SCENARIO_CASES}
    present = {p.name for p in BAD.rglob("*") if p.is_file()}
    assert present == named


def test_huge_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("w") as handle:
        handle.write("diagnosis: cidp\nnotes: |\n")
        line = "  " + "x" * 1000 + "\n"
        for _ in range(6000):
            handle.write(line)
    result = CliRunner().invoke(app, ["evaluate", str(path)])
    _check(result, path, None, None, ["larger than 4 MB"])


def test_deep_nesting_is_refused(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("diagnosis: " + "[" * 5000 + "]" * 5000 + "\n")
    result = CliRunner().invoke(app, ["evaluate", str(path)])
    assert result.exit_code == 2
    assert "nesting deeper" in result.stderr


def test_nesting_that_crashed_the_yaml_composer_is_refused_in_a_real_process(tmp_path):
    """PyYAML composes recursively and segfaulted at ~40,000 levels; depth is checked first."""
    path = tmp_path / "deep.json"
    path.write_text('{"id": ' + "[" * 40000 + "]" * 40000 + "}")
    done = subprocess.run([sys.executable, "-m", "ivig_rules", "evaluate", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "nesting deeper than 60 levels" in done.stderr


def test_nesting_limit_holds_whatever_the_yaml_library_says(monkeypatch):
    """A YAML library that refuses deep nesting in its own words still yields the project's message."""
    import yaml

    from ivig_rules.loading import marked_yaml
    from ivig_rules.errors import YamlError

    class RefusingLoader(marked_yaml._Loader):
        def check_event(self, *choices):
            raise yaml.YAMLError("a library's own wording about depth")

    monkeypatch.setattr(marked_yaml, "_Loader", RefusingLoader)
    with pytest.raises(YamlError) as caught:
        marked_yaml.parse_text("diagnosis: " + "[" * 100 + "]" * 100 + "\n", "deep.yaml")
    assert f"nesting deeper than {marked_yaml.MAX_DEPTH} levels" in str(caught.value)
    assert "library" not in str(caught.value)


def test_missing_file_and_folder(tmp_path):
    result = CliRunner().invoke(app, ["evaluate", str(tmp_path / "nope.yaml")])
    _check(result, tmp_path / "nope.yaml", None, None, ["cannot read", "no such file"])
    result = CliRunner().invoke(app, ["run", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "no such file or folder" in result.stderr


def test_stdin_errors_name_stdin():
    result = CliRunner().invoke(app, ["evaluate", "-"], input="diagnosis: cidp\nage_years: 40\nsex: mail\n")
    assert result.exit_code == 2
    assert "<stdin>:3" in result.stderr and "Did you mean 'male'" in result.stderr


@pytest.mark.parametrize("name", ["alias_bomb.yaml", "python_tag.yaml", "misspelt_fact.yaml", "malformed.yaml"])
def test_real_process_exits_2_without_traceback(name):
    """How fast the refusal comes is measured in benchmarks/, never asserted here."""
    path = BAD / "patients" / name
    done = subprocess.run(
        [sys.executable, "-m", "ivig_rules", "evaluate", str(path)],
        capture_output=True, text=True, timeout=30, cwd=ROOT,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
