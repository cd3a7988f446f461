"""CSV imports into the ledger, validated like scenarios: every problem as file:row: field:
message, and nothing is written unless the whole file is good.

A file's kind is told by its columns:

- check-ins: `date, worker_id, event` (arrival | departure | absent | move), optional
  `foresteria_id` (a move request: the foresteria asked for; empty: anywhere else the rules allow)
- bookings: `date, worker_id, action` (book | cancel), optional `leg` (out | back | round,
  default round), `farm_id` (default: the worker's farm), `origin` (a foresteria or a
  departure point id; default: where the worker sleeps, else their departure point), `booked_by` (worker | farm, default worker)
- boardings (a driver's list): `date, vehicle_id, worker_id, boarded` (yes | no), optional `leg`
  (out: the trip to the farms | back: the trip home; the lists foresterie prints carry it) and
  `time`; one row per worker, vehicle, day and leg
- QR scans: `worker_id, scanned_at` (YYYY-MM-DDTHH:MM[:SS], Puglia's clock; with a UTC offset
  or `Z`, read on Puglia's clock), optional `vehicle_id`
- incidents: `date, vehicle_id, incident` (breakdown | late_return), optional `note`
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from foresterie.core.errors import Problem, ScenarioError, row_ranges
from foresterie.ops.ledger import WITHOUT_RIDE, Event
from foresterie.scenario.csvfile import csv_header, near_misses, read_csv
from foresterie.scenario.load import date_problem, hhmm_hint, read_bool, read_day

# How `ledger import` is told a file's code page (README "Scenario format": never guessed).
DECLARE = "--encoding windows-1252"

FileKind = Literal["checkins", "bookings", "boardings", "scans", "incidents"]

FORMATS: dict[FileKind, tuple[str, ...]] = {
    "checkins": ("date", "worker_id", "event"),
    "bookings": ("date", "worker_id", "action"),
    "boardings": ("date", "vehicle_id", "worker_id", "boarded"),
    "scans": ("worker_id", "scanned_at"),
    "incidents": ("date", "vehicle_id", "incident"),
}
# Each format's optional columns: a header close to one the file lacks (`farm-id`, `orgin`) is
# refused in one line (scenario/csvfile.py, near_misses), not its data dropped on the quiet.
OPTIONAL: dict[FileKind, tuple[str, ...]] = {
    "checkins": ("foresteria_id",),
    "bookings": ("leg", "farm_id", "origin", "booked_by"),
    "boardings": ("leg", "time"),
    "scans": ("vehicle_id",),
    "incidents": ("note",),
}
MAX_NOTE = 200
MAX_NAME = 200  # characters of an import file's name: `NAME:ROW` fits the ledger's source column
# A scan's day and time as documented (`YYYY-MM-DDTHH:MM[:SS]`, a space for the T, fractions of a
# second and a UTC offset or Z as phone apps export them), ASCII digits: Python's fromisoformat
# alone also takes a day without a time (read as boarding at 00:00), an hour without minutes
# and the basic forms `20270706T0612` (session 20, S: I2).
_SCANNED_AT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)?",
    re.ASCII,
)
_DAY_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


@dataclass(frozen=True, kw_only=True)
class Season:
    """What an import is checked against: the season run's ids and dates."""

    start: date
    end: date
    workers: frozenset[str]
    farms: frozenset[str]
    vehicles: frozenset[str]
    foresterie: frozenset[str]
    pickups: frozenset[str] = frozenset()  # departure points
    # The plans' wall clock (`[scenario] timezone`, always Europe/Rome): a scan written with a
    # UTC offset (a phone app's `Z`) is read on it, its day included.
    timezone: str = "Europe/Rome"


def file_kind(path: Path, encoding: str = "utf-8") -> FileKind | None:
    """Which import a file is, by its header, read as spreadsheets save it (a boarding list
    filled in Italian Excel is semicolon-separated, in the code page declared: README
    "Scenario format")."""
    try:
        header = set(csv_header(path, path.name, office=True, encoding=encoding) or ())
    except OSError:  # read_events names the defect
        return None
    # the most specific format first: a boardings file also has the scans' worker_id
    for kind in ("boardings", "bookings", "checkins", "incidents", "scans"):
        if set(FORMATS[kind]) <= header:  # type: ignore[index]
            return kind  # type: ignore[return-value]
    return None


def read_events(path: Path, season: Season, encoding: str = "utf-8") -> list[Event]:
    """Every row of an import file as ledger events; ScenarioError listing every bad row.
    `encoding`: the code page the user declared for files that are not UTF-8."""
    how: dict[str, Any] = {
        "office": True,
        "encoding": encoding,
        "declare": DECLARE,
        "dates": ("date", "scanned_at"),  # Italian Excel's 07/07/2027 in a semicolon file
    }
    label = path.name
    if not path.is_file():
        why = "not a regular file" if path.exists() else "no such file"
        raise ScenarioError([Problem(str(path), None, "file", why)])
    if len(label) > MAX_NAME:  # each row records `NAME:ROW` (ledger `source`, VARCHAR(256))
        raise ScenarioError(
            [
                Problem(
                    label[:40] + "...",
                    None,
                    "file",
                    f"a file name of {len(label)} characters, more than {MAX_NAME} (the ledger "
                    "records it with each row): rename the file",
                )
            ]
        )
    kind = file_kind(path, encoding)
    if kind is None:
        probs: list[Problem] = []
        try:
            for _ in read_csv(path, label, (), probs, **how):  # encoding, empty: as scenarios
                break
        except csv.Error as exc:  # a header cell beyond the csv module's field limit
            probs.append(Problem(label, 1, "header", f"unreadable CSV: {exc}"))
        if probs:
            raise ScenarioError(probs[:1])
        typos = _misspelt_kind(path, encoding)
        if typos:
            raise ScenarioError(typos)
        formats = "; ".join(f"{k}: {', '.join(c)}" for k, c in FORMATS.items())
        raise ScenarioError(
            [Problem(label, 1, "header", f"not an import file; the columns must be {formats}")]
        )
    probs = []
    events: list[Event] = []
    legs: dict[tuple[date, str, str, str], int] = {}
    for line, row in read_csv(path, label, FORMATS[kind], probs, optional=OPTIONAL[kind], **how):
        cell = _Cells(label, line, row, season, probs)
        ev = _event(kind, cell, f"{label}:{line}")
        if ev is not None and cell.ok:
            if kind == "boardings" and ev.leg:  # "went out, did not come back" is one row each
                key = (ev.day, ev.vehicle_id, ev.worker_id, ev.leg)
                if key in legs:
                    cell.bad("leg", f"{ev.worker_id} on {ev.leg} is listed twice (row {legs[key]})")
                    continue
                legs[key] = line
            events.append(ev)
    if probs:
        raise ScenarioError(probs)
    return events


def _misspelt_kind(path: Path, encoding: str) -> list[Problem]:
    """A header that is one format's but for near misses of its required columns (`worker` for
    `worker_id`, `Event ` for `event`): those columns said, as a known format's optional ones
    are, rather than "not an import file" (session 20, S). [] when no format is that near."""
    names = csv_header(path, path.name, office=True, encoding=encoding) or []
    for kind in ("boardings", "bookings", "checkins", "incidents", "scans"):
        required = FORMATS[kind]  # type: ignore[index]
        missing = [c for c in required if c not in names]
        meant = [(g, m) for g, m in near_misses(names, required) if m in missing]
        if missing and len(meant) == len(missing):
            return [
                Problem(path.name, 1, given, f"unknown column; did you mean {m}?")
                for given, m in meant
            ]
    return []


class _Cells:
    """Checked access to one row's cells; each failed check adds a problem and sets ok False."""

    def __init__(
        self, label: str, line: int, row: dict[str, str], season: Season, probs: list[Problem]
    ):
        self.label, self.line, self.row, self.season, self.probs = label, line, row, season, probs
        self.ok = True

    def bad(self, field: str, message: str) -> None:
        self.probs.append(Problem(self.label, self.line, field, message))
        self.ok = False

    def text(self, field: str, default: str = "") -> str:
        return (self.row.get(field) or "").strip() or default

    def day(self, field: str = "date") -> date | None:
        value = self.text(field)
        try:
            d = read_day(value)
        except ValueError:  # the words the scenario's files get: 30 February, dd/mm/yyyy
            self.bad(field, date_problem(value))
            return None
        if not self.season.start <= d <= self.season.end:
            self.bad(field, f"{d} is outside the season {self.season.start}..{self.season.end}")
        return d

    def one_of(self, field: str, allowed: tuple[str, ...], default: str = "") -> str:
        value = self.text(field, default)
        if value not in allowed:
            self.bad(field, f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def yes_no(self, field: str) -> str:
        """'yes' or 'no' from a ticked cell as the scenario's booleans read it (yes/no, sì/no,
        VERO/FALSO, true/false, 1/0: what a clerk types and what Italian Excel writes; review
        18, L6); an empty or other cell is said."""
        value = self.text(field)
        try:
            if value:
                return "yes" if read_bool(value) else "no"
        except ValueError:
            pass
        self.bad(field, f"{value!r} is not yes or no (sì/no, VERO/FALSO)")
        return value

    def known(self, field: str, ids: frozenset[str], what: str, optional: bool = False) -> str:
        value = self.text(field)
        if not value and optional:
            return ""
        if value not in ids:
            same = _folded(ids).get(value.casefold())
            hint = f" (it has {same!r}: an id is written one way)" if same else ""
            self.bad(field, f"{value!r} is not a {what} of the season run{hint}")
        return value

    def hhmm(self, field: str) -> str:
        value = self.text(field)
        if value and not _is_hhmm(value):
            hint = hhmm_hint(value)
            self.bad(field, f"{value!r} is not a time HH:MM" + (f"; write {hint}" if hint else ""))
        return value


@functools.lru_cache(maxsize=8)
def _folded(ids: frozenset[str]) -> dict[str, str]:
    """The season run's ids by their case-folded spelling: `w01` typed for `W01` is told so
    (the scenario refuses ids that differ only in case, so each folds to one; session 20, S)."""
    return {i.casefold(): i for i in sorted(ids)}


def _is_hhmm(value: str) -> bool:
    parts = value.split(":")
    return (
        len(parts) == 2
        and all(p.isascii() and p.isdigit() and len(p) == 2 for p in parts)
        and int(parts[0]) < 24
        and int(parts[1]) < 60
    )


def _event(kind: FileKind, c: _Cells, source: str) -> Event | None:
    s = c.season
    if kind == "checkins":
        d = c.day()
        worker = c.known("worker_id", s.workers, "worker")
        moves = ("move", "move_without_ride")
        event = c.one_of("event", ("arrival", "departure", "absent", *moves))
        target = c.known("foresteria_id", s.foresterie, "foresteria", optional=True)
        if target and event not in moves:
            c.bad("foresteria_id", f"only a move request names a foresteria, not {event!r}")
        if d is None or not c.ok:
            return None
        if event in moves:  # move_without_ride: asked knowing there may be no ride to work
            note = WITHOUT_RIDE if event == "move_without_ride" else ""
            return Event(
                kind="move_request",
                day=d,
                worker_id=worker,
                origin=target,
                note=note,
                source=source,
            )
        return Event(kind=event, day=d, worker_id=worker, source=source)  # type: ignore[arg-type]
    if kind == "bookings":
        d = c.day()
        worker = c.known("worker_id", s.workers, "worker")
        action = c.one_of("action", ("book", "cancel"))
        leg = c.one_of("leg", ("out", "back", "round"), "round")
        farm = c.known("farm_id", s.farms, "farm", optional=True)
        origin = c.known(
            "origin", s.foresterie | s.pickups, "foresteria or departure point", optional=True
        )
        by = c.one_of("booked_by", ("worker", "farm"), "worker")
        if d is None or not c.ok:
            return None
        return Event(
            kind="booking" if action == "book" else "cancellation",
            day=d,
            worker_id=worker,
            farm_id=farm,
            origin=origin,
            leg=leg,  # type: ignore[arg-type]
            booked_by=by,  # type: ignore[arg-type]
            source=source,
        )
    if kind == "boardings":
        d = c.day()
        vehicle = c.known("vehicle_id", s.vehicles, "vehicle")
        worker = c.known("worker_id", s.workers, "worker")
        boarded = c.yes_no("boarded")
        leg = c.one_of("leg", ("", "out", "back"))
        at = c.hhmm("time")
        if d is None or not c.ok:
            return None
        return Event(
            kind="boarding" if boarded == "yes" else "no_show",
            day=d,
            worker_id=worker,
            vehicle_id=vehicle,
            leg=leg,  # type: ignore[arg-type]
            at_time=at,
            source=source,
        )
    if kind == "scans":
        worker = c.known("worker_id", s.workers, "worker")
        vehicle = c.known("vehicle_id", s.vehicles, "vehicle", optional=True)
        value = c.text("scanned_at")
        when = _scanned_at(c, value)
        if when is None:
            return None
        if not s.start <= when.date() <= s.end:
            c.bad("scanned_at", f"{when.date()} is outside the season {s.start}..{s.end}")
        if not c.ok:
            return None
        return Event(
            kind="boarding",
            day=when.date(),
            worker_id=worker,
            vehicle_id=vehicle,
            at_time=when.strftime("%H:%M"),
            source=source,
        )
    d = c.day()
    vehicle = c.known("vehicle_id", s.vehicles, "vehicle")
    incident = c.one_of("incident", ("breakdown", "late_return"))
    note = c.text("note")
    if len(note) > MAX_NOTE:
        c.bad("note", f"longer than {MAX_NOTE} characters")
    # a control character (a NUL PostgreSQL refuses, a line break that splits the one-line views
    # of the ledger) is refused as in the scenario's names (session 20, S: I3)
    control = next((ch for ch in note if unicodedata.category(ch) == "Cc"), None)
    if control is not None:
        c.bad("note", f"control character U+{ord(control):04X} in {note[:40]!r}; remove it")
    if d is None or not c.ok:
        return None
    return Event(
        kind=incident,  # type: ignore[arg-type]
        day=d,
        vehicle_id=vehicle,
        note=note,
        source=source,
    )


def _scanned_at(c: _Cells, value: str) -> datetime | None:
    """A scan's moment on Puglia's clock (naive), or None with the row's problem said: the
    documented forms only (`_SCANNED_AT`); a UTC offset is read on Puglia's clock, its day
    included, and a moment the calendar cannot hold there (year 1 at +01:00) is said, not a
    traceback (session 20, S: I1)."""
    if _DAY_ONLY.fullmatch(value):
        c.bad("scanned_at", f"{value!r} has no time; write YYYY-MM-DDTHH:MM")
        return None
    try:
        if not _SCANNED_AT.fullmatch(value):
            raise ValueError(value)
        when = datetime.fromisoformat(value.replace(",", "."))
        if when.tzinfo is not None:  # 2027-07-12T23:30Z is 13 July, 01:30, in Puglia
            when = when.astimezone(ZoneInfo(c.season.timezone)).replace(tzinfo=None)
    except ValueError:
        c.bad("scanned_at", f"{value[:40]!r} is not a date and time YYYY-MM-DDTHH:MM")
        return None
    except OverflowError:  # 0001-01-01T00:00+01:00: the year before year 1 on Puglia's clock
        s = c.season
        c.bad("scanned_at", f"{value!r} is outside the season {s.start}..{s.end}")
        return None
    return when


# What happened, as recorded (not what is asked for: bookings and cancellations name days ahead).
HAPPENED = ("arrival", "departure", "absent", "boarding", "no_show")
AHEAD_DAYS = 1  # a one-day file's fact more than this after the ledger's last day: said
AHEAD_IN_FILE = 3  # a fact more than this after its file's other days: said (gaps of a day or
# two are ordinary in a weekly check-in sheet: nobody arrived on the 6th)
PLANNED = ("day_plan", "heat_alert", "intake_plan")  # a day the ledger plans: its lists expected


def after_day_run(files: Sequence[Sequence[Event]], recorded: Sequence[Event]) -> list[str]:
    """A breakdown dated on a day whose day run is already written: that run's
    plan still counts the vehicle, and only `foresterie day --force` of that day reads it
    (review 20 R, LOW-4: appended without a word). One line per file and day."""
    planned = {e.day for e in recorded if e.kind == "day_plan"}
    out = []
    for events in files:
        seen: set[date] = set()
        for e in events:
            if e.kind == "breakdown" and e.day in planned and e.day not in seen:
                seen.add(e.day)
                out.append(
                    f"{e.source}: date: the day run of {e.day} is already written without "
                    f"this breakdown ({e.vehicle_id}); `foresterie day RUN --date {e.day} "
                    "--force` plans the day again with it"
                )
    return out


def far_ahead(files: Sequence[Sequence[Event]], recorded: Sequence[Event]) -> list[str]:
    """Rows of the files being imported that record something as happened (a check-in, a
    boarding) on a day far after the others: a typo (07-16 for 07-06) puts someone off every
    shuttle until then and moves the monitor's "as of" (review 16, finding 3). A fact is said
    when its day is more than AHEAD_IN_FILE days after the latest other day of its file, or, in
    a file of one day, more than AHEAD_DAYS after the latest day the ledger records (a fact, or
    a day it plans: a day run's, a heat alert's or an intake's day, whose lists are expected;
    review 17, finding 6). Said, not refused: a late list is legitimate. One line per file and
    day, naming its first row and the others (`core/errors.row_ranges`), as errors are."""
    known = max((e.day for e in recorded if e.kind in HAPPENED or e.kind in PLANNED), default=None)
    out = []
    for events in files:
        facts = [e for e in events if e.kind in HAPPENED]
        days = sorted({e.day for e in facts})
        # each day against the latest other day of the file (the last day's is the one before)
        before: dict[date, tuple[date, int]] = {}
        for d in days:
            if len(days) > 1:
                before[d] = (days[-1] if d != days[-1] else days[-2], AHEAD_IN_FILE)
            elif known is not None:
                before[d] = (known, AHEAD_DAYS)
        ahead: dict[date, tuple[date, list[Event]]] = {}
        for e in facts:
            if e.day not in before:
                continue
            latest, limit = before[e.day]
            if (e.day - latest).days > limit and not (known is not None and e.day <= known):
                ahead.setdefault(e.day, (latest, []))[1].append(e)
        for day, (latest, rows) in sorted(ahead.items()):
            first = rows[0]
            more = _more_rows(rows[1:])
            out.append(
                f"{first.source}: date: {day} is {(day - latest).days} days after the latest "
                f"other day recorded ({latest}){more}; typed for another day? (the "
                f"{first.kind.replace('_', ' ')} counts from {day} in the day runs and the "
                "monitor)"
            )
    return out


def _more_rows(rows: Sequence[Event]) -> str:
    """' (and 25 more rows of that day: 3-27)' for the rows after the first, by their file row
    (an Event's source is 'name.csv:ROW'); '' when there are none."""
    if not rows:
        return ""
    nums = [int(row) for e in rows if (row := e.source.rpartition(":")[2]).isdigit()]
    n = len(rows)
    return f" (and {n} more row{'' if n == 1 else 's'} of that day: {row_ranges(nums)})"


def repeated(files: Sequence[tuple[str, Sequence[Event]]], recorded: Sequence[Event]) -> list[str]:
    """Per file being imported, the rows that repeat a fact already in the ledger or earlier in
    the import (the same row but for where it came from): a cumulative sheet sent again each
    night, a booking written twice. Appended all the same (each fact counts once in what is
    planned and monitored), but said, one line a file, so that the office knows (review 16,
    finding 7)."""
    seen = {replace(e, source="") for e in recorded}
    out = []
    for name, events in files:
        again = []
        for e in events:
            bare = replace(e, source="")
            if bare in seen:
                again.append(e)
            seen.add(bare)
        if again:
            n = len(again)
            out.append(
                f"{name}: {n} row{'' if n == 1 else 's'} repeat{'s' if n == 1 else ''} what the "
                f"ledger or this import already holds (first: {again[0].source}); each fact "
                "counts once, the rows are appended all the same"
            )
    return out
