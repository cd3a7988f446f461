"""The chaining's cheaper paths (session 17): the slides as terms without absolute-value rows,
a chaining made again with drivers' hours taking the folded answer made without them, and the
folded model's no-overlap or cumulative split where the trips' windows never meet."""

from __future__ import annotations

from dataclasses import replace

import pytest

from foresterie.scenario.model import Vehicle
from foresterie.shuttles import chaining
from foresterie.shuttles.chaining import (
    TripSlot,
    _apart,
    _chain_trips,
    _chained,
    _days_kept,
    _slides,
    _unlimited,
)
from tests.helpers import vehicle

TURN = 5
BUDGET = 20.0


def slot(key: str, depart: int, ret: int, load: int, lo: int = 0, hi: int = 0) -> TripSlot:
    return TripSlot(
        key=key, depart=depart, ret=ret, load=load, metres=10_000, shift_lo=lo, shift_hi=hi
    )


def van(vid: str, span: int) -> Vehicle:
    return replace(vehicle(vid, "F", seats=8, duty=600), max_span_min=span, max_stretch_min=600)


# Two vans for three trips under way at 07:00-07:00 (A, B, D: the smallest, D, is left) and C in
# the afternoon. First fit gives C to V1, whose day then runs 06:00-11:30, beyond its 300-minute
# span; V2's (06:40-11:30) keeps it.
TRIPS = [
    slot("A", 360, 420, 6),
    slot("B", 400, 460, 6),
    slot("D", 400, 460, 3),
    slot("C", 630, 690, 5),
]
FLEET = [van("V1", 300), van("V2", 300)]


def test_a_chaining_made_again_with_drivers_hours_takes_the_folded_answer_made_without(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    free = _chained(TRIPS, _unlimited(FLEET), TURN, 1, BUDGET)
    assert not _days_kept(TRIPS, FLEET, free)  # the case: without the rules C breaks V1's span
    solved: list[int] = []
    folded = chaining._folded

    def counted(*a: object) -> tuple[dict[int, int], list[int], list[int], bool]:
        solved.append(1)
        return folded(*a)  # type: ignore[arg-type]

    monkeypatch.setattr(chaining, "_folded", counted)
    chaining._FOLDED.clear()
    r = _chain_trips(TRIPS, FLEET, TURN, 1, BUDGET)
    assert len(solved) == 1  # the folded model once, for both questions
    assert r.drivers and r.optimal
    assert r.vehicle_of == {"A": "V1", "B": "V2", "D": None, "C": "V2"}
    chaining._FOLDED.clear()
    alone = _chained(TRIPS, FLEET, TURN, 1, BUDGET)  # the same question asked afresh
    assert len(solved) == 2
    assert replace(alone, drivers=True) == r


def test_a_folded_answer_is_not_taken_for_a_fleet_whose_limits_change_the_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With a 50-minute stretch no van may run a 60-minute trip: another model (every trip left),
    # so the answer made without the rules must not be taken.
    short = [replace(v, max_stretch_min=50) for v in FLEET]
    solved: list[int] = []
    folded = chaining._folded

    def counted(*a: object) -> tuple[dict[int, int], list[int], list[int], bool]:
        solved.append(1)
        return folded(*a)  # type: ignore[arg-type]

    monkeypatch.setattr(chaining, "_folded", counted)
    chaining._FOLDED.clear()
    _chained(TRIPS, _unlimited(short), TURN, 1, BUDGET)
    r = _chained(TRIPS, short, TURN, 1, BUDGET)
    assert len(solved) == 2
    assert set(r.vehicle_of.values()) == {None} and r.optimal


@pytest.mark.parametrize(("lo", "hi", "terms"), [(0, 10, 1), (-10, 0, -1), (-5, 5, 1)])
def test_minutes_slid_are_the_offset_on_one_sided_slack_and_its_size_otherwise(
    lo: int, hi: int, terms: int
) -> None:
    m = chaining._Model()
    offset, moved = _slides(m, [slot("A", 360, 420, 6, lo=lo, hi=hi)])
    ((c, x),) = moved
    assert c == terms
    assert (x is offset[0]) == (lo >= 0 or hi <= 0)  # a variable of its own only both ways
    for target in (lo, hi):  # the term is |offset| at either end of the slack
        probe = m.clone()
        probe.add(probe.get_int_var_from_proto_index(offset[0].index) == target)
        solver = chaining._solver(1, 5.0)
        assert solver.solve(probe) == chaining.cp_model.OPTIMAL
        assert c * solver.value(probe.get_int_var_from_proto_index(x.index)) == abs(target)


def test_trips_whose_windows_never_meet_are_apart_and_a_slide_or_the_turnaround_joins_them() -> (
    None
):
    trips = [
        slot("C", 600, 660, 5),
        slot("A", 360, 420, 6, hi=10),  # may return at 07:10, free at 07:15 with the turnaround
        slot("B", 430, 480, 6),  # leaves 07:10: A's window reaches it
        slot("E", 664, 700, 6),  # leaves 11:04, before C is free again (11:05) with it
        slot("F", 706, 720, 6),
    ]
    assert _apart(trips, TURN) == [[1, 2], [0, 3], [4]]
    assert _apart(trips, 0) == [[1], [2], [0], [3], [4]]


def test_a_folded_day_split_into_parts_keeps_its_vehicles_across_them() -> None:
    # Morning and evening apart: one van runs both, as one vehicle's count spans the parts.
    trips = [slot("M", 360, 420, 6), slot("E", 1000, 1060, 6)]
    r = _chain_trips(trips, [van("V1", 900), van("V2", 900)], TURN, 1, BUDGET)
    assert r.vehicles_used == 1 and r.optimal
    assert r.vehicle_of["M"] == r.vehicle_of["E"]
