"""Tallies counted where rows were evaluated, in any order, add up to the summary that adding
the rows one by one in file order gives, error examples included."""

from __future__ import annotations

import random

from ivig_rules.audit.summary import MAX_EXAMPLES, AuditSummary, Tally


def _entries(rng: random.Random, n: int) -> list[tuple]:
    out = []
    for i in range(n):
        if rng.random() < 0.3:
            out.append((None, None, f"row {i + 1}: bad"))
        else:
            out.append((rng.choice(["gbs", "cidp"]), rng.choice(["recommended", "not_recommended"]), None))
    return out


def test_tallies_of_rows_in_any_order_add_up_to_the_row_by_row_summary():
    rng = random.Random(5)
    for _ in range(300):
        entries = _entries(rng, rng.randint(0, 60))
        by_row = AuditSummary("c", "r", "durable", 2)
        for entry in entries:
            by_row.add(*entry)
        by_chunk = AuditSummary("c", "r", "durable", 2)
        size = rng.randint(1, 25)
        for start in range(0, len(entries), size):
            numbers = list(range(start + 1, min(start + size, len(entries)) + 1))  # the chunk's rows
            rng.shuffle(numbers)  # split among workers, each taking its rows grouped by diagnosis
            cut = rng.randint(0, len(numbers))
            whole = Tally()
            for part in (numbers[:cut], numbers[cut:]):
                tally = Tally()
                for number in part:
                    tally.add(number, *entries[number - 1])
                whole.merge(tally)
            by_chunk.add_tally(whole)
        assert by_chunk.to_dict() == by_row.to_dict()
        assert len(by_chunk.error_examples) == min(MAX_EXAMPLES, by_row.errors)


def test_the_first_errors_of_the_file_are_the_examples_even_when_a_worker_meets_them_last():
    tally = Tally()
    for number in [*range(2, 14), 1]:  # row 1 (another diagnosis) evaluated after rows 2 to 13
        tally.add(number, None, None, f"row {number}: bad")
    assert [n for n, _ in tally.examples] == list(range(1, MAX_EXAMPLES + 1))
