"""Evaluates chunks of rows in worker processes, in order, surviving workers that die.

Each worker process builds its own evaluator (durable-rules state is never shared between
processes) and gets one chunk at a time over its own pipe, so neither side can block the
other. Before each row a worker writes the row's index to a shared counter; when a worker
dies (durable-rules can crash the process on input validation did not foresee), that row is
reported as the one that killed it, the rest of the chunk goes to a fresh worker, and the run
goes on. Results come back in input order; at most ``max_ahead`` chunks are held at once,
so memory stays flat whatever the cohort size.

No worker outlives the run or hangs it: each dies with the main process whatever kills it
(``PR_SET_PDEATHSIG`` on Linux, and a thread that watches the parent everywhere), and one that
gives no sign of progress on a row for ``row_timeout`` seconds (stopped, stuck) is killed, its
row reported, and the rest of its chunk handed to a fresh worker.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from typing import Any, Callable, Iterable, Iterator, NamedTuple

from ..errors import EngineError
from .cohort import RawRow
from .results import RowWriter, crash_row
from .routing import Router
from .summary import Tally

__all__ = ["forks", "WorkerSpec", "ChunkOutput", "evaluate_in_process", "evaluate_in_workers"]


class ChunkOutput(NamedTuple):
    """A chunk's result rows, as text in row order, and what they add to the summary."""

    texts: list[str]
    tally: Tally


Run = Callable[[RawRow], tuple[str, tuple]]  # a row -> (its result row as text, its summary entry)
MAX_STARTUP_FAILURES = 3
"""Workers that die on their own before any row, in a row, before the run stops (signals count 0.15 each)."""
DEFAULT_ROW_TIMEOUT = 60.0
"""Seconds a worker may spend on one row (a row takes well under a millisecond)."""
STARTUP_SECONDS = 120.0
"""Seconds a fresh worker may take to build its evaluator before its first row."""
_PARENT_CHECK_SECONDS = 1.0
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker needs to build its own evaluator and row processor (picklable)."""

    rulesets: str
    engine: str
    weight_policy: str
    fmt: str
    output_fmt: str
    file: str
    columns: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    catalogue: Any = field(default=None, compare=False, repr=False)
    """The catalogue the main process loaded, handed to forked workers so that every worker, even
    one started late to replace a dead one, evaluates with the rulesets the run started with."""

    def build(self, *, abort_on_id: str | None = None, stop_on_id: str | None = None) -> Run:
        from ..evaluation.evaluator import Evaluator
        from .rows import RowProcessor

        evaluator = Evaluator(self.catalogue or self.rulesets, engine=self.engine, weight_policy=self.weight_policy)
        processor = RowProcessor(
            evaluator, self.fmt, self.file, self.columns, self.header, abort_on_id=abort_on_id, stop_on_id=stop_on_id
        )
        writer = RowWriter(self.output_fmt)
        return lambda row: processor.text(row, writer)


def evaluate_in_process(spec: WorkerSpec, chunks: Iterable[list[RawRow]]) -> Iterator[ChunkOutput]:
    """Evaluate in this process (no crash isolation); for library use, tests and profiling."""
    run = spec.build()
    for chunk in chunks:
        yield _evaluated(run, chunk)


def _evaluated(run: Run, rows: list[RawRow], progress: Any = None) -> ChunkOutput:
    """Every row of a chunk evaluated and tallied; ``progress.value`` (if given) names the row being
    evaluated, so that the main process knows which row a dying worker was on."""
    texts: list[str] = []
    tally = Tally()
    add = tally.add
    for index, row in enumerate(rows):
        if progress is not None:
            progress.value = index
        text, entry = run(row)
        texts.append(text)
        add(row.number, *entry)
    return ChunkOutput(texts, tally)


def _packed(rows: list[RawRow]) -> tuple[list, ...]:
    """Rows as four lists (number, line, text, problem): pickled several times faster than named tuples."""
    return [r.number for r in rows], [r.line for r in rows], [r.text for r in rows], [r.problem for r in rows]


def _unpacked(packed: tuple[list, ...]) -> list[RawRow]:
    return list(map(RawRow, *packed))


def die_with_parent(parent: int) -> None:
    """End this process when ``parent`` ends, however it ends (SIGKILL included); never orphaned."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)

    def watch() -> None:  # where prctl is missing, or a parent thread that forked us ended first
        while os.getppid() == parent:
            time.sleep(_PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _worker_main(spec: WorkerSpec, conn, progress, parent: int) -> None:
    from .rows import STOP_ENV, abort_id_from_environment

    die_with_parent(parent)
    import faulthandler

    faulthandler.disable()  # a crash is reported by the main process, on its row; no dump of the parent's threads
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C and stops us
    for name in ("SIGTERM", "SIGHUP"):  # the main process ends us when it must
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    from ..engines import tune_process

    tune_process(spec.engine)  # this worker process is ours to tune
    run = spec.build(abort_on_id=abort_id_from_environment(), stop_on_id=os.environ.get(STOP_ENV) or None)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        chunk_id, packed = message
        texts, tally = _evaluated(run, _unpacked(packed), progress)
        progress.value = -1
        conn.send((chunk_id, texts, tally))


class _Chunk:
    """Rows cut in file order, evaluated in parts (tasks) perhaps by several workers, written as one."""

    def __init__(self, id: int, rows: list[RawRow]) -> None:
        self.id = id
        self.rows = rows
        self.texts: list[str | None] = [None] * len(rows)
        self.tally = Tally()
        self.left = len(rows)

    def take(self, indices: list[int], texts: list[str], tally: Tally) -> None:
        """Results for the rows at ``indices``, in that order, and their tally."""
        if self.left == len(self.rows) == len(indices) and indices == list(range(len(indices))):
            self.texts, self.tally = texts, tally  # one worker evaluated every row, in file order
        else:
            for index, text in zip(indices, texts):
                self.texts[index] = text
            self.tally.merge(tally)
        self.left -= len(indices)

    def output(self) -> ChunkOutput:
        return ChunkOutput(self.texts, self.tally)


@dataclass
class _Task:
    """Rows of one chunk for one worker: those of its home's diagnoses (home None: for any worker)."""

    chunk: _Chunk
    indices: list[int]
    home: int | None


class _Worker:
    def __init__(self, context, spec: WorkerSpec) -> None:
        self.conn, child = context.Pipe()
        self.progress = context.RawValue("l", -1)
        self.process = context.Process(target=_worker_main, args=(spec, child, self.progress, os.getpid()), daemon=True)
        self.process.start()
        child.close()
        self.task: _Task | None = None
        self.answered = 0  # tasks answered: a worker that answered one did not die starting
        self.seen = (-1, time.monotonic())  # the last progress value seen, and since when
        self.killed_for: str | None = None

    def send(self, task: _Task) -> None:
        """Hand over a task to this worker, which waits for one; if it is already dead, its
        sentinel says so to the main loop.

        Only a waiting worker gets a task, so a send never waits on a worker that is busy,
        stopped or stuck (the stall check must keep running to kill such a worker). A next task
        sent ahead into a busy worker's pipe saved about 3%, but a task larger than a pipe holds
        then blocked the main process for as long as the worker did not read: for ever if it
        was stopped (tests/test_audit_faults.py)."""
        self.task = task
        self.progress.value = -1
        self.seen = (-1, time.monotonic())
        rows = task.chunk.rows
        try:
            self.conn.send((task.chunk.id, _packed([rows[i] for i in task.indices])))
        except (OSError, ValueError):
            pass

    def stalled(self, row_timeout: float, now: float) -> bool:
        """True when the worker has shown no progress for too long on a row (or while starting)."""
        value = self.progress.value
        if value != self.seen[0]:
            self.seen = (value, now)
            return False
        waited = now - self.seen[1]
        if waited <= row_timeout:
            return False
        return value >= 0 or waited > STARTUP_SECONDS or _stopped(self.process.pid)

    def kill(self, reason: str) -> None:
        self.killed_for = reason
        try:
            self.process.kill()
        except (OSError, ValueError):
            pass

    def death(self) -> str:
        self.process.join(timeout=5)
        if self.killed_for is not None:
            return self.killed_for
        code = self.process.exitcode
        if code is not None and code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit code {code}"

    def stop(self, *, wait: bool = True) -> None:
        """Ask the worker to finish (or, when the run is being abandoned, kill it at once)."""
        if wait:
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                pass
            self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def _stopped(pid: int | None) -> bool:
    """True when the process is stopped (SIGSTOP, a debugger), where /proc tells; then it will not start."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] in (b"T", b"t")
    except (OSError, IndexError):
        return False


def _tick(row_timeout: float) -> float:
    """How long to wait for workers before looking for stalled ones."""
    return min(max(row_timeout / 4, 0.05), 1.0)


def forks() -> bool:
    """True where workers are forked (and so share what the main process loaded)."""
    return "fork" in multiprocessing.get_all_start_methods()


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def evaluate_in_workers(
    spec: WorkerSpec,
    chunks: Iterable[list[RawRow]],
    workers: int,
    *,
    on_death: Callable[[RawRow | None, str], None] | None = None,
    row_timeout: float = DEFAULT_ROW_TIMEOUT,
    peek: Callable[[RawRow], str | None] | None = None,
) -> Iterator[ChunkOutput]:
    """Evaluate chunks in ``workers`` processes; yield each chunk's output in input order.

    ``peek`` tells a row's diagnosis where it can, so that each diagnosis's rows go to one
    worker where they can (:mod:`.routing`); without it, rows go to any worker."""
    scheduler = _Scheduler(spec, iter(chunks), workers, on_death, row_timeout, peek or (lambda row: None))
    try:
        while scheduler.feed():
            scheduler.step()
            yield from scheduler.in_order()
    except BaseException:  # Ctrl-C, a write error, or the consumer stopped early: nothing more to wait for
        scheduler.stop(wait=False)
        raise
    scheduler.stop()


class _Scheduler:
    """The pool's bookkeeping: which worker holds which task, what is finished, what to retry.

    Each chunk is split by the rows' diagnoses (:class:`~.routing.Router`) into tasks, one per
    worker it is the home of; an idle worker takes its own tasks first, reads ahead (up to
    ``max_ahead`` chunks) to find some, and only then takes another worker's, so no worker
    waits while there is work. One ``step`` waits for a worker to answer, die or stall; a task
    whose worker died is finished with a crash row for the row it was on and handed on for the rest.
    """

    def __init__(self, spec: WorkerSpec, source: Iterator[list[RawRow]], workers: int,
                 on_death: Callable[[RawRow | None, str], None] | None, row_timeout: float,
                 peek: Callable[[RawRow], str | None]) -> None:
        self.spec, self.source, self.on_death, self.row_timeout = spec, source, on_death, row_timeout
        self.context = _context()
        self.writer = RowWriter(spec.output_fmt)
        self.router = Router(workers, peek)
        self.max_ahead = 2 * workers + 2
        self.pool = [_Worker(self.context, spec) for _ in range(workers)]
        self.queue: deque[_Task] = deque()
        self.finished: dict[int, ChunkOutput] = {}
        self.next_id = self.next_out = 0
        self.exhausted = False
        self.startup_failures = 0.0

    def feed(self) -> bool:
        """Give every idle worker a task; False when all work is done."""
        for slot, worker in enumerate(self.pool):
            if worker.task is None:
                task = self._task_for(slot)
                if task is not None:
                    worker.send(task)
        return bool(self._busy()) or not self.exhausted or bool(self.queue)

    def _task_for(self, slot: int) -> _Task | None:
        """The first queued task of this worker's home (or of none), reading ahead for one; else another's."""
        while True:
            for task in self.queue:
                if task.home is None or task.home == slot:
                    self.queue.remove(task)
                    return task
            if not self._read_chunk():
                break
        return self.queue.popleft() if self.queue else None

    def _read_chunk(self) -> bool:
        """Queue the next chunk's tasks; False at the end or when ``max_ahead`` chunks are held."""
        if self.exhausted or self.next_id - self.next_out >= self.max_ahead:
            return False
        rows = next(self.source, None)
        if rows is None:
            self.exhausted = True
            return False
        chunk = _Chunk(self.next_id, rows)
        self.next_id += 1
        self.queue.extend(_Task(chunk, indices, home) for home, indices in self.router.split(rows))
        return True

    def _busy(self) -> list[_Worker]:
        return [w for w in self.pool if w.task is not None]

    def step(self) -> None:
        """Wait for the busy workers; take in each answer, each death, and kill what stalled."""
        busy = self._busy()
        if not busy:
            return
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=_tick(self.row_timeout)))
        now = time.monotonic()
        for worker in busy:
            if worker.killed_for is None and worker.stalled(self.row_timeout, now):
                worker.kill(f"no answer within {self.row_timeout:g} s (stopped or stuck), so it was killed")
        for position, worker in enumerate(self.pool):
            if worker.task is not None and (worker.conn in ready or worker.process.sentinel in ready):
                if not self._answered(worker):
                    self._died(worker)
                    self.pool[position] = _Worker(self.context, self.spec)

    def _answered(self, worker: _Worker) -> bool:
        """Take the worker's answer for its task, if it sent one."""
        message = None
        if worker.conn.poll():
            try:
                message = worker.conn.recv()
            except (EOFError, OSError):
                message = None
        if message is None:
            return False
        task, worker.task = worker.task, None
        task.chunk.take(task.indices, message[1], message[2])
        self._finish(task.chunk)
        worker.answered += 1
        self.startup_failures = 0
        return True

    def _died(self, worker: _Worker) -> None:
        """The worker died with its task in hand: a crash row for the row it was on, the rest retried."""
        task, worker.task = worker.task, None
        chunk, rest = task.chunk, task.indices
        how = worker.death()
        index = worker.progress.value
        worker.conn.close()
        if 0 <= index < len(task.indices):
            row = chunk.rows[task.indices[index]]
            result, entry = crash_row(row, self.spec.file, how)
            tally = Tally()
            tally.add(row.number, *entry)
            chunk.take([task.indices[index]], [self.writer.format(result)], tally)
            rest = task.indices[:index] + task.indices[index + 1:]  # the rows before it were lost with the worker
            self.startup_failures = 0
            if self.on_death:
                self.on_death(row, how)
        else:  # between rows: before its first (while starting) or before the first of a later task
            if not worker.answered:
                # A worker that fails on its own before any row (an exit code) fails the same way each
                # time: stop soon. One killed from outside (a signal) may be unlucky: allow many more.
                self.startup_failures += 1 if worker.process.exitcode is not None and worker.process.exitcode > 0 else 0.15
            if self.on_death:
                self.on_death(None, how)
            if self.startup_failures >= MAX_STARTUP_FAILURES:
                raise EngineError(f"the audit workers keep dying before evaluating any row ({how}); stopping")
        if rest:
            self.queue.appendleft(_Task(chunk, rest, task.home))
        self._finish(chunk)

    def _finish(self, chunk: _Chunk) -> None:
        if chunk.left == 0:
            self.finished[chunk.id] = chunk.output()

    def in_order(self) -> Iterator[ChunkOutput]:
        """The finished chunks that are next in input order."""
        while self.next_out in self.finished:
            yield self.finished.pop(self.next_out)
            self.next_out += 1

    def stop(self, *, wait: bool = True) -> None:
        for worker in self.pool:
            worker.stop(wait=wait)
