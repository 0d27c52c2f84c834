"""How lint's analysis grows with the fact space: partitioning against enumeration, 10^4 to 10^8 points.

    .venv/bin/python benchmarks/analysis.py            # about a minute on 2 shared cores
    .venv/bin/python benchmarks/analysis.py --quick    # 10^4 to 10^6, enumeration to 10^4

For each size, a generated pathway (benchmarks/generated_pathway.py, lines of therapy with
flags and age thresholds) is linted whole (``lint_paths`` on its file: loading, structure,
space and graph checks) and its space analysis is timed by partitioning (what lint does) and,
up to ``--enumerate-up-to`` points, by enumerating every patient (the method before); past
that, enumeration's time is extrapolated from its cost per point and marked "~". Then the
shipped rulesets: ``lint_paths`` in process and ``ivig-rules lint rulesets/`` as a command.
Wall and CPU seconds are medians of repeated runs; the CPU figure is what the shared machine's
load cannot inflate. Targets: shipped rulesets < 1 s, a 10^8-point pathway < 10 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generated_pathway import shape_for, space_points, write_pathway  # noqa: E402
from measure import cli_command, median_cpu, median_wall  # noqa: E402

from ivig_rules.loading.catalogue import load_catalogue  # noqa: E402
from ivig_rules.logic.compiler import normalise  # noqa: E402
from ivig_rules.logic.fact_space import axes  # noqa: E402
from ivig_rules.lint import lint_paths  # noqa: E402
from ivig_rules.lint.space_checks import pathway_space_findings, pathway_space_findings_by_enumeration  # noqa: E402
from ivig_rules.loading.rulesets import load_pathway  # noqa: E402
from ivig_rules.logic.partition import SpaceDiagram  # noqa: E402

TARGET_SHIPPED_S = 1.0
TARGET_10_8_S = 10.0


def timed(function, runs: int) -> tuple[float, float, object]:
    """Median wall and CPU seconds of ``function()`` over ``runs`` runs, and its last result."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def growth_row(folder: Path, exponent: int, vocab, args) -> dict:
    shape = shape_for(10**exponent)
    points = space_points(*shape)
    path = write_pathway(folder / f"generated_{exponent}.yaml", *shape, pathway_id=f"generated_1e{exponent}")
    lint_wall, lint_cpu, report = timed(lambda: lint_paths([path], rulesets=ROOT / "rulesets"), args.runs)
    pathway = load_pathway(path, vocab)
    part_wall, part_cpu, _ = timed(lambda: pathway_space_findings(pathway, vocab), args.runs)
    diagram = SpaceDiagram([normalise(r.when) for r in pathway.rules], axes(pathway, vocab))
    diagram.cells()
    row = {
        "exponent": exponent, "points": points, "shape": shape, "rules": len(pathway.rules),
        "nodes": diagram.nodes, "conditions": diagram.conditions,
        "findings": len(report.findings), "lint_wall": lint_wall, "lint_cpu": lint_cpu,
        "partition_cpu": part_cpu, "partition_wall": part_wall,
    }
    if points <= args.enumerate_up_to:
        _, enum_cpu, _ = timed(lambda: pathway_space_findings_by_enumeration(pathway, vocab), 1)
        row["enumeration_cpu"], row["enumeration_measured"] = enum_cpu, True
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from-exponent", type=int, default=4)
    parser.add_argument("--to-exponent", type=int, default=8)
    parser.add_argument("--enumerate-up-to", type=int, default=200_000, help="enumerate spaces up to this many points")
    parser.add_argument("--runs", type=int, default=3, help="repeats per timing (medians)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.to_exponent, args.enumerate_up_to, args.runs = 6, 20_000, 1

    catalogue = load_catalogue(ROOT / "rulesets")
    vocab = catalogue.vocabulary
    lint_paths([ROOT / "rulesets"])  # warm-up: imports, caches
    rows = []
    with tempfile.TemporaryDirectory(prefix="ivig-analysis-") as tmp:
        for exponent in range(args.from_exponent, args.to_exponent + 1):
            rows.append(growth_row(Path(tmp), exponent, vocab, args))
    per_point = [r["enumeration_cpu"] / r["points"] for r in rows if r.get("enumeration_measured")]
    cost = statistics.median(per_point) if per_point else None
    for row in rows:
        if "enumeration_cpu" not in row and cost is not None:
            row["enumeration_cpu"], row["enumeration_measured"] = cost * row["points"], False

    shipped_wall, shipped_cpu, shipped = timed(lambda: lint_paths([ROOT / "rulesets"]), max(args.runs, 5))
    os.chdir(ROOT)
    cli_wall = median_wall([*cli_command(), "lint", "rulesets/"], max(args.runs, 3), ROOT)
    cli_cpu = median_cpu([*cli_command(), "lint", "rulesets/"], max(args.runs, 3), ROOT)
    enum_total = part_total = 0.0
    for pathway in catalogue.pathways.values():
        part_total += timed(lambda: pathway_space_findings(pathway, vocab), 3)[1]
        enum_total += timed(lambda: pathway_space_findings_by_enumeration(pathway, vocab), 1)[1]

    print(report(rows, args, shipped_wall, shipped_cpu, len(shipped.findings), (cli_wall, cli_cpu), part_total, enum_total))
    return 0


def report(rows, args, shipped_wall, shipped_cpu, shipped_findings, cli, part_total, enum_total) -> str:
    cli_wall, cli_cpu = cli
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        f"lint analysis growth: generated 'lines' pathways, medians of {args.runs}, "
        f"{os.cpu_count()} cores, load average {load:.1f}, Python {sys.version.split()[0]}",
        "| points | therapies, flags, age thresholds | rules | diagram nodes | distinct conditions "
        "| lint (wall / CPU s) | partition CPU s | enumeration CPU s | enumeration / partition |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        enum = r.get("enumeration_cpu")
        shown = "n/a" if enum is None else (f"{enum:.3g}" if r["enumeration_measured"] else f"~{enum:.3g}")
        ratio = "n/a" if enum is None else f"{'' if r['enumeration_measured'] else '~'}{enum / max(r['partition_cpu'], 1e-6):,.0f}x"
        lines.append(
            f"| {r['points']:,} | {', '.join(map(str, r['shape']))} | {r['rules']} | {r['nodes']:,} | {r['conditions']:,} "
            f"| {r['lint_wall']:.3f} / {r['lint_cpu']:.3f} | {r['partition_cpu']:.4f} | {shown} | {ratio} |"
        )
    largest = rows[-1]
    lines += [
        "~ : extrapolated from enumeration's measured cost per point (it enumerates up to "
        f"{args.enumerate_up_to:,} points here; lint itself refused more than 500,000 before).",
        f"largest generated pathway ({largest['points']:,} points): lint {largest['lint_wall']:.3f} s wall, "
        f"{largest['lint_cpu']:.3f} s CPU; target < {TARGET_10_8_S:g} s: "
        f"{'met' if largest['points'] >= 10**8 and largest['lint_wall'] < TARGET_10_8_S else 'NOT MET' if largest['points'] >= 10**8 else 'not measured (run without --quick)'}"
        f" ({TARGET_10_8_S / max(largest['lint_wall'], 1e-9):.0f}x under)",
        f"shipped rulesets: lint_paths {shipped_wall:.3f} s wall, {shipped_cpu:.3f} s CPU ({shipped_findings} findings); "
        f"`ivig-rules lint rulesets/` {cli_wall:.3f} s wall, {cli_cpu:.3f} s CPU; target < {TARGET_SHIPPED_S:g} s: "
        f"in process {'met' if shipped_wall < TARGET_SHIPPED_S else 'NOT MET'} ({TARGET_SHIPPED_S / shipped_wall:.1f}x), "
        f"command by CPU {'met' if cli_cpu < TARGET_SHIPPED_S else 'NOT MET'} ({TARGET_SHIPPED_S / cli_cpu:.1f}x), "
        f"command by wall {'met' if cli_wall < TARGET_SHIPPED_S else 'NOT MET'} ({TARGET_SHIPPED_S / cli_wall:.1f}x)",
        f"shipped pathways' space analysis, all 12: partition {part_total:.3f} s CPU, enumeration {enum_total:.3f} s CPU "
        f"({enum_total / max(part_total, 1e-9):.1f}x)",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
