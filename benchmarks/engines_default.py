"""PyVRP against OR-Tools routing on the default scenario's busiest day patterns, equal budget.

Usage: python benchmarks/engines_default.py [SECONDS_PER_PATTERN] [N_PATTERNS]
"""

from __future__ import annotations

import platform
import sys
from datetime import date
from pathlib import Path

from foresterie.housing.tiers import plan_housing
from foresterie.scenario.load import load_scenario
from foresterie.shuttles.engines import get_engine
from foresterie.shuttles.routes import (
    DIRECTIONS,
    _available,
    _instance,
    _Pattern,
    _seat_types,
    daily_riders,
    shift_window,
)
from foresterie.travel.matrix import build_matrix

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    limit = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    sc = load_scenario(ROOT / "scenarios" / "puglia-2026")
    m = build_matrix(sc)
    hp = plan_housing(sc, m)
    farms = {f.id: f for f in sc.farms}
    riders = daily_riders(sc, hp.assignments)
    tr = sc.config.transport
    patterns = {}
    for (d, fid, farm), ids in riders.items():
        patterns.setdefault((d, fid), []).append((farm, len(ids)))
    busiest = sorted(patterns.items(), key=lambda kv: -sum(n for _, n in kv[1]))
    chosen, seen, kinds = [], set(), set()
    for (d, fid), dem in busiest:
        if fid in seen and len(seen) < len({f for _, f in patterns}):
            continue  # one busy day per foresteria first, then the busiest overall
        if (fid, tuple(sorted(dem))) in kinds:
            continue  # a day with the same demand is the same problem
        seen.add(fid)
        kinds.add((fid, tuple(sorted(dem))))
        for direction in DIRECTIONS:
            rows = tuple(
                (farm, n, *shift_window(farms[farm], direction, d, sc))
                for farm, n in sorted(dem)
                if m.secs(fid, farm) <= tr.max_ride_min * 60
            )
            chosen.append(
                (
                    d,
                    fid,
                    direction,
                    _Pattern(
                        foresteria_id=fid,
                        direction=direction,
                        demand=rows,
                        seats=_seat_types(_available(sc.fleet, fid, d)),
                    ),
                )
            )
        if len(chosen) >= count:
            break
    print(
        f"# Engines on the default scenario, {date.today()}, {platform.machine()}, {limit:g} s per "
        f"pattern (wall clock, equal for both), seed 1"
    )
    print(
        "| day | foresteria | direction | loads | pyvrp trips | pyvrp km | ortools trips | ortools km |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    totals = {"pyvrp": [0, 0, 0], "ortools": [0, 0, 0]}
    for d, fid, direction, p in chosen:
        inst, _ = _instance(p, m, tr.max_ride_min, tr.board_min)
        cells = []
        for name in ("pyvrp", "ortools"):
            sol = get_engine(name).solve(inst, 1, 10**9, limit)
            ok = sol.feasible and sol.served() == set(range(1, inst.n))
            km = (
                sum(
                    inst.dist[a][b]
                    for r in sol.routes
                    for a, b in zip([0, *r.visits], [*r.visits, 0], strict=True)
                )
                / 1000
            )
            totals[name][0] += len(sol.routes)
            totals[name][1] += km
            totals[name][2] += ok
            cells += [f"{len(sol.routes)}{'' if ok else ' (infeasible)'}", f"{km:.0f}"]
        print(
            f"| {d} | {fid} | {direction} | {inst.n - 1} | " + " | ".join(cells) + " |", flush=True
        )
    for name, (trips, km, ok) in totals.items():
        print(
            f"{name}: {trips} trips, {km:.0f} km, complete and feasible on {ok}/{len(chosen)} patterns"
        )


if __name__ == "__main__":
    main()
