"""Lint and evaluate agree on what loads; reading never hangs; lint gives a bound, not silence (issue 15.4, 15.9)."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT
import ivig_rules.loading.marked_yaml as marked_yaml
from ivig_rules.cli import app
from ivig_rules.lint import lint_paths

PATIENT = '{"diagnosis": "gbs", "age_years": 40, "sex": "male"}\n'


@pytest.fixture
def rulesets(tmp_path) -> Path:
    target = tmp_path / "rulesets"
    shutil.copytree(ROOT / "rulesets", target)
    return target


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize("make", ["folder", "broken link"])
def test_lint_and_evaluate_agree_on_an_entry_that_is_not_a_pathway_file(rulesets, tmp_path, make):
    entry = rulesets / "pathways" / "extra.yaml"
    if make == "folder":
        entry.mkdir()
    else:
        entry.symlink_to(tmp_path / "gone.yaml")
    patient = tmp_path / "p.json"
    patient.write_text(PATIENT)
    evaluated = invoke("evaluate", str(patient), "--rulesets", str(rulesets))
    linted = invoke("lint", str(rulesets))
    assert evaluated.exit_code == linted.exit_code == 2
    assert f"{entry}:" in evaluated.output and f"{entry}:" in linted.output
    report = lint_paths([rulesets])
    assert [f.file for f in report.findings if f.unreadable] == [str(entry)]


def test_a_hidden_editor_file_is_no_pathway_for_either(rulesets, tmp_path):
    (rulesets / "pathways" / ".#gbs.yaml").symlink_to("user@host.1234")  # an editor's lock file
    patient = tmp_path / "p.json"
    patient.write_text(PATIENT)
    assert invoke("evaluate", str(patient), "--rulesets", str(rulesets)).exit_code == 0
    assert not lint_paths([rulesets]).unreadable


def _with_extra_rules(rulesets: Path, count: int) -> Path:
    path = rulesets / "pathways" / "gbs.yaml"
    extra = "".join(
        f"  - id: extra_{i}\n"
        f"    when: {{age_years: {{'>': {20 + i / 10:g}}}, treatments.ivig: failed, severe: true}}\n"
        "    then: {alerts: [diabetes]}\n"
        "    evidence: expert_opinion\n"
        '    cite: ["002_2befdb370e513400.txt"]\n'
        for i in range(count)
    )
    head, teaching = path.read_text(encoding="utf-8").split("\nteaching:", 1)  # rules end where it starts
    path.write_text(head.rstrip("\n") + "\n" + extra + "\nteaching:" + teaching, encoding="utf-8")
    return path


def test_lint_checks_a_pathway_with_300_more_rules_and_reports_on_it(rulesets):
    """Once minutes of silence (45,216 patients x 313 rules); the fact space is now partitioned (issue 13)."""
    path = _with_extra_rules(rulesets, 300)
    report = lint_paths([path])
    assert report.pathways == ["gbs"]
    assert not [f for f in report.findings if f.code in ("space-too-large", "unreadable", "schema")]
    assert not [f for f in report.findings if f.rules and f.rules[0].startswith("extra_") and f.code == "dead-rule"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_evaluate_on_a_named_pipe_without_a_writer_ends_with_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(marked_yaml, "PIPE_SECONDS", 0.5)
    fifo = tmp_path / "patient.yaml"
    os.mkfifo(fifo)
    result = invoke("evaluate", str(fifo))
    assert result.exit_code == 2 and "named pipe and nothing arrived within 0.5 s" in result.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_evaluate_reads_a_named_pipe_that_a_writer_fills(tmp_path):
    fifo = tmp_path / "patient.json"
    os.mkfifo(fifo)

    def write():
        with open(fifo, "w", encoding="utf-8") as handle:
            handle.write(PATIENT)

    writer = threading.Thread(target=write)
    writer.start()
    result = invoke("evaluate", str(fifo), "--json")
    writer.join()
    assert result.exit_code == 0 and '"pathway": "gbs"' in result.output


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_evaluate_refuses_a_device(tmp_path):
    result = invoke("evaluate", "/dev/zero")
    assert result.exit_code == 2 and "a device or socket, not a file" in result.output
