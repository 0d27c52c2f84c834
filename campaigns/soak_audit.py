"""Soak run of the audit: a million rows, 1% hostile, workers killed at random, the main process
interrupted and restarted; rows out = rows in and ids in order, every time (issue 15).

A script, not a test (it runs for minutes). From the repository root:

    nice -n 19 .venv/bin/python campaigns/soak_audit.py            # 1,000,000 rows, 2 cycles
    nice -n 19 .venv/bin/python campaigns/soak_audit.py --rows 50000 --cycles 1   # a short one

Each cycle starts the real CLI (``ivig-rules audit -w 2``) twice while a saboteur kills or stops
its workers at random (SIGKILL, SIGSEGV, SIGSTOP):

1. an interrupted run: after a random delay the main process gets SIGINT, SIGTERM, SIGHUP or
   SIGKILL. Checked: the exit code; no results file under the target name; the ``.incomplete``
   file (kept after SIGINT, SIGTERM, SIGHUP) holds whole rows, ids in order, and as many as the
   message says; no worker left running.
2. a restarted run to the end. Checked: exit code 1 (the hostile rows have errors); rows out =
   rows in; rows numbered 1..N and their ids in input order; every row equals the previous
   complete run's row except those a killed worker was holding, which say so; no worker left
   running.

The figures (and any failure) are printed at the end and go to --json if given; docs/audit.md
keeps the last ones. Exit code 0 only when every check of every run held.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from processes import alive, live_children  # noqa: E402  (the /proc reading the fault tests use)

HEADER = ["id", "diagnosis", "age_years", "sex", "weight_kg", "height_cm", "iga", "severe", "pregnant",
          "treatment.corticosteroids", "treatment.plasma_exchange", "treatment.ivig"]
DIAGNOSES = ["ms_relapse", "ms_prevention", "nmosd_relapse", "nmosd_prevention", "pml_iris", "adem", "cidp", "gbs",
             "mmn", "myasthenia_gravis", "dermatomyositis", "infantile_spasms"]
STATUSES = ["", "", "", "not_tried", "ongoing", "responded", "failed", "intolerant", "contraindicated"]
FAULTS = (signal.SIGKILL, signal.SIGSEGV, signal.SIGSTOP)
csv.field_size_limit(1 << 30)


# -- the cohort ---------------------------------------------------------------------------------


def hostile(rng: random.Random, identity: str, good: list[str]) -> bytes:
    """One physical line that breaks something: quoting, digits, controls, bytes, size, shape."""
    kind = rng.randrange(12)
    row = list(good)
    if kind == 0:
        row[0] = f'O"{identity}'  # a quote inside an unquoted cell (O'Brien's apostrophe, as a quote)
    elif kind == 1:
        row[4] = rng.choice(["４０", "٧٠", "𝟗", "7０"])  # digits that are not ASCII
    elif kind == 2:
        row[1] = "gbs\x9b31m"  # a C1 control
    elif kind == 3:
        row[0] = f"{identity}\x1b[2J"  # a terminal escape in the id
    elif kind == 4:
        return f"{identity},cidp,\xff\xfe,female,70,,,,,,,".encode("latin-1")  # not UTF-8
    elif kind == 5:
        return f"{identity},cidp,50,fe\x00male,70,,,,,,,".encode()  # a NUL byte
    elif kind == 6:
        row[4] = rng.choice(["1e-300", "0.01", "0.0001", "1e400", "nan", "-5"])  # weights no patient has
    elif kind == 7:
        row[2] = rng.choice(["0x11", "1_0", "1:30", "!!int 0x11", "forty", str(10**50)])
    elif kind == 8:
        row += ["extra", "cells"]  # too many cells
    elif kind == 9:
        row[1] = "d" * 4000  # a huge value
    elif kind == 10:
        row[7] = rng.choice(["yes please", "off", "!!bool yes", "Y"])
    else:
        row[0] = f'5\'11"{identity}'
    return ",".join(row).encode("utf-8", "surrogatepass")


def write_cohort(path: Path, rows: int, seed: int, hostile_share: float) -> tuple[int, list[str | None]]:
    """Write the cohort; return the number of hostile rows and each row's expected id (None: unreadable)."""
    rng = random.Random(seed)
    ids: list[str | None] = []
    bad = 0
    with path.open("wb") as handle:
        handle.write((",".join(HEADER) + "\n").encode())
        for number in range(1, rows + 1):
            identity = f"s{number:07d}"
            sex = rng.choice(["female", "male"])
            good = [identity, rng.choice(DIAGNOSES), str(rng.randint(0, 95)), sex,
                    str(round(rng.uniform(3, 140), 1)) if rng.random() < 0.95 else "",
                    str(round(rng.uniform(60, 200), 1)) if rng.random() < 0.8 else "",
                    rng.choice(["", "normal", "deficient", "unknown"]), rng.choice(["", "yes", "no"]),
                    rng.choice(["", "no"]) if sex == "male" else rng.choice(["", "yes", "no"]),
                    rng.choice(STATUSES), rng.choice(STATUSES), rng.choice(STATUSES)]
            if rng.random() < hostile_share:
                bad += 1
                line = hostile(rng, identity, good)
                first = line.split(b",", 1)[0]
                try:
                    text = first.decode("utf-8")
                    ids.append(text if b"\x00" not in line and _utf8(line) else None)
                except UnicodeDecodeError:
                    ids.append(None)
            else:
                line = ",".join(good).encode()
                ids.append(identity)
            handle.write(line + b"\n")
    return bad, ids


def _utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False



class Saboteur(threading.Thread):
    """Kills or stops a random worker of the audit every few seconds."""

    def __init__(self, pid: int, rng: random.Random, every: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.rng, self.every = pid, rng, every
        self.done = threading.Event()
        self.faults: list[str] = []
        self.seen: set[int] = set()

    def run(self) -> None:
        while not self.done.wait(self.rng.uniform(0.2, 2 * self.every)):
            workers = live_children(self.pid)
            self.seen.update(workers)
            if workers:
                how = self.rng.choice(FAULTS)
                try:
                    os.kill(self.rng.choice(workers), how)
                    self.faults.append(how.name)
                except ProcessLookupError:
                    pass

    def stop(self) -> None:
        self.done.set()
        self.join()


def start(cohort: Path, out: Path, row_timeout: float) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "ivig_rules", "audit", str(cohort), "-o", str(out), "-w", "2",
         "--row-timeout", str(row_timeout)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        preexec_fn=_default_signals,  # a shell's background job ignores SIGINT; the audit must not
    )


def _default_signals() -> None:
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)


def wait_gone(pids: set[int], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


# -- checks -------------------------------------------------------------------------------------


def rows_of(path: Path):
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        yield from reader


def check_prefix(path: Path, ids: list[str | None], failures: list[str], what: str) -> int:
    """An incomplete file: whole rows, numbered from 1, ids in order. Returns how many rows."""
    count = 0
    for count, row in enumerate(rows_of(path), start=1):
        if row[0] != str(count) or (ids[count - 1] is not None and row[2] != ids[count - 1] and not _fault_row(row)):
            failures.append(f"{what}: row {count} of {path.name} is {row[:3]}, expected id {ids[count - 1]!r}")
            break
    return count


def _fault_row(row: list[str]) -> bool:
    return "worker process died" in row[-1]


def check_complete(path: Path, reference: Path | None, ids: list[str | None], failures: list[str], what: str) -> tuple[int, int]:
    """A finished run: rows out = rows in, ids in order, each row as in the reference run unless a fault hit it."""
    count = hit = 0
    others = rows_of(reference) if reference is not None else None
    for count, row in enumerate(rows_of(path), start=1):
        if row[0] != str(count):
            failures.append(f"{what}: row {count} is numbered {row[0]}")
            break
        if count > len(ids):
            break
        if ids[count - 1] is not None and row[2] not in (ids[count - 1], ""):
            failures.append(f"{what}: row {count} has id {row[2]!r}, expected {ids[count - 1]!r}")
            break
        hit += _fault_row(row)
        if others is not None:
            other = next(others, None)
            if other is not None and row != other and not _fault_row(row) and not _fault_row(other):
                failures.append(f"{what}: row {count} differs from the earlier complete run: {row[-1][:200]!r}")
                break
    if count != len(ids):
        failures.append(f"{what}: {count:,} rows out for {len(ids):,} rows in")
    return count, hit


# -- the soak -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--hostile", type=float, default=0.01, help="share of hostile rows (default 0.01)")
    parser.add_argument("--cycles", type=int, default=2, help="interrupted run + restarted run, this many times")
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--every", type=float, default=3.0, help="mean seconds between worker faults")
    parser.add_argument("--row-timeout", type=float, default=5.0)
    parser.add_argument("--work", type=Path, default=Path("/tmp/ivig-soak"))
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    args.work.mkdir(parents=True, exist_ok=True)
    for old in args.work.glob("*"):
        old.unlink()
    cohort = args.work / "cohort.csv"
    started = time.monotonic()
    bad, ids = write_cohort(cohort, args.rows, args.seed, args.hostile)
    print(f"cohort: {args.rows:,} rows, {bad:,} hostile, {cohort.stat().st_size / 1e6:.0f} MB", flush=True)

    failures: list[str] = []
    figures = {"rows": args.rows, "hostile_rows": bad, "seed": args.seed, "runs": 0, "interrupted_runs": 0,
               "completed_runs": 0, "interrupts": {}, "worker_faults": {}, "rows_hit_by_faults": 0,
               "orphaned_workers": 0, "failures": 0, "error_rows": None}
    reference: Path | None = None  # the last complete run: every later one must agree with it row for row
    for cycle in range(1, args.cycles + 1):
        for interrupted in (True, False):
            out = args.work / f"results-{cycle}-{'interrupted' if interrupted else 'complete'}.csv"
            what = f"cycle {cycle}, {'interrupted' if interrupted else 'restarted'} run"
            process = start(cohort, out, args.row_timeout)
            saboteur = Saboteur(process.pid, rng, args.every)
            saboteur.start()
            figures["runs"] += 1
            how = None
            if interrupted:
                deadline = time.monotonic() + rng.uniform(5, 40)
                while process.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.1)
                if process.poll() is None:
                    how = rng.choice([signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
                    saboteur.seen.update(live_children(process.pid))
                    process.send_signal(how)
                    figures["interrupts"][how.name] = figures["interrupts"].get(how.name, 0) + 1
            try:
                _, err = process.communicate(timeout=None if how is None else 300)
            except subprocess.TimeoutExpired:
                failures.append(f"{what}: still running 300 s after {how.name}; killed")
                process.kill()
                _, err = process.communicate()
            saboteur.stop()
            for name in saboteur.faults:
                figures["worker_faults"][name] = figures["worker_faults"].get(name, 0) + 1
            if not wait_gone(saboteur.seen):
                figures["orphaned_workers"] += sum(1 for p in saboteur.seen if alive(p))
                failures.append(f"{what}: workers still running after the run: {[p for p in saboteur.seen if alive(p)]}")
                for pid in saboteur.seen:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            partial = sorted(args.work.glob(f"{out.name}.*.incomplete"))
            if how is not None:
                figures["interrupted_runs"] += 1
                expected = {signal.SIGINT: 130, signal.SIGKILL: -9}.get(how, 128 + how)
                if process.returncode != expected:
                    failures.append(f"{what}: exit code {process.returncode} after {how.name}, expected {expected}: {err[-300:]}")
                if out.exists():
                    failures.append(f"{what}: {out.name} exists after {how.name}: a partial file that looks complete")
                if how != signal.SIGKILL:
                    if len(partial) != 1:
                        failures.append(f"{what}: expected one .incomplete file, found {len(partial)}")
                    else:
                        rows = check_prefix(partial[0], ids, failures, what)
                        if f"the {rows:,} result rows" not in err:
                            failures.append(f"{what}: the message does not say the {rows:,} rows written: {err[-300:]!r}")
                print(f"{what}: {how.name} after {len(saboteur.faults)} worker faults; exit {process.returncode}", flush=True)
                for leftover in partial:
                    leftover.unlink()
                continue
            figures["completed_runs"] += 1
            if process.returncode != 1:  # 1% hostile rows: there are always rows with errors
                failures.append(f"{what}: exit code {process.returncode}: {err[-500:]}")
            if partial:
                failures.append(f"{what}: an .incomplete file was left beside a complete run")
            if out.exists():
                count, hit = check_complete(out, reference, ids, failures, what)
                figures["rows_hit_by_faults"] += hit
                # (row for row, the comparison above already holds input errors equal: a count would
                # differ wherever a fault hit a hostile row in one run and not in the other)
                errors = sum(1 for row in rows_of(out) if row[-1] and not _fault_row(row))
                figures["error_rows"] = errors
                print(f"{what}: {count:,} rows out, {errors:,} input errors, {len(saboteur.faults)} worker faults, "
                      f"{hit} rows hit", flush=True)
                if reference is not None:
                    reference.unlink()
                reference = out
            else:
                failures.append(f"{what}: no results file: {err[-500:]}")
    figures["failures"] = len(failures)
    figures["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(figures, indent=2))
    for failure in failures:
        print("FAILURE:", failure, file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps({**figures, "failure_messages": failures}, indent=2) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
