"""A foresteria whose own vehicles are all unavailable on a day is served that day from the
nearest base with a vehicle (session 16), like a departure point: Fortore's (FA) only minibus VA1
starts on 8 July, the third day of its guests' stay, so on the 6th and 7th they ride in Borgo
Mezzanone's (FB) VB1, boarding at FA. The verifier, from the run folder alone, accepts that plan,
refuses a `no_vehicle` row on such a day and a trip of FB carrying FA's riders on a day FA has
its own; the driver sheets, the slips and the no-ride notices say where the ride comes from. A
day run with FA's minibus broken down does the same."""

from __future__ import annotations

import csv
import html
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.i18n import lang
from foresterie.report.html import headline, out_of_service
from foresterie.report.noride import COMES_FROM, NO_VEHICLE_FROM, WHY, why_html
from foresterie.report.rundata import UnservedRow, load_run, lookups
from foresterie.verify import verify_run
from tests.helpers import TINY, rehash

EARLY = ("2026-07-06", "2026-07-07")  # FA's guests' first two days, before VA1 starts


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


@pytest.fixture(scope="module")
def late_minibus_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny scenario with FA's only vehicle VA1 available from 8 July (its guests W01, W02,
    W03 arrive on the 6th); FB's VB1 all month."""
    base = tmp_path_factory.mktemp("late-minibus")
    sc = base / "s"
    shutil.copytree(TINY, sc)
    fleet = sc / "fleet.csv"
    fleet.write_text(
        fleet.read_text(encoding="utf-8").replace(
            "VA1,FA,8,160,0.38,540,2026-07-01", "VA1,FA,8,160,0.38,540,2026-07-08"
        ),
        encoding="utf-8",
    )
    out = base / "run"
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


def test_the_first_two_days_ride_the_other_foresteria_s_minibus(late_minibus_run: Path) -> None:
    """On the 6th and 7th every trip boarding at FA is FB's, run by VB1, with the empty legs
    FB-FA counted; from the 8th FA's own VA1 runs them. Nobody is `no_vehicle`, anyone left
    behind at FA on those days is listed against FB, and the verifier accepts the plan."""
    plan = late_minibus_run / "plan"
    trips = [t for t in _rows(plan / "trips.csv") if t["origin_id"] == "FA"]
    early = [t for t in trips if t["day"] in EARLY]
    assert {t["day"] for t in early} == set(EARLY)
    assert {(t["foresteria_id"], t["vehicle_id"]) for t in early} == {("FB", "VB1")}
    for t in early:  # the vehicle leaves FB before it is at FA, and is back after
        assert t["depart"] < t["origin_depart"] and t["origin_return"] < t["return"]
    later = [t for t in trips if t["day"] not in EARLY]
    assert later and {(t["foresteria_id"], t["vehicle_id"]) for t in later} == {("FA", "VA1")}
    riders = {
        x["worker_id"]
        for x in _rows(plan / "riders.csv")
        if x["trip_id"] in {t["trip_id"] for t in early}
    }
    assert riders & {"W01", "W02", "W03"}
    unserved = _rows(plan / "unserved.csv")
    assert not [u for u in unserved if u["code"] == "no_vehicle"]
    assert {u["base_id"] for u in unserved if u["foresteria_id"] == "FA" and u["day"] in EARLY} <= {
        "FB"
    }
    assert verify_run(late_minibus_run) == []


def test_the_sheet_and_the_slips_say_where_the_ride_comes_from(late_minibus_run: Path) -> None:
    """VB1's sheet of 6 July has it leave Borgo Mezzanone, board at Fortore and come back there;
    the slips of FA's riders on it name Fortore as where they board and say that the vehicle
    comes from Borgo Mezzanone. A slip of a ride from FA's own van says nothing of the kind."""
    day = late_minibus_run / "report" / "drivers" / "2026-07-06"
    sheet = html.unescape(re.sub(r"<[^>]+>", " ", (day / "VB1.html").read_text(encoding="utf-8")))
    # out from Borgo Mezzanone, the riders board at Fortore, the farms, Fortore, Borgo Mezzanone
    (t,) = [
        t
        for t in _rows(late_minibus_run / "plan" / "trips.csv")
        if t["day"] == "2026-07-06" and t["direction"] == "to_farm" and t["vehicle_id"] == "VB1"
    ]
    morning = sheet.split(t["trip_id"], 1)[1].split("Corsa 2", 1)[0]
    assert re.search(
        rf"Borgo Mezzanone\s+{t['depart']}.*?Fortore \(FA\), San Severo\s+"
        rf"{t['origin_depart']}\s+{t['riders']}\s+0.*?Masseria.*?Fortore \(FA\).*?"
        rf"Borgo Mezzanone\s+{t['return']}",
        morning,
        re.S,
    ), morning
    it = lang("it")
    slips = _text((day / "VB1-notices.html").read_text(encoding="utf-8"))
    comes = it._("{vehicle}, coming from {base}").format(vehicle="VB1", base="Borgo Mezzanone")
    assert comes != "{vehicle}, coming from {base}".format(vehicle="VB1", base="Borgo Mezzanone")
    assert comes in slips and "Fortore" in slips
    own = late_minibus_run / "report" / "drivers" / "2026-07-08" / "VA1-notices.html"
    assert "Borgo Mezzanone" not in _text(own.read_text(encoding="utf-8"))


def test_a_no_vehicle_row_on_such_a_day_is_refused(late_minibus_run: Path, tmp_path: Path) -> None:
    """The plan the old rule made: FA's riders of 6 July listed `no_vehicle` at FA (its own
    minibus not started) instead of riding VB1; the verifier names the row, FB's vehicle and
    the base that serves FA that day."""
    run = tmp_path / "run"
    shutil.copytree(late_minibus_run, run)
    plan = run / "plan"
    trips = _rows(plan / "trips.csv")
    gone = {t["trip_id"] for t in trips if t["day"] == "2026-07-06" and t["origin_id"] == "FA"}
    assert gone
    riders = _rows(plan / "riders.csv")
    ids = sorted({x["worker_id"] for x in riders if x["trip_id"] in gone})
    _write(plan / "trips.csv", list(trips[0]), [t for t in trips if t["trip_id"] not in gone])
    _write(plan / "riders.csv", list(riders[0]), [x for x in riders if x["trip_id"] not in gone])
    with open(plan / "unserved.csv", encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    crafted = {
        "day": "2026-07-06",
        "foresteria_id": "FA",
        "base_id": "FA",
        "farm_id": "F1",
        "worker_days": str(len(ids)),
        "code": "no_vehicle",
        "proven": "yes",
        "vehicles_lower_bound": "0",
        "vehicles_available": "0",
        "reason": "no vehicle based at Fortore is available on 2026-07-06",
        "worker_ids": " ".join(ids),
    }
    _write(plan / "unserved.csv", header, [*_rows(plan / "unserved.csv"), crafted])
    rehash(run, ["plan/trips.csv", "plan/riders.csv", "plan/unserved.csv"])
    problems = verify_run(run, report=False)
    n = len(_rows(plan / "unserved.csv")) + 1  # the crafted row, last
    assert (
        f"no_vehicle contradicted: plan/unserved.csv row {n} lists {len(ids)} worker-days of FA "
        "on 2026-07-06 as no_vehicle, yet fleet.csv has VB1 at FB, the base serving FA that day, "
        "available"
    ) in problems
    assert (
        f"unserved listed at the wrong base: plan/unserved.csv row {n} lists riders of FA at FA; "
        "FA is served from FB"
    ) in problems


def test_a_trip_of_the_other_base_on_a_day_of_its_own_is_refused(
    late_minibus_run: Path, tmp_path: Path
) -> None:
    """On 9 July FA has its own minibus: a trip boarding at FA written as FB's (VB1, the empty
    legs FB-FA) is not the plan the rule makes, and the verifier says so; the same trip on 6
    July is (the test above)."""
    run = tmp_path / "run"
    shutil.copytree(late_minibus_run, run)
    plan = run / "plan"
    trips = _rows(plan / "trips.csv")
    mine = [t for t in trips if t["day"] == "2026-07-09" and t["origin_id"] == "FA"]
    assert mine
    t = mine[0]
    t["foresteria_id"] = "FB"
    _write(plan / "trips.csv", list(trips[0]), trips)
    rehash(run, ["plan/trips.csv"])
    problems = verify_run(run, report=False)
    assert (
        f"trip from the wrong base: {t['trip_id']} serves FA from FB; FA is served from FA"
    ) in problems


def test_the_no_ride_notice_names_the_place_and_where_the_shuttle_comes_from(
    late_minibus_run: Path,
) -> None:
    """The reason a no-ride notice gives names where the people board and, when the day's base
    is elsewhere, where their shuttle comes from; `no_vehicle` at a place that is its own base
    names that place only."""
    look = lookups(load_run(late_minibus_run))

    def row(place: str, base: str, code: str) -> UnservedRow:
        return UnservedRow(
            day="2026-07-06",
            foresteria_id=place,
            farm_id="F1",
            base_id=base,
            riders=1,
            code=code,
            proven=code == "no_vehicle",
            lower_bound=0,
            available=0,
            reason="",
            worker_ids=("W01",),
        )

    for code in ("it", "en", "fr", "ar"):
        lg = lang(code)
        busy = _text(why_html(look, row("FA", "FB", "vehicles_busy"), lg))
        assert busy == (
            lg._(WHY["vehicles_busy"])
            + " "
            + lg._(COMES_FROM).format(place="Fortore", base="Borgo Mezzanone")
        )
        assert _text(why_html(look, row("FA", "FB", "no_vehicle"), lg)) == lg._(
            NO_VEHICLE_FROM
        ).format(place="Fortore", base="Borgo Mezzanone")
        assert _text(why_html(look, row("FA", "FA", "no_vehicle"), lg)) == lg._(
            WHY["no_vehicle"]
        ).format(place="Fortore")
        assert _text(why_html(look, row("FA", "FA", "windows"), lg)) == lg._(WHY["windows"])
    # posted at the boarding place on a day without a shuttle: nothing reads as one coming today
    en = _text(why_html(look, row("FA", "FB", "vehicles_busy"), lang("en")))
    assert "On other days you board at Fortore" in en and "You board at" not in en, en
    it = lang("it")
    assert "Fortore" in it._(NO_VEHICLE_FROM).format(place="Fortore", base="Borgo Mezzanone")
    assert it._(COMES_FROM) != COMES_FROM  # translated


def _day(season: Path, tmp_path: Path, d: str, incidents: str) -> Path:
    tmp_path.mkdir()
    led = str(tmp_path / "ledger.sqlite")
    runner = CliRunner()
    r = runner.invoke(app, ["ledger", "init", str(season), "--ledger", led])
    assert r.exit_code == 0, r.output
    (tmp_path / "incidents.csv").write_text(incidents, encoding="utf-8")
    r = runner.invoke(
        app, ["ledger", "import", str(season), str(tmp_path / "incidents.csv"), "--ledger", led]
    )
    assert r.exit_code == 0, r.output
    out = tmp_path / d
    r = runner.invoke(app, ["day", str(season), "--date", d, "--ledger", led, "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


def test_a_day_run_with_the_own_minibus_broken_down_rides_the_other(
    late_minibus_run: Path, tmp_path: Path
) -> None:
    """The day run of 9 July with VA1 broken down: FA's riders board at FA in FB's VB1 (the
    season plan had them in VA1), none is `no_vehicle`, and the day run verifies."""
    out = _day(
        late_minibus_run,
        tmp_path / "broken",
        "2026-07-09",
        "date,vehicle_id,incident,note\n2026-07-09,VA1,breakdown,clutch\n",
    )
    trips = [t for t in _rows(out / "plan" / "trips.csv") if t["origin_id"] == "FA"]
    assert trips and {(t["foresteria_id"], t["vehicle_id"]) for t in trips} == {("FB", "VB1")}
    unserved = _rows(out / "plan" / "unserved.csv")
    assert not [u for u in unserved if u["code"] == "no_vehicle"]
    assert {u["base_id"] for u in unserved if u["foresteria_id"] == "FA"} <= {"FB"}
    assert verify_run(out) == []
    # the day's report says the breakdown (review 19 R, LOW-3: it never did)
    run = load_run(out)
    assert out_of_service(run) == ["VA1"]
    said = " ".join(headline(run, lang("en")))
    assert "Out of service on this day: VA1; its trips of the season plan" in said, said
    assert "VA1" in (out / "report" / "index.html").read_text(encoding="utf-8")
