"""Housing at scale: time to proven optimum per tier, and the plan against first-come-first-served.

Generated seasons (6 foresterie, 150 farms, 153 nights, beds so that peak demand ~1.5x beds;
partial stays with one transfer and a 7-night minimum, as the generator writes), median of 3 runs.
Usage: python benchmarks/housing_scale.py [--whole-stays] [--pipeline-shape] [--runs R] [N ...]
(default 1700 5000 20000 50000, R = 3); --whole-stays turns partial stays and transfers off (the
model before issue #16); --pipeline-shape grows foresterie and farms with the workers as
benchmarks/pipeline_scale.py does (max(6, N/300) foresterie, 25 farms each: 17 at 5,000, 67 at
20,000) instead of 6 and 150; --runs sets the runs per size (the median is of them).
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from foresterie.housing.tiers import plan_housing
from foresterie.housing.units import farms_by_id, workdays_between
from foresterie.scenario.generator import generate, write
from foresterie.scenario.load import load_scenario
from foresterie.scenario.model import Scenario
from foresterie.travel.matrix import TravelMatrix, build_matrix

RUNS = 3


def cpu_seconds() -> float:
    """CPU seconds of this process and of its finished children (the block processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def fcfs(sc: Scenario, m: TravelMatrix) -> tuple[dict[int, int], int]:
    """Each arriving worker (a group together) takes the nearest foresteria with a free bed."""
    cap = sc.config.housing.max_commute_min * 60
    farms = farms_by_id(sc)
    used: dict[tuple[str, str, date], int] = defaultdict(int)
    acc: dict[tuple[str, date], int] = defaultdict(int)
    units: dict[str, list] = defaultdict(list)
    for w in sc.workers:
        units[w.group_id or w.id].append(w)
    order = sorted(units.values(), key=lambda ms: (min(w.arrival for w in ms), ms[0].id))
    housed: dict[int, int] = defaultdict(int)
    commute = 0
    for ms in order:

        def fits(f, ms=ms) -> bool:  # type: ignore[no-untyped-def]
            for w in ms:
                if not (f.open_from <= w.arrival and w.last_night <= f.open_to):
                    return False
                if w.farm_id and m.secs(f.id, w.farm_id) > cap:
                    return False
            need: dict[tuple[str, date], int] = defaultdict(int)
            need_acc: dict[date, int] = defaultdict(int)
            for w in ms:
                d = w.arrival
                while d < w.departure:
                    need[w.section.value, d] += 1
                    need_acc[d] += int(w.accessible)
                    d += timedelta(days=1)
            return all(
                used[f.id, s, d] + n <= f.beds(ms[0].section) for (s, d), n in need.items()
            ) and all(acc[f.id, d] + n <= f.beds_accessible for d, n in need_acc.items() if n)

        options = [f for f in sc.foresterie if fits(f)]
        if not options:
            continue
        f = min(
            options, key=lambda f: (sum(m.secs(f.id, w.farm_id) for w in ms if w.farm_id), f.id)
        )
        for w in ms:
            housed[w.priority] += 1
            d = w.arrival
            while d < w.departure:
                used[f.id, w.section.value, d] += 1
                acc[f.id, d] += int(w.accessible)
                d += timedelta(days=1)
            if w.farm_id:
                commute += m.secs(f.id, w.farm_id) * workdays_between(
                    w.arrival, w.departure, farms[w.farm_id].workdays
                )
    return dict(housed), commute


def pipeline_shape(n: int) -> tuple[int, int]:
    """(foresterie, farms) for n workers, as benchmarks/pipeline_scale.py's sizes_for."""
    fores = max(6, round(n / 300))
    return fores, 25 * fores


def main() -> None:
    args = sys.argv[1:]
    whole = "--whole-stays" in args  # the model before partial stays, for comparison
    shaped = "--pipeline-shape" in args
    runs_n = RUNS
    if "--runs" in args:
        i = args.index("--runs")
        runs_n = int(args[i + 1])
        del args[i : i + 2]
    sizes = [int(a) for a in args if not a.startswith("--")] or [1700, 5000, 20000, 50000]
    print(
        f"# Housing scale, {date.today()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"GLOP + SCIP single thread per block process, median of {runs_n} runs, "
        f"{'foresterie and farms as pipeline_scale.py, ' if shaped else ''}"
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            fores, farms = pipeline_shape(n) if shaped else (6, 150)
            write(generate(f"scale-{n}", n, farms, fores, seed=1, oversubscription=1.5), Path(tmp))
            sc = load_scenario(Path(tmp))
        if whole:
            h = sc.config.housing.model_copy(update={"partial_stays": False, "max_transfers": 0})
            sc = replace(sc, config=sc.config.model_copy(update={"housing": h}))
        m = build_matrix(sc)
        runs, cpu = [], []
        for _ in range(runs_n):
            t0, c0 = time.perf_counter(), cpu_seconds()
            hp = plan_housing(sc, m)
            runs.append((time.perf_counter() - t0, hp))
            cpu.append(cpu_seconds() - c0)  # all processes: the idle-equivalent on a busy box
        wall = statistics.median(r[0] for r in runs)
        hp = runs[0][1]
        tiers = {
            t.name: statistics.median(
                next(x.seconds for x in r[1].tiers if x.name == t.name) for r in runs
            )
            for t in hp.tiers
        }
        housed: dict[int, int] = defaultdict(int)
        workers = {w.id: w for w in sc.workers}
        for wid in {a.worker_id for a in hp.assignments}:  # a transfer gives two rows
            housed[workers[wid].priority] += 1
        commute = next(t.objective for t in hp.tiers if t.name == "commute_s")
        f_housed, f_commute = fcfs(sc, m)
        rows.append(
            (
                n,
                hp.units,
                f"{hp.districts}/{hp.blocks}",
                wall,
                statistics.median(cpu),
                tiers,
                all(t.optimal for t in hp.tiers),
                housed,
                commute,
                f_housed,
                f_commute,
            )
        )
        print(
            f"n={n}: units {hp.units}, districts {hp.districts}, wall {wall:.2f}s, "
            f"cpu {statistics.median(cpu):.2f}s, "
            f"optimal {all(t.optimal for t in hp.tiers)}, "
            f"proofs {', '.join(f'{t.name}={t.proof}' for t in hp.tiers)}, "
            f"walls {', '.join(f'{r[0]:.1f}' for r in runs)}, cpus {', '.join(f'{c:.1f}' for c in cpu)}, "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        print(f"  values {', '.join(f'{t.name}={t.objective}' for t in hp.tiers)}", flush=True)
    print()
    print(
        "| workers | units | districts/blocks | total s | CPU s | p3 | p2 | p1 | p0 | bed-nights | "
        "transfers | commute | peak | all optimal |"
    )
    print("| --- " * 14 + "|")
    for n, u, c, wall, cpu_s, t, opt, *_ in rows:
        print(
            f"| {n} | {u} | {c} | {wall:.2f} | {cpu_s:.2f} | {t['housed_priority_3']:.2f} | "
            f"{t['housed_priority_2']:.2f} | {t['housed_priority_1']:.2f} | "
            f"{t['housed_priority_0']:.2f} | {t.get('bed_nights', 0):.2f} | "
            f"{t.get('transfers', 0):.2f} | {t['commute_s']:.2f} | {t['peak_permille']:.2f} | {opt} |"
        )
    print()
    print(
        "| workers | plan housed p3/p2/p1/p0 | FCFS housed p3/p2/p1/p0 | plan commute h | FCFS commute h |"
    )
    print("| --- | --- | --- | --- | --- |")
    for n, *_, housed, commute, f_housed, f_commute in rows:
        a = "/".join(str(housed.get(p, 0)) for p in (3, 2, 1, 0))
        b = "/".join(str(f_housed.get(p, 0)) for p in (3, 2, 1, 0))
        print(f"| {n} | {a} | {b} | {commute / 3600:.0f} | {f_commute / 3600:.0f} |")


if __name__ == "__main__":
    main()
