"""The season ledger: append-only hash chain; verify finds edited, deleted and reordered rows;
schema migrations; one ledger per season run. Every test that is not about one engine runs on
both: the embedded SQLite file and PostgreSQL (a fresh schema on the test server, skipped
where there is none); then concurrent writers, URLs and their redaction."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from foresterie.core.errors import LedgerUnavailable
from foresterie.ops.ledger import (
    GENESIS,
    POSTGRES,
    SCHEMA_VERSION,
    SQLITE,
    Event,
    Ledger,
    LedgerError,
    legacy_row_hash,
    purge_before,
    redact_url,
    reopenable_url,
    row_hash,
)
from tests.helpers import run_writers

SEASON = {"name": "tiny", "run_manifest_sha256": "a" * 64}


def _events() -> list[Event]:
    d = date(2026, 7, 6)
    return [
        Event(kind="arrival", day=d, worker_id="W01", source="checkins.csv:2"),
        Event(kind="booking", day=d, worker_id="W01", farm_id="F1", leg="round", booked_by="farm"),
        Event(kind="no_show", day=d, worker_id="W02", vehicle_id="VA1", at_time="06:10"),
        Event(kind="breakdown", day=d, vehicle_id="VB1", note="clutch"),
    ]


@dataclass(frozen=True, kw_only=True)
class Store:
    """Where a ledger lives, and a direct connection to it, around foresterie: what someone
    editing the database by hand would use. SQL with `?` placeholders on both engines."""

    where: Path | str  # what Ledger.open takes: a file or a URL
    engine: str  # "sqlite" | "postgresql"

    def connect(self) -> Any:
        if self.engine == "sqlite":
            return sqlite3.connect(self.where, isolation_level=None)
        import psycopg

        return psycopg.connect(str(self.where), autocommit=True)

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        conn = self.connect()
        try:
            if self.engine == "postgresql":
                sql = sql.replace("?", "%s")
            cur = conn.execute(sql, params)
            return list(cur.fetchall()) if cur.description else []
        finally:
            conn.close()

    def refused(self) -> type[Exception]:
        """What the database raises when its append-only trigger refuses a statement."""
        if self.engine == "sqlite":
            return sqlite3.IntegrityError
        import psycopg

        return psycopg.errors.RaiseException

    def drop_triggers(self) -> None:
        """What an attacker with the database password would do first."""
        on = " ON ledger_events" if self.engine == "postgresql" else ""
        for name in ("ledger_no_update", "ledger_no_delete"):
            self.execute(f"DROP TRIGGER {name}{on}")

    def triggers(self) -> list[str]:
        if self.engine == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        else:
            sql = (
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'ledger_events'::regclass"
                " AND NOT tgisinternal ORDER BY tgname"
            )
        return [str(r[0]) for r in self.execute(sql)]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """An empty place for a ledger, on each engine."""
    if request.param == "sqlite":
        return Store(where=tmp_path / "season.ledger.sqlite", engine="sqlite")
    return Store(where=request.getfixturevalue("pg_url"), engine="postgresql")


@pytest.fixture
def ledger(store: Store) -> Store:
    """A ledger of four rows, on each engine."""
    with Ledger.open(store.where, SEASON) as led:
        led.append(_events())
    return store


def _verify(store: Store) -> list[str]:
    with Ledger.open(store.where) as led:
        return led.verify()


def _tamper(store: Store, *statements: str) -> list[str]:
    """Drop the triggers, run the statements, and verify through foresterie."""
    store.drop_triggers()
    for sql in statements:
        store.execute(sql)
    return _verify(store)


def test_rows_chain_from_genesis_and_read_back(ledger: Store) -> None:
    with Ledger.open(ledger.where) as led:
        assert led.dialect.name == ledger.engine
        rows = led.rows()
        assert [r.seq for r in rows] == [1, 2, 3, 4]
        assert rows[0].prev_hash == GENESIS
        assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
        assert [r.event for r in rows] == _events()
        assert rows[2].hash == row_hash(3, rows[1].hash, _events()[2])
        assert led.verify() == []
        assert led.head() == (4, rows[-1].hash)


def test_same_events_same_chain_on_both_engines(ledger: Store, tmp_path: Path) -> None:
    """The chain is the events' and not the engine's: a copy on SQLite has the same hashes."""
    with Ledger.open(tmp_path / "copy.sqlite", SEASON) as copy:
        copy.append(_events())
        expected = [r.hash for r in copy.rows()]
    with Ledger.open(ledger.where) as led:
        assert [r.hash for r in led.rows()] == expected


def test_appends_continue_the_chain(ledger: Store) -> None:
    with Ledger.open(ledger.where) as led:
        _, head = led.head()
        new = led.append([Event(kind="departure", day=date(2026, 7, 12), worker_id="W01")])
        assert new[0].seq == 5 and new[0].prev_hash == head
        assert led.verify() == []


def test_database_refuses_update_and_delete(ledger: Store) -> None:
    with pytest.raises(ledger.refused(), match="append-only"):
        ledger.execute("UPDATE ledger_events SET worker_id = 'W09' WHERE seq = 1")
    with pytest.raises(ledger.refused(), match="append-only"):
        ledger.execute("DELETE FROM ledger_events WHERE seq = 1")
    assert _verify(ledger) == []


def test_postgres_refuses_truncate(pg_url: str) -> None:
    """TRUNCATE skips row triggers on PostgreSQL: a statement trigger refuses it too. (SQLite
    has no TRUNCATE: its DELETE without WHERE fires the row trigger.)"""
    with Ledger.open(pg_url, SEASON) as led:
        led.append(_events())
    ledger = Store(where=pg_url, engine="postgresql")
    with pytest.raises(ledger.refused(), match="append-only"):
        ledger.execute("TRUNCATE ledger_events")
    assert _verify(ledger) == []


def test_verify_catches_an_edited_row(ledger: Store) -> None:
    problems = _tamper(ledger, "UPDATE ledger_events SET worker_id = 'W09' WHERE seq = 2")
    assert problems == ["row 2: content does not match its hash (edited)"]


def test_verify_catches_an_edited_row_rehashed(ledger: Store) -> None:
    """Recomputing the edited row's own hash breaks the next row's link instead."""
    ledger.drop_triggers()
    prev = ledger.execute("SELECT hash FROM ledger_events WHERE seq = 1")[0][0]
    ev = _events()[1]
    forged = Event(**{**ev.__dict__, "worker_id": "W09"})
    ledger.execute(
        "UPDATE ledger_events SET worker_id = 'W09', hash = ? WHERE seq = 2",
        (row_hash(2, prev, forged),),
    )
    problems = _verify(ledger)
    assert problems == ["row 3: does not link to row 2 (reordered, deleted or edited)"]


def test_verify_names_a_day_no_foresterie_wrote(ledger: Store) -> None:
    """A forger's day that is no day: a violation (exit 1) from `ledger verify`, one line
    naming the ledger, row and field (exit 2) from every command that reads the events."""
    problems = _tamper(ledger, "UPDATE ledger_events SET day = '2026-13-45' WHERE seq = 2")
    expected = "'2026-13-45' is not a date YYYY-MM-DD (edited outside foresterie)"
    assert problems == [f"row 2: day: {expected}"]
    with Ledger.open(ledger.where) as led, pytest.raises(LedgerError) as exc:
        led.events()
    assert str(exc.value) == f"{led.label}:2: day: {expected}"


def test_verify_names_a_count_no_foresterie_wrote(ledger: Store) -> None:
    problems = _tamper(ledger, "UPDATE ledger_meta SET value = 'many' WHERE key = 'rows'")
    assert problems == ["meta rows: 'many' is not a whole number (edited outside foresterie)"]
    ledger.execute("UPDATE ledger_meta SET value = 'x' WHERE key = 'schema_version'")
    with pytest.raises(LedgerError, match="meta schema_version: 'x' is not a whole number"):
        Ledger.open(ledger.where)


def test_a_dropped_table_is_bad_input(tmp_path: Path) -> None:
    """A SQLite ledger whose events table is gone (or any damage the database reports) is
    one line naming the file (exit 2), not sqlite3's traceback."""
    path = tmp_path / "l.sqlite"
    with Ledger.open(path, SEASON) as led:
        led.append(_events())
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE ledger_events")
    with Ledger.open(path) as led, pytest.raises(LedgerError) as exc:
        led.verify()
    expected = "ledger: not a ledger, or a damaged one: no such table: ledger_events"
    assert str(exc.value) == f"{path}: {expected}"


def test_verify_catches_a_deleted_row(ledger: Store) -> None:
    problems = _tamper(ledger, "DELETE FROM ledger_events WHERE seq = 2")
    assert "row 3: rows 2..2 are missing (deleted)" in problems
    assert "row 3: does not link to row 1 (reordered, deleted or edited)" in problems


def test_verify_catches_a_deleted_last_row(ledger: Store) -> None:
    problems = _tamper(ledger, "DELETE FROM ledger_events WHERE seq = 4")
    assert problems == ["rows 4..4 are missing at the end (deleted)"]


def test_verify_catches_reordered_rows(ledger: Store) -> None:
    """Swap rows 2 and 3 (content, links and hashes move together): the links break."""
    problems = _tamper(
        ledger,
        "UPDATE ledger_events SET seq = -2 WHERE seq = 2",
        "UPDATE ledger_events SET seq = 2 WHERE seq = 3",
        "UPDATE ledger_events SET seq = 3 WHERE seq = -2",
    )
    assert "row 2: content does not match its hash (edited)" in problems
    assert "row 2: does not link to row 1 (reordered, deleted or edited)" in problems
    assert "row 3: does not link to row 2 (reordered, deleted or edited)" in problems


def test_migrates_a_version_1_ledger(store: Store) -> None:
    dialect = SQLITE if store.engine == "sqlite" else POSTGRES
    for stmt in dict(dialect.migrations)[1]:
        store.execute(stmt)
    store.execute("INSERT INTO ledger_meta (key, value) VALUES ('schema_version', '1')")
    with Ledger.open(store.where, SEASON) as led:
        assert led.schema_version() == SCHEMA_VERSION == 3
        led.append(_events()[:1])
        assert led.verify() == []
    expected = ["ledger_no_delete", "ledger_no_update"]
    if store.engine == "postgresql":
        expected.append("ledger_no_truncate")
    assert store.triggers() == sorted(expected)


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
    # bound to its season with its head recorded, as every ledger foresterie wrote
    for key, value in (
        ("season_run", SEASON["run_manifest_sha256"]),
        ("season_name", SEASON["name"]),
        ("rows", "1"),
        ("head", legacy_row_hash(1, GENESIS, ev)),
    ):
        conn.execute("INSERT INTO ledger_meta (key, value) VALUES (?, ?)", (key, value))
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


def test_refuses_a_newer_schema(ledger: Store) -> None:
    ledger.execute("UPDATE ledger_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(LedgerError, match="schema version 99 is newer"):
        Ledger.open(ledger.where)


def test_refuses_another_season_run(ledger: Store) -> None:
    with pytest.raises(LedgerError, match="belongs to another season run"):
        Ledger.open(ledger.where, {**SEASON, "run_manifest_sha256": "b" * 64})


def test_missing_ledger_is_bad_input(store: Store) -> None:
    """Opening without a season run to bind creates nothing: no file, no tables."""
    with pytest.raises(LedgerError, match=r"no such ledger|no ledger in this database"):
        Ledger.open(store.where)
    if store.engine == "sqlite":
        assert not Path(store.where).exists()
    else:
        assert store.execute(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()"
        ) == [(0,)]


# ------------------------------------------------------------------ several writers at once

WRITERS = 4
ROWS_EACH = 1000


def test_concurrent_writers_keep_the_chain(store: Store) -> None:
    """4 processes x 1,000 appends at once: the chain is intact, every row is there, each
    writer's rows in its own order, and the writers did interleave (they ran concurrently)."""
    with Ledger.open(store.where, SEASON):
        pass
    exit_codes, _ = run_writers(store.where, WRITERS, ROWS_EACH)
    assert exit_codes == [0] * WRITERS
    with Ledger.open(store.where) as led:
        assert led.verify() == []
        rows = led.rows()
        assert led.head() == (WRITERS * ROWS_EACH, rows[-1].hash)
    assert [r.seq for r in rows] == list(range(1, WRITERS * ROWS_EACH + 1))
    ids = [r.event.worker_id for r in rows]
    for w in range(WRITERS):
        assert [i for i in ids if i.startswith(f"P{w}-")] == [
            f"P{w}-{i:04d}" for i in range(ROWS_EACH)
        ]
    if store.engine == "postgresql":
        # PostgreSQL grants the advisory lock to waiters in turn, so the writers interleave.
        # SQLite's busy handler promises no order: a writer may take the lock back at once and
        # run all its appends in a row (seen in CI on a quiet machine), so it is not asserted.
        switches = sum(a[:2] != b[:2] for a, b in zip(ids, ids[1:], strict=False))
        assert switches > WRITERS - 1  # not one writer after the other


# ------------------------------------------------------------------ URLs and their passwords


def test_redact_url_hides_every_password() -> None:
    assert redact_url("postgresql://ops:s3cr%40t@db.example:5432/season?sslmode=require") == (
        "postgresql://ops:***@db.example:5432/season?sslmode=require"
    )
    assert redact_url("postgres://ops@db/season?password=s3cret&application_name=x") == (
        "postgres://ops@db/season?password=***&application_name=x"
    )
    assert redact_url("postgresql://db?password=s3cret") == "postgresql://db?password=***"
    assert redact_url("postgresql://ops@/season?host=/run/pg") == (
        "postgresql://ops@/season?host=/run/pg"
    )
    assert reopenable_url("postgresql://ops:***@db/season?password=***&port=5433") == (
        "postgresql://ops@db/season?port=5433"
    )


def test_bad_url_is_bad_input() -> None:
    with pytest.raises(LedgerError, match="not a valid PostgreSQL URL") as err:
        Ledger.open("postgresql://ops:s3cret@db/season?nosuchoption=1")
    assert "s3cret" not in str(err.value) and "ops:***@db" in str(err.value)


def test_other_urls_are_bad_input(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="a file, or a postgresql:// URL") as err:
        Ledger.open("mysql://ops:s3cret@db/season", SEASON)
    assert "s3cret" not in str(err.value)


def test_server_down_is_unavailable() -> None:
    """Nothing listens on port 1 of this machine: one line, no password, LedgerUnavailable."""
    with pytest.raises(LedgerUnavailable) as err:
        Ledger.open("postgresql://ops:s3cret@127.0.0.1:1/season?connect_timeout=5")
    assert "s3cret" not in str(err.value)
    assert "\n" not in str(err.value)
    assert str(err.value).startswith("postgresql://ops:***@127.0.0.1:1/season")


def test_label_and_errors_carry_no_password(pg_url: str) -> None:
    url = pg_url.replace("postgresql://postgres@", "postgresql://postgres:pw-Secr3t@", 1)
    assert "pw-Secr3t" in url  # the test server trusts the socket: the password is ignored
    with Ledger.open(url, SEASON) as led:
        assert "pw-Secr3t" not in led.label and ":***@" in led.label
    with pytest.raises(LedgerError) as err:
        Ledger.open(url, {**SEASON, "run_manifest_sha256": "b" * 64})
    assert "pw-Secr3t" not in str(err.value)


# ------------------------------------------------------------------ the command line on PostgreSQL


def _cli(*args: str) -> tuple[int, str]:
    from typer.testing import CliRunner

    from foresterie.cli import app

    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output


def _files_with(folder: Path, secret: str) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_offices_share_a_postgres_ledger_through_the_cli(
    tiny_season_run: Path, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """init with --ledger URL, import through FORESTERIE_LEDGER_URL, an intake re-plan that
    records the URL redacted, a day run on it that finds the ledger through intake.json, verify;
    the password is in no message and no file of either run."""
    season, secret = tiny_season_run, "pw-Secr3t"
    url = pg_url.replace("postgresql://postgres@", f"postgresql://postgres:{secret}@", 1)
    code, out = _cli("ledger", "init", str(season), "--ledger", url)
    assert code == 0 and f"schema {SCHEMA_VERSION}, 0 rows" in out and "postgres:***@" in out
    checkins = tmp_path / "checkins.csv"
    checkins.write_text(
        "date,worker_id,event\n2026-07-06,W01,arrival\n2026-07-06,W03,arrival\n"
        "2026-07-06,W04,arrival\n2026-07-06,W05,arrival\n"
    )
    monkeypatch.setenv("FORESTERIE_LEDGER_URL", url)
    code, out = _cli("ledger", "import", str(season), str(checkins))
    assert code == 0 and "appended 4 rows" in out, out
    intake = tmp_path / "intake"
    code, out = _cli("intake", str(season), "--date", "2026-07-09", "--out", str(intake))
    assert code == 0, out
    assert json.loads((intake / "intake.json").read_text())["ledger"]["path"] == redact_url(url)
    monkeypatch.delenv("FORESTERIE_LEDGER_URL")
    day = tmp_path / "day"
    code, out = _cli("day", str(intake), "--date", "2026-07-10", "--out", str(day))
    assert code == 0, out
    code, out = _cli("ledger", "verify", str(season), "--ledger", url)
    # 4 check-ins, their file's import record, intake, day
    assert code == 0 and "7 rows, chain intact" in out, out
    assert secret not in out
    assert _files_with(intake, secret) == [] and _files_with(day, secret) == []
    store = Store(where=pg_url, engine="postgresql")
    store.drop_triggers()
    store.execute("UPDATE ledger_events SET worker_id = 'W02' WHERE seq = 1")
    code, out = _cli("ledger", "verify", str(season), "--ledger", url)
    assert code == 1
    assert out.strip() == "violation: row 1: content does not match its hash (edited)"


def test_cli_bad_url_server_down_and_newer_schema(
    tiny_season_run: Path, pg_url: str, tmp_path: Path
) -> None:
    """One line each, no traceback, no password: a bad URL and a newer schema are bad input
    (exit 2), a server that cannot be reached is exit 4 (try again later)."""
    season = str(tiny_season_run)
    bad = "postgresql://ops:pw-Secr3t@localhost/season?nosuchoption=1"
    code, out = _cli("ledger", "verify", season, "--ledger", bad)
    assert code == 2 and len(out.strip().splitlines()) == 1, out
    assert out.startswith("error: postgresql://ops:***@localhost/season?nosuchoption=1: ledger: ")
    assert "not a valid PostgreSQL URL" in out and "pw-Secr3t" not in out
    down = "postgresql://ops:pw-Secr3t@127.0.0.1:1/season?connect_timeout=5"
    code, out = _cli("ledger", "init", season, "--ledger", down)
    assert code == 4 and len(out.strip().splitlines()) == 1, out
    assert out.startswith("error: postgresql://ops:***@127.0.0.1:1/season") and "pw-" not in out
    assert _cli("ledger", "init", season, "--ledger", pg_url)[0] == 0
    Store(where=pg_url, engine="postgresql").execute(
        f"UPDATE ledger_meta SET value = '{SCHEMA_VERSION + 1}' WHERE key = 'schema_version'"
    )
    code, out = _cli("ledger", "verify", season, "--ledger", pg_url)
    newer = f"schema version {SCHEMA_VERSION + 1} is newer than this foresterie"
    assert code == 2 and f"schema_version: {newer}" in out
    assert len(out.strip().splitlines()) == 1


def test_messages_are_scrubbed_of_the_password_only() -> None:
    from foresterie.ops.ledger import _scrub

    url = "postgresql://ops:x@db/season?password=s%40cret"
    message = 'FATAL: database "x" does not exist\n  (ops:x@db, s@cret, s%40cret)'
    assert _scrub(message, url) == 'FATAL: database "***" does not exist (ops:***@db, ***, ***)'


def test_snapshot_is_the_events_up_to_the_head(ledger: Store) -> None:
    with Ledger.open(ledger.where) as led:
        events, seq, head = led.snapshot()
        assert (events, (seq, head)) == (_events(), led.head())


# ------------------------------------------------------------------ a file imported twice


def test_the_same_file_twice_is_refused_unless_again(
    tiny_season_run: Path, store: Store, tmp_path: Path
) -> None:
    """Review 10, finding 7: an office that sends a file twice no longer doubles its rows. The
    second import of the same content (under any name, or twice in one command) is refused,
    one line naming the file and when it was imported, nothing written; `--again` takes it and
    the ledger records that it was imported again; the chain stays whole (both engines)."""
    season, where = str(tiny_season_run), str(store.where)
    first = tmp_path / "checkins.csv"
    first.write_text("date,worker_id,event\n2026-07-06,W01,arrival\n2026-07-06,W03,arrival\n")
    code, out = _cli("ledger", "import", season, str(first), "--ledger", where)
    assert code == 0 and "appended 2 rows from 1 file to" in out, out
    with Ledger.open(store.where) as led:
        before = led.head()
        record = led.rows()[-1].event
    assert record.kind == "file_import" and record.day == date(2026, 7, 6)
    assert record.note == hashlib.sha256(first.read_bytes()).hexdigest()
    assert record.source.startswith("checkins.csv imported 20") and record.source.endswith(
        ", 2 rows"
    )
    copy = tmp_path / "checkins-resent.csv"
    copy.write_bytes(first.read_bytes())
    other = tmp_path / "other.csv"
    other.write_text("date,worker_id,event\n2026-07-07,W02,arrival\n")
    code, out = _cli("ledger", "import", season, str(other), str(copy), "--ledger", where)
    assert code == 2
    assert out.splitlines() == [
        f"error: checkins-resent.csv: file: already imported into this ledger "
        f"({record.source}; ledger row {before[0]}, same content); to import it again, add --again"
    ]
    code, out = _cli("ledger", "import", season, str(other), str(other), "--ledger", where)
    assert code == 2
    assert out.splitlines() == [
        "error: other.csv: file: same content as other.csv in this import; "
        "to import both, add --again"
    ]
    with Ledger.open(store.where) as led:
        assert led.head() == before  # nothing written by either refusal
    code, out = _cli("ledger", "import", season, str(copy), "--ledger", where, "--again")
    assert code == 0 and "appended 2 rows from 1 file" in out, out
    with Ledger.open(store.where) as led:
        rows = led.rows()
        assert led.verify() == []
    assert len(rows) == before[0] + 3
    assert rows[-1].event.kind == "file_import"
    assert rows[-1].event.source.startswith("checkins-resent.csv imported again 20")


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM ledger_events WHERE seq = 4",  # the tail: an append would launder it
        "UPDATE ledger_events SET worker_id = 'W09' WHERE seq = 2",
    ],
)
def test_nothing_reads_or_appends_to_a_broken_chain(ledger: Store, statement: str) -> None:
    """Review 14: `day`, `intake` and `monitor` acted on an edited ledger, and the next append
    after a deleted tail rewrote the recorded head, so `ledger verify` said "chain intact".
    Reading (`snapshot`, what they plan from) and appending both refuse a broken chain now,
    naming the first break, and the break stays for `ledger verify` to report."""
    broken = _tamper(ledger, statement)
    assert broken
    with Ledger.open(ledger.where) as led:
        acts = [led.snapshot]
        if statement.startswith("DELETE"):  # an edit inside stays a broken link: no laundering
            acts.append(
                lambda: led.append([Event(kind="departure", day=date(2026, 7, 12), worker_id="W1")])
            )
        for act in acts:
            with pytest.raises(LedgerError) as exc:
                act()
            assert broken[0] in str(exc.value) and "the hash chain is broken" in str(exc.value)
    assert _verify(ledger) == broken
