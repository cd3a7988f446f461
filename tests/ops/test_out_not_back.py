"""Riders who went out and were not brought back (review 14, finding 6): a `boarding` on the
out leg and, on the way home, a `no_show` or no row at all once the back list of the vehicle
they went out on is in the ledger. The next day run counts them in `day.json` (published: a
count), lists them by id on `report/follow_up.csv` and says them first, in one line; `ledger
import` says them as the back list comes in."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from foresterie.ops.day import out_not_back
from foresterie.ops.ledger import Event
from tests.helpers import cli_ok, cli_run

D = date(2026, 7, 7)


def _ride(kind: str, worker: str, vehicle: str, leg: str, d: date = D) -> Event:
    return Event(kind=kind, day=d, worker_id=worker, vehicle_id=vehicle, leg=leg)  # type: ignore[arg-type]


def test_out_and_not_back_is_read_from_the_legs() -> None:
    events = [
        _ride("boarding", "W01", "VA1", "out"),
        _ride("no_show", "W01", "VA1", "back"),  # said not to be aboard: listed
        _ride("boarding", "W03", "VA1", "out"),  # VA1's back list is in, W03 not on it: listed
        _ride("boarding", "W02", "VB1", "out"),  # VB1's back list not imported yet: not listed
        _ride("boarding", "W04", "VB1", "out"),
        _ride("boarding", "W04", "VA1", "back"),  # home on another vehicle: not listed
        _ride("boarding", "W05", "VA1", "out", date(2026, 7, 6)),  # another day
        _ride("boarding", "W06", "VA1", ""),  # a QR scan: no leg, says nothing
    ]
    assert out_not_back(events, D) == [("W01", "VA1"), ("W03", "VA1")]
    assert out_not_back(events, date(2026, 7, 6)) == []  # VA1's back list of the 6th: none
    later = [*events, _ride("boarding", "W01", "VA1", "back")]  # found and brought home
    assert out_not_back(later, D) == [("W03", "VA1")]


def test_the_next_day_run_lists_them(tiny_season_run: Path, tmp_path: Path) -> None:
    """The drivers' lists of the 7th as the day run writes them (with `leg`): W03 went out on
    VA1 and is a no-show on the way back; W01 went out and came back. The day run of the 8th:
    `day.json` counts one (no id in it), follow_up.csv names W03 and VA1, the command says so."""
    run = str(tiny_season_run)
    led = tmp_path / "ledger.sqlite"
    lists = tmp_path / "boardings.csv"
    lists.write_text(
        "date,vehicle_id,worker_id,boarded,leg\n"
        "2026-07-07,VA1,W01,yes,out\n2026-07-07,VA1,W03,yes,out\n"
        "2026-07-07,VA1,W01,yes,back\n2026-07-07,VA1,W03,no,back\n"
    )
    said = cli_ok("ledger", "import", run, str(lists), "--ledger", str(led))
    assert said.splitlines()[1:] == [  # said as the back list comes in, too
        "out and not back on 2026-07-07: 1 rider went out and was not brought back: W03 (VA1)"
    ]
    out = tmp_path / "day"
    said = cli_ok("day", run, "--date", "2026-07-08", "--ledger", str(led), "--out", str(out))
    first = said.splitlines()[0]
    assert first == (
        "out and not back on 2026-07-07: 1 rider went out and was not brought back "
        "(report/follow_up.csv): W03 (VA1)"
    )
    record = json.loads((out / "day.json").read_text(encoding="utf-8"))
    assert record["recorded_previous_day"]["out_not_back"] == 1
    assert "W03" not in json.dumps(record)
    with open(out / "report" / "follow_up.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows == [{"worker_id": "W03", "no_shows_last_7_days": "", "out_not_back_vehicle": "VA1"}]
    assert cli_run("verify", str(out))[0] == 0
