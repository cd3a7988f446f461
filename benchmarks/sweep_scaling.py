"""A 200-member sweep on the default scenario's peak week, on 1 and then 2 Dask workers.

50 random seasons x 4 decisions (Borgo Mezzanone open or not x 0 or 2 extra minibuses per
foresteria), as scenarios/sweeps/borgo-mezzanone.toml but with lighter budgets (150 iterations,
patience 30, chaining 0.1 deterministic s) to fit the session. Reports wall time, throughput,
scaling efficiency (speed-up / workers), per-member cost, and checks both tables are identical.

Usage: python benchmarks/sweep_scaling.py [DRAWS]   (default 50, i.e. 200 members)
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

from foresterie.sweep import load_sweep, run_sweep

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    draws = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    work = Path(tempfile.mkdtemp(prefix="sweep-bench-"))
    text = (ROOT / "scenarios" / "sweeps" / "borgo-mezzanone.toml").read_text(encoding="utf-8")
    text = text.replace("draws = 20", f"draws = {draws}").replace(
        'base = "../puglia-2026"', f'base = "{ROOT / "scenarios" / "puglia-2026"}"').replace(
        "shuttle_iterations = 300", "shuttle_iterations = 150").replace(
        "shuttle_patience = 50", "shuttle_patience = 30").replace(
        "chaining_deterministic_time = 0.2", "chaining_deterministic_time = 0.1")
    (work / "sweep.toml").write_text(text, encoding="utf-8")
    sweep = load_sweep(work / "sweep.toml")
    walls = {}
    for n in (1, 2):
        t0 = time.perf_counter()
        res = run_sweep(sweep, work / f"w{n}", workers=n, keep_runs=False)
        walls[n] = time.perf_counter() - t0
        per = [r["wall_s"] for r in res.rows]
        print(f"workers {n}: {len(res.rows)} members in {walls[n]:.0f} s = "
              f"{len(res.rows) / walls[n] * 60:.1f} members/min; member median "
              f"{statistics.median(per):.1f} s (max {max(per):.1f}); failed {res.failed}", flush=True)
    same = (work / "w1" / "results.csv").read_bytes() == (work / "w2" / "results.csv").read_bytes()
    speedup = walls[1] / walls[2]
    print(f"# Sweep scaling, {date.today()}, {platform.machine()}, {os.cpu_count()} cores")
    print(f"speed-up 2 vs 1 worker: {speedup:.2f} (efficiency {speedup / 2:.0%}); "
          f"tables identical: {same}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
