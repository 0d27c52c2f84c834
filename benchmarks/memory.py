"""Peak memory of an audit as the cohort grows: it should stay flat (streaming, bounded chunks).

    .venv/bin/python benchmarks/memory.py                    # 10,000 / 100,000 / 1,000,000 rows
    .venv/bin/python benchmarks/memory.py --rows 10000 50000  # other sizes

For each size a seeded CSV cohort is generated in a temporary folder (about 110 bytes a row)
and audited by ``audit_cohort`` in a fresh interpreter with 2 workers; the peak resident
memory of the main process and of the largest worker is printed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cohort import write_cohort  # noqa: E402
from measure import audit_in_subprocess  # noqa: E402

from ivig_rules.loading.catalogue import load_catalogue  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engine", default="durable")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    catalogue = load_catalogue(HERE.parent / "rulesets")
    print(f"{'rows':>10}  {'cohort MB':>9}  {'seconds':>8}  {'patients/s':>10}  {'main peak RSS':>13}  {'worker peak RSS':>15}")
    with tempfile.TemporaryDirectory(prefix="ivig-memory-") as tmp:
        for rows in args.rows:
            cohort = Path(tmp) / f"cohort_{rows}.csv"
            write_cohort(cohort, catalogue.vocabulary, sorted(catalogue.pathways), rows, args.seed)
            started = time.perf_counter()
            result = audit_in_subprocess(cohort, Path(tmp) / "results.csv", args.workers, args.engine)
            wall = time.perf_counter() - started
            print(
                f"{result['rows']:>10,}  {cohort.stat().st_size / 1e6:>9.1f}  {wall:>8.1f}  "
                f"{result['rows'] / result['seconds']:>10,.0f}  {result['main_peak_rss_mb']:>10.1f} MB  "
                f"{result['worker_peak_rss_mb']:>12.1f} MB",
                flush=True,
            )
            cohort.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
