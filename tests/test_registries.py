"""The registries are the one list: the CLI, the files written and the docs follow them."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from conftest import ROOT, SCENARIOS
from ivig_rules.cli.app import app
from ivig_rules.lint import LintFinding
from ivig_rules.lint.checks import LINT_CHECKS
from ivig_rules.scenarios.expectations import DOSE_FIELDS, EXPECT_FIELDS
from ivig_rules.scenarios.formats import RUN_FORMATS

runner = CliRunner()


def doc_table(doc: str, heading: str) -> list[list[str]]:
    """The rows of the first Markdown table under ``heading`` in docs/<doc>, each cell as written."""
    text = (ROOT / "docs" / doc).read_text()
    section = text[text.index(heading):]
    rows = []
    for line in section.splitlines()[1:]:
        if line.startswith("#"):
            break
        if line.startswith("|") and not set(line) <= set("|- "):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows[1:]  # without the header


def test_the_run_formats_table_is_the_registry():
    assert doc_table("scenarios.md", "### Output formats") == [[f"`{f.name}`", f"`{f.suffix}`", f.summary] for f in RUN_FORMATS.values()]


def _parses(fmt: str, text: str) -> None:
    if fmt == "json":
        assert json.loads(text)["summary"]["failed"] == 0
    elif fmt == "junit":
        assert ET.fromstring(text.split("\n", 1)[1]).tag == "testsuites"
    else:
        assert re.search(r"\d+ passed, 0 failed$", text.strip())


@pytest.mark.parametrize("fmt", list(RUN_FORMATS))
def test_every_run_format_is_chosen_by_option_or_by_suffix(tmp_path, fmt):
    scenario = str(SCENARIOS / "gbs.yaml")
    printed = runner.invoke(app, ["run", scenario, "--format", fmt])
    assert printed.exit_code == 0, printed.output
    _parses(fmt, printed.stdout)
    out = tmp_path / f"report{RUN_FORMATS[fmt].suffix}"
    written = runner.invoke(app, ["run", scenario, "-o", str(out)])
    assert written.exit_code == 0 and written.stdout == ""
    _parses(fmt, out.read_text())


def test_a_suffix_that_disagrees_with_the_format_is_refused(tmp_path):
    result = runner.invoke(app, ["run", str(SCENARIOS / "gbs.yaml"), "--format", "json", "-o", str(tmp_path / "r.xml")])
    assert result.exit_code == 2 and "the suffix '.xml' says junit, but --format says json" in result.output


def test_json_coverage_is_one_object_built_once(tmp_path):
    result = runner.invoke(app, ["run", str(SCENARIOS / "gbs.yaml"), "--json", "--coverage"])
    data = json.loads(result.stdout)
    assert data["summary"]["failed"] == 0 and "gbs" in data["coverage"]["pathways"]


def test_the_lint_table_is_the_registry():
    assert doc_table("lint.md", "## What is checked") == [[f"`{c.code}`", c.severity, c.what] for c in LINT_CHECKS]


def test_a_finding_outside_the_registry_is_a_bug_caught_when_made():
    with pytest.raises(ValueError, match="'gaps' at 'error' is not in the registry"):
        LintFinding("error", "gaps", "no rule decides")
    with pytest.raises(ValueError, match="'gap' at 'warning'"):
        LintFinding("warning", "gap", "a gap made a warning by hand")



def test_the_expectation_table_and_dose_fields_are_the_registry():
    assert doc_table("scenarios.md", "### Expectation fields") == [[f"`{f.name}`", f.checks] for f in EXPECT_FIELDS.values()]
    text = (ROOT / "docs" / "scenarios.md").read_text()
    listed = text[text.index("Dose fields: "):].split(".\n", 1)[0]
    assert re.findall(r"`(\w+)`", listed) == list(DOSE_FIELDS)


def test_an_unknown_expectation_field_names_the_registry_fields(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("scenarios:\n  - name: a\n    patient: {diagnosis: gbs, age_years: 30, sex: male}\n    expect: {ivig: recommended, no_alert: [iga_unknown]}\n")
    result = runner.invoke(app, ["run", str(path)])
    assert result.exit_code == 2 and f"{path}:4" in result.output and "Did you mean 'no_alerts'?" in result.output
