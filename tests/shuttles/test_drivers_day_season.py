"""Drivers' hours in real solves (review 14, finding 2): the reviewer's held-out day, one 28-seat
bus for six farms 33-44 minutes away with shifts from 03:30-14:00 to 11:00-21:30, was verified
with the bus out for 16 hours; now every vehicle-day keeps one driver's day and the riders left
are listed with a reason that names drivers' hours. A second day where only the break binds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from foresterie.scenario.model import Vehicle
from foresterie.shuttles.routes import ShuttlePlan, plan_shuttles
from tests.helpers import farm, foresteria, matrix, scenario, vehicle, whole_stays, worker

SHIFTS = [("03:30", "14:00"), ("05:00", "15:30"), ("06:30", "17:00")]
SHIFTS += [("08:00", "18:30"), ("09:30", "20:00"), ("11:00", "21:30")]
AWAY = [33, 35, 37, 40, 42, 44]


def _solve(
    shifts: list[tuple[str, str]], away: list[int], per_farm: int, fleet: list[Vehicle]
) -> ShuttlePlan:
    farms = [farm(f"F{k + 1}", a, b) for k, (a, b) in enumerate(shifts)]
    ws = [
        worker(f"W{k + 1}{i:02d}", "2026-07-06", "2026-07-07", farm_id=f"F{k + 1}")
        for k in range(len(farms))
        for i in range(per_farm)
    ]
    sc = scenario([foresteria("B", men=99)], farms, ws, fleet)
    minutes = {("B", f"F{k + 1}"): m for k, m in enumerate(away)}
    ids = ["B", *(f.id for f in farms)]
    return plan_shuttles(sc, matrix(minutes, ids), whole_stays(ws, "B"))


def _days(sp: ShuttlePlan) -> dict[tuple[str, str], tuple[int, int]]:
    """Per vehicle-day, (first departure to last return, longest run of trips without a
    45-minute pause), read off the trips here."""
    by: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for t in sp.trips:
        by[t.vehicle_id or "", t.day.isoformat()].append((t.depart, t.ret))
    out = {}
    for key, spans in by.items():
        spans.sort()
        run = longest = 0
        back = None
        for a, b in spans:
            run = b - a + (run if back is not None and a - back < 45 else 0)
            longest = max(longest, run)
            back = b
        out[key] = (spans[-1][1] - spans[0][0], longest)
    return out


def _riders(sp: ShuttlePlan) -> int:
    return sum(t.riders for t in sp.trips if t.direction == "to_farm")


def test_the_reviewers_day_keeps_one_drivers_day_and_says_why_riders_are_left() -> None:
    bus = vehicle("BUS1", "B", seats=28, duty=540)
    before = _solve(SHIFTS, AWAY, 8, [replace(bus, max_span_min=1440, max_stretch_min=1440)])
    after = _solve(SHIFTS, AWAY, 8, [bus])
    assert max(span for span, _ in _days(before).values()) > 780  # what the review found
    assert all(span <= 780 and run <= 270 for span, run in _days(after).values())
    assert _riders(after) < _riders(before)
    assert after.unserved and all(
        "drivers' hours bind" in u.reason for u in after.unserved if u.code == "vehicles_busy"
    )
    assert any(u.code == "vehicles_busy" for u in after.unserved)
    # A second bus (or a second driver in shifts) carries them again.
    two = _solve(SHIFTS, AWAY, 8, [bus, replace(bus, id="BUS2")])
    assert _riders(two) == _riders(before) == 48 and not two.unserved
    assert all(span <= 780 and run <= 270 for span, run in _days(two).values())
    shifts = _solve(SHIFTS, AWAY, 8, [replace(bus, max_span_min=1440, max_duty_min=1440)])
    assert _riders(shifts) == 48 and not shifts.unserved
