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
peak memory (the largest process) are its own; its CPU by stage is the process tree's (`/proc`)
at the stage's end. Every season is written with a draw key derived from its name (no secret
here): `write` would draw a random one, and the shuttles break ties among riders with it.

Usage: python benchmarks/pipeline_scale.py [--crowded] [--keep DIR] [--net S]
[--solver-budgets P,T] [N ...]
(--net S: the generated seasons' wall-clock safety net, `solver.wall_clock_limit_s`, S seconds
instead of the generator's 900: on a loaded machine 900 s of wall may strike before housing's
deterministic budgets do, and the plan would then depend on the load; --solver-budgets P,T: the
generated seasons' `solver.shuttle_patience` P and `solver.chaining_deterministic_time` T
instead of the generator's 100 and 1.0, e.g. 40,0.1 as the shipped puglia-2027 carries:
benchmarks/RESULTS.md, session 20, helper K, has the quality-versus-budget grid)
(default 1700 5000 20000; progress on stderr, with every housing tier and search when
PIPELINE_SCALE_DEBUG is set; --keep DIR leaves each size's scenario and run folders in
DIR/scale-N-LAYOUT/ for --shape)
The 50,000-worker season: python benchmarks/pipeline_scale.py 50000 (long on 2 cores).
Shape of solved runs: python benchmarks/pipeline_scale.py --shape SCENARIO RUN [SCENARIO RUN ...]
(per foresteria-day farms served, riders, trips, stops; per unit and per farm the foresterie within
reach; per farm the foresterie its workers sleep at; "mean / 90th percentile / max"; the stays
at the foresteria nearest the farm among those open every night of the stay)
Where the shuttles' CPU goes: python benchmarks/pipeline_scale.py --shuttles N [--every K]
[--cache DIR] [--needed-max M] [--needed-fallback off] [--patience-work W] [--patience P]
[--chaining-time T] [--seed S]
(generates the season, houses it in this process, keeps the stays of every K-th foresteria
only, K = 1 by default, then plans the shuttles as `solve` does with timers on every route
search, chaining and pool job: route problems by size (loads = the VRP's clients), iterations
run against the budget, CPU by size band and by phase. A foresteria's route problems and
base-days depend only on its own riders (the generated seasons have no departure points), so
stays of every K-th foresteria give exactly the season's route problems and base-days of those
foresterie, and their CPU (scaled by the foresterie over those kept: an estimate of the season's).
--cache DIR keeps the housed season in DIR/house-N.pkl for the next profile; --needed-max M
patches routes.NEEDED_FAST_MAX_TRIPS (days of M trips or more count their vehicles needed
without a search) for the run; --needed-fallback off leaves a count its folded model did not
prove as it stands, without routes._vehicles_needed's chaining on copies (`timers`);
--patience-work W patches routes.PATIENCE_WORK (loads x iterations without improvement before
a route search stops) for the run: the quality-versus-budget curve of session 19;
--patience P and --chaining-time T set the season's `solver.shuttle_patience` and
`solver.chaining_deterministic_time` for the run (its configuration patched after housing, which
reads neither): the grid of session 20, one table row at the end of the output; --seed S the
shuttles' seed (the yardstick: how far a plan moves by seed alone at the same budgets).
The vehicles-needed threshold on a shipped scenario: python benchmarks/pipeline_scale.py --needed
SCENARIO OUT M [--needed-fallback off] (solve with plan files and verifier into OUT, NEEDED_FAST_MAX_TRIPS = M; every
count timed; one table row: M, CPU s, counts, those of 45 trips or more, vehicles needed and
proven in fleet_days.csv, trips, km, unserved, chaining proven).
"""

from __future__ import annotations

import csv
import hashlib
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
import tomllib
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from foresterie.scenario.generator import Layout


def sizes_for(n: int) -> tuple[int, int]:
    """(foresterie, farms) for n workers."""
    fores = max(6, round(n / 300))
    return fores, 25 * fores


def season_folder(n: int, layout: Layout, folder: Path) -> None:
    """The n-worker season written to `folder`, with a draw key of its own derived from its
    name and seed: `write` would draw a fresh random key (a secret in a real scenario), and the
    shuttles break ties among riders with it, so two runs of this benchmark would plan
    different seasons. Here the key is no secret and the same on every run."""
    import hashlib

    from foresterie.core.restricted import RESTRICTED_DRAW_KEY
    from foresterie.scenario.generator import generate, write

    fores, farms = sizes_for(n)
    season = generate(f"scale-{n}", n, farms, fores, seed=1, oversubscription=1.5, layout=layout)
    folder.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(f"pipeline_scale:scale-{n}:{layout}:1".encode()).hexdigest()
    (folder / RESTRICTED_DRAW_KEY).write_text(key + "\n", encoding="utf-8")
    write(season, folder)
    net = os.environ.get("PIPELINE_SCALE_NET")
    if net:  # --net S: the season's wall-clock safety net (solver.wall_clock_limit_s)
        toml = folder / "scenario.toml"
        text = toml.read_text(encoding="utf-8")
        line = "wall_clock_limit_s = 900.0\n"
        assert text.count(line) == 1, "the generated scenario.toml's safety net moved"
        toml.write_text(text.replace(line, f"wall_clock_limit_s = {float(net)}\n"), "utf-8")
    budgets = os.environ.get("PIPELINE_SCALE_BUDGETS")
    if budgets:  # --solver-budgets P,T: the route search's patience, the chaining's det. s
        patience, chaining = solver_budgets(budgets)
        toml = folder / "scenario.toml"
        text = toml.read_text(encoding="utf-8")
        line = "shuttle_patience = 100\n"
        assert text.count(line) == 1, "the generated scenario.toml's patience moved"
        assert "chaining_deterministic_time" not in text, "the generated chaining budget moved"
        new = f"shuttle_patience = {patience}\nchaining_deterministic_time = {chaining}\n"
        toml.write_text(text.replace(line, new), "utf-8")


def solver_budgets(text: str) -> tuple[int, float]:
    """'P,T' (--solver-budgets): the route search's patience P (iterations without
    improvement, a whole number >= 1) and the chaining's CP-SAT budget T (deterministic
    seconds, > 0), as the shipped puglia-2027 carries them (40, 0.1)."""
    p, _, t = text.partition(",")
    try:
        patience, chaining = int(p), float(t)
    except ValueError:
        patience, chaining = 0, 0.0
    if patience < 1 or not chaining > 0:
        raise SystemExit(f"--solver-budgets {text}: patience >= 1 and chaining time > 0")
    return patience, chaining


def tree_cpu() -> float:
    """CPU seconds (user + sys) of this process, its reaped children and its live descendants
    (the route-search pool's workers live from the shuttles to the report): /proc, Linux."""
    tick = os.sysconf("SC_CLK_TCK")
    t = os.times()
    total = t.user + t.system + t.children_user + t.children_system
    todo, seen = [os.getpid()], set()
    while todo:
        pid = todo.pop()
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                kids = (task / "children").read_text().split()
            except OSError:
                continue
            for kid in map(int, kids):
                if kid in seen:
                    continue
                seen.add(kid)
                todo.append(kid)
                try:
                    f = Path(f"/proc/{kid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                # fields 14-17 (utime, stime, cutime, cstime) are 11-14 after the name
                total += sum(int(x) for x in f[11:15]) / tick
    return total


def one(n: int, layout: Layout, keep: Path | None) -> None:
    """Child: generate, solve with the report, print one JSON line; keep: where to leave the
    scenario and run folders (KEEP/scale-N-LAYOUT/scenario, .../run), else a temporary folder."""
    from foresterie.report.html import write_report
    from foresterie.run.pipeline import PlanRejected, solve

    fores, farms = sizes_for(n)
    cpu: dict[str, float] = {}  # the process tree's CPU s at the end of each stage
    with tempfile.TemporaryDirectory() as tmp:
        base = keep / f"scale-{n}-{layout}" if keep else Path(tmp)
        shutil.rmtree(base / "run", ignore_errors=True)
        folder = base / "scenario"
        season_folder(n, layout, folder)
        cpu["generate"] = tree_cpu()
        t0 = time.perf_counter()

        def say(msg: str) -> None:  # progress on stderr: where a run stood if it is stopped
            stage = msg.split(":", 1)[0]
            if stage in ("travel", "housing", "shuttles") and stage not in cpu:
                cpu[stage] = tree_cpu()
            print(
                f"[{time.strftime('%H:%M:%S')}] n={n} ({tree_cpu():.0f} CPU s, load "
                f"{os.getloadavg()[0]:.1f}): {msg}",
                file=sys.stderr,
                flush=True,
            )

        if os.environ.get("PIPELINE_SCALE_DEBUG"):  # and every housing tier and search
            logging.basicConfig(stream=sys.stderr, format="[%(asctime)s] %(message)s")
            logging.getLogger("foresterie.housing.tiers").setLevel(logging.DEBUG)
        try:
            summary = solve(folder, base / "run", say=say, report=lambda run: write_report(run))
        except PlanRejected as exc:  # what the verifier found, before the row is lost
            for v in exc.violations:
                print(f"n={n}: violation: {v}", file=sys.stderr, flush=True)
            raise
        solver = tomllib.loads((folder / "scenario.toml").read_text(encoding="utf-8"))["solver"]
        budgets = [solver["shuttle_patience"], solver.get("chaining_deterministic_time", 1.0)]
        wall = time.perf_counter() - t0
        cpu["published"] = tree_cpu()
    marks = ["generate", "travel", "housing", "shuttles", "published"]
    stages_cpu = {  # load and travel; housing; shuttles; plan files, verify and report
        b: round(cpu[b] - cpu[a], 1) for a, b in zip(marks, marks[1:], strict=False)
    }
    k = summary.manifest["kpis"]
    print(
        json.dumps(
            {
                "workers": n,
                "layout": layout,
                "foresterie": fores,
                "farms": farms,
                "wall_s": round(wall, 1),
                "net_s": float(os.environ.get("PIPELINE_SCALE_NET") or 900.0),
                # the route search's patience and the chaining's det. s (--solver-budgets)
                "solver_budgets": budgets,
                # the tiers where housing's wall-clock safety net struck (None: not recorded)
                "net_struck": summary.manifest["housing"].get("safety_net_struck"),
                # the tiers whose restricted LP a count stopped (None: not recorded)
                "lp_stopped": summary.manifest["housing"].get("lp_stopped"),
                "stages_s": summary.manifest["timings_s"],
                "stages_cpu": stages_cpu,
                "load_end": round(os.getloadavg()[0], 1),
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


def housed(n: int, cache: Path | None) -> tuple[Any, Any, list[Any], float]:
    """The N-worker spread season housed as `solve` houses it: (scenario, matrix, assignments,
    housing CPU s). With `cache`, kept in (and taken from) CACHE/house-N.pkl with the season's
    folder beside it: housing 20,000 workers is ~330 CPU s and its 900 s wall-clock net makes
    what it lodges depend on the machine's load, so several profiles of one season should share
    one housing."""
    import pickle

    from foresterie.housing.release import release_days, without_released_nights
    from foresterie.housing.tiers import plan_housing
    from foresterie.scenario.load import load_scenario
    from foresterie.travel.matrix import build_matrix

    pkl = cache / f"house-{n}.pkl" if cache else None
    if pkl and pkl.is_file():
        with pkl.open("rb") as fh:
            return pickle.load(fh)  # type: ignore[no-any-return]
    with tempfile.TemporaryDirectory() as tmp:
        folder = (cache or Path(tmp)) / f"scale-{n}" / "scenario"
        season_folder(n, "spread", folder)
        sc = load_scenario(folder)
        matrix = build_matrix(sc)
    c = time.process_time()
    housing = plan_housing(without_released_nights(sc, release_days(sc)), matrix, None)
    out = (sc, matrix, housing.assignments, time.process_time() - c)
    if pkl:
        with pkl.open("wb") as fh:
            pickle.dump(out, fh)
    return out


def timers(routes: Any, rec: Any, fallback: bool = True) -> None:
    """Time every chaining and every vehicles-needed count (routes' module attributes, so that
    the pool's workers, forked afterwards, run them too): one record each, with its trips, CPU
    and whether it proved its answer; a chaining inside a count is marked so, and a count says
    what its first model (chaining.vehicles_needed, folded by kind) answered. `fallback` False:
    where that model does not prove its count, the count stands unproven without the chaining
    on one copy of each kind per trip that routes._vehicles_needed asks next (what dropping that
    fallback would do; only fleet_days.csv's vehicles needed can change, not the plan)."""
    import foresterie.shuttles.chaining as chaining

    chain, needed, fast = routes.chain_trips, routes._vehicles_needed, routes.vehicles_needed
    # ties of the least fixed cost: counted where the model left them (before session 13's
    # fewest-at-cost objective decided them in the model; then there is nothing to count)
    counts_for_cost = getattr(chaining, "_counts_for_cost", None)
    inside: dict[str, Any] = {"needed": False, "fast": None, "ties": None}

    def seen_counts(*a: Any) -> Any:  # the vehicle counts the folded model's cost allows
        assert counts_for_cost is not None
        inside["ties"] = out = counts_for_cost(*a)
        return out

    def timed_chain(slots: Any, *a: Any, **k: Any) -> Any:
        if inside["needed"] and not fallback:
            return replace(chain([], *a, **k), vehicles_used=inside["fast"].vehicles, optimal=False)
        c = time.process_time()
        out = chain(slots, *a, **k)
        cpu = time.process_time() - c
        rec(
            {
                "k": "chain",
                "trips": len(slots),
                "cpu": cpu,
                "optimal": bool(out.optimal),
                "in_needed": inside["needed"],
            }
        )
        return out

    def timed_fast(*a: Any, **k: Any) -> Any:
        inside["fast"] = out = fast(*a, **k)
        return out

    def timed_needed(slots: Any, *a: Any) -> Any:
        c = time.process_time()
        inside["needed"], inside["fast"], inside["ties"] = True, None, None
        try:
            count, proven = needed(slots, *a)
        finally:
            inside["needed"] = False
        cpu = time.process_time() - c
        f = inside["fast"]
        rec(
            {
                "k": "needed",
                "trips": len(slots),
                "cpu": cpu,
                "proven": bool(proven),
                "count": count,
                "fast": None if f is None else [f.vehicles, bool(f.optimal)],
                # its least fixed cost allows several vehicle counts: not proven for that
                "tie": inside["ties"] is not None and len(inside["ties"]) > 1,
            }
        )
        return count, proven

    routes.chain_trips = timed_chain
    routes._vehicles_needed = timed_needed
    routes.vehicles_needed = timed_fast
    if counts_for_cost is not None:
        chaining._counts_for_cost = seen_counts  # type: ignore[attr-defined]


def _recorder(logs: Path) -> Any:
    """rec(row): one JSON line in LOGS/<pid>.jsonl (one file per process of the pool)."""
    handles: dict[int, Any] = {}

    def rec(row: dict[str, object]) -> None:
        fh = handles.get(os.getpid())
        if fh is None:
            fh = handles[os.getpid()] = (logs / f"{os.getpid()}.jsonl").open("a")
        fh.write(json.dumps(row) + "\n")
        fh.flush()

    return rec


def _bands(rows: list[dict[str, Any]], kind: str) -> None:
    """A table of one kind of record (chain, needed) by trips a call: calls, unproven, CPU."""
    needed = kind == "needed"
    more = " | first model unproven (of them: cost ties) | fallback ran: proved, CPU s"
    more = more if needed else ""
    print(f"| {kind}: trips | calls | unproven | CPU s | CPU s a call mean / 90th / max{more} |")
    print("| --- " * (7 if needed else 5) + "|")
    flag = "optimal" if kind == "chain" else "proven"
    for lo, hi in [(0, 9), (10, 19), (20, 29), (30, 39), (40, 44), (45, 59), (60, 89), (90, 10**6)]:
        b = [r for r in rows if r["k"] == kind and lo <= r["trips"] <= hi]
        cpus = sorted(r["cpu"] for r in b)
        if b:
            line = (
                f"| {lo}-{hi if hi < 10**6 else ''} | {len(b):,} | "
                f"{sum(not r[flag] for r in b)} | {sum(cpus):.1f} | "
                f"{sum(cpus) / len(b):.3f} / {cpus[(9 * len(b)) // 10]:.2f} / {cpus[-1]:.2f} |"
            )
            if needed:  # counts whose first (folded) model ran and did not prove
                slow = [r for r in b if r["fast"] is not None and not r["fast"][1]]
                line += (
                    f" {len(slow)} ({sum(r.get('tie', False) for r in slow)}) | "
                    f"{sum(r['proven'] for r in slow)}, "
                    f"{sum(r['cpu'] for r in slow):.1f} |"
                )
            print(line)


def profile_shuttles(
    n: int,
    every: int,
    cache: Path | None,
    needed_max: int | None,
    fallback: bool = True,
    patience_work: int | None = None,
    patience: int | None = None,
    chaining_time: float | None = None,
    seed: int | None = None,
) -> None:
    """The N-worker spread season's shuttles with a timer on every route search, chaining and
    pool job (see the module's docstring, --shuttles). Records go through files, one per
    process (the pool's workers are forked after the timers are installed). `needed_max`:
    routes.NEEDED_FAST_MAX_TRIPS for this run (patched here, not in routes.py); `patience_work`:
    routes.PATIENCE_WORK for this run, likewise; `patience`, `chaining_time`: the season's
    `[solver] shuttle_patience` and `chaining_deterministic_time` for this run (the housed
    season's configuration patched, as --solver-budgets would write it: housing reads neither,
    so one cached housing serves every budget); `seed`: the shuttles' `[scenario] seed` (not a
    budget: how far a plan moves when its searches merely land elsewhere)."""
    import foresterie.shuttles.engines.pyvrp_engine as pe
    import foresterie.shuttles.routes as routes

    logs = Path(tempfile.mkdtemp(prefix="shuttle-profile-"))
    rec = _recorder(logs)
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

    sc, matrix, assignments, housing_cpu = housed(n, cache)
    budgets = {
        k: v
        for k, v in (("shuttle_patience", patience), ("chaining_deterministic_time", chaining_time))
        if v is not None
    }
    if budgets:
        solver = sc.config.solver.model_copy(update=budgets)
        sc = replace(sc, config=sc.config.model_copy(update={"solver": solver}))
    if seed is not None:
        table = sc.config.scenario.model_copy(update={"seed": seed})
        sc = replace(sc, config=sc.config.model_copy(update={"scenario": table}))
    if needed_max is not None:
        routes.NEEDED_FAST_MAX_TRIPS = needed_max  # type: ignore[misc]
    if patience_work is not None:
        routes.PATIENCE_WORK = patience_work  # type: ignore[misc]
    keep = {f.id for f in sc.foresterie[::every]}
    stays = [a for a in assignments if a.foresteria_id in keep]
    pe.iterated_local_search = counted_search  # type: ignore[assignment]
    pe.PyVRPEngine.solve = timed_search  # type: ignore[method-assign]
    timers(routes, rec, fallback)
    timed_job("_solve_sequence")
    timed_job("_days_job")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    c, w = time.process_time(), time.perf_counter()
    plan = routes.plan_shuttles(sc, matrix, stays, sc.config.solver.shuttle_processes)
    wall, parent = time.perf_counter() - w, time.process_time() - c
    rows = [json.loads(x) for f in sorted(logs.glob("*.jsonl")) for x in f.open()]
    shutil.rmtree(logs)
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers = ru.ru_utime + ru.ru_stime - before.ru_utime - before.ru_stime
    digest = hashlib.sha256(repr((plan.trips, plan.unserved, plan.fleet_days)).encode())
    searches = [r for r in rows if r["k"] == "search"]
    top = max((r["budget"] for r in searches), default=0)
    its = {"main": 0, "second": 0}
    for r in searches:
        its["main" if r["budget"] == top else "second"] += r["it"]
    cfg = sc.config.solver
    print(
        f"# Shuttles of the {n:,}-worker spread season, {date.today()}, load "
        f"{os.getloadavg()[0]:.1f}: {len(keep)} of {len(sc.foresterie)} foresterie (every "
        f"{every}), {len(stays):,} of {len(assignments):,} stays; housing "
        f"{housing_cpu:.1f} CPU s (all foresterie); shuttles {wall:.1f} s wall, "
        f"{parent + workers:.1f} CPU s (parent and workers), {len(plan.trips):,} trips, "
        f"{sum(u.riders for u in plan.unserved):,} worker-days unserved, "
        f"{plan.route_searches:,} route searches of {plan.day_problems:,} problems; vehicles "
        f"needed {sum(f.needed for f in plan.fleet_days):,} on {len(plan.fleet_days):,} "
        f"base-days, {sum(f.needed_proven for f in plan.fleet_days):,} proven; "
        f"NEEDED_FAST_MAX_TRIPS {routes.NEEDED_FAST_MAX_TRIPS}; PATIENCE_WORK "
        f"{routes.PATIENCE_WORK}; vehicle-km {sum(t.metres for t in plan.trips) / 1000:,.1f}; "
        f"chaining proven {sum(f.optimal for f in plan.fleet_days):,} of "
        f"{len(plan.fleet_days):,}; plan hash "
        f"{digest.hexdigest()[:12]}; patience {cfg.shuttle_patience}, chaining "
        f"{cfg.chaining_deterministic_time} det. s; seed {sc.config.scenario.seed}"
    )
    print()
    print(  # one row of the quality-versus-budget grid (the benchmarks' RESULTS.md, session 20)
        "| workers (every K) | patience | chaining det. s | shuttles CPU s | route searches | "
        "iterations: main pass + second opinion | trips | vehicle-km | worker-days unserved | "
        "chainings proven | plan hash |"
    )
    print("| --- " * 11 + "|")
    print(
        f"| {n:,} ({every}) | {cfg.shuttle_patience} | {cfg.chaining_deterministic_time} | "
        f"{parent + workers:.1f} | {len(searches):,} | {its['main'] + its['second']:,}: "
        f"{its['main']:,} + {its['second']:,} | {len(plan.trips):,} | "
        f"{sum(t.metres for t in plan.trips) / 1000:,.1f} | "
        f"{sum(u.riders for u in plan.unserved):,} | "
        f"{sum(f.optimal for f in plan.fleet_days):,} of {len(plan.fleet_days):,} | "
        f"{digest.hexdigest()[:12]} |"
    )
    print()
    print(
        "| search | loads | searches | iterations run mean / 90th / max (budget) | CPU s | "
        "CPU s a search | us per iteration x load |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    bands = [(1, 9), (10, 19), (20, 29), (30, 49), (50, 79), (80, 119), (120, 199), (200, 10**6)]
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
    _bands([r for r in rows if r["k"] != "chain" or not r["in_needed"]], "chain")
    print()
    _bands(rows, "needed")
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


def needed_on(scenario: Path, out: Path, needed_max: int, fallback: bool = True) -> None:
    """`foresterie solve SCENARIO` (plan files and verifier, no report) with
    routes.NEEDED_FAST_MAX_TRIPS patched to `needed_max` (days of that many trips or more
    count their vehicles needed without a search): every vehicles-needed count and chaining
    timed, then the plan's figures and fleet_days.csv's counts, as one table row."""
    import foresterie.shuttles.routes as routes
    from foresterie.run.pipeline import solve

    logs = Path(tempfile.mkdtemp(prefix="needed-"))
    routes.NEEDED_FAST_MAX_TRIPS = needed_max  # type: ignore[misc]
    timers(routes, _recorder(logs), fallback)
    shutil.rmtree(out, ignore_errors=True)
    summary = solve(scenario, out)
    cpu = tree_cpu()
    rows = [json.loads(x) for f in sorted(logs.glob("*.jsonl")) for x in f.open()]
    shutil.rmtree(logs)
    k = summary.manifest["kpis"]["transport"]
    fleet = _rows(out / "plan" / "fleet_days.csv")
    print(
        "| NEEDED_FAST_MAX_TRIPS (fallback) | CPU s | counts: CPU s | counts of 45 trips or more: CPU s | "
        "vehicles needed | proven | trips | vehicle-km | unserved | chaining proven |"
    )
    print("| --- " * 10 + "|")
    counts = [r for r in rows if r["k"] == "needed"]
    big = [r for r in counts if r["trips"] >= 45]
    print(
        f"| {needed_max} ({'on' if fallback else 'off'}) | {cpu:.1f} | {len(counts)}: {sum(r['cpu'] for r in counts):.1f} | "
        f"{len(big)}: {sum(r['cpu'] for r in big):.1f}, "
        f"{sum(r['proven'] for r in big)} proven | "
        f"{sum(int(r['vehicles_needed']) for r in fleet):,} | "
        f"{sum(r['vehicles_needed_proven'] == 'yes' for r in fleet)} of {len(fleet)} | "
        f"{k['trips']:,} | {k['vehicle_km']:,.1f} | {k['unserved_worker_days']:,} | "
        f"{summary.manifest['shuttles']['chaining_optimal']} |"
    )
    print()
    _bands(rows, "needed")


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
    return out + "".join(f"; {t[0]} {_num(t[1])} (bound {_num(t[2])})" for t in open_)


def _num(x: object) -> str:
    """A tier's objective or bound; '-' where the tier has none (its LP stopped by a count
    before any search: the 20,000 row's priority 0, whose table line crashed on it)."""
    return "-" if x is None else f"{x:,}"


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        keep = Path(sys.argv[4]) if len(sys.argv) > 4 else None
        one(int(sys.argv[2]), "crowded" if sys.argv[3] == "crowded" else "spread", keep)
        return
    if sys.argv[1:2] == ["--shuttles"]:
        opt = {a: sys.argv[i + 1] for i, a in enumerate(sys.argv) if a.startswith("--")}
        profile_shuttles(
            int(sys.argv[2]),
            int(opt.get("--every", 1)),
            Path(opt["--cache"]) if "--cache" in opt else None,
            int(opt["--needed-max"]) if "--needed-max" in opt else None,
            opt.get("--needed-fallback", "on") != "off",
            int(opt["--patience-work"]) if "--patience-work" in opt else None,
            int(opt["--patience"]) if "--patience" in opt else None,
            float(opt["--chaining-time"]) if "--chaining-time" in opt else None,
            int(opt["--seed"]) if "--seed" in opt else None,
        )
        return
    if sys.argv[1:2] == ["--needed"]:
        fallback = "--needed-fallback" not in sys.argv or sys.argv[-1] != "off"
        needed_on(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]), fallback)
        return
    if sys.argv[1:2] == ["--shape"]:
        args = sys.argv[2:]
        for scenario, run in zip(args[::2], args[1::2], strict=True):
            print(json.dumps({"run": run, **shape(Path(scenario), Path(run))}), flush=True)
        return
    args = sys.argv[1:]
    if "--net" in args:  # the children's seasons (season_folder) read it
        os.environ["PIPELINE_SCALE_NET"] = str(float(args.pop(args.index("--net") + 1)))
    if "--solver-budgets" in args:  # likewise: their patience and chaining budget
        budgets = args.pop(args.index("--solver-budgets") + 1)
        solver_budgets(budgets)  # refused here, before any child runs
        os.environ["PIPELINE_SCALE_BUDGETS"] = budgets
    layout: Layout = "crowded" if "--crowded" in args else "spread"
    keep_dir = args[args.index("--keep") + 1] if "--keep" in args else None
    sizes = [int(a) for a in args if a.isdigit()] or [1700, 5000, 20000]
    print(
        f"# Pipeline scale, {date.today()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f} at start; layout {layout}; CPU = the whole process tree"
        f"; solver budgets (patience, chaining det. s): "
        f"{os.environ.get('PIPELINE_SCALE_BUDGETS') or '100,1.0 (the generator default)'}"
    )
    rows = []
    for n in sizes:
        load_start = round(os.getloadavg()[0], 1)
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
        row["load_start"] = load_start
        row["cpu_s"] = round(ru.ru_utime + ru.ru_stime, 1)
        row["peak_mb"] = round(ru.ru_maxrss / 1024)  # the largest process of the tree
        rows.append(row)
        print(json.dumps(row), flush=True)
    print()
    print(
        "| workers | foresterie / farms | housed | trips | worker-days | unserved | vehicle-km | "
        "CPU s | load + travel | housing | shuttles | plan, verify, report | peak MB | wall s "
        "(load start-end) | chaining proven | housing tiers proven |"
    )
    print("| --- " * 16 + "|")
    for r in rows:
        st = r["stages_cpu"]
        print(
            f"| {r['workers']:,} | {r['foresterie']} / {r['farms']} | {r['housed']:,} | "
            f"{r['trips']:,} | {r['worker_days']:,} | {r['unserved_worker_days']:,} | "
            f"{r['vehicle_km']:,.0f} | {r['cpu_s']} | {st['travel']} | {st['housing']} | "
            f"{st['shuttles']} | {st['published']} | {r['peak_mb']} | {r['wall_s']} "
            f"({r['load_start']}-{r['load_end']}) | {r['chaining_optimal']} | "
            f"{_proven(r['tiers'])} |"
        )
    if len(rows) > 1:
        xs = [float(r["workers"]) for r in rows]
        print()
        stages = ", ".join(
            f"{st} {fit(xs, [max(0.1, r['stages_cpu'][st]) for r in rows]):.2f}"
            for st in ("travel", "housing", "shuttles", "published")
        )
        print(
            f"growth exponent (log-log least squares): CPU {fit(xs, [r['cpu_s'] for r in rows]):.2f} "
            f"({stages}), wall {fit(xs, [r['wall_s'] for r in rows]):.2f}"
        )


if __name__ == "__main__":
    main()
