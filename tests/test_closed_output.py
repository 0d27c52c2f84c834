"""A reader that stops early (``ivig-rules ... | head``): the command stops quietly, whatever it was writing.

Exit 1 would say "a check found something"; a traceback or an "Exception ignored" line would be
noise. The exit is 141 (128 + SIGPIPE), as for any Unix tool whose reader left.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ivig_rules.cli.common import READER_GONE

ROOT = Path(__file__).resolve().parent.parent
COHORT = "id,diagnosis,age_years,sex,weight_kg\n" + "".join(f"P{i},gbs,30,male,70\n" for i in range(3000))  # several chunks


def _run_into_early_closer(args: list[str], lines_read: int, cwd: Path) -> tuple[int, str, list[str]]:
    """Run the CLI with standard output into a pipe that the reader closes after ``lines_read`` lines.

    With 0 the pipe is closed before the CLI has started; otherwise the output must be larger
    than a pipe holds, so that the CLI is still writing when the reader leaves."""
    proc = subprocess.Popen([sys.executable, "-m", "ivig_rules", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    got = [proc.stdout.readline() for _ in range(lines_read)]
    proc.stdout.close()  # the only reader is gone: the next write fails with EPIPE
    stderr = proc.stderr.read()
    return proc.wait(timeout=120), stderr, got


@pytest.mark.parametrize(("args", "lines_read"), [
    (["evaluate", str(ROOT / "scenarios/fhir/cidp_responder_extension.json")], 0),
    (["evaluate", str(ROOT / "scenarios/fhir/cidp_responder_extension.json"), "--json"], 0),
    (["run", str(ROOT / "scenarios")], 0),
    (["vocabulary"], 0),
    (["audit", "cohort.csv", "-o", "-", "--workers", "0"], 2),  # ~900 kB in 2 chunks: more than a pipe holds
], ids=["evaluate", "evaluate-json", "run", "vocabulary", "audit-stdout"])
def test_closed_standard_output_ends_quietly(tmp_path, args, lines_read):
    (tmp_path / "cohort.csv").write_text(COHORT)
    code, stderr, got = _run_into_early_closer(args, lines_read, tmp_path)
    assert all(line for line in got)  # the reader did get the first lines
    assert "Traceback" not in stderr and "Exception ignored" not in stderr and "BrokenPipe" not in stderr, stderr
    assert "internal error" not in stderr
    assert code == READER_GONE, stderr
