"""Processes read from /proc: an audit's live workers, and whether one still runs. The fault
tests and campaigns/soak_audit.py use these to find workers and check that none outlives its parent."""

from __future__ import annotations

from pathlib import Path


def _stat(pid: int | str) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first, then the parent), or None."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def live_children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid``, zombies left out (they have already ended)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(entry.name)
            if fields is not None and int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """True while the process runs (a zombie has ended; so has one /proc no longer lists)."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"
