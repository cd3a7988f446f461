"""Day-run stability: interchangeable vehicles are renamed so riders keep the vehicle they were
told; a vehicle of another kind is never swapped in; without a reference nothing changes; riders
left over are seated on kept trips (a free seat, or a stop inserted) before another vehicle is
used; interchangeable riders are reseated onto their reference vehicle."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from foresterie.core.errors import ScenarioError
from foresterie.run import stability
from foresterie.run.stability import (
    STABLE_MIN,
    RefLeg,
    _combined,
    _fresh_could_win,
    _FreshInBackground,
    _FreshJob,
    _only_bases,
    _residual_plan,
    _seat_in_kept,
    _stripped,
    _unserved,
    keep_vehicles,
    read_reference,
    reseat,
    stable_day_plan,
    trip_record,
)
from foresterie.scenario.model import Assignment, Scenario
from foresterie.shuttles.routes import (
    ShuttlePlan,
    Stop,
    Trip,
    Unserved,
    daily_riders,
    pickup_bases,
    plan_shuttles,
    trip_timer,
)
from foresterie.travel.matrix import TravelMatrix
from tests.helpers import (
    farm,
    foresteria,
    matrix,
    pickup,
    scenario,
    vehicle,
    whole_stays,
    worker,
)

D = date(2026, 7, 7)


def _trip(tid: str, vid: str, riders: tuple[str, ...], depart: int = 360) -> Trip:
    stop = Stop(
        seq=1,
        farm_id="F1",
        arrive=depart + 20,
        depart=depart + 22,
        board=0,
        alight=len(riders),
        load_after=0,
        worker_ids=riders,
    )
    return Trip(
        trip_id=tid,
        day=D,
        foresteria_id="FA",
        direction="to_farm",
        vehicle_id=vid,
        depart=depart,
        ret=depart + 45,
        metres=30000,
        riders=len(riders),
        stops=(stop,),
    )


def _plan(trips: list[Trip]) -> ShuttlePlan:
    return ShuttlePlan(
        trips=trips,
        unserved=[],
        fleet_days=[],
        engine="pyvrp",
        day_problems=1,
        route_searches=1,
        wall_s=0.0,
    )


def _scenario() -> Scenario:
    fleet = [vehicle("V1", "FA"), vehicle("V2", "FA"), vehicle("BUS", "FA", seats=28)]
    return scenario([foresteria("FA")], [farm("F1")], [], fleet)


def test_identical_vehicles_are_renamed_to_keep_riders() -> None:
    plan = _plan([_trip("T1", "V1", ("W1", "W2")), _trip("T2", "V2", ("W3",))])
    ref = {
        ("W1", "to_farm"): RefLeg(vehicle_id="V2", depart_min=355),
        ("W2", "to_farm"): RefLeg(vehicle_id="V2", depart_min=365),
        ("W3", "to_farm"): RefLeg(vehicle_id="V1", depart_min=360),
    }
    new, renamed = keep_vehicles(_scenario(), plan, ref)
    assert renamed == 2
    assert [(t.trip_id, t.vehicle_id) for t in new.trips] == [("T1", "V2"), ("T2", "V1")]
    assert [t.metres for t in new.trips] == [t.metres for t in plan.trips]


def test_another_kind_of_vehicle_is_never_swapped_in() -> None:
    plan = _plan([_trip("T1", "V1", ("W1",))])
    ref = {("W1", "to_farm"): RefLeg(vehicle_id="BUS", depart_min=360)}
    assert keep_vehicles(_scenario(), plan, ref) == (plan, 0)


def test_time_kept_outranks_vehicle_kept() -> None:
    """T1's riders were told V2 at 06:00 (T1 leaves 06:00); T2's rider was told V2 at 07:00 but
    T2 leaves 06:30, beyond 10 minutes: T1 gets V2."""
    plan = _plan([_trip("T1", "V1", ("W1",)), _trip("T2", "V2", ("W2", "W3"), depart=390)])
    ref = {
        ("W1", "to_farm"): RefLeg(vehicle_id="V2", depart_min=360),
        ("W2", "to_farm"): RefLeg(vehicle_id="V2", depart_min=420),
        ("W3", "to_farm"): RefLeg(vehicle_id="V2", depart_min=420),
    }
    new, _ = keep_vehicles(_scenario(), plan, ref)
    assert [t.vehicle_id for t in new.trips] == ["V2", "V1"]


def test_no_reference_keeps_names() -> None:
    plan = _plan([_trip("T1", "V2", ("W1",))])
    assert keep_vehicles(_scenario(), plan, {}) == (plan, 0)


# ------------------------------------------------------------------ seating riders on kept trips


def _two_farms() -> tuple[Scenario, TravelMatrix]:
    """FA, F1 20 min away, F2 25 min away and 5 min from F1; V1 (8 seats) and V2 at FA."""
    sc = scenario(
        [foresteria("FA")], [farm("F1"), farm("F2")], [], [vehicle("V1", "FA"), vehicle("V2", "FA")]
    )
    m = matrix({("FA", "F1"): 20, ("FA", "F2"): 25, ("F1", "F2"): 5}, ["FA", "F1", "F2"])
    return sc, m


def _kept(sc: Scenario, m: TravelMatrix, riders: tuple[str, ...]) -> list[Trip]:
    """V1's season trips of the day to F1 and back, timed as plan_shuttles times them."""
    timer = trip_timer(sc, m)
    out = []
    for tid, direction in (("M01", "to_farm"), ("E01", "to_foresteria")):
        template = replace(_trip(tid, "V1", ()), direction=direction)
        made = timer(template, ["F1"], [riders])
        assert made is not None
        out.append(made)
    return out


def test_a_new_booking_takes_a_free_seat_on_a_kept_trip_with_a_new_stop() -> None:
    """W9 books F2, where no kept trip stops: a stop at F2 is inserted into V1's trips both ways
    (V1 has free seats, the departure moves by at most 10 min) instead of using V2."""
    sc, m = _two_farms()
    kept = _kept(sc, m, ("W1", "W2"))
    trips, seated = _seat_in_kept(kept, ["W9"], {"W9": (D, "FA", "F2")}, sc, m)
    assert seated == {"W9"}
    assert {t.vehicle_id for t in trips} == {"V1"}
    for before, after in zip(sorted(kept, key=lambda t: t.trip_id), trips, strict=True):
        assert after.trip_id == before.trip_id
        assert abs(after.depart - before.depart) <= STABLE_MIN
        stops = {s.farm_id: s.worker_ids for s in after.stops}
        assert stops == {"F1": ("W1", "W2"), "F2": ("W9",)}
        assert after.riders == 3


def test_a_full_kept_trip_takes_nobody() -> None:
    sc, m = _two_farms()
    kept = _kept(sc, m, tuple(f"W{k}" for k in range(1, 9)))  # 8 seats, 8 riders
    trips, seated = _seat_in_kept(kept, ["W9"], {"W9": (D, "FA", "F1")}, sc, m)
    assert seated == set() and trips == sorted(kept, key=lambda t: t.trip_id)


def test_no_stop_is_inserted_that_moves_the_departure_beyond_10_minutes() -> None:
    """F2 is 60 min beyond F1: a stop there would move V1's morning departure by an hour."""
    sc, _ = _two_farms()
    m = matrix({("FA", "F1"): 20, ("FA", "F2"): 70, ("F1", "F2"): 60}, ["FA", "F1", "F2"])
    kept = _kept(sc, m, ("W1",))
    _, seated = _seat_in_kept(kept, ["W9"], {"W9": (D, "FA", "F2")}, sc, m)
    assert seated == set()


def test_reseat_puts_interchangeable_riders_back_on_their_vehicle() -> None:
    """Two trips to F1 at the same time carry W1, W2 (told V2) and W3 (told V1) the wrong way
    round: the seats are swapped, the counts per trip do not change."""
    plan = _plan([_trip("T1", "V1", ("W1", "W2")), _trip("T2", "V2", ("W3",))])
    ref = {
        ("W1", "to_farm"): RefLeg(vehicle_id="V2", depart_min=360),
        ("W2", "to_farm"): RefLeg(vehicle_id="V1", depart_min=360),
        ("W3", "to_farm"): RefLeg(vehicle_id="V2", depart_min=360),
    }
    new = reseat(plan, ref)
    assert [t.stops[0].worker_ids for t in new.trips] == [("W2", "W3"), ("W1",)]
    ref[("W3", "to_farm")] = RefLeg(vehicle_id="V2", depart_min=420)  # V2, but an hour later
    assert [t.stops[0].worker_ids for t in reseat(plan, ref).trips][1] == ("W1",)


def test_stripping_riders_from_a_kept_trip_drops_an_emptied_stop() -> None:
    """V1's morning trip stops at F1 (W1, W2) then F2 (W9); taking W9 off (re-planned elsewhere)
    drops the F2 stop (the times still hold without it) and recounts; W1, W2 keep the vehicle and
    the departure."""
    sc, m = _two_farms()
    trips, _ = _seat_in_kept(_kept(sc, m, ("W1", "W2")), ["W9"], {"W9": (D, "FA", "F2")}, sc, m)
    (longer,) = [t for t in trips if t.direction == "to_farm"]
    assert [s.farm_id for s in longer.stops] == ["F1", "F2"]
    back = _stripped(longer, {"W9"}, m, sc)
    assert back is not None
    assert [(s.farm_id, s.worker_ids) for s in back.stops] == [("F1", ("W1", "W2"))]
    assert (back.vehicle_id, back.depart, back.riders) == ("V1", longer.depart, 2)
    assert back.metres < longer.metres
    assert _stripped(longer, {"W1", "W2", "W9"}, m, sc) is None  # nobody left: no trip


# ------------------------------------------------------------------ the candidates of a day


def _ref_json(trips: list[Trip]) -> str:
    """Trips as a day run's reference_trips.json."""
    return json.dumps({"day": D.isoformat(), "trips": [trip_record(t) for t in trips]})


def _two_bases() -> tuple[Scenario, TravelMatrix, list[Assignment], str]:
    """Day D. FA: A1-A3 to F1 (20 min), all on VA1's season trips: nothing to gain there. FB:
    B01-B12 to F2 (50 min) and P1-P4 from the departure point PX (served by FB, 5 min away), one
    4-seat vehicle and no season trips: fleet short, riders left unserved."""
    cfg = {"scenario": {"season_start": D.isoformat(), "season_end": D.isoformat()}}
    a_riders = [worker(f"A{i}", "2026-07-07", "2026-07-08", pinned="FA") for i in (1, 2, 3)]
    b_riders = [
        worker(f"B{i:02d}", "2026-07-07", "2026-07-08", farm_id="F2", pinned="FB")
        for i in range(1, 13)
    ]
    points = [
        worker(f"P{i}", "2026-07-07", "2026-07-08", farm_id="F2", pickup="PX") for i in (1, 2, 3, 4)
    ]
    fleet = [vehicle("VA1", "FA"), vehicle("VB1", "FB", seats=4)]
    sc = scenario(
        [foresteria("FA", men=5), foresteria("FB", men=20)],
        [farm("F1"), farm("F2")],
        a_riders + b_riders + points,
        fleet,
        [pickup("PX")],
        **cfg,
    )
    m = matrix(
        {("FA", "F1"): 20, ("FB", "F2"): 50, ("FB", "PX"): 5, ("PX", "F2"): 50, ("FA", "FB"): 90},
        ["FA", "FB", "F1", "F2", "PX"],
    )
    assignments = whole_stays(a_riders + b_riders)
    timer = trip_timer(sc, m)
    kept = []
    for tid, direction in (("M01", "to_farm"), ("E01", "to_foresteria")):
        template = replace(_trip(tid, "VA1", ()), direction=direction)
        made = timer(template, ["F1"], [("A1", "A2", "A3")])
        assert made is not None
        kept.append(made)
    return sc, m, assignments, _ref_json(kept)


def _same(a: ShuttlePlan, b: ShuttlePlan) -> bool:
    return (a.trips, a.unserved, a.fleet_days) == (b.trips, b.unserved, b.fleet_days)


def test_the_fresh_plan_is_made_only_where_it_could_win_and_the_day_plan_is_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """FA's kept trips serve every rider with the season's vehicle: no plan serves more there,
    so the fresh plan is made for FB only. Forcing the full candidate set (the fresh plan of
    every foresteria, as before the pruning) chooses the same plan, byte for byte."""
    sc, m, assignments, ref = _two_bases()
    could: list[set[str]] = []
    real = stability._fresh_could_win

    def spy(*args: Any) -> set[str]:
        could.append(real(*args))
        return could[-1]

    monkeypatch.setattr(stability, "_fresh_could_win", spy)
    pruned, kept = stable_day_plan(sc, m, assignments, ref, 1)
    assert could == [{"FB"}]  # the pruning applied: FA has nothing to gain
    assert _unserved(pruned, "FB") > 0 and _unserved(pruned, "FA") == 0
    monkeypatch.setattr(stability, "_fresh_could_win", lambda *args: {"FA", "FB"})
    full, kept_full = stable_day_plan(sc, m, assignments, ref, 1)
    assert _same(pruned, full) and kept == kept_full
    fa = [t for t in pruned.trips if t.foresteria_id == "FA"]
    assert {(t.trip_id, t.vehicle_id) for t in fa} == {("M01", "VA1"), ("E01", "VA1")}


def test_the_fresh_plan_made_in_the_background_is_the_same_plan() -> None:
    """With two processes the fresh plan is made by a forked process while the kept plan is
    assembled: the day plan is the one made on one process."""
    sc, m, assignments, ref = _two_bases()
    one = stable_day_plan(sc, m, assignments, ref, 1)
    two = stable_day_plan(sc, m, assignments, ref, 2)
    assert _same(one[0], two[0]) and one[1] == two[1]


def test_a_residual_plan_carries_only_the_riders_given() -> None:
    """Departure-point riders have no bed, so they are not among the assignments: a residual
    plan for A1-A3 and B01 must not plan P1-P4 from PX as well (they were planned twice, on a
    kept trip and again by the residual plan, and the day run failed verification)."""
    sc, m, assignments, _ = _two_bases()
    plan = _residual_plan(sc, m, assignments, {"A1", "A2", "A3", "B01"}, set(), 1)
    carried = {w for t in plan.trips for s in t.stops for w in s.worker_ids}
    left = {w for u in plan.unserved for w in u.worker_ids}
    assert carried | left == {"A1", "A2", "A3", "B01"}


def _unserved_row(base: str, riders: int, code: str) -> Unserved:
    return Unserved(
        day=D,
        foresteria_id=base,
        base_id=base,
        farm_id="F1",
        riders=riders,
        code=code,  # type: ignore[arg-type]
        reason="",
        proven=True,
        lower_bound=0,
        available=1,
        worker_ids=tuple(f"{base}-{i}" for i in range(riders)),
    )


def test_where_a_fresh_plan_could_win() -> None:
    """Riders beyond the ride cap, or at a base with no vehicle that day, are unserved in every
    plan (a floor); a fresh plan could win only above that floor, or where the kept plan needs a
    vehicle beyond the season plan's."""
    plan = replace(
        _plan([_trip("T1", "V1", ("W1",))]),
        unserved=[
            _unserved_row("FA", 2, "ride_cap"),
            _unserved_row("FB", 1, "no_vehicle"),
            _unserved_row("FC", 1, "ride_cap"),
            _unserved_row("FC", 1, "vehicles_busy"),
        ],
    )
    score = {"FA": (2, 1), "FB": (1, 0), "FC": (2, 1), "FD": (0, 3), "FE": (0, 1)}
    ref = {"FA": {"V1"}, "FB": set(), "FC": {"V1"}, "FD": {"V1", "V2"}, "FE": {"V1"}}
    assert _fresh_could_win(plan, score, ref) == {"FC", "FD"}


def test_plan_rows_of_one_day_are_the_rows_a_dict_reader_keeps(tmp_path: Any) -> None:
    # A quoted comma, an empty field, a blank line: the same dicts as csv.DictReader's, filtered.
    import csv

    path = tmp_path / "trips.csv"
    path.write_text(
        'day,trip_id,note\n2027-08-16,T1,"a, b"\n\n2027-08-17,T2,\n2027-08-16,T3,\n',
        encoding="utf-8",
    )
    with open(path, encoding="utf-8", newline="") as fh:
        expected = [r for r in csv.DictReader(fh) if r["day"] == "2027-08-16"]
    got = stability.csv_rows_where(path, "day", "2027-08-16".__eq__)
    assert got == expected and [r["trip_id"] for r in got] == ["T1", "T3"]


def _fresh_job(order: list[str]) -> tuple[_FreshJob, dict[str, ShuttlePlan], ShuttlePlan]:
    """The two-base day's fresh-plan job (the background makes `order`), each base's plan made
    alone, and both bases' plan made together."""
    sc, m, assignments, _ = _two_bases()
    where = {w: k for k, ids in daily_riders(sc, assignments).items() for w in ids}
    base_of = pickup_bases(sc, m)
    job = _FreshJob(
        scenario=sc, matrix=m, assignments=assignments, where=where, base_of=base_of, order=order
    )
    alone = {
        f: plan_shuttles(*_with_matrix(_only_bases(sc, assignments, where, base_of, {f}), m), 1)
        for f in ("FA", "FB")
    }
    together = plan_shuttles(
        *_with_matrix(_only_bases(sc, assignments, where, base_of, {"FA", "FB"}), m), 1
    )
    return job, alone, together


def _with_matrix(
    only: tuple[Scenario, list[Assignment]], m: TravelMatrix
) -> tuple[Scenario, TravelMatrix, list[Assignment]]:
    return only[0], m, only[1]


def test_fresh_plans_made_base_by_base_are_the_plan_of_the_bases_together() -> None:
    """FB (a departure point's riders with it, fleet short) and FA planned apart, then combined:
    the trips, unserved riders and fleet-days of planning both at once, in the same order."""
    _, alone, together = _fresh_job([])
    assert alone["FB"].unserved and alone["FA"].trips and alone["FB"].trips
    assert _same(_combined(alone), together)
    assert not (_combined({}).trips or _combined({}).unserved or _combined({}).fleet_days)


def test_the_background_sends_each_base_it_made_and_the_rest_is_made_here() -> None:
    """All made there (read to the end first): nothing is made here. Nothing made there (it
    plans no base): each base is made here. Either way each base's plan is its plan alone."""
    job, alone, _ = _fresh_job(["FB", "FA"])
    there = _FreshInBackground.start(job)
    while there.alive:
        there.read(wait=True)

    def never(f: str) -> ShuttlePlan:
        raise AssertionError(f"made here: {f}")

    got = there.plans(["FA", "FB"], never)
    assert all(_same(got[f], alone[f]) for f in ("FA", "FB"))
    idle = _FreshInBackground.start(replace(job, order=[]))
    made_here: list[str] = []

    def here(f: str) -> ShuttlePlan:
        made_here.append(f)
        return alone[f]

    got = idle.plans(["FA", "FB"], here)
    assert sorted(made_here) == ["FA", "FB"] and got == alone


_TRIP = (
    '{"foresteria_id":"A","vehicle_id":"V","depart":"06:00","direction":"to_farm","stops":'
    '[{"seq":1,"farm_id":"F","arrive":"06:20","depart":"06:30","worker_ids":["W1"]}]}'
)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[" * 100_000, "reference_trips.json: json: JSON nested too deeply to read"),
        ("[]", "reference_trips.json: json: not a JSON object"),
        ('{"day":"2026-07-06","trips":[{"trip_id":5}]}', "trips.0.foresteria_id: missing"),
        ('{"day":"06/07/2026","trips":[]}', 'day: "06/07/2026" is not what a day run writes'),
        (
            '{"day":"2026-07-06","trips":[' + _TRIP.replace("to_farm", "up") + "]}",
            "'up' is not a direction",
        ),
        (
            '{"day":"2026-07-06","trips":[' + _TRIP.replace('"06:20"', '"25:99"') + "]}",
            "stops.0.arrive",
        ),
        (
            '{"day":"2026-07-06","trips":[' + _TRIP.replace('["W1"]', "[1]") + "]}",
            "not a list of worker ids",
        ),
        (
            '{"day":"2026-07-06","trips":[' + _TRIP.replace('"seq":1', '"seq":true') + "]}",
            "stops.0.seq",
        ),
    ],
)
def test_a_damaged_reference_is_one_line_never_a_traceback(text: str, said: str) -> None:
    # Found by helper V: a day run's folder given to `solve` or `replay` with a crafted
    # reference_trips.json crashed the stability tier (RecursionError, TypeError, KeyError).
    with pytest.raises(ScenarioError) as exc:
        read_reference(text)
    line = str(exc.value)
    assert "\n" not in line and said in line


def test_the_reference_a_day_run_writes_reads_back() -> None:
    text = '{"day":"2026-07-06","trips":[' + _TRIP + "]}"
    assert read_reference(text)["trips"][0]["stops"][0]["worker_ids"] == ["W1"]
