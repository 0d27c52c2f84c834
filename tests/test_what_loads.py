"""Lint and evaluate agree on what loads; reading never hangs; lint gives a bound, not silence (issue 15.4, 15.9)."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT
import ivig_rules.marked_yaml as marked_yaml
from ivig_rules.cli import app
from ivig_rules.lint import lint_paths
from ivig_rules.lint.space_checks import MAX_CHECKS

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
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + extra, encoding="utf-8")
    return path


def test_a_fact_space_too_large_to_check_gets_a_finding_with_its_figures(rulesets):
    path = _with_extra_rules(rulesets, 300)
    report = lint_paths([path])
    [finding] = [f for f in report.findings if f.code == "space-too-large"]
    assert finding.file == str(path) and "45,216 patients" in finding.message
    assert f"more than lint's bound of {MAX_CHECKS:,}" in finding.message and "were not checked" in finding.message
    assert report.exit_code("warning") == 1  # the CLI default: every finding counts


def test_lint_reports_progress_through_each_fact_space(rulesets):
    seen: list[tuple[str, int, int]] = []
    lint_paths([rulesets / "pathways" / "adem.yaml"], progress=lambda *a: seen.append(a))
    assert seen and {what for what, _, _ in seen} == {"the fact space of adem"}
    done = [d for _, d, _ in seen]
    assert done == sorted(done) and done[0] == 0 and done[-1] < seen[-1][2]


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
