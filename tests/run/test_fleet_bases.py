"""A region without shuttles, and one whose coaches sit at a depot, are planned and verified
(review 12, finding 13); the verifier recomputes which base serves each origin and refuses a
plan that names another."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.verify import verify_run
from tests.helpers import TINY, add_depot, add_pickup, rehash

FLEET_HEADER = (
    "vehicle_id,foresteria_id,seats,fixed_cost_eur_per_day,cost_eur_per_km,max_duty_min,"
    "available_from,available_to\n"
)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _solve(sc: Path, out: Path) -> str:
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return r.output


@pytest.fixture(scope="module")
def no_fleet_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    base = tmp_path_factory.mktemp("nofleet")
    sc = base / "s"
    shutil.copytree(TINY, sc)
    (sc / "fleet.csv").write_text(FLEET_HEADER, encoding="utf-8")
    out = base / "run"
    return out, _solve(sc, out)


@pytest.fixture(scope="module")
def depot_only_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The tiny scenario with FB's vehicle moved to the depot DP (4 km from FB); FA keeps its
    own; a departure point PX where W07 boards."""
    base = tmp_path_factory.mktemp("depotonly")
    sc = base / "s"
    shutil.copytree(TINY, sc)
    add_pickup(sc)
    add_depot(sc)
    fleet = sc / "fleet.csv"
    fleet.write_text(
        "".join(x for x in fleet.read_text(encoding="utf-8").splitlines(True) if ",FB," not in x),
        encoding="utf-8",
    )
    out = base / "run"
    return out, _solve(sc, out)


def test_no_fleet_plans_housing_and_lists_every_ride_no_vehicle(
    no_fleet_run: tuple[Path, str],
) -> None:
    out, err = no_fleet_run
    assert [
        x for x in err.splitlines() if x.startswith("warning") and "data.draw_key" not in x
    ] == [
        "warning: fleet.csv: file: no vehicles: housing is planned, and every ride is listed "
        "unserved (no_vehicle)"
    ]
    assert _rows(out / "plan" / "assignments.csv")  # housing planned
    assert _rows(out / "plan" / "trips.csv") == [] and _rows(out / "plan" / "riders.csv") == []
    unserved = _rows(out / "plan" / "unserved.csv")
    assert unserved and {(u["code"], u["proven"]) for u in unserved} == {("no_vehicle", "yes")}
    assert all(u["base_id"] == u["foresteria_id"] for u in unserved)
    assert verify_run(out) == []


def test_an_unserved_row_moved_to_another_base_is_refused(
    no_fleet_run: tuple[Path, str], tmp_path: Path
) -> None:
    run = tmp_path / "run"
    shutil.copytree(no_fleet_run[0], run)
    rows = _rows(run / "plan" / "unserved.csv")
    first = rows[0]["foresteria_id"]
    other = "FB" if first == "FA" else "FA"
    rows[0]["base_id"] = other
    _write(run / "plan" / "unserved.csv", rows)
    rehash(run, ["plan/unserved.csv"])
    assert (
        f"unserved listed at the wrong base: plan/unserved.csv row 2 lists riders of {first} at "
        f"{other}; {first} is served from {first}"
    ) in verify_run(run, report=False)


def test_a_foresteria_without_vehicles_rides_with_the_depots(
    depot_only_run: tuple[Path, str],
) -> None:
    out, err = depot_only_run
    assert [
        x for x in err.splitlines() if x.startswith("warning") and "data.draw_key" not in x
    ] == [
        "warning: fleet.csv: foresteria_id: no vehicle based at 'FB': its riders are served "
        "from the nearest base that has vehicles"
    ]
    trips = {t["trip_id"]: t for t in _rows(out / "plan" / "trips.csv")}
    housed_fb = {
        a["worker_id"]
        for a in _rows(out / "plan" / "assignments.csv")
        if a["foresteria_id"] == "FB"
    }
    assert housed_fb
    from_fb = [t for t in trips.values() if t["origin_id"] == "FB"]
    assert from_fb and {t["foresteria_id"] for t in from_fb} == {"DP"}
    assert {t["vehicle_id"] for t in from_fb} == {"VD1"}
    for t in from_fb:
        assert t["depart"] < t["origin_depart"] and t["origin_return"] < t["return"]
    ids = {t["trip_id"] for t in from_fb}
    riders = {x["worker_id"] for x in _rows(out / "plan" / "riders.csv") if x["trip_id"] in ids}
    assert riders and riders <= housed_fb
    assert all(
        u["base_id"] == "DP"
        for u in _rows(out / "plan" / "unserved.csv")
        if u["foresteria_id"] in ("FB", "PX")
    )
    assert verify_run(out) == []


def test_a_trip_moved_to_another_base_is_refused(
    depot_only_run: tuple[Path, str], tmp_path: Path
) -> None:
    """FB's trip rewritten as run by FA's van from FA: the vehicle is FA's, yet FB is served
    from the depot; the verifier says so (besides what the times and km say)."""
    run = tmp_path / "run"
    shutil.copytree(depot_only_run[0], run)
    rows = _rows(run / "plan" / "trips.csv")
    t = next(x for x in rows if x["origin_id"] == "FB")
    t["foresteria_id"], t["vehicle_id"] = "FA", "VA1"
    _write(run / "plan" / "trips.csv", rows)
    rehash(run, ["plan/trips.csv"])
    assert (
        f"trip from the wrong base: {t['trip_id']} serves FB from FA; FB is served from DP"
    ) in verify_run(run, report=False)


def test_a_day_run_keeps_the_depots_service_of_the_foresteria(
    depot_only_run: tuple[Path, str], tmp_path: Path
) -> None:
    """`foresterie day` of a day FB's guests ride: the depot's van boards them at FB as the
    season plan did, and the day run verifies."""
    run = depot_only_run[0]
    day = min(t["day"] for t in _rows(run / "plan" / "trips.csv") if t["origin_id"] == "FB")
    ledger = tmp_path / "ledger.sqlite"
    r = CliRunner().invoke(app, ["ledger", "init", str(run), "--ledger", str(ledger)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "day"
    args = ["day", str(run), "--date", day, "--ledger", str(ledger), "--out", str(out)]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    from_fb = [t for t in _rows(out / "plan" / "trips.csv") if t["origin_id"] == "FB"]
    assert from_fb and {(t["foresteria_id"], t["vehicle_id"]) for t in from_fb} == {("DP", "VD1")}
    assert verify_run(out) == []


def test_the_depots_sheet_and_map_take_the_foresterias_riders_home(
    depot_only_run: tuple[Path, str],
) -> None:
    """The depot's van brings FB's guests back to FB, not to a departure point: the driver
    sheet's heading says so, and the map draws the trip through FB (never straight from the
    depot to the farms), with a popup that says where the riders go."""
    from foresterie.core.i18n import lang
    from foresterie.report.maps import map_data
    from foresterie.report.rundata import load_run

    out, _ = depot_only_run
    from_fb = [t for t in _rows(out / "plan" / "trips.csv") if t["origin_id"] == "FB"]
    evening = next(t for t in from_fb if t["direction"] == "to_foresteria")
    sheet = (out / "report" / "drivers" / evening["day"] / "VD1.html").read_text(encoding="utf-8")
    it = lang("it")
    assert it._("back to the foresteria") in sheet
    assert it._("back to the departure point") not in sheet
    run = load_run(out)
    days = sorted({t["day"] for t in from_fb})
    data = map_data(run, days, lg=it)
    drawn = {tr[0]: tr for d in days for tr in data["day"][d]["trips"]}
    for t in from_fb:
        point = data["points"][drawn[t["trip_id"]][9]]
        assert point["id"] == "FB" and point.get("foresteria") is True
    assert data["t"]["back to the departure point"] == it._("back to the departure point")
