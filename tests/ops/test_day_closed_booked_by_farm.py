"""A farm's own booking for a day its calendar says closed (review 18, M5): the calendar is
written before the season (rain is forecast, not known); the farm booking its crew is the later,
better information, as for a booking on its weekly day off. Planned, the day's calendar without
that farm's closure (the verifier reads it), and said; a worker's own booking for that day is
not planned (the farm's word stands), and said with what would reopen the day.

The season (test_day_farm_calendar.py's): F1 (W01, W02, FA) closed on 9 and 10 July."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from foresterie.verify import verify_run
from tests.helpers import cli_ok, cli_run
from tests.ops.test_day_farm_calendar import _season


@pytest.fixture(scope="module")
def closed_season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _season(tmp_path_factory.mktemp("closed_by_farm"), calendar=True)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_a_farms_own_booking_reopens_its_closed_day(closed_season: Path, tmp_path: Path) -> None:
    book = tmp_path / "bookings.csv"
    book.write_text(
        "date,worker_id,action,leg,farm_id,origin,booked_by\n"
        "2026-07-09,W01,book,round,F1,,farm\n"
        "2026-07-10,W02,book,round,F1,,worker\n",
        encoding="utf-8",
    )
    cli_ok("ledger", "import", str(closed_season), str(book))
    out = tmp_path / "d09"
    code, said = cli_run("day", str(closed_season), "--date", "2026-07-09", "--out", str(out))
    assert code == 0, said
    assert verify_run(out) == []  # trips to F1 on its calendar's closed day, accepted
    assert (
        "booked for F1 on 2026-07-09: 1 rider (W01); F1 has no work that day by its calendar "
        "(farm_calendar.csv), but the farm booked the crew itself: planned as booked, the farm "
        "working that day"
    ) in said
    riders = _rows(out / "plan" / "riders.csv")
    assert sum(1 for r in riders if r["worker_id"] == "W01") == 2  # there and back
    assert "W02" not in {r["worker_id"] for r in riders}  # not booked: F1 closed for them
    assert "F1" in {s["farm_id"] for s in _rows(out / "plan" / "stops.csv")}
    assert _rows(out / "plan" / "unserved.csv") == []
    assert not (out / "inputs" / "farm_calendar.csv").exists()  # F1's was the day's only one
    record = json.loads((out / "day.json").read_text(encoding="utf-8"))
    assert record["demand"]["booked_by_the_farm_on_a_closed_day"] == 1
    assert "booked_on_a_closed_day" not in record["demand"]
    assert record["farms_working_a_closed_day"] == ["F1"]
    assert record["farms_working_a_day_off"] == []  # a Thursday: one of F1's workdays

    # the worker's own booking for the 10th: the calendar stands
    out = tmp_path / "d10"
    code, said = cli_run("day", str(closed_season), "--date", "2026-07-10", "--out", str(out))
    assert code == 0, said
    assert verify_run(out) == []
    assert "only a booking by the farm itself, booked_by = farm, reopens the day" in said
    assert "W02" not in {r["worker_id"] for r in _rows(out / "plan" / "riders.csv")}
    cal = (out / "inputs" / "farm_calendar.csv").read_text(encoding="utf-8")
    assert cal == "farm_id,first_day,last_day\nF1,2026-07-10,2026-07-10\n"
    record = json.loads((out / "day.json").read_text(encoding="utf-8"))
    assert record["demand"]["booked_on_a_closed_day"] == 1
    assert record["farms_working_a_closed_day"] == []
