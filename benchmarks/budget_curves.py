"""Quality against budget for the season's shuttles: the chaining CP-SAT budget (deterministic
seconds per model) and the route-search budget (PyVRP iterations and patience, scaled), each
varied alone from the scenario's own settings, on one fixed housing plan.

For each budget: trips, vehicle-days, vehicle-km, unserved worker-days, whether every chaining
was proven optimal, and the CPU seconds of the whole process tree (the machine is shared: wall
is noise; the plans are deterministic, so the quality columns are exact).

Usage: python benchmarks/budget_curves.py [SCENARIO] [chaining=0.05,0.1,0.2,1.0]
       [routes=0.25,0.5,1.0] [processes=2]
"""

from __future__ import annotations

import os
import platform
import resource
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

from foresterie.housing.tiers import plan_housing
from foresterie.run.kpi import transport_kpis
from foresterie.scenario.load import load_scenario
from foresterie.scenario.model import Scenario
from foresterie.shuttles.routes import plan_shuttles
from foresterie.travel.matrix import build_matrix

ROOT = Path(__file__).resolve().parents[1]


def cpu_s() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime


def with_solver(sc: Scenario, **changes: float | int) -> Scenario:
    solver = sc.config.solver.model_copy(update=changes)
    return replace(sc, config=sc.config.model_copy(update={"solver": solver}))


def main() -> None:
    opts = dict(a.split("=", 1) for a in sys.argv[1:] if "=" in a)
    args = [a for a in sys.argv[1:] if "=" not in a]
    folder = Path(args[0]) if args else ROOT / "scenarios" / "puglia-2027"
    chaining = [float(x) for x in opts.get("chaining", "0.05,0.1,0.2,1.0").split(",") if x]
    route_scales = [float(x) for x in opts.get("routes", "0.25,0.5,1.0").split(",") if x]
    processes = int(opts.get("processes", "2"))
    sc = load_scenario(folder)
    m = build_matrix(sc)
    hp = plan_housing(sc, m)
    base = sc.config.solver
    print(
        f"# Budget curves, {sc.name}, {date.today()}, {platform.machine()}, {os.cpu_count()} "
        f"cores, load {os.getloadavg()[0]:.1f}; scenario budgets: chaining "
        f"{base.chaining_deterministic_time} det-s, routes {base.shuttle_iterations} iterations "
        f"/ patience {base.shuttle_patience}; {processes} processes"
    )
    print(
        "| varied | budget | trips | vehicle-days | vehicle-km | unserved worker-days | "
        "proven unserved % | chaining proven | CPU s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    runs: list[tuple[str, str, Scenario]] = [
        ("chaining", f"{c:g} det-s", with_solver(sc, chaining_deterministic_time=c))
        for c in chaining
    ] + [
        (
            "routes",
            f"x{r:g} ({round(base.shuttle_iterations * r)} it / {round(base.shuttle_patience * r)})",
            with_solver(
                sc,
                shuttle_iterations=max(1, round(base.shuttle_iterations * r)),
                shuttle_patience=max(1, round(base.shuttle_patience * r)),
            ),
        )
        for r in route_scales
    ]
    for what, label, s in runs:
        c0 = cpu_s()
        plan = plan_shuttles(s, m, hp.assignments, processes=processes)
        cpu = cpu_s() - c0
        k = transport_kpis(s, plan)
        proven = all(f.optimal for f in plan.fleet_days)
        print(
            f"| {what} | {label} | {k['trips']:,} | {k['vehicle_days']:,} | "
            f"{k['vehicle_km']:,.1f} | {k['unserved_worker_days']:,} | "
            f"{k['unserved_proven_pct']} | {proven} | {cpu:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
