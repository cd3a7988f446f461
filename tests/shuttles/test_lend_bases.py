"""Vehicles lent between bases (review 17, finding 2; session 18): riders left behind because
their base's vehicles were all taken ride a vehicle of another base that has room for their
round trip, the empty legs from that base and back counted in its day.

The season: the tiny scenario with a departure point PX and a depot DP beside it (DP's 8-seat
VD1 serves PX, whose one rider W07 comes on 21 July). Fortore's (FA) only vehicle VA1 has two
seats; on the heat-alert day, 8 July, both of FA's farms end at 12:30 and VA1 cannot run both
farms' round trips, so W03 (to F2) was left `vehicles_busy` at FA while VD1 stood idle all day.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.verify import verify_run
from tests.helpers import TINY, add_depot, add_pickup

HEAT = "2026-07-08"


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def lend_season(folder: Path, depot_duty: int = 540) -> Path:
    """The season above in `folder`/s; `depot_duty`: VD1's max_duty_min."""
    sc = folder / "s"
    shutil.copytree(TINY, sc)
    add_pickup(sc)
    add_depot(sc)
    fleet = sc / "fleet.csv"
    text = fleet.read_text(encoding="utf-8").replace("VA1,FA,8,", "VA1,FA,2,")
    text = text.replace("VD1,DP,8,160,0.38,540,", f"VD1,DP,8,160,0.38,{depot_duty},")
    fleet.write_text(text, encoding="utf-8")
    return sc


def solved(folder: Path, depot_duty: int = 540) -> Path:
    out = folder / "run"
    r = CliRunner().invoke(app, ["solve", str(lend_season(folder, depot_duty)), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture(scope="module")
def lent_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return solved(tmp_path_factory.mktemp("lend"))


@pytest.fixture(scope="module")
def short_depot_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """VD1's duty 200 min: room for PX's round trip (40 min each way), not for a round trip
    of FA's riders from DP (over two hours each, the empty legs counted)."""
    return solved(tmp_path_factory.mktemp("short"), depot_duty=200)


def test_the_depot_s_idle_bus_carries_the_busy_foresteria_s_rider(lent_run: Path) -> None:
    """On the heat day VD1 leaves DP, boards W03 at FA, drives to F2 and back to DP; in the
    evening the same, reversed: both legs on VD1, the empty legs in its span and km. Nobody is
    left behind that day, and the verifier accepts the plan."""
    plan = lent_run / "plan"
    trips = _rows(plan / "trips.csv")
    lent = [t for t in trips if t["day"] == HEAT and t["foresteria_id"] == "DP"]
    assert sorted(t["direction"] for t in lent) == ["to_farm", "to_foresteria"]
    assert {(t["vehicle_id"], t["origin_id"]) for t in lent} == {("VD1", "FA")}
    for t in lent:  # out of DP before FA, back at DP after
        assert t["depart"] < t["origin_depart"] and t["origin_return"] < t["return"]
        assert float(t["km"]) > 2 * 30  # DP-FA is about 26 km each way, then to F2 and back
    ids = {t["trip_id"] for t in lent}
    stops = [s for s in _rows(plan / "stops.csv") if s["trip_id"] in ids]
    assert {s["farm_id"] for s in stops} == {"F2"}
    riders = _rows(plan / "riders.csv")
    by_trip = {tid: sorted(x["worker_id"] for x in riders if x["trip_id"] == tid) for tid in ids}
    assert list(by_trip.values()) == [["W03"], ["W03"]]
    assert not [u for u in _rows(plan / "unserved.csv") if u["day"] == HEAT]
    # FA's own trips that day are VA1's, as planned before the lend
    own = [t for t in trips if t["day"] == HEAT and (t["origin_id"] or t["foresteria_id"]) == "FA"]
    assert {(t["foresteria_id"], t["vehicle_id"]) for t in own if t["trip_id"] not in ids} == {
        ("FA", "VA1")
    }
    assert verify_run(lent_run) == []


def test_no_lend_where_the_idle_bus_s_day_cannot_hold_the_round_trip(
    short_depot_run: Path,
) -> None:
    """With VD1's duty too short for the round trip from DP, W03 stays `vehicles_busy` at FA on
    the heat day, no trip of DP carries FA's riders, and the verifier accepts the plan."""
    plan = short_depot_run / "plan"
    trips = _rows(plan / "trips.csv")
    assert not [t for t in trips if t["foresteria_id"] == "DP" and t["origin_id"] == "FA"]
    assert [t for t in trips if t["vehicle_id"] == "VD1"]  # PX's rides still run
    rows = [u for u in _rows(plan / "unserved.csv") if u["day"] == HEAT]
    assert [(u["foresteria_id"], u["base_id"], u["code"], u["worker_ids"]) for u in rows] == [
        ("FA", "FA", "vehicles_busy", "W03")
    ]
    assert verify_run(short_depot_run) == []


def test_the_lend_is_the_same_on_every_run(lent_run: Path, tmp_path: Path) -> None:
    again = solved(tmp_path)
    for name in ("trips.csv", "stops.csv", "riders.csv", "unserved.csv", "fleet_days.csv"):
        assert (again / "plan" / name).read_bytes() == (lent_run / "plan" / name).read_bytes()


def test_a_day_run_of_a_lent_day_plans_the_bases_apart_and_verifies(
    lent_run: Path, tmp_path: Path
) -> None:
    """`foresterie day` plans each base on its own (run/stability.py): it does not keep the
    season plan's lent trips nor lend again, so W03 is left `vehicles_busy` at FA that day, and
    the day run verifies (no day row for the lending depot, no rider lost)."""
    ledger = tmp_path / "ledger.sqlite"
    r = CliRunner().invoke(app, ["ledger", "init", str(lent_run), "--ledger", str(ledger)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "day"
    args = ["day", str(lent_run), "--date", HEAT, "--ledger", str(ledger), "--out", str(out)]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert not [t for t in _rows(out / "plan" / "trips.csv") if t["foresteria_id"] == "DP"]
    rows = _rows(out / "plan" / "unserved.csv")
    assert [(u["foresteria_id"], u["code"], u["worker_ids"]) for u in rows] == [
        ("FA", "vehicles_busy", "W03")
    ]
