"""The season ledger: append-only hash chain; verify finds edited, deleted and reordered rows;
schema migrations; one ledger per season run."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from foresterie.ops.ledger import (
    GENESIS,
    SCHEMA_VERSION,
    SQLITE,
    Event,
    Ledger,
    LedgerError,
    legacy_row_hash,
    purge_before,
    row_hash,
)

SEASON = {"name": "tiny", "run_manifest_sha256": "a" * 64}


def _events() -> list[Event]:
    d = date(2026, 7, 6)
    return [
        Event(kind="arrival", day=d, worker_id="W01", source="checkins.csv:2"),
        Event(kind="booking", day=d, worker_id="W01", farm_id="F1", leg="round", booked_by="farm"),
        Event(kind="no_show", day=d, worker_id="W02", vehicle_id="VA1", at_time="06:10"),
        Event(kind="breakdown", day=d, vehicle_id="VB1", note="clutch"),
    ]


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "season.ledger.sqlite"
    with Ledger.open(path, SEASON) as led:
        led.append(_events())
    return path


def _raw(path: Path) -> sqlite3.Connection:
    """A direct connection, with the append-only triggers dropped: what someone editing the
    file by hand would do."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER ledger_no_update")
    conn.execute("DROP TRIGGER ledger_no_delete")
    return conn


def _verify(path: Path) -> list[str]:
    with Ledger.open(path) as led:
        return led.verify()


def test_rows_chain_from_genesis_and_read_back(ledger: Path) -> None:
    with Ledger.open(ledger) as led:
        rows = led.rows()
        assert [r.seq for r in rows] == [1, 2, 3, 4]
        assert rows[0].prev_hash == GENESIS
        assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
        assert [r.event for r in rows] == _events()
        assert rows[2].hash == row_hash(3, rows[1].hash, _events()[2])
        assert led.verify() == []
        assert led.head() == (4, rows[-1].hash)


def test_appends_continue_the_chain(ledger: Path) -> None:
    with Ledger.open(ledger) as led:
        _, head = led.head()
        new = led.append([Event(kind="departure", day=date(2026, 7, 12), worker_id="W01")])
        assert new[0].seq == 5 and new[0].prev_hash == head
        assert led.verify() == []


def test_database_refuses_update_and_delete(ledger: Path) -> None:
    conn = sqlite3.connect(ledger, isolation_level=None)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE ledger_events SET worker_id = 'W09' WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM ledger_events WHERE seq = 1")


def test_verify_catches_an_edited_row(ledger: Path) -> None:
    _raw(ledger).execute("UPDATE ledger_events SET worker_id = 'W09' WHERE seq = 2")
    assert _verify(ledger) == ["row 2: content does not match its hash (edited)"]


def test_verify_catches_an_edited_row_rehashed(ledger: Path) -> None:
    """Recomputing the edited row's own hash breaks the next row's link instead."""
    conn = _raw(ledger)
    prev = conn.execute("SELECT hash FROM ledger_events WHERE seq = 1").fetchone()[0]
    ev = _events()[1]
    forged = Event(**{**ev.__dict__, "worker_id": "W09"})
    conn.execute(
        "UPDATE ledger_events SET worker_id = 'W09', hash = ? WHERE seq = 2",
        (row_hash(2, prev, forged),),
    )
    problems = _verify(ledger)
    assert problems == ["row 3: does not link to row 2 (reordered, deleted or edited)"]


def test_verify_catches_a_deleted_row(ledger: Path) -> None:
    _raw(ledger).execute("DELETE FROM ledger_events WHERE seq = 2")
    problems = _verify(ledger)
    assert "row 3: rows 2..2 are missing (deleted)" in problems
    assert "row 3: does not link to row 1 (reordered, deleted or edited)" in problems


def test_verify_catches_a_deleted_last_row(ledger: Path) -> None:
    _raw(ledger).execute("DELETE FROM ledger_events WHERE seq = 4")
    assert _verify(ledger) == ["rows 4..4 are missing at the end (deleted)"]


def test_verify_catches_reordered_rows(ledger: Path) -> None:
    """Swap rows 2 and 3 (content, links and hashes move together): the links break."""
    conn = _raw(ledger)
    conn.execute("UPDATE ledger_events SET seq = -2 WHERE seq = 2")
    conn.execute("UPDATE ledger_events SET seq = 2 WHERE seq = 3")
    conn.execute("UPDATE ledger_events SET seq = 3 WHERE seq = -2")
    problems = _verify(ledger)
    assert "row 2: content does not match its hash (edited)" in problems
    assert "row 2: does not link to row 1 (reordered, deleted or edited)" in problems
    assert "row 3: does not link to row 2 (reordered, deleted or edited)" in problems


def test_migrates_a_version_1_ledger(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    for stmt in dict(SQLITE.migrations)[1]:
        conn.execute(stmt)
    conn.execute("INSERT INTO ledger_meta (key, value) VALUES ('schema_version', '1')")
    conn.close()
    with Ledger.open(path, SEASON) as led:
        assert led.schema_version() == SCHEMA_VERSION == 3
        led.append(_events()[:1])
        assert led.verify() == []
    triggers = sqlite3.connect(path).execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    )
    assert [t[0] for t in triggers] == ["ledger_no_delete", "ledger_no_update"]


def test_a_version_2_ledger_keeps_its_rows_hashes_and_cannot_purge_them(tmp_path: Path) -> None:
    """Rows written before schema 3 keep their whole-row hash (verified as such); rows after it
    are hashed over their payload's hash, so only those can be purged."""
    path = tmp_path / "v2.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    for version in (1, 2):
        for stmt in dict(SQLITE.migrations)[version]:
            conn.execute(stmt)
    conn.execute("INSERT INTO ledger_meta (key, value) VALUES ('schema_version', '2')")
    ev = _events()[0]
    cells = [ev.kind, ev.day.isoformat(), ev.worker_id, "", "", "", "", "", "", "", ev.source]
    conn.execute(
        "INSERT INTO ledger_events VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*cells, GENESIS, legacy_row_hash(1, GENESIS, ev)),
    )
    conn.close()
    with Ledger.open(path, SEASON) as led:
        assert led.meta()["hash_v3_from"] == "2"
        (row,) = led.append([Event(kind="arrival", day=date(2026, 7, 9), worker_id="W02")])
        assert row.hash == row_hash(2, row.prev_hash, row.event)
        assert led.verify() == []
    with Ledger.open(path) as led:
        with pytest.raises(LedgerError, match="row 1 predates schema 3"):
            purge_before(led, date(2026, 7, 7))
        assert purge_before(led, date(2026, 7, 6)) == 0  # nothing before: only the purge row
        assert led.verify() == [] and led.rows()[-1].event.kind == "purge"


def test_refuses_a_newer_schema(ledger: Path) -> None:
    conn = sqlite3.connect(ledger, isolation_level=None)
    conn.execute("UPDATE ledger_meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()
    with pytest.raises(LedgerError, match="schema version 99 is newer"):
        Ledger.open(ledger)


def test_refuses_another_season_run(ledger: Path) -> None:
    with pytest.raises(LedgerError, match="belongs to another season run"):
        Ledger.open(ledger, {**SEASON, "run_manifest_sha256": "b" * 64})


def test_missing_ledger_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="no such ledger"):
        Ledger.open(tmp_path / "none.sqlite")
    assert not (tmp_path / "none.sqlite").exists()
