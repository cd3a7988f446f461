"""Shuttles on tiny hand-checkable cases: seats, windows, ride caps, splits, chaining, heat days."""

from __future__ import annotations

from datetime import date

from foresterie.scenario.model import Assignment, Section
from foresterie.shuttles.engines import get_engine
from foresterie.shuttles.routes import TO_FARM, TO_FORESTERIA, _instance, _Pattern, plan_shuttles
from tests.helpers import farm, foresteria, matrix, scenario, vehicle, worker

DAY = date(2026, 7, 6)


def run(farms, riders_per_farm, fleet, minutes, engine="pyvrp", **tables):  # type: ignore[no-untyped-def]
    ws, assignments = [], []
    for fid, n in riders_per_farm.items():
        for i in range(n):
            w = worker(f"{fid}-{i:02d}", "2026-07-06", "2026-07-07", farm_id=fid)
            ws.append(w)
            assignments.append(
                Assignment(
                    worker_id=w.id,
                    foresteria_id="A",
                    section=Section.MEN,
                    arrival=w.arrival,
                    departure=w.departure,
                )
            )
    tables.setdefault("solver", {})["shuttle_engine"] = engine
    sc = scenario([foresteria("A", men=99)], farms, ws, fleet, **tables)
    ids = ["A", *sorted(f.id for f in farms)]
    return plan_shuttles(sc, matrix(minutes, ids), sorted(assignments, key=lambda a: a.worker_id))


def test_split_load_never_exceeds_seats_and_chains_on_one_vehicle() -> None:
    sp = run(
        [farm("F1", "06:00", "14:00")], {"F1": 12}, [vehicle("V1", "A", seats=8)], {("A", "F1"): 10}
    )
    morning = [t for t in sp.trips if t.direction == TO_FARM]
    assert sorted(t.riders for t in morning) == [4, 8]
    assert all(t.riders <= 8 and t.vehicle_id == "V1" for t in sp.trips)
    assert not sp.unserved
    a, b = sorted(morning, key=lambda t: t.depart)
    assert b.depart >= a.ret + 5  # the same minibus runs the second load after turnaround
    for t in morning:
        assert 6 * 60 - 30 <= t.stops[0].arrive <= 6 * 60 and t.stops[0].arrive - t.depart <= 75


def test_unservable_farm_is_listed_with_a_proven_reason() -> None:
    sp = run(
        [farm("F1"), farm("F2")],
        {"F1": 3, "F2": 2},
        [vehicle("V1", "A")],
        {("A", "F1"): 10, ("A", "F2"): 80},
    )
    far = [u for u in sp.unserved if u.farm_id == "F2"]
    assert {u.direction for u in far} == {TO_FARM, TO_FORESTERIA} and all(u.proven for u in far)
    assert far[0].reason == "farm F2 is 80 min from Foresteria A, above the 75 min ride cap"
    assert sum(t.riders for t in sp.trips) == 6  # F1's three riders out and back


def test_chaining_saves_a_vehicle_on_staggered_shifts() -> None:
    fleet = [vehicle("V1", "A"), vehicle("V2", "A")]
    minutes = {("A", "F1"): 15, ("A", "F2"): 15, ("F1", "F2"): 25}
    staggered = run(
        [farm("F1", "05:00", "12:00"), farm("F2", "07:30", "15:00")],
        {"F1": 8, "F2": 8},
        fleet,
        minutes,
    )
    assert not staggered.unserved
    assert {t.vehicle_id for t in staggered.trips} == {"V1"}
    assert staggered.fleet_days[0].needed == 1
    same = run(
        [farm("F1", "06:00", "14:00"), farm("F2", "06:00", "14:00")],
        {"F1": 8, "F2": 8},
        fleet,
        minutes,
    )
    assert not same.unserved and same.fleet_days[0].needed == 2


def test_fleet_short_lists_the_riders_affected() -> None:
    minutes = {("A", "F1"): 15, ("A", "F2"): 15, ("F1", "F2"): 25}
    sp = run(
        [farm("F1", "06:00", "14:00"), farm("F2", "06:00", "14:00")],
        {"F1": 8, "F2": 8},
        [vehicle("V1", "A")],
        minutes,
    )
    short = [u for u in sp.unserved if "fleet short" in u.reason]
    assert sum(u.riders for u in short) == 16 and not any(u.proven for u in short)
    assert sp.fleet_days[0].needed == 2 and sp.fleet_days[0].available == 1


def test_heat_alert_day_brings_everyone_back_by_12_30_plus_wait() -> None:
    sp = run(
        [farm("F1", "05:30", "14:00")],
        {"F1": 5},
        [vehicle("V1", "A")],
        {("A", "F1"): 20},
        transport={"heat_alert_days": ["2026-07-06"]},
    )
    (evening,) = [t for t in sp.trips if t.direction == TO_FORESTERIA]
    assert 12 * 60 + 30 <= evening.stops[0].depart <= 13 * 60
    assert evening.ret - evening.stops[0].depart <= 75


def test_same_inputs_same_trips() -> None:
    args = (
        [farm("F1", "05:30", "13:30"), farm("F2", "06:00", "14:00"), farm("F3", "06:30", "14:30")],
        {"F1": 9, "F2": 5, "F3": 13},
        [vehicle("V1", "A", 28), vehicle("V2", "A")],
        {("A", "F1"): 12, ("A", "F2"): 25, ("A", "F3"): 30, ("F1", "F3"): 20},
    )
    assert run(*args).trips == run(*args).trips


def test_engine_parity_on_a_small_case() -> None:
    farms = [farm(f"F{i}", "06:00", "14:00") for i in range(1, 7)]
    minutes = {("A", f.id): 10 + 4 * i for i, f in enumerate(farms)}
    ids = ["A", *[f.id for f in farms]]
    m = matrix(minutes, ids)
    demand = tuple((f.id, 3 + i % 4, 330, 360) for i, f in enumerate(farms))
    p = _Pattern(
        foresteria_id="A", direction=TO_FARM, demand=demand, seats=((8, 16000, 40), (28, 28000, 95))
    )
    inst, _ = _instance(p, m, 75, 2)
    costs = {}
    for name in ("pyvrp", "ortools"):
        sol = get_engine(name).solve(inst, 1, 500, 20.0)
        assert sol.feasible and sol.served() == set(range(1, inst.n))
        costs[name] = sol.cost
    assert abs(costs["pyvrp"] - costs["ortools"]) <= 0.05 * costs["pyvrp"], costs


def test_riders_come_first_whatever_the_scale_of_the_costs() -> None:
    """The same fleet priced x1, x100 and x10,000 (a bus typed in cents, EUR/km typed per metre):
    riders first, then cost, exactly, so the same riders ride at every scale."""
    farms = [
        farm("F1", "06:00", "14:00"),
        farm("F2", "07:00", "15:00"),
        farm("F3", "05:30", "13:00"),
    ]
    riders = {"F1": 11, "F2": 6, "F3": 9}
    minutes = {
        ("A", "F1"): 20,
        ("A", "F2"): 35,
        ("A", "F3"): 25,
        ("F1", "F2"): 20,
        ("F1", "F3"): 15,
    }
    served = []
    for scale in (1, 100, 10_000):
        fleet = [
            vehicle("BUS", "A", seats=28, fixed=300 * scale, per_km=1.2 * scale),
            vehicle("VAN", "A", seats=9, fixed=160 * scale, per_km=0.4 * scale),
        ]
        sp = run(farms, riders, fleet, minutes)
        served.append(
            (
                sum(t.riders for t in sp.trips),
                sum(u.riders for u in sp.unserved),
                sorted((t.direction, t.riders) for t in sp.trips),
            )
        )
    assert served[0][0] == 2 * sum(riders.values()) and served[0][1] == 0
    assert served[1] == served[0] and served[2] == served[0]


def test_chaining_keeps_riders_when_a_vehicle_costs_a_fortune() -> None:
    from foresterie.shuttles.chaining import TripSlot, chain_trips

    trips = [
        TripSlot(key="A", depart=360, ret=420, load=8, metres=40_000),
        TripSlot(key="B", depart=380, ret=440, load=6, metres=40_000),
    ]
    fleet = [vehicle("V1", "A", seats=9, fixed=1e9, per_km=1e6), vehicle("V2", "A", seats=9)]
    r = chain_trips(trips, fleet, 5, seed=1, deterministic_time=5.0)
    assert r.vehicle_of["A"] is not None and r.vehicle_of["B"] is not None
    assert r.vehicles_used == 2 and r.optimal
