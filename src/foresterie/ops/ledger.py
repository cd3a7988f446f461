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
same code runs on PostgreSQL (several offices on one ledger, issue #20): `Ledger.open` takes a
`postgresql://` URL as well as a file. The URL's password is never shown or recorded
(`redact_url`): labels, messages and run folders carry the URL with `***` in its place.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import unquote

from foresterie.core.errors import LedgerUnavailable, Problem, ScenarioError

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
    "purge",  # worker-level rows dated before `day` purged (README, "Retention")
    "move_request",  # a housed person asks to move (origin: the foresteria asked for, or "")
    "file_import",  # a file imported (note: its content sha256; source: name, time, rows)
    "heat_alert",  # the ordinance's heat alert for a day (note: "declared" or "lifted")
]
KINDS: tuple[str, ...] = get_args(Kind)
Leg = Literal["", "out", "back", "round"]
BookedBy = Literal["", "worker", "farm"]

GENESIS = "0" * 64
SCHEMA_VERSION = 3
LEDGER_URL_ENV = "FORESTERIE_LEDGER_URL"  # the ledger when no --ledger is given (a URL or a file)
URL_SCHEMES = ("postgresql", "postgres")
LOCK_WAIT_S = 30  # how long an append waits for another writer before giving up


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
# the note of a move request made knowing the foresteria asked for may have no ride to work for
# them (a checkins row `move_without_ride`): an intake makes it even where it costs them rides
WITHOUT_RIDE = "without_ride"


@dataclass(frozen=True, kw_only=True)
class Row:
    seq: int
    event: Event
    prev_hash: str
    hash: str
    payload_hash: str = ""  # set only once the row's payload is purged (README, "Retention")


@dataclass(frozen=True, kw_only=True)
class ImportedFile:
    """One file of a `ledger import`: its events, the sha256 of its bytes, and when it was read
    (UTC, YYYY-MM-DDTHH:MMZ: what a refusal of the same file says later). Its record's day is
    the latest of its events' days (an import file has at least one row), so the record never
    moves the ledger's last day (the monitor's default day)."""

    name: str
    sha256: str
    events: list[Event]
    when: str


# What a purge keeps of a row: its kind and day (so counts per kind and day survive); the rest is
# the payload, covered by the row's hash through its own sha256 (schema 3).
KEPT_COLUMNS = ("kind", "day")
PAYLOAD_COLUMNS = tuple(c for c in EVENT_COLUMNS if c not in KEPT_COLUMNS)


def _sha_json(values: list[Any]) -> str:
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def payload_hash(event: Event) -> str:
    return _sha_json([_cell(event, c) for c in PAYLOAD_COLUMNS])


def link_hash(seq: int, prev_hash: str, kind: str, day: str, payload: str) -> str:
    """sha256 of the canonical JSON of (seq, previous hash, kind, day, payload hash)."""
    return _sha_json([seq, prev_hash, kind, day, payload])


def row_hash(seq: int, prev_hash: str, event: Event) -> str:
    """The chain link of a row (schema 3): its seq, the previous row's hash, its kind and day,
    and the sha256 of its payload, so a purged row (payload gone, payload hash kept) still
    links and still proves its kind and day."""
    return link_hash(seq, prev_hash, event.kind, event.day.isoformat(), payload_hash(event))


def legacy_row_hash(seq: int, prev_hash: str, event: Event) -> str:
    """Rows written before schema 3: sha256 of (seq, previous hash, every field)."""
    return _sha_json([seq, prev_hash, *(_cell(event, c) for c in EVENT_COLUMNS)])


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
    lock_append: str = ""  # run right after begin_append where beginning alone does not lock
    begin_read: str = "BEGIN"  # a read transaction: one consistent snapshot (verify)
    # Purge (README, "Retention"): lift and restore the append-only guard inside the purge's
    # transaction, and afterwards leave no trace of the old payloads in the database files.
    unlock: tuple[str, ...] = ()
    lock: tuple[str, ...] = ()
    compact: tuple[str, ...] = ()


_TABLES = (
    "CREATE TABLE ledger_meta (key VARCHAR(64) PRIMARY KEY, value VARCHAR(256) NOT NULL)",
    "CREATE TABLE ledger_events ("
    " seq INTEGER PRIMARY KEY, kind VARCHAR(16) NOT NULL, day CHAR(10) NOT NULL,"
    " worker_id VARCHAR(64) NOT NULL, farm_id VARCHAR(64) NOT NULL,"
    " vehicle_id VARCHAR(64) NOT NULL, origin VARCHAR(64) NOT NULL, leg VARCHAR(8) NOT NULL,"
    " booked_by VARCHAR(8) NOT NULL, at_time VARCHAR(5) NOT NULL, note VARCHAR(256) NOT NULL,"
    " source VARCHAR(256) NOT NULL, prev_hash CHAR(64) NOT NULL, hash CHAR(64) NOT NULL UNIQUE)",
)

_NO_UPDATE = (
    "CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger_events "
    "BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END"
)
_NO_DELETE = (
    "CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger_events "
    "BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END"
)
# Schema 3 (standard SQL; PostgreSQL takes the same statements; VARCHAR: a CHAR pads with blanks
# on PostgreSQL, so an empty hash would read back as 64 spaces): the payload hash of
# purged rows, and the first row hashed the schema-3 way (earlier rows keep their hash).
SCHEMA_3 = (
    "ALTER TABLE ledger_events ADD COLUMN payload_hash VARCHAR(64) NOT NULL DEFAULT ''",
    "INSERT INTO ledger_meta (key, value) SELECT 'hash_v3_from', "
    "CAST(COALESCE(MAX(seq), 0) + 1 AS VARCHAR(16)) FROM ledger_events",
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
                _NO_UPDATE,
                _NO_DELETE,
            ),
        ),
        (3, SCHEMA_3),
    ),
    unlock=("DROP TRIGGER ledger_no_update", "DROP TRIGGER ledger_no_delete"),
    lock=(_NO_UPDATE, _NO_DELETE),
    # Zero freed pages, fold the write-ahead log back and empty it, rebuild the file.
    compact=("PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"),
)


# PostgreSQL: appenders are serialised by a transaction-scoped advisory lock taken first thing in
# every writing transaction (migrations, binding, appends), at READ COMMITTED. Why this and not
# LOCK TABLE ... IN EXCLUSIVE MODE: the lock must also cover the migrations, which run before the
# table exists, and the ledger_meta head; and why not SERIALIZABLE: every append reads the chain
# head, so concurrent appends would all conflict and retry (the lock queues them instead, no
# work wasted). The lock is released at COMMIT or ROLLBACK, after the commit is visible, so the
# next holder's first SELECT (a fresh snapshot at READ COMMITTED) sees the new head. A writer
# that ignores the lock still cannot fork the chain: `seq` is the primary key and `hash` unique,
# so its insert of an already-used seq fails. The key is one constant per database.
ADVISORY_LOCK_KEY = 0x666F72657374  # "forest"

POSTGRES = Dialect(
    name="postgresql",
    placeholder="%s",
    begin_append="BEGIN ISOLATION LEVEL READ COMMITTED",
    lock_append=f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})",
    begin_read="BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    has_table="SELECT COUNT(*) FROM information_schema.tables"
    " WHERE table_schema = current_schema() AND table_name = ?",
    migrations=(
        (1, _TABLES),
        (
            2,
            (
                "CREATE INDEX ledger_events_day ON ledger_events (day, kind)",
                # Append-only in the database too (as on SQLite), and TRUNCATE, which skips row
                # triggers, as well.
                "CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $$",
                "CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger_events "
                "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()",
                "CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger_events "
                "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()",
                "CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger_events "
                "FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()",
            ),
        ),
        (3, SCHEMA_3),
    ),
    # Purge: only the table's owner may lift the guard (an office account cannot).
    unlock=(
        "ALTER TABLE ledger_events DISABLE TRIGGER ledger_no_update",
        "ALTER TABLE ledger_events DISABLE TRIGGER ledger_no_delete",
    ),
    lock=(
        "ALTER TABLE ledger_events ENABLE TRIGGER ledger_no_update",
        "ALTER TABLE ledger_events ENABLE TRIGGER ledger_no_delete",
    ),
    # Rewrite the table, and re-sample its planner statistics from what is left: pg_statistic
    # keeps a column's most common values and histogram as sampled by the last ANALYZE (by
    # autovacuum, before the purge), every account with SELECT on the table reads them through
    # pg_stats, and VACUUM FULL alone does not refresh them.
    compact=("VACUUM FULL ANALYZE ledger_events", "VACUUM FULL ledger_meta"),
)


def is_url(target: str | Path) -> bool:
    """A PostgreSQL connection URL (anything else is a SQLite file)."""
    return isinstance(target, str) and target.split("://", 1)[0].lower() in URL_SCHEMES


def _split(url: str) -> tuple[str, str, str, str]:
    """(scheme, userinfo, rest of the authority and path, query) of a URL, with no decoding."""
    scheme, _, rest = url.partition("://")
    ends = [i for i in (rest.find("/"), rest.find("?")) if i >= 0]
    authority, tail = (rest[: min(ends)], rest[min(ends) :]) if ends else (rest, "")
    userinfo, at, hostinfo = authority.rpartition("@")
    path, _, query = tail.partition("?")
    return scheme, userinfo if at else "", (hostinfo if at else authority) + path, query


def _join(scheme: str, userinfo: str, hostpath: str, query: list[str]) -> str:
    user = f"{userinfo}@" if userinfo else ""
    return f"{scheme}://{user}{hostpath}" + ("?" + "&".join(query) if query else "")


def _is_password(item: str) -> bool:
    key, eq, _ = item.partition("=")
    return bool(eq) and unquote(key).strip().lower() == "password"


def redact_url(url: str) -> str:
    """The URL as it may be shown and recorded: its password (in the user part or a `password=`
    parameter) replaced by `***`; the rest (user, host, port, database, options) kept."""
    if "://" not in url:
        return url
    scheme, userinfo, hostpath, query = _split(url)
    if ":" in userinfo:
        userinfo = userinfo.split(":", 1)[0] + ":***"
    items = [f"{i.partition('=')[0]}=***" if _is_password(i) else i for i in query.split("&")]
    return _join(scheme, userinfo, hostpath, [i for i in items if i])


def reopenable_url(url: str) -> str:
    """A redacted URL read back from a run folder, made usable again: the `***` password left
    out, so that libpq takes the password from PGPASSWORD or ~/.pgpass as usual."""
    scheme, userinfo, hostpath, query = _split(url)
    userinfo = userinfo.removesuffix(":***")
    items = [i for i in query.split("&") if i and not (_is_password(i) and i.endswith("=***"))]
    return _join(scheme, userinfo, hostpath, items)


def _passwords(url: str) -> list[str]:
    """Every spelling of the password(s) in a URL, raw and percent-decoded, longest first."""
    _, userinfo, _, query = _split(url)
    found = {userinfo.split(":", 1)[1]} if ":" in userinfo else set()
    found |= {i.partition("=")[2] for i in query.split("&") if _is_password(i)}
    found |= {unquote(p) for p in found}
    return sorted((p for p in found if p), key=len, reverse=True)


def _scrub(message: object, url: str) -> str:
    """A driver's message as one line with no password in it (where it stands on its own: a
    password `x` leaves "exist" alone)."""
    text = " ".join(str(message).split())
    for secret in _passwords(url):
        text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", "***", text)
    return text


class _Postgres:
    """A psycopg connection that speaks like sqlite3's (execute returns a cursor), and turns a
    lost server or a lock held too long into LedgerUnavailable (one line, exit 4)."""

    def __init__(self, conn: Any, url: str):
        self._conn = conn
        self._url = url

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._unavailable():
            return self._conn.execute(sql, tuple(params) or None)

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        """All rows in one pipeline (psycopg), not one round trip each: an office's import of
        a few hundred rows over a slow link."""
        with self._unavailable(), self._conn.cursor() as cur:
            cur.executemany(sql, params)

    @contextmanager
    def _unavailable(self) -> Iterator[None]:
        import psycopg

        try:
            yield
        except psycopg.errors.LockNotAvailable:
            raise LedgerUnavailable(
                redact_url(self._url),
                f"another writer has held the ledger for over {LOCK_WAIT_S} s; nothing written",
            ) from None
        except psycopg.OperationalError as exc:
            raise LedgerUnavailable(redact_url(self._url), _scrub(exc, self._url)) from None

    def close(self) -> None:
        self._conn.close()


class _Sqlite:
    """A sqlite3 connection whose errors are said in one line: a database still locked by
    another writer after the timeout is LedgerUnavailable (exit 4, try again); any other (a
    table dropped, a page damaged, a file that is no database) a LedgerError naming the file
    (exit 2). A ledger file is one a case worker can copy, or a forger edit."""

    def __init__(self, conn: sqlite3.Connection, label: str):
        self._conn = conn
        self._label = label

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise LedgerUnavailable(
                    self._label, "another writer has held the ledger for over 30 s; nothing written"
                ) from None
            raise _err(self._label, f"not a ledger, or a damaged one: {exc}") from None
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.IntegrityError) and "append-only" in str(exc):
                raise  # the ledger's own trigger (a bug if we ever trip it)
            raise _err(self._label, f"not a ledger, or a damaged one: {exc}") from None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._errors():
            return self._conn.execute(sql, tuple(params))

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        with self._errors():
            self._conn.executemany(sql, params)

    def close(self) -> None:
        self._conn.close()


class LedgerError(ScenarioError):
    """A ledger that cannot be opened or written (bad input: one line, exit 2)."""


class _Edited(LedgerError):
    """A value in the ledger that foresterie never writes (a day that is no day, a count that
    is no number): an edit made outside it, a violation for `ledger verify`."""


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
    def open(cls, target: Path | str, season: dict[str, str] | None = None) -> Ledger:
        """Open (or, with `season`, create) the ledger at `target` and migrate it: a SQLite file,
        or a database named by a `postgresql://` URL.

        `season` ({"name", "run_manifest_sha256"}) binds a new ledger to its season run; an
        existing ledger bound to another season run is refused."""
        if is_url(target):
            return cls._open_postgres(str(target), season)
        if isinstance(target, str) and "://" in target:
            raise _err(redact_url(target), "not a ledger: a file, or a postgresql:// URL")
        path = Path(target)
        if not path.exists() and season is None:
            raise _err(str(path), "no such ledger (create it with `foresterie ledger init RUN`)")
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=30.0)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA secure_delete=ON")  # freed pages are zeroed (purge)
        except sqlite3.Error as exc:
            raise _err(str(path), f"not a SQLite database: {exc}") from None
        led = cls(_Sqlite(conn, str(path)), SQLITE, str(path))
        try:
            led._migrate()
        except BaseException:  # not a ledger, a damaged one, or locked: said by _Sqlite
            conn.close()
            raise
        if season is not None:
            try:
                led._bind(season)
            except BaseException:
                conn.close()
                raise
        return led

    @classmethod
    def _open_postgres(cls, url: str, season: dict[str, str] | None) -> Ledger:
        """Connect (autocommit: the transactions below are explicit, as on SQLite), migrate."""
        import psycopg
        from psycopg.conninfo import conninfo_to_dict

        label = redact_url(url)
        try:
            params = conninfo_to_dict(url)
        except psycopg.Error as exc:
            raise _err(label, f"not a valid PostgreSQL URL: {_scrub(exc, url)}") from None
        timeout: dict[str, Any] = {} if "connect_timeout" in params else {"connect_timeout": 10}
        try:
            raw = psycopg.connect(url, autocommit=True, **timeout)
        except psycopg.OperationalError as exc:
            raise LedgerUnavailable(label, _scrub(exc, url)) from None
        except psycopg.Error as exc:  # e.g. an unknown option in the URL
            raise _err(label, f"not a valid PostgreSQL URL: {_scrub(exc, url)}") from None
        conn = _Postgres(raw, url)
        led = cls(conn, POSTGRES, label)
        try:
            conn.execute(f"SET lock_timeout = '{LOCK_WAIT_S}s'")
            if season is None and led.schema_version() == 0:
                raise _err(
                    label, "no ledger in this database (create it with `foresterie ledger init`)"
                )
            led._migrate()
            if season is not None:
                led._bind(season)
        except psycopg.Error as exc:
            conn.close()
            raise _err(label, f"not a ledger: {_scrub(exc, url)}") from None
        except BaseException:
            conn.close()
            raise
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
            if begin == self.dialect.begin_append and self.dialect.lock_append:
                self._conn.execute(self.dialect.lock_append)  # PostgreSQL: the advisory lock
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
        return (
            self._meta_count({"schema_version": rows[0][0]}, "schema_version", "0") if rows else 0
        )

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
            return self._insert(events)

    def _import_rows(self) -> list[Row]:
        cols = ", ".join(EVENT_COLUMNS)
        found = self._query(
            f"SELECT seq, {cols} FROM ledger_events WHERE kind = 'file_import' ORDER BY seq"
        )
        out = []
        for r in found:
            values = dict(zip(EVENT_COLUMNS, r[1:], strict=True))
            values["day"] = self._day(int(r[0]), values["day"])
            out.append(Row(seq=int(r[0]), event=Event(**values), prev_hash="", hash=""))
        return out

    def append_files(self, files: list[ImportedFile], again: bool = False) -> list[Row]:
        """Append the events of imported files and a `file_import` row for each (its content's
        sha256, name, time, rows), in one transaction: a file whose content this ledger already
        took (or that repeats another file of the same import) is refused, nothing written,
        unless `again` (then the row says "imported again")."""
        with self._transaction(self.dialect.begin_append):
            before = {r.event.note: r for r in self._import_rows()}  # the latest of each
            seen: dict[str, str] = {}
            probs = []
            for f in files:
                if again:
                    continue
                if f.sha256 in before:
                    r = before[f.sha256]
                    probs.append(
                        Problem(
                            f.name,
                            None,
                            "file",
                            f"already imported into this ledger ({r.event.source}; ledger row "
                            f"{r.seq}, same content); to import it again, add --again",
                        )
                    )
                elif f.sha256 in seen:
                    probs.append(
                        Problem(
                            f.name,
                            None,
                            "file",
                            f"same content as {seen[f.sha256]} in this import; "
                            "to import both, add --again",
                        )
                    )
                seen.setdefault(f.sha256, f.name)
            if probs:
                raise ScenarioError(probs)
            events: list[Event] = []
            for f in files:
                events += f.events
                taken = "imported again" if again and f.sha256 in before else "imported"
                events.append(
                    Event(
                        kind="file_import",
                        day=max(ev.day for ev in f.events),
                        note=f.sha256,
                        source=f"{f.name[:120]} {taken} {f.when}, {_rows(len(f.events))}",
                    )
                )
            return self._insert(events)

    def _insert(self, events: list[Event]) -> list[Row]:
        """Chain and insert events inside the caller's append transaction (one executemany: one
        pipeline on PostgreSQL, not a round trip per row). Never after a tail that is not the
        recorded head: appending would record a new head over rows deleted at the end, and
        `ledger verify` could no longer tell (review 14). Edits inside the chain stay broken
        links whatever follows them; what plans from the ledger refuses them (`snapshot`)."""
        last = self._query("SELECT seq, hash FROM ledger_events ORDER BY seq DESC LIMIT 1")
        seq, prev = (int(last[0][0]), str(last[0][1])) if last else (0, GENESIS)
        meta = self.meta()
        count = self._meta_count(meta, "rows", "0")
        tail = _tail_break(count, meta.get("head", GENESIS), seq, prev)
        if tail:
            raise _err(
                self.label,
                f"{tail}: the hash chain is broken, nothing was written; `foresterie ledger "
                "verify` lists every break",
                "chain",
            )
        placeholders = ", ".join("?" for _ in range(len(EVENT_COLUMNS) + 3))
        insert = self._sql(
            f"INSERT INTO ledger_events (seq, {', '.join(EVENT_COLUMNS)}, prev_hash, hash) "
            f"VALUES ({placeholders})"
        )
        rows, values = [], []
        for ev in events:
            seq += 1
            h = row_hash(seq, prev, ev)
            values.append((seq, *(_cell(ev, c) for c in EVENT_COLUMNS), prev, h))
            rows.append(Row(seq=seq, event=ev, prev_hash=prev, hash=h))
            prev = h
        if values:
            self._conn.executemany(insert, values)
        self._set_meta("rows", str(seq))
        self._set_meta("head", prev)
        return rows

    def rows(self) -> list[Row]:
        cols = ", ".join(EVENT_COLUMNS)
        out = []
        for r in self._query(
            f"SELECT seq, {cols}, prev_hash, hash, payload_hash FROM ledger_events ORDER BY seq"
        ):
            values = dict(zip(EVENT_COLUMNS, r[1:-3], strict=True))
            values["day"] = self._day(int(r[0]), values["day"])
            out.append(
                Row(
                    seq=int(r[0]),
                    event=Event(**values),
                    prev_hash=str(r[-3]),
                    hash=str(r[-2]),
                    payload_hash=str(r[-1]),
                )
            )
        return out

    def _day(self, seq: int, value: Any) -> date:
        """A row's day as stored: anything else is an edit made outside foresterie."""
        if isinstance(value, date):  # PostgreSQL may give a date
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            msg = f"{str(value)[:40]!r} is not a date YYYY-MM-DD (edited outside foresterie)"
            raise _Edited([Problem(self.label, seq, "day", msg)]) from None

    def _meta_count(self, meta: dict[str, str], key: str, default: str) -> int:
        value = meta.get(key, default)
        if not re.fullmatch(r"[0-9]{1,18}", str(value)):
            msg = f"{str(value)[:40]!r} is not a whole number (edited outside foresterie)"
            raise _Edited([Problem(self.label, None, f"meta {key}", msg)])
        return int(value)

    def events(self) -> list[Event]:
        """What happened, as recorded; purged rows (no payload left) are not events any more."""
        return [r.event for r in self.rows() if not r.payload_hash]

    def snapshot(self) -> tuple[list[Event], int, str]:
        """The events and the head (seq, hash) they end at, from one read: other offices may
        append between two calls of events() and head(), never inside one query."""
        with self._transaction(self.dialect.begin_read):
            rows, meta = self.rows(), self.meta()
        self._intact(rows, meta)
        seq, head = (rows[-1].seq, rows[-1].hash) if rows else (0, GENESIS)
        return [r.event for r in rows], seq, head

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
        try:
            with self._transaction(self.dialect.begin_read):  # rows and head from one snapshot
                rows, meta = self.rows(), self.meta()
            return self._breaks(rows, meta)
        except _Edited as exc:  # a day or a count no foresterie wrote: an edit
            return [_edit_text(exc)]

    def _intact(self, rows: list[Row], meta: dict[str, str]) -> None:
        """Refuse to act on a broken chain (review 14): `day`, `intake`, `monitor` read the
        ledger through `snapshot`, so none of them plans from edited or deleted rows (and so
        none appends after them: an append after a deleted tail rewrote the recorded head, and
        `ledger verify` then said "chain intact"; `_insert` refuses that too)."""
        try:
            problems = self._breaks(rows, meta)
        except _Edited as exc:
            problems = [_edit_text(exc)]
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise _err(
                self.label,
                f"{problems[0]}{more}: the hash chain is broken, nothing was read or written; "
                "`foresterie ledger verify` lists every break",
                "chain",
            )

    def _breaks(self, rows: list[Row], meta: dict[str, str]) -> list[str]:
        problems = []
        prev_seq, prev_hash = 0, GENESIS
        v3_from = self._meta_count(meta, "hash_v3_from", "1")
        count = self._meta_count(meta, "rows", "0")
        for r in rows:
            if r.seq != prev_seq + 1:
                problems.append(
                    f"row {r.seq}: rows {prev_seq + 1}..{r.seq - 1} are missing (deleted)"
                )
            if r.payload_hash:  # purged: the payload is gone, its hash still links the row
                kept = link_hash(
                    r.seq, r.prev_hash, r.event.kind, r.event.day.isoformat(), r.payload_hash
                )
                if r.hash != kept or any(_cell(r.event, c) for c in PAYLOAD_COLUMNS):
                    problems.append(f"row {r.seq}: purged row does not match its hash (edited)")
            elif r.hash != (row_hash if r.seq >= v3_from else legacy_row_hash)(
                r.seq, r.prev_hash, r.event
            ):
                problems.append(f"row {r.seq}: content does not match its hash (edited)")
            if r.prev_hash != prev_hash:
                problems.append(
                    f"row {r.seq}: does not link to row {prev_seq} (reordered, deleted or edited)"
                )
            prev_seq, prev_hash = r.seq, r.hash
        tail = _tail_break(count, meta.get("head", GENESIS), prev_seq, prev_hash)
        return problems + ([tail] if tail else [])


def _tail_break(count: int, head: str, last_seq: int, last_hash: str) -> str | None:
    """The break between the recorded head (its row count and hash) and the chain's last row:
    rows deleted at the end, or a head that is not the last row; None when they agree."""
    if count > last_seq:
        return f"rows {last_seq + 1}..{count} are missing at the end (deleted)"
    if (count, head) != (last_seq, last_hash):
        return f"the recorded head (row {count}) is not the last row ({last_seq})"
    return None


def _edit_text(exc: LedgerError) -> str:
    """An edit made outside foresterie (a value it never writes), as `ledger verify` says it."""
    p = exc.problems[0]
    return f"row {p.row}: {p.field}: {p.message}" if p.row else f"{p.field}: {p.message}"


def purge_before(
    led: Ledger,
    before: date,
    source: str = "foresterie purge",
    workers: Iterable[str] | None = None,
) -> int:
    """Purge the payload of every worker-level row dated before `before` (README, "Retention";
    with `workers`, only the rows of those people: a season still running keeps everyone else's):
    the row keeps seq, kind, day, its links and the sha256 of its payload, so `ledger verify`
    still checks the whole chain; a `purge` row records it; then the database is compacted so
    no old payload survives in its files. Refuses when the chain is already broken. Returns the
    number of rows purged."""
    problems = led.verify()
    if problems:
        raise _err(led.label, f"chain broken, nothing purged: {problems[0]}")
    v3_from = led._meta_count(led.meta(), "hash_v3_from", "1")
    only = set(workers) if workers is not None else None
    rows = [
        r
        for r in led.rows()
        if r.event.worker_id
        and r.event.day < before
        and not r.payload_hash
        and (only is None or r.event.worker_id in only)
    ]
    old = [r.seq for r in rows if r.seq < v3_from]
    if old:
        raise _err(
            led.label,
            f"row {old[0]} predates schema 3 (its hash covers the whole row): it cannot be "
            "purged without breaking the chain",
        )
    blank = ", ".join(f"{c} = ''" for c in PAYLOAD_COLUMNS)
    update = led._sql(f"UPDATE ledger_events SET {blank}, payload_hash = ? WHERE seq = ?")
    d = led.dialect
    with led._transaction(d.begin_append):
        for stmt in d.unlock:
            led._conn.execute(stmt)
        for r in rows:
            led._conn.execute(update, (payload_hash(r.event), r.seq))
        for stmt in d.lock:
            led._conn.execute(stmt)
        led._insert(
            [
                Event(
                    kind="purge",
                    day=before,
                    note=f"{len(rows)} worker-level rows dated before {before} purged"
                    + ("" if only is None else f" ({len(only)} people whose stay had ended)"),
                    source=source,
                )
            ]
        )
    for stmt in d.compact:
        led._conn.execute(stmt)
    return len(rows)


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def ledger_path(run: Path) -> Path:
    """The default ledger of a season run: beside it, so replacing the run keeps the ledger."""
    return run.parent / f"{run.name}.ledger.sqlite"
