"""The verifier accepts a trip run by a vehicle of another base (a lent trip, session 18) only
where it is a sound lend, and checks it as every trip: a forged lent trip is refused. The run:
tests/shuttles/test_lend_bases.py's, where the depot DP's VD1 carries Fortore's (FA) W03 to F2
and back on the heat-alert day."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from foresterie.verify import verify_run
from tests.helpers import rehash
from tests.shuttles.test_lend_bases import HEAT, solved

PLAN = ["plan/trips.csv", "plan/riders.csv", "plan/unserved.csv"]


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


@pytest.fixture(scope="module")
def lent_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return solved(tmp_path_factory.mktemp("lent"))


def _copy(run: Path, tmp_path: Path) -> tuple[Path, list[dict[str, str]], list[dict[str, str]]]:
    out = tmp_path / "run"
    shutil.copytree(run, out)
    trips = _rows(out / "plan" / "trips.csv")
    lent = [t for t in trips if t["day"] == HEAT and t["foresteria_id"] == "DP"]
    assert len(lent) == 2
    return out, trips, lent


def test_the_lent_trips_verify(lent_run: Path) -> None:
    assert verify_run(lent_run, report=False) == []


def test_a_lent_pair_on_a_vehicle_already_on_the_road_is_refused(
    lent_run: Path, tmp_path: Path
) -> None:
    """The lent pair rewritten as Borgo Mezzanone's (FB) VB1's: a lend by its shape (a vehicle
    of the trip's base, both legs, FA's own van not idle), yet VB1 is at FB's farm run at the
    same time, and its km are not FB's: refused, as any trip would be."""
    run, trips, lent = _copy(lent_run, tmp_path)
    for t in lent:
        t["foresteria_id"], t["vehicle_id"] = "FB", "VB1"
    _write(run / "plan" / "trips.csv", trips)
    rehash(run, PLAN)
    problems = verify_run(run, report=False)
    assert any(p.startswith(f"vehicle double-booked: VB1 on {HEAT}: ") for p in problems)
    for t in lent:  # the empty legs FB-FA are not DP-FA's
        assert any(p.startswith(f"km wrong: {t['trip_id']} says ") for p in problems)
    assert not any(p.startswith("trip from the wrong base") for p in problems)


def test_a_lent_trip_without_its_ride_back_is_refused(lent_run: Path, tmp_path: Path) -> None:
    """The evening leg moved onto FB's VB1: VD1 takes W03 out and does not bring them back, so
    neither trip is a lent round trip: both are from the wrong base."""
    run, trips, lent = _copy(lent_run, tmp_path)
    back = next(t for t in lent if t["direction"] == "to_foresteria")
    out = next(t for t in lent if t["direction"] == "to_farm")
    back["foresteria_id"], back["vehicle_id"] = "FB", "VB1"
    _write(run / "plan" / "trips.csv", trips)
    rehash(run, PLAN)
    problems = verify_run(run, report=False)
    for t, base in ((out, "DP"), (back, "FB")):
        assert (
            f"trip from the wrong base: {t['trip_id']} serves FA from {base}; FA is served from FA"
        ) in problems


def test_a_lent_trip_while_the_own_van_stands_idle_is_refused(
    lent_run: Path, tmp_path: Path
) -> None:
    """FA's own trips of the heat day taken out (their riders listed unserved): VA1 stands idle
    all day and its day holds W03's round trip, so the lend was not needed: refused."""
    run, trips, lent = _copy(lent_run, tmp_path)
    own = {t["trip_id"] for t in trips if t["day"] == HEAT and t["vehicle_id"] == "VA1"}
    assert own
    _write(run / "plan" / "trips.csv", [t for t in trips if t["trip_id"] not in own])
    riders = _rows(run / "plan" / "riders.csv")
    _write(run / "plan" / "riders.csv", [x for x in riders if x["trip_id"] not in own])
    rehash(run, PLAN)
    problems = verify_run(run, report=False)
    for t in lent:
        assert (
            f"trip from the wrong base: {t['trip_id']} serves FA from DP; FA is served from FA"
        ) in problems


def test_riders_left_busy_beside_an_idle_bus_of_another_base_are_refused(
    lent_run: Path, tmp_path: Path
) -> None:
    """The plan as it was before lending (review 17, finding 2): W03 left `vehicles_busy` at FA
    on the heat day while DP's VD1 runs nothing that day and its day holds the round trip from
    DP. The verifier says that reason is contradicted by that idle vehicle of another base."""
    run, trips, lent = _copy(lent_run, tmp_path)
    ids = {t["trip_id"] for t in lent}
    _write(run / "plan" / "trips.csv", [t for t in trips if t["trip_id"] not in ids])
    riders = _rows(run / "plan" / "riders.csv")
    _write(run / "plan" / "riders.csv", [x for x in riders if x["trip_id"] not in ids])
    row = {
        "day": HEAT,
        "foresteria_id": "FA",
        "base_id": "FA",
        "farm_id": "F2",
        "worker_days": "1",
        "code": "vehicles_busy",
        "proven": "no",
        "vehicles_lower_bound": "1",
        "vehicles_available": "1",
        "reason": "vehicles busy at Fortore: 1 vehicle could not be given every return trip "
        "within duty limits, turnaround, windows and ride cap; 0 round trips planned for this "
        "farm (heuristic: the lower bound, 1 vehicle, does not prove a shortage)",
        "worker_ids": "W03",
    }
    _write(run / "plan" / "unserved.csv", [*_rows(run / "plan" / "unserved.csv"), row])
    rehash(run, PLAN)
    problems = verify_run(run, report=False)
    assert (
        f"reason contradicted by an idle vehicle of another base: {HEAT} base FA: 1 worker-days "
        "vehicles_busy, yet VD1 available that day with no trip at all, whose day holds their "
        "round trip from its base (a lend)"
    ) in problems
