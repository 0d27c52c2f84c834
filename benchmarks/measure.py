"""Timing helpers shared by the benchmark scripts: percentiles, wall-clock runs, audits with peak RSS."""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["percentile", "median_wall", "median_cpu", "cli_command", "audit_in_subprocess", "call_clock", "CLOCKS"]

CLOCKS = ("cpu", "wall")


def call_clock(kind: str = "cpu"):
    """(clock in ns, its own cost in ns) for timing single calls.

    "cpu" is this thread's CPU time: on a machine shared with other work, time spent waiting
    for a core is not counted, so medians stay comparable whatever the load. Its own cost
    (a system call, a few hundred ns) is measured here and subtracted by the callers.
    """
    clock = time.thread_time_ns if kind == "cpu" else time.perf_counter_ns
    samples = []
    for _ in range(2001):
        started = clock()
        samples.append(clock() - started)
    return clock, statistics.median(samples)

# Runs one audit in a fresh interpreter and reports its summary with the peak resident memory of
# the main process and of the largest worker (ru_maxrss is in KiB on Linux).
_AUDIT_PROBE = """
import json, resource, sys
from ivig_rules.audit import audit_cohort
cohort, results, workers, engine = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
summary = audit_cohort(cohort, results, workers=workers, engine=engine)
data = summary.to_dict()
data["seconds"] = summary.seconds
data["main_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
try:  # ru_maxrss can keep the launching process's high-water mark across exec; VmHWM cannot
    with open("/proc/self/status") as status:
        hwm = next(line for line in status if line.startswith("VmHWM:"))
    data["main_peak_rss_mb"] = int(hwm.split()[1]) / 1024
except (OSError, StopIteration):
    pass
data["worker_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
data["cpu_seconds"] = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
print(json.dumps(data))
"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def median_wall(command: list[str], runs: int, cwd: Path) -> float:
    """Median wall-clock seconds of a command (its exit code is not judged here)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def median_cpu(command: list[str], runs: int, cwd: Path) -> float:
    """Median CPU seconds (user + system, the command and its children) of a command."""
    import os

    times = []
    for _ in range(runs):
        before = os.times()
        subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        after = os.times()
        times.append((after.children_user - before.children_user) + (after.children_system - before.children_system))
    return statistics.median(times)


def cli_command() -> list[str]:
    """The installed ``ivig-rules`` script next to this interpreter, else ``python -m ivig_rules``."""
    script = Path(sys.executable).with_name("ivig-rules")
    if script.exists():
        return [str(script)]
    found = shutil.which("ivig-rules")
    return [found] if found else [sys.executable, "-m", "ivig_rules"]


def audit_in_subprocess(cohort: Path, results: Path, workers: int, engine: str = "durable") -> dict:
    completed = subprocess.run(
        [sys.executable, "-c", _AUDIT_PROBE, str(cohort), str(results), str(workers), engine],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout)
