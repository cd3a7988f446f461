"""The default scenario's whole season of shuttles: wall time (median of 3), vehicles and km per
day, and vehicle-km against point-to-point vans (each farm's riders in their own 8-seat vans).

Usage: python benchmarks/season.py [SCENARIO] [RUNS]   (default scenarios/puglia-2027, 3 runs)
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

from foresterie.housing.tiers import plan_housing
from foresterie.scenario.load import load_scenario
from foresterie.shuttles.routes import TO_FARM, daily_riders, plan_shuttles
from foresterie.travel.matrix import build_matrix

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "scenarios" / "puglia-2027"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    sc = load_scenario(folder)
    m = build_matrix(sc)
    t0 = time.perf_counter()
    hp = plan_housing(sc, m)
    housing_s = time.perf_counter() - t0
    walls, plan = [], None
    cpu = []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        cpu.append(-c0)
        plan = plan_shuttles(sc, m, hp.assignments, processes=sc.config.solver.shuttle_processes)
        walls.append(time.perf_counter() - t0)
        cpu[-1] += time.process_time()
    assert plan is not None
    print(
        f"# Season shuttles, {sc.name}, {date.today()}, {platform.machine()}, "
        f"{os.cpu_count()} cores, engine {plan.engine}"
    )
    print(
        f"housing {housing_s:.1f} s; shuttles wall median {statistics.median(walls):.1f} s "
        f"(runs {', '.join(f'{w:.1f}' for w in walls)}; main-process CPU "
        f"{statistics.median(cpu):.1f} s); route searches "
        f"{plan.route_searches} for {plan.day_problems} day problems"
    )
    per_day: dict[date, set[str]] = defaultdict(set)
    km_day: dict[date, float] = defaultdict(float)
    for t in plan.trips:
        if t.vehicle_id:
            per_day[t.day].add(t.vehicle_id)
        km_day[t.day] += t.metres / 1000
    served = {
        (t.day, t.foresteria_id, s.farm_id): len(s.worker_ids)
        for t in plan.trips
        if t.direction == TO_FARM
        for s in t.stops
    }
    p2p_km = 0.0
    for d, fid, farm in daily_riders(sc, hp.assignments):
        n = served.get((d, fid, farm), 0)
        if n:  # the same riders, each farm's crew in its own 8-seat vans, out and back
            p2p_km += 2 * math.ceil(n / 8) * 2 * m.dist(fid, farm) / 1000
    plan_km = sum(km_day.values())
    vehicles = [len(v) for v in per_day.values()]
    print(
        f"days with trips {len(per_day)}; vehicles per day mean {statistics.mean(vehicles):.1f}, "
        f"peak {max(vehicles)}; km per day mean {statistics.mean(km_day.values()):.0f}"
    )
    print(
        f"vehicle-km: plan {plan_km:,.0f}; point-to-point 8-seat vans for the same riders "
        f"{p2p_km:,.0f}; saved {100 * (1 - plan_km / p2p_km):.1f} %"
    )
    print(
        f"unserved worker-days (both legs) {sum(u.riders for u in plan.unserved)}; proven fleet "
        f"short on {len({u.day for u in plan.unserved if u.code == 'fleet_short'})} days, "
        f"worker-days unserved on {len({f.day for f in plan.fleet_days if f.short_riders})}"
    )


if __name__ == "__main__":
    main()
