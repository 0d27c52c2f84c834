"""A chunk's tally, counted in the worker and added at once, gives the summary that adding its rows one by one gives."""

from __future__ import annotations

import random

from ivig_rules.audit.summary import MAX_EXAMPLES, AuditSummary, Tally


def _entries(rng: random.Random, n: int) -> list[tuple]:
    out = []
    for i in range(n):
        if rng.random() < 0.3:
            out.append((None, None, f"row {i}: bad"))
        else:
            out.append((rng.choice(["gbs", "cidp"]), rng.choice(["recommended", "not_recommended"]), None))
    return out


def test_tallies_of_chunks_and_of_rows_lost_with_a_worker_add_up_to_the_row_by_row_summary():
    rng = random.Random(5)
    for _ in range(200):
        entries = _entries(rng, rng.randint(0, 60))
        by_row = AuditSummary("c", "r", "durable", 2)
        for entry in entries:
            by_row.add(*entry)
        by_chunk = AuditSummary("c", "r", "durable", 2)
        size = rng.randint(1, 25)
        for start in range(0, len(entries), size):
            chunk = entries[start:start + size]
            share = rng.choice([0.0, 0.2, 1.0])
            lost = {i for i in range(len(chunk)) if rng.random() < share}  # finished by the main process
            indices = [i for i in range(len(chunk)) if i not in lost]
            from_worker = Tally()
            for position, index in enumerate(indices):
                from_worker.add(position, *chunk[index])
            whole = Tally()
            for index in sorted(lost):
                whole.add(index, *chunk[index])
            whole.merge(from_worker, indices)
            by_chunk.add_tally(whole)
        assert by_chunk.to_dict() == by_row.to_dict()
        assert len(by_chunk.error_examples) == min(MAX_EXAMPLES, by_row.errors)
