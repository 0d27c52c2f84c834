"""Fault campaign: workers killed or stopped at random while an audit runs (issue 15.3, 15.4).

Whatever happens to the workers (SIGKILL, SIGSEGV, SIGSTOP, at any moment), every input row
gets exactly one output row, in order, and the rows no fault touched are the same as in a
clean run. The soak (campaigns/soak_audit.py) does the same at a million rows.
"""

from __future__ import annotations

import csv
import os
import random
import signal
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from ivig_rules.audit import audit_cohort
from processes import live_children

pytestmark = [pytest.mark.fuzz, pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")]

ROWS = 3000


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults")
    cohort = folder / "cohort.csv"
    with cohort.open("w", encoding="utf-8") as handle:
        handle.write("id,diagnosis,age_years,sex,weight_kg,treatment.ivig\n")
        rng = random.Random(7)
        for n in range(1, ROWS + 1):
            bad = rng.random() < 0.01
            handle.write(f"p{n:05d},{rng.choice(['gbs', 'cidp', 'mmn', 'adem'])},{rng.randint(1, 90)},"
                         f"{rng.choice(['male', 'female'])},{'heavy' if bad else rng.randint(5, 120)},"
                         f"{rng.choice(['', 'failed', 'responded'])}\n")
    audit_cohort(cohort, folder / "clean.csv", workers=0)
    return cohort, read(folder / "clean.csv")


@settings(max_examples=max(2, settings.default.max_examples // 15))
@given(st.integers(0, 2**32 - 1))
def test_rows_survive_workers_killed_and_stopped_at_random(tmp_path_factory, clean, seed):
    cohort, expected = clean
    rng = random.Random(seed)
    out = tmp_path_factory.mktemp("run") / "out.csv"
    faults: list[int] = []
    done = threading.Event()

    def saboteur():
        while not done.wait(rng.uniform(0.05, 0.4)):
            victims = live_children(os.getpid())
            if victims and len(faults) < 6:
                how = rng.choice([signal.SIGKILL, signal.SIGSEGV, signal.SIGSTOP])
                try:
                    os.kill(rng.choice(victims), how)
                    faults.append(how)
                except ProcessLookupError:
                    pass

    thread = threading.Thread(target=saboteur, daemon=True)
    thread.start()
    try:
        summary = audit_cohort(cohort, out, workers=2, chunk_size=rng.choice([1, 7, 64]), row_timeout=1.5)
    finally:
        done.set()
        thread.join()
    rows = read(out)
    assert summary.rows == len(rows) == len(expected)
    assert [r["row"] for r in rows] == [str(n) for n in range(1, ROWS + 1)]
    hit = [i for i, r in enumerate(rows) if "worker process died" in r["error"]]
    assert len(hit) <= summary.worker_deaths <= len(faults) + 3
    for index, (got, want) in enumerate(zip(rows, expected)):
        if index not in hit:
            assert got == want, index
    time.sleep(0)  # nothing is left running: every worker of the run has ended
    assert not live_children(os.getpid())
