"""A departure point whose nearest base's van starts on its third day rides the first two days
with the other base's van (review 14, finding 3), and the verifier, from the run folder alone,
accepts that plan and refuses a `no_vehicle` row on a day a vehicle was available."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.verify import verify_run
from tests.helpers import TINY, add_pickup, rehash


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


@pytest.fixture(scope="module")
def late_van_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny scenario with the point PX (3 km from FB, 25 km from FA) where W07 boards on
    21-27 July (no bed: FB closes on the 20th, FA has no family beds), and FB's van VB1 only
    from the 23rd; FA's van VA1 all month."""
    base = tmp_path_factory.mktemp("latevan")
    sc = base / "s"
    shutil.copytree(TINY, sc)
    add_pickup(sc)
    fleet = sc / "fleet.csv"
    fleet.write_text(
        fleet.read_text(encoding="utf-8").replace(
            "VB1,FB,8,160,0.38,540,2026-07-01", "VB1,FB,8,160,0.38,540,2026-07-23"
        ),
        encoding="utf-8",
    )
    out = base / "run"
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


def test_the_first_two_days_ride_with_the_other_base(late_van_run: Path) -> None:
    trips = [t for t in _rows(late_van_run / "plan" / "trips.csv") if t["origin_id"] == "PX"]
    runs = {(t["day"], t["foresteria_id"], t["vehicle_id"]) for t in trips}
    days = sorted({d for d, _, _ in runs})
    assert days == [f"2026-07-{d}" for d in range(21, 28)]  # every day of W07's stay
    assert runs == {(d, "FA", "VA1") for d in days[:2]} | {(d, "FB", "VB1") for d in days[2:]}
    riders = _rows(late_van_run / "plan" / "riders.csv")
    assert {(x["trip_id"], x["worker_id"]) for x in riders if x["worker_id"] == "W07"} == {
        (t["trip_id"], "W07") for t in trips
    }
    unserved = _rows(late_van_run / "plan" / "unserved.csv")
    assert not [u for u in unserved if u["foresteria_id"] == "PX"]
    # FB's own guests before its van starts (FB closes on the 20th) are served from FA too
    # (session 16: a foresteria whose own vehicles are all unavailable that day is served from
    # the base of the day); FA's one van carries FA's three, so FB's family is left behind as
    # FA's (vehicles busy), never `no_vehicle` beside a van
    at_fb = {
        (t["foresteria_id"], t["vehicle_id"])
        for t in _rows(late_van_run / "plan" / "trips.csv")
        if t["origin_id"] == "FB"
    }
    assert at_fb <= {("FA", "VA1")}
    assert not [u for u in unserved if u["code"] == "no_vehicle"]
    fb = {(u["base_id"], u["code"]) for u in unserved if u["foresteria_id"] == "FB"}
    assert fb == {("FA", "vehicles_busy")}
    assert verify_run(late_van_run) == []


def test_no_vehicle_on_a_day_a_vehicle_was_available_is_refused(
    late_van_run: Path, tmp_path: Path
) -> None:
    """The plan the season-long base made: W07's 21 July listed `no_vehicle` at FB (its van not
    started) instead of riding with FA's van; the verifier names the row and FA's vehicle."""
    run = tmp_path / "run"
    shutil.copytree(late_van_run, run)
    plan = run / "plan"
    trips = _rows(plan / "trips.csv")
    gone = {t["trip_id"] for t in trips if t["day"] == "2026-07-21" and t["origin_id"] == "PX"}
    assert len(gone) == 2
    _write(plan / "trips.csv", list(trips[0]), [t for t in trips if t["trip_id"] not in gone])
    riders = _rows(plan / "riders.csv")
    _write(plan / "riders.csv", list(riders[0]), [x for x in riders if x["trip_id"] not in gone])
    with open(plan / "unserved.csv", encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    crafted = {
        "day": "2026-07-21",
        "foresteria_id": "PX",
        "base_id": "FB",
        "farm_id": "F2",
        "worker_days": "1",
        "code": "no_vehicle",
        "proven": "yes",
        "vehicles_lower_bound": "0",
        "vehicles_available": "0",
        "reason": "no vehicle based at Borgo Mezzanone is available on 2026-07-21",
        "worker_ids": "W07",
    }
    _write(plan / "unserved.csv", header, [*_rows(plan / "unserved.csv"), crafted])
    rehash(run, ["plan/trips.csv", "plan/riders.csv", "plan/unserved.csv"])
    problems = verify_run(run, report=False)
    n = len(_rows(plan / "unserved.csv")) + 1  # the crafted row, last
    assert (
        f"no_vehicle contradicted: plan/unserved.csv row {n} lists 1 worker-days of PX on "
        "2026-07-21 as no_vehicle, yet fleet.csv has VA1 at FA, the base serving PX that day, "
        "available"
    ) in problems
    assert (
        f"unserved listed at the wrong base: plan/unserved.csv row {n} lists riders of PX at FB; "
        "PX is served from FA"
    ) in problems


def _day(season: Path, tmp_path: Path, d: str, incidents: str = "") -> Path:
    tmp_path.mkdir()
    led = str(tmp_path / "ledger.sqlite")
    runner = CliRunner()
    r = runner.invoke(app, ["ledger", "init", str(season), "--ledger", led])
    assert r.exit_code == 0, r.output
    if incidents:
        (tmp_path / "incidents.csv").write_text(incidents, encoding="utf-8")
        r = runner.invoke(
            app, ["ledger", "import", str(season), str(tmp_path / "incidents.csv"), "--ledger", led]
        )
        assert r.exit_code == 0, r.output
    out = tmp_path / d
    r = runner.invoke(app, ["day", str(season), "--date", d, "--ledger", led, "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


def test_a_day_run_serves_the_point_from_the_base_of_that_day(
    late_van_run: Path, tmp_path: Path
) -> None:
    """The day run of 22 July keeps W07's ride in FA's van; with VA1 broken down that day no
    vehicle is available anywhere (VB1 starts on the 23rd): W07 is no_vehicle at FB, the
    nearest base with vehicles at all, the reason saying so; both day runs verify."""
    kept = _day(late_van_run, tmp_path / "kept", "2026-07-22")
    trips = [t for t in _rows(kept / "plan" / "trips.csv") if t["origin_id"] == "PX"]
    assert {(t["foresteria_id"], t["vehicle_id"]) for t in trips} == {("FA", "VA1")}
    assert verify_run(kept) == []
    broken = _day(
        late_van_run,
        tmp_path / "broken",
        "2026-07-22",
        "date,vehicle_id,incident,note\n2026-07-22,VA1,breakdown,tyre\n",
    )
    assert not _rows(broken / "plan" / "trips.csv")
    assert [
        (u["foresteria_id"], u["base_id"], u["code"], u["proven"], u["reason"])
        for u in _rows(broken / "plan" / "unserved.csv")
    ] == [
        (
            "PX",
            "FB",
            "no_vehicle",
            "yes",
            "no vehicle based at Borgo Mezzanone, the base serving Borgo Mezzanone (ex pista), "
            "is available on 2026-07-22, nor at any other base",
        )
    ]
    assert verify_run(broken) == []
