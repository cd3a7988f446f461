"""The `drivers_day` reason is proven (review 16): the planner writes it only where no trip
could carry the riders within a driver's day, the legs read as the quickest paths over the
matrix. An explicit matrix need not keep the triangle inequality: where the way through another
place is quicker than the direct leg, a day the direct legs overrun may still hold the round
trip, and the reason must then not claim the proof."""

from __future__ import annotations

from foresterie.shuttles.routes import ShuttlePlan, plan_shuttles
from tests.helpers import farm, foresteria, matrix, scenario, vehicle, whole_stays, worker


def _plan(minutes: dict[tuple[str, str], int]) -> ShuttlePlan:
    # F1 works 05:30-18:00 (750 min): with 20-minute legs a round trip spans 750 + 2 (boarding)
    # + 2 x 20 = 792 min, above one driver's 780; with 10-minute legs 772, within it.
    farms = [farm("F1", "05:30", "18:00"), farm("F2")]
    ws = [worker(f"W{k}", farm_id="F1") for k in range(4)]
    sc = scenario([foresteria("B", men=9)], farms, ws, [vehicle("V1", "B")])
    return plan_shuttles(sc, matrix(minutes, ["B", "F1", "F2"]), whole_stays(ws, "B"))


def test_a_round_trip_longer_than_the_drivers_day_is_proven_so() -> None:
    sp = _plan({("B", "F1"): 20})  # through F2: 10 + 10, no quicker
    assert not sp.trips
    assert {(u.code, u.proven) for u in sp.unserved} == {("drivers_day", True)}
    assert sum(u.riders for u in sp.unserved) == 16  # 4 riders, 4 workdays
    assert all("spans at least 792 min" in u.reason for u in sp.unserved)


def test_a_quicker_way_through_another_place_withholds_the_proof() -> None:
    # B -> F2 -> F1 takes 5 + 5 minutes: a trip that way would fit the day, so nothing is
    # proven, whatever the plan could carry.
    sp = _plan({("B", "F1"): 20, ("B", "F2"): 5, ("F1", "F2"): 5})
    assert sp.unserved and all(u.code != "drivers_day" for u in sp.unserved)
    assert all(not u.proven for u in sp.unserved)
