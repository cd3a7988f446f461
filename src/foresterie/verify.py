"""Independent plan checker: reads only a run folder; shares no code path with the solvers.

Every check re-derives what it needs from inputs/ (workers, foresterie, farms, fleet, the
recorded travel matrix, scenario.toml) and plan/ files, following the rules in the README.
"""

from __future__ import annotations

import bisect
import contextlib
import copy
import csv
import errno
import functools
import gc
import hashlib
import heapq
import hmac
import io
import itertools
import json
import math
import operator
import os
import re
import stat
import tomllib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

DAYNAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Unreadable(Exception):
    """The run folder is missing a file or a file cannot be parsed (exit 2)."""


# A run folder is untrusted input. Every file is read through `_read` (this module's own copy of
# the rule, as it imports nothing of the package): inside the run once links are resolved, a
# regular file (not a FIFO or /dev/zero), below a size limit. Names taken from scenario.toml or
# the manifest are plain file names, never paths.
MAX_FILE_BYTES = 1 << 30


def _resolved(path: Path) -> str:
    """Path.resolve() as a string, without building paths (a report's 4,500 files are read one
    by one): the real path, and a link loop refused as Path.resolve refuses it."""
    real = os.path.realpath(path)
    try:
        os.stat(real)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise RuntimeError(f"Symlink loop from {exc.filename!r}") from None
    return real


def _read(run: Path, rel: str, top: str | None = None) -> bytes:
    """`top`: the run's real path when the caller reads many files of it (the report's)."""
    path = run / rel
    real, top = _resolved(path), top or _resolved(run)  # then Path.is_relative_to, on strings
    if real != top and not real.startswith(top.rstrip(os.sep) + os.sep):
        raise Unreadable(f"{rel}: leads outside the run folder")
    try:
        st = path.stat()
    except OSError as exc:
        raise Unreadable(f"{rel}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise Unreadable(f"{rel}: not a regular file")
    if st.st_size > MAX_FILE_BYTES:
        raise Unreadable(f"{rel}: {st.st_size:,} bytes, more than {MAX_FILE_BYTES:,}")
    with open(path, "rb") as fh:
        return fh.read(MAX_FILE_BYTES)


def _plain_name(name: Any, where: str) -> str:
    if not isinstance(name, str) or not name or name != Path(name).name or name in (".", ".."):
        raise Unreadable(f"{where}: {str(name)[:60]!r} is not a plain file name")
    return name


def _rows(run: Path, rel: str, kind: str | None = None) -> list[dict[str, str]]:
    """A CSV file's rows, its shape checked by its kind (default: its name; see _CSV_SCHEMAS)."""
    return _parse_csv(_utf8(_read(run, rel), rel), rel, kind or Path(rel).name)


def _utf8(data: bytes, rel: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"{rel}: not UTF-8 (byte {exc.start})") from None


def _mins(text: str) -> int:
    if text.__class__ is str:  # a plan's times repeat (~100,000 asked on puglia-2027): kept
        got = _MINS.get(text)
        if got is not None:
            return got
    h, m = text.split(":")[:2]
    got = int(h) * 60 + int(m)
    if text.__class__ is str and len(_MINS) < 1 << 14:
        _MINS[text] = got
    return got


_MINS: dict[str, int] = {}  # "HH:MM" -> minutes, as _mins read it


@functools.lru_cache(maxsize=256)
def _days(text: str) -> frozenset[int]:
    """The weekdays (0 = Monday) of a farm's `workdays` ("Mon-Sat", "Mon-Fri,Sun"); kept per
    text, since the checks ask once per worker-day."""
    out: set[int] = set()
    for part in text.replace(" ", "").lower().split(","):
        ends = part.split("-")
        a, b = DAYNAMES.index(ends[0][:3]), DAYNAMES.index(ends[-1][:3])
        out |= set(range(a, b + 1)) if a <= b else set(range(a, 7)) | set(range(0, b + 1))
    return frozenset(out)


def _features(run: Path, rel: str, kind: str) -> list[dict[str, Any]]:
    """Feature properties of a layer (`kind`: foresterie, farms or pickups), checked."""
    if rel.lower().endswith((".geojson", ".json")):
        data = _json(run, rel)
        feats = data.get("features") if isinstance(data, dict) else None
        if not isinstance(feats, list):
            raise Unreadable(f"{rel}: features: not a list of features")
        props = [f.get("properties") if isinstance(f, dict) else None for f in feats]
        return _checked_features(rel, kind, [dict(p) if isinstance(p, dict) else p for p in props])
    import pyogrio  # GeoPackage and other GDAL formats

    _read(run, rel)  # the same confinement and limits before GDAL opens it
    records = pyogrio.read_dataframe(run / rel, read_geometry=False).to_dict("records")
    return _checked_features(rel, kind, records)


def _no_constant(name: str) -> Any:
    """NaN and Infinity are not JSON (the writers never give them) and compare false with every
    number, which would pass any check: refused."""
    raise ValueError(f"{name} is not a number")


def _json(run: Path, rel: str) -> Any:
    """A JSON file (UTF-8, a BOM allowed); its syntax, or nesting too deep to read, is exit 2."""
    return _json_of(_read(run, rel), rel)


def _json_of(data: bytes, rel: str) -> Any:
    """`_json` over bytes already read (a decrypted restricted file)."""
    try:
        return json.loads(_utf8(data, rel), parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise Unreadable(f"{rel}: not JSON: {str(exc).splitlines()[0][:120]}") from None


def _sha(run: Path, rel: str, top: str | None = None) -> str:
    return hashlib.sha256(_read(run, rel, top)).hexdigest()


# The shape of every file the checks read (README "Run folders and verification"). Each cell is
# parsed by its kind before any check runs, so a damaged or crafted folder is one line naming
# file, row and field (exit 2): never a check that compares text which is not what it claims to
# be ('' or 'abc' as a date compares below every date), and never a crash. Columns marked False
# may be absent (added by later versions, or only with some options); a column present is
# always checked. The names are this module's own, like the rest of its reading.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_TRUE = ("true", "1", "yes", "si", "sì", "y", "t")
_FALSE = ("false", "0", "no", "n", "f", "")
# characters of a free-text cell (a reason): a bound against a crafted file, above any reason a
# season writes (a detailed waitlist reason names the foresterie within reach: at 50,000 workers
# and 167 foresterie one passed 4,000 and the verifier refused the plan; session 20), below the
# csv module's own field limit (131,072)
_MAX_TEXT = 100_000


def _c_id(v: str) -> str | None:
    return None if _ID.fullmatch(v) else f"{v[:40]!r} is not an id"


def _c_opt_id(v: str) -> str | None:
    return _c_id(v) if v else None


def _c_ids(v: str) -> str | None:
    """Ids separated by spaces (unserved.csv's worker_ids) or semicolons (avoid_sites)."""
    bad = next((x for x in re.split(r"[ ;]", v) if x and not _ID.fullmatch(x)), None)
    return None if bad is None else f"{bad[:40]!r} is not an id"


def _c_date(v: str) -> str | None:
    try:
        if len(v) == 10 and date.fromisoformat(v).isoformat() == v:
            return None
    except ValueError:
        pass
    return f"{v[:40]!r} is not a date YYYY-MM-DD"


def _c_opt_date(v: str) -> str | None:
    return _c_date(v) if v else None


def _c_hhmm(v: str) -> str | None:
    """HH:MM; an evening trip past midnight gives hours from 24 to 47."""
    if re.fullmatch(r"\d{2}:[0-5]\d", v) and int(v[:2]) <= 47:
        return None
    return f"{v[:40]!r} is not a time HH:MM"


def _c_opt_hhmm(v: str) -> str | None:
    return _c_hhmm(v) if v else None


# Whole numbers up to the scenario format's documented top value, 1,000,000,000, included
# (review 13: a foresteria of 1,000,000,000 beds was solved, then its run refused as unreadable).
_WHOLE = r"(\d{1,9}|1000000000)"


def _c_count(v: str) -> str | None:
    return None if re.fullmatch(_WHOLE, v) else f"{v[:40]!r} is not a whole number >= 0"


def _c_int(v: str) -> str | None:
    return None if re.fullmatch(f"-?{_WHOLE}", v) else f"{v[:40]!r} is not a whole number"


def _c_amount(v: str) -> str | None:
    """A distance in km or an amount in euros: finite, >= 0, below a million."""
    if re.fullmatch(r"\d{1,6}(\.\d{1,9})?", v):
        return None
    return f"{v[:40]!r} is not a number >= 0"


def _c_yes_no(v: str) -> str | None:
    return None if v in ("yes", "no") else f"{v[:40]!r} is not yes or no"


def _c_flag(v: str) -> str | None:
    ok = v.strip().lower() in _TRUE + _FALSE
    return None if ok else f"{v[:40]!r} is not true or false"


def _c_section(v: str) -> str | None:
    return None if v in ("men", "women", "family") else f"{v[:40]!r} is not a section"


def _c_direction(v: str) -> str | None:
    ok = v in ("to_farm", "to_foresteria")
    return None if ok else f"{v[:40]!r} is not to_farm or to_foresteria"


def _c_code(v: str) -> str | None:
    return None if re.fullmatch(r"[a-z_]{1,32}", v) else f"{v[:40]!r} is not a reason code"


def _c_text(v: str) -> str | None:
    if v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        # what a spreadsheet runs as a formula: a run's writer never leaves one (an apostrophe
        # first); a forged reason could (review 13: =HYPERLINK(...) passed)
        return f"{v[:40]!r} would run as a spreadsheet formula"
    return None if len(v) <= _MAX_TEXT and "\x00" not in v else "too long, or holds NUL"


def _c_days(v: str) -> str | None:
    try:
        _days(v)
        return None
    except (ValueError, IndexError):
        return f"{v[:40]!r} is not a list of weekdays (Mon-Fri,Sun)"


Cell = Callable[[str], "str | None"]  # the problem with a cell, or None
REQ, OPT = True, False  # a column required, or optional

_CSV_SCHEMAS: dict[str, dict[str, tuple[Cell, bool]]] = {
    "workers.csv": {
        "worker_id": (_c_id, REQ),
        "arrival": (_c_date, REQ),
        "departure": (_c_date, REQ),
        "section": (_c_section, REQ),
        "group_id": (_c_opt_id, REQ),
        "farm_id": (_c_opt_id, REQ),
        "accessible": (_c_flag, OPT),
        "pinned_foresteria": (_c_opt_id, OPT),
        "pickup_id": (_c_opt_id, OPT),
        "rides": (_c_flag, OPT),
        "contract": (_c_flag, OPT),
        "priority": (_c_int, OPT),
    },
    "fleet.csv": {
        "vehicle_id": (_c_id, REQ),
        "foresteria_id": (_c_id, REQ),
        "seats": (_c_count, REQ),
        "fixed_cost_eur_per_day": (_c_amount, REQ),
        "cost_eur_per_km": (_c_amount, REQ),
        "max_duty_min": (_c_count, REQ),
        "available_from": (_c_date, REQ),
        "available_to": (_c_date, REQ),
        # a driver's day (_check_driver_days); empty: one driver's limit
        "max_span_min": (lambda v: _c_count(v) if v else None, OPT),
        "max_stretch_min": (lambda v: _c_count(v) if v else None, OPT),
    },
    "matrix.csv": {
        "from_id": (_c_id, REQ),
        "to_id": (_c_id, REQ),
        "seconds": (_c_count, REQ),
        "metres": (_c_count, REQ),
    },
    "farm_calendar.csv": {
        "farm_id": (_c_id, REQ),
        "first_day": (_c_date, REQ),
        "last_day": (_c_date, REQ),
    },
    "worked_days.csv": {  # an intake's: a booking says this person works on a closed day
        "worker_id": (_c_id, REQ),
        "day": (_c_date, REQ),
    },
    "moves.csv": {  # a re-plan's: who moved on request, to which foresteria, on which night
        "worker_id": (_c_id, REQ),
        "foresteria_id": (_c_id, REQ),
        "from": (_c_date, REQ),
    },
    "no_shows.csv": {  # an intake's: who had not checked in, since when, after how many days
        "worker_id": (_c_id, REQ),
        "since": (_c_date, REQ),
        "after_days": (_c_count, REQ),
        "had_bed": (_c_yes_no, OPT),  # `no`: none was ever theirs (an older intake's: yes)
        "placed": (_c_opt_date, OPT),  # the bed released was given that day in the region
    },
    "placements.csv": {  # an intake's: who it placed while in the region, from which day
        "worker_id": (_c_id, REQ),
        "from": (_c_date, REQ),
    },
    "restarts.csv": {  # a re-plan's: whose stay rules began again on a re-plan's date
        "worker_id": (_c_id, REQ),
        "from": (_c_date, REQ),
        "foresteria_id": (_c_opt_id, REQ),
    },
    "previous_left_behind.csv": {  # a re-plan's: the days left behind before its date
        "day": (_c_date, REQ),
        "worker_id": (_c_id, REQ),
    },
    "replan_changes.csv": {  # a re-plan's: the residents whose beds from its date changed
        "worker_id": (_c_id, REQ),
        "was": (_c_text, REQ),
        "now": (_c_text, REQ),
    },
    "previous_assignments.csv": {
        "worker_id": (_c_id, REQ),
        "foresteria_id": (_c_id, REQ),
        "section": (_c_section, REQ),
        "from": (_c_date, REQ),
        "to": (_c_date, REQ),
    },
    "assignments.csv": {
        "worker_id": (_c_id, REQ),
        "foresteria_id": (_c_id, REQ),
        "section": (_c_section, REQ),
        "from": (_c_date, REQ),
        "to": (_c_date, REQ),
    },
    "waitlist.csv": {
        "worker_id": (_c_id, REQ),
        "code": (_c_code, REQ),
        "proven": (_c_yes_no, REQ),
        "reason": (_c_text, REQ),
    },
    "occupancy.csv": {
        "foresteria_id": (_c_id, REQ),
        "night": (_c_date, REQ),
        "section": (_c_section, REQ),
        "beds": (_c_count, REQ),
        "used": (_c_count, REQ),
    },
    "trips.csv": {
        "day": (_c_date, REQ),
        "foresteria_id": (_c_id, REQ),
        "direction": (_c_direction, REQ),
        "trip_id": (_c_id, REQ),
        "vehicle_id": (_c_opt_id, REQ),
        "depart": (_c_hhmm, REQ),
        "return": (_c_hhmm, REQ),
        "km": (_c_amount, REQ),
        "riders": (_c_count, REQ),
        "origin_id": (_c_opt_id, OPT),
        "origin_depart": (_c_opt_hhmm, OPT),
        "origin_return": (_c_opt_hhmm, OPT),
    },
    "stops.csv": {
        "trip_id": (_c_id, REQ),
        "seq": (_c_count, REQ),
        "farm_id": (_c_id, REQ),
        "arrive": (_c_hhmm, REQ),
        "depart": (_c_hhmm, REQ),
        "board": (_c_count, REQ),
        "alight": (_c_count, REQ),
        "load_after": (_c_int, REQ),
        "idle_min": (_c_int, REQ),
    },
    "riders.csv": {"trip_id": (_c_id, REQ), "seq": (_c_count, REQ), "worker_id": (_c_id, REQ)},
    "unserved.csv": {
        "day": (_c_date, REQ),
        "foresteria_id": (_c_id, REQ),
        "base_id": (_c_opt_id, REQ),
        "farm_id": (_c_id, REQ),
        "worker_days": (_c_count, REQ),
        "code": (_c_code, REQ),
        "proven": (_c_yes_no, REQ),
        "vehicles_lower_bound": (_c_count, REQ),
        "vehicles_available": (_c_count, REQ),
        "reason": (_c_text, REQ),
        "worker_ids": (_c_ids, REQ),
    },
    "fleet_days.csv": {
        "day": (_c_date, REQ),
        "foresteria_id": (_c_id, REQ),
        "vehicles_needed": (_c_count, REQ),
        "vehicles_lower_bound": (_c_count, REQ),
        "vehicles_available": (_c_count, REQ),
        "worker_days_unserved": (_c_count, REQ),
        "chaining_optimal": (_c_yes_no, REQ),
        "vehicles_needed_proven": (_c_yes_no, REQ),
    },
    "uncovered.csv": {
        "worker_id": (_c_id, REQ),
        "code": (_c_code, REQ),
        "from": (_c_date, REQ),
        "to": (_c_date, REQ),
        "reason": (_c_text, OPT),
    },
    "lottery.csv": {"worker_id": (_c_id, REQ), "ticket": (_c_text, REQ)},
    "uncovered_reasons.csv": {
        "worker_id": (_c_id, REQ),
        "code": (_c_code, REQ),
        "from": (_c_date, REQ),
        "to": (_c_date, REQ),
        "reason": (_c_text, REQ),
    },
    "waitlist_reasons.csv": {
        "worker_id": (_c_id, REQ),
        "code": (_c_code, REQ),
        "reason": (_c_text, REQ),
    },
    "priority.csv": {"worker_id": (_c_id, REQ), "priority": (_c_int, REQ)},
    "referrals.csv": {
        "worker_id": (_c_id, REQ),
        "referral_date": (_c_date, REQ),
        "avoid_sites": (_c_ids, REQ),
    },
}
# Columns whose values name one row each: a second row with the same key is a damaged file.
_CSV_KEYS: dict[str, tuple[str, ...]] = {
    "workers.csv": ("worker_id",),
    "fleet.csv": ("vehicle_id",),
    "matrix.csv": ("from_id", "to_id"),
    "occupancy.csv": ("foresteria_id", "night", "section"),
    "trips.csv": ("trip_id",),
    "stops.csv": ("trip_id", "seq"),
    "fleet_days.csv": ("day", "foresteria_id"),
    "waitlist.csv": ("worker_id",),
    "waitlist_reasons.csv": ("worker_id",),
    "lottery.csv": ("worker_id",),
    "referrals.csv": ("worker_id",),
}


def _parse_csv(text: str, rel: str, kind: str) -> list[dict[str, str]]:
    """Rows of a CSV file of a run folder, its shape checked: a header without duplicate names,
    the required columns of `kind` present, every row exactly as wide as the header, every cell
    of a known column of the right kind, no key twice."""
    if kind not in _CSV_SCHEMAS:  # another folder's table (the monitor's): read as it is
        try:
            return list(csv.DictReader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise Unreadable(f"{rel}: not CSV: {exc}") from None
    rows = _sound_csv(text, kind)
    if rows is not None:
        return rows
    # Something is wrong with the file: read again row by row, to name the first row and field.
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        if header is None:
            raise Unreadable(f"{rel}: empty file (no header)")
        seen: set[str] = set()
        for name in header:
            if name in seen:
                raise Unreadable(f"{rel}:1: {name[:40]}: duplicate column")
            seen.add(name)
        schema = _CSV_SCHEMAS.get(kind, {})
        for name, (_, required) in schema.items():
            if required and name not in seen:
                raise Unreadable(f"{rel}:1: {name}: missing column")
        # Each column's values already found good: the checks are pure functions of the cell,
        # and a plan repeats its ids, days and counts (riders.csv: ~70,000 rows, ~1,700 people).
        checks = [
            (k, name, schema[name][0], set[str]())
            for k, name in enumerate(header)
            if name in schema
        ]
        keys = _CSV_KEYS.get(kind, ())
        taken: dict[tuple[str, ...], int] = {}
        rows = []
        for n, cells in enumerate(reader, start=2):
            if len(cells) != len(header):
                raise Unreadable(
                    f"{rel}:{n}: row: {len(cells)} cells, the header has {len(header)}"
                )
            for k, name, check, good in checks:
                cell = cells[k]
                if cell in good:
                    continue
                why = check(cell)
                if why:
                    raise Unreadable(f"{rel}:{n}: {name}: {why}")
                good.add(cell)
            row = dict(zip(header, cells, strict=True))
            if keys:
                key = tuple(row[k] for k in keys)
                if key in taken:
                    raise Unreadable(
                        f"{rel}:{n}: {'+'.join(keys)}: {' '.join(key)[:60]!r} again (row "
                        f"{taken[key]})"
                    )
                taken[key] = n
            rows.append(row)
        return rows
    except csv.Error as exc:
        raise Unreadable(f"{rel}: not CSV: {exc}") from None


def _sound_csv(text: str, kind: str) -> list[dict[str, str]] | None:
    """The rows of a CSV file of `kind` that has nothing `_parse_csv` refuses, read column by
    column (each distinct value of a column checked once, the keys compared as a whole); None
    if anything is wrong, for `_parse_csv` to read it row by row and say what and where."""
    got = _sound_columns(text, kind)
    if got is None:
        return None
    header, body, _ = got
    return list(map(dict, map(zip, itertools.repeat(header), body)))  # widths checked


def _sound_columns(
    text: str, kind: str, keyed: bool = True
) -> tuple[list[str], list[list[str]], list[tuple[str, ...]]] | None:
    """`_sound_csv`'s checks, answering the header, the rows' cells and the columns (no dict
    per row: inputs/matrix.csv holds the square of the places, 3 million rows at 20,000
    workers). `keyed` False: the keys' uniqueness is left to the caller (who counts them as it
    indexes the rows)."""
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return None
    if not records:
        return None
    header, body = records[0], records[1:]
    schema = _CSV_SCHEMAS[kind]
    if len(set(header)) != len(header) or any(
        required and name not in header for name, (_, required) in schema.items()
    ):
        return None
    width = len(header)
    if not set(map(len, body)) <= {width}:  # every row as wide as the header (at C speed)
        return None
    columns: list[tuple[str, ...]] = list(zip(*body, strict=True)) if body else [() for _ in header]
    for k, name in enumerate(header):
        if name in schema:
            check = schema[name][0]
            if any(check(v) for v in set(columns[k])):
                return None
    keys = _CSV_KEYS.get(kind, ())
    if keys and keyed:
        at = [header.index(k) for k in keys]
        joined = list(zip(*(columns[k] for k in at), strict=True))
        if len(set(joined)) != len(joined):
            return None
    return header, body, columns


_FEATURE_SCHEMAS: dict[str, dict[str, tuple[Cell, bool]]] = {
    "foresterie": {
        "id": (_c_id, REQ),
        **{f"beds_{s}": (_c_count, REQ) for s in ("men", "women", "family", "accessible")},
        "open_from": (_c_date, REQ),
        "open_to": (_c_date, REQ),
    },
    "farms": {
        "id": (_c_id, REQ),
        "shift_start": (_c_hhmm, REQ),
        "shift_end": (_c_hhmm, REQ),
        "workdays": (_c_days, REQ),
    },
    "pickups": {"id": (_c_id, REQ)},
}


def _checked_features(rel: str, kind: str, props: list[Any]) -> list[dict[str, Any]]:
    """Feature properties of a layer, each field of `kind` checked as a CSV cell would be (a
    whole number may be a JSON number), no id twice."""
    schema = _FEATURE_SCHEMAS[kind]
    seen: dict[str, int] = {}
    for n, p in enumerate(props, start=1):
        if not isinstance(p, dict):
            raise Unreadable(f"{rel}:{n}: properties: not an object")
        for name, (check, required) in schema.items():
            v = p.get(name)
            if v is None and not required:
                continue
            if isinstance(v, bool) or not isinstance(v, str | int):
                why: str | None = f"{str(v)[:40]!r} is not a text or a whole number"
            else:
                why = check(str(v))
            if why:
                raise Unreadable(f"{rel}:{n}: {name}: {why}")
        fid = str(p["id"])
        if fid in seen:
            raise Unreadable(f"{rel}:{n}: id: {fid!r} again (feature {seen[fid]})")
        seen[fid] = n
    return props


def _minutes_rule(v: Any) -> str | None:
    ok = isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 7 * 1440
    return None if ok else f"{str(v)[:40]!r} is not a whole number of minutes"


def _bool_rule(v: Any) -> str | None:
    return None if isinstance(v, bool) else f"{str(v)[:40]!r} is not true or false"


def _share_rule(v: Any) -> str | None:
    ok = isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 1
    return None if ok else f"{str(v)[:40]!r} is not a number from 0 to 1"


def _seed_rule(v: Any) -> str | None:
    ok = isinstance(v, int) and not isinstance(v, bool)
    return None if ok else f"{str(v)[:40]!r} is not a whole number"


def _date_rule(v: Any) -> str | None:
    return None if isinstance(v, date) or _c_date(str(v)) is None else _c_date(str(v))


def _days_rule(v: Any) -> str | None:
    if not isinstance(v, list):
        return f"{str(v)[:40]!r} is not a list of dates"
    return next((why for d in v if (why := _date_rule(d))), None)


def _hhmm_rule(v: Any) -> str | None:
    return _c_hhmm(v) if isinstance(v, str) else f"{str(v)[:40]!r} is not a time HH:MM"


def _fees_rule(v: Any) -> str | None:
    ok = (
        isinstance(v, list)
        and len(v) == 2
        and all(
            isinstance(x, int | float) and not isinstance(x, bool) and 0 <= x <= 1000 for x in v
        )
    )
    return None if ok else f"{str(v)[:40]!r} is not [low, high] in euros"


def _timezone_rule(v: Any) -> str | None:
    """The only zone a plan's times are read in (README "Scenario format"): another one would
    move the clock-change days the checks look at (`_check_clock_change`)."""
    return None if v == "Europe/Rome" else f"{str(v)[:40]!r} is not Europe/Rome"


# The rules of scenario.toml the checks read, with their kinds (absent: the README default).
_CONFIG_RULES: dict[tuple[str, str], Callable[[Any], str | None]] = {
    ("scenario", "seed"): _seed_rule,
    ("scenario", "timezone"): _timezone_rule,
    ("scenario", "season_start"): _date_rule,
    ("scenario", "season_end"): _date_rule,
    ("housing", "max_commute_min"): _minutes_rule,
    ("housing", "partial_stays"): _bool_rule,
    ("housing", "max_transfers"): _minutes_rule,
    ("housing", "min_overlap_nights"): _minutes_rule,
    ("housing", "min_overlap_share"): _share_rule,
    ("housing", "lottery"): _bool_rule,
    ("housing", "max_days_without_work"): _minutes_rule,
    ("transport", "max_ride_min"): _minutes_rule,
    ("transport", "arrive_early_max_min"): _minutes_rule,
    ("transport", "wait_after_shift_max_min"): _minutes_rule,
    ("transport", "board_min"): _minutes_rule,
    ("transport", "turnaround_min"): _minutes_rule,
    ("transport", "max_wait_on_board_min"): _minutes_rule,
    ("transport", "heat_alert_days"): _days_rule,
    ("transport", "heat_alert_shift_end"): _hhmm_rule,
    ("transport", "caporale_fee_eur"): _fees_rule,
}


def _check_config(cfg: dict[str, Any]) -> None:
    rel = "inputs/scenario.toml"
    if not isinstance(cfg.get("scenario"), dict) or "seed" not in cfg["scenario"]:
        raise Unreadable(f"{rel}: scenario.seed: missing")
    for table in {t for t, _ in _CONFIG_RULES} | {"data"}:
        if not isinstance(cfg.get(table, {}), dict):
            raise Unreadable(f"{rel}: {table}: not a table")
    for (table, key), rule in _CONFIG_RULES.items():
        if key in cfg.get(table, {}):
            why = rule(cfg[table][key])
            if why:
                raise Unreadable(f"{rel}: {table}.{key}: {why}")


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _check_manifest(m: Any) -> None:
    """The parts of manifest.json the checks read, with their kinds: file hashes, the solver
    tiers, the shuttles' claim, and the KPIs (numbers, lists of numbers or nested groups)."""
    if not isinstance(m, dict):
        raise Unreadable("manifest.json: not a JSON object")
    for part in ("plan", "inputs", "restricted"):
        listed = m.get(part, {})
        if not isinstance(listed, dict) or not all(isinstance(x, str) for x in listed.values()):
            raise Unreadable(f"manifest.json: {part}: not an object of file hashes")
    housing = m.get("housing", {})
    tiers = housing.get("tiers", []) if isinstance(housing, dict) else None
    if not isinstance(tiers, list):
        raise Unreadable("manifest.json: housing.tiers: not a list")
    for i, t in enumerate(tiers):
        where = f"manifest.json: housing.tiers.{i}"
        if not isinstance(t, dict):
            raise Unreadable(f"{where}: not an object")
        if not isinstance(t.get("name"), str) or not isinstance(t.get("optimal"), bool):
            raise Unreadable(f"{where}: name or optimal: missing or of the wrong kind")
        for k in ("objective", "bound", "gap"):
            # null: a tier by priority whose figures are in restricted/tiers.json (_check_claims)
            if not (_is_number(t.get(k)) or (t.get(k) is None and _sealed_kpi(t["name"]))):
                raise Unreadable(f"{where}.{k}: {str(t.get(k))[:40]!r} is not a number")
    shuttles = m.get("shuttles", {})
    if not isinstance(shuttles, dict) or not isinstance(
        shuttles.get("chaining_optimal", False), bool
    ):
        raise Unreadable("manifest.json: shuttles.chaining_optimal: not true or false")

    _check_kpi_groups(m.get("kpis", {}), "manifest.json", "kpis")
    replan = m.get("replan", {})
    if not isinstance(replan, dict) or (
        replan.get("as_of") is not None and _c_date(str(replan["as_of"])) is not None
    ):
        raise Unreadable("manifest.json: replan.as_of: not a date YYYY-MM-DD")


def _check_kpi_groups(kpis: Any, rel: str, where: str) -> None:
    """KPI groups (the manifest's, restricted/kpis.json's): an object of groups, each of
    figures: numbers, lists of numbers, null (no figure) or nested groups."""

    def figures(where: str, d: Any) -> None:
        if not isinstance(d, dict):
            raise Unreadable(f"{rel}: {where}: not an object")
        for k, x in d.items():
            if isinstance(x, dict):
                figures(f"{where}.{k}", x)
            elif not (
                x is None or _is_number(x) or (isinstance(x, list) and all(map(_is_number, x)))
            ):
                raise Unreadable(f"{rel}: {where}.{k}: {str(x)[:40]!r} is not a number")

    if not isinstance(kpis, dict) or not all(isinstance(g, dict) for g in kpis.values()):
        raise Unreadable(f"{rel}: {where}: not an object of KPI groups")
    figures(where, kpis)


def _sealed_kpi(name: str) -> bool:
    """A KPI (dotted name) on priorities or referrals: kept in restricted/kpis.json, never in the
    manifest, which travels beside the plan's ids (README "Restricted part and encryption"; the
    verifier's own rule: the name says it)."""
    return "priority" in name or "referr" in name


class _Ends:
    """The from and to ids of inputs/matrix.csv's rows, each pair once (`_matrix`)."""

    def __init__(self, froms: tuple[str, ...], tos: tuple[str, ...]):
        self.froms, self.tos = froms, tos

    def count(self, places: list[str]) -> int:
        """How many rows lead from one of `places` to another (not to itself): with the pairs
        unique, every leg among them is on the matrix exactly when this is n x (n - 1)."""
        among = set(places)
        if set(self.froms) <= among and set(self.tos) <= among:  # as the pipeline writes it
            return len(self.froms) - sum(map(operator.eq, self.froms, self.tos))
        return sum(
            1
            for a, b in zip(self.froms, self.tos, strict=True)
            if a != b and a in among and b in among
        )


class _Square(Mapping[tuple[str, str], int]):
    """(from, to) -> whole number of a matrix file written as the pipeline writes it: every
    ordered pair of `ids` once, row by row (`_square`); read as the dict `_matrix` builds of
    other files reads (the same pairs, in the file's order)."""

    def __init__(self, ids: tuple[str, ...], at: dict[str, int], table: Any):
        self.ids, self.at, self.table = ids, at, table  # table: numpy int64 [n, n]

    def __getitem__(self, pair: tuple[str, str]) -> int:
        try:
            a, b = pair
            i, j = self.at[a], self.at[b]
        except (KeyError, TypeError, ValueError):
            raise KeyError(pair) from None
        return int(self.table[i, j])

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return ((a, b) for a in self.ids for b in self.ids)

    def __len__(self) -> int:
        return len(self.ids) ** 2


class _SquareEnds:
    """`_Ends` of a `_Square` file: every ordered pair of its ids once, the diagonal included."""

    def __init__(self, ids: tuple[str, ...]):
        self.ids = ids

    def count(self, places: list[str]) -> int:
        m = len(set(self.ids) & set(places))
        return m * (m - 1)


# A matrix file this large is read by `_square` first (numpy): 3 million rows at 20,000
# workers, where csv.reader and two dicts of tuples took ~9 CPU s; a smaller one as any CSV.
SQUARE_MIN_BYTES = 1 << 20
_SQUARE_HEADER = b"from_id,to_id,seconds,metres\n"


def _square(raw: bytes) -> tuple[_Square, _Square, _SquareEnds] | None:
    """inputs/matrix.csv as the pipeline writes it, read with numpy: the header alone on its
    line, then for each id in turn its row to every id in the same order (the diagonal
    included), each line `FROM,TO,SECONDS,METRES` with plain ids (`_c_id`) and 1 to 9 ASCII
    digits, nothing else (no quote, CR, space, blank line or BOM). What this answers, the
    CSV reading of `_matrix` answers too; anything else gives None and that reading decides."""
    import numpy as np  # here: a small run's verifier does not load it

    if not raw.startswith(_SQUARE_HEADER) or not raw.endswith(b"\n"):
        return None
    if b'"' in raw or b"\r" in raw:
        return None
    buf = np.frombuffer(raw, dtype=np.uint8)[len(_SQUARE_HEADER) :]
    ends = np.flatnonzero(buf == 10)  # each line's end
    lines = len(ends)
    n = math.isqrt(lines)
    found = np.flatnonzero(buf == 44)
    if n == 0 or n * n != lines or len(found) != 3 * lines:
        return None
    commas = found.reshape(lines, 3)
    starts = np.empty(lines, dtype=np.int64)
    starts[0], starts[1:] = 0, ends[:-1] + 1
    c1, c2, c3 = commas[:, 0], commas[:, 1], commas[:, 2]
    # three commas in every line, no cell empty (the commas are sorted, as many as 3 a line)
    if not (
        (c1 > starts).all()
        and (c2 > c1 + 1).all()
        and (c3 > c2 + 1).all()
        and (ends > c3 + 1).all()
    ):
        return None

    def digits(first: Any, stop: Any) -> Any:
        width = stop - first
        if int(width.max()) > 9:
            return None
        value = np.zeros(lines, dtype=np.int64)
        for k in range(int(width.max())):
            on = width > k
            d = buf[np.where(on, first + k, 0)].astype(np.int64) - 48
            if ((d < 0) | (d > 9))[on].any():
                return None
            value = np.where(on, value * 10 + d, value)
        return value

    secs, metres = digits(c2 + 1, c3), digits(c3 + 1, ends)
    if secs is None or metres is None:
        return None
    ids = tuple(
        raw[len(_SQUARE_HEADER) + int(a) : len(_SQUARE_HEADER) + int(b)].decode("ascii", "replace")
        for a, b in zip(c1[:n] + 1, c2[:n], strict=True)
    )
    if len(set(ids)) != n or any(_c_id(x) is not None for x in ids):
        return None
    width = max(map(len, ids))
    table = np.zeros((n, width), dtype=np.uint8)  # each id's bytes, zero after its end
    for k, x in enumerate(ids):
        table[k, : len(x)] = np.frombuffer(x.encode("ascii"), dtype=np.uint8)
    sizes = np.array([len(x) for x in ids], dtype=np.int64)
    cols = np.arange(width)
    for i in range(n):  # block i: from ids[i] to every id, in order
        rows = slice(i * n, (i + 1) * n)
        for first, stop, want in (
            (starts[rows], c1[rows], np.full(n, i)),
            (c1[rows] + 1, c2[rows], np.arange(n)),
        ):
            if not np.array_equal(stop - first, sizes[want]):
                return None
            at = first[:, None] + cols[None, :]
            got = np.where(
                cols[None, :] < (stop - first)[:, None], buf[np.minimum(at, len(buf) - 1)], 0
            )
            if not np.array_equal(got, table[want]):
                return None
    index = {x: k for k, x in enumerate(ids)}
    shape = (n, n)
    return (
        _Square(ids, index, secs.reshape(shape)),
        _Square(ids, index, metres.reshape(shape)),
        _SquareEnds(ids),
    )


def _matrix(
    run: Path, rel: str
) -> tuple[Mapping[tuple[str, str], int], Mapping[tuple[str, str], int], _Ends | _SquareEnds]:
    """inputs/matrix.csv read as _rows reads it (the same checks, the same refusals), indexed
    by its columns: (from, to) -> seconds, (from, to) -> metres, and the rows' ends. A file
    with anything wrong is read again by _rows, which says what and where. A large file as
    the pipeline writes it: `_square`."""
    raw = _read(run, rel)
    if len(raw) >= SQUARE_MIN_BYTES:
        square = _square(raw)
        if square is not None:
            return square
    text = _utf8(raw, rel)
    got = _sound_columns(text, "matrix.csv", keyed=False)
    if got is not None:
        header, _, columns = got
        at = {name: k for k, name in enumerate(header)}
        froms, tos = columns[at["from_id"]], columns[at["to_id"]]
        pairs = list(zip(froms, tos, strict=True))
        secs = dict(zip(pairs, map(int, columns[at["seconds"]]), strict=True))
        if len(secs) == len(pairs):  # each pair once, as _sound_csv's keys check asks
            metres = dict(zip(pairs, map(int, columns[at["metres"]]), strict=True))
            return secs, metres, _Ends(tuple(froms), tuple(tos))
    rows = _parse_csv(text, rel, "matrix.csv")  # raises, naming the row and the field
    pairs = [(r["from_id"], r["to_id"]) for r in rows]
    return (
        {p: int(r["seconds"]) for p, r in zip(pairs, rows, strict=True)},
        {p: int(r["metres"]) for p, r in zip(pairs, rows, strict=True)},
        _Ends(tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)),
    )


class _Run:
    def __init__(self, run: Path):
        self.root, self.plan = run, run / "plan"
        # What two checks recompute from the same files (the stays, the KPIs), kept once
        # computed: the checks only read them, and nothing changes the run after __init__.
        self.memo: dict[str, Any] = {}
        self.ties: dict[str, str] = {}  # worker -> tie-break (self.tie)
        self.origins: dict[int, tuple[dict[str, str], tuple[str, int, int]]] = {}  # self.origin
        rel = "inputs/scenario.toml"
        try:
            self.cfg = tomllib.loads(_utf8(_read(run, rel), rel))
        except tomllib.TOMLDecodeError as exc:
            raise Unreadable(f"{rel}: not TOML: {str(exc).splitlines()[0]}") from None
        _check_config(self.cfg)
        self.manifest = _json(run, "manifest.json")
        _check_manifest(self.manifest)
        data = self.cfg.get("data")
        if not isinstance(data, dict):
            raise Unreadable("inputs/scenario.toml: no [data] table")

        def inp(key: str) -> str:
            return "inputs/" + _plain_name(data.get(key), f"inputs/scenario.toml: data.{key}")

        self.workers = {r["worker_id"]: r for r in _rows(run, inp("workers"), "workers.csv")}
        self.fs = {str(p["id"]): p for p in _features(run, inp("foresterie"), "foresterie")}
        self.farms = {str(p["id"]): p for p in _features(run, inp("farms"), "farms")}
        self.fleet = {r["vehicle_id"]: r for r in _rows(run, inp("fleet"), "fleet.csv")}
        self.pickups = (
            {str(p["id"]): p for p in _features(run, inp("pickups"), "pickups")}
            if data.get("pickups")
            else {}
        )
        self.legs: dict[tuple[str, str], int] = {}  # self.leg, minutes rounded up
        self.secs, self.metres, ends = _matrix(run, inp("matrix"))
        bases = set(self.fs) | set(self.pickups)
        for rel, rows, fields in (
            (
                inp("workers"),
                self.workers.values(),
                (("farm_id", self.farms), ("pinned_foresteria", self.fs), ("pickup_id", bases)),
            ),
            (inp("fleet"), self.fleet.values(), (("foresteria_id", bases),)),
        ):
            for n, row in enumerate(rows, start=2):
                for field, known in fields:
                    if row.get(field) and row[field] not in known:
                        raise Unreadable(
                            f"{rel}:{n}: {field}: {row[field]!r} is not in the run's inputs"
                        )
        places = sorted(set(self.fs) | set(self.farms) | set(self.pickups))
        gap = None
        if ends.count(places) != len(places) * (len(places) - 1):  # else every pair is there
            gap = next(
                ((a, b) for a in places for b in places if a != b and (a, b) not in self.secs),
                None,
            )
        if gap:  # every leg a plan may drive is on the recorded matrix
            raise Unreadable(f"{inp('matrix')}: from_id+to_id: no row for {gap[0]} -> {gap[1]}")
        self.assign = _rows(run, "plan/assignments.csv")
        self.wait = _rows(run, "plan/waitlist.csv")
        self.occ = _rows(run, "plan/occupancy.csv")
        self.trips = _rows(run, "plan/trips.csv")
        self.stops = _rows(run, "plan/stops.csv")
        self.riders = _rows(run, "plan/riders.csv")
        self.unserved = _rows(run, "plan/unserved.csv")
        # Priorities and referral records live apart from everything published (README,
        # "Restricted part and encryption"): read (and decrypted) when the key allows.
        # what a run that names its restricted inputs wrote in its restricted part, read or not
        self.expected = _expected_restricted(self.manifest, self.cfg)
        names = _restricted_files(run, self.manifest, self.expected)
        self.restricted, self.unchecked = _restricted(run, self.manifest, names)
        self.unknown_priority: list[str] = []
        self.priority_known = "priority" in next(iter(self.workers.values()), {"priority": ""})
        if "priority.csv" in self.restricted:
            listed = _rows_of(self.restricted["priority.csv"], "restricted/priority.csv")
            prio = {x["worker_id"]: x["priority"] for x in listed}
            self.priority_known = True
            for wid, w in self.workers.items():
                w["priority"] = prio.get(wid, "0")
            self.unknown_priority = sorted(set(self.workers) - set(prio))
            self.unknown_priority += sorted(set(prio) - set(self.workers))
            times = Counter(x["worker_id"] for x in listed)  # twice: which one holds?
            self.unknown_priority += sorted(wid for wid, n in times.items() if n > 1)
        elif not self.priority_known:
            self.unchecked += list(_NEEDS_PRIORITY)
        self.referrals_known = "referrals.csv" in self.restricted or not any(
            n.startswith("referrals.csv") for n in names
        )
        if not self.referrals_known:
            self.unchecked += list(_NEEDS_REFERRALS)
        self.referrals = (
            {
                x["worker_id"]: x
                for x in _rows_of(self.restricted["referrals.csv"], "restricted/referrals.csv")
            }
            if "referrals.csv" in self.restricted
            else {}
        )
        for wid, x in self.referrals.items():
            if wid in self.workers:
                self.workers[wid]["avoid_sites"] = x["avoid_sites"]
        # Each waitlisted person's detailed reason (README "Waitlist reasons"): plan/waitlist.csv
        # publishes only what no priority or referral decides. None: a run from before the split
        # (its plan/waitlist.csv holds the detail), or the part cannot be read here.
        self.wait_detail: dict[str, dict[str, str]] | None = None
        self.wait_split = _WAIT_DETAIL in names
        if _WAIT_DETAIL in self.restricted:
            detail = _rows_of(self.restricted[_WAIT_DETAIL], f"restricted/{_WAIT_DETAIL}")
            self.wait_detail = {x["worker_id"]: x for x in detail}
        elif self.wait_split:
            self.unchecked += list(_NEEDS_WAIT_DETAIL)
        # Each night without a bed's detailed reason (README "Waitlist reasons"): None: a
        # run from before the split, or the part cannot be read here.
        self.uncovered_detail: list[dict[str, str]] | None = None
        self.uncovered_split = _UNCOVERED_DETAIL in names
        if _UNCOVERED_DETAIL in self.restricted:
            rel = f"restricted/{_UNCOVERED_DETAIL}"
            self.uncovered_detail = _rows_of(self.restricted[_UNCOVERED_DETAIL], rel)
        elif self.uncovered_split:
            self.unchecked += list(_NEEDS_UNCOVERED_DETAIL)
        # The figures on priorities and referrals: restricted/kpis.json in a run that has it
        # (the manifest then may carry none of them); None when it cannot be read here.
        self.kpis_split = _KPIS in names
        self.sealed_kpis: dict[str, Any] | None = None
        if _KPIS in self.restricted:
            rel = f"restricted/{_KPIS}"
            sealed = _json_of(self.restricted[_KPIS], rel)
            _check_kpi_groups(sealed, rel, "kpis")
            self.sealed_kpis = sealed  # unread: said by the KPIs by priority, referral KPIs
        # The figures of the housing tiers by priority (people of a priority housed):
        # restricted/tiers.json in a run that has it, null in the manifest and housing.json.
        self.tiers_split = _TIERS in names
        self.sealed_tiers: dict[str, dict[str, Any]] | None = None
        if _TIERS in self.restricted:
            self.sealed_tiers = _sealed_tiers(self.restricted[_TIERS])
        elif self.tiers_split:
            self.unchecked += list(_NEEDS_TIERS)
        if not self.priority_known and (self.sealed_tiers is not None or not self.tiers_split):
            # the tiers' claims read, the people of each priority housed not countable
            self.unchecked.append(
                "the housing tiers by priority (people of each priority housed): needs each "
                "person's priority"
            )
        # The draw key (README "Restricted part and encryption"): the secret of the tie-breaks
        # among equals (ride order, lottery). A run without one drew with the published seed
        # alone (the documented fallback); one that lists it needs it to re-run them.
        self.draw_key_listed = _DRAW_KEY in names
        self.draw_key: bytes | None = None
        if _DRAW_KEY in self.restricted:
            self.draw_key = _draw_key_of(self.restricted[_DRAW_KEY])
        elif self.draw_key_listed:
            self.unchecked += list(_NEEDS_DRAW_KEY)
        closures = (
            _rows(run, inp("farm_calendar"), "farm_calendar.csv")
            if data.get("farm_calendar")
            else []
        )
        # (farm, day) of the days its calendar says it has no work: nobody rides there
        self.closed = _closed(closures)
        self.released = _released(self, closures)
        if not self.referrals_known:
            self._stand_in_for_referrals()

    def _stand_in_for_referrals(self) -> None:
        """Without the referral records, someone who never rides to their farm may be keeping
        away from it (a site to avoid): taken so, and said, so that the checks of service,
        bounds and KPIs stay consistent with the plan instead of failing on what they cannot
        know."""
        rode = {x["worker_id"] for x in self.riders}
        rode |= {w for u in self.unserved for w in u["worker_ids"].split()}
        could = {a["worker_id"] for a in self.assign}  # housed, or boarding at a point
        could |= {wid for wid, w in self.workers.items() if w.get("pickup_id")}
        n = 0
        for wid, w in self.workers.items():
            if wid in could - rode and w.get("farm_id") and not _is_dependant(w):
                w["avoid_sites"] = w["farm_id"]
                n += 1
        if n:
            self.unchecked.append(
                f"people with a farm who never ride ({n}): taken as keeping away from it (a site "
                "to avoid): needs the referral records"
            )

    def leg(self, a: str, b: str) -> int:
        if a == b:
            return 0
        got = self.legs.get((a, b))
        if got is None:  # asked ~80,000 times on puglia-2027, of ~17,000 pairs
            got = self.legs[a, b] = math.ceil(self.secs[a, b] / 60)
        return got

    def draws(self) -> bool:
        """The tie-breaks can be re-run here: the run has no draw key, or it is readable."""
        return not self.draw_key_listed or self.draw_key is not None

    def tie(self, worker_id: str) -> str:
        """A person's place among equals, computed here from the README's words: HMAC-SHA256
        of "SEED:WORKER_ID" under the draw key; without a key, sha256 of the same text."""
        tie = self.ties.get(worker_id)
        if tie is None:  # asked once per rider and spot by the ride order: kept per person
            text = f"{self.cfg['scenario']['seed']}:{worker_id}".encode()
            if self.draw_key is None:
                tie = hashlib.sha256(text).hexdigest()
            else:
                tie = hmac.new(self.draw_key, text, hashlib.sha256).hexdigest()
            self.ties[worker_id] = tie
        return tie

    def origin(self, t: dict[str, str]) -> tuple[str, int, int]:
        """Where the trip's riders board/alight, and the times it leaves and reaches it."""
        got = self.origins.get(id(t))  # asked by a dozen checks, per trip and per rider
        if got is not None and got[0] is t:
            return got[1]
        o = t.get("origin_id") or t["foresteria_id"]
        if o == t["foresteria_id"]:  # from its own base: the trip's own times
            found = o, _mins(t["depart"]), _mins(t["return"])
        else:
            found = o, _mins(t["origin_depart"]), _mins(t["origin_return"])
        self.origins[id(t)] = (t, found)
        return found

    def base_of(self, day: str) -> dict[str, str]:
        """Origin -> base on `day` (README "Departure points"): a foresteria (or depot) with a
        vehicle available that day in fleet.csv is its own base; any other origin (a departure
        point, a foresteria without vehicles, a foresteria whose own vehicles are all unavailable
        that day) is served by the nearest (seconds out and back, then id) foresteria or depot
        with a vehicle available that day. On a day with none anywhere a foresteria or depot with
        vehicles is its own base and any other origin the nearest's with vehicles whatever their
        dates. Without any vehicle every origin is its own base. Computed once per set of bases
        with a vehicle and once per day; callers read it, never change it."""
        by_day = self.memo.setdefault("base_of", {})
        if day in by_day:
            return by_day[day]  # type: ignore[no-any-return]
        by_set = self.memo.setdefault("base_of_set", {})
        today = frozenset(
            v["foresteria_id"]
            for v in self.fleet.values()
            if v["available_from"] <= day <= v["available_to"]
        )
        if today not in by_set:
            owners = {v["foresteria_id"] for v in self.fleet.values()}
            own = today or owners  # its own base that day: a vehicle of its own available
            bases = sorted(own)
            out = {fid: fid for fid in self.fs} | {p: p for p in self.pickups if p in own}
            for o in sorted((set(self.fs) | set(self.pickups)) - own) if bases else ():
                out[o] = min(
                    bases, key=lambda b: (self.secs.get((b, o), 0) + self.secs.get((o, b), 0), b)
                )
            by_set[today] = out
        by_day[day] = by_set[today]
        return by_day[day]  # type: ignore[no-any-return]

    def beds(self, fid: str, section: str) -> int:
        return int(self.fs[fid][f"beds_{section}"])


def verify_run(run: Path, report: bool = True) -> list[str]:
    """All violations found, each 'what: where, when, how much'. Empty means clean. `report`
    False: report/ is not compared with report.json (`solve` verifies while report/ is being
    written, and hashes it once written)."""
    return verify_report(run, report)[0]


def verify_report(run: Path, report: bool = True) -> tuple[list[str], list[str]]:
    """(violations, check families not run): the second list is empty unless the restricted
    part is encrypted and FORESTERIE_RESTRICTED_KEY is not set (README, "Restricted part and
    encryption") or the run has no report; every other check still
    runs. A monitor folder (its manifest's kind) is verified as `monitor --verify` does."""
    with _no_cycle_collection():
        return _verify_report(run, report)


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector paused while the checks run, as it was after: they build a
    season's rows, sets and tuples (millions of objects, a few hundred in cycles), and each
    full collection walked them all again (~0.8 CPU s of ~4.5 on puglia-2027). Reference
    counting still frees everything the moment it is dropped."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _verify_report(run: Path, report: bool) -> tuple[list[str], list[str]]:
    _check_schema(Path(run))
    if (Path(run) / "purged.json").exists():
        return _verify_purged(Path(run))
    if not (Path(run) / "inputs").exists() and (Path(run) / "manifest.json").is_file():
        try:
            kind = _json(Path(run), "manifest.json").get("kind")
        except (Unreadable, AttributeError):
            kind = None
        if kind == "monitor":
            return verify_monitor(Path(run))
    try:
        try:
            r = _Run(Path(run))
        except Unreadable as exc:
            # An input edited after solving (a wrong file name in scenario.toml's [data], a
            # column renamed) is named beside what it breaks: the edit is the cause.
            edited = _edited_inputs(Path(run))
            if not edited:
                raise
            more = f" and {len(edited) - 1} more" if len(edited) > 1 else ""
            raise Unreadable(f"{exc} (the cause may be: {edited[0]}{more})") from None
        out: list[str] = []
        unknown = _check_references(r)
        out += unknown
        checks = [
            _check_manifest_keys,
            _check_restricted,
            _check_people,
            _check_beds,
            _check_trips,
            _check_service,
            _check_avoided_points,
            _check_aboard_past_avoided,
            _check_bases,
            _check_no_vehicle,
            _check_round_trips,
            _check_reasons,
            _check_idle_vehicles,
            _check_drivers_day,
            _check_ride_cap,
            _check_reason_words,
            _check_ride_order,
            _check_kpis,
            _check_roll_call,
            _check_trip_times,
            _check_published_copies,
            _check_waitlist_reasons,
            _check_group_details,
            _check_published_explainable,
            _check_not_offered,
            _check_uncovered_codes,
            _check_claims,
            _check_record,
            _check_replan_record,
            _check_day_records,
            _check_entries,
        ]
        checks.append(_check_lottery_apart)
        lottery = bool(r.cfg.get("housing", {}).get("lottery"))
        if lottery and r.priority_known and r.referrals_known and r.draws():
            checks.append(lambda r, out: _check_lottery(r, Path(run), out))
        for check in checks:
            try:
                check(r, out)
            except (KeyError, IndexError):
                if not unknown:
                    raise
                # a check that cannot run past a name the inputs do not have: said above
        out = list(dict.fromkeys(out))
        out += _unlike_manifest(Path(run), r.manifest, "plan", "plan file")
        out += _unlike_manifest(Path(run), r.manifest, "inputs", "input")
        if report:
            wrong, unsaid = _check_report_files(Path(run), r.manifest)
            out += wrong
            r.unchecked += unsaid
    except (KeyError, ValueError, TypeError, IndexError, AttributeError, OverflowError) as exc:
        # A field missing or malformed anywhere: a damaged or crafted folder, not a verdict.
        what = f"{type(exc).__name__}: {exc}"[:200]
        raise Unreadable(f"malformed run folder ({what})") from None
    lottery = bool(r.cfg.get("housing", {}).get("lottery"))
    return out, [u for u in dict.fromkeys(r.unchecked) if lottery or "lottery" not in u]


def _unlike_manifest(run: Path, manifest: dict[str, Any], folder: str, label: str) -> list[str]:
    """The files of RUN/folder that are not the manifest's: slipped in, changed or gone."""
    listed = manifest.get(folder, {})
    if not isinstance(listed, dict):
        raise Unreadable(f"manifest.json: {folder}: not an object of file hashes")
    out = []
    here = {p.name for p in (run / folder).iterdir()}  # dot-files too: a run writes none
    for name in sorted(here - set(listed)):  # a file slipped in: nothing vouches for it
        out.append(f"{label} not in the manifest: {folder}/{name}")
    for name, digest in listed.items():
        rel = f"{folder}/{_plain_name(name, f'manifest.json: {folder}')}"
        if not (run / rel).exists() and not (run / rel).is_symlink():
            out.append(f"{label} changed after solving: {name} (missing)")
        elif not (run / rel).exists() or _sha(run, rel) != digest:
            out.append(f"{label} changed after solving: {name} (hash differs from the manifest)")
    return out


def _edited_inputs(run: Path) -> list[str]:
    """What of inputs/ is not the manifest's, [] when that cannot be told (no readable manifest
    or inputs folder: the first reading's refusal stands)."""
    try:
        manifest = _json(run, "manifest.json")
        if not isinstance(manifest, dict) or not (run / "inputs").is_dir():
            return []
        return _unlike_manifest(run, manifest, "inputs", "input")
    except (Unreadable, OSError, TypeError, ValueError):
        return []


RUN_SCHEMA = "foresterie-run/1"  # the manifests this verifier reads


def _check_schema(run: Path) -> None:
    """A run folder of another schema (a later format) is not checked as if it were this one:
    Unreadable (exit 2). A monitor folder has its own kind; a manifest missing or not JSON is
    said by the checks that read it."""
    if not (run / "manifest.json").is_file():
        return
    try:
        m = _json(run, "manifest.json")
    except Unreadable:
        return
    if not isinstance(m, dict) or m.get("kind") == "monitor":
        return
    if m.get("schema") != RUN_SCHEMA:
        raise Unreadable(
            f"manifest.json: schema {str(m.get('schema'))[:40]!r} is not one this verifier "
            f"reads ({RUN_SCHEMA})"
        )


# What a run's manifest holds, key by key (run/pipeline.py writes it; README "Run folders and
# verification"). Anything else rides beside the plan's ids into every copy, the operator export
# included, with nothing vouching for it: a forged `approved_by`, ids paired with "referred", at
# the top or under scenario, travel, replan, timings_s ... (review 18 Q, M1). This module's own
# copy of core.runfolder.MANIFEST_LAYOUT, which the run's writer is held to (a test keeps the
# two equal). None: a value, checked where it is read; _DATA_KEYS: an object whose keys are data
# (file names, place ids, packages, KPI groups; each checked where it is read); a dict: an
# object of these keys only; a one-element list: a list of such objects.
_DATA_KEYS = "*"
_MANIFEST_LAYOUT: dict[str, Any] = {
    "schema": None,
    "scenario": dict.fromkeys(
        ("name", "hash", "snapshot_hash", "travel_backend", "restricted_inputs")
    ),
    "travel": {
        "backend": None,
        "graph_hash": None,
        "snap_warn_m": None,
        "far_from_road": _DATA_KEYS,
        "max_snap_m": None,
    },
    "replan": dict.fromkeys(("as_of", "moved_vs_previous", "residents_changed")),
    "inputs": _DATA_KEYS,
    "restricted": _DATA_KEYS,
    "plan": _DATA_KEYS,
    "versions": _DATA_KEYS,
    "seed": None,
    "budgets": _DATA_KEYS,
    "timings_s": dict.fromkeys(
        ("load_s", "travel_s", "housing_s", "shuttles_s", "road_geometry_s")
    ),
    "housing": {
        "tiers": [dict.fromkeys(("name", "objective", "bound", "optimal", "gap", "proof"))],
        **dict.fromkeys(("districts", "blocks", "units", "safety_net_struck", "lp_stopped")),
    },
    "shuttles": {
        **dict.fromkeys(("engine", "day_problems", "route_searches", "chaining_optimal")),
        **dict.fromkeys(("vrp_solves", "patterns")),  # runs written before route_searches
        "stability": dict.fromkeys(
            (
                *("fresh_foresterie", "repaired_foresterie", "mode", "kept_trips"),
                *("residual_riders", "seated_in_kept", "renamed_vehicle_days"),
            )
        ),
    },
    "kpis": _DATA_KEYS,
    "report_hashes": None,
    "records": _DATA_KEYS,
}


def _unknown_keys(node: Any, layout: Any, path: str, out: list[str]) -> None:
    """The dotted paths of `node`'s keys `layout` does not name (a list's items by index)."""
    if isinstance(layout, dict) and isinstance(node, dict):
        for k, v in node.items():
            if k in layout:
                _unknown_keys(v, layout[k], f"{path}{k}.", out)
            else:
                out.append(f"{path}{k}")
    elif isinstance(layout, list) and isinstance(node, list):
        for i, x in enumerate(node):
            _unknown_keys(x, layout[0], f"{path[:-1]}[{i}].", out)


def _check_manifest_keys(r: _Run, out: list[str]) -> None:
    unknown: list[str] = []
    _unknown_keys(r.manifest, _MANIFEST_LAYOUT, "", unknown)
    for key in sorted(unknown):
        out.append(
            f"manifest.json: {key[:80]!r}: not a part of a run's manifest (it would travel "
            "beside the plan's ids into every copy, vouched for by nothing)"
        )
    # The objects whose keys are data: each key one the run knows of. The budgets are the
    # [solver] section of inputs/scenario.toml, as the snapshot wrote it (a budget without a
    # value has no TOML line: null); the places far from a road are the run's own places.
    budgets, solver = r.manifest.get("budgets"), r.cfg.get("solver", {})
    if isinstance(budgets, dict) and isinstance(solver, dict):
        for k in sorted(set(budgets) - set(solver), key=str):
            if budgets[k] is not None:
                out.append(
                    f"manifest.json: 'budgets.{str(k)[:40]}': not a budget of inputs/"
                    "scenario.toml's [solver] (it would travel beside the plan's ids, vouched "
                    "for by nothing)"
                )
    far = r.manifest.get("travel", {})
    far = far.get("far_from_road") if isinstance(far, dict) else None
    places = set(r.fs) | set(r.farms) | set(r.pickups)
    for k, v in (far if isinstance(far, dict) else {}).items():
        if k not in places or not isinstance(v, int | float) or isinstance(v, bool):
            out.append(
                f"manifest.json: 'travel.far_from_road.{str(k)[:40]}': not a place of the run "
                "with its distance to the road in metres"
            )
    # No person is named anywhere in it, at any depth (a key or a value): the manifest is read
    # beside the plan's ids, and figures on priorities or referrals may sit in it (README
    # "Privacy"); a run writes counts only (review 18 Q, M1: `scenario.notes.W00012`).
    people = set(r.workers)
    named: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if str(k) in people:
                    named.append(f"{path}.{k}")
                walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")
        elif isinstance(node, str) and (
            node in people or any(x in people for x in re.split(r"[\s,;]+", node))
        ):  # a value naming a person, alone or among others ("W00012 W00013")
            named.append(path)

    walk(r.manifest, "manifest")
    for where in named[:3]:
        out.append(
            f"manifest.json: {where.removeprefix('manifest.')[:80]}: names a person of the run "
            "(the manifest travels beside the plan's ids: it holds counts, never a person)"
        )
    if len(named) > 3:
        out.append(f"manifest.json: and {len(named) - 3} more places naming a person")


_REPORT_HASHES = "report.json"  # beside manifest.json: the sha256 of every file under report/
_REPORT_SCHEMA = "foresterie-report/1"


def _check_report_files(run: Path, manifest: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(violations, not checked) of report/ against report.json (README "Run folders and
    verification"): the sheets, slips, GPX and pages people act on are vouched for as the plan
    is; a file changed, missing, not listed or not a regular file is a violation naming it."""
    named = manifest.get("report_hashes")
    if named is not None and named != _REPORT_HASHES:
        raise Unreadable(
            f"manifest.json: report_hashes: {str(named)[:60]!r} is not {_REPORT_HASHES}"
        )
    if not (run / _REPORT_HASHES).exists() and not (run / _REPORT_HASHES).is_symlink():
        if named:
            return [
                f"report listing missing: {_REPORT_HASHES} (the manifest says the report's "
                "hashes are there): nothing vouches for report/"
            ], []
        unvouched = _unvouched_report(run, set())
        if unvouched:
            return unvouched, []
        return [], ["report/: no report written yet (`foresterie report RUN` writes one)"]
    listing = _json(run, _REPORT_HASHES)
    files = _report_listing(listing)
    folder = run / "report"
    here: set[str] = set()
    out: list[str] = []
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        out.append("report/: not a folder (a link or a file)")
    elif folder.is_dir():
        cut = len(str(folder)) + 1  # os.walk's folders begin with it
        for top, dirs, names in os.walk(folder):  # does not follow links
            for name in sorted(dirs + names):
                p = os.path.join(top, name)
                rel = p[cut:]
                try:
                    mode = os.lstat(p).st_mode  # not a link: what is_dir and is_file stat
                except OSError:
                    mode = 0  # gone: neither a folder nor a file
                if stat.S_ISLNK(mode) or not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                    out.append(f"report file not a regular file: report/{rel} (a link or special)")
                elif stat.S_ISREG(mode):
                    here.add(rel)
    for rel in sorted(here - set(files)):
        out.append(f"report file not in {_REPORT_HASHES}: report/{rel}")
    top = _resolved(run)
    heads: dict[str, bytes] = {}  # each page's first bytes, from the read that hashed it
    for rel, digest in sorted(files.items()):
        if rel not in here:
            out.append(f"report file missing: report/{rel} (listed in {_REPORT_HASHES})")
            continue
        data = _read(run, f"report/{rel}", top)
        if rel.endswith(".html"):
            heads[rel] = data[:_HTML_HEAD]
        if hashlib.sha256(data).hexdigest() != digest:
            out.append(
                f"report file changed after it was written: report/{rel} "
                f"(hash differs from {_REPORT_HASHES})"
            )
    pages = sorted((rel for rel in files if rel in here), key=lambda rel: (rel.count("/"), rel))
    out.extend(_report_lang(listing, pages, heads))
    unchecked = []
    if not files and listing.get("lang") is None:
        unchecked.append("report/: no report written yet (`foresterie report RUN` writes one)")
    elif listing.get("lang") is not None and listing.get("sheets") is False:
        unchecked.append(
            "report/drivers/: no driver sheets, worker slips or no-ride notices (the report "
            "was written with --no-sheets)"
        )
    return out, unchecked


# The languages a report is written in (README "Languages": the report, map and driver sheets);
# replay writes the report again in report.json's `lang`, so it is checked against the pages.
_REPORT_LANGS = ("it", "en")
_HTML_LANG = re.compile(rb"<html lang=['\"]([A-Za-z-]*)['\"]")
_HTML_HEAD = 256  # the bytes of a page searched for its <html lang>


def _report_lang(listing: dict[str, Any], pages: list[str], heads: dict[str, bytes]) -> list[str]:
    """report.json's `lang` is a report language and the language every listed page declares
    (`<html lang>`: the index, the map, the sheets; a worker's slip carries its own language
    inside the page). The first page that disagrees is named, with how many do. `heads`: each
    page's first _HTML_HEAD bytes, kept from the read that hashed it (~3,000 pages on a season:
    not opened a second time)."""
    lang = listing.get("lang")
    if lang is None:
        return []
    if lang not in _REPORT_LANGS:
        return [
            f"{_REPORT_HASHES}: lang: {str(lang)[:20]!r} is not one of {', '.join(_REPORT_LANGS)}"
        ]
    wrong: list[tuple[str, str]] = []
    for rel in pages:
        if not rel.endswith(".html"):
            continue
        m = _HTML_LANG.search(heads[rel])
        said = m.group(1).decode("ascii") if m else ""
        if said != lang:
            wrong.append((rel, said))
    if not wrong:
        return []
    rel, said = wrong[0]
    more = f" (and {len(wrong) - 1} more pages)" if len(wrong) > 1 else ""
    return [
        f"{_REPORT_HASHES}: lang {lang!r} but report/{rel} is in "
        f"{repr(said) if said else 'no declared language'}{more}"
    ]


def _report_listing(listing: Any) -> dict[str, str]:
    """report.json's files (path under report/: sha256), its shape checked (Unreadable)."""
    files = listing.get("files") if isinstance(listing, dict) else None
    if (
        not isinstance(listing, dict)
        or listing.get("schema") != _REPORT_SCHEMA
        or not isinstance(files, dict)
        or not all(isinstance(v, str) for v in files.values())
    ):
        raise Unreadable(f"{_REPORT_HASHES}: not {_REPORT_SCHEMA}: an object of file hashes")
    for rel in files:
        _plain_path(rel)
    return files


def _unvouched_report(run: Path, purged: set[str]) -> list[str]:
    """The violation of a report/ holding files while no report.json lists them ([] if it holds
    none but those in `purged`): a run from before report.json reads the same as one both it and
    the manifest's name of it were removed from, and a sheet nothing vouches for may say
    anything."""
    unvouched = [f for f in _report_folder_files(run) if f"report/{f}" not in purged]
    if not unvouched:
        return []
    return [
        f"report/ not vouched for: {len(unvouched)} files and no {_REPORT_HASHES}; "
        "`foresterie report RUN` writes the report anew and hashes it"
    ]


def _report_folder_files(run: Path) -> list[str]:
    """Paths (with /) of whatever is under RUN/report/ that is not a folder, links included."""
    folder = run / "report"
    if folder.is_symlink() or folder.is_file():
        return ["."]
    out = []
    for top, dirs, names in os.walk(folder):  # does not follow links; nothing when absent
        for name in dirs + names:
            p = Path(top) / name
            if p.is_symlink() or not p.is_dir():
                out.append(p.relative_to(folder).as_posix())
    return sorted(out)


# The check families that need the restricted part (a line each when it cannot be read).
_NEEDS_PRIORITY = (
    "ride order when seats are short (referred people first): needs each person's priority",
    "waitlist reasons 'full' and 'outranked' (beds held by people of equal or higher "
    "priority): needs each person's priority",
    "KPIs by priority (housed, waitlisted, unserved worker-days): needs each person's priority",
    "the lottery among equals (priority is one of the attributes): needs each person's priority",
)
_NEEDS_REFERRALS = (
    "sites to avoid (no bed there, no ride there, nobody aboard past one): needs the referral "
    "records",
    "referral KPIs (referred, housed, days to a bed, waitlisted by code): needs the referral "
    "records",
    "the lottery among equals (sites to avoid are one of the attributes): needs the referral "
    "records",
)
_NEEDS_WAIT_DETAIL = (
    "the detailed waitlist reasons ('outranked' published as 'full'; 'no_section' and "
    "'no_accessible' as 'unsuitable'; 'placement', and the crowd drawn by the draw key, as "
    "'not_offered'): needs the restricted part",
)
_NEEDS_TIERS = (
    "the objective and bound of the housing tiers by priority (their claims): needs the "
    "restricted part",
)
_NEEDS_DRAW_KEY = (
    "who rides first among equals when seats are short, and the draw's tickets: need the draw "
    "key (restricted/draw_key.txt)",
)
_NEEDS_UNCOVERED_DETAIL = (
    "the detailed reasons of the nights without a bed ('placement' published as "
    "'no_bed_elsewhere'): needs the restricted part",
)
_WAIT_DETAIL = "waitlist_reasons.csv"
_UNCOVERED_DETAIL = "uncovered_reasons.csv"
_DRAW_KEY = "draw_key.txt"
_LOTTERY = "lottery.csv"
_KPIS = "kpis.json"
_TIERS = "tiers.json"
# What restricted/tiers.json keeps of a tier by priority; the published record has them null.
_TIER_FIGURES = ("objective", "bound", "gap")


def _sealed_tiers(data: bytes) -> dict[str, dict[str, Any]]:
    """restricted/tiers.json: {"tiers": [{name, objective, bound, gap}, ...]}, by name."""
    rel = f"restricted/{_TIERS}"
    doc = _json_of(data, rel)
    tiers = doc.get("tiers") if isinstance(doc, dict) else None
    if not isinstance(tiers, list):
        raise Unreadable(f"{rel}: tiers: not a list")
    out: dict[str, dict[str, Any]] = {}
    for i, t in enumerate(tiers):
        if not (isinstance(t, dict) and isinstance(t.get("name"), str)):
            raise Unreadable(f"{rel}: tiers.{i}: not an object with a name")
        for k in _TIER_FIGURES:
            if not _is_number(t.get(k)):
                raise Unreadable(f"{rel}: tiers.{i}.{k}: {str(t.get(k))[:40]!r} is not a number")
        if t["name"] in out:
            raise Unreadable(f"{rel}: tiers.{i}: {t['name']} twice")
        out[t["name"]] = t
    return out


KEY_ENV = "FORESTERIE_RESTRICTED_KEY"
_SEALED = ".fernet"
# The manifest's digests of restricted plaintexts: `hmac-sha256:HEX`, keyed with the bytes of
# restricted/salt.txt (never listed in the manifest); a bare HEX is a plain sha256 (a run from
# before the salt). README "Restricted part and encryption".
_SALT = "salt.txt"
_KEYED = "hmac-sha256:"


def _digest_ok(recorded: str, data: bytes, salt: bytes | None) -> bool:
    """Whether a recorded digest (keyed, or a plain sha256) is this plaintext's, keyed with the
    run's salt."""
    if recorded.startswith(_KEYED):
        if salt is None:
            return False
        mac = hmac.new(salt, data, hashlib.sha256).hexdigest()
        return hmac.compare_digest(recorded, _KEYED + mac)
    return hmac.compare_digest(recorded, hashlib.sha256(data).hexdigest())


def _rows_of(data: bytes, rel: str) -> list[dict[str, str]]:
    """Rows of a CSV file already read (a decrypted restricted file), its shape checked."""
    return _parse_csv(_utf8(data, rel), rel, Path(rel).name)


def _draw_key_of(data: bytes) -> bytes:
    """restricted/draw_key.txt: 64 hex digits (256 bits), blanks around them allowed."""
    text = _utf8(data, f"restricted/{_DRAW_KEY}").strip()
    if len(text) != 64 or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise Unreadable(f"restricted/{_DRAW_KEY}: not a draw key (64 hex digits)")
    return bytes.fromhex(text)


def _restricted_files(
    run: Path, manifest: dict[str, Any], expected: set[str] | frozenset[str] = frozenset()
) -> list[str]:
    """File names in restricted/, in the manifest's `restricted` part, among the restricted
    inputs it says the model read, and `expected` (_expected_restricted: what such a run
    writes), plain names, the salt of the manifest's digests aside."""
    folder = run / "restricted"
    names = {p.name.removesuffix(_SEALED) for p in folder.iterdir()} if folder.is_dir() else set()
    listed = manifest.get("restricted", {})
    names |= set(listed) if isinstance(listed, dict) else set()
    return sorted((names | (_declared_inputs(manifest) or set()) | expected) - {_SALT})


def _expected_restricted(manifest: dict[str, Any], cfg: dict[str, Any]) -> set[str]:
    """The restricted outputs a run that names its restricted inputs (a run written since
    review 18 Q's H1) wrote with its plan (run/planfiles.py restricted_outputs): the detailed
    waitlist reasons, the figures on priorities and referrals, those of the tiers by priority;
    with [housing] lottery the draw's tickets, with partial_stays the detailed reasons of the
    nights without a bed. Unlisted, each read as a run from before it (the tiers' claims, the
    waitlist's detail not checked, and nothing said). None for a run from before the record."""
    if _declared_inputs(manifest) is None:
        return set()
    housing = cfg.get("housing")
    housing = housing if isinstance(housing, dict) else {}
    out = {_WAIT_DETAIL, _KPIS, _TIERS}
    if housing.get("lottery") is True:
        out.add(_LOTTERY)
    if housing.get("partial_stays") is True:
        out.add(_UNCOVERED_DETAIL)
    return out


# The restricted inputs a model may read (run/folders.py restricted_files): a run written since
# review 18 Q's H1 names those it read in the manifest's scenario.restricted_inputs, so that a
# restricted part cut of its referral records (or draw key) is not read as a season that had
# none. Where the manifest has no such key (a run written before) an unlisted file reads as
# none, as it always did.
_RESTRICTED_INPUTS = ("priority.csv", "referrals.csv", _DRAW_KEY)


def _declared_inputs(manifest: dict[str, Any]) -> set[str] | None:
    """manifest scenario.restricted_inputs as a set of names (None: a run from before it)."""
    scenario = manifest.get("scenario")
    if not isinstance(scenario, dict) or "restricted_inputs" not in scenario:
        return None
    names = scenario["restricted_inputs"]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise Unreadable("manifest.json: scenario.restricted_inputs: not a list of file names")
    return {_plain_name(n, "manifest.json: scenario.restricted_inputs") for n in names}


def _restricted(
    run: Path, manifest: dict[str, Any], names: list[str]
) -> tuple[dict[str, bytes], list[str]]:
    """The restricted part's plaintexts (decrypted with the Fernet key from the environment:
    this module's own reading, with the `cryptography` package directly), its salt among them
    when it has one, and what cannot be checked without them."""
    out: dict[str, bytes] = {}
    unchecked: list[str] = []
    key = os.environ.get(KEY_ENV, "").strip()
    for name in [*names, _SALT]:
        plain = _plain_name(name, "restricted")
        if (run / "restricted" / plain).exists():
            out[plain] = _read(run, f"restricted/{plain}")
        elif (run / "restricted" / (plain + _SEALED)).exists():
            if not key:
                if plain == _SALT:
                    continue  # said by the files it keys
                unchecked.append(
                    f"restricted/{plain}: encrypted and {KEY_ENV} is not set: its hash and contents"
                )
                continue
            from cryptography.fernet import Fernet, InvalidToken

            try:
                out[plain] = Fernet(key.encode("ascii")).decrypt(
                    _read(run, f"restricted/{plain}{_SEALED}")
                )
            except (InvalidToken, ValueError, UnicodeEncodeError):
                raise Unreadable(
                    f"restricted/{plain}{_SEALED}: cannot be decrypted with {KEY_ENV}"
                ) from None
        elif not (run / "restricted").exists() and plain != _SALT:  # an operator's view
            unchecked.append(f"restricted/{plain}: withheld from this copy: its hash and contents")
    return out, unchecked


def _verify_purged(run: Path) -> tuple[list[str], list[str]]:
    """A run purged for retention (README, "Retention"): what remains matches the manifest,
    every removed file is gone and was, by its recorded sha256, the file the manifest lists
    (the restricted part's manifest hashes are of plaintexts: present or not is checked), and
    the aggregates are those written by the purge."""
    try:
        manifest = _json(run, "manifest.json")
        record = _json(run, "purged.json")
        if record.get("scope") == "departed":
            return _verify_partly_purged(run, manifest, record)
        removed, aggregates = dict(record["removed"]), dict(record["aggregates"])
        partial = dict(record.get("partial", {}))  # people removed while the run was in use
        cut, gone = dict(partial.get("files", {})), dict(partial.get("removed", {}))
        out: list[str] = []
        for folder in ("plan", "inputs", "restricted"):
            for name, digest in dict(manifest.get(folder, {})).items():
                rel = f"{folder}/{_plain_name(name, f'manifest.json: {folder}')}"
                sealed = rel + _SEALED
                if rel in gone:
                    if gone[rel] != digest:
                        out.append(f"purged file was not the run's: {rel} (hash differs)")
                    if (run / rel).exists():
                        out.append(f"purged file still present: {rel}")
                elif rel in removed or sealed in removed:
                    was = digest
                    if rel in cut:  # people removed from it first: the file as it was then
                        if cut[rel]["sha256"] != digest:
                            out.append(f"purged file was not the run's: {rel} (hash differs)")
                        was = cut[rel]["kept_sha256"]
                    if folder != "restricted" and removed[rel] != was:
                        out.append(f"purged file was not the run's: {rel} (hash differs)")
                elif rel in cut and folder != "restricted":  # people removed, the rest kept
                    if cut[rel]["sha256"] != digest:
                        out.append(f"purged file was not the run's: {rel} (hash differs)")
                    if not (run / rel).exists() or _sha(run, rel) != cut[rel]["kept_sha256"]:
                        out.append(f"file changed after the purge: {rel} (hash differs)")
                elif not (run / rel).exists() or _sha(run, rel) != digest:
                    out.append(
                        f"file changed after solving: {rel} (hash differs from the manifest)"
                    )
        for rel in removed:
            if (run / rel).exists():
                out.append(f"purged file still present: {rel}")
        for rel, digest in aggregates.items():
            if not rel.startswith("aggregates/") or _sha(run, rel) != digest:
                out.append(f"aggregate changed after the purge: {rel}")
        out += _purged_report(run, {**gone, **removed}, cut)
        out += _slipped_after_purge(run, manifest, {**gone, **removed}, aggregates)
        out += _recounted_aggregates(run, manifest, aggregates)
        _purge_date(record)
        note = (
            f"purged for retention (before {record['before']}): {len(removed)} worker-level "
            "files removed; the checks of people, beds, trips, riders, reasons and KPIs need them"
        )
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        what = {"KeyError": "a key is missing", "TypeError": "a value of the wrong kind"}.get(
            type(exc).__name__, "a value not as a purge writes it"
        )
        raise Unreadable(
            f"malformed purged run folder: purged.json or manifest.json: {what}"
        ) from None
    return out, [note]


def _purged_report(run: Path, removed: dict[str, Any], cut: dict[str, Any]) -> list[str]:
    """report/ of a purged run against report.json, which the purge keeps: each listed file is
    there as written, or was removed (purged.json's sha256 of it is the listed one), or was cut
    (its sha256 when cut is the listed one; what it keeps is checked against purged.json); no
    file remains that the listing does not hold. Without report.json, as any run (a report
    nothing vouches for is a violation)."""
    if not (run / _REPORT_HASHES).exists() and not (run / _REPORT_HASHES).is_symlink():
        return _unvouched_report(run, set(cut))
    files = _report_listing(_json(run, _REPORT_HASHES))
    out = []
    for rel, digest in sorted(files.items()):
        key = f"report/{rel}"
        if key in removed:
            if removed[key] != digest:
                out.append(
                    f"purged file was not the run's: {key} (hash differs from {_REPORT_HASHES})"
                )
        elif key in cut:
            if cut[key].get("sha256") != digest:
                out.append(
                    f"purged file was not the run's: {key} (hash differs from {_REPORT_HASHES})"
                )
        elif not (run / key).exists():
            out.append(f"report file missing: {key} (listed in {_REPORT_HASHES}, not purged)")
        elif _sha(run, key) != digest:
            out.append(
                f"report file changed after it was written: {key} (hash differs from "
                f"{_REPORT_HASHES})"
            )
    for rel in _report_folder_files(run):
        if rel not in files:
            out.append(f"report file not in {_REPORT_HASHES}: report/{rel}")
    return out


# Files a run folder holds beside what its manifest and report.json list (OPERATOR.md: the
# operator's copy, `export --role operator`, says what it is).
_RUN_RECORDS = (
    "manifest.json",
    "purged.json",
    "report.json",
    "day.json",
    "intake.json",
    "OPERATOR.md",
)


def _slipped_after_purge(
    run: Path, manifest: dict[str, Any], removed: dict[str, Any], aggregates: dict[str, Any]
) -> list[str]:
    """Files of a purged run that nothing vouches for: not a record of the run, not a kept file
    the manifest lists, not an aggregate purged.json lists (report/ is report.json's: there
    `_purged_report` speaks). A file slipped in may hold the very ids the purge removed."""
    kept = set(_RUN_RECORDS) | set(aggregates)
    for folder in ("plan", "inputs", "restricted"):
        for name in dict(manifest.get(folder, {})):
            rel = f"{folder}/{_plain_name(name, f'manifest.json: {folder}')}"
            if rel not in removed:
                kept |= {rel, rel + _SEALED}
    salt = {f"restricted/{_SALT}", f"restricted/{_SALT}{_SEALED}"}  # the digests' key
    keyed = any(str(d).startswith(_KEYED) for d in dict(manifest.get("restricted", {})).values())
    if keyed and not salt & set(removed):
        kept |= salt
    out = []
    for top, dirs, names in os.walk(run):  # does not follow links
        for name in sorted(dirs + names):
            p = Path(top) / name
            rel = p.relative_to(run).as_posix()
            if rel == "report" or rel.startswith("report/") or rel in kept:
                continue
            if p.is_dir() and not p.is_symlink():
                continue
            out.append(
                f"file slipped in after the purge: {rel} (neither the manifest nor purged.json "
                "lists it)"
            )
    return out


def _recounted_aggregates(
    run: Path, manifest: dict[str, Any], aggregates: dict[str, Any]
) -> list[str]:
    """The aggregates a purge keeps (and the public export of a purged run publishes), recounted
    where the kept files allow: kpis.csv against the manifest's KPIs, and transport_by_week.csv's
    trips, vehicle-days, vehicle-km and worker-days carried against plan/trips.csv (which the
    manifest vouches for). An aggregate edited with its hash in purged.json updated is caught."""
    out: list[str] = []
    rel = "aggregates/kpis.csv"
    if rel in aggregates and (run / rel).is_file():
        said = dict(_flat_kpis(manifest.get("kpis", {})))
        for i, row in enumerate(_rows(run, rel, "aggregate"), start=2):
            name, value = row.get("kpi", ""), row.get("value", "")
            if name not in said:
                out.append(f"{rel} row {i}: {name[:60]!r} is not a KPI of the manifest")
            elif not _same_figure(value, _kpi_cell(said[name])):
                out.append(
                    f"{rel} row {i}: {name} {value[:40]!r}, the manifest says {said[name]!r}"
                )
    rel = "aggregates/transport_by_week.csv"
    if rel in aggregates and (run / rel).is_file() and (run / "plan/trips.csv").is_file():
        table = _rows(run, rel, "aggregate")
        # Keyed by boarding place (`place_id`: the departure point, else the base); a purge
        # before 0.4.0 kept them by the vehicle's base (`foresteria_id`).
        by_place = bool(table) and "place_id" in table[0]
        key_column = "place_id" if by_place else "foresteria_id"
        recount: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, 0, set(), 0.0])
        for t in _rows(run, "plan/trips.csv"):
            where = (t.get("origin_id") or t["foresteria_id"]) if by_place else t["foresteria_id"]
            cell = recount[where, _week(date.fromisoformat(t["day"]))]
            cell[0] += int(t["riders"]) if t["direction"] == "to_farm" else 0
            cell[1] += 1
            cell[2].add((t["day"], t["vehicle_id"]))
            cell[3] += float(t["km"])
        seen = set()
        for i, row in enumerate(table, start=2):
            key = (row.get(key_column, ""), row.get("week", ""))
            seen.add(key)
            carried, trips, days, km = recount.get(key, [0, 0, set(), 0.0])
            figures = (
                ("worker_days_transported", carried),
                ("trips", trips),
                ("vehicle_days", len(days)),
            )
            for column, n in figures:
                if _number(row.get(column, "")) != n:
                    out.append(
                        f"{rel} row {i}: {column} {row.get(column, '')[:20]!r} for {key[0]} "
                        f"{key[1]}, plan/trips.csv gives {n}"
                    )
            if abs(_number(row.get("vehicle_km", "")) - km) > 0.1:
                out.append(
                    f"{rel} row {i}: vehicle_km {row.get('vehicle_km', '')[:20]!r} for {key[0]} "
                    f"{key[1]}, plan/trips.csv gives {km:.1f}"
                )
        for key in sorted(set(recount) - seen):
            out.append(f"{rel}: no row for {key[0]} {key[1]}, which plan/trips.csv has trips in")
    return out


def _flat_kpis(kpis: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """The manifest's KPIs as (dotted name, value), as kpis.csv lists them."""
    if not isinstance(kpis, dict):
        return
    for k, v in kpis.items():
        if isinstance(v, dict):
            yield from _flat_kpis(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}", v


def _kpi_cell(value: Any) -> str:
    """A manifest KPI as a kpis.csv cell shows it (a list as 'a, b')."""
    return ", ".join(str(x) for x in value) if isinstance(value, list) else str(value)


def _number(text: str) -> float:
    """A figure of an aggregate, NaN when it is not one (so it equals nothing)."""
    try:
        return float(text) if text.strip().isascii() else math.nan
    except ValueError:
        return math.nan


def _purge_date(record: dict[str, Any]) -> None:
    """purged.json's "before": a date YYYY-MM-DD (ValueError otherwise: a malformed record)."""
    date.fromisoformat(str(record["before"]))
    if len(str(record["before"])) != 10:
        raise ValueError(record["before"])


def _plain_path(rel: str) -> str:
    """A path under report/ as report.json lists it: relative, no '..', no backslash."""
    if not rel or rel.startswith("/") or "\\" in rel or {".", "..", ""} & set(rel.split("/")):
        raise Unreadable(f"{_REPORT_HASHES}: files: {rel[:80]!r} is not a path under report/")
    return rel


def _verify_partly_purged(
    run: Path, manifest: dict[str, Any], record: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """A run still in use from which the people whose stay had ended were removed (README,
    "Retention"): every file the purge did not touch is the manifest's; each file it cut was
    the manifest's when cut, is now what the purge left (sha256), and holds as many rows as
    it had less those removed; each file it removed is gone and was the manifest's; the
    aggregates are the purge's; inputs/workers.csv lost exactly the people recorded; and every
    id the remaining plan and restricted files name is a person still in inputs/workers.csv."""
    out: list[str] = []
    files, removed = dict(record["files"]), dict(record["removed"])
    people = sum(int(p["people"]) for p in record["purges"])
    plain, unchecked = _restricted(run, manifest, _restricted_files(run, manifest))
    salt = plain.get(_SALT)  # restricted plaintexts are recorded by their keyed digest
    contents: dict[str, bytes] = {}
    for folder in ("plan", "inputs", "restricted"):
        for name, digest in dict(manifest.get(folder, {})).items():
            rel = f"{folder}/{_plain_name(name, f'manifest.json: {folder}')}"
            if rel in removed:
                if removed[rel] != digest:
                    out.append(f"purged file was not the run's: {rel} (hash differs)")
                continue
            if folder == "restricted":
                if name not in plain:
                    continue  # encrypted without the key: said by _restricted
                data = plain[name]
            elif not (run / rel).exists():
                out.append(f"file missing: {rel} (neither kept nor recorded as purged)")
                continue
            else:
                data = _read(run, rel)
            contents[rel] = data
            e = files.get(rel)
            if e is None:
                if not _digest_ok(digest, data, salt if folder == "restricted" else None):
                    out.append(
                        f"file changed after solving: {rel} (hash differs from the manifest)"
                    )
            elif e["sha256"] != digest:
                out.append(f"purged file was not the run's: {rel} (hash differs)")
    for rel, e in sorted(files.items()):
        if rel in contents:
            data = contents[rel]
        elif not rel.startswith("restricted/") and (run / rel).exists():
            data = _read(run, rel)  # a file the manifest does not list (report/)
        else:
            if not rel.startswith("restricted/") and rel not in contents:
                out.append(f"file missing: {rel} (cut by the purge, then removed)")
            continue
        keyed_by = salt if rel.startswith("restricted/") else None
        if not _digest_ok(str(e["kept_sha256"]), data, keyed_by):
            out.append(f"file changed after the purge: {rel} (hash differs from purged.json)")
        left = len(_rows_of(data, rel))
        if left != int(e["rows"]) - int(e["rows_removed"]):
            out.append(
                f"{rel}: {left} rows, but {e['rows']} less {e['rows_removed']} purged "
                f"= {int(e['rows']) - int(e['rows_removed'])}"
            )
    for rel in removed:
        if (run / rel).exists():
            out.append(f"purged file still present: {rel}")
    for rel, digest in dict(record["aggregates"]).items():
        if not rel.startswith("aggregates/") or _sha(run, rel) != digest:
            out.append(f"aggregate changed after the purge: {rel}")
    out += _purged_report(run, removed, files)
    out += _slipped_after_purge(run, manifest, removed, dict(record["aggregates"]))
    out += _recounted_aggregates(run, manifest, dict(record["aggregates"]))
    for purge in record["purges"]:
        _purge_date(purge)
    took = int(files.get("inputs/workers.csv", {}).get("rows_removed", 0))
    if took != people:
        out.append(f"inputs/workers.csv: {took} people removed, purged.json records {people}")
    here = {w["worker_id"] for w in _rows(run, "inputs/workers.csv")}
    # a re-plan's inputs/previous_*: the previous run's people (its workers.csv, as cut), not
    # this run's (someone gone before the previous run's plan began is in no file of this one)
    was_rel = f"inputs/{_PREVIOUS_INPUTS[1]}"
    was = {w["worker_id"] for w in _rows(run, was_rel)} if (run / was_rel).exists() else None
    for rel, data in sorted(contents.items()):
        if not rel.endswith(".csv") or rel in ("inputs/workers.csv", was_rel):
            continue
        known, whose = here, "inputs/workers.csv"
        if was is not None and rel.startswith("inputs/previous_"):
            known, whose = was, was_rel
        for i, row in enumerate(_rows_of(data, rel), start=2):
            named = row.get("worker_id", "").split() + row.get("worker_ids", "").split()
            for wid in named:
                if wid not in known:
                    out.append(f"{rel} row {i}: {wid} is not in {whose} (purged?)")
    # The checks that hold person by person or trip by trip also hold for the people left:
    # their beds, sections, sites and commutes, every trip's seats, times and duty, each of
    # them served or listed unserved every day they ride, both ways.
    r = _Run(run)
    for check in (_check_people, _check_trips, _check_trip_times, _check_service):
        check(r, out)
    _check_round_trips(r, out)
    unchecked += [u for u in dict.fromkeys(r.unchecked) if "lottery" not in u]
    last = max(str(p["before"]) for p in record["purges"])
    unchecked.append(
        f"partly purged for retention (last before {last}): {people} people whose stay had "
        f"ended removed ({len(files)} files cut, {len(removed)} removed); the checks that need "
        "everyone (beds per night, the roll call against the stops, reasons, ride order, KPIs, "
        "solver claims, the published copies) are not run on the people left"
    )
    return out, unchecked


def _check_references(r: _Run) -> list[str]:
    """Every id a plan file names is in the inputs (and every trip a stop or rider names is in
    trips.csv): each unknown one is a violation, and the checks that would have to look it up
    are not run on it."""
    out: list[str] = []
    bases = set(r.fs) | set(r.pickups)
    trips = {t["trip_id"] for t in r.trips}
    named: list[tuple[str, str, int, set[str] | dict[str, Any], str]] = []
    for rel, rows, fields in (
        ("plan/assignments.csv", r.assign, (("worker_id", r.workers), ("foresteria_id", r.fs))),
        ("plan/waitlist.csv", r.wait, (("worker_id", r.workers),)),
        (
            "plan/trips.csv",
            r.trips,
            (("foresteria_id", bases), ("origin_id", bases), ("vehicle_id", r.fleet)),
        ),
        ("plan/stops.csv", r.stops, (("trip_id", trips), ("farm_id", r.farms))),
        ("plan/riders.csv", r.riders, (("trip_id", trips), ("worker_id", r.workers))),
        (
            "plan/unserved.csv",
            r.unserved,
            (
                ("foresteria_id", bases),
                ("base_id", bases),
                ("farm_id", r.farms),
                ("worker_ids", r.workers),
            ),
        ),
    ):
        # Each field's distinct values first: a file naming nothing unknown needs no row walk.
        if all(
            x in known
            for field, known in fields
            for v in {row.get(field) or "" for row in rows}
            for x in v.split()
        ):
            continue
        for n, row in enumerate(rows, start=2):
            for field, known in fields:
                for x in (row.get(field) or "").split():
                    if x not in known:
                        named.append((rel, field, n, known, x))
    for rel, field, n, known, x in named:
        if known is r.workers:
            out.append(f"unknown worker in plan: {x}")
        else:
            out.append(f"unknown {field.removesuffix('_id')} in plan: {x} ({rel} row {n})")
    return out


def _check_restricted(r: _Run, out: list[str]) -> None:
    """Restricted plaintexts against the manifest (the digest of the plaintext, keyed with the
    run's salt, encrypted or not), and every person with exactly one priority in 0..3."""
    listed = r.manifest.get("restricted", {})
    if not isinstance(listed, dict):
        raise Unreadable("manifest.json: restricted: not an object of file hashes")
    salt = r.restricted.get(_SALT)
    said = _check_declared(r, listed, out)
    keyed = [n for n, d in listed.items() if n in r.restricted and d.startswith(_KEYED)]
    if keyed and salt is None:
        out.append(
            f"restricted file missing: {_SALT} (the manifest's digests of {', '.join(keyed)} "
            "are keyed with it)"
        )
    for name, digest in listed.items():
        plain = _plain_name(name, "manifest.json: restricted")
        if plain == _SALT:
            raise Unreadable(f"manifest.json: restricted: {_SALT} is the digests' key, not a file")
        if plain in r.restricted:
            if plain in keyed and salt is None:
                continue  # said above
            if not _digest_ok(digest, r.restricted[plain], salt):
                out.append(
                    f"restricted file changed after solving: {plain} (hash differs from the "
                    "manifest)"
                )
        elif not any(plain in u for u in r.unchecked):
            out.append(f"restricted file changed after solving: {plain} (missing)")
    for name in r.restricted:
        if name not in listed and name != _SALT:
            out.append(f"restricted file not in the manifest: {name}")
    if salt is not None:  # written since the salt: every digest is keyed with it (review 18 Q)
        for name, digest in sorted(listed.items()):
            if isinstance(digest, str) and not digest.startswith(_KEYED):
                out.append(
                    f"restricted digest not keyed: {name} (the run has {_SALT}, so its "
                    "manifest's digests are keyed with it; a bare sha256 lets anyone with the "
                    "operator view test guesses of the file)"
                )
    if (
        not r.priority_known
        and "priority.csv" not in said
        and "priority.csv" not in {_plain_name(n, "manifest.json: restricted") for n in listed}
    ):  # inputs/workers.csv holds no priorities: the run kept them in restricted/priority.csv
        out.append(
            "restricted file missing: priority.csv (inputs/workers.csv has no priority column, "
            "so the run keeps each person's priority there, and the manifest must list it)"
        )
    for wid in r.unknown_priority:
        out.append(f"restricted/priority.csv wrong: {wid} is not listed once per person")
    if r.priority_known:
        for wid, w in r.workers.items():
            if w.get("priority", "") not in ("0", "1", "2", "3"):
                out.append(f"priority out of 0..3: {wid}")


def _check_declared(r: _Run, listed: dict[str, Any], out: list[str]) -> set[str]:
    """The restricted inputs the manifest says the model read (scenario.restricted_inputs)
    against its `restricted` part and the folder: one named there that the part neither lists
    nor holds was cut from it (a referred person's sites to avoid would go unchecked), unless
    the whole part is withheld (the operator view: said not checked). The names said missing."""
    # A day run that kept its season plan's trips (manifest shuttles.stability, written with
    # inputs/reference_trips.json since both exist) reads who holds a seat from that file:
    # without it, the seat holders' ride order and the kept trips' ids went unchecked, unsaid.
    shuttles, inputs = r.manifest.get("shuttles"), r.manifest.get("inputs")
    ref = "reference_trips.json"
    if (
        isinstance(shuttles, dict)
        and "stability" in shuttles
        and not (r.root / "inputs" / ref).exists()
        and ref not in (inputs if isinstance(inputs, dict) else {})
    ):
        out.append(
            f"input missing: inputs/{ref} (the manifest's shuttles.stability says the day run "
            "kept its season plan's trips, and the manifest does not list them)"
        )
    declared = _declared_inputs(r.manifest)
    if declared is None:  # a run from before the record: as it always was read
        return set()
    said: set[str] = set()
    for name in sorted(declared - set(_RESTRICTED_INPUTS)):
        out.append(
            f"manifest.json: scenario.restricted_inputs: {name[:40]!r} is not a restricted input "
            "of a run"
        )
    withheld = not (r.root / "restricted").exists()
    for name in sorted(declared & set(_RESTRICTED_INPUTS)):
        if name == "priority.csv" and not r.priority_known:
            continue  # said below, with why: inputs/workers.csv has no priority column
        if name not in listed and name not in r.restricted and not withheld:
            said.add(name)
            out.append(
                f"restricted file missing: {name} (the manifest's scenario.restricted_inputs "
                "says the model read it, and its restricted part does not list it)"
            )
    for name in sorted(r.expected - set(listed) - set(r.restricted)):
        if not withheld:
            said.add(name)
            out.append(
                f"restricted file missing: {name} (a run that names its restricted inputs "
                "writes it with its plan, and its restricted part does not list it)"
            )
    # A re-plan's records of the days before its date that the plan's rules start from: the
    # days someone was left behind (the ride order's rotation), whose stay rules began again,
    # and what the previous run planned its nights with. Such a run writes each (the first two
    # a header alone when none), so that a file cut from inputs/ is not read as "nobody" or as
    # a re-plan from before session 18 (review 18 Q, H1's kind).
    replan = r.manifest.get("replan")
    if isinstance(replan, dict) and isinstance(replan.get("as_of"), str):
        for name in (_LEFT_BEHIND, _RESTARTS, *_PREVIOUS_INPUTS):
            if not (r.root / "inputs" / name).exists() and name not in (
                inputs if isinstance(inputs, dict) else {}
            ):
                out.append(
                    f"input missing: inputs/{name} (a re-plan that names its restricted inputs "
                    "records it"
                    + (", a header alone when none" if name in (_LEFT_BEHIND, _RESTARTS) else "")
                    + ", and the manifest does not list it)"
                )
    for name in sorted(set(listed) & set(_RESTRICTED_INPUTS) - declared):
        out.append(
            f"manifest.json: scenario.restricted_inputs: {name} not named, yet the restricted "
            "part lists it (the model read it, or the file was added after solving)"
        )
    return said


def _is_dependant(w: dict[str, str]) -> bool:
    """rides = false: takes a bed, never rides (absent or empty: rides)."""
    return (w.get("rides") or "true").strip().lower() in ("false", "0", "no", "n", "f")


def _avoid(w: dict[str, str]) -> set[str]:
    return {s for s in (w.get("avoid_sites") or "").split(";") if s}


def _work_farm(w: dict[str, str]) -> str:
    """The farm a person rides to; a dependant rides nowhere, nobody rides to a site to avoid."""
    return "" if _is_dependant(w) or w["farm_id"] in _avoid(w) else w["farm_id"]


def _closed(closures: list[dict[str, str]]) -> dict[str, set[date]]:
    """farm -> the days farm_calendar.csv says it has no work (first_day..last_day)."""
    closed: dict[str, set[date]] = defaultdict(set)
    for c in closures:
        d, last = _day(c["first_day"]), _day(c["last_day"])
        while d <= last:
            closed[c["farm_id"]].add(d)
            d += timedelta(days=1)
    return closed


def _released(r: _Run, closures: list[dict[str, str]]) -> dict[str, date]:
    """worker -> the morning their bed is released after max_days_without_work of their farm's
    workdays in a row without work with no workday with work after them in the stay (README,
    "Entry rules"); dependants leave with their group's
    working members once all of them have left. Recomputed here from the calendar as written."""
    limit = r.cfg.get("housing", {}).get("max_days_without_work")
    if not limit or not closures:
        return {}
    closed = r.closed
    # README "Daily operations": a booking on a closed day is a day with work for that person
    # only (an intake's inputs/worked_days.csv)
    booked: set[tuple[str, date]] = set()
    if (r.root / "inputs" / _WORKED).is_file():
        booked = {(b["worker_id"], _day(b["day"])) for b in _rows(r.root, f"inputs/{_WORKED}")}
    out: dict[str, date] = {}
    for wid, w in r.workers.items():
        farm = _work_farm(w)
        if farm not in closed:
            continue
        works = _days(str(r.farms[farm]["workdays"]))
        start, end = _day(w["arrival"]), _day(w["departure"])
        stay = [start + timedelta(days=k) for k in range((end - start).days)]
        days = [d for d in stay if d.weekday() in works]
        # a day a booking says they work (inputs/worked_days.csv) has work for them only
        worked = [d for d in days if d not in closed[farm] or (wid, d) in booked]
        # README: only the workdays without work that no workday with work follows within the
        # stay (the work is over for the person) release the bed; a pause is not an end
        idle = [d for d in days if not worked or d > worked[-1]]
        if len(idle) >= int(limit) and idle[int(limit) - 1] + timedelta(days=1) < end:
            out[wid] = idle[int(limit) - 1] + timedelta(days=1)
    group: dict[str, list[str]] = defaultdict(list)
    for wid, w in r.workers.items():
        if w["group_id"]:
            group[w["group_id"]].append(wid)
    for ids in group.values():  # README: a group is released whole, or nobody of it
        working = [i for i in ids if _work_farm(r.workers[i])]
        mornings = {i: out.pop(i) for i in working if i in out}
        if mornings:
            last = max(mornings.values())
            if any(i not in mornings and _day(r.workers[i]["departure"]) > last for i in working):
                continue  # README: a working member still there and at work keeps the room
            if any(_day(r.workers[i]["arrival"]) >= last for i in ids):
                continue  # README: a member not yet arrived by then keeps the family's room
            out.update({i: last for i in ids if last < _day(r.workers[i]["departure"])})
    # README "Entry rules": a release the plan gives to nobody is not made; the plan says which
    # by housing the person on the night of the morning (their bed kept). Those are no release.
    held = {
        a["worker_id"]
        for a in r.assign
        if a["worker_id"] in out and a["from"] <= out[a["worker_id"]].isoformat() < a["to"]
    }
    return {wid: m for wid, m in out.items() if wid not in held}


def _check_release_needed(r: _Run, out: list[str]) -> None:
    """README "Entry rules": a release is made only when someone is given the bed it frees: for
    each release (a group's together) of people who had a bed the night before at a foresteria
    open that morning, some night it frees there (to their departure or the closing) has no free
    bed in their section for them. In a re-plan, releases by its date are what was lived."""
    if not r.released:
        return
    as_of = (r.manifest.get("replan") or {}).get("as_of")
    used: dict[tuple[str, str, int], int] = defaultdict(int)
    for a in r.assign:
        for n in range(_ord(a["from"]), _ord(a["to"])):
            used[a["foresteria_id"], a["section"], n] += 1
    ends = {(a["worker_id"], a["to"]): a for a in r.assign}
    together: dict[tuple[date, str], list[str]] = defaultdict(list)
    for wid, morning in r.released.items():
        together[morning, r.workers[wid]["group_id"] or wid].append(wid)
    for (morning, _), ids in sorted(together.items()):
        if isinstance(as_of, str) and morning.isoformat() <= as_of:
            continue  # the night before was lived: the previous run's release stands
        asks: dict[tuple[str, str, int], int] = defaultdict(int)
        for wid in ids:
            row = ends.get((wid, morning.isoformat()))
            f = r.fs.get(row["foresteria_id"]) if row else None
            if row is None or f is None:
                continue
            if not _day(f["open_from"]) <= morning <= _day(f["open_to"]):
                continue
            stop = min(_ord(r.workers[wid]["departure"]), _ord(str(f["open_to"])[:10]) + 1)
            for n in range(morning.toordinal(), stop):
                asks[row["foresteria_id"], row["section"], n] += 1
        if asks and all(r.beds(f, s) - used[f, s, n] >= k for (f, s, n), k in asks.items()):
            fid, section, _ = min(asks)
            out.append(
                f"release houses nobody: {', '.join(sorted(ids))} released on {morning} at "
                f"{fid} ({section}), where a bed stays free for each every night it frees"
            )


def _day(text: object) -> date:
    return date.fromisoformat(str(text)[:10])


@functools.lru_cache(maxsize=4096)
def _ord(text: str) -> int:
    """The day number (date.toordinal) of an ISO date as the plan writes it."""
    return date.fromisoformat(text).toordinal()


@functools.lru_cache(maxsize=4096)
def _iso(day: int) -> str:
    return date.fromordinal(day).isoformat()


@functools.lru_cache(maxsize=8192)
def _nights(first: str, end: str) -> tuple[str, ...]:
    """The days first, first + 1, ..., end - 1 as ISO texts (none when end is not after first):
    a stay's nights. Kept per pair: five checks walk every stay night by night."""
    return tuple(_iso(d) for d in range(_ord(first), _ord(end)))


def _workdays(r: _Run, farm: str, first: str, end: str) -> list[str]:
    """The days first..end - 1 (ISO texts) on which `farm` works (`_farm_works`): each farm's
    days computed once per run (r.memo) over the span of every stay, then sliced."""
    a, b = _ord(first), _ord(end)
    if a >= b:
        return []
    memo = r.memo.setdefault("workdays", {})
    if "span" not in memo:  # every stay lies within the workers' stays and the assignments
        ends = [_ord(w[k]) for w in r.workers.values() for k in ("arrival", "departure")]
        ends += [_ord(x[k]) for x in r.assign for k in ("from", "to")]
        memo["span"] = (min(ends, default=a), max(ends, default=b))
    lo, hi = memo["span"]
    got = memo.get(farm)
    if got is None or a < got[0] or b > got[1]:
        lo, hi = min(lo, a, got[0] if got else a), max(hi, b, got[1] if got else b)
        *_, heat, heat_end = _rules(r)
        days = [
            d for d in range(lo, hi) if _farm_works(r, farm, date.fromordinal(d), heat, heat_end)
        ]
        got = memo[farm] = (lo, hi, days, [_iso(d) for d in days])
    days, isos = got[2], got[3]
    return isos[bisect.bisect_left(days, a) : bisect.bisect_left(days, b)]


def _by_worker(assign: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    """Each worker's assignment rows (one per foresteria slept at), in date order."""
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for a in assign:
        out[a["worker_id"]].append(a)
    for rows in out.values():
        rows.sort(key=lambda a: a["from"])
    return out


def _check_people(r: _Run, out: list[str]) -> None:
    h = r.cfg.get("housing", {})
    partial = bool(h.get("partial_stays", False))
    transfers = int(h.get("max_transfers", 0)) if partial else 0
    min_nights, share = int(h.get("min_overlap_nights", 1)), float(h.get("min_overlap_share", 0))
    housed = _by_worker(r.assign)
    waiting = {w["worker_id"] for w in r.wait}
    for wid in r.workers:
        if wid not in housed and wid not in waiting:
            out.append(f"worker lost: {wid} is neither housed nor waitlisted")
        if wid in housed and wid in waiting:
            out.append(f"worker both housed and waitlisted: {wid}")
    for wid in (set(housed) | waiting) - set(r.workers):
        out.append(f"unknown worker in plan: {wid}")
    cap_s = int(h.get("max_commute_min", 60)) * 60
    groups: dict[str, list[_Member]] = defaultdict(list)
    moves = _moves(r)
    again = _rules_from(r)
    for wid, w in r.workers.items():
        rows = housed.get(wid, [])
        if wid in moves:  # moved on request on a re-plan's date: the nights before it are
            # the previous plan's (_past_nights_changed); the stay rules hold from the move, as
            # for someone arriving there at the foresteria asked for
            fid, moved_on = moves[wid]
            w = {**w, "arrival": moved_on, "pinned_foresteria": fid}
            rows = [a for a in rows if a["from"] >= moved_on]
        if wid in again and wid not in moves:
            # the nights before the re-plan's date are a plan of the previous run's stay and
            # foresterie, not of this run's (_restarts): the stay rules hold from the date, as
            # for someone arriving then, pinned at the bed of the night before if any
            on = str(again[wid][0])
            w = {**w, "arrival": on, "pinned_foresteria": again[wid][1]}
            rows = [{**a, "from": max(a["from"], on)} for a in rows if a["to"] > on]
        pin = w.get("pinned_foresteria") or ""
        if pin and (not rows or rows[0]["foresteria_id"] != pin):
            where = rows[0]["foresteria_id"] if rows else "the waitlist"
            out.append(f"pinned worker moved: {wid} pinned to {pin}, planned at {where}")
        arrival = _day(w["arrival"])
        departure = r.released.get(wid, _day(w["departure"]))  # a released bed ends the stay
        need = max(min_nights, math.ceil(share * (departure - arrival).days - 1e-9))
        if w["group_id"]:
            groups[w["group_id"]].append((wid, rows, need, pin))
        if not rows:
            continue
        if len(rows) > 1 + transfers or any(
            b["from"] < a["to"] for a, b in zip(rows, rows[1:], strict=False)
        ):
            out.append(f"worker housed twice: {wid}")
            continue
        prev_end: date | None = None
        for k, asg in enumerate(rows):
            f = r.fs.get(asg["foresteria_id"])
            if f is None:
                out.append(f"unknown foresteria {asg['foresteria_id']} for {wid}")
                break
            if asg["foresteria_id"] in _avoid(w):
                out.append(f"site to avoid: {wid} placed at {asg['foresteria_id']}")
            start, end = _day(asg["from"]), _day(asg["to"])
            opens, closes = _day(f["open_from"]), _day(f["open_to"]) + timedelta(days=1)
            if wid in r.released and end > r.released[wid]:
                out.append(
                    f"bed kept after its release for days without work: {wid} at "
                    f"{asg['foresteria_id']} until {asg['to']}, released on {r.released[wid]}"
                )
            if not partial:
                if (asg["section"], asg["from"], asg["to"]) != (
                    w["section"],
                    w["arrival"],
                    departure.isoformat(),
                ):
                    out.append(f"assignment differs from the worker's stay or section: {wid}")
            elif asg["section"] != w["section"] or not arrival <= start < end <= departure:
                out.append(f"assignment outside the worker's stay or section: {wid}")
            if start < opens or end > closes:
                out.append(
                    f"foresteria closed: {wid} at {asg['foresteria_id']} for "
                    f"{asg['from']}..{end - timedelta(days=1)}, "
                    f"open {f['open_from']}..{f['open_to']}"
                )
            if partial:
                # From arrival (or opening night, or the transfer), to departure (or closing).
                first = max(arrival if prev_end is None else prev_end, opens)
                if start != first or end != min(departure, closes):
                    out.append(
                        f"stay cut short or moved off a closing: {wid} at "
                        f"{asg['foresteria_id']} {asg['from']}..{asg['to']}, could be "
                        f"{first}..{min(departure, closes)}"
                    )
                if not w["group_id"] and (end - start).days < (1 if k == 0 and pin else need):
                    out.append(
                        f"stay shorter than the minimum overlap: {wid} at "
                        f"{asg['foresteria_id']}, {(end - start).days} < {need} nights"
                    )
            prev_end = end
            if _work_farm(w) and not (k == 0 and pin == asg["foresteria_id"]):
                s = r.secs[asg["foresteria_id"], w["farm_id"]]
                if s > cap_s:
                    out.append(
                        f"commute cap: {wid} at {asg['foresteria_id']} is {s / 60:.0f} min from "
                        f"farm {w['farm_id']}, cap {cap_s // 60} min (+{(s - cap_s) / 60:.0f})"
                    )
        if partial and len(rows) == 2 and rows[1]["foresteria_id"] in r.fs:
            b = r.fs[rows[1]["foresteria_id"]]
            b_open, b_close = _day(b["open_from"]), _day(b["open_to"]) + timedelta(days=1)
            alone = (min(departure, b_close) - max(arrival, b_open)).days
            total = sum((_day(a["to"]) - _day(a["from"])).days for a in rows)
            if total <= alone:
                out.append(
                    f"transfer gains no night: {wid}, {total} nights with it, {alone} at "
                    f"{rows[1]['foresteria_id']} alone"
                )
    for gid, members in sorted(groups.items()):
        _check_group(gid, members, partial, out)
    if partial:
        _check_uncovered(r, housed, out)
    _check_release_needed(r, out)


# A group member as _check_people reads them: id, assignment rows (from a re-plan's date or
# move where the stay rules begin again), the fewest nights their own stay asks of a
# foresteria's part, their pin.
_Member = tuple[str, list[dict[str, str]], int, str]


def _check_group(gid: str, members: list[_Member], partial: bool, out: list[str]) -> None:
    """A group sleeps in one place (README "Housing model"): all its members housed or none,
    never two foresterie on one night; with partial stays the minimum overlap is the group's
    (review 18 R, MEDIUM-5): its part at each foresteria, the nights at least one member sleeps
    there, lasts at least what the longest-needing member's stay asks, save the foresteria a
    pinned member's first bed is at (they already live there). A member joining the family for
    two nights is housed with it for those nights."""
    housed = [m for m in members if m[1]]
    if not housed:
        return
    if len(housed) < len(members):
        out.append(
            f"group split: {gid}, {', '.join(sorted(m[0] for m in members if not m[1]))} "
            f"waitlisted, {', '.join(sorted(m[0] for m in housed))} housed"
        )
        return
    where: dict[int, str] = {}
    at: dict[str, set[int]] = defaultdict(set)
    for _, rows, _, _ in housed:
        for a in rows:
            span = range(_ord(a["from"]), _ord(a["to"]))
            at[a["foresteria_id"]].update(span)
            for d in span:
                if where.setdefault(d, a["foresteria_id"]) != a["foresteria_id"]:
                    both = ", ".join(sorted((where[d], a["foresteria_id"])))
                    out.append(f"group split: {gid} across {both} on {_iso(d)}")
                    return
    if not partial:
        return
    need = max(m[2] for m in housed)
    exempt = {m[1][0]["foresteria_id"] for m in housed if m[3] == m[1][0]["foresteria_id"]}
    for fid, nights in sorted(at.items()):
        if fid not in exempt and len(nights) < need:
            out.append(
                f"stay shorter than the minimum overlap: group {gid} at {fid}, "
                f"{len(nights)} < {need} nights"
            )


def _fits_stay(
    rows: list[tuple[str, int, int]],
    stay: tuple[int, int],
    fs: dict[str, Any],
    cut: int,
    whole: bool,
) -> bool:
    """Whether one person's beds before a re-plan's date (`rows`: foresteria, first night, end
    as day numbers, cut at the date `cut`) are a plan of the stay (arrival, departure) with the
    foresterie `fs`: every night inside the stay and a site's open days; each bed from the
    arrival, the opening or the bed before, to the departure, the closing or the date (one bed
    from the arrival with whole stays)."""
    end_before: int | None = None
    for k, (fid, start, end) in enumerate(rows):
        f = fs.get(fid)
        if f is None:
            return False
        opens, closes = _day(f["open_from"]).toordinal(), _day(f["open_to"]).toordinal() + 1
        if start < stay[0] or start < opens or end > stay[1] or end > closes:
            return False
        if whole:
            ok = k == 0 and start == stay[0] and end in (stay[1], cut)
        else:
            begins = max(opens, stay[0] if end_before is None else end_before)
            ok = start == begins and end in (min(stay[1], closes), cut)
        if not ok:
            return False
        end_before = end
    return True


def _restarts(r: _Run) -> dict[str, tuple[str, str]]:
    """A re-plan's people whose stay rules begin again on its date (README "Re-planning
    mid-season"): the beds before the date fit neither this run's foresterie and stay but fit
    those the previous run read (inputs/previous_foresterie.geojson, previous_workers.csv): a
    site's opening corrected on nights lived, a stay extended after a night without a bed.
    worker -> (the date, the foresteria of the bed they sleep in on the night before if its site
    is open on the date, else ""); none without a date or those files."""
    as_of = (r.manifest.get("replan") or {}).get("as_of")
    names = _PREVIOUS_INPUTS
    needed = (*names, _PREVIOUS[0])
    if not isinstance(as_of, str) or not all((r.root / "inputs" / n).is_file() for n in needed):
        return {}
    carried = {w: v for w, v in _restart_file(r).items() if v[0] < as_of}
    was_fs = {
        str(f["id"]): f
        for f in _features(r.root, f"inputs/{names[0]}", "foresterie")
        if isinstance(f, dict)
    }
    was_stay = {
        w["worker_id"]: (_ord(w["arrival"]), _ord(w["departure"]))
        for w in _rows(r.root, f"inputs/{names[1]}", "workers.csv")
    }
    whole = not bool(r.cfg.get("housing", {}).get("partial_stays", False))
    cut = _ord(as_of)
    out: dict[str, tuple[str, str]] = {}
    # the nights the previous plan had before the date, inside the stay this run records (a
    # release for days without work does not cut them here: it ends the stay, not what was
    # lived; _past_nights_changed holds plan/assignments.csv to them)
    previous = _by_worker(_rows(r.root, f"inputs/{_PREVIOUS[0]}"))
    for wid, rows in previous.items():
        w = r.workers.get(wid)
        if w is None or wid not in was_stay or w["arrival"] >= as_of:
            continue
        since = _ord(carried[wid][0]) if wid in carried else _ord(w["arrival"])
        end = min(cut, _ord(w["departure"]))
        past = [
            (a["foresteria_id"], max(_ord(a["from"]), since), min(_ord(a["to"]), end)) for a in rows
        ]
        past = [p for p in past if p[1] < p[2]]  # the nights before the date, from `since`
        stay = (since, _ord(w["departure"]))
        was = (since, was_stay[wid][1]) if wid in carried else was_stay[wid]
        if not past or _fits_stay(past, stay, r.fs, cut, whole):
            continue
        if not _fits_stay(past, was, was_fs, cut, whole):
            continue
        fid, _, end = past[-1]
        f = r.fs.get(fid)
        open_on = f is not None and str(f["open_from"])[:10] <= as_of <= str(f["open_to"])[:10]
        out[wid] = (as_of, fid if end == cut and open_on else "")
    return out


def _restart_file(r: _Run) -> dict[str, tuple[str, str]]:
    """inputs/restarts.csv (a re-plan's record of whose stay rules began again on a re-plan's
    date, its own and those its previous run carried): worker -> (date, pin or "")."""
    if not (r.root / "inputs" / _RESTARTS).is_file():
        return {}
    return {
        x["worker_id"]: (x["from"], x["foresteria_id"] or "")
        for x in _rows(r.root, f"inputs/{_RESTARTS}")
    }


def _rules_from(r: _Run) -> dict[str, tuple[str, str]]:
    """worker -> (the night their stay rules hold from, pin or ""): this re-plan's restarts
    (_restarts, recomputed) and those carried from earlier re-plans (inputs/restarts.csv rows
    before the date; _check_replan_record checks the file)."""
    as_of = (r.manifest.get("replan") or {}).get("as_of")
    if not isinstance(as_of, str):
        return {}
    carried = {w: v for w, v in _restart_file(r).items() if v[0] < as_of}
    return carried | _restarts(r)


def _moves(r: _Run) -> dict[str, tuple[str, str]]:
    """A re-plan's moves on request (inputs/moves.csv, `foresterie intake`): worker -> (the
    foresteria they moved to, the night they moved: the re-plan's date or an earlier one's);
    none without the file or a date (`_check_replan_record` refuses the file without one, and
    a move after the date)."""
    as_of = (r.manifest.get("replan") or {}).get("as_of")
    if not isinstance(as_of, str) or not (r.root / "inputs" / _MOVES).is_file():
        return {}
    rows = _rows(r.root, f"inputs/{_MOVES}")
    return {m["worker_id"]: (m["foresteria_id"], m["from"]) for m in rows if m["from"] <= as_of}


def _check_uncovered(r: _Run, housed: dict[str, list[dict[str, str]]], out: list[str]) -> None:
    """uncovered.csv lists exactly the nights of a housed person's stay spent without a bed."""
    listed: dict[str, set[int]] = defaultdict(set)  # worker -> day numbers (date.toordinal)
    for u in _rows(r.root, "plan/uncovered.csv"):
        d, end = _day(u["from"]), _day(u["to"])
        leaves = r.released.get(u["worker_id"])
        if (u["code"] == "released_no_work") != (leaves is not None and d >= leaves):
            out.append(
                f"uncovered.csv wrong: {u['worker_id']} {u['from']}..{u['to']} is "
                f"{u['code']!r}, the bed "
                + (f"is released on {leaves}" if leaves else "is never released")
            )
        listed[u["worker_id"]].update(range(d.toordinal(), end.toordinal()))
    for wid, rows in sorted(housed.items()):
        w = r.workers.get(wid)
        if w is None:
            continue
        nights = set(range(_ord(w["arrival"]), _ord(w["departure"])))
        for a in rows:
            nights.difference_update(range(_ord(a["from"]), _ord(a["to"])))
        if nights != listed.pop(wid, set()):
            out.append(f"uncovered.csv wrong: {wid} has {len(nights)} nights without a bed")
    for wid in sorted(listed):
        out.append(f"uncovered.csv wrong: {wid} is not housed")


def _uncovered_kind(rows: list[dict[str, str]], u: dict[str, str]) -> str:
    """Where a span without a bed lies among the person's beds (`rows`: their assignments)."""
    before = any(a["to"] <= u["from"] for a in rows)
    after = any(a["from"] >= u["to"] for a in rows)
    if before and after:
        return "between_foresterie"
    return "after_closing" if before else "before_opening"


def _fs_told(r: _Run, u: dict[str, str]) -> dict[str, Any]:
    """The foresterie whose open dates a span without a bed is told by: in a re-plan, for nights
    over before its date, the dates the previous run read (inputs/previous_foresterie.geojson:
    README "Re-planning mid-season"), this run's otherwise."""
    as_of = _as_of(r)
    if not as_of or u["to"] > as_of or not (r.root / "inputs" / _PREVIOUS_INPUTS[0]).is_file():
        return r.fs
    then = r.memo.get("fs_then")
    if then is None:
        was = {
            str(f["id"]): f
            for f in _features(r.root, f"inputs/{_PREVIOUS_INPUTS[0]}", "foresterie")
            if isinstance(f, dict)
        }
        then = r.memo["fs_then"] = {
            fid: {**f, "open_from": was[fid]["open_from"], "open_to": was[fid]["open_to"]}
            if fid in was
            else f
            for fid, f in r.fs.items()
        }
    return then


def _open_in_reach(r: _Run, u: dict[str, str], groups: dict[str, list[str]]) -> list[str]:
    """The foresterie (ids, sorted) open on some night of an uncovered span that the published
    rules put within reach of the person or their group (README "Waitlist reasons"): beds
    in the section, accessible beds if a member needs one, every working member's farm of
    inputs/workers.csv within the commute limit, or the group's pin. Sites to avoid are not
    read: this is what anyone reading the published files can tell."""
    w = r.workers[u["worker_id"]]
    unit = [r.workers[x] for x in sorted(groups[w["group_id"]])] if w.get("group_id") else [w]
    farms = {m["farm_id"] for m in unit if m.get("farm_id") and not _is_dependant(m)}
    pin = min((p for m in unit if (p := m.get("pinned_foresteria") or "")), default="")
    accessible = any(_truthy(m.get("accessible")) for m in unit)
    cap_s = int(r.cfg.get("housing", {}).get("max_commute_min", 60)) * 60
    last = _iso(_ord(u["to"]) - 1)
    return sorted(
        fid
        for fid, f in _fs_told(r, u).items()
        if str(f["open_from"]) <= last
        and u["from"] <= str(f["open_to"])
        and int(f.get(f"beds_{w['section']}") or 0) > 0
        and (not accessible or int(f["beds_accessible"]) > 0)
        and (fid == pin or all(r.secs[fid, farm] <= cap_s for farm in farms))
    )


def _ruled_out(
    r: _Run, u: dict[str, str], rows: list[dict[str, str]], groups: dict[str, list[str]]
) -> list[str]:
    """The names (sorted) of the foresterie within reach and open on some of an uncovered span's
    nights that a placement constraint keeps the person from: a member's site to avoid, or,
    before the first bed, any but the group's pin."""
    w = r.workers[u["worker_id"]]
    unit = [r.workers[x] for x in sorted(groups[w["group_id"]])] if w.get("group_id") else [w]
    avoid = set().union(*(_avoid(m) for m in unit))
    pin = min((p for m in unit if (p := m.get("pinned_foresteria") or "")), default="")
    first = pin and _uncovered_kind(rows, u) == "before_opening"
    names = _names_of(r)
    return sorted(
        names[fid] for fid in _open_in_reach(r, u, groups) if fid in avoid or (first and fid != pin)
    )


def _check_uncovered_codes(r: _Run, out: list[str]) -> None:
    """plan/uncovered.csv's codes say nothing a referral record decides (README "Nights without a
    bed"), in a run that keeps their detail apart (restricted/uncovered_reasons.csv): each
    stretch of nights without a bed is one row (split only where a release starts), and its
    code is `no_bed_elsewhere` exactly where a foresteria within reach by the published rules
    is open on some of its nights, so that neither the code, nor the nights, nor the count of
    either tells whom a placement constraint kept from it. With the restricted part: the
    detail lists the same rows, each `placement` exactly where a site to avoid (or the pin,
    before the first bed) keeps the person from such a foresteria, any other its span's kind,
    and each published code the one its detail and the published facts give."""
    rel = "plan/uncovered.csv"
    if not (r.root / rel).exists():
        return
    housed = _by_worker(r.assign)
    groups: dict[str, list[str]] = defaultdict(list)
    for wid, w in r.workers.items():
        if w.get("group_id"):
            groups[w["group_id"]].append(wid)
    published = _rows(r.root, rel)
    if not r.uncovered_split:
        # A run without the detail (from before the split, or with it taken away): still, no
        # row the records show forced by a placement may say only the opening or closing.
        for n, u in enumerate(published, start=2):
            rows = housed.get(u["worker_id"])
            if not r.referrals_known or not rows or u["worker_id"] not in r.workers:
                continue
            if u["code"] in _UNCOVERED_PLAIN and (ruled := _ruled_out(r, u, rows, groups)):
                out.append(
                    f"uncovered code tells the placement: {rel}:{n}: {u['worker_id']} "
                    f"{u['from']}..{u['to']} is {u['code']!r}, yet a placement constraint keeps "
                    f"them from {', '.join(ruled)}, within reach and open on some of these nights"
                )
        return
    ends: dict[tuple[str, str], str] = {}  # (worker, morning a row ends) -> its code
    for u in published:
        ends[u["worker_id"], u["to"]] = u["code"]
    for n, u in enumerate(published, start=2):
        wid, code = u["worker_id"], u["code"]
        rows = housed.get(wid)
        if wid not in r.workers or not rows:
            continue  # said by _check_uncovered
        joined = ends.get((wid, u["from"]))
        if joined is not None and "released_no_work" not in (joined, code):
            out.append(
                f"uncovered.csv splits one stretch without a bed: {rel}:{n}: {wid} from "
                f"{u['from']} goes on from the row before it"
            )
        if code == "released_no_work" or code not in (*_UNCOVERED_WORDS, _NEUTRAL_UNCOVERED):
            continue  # the release's own check (_check_uncovered); unknown: _check_reason_words
        near = _open_in_reach(r, u, groups)
        want = _NEUTRAL_UNCOVERED if near else _uncovered_kind(rows, u)
        if code != want:
            why = (
                f"{', '.join(near)} within reach open on some of these nights"
                if near
                else "no foresteria within reach open on these nights"
            )
            out.append(
                f"uncovered code not the published facts': {rel}:{n}: {wid} "
                f"{u['from']}..{u['to']} is {code!r}, {want!r} by them ({why})"
            )
    if r.uncovered_detail is None:
        return
    detail_rel = f"restricted/{_UNCOVERED_DETAIL}"
    public = {(u["worker_id"], u["from"], u["to"]): u["code"] for u in published}
    kept = {(u["worker_id"], u["from"], u["to"]): u["code"] for u in r.uncovered_detail}
    for key in sorted(set(public) ^ set(kept)):
        where = rel if key in public else detail_rel
        out.append(f"uncovered span only in {where}: {key[0]} {key[1]}..{key[2]}")
    for n, u in enumerate(r.uncovered_detail, start=2):
        key = (u["worker_id"], u["from"], u["to"])
        rows = housed.get(u["worker_id"])
        if key not in public or u["worker_id"] not in r.workers or not rows:
            continue
        code, shown = u["code"], public[key]
        kind = "released_no_work" if shown == "released_no_work" else _uncovered_kind(rows, u)
        if code not in ("placement", kind):
            out.append(
                f"uncovered detail wrong: {detail_rel}:{n}: {key[0]} {key[1]}..{key[2]} is "
                f"{code!r}, the span is {kind!r}"
            )
            continue
        if code == "placement" and shown != _NEUTRAL_UNCOVERED:
            out.append(
                f"uncovered code tells the placement: {rel}: {key[0]} {key[1]}..{key[2]} is "
                f"{shown!r}, its detail 'placement'"
            )
        if not r.referrals_known or kind == "released_no_work":
            continue
        ruled = _ruled_out(r, u, rows, groups)
        if ruled and code != "placement":
            out.append(
                f"uncovered detail wrong: {detail_rel}:{n}: {key[0]} {key[1]}..{key[2]} is "
                f"{code!r}, yet a placement constraint keeps them from {', '.join(ruled)}"
            )
        elif code == "placement" and not ruled:
            out.append(
                f"uncovered detail wrong: {detail_rel}:{n}: {key[0]} {key[1]}..{key[2]} is "
                "'placement', yet no site to avoid or pin keeps them from a foresteria within "
                "reach open on these nights"
            )


# What makes two people equals for the lottery: every worker column the model reads.
_EQUALS = (
    "arrival",
    "departure",
    "section",
    "farm_id",
    "priority",
    "accessible",
    "pinned_foresteria",
    "rides",
    "contract",
    "avoid_sites",
)


def _check_lottery(r: _Run, run: Path, out: list[str]) -> None:
    """The draw is the seeded one, and among people the model cannot tell apart (no group, the
    same stay, section, farm, priority, needs, pin, previous place, rides, contract and sites to
    avoid) nobody with a later ticket is housed while one with an earlier ticket waits."""
    if _LOTTERY in _restricted_files(run, r.manifest, r.expected):  # kept apart (README)
        kept = r.restricted.get(_LOTTERY)
        if kept is None:  # cut from the part: said (restricted file missing), not judged empty
            return
        rows = _rows_of(kept, f"restricted/{_LOTTERY}")
    else:  # a run from before: its tickets were published in plan/
        rows = _rows(r.root, "plan/lottery.csv")
    tickets = {x["worker_id"]: x["ticket"] for x in rows}
    for wid in r.workers:
        if tickets.get(wid) != r.tie(wid)[:16]:
            out.append(f"lottery ticket is not the seeded draw: {wid}")
    prev_file = run / "inputs" / "previous_assignments.csv"
    previous: dict[str, str] = {}
    for a in _rows(run, "inputs/previous_assignments.csv") if prev_file.exists() else []:
        previous.setdefault(a["worker_id"], a["foresteria_id"])
    housed = {a["worker_id"] for a in r.assign}
    past = {w["worker_id"] for w in r.wait if w["code"] == "past"}
    classes: dict[tuple[str, ...], list[tuple[str, str]]] = defaultdict(list)
    for wid, w in r.workers.items():
        if not w["group_id"] and wid not in past:
            key = (*(w.get(k) or "" for k in _EQUALS), previous.get(wid, ""))
            classes[key].append((tickets.get(wid, ""), wid))
    for members in classes.values():
        order = [wid for _, wid in sorted(members)]
        waiting = [i for i, wid in enumerate(order) if wid not in housed]
        placed = [i for i, wid in enumerate(order) if wid in housed]
        if waiting and placed and waiting[0] < placed[-1]:
            out.append(
                f"lottery not followed: {order[waiting[0]]} waits while {order[placed[-1]]}, "
                "with a later ticket and the same attributes, is housed"
            )


def _check_lottery_apart(r: _Run, out: list[str]) -> None:
    """A run that keeps its draw in restricted/ publishes no ticket: beside the published ids,
    tickets tell who was housed ahead of a look-alike, i.e. who is not their equal."""
    if (
        _LOTTERY in _restricted_files(r.root, r.manifest, r.expected)
        and (r.root / "plan/lottery.csv").exists()
    ):
        out.append(
            "plan/lottery.csv publishes the lottery's tickets beside the ids; they belong in "
            "restricted/lottery.csv"
        )


def _check_beds(r: _Run, out: list[str]) -> None:
    used: dict[tuple[str, str, str], int] = defaultdict(int)
    acc: dict[tuple[str, str], int] = defaultdict(int)
    for a in r.assign:
        fid, section = a["foresteria_id"], a["section"]
        nights = _nights(a["from"], a["to"])
        accessible = r.workers.get(a["worker_id"], {}).get("accessible", "").lower() in (
            "true",
            "1",
            "yes",
            "si",
            "sì",
            "y",
            "t",
        )
        for night in nights:
            used[fid, night, section] += 1
        if accessible:
            for night in nights:
                acc[fid, night] += 1
    for (fid, night, section), n in sorted(used.items()):
        cap = r.beds(fid, section)
        if n > cap:
            out.append(
                f"beds exceeded: {section} at {fid} on {night}: {n} people, {cap} beds (+{n - cap})"
            )
    for (fid, night), n in sorted(acc.items()):
        cap = int(r.fs[fid]["beds_accessible"])
        if n > cap:
            out.append(f"accessible beds exceeded at {fid} on {night}: {n} > {cap}")
    # occupancy.csv (the report's weekly chart): a row per foresteria, open night and section
    # with beds or guests, its beds the input's and its guests the plan's; no other row.
    expected: dict[tuple[str, str, str], tuple[int, int]] = {}
    for fid, f in r.fs.items():
        day, closes = _day(f["open_from"]), _day(f["open_to"])
        while day <= closes:
            for section in ("men", "women", "family"):
                k = (fid, day.isoformat(), section)
                if r.beds(fid, section) or used.get(k, 0):
                    expected[k] = (r.beds(fid, section), used.get(k, 0))
            day += timedelta(days=1)
    listed = {
        (row["foresteria_id"], row["night"], row["section"]): (int(row["beds"]), int(row["used"]))
        for row in r.occ
    }
    wrong = [k for k in sorted(set(expected) | set(listed)) if listed.get(k) != expected.get(k)]
    for k in wrong[:20]:
        said, plan = listed.get(k), expected.get(k)
        if said is not None and plan is not None and said[0] == plan[0]:
            out.append(f"occupancy.csv wrong: {'/'.join(k)} says {said[1]}, plan has {plan[1]}")
        else:
            shown = ("no row" if x is None else f"{x[0]} beds, {x[1]} used" for x in (said, plan))
            out.append(
                f"occupancy.csv wrong: {'/'.join(k)}: says {next(shown)}, inputs and plan give "
                f"{next(shown)}"
            )
    if len(wrong) > 20:
        out.append(f"occupancy.csv wrong: {len(wrong) - 20} more rows")


def _rules(r: _Run) -> tuple[int, int, int, int, int, frozenset[str], int]:
    """[transport] rules with the README defaults: early, wait, ride cap, board, turnaround,
    heat-alert days and their shift end. Read once per run (asked per vehicle-day and row)."""
    got = r.memo.get("rules")
    if got is None:
        tr = r.cfg.get("transport", {})
        got = r.memo["rules"] = (
            int(tr.get("arrive_early_max_min", 30)),
            int(tr.get("wait_after_shift_max_min", 30)),
            int(tr.get("max_ride_min", 75)),
            int(tr.get("board_min", 2)),
            int(tr.get("turnaround_min", 5)),
            frozenset(str(d) for d in tr.get("heat_alert_days", [])),
            _mins(tr.get("heat_alert_shift_end", "12:30")),
        )
    return got  # type: ignore[no-any-return]


def _farm_works(r: _Run, farm: str, d: date, heat: frozenset[str], heat_end: int) -> bool:
    """A workday of the farm and not a day without work by farm_calendar.csv, unless the
    heat-alert end falls at or before its shift start (no hours left that day: nobody rides
    there, nobody is owed a ride; README "Transport model")."""
    f = r.farms[farm]
    if d.weekday() not in _days(str(f["workdays"])) or d in r.closed.get(farm, ()):
        return False
    return d.isoformat() not in heat or _mins(str(f["shift_start"])) < heat_end


def _check_trips(r: _Run, out: list[str]) -> None:
    early, wait, cap, board, turn, heat, heat_end = _rules(r)
    wait_cap = r.cfg.get("transport", {}).get("max_wait_on_board_min")
    stops: dict[str, list[dict[str, str]]] = defaultdict(list)
    for s in r.stops:
        stops[s["trip_id"]].append(s)
    by_vehicle: dict[tuple[str, str], list[tuple[int, int, str]]] = defaultdict(list)
    for t in r.trips:
        tid, fid, day = t["trip_id"], t["foresteria_id"], t["day"]
        v = r.fleet.get(t["vehicle_id"])
        if v is None:
            out.append(f"trip without a known vehicle: {tid} ({t['vehicle_id'] or 'none'})")
            continue
        if v["foresteria_id"] != fid or not v["available_from"] <= day <= v["available_to"]:
            out.append(f"vehicle not available: {t['vehicle_id']} for {tid} at {fid} on {day}")
        seats = int(v["seats"])
        dep, ret = _mins(t["depart"]), _mins(t["return"])
        ss = sorted(stops[tid], key=lambda s: int(s["seq"]))
        morning = t["direction"] == "to_farm"
        load = int(t["riders"]) if morning else 0
        if load > seats:
            out.append(f"seats exceeded: {tid} leaves {fid} with {load} riders, {seats} seats")
        origin, o_dep, o_ret = r.origin(t)
        if origin == fid and (t.get("origin_depart"), t.get("origin_return")) not in (
            (None, None),
            (t["depart"], t["return"]),
        ):
            out.append(f"origin times differ from the trip's: {tid}")
        metres = 0
        if origin != fid:  # an empty leg from the base to the departure point, and back
            if o_dep < dep + r.leg(fid, origin) or ret < o_ret + r.leg(origin, fid):
                out.append(f"travel time too short: {tid} between {fid} and {origin}")
            metres += r.metres.get((fid, origin), 0) + r.metres.get((origin, fid), 0)
        prev_place, prev_time = origin, o_dep
        idles: list[int] = []
        for s in ss:
            farm = r.farms[s["farm_id"]]
            if not _farm_works(r, s["farm_id"], _day(day), heat, heat_end):
                out.append(f"farm does not work that day: {tid} stops at {s['farm_id']}")
            arrive, depart = _mins(s["arrive"]), _mins(s["depart"])
            need = prev_time + r.leg(prev_place, s["farm_id"])
            idles.append(depart - board - need)
            if int(s.get("idle_min", idles[-1])) != idles[-1]:
                out.append(
                    f"idle wrong: {tid} stop {s['seq']} says {s['idle_min']} min, "
                    f"the times give {idles[-1]}"
                )
            if arrive < need:
                out.append(
                    f"travel time too short: {tid} reaches {s['farm_id']} at {s['arrive']}, "
                    f"earliest {need // 60:02d}:{need % 60:02d}"
                )
            if depart < arrive + board:
                out.append(f"no time to board/alight: {tid} at {s['farm_id']}")
            metres += (
                r.metres.get((prev_place, s["farm_id"]), 0) if prev_place != s["farm_id"] else 0
            )
            load += int(s["board"]) - int(s["alight"])
            if load != int(s["load_after"]) or load < 0:
                out.append(
                    f"load does not add up: {tid} stop {s['seq']}: {s['load_after']} vs {load}"
                )
            if load > seats:
                out.append(
                    f"seats exceeded: {tid} after {s['farm_id']}: {load} riders, {seats} seats"
                )
            if morning:
                start = _mins(str(farm["shift_start"]))
                if not start - early <= arrive <= start:
                    out.append(
                        f"time window: {tid} reaches {s['farm_id']} at {s['arrive']}, "
                        f"shift starts {farm['shift_start']} (early limit {early} min)"
                    )
                if arrive - o_dep > cap:
                    out.append(
                        f"ride cap: {tid} riders to {s['farm_id']} ride {arrive - o_dep} min "
                        f"> {cap} (+{arrive - o_dep - cap})"
                    )
            else:
                end = _mins(str(farm["shift_end"]))
                if day in heat:
                    end = min(end, heat_end)
                if not end <= depart <= end + wait:
                    out.append(
                        f"time window: {tid} leaves {s['farm_id']} at {s['depart']}, shift "
                        f"ends {end // 60:02d}:{end % 60:02d} (wait limit {wait} min)"
                    )
                if o_ret - depart > cap:
                    out.append(
                        f"ride cap: {tid} riders from {s['farm_id']} ride {o_ret - depart} min "
                        f"> {cap} (+{o_ret - depart - cap})"
                    )
            prev_place, prev_time = s["farm_id"], depart
        if wait_cap is not None and ss:
            worst = sum(idles) if morning else sum(idles[1:])
            if worst > wait_cap:
                out.append(
                    f"wait on board: {tid} riders wait {worst} min aboard at stops "
                    f"> {wait_cap} (+{worst - wait_cap})"
                )
        if ss and o_ret < prev_time + r.leg(prev_place, origin):
            out.append(f"travel time too short: {tid} back at {t['return']}")
        if ss:
            metres += r.metres.get((prev_place, origin), 0)
        if abs(metres / 1000 - float(t["km"])) > 0.0015:
            out.append(f"km wrong: {tid} says {t['km']}, matrix path is {metres / 1000:.3f}")
        by_vehicle[t["vehicle_id"], day].append((dep, ret, tid))
    for (vid, day), spans in sorted(by_vehicle.items()):
        spans.sort()
        for (_, r1, t1), (d2, _, t2) in zip(spans, spans[1:], strict=False):
            if d2 < r1 + turn:
                out.append(
                    f"vehicle double-booked: {vid} on {day}: {t2} leaves before {t1} is back "
                    f"+{turn} min turnaround"
                )
        duty = sum(b - a for a, b, _ in spans)
        limit = int(r.fleet[vid]["max_duty_min"])
        if duty > limit:
            out.append(
                f"duty limit: {vid} on {day}: {duty} min on trips > {limit} (+{duty - limit})"
            )
    _check_driver_days(r, by_vehicle, out)


# A driver's day, as README "fleet.csv" states it (read here, not from the planner's code): an
# empty or absent column is one driver's limit under EU Regulation 561/2006.
DRIVER_SPAN_MIN, DRIVER_STRETCH_MIN, DRIVER_BREAK_MIN = 13 * 60, 4 * 60 + 30, 45


def _check_driver_days(
    r: _Run, by_vehicle: dict[tuple[str, str], list[tuple[int, int, str]]], out: list[str]
) -> None:
    """Each vehicle-day (its trips' departures and returns in trips.csv) within its driver's
    day from inputs/fleet.csv: first departure to last return at most `max_span_min`, and no run
    of trips without a pause of 45 minutes or more between two of them longer than
    `max_stretch_min` minutes on trips in total."""
    for (vid, day), spans in sorted(by_vehicle.items()):
        v = r.fleet[vid]
        span_max = int(v.get("max_span_min") or DRIVER_SPAN_MIN)
        stretch_max = int(v.get("max_stretch_min") or DRIVER_STRETCH_MIN)
        ordered = sorted(spans)
        first, last = ordered[0][0], max(b for _, b, _ in ordered)
        if last - first > span_max:
            out.append(
                f"driver's day: {vid} on {day}: {last - first} min from the first departure "
                f"({ordered[0][2]}) to the last return > {span_max} (+{last - first - span_max})"
            )
        run, worst, back, at = 0, (0, ""), None, ""
        for a, b, tid in ordered:
            if back is None or a - back >= DRIVER_BREAK_MIN:
                run, at = 0, tid
            run += b - a
            if run > worst[0]:  # the first longest run
                worst = (run, at)
            back = b
        if worst[0] > stretch_max:
            out.append(
                f"driver's day: {vid} on {day}: {worst[0]} min on trips from {worst[1]} without "
                f"a {DRIVER_BREAK_MIN}-minute pause > {stretch_max} (+{worst[0] - stretch_max})"
            )


# A row of riders.csv (worker, trip id, stop seq) with its trip (None: not in trips.csv), the
# place the trip's riders board or alight (r.origin; None: it could not be read, for the check
# that asks to raise it) and the farm of its stop (None: no such stop in stops.csv).
Ride = tuple[str, str, str, dict[str, str] | None, str | None, str | None]


def _rides(r: _Run) -> list[Ride]:
    """Every rider row joined to its trip and stop once per run (r.memo): six checks walk the
    ~70,000 rows of puglia-2027, and each looked the trip, its origin and the stop up again.
    riders.csv lists a trip's riders together: its trip and origin are found once a run of
    rows (any order gives the same answers)."""
    got: list[Ride] | None = r.memo.get("rides")
    if got is not None:
        return got
    trips = {t["trip_id"]: t for t in r.trips}
    farm_of = {(s["trip_id"], s["seq"]): s["farm_id"] for s in r.stops}
    got = []
    last: str | None = None
    t: dict[str, str] | None = None
    origin: str | None = None
    for x in r.riders:
        tid = x["trip_id"]
        if tid != last:
            last, t, origin = tid, trips.get(tid), None
            if t is not None:
                try:
                    origin = r.origin(t)[0]
                except (KeyError, ValueError, IndexError, TypeError, AttributeError):
                    # a malformed time: raised by the check that reads it, where it did
                    origin = None
        seq = x["seq"]
        got.append((x["worker_id"], tid, seq, t, origin, farm_of.get((tid, seq))))
    r.memo["rides"] = got
    return got


def _check_service(r: _Run, out: list[str]) -> None:
    """Every rider of every day and direction is carried once, to their farm, or listed unserved.
    Counted per direction and day, each a list of names (a rider, or a leg listed unserved),
    compared with the people owed a ride that day as sets: the same answers as per person,
    with the ~70,000 riders of puglia-2027 each appended to a list rather than counted in a
    dictionary of dictionaries."""
    carried: dict[str, dict[str, list[str]]] = {}  # direction -> day -> names, once a time
    housed = _by_worker(r.assign)
    # Per trip and per person, not per rider: the same answers. A person's stays (from, to,
    # foresteria), sites to avoid, departure point and farm (None until asked), in one place.
    person: dict[str, list[Any]] = {}
    day = ""
    last: dict[str, str] | None = None
    names: list[str] = []
    for wid, tid, _, t, origin, farm in _rides(r):
        if t is None:
            out.append(f"rider on unknown trip: {wid} on {tid}")
            continue
        if t is not last:
            last, day = t, t["day"]
            names = carried.setdefault(t["direction"], {}).setdefault(day, [])
        p = person.get(wid)
        if p is None:
            w = r.workers.get(wid, {})
            stays = [(b["from"], b["to"], b["foresteria_id"]) for b in housed.get(wid, ())]
            p = person[wid] = [stays, _avoid(w), w.get("pickup_id"), None]
        a = None
        for b in p[0]:
            if b[0] <= day < b[1]:
                a = b
                break
        if farm in p[1]:
            out.append(f"site to avoid: {wid} driven to {farm} on {tid}")
        if origin is None:
            origin = r.origin(t)[0]  # raises what it raised in _rides, here
        if (a is not None or p[2] != origin) and (a is None or a[2] != origin):
            out.append(
                f"rider neither housed at the trip's foresteria nor boarding at its departure "
                f"point: {wid} on {tid}"
            )
        else:
            if p[3] is None:
                p[3] = _work_farm(r.workers[wid])
            if p[3] != farm:
                out.append(f"rider taken to the wrong farm: {wid} on {tid} ({farm})")
        names.append(wid)
    *_, heat, heat_end = _rules(r)
    for u in r.unserved:
        owed_at = u["farm_id"]  # an unknown one: said by _check_references
        if owed_at in r.farms and not _farm_works(r, owed_at, _day(u["day"]), heat, heat_end):
            out.append(f"unserved at a farm that does not work that day: {owed_at} on {u['day']}")
        ids = u["worker_ids"].split()
        for direction in _LEGS:  # a worker-day: both legs
            carried.setdefault(direction, {}).setdefault(u["day"], []).extend(ids)
    # day -> the people owed both legs that day
    owed_on: dict[str, set[str]] = defaultdict(set)
    for wid, _, first, end_day in _stays(r):
        farm = _work_farm(r.workers[wid])
        if farm:
            for d in _workdays(r, farm, first, end_day):
                owed_on[d].add(wid)
    # (day, direction, worker) owed and not carried, or carried twice or on no day owed:
    # counted, and the first of each in that order named.
    n_extra, extra = 0, []
    seen: dict[tuple[str, str], set[str]] = {}
    for direction, by_day in carried.items():
        for d, names in by_day.items():
            got = seen[direction, d] = set(names)
            wrong = got - owed_on.get(d, set()) if direction in _LEGS else got
            if len(got) != len(names):  # someone twice
                wrong |= {w for w, n in Counter(names).items() if n > 1}
            if wrong:
                n_extra += len(wrong)
                extra.append((d, direction, min(wrong)))
    n_missing, missing = 0, []
    for direction in ("to_farm", "to_foresteria"):
        for d, owed in owed_on.items():
            left = owed - seen.get((direction, d), set())
            if left:
                n_missing += len(left)
                missing.append((d, direction, min(left)))
    if missing:
        day, direction, wid = min(missing)
        out.append(
            f"riders neither served nor listed unserved: {n_missing} rider-trips, "
            f"first {wid} on {day} {direction}"
        )
    if extra:
        day, direction, wid = min(extra)
        out.append(
            f"riders carried twice or without a workday: {n_extra}, first {wid} on "
            f"{day} {direction}"
        )


def _check_avoided_points(r: _Run, out: list[str]) -> None:
    """Nobody boards at a site to avoid: a referral record may name the departure point (the
    settlement) a person was referred from; no trip picks them up there, and unserved.csv does
    not list them as owed a ride from there (README, "Referral records")."""
    avoids = {wid: avoid for wid, w in r.workers.items() if (avoid := _avoid(w))}
    for wid, tid, _, t, origin, _ in _rides(r):
        if t is None:
            continue
        if origin is None:
            origin = r.origin(t)[0]  # raises what it raised in _rides, here
        if origin in avoids.get(wid, ()):
            out.append(f"site to avoid: {wid} boards at {origin} on {tid}")
    for u in r.unserved:
        for wid in u["worker_ids"].split():
            if u["foresteria_id"] in avoids.get(wid, ()):
                out.append(
                    f"site to avoid: {wid} listed unserved at {u['foresteria_id']} on {u['day']}"
                )


def _stops_in_order(r: _Run) -> dict[str, list[tuple[int, str]]]:
    """Each trip's (seq, farm) from plan/stops.csv, in the order its vehicle calls at them."""
    got: dict[str, list[tuple[int, str]]] | None = r.memo.get("stops_in_order")
    if got is None:
        got = defaultdict(list)
        for s in r.stops:
            got[s["trip_id"]].append((int(s["seq"]), s["farm_id"]))
        for calls in got.values():
            calls.sort()
        r.memo["stops_in_order"] = got
    return got


def _passed_while_aboard(direction: str, calls: list[tuple[int, str]], seq: int) -> list[str]:
    """The farms a trip calls at while a rider of stop `seq` is aboard, her own left out: in the
    morning she boards at the origin and rides to her stop (the calls before it), in the
    evening she boards at her stop and rides to the end (the calls after it)."""
    if direction == "to_farm":
        return [farm for k, farm in calls if k < seq]
    return [farm for k, farm in calls if k > seq]


def _check_aboard_past_avoided(r: _Run, out: list[str]) -> None:
    """Nobody is aboard while her vehicle stops at a site she must avoid (README "Referral
    records", review 20 R HIGH-2): from stops.csv's order of calls, a morning rider is aboard at
    the stops before hers, an evening rider at those after hers; a site to avoid among them is
    a finding naming the trip, the rider and the stop. Needs the referral records (said in
    their line of what was not checked)."""
    if not r.referrals_known:
        return
    avoids = {wid: avoid for wid, w in r.workers.items() if (avoid := _avoid(w))}
    if not avoids:
        return
    calls = _stops_in_order(r)
    trips = {t["trip_id"]: t for t in r.trips}
    for x in r.riders:
        kept = avoids.get(x["worker_id"])
        t = trips.get(x["trip_id"])
        if not kept or t is None or not x["seq"].isdigit():
            continue
        for farm in _passed_while_aboard(t["direction"], calls[x["trip_id"]], int(x["seq"])):
            if farm in kept:
                out.append(
                    f"site to avoid: {x['worker_id']} aboard {x['trip_id']} while it stops at "
                    f"{farm}"
                )


def _check_bases(r: _Run, out: list[str]) -> None:
    """Each origin's riders are carried by the vehicles of the base that serves it that day, and
    listed unserved against that base (README "Departure points": a foresteria with a vehicle of
    its own available that day is its own base; a departure point, a foresteria without
    vehicles, or one whose own are all unavailable that day, is served by the nearest base with
    a vehicle that day: `_Run.base_of`). A trip that names another base, though its vehicle be
    of that base, is not the plan the rule makes."""
    for t in r.trips:
        origin, base = r.origin(t)[0], t["foresteria_id"]
        base_of = r.base_of(t["day"])
        if origin in base_of and base != base_of[origin]:
            out.append(
                f"trip from the wrong base: {t['trip_id']} serves {origin} from {base}; "
                f"{origin} is served from {base_of[origin]}"
            )
    for n, u in enumerate(r.unserved, start=2):
        where, base = u["foresteria_id"], u.get("base_id") or u["foresteria_id"]
        base_of = r.base_of(u["day"])
        if where in base_of and base != base_of[where]:
            out.append(
                f"unserved listed at the wrong base: plan/unserved.csv row {n} lists riders of "
                f"{where} at {base}; {where} is served from {base_of[where]}"
            )


def _check_no_vehicle(r: _Run, out: list[str]) -> None:
    """`no_vehicle` only where the base serving the origin that day, by the rule recomputed here
    (`_Run.base_of`), has no vehicle available that day in inputs/fleet.csv (README "Departure
    points"; review 14, finding 3). That base has one whenever any base has (a foresteria whose
    own vehicles are all unavailable is served from another base that day): riders are
    `no_vehicle` only on a day no vehicle is available anywhere. A row contradicted is refused,
    naming the row and the vehicles."""
    for n, u in enumerate(r.unserved, start=2):
        if u["code"] != "no_vehicle":
            continue
        day, where = u["day"], u["foresteria_id"]
        base = r.base_of(day).get(where, where)
        there = sorted(v["vehicle_id"] for v in _available(r, base, day))
        if there:
            named = ", ".join(there[:3]) + (f" and {len(there) - 3} more" if len(there) > 3 else "")
            out.append(
                f"no_vehicle contradicted: plan/unserved.csv row {n} lists {u['worker_days']} "
                f"worker-days of {where} on {day} as no_vehicle, yet fleet.csv has {named} at "
                f"{base}, the base serving {where} that day, available"
            )


def _stays(r: _Run) -> list[tuple[str, str, str, str]]:
    """(worker, origin, first day, departure day): housed workers ride from their foresteria on
    the nights housed there (a transfer gives two stays); workers with a pickup_id from that
    departure point on every run of days of their stay without a bed (the whole stay when not
    housed), unless the point is a site to avoid (a referral's settlement: they never board
    there). Computed once per run (r.memo): the service check and the lower bounds read it."""
    if "stays" not in r.memo:
        r.memo["stays"] = _stays_of(r)
    return list(r.memo["stays"])


def _stays_of(r: _Run) -> list[tuple[str, str, str, str]]:
    out = [(a["worker_id"], a["foresteria_id"], a["from"], a["to"]) for a in r.assign]
    # ... from the re-plan's date on (manifest replan.as_of, held to inputs/previous_*): the
    # days before were driven as the previous run planned them; a re-plan's shuttles start
    # there (README "Re-planning", review 17 finding 8), so a trip before it is a ride not owed
    replan = r.manifest.get("replan") or {}
    as_of = replan.get("as_of") if isinstance(replan, dict) else None
    if isinstance(as_of, str):
        return [
            (wid, origin, max(first, as_of), end)
            for wid, origin, first, end in _stays_all(r, out)
            if end > as_of
        ]
    return _stays_all(r, out)


def _stays_all(r: _Run, out: list[tuple[str, str, str, str]]) -> list[tuple[str, str, str, str]]:
    beds: dict[str, set[int]] = defaultdict(set)  # worker -> day numbers (date.toordinal)
    for a in r.assign:
        beds[a["worker_id"]].update(range(_ord(a["from"]), _ord(a["to"])))
    for wid, w in r.workers.items():
        point = w.get("pickup_id")
        if not point or point in _avoid(w):
            continue
        d, end, start = _ord(w["arrival"]), _ord(w["departure"]), None
        slept = beds[wid]
        while d <= end:
            if d < end and d not in slept:
                start = d if start is None else start
            elif start is not None:
                out.append((wid, point, _iso(start), _iso(d)))
                start = None
            d += 1
    return out


def _rode(r: _Run) -> dict[str, dict[str, set[str]]]:
    """direction -> day -> the people riders.csv has on a trip of that direction and day, once
    per run (r.memo): the round trips and the KPIs read it. A set of names per day rather than
    of (day, name) pairs: ~70,000 riders on puglia-2027, added without a tuple each."""
    got: dict[str, dict[str, set[str]]] | None = r.memo.get("rode")
    if got is not None:
        return got
    got = r.memo["rode"] = {"to_farm": {}, "to_foresteria": {}}
    last: dict[str, str] | None = None
    into: set[str] = set()
    for wid, _, _, t, _, _ in _rides(r):
        if t is None:
            continue
        if t is not last:  # a direction is one of the two (the CSV's reading checked it)
            last, into = t, got[t["direction"]].setdefault(t["day"], set())
        into.add(wid)
    return got


def _check_round_trips(r: _Run, out: list[str]) -> None:
    """Nobody rides one way only: every morning rider rides back that day, and the reverse."""
    rode = _rode(r)
    out_by, back_by = rode["to_farm"], rode["to_foresteria"]
    nobody: set[str] = set()
    one_way = sorted(
        [(d, w, "to_farm") for d, ws in out_by.items() for w in ws - back_by.get(d, nobody)]
        + [(d, w, "to_foresteria") for d, ws in back_by.items() for w in ws - out_by.get(d, nobody)]
    )
    if one_way:
        d, w, leg = one_way[0]
        other = "back" if leg == "to_farm" else "out"
        out.append(
            f"one-way worker-days: {len(one_way)}, first {w} on {d} rides {leg} with no ride "
            f"{other}"
        )


def _check_ride_order(r: _Run, out: list[str]) -> None:
    """Re-run the published rule (README "Who rides when seats are short"): at every farm and
    departure place with riders left behind, everyone who rode comes before everyone left
    behind in the order: referred first, then more days left behind so far, then
    the tie-break (HMAC of "SEED:WORKER_ID" under the draw key; sha256 of it without one). A
    re-plan's count starts from the days left behind before its date, as the re-plan read them
    (inputs/previous_left_behind.csv)."""
    if not r.priority_known or not r.draws():  # the restricted part is sealed: said by
        return  # verify_report
    rode: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for wid, _, _, t, origin, farm in _rides(r):
        if t is not None and t["direction"] == "to_farm":
            if origin is None:
                origin = r.origin(t)[0]  # raises what it raised in _rides, here
            rode[t["day"], origin, farm or ""].append(wid)
    missed: dict[str, int] = defaultdict(int)
    for row in _previous_left_behind(r):
        missed[row["worker_id"]] += 1
    holders = _seat_holders(r.root)
    for u in sorted(r.unserved, key=lambda u: u["day"]):
        if u["code"] in ("no_vehicle", "ride_cap"):  # nobody could ride: no choice was made
            continue
        left = u["worker_ids"].split()
        spot = (u["day"], u["foresteria_id"], u["farm_id"])

        def key(w: str, spot: tuple[str, str, str] = spot) -> tuple[int, int, str]:
            if holders is not None:  # a day run: the season's seat holders, then the others
                first = (spot, w) in holders
            else:
                first = int(r.workers.get(w, {}).get("priority") or 0) == 3
            return (0 if first else 1, -missed[w], r.tie(w))

        riders = rode.get((u["day"], u["foresteria_id"], u["farm_id"]), [])
        # Left behind where every seat of her farm that day, one way, would carry her past a
        # site she avoids (README "Referral records"): the published order does not decide it.
        placed = [w for w in left if not _no_seat_clear(r, spot, _avoid(r.workers.get(w, {})))]
        if riders and placed and max(map(key, riders)) > min(map(key, placed)):
            out.append(
                f"ride order broken: {u['day']} {u['foresteria_id']} {u['farm_id']}: someone "
                "rode ahead of a worker the published rule puts first"
            )
        for w in left:
            missed[w] += 1


def _no_seat_clear(r: _Run, spot: tuple[str, str, str], avoid: set[str]) -> bool:
    """Whether, in the morning or in the evening, every stop at the farm of `spot` (day,
    origin, farm) of a trip from that origin that day has a rider of it aboard while the trip
    stops at a site in `avoid` (stops.csv's order): no seat there would have kept her away.
    False for someone with nothing to avoid, or without the referral records."""
    if not avoid or not r.referrals_known:
        return False
    seats: dict[str, list[list[str]]] | None = r.memo.get("seats_by_spot")
    if seats is None:
        seats = defaultdict(list)
        calls = _stops_in_order(r)
        for t in r.trips:
            try:
                origin = r.origin(t)[0]
            except (KeyError, ValueError, IndexError, TypeError, AttributeError):
                continue  # a malformed trip: said by the check that reads it
            mine = calls.get(t["trip_id"], [])
            for seq, farm in mine:
                passed = _passed_while_aboard(t["direction"], mine, seq)
                seats[f"{t['day']}|{origin}|{farm}|{t['direction']}"].append(passed)
        r.memo["seats_by_spot"] = seats
    day, origin, farm = spot
    return any(
        all(avoid & set(passed) for passed in seats.get(f"{day}|{origin}|{farm}|{dr}", []))
        for dr in ("to_farm", "to_foresteria")
    )


def _previous_left_behind(r: _Run) -> list[dict[str, str]]:
    """A re-plan's inputs/previous_left_behind.csv (the days someone was left behind before its
    date, README "Re-planning mid-season"): its rows (`_check_replan_record` refuses one on or
    after the date, and the file in a run that is not a re-plan); none without it."""
    rel = f"inputs/{_LEFT_BEHIND}"
    return _rows(r.root, rel) if (r.root / rel).is_file() else []


def _seat_holders(run: Path) -> set[tuple[tuple[str, str, str], str]] | None:
    """A day run (inputs/reference_trips.json, README "Daily operations"): the riders who hold a
    seat on that day's season-plan trips, per (day, origin, farm) of the morning leg. None for a
    season run, whose order starts with referred people instead."""
    if not (run / "inputs" / "reference_trips.json").is_file():
        return None
    ref = _json(run, "inputs/reference_trips.json")
    return {
        ((ref["day"], t.get("origin_id") or t["foresteria_id"], s["farm_id"]), w)
        for t in ref["trips"]
        if t["direction"] == "to_farm"
        for s in t["stops"]
        for w in s["worker_ids"]
    }


PROVEN_CODES = {"no_vehicle", "ride_cap", "fleet_short", "drivers_day"}
UNSERVED_CODES = PROVEN_CODES | {"vehicles_busy", "windows"}


def _check_reasons(r: _Run, out: list[str]) -> None:
    """Reasons never contradict themselves: 'fleet short' only where the lower bound on vehicles
    (recomputed here from the inputs, README "Transport model") exceeds the vehicles available;
    proven exactly for the proven codes; the same figures in fleet_days.csv, whose worker-days
    unserved are the sum of unserved.csv's rows of that base-day (the report's weekly shortage
    table reads them)."""
    bounds = _lower_bounds(r)
    left: dict[tuple[str, str], int] = defaultdict(int)  # worker-days per base-day
    for u in r.unserved:
        left[u["day"], u.get("base_id") or u["foresteria_id"]] += int(u["worker_days"])
        where = f"{u['day']} {u['foresteria_id']} {u['farm_id']}"
        code, proven = u["code"], u["proven"] == "yes"
        if code not in UNSERVED_CODES:
            out.append(f"unknown unserved code: {code!r} ({where})")
            continue
        if proven != (code in PROVEN_CODES):
            out.append(f"reason contradicts itself: {code} marked proven={u['proven']} ({where})")
        if code in ("no_vehicle", "ride_cap"):
            continue
        lb, avail = int(u["vehicles_lower_bound"]), int(u["vehicles_available"])
        key = (u["day"], u.get("base_id") or u["foresteria_id"])
        mine = bounds.get(key)
        if mine is None or (lb, avail) != mine:
            out.append(
                f"reason figures wrong: {where} says lower bound {lb}, {avail} available; "
                f"recomputed {mine}"
            )
        if code == "fleet_short" and lb <= avail:
            out.append(
                f"reason contradicts itself: {where} says fleet short, yet {lb} vehicles needed "
                f"at least and {avail} available"
            )
        if code != "fleet_short" and lb > avail:
            out.append(f"reason understates: {where} is {code}, yet the fleet is proven short")
        if code != "fleet_short" and "fleet short" in u["reason"]:
            out.append(f"reason contradicts itself: {where} is {code} but says 'fleet short'")
    # A row for each base-day with a vehicle available and a rider within the ride cap (those
    # with a bound), and no other.
    rows = _rows(r.root, "plan/fleet_days.csv")
    listed = {(row["day"], row["foresteria_id"]) for row in rows}
    ran = {
        (t["day"], r.fleet[t["vehicle_id"]]["foresteria_id"])
        for t in r.trips
        if t["vehicle_id"] in r.fleet
    }
    for day, base in sorted(listed ^ set(bounds)):
        out.append(
            f"fleet_days.csv wrong: a row for {day}/{base}, a base-day with no rider within "
            "the ride cap or no vehicle available"
            if (day, base) in listed
            else f"fleet_days.csv wrong: no row for {day}/{base}, a base-day with riders and "
            "vehicles"
        )
    for row in rows:
        key = (row["day"], row["foresteria_id"])
        have = _available(r, row["foresteria_id"], row["day"])
        if int(row["vehicles_available"]) != len(have):
            out.append(
                f"fleet_days.csv wrong: {'/'.join(key)} says {row['vehicles_available']} vehicles "
                f"available, fleet.csv has {len(have)}"
            )
        got = (int(row["vehicles_lower_bound"]), int(row["vehicles_available"]))
        if key in bounds and got != bounds[key]:
            out.append(
                f"fleet_days.csv wrong: {'/'.join(key)} says {got}, recomputed {bounds[key]}"
            )
        if int(row["worker_days_unserved"]) != left.get(key, 0):
            out.append(
                f"fleet_days.csv wrong: {'/'.join(key)} says {row['worker_days_unserved']} "
                f"worker-days unserved, unserved.csv lists {left.get(key, 0)} for that base-day"
            )
        # What can be said of the vehicles needed without solving (review 14): where the plan
        # carries every rider, never fewer than the row's own lower bound (a bound for them
        # all; on a short day the planned trips carry fewer); never none on a base-day whose
        # vehicles run trips.
        needed = int(row["vehicles_needed"])
        if not left.get(key, 0) and needed < int(row["vehicles_lower_bound"]):
            out.append(
                f"fleet_days.csv wrong: {'/'.join(key)} says {needed} vehicles needed, below "
                f"its own lower bound {row['vehicles_lower_bound']}"
            )
        elif needed == 0 and key in ran:
            out.append(
                f"fleet_days.csv wrong: {'/'.join(key)} says no vehicle needed, yet its "
                "vehicles run trips that day"
            )


# Reasons saying a base's vehicles were all taken that day (README "Transport model").
FLEET_USED_UP_CODES = ("fleet_short", "vehicles_busy")


def _check_idle_vehicles(r: _Run, out: list[str]) -> None:
    """A reason saying the base's vehicles were all taken ('vehicles busy', 'fleet short') is
    contradicted by a vehicle of that base (fleet.csv), available that day, with no trip at all
    (trips.csv), whose driver's day could hold a round trip of those riders on its own (both
    legs, one stop each: `_day_holds`): each such base-day is a violation naming the day, the
    base and the vehicles. A vehicle whose duty, span or stretch cannot hold the round trip of
    any farm left behind could not have carried any of them alone (review 16: a 05:30-18:45
    harvest day is longer than a 13-hour driver's day)."""
    used = {(t["day"], t["vehicle_id"]) for t in r.trips}
    claimed: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    left: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)  # (origin, farm)
    for u in r.unserved:
        if u["code"] in FLEET_USED_UP_CODES:
            base = u.get("base_id") or u["foresteria_id"]
            claimed[u["day"], base][u["code"]] += int(u["worker_days"])
            left[u["day"], base].add((u["foresteria_id"], u["farm_id"]))
    for (day, base), codes in sorted(claimed.items()):
        idle = sorted(
            vid
            for vid, v in r.fleet.items()
            if v["foresteria_id"] == base
            and v["available_from"] <= day <= v["available_to"]
            and (day, vid) not in used
            and any(
                _day_holds(r, v, day, base, origin, farm, r.leg)[1]
                for origin, farm in sorted(left[day, base])
            )
        )
        if idle:
            said = ", ".join(f"{n} worker-days {code}" for code, n in sorted(codes.items()))
            out.append(
                f"reason contradicted by an idle vehicle: {day} base {base}: {said}, yet "
                f"{', '.join(idle)} available that day with no trip at all"
            )


def _check_ride_cap(r: _Run, out: list[str]) -> None:
    """A 'ride_cap' row (proven) says the farm is farther from the origin than a ride may last:
    its longer direct leg (whole minutes, as trips are timed) above [transport] max_ride_min.
    Refused where it is not (review 17, finding 5: a row relabelled ride_cap also leaves the
    fairness and ride-order checks, which skip rows nobody could ride)."""
    cap = _rules(r)[2]
    for u in r.unserved:
        if u["code"] != "ride_cap":
            continue
        origin, farm = u["foresteria_id"], u["farm_id"]
        if (origin, farm) not in r.secs or (farm, origin) not in r.secs:
            continue  # a place the matrix does not know: said by the references' check
        far = max(r.leg(origin, farm), r.leg(farm, origin))
        if far <= cap:
            out.append(
                f"reason contradicted: {u['day']} {origin} {farm} is ride_cap, yet the ride is "
                f"{far} min against a cap of {cap}"
            )


def _check_drivers_day(r: _Run, out: list[str]) -> None:
    """A 'drivers_day' row (proven) says that no vehicle of its base available that day can
    carry the farm's riders at all: none whose driver's day holds both legs of a round trip,
    and not two that could run one leg each. Refused where some vehicle could, the legs read
    as the quickest paths over inputs/matrix.csv (a trip through other stops is no quicker)."""
    for u in r.unserved:
        if u["code"] != "drivers_day":
            continue
        day, origin, farm = u["day"], u["foresteria_id"], u["farm_id"]
        base = u.get("base_id") or origin
        quick = _quickest_legs(r, base, origin, farm)
        fits = {
            v["vehicle_id"]: _day_holds(r, v, day, base, origin, farm, quick)
            for v in _available(r, base, day)
        }
        both = sorted(vid for vid, (_, pair) in fits.items() if pair)
        one = sorted(vid for vid, (leg, _) in fits.items() if leg)
        if both or len(one) > 1:
            out.append(
                f"reason contradicted: {day} {origin} {farm} is drivers_day, yet "
                + (
                    f"{both[0]}'s day could hold the round trip"
                    if both
                    else f"{one[0]} and {one[1]} could run one leg each"
                )
            )


def _day_holds(
    r: _Run,
    v: dict[str, str],
    day: str,
    base: str,
    origin: str,
    farm: str,
    leg: Callable[[str, str], int],
) -> tuple[bool, bool]:
    """Whether vehicle `v`'s day (fleet.csv: duty, span and stretch, README "fleet.csv") holds
    one trip carrying a farm's riders from `origin` (base -> origin -> farm, boarding, farm ->
    origin -> base), and both, the morning one and the evening one. With the morning arrival a
    in [start - early, start] and the evening departure x in [end' + board, end' + wait] (riders
    board in the window; end' the heat-alert end where the day has one), the span is at least
    x - a plus the legs out and back, and the pause between the trips at most x - a - the legs
    - two boardings: a turnaround at least, and 45 minutes unless both trips fit one stretch."""
    early, wait, _, board, turn, heat, heat_end = _rules(r)
    f = r.farms[farm]
    start, end = _mins(str(f["shift_start"])), _mins(str(f["shift_end"]))
    if day in heat:
        end = min(end, heat_end)
    go = leg(base, origin) + leg(origin, farm)
    back = leg(farm, origin) + leg(origin, base)
    trip = go + board + back
    duty = int(v["max_duty_min"])
    span = int(v.get("max_span_min") or DRIVER_SPAN_MIN)
    stretch = int(v.get("max_stretch_min") or DRIVER_STRETCH_MIN)
    one = trip <= min(duty, span, stretch)
    if not one or 2 * trip > duty:
        return one, False
    pause = DRIVER_BREAK_MIN if 2 * trip > stretch else turn
    low = max(end + board - start, 2 * board + go + back + pause)
    high = min(end + wait - start + early, span - go - back)
    return one, low <= high


def _quickest_legs(r: _Run, *places: str) -> Callable[[str, str], int]:
    """Quickest whole minutes between each pair of `places` over every place of
    inputs/matrix.csv (legs rounded up each, as trips are timed; an explicit matrix need not
    keep the triangle inequality): Dijkstra from each; the legs as a function."""
    nodes = r.memo.get("places")
    if nodes is None:
        nodes = r.memo["places"] = sorted({a for a, _ in r.secs} | {b for _, b in r.secs})
    got: dict[tuple[str, str], int] = {}
    for a in places:
        dist = {a: 0}
        heap = [(0, a)]
        done: set[str] = set()
        while heap:
            dm, x = heapq.heappop(heap)
            if x in done:
                continue
            done.add(x)
            for y in nodes:
                if y not in done and (x, y) in r.secs:
                    dy = dm + r.leg(x, y)
                    if dy < dist.get(y, dy + 1):
                        dist[y] = dy
                        heapq.heappush(heap, (dy, y))
        for b in places:
            got[a, b] = dist.get(b, r.leg(a, b))
    return lambda a, b: got[a, b]


def _available(r: _Run, base: str, day: str) -> list[dict[str, str]]:
    """The vehicles of `base` (fleet.csv) available on `day` (kept per base-day: asked per
    unserved row and per fleet_days row; callers only read the list)."""
    known: dict[tuple[str, str], list[dict[str, str]]] = r.memo.setdefault("available", {})
    got = known.get((base, day))
    if got is None:
        got = known[base, day] = [
            v
            for v in r.fleet.values()
            if v["foresteria_id"] == base and v["available_from"] <= day <= v["available_to"]
        ]
    return got


def _lower_bounds(r: _Run) -> dict[tuple[str, str], tuple[int, int]]:
    """(day, foresteria) -> (lower bound on vehicles, vehicles available), from inputs only."""
    early, wait, cap, board, turn, heat, heat_end = _rules(r)
    riders: dict[tuple[str, str], dict[tuple[str, str], int]] = defaultdict(
        lambda: defaultdict(int)
    )
    alike: Counter[tuple[str, str, str, str]] = Counter()  # equal stays: counted once
    for wid, origin, first, last in _stays(r):
        farm = _work_farm(r.workers[wid])
        if not farm or max(r.leg(origin, farm), r.leg(farm, origin)) > cap:
            continue
        alike[origin, farm, first, last] += 1
    for (origin, farm, first, last), n in alike.items():
        for day in _workdays(r, farm, first, last):
            riders[day, r.base_of(day).get(origin, origin)][origin, farm] += n
    out: dict[tuple[str, str], tuple[int, int]] = {}
    for (day, fid), per_farm in riders.items():
        fleet = [
            v
            for v in r.fleet.values()
            if v["foresteria_id"] == fid and v["available_from"] <= day <= v["available_to"]
        ]
        if not fleet:
            continue
        spots = sorted(per_farm)
        farms = sorted({f for _, f in spots})
        go = {(o, f): r.leg(fid, o) + r.leg(o, f) for o, f in spots}
        back = {(o, f): r.leg(f, o) + r.leg(o, fid) for o, f in spots}
        gap = board + min(back.values()) + turn + min(go.values())
        shortest = min(go[x] + board + back[x] for x in spots)
        starts = [_mins(str(r.farms[f]["shift_start"])) for f in farms]
        ends = [_mins(str(r.farms[f]["shift_end"])) for f in farms]
        if day in heat:
            ends = [min(e, heat_end) for e in ends]
        spans = [
            (min(starts) - early, max(starts)),  # morning: arrivals
            (min(ends), max(ends) + wait - board),  # evening: boardings
        ]
        n = sum(per_farm.values())
        caps: list[list[int]] = [[], [], []]
        for v in fleet:
            seats, duty = int(v["seats"]), int(v["max_duty_min"])
            for k, (lo, hi) in enumerate(spans):
                by_time = 1 + (hi - lo) // gap if gap > 0 else 10**6
                by_duty = duty // shortest if shortest > 0 else 10**6
                caps[k].append(max(0, min(by_time, by_duty)) * seats)
            caps[2].append((duty // shortest if shortest > 0 else 10**6) * seats)
        bound = 0
        for k, need in enumerate((n, n, 2 * n)):
            ranked = sorted(caps[k], reverse=True)
            m = next((i for i in range(len(ranked) + 1) if sum(ranked[:i]) >= need), None)
            if m is None:
                m = (
                    len(ranked) + -(-(need - sum(ranked)) // ranked[0])
                    if ranked[0] > 0
                    else len(fleet) + 1
                )
            bound = max(bound, m)
        out[day, fid] = (bound, len(fleet))
    return out


# ------------------------------------------------------------------ the words of each reason
# Every published reason (plan/unserved.csv, whose rows plan.json repeats and is held to;
# plan/waitlist.csv; plan/uncovered.csv; restricted/waitlist_reasons.csv) is held to the words of
# its code (review 13 #4, review 16): the verifier's own table of each code's wording, read from
# the README and the writers (shuttles/routes.py, idle.py, run/stability.py, housing/waitlist.py,
# housing/replan.py, run/early.py), never imported. A slot `{name}` of a template is a fact of the
# row: one the row's facts give must be said exactly (or be one of the words given, or pass the
# test given); one they do not give is free within its shape (which legs a route search lost,
# whether a re-plan's reason is one of its three). Nothing else may be in the text.

_SLOT = re.compile(r"\{(\w+)(?::(\w))?\}")
# A slot's shape: a whole number (n), a date (d), a time (h), some text (t), or maybe none (o).
_SHAPES = {"n": r"\d+", "d": r"\d{4}-\d\d-\d\d", "h": r"\d\d:\d\d", "t": r".+?", "o": r".*?"}
_SHAPES |= {  # and the few words some slots hold: a group's size, a kind of bed, the legs
    "g": r"(?:group of \d+ )?",
    "k": r"(?:men's|women's|family) beds",
    "l": r"morning and return|morning|return",
    "s": r"(?:, the base serving .+?,)?",
}
Fact = str | tuple[str, ...] | Callable[[str], str]  # said exactly; one of; '' or why not


def _words(*templates: str) -> tuple[re.Pattern[str], ...]:
    """Templates ('fleet short at {base}: ...') as patterns, each slot a named group."""
    out = []
    for text in templates:
        parts, at = [], 0
        for m in _SLOT.finditer(text):
            parts += [re.escape(text[at : m.start()]), f"(?P<{m[1]}>{_SHAPES[m[2] or 't']})"]
            at = m.end()
        out.append(re.compile("".join([*parts, re.escape(text[at:])]), re.DOTALL))
    return tuple(out)


def _unsaid(patterns: tuple[re.Pattern[str], ...], text: str, facts: dict[str, Fact]) -> str:
    """'' where `text` is one of `patterns` with every slot the facts give said as they say;
    else what is wrong, for the first pattern whose words it has."""
    wrong = ""
    for p in patterns:
        m = p.fullmatch(text)
        if m is None:
            continue
        for slot, said in m.groupdict().items():
            want = facts.get(slot)
            if said is None or want is None:
                continue
            if callable(want):
                why = want(said)
            elif said in ((want,) if isinstance(want, str) else want):
                why = ""
            else:
                shown = " or ".join(repr(x) for x in ((want,) if isinstance(want, str) else want))
                shown = shown or "none (another kind of record)"  # e.g. a no-show's kind
                why = f"says {slot} {said[:80]!r}, the run's figures give {shown[:160]}"
            if why:
                wrong = wrong or why
                break
        else:
            return ""
    return wrong or "not the words of its code"


def _vehicles_text(n: int) -> str:
    return f"{n} vehicle" if n == 1 else f"{n} vehicles"


def _names_of(r: _Run) -> dict[str, str]:
    """Place id -> its name (foresterie, departure points, farms), as the writers print it."""
    got: dict[str, str] | None = r.memo.get("names")
    if got is None:
        got = r.memo["names"] = {
            pid: str(p.get("name", pid)).strip()
            for places in (r.farms, r.pickups, r.fs)
            for pid, p in places.items()
        }
    return got


def _listed_names(text: str, names: set[str]) -> set[int]:
    """How many foresterie's names `text` may be, joined by ', ' (names may hold commas
    themselves): empty where it is no such list."""
    ends: dict[int, set[int]] = {0: {0}}
    for at in range(len(text) + 1):
        counts = ends.get(at)
        if counts:
            for n in names:
                if text.startswith(n, at):
                    ends.setdefault(at + len(n) + 2, set()).update(c + 1 for c in counts)
    return ends.get(len(text) + 2, set())


# The most foresterie a detailed reason names (README "Waitlist reasons"): a waitlisted person's
# `full`, `outranked`, `too_large` and `no_section` detail, and the sites a placement rules out
# in an uncovered span's, name the first _MAX_NAMED in the order they read them and count the
# rest ("A, B, ..., F and 38 other foresterie"; `full`'s "... and at 38 other foresterie on some
# night of the stay"). A run written before the bound names every one: read as it was written.
_MAX_NAMED = 6
_OTHERS_SAID = r"(\d+) other (foresteria|foresterie)"
_NAMES_AND_OTHERS = re.compile(rf"(.+) and {_OTHERS_SAID}", re.DOTALL)
_PARTS_OTHERS = re.compile(rf"{_OTHERS_SAID} on some night of the stay")


def _others_wrong(named: set[int], count: str, word: str, n_fs: int) -> str:
    """'' where a reason that counts the foresterie it does not name (`count` of them, said
    with `word`) names _MAX_NAMED first (`named`: how many it may name), counts at least one,
    with the word of its number, and no more than the run has; else what is wrong."""
    k = int(count)
    if _MAX_NAMED not in named:
        return f"names {min(named)} foresterie before counting the rest, not {_MAX_NAMED}"
    if k < 1 or word != ("foresteria" if k == 1 else "foresterie"):
        return f"says '{count} other {word}': not a count of other foresterie"
    if _MAX_NAMED + k > n_fs:
        return f"names and counts {_MAX_NAMED + k} foresterie, the run has {n_fs}"
    return ""


def _names_said(said: str, names: set[str], n_fs: int) -> str:
    """'' where a detail's list of foresterie is their names joined by ', ', or (README
    "Waitlist reasons") the first _MAX_NAMED of them and the count of the rest; else why not."""
    m = _NAMES_AND_OTHERS.fullmatch(said)
    if m is not None and (named := _listed_names(m[1], names)):
        return _others_wrong(named, m[2], m[3], n_fs)
    return "" if _listed_names(said, names) else f"names {said[:80]!r}, not foresterie of the run"


_UNSERVED_WORDS: dict[str, tuple[re.Pattern[str], ...]] = {
    "no_vehicle": _words("no vehicle based at {base}{serving:s} is available on {day:d}{nor:o}"),
    "ride_cap": _words("farm {farm} is {far:n} min from {origin}, above the {cap:n} min ride cap"),
    "fleet_short": _words(
        "fleet short at {base}: at least {lb_v} needed for the day's round trips, {avail:n} "
        "available (proven lower bound){idle:o}"
    ),
    "drivers_day": _words(
        "drivers' day: no vehicle based at {base} can bring these riders to {farm_name} by "
        "{start:h} and back after {end:h}: a round trip spans at least {span:n} min from the first "
        "departure to the last return, each trip {trip:n} min; {avail_v} available, a driver's "
        "day of at most {span_max:n} min, {stretch_max:n} min on trips without a {pause:n}-minute "
        "pause, {duty_max:n} min of duty (proven)"
    ),
    "windows": _words(
        "windows and ride cap: the route search found no {legs:l} seat for these riders within the "
        "shift windows and the {cap:n} min ride cap (heuristic)",
        "clock change on {day:d}: {how}, and no shuttle leaves before {after:h} that day; a {legs:l} "
        "ride from {origin} to farm {farm} leaving then misses the shift windows or the {cap:n} "
        "min ride cap",
    ),
    "vehicles_busy": tuple(
        p
        for given in (
            # a day run's rest planned around kept trips (run/stability.py, review 18 L2); first:
            # the words below would take these for an `{avail_v}` of their own
            "{avail_v} available, {kept:n} of them on trips of the season plan kept for the day; "
            "the rest could not be given",
            "{avail_v} could not be given",
        )
        for short in (
            "",
            "; idle all day, too short on duty for the {round:n} min round trip: {idle}",
        )
        for hours in (
            "",
            "; drivers' hours bind: each vehicle's day at most {span_min:n} min from the first "
            "departure to the last return and {stretch_min:n} min on trips without a "
            "{pause:n}-minute pause",
        )
        for p in _words(
            "vehicles busy at {base}: " + given + " every {legs:l} trip within duty limits, "
            "turnaround, windows and ride cap; {have:n} round trips planned for this farm "
            "(heuristic: the lower bound, {lb_v}, does not prove a shortage)" + short + hours
        )
    )
    + _words(
        "the vehicles based at {base} run other trips (heuristic: kept trips and the rest planned "
        "around them)",
        "every vehicle based at {base} runs its trips of the season plan, full or not stopping at "
        "this farm (heuristic: kept trips)",
    ),
}
_LEGS_SAID = ("morning", "return", "morning and return")


def _carried(r: _Run) -> Counter[tuple[str, str, str]]:
    """(day, origin, farm) -> riders carried there in the morning (each rides back too)."""
    got: Counter[tuple[str, str, str]] | None = r.memo.get("carried")
    if got is None:
        got = r.memo["carried"] = Counter(
            (t["day"], origin, farm)
            for _, _, _, t, origin, farm in _rides(r)
            if t is not None and t["direction"] == "to_farm" and origin and farm
        )
    return got


def _limits(r: _Run, base: str, day: str) -> tuple[tuple[int, int], ...]:
    """(fewest, most) minutes of span, stretch and duty among the base's vehicles available
    that day (fleet.csv, a driver's limits where a row leaves them empty), kept per base-day."""
    known: dict[tuple[str, str], tuple[tuple[int, int], ...]] = r.memo.setdefault("limits", {})
    got = known.get((base, day))
    if got is None:
        fleet = _available(r, base, day)
        each = [
            [int(v.get("max_span_min") or DRIVER_SPAN_MIN) for v in fleet],
            [int(v.get("max_stretch_min") or DRIVER_STRETCH_MIN) for v in fleet],
            [int(v["max_duty_min"]) for v in fleet],
        ]
        got = known[base, day] = tuple((min(x, default=0), max(x, default=0)) for x in each)
    return got


def _idle_elsewhere(r: _Run, day: str, base: str) -> str:
    """The vehicles of other bases a 'fleet short' reason names (README "Transport model": idle
    vehicles nearby): available that day with no trip at all, their base at most an hour's
    drive each way, nearest first (seconds from there), the first three named. Kept per
    base-day."""
    known: dict[tuple[str, str], str] = r.memo.setdefault("idle_elsewhere", {})
    if (day, base) not in known:
        known[day, base] = _idle_said(r, day, base)
    return known[day, base]


def _idle_said(r: _Run, day: str, base: str) -> str:
    used = r.memo.get("used")
    if used is None:
        used = r.memo["used"] = {(t["day"], t["vehicle_id"]) for t in r.trips}
    near = sorted(
        (r.secs[v["foresteria_id"], base], v["foresteria_id"], vid, int(v["seats"]))
        for vid, v in r.fleet.items()
        if v["foresteria_id"] != base
        and v["available_from"] <= day <= v["available_to"]
        and (day, vid) not in used
        and (v["foresteria_id"], base) in r.secs
        and max(r.secs[v["foresteria_id"], base], r.secs.get((base, v["foresteria_id"]), 0)) <= 3600
    )
    said = ", ".join(
        f"{vid} ({seats} seats) at {at}, {round(secs / 60)} min away"
        for secs, at, vid, seats in near[:3]
    ) + (f" and {len(near) - 3} more" if len(near) > 3 else "")
    return f"; idle that day at other bases: {said}" if said else ""


def _unserved_facts(r: _Run, u: dict[str, str], day_run: bool) -> dict[str, Fact]:
    names = _names_of(r)
    day, origin, farm = u["day"], u["foresteria_id"], u["farm_id"]
    base = u.get("base_id") or origin
    lb, avail = int(u["vehicles_lower_bound"]), int(u["vehicles_available"])
    cap = str(_rules(r)[2])
    facts: dict[str, Fact] = {
        "day": day,
        "base": names.get(base, base),
        "origin": names.get(origin, origin),
        "farm": farm,
        "cap": cap,
        "lb_v": _vehicles_text(lb),
        "avail": str(avail),
        "avail_v": _vehicles_text(avail),
        "legs": _LEGS_SAID,
        "pause": str(DRIVER_BREAK_MIN),
    }
    code = u["code"]
    if day_run and code != "vehicles_busy":  # the rest planned around kept trips on the idle
        for slot in ("lb_v", "avail_v"):  # vehicles: its own fleet (a "vehicles busy" reason
            facts.pop(slot)  # says the row's figures and how many vehicles run kept trips)
    fleet = _available(r, base, day)
    if code == "no_vehicle":
        facts["serving"] = (
            f", the base serving {names.get(origin, origin)}," if origin != base else ""
        )
        anywhere = any(v["available_from"] <= day <= v["available_to"] for v in r.fleet.values())
        facts["nor"] = "" if anywhere else ", nor at any other base"
    elif code == "ride_cap":
        facts["far"] = str(max(r.leg(origin, farm), r.leg(farm, origin)))
    elif code == "fleet_short":
        idle = _idle_elsewhere(r, day, base)
        facts["idle"] = ("", idle) if day_run else idle
    elif code == "vehicles_busy":
        carried = _carried(r)[day, origin, farm]
        facts["have"] = (
            (
                lambda said: (
                    ""
                    if int(said) <= carried
                    else f"says {said} round trips planned for "
                    f"this farm, the plan carries {carried} of its riders"
                )
            )
            if day_run
            else str(carried)
        )
        limits = _limits(r, base, day)
        if not day_run:
            facts["span_min"], facts["stretch_min"] = str(limits[0][0]), str(limits[1][0])
        facts["idle"] = lambda said: _short_on_duty(r, fleet, said, day)
        facts["kept"] = lambda said: _kept_said(r, base, day, avail, int(said), day_run)
    elif code == "drivers_day":
        facts.update(_drivers_day_facts(r, u, fleet))
        if day_run:
            for slot in ("span_max", "stretch_max", "duty_max"):
                facts.pop(slot)
    elif code == "windows":
        zone = str(r.cfg.get("scenario", {}).get("timezone", "Europe/Rome"))
        hour = _changed_hour(day, zone)
        if hour is not None:
            start, end = _hhmm(hour[0]), _hhmm(hour[1])
            facts["after"] = end
            facts["how"] = (
                f"the clocks go forward from {start} to {end}"
                if _clock_forward(day, zone)
                else f"the clocks go back from {end} to {start}"
            )
        else:  # no clock change that day: the words of one are false
            facts["how"] = lambda said: f"says the clocks change on {day}; they do not"
    return facts


def _kept_said(r: _Run, base: str, day: str, avail: int, kept: int, day_run: bool) -> str:
    """'' where a day run's "vehicles busy" reason may say `kept` of the base's `avail` vehicles
    (the row's vehicles_available) run trips of the season plan kept for the day: at least one
    (else the reason says no such thing), at least one left for the rest, and no more than the
    base's vehicles that run a published trip of the day's reference (inputs/
    reference_trips.json: a kept trip keeps its trip_id, a trip planned anew never takes a kept
    one's). A season run keeps no trips."""
    if not day_run:
        return "says vehicles run kept trips; a season run keeps none"
    ref: set[str] | None = r.memo.get("reference_ids")
    if ref is None:
        rel = "inputs/reference_trips.json"
        got = _json(r.root, rel) if (r.root / rel).is_file() else {}
        trips = got.get("trips") if isinstance(got, dict) else None
        ref = r.memo["reference_ids"] = {
            str(t.get("trip_id")) for t in (trips or []) if isinstance(t, dict)
        }
    running = {
        t["vehicle_id"]
        for t in r.trips
        if t["day"] == day and t["foresteria_id"] == base and t["trip_id"] in ref
    }
    if not 1 <= kept < avail or kept > len(running):
        return (
            f"says {kept} of {avail} vehicles run kept trips; {len(running)} vehicles of {base} "
            "run trips of the day's reference that day"
        )
    return ""


def _short_on_duty(r: _Run, fleet: list[dict[str, str]], said: str, day: str) -> str:
    """The vehicles a 'vehicles busy' reason names as too short on duty: each of the base's
    available that day, with its max_duty_min of fleet.csv."""
    mine = {v["vehicle_id"]: v for v in fleet}
    for item in said.split(", "):
        m = re.fullmatch(r"(\S+) \((\d+) min\)", item)
        if m is None or m[1] not in mine:
            return f"names {item[:60]!r}, not a vehicle of the base available on {day}"
        if m[2] != mine[m[1]]["max_duty_min"]:
            return f"says {m[1]} has {m[2]} min of duty, fleet.csv {mine[m[1]]['max_duty_min']}"
    return ""


def _drivers_day_facts(r: _Run, u: dict[str, str], fleet: list[dict[str, str]]) -> dict[str, Fact]:
    """The figures of a 'drivers_day' reason, recomputed (README "fleet.csv"): the farm's shift
    start and end (the heat-alert end on such a day), the quickest legs over the matrix, and the
    largest limits among the base's vehicles available that day."""
    _, _, _, board, _, heat, heat_end = _rules(r)
    day, origin, farm = u["day"], u["foresteria_id"], u["farm_id"]
    base = u.get("base_id") or origin
    f = r.farms[farm]
    start, end = _mins(str(f["shift_start"])), _mins(str(f["shift_end"]))
    if day in heat:
        end = min(end, heat_end)
    limits = _limits(r, base, day)
    quick = _quickest_legs(r, base, origin, farm)
    go = quick(base, origin) + quick(origin, farm)
    back = quick(farm, origin) + quick(origin, base)
    return {
        "farm_name": _names_of(r).get(farm, farm),
        "start": _hhmm(start),
        "end": _hhmm(end),
        "span": str(end + board + back - (start - go)),
        "trip": str(go + board + back),
        "span_max": str(limits[0][1]),
        "stretch_max": str(limits[1][1]),
        "duty_max": str(limits[2][1]),
    }


def _clock_forward(day: str, zone: str) -> bool:
    """Do the clocks go forward on `day` (the offset at its end above the one at its start)?"""
    tz = ZoneInfo(zone)
    midnight = datetime.combine(_day(day), datetime.min.time())
    first = midnight.replace(tzinfo=tz).utcoffset()
    last = (midnight + timedelta(days=1)).replace(tzinfo=tz).utcoffset()
    return first is not None and last is not None and last > first


_SECTION_WORDS = {"men": "men's beds", "women": "women's beds", "family": "family beds"}
_HELD = (
    "people of equal or higher priority",
    "people already living there",
    "people of equal or higher priority and by people already living there",
)
_WAIT_CLOSED = (
    "no foresteria{where:o} open for the whole stay {stay}",
    "no foresteria{where:o} open for at least {need:n} night{s:o} of the stay {stay}",
)
# A stay shorter than the minimum nights a bed is offered for (review 18, H1/H2): a rule of the
# region, not a closure; with days without work, the stay up to the bed's release.
_TOO_SHORT = (
    "of {nights:n} night{s2:o} ({span}), shorter than the {min:n} nights a bed is offered for"
)
_WAIT_TOO_SHORT = (
    f"stay {_TOO_SHORT}",
    f"the group's stay {_TOO_SHORT}",
    "bed released on {day:d} after {days:n} days without work at the farm, with no work after "
    "them in the stay: stay " + _TOO_SHORT.replace("{span}", "{rspan}"),
    "group's beds released on {day:d} after {days:n} days without work at each working member's "
    "farm, with no work after them in the stay: the group's stay "
    + _TOO_SHORT.replace("{span}", "{rspan}"),
)
# The words of each waitlist code (README "Waitlist reasons"), the same wherever the code is
# written; `full`, `too_large` and `unsuitable` as plan/waitlist.csv publishes them beside an
# id apart from the detail (restricted/waitlist_reasons.csv, or a run from before the split).
_WAIT_WORDS: dict[str, tuple[re.Pattern[str], ...]] = {
    "far": _words(
        "no foresteria within {cap:n} min of farm {farms} (nearest: {nearest}, {mins:n} min)"
    ),
    "closed": _words(*_WAIT_CLOSED),
    "too_short": _words(*_WAIT_TOO_SHORT),
    "placement": _words("no foresteria within reach meets this person's placement constraints"),
    "no_section": _words(
        "no {kind:k} at the foresterie open for the stay {stay} within reach ({names})"
    ),
    "no_accessible": _words(
        "not enough accessible beds at the foresterie open for the stay {stay} within reach"
    ),
    "too_large": _words(
        "group of {size_n:n} needs more {kind:k} than {names} has on some nights of the stay"
    ),
    "full": _words("{size:g}{kind:k} full at {parts} (held by {held}){alt:o}"),
    "outranked": _words(
        "out-ranked: {size:g}{kind:k} full at {parts} held by people of higher priority{alt:o}"
    ),
    "heuristic": _words("heuristic: a bed seems free at {name} for the stay; {why}"),
    # a planned arrival's bed released; a bed given in the region released; nobody's bed: each
    # the words of its kind of record only (its `*_days` fact is empty for the other kinds)
    "not_checked_in": _words(
        "no-show since {no_show_since:d}: not checked in within {no_show_days:n} days of the "
        "planned arrival {arrival:d}, so no bed is held; a check-in places them again",
        "no-show since {no_show_since:d}: not checked in at the bed given on {no_show_placed:d} "
        "while in the region within {placed_days:n} days, so it is not held; a check-in places "
        "them again",
        "not checked in within {no_bed_days:n} days of the planned arrival {arrival:d} (by "
        "{no_show_since:d}), and no bed was theirs: not offered one until a check-in says they "
        "are in the region",
    ),
    "past": _words(
        "{ride} (a day run places nobody)",
        "stayed {arrival:d}..{departure:d}, before {as_of:d}, unknown to the previous run",
        "waitlisted before {as_of:d}, no night left: {before_once}",
        "group waitlisted before {as_of:d}, a member's stay over by then: {group_before}",
    ),
}
_WAIT_PUBLIC_WORDS = _WAIT_WORDS | {
    "not_offered": _words(
        "not offered a bed in this plan; the detailed reason is kept in the run's restricted part"
    ),
    "unsuitable": _words("no foresteria within reach, open for the stay, has beds that suit {who}"),
    "too_large": _words(
        "group of {size_n:n} needs more {kind:k} than any foresteria within reach has on some "
        "nights of the stay"
    ),
    "full": _words(
        "{size:g}{kind:k} full on some night of the stay at every foresteria within reach (held by "
        "{held})"
    ),
}
_NIGHTS_SAID = re.compile(
    r"(\d{4}-\d\d-\d\d)(?:\.\.((?:\d{4}-)?\d\d-\d\d))?(?: \(\+(\d+) more nights?\))?"
)


def _full_parts(said: str, names: set[str], first: str, last: str, n_fs: int) -> str:
    """A 'full' detail's foresterie: each 'NAME on NIGHTS' (a foresteria of the run, nights of
    the stay), perhaps then 'N other foresterie on some night of the stay' after _MAX_NAMED of
    them, then perhaps 'K transfer option(s)'."""
    parts = said.split(" and at ")
    if re.fullmatch(r"\d+ transfer options?", parts[-1]):
        parts.pop()
    if parts and (m := _PARTS_OTHERS.fullmatch(parts[-1])) is not None:
        parts.pop()
        if why := _others_wrong({len(parts)}, m[1], m[2], n_fs):
            return why
    for part in parts:
        name, sep, nights = part.rpartition(" on ")
        m = _NIGHTS_SAID.fullmatch(nights)
        if not sep or name not in names or m is None:
            return f"says {part[:80]!r}, not a foresteria of the run on nights of the stay"
        end = m[2] if m[2] is None or len(m[2]) == 10 else f"{m[1][:4]}-{m[2]}"
        if not first <= m[1] <= last or (end is not None and not m[1] < end <= last):
            return f"names nights {nights[:40]!r}, outside the stay {first}..{last}"
    return ""


# The detailed waitlist reasons that list foresterie (README "Waitlist reasons"), each its own
# set, derived here from the run's inputs and rules (the housing code is never read):
# `no_section` the foresterie within the commute limit open long enough for the stay (among them
# the sites to avoid too where those alone leave it `closed`); `too_large` the first foresteria of
# each of the unit's options, in id order, those of its stays at one foresteria first; `full` and
# `outranked` its stays at one foresteria, named with their nights, and its transfers, counted.
_LISTING = frozenset({"full", "outranked", "too_large", "no_section"})
# The last version whose runs may name every foresteria of a list longer than _MAX_NAMED: the
# bound came in during 0.4.0 (session 21), so a run of 0.4.0 is read by its own shape (_bounded).
_LAST_UNBOUNDED = (0, 4, 0)
_NEAR = "foresterie within the commute limit"  # what a list not derived here is held to
_OTHERS_ANYWHERE = re.compile(rf"\b{_OTHERS_SAID}\b")


def _bounded(r: _Run) -> bool:
    """Whether the run's lists longer than _MAX_NAMED must name _MAX_NAMED and count the rest: a
    run of a version after _LAST_UNBOUNDED, or one of them whose detailed reasons (waitlist or
    nights without a bed, restricted or published) count some foresterie: a run is written all
    before the bound or all after it, so one such count says the run was written after it."""
    got = r.memo.get("bounded")
    if got is None:
        made = str((r.manifest.get("versions") or {}).get("foresterie", ""))
        parts = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", made)
        texts = [e.get("reason", "") for e in r.wait]
        texts += [x.get("reason", "") for x in (r.wait_detail or {}).values()]
        texts += [u.get("reason", "") for u in r.uncovered_detail or []]
        got = r.memo["bounded"] = (
            parts is not None and tuple(map(int, parts.groups())) > _LAST_UNBOUNDED
        ) or any(_OTHERS_ANYWHERE.search(t) for t in texts)
    return bool(got)


def _split_names(text: str, names: set[str]) -> list[str] | None:
    """`text` as foresterie's names joined by ', ' (names may hold commas themselves: the parse
    with the fewest names), or None where it is no such list."""
    best: dict[int, list[str]] = {0: []}
    for at in range(len(text) + 1):
        got = best.get(at)
        if got is None:
            continue
        for n in names:
            end = at + len(n)
            # a name ends the text or is followed by ', ' (anything else between two names is
            # no such list: review 22, "A;;B" read as A and B)
            if text.startswith(n, at) and (end == len(text) or text.startswith(", ", end)):
                nxt = end + 2
                if nxt not in best or len(best[nxt]) > len(got) + 1:
                    best[nxt] = [*got, n]
    return best.get(len(text) + 2)


def _list_wrong(
    r: _Run, who: str, said: list[str], counted: int, want: list[str] | None, what: str
) -> str:
    """'' where the detail of `who` names `said` and counts `counted` others for the list `want`
    (names, in the order the reason reads them) as README "Waitlist reasons" says: distinct, the
    first _MAX_NAMED and the count of the rest, or, in a run from before the bound (_bounded),
    every one; else what is wrong (`what`: the list's words). `want` None: the list is not
    derived here (_listed_facts), and the names are held to be distinct, within the commute
    limit of the person, and counted no more than those."""
    exact = want is not None
    if want is None:
        want, what = r.memo.get("loose_names", {}).get(who, []), _NEAR
    times, room = Counter(said), Counter(want)  # two foresterie may share a name
    if twice := [n for n in times if times[n] > max(1, room[n])]:
        n = times[twice[0]]
        return f"{who}: names {twice[0][:60]!r} {'twice' if n == 2 else f'{n} times'}"
    if extra := [n for n in said if n not in room]:
        return (
            f"{who}: names {extra[0][:60]!r}, not among the {len(want)} {what} by the run's inputs"
        )
    if len(said) + counted != len(want) and (exact or len(said) + counted > len(want)):
        return (
            f"{who}: names {len(said)} and counts {counted}: {len(said) + counted} foresterie, "
            f"the run's inputs give {len(want)} {what}"
        )
    if counted == 0 and len(said) > _MAX_NAMED and _bounded(r):
        return (
            f"{who}: names all {len(said)} {what}: a run written since the bound names the "
            f"first {_MAX_NAMED} and counts the rest"
        )
    first = want[: len(said)]
    if exact and said != first:
        return (
            f"{who}: names {', '.join(said)[:120]!r}, the first {len(said)} of the {what} "
            f"are {', '.join(first)[:120]!r}"
        )
    return ""


def _names_of_set(r: _Run, who: str, want: list[str] | None, what: str, said: str) -> str:
    """'' where the `too_large` or `no_section` detail of `who`, a list ('A, B and 3 other
    foresterie'), says the foresterie `want` (names, in order) as _list_wrong asks; else what is
    wrong."""
    # as the reason reads them (names may hold ', ': compared whole first)
    if want is not None and not _names_exactly(want, said, old=not _bounded(r)):
        return ""
    fs_names = {_names_of(r)[f] for f in r.fs}
    m = _NAMES_AND_OTHERS.fullmatch(said)
    named = _split_names(m[1], fs_names) if m is not None else None
    if m is not None and named is not None:
        if why := _others_wrong({len(named)}, m[2], m[3], len(r.fs)):
            return why
        return _list_wrong(r, who, named, int(m[2]), want, what)
    named = _split_names(said, fs_names)
    if named is None:
        return f"names {said[:80]!r}, not foresterie of the run"
    return _list_wrong(r, who, named, 0, want, what)


def _parts_of_set(
    r: _Run,
    who: str,
    want: list[str] | None,
    transfers: int | None,
    span: tuple[str, str],
    said: str,
) -> str:
    """'' where the `full` or `outranked` detail of `who` names the unit's stays at one
    foresteria (`want`, names in id order) with nights of the stay (`span`: its first and last
    night) as _list_wrong asks, and counts its transfers (`transfers`; None where not derived
    here: only that the run's rules allow them); else what is wrong."""
    fs_names = {_names_of(r)[f] for f in r.fs}
    if why := _full_parts(said, fs_names, *span, len(r.fs)):
        return why
    parts = said.split(" and at ")
    k = 0
    if m := re.fullmatch(r"(\d+) transfer options?", parts[-1]):
        k = int(m[1])
        parts.pop()
    counted = 0
    if parts and (m := _PARTS_OTHERS.fullmatch(parts[-1])) is not None:
        counted = int(m[1])
        parts.pop()
    named = [p.rpartition(" on ")[0] for p in parts]
    if why := _list_wrong(r, who, named, counted, want, "foresterie they could stay at alone"):
        return why
    h = r.cfg.get("housing", {})
    allowed = bool(h.get("partial_stays", False)) and int(h.get("max_transfers", 0) or 0) > 0
    if transfers is None:
        if k and not allowed:
            return f"{who}: counts {k} transfer option(s), the run's rules allow no transfer"
        return ""
    if k != transfers:
        return f"{who}: counts {k} transfer option(s), the run's inputs give {transfers}"
    return ""


def _unit_options(
    r: _Run, unit: list[str]
) -> tuple[list[str], list[str], list[tuple[str, str]], list[str], bool]:
    """A waitlisted unit's (its group, or one person) foresterie as the run's rules give them
    (README "Housing model"), ids in id order: (`near`, the sites within the commute limit or
    the unit's pin; `singles`, those of `near` that are within reach (beds of its section, the
    accessible beds it needs, no member's site to avoid) where its stay fits at one foresteria,
    the pin's alone for a pinned unit; `pairs`, its transfers (first, second); `fits`, the
    sites of `near` where its stay fits at one foresteria, whatever their beds; exact). Its stay
    is from a re-plan's date and to a bed's release. `exact` is False where a member arrived
    before a re-plan's date: such a unit is planned by the rules of the nights kept, pins given
    by the previous run and a group's arrivals (README "Re-planning mid-season"), not derived
    here."""
    w = r.workers[unit[0]]
    key = w["group_id"] or "\0" + unit[0]
    known: dict[str, Any] = r.memo.setdefault("unit_options", {})
    if key in known:
        return known[key]  # type: ignore[no-any-return]
    people = [r.workers[x] for x in unit]
    copy_ = people if w.get("group_id") else people[:1]
    group = bool(w.get("group_id"))
    h = r.cfg.get("housing", {})
    partial = bool(h.get("partial_stays", False))
    transfers = partial and int(h.get("max_transfers", 0) or 0) > 0
    min_nights, share = int(h.get("min_overlap_nights", 1)), float(h.get("min_overlap_share", 0))
    cap_s = int(h.get("max_commute_min", 60)) * 60
    as_of = _as_of(r)
    exact = not as_of or all(m["arrival"] >= as_of for m in people)
    stays = [(_ord(max(m["arrival"], as_of)), _ord(_leaves(r, m))) for m in copy_]
    own_pin = [m.get("pinned_foresteria") or "" for m in copy_]
    pin = min((p for m in people if (p := m.get("pinned_foresteria") or "")), default="")
    farms = sorted({f for m in people if (f := _work_farm(m))})
    avoid = set().union(*(_avoid(m) for m in people))
    present: Counter[int] = Counter()
    for m, (a, b) in zip(copy_, stays, strict=True):
        if _truthy(m.get("accessible")):
            present.update(range(a, b))
    acc_need = max(present.values(), default=0)
    need = [max(min_nights, math.ceil(share * (b - a) - 1e-9)) for a, b in stays]
    opens = {
        fid: (_ord(str(f["open_from"])), _ord(str(f["open_to"])) + 1) for fid, f in r.fs.items()
    }

    def first_span(fid: str, a: int, b: int) -> tuple[int, int]:
        o, c = opens[fid]
        s = max(a, o)
        return s, min(b, c)  # [s, e): nights max(0, e - s); e the span's end before its clamp

    def fits(fid: str) -> bool:
        o, c = opens[fid]
        if not partial:
            return all(o <= a and b <= c for a, b in stays)
        if not group:
            s, e = first_span(fid, *stays[0])
            return e - s >= (1 if pin else need[0])
        there: set[int] = set()
        for a, b in stays:
            s, e = first_span(fid, a, b)
            if e <= s:
                return False  # a member the option gives no night
            there.update(range(s, e))
        return len(there) >= (1 if pin else max(need))

    def pair_fits(fa: str, fb: str) -> bool:
        ob, cb = opens[fb]
        parts: list[set[int]] = [set(), set()]
        total = alone = 0
        for (a, b), n, p in zip(stays, need, own_pin, strict=True):
            s1, e1 = first_span(fa, a, b)
            n1 = max(0, e1 - s1)
            s2, e2 = max(e1, ob, a), min(b, cb)
            n2 = max(0, e2 - s2)
            by_b = max(0, min(b, cb) - max(a, ob))
            if not group:
                # the first part as a stay of its own, the second its minimum, the transfer at a
                # closing inside the stay, and more nights than the second foresteria alone
                return n1 >= (1 if pin else n) and n2 >= n and e1 < b and n1 + n2 > by_b
            if not n1 and not n2:
                return False
            if p == fa and not n1:
                return False
            if n1 and n2 and n1 + n2 <= by_b:
                return False
            parts[0].update(range(s1, e1))
            parts[1].update(range(s2, e2))
            total, alone = total + n1 + n2, alone + by_b
        if not all(parts) or total <= alone:
            return False
        return len(parts[0]) >= (1 if pin else max(need)) and len(parts[1]) >= max(need)

    ids = sorted(r.fs)
    near = [f for f in ids if f == pin or all(r.secs[f, farm] <= cap_s for farm in farms)]
    reach = [
        f
        for f in near
        if r.beds(f, w["section"]) > 0
        and acc_need <= int(r.fs[f]["beds_accessible"] or 0)
        and f not in avoid
    ]
    fit = [f for f in near if fits(f)]
    singles = [f for f in reach if f in fit and (not pin or f == pin)]
    pairs: list[tuple[str, str]] = []
    if transfers:
        leave = max(b for _, b in stays) if group else min(b for _, b in stays)
        firsts = [
            fa
            for fa in reach
            if opens[fa][1] < leave
            and (any if group else all)(max(a, opens[fa][0]) < b for a, b in stays)
            and (not pin or fa == pin)
        ]
        pairs = [(fa, fb) for fa in firsts for fb in reach if fa != fb and pair_fits(fa, fb)]
    got = known[key] = (near, singles, pairs, fit, exact)
    return got


def _listed_facts(r: _Run, wid: str, code: str, groups: dict[str, list[str]]) -> dict[str, Fact]:
    """The slots of a listing detail (_LISTING) as the unit's own options give them
    (_unit_options): `names` for `too_large` and `no_section`, `parts` and `alt` for `full` and
    `outranked`. Where the options are not derived here (a re-plan's resident, sites to avoid
    not known), the names are held to be distinct, among the foresterie within the commute
    limit, and counted no more than those (_list_wrong)."""
    w = r.workers[wid]
    unit = sorted(groups[w["group_id"]]) if w.get("group_id") else [wid]
    near, singles, pairs, fit, exact = _unit_options(r, unit)
    names = _names_of(r)
    people = [r.workers[x] for x in unit]  # the stay, as _unit_facts reads it
    span = (
        min(max(m["arrival"], _as_of(r)) for m in people),
        _iso(max(_ord(_leaves(r, m)) for m in people) - 1),
    )
    if not (exact and r.referrals_known):
        r.memo.setdefault("loose_names", {})[wid] = [names[f] for f in near]
        if code in ("too_large", "no_section"):
            return {"names": functools.partial(_names_of_set, r, wid, None, _NEAR)}
        return {"parts": functools.partial(_parts_of_set, r, wid, None, None, span)}
    if code == "no_section":
        permitted = [f for f in near if not any(f in _avoid(m) for m in people)]
        opened = [f for f in fit if f in permitted]
        # among the sites but those to avoid, unless there it is another reason (`closed`): then
        # among every site within the commute limit (README "Waitlist reasons")
        if not opened or any(r.beds(f, w["section"]) > 0 for f in opened):
            opened = fit
        want = [names[f] for f in opened]
        what = "foresterie open for the stay within reach"
        return {"names": functools.partial(_names_of_set, r, wid, want, what)}
    if code == "too_large":
        firsts = list(dict.fromkeys([*singles, *(a for a, _ in pairs)]))
        want = [names[f] for f in firsts]
        what = "foresterie they could use"
        return {"names": functools.partial(_names_of_set, r, wid, want, what)}
    want = [names[f] for f in singles]
    return {
        "parts": functools.partial(_parts_of_set, r, wid, want, len(pairs), span),
        "alt": " and no alternative" if len(singles) + len(pairs) == 1 else "",
    }


def _check_group_details(r: _Run, out: list[str]) -> None:
    """A group is waitlisted as a whole, for one reason (README "Waitlist reasons"): where one
    member's detail lists foresterie (_LISTING), every member's says the same words."""
    if r.wait_detail is None:
        return
    by_group: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for wid, x in sorted(r.wait_detail.items()):
        gid = (r.workers.get(wid) or {}).get("group_id")
        if gid:
            by_group[gid].append((wid, x["code"], x["reason"]))
    for gid, rows in sorted(by_group.items()):
        if not any(code in _LISTING for _, code, _ in rows):
            continue
        wid0, code0, said0 = rows[0]
        for wid, code, said in rows[1:]:
            if (code, said) != (code0, said0):
                same = sum(
                    1
                    for _ in itertools.takewhile(
                        lambda ab: ab[0] == ab[1], zip(said, said0, strict=False)
                    )
                )
                at = max(0, same - 20)  # where they part
                out.append(
                    f"waitlist detail differs within group {gid} (restricted/{_WAIT_DETAIL}): "
                    f"{wid} is {code!r} ('...{said[at : at + 100]}'), {wid0} {code0!r} "
                    f"('...{said0[at : at + 100]}')"
                )
                break


def _wait_facts(r: _Run, wid: str, groups: dict[str, list[str]]) -> dict[str, Fact]:
    """What a waitlisted person's reason may say: their unit's (`_unit_facts`), and their own
    departure point and stay, and a re-plan's previous reason for them."""
    w = r.workers[wid]
    before = r.memo.get("previous_waitlist")
    if before is None:
        rel = f"inputs/{_PREVIOUS[1]}"
        before = r.memo["previous_waitlist"] = (
            {x["worker_id"]: x["reason"] for x in _rows(r.root, rel, "waitlist.csv")}
            if _as_of(r) and (r.root / rel).exists()
            else {}
        )
    pickup = w.get("pickup_id") or ""
    shown = _no_shows(r).get(wid, ("", "", "yes", ""))  # since, days, had_bed, placed
    return _unit_facts(r, w, groups) | {
        "ride": (
            f"rides from foresteria {pickup}, without a bed there that night"
            if pickup in r.fs
            else f"rides from departure point {pickup}"
        ),
        "arrival": w["arrival"],
        "departure": w["departure"],
        "before": before.get(wid, ""),
        # the previous reason once: a `past` reason carried is not said again around itself (a
        # run made before session 19's fix nested it: read as it was written, too)
        "before_once": tuple(
            dict.fromkeys([_PAST_SAID.sub("", before.get(wid, ""), count=1), before.get(wid, "")])
        ),
        "group_before": tuple(
            dict.fromkeys(
                [
                    _PAST_SAID.sub("", before.get(wid, "not in the previous plan"), count=1),
                    before.get(wid, "not in the previous plan"),
                ]
            )
        ),
        "no_show_since": shown[0],
        "no_show_days": shown[1] if shown[2] != "no" and not shown[3] else (),
        "placed_days": shown[1] if shown[3] else (),
        "no_bed_days": shown[1] if shown[2] == "no" else (),
        "no_show_placed": shown[3] or (),
    }


# "waitlisted before D, no night left: " (or a group's "group waitlisted before D, a member's
# stay over by then: ") that began a previous `past` reason (README "Waitlist reasons": the
# first re-plan's reason is carried once)
_PAST_SAID = re.compile(
    r"^(?:group )?waitlisted before \d{4}-\d\d-\d\d, (?:no night left|a member's stay over by then): "
)


def _no_shows(r: _Run) -> dict[str, tuple[str, str, str, str]]:
    """An intake's no-shows (inputs/no_shows.csv): worker -> (since, after_days, had_bed,
    placed): had_bed '' where the file of an older intake has no such column (read as `yes`,
    unchecked), placed '' where none; empty for a run without the file."""
    got = r.memo.get("no_shows")
    if got is None:
        rel = f"inputs/{_NO_SHOWS}"
        rows = _rows(r.root, rel) if (r.root / rel).exists() else []
        got = r.memo["no_shows"] = {
            x["worker_id"]: (
                x["since"],
                x["after_days"],
                x.get("had_bed", ""),
                x.get("placed", ""),
            )
            for x in rows
        }
    return dict(got)


def _span_words(first: str, last: str) -> str:
    """Nights first..last (ISO days) as the reasons print them: '2026-07-04..07-06'."""
    return first if first == last else f"{first}..{last[5:] if first[:4] == last[:4] else last}"


def _leaves(r: _Run, m: dict[str, str]) -> str:
    """The morning a person's stay ends as housed: the departure, or the morning the bed is
    released for days without work (`_released`)."""
    gone = r.released.get(m["worker_id"])
    return gone.isoformat() if gone is not None else m["departure"]


def _as_of(r: _Run) -> str:
    """A re-plan's date, '' for any other run."""
    replan = r.manifest.get("replan")
    return str(replan.get("as_of")) if isinstance(replan, dict) and replan.get("as_of") else ""


def _unit_facts(r: _Run, w: dict[str, str], groups: dict[str, list[str]]) -> dict[str, Fact]:
    """What a unit's reason may say (its group, or the person alone; kept per unit): its stay
    (from a re-plan's date in a re-plan), section, farms, and the run's rules and names."""
    key = w["group_id"] or "\0" + w["worker_id"]
    known: dict[str, dict[str, Fact]] = r.memo.setdefault("unit_facts", {})
    got = known.get(key)
    if got is not None:
        return got
    unit = [r.workers[x] for x in sorted(groups[w["group_id"]])] if w["group_id"] else [w]
    h = r.cfg.get("housing", {})
    cap = int(h.get("max_commute_min", 60))
    as_of = _as_of(r)
    arrivals = [max(m["arrival"], as_of) for m in unit]
    # a stay ends on the morning its bed is released for days without work (review 18, H1)
    ends = [_leaves(r, m) for m in unit]
    first, last = min(arrivals), _iso(max(_ord(e) for e in ends) - 1)
    farms = sorted({f for m in unit if (f := _work_farm(m))})
    names = _names_of(r)
    # the foresterie's names, and the nearest foresteria by its farthest farm, kept per set of
    # farms: units share their farms, and each asks every foresteria (67 at 20,000 workers)
    by_farms: dict[tuple[str, ...], tuple[set[str], dict[str, int], str]] = r.memo.setdefault(
        "unit_nearest", {}
    )
    seen = by_farms.get(tuple(farms))
    if seen is None:
        fs_names = {names[f] for f in r.fs}
        worst = {fid: max((r.secs[fid, farm] for farm in farms), default=0) for fid in r.fs}
        nearest = min(r.fs, key=lambda fid: worst[fid]) if r.fs else ""
        seen = by_farms[tuple(farms)] = (fs_names, worst, nearest)
    fs_names, worst, nearest = seen
    share = float(h.get("min_overlap_share", 0))
    need = max(
        max(
            int(h.get("min_overlap_nights", 1)),
            math.ceil(share * (_ord(e) - _ord(a)) - 1e-9),
        )
        for e, a in zip(ends, arrivals, strict=True)
    )
    # too_short: the nights of the stay (as housed), a group's those at least one member is
    # there (review 18 R, MEDIUM-5), and its span, cut by a release for days without work or not
    there = sorted(
        {d for a, e in zip(arrivals, ends, strict=True) for d in range(_ord(a), _ord(e))}
    )
    short = len(there)
    spans: dict[bool, list[str]] = {True: [], False: []}
    if there:
        cut = any(m["worker_id"] in r.released for m in unit)
        spans[cut].append(_span_words(_iso(there[0]), _iso(there[-1])))
    group = bool(w["group_id"])
    stay = _span_words(first, last)
    got = known[key] = {
        "cap": str(cap),
        "farms": ", ".join(farms),
        "nearest": names.get(nearest, nearest),
        "mins": f"{worst.get(nearest, 0) / 60:.0f}",
        "where": f" within {cap} min of farm {', '.join(farms)}" if farms else "",
        "stay": stay,
        "need": str(need),
        "s": "" if need == 1 else "s",
        "kind": _SECTION_WORDS.get(w["section"], w["section"]),
        "names": lambda said: _names_said(said, fs_names, len(r.fs)),
        "size": f"group of {len(unit)} " if group else "",
        "held": _HELD,
        "alt": ("", " and no alternative"),
        "parts": lambda said: _full_parts(said, fs_names, first, last, len(r.fs)),
        "name": tuple(sorted(fs_names)),
        "why": ("the solver stopped before proving tier 1 optimal", "unexplained"),
        "who": f"this group of {len(unit)}" if group else "this person",
        "as_of": as_of,
        "nights": str(short),
        "s2": "" if short == 1 else "s",
        "min": str(int(h.get("min_overlap_nights", 1))),
        "span": tuple(spans[False]) or (lambda said: "the stay was cut by a release"),
        "rspan": tuple(spans[True]) or (lambda said: "no release cut the stay"),
        "day": tuple(
            sorted(
                {
                    r.released[m["worker_id"]].isoformat()
                    for m in unit
                    if m["worker_id"] in r.released
                }
            )
        )
        or (lambda said: "nobody of the unit is released"),
        "days": str(h.get("max_days_without_work")),
    }
    got["size_n"] = str(len(unit))  # `too_large`'s count, of one person alone too: never free
    if not r.referrals_known:  # a site to avoid may take a farm off the list: not known here
        for slot in ("farms", "where", "nearest", "mins"):
            got.pop(slot)
    return got


def _uncovered_facts(
    r: _Run, u: dict[str, str], housed: dict[str, list[dict[str, str]]]
) -> dict[str, Fact]:
    """The foresterie around a span without a bed (plan/uncovered.csv): the first one's opening
    before it, the last one's closing after it, the two on either side of a gap; for
    `no_bed_elsewhere` and `placement` those of the span's place among the person's beds."""
    names = _names_of(r)
    rows = sorted(housed.get(u["worker_id"], []), key=lambda a: a["from"])
    before = [a for a in rows if a["to"] <= u["from"]]
    after = [a for a in rows if a["from"] >= u["to"]]
    code = u["code"]
    if code in (_NEUTRAL_UNCOVERED, "placement"):
        code = _uncovered_kind(rows, u)
    a = before[-1] if code in ("between_foresterie", "after_closing") and before else None
    b = after[0] if code in ("between_foresterie", "before_opening") and after else None
    limit = r.cfg.get("housing", {}).get("max_days_without_work")
    w = r.workers.get(u["worker_id"], {})
    facts: dict[str, Fact] = {"n": str(limit)}
    fs = _fs_told(r, u)  # a re-plan's nights over: the dates they were lived with
    if a is not None:
        facts["closes"] = names[a["foresteria_id"]]
        facts["open_to"] = str(fs[a["foresteria_id"]]["open_to"])
    if b is not None:
        facts["opens"] = names[b["foresteria_id"]]
        facts["open_from"] = str(fs[b["foresteria_id"]]["open_from"])
    facts["whose"] = "group's beds" if w.get("group_id") else "bed"
    return facts


_UNCOVERED_WORDS: dict[str, tuple[re.Pattern[str], ...]] = {
    "before_opening": _words("{opens} opens on {open_from:d}"),
    "after_closing": _words("{closes} closes after {open_to:d}"),
    "between_foresterie": _words(
        "{closes} closes after {open_to:d}, {opens} opens on {open_from:d}"
    ),
    "released_no_work": _words(
        "group's beds released after {n:n} days without work at each working member's farm, "
        "with no work after them in the stay",
        "bed released after {n:n} days without work at the farm, with no work after them in the "
        "stay",
    ),
}
# Published where a foresteria within reach is open on some of the nights (README "Nights
# without a bed"): the plain words are then not the whole reason, and for someone a referral
# record keeps away from it the rest would be the placement. Detailed as `placement` in
# restricted/uncovered_reasons.csv where a site to avoid or the pin is part of the cause.
_NEUTRAL_UNCOVERED = "no_bed_elsewhere"
_ELSEWHERE = (
    "; the other foresterie within reach open on some of these nights had no bed this plan "
    "could give this person"
)
_PLACEMENT_RULES = "; placement rules out {ruled}"
_UNCOVERED_PLAIN = {
    "before_opening": "{opens} opens on {open_from:d}",
    "after_closing": "{closes} closes after {open_to:d}",
    "between_foresterie": "{closes} closes after {open_to:d}, {opens} opens on {open_from:d}",
}
_UNCOVERED_NEUTRAL_WORDS = {k: _words(t + _ELSEWHERE) for k, t in _UNCOVERED_PLAIN.items()}
_UNCOVERED_PLACEMENT_WORDS = {k: _words(t + _PLACEMENT_RULES) for k, t in _UNCOVERED_PLAIN.items()}


def _names_exactly(want: list[str], said: str, old: bool = True) -> str:
    """'' where a detail names exactly the foresterie the records rule out (`want`, sorted): the
    first _MAX_NAMED and the count of the rest, or, as a run from before the bound (`old`: the
    run is not _bounded), every one; else why not."""
    shown = ", ".join(want[:_MAX_NAMED])
    if len(want) > _MAX_NAMED:
        k = len(want) - _MAX_NAMED
        shown += f" and {k} other foresteri{'a' if k == 1 else 'e'}"
    if said == shown or (old and said == ", ".join(want)):
        return ""
    return f"names {said[:80]!r}, the records give {shown[:160]!r}"


def _uncovered_words(
    code: str, rows: list[dict[str, str]], u: dict[str, str]
) -> tuple[re.Pattern[str], ...] | None:
    """The words of an uncovered row's code (None: not a code), by the span's place among the
    person's beds for `no_bed_elsewhere` and `placement`."""
    if code == _NEUTRAL_UNCOVERED:
        return _UNCOVERED_NEUTRAL_WORDS[_uncovered_kind(rows, u)]
    if code == "placement":
        return _UNCOVERED_PLACEMENT_WORDS[_uncovered_kind(rows, u)]
    return _UNCOVERED_WORDS.get(code)


def _check_reason_words(r: _Run, out: list[str]) -> None:
    """Each published reason says what its code and the row's own figures say, in its code's
    words and nothing else (the tables above): a forged or edited text is a violation naming
    the file, its line and the field. plan.json repeats plan/unserved.csv's reasons and is held
    to them (`_check_published_copies`)."""

    def held(rel: str, n: int, code: str, why: str) -> None:
        if why:
            out.append(f"reason not its code's words: {rel}:{n}: reason: {code}: {why}")

    # A day run keeps riders on the trips they were told (inputs/reference_trips.json): its
    # reasons are relabelled over kept trips and the rest planned around them, whose figures
    # the words give (README "Stability"), not those of the trips published.
    day_run = (r.root / "inputs" / "reference_trips.json").exists() or "day.json" in (
        r.manifest.get("records") or {}
    )
    for n, u in enumerate(r.unserved, start=2):
        words = _UNSERVED_WORDS.get(u["code"])
        if words is not None:  # an unknown code: said by _check_reasons
            held(
                "plan/unserved.csv",
                n,
                u["code"],
                _unsaid(words, u["reason"], _unserved_facts(r, u, day_run)),
            )
    groups: dict[str, list[str]] = defaultdict(list)
    for wid, w in r.workers.items():
        if w.get("group_id"):
            groups[w["group_id"]].append(wid)
    public = _WAIT_PUBLIC_WORDS if r.wait_split else _WAIT_WORDS
    for n, e in enumerate(r.wait, start=2):
        words = public.get(e["code"])
        if words is not None and e["worker_id"] in r.workers:
            facts = _wait_facts(r, e["worker_id"], groups)
            if e["code"] in _LISTING and not r.wait_split:  # a run from before the split
                facts |= _listed_facts(r, e["worker_id"], e["code"], groups)
            held("plan/waitlist.csv", n, e["code"], _unsaid(words, e["reason"], facts))
    for n, (wid, x) in enumerate((r.wait_detail or {}).items(), start=2):
        words = _WAIT_WORDS.get(x["code"])
        if words is not None and wid in r.workers:
            facts = _wait_facts(r, wid, groups)
            if x["code"] in _LISTING:
                facts |= _listed_facts(r, wid, x["code"], groups)
            held(f"restricted/{_WAIT_DETAIL}", n, x["code"], _unsaid(words, x["reason"], facts))
    rel = "plan/uncovered.csv"
    if (r.root / rel).exists():
        housed = _by_worker(r.assign)
        for n, u in enumerate(_rows(r.root, rel), start=2):
            rows = housed.get(u["worker_id"], [])
            if u["code"] == _NEUTRAL_UNCOVERED and not rows:
                continue  # not housed: said by _check_uncovered
            words = _uncovered_words(u["code"], rows, u) if u["code"] != "placement" else None
            if words is None:
                out.append(f"unknown uncovered code: {rel}:{n}: code: {u['code'][:40]!r}")
            elif "reason" in u:
                held(rel, n, u["code"], _unsaid(words, u["reason"], _uncovered_facts(r, u, housed)))
        detail = f"restricted/{_UNCOVERED_DETAIL}"
        for n, u in enumerate(r.uncovered_detail or [], start=2):
            rows = housed.get(u["worker_id"], [])
            words = _uncovered_words(u["code"], rows, u) if rows else None
            if words is not None and u["code"] != _NEUTRAL_UNCOVERED:  # else: said apart
                facts = _uncovered_facts(r, u, housed)
                if r.referrals_known:
                    facts["ruled"] = functools.partial(
                        _names_exactly, _ruled_out(r, u, rows, groups), old=not _bounded(r)
                    )
                held(detail, n, u["code"], _unsaid(words, u["reason"], facts))


def _check_kpis(r: _Run, out: list[str]) -> None:
    """Recompute every KPI from the plan files and compare with the manifest, and those on
    priorities and referrals with restricted/kpis.json where the run has one: then the
    manifest, which travels beside the plan's ids, may carry none of them."""
    mine = recompute_kpis(r)
    theirs = r.manifest.get("kpis", {})
    sealed = r.sealed_kpis or {}
    for part, values in mine.items():
        for key, v in values.items():
            where, m = "the manifest", theirs.get(part, {}).get(key)
            if r.kpis_split and _sealed_kpi(f"{part}.{key}"):
                if r.sealed_kpis is None:
                    continue  # the restricted part cannot be read here: said by its family
                where, m = f"restricted/{_KPIS}", sealed.get(part, {}).get(key)
            same = (
                _is_number(m) and abs(float(m) - float(v)) <= 0.011
                if isinstance(v, float)
                else m == v
            )
            if not same:
                out.append(f"KPI differs from {where}: {part}.{key} = {m}, recomputed {v}")
    if not r.kpis_split:
        if any(_sealed_kpi(f"{p}.{k}") for p, g in theirs.items() for k in g):
            r.unchecked.append(
                "that manifest.json carries no figure on priorities or referrals: a run from "
                f"before restricted/{_KPIS} (its operator export is refused; replay it)"
            )
        return
    for part, values in sorted(theirs.items()):
        for key in sorted(values):
            if _sealed_kpi(f"{part}.{key}"):
                out.append(
                    f"manifest.json publishes kpis.{part}.{key} beside the plan's ids: a figure "
                    f'on priorities or referrals, kept in restricted/{_KPIS} (README, "Restricted '
                    'part and encryption")'
                )
    for part, values in sorted(sealed.items()):
        for key in sorted(values):
            if not _sealed_kpi(f"{part}.{key}") or key not in mine.get(part, {}):
                out.append(
                    f"restricted/{_KPIS} wrong: {part}.{key} is not a figure on priorities or "
                    "referrals of this run"
                )


def _referral_kpis(r: _Run, rows: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
    days = sorted(
        max(0, (_day(rows[wid][0]["from"]) - _day(x["referral_date"])).days)
        for wid, x in r.referrals.items()
        if wid in rows
    )
    code = {w["worker_id"]: w["code"] for w in r.wait} | {
        wid: x["code"] for wid, x in (r.wait_detail or {}).items()
    }
    by_code: dict[str, int] = {}
    for wid in sorted(r.referrals):
        if wid in code:
            by_code[code[wid]] = by_code.get(code[wid], 0) + 1

    def rank(q: float) -> int | None:
        return days[max(0, math.ceil(q * len(days)) - 1)] if days else None

    return {
        "referred": len(r.referrals),
        "referred_housed": len(days),
        "referral_days_to_bed_median": rank(0.5),
        "referral_days_to_bed_p90": rank(0.9),
        "referred_waitlisted_by_code": dict(sorted(by_code.items())),
    }


def recompute_kpis(r: _Run) -> dict[str, dict[str, Any]]:
    """Every KPI recomputed from the plan files, once per run (r.memo: the KPIs' check and the
    solver claims' read it); a copy, so that no reader can change what the other reads."""
    if "kpis" not in r.memo:
        r.memo["kpis"] = _kpis_of(r)
    return copy.deepcopy(r.memo["kpis"])


def _kpis_of(r: _Run) -> dict[str, dict[str, Any]]:
    sections = ("men", "women", "family")
    rows = _by_worker(r.assign)
    housed = [r.workers[wid] for wid in sorted(rows) if wid in r.workers]
    stay_nights = sum((_day(w["departure"]) - _day(w["arrival"])).days for w in housed)
    waiting = [r.workers[w["worker_id"]] for w in r.wait if w["worker_id"] in r.workers]
    used: dict[tuple[str, str], int] = defaultdict(int)
    spans: Counter[tuple[str, str, str]] = Counter()  # equal stays at a foresteria: counted once
    commute_s = 0
    for a in r.assign:
        fid, stay = a["foresteria_id"], _nights(a["from"], a["to"])
        farm = _work_farm(r.workers[a["worker_id"]])
        wd = _days(str(r.farms[farm]["workdays"])) if farm else frozenset()
        spans[fid, a["from"], a["to"]] += 1
        # the workdays among the nights: each weekday once a whole week, then the days left
        weeks, rest = divmod(len(stay), 7)
        day1 = _ord(a["from"])  # date.fromordinal(n).weekday() is (n + 6) % 7
        workdays = weeks * len(wd) + sum(1 for k in range(rest) if (day1 + k + 6) % 7 in wd)
        if workdays:
            commute_s += workdays * r.secs[fid, farm]
    for (fid, first, end), n in spans.items():
        for night in _nights(first, end):
            used[fid, night] += n
    capacity = 0
    season = r.cfg.get("scenario", {})
    first, last = (str(season.get(k, ""))[:10] for k in ("season_start", "season_end"))
    for f in r.fs.values():
        total = sum(int(f[f"beds_{s}"]) for s in sections)
        # the nights it is open inside the season (a day run's season is one night)
        lo, hi = max(str(f["open_from"])[:10], first), min(str(f["open_to"])[:10], last or "9999")
        nights = max(0, (date.fromisoformat(hi) - date.fromisoformat(lo)).days + 1)
        capacity += total * nights
    total_beds = {fid: sum(int(f[f"beds_{s}"]) for s in sections) for fid, f in r.fs.items()}
    peak = max(
        (math.ceil(1000 * n / total_beds[f]) for (f, _), n in used.items() if total_beds[f]),
        default=0,
    )
    housing = {
        "people": len(r.workers),
        "housed": len(housed),
        "waitlisted": len(waiting),
        "housed_by_section": {s: sum(1 for w in housed if w["section"] == s) for s in sections},
        "waitlisted_by_section": {
            s: sum(1 for w in waiting if w["section"] == s) for s in sections
        },
        "bed_nights_used": sum(used.values()),
        "bed_nights_capacity": capacity,
        "occupancy_pct": round(100 * sum(used.values()) / capacity, 2) if capacity else 0.0,
        "peak_occupancy_permille": peak,
        "commute_minutes": round(commute_s / 60, 1),
        "transferred": sum(1 for rs in rows.values() if len(rs) > 1),
        "partial_stays": sum(
            1
            for wid, rs in rows.items()
            if wid in r.workers
            and sum((_day(a["to"]) - _day(a["from"])).days for a in rs)
            < (_day(r.workers[wid]["departure"]) - _day(r.workers[wid]["arrival"])).days
        ),
        "uncovered_nights": stay_nights - sum(used.values()),
        "housed_dependants": sum(1 for w in housed if _is_dependant(w)),
        "waitlisted_dependants": sum(1 for w in waiting if _is_dependant(w)),
    }
    if r.priority_known:
        housing["housed_by_priority"] = {
            str(p): sum(1 for w in housed if int(w["priority"]) == p) for p in range(4)
        }
        housing["waitlisted_by_priority"] = {
            str(p): sum(1 for w in waiting if int(w["priority"]) == p) for p in range(4)
        }
    if r.referrals:
        housing.update(_referral_kpis(r, rows))
    stops: dict[str, list[dict[str, str]]] = defaultdict(list)
    for s in r.stops:
        stops[s["trip_id"]].append(s)
    vehicle_days = {(t["day"], t["vehicle_id"]) for t in r.trips if t["vehicle_id"]}
    per_day: dict[str, int] = defaultdict(int)
    for d_, _ in vehicle_days:
        per_day[d_] += 1
    worker_days = sum(int(t["riders"]) for t in r.trips if t["direction"] == "to_farm")
    seats = sum(
        int(r.fleet[t["vehicle_id"]]["seats"]) for t in r.trips if t["vehicle_id"] in r.fleet
    )
    board = int(r.cfg.get("transport", {}).get("board_min", 2))
    wait_total = wait_riders = wait_max = 0
    for t in r.trips:
        ss = sorted(stops[t["trip_id"]], key=lambda s: int(s["seq"]))
        place, clock, _ = r.origin(t)
        idle: list[int] = []
        for s in ss:
            idle.append(_mins(s["depart"]) - board - clock - r.leg(place, s["farm_id"]))
            place, clock = s["farm_id"], _mins(s["depart"])
        for j, s in enumerate(ss):
            n = int(s["alight"]) + int(s["board"])
            aboard = sum(idle[: j + 1]) if t["direction"] == "to_farm" else sum(idle[j + 1 :])
            wait_total += n * aboard
            wait_riders += n
            if n:
                wait_max = max(wait_max, aboard)
    ride_sum = ride_n = 0  # each rider's minutes aboard: their sum, their number, the most
    ride_max: int | None = None
    for t in r.trips:
        for s in stops[t["trip_id"]]:
            n = int(s["alight"]) + int(s["board"])
            ride = (
                _mins(s["arrive"]) - r.origin(t)[1]
                if t["direction"] == "to_farm"
                else r.origin(t)[2] - _mins(s["depart"])
            )
            if n:
                ride_sum, ride_n = ride_sum + ride * n, ride_n + n
                ride_max = ride if ride_max is None else max(ride_max, ride)
    fixed = sum(
        float(r.fleet[v]["fixed_cost_eur_per_day"]) for _, v in vehicle_days if v in r.fleet
    )
    km_cost = sum(
        float(t["km"]) * float(r.fleet[t["vehicle_id"]]["cost_eur_per_km"])
        for t in r.trips
        if t["vehicle_id"] in r.fleet
    )
    cost = fixed + km_cost
    riders = sum(int(t["riders"]) for t in r.trips)
    short_days = {
        row["day"]
        for row in _rows(r.root, "plan/fleet_days.csv")
        if int(row["worker_days_unserved"])
    }
    unserved_days = sum(int(u["worker_days"]) for u in r.unserved)
    by_priority = {str(p): 0 for p in range(4)}
    missed: dict[str, list[str]] = defaultdict(list)
    for u in r.unserved:
        for w in u["worker_ids"].split():
            missed[w].append(u["day"])
    if r.priority_known:  # per person (the first unknown one raises, as row by row)
        for w, days in missed.items():
            by_priority[str(int(r.workers[w]["priority"]))] += len(days)
    ride_days: dict[str, set[str]] = defaultdict(set)  # the days they rode, of those missed
    left_out = set(missed)
    for d_, ws in _rode(r)["to_farm"].items():
        for wid in ws & left_out:
            ride_days[wid].add(d_)
    most = max((len(v) for v in missed.values()), default=0)
    in_a_row = 0
    for w, days in missed.items():
        run, left = 0, set(days)
        for d_ in sorted(ride_days[w] | left):
            run = run + 1 if d_ in left else 0
            if run > in_a_row:
                in_a_row = run
    # README "KPIs": the caporale's fee is a range, default EUR 5 a day to EUR 5 a leg.
    fee = [float(x) for x in r.cfg.get("transport", {}).get("caporale_fee_eur", [5.0, 10.0])]
    transport = {
        "trips": len(r.trips),
        "worker_days_transported": worker_days,
        "rider_trips": riders,
        "unserved_rider_trips": 2 * unserved_days,
        "unserved_worker_days": unserved_days,
        **({"unserved_worker_days_by_priority": by_priority} if r.priority_known else {}),
        "unserved_proven_pct": round(
            100
            * sum(int(u["worker_days"]) for u in r.unserved if u["proven"] == "yes")
            / unserved_days,
            2,
        )
        if unserved_days
        else 0.0,
        "left_behind_max_days": most,
        "left_behind_max_in_a_row": in_a_row,
        "left_behind_never_carried": len(left_out - {w for w, d in ride_days.items() if d}),
        "vehicle_days": len(vehicle_days),
        "vehicles_per_day_peak": max(per_day.values(), default=0),
        "vehicles_per_day_mean": round(sum(per_day.values()) / len(per_day), 2) if per_day else 0.0,
        "fleet_size": len(r.fleet),
        "days_fleet_short": len({u["day"] for u in r.unserved if u["code"] == "fleet_short"}),
        "days_with_unserved": len(short_days),
        "vehicle_km": round(sum(float(t["km"]) for t in r.trips), 1),
        "seat_utilisation_pct": round(100 * riders / seats, 2) if seats else 0.0,
        "ride_minutes_mean": round(ride_sum / ride_n, 2) if ride_n else 0.0,
        "ride_minutes_max": ride_max if ride_max is not None else 0,
        "wait_on_board_rider_minutes": wait_total,
        "wait_on_board_minutes_mean": round(wait_total / wait_riders, 2) if wait_riders else 0.0,
        "wait_on_board_minutes_max": wait_max,
        "transport_cost_eur": round(cost, 2),
        "cost_per_worker_day_eur": round(cost / worker_days, 2) if worker_days else 0.0,
        "caporale_fee_eur_per_worker_day": fee,
        "caporale_fees_avoided_eur": round(fee[0] * worker_days, 2),
        "caporale_fees_avoided_eur_high": round(fee[1] * worker_days, 2),
    }
    return {"housing": housing, "transport": transport}


# --- Every plan file consistent with every other (#22). Each check is its own function, called
# from verify_run after the checks above.


def _check_roll_call(r: _Run, out: list[str]) -> None:
    """riders.csv names exactly the people the stops count: at each stop as many names as
    alight (morning) or board (evening), the other count zero, nobody twice on one trip, the
    trip's rider count the names on it; unserved.csv names as many people as it counts."""
    trips = {t["trip_id"]: t for t in r.trips}
    named: dict[tuple[str, str], int] = defaultdict(int)
    on_trip: dict[str, list[str]] = defaultdict(list)
    for wid, tid, seq, _, _, farm in _rides(r):
        if farm is None:  # no such stop in stops.csv
            out.append(f"rider at an unknown stop: {wid} on {tid} {seq}")
            continue
        named[tid, seq] += 1
        on_trip[tid].append(wid)
    for s in r.stops:
        t = trips.get(s["trip_id"])
        if t is None:
            out.append(f"stop of an unknown trip: {s['trip_id']} stop {s['seq']}")
            continue
        morning = t["direction"] == "to_farm"
        counted, other = (
            (int(s["alight"]), int(s["board"])) if morning else (int(s["board"]), int(s["alight"]))
        )
        n = named[s["trip_id"], s["seq"]]
        if n != counted or other != 0:
            out.append(
                f"roll call differs from the stop: {s['trip_id']} stop {s['seq']} at "
                f"{s['farm_id']}: {n} named, {s['board']} board and {s['alight']} alight"
            )
    for t in r.trips:
        names = on_trip.get(t["trip_id"], [])
        if len(names) != int(t["riders"]):
            out.append(
                f"roll call differs from the trip: {t['trip_id']} says {t['riders']} riders, "
                f"{len(names)} named"
            )
        if len(set(names)) == len(names):
            continue
        twice = sorted({w for w in names if names.count(w) > 1})
        if twice:
            out.append(f"rider named twice on one trip: {twice[0]} on {t['trip_id']}")
    for u in r.unserved:
        ids = u["worker_ids"].split()
        if len(ids) != int(u["worker_days"]) or len(set(ids)) != len(ids):
            out.append(
                f"unserved names differ from the count: {u['day']} {u['foresteria_id']} "
                f"{u['farm_id']}: {len(set(ids))} people named, {u['worker_days']} counted"
            )


def _check_trip_times(r: _Run, out: list[str]) -> None:
    """Trips with no stops or running backwards; a vehicle's trips compared on real time across
    day labels (an evening trip past midnight against the next morning's); duty from real
    durations (a trip of negative duration cannot hide a breach)."""
    _, _, _, _, turn, _, _ = _rules(r)
    has_stops = {s["trip_id"] for s in r.stops}
    spans: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
    duty: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for t in r.trips:
        tid, dep, ret = t["trip_id"], _mins(t["depart"]), _mins(t["return"])
        if tid not in has_stops:
            out.append(f"trip with no stops: {tid}")
        _, o_dep, o_ret = r.origin(t)
        if not dep <= o_dep <= o_ret <= ret:
            out.append(
                f"trip runs backwards: {tid} leaves {t['depart']}, returns {t['return']}"
                + (
                    f" (departure point {t['origin_depart']}..{t['origin_return']})"
                    if (o_dep, o_ret) != (dep, ret)
                    else ""
                )
            )
        midnight = _day(t["day"]).toordinal() * 24 * 60
        if t["vehicle_id"] in r.fleet:
            spans[t["vehicle_id"]].append((midnight + dep, midnight + ret, tid, t["day"]))
        duty[t["vehicle_id"], t["day"]][0] += ret - dep
        duty[t["vehicle_id"], t["day"]][1] += max(0, ret - dep)
    for vid, ss in sorted(spans.items()):
        ss.sort()
        for (_, r1, t1, d1), (a2, _, t2, d2) in zip(ss, ss[1:], strict=False):
            if d1 != d2 and a2 < r1 + turn:  # same-day pairs: _check_trips
                out.append(
                    f"vehicle double-booked across midnight: {vid}: {t2} ({d2}) leaves before "
                    f"{t1} ({d1}) is back +{turn} min turnaround"
                )
    for (vid, day), (signed, real) in sorted(duty.items()):
        v = r.fleet.get(vid)
        limit = int(v["max_duty_min"]) if v else None
        if limit is not None and signed <= limit < real:  # else _check_trips reports it
            out.append(
                f"duty limit: {vid} on {day}: {real} min on trips > {limit} (+{real - limit}), "
                "hidden by a trip of negative duration"
            )
    _check_clock_change(r, out)


def _check_clock_change(r: _Run, out: list[str]) -> None:
    """On a day the local clock changes, no trip leaves before the changed hour is over
    (README "Scenario format"): a time in that hour does not exist (spring) or happens twice
    (autumn), and a duration across it is not the minutes it reads. A trip's other times follow
    its departure (`_check_trips`: travel times), so the departure is the one to check."""
    zone = str(r.cfg.get("scenario", {}).get("timezone", "Europe/Rome"))
    for t in r.trips:
        hour = _changed_hour(t["day"], zone)
        dep = _mins(t["depart"])
        if hour is None or dep >= hour[1]:
            continue
        span = f"{_hhmm(hour[0])}-{_hhmm(hour[1])}"
        where = (
            f"in the hour the clocks change ({span})"
            if dep >= hour[0]
            else f"before the hour the clocks change ({span}) is over"
        )
        out.append(f"trip {t['trip_id']} on {t['day']} departs {t['depart']}, {where}")


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@functools.lru_cache(maxsize=512)
def _changed_hour(day: str, zone: str) -> tuple[int, int] | None:
    """The wall-clock minutes [first, end) of `day` that do not exist or happen twice in
    `zone`, or None: read minute by minute, a wall time whose two readings (PEP 495's fold 0 and
    1) fall at different UTC offsets; only on a day whose two midnights' offsets differ."""
    tz = ZoneInfo(zone)
    midnight = datetime.combine(_day(day), datetime.min.time())

    def offset(m: int, fold: int = 0) -> timedelta | None:
        return (midnight + timedelta(minutes=m)).replace(tzinfo=tz, fold=fold).utcoffset()

    if offset(0) == offset(24 * 60):
        return None
    odd = [m for m in range(24 * 60) if offset(m) != offset(m, 1)]
    return (odd[0], odd[-1] + 1) if odd else None


Box = tuple[float, float, float, float, float]  # lon, lat min and max, tolerance


def _coords(run: Path, rel: str) -> dict[str, Box]:
    """id -> where a route may place the site: its point, or anywhere in its polygon's bounding
    box (the entrance of a farm drawn as a polygon is a point inside it)."""
    if rel.lower().endswith((".geojson", ".json")):
        try:
            data = _json(run, rel)
            out: dict[str, Box] = {}
            for f in data["features"]:
                g = f["geometry"]
                if g["type"] == "Point":
                    x, y = float(g["coordinates"][0]), float(g["coordinates"][1])
                    out[str(f["properties"]["id"])] = (x, y, x, y, 1e-9)
                else:
                    flat = json.dumps(g["coordinates"]).replace("[", "").replace("]", "")
                    v = [float(c) for c in flat.split(",")]
                    xs, ys = v[0::2], v[1::2]
                    out[str(f["properties"]["id"])] = (min(xs), min(ys), max(xs), max(ys), 1e-5)
            return out
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise Unreadable(f"{rel}: {exc}") from None
    import pyogrio

    _read(run, rel)
    df = pyogrio.read_dataframe(run / rel)
    return {
        str(i): (*(float(c) for c in g.bounds), 1e-9 if g.geom_type == "Point" else 1e-5)  # type: ignore[misc]
        for i, g in zip(df["id"], df.geometry, strict=True)
    }


def _placed(box: Box | None, lonlat: Any) -> bool:
    if box is None or not isinstance(lonlat, list) or len(lonlat) != 2:
        return False
    x0, y0, x1, y1, tol = box
    x, y = float(lonlat[0]), float(lonlat[1])
    return x0 - tol <= x <= x1 + tol and y0 - tol <= y <= y1 + tol


@contextlib.contextmanager
def _malformed(rel: str) -> Iterator[None]:
    """A published copy whose shape is not the writer's (a key missing, a list for a number):
    the folder is damaged or crafted, and the line names the file (exit 2)."""
    try:
        yield
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise Unreadable(f"{rel}: malformed ({type(exc).__name__}: {str(exc)[:80]})") from None


def _published_json(r: _Run, name: str) -> Any:
    return _json(r.root, f"plan/{name}")


def _check_published_copies(r: _Run, out: list[str]) -> None:
    """plan.json (VROOM-shaped), routes.geojson and housing.json say what the CSVs say: the
    same trips, stops, times, loads, distances, riders and site coordinates; the same housed
    and waitlisted counts and solver tiers as the manifest."""
    data = r.cfg["data"]
    where: dict[str, Box] = {}
    for key in ("foresterie", "farms", "pickups"):
        if data.get(key):
            where |= _coords(r.root, "inputs/" + _plain_name(data[key], f"data.{key}"))
    stops: dict[str, list[dict[str, str]]] = defaultdict(list)
    for s in r.stops:
        stops[s["trip_id"]].append(s)
    for ss in stops.values():
        ss.sort(key=lambda s: int(s["seq"]))

    def path(t: dict[str, str]) -> list[str]:
        o, fid = r.origin(t)[0], t["foresteria_id"]
        mid = [o] if o != fid else []
        return [fid, *mid, *(s["farm_id"] for s in stops[t["trip_id"]]), *mid, fid]

    def differs(name: str, what: str) -> None:
        out.append(f"{name} differs from the CSVs: {what}")

    seen: dict[tuple[str, float, float], bool] = {}

    def placed(x: str, c: Any) -> bool:
        """_placed(where.get(x), c), kept per place and point given as two floats (a base's
        point starts and ends each of its trips, in both files)."""
        if c.__class__ is list and len(c) == 2 and c[0].__class__ is c[1].__class__ is float:
            key = (x, c[0], c[1])
            got = seen.get(key)
            if got is None:
                got = seen[key] = _placed(where.get(x), c)
            return got
        return _placed(where.get(x), c)

    with _malformed("plan/routes.geojson"):
        # routes.geojson: one feature per trip
        geo = _published_json(r, "routes.geojson")
        if geo.get("type") != "FeatureCollection":
            differs("routes.geojson", "not a FeatureCollection")
        feats = geo["features"]
        by_id = {str(f["properties"]["trip_id"]): f for f in feats}
        if len(by_id) != len(feats) or set(by_id) != {t["trip_id"] for t in r.trips}:
            differs("routes.geojson", f"{len(feats)} routes for {len(r.trips)} trips")
        for t in r.trips:
            f = by_id.get(t["trip_id"])
            if f is None:
                continue
            p = f["properties"]
            mine = {
                "day": t["day"],
                "foresteria_id": t["foresteria_id"],
                "direction": t["direction"],
                "vehicle_id": t["vehicle_id"] or None,
                "depart": t["depart"],
                "return": t["return"],
                "km": round(float(t["km"]), 3),
                "riders": int(t["riders"]),
                "origin_id": t.get("origin_id", ""),
                "stops": [s["farm_id"] for s in stops[t["trip_id"]]],
            }
            # a key missing (a null one read as null) or added is a difference too
            bad = sorted(k for k, v in mine.items() if k not in p or p[k] != v)
            bad += sorted(f"unexpected {k}" for k in set(p) - set(mine) - {"trip_id"})
            if f.get("type") != "Feature" or f["geometry"].get("type") != "LineString":
                bad.append("type")
            line, places = f["geometry"]["coordinates"], path(t)
            if len(line) != len(places) or not all(
                placed(x, c) for x, c in zip(places, line, strict=False)
            ):
                bad.append("coordinates")
            if bad:
                differs("routes.geojson", f"{t['trip_id']}: {', '.join(bad)}")
    with _malformed("plan/plan.json"):
        # plan.json: one route per trip, its steps the trip's stops
        plan = _published_json(r, "plan.json")
        routes = {str(x["trip"]): x for x in plan["routes"]}
        if len(routes) != len(plan["routes"]) or set(routes) != {t["trip_id"] for t in r.trips}:
            differs("plan.json", f"{len(plan['routes'])} routes for {len(r.trips)} trips")
        for t in r.trips:
            x = routes.get(t["trip_id"])
            if x is None:
                continue
            dep, ret = _mins(t["depart"]), _mins(t["return"])
            bad = [
                k
                for k, v in {
                    "vehicle": t["vehicle_id"] or None,
                    "day": t["day"],
                    "direction": t["direction"],
                    "distance": round(float(t["km"]) * 1000),
                    "duration": (ret - dep) * 60,
                }.items()
                if x.get(k) != v
            ]
            steps = x["steps"]
            jobs = [s for s in steps if s["type"] == "job"]
            farm_jobs = jobs[1:] if r.origin(t)[0] != t["foresteria_id"] else jobs
            ss = stops[t["trip_id"]]
            o, fid = r.origin(t)[0], t["foresteria_id"]
            if [s["id"] for s in steps] != [
                fid,
                *([o] if o != fid else []),
                *(s["farm_id"] for s in ss),
                fid,
            ]:
                bad.append("places")
            if (
                steps[0]["type"] != "start"
                or steps[-1]["type"] != "end"
                or steps[0]["arrival"] != dep * 60
                or steps[-1]["arrival"] != ret * 60
            ):
                bad.append("start or end")
            if len(farm_jobs) != len(ss) or any(
                (j["id"], j["arrival"], j["departure"], j["pickup"], j["delivery"], j["load"])
                != (
                    s["farm_id"],
                    _mins(s["arrive"]) * 60,
                    _mins(s["depart"]) * 60,
                    [int(s["board"])],
                    [int(s["alight"])],
                    [int(s["load_after"])],
                )
                for j, s in zip(farm_jobs, ss, strict=False)
            ):
                bad.append("stops")
            if not all(placed(str(s["id"]), s["location"]) for s in steps):
                bad.append("coordinates")
            if _loads_differ(t, steps, r.origin(t), fid):
                bad.append("loads at the base or the departure point")
            if bad:
                differs("plan.json", f"{t['trip_id']}: {', '.join(bad)}")
        summary = plan["summary"]
        unserved = sum(int(u["worker_days"]) for u in r.unserved)
        metres = sum(round(float(t["km"]) * 1000) for t in r.trips)
        if (summary["routes"], summary["unassigned"]) != (len(r.trips), 2 * unserved) or abs(
            summary["distance"] - metres
        ) > len(r.trips):
            differs("plan.json", "summary (routes, rider-trips unassigned, distance)")
        mine_u = [
            (
                u["day"],
                u["foresteria_id"],
                u["farm_id"],
                int(u["worker_days"]),
                u["code"],
                u["reason"],
            )
            for u in r.unserved
        ]
        theirs_u = [
            (x["day"], x["foresteria_id"], x["id"], x["riders"], x["code"], x["reason"])
            for x in plan["unassigned"]
        ]
        if mine_u != theirs_u or any(x.get("legs") != list(_LEGS) for x in plan["unassigned"]):
            differs("plan.json", "unassigned (the unserved rows)")
        if plan.get("code") != 0 or plan.get("units") != _VROOM_UNITS:
            differs("plan.json", "code or units (the output contract)")
    with _malformed("plan/housing.json"):
        # housing.json: counts and tiers
        h = _published_json(r, "housing.json")
        if (h["housed"], h["waitlisted"]) != (len({a["worker_id"] for a in r.assign}), len(r.wait)):
            differs(
                "housing.json",
                f"{h['housed']} housed and {h['waitlisted']} waitlisted, the CSVs have "
                f"{len({a['worker_id'] for a in r.assign})} and {len(r.wait)}",
            )
        mh, budgets = r.manifest.get("housing", {}), r.manifest.get("budgets", {})
        if [h.get(k) for k in ("units", "districts", "blocks")] != [
            mh.get(k) for k in ("units", "districts", "blocks")
        ] or h.get("backend") != (
            budgets.get("housing_backend") if isinstance(budgets, dict) else None
        ):
            differs(
                "housing.json", "units, districts, blocks or backend differ from the manifest's"
            )
        theirs = r.manifest.get("housing", {}).get("tiers")
        if (
            not isinstance(theirs, list)
            or [{k: v for k, v in t.items() if k != "sense"} for t in h["tiers"]] != theirs
            or len(h["tiers"]) != len(theirs)
        ):
            differs("housing.json", "solver tiers differ from the manifest's")


_LEGS = ("to_farm", "to_foresteria")  # an unserved worker-day: both legs (README)
_VROOM_UNITS = {
    "time": "seconds after midnight (Europe/Rome)",
    "distance": "metres",
    "location": "WGS84 [lon, lat]",
}


def _loads_differ(
    t: dict[str, str], steps: list[dict[str, Any]], origin: tuple[str, int, int], fid: str
) -> bool:
    """The load after the start, the departure point and the end of a trip, against the CSVs:
    riders board at the base (or the point) in the morning and alight there in the evening."""
    riders, morning, point = int(t["riders"]), t["direction"] == "to_farm", origin[0] != fid
    if steps[0].get("load") != [riders if morning and not point else 0]:
        return True
    if steps[-1].get("load") != [0 if morning or point else riders]:
        return True
    if not point:
        return False
    at = (origin[1] if morning else origin[2]) * 60
    job = steps[1]
    return (job.get("arrival"), job.get("departure"), job.get("pickup"), job.get("delivery")) != (
        at,
        at,
        [riders if morning else 0],
        [0 if morning else riders],
    ) or job.get("load") != [riders if morning else 0]


def _truthy(text: str | None) -> bool:
    return (text or "").strip().lower() in ("true", "1", "yes", "si", "sì", "y", "t")


def _priority(r: _Run, wid: str) -> int:
    return int(r.workers[wid].get("priority") or 0)


# Why someone waits (README "Waitlist reasons"); `past` comes from re-planning, `heuristic` is
# never proven.
WAITLIST_CODES = frozenset(
    {"far", "placement", "closed", "too_short", "no_section", "no_accessible", "too_large"}
    | {"outranked"}
    | {"full", "past", "not_checked_in", "heuristic"}
)


# Codes the inputs alone prove, whatever the housing search did (README "Waitlist reasons": no
# foresteria within the commute cap, a stay shorter than the minimum, the referral record, none
# open for the stay or with beds of the kind; `unsuitable` publishes the last three): the solver
# marks them proven, so `proven=no` beside one misstates the report's table of reasons (session
# 20, C: a flipped flag passed). `full`, `outranked`, `too_large` are proven only by an optimal
# plan; `past` and `not_checked_in` are the re-plan's.
INPUT_PROVEN_CODES = frozenset(
    {"far", "too_short", "placement", "closed", "no_section", "no_accessible", "unsuitable"}
)


def _check_waitlist_reasons(r: _Run, out: list[str]) -> None:
    """Waitlist reasons marked proven hold, recomputed from the inputs and the plan (README
    "Waitlist reasons"): 'far' means no foresteria within the commute limit on the run's own
    matrix; 'placement' that none within reach but the sites to avoid is open long enough with
    the beds the unit needs; 'closed' that none within reach, sites to avoid included, is open
    long enough; 'no_section' / 'no_accessible' that those open have no bed of the
    kind; 'full', 'outranked' and 'too_large' that at every foresteria the person could use some
    night of the stay has no room in the right section even without the people of lower
    priority (of priority below p+1 for 'outranked'; everyone removed for 'too_large'; a group
    ranks by its highest priority, and for 'full' pinned people stay in their beds)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for wid, w in r.workers.items():
        if w.get("group_id"):
            groups[w["group_id"]].append(wid)
    held = _held_beds(r, groups)
    r.memo["taken"] = {}  # (foresteria, night, kind, floor, pinned hold) -> beds taken in held
    done: set[tuple[str, ...]] = set()
    for e in r.wait:
        if e["code"] not in WAITLIST_CODES | PUBLISHED:
            out.append(f"unknown waitlist code: {e['code']!r} ({e['worker_id']})")
        elif e["code"] == "heuristic" and e["proven"] == "yes":
            out.append(f"reason contradicts itself: heuristic marked proven ({e['worker_id']})")
        elif e["code"] in INPUT_PROVEN_CODES and e["proven"] != "yes":
            out.append(
                f"reason understates: {e['worker_id']} is {e['code']!r}, a reason the inputs "
                f"alone prove, marked proven={e['proven']}"
            )
        elif r.wait_split and e["code"] not in PUBLISHED:
            out.append(
                f"plan/waitlist.csv publishes {e['code']!r} beside {e['worker_id']}: a code a "
                'priority or a referral record decides (README, "Waitlist reasons")'
            )
    detail = _published_detail(r, out)
    for e in r.wait:
        wid, code = e["worker_id"], detail.get(e["worker_id"], e["code"])
        if e["proven"] != "yes" or wid not in r.workers:
            continue
        if code == "unsuitable" and not r.referrals_known:
            continue  # a site to avoid is one way to it: said once among the unchecked
        w = r.workers[wid]
        unit = sorted(groups[w["group_id"]]) if w.get("group_id") else [wid]
        if (code, *unit) in done:
            continue
        done.add((code, *unit))
        why = _reason_contradiction(r, code, unit, held)
        if why:
            out.append(f"waitlist reason false: {wid} is '{code}', yet {why}")


# What a published waitlist code claims that the published files alone can refute (README
# "Waitlist reasons", review 19 R HIGH-3): read by the operator export and by `verify`, which
# know the same files. `unsuitable`: no foresteria within reach is open for the stay with the
# beds; `full`: every one within reach has no room on some night; `too_large`: none within reach
# has as many beds of the kind. Within reach by the published rules only (section, accessible
# beds, every working member's farm of inputs/workers.csv within the commute limit, or the pin):
# sites to avoid are not read, as nobody holding the published files can read them.
_REFUTABLE = frozenset({"unsuitable", "full", "too_large"})
# A blank farm cell among fewer riders than this (not pinned, rides true) stands out.
_BLANK_CROWD = 5


def _check_not_offered(r: _Run, out: list[str]) -> None:
    """With the restricted part (the detail, the referral records, the draw key): each published
    waitlist code is `not_offered` exactly where README "Waitlist reasons" says, recomputed here:
    the detail `placement`; `full`, `outranked` or `too_large` while a member's site to avoid is
    within reach by the published rules (its section's beds, the accessible beds the unit needs,
    every working member's farm of inputs/workers.csv within the commute limit, or the pin); and,
    in a run with referral records, the crowd: a unit whose detail is one of NOT_OFFERED_TOO and whose
    draw (the first 16 hex digits of HMAC-SHA256 "SEED:not_offered:UNIT" under the draw key, UNIT
    its group id, else the person's id) is below 2**62. Elsewhere its detail's published code."""
    if r.wait_detail is None or not r.referrals_known or not r.draws():
        return
    cap_s = int(r.cfg.get("housing", {}).get("max_commute_min", 60)) * 60
    groups: dict[str, list[str]] = defaultdict(list)
    for wid, x in r.workers.items():
        if x.get("group_id"):
            groups[x["group_id"]].append(wid)

    def shaped(wid: str, code: str) -> bool:
        if code == "placement":
            return True
        if code not in ("full", "outranked", "too_large"):
            return False
        w = r.workers[wid]
        people = [r.workers[x] for x in groups[w["group_id"]]] if w.get("group_id") else [w]
        avoid = set().union(*(_avoid(m) for m in people))
        farms = {_work_farm(m) for m in people} - {""}
        pin = min((p for m in people if (p := m.get("pinned_foresteria") or "")), default="")
        present: Counter[str] = Counter()
        for m in people:
            if _truthy(m.get("accessible")):
                present.update(_nights(m["arrival"], m["departure"]))
        acc = max(present.values(), default=0)
        return any(
            fid in r.fs
            and r.beds(fid, w["section"]) > 0
            and int(r.fs[fid]["beds_accessible"] or 0) >= acc
            and (fid == pin or all(r.secs[fid, farm] <= cap_s for farm in farms))
            for fid in avoid
        )

    detail = {wid: x["code"] for wid, x in r.wait_detail.items() if x["code"] in WAITLIST_CODES}
    public = {e["worker_id"]: e["code"] for e in r.wait}
    known = [wid for wid in sorted(detail) if wid in public and wid in r.workers]
    withheld = {wid for wid in known if shaped(wid, detail[wid])}
    # the crowd is drawn in every run of a season with referral records (README "Waitlist
    # reasons"), whether or not one of them shaped a row of this run
    referred = any(_avoid(x) for x in r.workers.values())
    for wid in known:
        w = r.workers[wid]
        unit = w.get("group_id") or wid
        drawn = int(r.tie(f"not_offered:{unit}")[:16], 16) < 1 << 62
        crowd = referred and detail[wid] in NOT_OFFERED_TOO and drawn
        want = "not_offered" if wid in withheld or crowd else PUBLISHED_CODES[detail[wid]]
        if public[wid] != want:
            why = (
                "a site to avoid within reach decides it"
                if wid in withheld
                else "drawn into the crowd"
                if crowd
                else "neither a site to avoid within reach nor the crowd's draw"
            )
            out.append(
                f"waitlist code published wrong: {wid} is {public[wid]!r} in plan/waitlist.csv, "
                f"{want!r} by its detail {detail[wid]!r} ({why})"
            )


def _check_published_explainable(r: _Run, out: list[str]) -> None:
    """No published waitlist code is refuted by the published files (_published_facts)."""
    out += [
        f"published waitlist code refuted: {rel}:{n}: {text}"
        for rel, n, text in _published_facts(r)[0]
    ]


def published_disclosures(run: Path) -> tuple[list[tuple[str, int, str]], list[str]]:
    """(refuted, flagged) of a run folder's published part (`_published_facts`): what the
    operator export refuses to hand out (file, row, what), and what it says when it does. A
    malformed folder is Unreadable, as for `verify`."""
    with _no_cycle_collection():
        r = _Run(Path(run))
        try:
            return _published_facts(r)
        except (KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:
            raise Unreadable(f"malformed run folder ({type(exc).__name__}: {exc})"[:200]) from None


def _published_facts(r: _Run) -> tuple[list[tuple[str, int, str]], list[str]]:
    """Read from the published part alone (inputs/, plan/): `refuted`, each published waitlist
    code in _REFUTABLE that the published inputs and occupancy refute for its person (only a
    restricted fact, a site to avoid, could explain it); `flagged`, what a reader still infers
    without any code being false: a person published `not_offered` while a foresteria within
    reach had room for the whole stay, and blank farm cells among fewer than _BLANK_CROWD riders
    (README "Referral records")."""
    refuted: list[tuple[str, int, str]] = []
    flagged: list[str] = []
    h = r.cfg.get("housing", {})
    partial = bool(h.get("partial_stays", False))
    min_nights, share = int(h.get("min_overlap_nights", 1)), float(h.get("min_overlap_share", 0))
    cap_s = int(h.get("max_commute_min", 60)) * 60
    groups: dict[str, list[str]] = defaultdict(list)
    for wid, x in r.workers.items():
        if x.get("group_id"):
            groups[x["group_id"]].append(wid)
    used: Counter[tuple[str, str, str]] = Counter()  # (foresteria, night, section/"accessible")
    for a in r.assign:
        guest = r.workers.get(a["worker_id"])
        for night in _nights(a["from"], a["to"]):
            used[a["foresteria_id"], night, a["section"]] += 1
            if guest is not None and _truthy(guest.get("accessible")):
                used[a["foresteria_id"], night, "accessible"] += 1
    as_of = _as_of(r)
    done: set[str] = set()
    for n, e in enumerate(r.wait, start=2):
        wid, code = e["worker_id"], e["code"]
        w = r.workers.get(wid)
        if w is None or (code not in _REFUTABLE and code != "not_offered"):
            continue
        unit = sorted(groups[w["group_id"]]) if w.get("group_id") else [wid]
        if f"{code}:{unit[0]}" in done:
            continue
        done.add(f"{code}:{unit[0]}")
        people = [r.workers[x] for x in unit]
        section = w["section"]
        farms = {m["farm_id"] for m in people if m.get("farm_id") and not _is_dependant(m)}
        pin = min((p for m in people if (p := m.get("pinned_foresteria") or "")), default="")
        acc = sum(1 for m in people if _truthy(m.get("accessible")))
        first = min(max(m["arrival"], as_of) for m in people)
        end = max(_leaves(r, m) for m in people)
        stay = _nights(first, end)
        if not stay:
            continue

        def open_ok(fid: str, people: list[dict[str, str]] = people, pin: str = pin) -> bool:
            f = r.fs[fid]
            for m in people:
                a, b = max(m["arrival"], as_of), _leaves(r, m)
                if not partial:
                    if a < str(f["open_from"]) or _iso(_ord(b) - 1) > str(f["open_to"]):
                        return False
                    continue
                k = len(_stay_nights(a, b, f["open_from"], f["open_to"]))
                need = max(min_nights, math.ceil(share * (_ord(b) - _ord(a)) - 1e-9))
                if k < (1 if pin == fid else need):
                    return False
            return True

        reach = [
            fid
            for fid in sorted(r.fs)
            if (fid == pin if pin else all(r.secs[fid, farm] <= cap_s for farm in farms))
            and r.beds(fid, section) > 0
            and int(r.fs[fid]["beds_accessible"] or 0) >= acc
        ]
        whole = [
            fid
            for fid in reach
            if str(r.fs[fid]["open_from"]) <= stay[0] and stay[-1] <= str(r.fs[fid]["open_to"])
        ]
        room = [
            fid
            for fid in whole
            if all(
                r.beds(fid, section) - used[fid, night, section] >= len(unit)
                and int(r.fs[fid]["beds_accessible"] or 0) - used[fid, night, "accessible"] >= acc
                for night in stay
            )
        ]
        who = f"{wid} (and the {len(unit)} of the group)" if len(unit) > 1 else wid
        site, why = "", ""
        if code == "unsuitable" and (ok := [f for f in reach if open_ok(f)]):
            site, why = ok[0], "open for the stay with beds of the kind"
        elif code == "full" and room:
            site, why = room[0], "open for the whole stay with room every night"
        elif code == "too_large" and (big := [f for f in whole if r.beds(f, section) >= len(unit)]):
            site, why = big[0], f"open for the whole stay with {r.beds(big[0], section)} beds"
        elif code == "not_offered" and room:
            flagged.append(
                f"plan/waitlist.csv:{n}: {who} is not offered a bed while {room[0]}, within "
                "reach by the published files, has room for the whole stay: a reader infers a "
                "restriction (a site to avoid) beside the id"
            )
        if site:
            refuted.append(
                (
                    "plan/waitlist.csv",
                    n,
                    f"{who} is {code!r}, yet {site} is within reach by the published files and "
                    f"{why}: only a restricted fact explains it, and beside the id it tells that "
                    "fact",
                )
            )
    # pinned by the office only: a re-plan records its residents (and those it holds from the
    # date) pinned where they sleep, and they stand out as much as anyone (review 20 R, MEDIUM-5)
    held_by_replan = _residents(r)
    if (r.root / "inputs" / _PREVIOUS_INPUTS[1]).exists():  # a re-plan: the previous run's pins
        was = _rows(r.root, f"inputs/{_PREVIOUS_INPUTS[1]}", "workers.csv")
        office = {x["worker_id"] for x in was if x.get("pinned_foresteria")}
        held_by_replan |= {w for w, x in r.workers.items() if x.get("pinned_foresteria")} - office
    blank = sorted(
        wid
        for wid, w in r.workers.items()
        if not w.get("farm_id")
        and not _is_dependant(w)
        and (not w.get("pinned_foresteria") or wid in held_by_replan)
    )
    if 0 < len(blank) < _BLANK_CROWD:
        flagged.append(
            f"inputs/workers.csv: farm_id: {len(blank)} rider(s) not pinned by the office name no "
            f"farm, fewer than {_BLANK_CROWD}: a farm left out for a site to avoid would stand out "
            "among them"
        )
    return refuted, flagged


# (foresteria, night, section or "accessible") -> (rank, pinned there) of each person in those
# beds: the rank is the highest priority of the person's group (a group is housed or not as a
# whole); a person of a pinned group at its pinned foresteria is there in every plan.
Held = dict[tuple[str, str, str], list[tuple[int, bool]]]


def _residents(r: _Run) -> set[str]:
    """A re-plan's residents: people the previous plan housed who arrived before the re-plan's
    date; the re-plan holds their beds from it on whatever anyone's priority, as a pin does
    (README "Re-planning mid-season"). Empty for any other run."""
    replan = r.manifest.get("replan") or {}
    as_of = replan.get("as_of") if isinstance(replan, dict) else None
    if as_of is None or not (r.root / "inputs" / _PREVIOUS[0]).exists():
        return set()
    return {
        wid
        for a in _rows(r.root, f"inputs/{_PREVIOUS[0]}")
        if (w := r.workers.get(wid := a["worker_id"])) is not None and w["arrival"] < str(as_of)
    }


def _held_beds(r: _Run, groups: dict[str, list[str]]) -> Held:
    held: Held = defaultdict(list)
    residents = _residents(r)
    units: dict[str, tuple[int, str]] = {}  # group (or person) -> (rank, first pin)
    alike: Counter[tuple[str, str, str, str, bool, tuple[int, bool]]] = Counter()
    for a in r.assign:
        w = r.workers.get(a["worker_id"])
        if w is None:
            continue
        key = w["group_id"] if w.get("group_id") else f"\0{a['worker_id']}"
        got = units.get(key)
        if got is None:
            unit = groups[w["group_id"]] if w.get("group_id") else [a["worker_id"]]
            pins = sorted(p for x in unit if (p := r.workers[x].get("pinned_foresteria") or ""))
            got = units[key] = (max(_priority(r, x) for x in unit), pins[0] if pins else "")
        here = (
            got[0],
            (bool(got[1]) and got[1] == a["foresteria_id"]) or a["worker_id"] in residents,
        )
        fid, section, accessible = a["foresteria_id"], a["section"], _truthy(w.get("accessible"))
        alike[fid, a["from"], a["to"], section, accessible, here] += 1  # equal stays: once
    for (fid, first, end, section, accessible, here), n in alike.items():
        for night in _nights(first, end):
            held[fid, night, section] += [here] * n
            if accessible:
                held[fid, night, "accessible"] += [here] * n
    return held


# What plan/waitlist.csv may say beside an id, and which detailed code each published one stands
# for (README "Waitlist reasons"; the verifier's own table).
PUBLISHED_CODES = {
    "far": "far",
    "placement": "not_offered",
    "closed": "closed",
    "too_short": "too_short",
    "no_section": "unsuitable",
    "no_accessible": "unsuitable",
    "too_large": "too_large",
    "outranked": "full",
    "full": "full",
    "past": "past",
    "not_checked_in": "not_checked_in",
    "heuristic": "heuristic",
}
PUBLISHED = frozenset(PUBLISHED_CODES.values())
# Detailed codes that may also be published `not_offered` (README "Waitlist reasons"): a person a
# site to avoid within reach leaves `full` or `too_large` among the other sites, and the crowd
# drawn by the draw key among these codes in a run that publishes any `not_offered`.
NOT_OFFERED_TOO = frozenset({"full", "outranked", "too_large", "no_section", "no_accessible"})


def _published_detail(r: _Run, out: list[str]) -> dict[str, str]:
    """worker -> detailed code from restricted/waitlist_reasons.csv (empty when it cannot be
    read), once each person plan/waitlist.csv lists, each published code what its detail
    publishes as."""
    if r.wait_detail is None:
        return {}
    public = {e["worker_id"]: e["code"] for e in r.wait}
    for wid in sorted(set(public) ^ set(r.wait_detail)):
        where = "plan/waitlist.csv" if wid in public else f"restricted/{_WAIT_DETAIL}"
        out.append(f"waitlisted person only in {where}: {wid}")
    for wid, x in sorted(r.wait_detail.items()):
        code = x["code"]
        if code not in WAITLIST_CODES:
            out.append(f"unknown waitlist code: {code!r} ({wid}, restricted/{_WAIT_DETAIL})")
        elif (
            wid in public
            and PUBLISHED_CODES[code] != public[wid]
            and not (public[wid] == "not_offered" and code in NOT_OFFERED_TOO)
        ):
            out.append(
                f"waitlist code published wrong: {wid} is {public[wid]!r} in plan/waitlist.csv, "
                f"{code!r} in restricted/{_WAIT_DETAIL}"
            )
    return {wid: x["code"] for wid, x in r.wait_detail.items() if x["code"] in WAITLIST_CODES}


@functools.lru_cache(maxsize=8192)
def _stay_nights(arrival: str, departure: str, *opens: Any) -> tuple[date, ...]:
    """The nights of a stay, or of its part while a foresteria is open (`opens`: its open_from
    and open_to, with partial stays); kept per stay: many people share one."""
    a, b = _day(arrival), _day(departure)
    if opens:
        a = max(a, _day(opens[0]))
        b = min(b, _day(opens[1]) + timedelta(days=1))
    return tuple(a + timedelta(days=k) for k in range(max(0, (b - a).days)))


def _no_show_contradiction(r: _Run, unit: list[str]) -> str:
    """What contradicts `not_checked_in` for a unit (README "Daily operations"), or '': it is an
    intake's word (a re-plan with inputs/no_shows.csv naming each of the unit); each was due at
    least `after_days` days before `since`, itself no later than the re-plan's date; a no-show
    of an earlier intake was one in the previous plan too; a new one is counted with the
    intake's own release_bed_after_days (intake.json). A group is a no-show as a whole."""
    as_of, known = _as_of(r), _no_shows(r)
    if not as_of:
        return "the run is no re-plan: only an intake counts no-shows"
    before = r.memo.get("previous_codes")
    if before is None:
        rel = f"inputs/{_PREVIOUS[1]}"
        before = r.memo["previous_codes"] = (
            {x["worker_id"]: x["code"] for x in _rows(r.root, rel, "waitlist.csv")}
            if (r.root / rel).exists()
            else {}
        )
    said = None
    if (r.root / "intake.json").exists():
        record = _json(r.root, "intake.json")
        said = record.get("release_bed_after_days") if isinstance(record, dict) else None
    bedded = r.memo.get("previous_bedded")
    if bedded is None:
        rel = f"inputs/{_PREVIOUS[0]}"
        bedded = r.memo["previous_bedded"] = (
            {x["worker_id"] for x in _rows(r.root, rel, "assignments.csv")}
            if (r.root / rel).exists()
            else set()
        )
    for wid in unit:
        if wid not in known:
            return f"{wid} is not in inputs/{_NO_SHOWS}: no intake counted them a no-show"
        since, days, had_bed, placed = known[wid]
        arrival = r.workers[wid]["arrival"]
        if since > as_of:
            return f"{wid} counted a no-show on {since}, after the re-plan's date {as_of}"
        if placed and (had_bed == "no" or placed > since):
            return f"{wid} given a bed on {placed} in the region: released on {since}, had_bed {had_bed}"
        start = placed or arrival  # a bed given in the region: its days count from then
        if _ord(since) - _ord(start) < int(days):
            late = _ord(since) - _ord(start)
            due = f"placed on {placed}" if placed else f"due on {arrival}"
            return f"{wid}, {due}, was {late} days late on {since}, not {days}"
        if since == as_of and had_bed and (had_bed == "yes") != (wid in bedded):
            return (
                f"{wid} counted a no-show on {since} as {'having had' if had_bed == 'yes' else 'never given'} "
                f"a bed, {'not ' if wid not in bedded else ''}in a bed of the previous plan ({_PREVIOUS[0]})"
            )
        if since < as_of and before.get(wid) != "not_checked_in":
            return f"{wid} counted a no-show on {since}, yet not one in the previous plan ({_PREVIOUS[1]})"
        if since == as_of and said is not None and str(said) != days:
            return (
                f"{wid} released after {days} days, the intake's release_bed_after_days is {said}"
            )
    return ""


def _reason_contradiction(r: _Run, code: str, unit: list[str], held: Held) -> str:
    """What contradicts a proven waitlist reason of the unit (its group, or one person), or ''."""
    h = r.cfg.get("housing", {})
    partial = bool(h.get("partial_stays", False))
    min_nights, share = int(h.get("min_overlap_nights", 1)), float(h.get("min_overlap_share", 0))
    cap_s = int(h.get("max_commute_min", 60)) * 60
    w = r.workers[unit[0]]
    people = [r.workers[x] for x in unit]
    section = w["section"]
    farms = sorted({_work_farm(m) for m in people} - {""})
    pin = w.get("pinned_foresteria") or ""

    def nights(m: dict[str, str], f: dict[str, Any]) -> tuple[date, ...]:
        return _stay_nights(
            m["arrival"], _leaves(r, m), *((f["open_from"], f["open_to"]) if partial else ())
        )

    def commute_ok(fid: str) -> bool:
        return pin == fid or all(r.secs[fid, farm] <= cap_s for farm in farms)

    def avoid_ok(fid: str) -> bool:
        return not any(fid in _avoid(m) for m in people)

    def open_ok(fid: str) -> bool:
        f = r.fs[fid]
        there: set[date] = set()  # a group's nights there: at least one member's (MEDIUM-5)
        most = 1
        for m in people:
            if not partial:
                if _day(m["arrival"]) < _day(f["open_from"]) or _day(_leaves(r, m)) > _day(
                    f["open_to"]
                ) + timedelta(days=1):
                    return False
                continue
            mine = nights(m, f)
            if not mine:
                return False  # a member with no night there
            there.update(mine)
            stay = (_day(_leaves(r, m)) - _day(m["arrival"])).days
            most = max(most, min_nights, math.ceil(share * stay - 1e-9))
        return not partial or len(there) >= (1 if pin == fid else most)

    copy = people if w.get("group_id") else people[:1]  # one copy of a class of equals
    # accessible beds a copy needs: the most accessible people present on one night (members of
    # a group whose stays do not overlap can use the same accessible bed in turn)
    present: Counter[date] = Counter()
    for m in copy:
        if _truthy(m.get("accessible")):
            a, b = _day(m["arrival"]), _day(m["departure"])
            present.update(a + timedelta(days=k) for k in range((b - a).days))
    acc_need = max(present.values(), default=0)
    ids = sorted(r.fs)
    near = [f for f in ids if commute_ok(f) and avoid_ok(f) and (not pin or f == pin)]
    opened = [f for f in near if open_ok(f)]
    with_section = [f for f in opened if r.beds(f, section) > 0]
    fitting = [f for f in with_section if int(r.fs[f]["beds_accessible"]) >= acc_need]
    why = ""
    if code == "not_checked_in":
        return _no_show_contradiction(r, unit)
    if code == "far":
        ok = [f for f in ids if commute_ok(f)]
        if ok:
            why = f"{ok[0]} is within {cap_s // 60} min of farm {', '.join(farms)}"
    elif code == "placement":  # the sites to avoid are why: no other one would take the unit
        if fitting:
            why = "a foresteria within reach is not a site to avoid"  # and would take the unit
    elif code == "unsuitable":  # published for placement, no_section and no_accessible
        if fitting:
            why = f"{fitting[0]} is within reach, open for the stay and has the beds"
    elif code == "closed":  # among every site in reach, sites to avoid too (review 15)
        opened_any = [f for f in ids if commute_ok(f) and (not pin or f == pin) and open_ok(f)]
        if opened_any:
            why = f"{opened_any[0]} is within reach and open for the stay"
    elif code == "too_short":  # a rule, whatever the sites: pinned stays have no minimum
        as_of = _as_of(r)
        # the unit's stay: a group's is the nights at least one member is there (MEDIUM-5)
        short = len(
            {d for m in copy for d in range(_ord(max(m["arrival"], as_of)), _ord(_leaves(r, m)))}
        )
        if not partial:
            why = "stays are housed whole: no minimum of nights applies"
        elif pin:
            why = f"the unit is pinned to {pin}: a pinned stay has no minimum of nights"
        elif short >= min_nights:
            whose = "the group's stay" if w.get("group_id") else "the stay"
            why = f"{whose} lasts {short} nights, at least {min_nights}"
    elif code == "no_section":
        if with_section:
            why = f"{with_section[0]} has {section} beds and is open for the stay"
    elif code == "no_accessible":
        if with_section and any(int(r.fs[f]["beds_accessible"]) >= acc_need for f in with_section):
            why = "a foresteria within reach has the accessible beds"
    elif code in ("full", "outranked", "too_large") and (r.priority_known or code == "too_large"):
        # `full` and `outranked` say who holds the beds by priority: unknown priorities are not
        # all 0 (a bed given to a lower priority would read as "equal"): said by _NEEDS_PRIORITY
        p = max(_priority(r, x) for x in unit)
        floor = {"full": p, "outranked": p + 1, "too_large": 4}[code]
        # Options of two (a transfer at the first's closing, where the scenario allows them)
        # are not enumerated: such an option's first part is the stay's nights while its first
        # foresteria is open, the nights of the one-foresteria option there (partial stays,
        # `nights`), and its two parts are at two foresterie. So a pair has room only if the
        # option of its first foresteria alone has room: once every option of one foresteria is
        # full, so is every pair (the pairs were 1.3 of 13 CPU s of the 5,000-worker season's
        # verifier, their number the square of the foresterie within reach: session 16).
        if not fitting:
            why = "no foresteria within reach has a bed of the kind: nothing is full"
        counted: dict[tuple[str, date, str, int, bool], int] = r.memo.setdefault("taken", {})

        def room(fid: str, d: date, kind: str, beds: int, n: int) -> bool:
            # `full`: pinned people hold their beds whatever their priority; `outranked`
            # says people of higher priority hold them, `too_large` that nobody does.
            # Counted once per bed-night and rule: units of one priority ask the same.
            key = (fid, d, kind, floor, code == "full")
            taken = counted.get(key)
            if taken is None:
                taken = counted[key] = sum(
                    1
                    for q, pinned in held[fid, d.isoformat(), kind]
                    if q >= floor or (pinned and code == "full")
                )
            return beds - taken >= n

        # The beds the copy needs each night (people, accessible), counted once per stay's
        # nights: they depend on a foresteria only through its opening dates (partial stays),
        # and the foresterie within reach grow with the season (18 at 20,000 workers).
        shapes: dict[tuple[Any, Any] | None, list[tuple[date, int, int]]] = {}
        for fid in fitting:
            f = r.fs[fid]
            shape = (f["open_from"], f["open_to"]) if partial else None
            nightly = shapes.get(shape)
            if nightly is None:
                need: dict[date, list[int]] = defaultdict(lambda: [0, 0])
                for m in copy:
                    accessible = int(_truthy(m.get("accessible")))
                    for d in nights(m, f):
                        cell = need[d]
                        cell[0] += 1
                        cell[1] += accessible
                nightly = shapes[shape] = [(d, n, a) for d, (n, a) in need.items()]

            beds, beds_acc = r.beds(fid, section), int(f["beds_accessible"])
            if all(
                room(fid, d, section, beds, n)
                and (not a or room(fid, d, "accessible", beds_acc, a))
                for d, n, a in nightly
            ):
                why = f"{fid} has room in {section} beds on every night of the stay"
                break
    return why


# Housing tiers whose objective is a figure of the plan itself: tier -> KPI (README "Housing
# model"). Others (contract tiers, kept in place) and every bound stay the solver's claim.
TIER_KPIS = {
    **{f"housed_priority_{p}": f"housed_by_priority.{p}" for p in range(4)},
    "bed_nights": "bed_nights_used",
    "transfers": "transferred",
    "peak_permille": "peak_occupancy_permille",
    "commute_s": "commute_minutes",
}


# Tiers that maximise (people housed, kept in place, bed-nights); every other one minimises.
_MAXIMISED = r"housed_priority_\d(_contract|_present)?|kept_in_place|bed_nights"


DAY_RECORDS = ("day.json", "intake.json")  # what a day run or an intake run records of itself


# What a run folder holds at its top (README, "Run folder"): a day or intake run's record, and
# an operator view's OPERATOR.md, besides the season's parts. Anything else was slipped in:
# nothing vouches for it, and whoever publishes the folder publishes it (review 13: a names.csv
# beside the plan passed verify and replay).
RUN_ENTRIES = frozenset(
    {"manifest.json", "report.json", "inputs", "plan", "restricted", "report"}
    | {"day.json", "intake.json", "OPERATOR.md"}
)


def _check_entries(r: _Run, out: list[str]) -> None:
    out += [
        f"not part of a run: {name[:80]!r} at the run folder's top (nothing vouches for it)"
        for name in sorted(os.listdir(r.root))
        if name not in RUN_ENTRIES
    ]


def _check_day_records(r: _Run, out: list[str]) -> None:
    """A day run's day.json and an intake run's intake.json (README "Daily operations"): each
    is vouched for by the manifest (`records`, its sha256), or it is a violation: edited,
    missing, or slipped into a run that records none. What the run itself says is recomputed
    too: a day run's date is its scenario's one day (purge reads it there), an intake's the
    day its re-plan is as of."""
    listed = r.manifest.get("records", {})
    if not isinstance(listed, dict):
        raise Unreadable("manifest.json: records: not an object of file hashes")
    for name in sorted(listed):
        if _plain_name(name, "manifest.json: records") not in DAY_RECORDS:
            out.append(f"manifest.json: records: {name[:60]!r} is not a run's record")
        elif not (r.root / name).exists():
            out.append(f"{name}: in the manifest, not in the folder")
        elif _sha(r.root, name) != listed[name]:
            out.append(f"{name} changed after solving (hash differs from the manifest)")
    for name in DAY_RECORDS:
        if name not in listed and ((r.root / name).exists() or (r.root / name).is_symlink()):
            out.append(f"{name}: not in the manifest (nothing vouches for it)")
    if "day.json" in listed and (r.root / "day.json").exists():
        said = _json(r.root, "day.json")
        sc = r.cfg["scenario"]
        day = str(said.get("date")) if isinstance(said, dict) else None
        if day != str(sc["season_start"]) or day != str(sc["season_end"]):
            out.append(
                f"day.json: date {str(day)[:40]}, the run's scenario plans "
                f"{sc['season_start']}..{sc['season_end']}"
            )
        if isinstance(said, dict) and "heat_alert" in said:
            out += _heat_alert_said(said["heat_alert"], str(day), r)
    if "intake.json" in listed and (r.root / "intake.json").exists():
        said = _json(r.root, "intake.json")
        replan = r.manifest.get("replan")
        as_of = replan.get("as_of") if isinstance(replan, dict) else None
        day = str(said.get("date")) if isinstance(said, dict) else None
        if day != str(as_of):
            out.append(f"intake.json: date {str(day)[:40]}, the run re-plans as of {as_of}")


# Who decided a day run's heat alert (README "Daily operations": `foresterie day --heat-alert`,
# `--no-heat-alert`, the ledger's last heat_alert row of the day, else the season's list).
HEAT_SOURCES = ("--heat-alert", "--no-heat-alert", "ledger", "season")


def _heat_alert_said(heat: Any, day: str, r: _Run) -> list[str]:
    """day.json's heat alert against the run's own scenario (inputs/scenario.toml, vouched for
    by the manifest, what the plan's windows were checked with): declared only on a heat-alert
    day of the run, lifted only on another; and consistent with what it says decided it (an
    option says its own answer; the season's list, `in_season_list`)."""
    where = "day.json: heat_alert"
    if not isinstance(heat, dict) or not isinstance(heat.get("day"), bool):
        return [f"{where}: not an object whose day is true or false"]
    hot, source = heat["day"], heat.get("from")
    listed = str(day) in _rules(r)[5]
    out = []
    if hot != listed:
        out.append(
            f"{where}.day: {str(hot).lower()} (alert {'declared' if hot else 'lifted'}), yet "
            f"{day} is {'' if listed else 'not '}a heat-alert day of the run's scenario "
            "(inputs/scenario.toml [transport] heat_alert_days)"
        )
    if source not in HEAT_SOURCES:
        out.append(f"{where}.from: {str(source)[:40]!r}, not one of {', '.join(HEAT_SOURCES)}")
    elif (source, hot) in (("--heat-alert", False), ("--no-heat-alert", True)) or (
        source == "season" and heat.get("in_season_list") is not hot
    ):
        out.append(
            f"{where}: day {str(hot).lower()} from {source}"
            + (f" (in_season_list {heat.get('in_season_list')})" if source == "season" else "")
            + ": the source says otherwise"
        )
    return out


def _check_record(r: _Run, out: list[str]) -> None:
    """The manifest's seed and budgets are those of inputs/scenario.toml, which a replay solves
    with: a manifest that says otherwise misstates how the plan was made (keys the scenario
    leaves to their defaults are not compared: the defaults are the solver's, not ours)."""
    seed, said = r.manifest.get("seed"), r.cfg["scenario"]["seed"]
    if seed != said or isinstance(seed, bool):
        out.append(
            f"manifest differs from inputs/scenario.toml: seed {seed!r}, the scenario {said}"
        )
    budgets, solver = r.manifest.get("budgets", {}), r.cfg.get("solver", {})
    if isinstance(budgets, dict) and isinstance(solver, dict):
        for k in sorted(set(budgets) & set(solver)):
            if budgets[k] != solver[k] or type(budgets[k]) is not type(solver[k]):
                out.append(
                    f"manifest differs from inputs/scenario.toml: budgets.{k} "
                    f"{str(budgets[k])[:40]!r}, the scenario {str(solver[k])[:40]!r}"
                )


# The previous plan a re-plan reads (run/folders.py copies it into inputs/ with these names).
_PREVIOUS = ("previous_assignments.csv", "previous_waitlist.csv")
# ... and what the previous run planned its nights with (run/folders.py; _restarts)
_PREVIOUS_INPUTS = ("previous_foresterie.geojson", "previous_workers.csv")
# ... and whose stay rules began again on a re-plan's date (housing/replan.py RESTARTS)
_RESTARTS = "restarts.csv"
# ... and the days someone was left behind before its date (run/pipeline.py writes it)
_LEFT_BEHIND = "previous_left_behind.csv"
# ... and who moved on request from its date (an intake's; housing/replan.py MOVES)
_MOVES = "moves.csv"
# ... and who a booking has at work on a day their farm's calendar closes (an intake's)
_WORKED = "worked_days.csv"

# ... and an intake's no-shows and placements (housing/replan.py NO_SHOWS, PLACEMENTS)
_NO_SHOWS, _PLACEMENTS = "no_shows.csv", "placements.csv"
# inputs/scenario.toml's first line: the backend whose travel matrix the snapshot records.
_SNAPSHOT_HEADER = re.compile(
    r"# Snapshot of scenario .* as solved; travel is the recorded (\S+) matrix\."
)


def _past_nights_changed(r: _Run, as_of: str) -> list[str]:
    """A re-plan keeps every night before its date as the previous plan had it (README
    "Re-planning mid-season"): per person, the foresteria and section of each night before
    `as_of` in plan/assignments.csv against inputs/previous_assignments.csv (the plan the
    re-plan read); nobody the previous plan did not house is in a bed on such a night. One line
    per person, at the first night that differs."""
    cut = _ord(as_of)
    never = _no_shows(r)  # an intake's no-shows: their held bed was never slept in

    def nights(rows: list[dict[str, str]], stays: bool) -> dict[str, dict[int, tuple[str, str]]]:
        got: dict[str, dict[int, tuple[str, str]]] = defaultdict(dict)
        for a in rows:
            first, end = _ord(a["from"]), min(_ord(a["to"]), cut)
            w = r.workers.get(a["worker_id"])
            if stays:  # the previous plan's nights inside the stay this run records
                if w is None or a["worker_id"] in never:
                    continue  # not in this run's people (someone gone), or never came
                gone = r.released.get(a["worker_id"], _day(w["departure"])).toordinal()
                first, end = max(first, _ord(w["arrival"])), min(end, gone)
            for d in range(first, end):
                got[a["worker_id"]][d] = (a["foresteria_id"], a["section"])
        return got

    was = nights(_rows(r.root, f"inputs/{_PREVIOUS[0]}"), True)
    known = {a["worker_id"] for a in _rows(r.root, f"inputs/{_PREVIOUS[0]}")}
    now = nights(r.assign, False)
    out = []
    for wid in sorted(set(was) | set(now)):
        if wid not in known:
            first = date.fromordinal(min(now[wid])).isoformat()
            out.append(
                f"plan/assignments.csv: {wid} in a bed from {first}, before the re-plan's date "
                f"{as_of}, and not in inputs/{_PREVIOUS[0]}: nights that are over"
            )
            continue
        a, b = was.get(wid, {}), now.get(wid, {})
        if a != b:
            d = min(n for n in set(a) | set(b) if a.get(n) != b.get(n))
            was_d, now_d = ("/".join(v[d]) if d in v else "no bed" for v in (a, b))
            out.append(
                f"plan/assignments.csv: {wid} on {date.fromordinal(d)}, before the re-plan's date "
                f"{as_of}: {now_d}, the previous plan (inputs/{_PREVIOUS[0]}) had {was_d}: a "
                "night that is over changed"
            )
    return out


_CHANGES = "replan_changes.csv"


def _replan_changes_wrong(r: _Run, as_of: str, replan: dict[str, Any]) -> list[str]:
    """A re-plan's plan/replan_changes.csv (README "Re-planning mid-season") recomputed: each
    resident (arrived before `as_of`, housed in inputs/previous_assignments.csv, not a no-show)
    whose beds from `as_of` on differ from the previous plan's, `worker_id, was, now` with the
    spans `F from..to` from the date on (';' between them); and manifest.json's
    `replan.residents_changed` its count. Session 20, C: a row forged into it (a resident said
    moved who was not) and the count passed, though the coordinator reads who was moved there."""
    rel = f"plan/{_CHANGES}"
    if not (r.root / rel).exists():
        return []  # a re-plan from before the file
    never = _no_shows(r)

    def ahead(rows: list[dict[str, str]]) -> str:
        spans = sorted((max(a["from"], as_of), a["to"], a["foresteria_id"]) for a in rows)
        return ";".join(f"{f} {a}..{d}" for a, d, f in spans if d > as_of)

    was: dict[str, list[dict[str, str]]] = defaultdict(list)
    for a in _rows(r.root, f"inputs/{_PREVIOUS[0]}"):
        was[a["worker_id"]].append(a)
    now: dict[str, list[dict[str, str]]] = defaultdict(list)
    for a in r.assign:
        now[a["worker_id"]].append(a)
    residents = [
        wid
        for wid in sorted(r.workers)
        if r.workers[wid]["arrival"] < as_of and wid in was and wid not in never
    ]
    want = {
        wid: (ahead(was[wid]), ahead(now[wid]))
        for wid in residents
        if ahead(was[wid]) != ahead(now[wid])
    }
    said: dict[str, tuple[str, str]] = {}
    out = []
    for row in _rows(r.root, rel):
        if row["worker_id"] in said:
            out.append(f"{rel} wrong: {row['worker_id']} listed twice")
        said[row["worker_id"]] = (row["was"], row["now"])
    for wid in sorted(set(want) | set(said)):
        if want.get(wid) != said.get(wid):
            told = "no row" if wid not in said else "was {!r}, now {!r}".format(*said[wid])
            real = "no change" if wid not in want else "was {!r}, now {!r}".format(*want[wid])
            out.append(
                f"{rel} wrong: {wid}: says {told}; the previous plan and this one give {real}"
            )
    count = replan.get("residents_changed")
    if count is not None and count != len(said):
        out.append(
            f"manifest.json: replan.residents_changed {str(count)[:40]}, {rel} lists {len(said)}"
        )
    return out


def _no_show_records(r: _Run, as_of: Any) -> list[str]:
    """An intake's inputs/no_shows.csv and inputs/placements.csv against the plan: only in a
    re-plan; each no-show is one of the run's people, waitlisted `not_checked_in` and in no bed
    (their reason's figures are `_no_show_contradiction`'s); each placement is one of the run's
    people, dated no later than the re-plan's date."""
    out: list[str] = []
    for name in (_NO_SHOWS, _PLACEMENTS):
        if (r.root / "inputs" / name).is_file() and as_of is None:
            out.append(f"inputs/{name}: an intake's, and manifest.json's replan.as_of is null")
    if as_of is None:
        return out
    codes = {e["worker_id"]: e["code"] for e in r.wait}
    housed = {a["worker_id"] for a in r.assign}
    for wid in sorted(_no_shows(r)):
        if wid not in r.workers:
            out.append(f"inputs/{_NO_SHOWS}: {wid} is not in inputs/workers.csv")
        elif wid in housed:
            out.append(f"plan/assignments.csv: {wid} in a bed, a no-show of inputs/{_NO_SHOWS}")
        elif codes.get(wid) != "not_checked_in":
            out.append(
                f"plan/waitlist.csv: {wid} is {codes.get(wid, 'not waitlisted')!r}, a no-show of "
                f"inputs/{_NO_SHOWS} (not_checked_in)"
            )
    rel = f"inputs/{_PLACEMENTS}"
    for x in _rows(r.root, rel) if (r.root / rel).is_file() else []:
        if x["worker_id"] not in r.workers:
            out.append(f"{rel}: {x['worker_id']} is not in inputs/workers.csv")
        elif x["from"] > str(as_of):
            out.append(f"{rel}: {x['worker_id']} placed from {x['from']}, after {as_of}")
    return out


def _check_replan_record(r: _Run, out: list[str]) -> None:
    """What the manifest says of how the run was made and no plan file shows: `replan.as_of`
    (the day day runs and intakes take the run as their season run on) only with the previous
    plan the re-plan read in inputs/, and that plan only with a date; in a re-plan, nobody the
    previous plan did not house is in a bed before the date; the travel backend named in
    `scenario` and `travel` is the one inputs/scenario.toml's header records."""
    replan = r.manifest.get("replan") or {}
    as_of = replan.get("as_of") if isinstance(replan, dict) else None
    kept = [n for n in _PREVIOUS if (r.root / "inputs" / n).exists()]
    missing = [n for n in _PREVIOUS if n not in kept]
    if as_of is not None and missing:
        out.append(
            f"manifest.json: replan.as_of {str(as_of)[:40]}, and inputs/ has no "
            f"{' or '.join(missing)} (the previous plan a re-plan reads)"
        )
    elif as_of is None:
        out += [
            f"inputs/{n}: a previous plan, and manifest.json's replan.as_of is null" for n in kept
        ]
    if as_of is not None and _PREVIOUS[0] in kept:
        out += _past_nights_changed(r, str(as_of))
        out += _replan_changes_wrong(r, str(as_of), replan)
    file = _restart_file(r)
    if as_of is None and file:
        out.append(f"inputs/{_RESTARTS}: restarts on a re-plan's date, and replan.as_of is null")
    elif file or (as_of is not None and _restarts(r)):
        own = _restarts(r)
        said = {w: v for w, v in file.items() if v[0] >= str(as_of)}

        def told(v: tuple[str, str] | None) -> str:
            return "no restart" if v is None else f"rules from {v[0]}" + (v[1] and f" at {v[1]}")

        for wid in sorted(set(own) | set(said)):
            if own.get(wid) != said.get(wid):
                out.append(
                    f"inputs/{_RESTARTS}: {wid}: {told(said.get(wid))}, the nights before "
                    f"{str(as_of)[:40]} and the inputs show {told(own.get(wid))}"
                )
    given = [n for n in _PREVIOUS_INPUTS if (r.root / "inputs" / n).exists()]
    if as_of is None:
        out += [
            f"inputs/{n}: the previous run's inputs, and manifest.json's replan.as_of is null"
            for n in given
        ]
    elif len(given) == 1:
        other = next(n for n in _PREVIOUS_INPUTS if n not in given)
        out.append(f"inputs/{given[0]} without inputs/{other}: the previous run's inputs, together")
    behind = _previous_left_behind(r)
    if as_of is None and (r.root / "inputs" / _MOVES).is_file():
        out.append(f"inputs/{_MOVES}: moves from a re-plan's date, and replan.as_of is null")
    elif (r.root / "inputs" / _MOVES).is_file():
        out += [
            f"inputs/{_MOVES}: {m['worker_id']} moved on {m['from']}, after the re-plan's date "
            f"{str(as_of)[:40]}"
            for m in _rows(r.root, f"inputs/{_MOVES}")
            if m["from"] > str(as_of)
        ]
    out += _no_show_records(r, as_of)
    if as_of is None and (r.root / "inputs" / _LEFT_BEHIND).is_file():
        out.append(
            f"inputs/{_LEFT_BEHIND}: days left behind before a re-plan's date, and "
            "manifest.json's replan.as_of is null"
        )
    late = [x for x in behind if as_of is not None and x["day"] >= str(as_of)]
    if late:
        out.append(
            f"inputs/{_LEFT_BEHIND}: {late[0]['worker_id']} left behind on {late[0]['day']}, "
            f"not a day before the re-plan's date {str(as_of)[:40]} (and {len(late) - 1} more)"
        )
    head = _utf8(_read(r.root, "inputs/scenario.toml"), "inputs/scenario.toml").split("\n", 1)[0]
    recorded = _SNAPSHOT_HEADER.fullmatch(head.lstrip("\ufeff").rstrip("\r"))
    if recorded is None:
        return  # not a snapshot solve wrote: nothing to compare the manifest with
    for part in ("scenario", "travel"):
        said = r.manifest.get(part)
        key = "travel_backend" if part == "scenario" else "backend"
        if isinstance(said, dict) and key in said and said[key] != recorded[1]:
            out.append(
                f"manifest.json: {part}.{key} {str(said[key])[:40]!r}, inputs/scenario.toml "
                f"records the {recorded[1]} matrix"
            )


def _check_claims(r: _Run, out: list[str]) -> None:
    """The solver's claims agree with the plan and with themselves: each tier's objective
    recomputed from the plan (where it is a figure of the plan), 'optimal' only with the
    objective at its bound and no gap, never beyond the bound; the manifest's chaining_optimal
    is what fleet_days.csv says day by day. Bounds themselves are not re-derived: the report
    says so."""
    tiers = r.manifest.get("housing", {}).get("tiers", [])
    with _malformed("plan/housing.json"):
        sense = {t["name"]: t.get("sense") for t in _published_json(r, "housing.json")["tiers"]}
    mine = recompute_kpis(r)["housing"]
    for t in tiers:
        name = t["name"]
        sealed_here = [k for k in _TIER_FIGURES if t.get(k) is not None]
        if r.tiers_split and _sealed_kpi(name):
            if sealed_here:
                out.append(
                    f"manifest.json publishes tier {name}'s {', '.join(sealed_here)} beside the "
                    f"plan's ids: people of a priority housed, kept in restricted/{_TIERS} "
                    '(README, "Restricted part and encryption")'
                )
                continue
            if r.sealed_tiers is None:
                continue  # the restricted part cannot be read here: said by _NEEDS_TIERS
            if name not in r.sealed_tiers:
                out.append(f"restricted/{_TIERS} wrong: tier {name} is missing")
                continue
            t = t | {k: r.sealed_tiers[name][k] for k in _TIER_FIGURES}
        elif len(sealed_here) < len(_TIER_FIGURES):
            out.append(f"manifest.json: tier {name} has no objective, bound or gap")
            continue
        obj, bound, gap = t["objective"], t["bound"], float(t["gap"])
        kind = "max" if re.fullmatch(_MAXIMISED, name) else "min"
        if sense.get(name) != kind:  # the direction of the bound check below
            out.append(
                f"solver claim wrong: tier {name} says it is a {sense.get(name)}, not {kind}"
            )
        if t["optimal"] and (obj != bound or gap != 0):
            out.append(
                f"solver claim contradicts itself: tier {name} says optimal with objective "
                f"{obj}, bound {bound}, gap {gap}"
            )
        if (sense.get(name) == "max" and obj > bound) or (sense.get(name) == "min" and obj < bound):
            out.append(
                f"solver claim contradicts itself: tier {name} objective {obj} beyond its bound {bound}"
            )
        key = TIER_KPIS.get(name)
        if key is None or (key.startswith("housed_by_priority") and not r.priority_known):
            continue  # priorities sealed in the restricted part: said by verify_report
        expect: Any = mine
        for part in key.split("."):
            expect = expect[part]
        same = abs(obj / 60 - expect) <= 0.051 if name == "commute_s" else obj == expect
        if not same:
            shown = f"{expect} min" if name == "commute_s" else expect
            out.append(
                f"solver claim wrong: tier {name} says objective {obj}, the plan gives {shown}"
            )
    named = {t["name"] for t in tiers}
    for name in sorted(set(r.sealed_tiers or {}) - named) + sorted(
        x for x in (r.sealed_tiers or {}) if x in named and not _sealed_kpi(x)
    ):
        out.append(f"restricted/{_TIERS} wrong: {name} is not a tier by priority of this run")
    days = [row["chaining_optimal"] == "yes" for row in _rows(r.root, "plan/fleet_days.csv")]
    claimed = r.manifest.get("shuttles", {}).get("chaining_optimal")
    if claimed is not None and claimed != all(days):
        out.append(
            f"solver claim differs from fleet_days.csv: chaining_optimal {claimed}, "
            f"{days.count(False)} days not proven optimal"
        )


# ------------------------------------------------------------------ the season monitor
#
# `foresterie monitor --verify FOLDER`: every figure of a monitor folder recomputed from the
# inputs its manifest names (the season run, the ledger up to its recorded head, the day runs),
# read here with the standard library only, and compared with monitor.csv and days.csv row by
# row (README "Monitoring"). Nothing is shared with ops/monitor.py.

_LEDGER_COLUMNS = (
    "kind",
    "day",
    "worker_id",
    "farm_id",
    "vehicle_id",
    "origin",
    "leg",
    "booked_by",
    "at_time",
    "note",
    "source",
)
_PEOPLE = {
    "taken_in",
    "turned_away",
    "overflow",
    "bed_nights",
    "worker_days",
    "unserved",
    "no_shows",
}


LEDGER_URL_ENV = "FORESTERIE_LEDGER_URL"  # the ledger, when none is given (as the other commands)


def _is_url(target: str) -> bool:
    return target.split("://", 1)[0].lower() in ("postgresql", "postgres")


def _url_parts(url: str) -> tuple[str, str, str, list[str]]:
    """(scheme, user part, host and path, query items) of a URL, not decoded."""
    scheme, _, rest = url.partition("://")
    ends = [i for i in (rest.find("/"), rest.find("?")) if i >= 0]
    authority, tail = (rest[: min(ends)], rest[min(ends) :]) if ends else (rest, "")
    user, at, host = authority.rpartition("@")
    path, _, query = tail.partition("?")
    return scheme, user if at else "", (host if at else authority) + path, query.split("&")


def _is_password(item: str) -> bool:
    from urllib.parse import unquote

    key, eq, _ = item.partition("=")
    return bool(eq) and unquote(key).strip().lower() == "password"


def _url_shown(url: str, secret: str = "***") -> str:
    """The URL with its password (user part or `password=`) replaced by `secret`; an empty
    `secret` leaves it out, so libpq reads PGPASSWORD or ~/.pgpass (a recorded URL, redacted)."""
    scheme, user, host, items = _url_parts(url)
    if ":" in user:
        name = user.split(":", 1)[0]
        user = f"{name}:{secret}" if secret else name
    items = [
        (f"{i.partition('=')[0]}={secret}" if secret else "") if _is_password(i) else i
        for i in items
    ]
    query = "&".join(i for i in items if i)
    return f"{scheme}://{user + '@' if user else ''}{host}" + (f"?{query}" if query else "")


def _scrubbed(message: object, url: str) -> str:
    """A driver's message on one line, with no spelling of the URL's password in it."""
    from urllib.parse import unquote

    _, user, _, items = _url_parts(url)
    secrets = {user.split(":", 1)[1]} if ":" in user else set()
    secrets |= {i.partition("=")[2] for i in items if _is_password(i)}
    secrets |= {unquote(x) for x in secrets}
    text = " ".join(str(message).split())
    for x in sorted((x for x in secrets if x), key=len, reverse=True):
        text = text.replace(x, "***")
    return text


def _ledger_select(
    execute: Any, columns: set[str], placeholder: str, upto: int
) -> tuple[list[tuple[Any, ...]], dict[str, str]]:
    """Rows 1..upto (seq, fields, payload hash, prev_hash, hash) and ledger_meta, through a
    DB-API `execute` (sqlite3's or psycopg's) inside the caller's snapshot."""
    purged = "payload_hash" if "payload_hash" in columns else "''"  # before schema 3: none
    rows = execute(
        f"SELECT seq, {', '.join(_LEDGER_COLUMNS)}, {purged}, prev_hash, hash FROM ledger_events "
        f"WHERE seq <= {placeholder} ORDER BY seq",
        (upto,),
    ).fetchall()
    meta = {str(k): str(v) for k, v in execute("SELECT key, value FROM ledger_meta").fetchall()}
    return rows, meta


def _ledger_table(target: str, upto: int) -> tuple[list[tuple[Any, ...]], dict[str, str]]:
    """Rows 1..upto and ledger_meta (`_ledger_select`) from one snapshot: a SQLite file opened
    read-only, or a PostgreSQL database (psycopg, a REPEATABLE READ READ ONLY transaction, so
    offices may append meanwhile). Unreadable (exit 2) when it cannot be read; no password is
    shown."""
    if not _is_url(target):
        import sqlite3

        path = Path(target)
        if not path.is_file():
            raise Unreadable(f"{path}: no such ledger")
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            conn.execute("BEGIN")  # one snapshot: the rows and the recorded head
            names = {str(c[1]) for c in conn.execute("PRAGMA table_info(ledger_events)")}
            return _ledger_select(conn.execute, names, "?", upto)
        except sqlite3.Error as exc:
            raise Unreadable(f"{path}: {exc}") from None
        finally:
            conn.close()
    import psycopg

    try:
        with psycopg.connect(target, connect_timeout=10) as pg:
            pg.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            names = {
                str(c[0])
                for c in pg.execute(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_schema = current_schema() AND table_name = 'ledger_events'"
                )
            }
            found = _ledger_select(pg.execute, names, "%s", upto)
            pg.rollback()  # read only: nothing to commit
            return found
    except psycopg.Error as exc:
        raise Unreadable(f"{_url_shown(target)}: {_scrubbed(exc, target)}") from None


def _ledger_rows(
    target: str, upto: int, head: str, out: list[str]
) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The ledger's rows 1..upto, read-only (`_ledger_table`), with the hash chain checked up
    to the recorded head (this module's own copy of the chain rule). Rows from `hash_v3_from`
    on (schema 3): sha256 of [seq, previous hash, kind, day, sha256 of the other fields], the
    stored payload hash standing for a purged row's fields, which must then all be empty;
    earlier rows: sha256 of [seq, previous hash, fields]."""

    def sha(values: list[Any]) -> str:
        text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    rows, meta = _ledger_table(target, upto)
    v3_from = int(meta.get("hash_v3_from", upto + 1))
    prev, seq = "0" * 64, 0
    events = []
    for r in rows:
        values = dict(zip(_LEDGER_COLUMNS, (str(x) for x in r[1:-3]), strict=True))
        n, stored = int(r[0]), str(r[-3])
        payload = [v for k, v in values.items() if k not in ("kind", "day")]
        if n >= v3_from:
            expect = sha([n, str(r[-2]), values["kind"], values["day"], stored or sha(payload)])
        else:
            expect = sha([n, str(r[-2]), *values.values()])
        if n != seq + 1 or str(r[-2]) != prev:
            out.append(f"ledger row {r[0]}: does not follow row {seq} (chain broken)")
        if expect != str(r[-1]):
            out.append(f"ledger row {r[0]}: content does not match its hash (edited)")
        elif stored and any(payload):
            out.append(f"ledger row {r[0]}: purged, yet it holds a payload (edited)")
        prev, seq = str(r[-1]), n
        values["purged"] = "yes" if stored else ""
        events.append(values)
    if (seq, prev) != (upto, head):
        out.append(
            f"ledger: row {upto} with head {head[:16]} recorded by the monitor is not there "
            f"(found row {seq}, {prev[:16]})"
        )
    return events, meta


def _plan_days(run: Path, fleet: dict[str, dict[str, str]]) -> dict[str, dict[str, Any]]:
    """Per day of a run's plan: worker-days on morning trips, unserved worker-days by code,
    rider-minutes aboard at stops and rider-trips, cost (fixed per vehicle-day + km x EUR/km)."""
    days: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "wd": 0,
            "uns": defaultdict(int),
            "wait": 0,
            "rt": 0,
            "cost": 0.0,
            "veh": defaultdict(int),  # vehicle -> riders of its morning trips
            "who": defaultdict(list),  # vehicle -> those riders by name (riders.csv)
        }
    )
    trips = _rows(run, "plan/trips.csv")
    by_trip: dict[str, list[dict[str, str]]] = defaultdict(list)
    for s in _rows(run, "plan/stops.csv"):
        by_trip[s["trip_id"]].append(s)
    names: dict[str, list[str]] = defaultdict(list)
    for x in _rows(run, "plan/riders.csv"):
        names[x["trip_id"]].append(x["worker_id"])
    used = set()
    for t in trips:
        d = days[t["day"]]
        if t["direction"] == "to_farm":
            d["wd"] += int(t["riders"])
            d["veh"][t["vehicle_id"]] += int(t["riders"])
            d["who"][t["vehicle_id"]] += names[t["trip_id"]]
        if t["vehicle_id"]:
            used.add((t["day"], t["vehicle_id"]))
            d["cost"] += float(t["km"]) * float(fleet[t["vehicle_id"]]["cost_eur_per_km"])
        ss = sorted(by_trip[t["trip_id"]], key=lambda s: int(s["seq"]))
        for j, s in enumerate(ss):
            mine = ss[: j + 1] if t["direction"] == "to_farm" else ss[j + 1 :]
            n = int(s["board"]) + int(s["alight"])
            d["wait"] += n * sum(int(x["idle_min"]) for x in mine)
            d["rt"] += n
    for day, v in used:
        days[day]["cost"] += float(fleet[v]["fixed_cost_eur_per_day"])
    for u in _rows(run, "plan/unserved.csv"):
        days[u["day"]]["uns"][u["code"]] += int(u["worker_days"])
    return days


def _monday_on_or_after(d: date) -> date:
    return d + timedelta(days=-d.weekday() % 7)


def _week(d: date) -> str:
    iso = d.isocalendar()
    return f"{iso[0]}-W{iso[1]:02d}"


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    return str(v) if isinstance(v, int) else f"{v:.2f}"


def _hide(raw: list[list[Any]]) -> dict[tuple[str, str, str, int], str]:
    """Cells not to publish (README "Monitoring", small cells): "<5" for 1..4 people in a
    breakdown, then "*" until no line that sums to a published figure (a week's sites, sections
    or reasons; a category's weeks and season) hides exactly one cell: the smallest other one
    (non-zero first, then by week and breakdown) is hidden too."""
    tables: dict[tuple[str, str, int], dict[tuple[str, str], Any]] = defaultdict(dict)
    for wk, ind, br, pv, av, _, _ in raw:
        if br and ind in _PEOPLE:
            for j, v in ((0, pv), (1, av)):
                if v is not None:
                    tables[ind, br.split(":")[0], j][wk, br] = v
    out: dict[tuple[str, str, str, int], str] = {}
    for (ind, kind, j), t in sorted(tables.items()):
        small = {key for key, v in t.items() if 0 < v < 5}
        gone = set(small)
        lines: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        for wk, br in sorted(t):
            lines["category", br].append((wk, br))
            if kind in ("site", "section", "reason"):
                lines["week", wk].append((wk, br))
        again = bool(gone)
        while again:
            again = False
            for _, keys in sorted(lines.items()):
                if [key in gone for key in keys].count(True) == 1:
                    others = sorted((t[key] == 0, t[key], key) for key in keys if key not in gone)
                    if others:
                        gone.add(others[0][2])
                        again = True
        signed = [
            {k: -1 if name == "category" and k[0] == "season" else 1 for k in keys}
            for (name, _), keys in lines.items()
        ]
        starred = _given_by_marks(t, gone, small, signed)
        for wk, br in gone:
            out[wk, ind, br, j] = "<5" if (wk, br) in small - starred else "*"
    return out


def _given_by_marks(
    t: dict[tuple[str, str], Any],
    gone: set[tuple[str, str]],
    small: set[tuple[str, str]],
    lines: list[dict[tuple[str, str], int]],
) -> set[tuple[str, str]]:
    """The "<5" cells shown "*" instead: one at a time (the first by week and breakdown), each a
    "<5" that the published sums and the marks pin to one value, a "<5" read as 1..4 and a "*"
    as 0 or 5 and more (any size once a "<5" is shown "*"); one the sums pin even as "*" keeps
    its "<5". A line is a weighted sum of cells with a known value (a category's weeks less its
    season figure: 0)."""
    shown_star: set[tuple[str, str]] = set()
    kept: set[tuple[str, str]] = set()
    while True:
        lo, hi = _mark_ranges(t, gone, small - shown_star, lines, hole=not shown_star)
        pinned = sorted(k for k in small - shown_star - kept if k in gone and lo[k] == hi[k])
        if not pinned:
            return shown_star
        first = pinned[0]
        lo, hi = _mark_ranges(t, gone, small - shown_star - {first}, lines, hole=False)
        if lo[first] != hi[first]:
            shown_star.add(first)
            continue
        # cells that pin one another (a week's and its season's) are shown "*" together
        lo, hi = _mark_ranges(t, gone, small - shown_star - set(pinned), lines, hole=False)
        if lo[first] != hi[first]:
            shown_star.update(pinned)
        else:
            kept.add(first)


def _mark_ranges(
    t: dict[tuple[str, str], Any],
    gone: set[tuple[str, str]],
    tight: set[tuple[str, str]],
    lines: list[dict[tuple[str, str], int]],
    hole: bool,
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """Each hidden cell's least and most value: `tight` cells 1..4, the others 0 or more (not
    1..4 where `hole`), the lines' sums known; bounds tightened until they hold still."""
    lo: dict[tuple[str, str], float] = {k: 1 if k in tight else 0 for k in gone}
    hi: dict[tuple[str, str], float] = {k: 4 if k in tight else math.inf for k in gone}
    sums = []
    for line in lines:
        here = {k: c for k, c in line.items() if k in gone}
        if here:
            sums.append((here, sum(c * t[k] for k, c in here.items())))
    for _ in range(64):
        changed = False
        for here, total in sums:
            # the line's least and most, kept as each cell's range moves (_LineEnds)
            ends_of = _LineEnds(here, lo, hi)
            for k, c in here.items():
                # c * x_k = total - the others: its range from theirs
                least, most = ends_of.others(k)
                ends = sorted(((total - most) / c, (total - least) / c))
                low = max(lo[k], math.ceil(ends[0] - 1e-9)) if ends[0] > -math.inf else lo[k]
                high = min(hi[k], math.floor(ends[1] + 1e-9)) if ends[1] < math.inf else hi[k]
                if k not in tight and hole:
                    low = 5 if 0 < low < 5 else low
                    high = 0 if 0 < high < 5 else high
                if low <= high and (low, high) != (lo[k], hi[k]):
                    ends_of.leave(k)
                    lo[k], hi[k], changed = low, high, True
                    ends_of.enter(k)
        if not changed:
            break
    return lo, hi


class _LineEnds:
    """A line's least and most (each cell at the end of its range that makes the sum least, or
    most), kept as sums that a cell leaves and enters when its range moves, so that "the others'
    least" is a subtraction rather than a sum over the line again (n cells: n, not n^2 terms
    added). Exact: the finite terms are integers, summed as Python integers, and the infinite
    ones counted by sign. Once a term is anything else (a coefficient or a bound not an
    integer), the others are summed afresh each time, as `sum(...)` over them did."""

    def __init__(
        self,
        here: dict[tuple[str, str], int],
        lo: dict[tuple[str, str], float],
        hi: dict[tuple[str, str], float],
    ) -> None:
        self.here, self.lo, self.hi = here, lo, hi
        self.exact = True
        self.least = [0, 0, 0]  # finite sum, terms at -inf, terms at +inf
        self.most = [0, 0, 0]
        for k in here:
            self.enter(k)

    def _terms(self, k: tuple[str, str]) -> tuple[float, float]:
        c = self.here[k]
        return c * (self.lo[k] if c > 0 else self.hi[k]), c * (self.hi[k] if c > 0 else self.lo[k])

    def _move(self, k: tuple[str, str], sign: int) -> None:
        for ends, v in zip((self.least, self.most), self._terms(k), strict=True):
            if v == -math.inf:
                ends[1] += sign
            elif v == math.inf:
                ends[2] += sign
            elif type(v) is int:
                ends[0] += sign * v
            else:
                self.exact = False

    def enter(self, k: tuple[str, str]) -> None:
        """`k`'s terms added (its range as it is now)."""
        if self.exact:
            self._move(k, 1)

    def leave(self, k: tuple[str, str]) -> None:
        """`k`'s terms taken out, before its range moves."""
        if self.exact:
            self._move(k, -1)

    def others(self, k: tuple[str, str]) -> tuple[float, float]:
        """The least and the most of the line's cells other than `k`."""
        if not self.exact:
            here, lo, hi = self.here, self.lo, self.hi
            least = sum(o_c * (lo[o] if o_c > 0 else hi[o]) for o, o_c in here.items() if o != k)
            most = sum(o_c * (hi[o] if o_c > 0 else lo[o]) for o, o_c in here.items() if o != k)
            return least, most
        mine = self._terms(k)
        return _less(self.least, mine[0]), _less(self.most, mine[1])


def _less(ends: list[int], v: float) -> float:
    """The sum kept in `ends` (finite sum, terms at -inf, at +inf) without the term `v`."""
    finite, down, up = ends
    if v == -math.inf:
        down -= 1
    elif v == math.inf:
        up -= 1
    else:
        finite -= int(v)
    if down and up:
        return math.nan  # as sum() gives -inf + inf
    if down or up:
        return -math.inf if down else math.inf
    return finite


# The ledger rows that record a day lived (README "Monitoring", "As of"); the monitor's default
# "as of" is the last day of one of them.
_MONITOR_FACTS = frozenset(
    {"arrival", "departure", "absent", "boarding", "no_show", "breakdown", "late_return"}
)


def verify_monitor(folder: Path, ledger: str | None = None) -> tuple[list[str], list[str]]:
    """Every violation of a monitor folder: files changed after publication, inputs that are no
    longer what it read, and each row whose figure differs from the recomputation. The ledger
    read is `ledger` (a file or a postgresql:// URL), else $FORESTERIE_LEDGER_URL, else the one
    the manifest records (a URL is recorded without its password: libpq's PGPASSWORD or
    ~/.pgpass supplies it)."""
    folder = Path(folder)
    try:
        m = _json(folder, "manifest.json")
        if not isinstance(m, dict) or m.get("kind") != "monitor":
            raise Unreadable("manifest.json: not a monitor manifest")
        out: list[str] = []
        for rel, digest in sorted(m["outputs"].items()):
            if not (folder / rel).exists() or _sha(folder, rel) != digest:
                out.append(f"{rel}: changed after publication (hash differs from the manifest)")
        on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {
            "manifest.json"
        }
        out += [f"{rel}: not in the manifest" for rel in sorted(on_disk - set(m["outputs"]))]
        unchecked: list[str] = []
        expected, days_rows = _monitor_figures(m["inputs"], out, ledger, unchecked)
        if not unchecked:
            _compare_rows(_rows(folder, "monitor.csv"), expected, out)  # then the copies of it
        published = _rows(folder, "monitor.csv")
        if "monitor.xlsx" in m["outputs"]:
            _compare_workbook(folder, published, out)
        if "index.html" in m["outputs"]:
            _compare_page(folder, published, str(m.get("lang", "it")), out)
        got_days = [[r[k] for k in r] for r in _rows(folder, "days.csv")]
        for i, (a, b) in enumerate(zip(got_days, days_rows, strict=False), start=2):
            if a != b:
                out.append(f"days.csv row {i} ({b[0]}): {','.join(a)}, recomputed {','.join(b)}")
        if len(got_days) != len(days_rows) and not unchecked:
            out.append(f"days.csv: {len(got_days)} days, recomputed {len(days_rows)}")
    except (KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:
        what = f"{type(exc).__name__}: {exc}"[:200]
        raise Unreadable(f"malformed monitor folder ({what})") from None
    return out, unchecked


def _compare_rows(got: list[dict[str, str]], expected: list[list[str]], out: list[str]) -> None:
    want = {(r[0], r[1], r[2]): r for r in expected}
    seen = set()
    for i, r in enumerate(got, start=2):
        key = (r["week"], r["indicator"], r["breakdown"])
        seen.add(key)
        e = want.get(key)
        where = f"monitor.csv row {i} ({', '.join(x or 'total' for x in key)})"
        if e is None:
            out.append(f"{where}: no such figure in the recomputation")
            continue
        for col, k in (("plan", 3), ("actual", 4), ("unit", 5), ("source", 6)):
            if r[col] != e[k]:
                out.append(f"{where}: {col} {r[col] or '(empty)'}, recomputed {e[k] or '(empty)'}")
    for key in sorted(set(want) - seen):
        out.append(f"monitor.csv: missing the row {', '.join(x or 'total' for x in key)}")


def _aboard_as_arrival(
    events: list[dict[str, Any]], workers: dict[str, dict[str, str]]
) -> list[dict[str, Any]]:
    """The ledger's rows with the arrivals a driver's list makes (README "Check-ins, office by
    office"; written apart from ops/day.py): after a worker's first boarding row dated on or
    after their planned arrival (the earlier in the ledger of two of one day), an arrival of
    that day, unless an arrival row dated no later records them; a dependant (rides = false)
    is seen aboard by the first such boarding of anyone of their group. Read for presence only:
    from when a foresteria records arrivals is read from the offices' own rows."""
    first_in: dict[str, str] = {}
    board: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for i, e in enumerate(events):
        wid = e["worker_id"]
        if e["kind"] == "arrival":
            first_in[wid] = min(first_in.get(wid, e["day"]), e["day"])
        elif e["kind"] == "boarding" and wid in workers:
            board[wid].append((e["day"], i))
    group: dict[str, list[str]] = defaultdict(list)
    for wid, w in workers.items():
        if w.get("group_id"):
            group[w["group_id"]].append(wid)
    made: dict[int, list[str]] = defaultdict(list)
    for wid, w in workers.items():
        if not _is_dependant(w):
            whose = [wid]
        else:
            whose = group.get(w.get("group_id") or "", [])
        seen = [b for x in whose for b in board.get(x, []) if b[0] >= w["arrival"]]
        if seen:
            day, i = min(seen)
            if wid not in first_in or first_in[wid] > day:
                made[i].append(wid)
    out: list[dict[str, Any]] = []
    for i, e in enumerate(events):
        out.append(e)
        out += [{**e, "kind": "arrival", "worker_id": wid} for wid in made.get(i, [])]
    return out


def _monitor_figures(
    inputs: dict[str, Any], out: list[str], ledger: str | None, unchecked: list[str]
) -> tuple[list[list[str]], list[list[str]]]:
    season = Path(inputs["season_run"]["path"])
    if _sha(season, "manifest.json") != inputs["season_run"]["manifest_sha256"]:
        out.append(f"season run {season}: manifest.json is not the one the monitor read")
    recorded = str(inputs["ledger"]["path"])
    target = ledger or os.environ.get(LEDGER_URL_ENV, "")
    target = target or (_url_shown(recorded, "") if _is_url(recorded) else recorded)
    events, meta = _ledger_rows(
        target, int(inputs["ledger"]["rows"]), inputs["ledger"]["head"], out
    )
    season_sha = inputs["season_run"]["manifest_sha256"]
    if meta.get("season_run") != season_sha and not any(
        e["kind"] == "intake_plan" and e["note"] == season_sha for e in events
    ):
        out.append(f"ledger: not the ledger of the season run {season} (nor of a re-plan of it)")
    day_runs: dict[str, Path] = {}
    for dr in inputs["day_runs"]:
        p = Path(dr["path"])
        if _sha(p, "manifest.json") != dr["manifest_sha256"]:
            out.append(f"day run {p}: manifest.json is not the one the monitor read")
        rec = _json(p, "day.json")
        if rec.get("date") != dr["day"] or rec.get("season_run_manifest_sha256") != season_sha:
            out.append(f"day run {p}: not the day run of {dr['day']} of this season run")
        plans = [e["note"] for e in events if e["kind"] == "day_plan" and e["day"] == dr["day"]]
        if dr["manifest_sha256"] not in plans:
            out.append(f"day run {p}: no day_plan row of {dr['day']} in the ledger records it")
        elif plans[-1] != dr["manifest_sha256"]:  # what was driven is the day's latest plan
            out.append(
                f"day run {p}: superseded: a later day_plan row of {dr['day']} in the ledger "
                "records another day run of that day"
            )
        if dr["day"] > str(inputs["as_of"]):
            out.append(f"day run {p}: {dr['day']} is after the monitor's day {inputs['as_of']}")
        if str(inputs.get("closed_before") or "") > dr["day"]:
            out.append(f"day run {p}: {dr['day']} is in a week closed by a purge")
            continue
        day_runs[dr["day"]] = p
    # Purges the monitor saw (README "Retention", "Monitoring"): weeks before the first Monday
    # on or after the latest purge's day are closed, not recomputed nor published, and the
    # season has no total row. Purged for retention since publication: the worker-level rows
    # and files the figures were computed from are gone; the chain, the inputs' manifests and
    # the outputs are still checked, the figures cannot be recomputed.
    purges = sorted(e["day"] for e in events if e["kind"] == "purge")
    cut = _monday_on_or_after(_day(purges[-1])).isoformat() if purges else None
    if inputs.get("closed_before") != cut:
        out.append(
            f"closed before {inputs.get('closed_before') or '(none)'}: the ledger's purges "
            f"close the weeks before {cut or '(none)'}"
        )
    rows_gone = sum(1 for e in events if e["purged"] and (cut is None or e["day"] >= cut))
    runs_gone = sum(1 for p in day_runs.values() if (p / "purged.json").exists())
    if (season / "purged.json").exists():
        record = _json(season, "purged.json")
        befores = [str(x["before"]) for x in record.get("purges", [record])]
        runs_gone += not purges or max(befores) > purges[-1]
    if rows_gone or runs_gone:
        unchecked.append(
            f"the figures: purged for retention since publication ({rows_gone} ledger rows, "
            f"{runs_gone} runs): they cannot be recomputed"
        )
        return [], []
    r = _Run(season)
    sc = r.cfg["scenario"]
    start, end = _day(sc["season_start"]), _day(sc["season_end"])
    last = max(  # the last day of a fact lived; a booking or a day plan names a day ahead
        (e["day"] for e in events if e["kind"] in _MONITOR_FACTS),
        default=(start - timedelta(days=1)).isoformat(),
    )
    as_of = str(inputs["as_of"]) if inputs["as_of_given"] else last
    if as_of != inputs["as_of"]:
        out.append(f"as of {inputs['as_of']}: the ledger's last day is {as_of}")
    events = [e for e in events if e["day"] <= as_of]  # what was known on that day
    days = [start + timedelta(days=k) for k in range((end - start).days + 1)]
    weeks = sorted({_week(d) for d in days})
    iso = [d.isoformat() for d in days]
    sites = sorted(r.fs)
    workers = r.workers
    spans: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for a in r.assign:
        spans[a["worker_id"]].append((a["foresteria_id"], a["from"], a["to"]))

    def bed(wid: str, d: str) -> str | None:
        return next((f for f, a, b in spans.get(wid, []) if a <= d < b), None)

    # presence: `foresterie day`'s rule, night by night (README "Monitoring"); arrivals are
    # recorded foresteria by foresteria (a guest's first bed in the plan), from its first
    # arrival row; a foresteria with none keeps the plan's expectation
    rec_from: dict[str, str] = {}
    for e in events:
        if e["kind"] == "arrival" and e["worker_id"] in spans:
            first = spans[e["worker_id"]][0][0]
            rec_from[first] = min(rec_from.get(first, e["day"]), e["day"])
    first_beds = {sp[0][0] for sp in spans.values()}
    moves: dict[str, list[dict[str, str]]] = defaultdict(list)
    for e in _aboard_as_arrival(events, workers):
        if e["kind"] in ("arrival", "departure", "absent"):
            moves[e["worker_id"]].append(e)
    # people the plan houses on no night: present by the offices' own rows, and on the days a
    # boarding row has them (a dependant: one of their group) aboard; up to the as-of day only
    src: dict[tuple[str, str], set[str]] = defaultdict(set)
    office: dict[str, list[dict[str, str]]] = defaultdict(list)
    rode_on: dict[str, set[str]] = defaultdict(set)
    for e in events:
        if e["kind"] in ("arrival", "departure", "absent"):
            office[e["worker_id"]].append(e)
        elif e["kind"] == "boarding":
            rode_on[e["worker_id"]].add(e["day"])
    kin: dict[str, list[str]] = defaultdict(list)
    for wid, w in workers.items():
        if w.get("group_id"):
            kin[w["group_id"]].append(wid)
    S: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0, 0])

    def add(wk: str, ind: str, br: str, p: float, a: float) -> None:
        for k in (wk, "season"):
            S[k, ind, br][0] += p
            S[k, ind, br][1] += a

    # the nights each person the plan houses is present by their own rows (the rule above,
    # before the planned departure is applied), then a group as a whole: on a night one of a
    # group is present, each member due by then whose own last row is no departure or absence
    # is present with it (README "A group is present, or a no-show, as a whole"; review 20 R,
    # MEDIUM-2; written apart from ops/day.py `with_group`)
    present: dict[str, set[str]] = {}
    left: dict[str, set[str]] = defaultdict(set)
    for wid in spans:
        arr, dep = workers[wid]["arrival"], workers[wid]["departure"]
        mine = sorted(moves.get(wid, []), key=lambda e: e["day"])
        since = rec_from.get(spans[wid][0][0])
        present[wid] = set()
        for night in iso:
            here = arr <= night < dep
            if since is not None and since <= arr <= min(night, as_of):
                here = False
            own = [e for e in mine if e["day"] <= night]
            if own:
                here = own[-1]["kind"] == "arrival"
                if not here:
                    left[wid].add(night)
            if here:
                present[wid].add(night)
    for ids in kin.values():
        housed = [m for m in ids if m in spans]
        for night in iso:
            if any(night in present[m] for m in housed):
                for m in housed:
                    if workers[m]["arrival"] <= night and night not in left[m]:
                        present[m].add(night)
    first_plan: dict[str, tuple[str, str]] = {}
    first_actual: dict[str, tuple[str, str]] = {}
    for wid, w in workers.items():
        arr, dep = w["arrival"], w["departure"]
        # a departure point's rider is not overflow on the nights of the stay without a bed:
        # they board there, where the plan has them (review 17, finding 10)
        point = bool(w.get("pickup_id"))
        mine = sorted(moves.get(wid, []), key=lambda e: e["day"])
        if wid not in spans:
            theirs = kin.get(w.get("group_id") or "", []) if _is_dependant(w) else [wid]
            seen = {x for o in theirs for x in rode_on.get(o, ()) if arr <= x < dep}
            mine = sorted(office.get(wid, []), key=lambda e: e["day"])
            for night in iso:
                here = False
                for e in mine:
                    if e["day"] <= night:
                        here = e["kind"] == "arrival"
                if night <= as_of and (night in seen or (here and night < dep)):
                    if point and arr <= night < dep:
                        continue  # at their departure point, where the plan has them
                    add(_week(_day(night)), "overflow", "", 0, 1)
                    for k in (_week(_day(night)), "season"):
                        src[k, "overflow"].add("ledger")  # the source says the ledger's
            continue
        for night in iso:
            wk = _week(_day(night))
            site = bed(wid, night)
            if wid in spans:
                if site is not None:
                    first_plan.setdefault(wid, (night, site))
                    add(wk, "bed_nights", "", 1, 0)
                    add(wk, "bed_nights", f"site:{site}", 1, 0)
                elif arr <= night < dep and not point:
                    add(wk, "overflow", "", 1, 0)
            if not (night in present[wid] and night < dep):
                continue
            if site is None:
                if not (point and arr <= night < dep):
                    add(wk, "overflow", "", 0, 1)
                continue
            first_actual.setdefault(wid, (night, site))
            add(wk, "bed_nights", "", 0, 1)
            add(wk, "bed_nights", f"site:{site}", 0, 1)
    people = (
        [""] + [f"site:{s}" for s in sites] + [f"section:{s}" for s in ("men", "women", "family")]
    )
    for wk in weeks:
        for br in [*people, "contract", "referred"]:
            add(wk, "taken_in", br, 0, 0)
        for br in ["", *(f"site:{s}" for s in sites)]:
            add(wk, "bed_nights", br, 0, 0)
        add(wk, "overflow", "", 0, 0)
    for side, firsts in ((0, first_plan), (1, first_actual)):
        for wid, (night, site) in firsts.items():
            w = workers[wid]
            brs = ["", f"site:{site}", f"section:{w['section']}"]
            brs += ["contract"] if w.get("contract", "false") == "true" else []
            brs += ["referred"] if int(w["priority"]) == 3 and side == 0 else []  # plan only
            for br in brs:
                add(_week(_day(night)), "taken_in", br, 1 - side, side)
    # a row per code a plan publishes, zero or not, and any other the season run holds
    codes = sorted(PUBLISHED | {x["code"] for x in r.wait})
    for wk in weeks:
        for br in ["", *(f"reason:{c}" for c in codes)]:
            add(wk, "turned_away", br, 0, 0)
    for x in r.wait:
        wk = _week(min(max(_day(workers[x["worker_id"]]["arrival"]), start), end))
        add(wk, "turned_away", "", 1, 1)
        add(wk, "turned_away", f"reason:{x['code']}", 1, 1)
    plan = _plan_days(season, r.fleet)
    dayp = {dd: _plan_days(folder, r.fleet).get(dd) for dd, folder in day_runs.items()}
    ucodes = sorted(
        UNSERVED_CODES
        | {c for v in plan.values() for c in v["uns"]}
        | {c for v in dayp.values() if v for c in v["uns"]}
    )
    lists: dict[str, dict[str, bool]] = defaultdict(dict)
    # the way out's lists (leg out, or none given), vehicle by vehicle: who boarded; a scan
    # naming no vehicle ("") counts its person and stands for no vehicle's list
    outs: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for e in events:
        if e["kind"] in ("boarding", "no_show"):
            lists[e["day"]][e["worker_id"]] = (
                lists[e["day"]].get(e["worker_id"], False) or e["kind"] == "boarding"
            )
            if e["leg"] in ("out", ""):
                them = outs[e["day"]][e["vehicle_id"]]
                if e["kind"] == "boarding":
                    them.add(e["worker_id"])
    fee = [float(x) for x in r.cfg.get("transport", {}).get("caporale_fee_eur", [5.0, 10.0])]
    days_rows = []
    empty: dict[str, Any] = {"wd": 0, "uns": {}, "wait": 0, "rt": 0, "cost": 0.0}
    for d, ds in zip(days, iso, strict=True):
        wk = _week(d)
        known = {f for f, since in rec_from.items() if since <= ds <= as_of}
        hs = "+".join(
            x for x, on in (("ledger", known), ("plan", first_beds - known or not first_beds)) if on
        )
        for k in (wk, "season"):
            src[k, "housing"] |= set(hs.split("+"))
            src[k, "overflow"] |= set(hs.split("+"))
        for site in ["", *sites]:
            cap = sum(
                int(r.fs[s]["beds_men"]) + int(r.fs[s]["beds_women"]) + int(r.fs[s]["beds_family"])
                for s in ([site] if site else sites)
                if str(r.fs[s]["open_from"]) <= ds <= str(r.fs[s]["open_to"])
            )
            add(wk, "bed_capacity", f"site:{site}" if site else "", cap, cap)
        pl = plan.get(ds, empty)
        ac = (dayp.get(ds) or empty) if ds in day_runs else pl
        ts = "day_run" if ds in day_runs else "plan"
        lst = lists.get(ds)
        # worker-days, vehicle by vehicle: a vehicle's list of the way out where imported,
        # else its morning trips' riders less those a list has aboard elsewhere (once each)
        got = outs.get(ds, {})
        on = {x for them in got.values() for x in them}
        unlisted = [v for v, n in ac.get("veh", {}).items() if n and (v == "" or v not in got)]
        rode = len(on) + sum(
            ac["veh"][v] - len([x for x in ac["who"][v] if x in on]) for v in unlisted
        )
        rs = {"ledger"} if got else set()
        rs |= {ts} if unlisted or not got else set()
        for k in (wk, "season"):
            src[k, "transport"] |= {ts, *rs}
        add(wk, "worker_days", "", pl["wd"], rode)
        add(wk, "unserved", "", sum(pl["uns"].values()), sum(ac["uns"].values()))
        for c in ucodes:
            add(wk, "unserved", f"reason:{c}", pl["uns"].get(c, 0), ac["uns"].get(c, 0))
        add(wk, "no_shows", "", 0, sum(1 for v in lst.values() if not v) if lst else 0)
        add(wk, "listed", "", 0, len(lst) if lst else 0)
        add(wk, "wait_on_board", "", pl["wait"], ac["wait"])
        add(wk, "wait_rt", "", pl["rt"], ac["rt"])
        add(wk, "cost", "", pl["cost"], ac["cost"])
        add(wk, "caporale_fees_avoided", "fee:low", fee[0] * pl["wd"], fee[0] * rode)
        add(wk, "caporale_fees_avoided", "fee:high", fee[1] * pl["wd"], fee[1] * rode)
        both = [s for s in ("ledger", "day_run", "plan") if s in {ts, *rs}]
        days_rows.append(
            [
                ds,
                wk,
                hs,
                "+".join(both),
                _sha(day_runs[ds], "manifest.json") if ds in day_runs else "",
            ]
        )
    units = {
        "taken_in": "people",
        "turned_away": "people",
        "overflow": "person-nights",
        "bed_nights": "bed-nights",
        "bed_capacity": "bed-nights",
        "occupancy": "pct",
        "worker_days": "worker-days",
        "unserved": "worker-days",
        "no_shows": "worker-days",
        "no_show_rate": "pct",
        "wait_on_board": "rider-minutes",
        "wait_on_board_mean": "minutes",
        "cost": "eur",
        "cost_per_worker_day": "eur/worker-day",
        "caporale_fees_avoided": "eur",
    }

    def ratio(n: float, dnm: float, scale: float = 1.0) -> float | None:
        return round(scale * n / dnm, 2) if dnm else None

    raw: list[list[Any]] = []  # week, indicator, breakdown, plan, actual, unit, source
    for wk in [*weeks, "season"]:

        def source(fam: str, wk: str = wk) -> str:
            have = src.get((wk, fam), set())
            return "+".join(s for s in ("ledger", "day_run", "plan") if s in have) or "plan"

        def emit(ind: str, br: str, p: Any, a: Any, s: str, wk: str = wk) -> None:
            raw.append([wk, ind, br, p, a, units[ind], s])

        for (k, ind, br), (pv, av) in sorted(S.items()):
            if k != wk or ind not in units:
                continue
            if ind == "no_shows":
                emit(ind, br, None, int(av), "ledger" if S[k, "listed", ""][1] else "none")
                continue
            if (ind, br) == ("taken_in", "referred"):  # its actual would name the referred
                emit(ind, br, int(pv), None, "plan")
                continue
            transport = (
                "worker_days",
                "unserved",
                "wait_on_board",
                "cost",
                "caporale_fees_avoided",
            )
            if ind in ("turned_away", "bed_capacity"):
                fam = "plan"  # the ledger records no refusals; beds are the scenario's
            elif ind == "overflow":  # housing's, and the ledger's for the never housed
                fam = source("overflow")
            else:
                fam = source("transport" if ind in transport else "housing")
            if units[ind] == "eur":
                emit(ind, br, round(pv, 2), round(av, 2), fam)
            else:
                emit(ind, br, int(pv), int(av), fam)
        P = {key[1:]: v[0] for key, v in S.items() if key[0] == wk}
        A = {key[1:]: v[1] for key, v in S.items() if key[0] == wk}
        hsrc, tsrc = source("housing"), source("transport")
        for br in ["", *(f"site:{s}" for s in sites)]:
            emit(
                "occupancy",
                br,
                ratio(P[("bed_nights", br)], P[("bed_capacity", br)], 100),
                ratio(A[("bed_nights", br)], A[("bed_capacity", br)], 100),
                hsrc,
            )
        listed = A[("listed", "")]
        emit(
            "no_show_rate",
            "",
            None,
            ratio(A[("no_shows", "")], listed, 100),
            "ledger" if listed else "none",
        )
        emit(
            "wait_on_board_mean",
            "",
            ratio(P[("wait_on_board", "")], P[("wait_rt", "")]),
            ratio(A[("wait_on_board", "")], A[("wait_rt", "")]),
            tsrc,
        )
        emit(
            "cost_per_worker_day",
            "",
            ratio(P[("cost", "")], P[("worker_days", "")]),
            ratio(A[("cost", "")], A[("worker_days", "")]),
            tsrc,
        )
    if cut is not None:  # closed weeks and the season's total are not published
        raw = [x for x in raw if x[0] != "season" and x[0] >= _week(_day(cut))]
        days_rows = [x for x in days_rows if x[0] >= cut]
    hide = _hide(raw)
    rows = []
    for wk, ind, br, pv, av, u, s in raw:
        same = "bed_nights" if ind == "occupancy" else ind  # a rate hides with its count
        shown = [hide.get((wk, same, br, j)) or _fmt(v) for j, v in ((0, pv), (1, av))]
        rows.append([wk, ind, br, *shown, u, s])
    return rows, days_rows


# The workbook's sheets 2-4 (after the notes) hold the families' rows in monitor.csv's order.
_MONITOR_FAMILIES = (
    ("taken_in", "turned_away", "overflow", "bed_nights", "bed_capacity", "occupancy"),
    ("worker_days", "unserved", "no_shows", "no_show_rate", "wait_on_board", "wait_on_board_mean"),
    ("cost", "cost_per_worker_day", "caporale_fees_avoided"),
)
_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _same_figure(shown: str | None, published: str) -> bool:
    """A number shown (None: an empty cell) is the published cell: equal numbers, or the same
    text ("<5")."""
    if shown is None or shown == "":
        return published == ""
    try:
        return published != "" and math.isclose(float(shown), float(published), abs_tol=1e-9)
    except ValueError:
        return shown == published


def _sheets(
    folder: Path, rel: str, formulas: list[str] | None = None
) -> list[tuple[str, list[dict[str, str | None]]]]:
    """Each sheet of an XLSX file in workbook order: its name and rows of column -> value
    (numbers as their text, inline and shared strings resolved), read with zipfile and
    ElementTree only. `formulas`, when given, gets each cell holding a formula (`<f>`) as
    "sheetN.xml CELL": the monitor writes values only, so a formula is an edit, and one a
    spreadsheet runs (review 14: a HYPERLINK in a label)."""
    import xml.etree.ElementTree as ET
    import zipfile

    try:
        z = zipfile.ZipFile(io.BytesIO(_read(folder, rel)))
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(f"{_SHEET_NS}si"):
                shared.append("".join(t.text or "" for t in si.iter(f"{_SHEET_NS}t")))
        wb = ET.fromstring(z.read("xl/workbook.xml"))
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): str(r.get("Target")) for r in rels}
        out = []
        for sheet in wb.iter(f"{_SHEET_NS}sheet"):
            target = targets[sheet.get(f"{_REL_NS}id")].lstrip("/")
            target = target if target.startswith("xl/") else "xl/" + target
            rows = []
            for row in ET.fromstring(z.read(target)).iter(f"{_SHEET_NS}row"):
                cells: dict[str, str | None] = {}
                for c in row.iter(f"{_SHEET_NS}c"):
                    if formulas is not None and c.find(f"{_SHEET_NS}f") is not None:
                        formulas.append(f"{target.rsplit('/', 1)[-1]} {c.get('r')}")
                    col = "".join(ch for ch in str(c.get("r")) if ch.isalpha())
                    v = c.find(f"{_SHEET_NS}v")
                    if c.get("t") == "inlineStr":
                        cells[col] = "".join(t.text or "" for t in c.iter(f"{_SHEET_NS}t"))
                    elif c.get("t") == "s" and v is not None:
                        cells[col] = shared[int(v.text or 0)]
                    else:
                        cells[col] = v.text if v is not None else None
                rows.append(cells)
            out.append((str(sheet.get("name")), rows))
        return out
    except (zipfile.BadZipFile, ET.ParseError, KeyError) as exc:
        raise Unreadable(f"{rel}: {exc}") from None


def _compare_workbook(folder: Path, published: list[dict[str, str]], out: list[str]) -> None:
    formulas: list[str] = []
    sheets = _sheets(folder, "monitor.xlsx", formulas)
    if len(sheets) < 1 + len(_MONITOR_FAMILIES):
        out.append(f"monitor.xlsx: {len(sheets)} sheets, not the notes and every family")
        return
    for where in formulas:
        out.append(f"monitor.xlsx {where}: a formula, where the monitor writes values only")
    # The labels (week, indicator, breakdown) are in the page's language, which this verifier
    # does not translate; but each thing keeps one label wherever it is named, so labels
    # swapped between rows (review 14: "famiglie 28 / uomini 6") are caught where the week
    # is not the only one naming them.
    said: dict[tuple[str, str, str], list[tuple[str, int, str]]] = defaultdict(list)
    figures: list[str] = []  # said after the labels
    for (name, rows), family in zip(sheets[1:], _MONITOR_FAMILIES, strict=False):
        mine = [r for r in published if r["indicator"] in family]
        if len(rows) - 1 != len(mine):
            figures.append(
                f"monitor.xlsx sheet {name}: {len(rows) - 1} rows, monitor.csv {len(mine)}"
            )
        for i, (cells, r) in enumerate(zip(rows[1:], mine, strict=False), start=2):
            for col, kind, value in (
                ("A", "week", r["week"]),
                ("B", "indicator", r["indicator"]),
                ("C", "breakdown", r["breakdown"]),
            ):
                context = r["indicator"] if kind == "breakdown" else ""
                said[kind, context, value].append((name, i, str(cells.get(col) or "")))
            for col, field in (("D", "plan"), ("E", "actual")):
                if not _same_figure(cells.get(col), r[field]):
                    figures.append(
                        f"monitor.xlsx sheet {name} row {i} ({r['week']}, {r['indicator']}, "
                        f"{r['breakdown'] or 'total'}): {field} {cells.get(col)}, monitor.csv "
                        f"{r[field] or '(empty)'}"
                    )
    for (kind, _context, value), seen in said.items():
        labels = Counter(label for _, _, label in seen)
        usual = max(labels, key=lambda x: (labels[x], -[w[2] for w in seen].index(x)))
        for sheet, row_no, label in seen:
            if label != usual:
                out.append(
                    f"monitor.xlsx sheet {sheet} row {row_no}: {kind} {value or 'total'!r} "
                    f"labelled {label!r}, where {labels[usual]} other rows label it {usual!r}"
                )
    out += figures


def _shown_number(text: str, lang: str) -> str:
    """A number written for people back to a plain one: 1.234,56 (it) or 1,234.56 (en)."""
    group, point = (".", ",") if lang == "it" else (",", ".")
    return text.replace("\u00a0", "").replace(group, "").replace(point, ".")


def _compare_page(folder: Path, published: list[dict[str, str]], lang: str, out: list[str]) -> None:
    from html.parser import HTMLParser

    class Figures(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.rows: dict[str, list[tuple[str, str]]] = {}
            self.row: list[tuple[str, str]] | None = None
            self.cell: list[str] | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            if tag == "tr" and a.get("data-row") is not None:
                self.row = self.rows.setdefault(str(a["data-row"]), [])
            elif tag == "td" and self.row is not None and a.get("data-v") is not None:
                self.cell = [str(a["data-v"])]

        def handle_data(self, data: str) -> None:
            if self.cell is not None:
                self.cell.append(data)

        def handle_endtag(self, tag: str) -> None:
            if tag == "td" and self.cell is not None and self.row is not None:
                self.row.append((self.cell[0], "".join(self.cell[1:])))
                self.cell = None
            elif tag == "tr":
                self.row = None

    parser = Figures()
    parser.feed(_read(folder, "index.html").decode("utf-8"))
    for r in published:
        key = ",".join((r["week"], r["indicator"], r["breakdown"]))
        shown = parser.rows.get(key)
        where = f"index.html ({r['week']}, {r['indicator']}, {r['breakdown'] or 'total'})"
        if shown is None or len(shown) != 2:
            out.append(f"{where}: not on the page")
            continue
        for (raw, text), field in zip(shown, ("plan", "actual"), strict=True):
            if raw != r[field] or not _same_figure(_shown_number(text, lang), r[field]):
                out.append(f"{where}: {field} shown {text or '(empty)'}, monitor.csv {r[field]}")
    if len(parser.rows) != len(published):
        out.append(f"index.html: {len(parser.rows)} figures, monitor.csv {len(published)}")
