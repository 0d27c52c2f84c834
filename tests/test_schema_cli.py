"""``ivig-rules schema``: the kinds, one schema to standard output or a file, every schema into a folder."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ivig_rules.cli import app
from ivig_rules.schemas import KINDS, file_name, to_json
from schema_check import RULESETS

runner = CliRunner()


def test_without_a_kind_it_lists_every_kind_with_its_files():
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    listed = [line.split()[0] for line in result.stdout.splitlines() if line and not line.startswith(" ")]
    assert listed == list(KINDS)
    assert "rulesets/pathways/*.yaml" in result.stdout and "scenarios/*.yaml" in result.stdout


def test_a_kind_prints_its_schema_as_published():
    result = runner.invoke(app, ["schema", "scenario", "--rulesets", str(RULESETS)])
    assert result.exit_code == 0, result.output
    assert result.stdout == to_json("scenario", RULESETS)
    assert json.loads(result.stdout)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_dash_o_writes_the_file(tmp_path):
    target = tmp_path / "out" / "pathway.json"
    result = runner.invoke(app, ["schema", "pathway", "-o", str(target), "--rulesets", str(RULESETS)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and target.read_text(encoding="utf-8") == to_json("pathway", RULESETS)


def test_all_writes_every_kind_into_the_folder(tmp_path):
    result = runner.invoke(app, ["schema", "--all", "-o", str(tmp_path), "--rulesets", str(RULESETS)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(file_name(kind) for kind in KINDS)
    assert (tmp_path / "safety.schema.json").read_text(encoding="utf-8") == to_json("safety", RULESETS)
    assert "wrote 7 schemas" in result.stderr


def test_all_needs_a_folder_and_no_kind(tmp_path):
    for args in (["--all"], ["pathway", "--all", "-o", str(tmp_path)]):
        result = runner.invoke(app, ["schema", *args])
        assert result.exit_code == 2 and "give -o FOLDER and no KIND" in result.stderr
    a_file = tmp_path / "taken"
    a_file.write_text("x")
    result = runner.invoke(app, ["schema", "--all", "-o", str(a_file)])
    assert result.exit_code == 2 and "this is a file" in result.stderr


def test_a_misspelt_kind_is_a_usage_error_with_a_suggestion():
    result = runner.invoke(app, ["schema", "scenarios"])
    assert result.exit_code == 2
    assert "Did you mean 'scenario'" in result.stderr and result.stdout == ""


def test_a_broken_vocabulary_is_reported_with_file_and_key(tmp_path):
    for name in ("sources.yaml", "vocabulary.yaml"):
        (tmp_path / name).write_bytes((RULESETS / name).read_bytes())
    vocabulary = tmp_path / "vocabulary.yaml"
    vocabulary.write_text(vocabulary.read_text(encoding="utf-8").replace("\nfacts:", "\nfacst:", 1), encoding="utf-8")
    result = runner.invoke(app, ["schema", "patient", "--rulesets", str(tmp_path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert f"{vocabulary}:" in result.stderr and "Did you mean 'facts'" in result.stderr


def test_the_cli_lists_schema_kinds_without_loading_the_schema_builders():
    """`ivig-rules --help` stays quick: the command's choices come from the light registry."""
    import subprocess
    import sys

    code = ("import sys, ivig_rules.cli.app, ivig_rules.schemas as s; "
            "print(sorted(m for m in sys.modules if m.startswith('ivig_rules.schemas.')), len(s.KINDS))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["['ivig_rules.schemas.registry']", "7"]
