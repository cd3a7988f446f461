"""The whole pipeline (`foresterie solve`: load, travel, housing, shuttles, plan files, verify,
report with map and driver sheets) on generated seasons of growing size, and how its cost grows.

Seasons from scenario/generator.py (1 May-30 September, beds at 1/1.5 of peak demand, fleets
scaled to beds), max(6, N/300) foresterie and 25 farms each (1,700 workers: 6 foresterie, 150
farms, as housing_scale.py; 5,000: 17 / 425; 20,000: 67 / 1,675; 50,000: 167 / 4,175).

Layout "spread" (the default here): every foresteria on its own spot where the harvest is (the
catalogue's sites, then synthetic ones by the districts' shares of the farms, on a spiral around
the districts' comuni, at least 2.5 km apart), an equal share of the farms (25) within ~5 km of
it, each synthetic site open for its own farms' harvest, so beds follow each site's own demand.
Layout "crowded" (`--crowded`; the generator's default, housing_scale.py's seasons and the rows
measured before 2026-11-27): farms at the districts' comuni by the districts' shares, synthetic
sites at those comuni in turn, open all season, several on one spot from 38 sites on (50 of 67 at
20,000), the sites behind the first on a spot left with the 10-bed fallback (29 of 67): the hard
case.

What neither layout keeps is each foresteria's neighbourhood: the region stays Puglia (the
loader refuses points outside it), so the foresterie within an hour of a farm grow with the
season (spread: 2.4 at 1,700, 5.8 at 5,000, 18 at 20,000, 44 at 50,000; crowded 1.9, 4.7, 17,
41). With beds at 1/1.5 of demand, housing then lodges each farm's crew at more foresterie (1.1
at 1,700, 1.6 at 5,000) and each foresteria-day serves more farms with more stops (spread: 20.8
stops a foresteria-day at 1,700, 24.3 at 5,000): the routing problem per foresteria-day grows. benchmarks/RESULTS.md (2026-11-27, helper G)
has the measured shapes (`--shape`).

Each size runs in a fresh child process, so its CPU (the child and its route-search workers) and
peak memory (the largest process) are its own.

Usage: python benchmarks/pipeline_scale.py [--crowded] [--keep DIR] [N ...]
(default 1700 5000 20000; progress on stderr, with every housing tier and search when
PIPELINE_SCALE_DEBUG is set; --keep DIR leaves each size's scenario and run folders in
DIR/scale-N-LAYOUT/ for --shape)
The 50,000-worker season: python benchmarks/pipeline_scale.py 50000 (long on 2 cores).
Shape of solved runs: python benchmarks/pipeline_scale.py --shape SCENARIO RUN [SCENARIO RUN ...]
(per foresteria-day farms served, riders, trips, stops; per unit and per farm the foresterie within
reach; per farm the foresterie its workers sleep at; "mean / 90th percentile / max"; the stays
at the foresteria nearest the farm among those open every night of the stay)
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

from foresterie.scenario.generator import Layout


def sizes_for(n: int) -> tuple[int, int]:
    """(foresterie, farms) for n workers."""
    fores = max(6, round(n / 300))
    return fores, 25 * fores


def one(n: int, layout: Layout, keep: Path | None) -> None:
    """Child: generate, solve with the report, print one JSON line; keep: where to leave the
    scenario and run folders (KEEP/scale-N-LAYOUT/scenario, .../run), else a temporary folder."""
    from foresterie.report.html import write_report
    from foresterie.run.pipeline import solve
    from foresterie.scenario.generator import generate, write

    fores, farms = sizes_for(n)
    with tempfile.TemporaryDirectory() as tmp:
        base = keep / f"scale-{n}-{layout}" if keep else Path(tmp)
        shutil.rmtree(base / "run", ignore_errors=True)
        folder = base / "scenario"
        season = generate(
            f"scale-{n}", n, farms, fores, seed=1, oversubscription=1.5, layout=layout
        )
        write(season, folder)
        t0 = time.perf_counter()

        def say(msg: str) -> None:  # progress on stderr: where a run stood if it is stopped
            print(f"[{time.strftime('%H:%M:%S')}] n={n}: {msg}", file=sys.stderr, flush=True)

        if os.environ.get("PIPELINE_SCALE_DEBUG"):  # and every housing tier and search
            logging.basicConfig(stream=sys.stderr, format="[%(asctime)s] %(message)s")
            logging.getLogger("foresterie.housing.tiers").setLevel(logging.DEBUG)
        summary = solve(folder, base / "run", say=say, report=lambda run: write_report(run))
        wall = time.perf_counter() - t0
    k = summary.manifest["kpis"]
    print(
        json.dumps(
            {
                "workers": n,
                "layout": layout,
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
                "tiers": [
                    [t["name"], t["objective"], t["bound"], t["proof"]]
                    for t in summary.manifest["housing"]["tiers"]
                ],
            }
        )
    )


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _spread(xs: list[int]) -> str:
    """mean / 90th percentile / max of a list of counts."""
    if not xs:
        return "-"
    s = sorted(xs)
    return f"{sum(s) / len(s):.1f} / {s[min(len(s) - 1, (9 * len(s)) // 10)]} / {s[-1]}"


def shape(scenario: Path, run: Path) -> dict[str, object]:
    """What one problem looks like per foresteria, from a scenario and its run folder's plan files:
    per foresteria-day with trips, the farms served, riders, trips and route stops; per housing
    unit, the foresterie within reach and its options (housing/units.py's rules); per farm, the
    foresterie within reach and those its housed workers sleep at; sites sharing coordinates."""
    from foresterie.housing.units import build_units, eligibility, stay_rule, unit_options
    from foresterie.scenario.load import load_scenario
    from foresterie.travel.matrix import build_matrix

    sc = load_scenario(scenario)  # the run's inputs/ carry no priorities
    matrix = build_matrix(sc)
    cap = sc.config.housing.max_commute_min * 60
    rule = stay_rule(sc)
    units = build_units(sc.workers)
    near = [[f for f in sc.foresterie if eligibility(u, f, matrix, cap).reachable] for u in units]
    options = [len(unit_options(u, n, rule)) for u, n in zip(units, near, strict=True)]
    farm_reach = [sum(matrix.secs(f.id, fm.id) <= cap for f in sc.foresterie) for fm in sc.farms]
    farm_of = {w.id: w.farm_id for w in sc.workers if w.farm_id}
    section = {w.id: w.section for w in sc.workers}
    sleeps: dict[str, set[str]] = defaultdict(set)
    nearest_open = stays = 0
    for a in _rows(run / "plan" / "assignments.csv"):
        if a["worker_id"] in farm_of:
            fm = farm_of[a["worker_id"]]
            sleeps[fm].add(a["foresteria_id"])
            first, last = date.fromisoformat(a["from"]), date.fromisoformat(a["to"])
            open_ = [  # open every night of the stay, with beds of the person's section
                f
                for f in sc.foresterie
                if f.open_from <= first
                and last <= f.open_to + timedelta(days=1)
                and f.beds(section[a["worker_id"]]) > 0
            ]
            best = min(open_, key=lambda f: (matrix.secs(f.id, fm), f.id))
            nearest_open += best.id == a["foresteria_id"]
            stays += 1
    trips: dict[tuple[str, str], int] = defaultdict(int)
    day_of: dict[str, tuple[str, str]] = {}
    for t in _rows(run / "plan" / "trips.csv"):
        key = (t["day"], t["foresteria_id"])
        trips[key] += 1
        day_of[t["trip_id"]] = key
    farms_served: dict[tuple[str, str], set[str]] = defaultdict(set)
    stops: dict[tuple[str, str], int] = defaultdict(int)
    for st in _rows(run / "plan" / "stops.csv"):
        key = day_of[st["trip_id"]]
        farms_served[key].add(st["farm_id"])
        stops[key] += 1
    riders: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in _rows(run / "plan" / "riders.csv"):
        riders[day_of[r["trip_id"]]].add(r["worker_id"])
    coords = Counter((f.lat, f.lon) for f in sc.foresterie)
    keys = sorted(trips)
    return {
        "workers": len(sc.workers),
        "foresterie": len(sc.foresterie),
        "farms": len(sc.farms),
        "sites_sharing_coordinates": sum(c for c in coords.values() if c > 1),
        "foresteria_days": len(keys),
        "farms_served": _spread([len(farms_served[k]) for k in keys]),
        "riders": _spread([len(riders[k]) for k in keys]),
        "trips": _spread([trips[k] for k in keys]),
        "stops": _spread([stops[k] for k in keys]),
        "units": len(units),
        "reach_per_unit": _spread([len(n) for n in near]),
        "options_per_unit": _spread(options),
        "columns": sum(options),
        "reach_per_farm": _spread(farm_reach),
        "foresterie_per_farm": _spread([len(sleeps[fm.id]) for fm in sc.farms if sleeps[fm.id]]),
        "stays_at_the_nearest_open_foresteria": f"{nearest_open} of {stays}",
    }


def fit(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log y on log x: the growth exponent."""
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sum(
        (a - mx) ** 2 for a in lx
    )


def _proven(tiers: list[list[object]]) -> str:
    """'k of n', and the tiers left at their budget (name: objective against bound)."""
    open_ = [t for t in tiers if t[3] == "budget"]
    out = f"{len(tiers) - len(open_)} of {len(tiers)}"
    return out + "".join(f"; {t[0]} {t[1]:,} (bound {t[2]:,})" for t in open_)


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        keep = Path(sys.argv[4]) if len(sys.argv) > 4 else None
        one(int(sys.argv[2]), "crowded" if sys.argv[3] == "crowded" else "spread", keep)
        return
    if sys.argv[1:2] == ["--shape"]:
        args = sys.argv[2:]
        for scenario, run in zip(args[::2], args[1::2], strict=True):
            print(json.dumps({"run": run, **shape(Path(scenario), Path(run))}), flush=True)
        return
    args = sys.argv[1:]
    layout: Layout = "crowded" if "--crowded" in args else "spread"
    keep_dir = args[args.index("--keep") + 1] if "--keep" in args else None
    sizes = [int(a) for a in args if a.isdigit()] or [1700, 5000, 20000]
    print(
        f"# Pipeline scale, {date.today()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f} at start; layout {layout}; CPU = the whole process tree"
    )
    rows = []
    for n in sizes:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--one", str(n), layout, *([keep_dir] if keep_dir else [])],
            stdout=subprocess.PIPE,
            text=True,
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
        "trips | worker-days | unserved | vehicle-km | chaining proven | housing tiers proven |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        st = r["stages_s"]
        print(
            f"| {r['workers']:,} | {r['foresterie']} / {r['farms']} | {r['wall_s']} | "
            f"{r['cpu_s']} | {r['peak_mb']} | {st['housing_s']:.1f} | {st['shuttles_s']:.1f} | "
            f"{r['trips']:,} | {r['worker_days']:,} | {r['unserved_worker_days']:,} | "
            f"{r['vehicle_km']:,.0f} | {r['chaining_optimal']} | {_proven(r['tiers'])} |"
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
