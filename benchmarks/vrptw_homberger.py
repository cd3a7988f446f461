"""The VRPTW bench at every Gehring & Homberger size: is the time limit kept (reading included),
is every answer feasible by the independent checker, how far from the best-known solution, how
much memory. Each instance runs as its own `foresterie bench vrptw --json` process, as a user
would run it: the process's wall time (Python start-up included) and peak RSS are measured here.

Usage: python benchmarks/vrptw_homberger.py [SECONDS ...] [--folder DIR]... [--runs N]
                                            [--engine pyvrp|ortools] [--all]
  SECONDS   time limits to try (default 10)
  --folder  instance folders (default ../shared/benchmarks/homberger); e.g. the GH400..GH1000
            folders of github.com/PyVRP/Instances (branch vrptw), whose `.sol` files give the BKS
  --runs    repeats per instance and limit; timings are medians (default 1)
  --all     every instance, not one per class (C1, C2, R1, R2, RC1, RC2) and size
Skips if no folder holds instances.
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "homberger"


def _args(argv: list[str]) -> tuple[list[float], list[Path], int, str, bool]:
    limits, folders, runs, engine, every = [], [], 1, "pyvrp", False
    it = iter(argv)
    for a in it:
        if a == "--folder":
            folders.append(Path(next(it)))
        elif a == "--runs":
            runs = int(next(it))
        elif a == "--engine":
            engine = next(it)
        elif a == "--all":
            every = True
        else:
            limits.append(float(a))
    return limits or [10.0], folders or [SHARED], runs, engine, every


def _key(p: Path) -> tuple[str, int]:
    m = re.match(r"^(.*?)(\d+)$", p.stem)
    return (m.group(1), int(m.group(2))) if m else (p.stem, 0)


def pick(folders: list[Path], every: bool) -> list[Path]:
    files = sorted((f for d in folders if d.is_dir() for f in d.glob("*.vrp")), key=_key)
    if every:
        return files
    seen: dict[str, Path] = {}
    for f in files:  # C1_2_1 -> class C1, size 2 (hundreds of customers)
        seen.setdefault(f.stem.rsplit("_", 1)[0], f)
    return list(seen.values())


def one(path: Path, limit: float, engine: str) -> tuple[dict[str, object], float, float]:
    """One process: its JSON record, its wall seconds, its peak RSS in MB."""
    cmd = [sys.executable, "-m", "foresterie", "bench", "vrptw", str(path), "--json"]
    cmd += ["--time-limit", f"{limit:g}", "--engine", engine, "--seed", "1"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    out = proc.stdout.read() if proc.stdout else ""
    if proc.returncode not in (0, 1):
        err = proc.stderr.read() if proc.stderr else ""
        raise SystemExit(f"{path}: exit {proc.returncode}: {err.strip()}")
    return json.loads(out.splitlines()[0]), wall, usage.ru_maxrss / 1024


def main() -> None:
    limits, folders, runs, engine, every = _args(sys.argv[1:])
    files = pick(folders, every)
    if not files:
        print(f"skipped: no .vrp instances in {', '.join(map(str, folders))}")
        return
    load = os.getloadavg()[0]
    print(
        f"# VRPTW bench by size, {len(files)} instances, limits {limits} s, engine {engine}, "
        f"seed 1, {runs} run(s) (medians), {date.today()}, {platform.machine()}, "
        f"{os.cpu_count()} cores, load {load:.1f} at start"
    )
    print(
        "| customers | instance | limit s | distance | routes | BKS | gap % | feasible "
        "| instance s | process s | peak MB |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    rows: list[tuple[int, float, dict[str, object], float, float]] = []
    for limit in limits:
        for f in files:
            runs_ = [one(f, limit, engine) for _ in range(runs)]
            rec = runs_[0][0]
            inst_s = statistics.median(float(str(r[0]["seconds"])) for r in runs_)
            wall = statistics.median(r[1] for r in runs_)
            peak = max(r[2] for r in runs_)
            rec = {**rec, "seconds": inst_s}
            rows.append((int(str(rec["customers"])), limit, rec, wall, peak))
            gap = rec["gap_pct"] if rec["gap_pct"] is not None else "n/a"
            print(
                f"| {rec['customers']} | {rec['instance']} | {limit:g} | {rec['distance']} "
                f"| {rec['routes']} | {rec['bks']} | {gap} | {rec['feasible']} | {inst_s:.2f} "
                f"| {wall:.2f} | {peak:.0f} |",
                flush=True,
            )
    print()
    print(
        "| customers | limit s | feasible | mean gap % | worst gap % | instance s max "
        "| process s max | peak MB max |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for size, limit in sorted({(r[0], r[1]) for r in rows}):
        grp = [r for r in rows if (r[0], r[1]) == (size, limit)]
        gaps = [float(str(r[2]["gap_pct"])) for r in grp if r[2]["gap_pct"] is not None]
        ok = sum(bool(r[2]["feasible"]) for r in grp)
        mean = f"{statistics.mean(gaps):.2f}" if gaps else "n/a"
        worst = f"{max(gaps):.2f}" if gaps else "n/a"
        print(
            f"| {size} | {limit:g} | {ok}/{len(grp)} | {mean} | {worst} "
            f"| {max(float(str(r[2]['seconds'])) for r in grp):.2f} "
            f"| {max(r[3] for r in grp):.2f} | {max(r[4] for r in grp):.0f} |"
        )


if __name__ == "__main__":
    main()
