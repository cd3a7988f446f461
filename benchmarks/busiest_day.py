"""The busiest day of a season re-planned from an empty ledger, timed (issue #19's speed target).

Usage: python benchmarks/busiest_day.py [RUN] [--date 2027-08-16] [--runs 3] [--out DIR] [--replay]

RUN defaults to runs/puglia-2027 (`make demo`). A new ledger is made in OUT (`foresterie ledger
init RUN --ledger OUT/ledger.sqlite`), then `foresterie day RUN --date D` runs --runs times into
OUT/1, OUT/2, ...: per run the wall time, the CPU time (user + system of the command and the
processes it waited for), the 1-minute load average when it started, and the sha256 over its plan
files (the runs must agree). `--replay` replays the last day run byte for byte. The command is the
`foresterie` beside this Python; to time another tree, put its `src` first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "foresterie"


def run(*args: str) -> tuple[float, float]:
    """(wall s, CPU s) of `foresterie ARGS`; exits on failure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.monotonic()
    proc = subprocess.run([str(BIN), *args], capture_output=True, text=True)
    wall = time.monotonic() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"foresterie {' '.join(args)}: exit {proc.returncode}\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def plan_hash(run_dir: Path) -> str:
    h = hashlib.sha256()
    for path in sorted((run_dir / "plan").iterdir()):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run", nargs="?", type=Path, default=ROOT / "runs" / "puglia-2027")
    ap.add_argument("--date", default="2027-08-16")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "busiest-day")
    ap.add_argument("--replay", action="store_true")
    a = ap.parse_args()
    if a.out.exists():
        shutil.rmtree(a.out)
    a.out.mkdir(parents=True)
    ledger = str(a.out / "ledger.sqlite")
    run("ledger", "init", str(a.run), "--ledger", ledger)
    rows = []
    for i in range(1, a.runs + 1):
        load = os.getloadavg()[0]
        target = a.out / str(i)
        wall, cpu = run(
            "day", str(a.run), "--date", a.date, "--ledger", ledger, "--out", str(target)
        )
        rows.append((i, wall, cpu, load, plan_hash(target)))
        print(f"run {i}: {wall:.2f} s wall, {cpu:.2f} CPU s, load {load:.1f}, plan {rows[-1][4]}")
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, PYTHONPATH={os.environ.get('PYTHONPATH')}"
    )
    print(
        f"median: {statistics.median(r[1] for r in rows):.2f} s wall, "
        f"{statistics.median(r[2] for r in rows):.2f} CPU s; "
        f"plans identical: {len({r[4] for r in rows}) == 1}"
    )
    if a.replay:
        wall, _ = run("replay", str(a.out / str(a.runs)), "--out", str(a.out / "replay"))
        print(f"replay: identical ({wall:.1f} s)")


if __name__ == "__main__":
    main()
