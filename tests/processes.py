"""The live child processes of a process, read from /proc: the fault tests use it to find an
audit's workers and to check that none outlives its parent."""

from __future__ import annotations

from pathlib import Path


def live_children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid``, zombies left out (they have already ended)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found
