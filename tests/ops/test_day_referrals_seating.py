"""A day run seats riders left over into the season plan's trips kept for the day
(run/stability.py `_seat_in_kept`), inserting a stop at their farm where it fits. It never
inserts one where a rider already aboard would be aboard while the vehicle stops at a site she
avoids (README "Referral records"): another position of the stop, or no seat there.

FA, F1 20 min away (shift from 06:10), F2 25 min away (from 06:00) and 5 min from F1; V1 (8
seats) runs F1's riders both ways. Seated as the relaxed pass seats them (any move of the
departure the windows allow), the first cheapest stop at F2 comes before F1 in the morning."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from foresterie.run.stability import _seat_in_kept
from foresterie.scenario.model import Scenario
from foresterie.shuttles.routes import Stop, Trip, passed_aboard, trip_timer
from foresterie.travel.matrix import TravelMatrix
from tests.helpers import farm, foresteria, matrix, scenario, vehicle, worker

D = date(2026, 7, 7)


def _season(avoid: frozenset[str]) -> tuple[Scenario, TravelMatrix]:
    w1 = replace(worker("W1"), avoid=avoid)
    sc = scenario(
        [foresteria("FA")],
        [farm("F1", start="06:10"), farm("F2")],
        [w1, worker("W9", farm_id="F2")],
        [vehicle("V1", "FA"), vehicle("V2", "FA")],
    )
    m = matrix({("FA", "F1"): 20, ("FA", "F2"): 25, ("F1", "F2"): 5}, ["FA", "F1", "F2"])
    return sc, m


def _kept(sc: Scenario, m: TravelMatrix) -> list[Trip]:
    """V1's trips of the day to F1 and back with W1, timed as plan_shuttles times them."""
    timer = trip_timer(sc, m)
    stop = Stop(
        seq=1, farm_id="F1", arrive=380, depart=382, board=0, alight=1, load_after=0, worker_ids=()
    )
    out = []
    for tid, direction in (("M01", "to_farm"), ("E01", "to_foresteria")):
        template = Trip(
            trip_id=tid,
            day=D,
            foresteria_id="FA",
            direction=direction,
            vehicle_id="V1",
            depart=360,
            ret=405,
            metres=30000,
            riders=1,
            stops=(stop,),
        )
        made = timer(template, ["F1"], [("W1",)])
        assert made is not None
        out.append(made)
    return out


def _past(trips: list[Trip], who: str) -> set[str]:
    return {
        f
        for t in trips
        for j, s in enumerate(t.stops)
        if who in s.worker_ids
        for f in passed_aboard(t.direction, t.stops, j)
    }


def _seated(sc: Scenario, m: TravelMatrix) -> tuple[list[Trip], set[str]]:
    return _seat_in_kept(_kept(sc, m), ["W9"], {"W9": (D, "FA", "F2")}, sc, m, None)


def test_a_stop_is_inserted_where_the_rider_aboard_is_not_carried_past_it() -> None:
    """W1 avoids F2; W9 works at F2: the stop at F2 goes after F1 in the morning (W1 is off)
    and before F1 in the evening (W1 not yet on); W9 is seated both ways on V1."""
    sc, m = _season(frozenset({"F2"}))
    trips, seated = _seated(sc, m)
    assert seated == {"W9"}
    assert _past(trips, "W1") == set()
    orders = {t.direction: [s.farm_id for s in t.stops] for t in trips}
    assert orders == {"to_farm": ["F1", "F2"], "to_foresteria": ["F2", "F1"]}


def test_without_a_record_the_cheapest_stop_is_taken_as_before() -> None:
    """The same day without W1's record: the first cheapest position (F2 before F1 in the
    morning), which carries W1 past F2: what the test above refuses."""
    sc, m = _season(frozenset())
    trips, seated = _seated(sc, m)
    assert seated == {"W9"}
    assert "F2" in _past(trips, "W1")
    orders = {t.direction: [s.farm_id for s in t.stops] for t in trips}
    assert orders["to_farm"] == ["F2", "F1"]
