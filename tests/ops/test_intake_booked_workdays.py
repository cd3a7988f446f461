"""A booking on a day the farm's calendar closes is evidence that the person booked works that day,
nobody else (review 19 R, HIGH-2 and HIGH-4): the intake's release rule counts the day as worked
for them only (its `inputs/worked_days.csv`; the calendar is the season's), a day run made from
the intake drives only them to the farm that day, and a bed the intake takes from someone housed
by the plan re-planned and not arrived is said with a count and ids.

The season: tiny, F1 (W01, W02, 6-13 July, made Mon-Fri here) closed by its calendar 8-10 July
(Wed-Fri), its last workdays of their stay (the release rule releases at the end of the work, not
through a pause: session 19, helper E), `max_days_without_work = 2`: without a booking both leave
on the morning of the 10th. With
`crowded`, five more F1 men arrive on the 10th (to the 13th): five men's beds in all, so W01 kept
from the 10th on needs a bed the season plan gave one of them."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from foresterie.ops.intake import booked_workdays
from foresterie.ops.ledger import Event
from foresterie.scenario.model import FarmClosure
from foresterie.verify import verify_run
from tests.helpers import TINY, cli_ok, cli_run, edit_features, set_toml, with_farm_calendar, worker

D = date(2026, 7, 9)
RAIN = (FarmClosure(farm_id="F1", first_day=date(2026, 7, 8), last_day=date(2026, 7, 10)),)
NEW_MEN = [f"W{i:02d},2026-07-10,2026-07-13,men,,F1,0,false,,X" for i in range(8, 13)]


def _season(base: Path, crowded: bool, fb_open_to: str | None = None, more: int = 0) -> Path:
    sc = base / "tiny"
    shutil.copytree(TINY, sc)
    if fb_open_to:
        edit_features(sc / "foresterie.geojson", 1, open_to=fb_open_to)
    edit_features(sc / "farms.geojson", 0, workdays="Mon-Fri")  # F1: the 10th is its last
    # workday of the stay (to the 13th): the closure ends the work, it is no pause
    if crowded or more:
        with (sc / "workers.csv").open("a", encoding="utf-8") as f:
            f.write("\n".join(NEW_MEN[: more or None]) + "\n")
    with_farm_calendar(
        sc,
        "farm_id,first_day,last_day\nF1,2026-07-08,2026-07-10\n",
    )
    set_toml(sc, "max_commute_min = 60\n", "max_commute_min = 60\nmax_days_without_work = 2\n")
    out = base / "run"
    cli_ok("solve", str(sc), "--out", str(out))
    cli_ok("ledger", "init", str(out))
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _book(run: Path, tmp: Path, *rows: str) -> None:
    book = tmp / "bookings.csv"
    book.write_text("date,worker_id,action,leg,farm_id,origin,booked_by\n" + "".join(rows), "utf-8")
    cli_ok("ledger", "import", str(run), str(book))


def _last_night(run: Path, wid: str) -> str:
    return max(r["to"] for r in _rows(run / "plan" / "assignments.csv") if r["worker_id"] == wid)


def _ev(day: date, who: str, by: str, kind: str = "booking", farm: str = "F1") -> Event:
    return Event(kind=kind, day=day, worker_id=who, farm_id=farm, booked_by=by)  # type: ignore[arg-type]


def test_a_booking_is_evidence_for_the_person_booked_only() -> None:
    people = (
        worker("W01", farm_id="F1"),
        worker("W02", farm_id="F1"),
        worker("W03", farm_id="F1"),
        worker("W04", farm_id="F2"),
    )
    events = [
        _ev(D, "W01", "farm"),
        _ev(D, "W02", "worker"),  # the worker's word against the farm's calendar: not planned
        _ev(D, "W03", "worker", farm="F2"),  # booked at a farm working that day: he works
        _ev(date(2026, 7, 10), "W01", "farm"),
        _ev(date(2026, 7, 10), "W01", "farm", "cancellation"),  # cancelled since
        _ev(date(2026, 7, 12), "W01", "farm"),  # not a closed day
        _ev(D, "W04", "farm", farm="F2"),  # F2 is not closed: nothing to count
    ]
    assert booked_workdays(events, people, RAIN) == {("F1", D): ["W01", "W03"]}


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # two of the five men arriving on the 10th: with one of W01 and W02 they fill FA's three
    # men's beds, so one release is needed (a release that houses nobody is not made)
    return _season(tmp_path_factory.mktemp("booked_workdays"), crowded=False, more=2)


def test_the_farms_booking_of_one_man_keeps_his_bed_not_his_crews(
    season: Path, tmp_path: Path
) -> None:
    # released on the 10th: W02; W01 first (by id) keeps the one bed nobody else takes
    assert (_last_night(season, "W01"), _last_night(season, "W02")) == ("2026-07-13", "2026-07-10")
    _book(season, tmp_path, "2026-07-09,W01,book,round,F1,,farm\n")
    out = tmp_path / "intake"
    code, said = cli_run("intake", str(season), "--date", "2026-07-07", "--out", str(out))
    assert code == 0, said
    assert (
        "note: F1: 1 of its people booked to work on 2026-07-09 by a booking although its "
        "calendar closed the day (W01): a day with work for the release rule for them only; its "
        "calendar stands for the others"
    ) in said
    assert _last_night(out, "W01") == "2026-07-13"  # 8 closed, 9 worked, 10 closed: no run of 2
    assert _last_night(out, "W02") == "2026-07-10"  # not booked: released as the season had it
    assert (out / "inputs" / "farm_calendar.csv").read_text(encoding="utf-8") == (
        season / "inputs" / "farm_calendar.csv"
    ).read_text(encoding="utf-8")  # the season's calendar: F1 closed for everyone else
    assert (out / "inputs" / "worked_days.csv").read_text(encoding="utf-8") == (
        "worker_id,day\nW01,2026-07-09\n"
    )
    record = json.loads((out / "intake.json").read_text(encoding="utf-8"))
    assert record["days_worked_by_booking"] == 1
    assert record["promised_beds_taken"] == {"people": 0, "nights": 0}
    assert verify_run(out) == []

    # the verifier reads worked_days.csv itself: with W02 booked too, his bed ends on the
    # release the calendar alone makes while he works on the 9th (a bed kept is no release:
    # without W01's row the plan keeping his bed, nobody else's, stands)
    bare = tmp_path / "bare"
    shutil.copytree(out, bare)
    (bare / "inputs" / "worked_days.csv").write_text(
        "worker_id,day\nW01,2026-07-09\nW02,2026-07-09\n", encoding="utf-8"
    )
    assert any("differs from the worker's stay" in p and "W02" in p for p in verify_run(bare))

    # the day run of the 9th, made from the intake as README says: W01 to F1, not W02
    day = tmp_path / "d09"
    code, said = cli_run("day", str(out), "--date", "2026-07-09", "--out", str(day))
    assert code == 0, said
    assert verify_run(day) == []
    riders = {r["worker_id"] for r in _rows(day / "plan" / "riders.csv")}
    assert "W01" in riders and "W02" not in riders
    assert "W02" not in {
        w for u in _rows(day / "plan" / "unserved.csv") for w in u["worker_ids"].split()
    }


def test_a_bed_the_intake_takes_from_someone_not_arrived_is_said(tmp_path: Path) -> None:
    run = _season(tmp_path, crowded=True)
    before = {r["worker_id"] for r in _rows(run / "plan" / "assignments.csv")}
    assert {
        "W08",
        "W09",
        "W10",
        "W11",
        "W12",
    } <= before  # the season plan houses them from the 10th
    _book(run, tmp_path, "2026-07-09,W01,book,round,F1,,farm\n")
    out = tmp_path / "intake"
    code, said = cli_run("intake", str(run), "--date", "2026-07-08", "--out", str(out))
    assert code == 0, said
    record = json.loads((out / "intake.json").read_text(encoding="utf-8"))
    taken = record["promised_beds_taken"]
    after = {r["worker_id"] for r in _rows(out / "plan" / "assignments.csv")}
    lost = sorted({"W08", "W09", "W10", "W11", "W12"} - after)
    # W01 kept to the 13th (he has work) takes the bed of W10, due on the 10th: said, counted
    assert _last_night(out, "W01") == "2026-07-13"
    assert lost == ["W10"] and taken == {"people": 1, "nights": 3}
    assert (
        "warning: 1 person housed by the plan re-planned and not arrived (1 due from 2026-07-08 "
        "on) loses 3 nights of the beds it gave them, to make room for others: W10; tell them "
        "before they come (plan/waitlist.csv says why)"
    ) in said
    assert verify_run(out) == []


def test_a_booking_to_board_at_a_closed_foresteria_is_refused(tmp_path: Path) -> None:
    """Review 19 R, MEDIUM-4: FB open 1-10 July here; W01 (FA) booked to board there on the 11th
    is not planned, and the line says why and FB's dates."""
    run = _season(tmp_path, crowded=False, fb_open_to="2026-07-10")
    _book(run, tmp_path, "2026-07-11,W01,book,round,F1,FB,worker\n")
    out = tmp_path / "d11"
    code, said = cli_run("day", str(run), "--date", "2026-07-11", "--out", str(out))
    assert code == 0, said
    assert (
        "booked to board at FB on 2026-07-11: 1 rider (W01); FB is closed that day (open "
        "2026-07-01 to 2026-07-10): not planned; record the booking again with the place they "
        "board at"
    ) in said
    assert "W01" not in {r["worker_id"] for r in _rows(out / "plan" / "riders.csv")}
    assert "W01" not in {
        w for u in _rows(out / "plan" / "unserved.csv") for w in u["worker_ids"].split()
    }
    record = json.loads((out / "day.json").read_text(encoding="utf-8"))
    assert record["demand"]["booked_from_a_closed_foresteria"] == 1
    assert verify_run(out) == []


def test_a_booked_ride_beyond_the_cap_on_a_kept_trips_day_is_ride_cap(tmp_path: Path) -> None:
    """Review 19 R, MEDIUM-4: on a day whose vehicles run their kept trips, W01 booked from FA
    to F3 (381 min away) was listed `vehicles_busy (heuristic)`; the cap proves it: `ride_cap`."""
    run = tmp_path / "run"
    cli_ok("solve", str(TINY), "--out", str(run))
    cli_ok("ledger", "init", str(run))
    _book(run, tmp_path, "2026-07-07,W01,book,round,F3,,worker\n")
    out = tmp_path / "d07"
    code, said = cli_run("day", str(run), "--date", "2026-07-07", "--out", str(out))
    assert code == 0, said
    rows = [u for u in _rows(out / "plan" / "unserved.csv") if "W01" in u["worker_ids"].split()]
    assert [(u["farm_id"], u["code"], u["proven"]) for u in rows] == [("F3", "ride_cap", "yes")]
    assert rows[0]["reason"] == "farm F3 is 381 min from Fortore, above the 75 min ride cap"
    assert verify_run(out) == []
