"""The README says what the CLI does: the keys of ``evaluate --json`` and the default of ``lint --fail-on``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import typer.main
from typer.testing import CliRunner

from ivig_rules.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(title)
    end = README.find("\n#", start + len(title))
    return README[start:end]


def test_every_top_level_key_of_evaluate_json_is_documented(tmp_path):
    patient = tmp_path / "p.yaml"
    patient.write_text("diagnosis: cidp\nage_years: 50\nsex: female\nweight_kg: 70\n")
    result = CliRunner().invoke(app, ["evaluate", str(patient), "--json"])
    assert result.exit_code == 0, result.output
    output = _section("### Output")
    missing = [key for key in json.loads(result.stdout) if f"`{key}`" not in output]
    assert not missing, f"evaluate --json keys not described under '### Output' in README.md: {missing}"


def test_the_readme_names_the_real_default_of_lint_fail_on():
    lint = typer.main.get_command(app).commands["lint"]
    default = next(p.default for p in lint.params if p.name == "fail_on")
    found = re.search(r"`--fail-on LEVEL`\s+\(default `(\w+)`", README)
    assert found, "README.md should describe lint's `--fail-on LEVEL` with its default"
    assert found.group(1) == getattr(default, "value", default)
    assert "`--fail-on warning` for the strict mode" not in README


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_exit_code_of_the_errors_is_in_the_readme_table():
    import ivig_rules.export.render  # noqa: F401 - its Graphviz errors have exit codes too
    from ivig_rules.errors import IvigRulesError

    table = _section("## Commands").split("| code | meaning |")[1].split("\n\n")[0]
    codes = [int(c) for c in re.findall(r"^\| (\d+) \|", table, re.MULTILINE)]
    assert len(codes) == len(set(codes))
    raised = {IvigRulesError.exit_code} | {cls.exit_code for cls in _subclasses(IvigRulesError)}
    from ivig_rules.cli.common import READER_GONE

    assert raised | {0, 1, 70, 130, READER_GONE} == set(codes)
