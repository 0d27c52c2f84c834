"""What an audit run found, counted: rows by pathway and verdict, errors, worker deaths, speed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .._text import plural

__all__ = ["AuditSummary", "Tally", "MAX_EXAMPLES"]

MAX_EXAMPLES = 10
"""Error messages kept for the summary; every error is in the results file anyway."""


@dataclass
class Tally:
    """What some result rows add to the summary, counted where the rows were evaluated, so that
    the main process adds a chunk at once rather than row by row. Rows may be counted in any
    order (a worker takes a chunk's rows grouped by diagnosis): the error examples kept are
    those of the first rows in the file, by row number."""

    rows: int = 0
    verdicts: Counter = field(default_factory=Counter)  # (pathway, verdict) -> rows evaluated
    errors: int = 0
    examples: list[tuple[int, str]] = field(default_factory=list)  # (row number, message): the first in the file, sorted

    def add(self, number: int, pathway: str | None, verdict: str | None, error: str | None) -> None:
        """Count the row numbered ``number`` in the file."""
        self.rows += 1
        if error is None:
            self.verdicts[pathway, verdict] += 1
            return
        self.errors += 1
        if len(self.examples) < MAX_EXAMPLES or number < self.examples[-1][0]:
            self.examples = sorted([*self.examples, (number, error)])[:MAX_EXAMPLES]

    def merge(self, other: "Tally") -> None:
        """Add ``other``, a tally of other rows."""
        self.rows += other.rows
        self.verdicts.update(other.verdicts)
        self.errors += other.errors
        self.examples = sorted(self.examples + other.examples)[:MAX_EXAMPLES]


@dataclass
class AuditSummary:
    cohort: str
    results: str
    engine: str
    workers: int
    rows: int = 0
    errors: int = 0
    worker_deaths: int = 0
    seconds: float = 0.0
    by_verdict: Counter = field(default_factory=Counter)
    by_pathway: dict[str, Counter] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)

    def add(self, pathway: str | None, verdict: str | None, error: str | None) -> None:
        self.rows += 1
        if error is not None:
            self.errors += 1
            if len(self.error_examples) < MAX_EXAMPLES:
                self.error_examples.append(error)
            return
        self.by_verdict[verdict] += 1
        self.by_pathway.setdefault(pathway, Counter())[verdict] += 1

    def add_tally(self, tally: Tally) -> None:
        """Add a chunk's rows at once (the same counts as :meth:`add` row by row)."""
        self.rows += tally.rows
        self.errors += tally.errors
        for (pathway, verdict), count in tally.verdicts.items():
            self.by_verdict[verdict] += count
            self.by_pathway.setdefault(pathway, Counter())[verdict] += count
        room = MAX_EXAMPLES - len(self.error_examples)
        if room > 0:
            self.error_examples.extend(message for _, message in tally.examples[:room])

    @property
    def ok(self) -> int:
        return self.rows - self.errors

    @property
    def per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "cohort": self.cohort,
            "results": self.results,
            "engine": self.engine,
            "workers": self.workers,
            "rows": self.rows,
            "evaluated": self.ok,
            "errors": self.errors,
            "worker_deaths": self.worker_deaths,
            "by_verdict": dict(sorted(self.by_verdict.items())),
            "by_pathway": {p: dict(sorted(c.items())) for p, c in sorted(self.by_pathway.items())},
            "error_examples": list(self.error_examples),
            "seconds": round(self.seconds, 3),
            "patients_per_second": round(self.per_second, 1),
        }

    def to_text(self) -> str:
        lines = [
            f"audit of {self.cohort}: {plural(self.rows, 'row')}, {self.ok:,} evaluated, {self.errors:,} with errors"
            + (f", {plural(self.worker_deaths, 'worker death')}" if self.worker_deaths else ""),
        ]
        if self.by_pathway:
            verdicts = sorted(self.by_verdict)
            width = max(len(p) for p in self.by_pathway)
            lines.append(f"  {'pathway':<{width}}  " + "  ".join(f"{v:>15}" for v in verdicts))
            for pathway, counts in sorted(self.by_pathway.items()):
                lines.append(f"  {pathway:<{width}}  " + "  ".join(f"{counts.get(v, 0):>15,}" for v in verdicts))
        for example in self.error_examples:
            lines.append(f"  error: {example}")
        if self.errors > len(self.error_examples):
            lines.append(f"  ... and {self.errors - len(self.error_examples):,} more; see the error column of {self.results}")
        lines.append(
            f"results in {self.results}; {self.seconds:.2f} s, {self.per_second:,.0f} patients/s "
            f"({self.engine} engine, {plural(self.workers, 'worker') if self.workers else 'in this process'})"
        )
        return "\n".join(lines)

