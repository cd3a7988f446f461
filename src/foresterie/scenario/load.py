"""Load and validate a scenario folder into typed entities; report every problem at once."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import tomllib
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from foresterie.core.errors import Msg, Problem, ScenarioError
from foresterie.core.files import file_sha256
from foresterie.core.i18n import LANGS, N_, is_lang
from foresterie.core.restricted import DRAW_KEY_HEX, RESTRICTED_DRAW_KEY
from foresterie.core.timeutil import (
    DAY_MIN,
    clock_change,
    date_range,
    fmt_hhmm,
    parse_hhmm,
    parse_workdays,
)
from foresterie.scenario.config import SEASON_YEARS, ScenarioConfig
from foresterie.scenario.csvfile import ascii_digits, clip, read_csv, read_csv_bytes
from foresterie.scenario.geodata import read_features, scattered
from foresterie.scenario.matrixfile import check_matrix_file
from foresterie.scenario.model import (
    PRIORITY_NONE,
    PRIORITY_REFERRED,
    SECTIONS,
    SPAN_MIN_DEFAULT,
    STRETCH_MIN_DEFAULT,
    Farm,
    FarmClosure,
    Foresteria,
    Pickup,
    PickupKind,
    Referral,
    Scenario,
    Section,
    Vehicle,
    Worker,
)

SCENARIO_FILE = "scenario.toml"
LAYERED = frozenset(
    {"foresterie", "farms", "pickups"}
)  # [data] files read as GeoJSON/GeoPackage layers
WORKER_COLUMNS = (
    "worker_id",
    "arrival",
    "departure",
    "section",
    "group_id",
    "farm_id",
    "priority",
    "accessible",
    "pinned_foresteria",
    "pickup_id",
    "rides",
    "contract",
)
# Optional columns: a header close to one of them (`ride`, `pickup-id`, `language`) is refused
# (scenario/csvfile.py, near_misses), as its data would be dropped on the quiet.
WORKER_OPTIONAL = ("pickup_id", "rides", "contract", "lang")
# Required as columns (group_id, farm_id and pinned_foresteria may be empty cells): a column
# missing is one line at row 1, not one per row.
WORKER_REQUIRED = tuple(c for c in WORKER_COLUMNS if c not in WORKER_OPTIONAL)
CALENDAR_COLUMNS = ("farm_id", "first_day", "last_day")
REFERRAL_COLUMNS = ("worker_id", "referral_date", "referring_body", "urgency", "avoid_sites")
PRIORITY_COLUMNS = ("worker_id", "priority")
# A run folder's restricted part (core/restricted.py): the files load_scenario reads from it.
RESTRICTED_PRIORITY, RESTRICTED_REFERRALS = "priority.csv", "referrals.csv"
MAX_DRAW_KEY_BYTES = 4096  # a key is 64 hex digits; more is not a key (and is not read whole)
FLEET_COLUMNS = (
    "vehicle_id",
    "foresteria_id",
    "seats",
    "fixed_cost_eur_per_day",
    "cost_eur_per_km",
    "max_duty_min",
    "available_from",
    "available_to",
)
# A driver's day (README "fleet.csv"): optional, empty = the single driver's default.
FLEET_OPTIONAL = ("max_span_min", "max_stretch_min")
# a semicolon file (Italian Excel) may write these with a decimal comma (scenario/csvfile.py)
FLEET_DECIMALS = ("fixed_cost_eur_per_day", "cost_eur_per_km")
# ... and its days as 06/07/2027 in these columns (every CSV file of a scenario)
DAY_COLUMNS = (
    "arrival",
    "departure",
    "available_from",
    "available_to",
    "first_day",
    "last_day",
    "referral_date",
)
FORESTERIA_FIELDS = (
    "id",
    "name",
    "comune",
    "beds_men",
    "beds_women",
    "beds_family",
    "beds_accessible",
    "open_from",
    "open_to",
)
PICKUP_FIELDS = ("id", "name", "comune", "kind")
FARM_FIELDS = ("id", "name", "comune", "crop", "shift_start", "shift_end", "workdays")


# ---------------------------------------------------------------- cell parsers (messages matter)


def _text(v: Any) -> str:
    s = "" if v is None else str(v).strip()
    if not s:
        raise ValueError(Msg("missing"))
    return s


NAME_MAX = 120  # characters of a name, comune or crop: they head driver sheets and map popups
# Bidi embeddings, overrides and isolates reorder how text is displayed: a name can then read
# differently on a sheet than in the file (allowed with a warning; marks U+200E/U+200F are fine).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _label(v: Any) -> str:
    """A human label (name, comune, crop): no control characters (they break XML such as GPX
    and hide text on paper), at most NAME_MAX characters."""
    s = _text(v)
    bad = next((c for c in s if unicodedata.category(c) == "Cc"), None)
    if bad is not None:
        raise ValueError(
            Msg(
                "control character {code} in {text}; remove it",
                code=f"U+{ord(bad):04X}",
                text=repr(s[:40]),
            )
        )
    if len(s) > NAME_MAX:
        raise ValueError(
            Msg("{n} characters, more than {most}: shorten it", n=len(s), most=NAME_MAX)
        )
    return s


def label_warnings(label: str, rows: list[tuple[int, str, str]]) -> list[Problem]:
    """Warnings for (row, field, text): bidi controls, and names that differ only in case,
    width, accents or spacing from an earlier one (look-alikes confuse drivers and planners)."""
    out: list[Problem] = []
    seen: dict[tuple[str, str], tuple[int, str]] = {}
    for row, field, text in rows:
        if any(c in BIDI_CONTROLS for c in text):
            out.append(
                Problem(label, row, field, Msg("bidi control characters reorder how it reads"))
            )
        key = "".join(
            c
            for c in unicodedata.normalize("NFKD", text).casefold()
            if c.isalnum() and unicodedata.category(c) != "Mn"
        )
        if (field, key) in seen and seen[field, key][1] != text:
            first_row, first = seen[field, key]
            out.append(
                Problem(
                    label,
                    row,
                    field,
                    Msg(
                        "{text} looks like {first} (row {row})",
                        text=repr(text),
                        first=repr(first),
                        row=first_row,
                    ),
                )
            )
        seen.setdefault((field, key), (row, text))
    return out


ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def _ident(v: Any) -> str:
    """Ids name files (driver sheets per vehicle) and appear in trip ids: keep them plain."""
    s = _text(v)
    if not ID_RE.fullmatch(s):
        raise ValueError(
            Msg(
                "{value} is not an id (letters, digits, '.', '_', '-'; at most 64)",
                value=repr(s[:40]),
            )
        )
    return s


def _opt_ident(v: Any) -> str | None:
    return _ident(v) if _opt_text(v) else None


def _opt_text(v: Any) -> str | None:
    s = "" if v is None else str(v).strip()
    return s or None


# No whole number of a scenario (beds, seats, minutes, a priority) comes near this; beyond it
# the solvers' 64-bit integers would overflow (a crash instead of a line naming the cell).
WHOLE_MAX = 1_000_000_000


def _whole(v: Any) -> int:
    """A whole number: an int, ASCII digits with an optional sign, or a decimal number with
    nothing after the point (330.0: JSON has one kind of number, and GIS programs write a whole
    number of a decimal column so; GDAL reads an integer column with a null as decimals).
    330.5 is refused, and so is a number beyond WHOLE_MAX, said short (1e+300)."""
    if isinstance(v, bool):
        raise ValueError(Msg("{value} is not a whole number", value=repr(v)))
    if isinstance(v, int):
        n = v
    elif isinstance(v, float):
        if not v.is_integer():
            raise ValueError(Msg("{value} is not a whole number", value=repr(v)))
        if abs(v) > WHOLE_MAX:  # GDAL reads an integer beyond 64 bits as a decimal
            shown = str(int(v)) if abs(v) < 1e40 else repr(v)  # 1e+300, not 301 digits
            raise ValueError(
                Msg("{value} is out of range (at most {most})", value=shown, most=WHOLE_MAX)
            )
        n = int(v)
    else:
        s = ascii_digits(_text(v))
        if not re.fullmatch(r"[+-]?[0-9]+", s):
            raise ValueError(Msg("{value} is not a whole number", value=repr(clip(s))))
        n = int(s)
    if abs(n) > WHOLE_MAX:
        raise ValueError(
            Msg("{value} is out of range (at most {most})", value=clip(n), most=WHOLE_MAX)
        )
    return n


def _count(v: Any) -> int:
    n = _whole(v)
    if n < 0:
        raise ValueError(Msg("{value} is negative", value=n))
    return n


def _money(v: Any) -> float:
    if isinstance(v, int | float) and not isinstance(v, bool):
        x = float(v)
    else:
        s = ascii_digits(_text(v))
        if re.fullmatch(r"[+-]?[0-9]+,[0-9]+", s):
            raise ValueError(
                Msg(
                    "{value} uses a decimal comma; write {fixed}",
                    value=repr(s),
                    fixed=s.replace(",", "."),
                )
            )
        try:
            x = float(s)
        except ValueError:
            raise ValueError(Msg("{value} is not a number", value=repr(clip(s)))) from None
    if not (x == x and abs(x) != float("inf")) or x < 0:
        raise ValueError(Msg("{value} must be a finite number >= 0", value=clip(repr(x))))
    return x


# A day written with midnight, as scripts, databases and GIS programs export a date column
# (`2027-07-05 00:00:00`, `2027-07-05T00:00:00.000Z`): that day. Any other time (a local
# midnight stored in UTC, `2027-07-04T22:00:00Z`) is no day and is refused (session 20, S).
_MIDNIGHT = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})[ T]00:00(?::00(?:\.0+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?",
    re.ASCII,
)


def read_day(s: str) -> date:
    """An ISO day (YYYY-MM-DD), or one written with midnight (`_MIDNIGHT`): without an offset,
    in UTC, or with Puglia's own offset that night (`...T00:00:00+02:00` in summer: review 20
    T); ValueError else. The files `ledger import` reads take days the same way."""
    m = _MIDNIGHT.fullmatch(s)
    if not m:
        return date.fromisoformat(s)
    day, offset = date.fromisoformat(m.group(1)), m.group(2)
    if offset and offset != "Z" and offset.replace(":", "")[1:] != "0000":
        sign = -1 if offset[0] == "-" else 1
        hh, mm = int(offset[1:3]), int(offset[-2:])
        here = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo("Europe/Rome")).utcoffset()
        if here != sign * timedelta(hours=hh, minutes=mm):
            raise ValueError(s)  # another place's midnight: not a day of Puglia's calendar
    return day


def _date(v: Any) -> date:
    if isinstance(v, date):
        d = v
    else:
        s = ascii_digits(_text(v))
        try:
            d = read_day(s)
        except ValueError:
            raise ValueError(date_problem(s)) from None
    lo, hi = SEASON_YEARS
    if not lo <= d.year <= hi:
        # 9999-12-31 (a spreadsheet's "no end"), 0001-01-01: the day after or before leaves
        # Python's calendar in the solvers and reports (an OverflowError; session 20, S)
        raise ValueError(
            Msg(
                "date {value}: the year is outside {lo}..{hi} (open-ended: write the "
                "season's first or last day)",
                value=repr(d.isoformat()),
                lo=lo,
                hi=hi,
            )
        )
    return d


def date_problem(s: str) -> Msg:
    """Why a text is not a day: dd/mm/yyyy, an ISO-shaped day that does not exist, not ISO."""
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}.*", s):
        # a date-time that is no midnight of Puglia's (`read_day`): which day it means depends
        # on a clock the file does not give (review 20 T): the day alone, as Puglia reads it
        return Msg(
            "date {value} has a time of day that is not midnight in Puglia: write the day "
            "alone, YYYY-MM-DD, as Puglia's calendar reads it",
            value=repr(s),
        )
    m = re.fullmatch(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})", s)
    if m:
        day, month, year = (int(x) for x in m.groups())
        with contextlib.suppress(ValueError):
            iso = date(year, month, day).isoformat()
            return Msg("date {value} is dd/mm/yyyy; write ISO {iso}", value=repr(s), iso=iso)
        # no such day read day first: never advise a rewrite that is no day (review 17)
        with contextlib.suppress(ValueError):
            iso = date(year, day, month).isoformat()
            return Msg(
                "date {value}: there is no month {month} (day/month/year); if the month is "
                "first, write ISO {iso}",
                value=repr(s),
                month=month,
                iso=iso,
            )
        return Msg("date {value}: there is no such day; write ISO YYYY-MM-DD", value=repr(s))
    m = re.fullmatch(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})", s)
    if m and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", s):
        # year first, the month and day unpadded or other marks (2027-7-5, 2027/07/05): one
        # reading only; the message says the ISO day to write (session 20, S)
        with contextlib.suppress(ValueError):
            iso = date(*(int(x) for x in m.groups())).isoformat()
            return Msg("date {value} is not ISO YYYY-MM-DD; write {iso}", value=repr(s), iso=iso)
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", s):
        y, mo, d = (int(x) for x in s.split("-"))
        if not 1 <= mo <= 12:
            return Msg("date {value}: there is no month {month}", value=repr(s), month=mo)
        return Msg(
            "date {value}: there is no day {day} in {month}",
            value=repr(s),
            day=d,
            month=f"{y:04d}-{mo:02d}",
        )
    return Msg("date {value} is not ISO YYYY-MM-DD", value=repr(clip(s)))


def _bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    s = "" if v is None else str(v).strip().lower()
    # Italian too: what a clerk types (sì, no) and what Italian Excel writes (VERO, FALSO)
    if s in ("", "0", "false", "no", "n", "f", "falso"):
        return False
    if s in ("1", "true", "yes", "y", "t", "si", "sì", "vero"):
        return True
    raise ValueError(Msg("{value} is not true/false", value=repr(v)))


def read_bool(v: Any) -> bool:
    """A yes/no cell as the scenario's booleans read it (sì, VERO, yes, 1 ...); ValueError else.
    The files `ledger import` reads are read the same way (README "Scenario format")."""
    return _bool(v)


def pin_bed_problems(scenario: Scenario) -> list[Problem]:
    """A person pinned (by workers.csv) to a foresteria with no beds of their section, or, needing
    one, no accessible bed: said on their row by `validate` and `solve` (review 18, M2: it was
    an infeasible plan naming nobody). Not part of loading: a day run's or an intake's own
    scenario pins people to the beds a plan gave them, whose shortfalls are said as who holds
    them there (`ops/own.py`). A group pinned to several foresterie is said once, elsewhere."""
    fs = {f.id: f for f in scenario.foresterie}
    pins: dict[str, set[str]] = defaultdict(set)
    for w in scenario.workers:
        if w.group_id is not None and w.pinned_foresteria is not None:
            pins[w.group_id].add(w.pinned_foresteria)
    path = scenario.files.get("workers")
    label = path.name if path is not None else "workers.csv"
    out = []
    for w in scenario.workers:
        f = fs.get(w.pinned_foresteria or "")
        if f is None or (w.group_id is not None and len(pins[w.group_id]) > 1):
            continue
        if not f.beds(w.section):
            why = Msg(
                "pinned to {id}, which has no beds of section {section}",
                id=repr(f.id),
                section=w.section.value,
            )
        elif w.accessible and not f.beds_accessible:
            why = Msg("pinned to {id}, which has no accessible beds", id=repr(f.id))
        else:
            continue
        out.append(Problem(label, w.row, "pinned_foresteria", why))
    return out


def dependants_alone(scenario: Scenario) -> list[Problem]:
    """A dependant (`rides` false) whose stay runs past every working member of their group:
    warned on their row by `validate` (session 19's leftover). An intake ends the dependant's
    stay with the last working member's (ops/intake.py: no bed kept for a child alone), so the
    season plan's nights after it are not theirs; the office checks the departure."""
    last: dict[str, date] = {}
    for w in scenario.workers:
        if w.group_id is not None and w.rides:
            last[w.group_id] = max(w.departure, last.get(w.group_id, w.departure))
    path = scenario.files.get("workers")
    label = path.name if path is not None else "workers.csv"
    return [
        Problem(
            label,
            w.row,
            "departure",
            Msg(
                "{id} does not ride (a dependant) and leaves on {departure}, after every working "
                "member of group {group} (the last leaves on {last}): an intake ends their stay "
                "with the group's working members; check the departures",
                id=w.id,
                departure=w.departure,
                group=w.group_id,
                last=last[w.group_id],
            ),
        )
        for w in scenario.workers
        if w.group_id in last and not w.rides and w.departure > last[w.group_id]
    ]


def _bool_default_true(v: Any) -> bool:
    return True if v is None or str(v).strip() == "" else _bool(v)


def _section(v: Any) -> Section:
    s = _text(v).lower()
    try:
        return Section(s)
    except ValueError:
        raise ValueError(Msg("{value} is not one of men, women, family", value=repr(s))) from None


def _hhmm(v: Any) -> int:
    s = ascii_digits(_text(v))
    try:
        return parse_hhmm(s)
    except ValueError as exc:
        hint = hhmm_hint(s)
        raise ValueError(f"{exc}; write {hint}" if hint else str(exc)) from None


def hhmm_hint(s: str) -> str | None:
    """The HH:MM a clock time written another way means, when it has one reading: `7.30`,
    `7,30`, `7h30`, `07:30:00`... (session 20, S); None else (`24:00`, `7.75`, `0730`)."""
    m = re.fullmatch(r"([0-9]{1,2})(?:[.,:h]|\s?h\s?)([0-9]{2})(?::00)?", s.strip(), re.ASCII)
    if m and int(m[1]) < 24 and int(m[2]) < 60:
        hhmm = f"{int(m[1]):02d}:{m[2]}"
        return None if hhmm == s.strip() else hhmm
    return None


# ---------------------------------------------------------------- row models


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, arbitrary_types_allowed=True)


def _before(fn: Callable[[Any], Any], *fields: str) -> Any:
    return field_validator(*fields, mode="before")(lambda cls, v: fn(v))


class ForesteriaRow(_Row):
    id: str
    name: str
    comune: str
    beds_men: int
    beds_women: int
    beds_family: int
    beds_accessible: int
    open_from: date
    open_to: date
    _i = _before(_ident, "id")
    _t = _before(_label, "name", "comune")
    _c = _before(_count, "beds_men", "beds_women", "beds_family", "beds_accessible")
    _d = _before(_date, "open_from", "open_to")

    @model_validator(mode="after")
    def _check(self) -> ForesteriaRow:
        if self.open_to < self.open_from:
            raise ValueError("open_to: before open_from")
        if self.beds_accessible > self.beds_men + self.beds_women + self.beds_family:
            raise ValueError("beds_accessible: more than all beds together")
        return self


class FarmRow(_Row):
    id: str
    name: str
    comune: str
    crop: str
    shift_start: int
    shift_end: int
    workdays: frozenset[int]
    _i = _before(_ident, "id")
    _t = _before(_label, "name", "comune", "crop")
    _h = _before(_hhmm, "shift_start", "shift_end")
    _w = _before(lambda v: parse_workdays(_text(v)), "workdays")

    @model_validator(mode="after")
    def _check(self) -> FarmRow:
        if self.shift_end <= self.shift_start:
            raise ValueError("shift_end: not after shift_start")
        return self


class ClosureRow(_Row):
    farm_id: str
    first_day: date
    last_day: date
    _i = _before(_ident, "farm_id")
    _d = _before(_date, "first_day", "last_day")


class PickupRow(_Row):
    id: str
    name: str
    comune: str
    kind: PickupKind
    _i = _before(_ident, "id")
    _t = _before(_text, "name", "comune")


class WorkerRow(_Row):
    worker_id: str
    arrival: date
    departure: date
    section: Section
    group_id: str | None
    farm_id: str | None
    priority: int
    accessible: bool
    pinned_foresteria: str | None
    pickup_id: str | None = None  # optional column
    rides: bool = True  # optional column: absent or empty = true
    contract: bool = False
    lang: str | None = None  # optional column: the worker's notice language
    _t = _before(_ident, "worker_id")
    _o = _before(_opt_ident, "group_id", "farm_id", "pinned_foresteria", "pickup_id")
    _d = _before(_date, "arrival", "departure")
    _s = _before(_section, "section")
    _b = _before(_bool, "accessible", "contract")
    _r = _before(_bool_default_true, "rides")

    @field_validator("lang", mode="before")
    @classmethod
    def _lang(cls, v: Any) -> str | None:
        code = _opt_text(v)
        if code is not None and not is_lang(code.lower()):
            raise ValueError(
                Msg(
                    "{value} is not a notice language ({langs})",
                    value=repr(code),
                    langs=", ".join(LANGS),
                )
            )
        return code.lower() if code else None

    @field_validator("priority", mode="before")
    @classmethod
    def _prio(cls, v: Any) -> int:
        p = _whole(v)
        if not PRIORITY_NONE <= p <= PRIORITY_REFERRED:
            raise ValueError(f"{p} is not in {PRIORITY_NONE}..{PRIORITY_REFERRED}")
        return p

    @model_validator(mode="after")
    def _check(self) -> WorkerRow:
        if self.departure == self.arrival:  # nights are arrival..departure-1: none
            raise ValueError(
                "departure: not after arrival, the same day: a stay has at least one night "
                "(one night: departure the day after arrival)"
            )
        if self.departure < self.arrival:
            raise ValueError("departure: not after arrival")
        return self


SEATS_MAX = 90  # a double-decker coach; a minibus has 9, a bus 28-55
# EU Regulation 561/2006 art. 6: 9 h of daily driving for one driver (a warning beyond).
DUTY_ONE_DRIVER_MIN = 9 * 60
FIXED_EUR_DAY_MAX = 5_000.0  # a coach with driver costs a few hundred euros a day
EUR_KM_MAX = 20.0  # running cost of a coach is about 1-2 EUR/km


class VehicleRow(_Row):
    vehicle_id: str
    foresteria_id: str
    seats: int
    fixed_cost_eur_per_day: float
    cost_eur_per_km: float
    max_duty_min: int
    available_from: date
    available_to: date
    max_span_min: int = SPAN_MIN_DEFAULT
    max_stretch_min: int = STRETCH_MIN_DEFAULT
    _t = _before(_ident, "vehicle_id", "foresteria_id")
    _m = _before(_money, "fixed_cost_eur_per_day", "cost_eur_per_km")
    _d = _before(_date, "available_from", "available_to")

    @field_validator("seats", "max_duty_min", mode="before")
    @classmethod
    def _positive(cls, v: Any) -> int:
        n = _whole(v)
        if n < 1:
            raise ValueError(f"{n} must be at least 1")
        return n

    @field_validator("max_span_min", "max_stretch_min", mode="before")
    @classmethod
    def _drivers_day(cls, v: Any, info: ValidationInfo) -> int:
        """An empty cell is the single driver's default."""
        if v is None or (isinstance(v, str) and not v.strip()):
            return SPAN_MIN_DEFAULT if info.field_name == "max_span_min" else STRETCH_MIN_DEFAULT
        n = _whole(v)
        if n < 1:
            raise ValueError(f"{n} must be at least 1")
        return n

    @model_validator(mode="after")
    def _plausible(self) -> VehicleRow:
        """Ranges a real fleet stays in: a typo (cents for euros, km for metres) is caught here
        rather than silently distorting the plan."""
        for field, value, top, unit in (
            ("seats", self.seats, SEATS_MAX, "seats"),
            ("fixed_cost_eur_per_day", self.fixed_cost_eur_per_day, FIXED_EUR_DAY_MAX, "EUR/day"),
            ("cost_eur_per_km", self.cost_eur_per_km, EUR_KM_MAX, "EUR/km"),
            ("max_duty_min", self.max_duty_min, 24 * 60, "minutes"),
            ("max_span_min", self.max_span_min, 24 * 60, "minutes"),
            ("max_stretch_min", self.max_stretch_min, 24 * 60, "minutes"),
        ):
            if value > top:
                raise ValueError(
                    Msg(
                        "{field}: {value} {unit} is above the plausible {top}",
                        field=field,
                        value=f"{value:g}",
                        unit=unit,
                        top=f"{top:g}",
                    )
                )
        return self

    @model_validator(mode="after")
    def _check(self) -> VehicleRow:
        if self.available_to < self.available_from:
            raise ValueError("available_to: before available_from")
        return self


class ReferralRow(_Row):
    worker_id: str
    referral_date: date
    referring_body: str
    urgency: str
    avoid_sites: tuple[str, ...]
    _t = _before(_ident, "worker_id")
    _d = _before(_date, "referral_date")
    # as a name: no control characters (a line break inside a quoted cell), at most 120
    _x = _before(_label, "referring_body", "urgency")

    @field_validator("avoid_sites", mode="before")
    @classmethod
    def _sites(cls, v: Any) -> tuple[str, ...]:
        text = "" if v is None else str(v)
        parts = [p.strip() for p in text.split(";")]
        try:
            return tuple(sorted({_ident(p) for p in parts if p}))
        except ValueError:
            other = next((c for c in ",|/" if c in text), None)
            if other is None:
                raise
            # `F1, FB`: the sites separated another way than the README's `;` (session 20, S)
            raise ValueError(
                Msg(
                    "{value}: separate the sites with ';', not {mark!r}",
                    value=repr(clip(text)),
                    mark=other,
                )
            ) from None


def _validate_rows(
    model: type[_Row],
    rows: Iterator[tuple[int, dict[str, Any]]],
    label: str,
    probs: list[Problem],
    failed: tuple[str, set[str]] | None = None,
) -> list[tuple[int, Any]]:
    """The rows that validate, each problem of the others recorded. `failed` (id field, set):
    the ids of the rows refused are added to the set: known but broken, so that the rows of
    other files naming them are not told the id is unknown (README "Scenario format": one bad
    row is one line, review 18 M1)."""
    out = []
    for rowno, raw in rows:
        try:
            out.append((rowno, model.model_validate(raw)))
        except ValidationError as exc:
            given = raw.get(failed[0]) if failed is not None else None
            if failed is not None and isinstance(given, str | int) and str(given).strip():
                failed[1].add(str(given).strip())
            for err in exc.errors():
                msg = str(err["msg"]).removeprefix("Value error, ")
                cause = err.get("ctx", {}).get("error")
                if isinstance(cause, ValueError) and cause.args and isinstance(cause.args[0], Msg):
                    msg = cause.args[0]  # ours, with its template for the user's language
                field = str(err["loc"][0]) if err["loc"] else ""
                if not field and ": " in msg:  # model-level: "field: message"
                    field, msg = msg.split(": ", 1)
                if err["type"] == "missing":
                    msg = Msg("missing")
                probs.append(Problem(label, rowno, field, msg))
    return out


# ---------------------------------------------------------------- files


def _allowed_roots(root: Path) -> list[Path]:
    """A scenario may read its own folder and, inside a project, the project's geodata/."""
    roots = [root.resolve()]
    if root.resolve().parent.name == "scenarios":
        roots.append(root.resolve().parent.parent / "geodata")
    return roots


def _unusable_path(rel: str) -> Msg | None:
    """Why a path of scenario.toml is no file name the system can open, before it sees it: a
    control character (NUL was a ValueError), a name longer than file systems take (an OSError;
    session 20, S)."""
    bad = next((c for c in rel if unicodedata.category(c) == "Cc"), None)
    if bad is not None:
        return Msg(
            "{path} has the control character {code}: not a file name",
            path=clip(repr(rel)),
            code=f"U+{ord(bad):04X}",
        )
    if len(rel.encode()) > 1024 or any(len(p.encode()) > 255 for p in Path(rel).parts):
        return Msg("{path} is longer than a file name can be", path=clip(repr(rel)))
    return None


def _resolve(root: Path, key: str, rel: str, probs: list[Problem]) -> Path | None:
    unusable = _unusable_path(rel)
    if unusable is not None:
        probs.append(Problem(SCENARIO_FILE, None, f"data.{key}", unusable))
        return None
    path = (root / rel).resolve()
    if not any(path.is_relative_to(r) for r in _allowed_roots(root)):
        probs.append(
            Problem(
                SCENARIO_FILE,
                None,
                f"data.{key}",
                Msg(
                    "{path} leads outside the scenario folder and the project's geodata/",
                    path=repr(rel),
                ),
            )
        )
        return None
    if not path.exists():
        msg = (
            # a path written on Windows: the backslash is a letter of the name here (session 20)
            Msg("file {path} not found; write / between folders, not \\", path=repr(rel))
            if "\\" in rel
            else Msg("file {path} not found", path=repr(rel))
        )
        probs.append(Problem(SCENARIO_FILE, None, f"data.{key}", msg))
        return None
    if not path.is_file() or path.is_fifo():
        probs.append(
            Problem(
                SCENARIO_FILE,
                None,
                f"data.{key}",
                Msg("{path} is not a regular file", path=repr(rel)),
            )
        )
        return None
    return path


def _resolve_graph(root: Path, rel: str | None, probs: list[Problem]) -> Path | None:
    """The OSRM graph folder: inside the scenario folder or the project's geodata/."""
    if rel is None:
        probs.append(
            Problem(SCENARIO_FILE, None, "travel.graph", Msg("required by backend {b}", b='"osrm"'))
        )
        return None
    unusable = _unusable_path(rel)
    if unusable is not None:
        probs.append(Problem(SCENARIO_FILE, None, "travel.graph", unusable))
        return None
    path = (root / rel).resolve()
    if not any(path.is_relative_to(r) for r in _allowed_roots(root)):
        probs.append(
            Problem(
                SCENARIO_FILE,
                None,
                "travel.graph",
                Msg(
                    "{path} leads outside the scenario folder and the project's geodata/",
                    path=repr(rel),
                ),
            )
        )
        return None
    if not (path / "graph.json").is_file():
        probs.append(
            Problem(
                SCENARIO_FILE,
                None,
                "travel.graph",
                Msg(
                    "{path} is not a road graph (no graph.json); build one with "
                    "`foresterie roads build EXTRACT --out DIR`",
                    path=repr(rel),
                ),
            )
        )
        return None
    return path


def _features(
    path: Path,
    label: str,
    fields: tuple[str, ...],
    polygons: bool,
    probs: list[Problem],
    ids: set[str],
    layer: str | None = None,
) -> Iterator[tuple[int, dict[str, Any], Any]]:
    feats, fprobs, seen = read_features(
        path, label, allow_polygons=polygons, layer=layer, fields=fields
    )
    probs.extend(fprobs)
    ids |= seen
    if feats:
        missing = [f for f in fields if f not in feats[0].props]
        if missing:
            probs.append(
                Problem(
                    label,
                    None,
                    missing[0],
                    Msg("missing field(s): {fields}", fields=", ".join(missing)),
                )
            )
            return
    for feat in feats:
        yield feat.row, feat.props, feat


def _layer_rows(
    config: ScenarioConfig,
    files: dict[str, Path],
    lab: dict[str, str],
    key: str,
    fields: tuple[str, ...],
    polygons: bool,
    model: type[_Row],
    probs: list[Problem],
    ids: dict[str, set[str]],
) -> list[tuple[int, Any, Any]]:
    """(row, validated row, feature) of one layer file (foresterie, farms, pickups): its
    features read, each row validated, ids unique; every problem recorded."""
    feats = list(
        _features(
            files[key], lab[key], fields, polygons, probs, ids[key], config.data.layers.get(key)
        )
    )
    rows = _validate_rows(
        model, ((r, p) for r, p, _ in feats), lab[key], probs, ("id", ids[BROKEN + key])
    )
    _duplicates([(r, m.id) for r, m in rows], lab[key], "id", probs, fold=key == "foresterie")
    by_row = {r: f for r, _, f in feats}
    return [(r, m, by_row[r]) for r, m in rows]


def _ids_taken(
    rows: list[tuple[int, Any, Any]], taken: set[str], label: str, probs: list[Problem]
) -> None:
    """One namespace of places, the travel matrix's keys: a layer's id that a foresteria or a
    farm already has is refused at its row (a farm or a departure point named like another)."""
    probs.extend(
        Problem(label, r, "id", Msg("{id} is already a foresteria or farm id", id=repr(m.id)))
        for r, m, _ in rows
        if m.id in taken
    )


def _duplicates(
    items: list[tuple[int, str]], label: str, field: str, probs: list[Problem], fold: bool = False
) -> None:
    """Ids given twice; with `fold`, also ids that differ only in case: ids that name files
    (a vehicle's driver sheet VA1.html, a foresteria's map) would overwrite each other on the
    file systems that do not tell VA1 from va1 (Windows, macOS), where run folders are read."""
    first: dict[str, tuple[int, str]] = {}
    for rowno, given in items:
        key = given.casefold() if fold else given
        if key not in first:
            first[key] = (rowno, given)
            continue
        row, seen = first[key]
        msg = (
            Msg("duplicate id {id} (first at row {row})", id=repr(given), row=row)
            if seen == given
            else Msg(
                "id {id} differs only in case from {seen} (row {row}): one id, one spelling",
                id=repr(given),
                seen=repr(seen),
                row=row,
            )
        )
        probs.append(Problem(label, rowno, field, msg))


def _whole_numbers(value: Any, key: str = "") -> Iterator[tuple[str, int]]:
    """(dotted key, value) of every whole number in a parsed TOML document, digits in quotes
    included."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _whole_numbers(v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _whole_numbers(v, key)
    elif isinstance(value, int) and not isinstance(value, bool):
        yield key, value
    elif isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]{1,400}", value.strip()):
        yield key, int(value)  # pydantic reads "123" as a number where one is expected


def read_config(root: Path) -> ScenarioConfig:
    """Parse scenario.toml (TOML only: no code, no object tags)."""
    toml_path = root / SCENARIO_FILE
    if not toml_path.is_file():
        raise ScenarioError(
            [Problem(str(root), None, SCENARIO_FILE, Msg("no scenario.toml in folder"))]
        )
    try:
        data = tomllib.loads(toml_path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ScenarioError([Problem(SCENARIO_FILE, None, "encoding", Msg("not UTF-8"))]) from None
    except RecursionError:  # arrays nested thousands deep: tomllib recurses (session 20, S)
        raise ScenarioError(
            [Problem(SCENARIO_FILE, None, "toml", Msg("values nested too deep to read"))]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ScenarioError(
            [Problem(SCENARIO_FILE, int(m.group(1)) if m else None, "toml", str(exc))]
        ) from None
    huge = [
        Problem(
            SCENARIO_FILE,
            None,
            key,
            Msg("{value} is out of range (at most {most})", value=clip(v), most=WHOLE_MAX),
        )
        for key, v in _whole_numbers(data)
        if abs(v) > WHOLE_MAX
    ]
    if huge:  # a seed or a budget the solvers' integers cannot hold (a crash, not a message)
        raise ScenarioError(huge)
    try:
        return ScenarioConfig.model_validate(data)
    except ValidationError as exc:
        probs = []
        for err in exc.errors():
            field = ".".join(str(x) for x in err["loc"])
            msg = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key (typo?)"
            probs.append(Problem(SCENARIO_FILE, None, field, msg))
        raise ScenarioError(probs) from None


def load_scenario(
    root: Path,
    referrals: Path | None = None,
    restricted: Mapping[str, bytes] | None = None,
    public: bool = False,
) -> Scenario:
    """Read, validate and cross-check a scenario folder; raise ScenarioError with every problem.
    `referrals` stands for [data] referrals (a run's restricted copy, when it is replayed).

    A run's `inputs/` has no priority column: `restricted` (a run's restricted part, decrypted:
    file name -> bytes) gives each person's priority and the referral records; `public` reads
    the publishable part alone (everyone's priority reads as 0: for reports, which never use
    it)."""
    root = Path(root)
    config = read_config(root)
    probs: list[Problem] = []
    warns: list[Problem] = []
    s0, s1 = config.scenario.season_start, config.scenario.season_end
    # A run's recorded inputs (restricted or public given) were accepted when it was written: a
    # day run written before day runs kept only their own heat day stays readable (a warning).
    run_inputs = restricted is not None or public
    for i, d in enumerate(config.transport.heat_alert_days):
        if not s0 <= d <= s1:  # last year's list copied: the alert would change nothing
            (warns if run_inputs else probs).append(
                Problem(
                    SCENARIO_FILE,
                    None,
                    f"transport.heat_alert_days.{i}",
                    Msg("{day} is outside the season {start}..{end}", day=d, start=s0, end=s1),
                )
            )
    keys = ["foresterie", "farms", "workers", "fleet"]
    if config.data.pickups is not None:
        keys.append("pickups")
    if config.travel.backend == "matrix":
        if config.data.matrix is None:
            probs.append(
                Problem(
                    SCENARIO_FILE, None, "data.matrix", Msg("required by backend {b}", b='"matrix"')
                )
            )
        else:
            keys.append("matrix")
    for key in sorted(set(config.data.layers) - LAYERED):
        probs.append(
            Problem(
                SCENARIO_FILE,
                None,
                "data.layers",
                Msg(
                    "{key} is not a layered file ({keys})",
                    key=repr(key),
                    keys=", ".join(sorted(LAYERED)),
                ),
            )
        )
    files: dict[str, Path] = {}
    for key in keys:
        p = _resolve(root, key, getattr(config.data, key), probs)
        if p is not None:
            files[key] = p
    if referrals is not None:
        files["referrals"] = Path(referrals)
    elif config.data.referrals is not None:
        p = _resolve(root, "referrals", config.data.referrals, probs)
        if p is not None:
            files["referrals"] = p
    key_bytes = (restricted or {}).get(RESTRICTED_DRAW_KEY)
    if key_bytes is None and config.data.draw_key is not None:
        p = _resolve(root, "draw_key", config.data.draw_key, probs)
        if p is not None:
            files["draw_key"] = p
            key_bytes = p.read_bytes()[:MAX_DRAW_KEY_BYTES]
    if config.data.farm_calendar is not None:
        p = _resolve(root, "farm_calendar", config.data.farm_calendar, probs)
        if p is not None:
            files["farm_calendar"] = p
    if config.travel.backend == "osrm":
        graph = _resolve_graph(root, config.travel.graph, probs)
        if graph is not None:
            files["graph"] = graph
    lab = {k: Path(getattr(config.data, k)).name for k in keys}

    ids: dict[str, set[str]] = {"foresterie": set(), "farms": set(), "workers": set()}
    # BROKEN + key: the ids of the rows of that file refused on their own (_validate_rows)
    ids |= {BROKEN + k: set() for k in ("foresterie", "farms", "pickups", "workers", "fleet")}
    foresterie: list[Foresteria] = []
    if "foresterie" in files:
        rows = _layer_rows(
            config, files, lab, "foresterie", FORESTERIA_FIELDS, False, ForesteriaRow, probs, ids
        )
        for _r, m, f in rows:
            foresterie.append(Foresteria(**m.model_dump(), lon=f.lon, lat=f.lat))
        warns += label_warnings(lab["foresterie"], [(r, "name", m.name) for r, m, _ in rows])
        ids["with_beds"] = {f.id for f in foresterie if f.beds_total}
    farms: list[Farm] = []
    if "farms" in files:
        rows = _layer_rows(config, files, lab, "farms", FARM_FIELDS, True, FarmRow, probs, ids)
        _ids_taken(rows, ids["foresterie"], lab["farms"], probs)
        for _r, m, f in rows:
            farms.append(Farm(**m.model_dump(), lon=f.lon, lat=f.lat, wkt=f.wkt))
        warns += label_warnings(
            lab["farms"], [(r, k, getattr(m, k)) for r, m, _ in rows for k in ("name", "crop")]
        )
        warns += _scattered_farms(rows, lab["farms"])
        _day_windows(config, [(r, m) for r, m, _ in rows], lab["farms"], probs)
        warns += _clock_change_shifts(config, [(r, m) for r, m, _ in rows], lab["farms"])
    pickups: list[Pickup] = []
    ids["pickups"] = set()
    if "pickups" in files:
        rows = _layer_rows(
            config, files, lab, "pickups", PICKUP_FIELDS, False, PickupRow, probs, ids
        )
        _ids_taken(rows, ids["foresterie"] | ids["farms"], lab["pickups"], probs)
        for _r, m, f in rows:
            pickups.append(Pickup(**m.model_dump(), lon=f.lon, lat=f.lat))
        ids["depots"] = {p.id for p in pickups if p.kind == "depot"}
    workers: list[tuple[int, WorkerRow]] = []
    # The CSV files as spreadsheets save them, in the code page the scenario declares (a run's
    # restricted copies are the canonical UTF-8 the run wrote).
    office: dict[str, Any] = {
        "office": True,
        "encoding": config.data.encoding,
        "dates": DAY_COLUMNS,
    }
    prio = (restricted or {}).get(RESTRICTED_PRIORITY)
    if "workers" in files:
        required: tuple[str, ...] = WORKER_REQUIRED
        if prio is not None or public:
            required = tuple(c for c in WORKER_REQUIRED if c != "priority")
        rows_iter = read_csv(
            files["workers"], lab["workers"], required, probs, optional=WORKER_OPTIONAL, **office
        )
        if prio is not None or public:
            rows_iter = _with_priority(rows_iter, prio, lab["workers"], probs)
        workers = _validate_rows(
            WorkerRow, rows_iter, lab["workers"], probs, ("worker_id", ids[BROKEN + "workers"])
        )
        _duplicates(  # W001 and w001: one person split in two, or two merged in a spreadsheet
            [(r, w.worker_id) for r, w in workers], lab["workers"], "worker_id", probs, fold=True
        )
    fleet: list[tuple[int, VehicleRow]] = []
    if "fleet" in files:
        rows_iter = read_csv(
            files["fleet"],
            lab["fleet"],
            FLEET_COLUMNS,
            probs,
            optional=FLEET_OPTIONAL,
            decimals=FLEET_DECIMALS,
            empty_ok=True,  # no vehicles yet: housing is planned, every ride listed unserved
            **office,
        )
        fleet = _validate_rows(
            VehicleRow, rows_iter, lab["fleet"], probs, ("vehicle_id", ids[BROKEN + "fleet"])
        )
        _duplicates(
            [(r, v.vehicle_id) for r, v in fleet], lab["fleet"], "vehicle_id", probs, fold=True
        )

    referral_rows: list[tuple[int, ReferralRow]] = []
    ref_bytes = (restricted or {}).get(RESTRICTED_REFERRALS)
    if "referrals" in files or ref_bytes is not None:
        if ref_bytes is not None:
            rl = RESTRICTED_REFERRALS
            # a day run's may be the header alone: records read, none of the day's riders
            rows_iter = read_csv_bytes(
                ref_bytes, rl, REFERRAL_COLUMNS, probs, office=True, empty_ok=True
            )
        else:
            rl = files["referrals"].name
            rows_iter = read_csv(files["referrals"], rl, REFERRAL_COLUMNS, probs, **office)
        referral_rows = _validate_rows(ReferralRow, rows_iter, rl, probs)
        _duplicates([(r, x.worker_id) for r, x in referral_rows], rl, "worker_id", probs)
        _check_referrals(referral_rows, rl, ids, workers, probs, _broken_layers(lab, probs))
    closure_rows: list[tuple[int, ClosureRow]] = []
    if "farm_calendar" in files:
        cl = files["farm_calendar"].name
        rows_iter = read_csv(files["farm_calendar"], cl, CALENDAR_COLUMNS, probs, **office)
        closure_rows = _validate_rows(ClosureRow, rows_iter, cl, probs)
        _check_calendar(
            config, closure_rows, cl, ids, probs, warns, "farms" in _broken_layers(lab, probs)
        )
    _cross_check(config, ids, workers, lab, probs)
    _check_fleet(config, ids, workers, fleet, lab, probs, warns)
    kl = files["draw_key"].name if "draw_key" in files else RESTRICTED_DRAW_KEY
    draw_key = None if key_bytes is None else _draw_key(key_bytes, kl, probs)
    referred = referral_rows or any(w.priority == PRIORITY_REFERRED for _, w in workers)
    if key_bytes is None and referred and not run_inputs:  # a run's: said when it was solved
        warns.append(  # the documented fallback: the published seed decides the tie-breaks
            Problem(
                SCENARIO_FILE,
                None,
                "data.draw_key",
                Msg(
                    "not set: who rides first among equals and the lottery's tickets follow "
                    'sha256("SEED:WORKER_ID"), which anyone holding the published plan can '
                    "recompute, and then tell referred riders apart; "
                    "`foresterie restricted drawkey > draw_key.txt` makes a key"
                ),
            )
        )
    layers = {lab[k] for k in ("foresterie", "farms", "pickups") if k in lab}
    if "matrix" in files and not any(p.file in layers for p in probs):
        # (a broken layer would make every row of the matrix name an unknown place: one line)
        location_ids = [f.id for f in foresterie] + [f.id for f in farms] + [p.id for p in pickups]
        check_matrix_file(files["matrix"], lab["matrix"], location_ids, probs)
    if probs:
        raise ScenarioError(probs)
    avoid = {x.worker_id: frozenset(x.avoid_sites) for _, x in referral_rows}
    return Scenario(
        referrals=tuple(
            sorted(
                (
                    Referral(
                        worker_id=x.worker_id,
                        referral_date=x.referral_date,
                        referring_body=x.referring_body,
                        urgency=x.urgency,
                        avoid_sites=frozenset(x.avoid_sites),
                    )
                    for _, x in referral_rows
                ),
                key=lambda x: x.worker_id,
            )
        ),
        root=root.resolve(),
        config=config,
        foresterie=tuple(sorted(foresterie, key=lambda f: f.id)),
        farms=tuple(sorted(farms, key=lambda f: f.id)),
        workers=tuple(sorted((_worker(w, avoid, r) for r, w in workers), key=lambda w: w.id)),
        fleet=tuple(sorted((_vehicle(v) for _, v in fleet), key=lambda v: v.id)),
        files=files,
        pickups=tuple(sorted(pickups, key=lambda p: p.id)),
        farm_closures=_sorted_closures(
            (
                FarmClosure(
                    farm_id=x.farm_id,
                    first_day=max(x.first_day, config.scenario.season_start),
                    last_day=min(x.last_day, config.scenario.season_end),
                )
                for _, x in closure_rows
            )
        ),
        warnings=tuple(warns),
        draw_key=draw_key,
    )


def _draw_key(data: bytes, label: str, probs: list[Problem]) -> str | None:
    """[data] draw_key's text: 64 hex digits (256 bits), surrounding blanks allowed. A shorter
    or hand-made key could be guessed, which is what it is there to prevent: refused."""
    text = data.decode("ascii", "replace").strip().lower()
    if len(text) == DRAW_KEY_HEX and all(c in "0123456789abcdef" for c in text):
        return text
    probs.append(
        Problem(
            label,
            1,
            "key",
            Msg(
                "not a draw key: {n} hex digits are needed "
                "(`foresterie restricted drawkey` prints one)",
                n=DRAW_KEY_HEX,
            ),
        )
    )
    return None


def _sorted_closures(closures: Iterable[FarmClosure]) -> tuple[FarmClosure, ...]:
    return tuple(sorted(closures, key=lambda c: (c.farm_id, c.first_day, c.last_day)))


def _day_windows(
    config: ScenarioConfig, rows: list[tuple[int, FarmRow]], label: str, probs: list[Problem]
) -> None:
    """Every ride of a day stays inside that calendar day: a morning ride may start up to
    arrive-early + ride-cap minutes before the shift, an evening ride end up to wait + ride-cap
    after it. A shift at 00:15 would need a ride the evening before, which no plan file (nor a
    driver) can read as that day's: refused here rather than planned wrongly."""
    t = config.transport
    before = t.arrive_early_max_min + t.max_ride_min
    after = t.wait_after_shift_max_min + t.max_ride_min
    for r, m in rows:
        if m.shift_start - before < 0:
            probs.append(
                Problem(
                    label,
                    r,
                    "shift_start",
                    Msg(
                        "{time} puts the morning ride (up to {n} min before) in the previous "
                        "day; shifts start at {earliest} or later",
                        time=fmt_hhmm(m.shift_start),
                        n=before,
                        earliest=fmt_hhmm(before),
                    ),
                )
            )
        if m.shift_end + after > DAY_MIN:
            probs.append(
                Problem(
                    label,
                    r,
                    "shift_end",
                    Msg(
                        "{time} puts the ride back (up to {n} min after) in the next day; "
                        "shifts end at {latest} or earlier",
                        time=fmt_hhmm(m.shift_end),
                        n=after,
                        latest=fmt_hhmm(DAY_MIN - after),
                    ),
                )
            )


# A farm-calendar span that runs over the season's edge, read for its days in it (a warning).
CALENDAR_CLIPPED = {
    "first_day": N_("{day} is before the season's first day: the span is read as {a} to {b}"),
    "last_day": N_("{day} is after the season's last day: the span is read as {a} to {b}"),
}

# The warnings of `_clock_change_shifts`, by (the clocks go forward?, what the shift is that day:
# at a time that does not exist or happens twice, unreachable, reachable from nearby only).
CLOCK_CHANGE_WARNINGS = {
    (True, "odd"): N_(
        "{id}: shift {time} on {day}: {time} does not exist that day (the clocks go forward from "
        "{start} to {end}) and no shuttle leaves before {end}; its riders have no ride that day"
    ),
    (False, "odd"): N_(
        "{id}: shift {time} on {day}: {time} happens twice that day (the clocks go back from "
        "{end} to {start}) and no shuttle leaves before {end}; its riders have no ride that day"
    ),
    (True, "none"): N_(
        "{id}: shift {time} on {day}: the clocks go forward from {start} to {end} and no shuttle "
        "leaves before {end}; its riders have no ride that day"
    ),
    (False, "none"): N_(
        "{id}: shift {time} on {day}: the clocks go back from {end} to {start} and no shuttle "
        "leaves before {end}; its riders have no ride that day"
    ),
    (True, "some"): N_(
        "{id}: shift {time} on {day}: the clocks go forward from {start} to {end} and no shuttle "
        "leaves before {end}; riders more than {n} min away have no ride that day"
    ),
    (False, "some"): N_(
        "{id}: shift {time} on {day}: the clocks go back from {end} to {start} and no shuttle "
        "leaves before {end}; riders more than {n} min away have no ride that day"
    ),
}


# A farm's parts farther apart than this from its entrance: said (the entrance is in the
# largest part, and riders are set down there only).
SCATTERED_FARM_M = 3_000


def _scattered_farms(rows: list[tuple[int, Any, Any]], label: str) -> list[Problem]:
    """A warning per farm drawn in several parts, one of which lies far from its entrance: a
    firm's scattered parcels or a digitising slip, each a field nobody is driven to."""
    out: list[Problem] = []
    for r, m, f in rows:
        if f.wkt is None:
            continue
        n, far = scattered(f.wkt, f.lon, f.lat)
        if far > SCATTERED_FARM_M:
            msg = Msg(
                "{id} is drawn in {n} parts, one {km} km from its entrance (in the largest "
                "part, at {lon}, {lat}), where riders are set down: give each field as a farm "
                "of its own, or the farm as a point",
                id=repr(m.id),
                n=n,
                km=f"{far / 1000:.1f}",
                lon=f"{f.lon:.5f}",
                lat=f"{f.lat:.5f}",
            )
            out.append(Problem(label, r, "geometry", msg))
    return out


def _clock_change_shifts(
    config: ScenarioConfig, rows: list[tuple[int, FarmRow]], label: str
) -> list[Problem]:
    """A warning per farm and workday of the season on which the local clock changes (in the
    scenario's timezone) and a ride within the rules would leave before the changed hour is
    over: no shuttle does that day (README "Scenario format"), so riders whose ride takes longer
    than the time from then to the shift start (or, back, to the end of the wait after it) have
    none. Not an error: the farm works the season's other days, and may start later that day."""
    t = config.transport
    s0, s1 = config.scenario.season_start, config.scenario.season_end
    out: list[Problem] = []
    for d in date_range(s0, s1 + timedelta(days=1)):
        c = clock_change(d, config.scenario.timezone)
        if c is None:
            continue
        for r, m in rows:
            if d.weekday() not in m.workdays:
                continue
            latest_back = m.shift_end + t.wait_after_shift_max_min - t.board_min
            if m.shift_start - t.max_ride_min < c.end:
                field, when, left = "shift_start", m.shift_start, m.shift_start - c.end
            elif latest_back - t.max_ride_min < c.end:
                field, when, left = "shift_end", m.shift_end, latest_back - c.end
            else:
                continue
            kind = "some" if left > 0 else "odd" if c.start <= when < c.end else "none"
            values = {"start": fmt_hhmm(c.start), "end": fmt_hhmm(c.end), "n": left}
            values |= {"id": m.id, "time": fmt_hhmm(when), "day": d.isoformat()}
            template = CLOCK_CHANGE_WARNINGS[c.forward, kind]
            out.append(Problem(label, r, field, Msg(template, **values)))
    return out


def _vehicle(v: VehicleRow) -> Vehicle:
    d = v.model_dump()
    return Vehicle(id=d.pop("vehicle_id"), **d)


def _worker(w: WorkerRow, avoid: dict[str, frozenset[str]], row: int) -> Worker:
    """The model's person. A farm or departure point the person's referral record names as a
    site to avoid is not theirs in the model (never driven there, no commute, never boarded
    there), and it is left out of what the run publishes (its inputs/workers.csv): a farm beside
    the id of someone who is neither driven nor listed unserved would tell the referral."""
    away = avoid.get(w.worker_id, frozenset())
    return Worker(
        row=row,
        avoid=away,
        id=w.worker_id,
        arrival=w.arrival,
        departure=w.departure,
        section=w.section,
        group_id=w.group_id,
        farm_id=None if w.farm_id in away else w.farm_id,
        priority=w.priority,
        accessible=w.accessible,
        pinned_foresteria=w.pinned_foresteria,
        pickup_id=None if w.pickup_id in away else w.pickup_id,
        rides=w.rides,
        contract=w.contract,
        lang=w.lang,
    )


def _with_priority(
    rows: Iterator[tuple[int, dict[str, str]]],
    prio: bytes | None,
    label: str,
    probs: list[Problem],
) -> Iterator[tuple[int, dict[str, str]]]:
    """Workers' rows with each person's priority put back from the restricted part (every
    person listed once, nobody else); `prio` None: the publishable part alone, priority 0."""
    given: dict[str, str] = {}
    if prio is not None:
        for r, x in read_csv_bytes(prio, RESTRICTED_PRIORITY, PRIORITY_COLUMNS, probs, office=True):
            wid = x["worker_id"].strip()
            if wid in given:
                probs.append(Problem(RESTRICTED_PRIORITY, r, "worker_id", Msg("listed twice")))
            given[wid] = x["priority"]
    seen: set[str] = set()
    for r, row in rows:
        if "priority" in row and prio is None:  # an older run folder, read publicly
            yield r, row
            continue
        if "priority" in row:
            probs.append(
                Problem(label, 1, "priority", Msg("belongs in the restricted part of a run"))
            )
            return
        wid = (row.get("worker_id") or "").strip()
        seen.add(wid)
        if prio is not None and wid not in given:
            probs.append(Problem(RESTRICTED_PRIORITY, None, "worker_id", Msg("{w} missing", w=wid)))
        yield r, {**row, "priority": given.get(wid, "0")}
    for wid in sorted(set(given) - seen):
        probs.append(
            Problem(RESTRICTED_PRIORITY, None, "worker_id", Msg("unknown worker {w}", w=repr(wid)))
        )


BROKEN = "broken:"  # ids[BROKEN + key]: the ids of the rows of file `key` refused on their own


def _broken_layers(lab: dict[str, str], probs: list[Problem]) -> set[str]:
    """The layers (foresterie, farms, pickups) with a problem of their own: references to their
    ids are not checked (one broken feature is one line, not one more per row naming it)."""
    return {k for k in LAYERED if k in lab and any(p.file == lab[k] for p in probs)}


def _check_referrals(
    rows: list[tuple[int, ReferralRow]],
    label: str,
    ids: dict[str, set[str]],
    workers: list[tuple[int, WorkerRow]],
    probs: list[Problem],
    broken: frozenset[str] | set[str] = frozenset(),
) -> None:
    """Every referral names a known person and known sites (foresterie, farms, departure
    points: the settlement a person was referred from may be one), and does not pin anyone to
    one."""
    by_id = {w.worker_id: w for _, w in workers}
    sites = ids["foresterie"] | ids["farms"] | ids.get("pickups", set())
    for r, x in rows:
        w = by_id.get(x.worker_id)
        if w is None:
            # (a workers.csv refused whole, or the person's own row refused: its own line, not
            # one more per referral)
            if by_id and x.worker_id not in ids.get(BROKEN + "workers", set()):
                probs.append(
                    Problem(label, r, "worker_id", Msg("unknown worker {id}", id=repr(x.worker_id)))
                )
            continue
        for s in x.avoid_sites:
            if sites and not broken and s not in sites:
                probs.append(
                    Problem(
                        label,
                        r,
                        "avoid_sites",
                        Msg("unknown foresteria, farm or departure point {id}", id=repr(s)),
                    )
                )
        if w.pinned_foresteria in x.avoid_sites:
            probs.append(
                Problem(
                    label,
                    r,
                    "avoid_sites",
                    f"{x.worker_id} is pinned to {w.pinned_foresteria!r}, a site to avoid",
                )
            )


def _check_calendar(
    config: ScenarioConfig,
    rows: list[tuple[int, ClosureRow]],
    label: str,
    ids: dict[str, set[str]],
    probs: list[Problem],
    warns: list[Problem],
    farms_broken: bool = False,
) -> None:
    """Every closure names a known farm (unless the farms' layer is refused: no cascade), ends
    on or after its first day, and has days in the season. A span that runs over the season's
    start or end (a pause in the harvest since before the season: a farm's calendar is kept per
    farm, not per season) is read for its days in the season, with a warning that says so; the
    run's inputs/ hold it so cut (no release can depend on a day outside the season: the rule
    counts days without work during a stay). A span wholly outside the season is an error (a
    year mistyped, or last year's calendar)."""
    s0, s1 = config.scenario.season_start, config.scenario.season_end
    for r, x in rows:
        if ids["farms"] and not farms_broken and x.farm_id not in ids["farms"]:
            probs.append(Problem(label, r, "farm_id", Msg("unknown farm {id}", id=repr(x.farm_id))))
        if x.last_day < x.first_day:
            probs.append(
                Problem(label, r, "last_day", Msg("{a} is before first_day", a=x.last_day))
            )
        elif x.last_day < s0 or x.first_day > s1:
            probs.append(
                Problem(
                    label,
                    r,
                    "first_day" if x.first_day < s0 else "last_day",
                    Msg("outside the season ({a} to {b})", a=s0, b=s1),
                )
            )
        else:
            a, b = max(x.first_day, s0), min(x.last_day, s1)
            ends = (
                ("first_day", x.first_day, x.first_day < s0, CALENDAR_CLIPPED["first_day"]),
                ("last_day", x.last_day, x.last_day > s1, CALENDAR_CLIPPED["last_day"]),
            )
            for field, day, out, template in ends:
                if out:
                    warns.append(Problem(label, r, field, Msg(template, day=day, a=a, b=b)))


def _cross_check(
    config: ScenarioConfig,
    ids: dict[str, set[str]],
    workers: list[tuple[int, WorkerRow]],
    lab: dict[str, str],
    probs: list[Problem],
) -> None:
    """Checks that need several rows or files: references, groups, the season. References to
    a layer that has a problem of its own are not checked: one broken feature (a key written
    twice, an unreadable file) is one line, not one more per row naming it."""
    broken = _broken_layers(lab, probs)
    f_ids = set() if "foresterie" in broken else ids["foresterie"]
    farm_ids = set() if "farms" in broken else ids["farms"]
    s0 = config.scenario.season_start
    s1 = config.scenario.season_end + timedelta(days=1)
    wl = lab.get("workers", "workers.csv")
    groups: dict[str, list[tuple[int, WorkerRow]]] = defaultdict(list)
    for r, w in workers:
        if farm_ids and w.farm_id is not None and w.farm_id not in farm_ids:
            probs.append(
                Problem(
                    wl,
                    r,
                    "farm_id",
                    _elsewhere(w.farm_id, ids, "farm")
                    or Msg("unknown farm {id}", id=repr(w.farm_id)),
                )
            )
        if f_ids and w.pinned_foresteria is not None and w.pinned_foresteria not in f_ids:
            probs.append(
                Problem(
                    wl,
                    r,
                    "pinned_foresteria",
                    _elsewhere(w.pinned_foresteria, ids, "foresteria")
                    or Msg("unknown foresteria {id}", id=repr(w.pinned_foresteria)),
                )
            )
        if (  # a departure point, or a foresteria boarded at without a bed there (a day run's
            # rider booked from another foresteria than their bed: ops/day.py)
            w.pickup_id is not None
            and "pickups" not in broken
            and w.pickup_id not in ids.get("pickups", set()) | f_ids
        ):
            probs.append(Problem(wl, r, "pickup_id", f"unknown departure point {w.pickup_id!r}"))
        if w.arrival < s0 or w.departure > s1:
            probs.append(
                Problem(
                    wl,
                    r,
                    "arrival" if w.arrival < s0 else "departure",  # the field that is wrong
                    Msg(
                        "stay {arrival}..{departure} is outside the season {start}..{end}",
                        arrival=w.arrival,
                        departure=w.departure,
                        start=s0,
                        end=config.scenario.season_end,
                    ),
                )
            )
        if w.group_id is not None:
            groups[w.group_id].append((r, w))
    for gid, members in groups.items():
        sections = {w.section for _, w in members}
        if len(sections) > 1:
            r = members[0][0]
            names = ", ".join(s.value for s in SECTIONS if s in sections)
            probs.append(
                Problem(
                    wl,
                    r,
                    "section",
                    Msg("group {id} spans sections {sections}", id=repr(gid), sections=names),
                )
            )
        pins = {w.pinned_foresteria for _, w in members if w.pinned_foresteria}
        if len(pins) > 1:
            probs.append(
                Problem(
                    wl,
                    members[0][0],
                    "pinned_foresteria",
                    Msg("group {id} is pinned to several foresterie", id=repr(gid)),
                )
            )


# An id named in a column of another kind of place (farm_id and pinned_foresteria swapped):
# (layer it is in, column's kind) -> what is said in place of "unknown" (session 20, S)
_ELSEWHERE = {
    ("foresterie", "farm"): N_("{id} is a foresteria, not a farm (columns swapped?)"),
    ("pickups", "farm"): N_("{id} is a departure point, not a farm (columns swapped?)"),
    ("farms", "foresteria"): N_("{id} is a farm, not a foresteria (columns swapped?)"),
    ("pickups", "foresteria"): N_("{id} is a departure point, not a foresteria (columns swapped?)"),
}


def _elsewhere(ref: str, ids: dict[str, set[str]], want: str) -> Msg | None:
    """What an id of another layer is, said for the column that names it; None for an id of
    no layer."""
    for (key, column), template in _ELSEWHERE.items():
        if column == want and ref in ids.get(key, set()):
            return Msg(template, id=repr(ref))
    return None


def _check_fleet(
    config: ScenarioConfig,
    ids: dict[str, set[str]],
    workers: list[tuple[int, WorkerRow]],
    fleet: list[tuple[int, VehicleRow]],
    lab: dict[str, str],
    probs: list[Problem],
    warns: list[Problem],
) -> None:
    """Each vehicle's base is a foresteria or a depot. What a fleet lacks is said, not refused
    (README "Departure points"): a region plans its beds before its shuttle contract (no
    vehicles: every ride is listed unserved, `no_vehicle`), a contractor's coaches sit at a
    depot (a foresteria without vehicles of its own is served from the nearest base that has
    some), and a vehicle whose dates miss the season never runs."""
    broken = _broken_layers(lab, probs)
    f_ids = set() if "foresterie" in broken else ids["foresterie"]
    fl = lab.get("fleet", "fleet.csv")
    for r, v in fleet:
        # a departure point whose own row was refused may be the depot named (its kind misspelt)
        known = f_ids | ids.get("depots", set()) | ids.get(BROKEN + "pickups", set())
        if f_ids and v.foresteria_id not in known:
            # an id of another kind of place is not "unknown": say what it is (session 20, S)
            other = (
                Msg("{id} is a farm, not a foresteria or depot", id=repr(v.foresteria_id))
                if v.foresteria_id in ids.get("farms", set())
                else Msg(
                    '{id} is a departure point that is not a depot (kind = "depot" in its '
                    "layer makes it a base)",
                    id=repr(v.foresteria_id),
                )
                if v.foresteria_id in ids.get("pickups", set())
                else Msg("unknown foresteria or depot {id}", id=repr(v.foresteria_id))
            )
            probs.append(Problem(fl, r, "foresteria_id", other))
    for r, v in fleet:
        # a span raised above one driver's day is the README's two drivers in shifts: no warning
        if v.max_duty_min > DUTY_ONE_DRIVER_MIN and v.max_span_min <= SPAN_MIN_DEFAULT:
            warns.append(
                Problem(
                    fl,
                    r,
                    "max_duty_min",
                    Msg(
                        "{duty} minutes on trips is more than one driver may drive in a day "
                        "({most}): give the vehicle a second driver in shifts and raise its "
                        "max_span_min, or lower the duty",
                        duty=v.max_duty_min,
                        most=DUTY_ONE_DRIVER_MIN,
                    ),
                )
            )
    s0, s1 = config.scenario.season_start, config.scenario.season_end
    # A one-day scenario (what `foresterie day` writes) lists the season's fleet, the vehicles
    # off that day or broken down included: not a typo in their dates.
    for r, v in fleet if s0 < s1 else []:
        if v.available_to < s0 or v.available_from > s1:
            warns.append(
                Problem(
                    fl,
                    r,
                    "available_from",
                    Msg(
                        "{first}..{last} is outside the season {start}..{end}: this vehicle "
                        "never runs",
                        first=v.available_from,
                        last=v.available_to,
                        start=s0,
                        end=s1,
                    ),
                )
            )
    if "fleet" not in lab or any(p.file == fl for p in probs) or "foresterie" in broken:
        return  # no cascade from a file or row already refused
    if not any(w.farm_id for _, w in workers):
        return  # nobody rides
    if not fleet:
        warns.append(
            Problem(
                fl,
                None,
                "file",
                Msg(
                    "no vehicles: housing is planned, and every ride is listed unserved "
                    "(no_vehicle)"
                ),
            )
        )
        return
    based = {v.foresteria_id for _, v in fleet}
    for fid in sorted(ids.get("with_beds", set()) - based):
        warns.append(
            Problem(
                fl,
                None,
                "foresteria_id",
                Msg(
                    "no vehicle based at {id}: its riders are served from the nearest base that "
                    "has vehicles",
                    id=repr(fid),
                ),
            )
        )


# ---------------------------------------------------------------- hashing


def scenario_hash(scenario: Scenario) -> str:
    """Canonical hash: the parsed configuration plus each data file's content, not its path."""
    cfg = scenario.config.model_dump(mode="json")
    cfg["data"] = {
        k: file_sha256(p / "graph.json" if p.is_dir() else p)
        for k, p in sorted(scenario.files.items())
    }
    cfg.pop("report", None)  # the language of the outputs does not change the plan
    cfg["travel"]["graph"] = None  # the graph's own record (extract hash, profile) is in data
    if scenario.draw_key is not None:  # from a run's restricted part too (not in files then)
        cfg["draw_key"] = hashlib.sha256(scenario.draw_key.encode()).hexdigest()
    blob = json.dumps(cfg, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()
