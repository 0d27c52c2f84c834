"""Audit under faults: no partial file that looks complete, no orphan, no hang (issue 15.2, 15.3, 15.4).

The CLI runs as a real process here, because what is tested is what happens to processes:
Ctrl-C, SIGTERM and SIGKILL of the main process, a full disk, a stopped worker. Waits are
bounded (a liveness check, never a speed assertion).
"""

from __future__ import annotations

import csv
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ivig_rules.audit import audit_cohort
from ivig_rules.audit.cohort import MAX_SKIP_BYTES
from ivig_rules.audit.output import stop_on_signals
from ivig_rules.audit.rows import STOP_ENV
from ivig_rules.audit.run import max_workers
from ivig_rules.errors import InputError, IvigRulesError
from processes import alive, live_children

HEADER = "id,diagnosis,age_years,sex,weight_kg"
WAIT = 60.0  # seconds any expected event may take on a loaded 2-core machine


def cohort(tmp_path: Path, rows: int) -> Path:
    path = tmp_path / "cohort.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER + "\n")
        for number in range(1, rows + 1):
            handle.write(f"p{number:07d},{'gbs' if number % 2 else 'cidp'},{20 + number % 60},male,{50 + number % 40}\n")
    return path


def start(args: list[str], preexec_fn=None) -> subprocess.Popen:
    def prepare():  # a shell's background job ignores SIGINT; the audit under test must not inherit that
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
        if preexec_fn is not None:
            preexec_fn()

    return subprocess.Popen(
        [sys.executable, "-m", "ivig_rules", "audit", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=prepare,
    )


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {WAIT:g} s: {what}")
        time.sleep(0.05)


def incomplete_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.incomplete"))


linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


@linux_only
@pytest.mark.parametrize("how, code, words", [
    (signal.SIGINT, 130, "interrupted"),
    (signal.SIGTERM, 128 + signal.SIGTERM, "stopped by SIGTERM"),
    (signal.SIGHUP, 128 + signal.SIGHUP, "stopped by SIGHUP"),
])
def test_an_interrupted_run_leaves_no_complete_looking_file_and_says_what_was_written(tmp_path, how, code, words):
    source = cohort(tmp_path, 300_000)
    out = tmp_path / "results.csv"
    process = start([str(source), "-o", str(out), "-w", "2", "--chunk-size", "64"])
    wait_for(lambda: any(p.stat().st_size > 50_000 for p in incomplete_files(tmp_path)), "rows being written")
    workers = live_children(process.pid)
    process.send_signal(how)
    _, err = process.communicate(timeout=WAIT)
    assert process.returncode == code, err
    assert not out.exists()
    [partial] = incomplete_files(tmp_path)
    rows = list(csv.reader(partial.open(encoding="utf-8", newline="")))
    assert words in err and f"{out} was not written" in err and str(partial) in err
    assert f"the {len(rows) - 1:,} result rows" in err
    assert [r[2] for r in rows[1:]] == [f"p{n:07d}" for n in range(1, len(rows))]  # whole rows, in order
    wait_for(lambda: not any(alive(w) for w in workers), "the workers ending with the run")


@pytest.mark.parametrize("how, raised", [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, BaseException)])
def test_a_signal_during_a_chunk_write_waits_until_the_chunk_is_written_and_counted(how, raised):
    """The rows in the file and the rows the message counts are the same rows (a race CI once hit)."""
    done = []
    # Python's own Ctrl-C handler, whatever this process inherited (a background job starts
    # with Ctrl-C ignored, and the audit then leaves it so)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with stop_on_signals() as signals:
            with pytest.raises(raised):
                with signals.held():
                    os.kill(os.getpid(), how)
                    done.append("written")
                    done.append("counted")
                done.append("next chunk")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert done == ["written", "counted"]


@linux_only
def test_workers_die_with_a_main_process_killed_by_sigkill(tmp_path):
    source = cohort(tmp_path, 300_000)
    process = start([str(source), "-o", str(tmp_path / "r.csv"), "-w", "2"])
    wait_for(lambda: len(live_children(process.pid)) >= 2 and incomplete_files(tmp_path), "two workers at work")
    workers = live_children(process.pid)
    process.kill()
    process.communicate(timeout=WAIT)
    wait_for(lambda: not any(alive(w) for w in workers), "no orphaned worker")
    assert not (tmp_path / "r.csv").exists()


@linux_only
def test_a_full_disk_leaves_no_results_file_and_says_so(tmp_path):
    source = cohort(tmp_path, 5_000)
    out = tmp_path / "results.csv"

    def small_disk():  # writes past 64 KB fail with EFBIG, as on a full disk they fail with ENOSPC
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    process = start([str(source), "-o", str(out), "-w", "0"], preexec_fn=small_disk)
    _, err = process.communicate(timeout=WAIT)
    assert process.returncode == 2
    assert "cannot write: File too large" in err and f"{out} was not written" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists() and not incomplete_files(tmp_path)


def test_a_complete_run_replaces_the_target_whole(tmp_path):
    source = cohort(tmp_path, 50)
    out = tmp_path / "results.csv"
    out.write_text("old results\n")
    summary = audit_cohort(source, out, workers=1)
    rows = list(csv.reader(out.open(encoding="utf-8", newline="")))
    assert summary.rows == len(rows) - 1 == 50 and not incomplete_files(tmp_path)


def test_the_worker_count_is_capped_with_a_clear_message(tmp_path):
    source = cohort(tmp_path, 3)
    with pytest.raises(InputError, match=f"--workers 100,000 is more than this machine can use: at most {max_workers()}"):
        audit_cohort(source, tmp_path / "r.csv", workers=100_000)
    assert not (tmp_path / "r.csv").exists() and not incomplete_files(tmp_path)


@linux_only
def test_a_stopped_worker_costs_its_row_and_the_run_goes_on(tmp_path, monkeypatch):
    source = cohort(tmp_path, 40)
    monkeypatch.setenv(STOP_ENV, "p0000007")
    deaths: list[str] = []
    summary = audit_cohort(source, tmp_path / "r.csv", workers=2, chunk_size=5, row_timeout=2, warn=deaths.append)
    rows = list(csv.DictReader((tmp_path / "r.csv").open(encoding="utf-8", newline="")))
    assert summary.rows == len(rows) == 40 and summary.worker_deaths == 1
    assert [r["patient_id"] or None for r in rows][:6] == [f"p{n:07d}" for n in range(1, 7)]
    assert "no answer within 2 s (stopped or stuck)" in rows[6]["error"] and rows[6]["source_line"] == "8"
    assert all(r["error"] == "" for i, r in enumerate(rows) if i != 6)
    assert len(deaths) == 1 and "row 7" in deaths[0]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_line_that_never_ends_stops_the_audit_with_a_clear_error(tmp_path, fmt, monkeypatch):
    """``audit /dev/zero`` once read for ever; a bounded stand-in keeps the test quick."""
    import ivig_rules.audit.cohort as cohort_module

    monkeypatch.setattr(cohort_module, "MAX_LINE_BYTES", 1024)
    monkeypatch.setattr(cohort_module, "MAX_SKIP_BYTES", 64 * 1024)
    with pytest.raises(IvigRulesError, match="runs on for more than .* without a line break") as caught:
        audit_cohort("/dev/zero", tmp_path / f"r.{fmt}", input_format=fmt, workers=0)
    assert not (tmp_path / f"r.{fmt}").exists() and not incomplete_files(tmp_path)
    if fmt == "jsonl":  # CSV stops at its header, before any results file is begun
        assert f"{tmp_path / 'r.jsonl'} was not written" in str(caught.value)


@linux_only
def test_audit_of_dev_zero_ends(tmp_path):
    process = start(["/dev/zero", "--format", "jsonl", "-o", str(tmp_path / "r.jsonl"), "-w", "0"])
    _, err = process.communicate(timeout=WAIT)
    assert process.returncode == 2 and f"more than {MAX_SKIP_BYTES // (1024 * 1024)} MB without a line break" in err
    assert not incomplete_files(tmp_path) or "incomplete" in err


def test_a_worker_started_late_uses_the_rulesets_the_run_started_with(tmp_path, monkeypatch):
    """A soak once failed because the rulesets changed on disk mid-run and replacement workers re-read them."""
    import shutil

    from conftest import ROOT
    from ivig_rules.audit.rows import ABORT_ENV

    rulesets = tmp_path / "rulesets"
    shutil.copytree(ROOT / "rulesets", rulesets)
    source = cohort(tmp_path, 40)
    monkeypatch.setenv(ABORT_ENV, "p0000030")  # a worker dies late in the run; a fresh one replaces it

    def break_rulesets(*_):
        (rulesets / "vocabulary.yaml").write_text("not: [a, vocabulary\n")

    summary = audit_cohort(source, tmp_path / "r.csv", rulesets=rulesets, workers=1, chunk_size=4, progress=break_rulesets)
    rows = list(csv.DictReader((tmp_path / "r.csv").open(encoding="utf-8", newline="")))
    assert summary.rows == len(rows) == 40 and summary.worker_deaths == 1
    assert [i for i, r in enumerate(rows) if r["error"]] == [29]


def test_tasks_and_answers_larger_than_a_pipe_holds_never_block_the_run(tmp_path):
    """With wide rows (long cells) and long error messages, a task and an answer are each larger
    than a pipe holds. A task goes only to a worker waiting for one, so neither process waits on
    the other for ever (sending a next task ahead into a busy worker's pipe hung here)."""
    cohort = tmp_path / "wide.csv"
    with cohort.open("w", encoding="utf-8") as handle:
        handle.write("id,diagnosis,age_years,sex,weight_kg\n")
        for n in range(20000):
            handle.write(f"p{n},{('gbs', 'cidp', 'mmn', 'adem')[n % 4]},40,male,heavy{' ' * 300}\n")
    process = start([str(cohort), "-o", str(tmp_path / "out.csv"), "-w", "2", "--chunk-size", "4096"])
    try:
        _, stderr = process.communicate(timeout=120)  # a guard against a hang, not a timing: it takes about a second
    finally:
        process.kill()
    assert process.returncode == 1, stderr  # every row is an error (the weight 'heavy'), and each is written
    assert sum(1 for _ in (tmp_path / "out.csv").open(encoding="utf-8")) == 20001
