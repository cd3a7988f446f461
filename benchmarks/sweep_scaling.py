"""A 200-member sweep on the default scenario's peak week, on 1 and then 2 Dask workers.

50 random seasons x 4 decisions (Borgo Mezzanone open or not x 0 or 2 extra minibuses per
foresteria), as scenarios/sweeps/borgo-mezzanone.toml but with lighter budgets (150 iterations,
patience 30, chaining 0.1 deterministic s) to fit the session. Reports wall time, throughput,
scaling efficiency (speed-up / workers), per-member cost, and checks both tables are identical.

Usage: python benchmarks/sweep_scaling.py [DRAWS] [SUBSET_DRAWS]
  (default 50 and 13: the 200-member sweep on 2 workers, and a 52-member subset, the same
  decisions with the first 13 draws, on 1 and on 2 workers for the scaling efficiency)
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from foresterie.sweep.members import load_sweep
from foresterie.sweep.runner import run_sweep

ROOT = Path(__file__).resolve().parents[1]


def _sweep_file(work: Path, draws: int) -> Path:
    text = (ROOT / "scenarios" / "sweeps" / "borgo-mezzanone.toml").read_text(encoding="utf-8")
    text = (
        text.replace("draws = 20", f"draws = {draws}")
        .replace('base = "../puglia-2026"', f'base = "{ROOT / "scenarios" / "puglia-2026"}"')
        .replace("shuttle_iterations = 300", "shuttle_iterations = 150")
        .replace("shuttle_patience = 50", "shuttle_patience = 30")
        .replace("chaining_deterministic_time = 0.2", "chaining_deterministic_time = 0.1")
    )
    path = work / f"sweep-{draws}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _run(work: Path, draws: int, workers: int) -> float:
    sweep = load_sweep(_sweep_file(work, draws))
    t0 = time.perf_counter()
    res = run_sweep(sweep, work / f"d{draws}-w{workers}", workers=workers, keep_runs=False)
    wall = time.perf_counter() - t0
    per = [r["wall_s"] for r in res.rows]
    print(
        f"{len(res.rows)} members on {workers} worker(s): {wall:.0f} s = "
        f"{len(res.rows) / wall * 60:.1f} members/min; member median {statistics.median(per):.1f} s"
        f" (max {max(per):.1f}); failed {res.failed}",
        flush=True,
    )
    return wall


def main() -> None:
    draws = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    subset = int(sys.argv[2]) if len(sys.argv) > 2 else 13
    work = Path(tempfile.mkdtemp(prefix="sweep-bench-"))
    print(
        f"# Sweep scaling, {date.today()}, {platform.machine()}, {os.cpu_count()} cores", flush=True
    )
    one = _run(work, subset, 1)
    two = _run(work, subset, 2)
    same = (work / f"d{subset}-w1" / "results.csv").read_bytes() == (
        work / f"d{subset}-w2" / "results.csv"
    ).read_bytes()
    print(
        f"speed-up 2 vs 1 worker: {one / two:.2f} (efficiency {one / two / 2:.0%}); "
        f"tables identical: {same}",
        flush=True,
    )
    _run(work, draws, 2)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
