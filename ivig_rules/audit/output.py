"""Where an audit's results go: a file that appears whole, or not under its name at all.

Rows are written to a temporary file beside the target (``results.csv.<random>.incomplete``)
and renamed onto the target only when the last row is written and flushed. A run that stops
early (Ctrl-C, SIGTERM, SIGHUP, a full disk, a cohort that cannot be read on) never leaves a
complete-looking results file: the error says how many rows were written and where; an
interrupted run keeps its rows under the ``.incomplete`` name, a failed write removes them.
Standard output (``-o -``) cannot be taken back: there the error says that it is incomplete.
"""

from __future__ import annotations

import os
import signal
import stat
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, TextIO

from ..errors import InputError, IvigRulesError

__all__ = ["ResultsFile", "ResultsError", "AuditStopped", "AuditInterrupted", "stop_on_signals", "StopSignals",
           "INCOMPLETE_SUFFIX"]

INCOMPLETE_SUFFIX = ".incomplete"


class ResultsError(InputError):
    kind = "results file"


class AuditStopped(IvigRulesError):
    """The run stopped before the last row; the message says what was written and where."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class AuditInterrupted(AuditStopped, KeyboardInterrupt):
    """Ctrl-C, SIGTERM or SIGHUP stopped the run (still a KeyboardInterrupt for callers that wait for one)."""


class _Signalled(BaseException):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class StopSignals:
    """Ctrl-C, SIGTERM and SIGHUP as exceptions, held back while a chunk is written and counted.

    A signal that arrives inside :meth:`held` is raised when the block ends, so the rows in the
    results file and the rows the error message counts are always the same rows.
    """

    def __init__(self) -> None:
        self._holding = False
        self._pending: BaseException | None = None

    def _raise(self, stop: BaseException) -> None:
        if self._holding:
            self._pending = self._pending or stop
            return
        raise stop

    def on_signal(self, signum: int, frame) -> None:
        self._raise(KeyboardInterrupt() if signum == signal.SIGINT else _Signalled(signum))

    @contextmanager
    def held(self) -> Iterator[None]:
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
        if self._pending is not None:
            pending, self._pending = self._pending, None
            raise pending


@contextmanager
def stop_on_signals() -> Iterator[StopSignals]:
    """Turn Ctrl-C, SIGTERM and SIGHUP into exceptions while the audit runs, so that it ends cleanly.

    Only in the main thread, and only where nobody else handles the signal already (Python's own
    Ctrl-C handler counts as nobody).
    """
    signals = StopSignals()
    if threading.current_thread() is not threading.main_thread():
        yield signals
        return
    previous = {}
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is None:
            continue
        current = signal.getsignal(number)
        if current in (signal.SIG_DFL, None) or (number == signal.SIGINT and current is signal.default_int_handler):
            previous[number] = signal.signal(number, signals.on_signal)
    try:
        yield signals
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class ResultsFile:
    """The results target: ``handle`` to write to, then :meth:`commit` or :meth:`abandon`."""

    def __init__(self, target: str | Path) -> None:
        self.to_stdout = str(target) == "-"
        self.direct = self.to_stdout
        self.name = "standard output" if self.to_stdout else str(target)
        self.temporary: Path | None = None
        if self.to_stdout:
            self.handle: TextIO = sys.stdout
            return
        path = Path(target)
        if path.is_symlink():  # write where the link points, and keep the link
            path = path.resolve()
        if path.is_dir():
            raise ResultsError("this is a folder; give a results file name", file=str(target))
        if _is_special(path):  # a device or pipe (/dev/null, a FIFO): written as it comes, never replaced
            self.direct = True
            try:
                self.handle = path.open("w", encoding="utf-8", errors="backslashreplace", newline="")
            except OSError as exc:
                raise ResultsError(f"cannot write: {exc.strerror or exc}", file=str(path)) from None
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.", suffix=INCOMPLETE_SUFFIX)
        except OSError as exc:
            raise ResultsError(f"cannot write: {exc.strerror or exc}", file=str(path)) from None
        self.temporary = Path(temporary)
        self.path = path
        self.handle = os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline="")

    def commit(self) -> None:
        """Flush, sync and rename onto the target: the results file appears whole or not at all."""
        if self.direct:
            try:
                self.handle.flush()
                if not self.to_stdout:
                    self.handle.close()
            except OSError as exc:
                raise ResultsError(f"cannot write: {exc.strerror or exc}", file=self.name) from None
            return
        try:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
            os.chmod(self.temporary, 0o666 & ~_umask())
            os.replace(self.temporary, self.path)
        except OSError as exc:
            self._remove()
            raise ResultsError(
                f"cannot write: {exc.strerror or exc}; the results file was not written", file=self.name
            ) from None

    def abandon(self, rows: int, *, keep: bool) -> str:
        """Close without renaming; say in words what was written and where."""
        if self.direct:
            try:
                self.handle.flush() if self.to_stdout else self.handle.close()
            except (OSError, ValueError):
                pass
            return f"{self.name} got at most the first {rows:,} result rows and is incomplete"
        try:
            self.handle.close()
        except OSError:
            keep = False
        if keep and rows:
            return (
                f"{self.name} was not written; the {rows:,} result rows done before that are in "
                f"{self.temporary} (incomplete)"
            )
        self._remove()
        if not rows:
            return f"{self.name} was not written (no row was done)"
        return f"{self.name} was not written (the incomplete rows were removed)"

    def _remove(self) -> None:
        try:
            self.handle.close()
        except OSError:
            pass
        try:
            self.temporary.unlink()
        except OSError:
            pass


def _is_special(path: Path) -> bool:
    """True for an existing target that is not a regular file (or a link to one)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def stopped(exc: BaseException, said: str) -> BaseException:
    """The error to raise for a run that stopped on ``exc``, saying what was written."""
    if isinstance(exc, _Signalled):
        name = signal.Signals(exc.signum).name
        return AuditInterrupted(f"stopped by {name}: {said}", 128 + exc.signum)
    if isinstance(exc, KeyboardInterrupt):
        return AuditInterrupted(f"interrupted: {said}", 130)
    if isinstance(exc, IvigRulesError):
        return AuditStopped(f"{exc} The run stopped: {said}.", exc.exit_code)
    return exc
