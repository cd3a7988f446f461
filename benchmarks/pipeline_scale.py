"""The whole pipeline (`foresterie solve`: load, travel, housing, shuttles, plan files, verify,
report with map and driver sheets) on generated seasons of growing size, and how its cost grows.

Seasons from scenario/generator.py (1 May-30 September, beds at 1/1.5 of peak demand, fleets
scaled to beds). Farms and foresterie grow with the workers, so each foresteria-day's routing
problem keeps its size: about 300 workers and 25 farms per foresteria (1,700 workers: 6
foresterie, 150 farms, as housing_scale.py). Each size runs in a fresh child process, so its CPU
(the child and its route-search workers) and peak memory (the largest process) are its own.

Usage: python benchmarks/pipeline_scale.py [N ...]   (default 1700 5000 20000)
The 50,000-worker season: python benchmarks/pipeline_scale.py 50000 (tens of minutes on 2 cores).
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path


def sizes_for(n: int) -> tuple[int, int]:
    """(foresterie, farms) for n workers."""
    fores = max(6, round(n / 300))
    return fores, 25 * fores


def one(n: int) -> None:
    """Child: generate, solve with the report, print one JSON line."""
    from foresterie.report.html import write_report
    from foresterie.run.pipeline import solve
    from foresterie.scenario.generator import generate, write

    fores, farms = sizes_for(n)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "scenario"
        write(generate(f"scale-{n}", n, farms, fores, seed=1, oversubscription=1.5), folder)
        t0 = time.perf_counter()
        summary = solve(folder, Path(tmp) / "run", report=lambda run: write_report(run))
        wall = time.perf_counter() - t0
    k = summary.manifest["kpis"]
    print(
        json.dumps(
            {
                "workers": n,
                "foresterie": fores,
                "farms": farms,
                "wall_s": round(wall, 1),
                "stages_s": summary.manifest["timings_s"],
                "housed": k["housing"]["housed"],
                "trips": k["transport"]["trips"],
                "worker_days": k["transport"]["worker_days_transported"],
                "unserved_worker_days": k["transport"]["unserved_worker_days"],
                "vehicle_km": k["transport"]["vehicle_km"],
                "route_searches": summary.manifest["shuttles"]["route_searches"],
                "chaining_optimal": summary.manifest["shuttles"]["chaining_optimal"],
            }
        )
    )


def fit(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log y on log x: the growth exponent."""
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sum(
        (a - mx) ** 2 for a in lx
    )


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        one(int(sys.argv[2]))
        return
    sizes = [int(a) for a in sys.argv[1:]] or [1700, 5000, 20000]
    print(
        f"# Pipeline scale, {date.today()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f} at start; CPU = the whole process tree"
    )
    rows = []
    for n in sizes:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--one", str(n)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        out = proc.stdout.read()
        # wait4 before Popen reaps the child: its rusage covers it and its reaped workers.
        _, status, ru = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            print(f"n={n}: failed (exit {proc.returncode})", flush=True)
            continue
        row = json.loads(out.strip().splitlines()[-1])
        row["cpu_s"] = round(ru.ru_utime + ru.ru_stime, 1)
        row["peak_mb"] = round(ru.ru_maxrss / 1024)  # the largest process of the tree
        rows.append(row)
        print(json.dumps(row), flush=True)
    print()
    print(
        "| workers | foresterie / farms | wall s | CPU s | peak MB | housing s | shuttles s | "
        "trips | worker-days | unserved | vehicle-km | chaining proven |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        st = r["stages_s"]
        print(
            f"| {r['workers']:,} | {r['foresterie']} / {r['farms']} | {r['wall_s']} | "
            f"{r['cpu_s']} | {r['peak_mb']} | {st['housing_s']:.1f} | {st['shuttles_s']:.1f} | "
            f"{r['trips']:,} | {r['worker_days']:,} | {r['unserved_worker_days']:,} | "
            f"{r['vehicle_km']:,.0f} | {r['chaining_optimal']} |"
        )
    if len(rows) > 1:
        xs = [float(r["workers"]) for r in rows]
        print()
        print(
            f"growth exponent (log-log least squares): CPU {fit(xs, [r['cpu_s'] for r in rows]):.2f}, "
            f"wall {fit(xs, [r['wall_s'] for r in rows]):.2f}"
        )


if __name__ == "__main__":
    main()
