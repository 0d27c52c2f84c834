"""One run, every figure: per-patient engine cost, validation cost, audit throughput, CLI wall time.

    .venv/bin/python benchmarks/run.py            # about a minute on 2 cores
    .venv/bin/python benchmarks/run.py --quick    # fewer patients and rows, for a smoke check

Prints a table (and --json FILE writes the figures). Targets are in docs/performance.md;
nothing here asserts them, and no test times anything.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from cohort import patients, write_cohort  # noqa: E402
from measure import CLOCKS, audit_in_subprocess, call_clock, cli_command, median_cpu, median_wall, percentile  # noqa: E402

from ivig_rules.loading.catalogue import load_catalogue  # noqa: E402
from ivig_rules.errors import IvigRulesError  # noqa: E402
from ivig_rules.evaluation.evaluator import Evaluator  # noqa: E402
from ivig_rules.loading.patient import patient_from_mapping  # noqa: E402

TARGETS = {  # issue 13
    "validation_median_us": 10,
    "durable_median_us": 30,
    "reference_median_us": 8,
    "audit_2_workers_per_s": 40_000,
    "audit_2_workers_cpu_capacity_per_s": 40_000,
    "help_s": 0.15,
    "help_cpu_s": 0.15,
    "run_scenarios_s": 2.0,
}


_CLOCK = {"kind": "cpu"}  # set once from --clock in main()


def time_each(function, items) -> list[float]:
    """Microseconds per item, by this thread's CPU time (default) or wall time, less the clock's own cost."""
    clock, overhead = call_clock(_CLOCK["kind"])
    out = []
    for item in items:
        started = clock()
        function(item)
        out.append((clock() - started - overhead) / 1000)
    return out


def bench_validation(catalogue, raw: list[dict]) -> tuple[list, list[float]]:
    vocab = catalogue.vocabulary
    valid = []
    for mapping in raw:  # warm-up, and keep the ones that validate
        try:
            valid.append(patient_from_mapping(mapping, vocab))
        except IvigRulesError:
            pass
    return valid, time_each(lambda m: _validate_quietly(m, vocab), raw)


def _validate_quietly(mapping, vocab) -> None:
    try:
        patient_from_mapping(mapping, vocab)
    except IvigRulesError:
        pass


def bench_engine(catalogue, engine, valid: list, rounds: int) -> tuple[list[float], list[float], list[float]]:
    """Microseconds per evaluate over every patient, over those whose result carries a dose, and
    over the first pass (each patient seen for the first time: cold caches, each new combination
    of comparison outcomes asked of the engine)."""
    with Evaluator(catalogue, engine=engine) as evaluator:
        for diagnosis in catalogue.pathways:  # compile every pathway first, as a long-lived process has
            evaluator.compiled(diagnosis)
        first = time_each(evaluator.evaluate, valid)
        dosed = [evaluator.evaluate(patient).dose is not None for patient in valid]
        times: list[float] = []
        for _ in range(rounds):
            times += time_each(evaluator.evaluate, valid)
    with_dose = [t for i, t in enumerate(times) if dosed[i % len(valid)]]
    return times, with_dose, first


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=5000, help="patients for the per-patient timings")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over those patients")
    parser.add_argument("--audit-rows", type=int, default=100_000, help="rows of the audit throughput cohort")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="1,000 patients, 20,000 audit rows, fewer CLI runs")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    parser.add_argument("--clock", choices=CLOCKS, default="cpu", help="per-patient timings by thread CPU time (default) or wall")
    args = parser.parse_args()
    _CLOCK["kind"] = args.clock
    if args.quick:
        args.patients, args.rounds, args.audit_rows = 1000, 2, 20_000
    cli_runs = 3 if args.quick else 7

    from ivig_rules.engines.durable import keep_sessions_on_heap

    keep_sessions_on_heap()  # as the audit workers do; see its docstring
    catalogue = load_catalogue(ROOT / "rulesets")
    diagnoses = sorted(catalogue.pathways)
    figures: dict[str, float] = {"cores": os.cpu_count() or 1, "python": sys.version.split()[0], "clock": args.clock,
                                 "load_before": os.getloadavg()[0]}

    raw = list(patients(catalogue.vocabulary, diagnoses, args.patients, args.seed, bad_fraction=0.0))
    valid, validation = bench_validation(catalogue, raw)
    figures["patients"] = len(valid)
    figures["validation_median_us"] = statistics.median(validation)
    figures["validation_p99_us"] = percentile(validation, 0.99)
    from ivig_rules.engines.durable import DurableEngine

    for engine, label in (("durable", "durable"), ("reference", "reference"), (DurableEngine(memo=False), "durable_core")):
        times, with_dose, first = bench_engine(catalogue, engine, valid, args.rounds)
        figures[f"{label}_median_us"] = statistics.median(times)
        figures[f"{label}_p99_us"] = percentile(times, 0.99)
        figures[f"{label}_mean_us"] = statistics.fmean(times)
        figures[f"{label}_first_pass_median_us"] = statistics.median(first)
        figures[f"{label}_first_pass_mean_us"] = statistics.fmean(first)
        figures[f"{label}_dose_median_us"] = statistics.median(with_dose)
        figures["dosed_share"] = len(with_dose) / len(times)
    figures["durable_over_reference"] = figures["durable_median_us"] / figures["reference_median_us"]

    with tempfile.TemporaryDirectory(prefix="ivig-bench-") as tmp:
        cohort = write_cohort(Path(tmp) / "cohort.csv", catalogue.vocabulary, diagnoses, args.audit_rows, args.seed)
        for workers in (1, 2):
            result = audit_in_subprocess(cohort, Path(tmp) / f"results{workers}.csv", workers)
            figures[f"audit_{workers}_workers_per_s"] = result["rows"] / result["seconds"]
            # what the run would do with its processes alone on the cores: rows per CPU second, per core used
            figures[f"audit_{workers}_workers_cpu_capacity_per_s"] = result["rows"] * min(workers, os.cpu_count() or 1) / result["cpu_seconds"]
            figures[f"audit_{workers}_workers_main_rss_mb"] = result["main_peak_rss_mb"]
            figures[f"audit_{workers}_workers_worker_rss_mb"] = result["worker_peak_rss_mb"]
        figures["audit_rows"] = result["rows"]
        figures["audit_error_rows"] = result["errors"]

    cli = cli_command()
    figures["help_s"] = median_wall([*cli, "--help"], cli_runs, ROOT)
    figures["help_cpu_s"] = median_cpu([*cli, "--help"], cli_runs, ROOT)
    figures["run_scenarios_s"] = median_wall([*cli, "run", "scenarios/"], max(3, cli_runs // 2), ROOT)

    figures["load_after"] = os.getloadavg()[0]
    print(report(figures, args))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


def report(f: dict, args) -> str:
    def target(key: str, value: float, better: str) -> str:
        goal = TARGETS.get(key)
        if goal is None:
            return ""
        met = value <= goal if better == "lower" else value >= goal
        ratio = goal / value if better == "lower" else value / goal
        return f"   target {'<=' if better == 'lower' else '>='} {goal:g}: {'met' if met else 'NOT MET'} ({ratio:.2f}x)"

    lines = [
        f"ivig-rules benchmark: {f['patients']:,} pre-validated patients x {args.rounds} rounds, seed {args.seed}, "
        f"{f['cores']} cores, Python {f['python']}, {f['clock']} clock, load average {f['load_before']:.1f} -> {f['load_after']:.1f}",
        f"  validation (patient_from_mapping)  median {f['validation_median_us']:7.1f} us   p99 {f['validation_p99_us']:7.1f} us"
        + target("validation_median_us", f["validation_median_us"], "lower"),
        f"  durable-rules engine, evaluate     median {f['durable_median_us']:7.1f} us   p99 {f['durable_p99_us']:7.1f} us"
        + target("durable_median_us", f["durable_median_us"], "lower"),
        f"    first pass (each patient new)    median {f['durable_first_pass_median_us']:7.1f} us   mean {f['durable_first_pass_mean_us']:7.1f} us",
        f"    the core for every patient       median {f['durable_core_median_us']:7.1f} us   mean {f['durable_core_mean_us']:7.1f} us"
        "   (memo=False: no answer reused)",
        f"  reference evaluator, evaluate      median {f['reference_median_us']:7.1f} us   p99 {f['reference_p99_us']:7.1f} us"
        + target("reference_median_us", f["reference_median_us"], "lower"),
        f"    first pass (each patient new)    median {f['reference_first_pass_median_us']:7.1f} us   mean {f['reference_first_pass_mean_us']:7.1f} us",
        f"  durable / reference (medians)      {f['durable_over_reference']:.2f}x",
        f"  results with a dose ({f['dosed_share']:.0%}): median durable {f['durable_dose_median_us']:.1f} us, "
        f"reference {f['reference_dose_median_us']:.1f} us",
        f"  audit of {f['audit_rows']:,} CSV rows ({f['audit_error_rows']:,} deliberately bad), durable engine:",
    ]
    for workers in (1, 2):
        key = f"audit_{workers}_workers_per_s"
        lines.append(
            f"    {workers} worker{'s' if workers > 1 else ' '}   {f[key]:9,.0f} patients/s   peak RSS main "
            f"{f[f'audit_{workers}_workers_main_rss_mb']:.0f} MB, worker {f[f'audit_{workers}_workers_worker_rss_mb']:.0f} MB"
            + target(key, f[key], "higher")
        )
        cap = f"audit_{workers}_workers_cpu_capacity_per_s"
        lines.append(f"              {f[cap]:9,.0f} patients/s by CPU time (rows x cores used / CPU seconds of all its processes)"
                     + target(cap, f[cap], "higher"))
    lines += [
        f"  ivig-rules --help                  {f['help_s']:.3f} s wall (median)" + target("help_s", f["help_s"], "lower"),
        f"  ivig-rules --help                  {f['help_cpu_s']:.3f} s CPU (median)" + target("help_cpu_s", f["help_cpu_s"], "lower"),
        f"  ivig-rules run scenarios/          {f['run_scenarios_s']:.3f} s (median)"
        + target("run_scenarios_s", f["run_scenarios_s"], "lower"),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
