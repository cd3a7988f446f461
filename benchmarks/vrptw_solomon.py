"""Both shuttle engines on the Solomon VRPTW instances (DIMACS convention) at a fixed time limit.

Usage: python benchmarks/vrptw_solomon.py [SECONDS] [ENGINE ...]; skips if ../shared is absent.
"""

from __future__ import annotations

import platform
import statistics
import sys
from datetime import date
from pathlib import Path

from foresterie.shuttles.solomon import run

FOLDER = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "solomon"


def main() -> None:
    if not FOLDER.is_dir():
        print(f"skipped: {FOLDER} not found (the Solomon instances live in ../shared)")
        return
    limit = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    engines = sys.argv[2:] or ["pyvrp", "ortools"]
    files = sorted(FOLDER.glob("*.vrp"))
    print(
        f"# Solomon VRPTW, {len(files)} instances, {limit:g} s each, {date.today()}, "
        f"{platform.processor() or platform.machine()}, 1 thread"
    )
    print("| instance | engine | distance | routes | feasible | BKS | gap % |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    summary = {}
    for engine in engines:
        gaps, feasible = [], 0
        for f in files:
            r = run(f, engine, limit, seed=1)
            feasible += r.feasible
            if r.gap_pct is not None:
                gaps.append(r.gap_pct)
            gap = f"{r.gap_pct:.2f}" if r.gap_pct is not None else "n/a"
            print(
                f"| {r.instance} | {engine} | {r.distance:.1f} | {r.routes} | {r.feasible} | "
                f"{r.bks} | {gap} |",
                flush=True,
            )
        summary[engine] = (
            feasible,
            len(files),
            statistics.mean(gaps) if gaps else float("nan"),
            max(gaps) if gaps else float("nan"),
        )
    print()
    for engine, (ok, n, mean, worst) in summary.items():
        print(f"{engine}: feasible {ok}/{n}, mean gap {mean:.2f} %, worst {worst:.2f} %")


if __name__ == "__main__":
    main()
