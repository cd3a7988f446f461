"""The season ledger: an append-only, hash-chained record of what happened day by day.

Check-ins (arrivals, departures, absences), bookings and cancellations, boardings and no-shows,
incidents (breakdowns, late returns) and every day plan published are rows of one table. Each row
carries the hash of the row before it, so editing, deleting or reordering a row after the fact
breaks the chain, and `foresterie ledger verify` says where. Corrections are new rows.

Why SQLite (stdlib `sqlite3`) and not DuckDB: the ledger is an OLTP log (a few rows at a time,
each append must read the chain head and write in one serialised transaction), which is what
SQLite's `BEGIN IMMEDIATE` gives with no extra dependency and one file a case worker can copy.
DuckDB is a columnar engine built for analytical scans, and allows one writing process per file.
The SQL below is standard (no SQLite-only types or upserts) and goes through `Dialect`, so the
same code can run on PostgreSQL (several offices on one ledger, issue #20) by adding a dialect:
its placeholder style, how to lock the table for an append, and its migration statements.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args

from foresterie.core.errors import Problem, ScenarioError

Kind = Literal[
    "arrival",  # checked in at a foresteria (the day they arrived)
    "departure",  # left (the day they left)
    "absent",  # away from that day on (ill, gone home) until a new arrival row
    "booking",  # a ride booked for a day
    "cancellation",  # a booking withdrawn
    "boarding",  # recorded on board by the driver (or a QR scan)
    "no_show",  # booked or expected, did not board
    "breakdown",  # a vehicle out of service that day
    "late_return",  # a vehicle back late
    "day_plan",  # a day run published (note: its manifest sha256)
    "intake_plan",  # a housing intake re-plan published (note: its manifest sha256)
    "move_request",  # a housed person asks to move (origin: the foresteria asked for, or "")
]
KINDS: tuple[str, ...] = get_args(Kind)
Leg = Literal["", "out", "back", "round"]
BookedBy = Literal["", "worker", "farm"]

GENESIS = "0" * 64
SCHEMA_VERSION = 2


@dataclass(frozen=True, kw_only=True)
class Event:
    """One fact as recorded. Empty strings for what does not apply (standard SQL, no NULLs)."""

    kind: Kind
    day: date
    worker_id: str = ""
    farm_id: str = ""
    vehicle_id: str = ""
    origin: str = ""  # bookings: where they board; move requests: the foresteria asked for
    leg: Leg = ""
    booked_by: BookedBy = ""
    at_time: str = ""  # HH:MM when known (boardings, scans)
    note: str = ""  # day plans: manifest sha256; incidents: a short note
    source: str = ""  # file:row it came from, or the command that wrote it


EVENT_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Event))


@dataclass(frozen=True, kw_only=True)
class Row:
    seq: int
    event: Event
    prev_hash: str
    hash: str


def row_hash(seq: int, prev_hash: str, event: Event) -> str:
    """sha256 of the canonical JSON of (seq, previous hash, every field): the chain link."""
    values = [seq, prev_hash, *(_cell(event, c) for c in EVENT_COLUMNS)]
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _cell(event: Event, column: str) -> str:
    value = getattr(event, column)
    return value.isoformat() if isinstance(value, date) else str(value)


# ------------------------------------------------------------------ SQL dialects and migrations


@dataclass(frozen=True, kw_only=True)
class Dialect:
    """What differs between database engines; everything else is standard SQL."""

    name: str
    placeholder: str  # "?" (sqlite3) or "%s" (psycopg)
    begin_append: str  # start a transaction that serialises appenders
    has_table: str  # one placeholder: the table name; returns a count
    migrations: tuple[tuple[int, tuple[str, ...]], ...]  # (version, statements), ascending


_TABLES = (
    "CREATE TABLE ledger_meta (key VARCHAR(64) PRIMARY KEY, value VARCHAR(256) NOT NULL)",
    "CREATE TABLE ledger_events ("
    " seq INTEGER PRIMARY KEY, kind VARCHAR(16) NOT NULL, day CHAR(10) NOT NULL,"
    " worker_id VARCHAR(64) NOT NULL, farm_id VARCHAR(64) NOT NULL,"
    " vehicle_id VARCHAR(64) NOT NULL, origin VARCHAR(64) NOT NULL, leg VARCHAR(8) NOT NULL,"
    " booked_by VARCHAR(8) NOT NULL, at_time VARCHAR(5) NOT NULL, note VARCHAR(256) NOT NULL,"
    " source VARCHAR(256) NOT NULL, prev_hash CHAR(64) NOT NULL, hash CHAR(64) NOT NULL UNIQUE)",
)

SQLITE = Dialect(
    name="sqlite",
    placeholder="?",
    begin_append="BEGIN IMMEDIATE",
    has_table="SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
    migrations=(
        (1, _TABLES),
        (
            2,
            (
                "CREATE INDEX ledger_events_day ON ledger_events (day, kind)",
                # Append-only in the database too: an UPDATE or DELETE needs the triggers dropped
                # first, and the hash chain still shows it.
                "CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger_events "
                "BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END",
                "CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger_events "
                "BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END",
            ),
        ),
    ),
)


class LedgerError(ScenarioError):
    """A ledger that cannot be opened or written (bad input: one line, exit 2)."""


def _err(path: str, message: str, field: str = "ledger") -> LedgerError:
    return LedgerError([Problem(path, None, field, message)])


class Ledger:
    """One season's ledger. `Ledger.open(path, season=...)` creates or migrates it."""

    def __init__(self, conn: Any, dialect: Dialect, label: str):
        self._conn = conn
        self.dialect = dialect
        self.label = label

    # ---------------------------------------------------------------- opening

    @classmethod
    def open(cls, path: Path, season: dict[str, str] | None = None) -> Ledger:
        """Open (or, with `season`, create) the SQLite ledger at `path` and migrate it.

        `season` ({"name", "run_manifest_sha256"}) binds a new ledger to its season run; an
        existing ledger bound to another season run is refused."""
        if not path.exists() and season is None:
            raise _err(str(path), "no such ledger (create it with `foresterie ledger init RUN`)")
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=30.0)
            conn.execute("PRAGMA journal_mode=WAL")
        except sqlite3.Error as exc:
            raise _err(str(path), f"not a SQLite database: {exc}") from None
        led = cls(conn, SQLITE, str(path))
        try:
            led._migrate()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise _err(str(path), f"not a ledger: {exc}") from None
        if season is not None:
            led._bind(season)
        return led

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _sql(self, sql: str) -> str:
        return (
            sql if self.dialect.placeholder == "?" else sql.replace("?", self.dialect.placeholder)
        )

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self._conn.execute(self._sql(sql), tuple(params)).fetchall())

    @contextmanager
    def _transaction(self, begin: str = "BEGIN") -> Iterator[None]:
        self._conn.execute(begin)
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def schema_version(self) -> int:
        have = self._query(self.dialect.has_table, ("ledger_meta",))
        if not have[0][0]:
            return 0
        rows = self._query("SELECT value FROM ledger_meta WHERE key = 'schema_version'")
        return int(rows[0][0]) if rows else 0

    def _migrate(self) -> None:
        """Apply every migration above the database's schema version, each in a transaction."""
        with self._transaction(self.dialect.begin_append):
            current = self.schema_version()
            if current > SCHEMA_VERSION:
                raise _err(
                    self.label,
                    f"schema version {current} is newer than this foresterie ({SCHEMA_VERSION})",
                    "schema_version",
                )
            for version, statements in self.dialect.migrations:
                if version <= current:
                    continue
                for stmt in statements:
                    self._conn.execute(stmt)
                self._set_meta("schema_version", str(version))

    def _set_meta(self, key: str, value: str) -> None:
        self._conn.execute(self._sql("DELETE FROM ledger_meta WHERE key = ?"), (key,))
        self._conn.execute(
            self._sql("INSERT INTO ledger_meta (key, value) VALUES (?, ?)"), (key, value)
        )

    def meta(self) -> dict[str, str]:
        return {k: v for k, v in self._query("SELECT key, value FROM ledger_meta ORDER BY key")}

    def _bind(self, season: dict[str, str]) -> None:
        with self._transaction(self.dialect.begin_append):
            have = self.meta()
            if "season_run" in have and have["season_run"] != season["run_manifest_sha256"]:
                raise _err(
                    self.label,
                    f"belongs to another season run (manifest {have['season_run'][:12]}), "
                    f"not {season['run_manifest_sha256'][:12]}",
                    "season_run",
                )
            if "season_run" not in have:
                self._set_meta("season_run", season["run_manifest_sha256"])
                self._set_meta("season_name", season["name"])
                self._set_meta("rows", "0")
                self._set_meta("head", GENESIS)

    # ---------------------------------------------------------------- writing and reading

    def append(self, events: Iterable[Event]) -> list[Row]:
        """Append all events in one transaction (all or nothing), chained to the current head."""
        events = list(events)
        with self._transaction(self.dialect.begin_append):
            last = self._query("SELECT seq, hash FROM ledger_events ORDER BY seq DESC LIMIT 1")
            seq, prev = (int(last[0][0]), str(last[0][1])) if last else (0, GENESIS)
            placeholders = ", ".join("?" for _ in range(len(EVENT_COLUMNS) + 3))
            insert = self._sql(
                f"INSERT INTO ledger_events (seq, {', '.join(EVENT_COLUMNS)}, prev_hash, hash) "
                f"VALUES ({placeholders})"
            )
            rows = []
            for ev in events:
                seq += 1
                h = row_hash(seq, prev, ev)
                self._conn.execute(insert, (seq, *(_cell(ev, c) for c in EVENT_COLUMNS), prev, h))
                rows.append(Row(seq=seq, event=ev, prev_hash=prev, hash=h))
                prev = h
            self._set_meta("rows", str(seq))
            self._set_meta("head", prev)
        return rows

    def rows(self) -> list[Row]:
        cols = ", ".join(EVENT_COLUMNS)
        out = []
        for r in self._query(
            f"SELECT seq, {cols}, prev_hash, hash FROM ledger_events ORDER BY seq"
        ):
            values = dict(zip(EVENT_COLUMNS, r[1:-2], strict=True))
            values["day"] = date.fromisoformat(values["day"])
            out.append(
                Row(seq=int(r[0]), event=Event(**values), prev_hash=str(r[-2]), hash=str(r[-1]))
            )
        return out

    def events(self) -> list[Event]:
        return [r.event for r in self.rows()]

    def accepts(self, run_manifest_sha256: str) -> bool:
        """Is this the ledger's season run, or an intake re-plan recorded in it?"""
        if self.meta().get("season_run") == run_manifest_sha256:
            return True
        rows = self._query(
            "SELECT COUNT(*) FROM ledger_events WHERE kind = 'intake_plan' AND note = ?",
            (run_manifest_sha256,),
        )
        return bool(rows[0][0])

    def head(self) -> tuple[int, str]:
        last = self._query("SELECT seq, hash FROM ledger_events ORDER BY seq DESC LIMIT 1")
        return (int(last[0][0]), str(last[0][1])) if last else (0, GENESIS)

    def verify(self) -> list[str]:
        """Every break in the chain: an edited row (its hash no longer matches its content), a
        deleted row (a gap in seq, or a link to a row that is not the one before), a reordered
        row (links out of order), or rows missing at the end (fewer than the recorded count)."""
        problems = []
        prev_seq, prev_hash = 0, GENESIS
        for r in self.rows():
            if r.seq != prev_seq + 1:
                problems.append(
                    f"row {r.seq}: rows {prev_seq + 1}..{r.seq - 1} are missing (deleted)"
                )
            if r.hash != row_hash(r.seq, r.prev_hash, r.event):
                problems.append(f"row {r.seq}: content does not match its hash (edited)")
            if r.prev_hash != prev_hash:
                problems.append(
                    f"row {r.seq}: does not link to row {prev_seq} (reordered, deleted or edited)"
                )
            prev_seq, prev_hash = r.seq, r.hash
        meta = self.meta()
        rows, head = int(meta.get("rows", "0")), meta.get("head", GENESIS)
        if rows > prev_seq:
            problems.append(f"rows {prev_seq + 1}..{rows} are missing at the end (deleted)")
        elif (rows, head) != (prev_seq, prev_hash):
            problems.append(f"the recorded head (row {rows}) is not the last row ({prev_seq})")
        return problems


def ledger_path(run: Path) -> Path:
    """The default ledger of a season run: beside it, so replacing the run keeps the ledger."""
    return run.parent / f"{run.name}.ledger.sqlite"
