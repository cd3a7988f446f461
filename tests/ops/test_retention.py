"""Retention: `foresterie purge RUN --before DATE` removes worker-level rows dated before DATE
from the ledger, the day runs and (once the season is over) the season run, keeps aggregates
and hashes; `ledger verify` and `verify` still pass, and the purged ids are in no file.

Tiny season (2026-07-01..07-31): W01, W02 ride to F1 from FA, W03 to F2 from FA, the family
W04, W05 to F2 from FB; W06, W07 are waitlisted."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.ops.ledger import Ledger

IDS = {f"W0{i}" for i in range(1, 8)}


def _cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output


def _ok(*args: str) -> str:
    code, out = _cli(*args)
    assert code == 0, out
    return out


def _ids_in(path: Path) -> set[str]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    return set(re.findall(r"[A-Za-z0-9_-]+", text)) & IDS


def _db_ids(path: Path) -> set[str]:
    """Ids anywhere in a database file and its write-ahead log (records pack cells together)."""
    data = b"".join(
        p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()
    )
    return {i for i in IDS if i.encode() in data}


@pytest.fixture
def season(tiny_season_run: Path, tmp_path: Path) -> Path:
    """A copy of the tiny season with a ledger and a day run on 07-07; W01's and W03's rows are
    all before 07-10, W02's both before and after."""
    run = tmp_path / "tiny"
    shutil.copytree(tiny_season_run, run)
    _ok("ledger", "init", str(run))
    rows = tmp_path / "checkins.csv"
    rows.write_text(
        "date,worker_id,event\n2026-07-06,W01,arrival\n2026-07-06,W03,arrival\n"
        "2026-07-06,W02,arrival\n2026-07-20,W02,departure\n"
    )
    _ok("ledger", "import", str(run), str(rows))
    _ok("day", str(run), "--date", "2026-07-07")
    return run


def test_purge_then_ledger_verify_and_verify_pass(season: Path) -> None:
    ledger = season.parent / "tiny.ledger.sqlite"
    day = season.parent / "tiny.days" / "2026-07-07"
    assert _ids_in(day / "plan" / "riders.csv") == {"W01", "W02", "W03"}  # checked in
    assert _db_ids(ledger) == {"W01", "W02", "W03"}
    out = _ok("purge", str(season), "--before", "2026-07-10")
    assert "3 ledger rows, 1 runs" in out and "1 runs still within retention" in out
    # The ledger: the chain verifies, the purged rows keep kind and day, the purge is a row.
    assert "chain intact" in _ok("ledger", "verify", str(season))
    with Ledger.open(ledger) as led:
        rows = led.rows()
    assert [(r.event.kind, r.event.worker_id) for r in rows] == [
        ("arrival", ""),
        ("arrival", ""),
        ("arrival", ""),
        ("departure", "W02"),
        ("day_plan", ""),
        ("purge", ""),
    ]
    assert all(r.payload_hash for r in rows[:3]) and rows[-1].event.note.startswith("3 worker")
    # W01 and W03 appear in no purged row any more: not in the database file at all.
    assert _db_ids(ledger) == {"W02"}  # only in its row after the date
    # The day run: every file naming a worker is gone; aggregates and the record remain.
    for f in day.rglob("*"):
        if f.is_file():
            assert not _ids_in(f), f
    record = json.loads((day / "purged.json").read_text())
    assert "plan/riders.csv" in record["removed"] and "restricted/priority.csv" in record["removed"]
    assert (day / "plan" / "trips.csv").is_file() and (day / "aggregates" / "kpis.csv").is_file()
    code, out = _cli("verify", str(day))
    assert code == 0 and "not checked: purged for retention (before 2026-07-10)" in out, out
    # The season run is still running on 07-10: kept whole, and verified whole.
    assert (season / "plan" / "riders.csv").is_file()
    assert _ok("verify", str(season)).startswith("ok:")


def test_purge_after_the_season_purges_the_season_run(season: Path) -> None:
    _ok("purge", str(season), "--before", "2026-08-01")
    assert "chain intact" in _ok("ledger", "verify", str(season))
    assert not _db_ids(season.parent / "tiny.ledger.sqlite")
    for run in (season, season.parent / "tiny.days" / "2026-07-07"):
        for f in run.rglob("*"):
            if f.is_file():
                assert not _ids_in(f), f
        code, out = _cli("verify", str(run))
        assert code == 0 and "purged for retention" in out, out
    housing = (season / "aggregates" / "housing_by_site.csv").read_text()
    assert "FA,men,2,14" in housing  # W01, W02: 7 nights each, kept as a count
    # A second purge finds nothing left to purge and leaves everything verifiable.
    assert "0 ledger rows, 0 runs" in _ok("purge", str(season), "--before", "2026-08-01")


def test_tampering_after_a_purge_is_caught(season: Path) -> None:
    _ok("purge", str(season), "--before", "2026-08-01")
    agg = season / "aggregates" / "housing_by_site.csv"
    agg.write_text(agg.read_text().replace("FA,men,2,14", "FA,men,3,14"))
    code, out = _cli("verify", str(season))
    assert code == 1 and "aggregate changed after the purge" in out, out
    trips = season / "plan" / "trips.csv"
    trips.write_text(trips.read_text().replace(",VA1,", ",VB1,", 1))
    code, out = _cli("verify", str(season))
    assert "file changed after solving: plan/trips.csv" in out, out
    ledger = season.parent / "tiny.ledger.sqlite"
    conn = sqlite3.connect(ledger, isolation_level=None)
    conn.execute("DROP TRIGGER ledger_no_update")
    conn.execute("UPDATE ledger_events SET kind = 'departure' WHERE seq = 1")
    conn.close()
    code, out = _cli("ledger", "verify", str(season))
    assert code == 1 and "row 1: purged row does not match its hash (edited)" in out, out
    code, out = _cli("purge", str(season), "--before", "2026-08-02")
    assert code == 2 and "chain broken, nothing purged" in out, out
