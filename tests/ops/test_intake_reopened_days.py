"""An intake reads a farm's closed days as its day runs did: a day the farm booked its crew
itself (booked_by = farm) is a day with work, not one of the release rule's days without work
(session 18, helper Y's note: the intake released the beds of a crew that worked)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from foresterie.ops.intake import _calendar_without, reopened_days
from foresterie.ops.ledger import Event
from foresterie.scenario.model import FarmClosure
from foresterie.verify import verify_run
from tests.helpers import cli_ok, cli_run
from tests.ops.test_day_farm_calendar import _season

D = date(2026, 7, 9)
RAIN = (FarmClosure(farm_id="F1", first_day=date(2026, 7, 8), last_day=date(2026, 7, 11)),)


def _book(day: date, who: str, by: str, kind: str = "booking") -> Event:
    return Event(kind=kind, day=day, worker_id=who, farm_id="F1", booked_by=by)  # type: ignore[arg-type]


def test_only_the_farms_own_standing_booking_reopens_a_closed_day() -> None:
    events = [
        _book(D, "W01", "farm"),
        _book(date(2026, 7, 10), "W02", "worker"),  # a worker's word: the calendar stands
        _book(date(2026, 7, 11), "W01", "farm"),
        _book(date(2026, 7, 11), "W01", "farm", "cancellation"),  # cancelled since
        _book(date(2026, 7, 12), "W01", "farm"),  # not a closed day: nothing to reopen
    ]
    assert reopened_days(events, RAIN) == {("F1", D)}


def _closed(farm: str, first: str, last: str) -> FarmClosure:
    return FarmClosure(
        farm_id=farm, first_day=date.fromisoformat(first), last_day=date.fromisoformat(last)
    )


def test_a_closure_is_split_around_its_reopened_days() -> None:
    assert _calendar_without(RAIN, {("F1", D)}) == (
        _closed("F1", "2026-07-08", "2026-07-08"),
        _closed("F1", "2026-07-10", "2026-07-11"),
    )
    assert _calendar_without(RAIN, {("F1", date(2026, 7, 8)), ("F1", date(2026, 7, 11))}) == (
        _closed("F1", "2026-07-09", "2026-07-10"),
    )
    assert _calendar_without(RAIN, set()) == (_closed("F1", "2026-07-08", "2026-07-11"),)


@pytest.fixture(scope="module")
def closed_season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _season(tmp_path_factory.mktemp("intake_reopened"), calendar=True)


def test_the_intake_plans_with_the_reopened_day_as_a_working_day(
    closed_season: Path, tmp_path: Path
) -> None:
    book = tmp_path / "bookings.csv"
    book.write_text(
        "date,worker_id,action,leg,farm_id,origin,booked_by\n2026-07-09,W01,book,round,F1,,farm\n",
        encoding="utf-8",
    )
    cli_ok("ledger", "import", str(closed_season), str(book))
    out = tmp_path / "intake"
    code, said = cli_run("intake", str(closed_season), "--date", "2026-07-08", "--out", str(out))
    assert code == 0, said
    assert "note: F1 is booked to work on 2026-07-09 by its own booking" in said  # ahead of D
    assert json.loads((out / "intake.json").read_text(encoding="utf-8"))["farm_days_reopened"] == 1
    cal = (out / "inputs" / "farm_calendar.csv").read_text(encoding="utf-8")
    assert cal == "farm_id,first_day,last_day\nF1,2026-07-10,2026-07-10\n"
    assert verify_run(out) == []


def test_release_after_days_beyond_the_scenario_keys_range_is_refused(
    closed_season: Path, tmp_path: Path
) -> None:
    """0..60 as `[operations] release_bed_after_days` (review 18 R, LOW-3: 99 was accepted)."""
    code, said = cli_run(
        "intake",
        str(closed_season),
        "--date",
        "2026-07-08",
        "--release-after-days",
        "99",
        "--out",
        str(tmp_path / "i"),
    )
    assert code == 2 and "--release-after-days" in said and "Traceback" not in said, said
    assert not (tmp_path / "i").exists()
