"""A booking for a site the worker's referral record says to avoid (review 17, finding 13): the
record wins, and the person is kept in the day where possible. Booked from a site to avoid: the
ride is re-routed to where the season plan has them board that day; booked for a farm to avoid:
the booking is refused and the season plan's expectation stands. The coordinator reads one line
per booking naming the worker and `placement`, never the site; nothing published says it.

The tiny season with a departure point PX: W01 must avoid PX (he sleeps at FA, works F1), W03
must avoid F1 (she works F2), W02 must avoid F1, his own farm."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.runfolder import regular_files
from foresterie.ops.day import day_demand, load_season_run, placement_lines
from foresterie.ops.ledger import Event
from tests.helpers import add_pickup, with_referrals

D = date(2026, 7, 7)  # a Tuesday
RECORDS = (
    "W01,2026-07-01,Sportello Antitratta,high,PX\n"
    "W02,2026-07-01,Sportello Antitratta,high,F1\n"
    "W03,2026-07-01,Sportello Antitratta,high,F1\n"
)


def _cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("avoid")
    scenario = with_referrals(base, RECORDS)
    add_pickup(scenario, rider="W07")
    run = base / "run"
    code, text = _cli("solve", str(scenario), "--out", str(run))
    assert code == 0, text
    return run


BOOKINGS = [
    Event(kind="booking", day=D, worker_id="W01", origin="PX"),  # re-routed to FA
    Event(kind="booking", day=D, worker_id="W03", farm_id="F1"),  # refused: F2 as planned
    Event(kind="booking", day=D, worker_id="W02", farm_id="F1"),  # refused: no farm of his
]


def test_rerouted_or_refused_and_said_without_the_site(season: Path) -> None:
    demand = day_demand(load_season_run(season), BOOKINGS, D)
    rides = {w.id: (w.farm_id, w.pinned_foresteria, w.pickup_id) for w in demand.riders}
    assert rides["W01"] == ("F1", "FA", None)  # from his bed, not from PX
    assert rides["W03"] == ("F2", "FA", None)  # to her own farm, as the season plan has her
    assert "W02" not in rides  # F1 is his farm: no ride the record allows
    assert demand.counts["booked"] == 1 and demand.counts["booked_from_departure_point"] == 0
    lines = placement_lines(demand)
    assert lines == [  # in worker order
        "note: W01: the booking for 2026-07-07 cannot be taken from the place booked "
        "(placement): rides from FA, where the season plan has them board; ask the case worker",
        "note: W02: the booking for 2026-07-07 cannot be taken (placement): not planned; ask "
        "the case worker",
        "note: W03: the booking for 2026-07-07 cannot be taken (placement): planned as the "
        "season plan has them (from FA); ask the case worker",
    ]
    for line in lines:
        assert "PX" not in line and "F1" not in line and "referral" not in line
    # without the bookings, the same riders: a refused booking leaves the season plan's day
    plain = {w.id for w in day_demand(load_season_run(season), [], D).riders}
    assert plain == set(rides)


def test_the_day_run_says_it_and_publishes_nothing_of_it(season: Path, tmp_path: Path) -> None:
    bookings = tmp_path / "bookings.csv"
    bookings.write_text(
        "date,worker_id,action,origin,farm_id\n2026-07-07,W01,book,PX,\n2026-07-07,W03,book,,F1\n"
    )
    led = tmp_path / "l.sqlite"
    code, text = _cli("ledger", "import", str(season), str(bookings), "--ledger", str(led))
    assert code == 0, text
    out = tmp_path / "day"
    code, text = _cli(
        "day", str(season), "--date", D.isoformat(), "--ledger", str(led), "--out", str(out)
    )
    assert code == 0, text
    said = [x for x in text.splitlines() if "(placement)" in x]
    assert [x.split(":")[1].strip() for x in said] == ["W01", "W03"]
    with open(out / "plan" / "riders.csv", encoding="utf-8") as fh:
        assert sum(1 for r in fh if ",W01," in r or r.rstrip().endswith(",W01")) == 2
    record = (out / "day.json").read_text(encoding="utf-8")
    assert json.loads(record)["demand"]["booked"] == 1
    for rel, path in regular_files(out):  # published: never the reason, never the site beside
        if rel.startswith("restricted/"):
            continue
        body = Path(path).read_bytes()
        assert b"placement" not in body, rel
    assert _cli("verify", str(out))[0] == 0
