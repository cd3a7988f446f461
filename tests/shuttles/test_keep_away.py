"""Nobody aboard while the vehicle stops at a site she must avoid (review 20 R, HIGH-2).

A tiny day: foresteria FA, farms F1 and F2 (FA-F1 10 min, F1-F2 10, FA-F2 15), one rider W01
of F2 who must keep away from F1 (the farm she was referred from). Each test builds the named
trips the way the season plan does (`_timed_trip`) and checks `_keep_away`'s steps in turn: a
swap with a rider of her farm on a trip that does not pass F1, a reorder of her trip's stops,
and leaving her behind both legs (her seats to the next rider waiting, or gone)."""

from __future__ import annotations

from dataclasses import replace

from foresterie.shuttles.routes import (
    TO_FARM,
    TO_FORESTERIA,
    Trip,
    _context,
    _exposed,
    _keep_away,
    _timed_trip,
    daily_riders,
    passed_aboard,
    plan_shuttles,
)
from tests.helpers import D, farm, foresteria, matrix, scenario, vehicle, whole_stays, worker

DAY = D("2026-07-06")
MINUTES = {("FA", "F1"): 10, ("F1", "F2"): 10, ("FA", "F2"): 15}
AVOID = {"W01": frozenset({"F1"})}


def _season(f1_end: str = "14:00", f2_end: str = "14:00", riders: int = 3):  # type: ignore[no-untyped-def]
    farms = [farm("F1", "06:00", f1_end), farm("F2", "06:00", f2_end)]
    workers = [worker(f"W0{k}", farm_id="F2") for k in range(1, riders + 1)]
    workers[0] = replace(workers[0], avoid=AVOID["W01"])
    workers += [worker("W09", farm_id="F1")]
    sc = scenario(
        [foresteria("FA", men=20)],
        farms,
        workers,
        [vehicle("V1", "FA"), vehicle("V2", "FA")],
        transport={"max_ride_min": 90},
    )
    return sc, matrix(MINUTES, ["FA", "F1", "F2"])


def _trip(ctx, direction, tid, vid, stops):  # type: ignore[no-untyped-def]
    made = _timed_trip(ctx, DAY, "FA", direction, [f for f, _ in stops], [w for _, w in stops])
    assert made is not None, stops
    return replace(made, trip_id=tid, vehicle_id=vid)


def _seat(trips: list[Trip], w: str) -> list[tuple[str, str]]:
    return sorted((t.trip_id, s.farm_id) for t in trips for s in t.stops if w in s.worker_ids)


def _clear(trips: list[Trip]) -> bool:
    return not any(_exposed(t, AVOID) for t in trips)


def test_passed_aboard_reads_the_direction() -> None:
    sc, mx = _season()
    ctx = _context(sc, mx)
    out = _trip(ctx, TO_FARM, "M1", "V1", [("F1", ("W09",)), ("F2", ("W01",))])
    back = _trip(ctx, TO_FORESTERIA, "E1", "V1", [("F1", ("W09",)), ("F2", ("W01",))])
    assert passed_aboard(TO_FARM, out.stops, 1) == {"F1"}  # dropped after F1 in the morning
    assert passed_aboard(TO_FORESTERIA, back.stops, 1) == set()  # boards last, rides home
    assert passed_aboard(TO_FORESTERIA, back.stops, 0) == {"F2"}
    assert _exposed(out, AVOID) == [(1, "W01")] and _exposed(back, AVOID) == []


def test_a_swap_puts_her_on_the_trip_that_does_not_pass_the_farm() -> None:
    sc, mx = _season()
    ctx = _context(sc, mx)
    trips = [
        _trip(ctx, TO_FARM, "M1", "V1", [("F1", ("W09",)), ("F2", ("W01", "W02"))]),
        _trip(ctx, TO_FARM, "M2", "V2", [("F2", ("W03",))]),
    ]
    got = _keep_away(ctx, DAY, "FA", trips, AVOID, {}, list(sc.fleet))
    assert (got.swaps, got.reorders, got.drops) == (1, 0, 0)
    assert _seat(got.trips, "W01") == [("M2", "F2")]
    assert _seat(got.trips, "W03") == [("M1", "F2")]  # the one she swapped with
    # nothing else moved: the same stops, times and kilometres
    assert [(t.trip_id, t.depart, t.ret, t.metres) for t in got.trips] == [
        (t.trip_id, t.depart, t.ret, t.metres) for t in trips
    ]
    assert _clear(got.trips) and not got.dropped


def test_a_reorder_drops_her_first_when_the_windows_allow_it() -> None:
    sc, mx = _season()
    ctx = _context(sc, mx)
    trips = [_trip(ctx, TO_FARM, "M1", "V1", [("F1", ("W09",)), ("F2", ("W01", "W02"))])]
    got = _keep_away(ctx, DAY, "FA", trips, AVOID, {}, list(sc.fleet))
    assert (got.swaps, got.reorders, got.drops) == (0, 1, 0)
    (t,) = got.trips
    assert [s.farm_id for s in t.stops] == ["F2", "F1"]
    assert _seat(got.trips, "W01") == [("M1", "F2")] and _seat(got.trips, "W09") == [("M1", "F1")]
    for s in t.stops:  # both still dropped inside their arrival window [05:30, 06:00]
        assert 5 * 60 + 30 <= s.arrive <= 6 * 60
    assert t.vehicle_id == "V1" and got.retimed and _clear(got.trips)


def _evening_bound(ctx, her_stop):  # type: ignore[no-untyped-def]
    """F2's shift ends at 13:00, F1's at 14:00: the evening trip collects F2 first and passes
    F1 with her aboard; F1 first would miss F2's window, and there is no other trip."""
    return [
        _trip(ctx, TO_FARM, "M1", "V1", [("F2", her_stop)]),
        _trip(ctx, TO_FARM, "M2", "V2", [("F1", ("W09",))]),
        _trip(ctx, TO_FORESTERIA, "E1", "V1", [("F2", her_stop), ("F1", ("W09",))]),
    ]


def test_left_behind_both_ways_and_the_next_one_waiting_takes_her_seats() -> None:
    sc, mx = _season(f2_end="13:00", riders=5)
    ctx = _context(sc, mx)
    trips = _evening_bound(ctx, ("W01", "W02"))
    waiting = {("FA", "F2"): ["W05"]}
    got = _keep_away(ctx, DAY, "FA", trips, AVOID, waiting, list(sc.fleet))
    assert (got.swaps, got.reorders, got.drops) == (0, 0, 1)
    assert _seat(got.trips, "W01") == []  # neither leg: never driven out without a ride back
    assert _seat(got.trips, "W05") == [("E1", "F2"), ("M1", "F2")]
    assert got.dropped == {("FA", "F2"): ["W01"]} and got.seated == {("FA", "F2"): ["W05"]}
    assert [(t.depart, t.ret, t.riders) for t in got.trips] == [
        (t.depart, t.ret, t.riders) for t in trips
    ]


def test_left_behind_with_nobody_waiting_her_seats_go() -> None:
    sc, mx = _season(f2_end="13:00")
    ctx = _context(sc, mx)
    trips = _evening_bound(ctx, ("W01", "W02"))
    got = _keep_away(ctx, DAY, "FA", trips, AVOID, {}, list(sc.fleet))
    assert got.drops == 1 and _seat(got.trips, "W01") == []
    by_id = {t.trip_id: t for t in got.trips}
    assert by_id["M1"].riders == 1 and by_id["M1"].stops[0].alight == 1
    assert by_id["E1"].riders == 2 and [s.load_after for s in by_id["E1"].stops] == [1, 2]
    assert _clear(got.trips)


def test_left_behind_alone_at_her_stop_the_trips_lose_it() -> None:
    sc, mx = _season(f2_end="13:00")
    ctx = _context(sc, mx)
    trips = _evening_bound(ctx, ("W01",))
    got = _keep_away(ctx, DAY, "FA", trips, AVOID, {}, list(sc.fleet))
    assert got.drops == 1 and got.retimed
    by_id = {t.trip_id: t for t in got.trips}
    assert "M1" not in by_id  # her morning trip carried only her
    assert [s.farm_id for s in by_id["E1"].stops] == ["F1"]  # re-timed without F2
    assert by_id["E1"].stops[0].depart >= 14 * 60 and by_id["E1"].vehicle_id == "V1"


def test_a_season_plan_never_carries_her_past_it_and_serves_or_lists_her() -> None:
    """End to end (`plan_shuttles`): F2's shift ends first, so the evening trip would collect
    her at F2 and then F1's riders; every worker-day is still served both ways or listed."""
    sc, mx = _season(f2_end="13:00")
    plan = plan_shuttles(sc, mx, whole_stays(list(sc.workers), "FA"))
    assert _clear(plan.trips)
    listed = {(u.day, w) for u in plan.unserved for w in u.worker_ids}
    for (d, _, _), ids in daily_riders(sc, whole_stays(list(sc.workers), "FA")).items():
        for w in ids:
            legs = [
                t.direction for t in plan.trips if t.day == d for s in t.stops if w in s.worker_ids
            ]
            assert sorted(legs) == [TO_FARM, TO_FORESTERIA] or (not legs and (d, w) in listed)


def test_nothing_to_avoid_on_the_way_changes_nothing() -> None:
    """A site to avoid that no trip passes (and so a season without referral records) leaves
    the plan as it was, trip for trip."""
    sc, mx = _season(f2_end="13:00")
    plain = replace(sc, workers=tuple(replace(w, avoid=frozenset()) for w in sc.workers))
    far = replace(
        sc,
        workers=tuple(
            replace(w, avoid=frozenset({"F9"}) if w.avoid else w.avoid) for w in sc.workers
        ),
    )
    stays = whole_stays(list(sc.workers), "FA")
    a, b = plan_shuttles(plain, mx, stays), plan_shuttles(far, mx, stays)
    assert a.trips == b.trips and a.unserved == b.unserved and b.kept_away.get("drop", 0) == 0
