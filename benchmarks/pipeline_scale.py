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
Where the shuttles' CPU goes: python benchmarks/pipeline_scale.py --shuttles N [--every K]
(generates the season, houses it in this process, keeps the stays of every K-th foresteria
only, K = 1 by default, then plans the shuttles as `solve` does with timers on every route
search, chaining and pool job: route problems by size (loads = the VRP's clients), iterations
run against the budget, CPU by size band and by phase. A foresteria's route problems and
base-days depend only on its own riders (the generated seasons have no departure points), so
stays of every K-th foresteria give exactly the season's route problems and base-days of those
foresterie, and their CPU (scaled by the foresterie over those kept: an estimate of the season's).
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

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
    fleet_days = _rows(run / "plan" / "fleet_days.csv")
    short = [r for r in fleet_days if int(r["vehicles_needed"]) > int(r["vehicles_available"])]
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
        # base-days whose routed trips need more vehicles than the base has: the days chained
        # again with routes for the real fleet (the second opinion)
        "short_base_days": f"{len(short)} of {len(fleet_days)}",
        "units": len(units),
        "reach_per_unit": _spread([len(n) for n in near]),
        "options_per_unit": _spread(options),
        "columns": sum(options),
        "reach_per_farm": _spread(farm_reach),
        "foresterie_per_farm": _spread([len(sleeps[fm.id]) for fm in sc.farms if sleeps[fm.id]]),
        "stays_at_the_nearest_open_foresteria": f"{nearest_open} of {stays}",
    }


def profile_shuttles(n: int, every: int) -> None:
    """The N-worker spread season's shuttles with a timer on every route search, chaining and
    pool job (see the module's docstring, --shuttles). Records go through files, one per
    process (the pool's workers are forked after the timers are installed)."""
    import foresterie.shuttles.engines.pyvrp_engine as pe
    import foresterie.shuttles.routes as routes
    from foresterie.housing.release import release_days, without_released_nights
    from foresterie.housing.tiers import plan_housing
    from foresterie.scenario.generator import generate, write
    from foresterie.scenario.load import load_scenario
    from foresterie.travel.matrix import build_matrix

    logs = Path(tempfile.mkdtemp(prefix="shuttle-profile-"))
    handles: dict[int, object] = {}

    def rec(row: dict[str, object]) -> None:
        fh = handles.get(os.getpid())
        if fh is None:
            fh = handles[os.getpid()] = (logs / f"{os.getpid()}.jsonl").open("a")
        fh.write(json.dumps(row) + "\n")  # type: ignore[attr-defined]
        fh.flush()  # type: ignore[attr-defined]

    ran = {"it": 0}
    search = pe.iterated_local_search

    def counted_search(*a: Any, **k: Any) -> Any:
        best, ran["it"] = search(*a, **k)
        return best, ran["it"]

    engine_solve = pe.PyVRPEngine.solve

    def timed_search(self: Any, inst: Any, seed: int, iterations: int, *a: Any) -> Any:
        c = time.process_time()
        sol = engine_solve(self, inst, seed, iterations, *a)
        rec(
            {
                "k": "search",
                "loads": inst.n - 1,
                "budget": iterations,
                "it": ran["it"],
                "cpu": time.process_time() - c,
            }
        )
        return sol

    chain = routes.chain_trips

    def timed_chain(slots: Any, *a: Any, **k: Any) -> Any:
        c = time.process_time()
        out = chain(slots, *a, **k)
        rec({"k": "chain", "trips": len(slots), "cpu": time.process_time() - c})
        return out

    def timed_job(name: str) -> None:
        real = getattr(routes, name)

        def job(j: Any, season: Any) -> Any:
            c = time.process_time()
            out = real(j, season)
            phase = getattr(j, "iterations", None) or ("probe" if j.probe else "days")
            rec(
                {
                    "k": "job",
                    "phase": str(phase),
                    "cpu": time.process_time() - c,
                    "size": len(getattr(j, "patterns", None) or j.options),
                }
            )
            return out

        # pickled by name into the pool: the module's attribute must be this function
        job.__module__, job.__qualname__, job.__name__ = routes.__name__, name, name
        setattr(routes, name, job)

    fores, farms = sizes_for(n)
    with tempfile.TemporaryDirectory() as tmp:
        season = generate(
            f"scale-{n}", n, farms, fores, seed=1, oversubscription=1.5, layout="spread"
        )
        write(season, Path(tmp) / "scenario")
        sc = load_scenario(Path(tmp) / "scenario")
    matrix = build_matrix(sc)
    c = time.process_time()
    housing = plan_housing(without_released_nights(sc, release_days(sc)), matrix, None)
    housing_cpu = time.process_time() - c
    keep = {f.id for f in sc.foresterie[::every]}
    stays = [a for a in housing.assignments if a.foresteria_id in keep]
    pe.iterated_local_search = counted_search  # type: ignore[assignment]
    pe.PyVRPEngine.solve = timed_search  # type: ignore[method-assign]
    routes.chain_trips = timed_chain  # type: ignore[assignment]
    timed_job("_solve_sequence")
    timed_job("_days_job")
    c, w = time.process_time(), time.perf_counter()
    plan = routes.plan_shuttles(sc, matrix, stays, sc.config.solver.shuttle_processes)
    wall, parent = time.perf_counter() - w, time.process_time() - c
    rows = [json.loads(x) for f in sorted(logs.glob("*.jsonl")) for x in f.open()]
    shutil.rmtree(logs)
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"# Shuttles of the {n:,}-worker spread season, {date.today()}, load "
        f"{os.getloadavg()[0]:.1f}: {len(keep)} of {len(sc.foresterie)} foresterie (every "
        f"{every}), {len(stays):,} of {len(housing.assignments):,} stays; housing "
        f"{housing_cpu:.1f} CPU s (all foresterie); shuttles {wall:.1f} s wall, "
        f"{parent + ru.ru_utime + ru.ru_stime:.1f} CPU s (parent and workers), "
        f"{len(plan.trips):,} trips, {sum(u.riders for u in plan.unserved):,} worker-days "
        f"unserved, {plan.route_searches:,} route searches of {plan.day_problems:,} problems"
    )
    print()
    print(
        "| search | loads | searches | iterations run mean / 90th / max (budget) | CPU s | "
        "CPU s a search | us per iteration x load |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    bands = [(1, 9), (10, 19), (20, 29), (30, 49), (50, 79), (80, 119), (120, 199), (200, 10**6)]
    searches = [r for r in rows if r["k"] == "search"]
    for budget in sorted({r["budget"] for r in searches}, reverse=True):
        name = "main" if budget == max(r["budget"] for r in searches) else "second opinion"
        for lo, hi in bands:
            b = [r for r in searches if r["budget"] == budget and lo <= r["loads"] <= hi]
            if b:
                cpu = sum(r["cpu"] for r in b)
                work = sum(r["it"] * r["loads"] for r in b)
                print(
                    f"| {name} | {lo}-{hi if hi < 10**6 else ''} | {len(b):,} | "
                    f"{_spread([r['it'] for r in b])} ({budget}) | {cpu:.1f} | "
                    f"{cpu / len(b):.3f} | {1e6 * cpu / max(1, work):.1f} |"
                )
    print()
    print("| chaining: trips | calls | CPU s | CPU s a call mean / 90th / max |")
    print("| --- | --- | --- | --- |")
    chains = [r for r in rows if r["k"] == "chain"]
    for lo, hi in [(0, 9), (10, 19), (20, 29), (30, 39), (40, 59), (60, 10**6)]:
        b = sorted(r["cpu"] for r in chains if lo <= r["trips"] <= hi)
        if b:
            print(
                f"| {lo}-{hi if hi < 10**6 else ''} | {len(b):,} | {sum(b):.1f} | "
                f"{sum(b) / len(b):.3f} / {b[(9 * len(b)) // 10]:.2f} / {b[-1]:.2f} |"
            )
    print()
    print("| phase (pool jobs) | jobs | problems or base-days | CPU s |")
    print("| --- | --- | --- | --- |")
    jobs = [r for r in rows if r["k"] == "job"]
    names = {"probe": "probe: chain the routed days", "days": "planned days (short days' options)"}
    for phase in dict.fromkeys(r["phase"] for r in jobs):
        b = [r for r in jobs if r["phase"] == phase]
        label = names.get(phase, f"route searches, {phase} iterations")
        print(
            f"| {label} | {len(b)} | {sum(r['size'] for r in b):,} | "
            f"{sum(r['cpu'] for r in b):.1f} |"
        )
    print(f"| parent (patterns, naming riders, between phases) | - | - | {parent:.1f} |")


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
    if sys.argv[1:2] == ["--shuttles"]:
        every = int(sys.argv[sys.argv.index("--every") + 1]) if "--every" in sys.argv else 1
        profile_shuttles(int(sys.argv[2]), every)
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
