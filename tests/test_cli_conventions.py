"""The conventions of every command of the CLI, checked by walking the commands Typer builds.

A command added later (by any module) is walked too, so it cannot ship without examples,
with Python types as metavars, with help that overflows 80 columns or breaks mid-sentence,
or with usage errors in another voice than ``ivig-rules: ...``.
"""

from __future__ import annotations

import importlib.metadata
import re

import pytest
import typer.main
from typer.testing import CliRunner

import ivig_rules
from ivig_rules.cli.app import app
from ivig_rules.cli.conventions import Command, Group

runner = CliRunner()
COLUMNS = 80
WRAP = COLUMNS - 1  # help is wrapped one column short of the terminal's edge


def _walk(command, path=()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _walk(sub, path + (name,))


COMMANDS = list(_walk(typer.main.get_command(app)))
IDS = [" ".join(("ivig-rules",) + p) for p, _ in COMMANDS]


def _help(path) -> str:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": str(COLUMNS)})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_version_prints_the_package_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"ivig-rules {ivig_rules.__version__}\n"
    assert ivig_rules.__version__ == importlib.metadata.version("ivig-rules")


@pytest.mark.parametrize("path,command", COMMANDS, ids=IDS)
def test_command_is_built_with_the_conventions(path, command):
    assert isinstance(command, (Command, Group)), (
        f"'{' '.join(('ivig-rules',) + path)}' is a plain {type(command).__name__}: register it on an app "
        "made with ivig_rules.cli.conventions.new_app() so that it gets the CLI's help and errors"
    )


def _examples(text: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index("  Examples:") + 1 if "  Examples:" in lines else len(lines)
    block = []
    for line in lines[start:]:
        if not line.strip():
            break
        block.append(line.strip())
    return block


@pytest.mark.parametrize("path,command", COMMANDS, ids=IDS)
def test_help_has_examples_of_the_command_itself(path, command):
    name = " ".join(("ivig-rules",) + path)
    examples = _examples(_help(path))
    assert examples, f"'{name} --help' has no 'Examples:' paragraph (end the docstring with one)"
    assert any(e == name or e.startswith(name + " ") or f"| {name}" in e for e in examples), examples


LEAKS = [
    re.compile(r"<[a-z][a-z_\[\]|, ]*>"),  # <bool>, <str>, <list[Path]>, <int range>, <file>
    re.compile(r"\{[a-z_]+\}"),  # {patient}
    re.compile(r"\blist\[|\bint range|\bx[<>]=|[<>]=x\b"),
    re.compile(r"[╭╰│─]"),  # boxes
]


@pytest.mark.parametrize("path,command", COMMANDS, ids=IDS)
def test_help_names_values_not_python_types(path, command):
    text = _help(path)
    for pattern in LEAKS:
        assert not pattern.search(text), f"{pattern.pattern!r} in:\n{text}"
    usage = text.splitlines()[0]
    for param in command.params:
        if param.param_type_name == "argument":
            assert param.name.upper() in usage or (param.metavar or "") in usage, usage


def _text_column(line: str) -> int:
    """Where the running text of a help line starts (after the term of a definition list)."""
    found = re.match(r"^(\s*\S.*?\s{2,})\S", line)
    return len(found.group(1)) if found else len(line) - len(line.lstrip())


def ragged_breaks(text: str, width: int = WRAP) -> list[tuple[str, str]]:
    """Pairs of lines where the next line's first word would have fitted on the line before."""
    lines = text.splitlines()
    out = []
    verbatim = False
    for a, b in zip(lines, lines[1:]):
        if a.strip() == "Examples:":
            verbatim = True
        if not a.strip():
            verbatim = False
        if verbatim or not a.strip() or not b.strip() or a.startswith("Usage:"):
            continue
        indent = len(b) - len(b.lstrip())
        if indent != _text_column(a) or b.lstrip().startswith("- "):
            continue  # not a continuation of the line before
        if len(a) + 1 + len(b.split()[0]) <= width:
            out.append((a, b))
    return out


def test_the_ragged_break_check_finds_a_break_copied_from_a_docstring():
    text = "  Exit 0 when clean, 1 when there are findings (errors only, with --fail-on\n  error),\n  2 when some input cannot be read.\n"
    assert ragged_breaks(text) == [("  error),", "  2 when some input cannot be read.")]
    options = "  --json      Print the findings as one\n              JSON object.\n  --tag TAG   Only this tag.\n"
    assert ragged_breaks(options) == [("  --json      Print the findings as one", "              JSON object.")]


@pytest.mark.parametrize("path,command", COMMANDS, ids=IDS)
def test_help_fits_80_columns_without_ragged_breaks(path, command):
    text = _help(path)
    too_wide = [line for line in text.splitlines() if len(line) > COLUMNS]
    assert not too_wide, too_wide
    assert not ragged_breaks(text), ragged_breaks(text)


def _usage_error(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (args, result.output)
    assert result.stdout == ""
    message = result.stderr
    assert message.startswith("ivig-rules: ") and message.count("\n") == 1, message  # one paragraph
    assert "Usage:" not in message and not LEAKS[-1].search(message), message
    return message


@pytest.mark.parametrize("path,command", COMMANDS, ids=IDS)
def test_an_unknown_option_is_a_one_paragraph_usage_error(path, command):
    message = _usage_error([*path, "--no-such-option"])
    name = " ".join(("ivig-rules",) + path)
    assert "--no-such-option" in message and f"See '{name} --help'." in message


@pytest.mark.parametrize(
    "args,expected",
    [
        (["evalute", "p.yaml"], "no command 'evalute'; commands are: evaluate, run,"),
        (["evalute", "p.yaml"], "Did you mean 'evaluate'?"),
        (["export", "sit"], "Did you mean 'site'?"),
        (["run", "--jsn", "scenarios/"], "run: no option --jsn. Did you mean '--json'?"),
        (["graph", "gbs", "--format", "pgn"], "invalid value 'pgn' for --format; expected one of: dot, mermaid"),
        (["graph", "gbs", "--format", "pgn"], "Did you mean 'png'?"),
        (["run", "scenarios/", "--engine", "durabel"], "Did you mean 'durable'?"),
        (["evaluate"], "evaluate: missing the argument PATIENT; usage: ivig-rules evaluate [OPTIONS] PATIENT."),
        (["audit", "cohort.csv"], "missing the option --output"),
        (["explain", "--limit", "-1", "p.yaml"], "invalid value '-1' for --limit; expected a whole number (at least 0)"),
        (["run", "scenarios/", "--fail-under", "lots"], "invalid value 'lots' for --fail-under; expected a number (0 to 100)"),
        (["lint", "--today"], "lint: "),
        (["evaluate", "a.yaml", "b.yaml"], "evaluate: "),
    ],
)
def test_usage_errors_speak_with_the_cli_voice(args, expected):
    assert expected in _usage_error(args)


def test_no_command_prints_the_help_and_exits_2():
    result = runner.invoke(app, [])
    assert result.exit_code == 2
    assert "Commands:" in result.stderr and "evaluate" in result.stderr


@pytest.mark.parametrize("path,command", COMMANDS, ids=IDS)
def test_help_names_as_default_only_the_real_default(path, command):
    """An option's help may not call a value 'the default' unless it is (diff's --engine once did)."""
    for param in getattr(command, "params", []):
        text = " ".join((param.help or "").split())
        for claimed in re.findall(r"(\w+) \([^)]*\bthe default\b", text):
            assert claimed == str(getattr(param.default, "value", param.default)), (path, param.name, text)


def test_export_atlas_is_the_site_command_under_the_docs_name():
    export = typer.main.get_command(app).commands["export"]
    assert export.get_command(None, "atlas") is export.commands["site"]
    assert "atlas" not in export.list_commands(None)  # listed once, beside its name
    assert "site (atlas)" in _help(("export",))
    assert _help(("export", "atlas")).split("\n", 1)[1] == _help(("export", "site")).split("\n", 1)[1]
    assert "export atlas: missing the argument OUTDIR" in _usage_error(["export", "atlas"])
    assert "Did you mean 'atlas'?" in _usage_error(["export", "atlsa"])
