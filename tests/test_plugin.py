"""The pytest plugin: scenario files as test items, run in a pytester sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

RULESETS = str(Path(__file__).resolve().parent.parent / "rulesets")

SCENARIOS = """\
base_patient: {diagnosis: gbs, age_years: 45, sex: female, weight_kg: 55, height_cm: 165, iga: normal}
scenarios:
  - name: at diagnosis
    tags: [dose]
    patient: {}
    expect: {ivig: recommended, next_step: ivig}
  - name: wrong on purpose
    patient: {treatments: {plasma_exchange: failed}}
    expect:
      ivig: recommended
      next_step: ivig
  - name: not written yet
    skip: waiting for the specialist's answer
    patient: {}
    expect: {ivig: recommended}
"""


@pytest.fixture
def sandbox(pytester):
    pytester.makefile(".yaml", **{"scenarios/gbs": SCENARIOS})
    pytester.makefile(".yaml", **{"scenarios/not_scenarios": "title: just some YAML\nitems: [1, 2]\n"})
    return pytester


def run(pytester, *args):
    return pytester.runpytest("-p", "no:cacheprovider", f"--ivig-rulesets={RULESETS}", *args)


def test_each_scenario_is_an_item_with_readable_failures(sandbox):
    result = run(sandbox, "scenarios", "--ivig-engine", "reference")
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    out = result.stdout.str()
    assert "scenarios/gbs.yaml:7: scenario 'wrong on purpose'" in out
    assert "ivig: expected recommended, got no_guidance (" in out
    assert "scenarios/gbs.yaml:10)" in out  # the line of the expected field
    assert "next_step: expected ivig, got null" in out
    assert "decided by gbs.plex_failed (engine reference)" in out
    assert "Traceback" not in out and "def runtest" not in out


def test_skip_reason_is_shown(sandbox):
    result = run(sandbox, "scenarios", "-rs")
    assert "waiting for the specialist's answer" in result.stdout.str()


def test_tag_selects_scenarios(sandbox):
    result = run(sandbox, "scenarios", "--tag", "dose")
    result.assert_outcomes(passed=1, deselected=2)
    result = run(sandbox, "scenarios", "-k", "dose")
    result.assert_outcomes(passed=1, deselected=2)


def test_durable_engine_is_the_default(sandbox):
    result = run(sandbox, "scenarios/gbs.yaml")
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    assert "(engine durable)" in result.stdout.str()


def test_yaml_is_never_collected_from_searched_testpaths(pytester):
    pytester.makeini("[pytest]\ntestpaths = tests\n")
    pytester.makefile(".yaml", **{"tests/bad_inputs/hostile": "scenarios: [unclosed\n"})
    pytester.makefile(".yaml", **{"tests/good": SCENARIOS})
    pytester.makepyfile(**{"tests/test_plain": "def test_ok():\n    assert True\n"})
    # no arguments: the testpaths are searched, only Python tests run
    run(pytester).assert_outcomes(passed=1)
    # the testpaths folder named explicitly: still not its YAML
    run(pytester, "tests").assert_outcomes(passed=1)
    # a folder inside it named explicitly: collected, and the hostile file is a clean error
    result = run(pytester, "tests/bad_inputs")
    result.assert_outcomes(errors=1)
    assert "hostile.yaml:" in result.stdout.str() and "unreadable YAML" in result.stdout.str()


def test_invalid_scenario_file_is_a_collection_error_with_file_line_key(pytester):
    pytester.makefile(".yaml", **{"scenarios/bad": "scenarios:\n  - name: x\n    patient: {diagnosis: gbs, age_years: 40, sex: female}\n    expect: {ivgi: recommended}\n"})
    result = run(pytester, "scenarios")
    result.assert_outcomes(errors=1)
    out = result.stdout.str()
    assert "bad.yaml:4: invalid scenario at key 'scenarios[0].expect.ivgi'" in out
    assert "Did you mean 'ivig'?" in out


def test_the_projects_scenarios_pass_through_the_plugin(pytester):
    scenarios = Path(RULESETS).parent / "scenarios"
    result = run(pytester, str(scenarios), "--ivig-engine", "reference", "-q")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) > 50 and "failed" not in outcomes and "errors" not in outcomes


@pytest.mark.parametrize("key", ["scenario", "Scenarios", "senarios", "base_patients"])
def test_a_misspelt_top_key_is_an_error_not_a_silent_skip(pytester, key):
    text = SCENARIOS.replace("scenarios:", f"{key}:", 1) if key != "base_patients" else SCENARIOS.replace("base_patient:", "base_patients:", 1)
    pytester.makefile(".yaml", **{"scenarios/typo": text})
    result = run(pytester, "scenarios")
    result.assert_outcomes(errors=1)
    out = result.stdout.str()
    assert f"typo.yaml:" in out and f"unknown key '{key}'" in out
    assert "Did you mean" in out


def test_a_file_named_on_the_command_line_is_always_collected(pytester):
    pytester.makefile(".yaml", **{"scenarios/patient": "diagnosis: gbs\nage_years: 40\nsex: female\n"})
    result = run(pytester, "scenarios/patient.yaml")
    result.assert_outcomes(errors=1)
    assert "looks like one patient" in result.stdout.str()


def test_other_yaml_under_a_given_folder_is_still_ignored(sandbox):
    result = run(sandbox, "scenarios", "--ivig-engine", "reference")
    result.assert_outcomes(passed=1, failed=1, skipped=1)  # not_scenarios.yaml is not a test file
