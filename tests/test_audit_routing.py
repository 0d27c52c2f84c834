"""Rows are routed to workers by diagnosis (each combination worked out by one worker), yet no
worker waits while there is work, and the results are those of any other routing."""

from __future__ import annotations

from collections import deque

from ivig_rules.audit.cohort import RawRow
from ivig_rules.audit.pool import _Scheduler
from ivig_rules.audit.routing import MAX_HOMES, Router, diagnosis_peek

COLUMNS = ("id", "diagnosis", "age_years")


def _rows(diagnoses: list[str]) -> list[RawRow]:
    return [RawRow(i + 1, i + 2, f"p{i},{d},40\n") for i, d in enumerate(diagnoses)]


def test_each_diagnosis_has_one_home_and_the_homes_share_the_diagnoses():
    router = Router(2, diagnosis_peek("csv", COLUMNS))
    homes: dict[str, set] = {}
    for _ in range(5):
        rows = _rows(["gbs", "cidp", "mmn", "adem"] * 10)
        for home, indices in router.split(rows):
            for i in indices:
                homes.setdefault(rows[i].text.split(",")[1], set()).add(home)
    assert all(len(h) == 1 for h in homes.values())
    assert sorted(h for (h,) in homes.values()) == [0, 0, 1, 1]


def test_rows_whose_diagnosis_cannot_be_peeked_go_to_any_worker():
    peek = diagnosis_peek("csv", COLUMNS)
    assert peek(RawRow(1, 2, 'p1,"gbs",40\n')) is None  # a quoted cell: parsed only in the worker
    assert peek(RawRow(1, 2, None, "line too long")) is None
    assert peek(RawRow(1, 2, "p1, gbs ,40\n")) == "gbs"
    assert diagnosis_peek("jsonl", ())(RawRow(1, 2, '{"id": "p", "diagnosis": "cidp"}')) == "cidp"
    assert diagnosis_peek("fhir", ())(RawRow(1, 2, "{}")) is None
    router = Router(2, peek)
    assert router.split([RawRow(1, 2, 'p1,"gbs",40\n')]) == [(None, [0])]


def test_a_cohort_of_endless_new_diagnoses_does_not_grow_the_routing_table_without_bound():
    router = Router(2, diagnosis_peek("csv", COLUMNS))
    router.split(_rows([f"d{i}" for i in range(MAX_HOMES + 50)]))
    assert len(router._homes) == MAX_HOMES
    assert router.split(_rows(["d-new"])) == [(None, [0])]


def _scheduler(diagnoses_per_chunk: list[list[str]], workers: int = 2) -> _Scheduler:
    """The scheduler's bookkeeping alone, over these chunks (no worker processes)."""
    scheduler = object.__new__(_Scheduler)
    scheduler.source = iter(_rows(d) for d in diagnoses_per_chunk)
    scheduler.router = Router(workers, diagnosis_peek("csv", COLUMNS))
    scheduler.max_ahead = 2 * workers + 2
    scheduler.queue = deque()
    scheduler.next_id = scheduler.next_out = 0
    scheduler.exhausted = False
    return scheduler


def test_a_worker_takes_its_own_rows_first_then_reads_ahead_then_takes_another_workers():
    scheduler = _scheduler([["gbs", "cidp"] * 4, ["gbs"] * 8, ["cidp"] * 8])
    first = scheduler._task_for(0)
    second = scheduler._task_for(1)
    assert {first.home, second.home} == {0, 1} and first.chunk is second.chunk  # one chunk, split in two
    again = scheduler._task_for(first.home)
    assert again.home == first.home and again.chunk.id > 0  # read ahead for its own diagnosis
    assert scheduler._task_for(first.home).home == second.home  # none of its own left: it helps the other


def test_a_cohort_of_one_diagnosis_keeps_every_worker_busy():
    scheduler = _scheduler([["gbs"] * 8] * 6)
    tasks = [scheduler._task_for(slot) for slot in (0, 1, 0, 1)]
    assert all(task is not None for task in tasks)
    assert sorted(t.chunk.id for t in tasks) == [0, 1, 2, 3]
