"""Quality against budget for the season's shuttles, on one fixed housing plan: each variant
changes the route search's or the chaining's budget from the shipped settings and plans the
season's shuttles again, in a fresh process (no memo carried from one variant to the next).

Levers (a variant is `label:key=value,key=value`; `base` is the shipped settings):
- `patience`, `iterations`: the route search's (`[solver] shuttle_patience`, `shuttle_iterations`)
- `neighbours`: the granular neighbourhood PyVRP's moves try (`routes.NEIGHBOURS`)
- `second`: the second opinion's share of the route budget (`routes.SECOND_OPINION_BUDGET`)
- `warm`: the patience's share on a day whose loads are the day before's (`routes.WARM_PATIENCE`)
- `chaining`: CP-SAT's deterministic seconds per model (`[solver] chaining_deterministic_time`)
- `seed`: the shuttles' seed (`[scenario] seed`; housing stays the shipped seed's): not a budget,
  the yardstick of how far the plan's figures move when a search merely lands elsewhere

The plans are deterministic, so the quality columns are exact: trips, vehicle-km, unserved
worker-days, chainings proven (fleet days proven optimal / all), the longest time anyone is left
behind (days in all / in a row), and a digest of trips.csv-like rows (equal digest: the same
trips). The cost columns: PyVRP iterations summed over every route search (deterministic),
CP-SAT deterministic seconds summed over every chaining solve (deterministic), and CPU seconds
of the variant's process tree (noisy on a shared machine).

Usage: python benchmarks/budget_curves.py [SCENARIO] [processes=2] VARIANT...
   e.g. python benchmarks/budget_curves.py scenarios/puglia-2027 base p35:patience=35
"""

from __future__ import annotations

import hashlib
import os
import pickle
import platform
import resource
import subprocess
import sys
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from foresterie.scenario.load import load_scenario
from foresterie.scenario.model import Scenario

ROOT = Path(__file__).resolve().parents[1]
MODULE_LEVERS = {
    "neighbours": "NEIGHBOURS",
    "second": "SECOND_OPINION_BUDGET",
    "warm": "WARM_PATIENCE",
}
SOLVER_LEVERS = {
    "patience": "shuttle_patience",
    "iterations": "shuttle_iterations",
    "chaining": "chaining_deterministic_time",
}


def cpu_s() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime


def with_solver(sc: Scenario, **changes: float | int) -> Scenario:
    solver = sc.config.solver.model_copy(update=changes)
    return replace(sc, config=sc.config.model_copy(update={"solver": solver}))


def parse(variant: str) -> tuple[str, dict[str, float]]:
    label, _, spec = variant.partition(":")
    changes = {k: float(v) for k, v in (kv.split("=", 1) for kv in spec.split(",") if kv)}
    unknown = set(changes) - set(MODULE_LEVERS) - set(SOLVER_LEVERS) - {"seed"}
    if unknown:
        raise SystemExit(f"unknown lever(s) {sorted(unknown)} in {variant!r}")
    return label, changes


def count_calls(log: Path) -> None:
    """Every route search appends its iterations, every CP-SAT solve its deterministic time, to
    `log` (one line each, appended: the pool's workers write to the same file)."""
    from ortools.sat.python import cp_model

    import foresterie.shuttles.engines.pyvrp_engine as eng

    ils = eng.iterated_local_search

    def counted_ils(*a: Any, **k: Any) -> Any:
        best, its = ils(*a, **k)
        with log.open("a") as f:
            f.write(f"v {its}\n")
        return best, its

    eng.iterated_local_search = counted_ils  # type: ignore[assignment]
    solve = cp_model.CpSolver.solve

    def counted_solve(self: cp_model.CpSolver, *a: Any, **k: Any) -> Any:
        status = solve(self, *a, **k)
        with log.open("a") as f:
            f.write(f"c {self.deterministic_time!r}\n")
        return status

    cp_model.CpSolver.solve = counted_solve  # type: ignore[method-assign]


def run_variant(folder: Path, housing: Path, variant: str, processes: int) -> str:
    """One variant in this (fresh) process: its table row."""
    import foresterie.shuttles.routes as routes
    from foresterie.run.kpi import transport_kpis
    from foresterie.travel.matrix import build_matrix

    label, changes = parse(variant)
    sc = load_scenario(folder)
    m = build_matrix(sc)
    assignments = pickle.loads(housing.read_bytes())
    for k, v in changes.items():
        if k in MODULE_LEVERS:
            setattr(routes, MODULE_LEVERS[k], int(v) if k == "neighbours" else v)
    solver = {
        SOLVER_LEVERS[k]: (v if k == "chaining" else int(v))
        for k, v in changes.items()
        if k in SOLVER_LEVERS
    }
    s = with_solver(sc, **solver) if solver else sc
    if "seed" in changes:
        table = s.config.scenario.model_copy(update={"seed": int(changes["seed"])})
        s = replace(s, config=s.config.model_copy(update={"scenario": table}))
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "calls.log"
        log.touch()
        count_calls(log)
        c0 = cpu_s()
        plan = routes.plan_shuttles(s, m, assignments, processes=processes)
        cpu = cpu_s() - c0
        lines = log.read_text().split()
    its = sum(int(v) for k, v in zip(lines[::2], lines[1::2], strict=True) if k == "v")
    searches = lines[::2].count("v")
    det = sum(float(v) for k, v in zip(lines[::2], lines[1::2], strict=True) if k == "c")
    solves = lines[::2].count("c")
    k = transport_kpis(s, plan)
    proven = sum(f.optimal for f in plan.fleet_days)
    digest = hashlib.sha256(
        "\n".join(
            f"{t.trip_id}|{t.vehicle_id}|{t.depart}|{t.ret}|{t.stops}|{t.riders}"
            for t in plan.trips
        ).encode()
    ).hexdigest()[:10]
    spec = ", ".join(f"{k} {v:g}" for k, v in changes.items()) or "shipped"
    return (
        f"| {label} | {spec} | {k['trips']:,} | {k['vehicle_km']:,.1f} | "
        f"{k['unserved_worker_days']:,} | {proven} / {len(plan.fleet_days)} | "
        f"{k['left_behind_max_days']} / {k['left_behind_max_in_a_row']} | {digest} | "
        f"{searches:,} / {its:,} | {solves:,} / {det:.2f} | {cpu:.1f} |"
    )


def main() -> None:
    if sys.argv[1:2] == ["--one"]:  # a child: --one FOLDER HOUSING VARIANT PROCESSES
        _, _, folder, housing, variant, processes = sys.argv
        print(run_variant(Path(folder), Path(housing), variant, int(processes)), flush=True)
        return
    opts = dict(a.split("=", 1) for a in sys.argv[1:] if "=" in a and ":" not in a)
    args = [a for a in sys.argv[1:] if "=" not in a or ":" in a]
    folder = ROOT / "scenarios" / "puglia-2027"
    if args and Path(args[0]).is_dir():
        folder = Path(args.pop(0))
    variants = args or ["base"]
    for v in variants:
        parse(v)
    processes = int(opts.get("processes", "2"))
    from foresterie.housing.tiers import plan_housing
    from foresterie.travel.matrix import build_matrix

    sc = load_scenario(folder)
    hp = plan_housing(sc, build_matrix(sc))
    base = sc.config.solver
    print(
        f"# Budget curves, {sc.name}, {date.today()}, {platform.machine()}, {os.cpu_count()} "
        f"cores, load {os.getloadavg()[0]:.1f}; shipped: routes {base.shuttle_iterations} "
        f"iterations / patience {base.shuttle_patience}, chaining "
        f"{base.chaining_deterministic_time} det-s; {processes} processes",
        flush=True,
    )
    print(
        "| variant | levers | trips | vehicle-km | unserved worker-days | chainings proven | "
        "left behind max / in a row | trips digest | route searches / iterations | "
        "CP-SAT solves / det-s | CPU s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        housing = Path(tmp) / "assignments.pkl"
        housing.write_bytes(pickle.dumps(hp.assignments))
        for v in variants:
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(folder), str(housing), v, str(processes)],
                capture_output=True,
                text=True,
            )
            if out.returncode:
                raise SystemExit(f"variant {v} failed:\n{out.stderr}")
            print(out.stdout.strip(), f"(load {os.getloadavg()[0]:.1f})", flush=True)


if __name__ == "__main__":
    main()
