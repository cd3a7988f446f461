"""The Solomon/Homberger guard: the shuttle engine (PyVRP behind our interface, as the shuttles
call it) against PyVRP used directly with its defaults, on the same instances, time limit and
seed, side by side in one run (DIMACS convention: arcs truncated to 0.1). OR-Tools optional.

Usage: python benchmarks/vrptw_solomon.py [SECONDS] [--quick] [--seed N] [--folder DIR]
                                          [--only NAME,NAME] [ENGINE ...]
  SECONDS   per instance and engine, reading included (default 10)
  --quick   three instances (C101, R101, RC101) for a CI-safe smoke run
  --folder  another instance folder (e.g. ../shared/benchmarks/homberger); --only: those stems
  ENGINE    pyvrp (our engine), pyvrp-direct (the baseline), ortools; default the first two
The full guard: python benchmarks/vrptw_solomon.py 10   (all instances in ../shared, ~2 x 6 min)
Skips if ../shared is absent.
"""

from __future__ import annotations

import platform
import statistics
import sys
from datetime import date
from pathlib import Path

from foresterie.shuttles.solomon import BenchResult, run, run_pyvrp_direct

FOLDER = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "solomon"
QUICK = ("C101", "R101", "RC101")


def solve(path: Path, engine: str, limit: float, seed: int) -> BenchResult:
    if engine == "pyvrp-direct":
        return run_pyvrp_direct(path, limit, seed=seed)
    return run(path, engine, limit, seed=seed)


def main() -> None:
    argv = sys.argv[1:]
    quick = "--quick" in argv
    seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 1
    folder = Path(argv[argv.index("--folder") + 1]) if "--folder" in argv else FOLDER
    only = set(argv[argv.index("--only") + 1].split(",")) if "--only" in argv else set()
    skip = {argv.index(o) + 1 for o in ("--seed", "--folder", "--only") if o in argv}
    rest = [a for i, a in enumerate(argv) if not a.startswith("--") and i not in skip]
    limit = float(rest[0]) if rest and rest[0].replace(".", "", 1).isdigit() else 10.0
    engines = [a for a in rest if not a.replace(".", "", 1).isdigit()] or ["pyvrp", "pyvrp-direct"]
    if not folder.is_dir():
        print(f"skipped: {folder} not found (the benchmark instances live in ../shared)")
        return
    files = sorted(folder.glob("*.vrp"))
    if quick or only:
        files = [f for f in files if f.stem in (only or QUICK)]
    print(
        f"# VRPTW guard ({folder.name}), {len(files)} instances, {limit:g} s each, seed {seed}, "
        f"{date.today()}, {platform.processor() or platform.machine()}, 1 thread"
    )
    print(
        "| instance | BKS | " + " | ".join(f"{e} distance (routes) | gap %" for e in engines) + " |"
    )
    print("| --- | --- | " + " | ".join("--- | ---" for _ in engines) + " |")
    results: dict[str, list[BenchResult]] = {e: [] for e in engines}
    for f in files:
        cells = []
        bks = None
        for e in engines:
            r = solve(f, e, limit, seed)
            results[e].append(r)
            bks = r.bks
            gap = f"{r.gap_pct:.2f}" if r.gap_pct is not None else "n/a"
            mark = "" if r.feasible else " INFEASIBLE"
            cells.append(f"{r.distance:.1f} ({r.routes}){mark} | {gap}")
        print(f"| {f.stem} | {bks} | " + " | ".join(cells) + " |", flush=True)
    print()
    for e, rs in results.items():
        gaps = [r.gap_pct for r in rs if r.gap_pct is not None]
        ok = sum(r.feasible for r in rs)
        mean = statistics.mean(gaps) if gaps else float("nan")
        worst = max(gaps) if gaps else float("nan")
        print(f"{e}: feasible {ok}/{len(rs)}, mean gap {mean:.2f} %, worst {worst:.2f} %")
    if "pyvrp" in results and "pyvrp-direct" in results:
        pairs = list(zip(results["pyvrp"], results["pyvrp-direct"], strict=True))
        worse = [a.instance for a, b in pairs if not a.feasible or a.distance > b.distance + 1e-9]
        print(
            f"guard: the engine is worse than PyVRP direct on {len(worse)}/{len(pairs)} "
            f"instances{': ' + ', '.join(worse) if worse else ''}; mean distance ratio "
            f"{statistics.mean(a.distance / b.distance for a, b in pairs):.4f}"
        )


if __name__ == "__main__":
    main()
