"""``ivig-rules graph -o FILE``: the suffix gives the format, as for ``audit``; a contradiction is an error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ivig_rules.cli.app import app
from ivig_rules.export import FORMATS
from ivig_rules.export.formats import SUFFIXES

RULESETS = Path(__file__).resolve().parent.parent / "rulesets"
runner = CliRunner()


def _graph(*args: str):
    return runner.invoke(app, ["graph", "gbs", "--rulesets", str(RULESETS), *args])


def _format_of(data: bytes) -> str:
    """Which of the graph formats these bytes are, told by their content alone."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    text = data.decode("utf-8")
    if "<svg" in text[:2000]:
        return "svg"
    if text.startswith("digraph "):
        return "dot"
    if text.startswith("{"):
        json.loads(text)
        return "json"
    if text.startswith("# ") and "```mermaid" in text:
        return "markdown"
    if "flowchart TB" in text:  # the teaching view reads top to bottom
        return "mermaid"
    raise AssertionError(f"unrecognised output: {text[:80]!r}")


def test_every_format_has_a_suffix():
    assert set(SUFFIXES.values()) == set(FORMATS)


@pytest.mark.parametrize("suffix,fmt", sorted(SUFFIXES.items()))
def test_the_suffix_of_the_output_file_gives_the_format(tmp_path, suffix, fmt):
    out = tmp_path / f"gbs{suffix}"
    result = _graph("-o", str(out))
    assert result.exit_code == 0, result.output
    assert _format_of(out.read_bytes()) == fmt


def test_a_png_file_holds_a_png_not_dot_text(tmp_path):
    out = tmp_path / "gbs.png"
    assert _graph("-o", str(out)).exit_code == 0
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_a_format_that_contradicts_the_suffix_is_an_error(tmp_path):
    out = tmp_path / "gbs.png"
    result = _graph("-o", str(out), "--format", "dot")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"ivig-rules: {out}: ")
    assert "the suffix '.png' says png, but --format says dot" in result.stderr
    assert not out.exists()


def test_an_agreeing_format_is_accepted(tmp_path):
    out = tmp_path / "gbs.svg"
    assert _graph("-o", str(out), "--format", "svg").exit_code == 0
    assert _format_of(out.read_bytes()) == "svg"


def test_an_unknown_suffix_needs_a_format(tmp_path):
    out = tmp_path / "gbs.txt"
    result = _graph("-o", str(out))
    assert result.exit_code == 2
    assert "cannot tell the diagram format from the suffix '.txt'" in result.stderr and "--format" in result.stderr
    assert not out.exists()
    assert _graph("-o", str(out), "--format", "mermaid").exit_code == 0
    assert _format_of(out.read_bytes()) == "mermaid"


def test_standard_output_gets_dot_by_default():
    result = _graph()
    assert result.exit_code == 0
    assert _format_of(result.stdout.encode()) == "dot"
