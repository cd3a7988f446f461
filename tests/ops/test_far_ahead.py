"""A check-in typed for the wrong day (07-16 for 07-06) is said as the file is imported (review
16, finding 3): the row, its day and the latest other day recorded; the rows are still appended
(a late list is legitimate), and the monitor's line says the day it was read up to."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from foresterie.ops.imports import far_ahead
from foresterie.ops.ledger import Event
from tests.helpers import cli_ok, cli_run, season_with_ledger


def _ev(kind: str, day: int, row: int) -> Event:
    return Event(kind=kind, day=date(2026, 7, day), worker_id="W01", source=f"ci.csv:{row}")  # type: ignore[arg-type]


def test_a_fact_days_after_the_rest_of_its_file_is_said() -> None:
    file = [_ev("arrival", 6, 2), _ev("arrival", 6, 3), _ev("arrival", 16, 4)]
    (line,) = far_ahead([file], [])
    assert line.startswith("ci.csv:4: date: 2026-07-16 is 10 days after the latest other day")
    assert "(2026-07-06)" in line


def test_a_file_of_one_day_is_measured_against_the_ledger() -> None:
    ledger = [_ev("arrival", 5, 2), _ev("booking", 30, 3)]  # a booking names a day ahead
    assert far_ahead([[_ev("boarding", 6, 2)]], ledger) == []  # the next day: as expected
    (line,) = far_ahead([[_ev("no_show", 9, 2)]], ledger)
    assert "is 4 days after the latest other day recorded (2026-07-05)" in line
    # bookings and cancellations ask for days ahead: never said
    assert far_ahead([[_ev("booking", 25, 2)]], ledger) == []
    assert far_ahead([[_ev("arrival", 20, 2)]], []) == []  # nothing to measure against


def test_the_import_says_it_and_appends_the_rows(tiny_season_run: Path, tmp_path: Path) -> None:
    run = season_with_ledger(tiny_season_run, tmp_path)
    rows = tmp_path / "checkins.csv"
    rows.write_text(
        "date,worker_id,event\n2026-07-06,W01,arrival\n2026-07-06,W03,arrival\n"
        "2026-07-16,W02,arrival\n"
    )
    code, out = cli_run("ledger", "import", str(run), str(rows))
    assert code == 0, out
    assert (
        "warning: checkins.csv:4: date: 2026-07-16 is 10 days after the latest other day "
        "recorded (2026-07-06)" in out
    )
    assert "appended 3 rows" in out
    out = cli_ok("monitor", str(run), "--force")
    assert "as of 2026-07-16 (the ledger's last day)" in out


def test_rows_the_ledger_already_holds_are_said_once_per_file(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    run = season_with_ledger(tiny_season_run, tmp_path)
    first = tmp_path / "checkins-0706.csv"
    first.write_text("date,worker_id,event\n2026-07-06,W01,arrival\n2026-07-06,W03,arrival\n")
    assert "repeat" not in cli_ok("ledger", "import", str(run), str(first))
    # the office's cumulative sheet the next night: yesterday's two rows again, one new
    again = tmp_path / "checkins-0707.csv"
    again.write_text(
        "date,worker_id,event\n2026-07-06,W01,arrival\n2026-07-06,W03,arrival\n"
        "2026-07-07,W02,arrival\n2026-07-07,W02,arrival\n"
    )
    code, out = cli_run("ledger", "import", str(run), str(again))
    assert code == 0, out
    lines = [x for x in out.splitlines() if "repeat" in x]
    assert lines == [
        "warning: checkins-0707.csv: 3 rows repeat what the ledger or this import already "
        "holds (first: checkins-0707.csv:2); each fact counts once, the rows are appended all "
        "the same"
    ]
    assert "appended 4 rows" in out


def test_the_days_a_day_run_planned_and_ordinary_gaps_are_not_said() -> None:
    """Review 17 (finding 6): the boarding lists of a day the ledger records a day run of were
    each said "typed for another day?" (50 lines for 50 correct rows), and so was every arrival
    of a weekly sheet after a day nobody arrived."""
    ledger = [_ev("arrival", 7, 2), Event(kind="day_plan", day=date(2026, 7, 11), note="x")]
    lists = [_ev("boarding", 11, r) for r in range(2, 28)]
    assert far_ahead([lists], ledger) == []  # the day run of 07-11 is in the ledger
    heat = [_ev("arrival", 7, 2), Event(kind="heat_alert", day=date(2026, 7, 11), note="declared")]
    assert far_ahead([lists], heat) == []
    weekly = [_ev("arrival", d, r) for r, d in enumerate((2, 3, 5, 7, 7), start=2)]
    assert far_ahead([weekly], []) == []  # gaps of two days: ordinary
    # without the day run the same lists are one line for the day, not one per row
    (line,) = far_ahead([lists], ledger[:1])
    assert line.startswith("ci.csv:2: date: 2026-07-11 is 4 days after the latest other day")
    assert "(and 25 more rows of that day: 3-27)" in line
    # a typo is still said, in a file of several days too
    typo = [*weekly, _ev("arrival", 17, 7)]
    (line,) = far_ahead([typo], [])
    assert line.startswith("ci.csv:7: date: 2026-07-17 is 10 days after")


def test_an_intakes_day_counts_as_a_day_the_ledger_plans() -> None:
    """Review 20 R, LOW-11: an office that ran two intakes (13 and 14 August) and then imported
    the 14th's check-ins was told "typed for another day?" against the 12th: an intake's day
    counts like a day run's."""
    ledger = [_ev("arrival", 5, 2), _ev("day_plan", 6, 3), _ev("intake_plan", 8, 4)]
    assert far_ahead([[_ev("arrival", 9, 2)]], ledger) == []
    (line,) = far_ahead([[_ev("arrival", 9, 2)]], ledger[:2])
    assert "is 3 days after the latest other day recorded (2026-07-06)" in line


def test_a_breakdown_after_its_days_run_is_said() -> None:
    """Review 20 R, LOW-4: a breakdown imported after its day's run was appended silently; the
    day run still counted the vehicle. Said, with the command that plans the day again."""
    from foresterie.ops.imports import after_day_run

    ledger = [_ev("day_plan", 11, 2)]
    late = Event(kind="breakdown", day=date(2026, 7, 11), vehicle_id="VA1", source="inc.csv:2")
    (line,) = after_day_run([[late]], ledger)
    assert line.startswith("inc.csv:2: date: the day run of 2026-07-11 is already written")
    assert "--date 2026-07-11 --force" in line
    ahead = Event(kind="breakdown", day=date(2026, 7, 12), vehicle_id="VA1", source="inc.csv:3")
    assert after_day_run([[ahead]], ledger) == []
