"""An intake reads a farm's closed days as its day runs did: a day the farm booked someone itself
(booked_by = farm) is a day with work for that person, not one of the release rule's days without
work (session 18, helper Y's note: the intake released the beds of a crew that worked); for the
rest of the crew the calendar stands (review 19 R, HIGH-2, HIGH-4: test_intake_booked_workdays)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foresterie.verify import verify_run
from tests.helpers import cli_ok, cli_run
from tests.ops.test_day_farm_calendar import _season


@pytest.fixture(scope="module")
def closed_season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _season(tmp_path_factory.mktemp("intake_reopened"), calendar=True)


def test_the_intake_plans_with_the_booked_day_as_a_working_day_for_the_booked_only(
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
    assert "note: F1: 1 of its people booked to work on 2026-07-09 by a booking" in said
    assert (
        json.loads((out / "intake.json").read_text(encoding="utf-8"))["days_worked_by_booking"] == 1
    )
    cal = (out / "inputs" / "farm_calendar.csv").read_text(encoding="utf-8")
    assert cal == "farm_id,first_day,last_day\nF1,2026-07-09,2026-07-10\n"  # the season's
    worked = (out / "inputs" / "worked_days.csv").read_text(encoding="utf-8")
    assert worked == "worker_id,day\nW01,2026-07-09\n"  # W01's day, nobody else's
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
