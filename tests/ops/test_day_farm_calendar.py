"""Day runs of a season with a farm calendar, and the day run's notice languages (review 17,
findings 3 and 4).

The season: the tiny one with a `lang` column (W01 and W05 read Arabic, W02 French, W04
English), FA's only van VA1 until 10 July and FB's VB1 from 8 to 10 July (so nobody has a
vehicle on the 11th: W01 and W02, F1, get a no-ride notice at FA), and, in `closed_season`,
F1 (W01, W02) closed by its calendar on Thursday 9 and Friday 10 July."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from foresterie.verify import verify_run
from tests.helpers import TINY, cli_ok, cli_run, with_farm_calendar

LANGS = {"W01": "ar", "W02": "fr", "W04": "en", "W05": "ar"}
RTL = "lang='ar' dir='rtl'"  # the Arabic block of a slip or a no-ride notice


def _season(base: Path, calendar: bool) -> Path:
    sc = base / "tiny"
    shutil.copytree(TINY, sc)
    lines = (sc / "workers.csv").read_text(encoding="utf-8-sig").splitlines()
    rows = [lines[0] + ",lang"]
    rows += [f"{row},{LANGS.get(row.split(',')[0], '')}" for row in lines[1:]]
    (sc / "workers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    fleet = (sc / "fleet.csv").read_text(encoding="utf-8")
    fleet = fleet.replace(
        "FA,8,160,0.38,540,2026-07-01,2026-07-31", "FA,8,160,0.38,540,2026-07-01,2026-07-10"
    )
    fleet = fleet.replace(
        "FB,8,160,0.38,540,2026-07-01,2026-07-31", "FB,8,160,0.38,540,2026-07-08,2026-07-10"
    )
    (sc / "fleet.csv").write_text(fleet, encoding="utf-8")
    if calendar:
        with_farm_calendar(
            sc,
            "farm_id,first_day,last_day\nF1,2026-07-09,2026-07-10\n",
        )
    out = base / "run"
    cli_ok("solve", str(sc), "--out", str(out))
    cli_ok("ledger", "init", str(out))
    return out


@pytest.fixture(scope="module")
def lang_season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _season(tmp_path_factory.mktemp("lang"), calendar=False)


@pytest.fixture(scope="module")
def closed_season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _season(tmp_path_factory.mktemp("closed"), calendar=True)


def _day(season: Path, d: str, out: Path) -> Path:
    code, text = cli_run("day", str(season), "--date", d, "--out", str(out))
    assert code == 0, text
    assert verify_run(out) == []
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_day_runs_write_each_riders_language(lang_season: Path, tmp_path: Path) -> None:
    """The day run's workers.csv carries `lang`, so W01's slip on 7 July and the no-ride
    notice at FA on 11 July have the Arabic block the season run's have."""
    run = _day(lang_season, "2026-07-07", tmp_path / "d07")
    langs = {w["worker_id"]: w.get("lang") for w in _rows(run / "inputs" / "workers.csv")}
    assert langs == {"W01": "ar", "W02": "fr", "W03": "", "W04": "en", "W05": "ar"}
    for where in (lang_season, run):
        assert RTL in (where / "report/drivers/2026-07-07/VA1-notices.html").read_text()
    run = _day(lang_season, "2026-07-11", tmp_path / "d11")
    for where in (lang_season, run):
        assert RTL in (where / "report/drivers/2026-07-11/no-ride/FA.html").read_text()


def test_a_day_run_of_a_season_with_a_farm_calendar(closed_season: Path, tmp_path: Path) -> None:
    """Any day of the season runs (it crashed with exit 3: the day's scenario named a calendar
    it did not have). A day without a closure has no calendar; on 9 July, F1 closed, the day's
    calendar holds that day's closure only, nobody rides to F1, nobody is owed a ride there,
    and W01's booking for that day is said, not planned."""
    run = _day(closed_season, "2026-07-07", tmp_path / "d07")
    assert not (run / "inputs" / "farm_calendar.csv").exists()
    assert {w["farm_id"] for w in _rows(run / "inputs" / "workers.csv")} == {"F1", "F2"}
    book = tmp_path / "bookings.csv"
    book.write_text("date,worker_id,action\n2026-07-09,W01,book\n", encoding="utf-8")
    cli_ok("ledger", "import", str(closed_season), str(book))
    run = _day(closed_season, "2026-07-09", tmp_path / "d09")
    cal = (run / "inputs" / "farm_calendar.csv").read_text(encoding="utf-8")
    assert cal == "farm_id,first_day,last_day\nF1,2026-07-09,2026-07-09\n"
    riders = {w["worker_id"]: w["farm_id"] for w in _rows(run / "inputs" / "workers.csv")}
    assert riders == {"W03": "F2", "W04": "F2", "W05": "F2"}
    assert {s["farm_id"] for s in _rows(run / "plan" / "stops.csv")} == {"F2"}
    assert _rows(run / "plan" / "unserved.csv") == []
    demand = json.loads((run / "day.json").read_text(encoding="utf-8"))["demand"]
    # the farm's word stands: a booking for its closed day is said, not planned (on the farm's
    # weekly day off a booking is planned: test_day_off_booking.py)
    assert demand["booked_on_a_closed_day"] == 1 and demand["expected"] == 3
    assert "booked_on_a_day_off" not in demand
