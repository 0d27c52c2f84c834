"""Every command of the CLI has help text and is documented in README.md or docs/*.md.

The command list is walked from the Typer app itself (sub-commands registered by any module
included), so a new command without documentation fails here. A command counts as documented
when a page mentions it as "ivig-rules <command path>" (for example "ivig-rules export site").
"""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from ivig_rules.cli.app import app

ROOT = Path(__file__).resolve().parent.parent


def _commands(group, prefix: tuple[str, ...] = ()):
    """(path, command) for the group and everything under it (Typer's click objects, duck-typed)."""
    yield prefix, group
    if isinstance(getattr(group, "commands", None), dict):
        for name in sorted(group.commands):
            yield from _commands(group.commands[name], prefix + (name,))


COMMANDS = [(path, cmd) for path, cmd in _commands(typer.main.get_command(app)) if path]


def _documentation() -> str:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(p.read_text(encoding="utf-8") for p in pages if p.is_file())


def test_the_walk_finds_the_core_commands():
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"evaluate", "run", "lint", "explain", "diff"} <= names


@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_command_has_help(path, command):
    text = (command.help or command.short_help or "").strip()
    assert text, f"'ivig-rules {' '.join(path)}' has no help text (write a docstring)"
    for param in command.params:
        if getattr(param, "param_type_name", "") == "option" and not getattr(param, "hidden", False):
            assert (param.help or "").strip(), f"option {param.opts} of 'ivig-rules {' '.join(path)}' has no help"


@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_command_is_documented(path, command):
    name = "ivig-rules " + " ".join(path)
    assert name in _documentation(), f"'{name}' is not mentioned in README.md or docs/*.md"


def _help(*args: str) -> str:
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, [*args, "--help"], terminal_width=200)
    assert result.exit_code == 0
    return " ".join(result.stdout.split())


def test_audit_help_names_every_kind_of_cohort_the_docs_give_it():
    docs = _documentation()
    assert "ivig-rules audit bulk-export/ -o results.csv" in docs and "`.ndjson`" in docs
    text = _help("audit")
    assert "a folder of FHIR Bulk Data NDJSON files" in text and ".ndjson" in text
    assert "3 when the engine fails or the rules have a gap" in text  # as docs/audit.md's exit codes


def test_rulesets_option_of_lint_and_diff_says_what_it_is_for():
    """In diff OLD and NEW are the rulesets; --rulesets only serves a pathway file outside any folder."""
    assert "For an OLD or NEW pathway file outside any rulesets folder" in _help("diff")
    lint = _help("lint")
    assert "(default: the --rulesets folder)" in lint and "Rulesets folder to lint when no PATHS are given" in lint
