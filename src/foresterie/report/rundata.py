"""A saved run read back from its folder, for the reports, maps and driver sheets.

Reports are built from the published files (plan/, inputs/, manifest.json), never from solver
objects, so `foresterie map RUN` and `foresterie report RUN` work on any saved run, old or new,
and what a coordinator sees is exactly what the auditor verified.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from foresterie.core.errors import ScenarioError
from foresterie.core.files import UnsafePath, inside, json_value, read_inside
from foresterie.core.runfolder import RunFolderError, read_manifest
from foresterie.core.timeutil import fmt_hhmm
from foresterie.scenario.load import ID_RE, WHOLE_MAX, load_scenario
from foresterie.scenario.model import Farm, Scenario, Vehicle, Worker


@dataclass(frozen=True, kw_only=True)
class StopRow:
    seq: int
    farm_id: str
    arrive: str  # HH:MM (may pass 24:00)
    depart: str
    board: int
    alight: int
    load_after: int
    worker_ids: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class TripRow:
    day: str
    foresteria_id: str
    direction: str  # to_farm | to_foresteria
    trip_id: str
    vehicle_id: str
    depart: str
    ret: str
    km: float
    riders: int
    stops: tuple[StopRow, ...]
    origin_id: str = ""  # a departure point, or "" when riders board at the base
    origin_depart: str = ""  # when it leaves the departure point (HH:MM)
    origin_return: str = ""  # when it is back at the departure point

    @property
    def depart_min(self) -> int:
        return _minutes(self.depart)

    @property
    def places(self) -> list[str]:
        """Base, (departure point,) farms in stop order, (departure point,) base: the path."""
        farms = [s.farm_id for s in self.stops]
        if self.origin_id:
            return [self.foresteria_id, self.origin_id, *farms, self.origin_id, self.foresteria_id]
        return [self.foresteria_id, *farms, self.foresteria_id]


@dataclass(frozen=True, kw_only=True)
class UnservedRow:
    day: str
    foresteria_id: str
    farm_id: str
    base_id: str
    riders: int  # worker-days (both legs)
    code: str
    proven: bool
    lower_bound: int
    available: int
    reason: str
    worker_ids: tuple[str, ...] = ()  # who is left without the ride (pseudonymous ids)


@dataclass(frozen=True, kw_only=True)
class FleetDayRow:
    day: str
    foresteria_id: str
    needed: int
    lower_bound: int
    available: int
    short_riders: int  # worker-days unserved


@dataclass(kw_only=True)
class RunData:
    root: Path
    manifest: dict[str, Any]
    scenario: Scenario
    trips: list[TripRow]
    unserved: list[UnservedRow]
    fleet_days: list[FleetDayRow]
    occupancy: list[tuple[str, str, str, int, int]]  # foresteria, night, section, beds, used
    waitlist: list[dict[str, str]]
    legs: dict[str, list[list[float]]] = field(default_factory=dict)  # "A>B" -> [[lat, lon]...]
    # Housed spans, (worker, foresteria, from, to): a transfer gives a person two.
    spans: list[tuple[str, str, str, str]] = field(default_factory=list)
    # Nights of a stay without a bed, (worker, code, from, to); None: partial stays were off.
    uncovered: list[tuple[str, str, str, str]] | None = None

    @property
    def days(self) -> list[str]:
        return sorted({t.day for t in self.trips} | {u.day for u in self.unserved})

    @property
    def road_geometry(self) -> bool:
        return bool(self.legs)


@cache  # a day has 1,440 of them; the sheets and notices ask ~70,000 times per season
def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


# A run folder is untrusted input: anyone can hand one over. Every file is read through
# `read_inside` (inside the run, no link leaving it, a regular file, a size limit) and every field
# that names a file, enters a page or a number is checked with the scenario's own rules, so a
# crafted folder gives one line naming file, row and field, never a traceback, a page with live
# markup, or a write outside the run.
MAX_PLAN_BYTES = 1 << 30  # a plan file of a 50,000-worker season is well under 100 MB
HHMM_RE = re.compile(r"\d{2}:[0-5]\d")
DIRECTIONS = ("to_farm", "to_foresteria")


def _rows(root: Path, rel: str, fields: Mapping[str, Callable[[str], Any]]) -> list[dict[str, Any]]:
    """A plan CSV's rows, each field parsed by its checker; unknown columns are dropped.

    Read as csv.DictReader would (blank lines skipped and not counted, a repeated column's last
    cell, a short row's missing cells empty), by column index: riders.csv alone has ~70,000 rows
    on puglia-2027, and the dict of every column of every row cost a third of `load_run`."""
    try:
        text = read_inside(root, rel, MAX_PLAN_BYTES).decode("utf-8")
    except UnsafePath as exc:
        raise RunFolderError(rel, None, "file", exc.reason) from None
    except UnicodeDecodeError:
        raise RunFolderError(rel, None, "file", "not UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])  # the first line, as DictReader takes it (blank: no columns)
    except csv.Error as exc:
        raise RunFolderError(rel, None, "file", f"unreadable CSV: {exc}") from None
    at = {name: k for k, name in enumerate(header)}  # a repeated name: its last column
    missing = [f for f in fields if f not in at]
    if missing:
        raise RunFolderError(rel, 1, missing[0], "missing column")
    # each column's cells checked once per distinct text (the checkers are functions of the text
    # alone): riders.csv's ~70,000 rows name ~4,000 trips and ~2,000 people
    checks: list[tuple[str, int, Callable[[str], Any], dict[str, Any]]] = [
        (f, at[f], check, {}) for f, check in fields.items()
    ]
    out = []
    n = 1
    try:
        for cells in reader:
            if not cells:
                continue
            n += 1
            width = len(cells)
            row = {}
            for f, k, check, seen in checks:
                cell = cells[k] if k < width else ""
                value = seen.get(cell, _UNSEEN)
                if value is _UNSEEN:
                    try:
                        value = seen[cell] = check(cell)
                    except (ValueError, TypeError) as exc:
                        raise RunFolderError(rel, n, f, str(exc) or "malformed") from None
                row[f] = value
            out.append(row)
    except csv.Error as exc:
        raise RunFolderError(rel, None, "file", f"unreadable CSV: {exc}") from None
    return out


_UNSEEN = object()  # a cell not checked yet (_rows)


def _id(v: str) -> str:
    if not ID_RE.fullmatch(v):
        raise ValueError(f"{v[:40]!r} is not an id")
    return v


def _opt_id(v: str) -> str:
    return _id(v) if v else ""


def _day(v: str) -> str:
    try:
        ok = len(v) == 10 and date.fromisoformat(v).isoformat() == v
    except ValueError:  # a day that does not exist (2026-02-30)
        ok = False
    if not ok:
        raise ValueError(f"{v[:40]!r} is not a date YYYY-MM-DD")
    return v


def _hhmm(v: str) -> str:
    if not HHMM_RE.fullmatch(v) or int(v[:2]) > 47:
        raise ValueError(f"{v[:40]!r} is not a time HH:MM")
    return v


COUNT_RE = re.compile(r"[+-]?\d{1,30}")
# Unicode's control characters (category Cc) are exactly these 65 code points
# (test_control_characters_are_category_cc); one search instead of a category per character.
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _count(v: str) -> int:
    if not COUNT_RE.fullmatch(v):  # not int(): it takes " 7", "1_000", "٣"
        raise ValueError(f"{v[:40]!r} is not a whole number")
    n = int(v)
    if not 0 <= n <= WHOLE_MAX:  # the scenario format's top value, included (review 13)
        raise ValueError(f"{n} is out of range (0 to {WHOLE_MAX:,})")
    return n


def _opt_hhmm(v: str) -> str:
    return _hhmm(v) if v else ""


def _code(v: str) -> str:
    if not re.fullmatch(r"[a-z_]{1,32}", v):
        raise ValueError(f"{v[:40]!r} is not a reason code")
    return v


def _km(v: str) -> float:
    try:
        x = float(v)
    except ValueError:  # "could not convert string to float" reads like Python
        x = math.nan
    if not 0 <= x < 10**6:
        raise ValueError(f"{v[:40]!r} is not a distance in km")
    return x


def _direction(v: str) -> str:
    if v not in DIRECTIONS:
        raise ValueError(f"{v[:40]!r} is not one of {', '.join(DIRECTIONS)}")
    return v


def _yes_no(v: str) -> bool:
    if v not in ("yes", "no"):
        raise ValueError(f"{v[:40]!r} is not yes/no")
    return v == "yes"


def _ids(v: str) -> tuple[str, ...]:
    """Ids separated by single spaces (unserved.csv's worker_ids)."""
    return tuple(_id(x) for x in v.split(" ")) if v else ()


def _text(v: str) -> str:
    # a bound against a crafted file, above any reason a season writes (one naming the
    # foresterie within reach grows with them: the verifier's own bound, session 20)
    if len(v) > 100_000 or CONTROL_RE.search(v):
        raise ValueError("too long, or holds control characters")
    return v


def _section(v: str) -> str:
    if v not in ("men", "women", "family"):
        raise ValueError(f"{v[:40]!r} is not a section")
    return v


def load_run(root: Path) -> RunData:
    """Read a run folder; a damaged or crafted one raises RunFolderError (one line)."""
    manifest = read_manifest(root)
    try:
        scenario = load_scenario(inside(root, "inputs"), public=True)
    except UnsafePath as exc:
        raise RunFolderError("inputs", None, "folder", exc.reason) from None
    except ScenarioError as exc:  # the root cause first: scenario.toml, then the data files
        first = next((q for q in exc.problems if q.file == "scenario.toml"), exc.problems[0])
        more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        # a problem of the folder itself (no scenario.toml) names the folder, not a file in it
        name = "inputs" if Path(first.file).is_absolute() else f"inputs/{first.file}"
        raise RunFolderError(name, first.row, first.field, first.message + more) from None
    plan = "plan"
    riders: dict[tuple[str, int], list[str]] = defaultdict(list)
    rider_fields = {"trip_id": _id, "seq": _count, "worker_id": _id}
    people = {w.id for w in scenario.workers}
    for n, r in enumerate(_rows(root, f"{plan}/riders.csv", rider_fields), start=2):
        if r["worker_id"] not in people:
            _in(f"{plan}/riders.csv", n, "worker_id", r["worker_id"], people)
        riders[r["trip_id"], r["seq"]].append(r["worker_id"])
    stops: dict[str, list[StopRow]] = defaultdict(list)
    stop_fields = {
        "trip_id": _id,
        "seq": _count,
        "farm_id": _id,
        "arrive": _hhmm,
        "depart": _hhmm,
        "board": _count,
        "alight": _count,
        "load_after": _count,
    }
    farms = {f.id for f in scenario.farms}
    for n, r in enumerate(_rows(root, f"{plan}/stops.csv", stop_fields), start=2):
        if r["farm_id"] not in farms:
            _in(f"{plan}/stops.csv", n, "farm_id", r["farm_id"], farms)
        seq = r["seq"]
        stops[r["trip_id"]].append(
            StopRow(
                seq=seq,
                farm_id=r["farm_id"],
                arrive=r["arrive"],
                depart=r["depart"],
                board=r["board"],
                alight=r["alight"],
                load_after=r["load_after"],
                worker_ids=tuple(riders.get((r["trip_id"], seq), ())),
            )
        )
    trip_fields = {
        "day": _day,
        "foresteria_id": _id,
        "direction": _direction,
        "trip_id": _id,
        "vehicle_id": _opt_id,
        "depart": _hhmm,
        "return": _hhmm,
        "km": _km,
        "riders": _count,
        "origin_id": _opt_id,
        "origin_depart": _opt_hhmm,
        "origin_return": _opt_hhmm,
    }
    trips = [
        TripRow(
            day=r["day"],
            foresteria_id=r["foresteria_id"],
            direction=r["direction"],
            trip_id=r["trip_id"],
            vehicle_id=r["vehicle_id"],
            depart=r["depart"],
            ret=r["return"],
            km=r["km"],
            riders=r["riders"],
            stops=tuple(sorted(stops.get(r["trip_id"], []), key=lambda s: s.seq)),
            origin_id=r["origin_id"] if r["origin_id"] != r["foresteria_id"] else "",
            origin_depart=r["origin_depart"],
            origin_return=r["origin_return"],
        )
        for r in _rows(root, f"{plan}/trips.csv", trip_fields)
    ]
    unserved_fields = {
        "day": _day,
        "foresteria_id": _id,
        "base_id": _opt_id,
        "farm_id": _id,
        "worker_days": _count,
        "code": _code,
        "proven": _yes_no,
        "vehicles_lower_bound": _count,
        "vehicles_available": _count,
        "reason": _text,
        "worker_ids": _ids,
    }
    unserved = [
        UnservedRow(
            day=r["day"],
            foresteria_id=r["foresteria_id"],
            farm_id=r["farm_id"],
            base_id=r["base_id"],
            riders=r["worker_days"],
            code=r["code"],
            proven=r["proven"],
            lower_bound=r["vehicles_lower_bound"],
            available=r["vehicles_available"],
            reason=r["reason"],
            worker_ids=r["worker_ids"],
        )
        for r in _rows(root, f"{plan}/unserved.csv", unserved_fields)
    ]
    fleet_fields = {
        "day": _day,
        "foresteria_id": _id,
        "vehicles_needed": _count,
        "vehicles_lower_bound": _count,
        "vehicles_available": _count,
        "worker_days_unserved": _count,
    }
    fleet_days = [
        FleetDayRow(
            day=r["day"],
            foresteria_id=r["foresteria_id"],
            needed=r["vehicles_needed"],
            lower_bound=r["vehicles_lower_bound"],
            available=r["vehicles_available"],
            short_riders=r["worker_days_unserved"],
        )
        for r in _rows(root, f"{plan}/fleet_days.csv", fleet_fields)
    ]
    occ_fields = {
        "foresteria_id": _id,
        "night": _day,
        "section": _section,
        "beds": _count,
        "used": _count,
    }
    occupancy = [
        (r["foresteria_id"], r["night"], r["section"], r["beds"], r["used"])
        for r in _rows(root, f"{plan}/occupancy.csv", occ_fields)
    ]
    waitlist_fields = {
        "worker_id": _id,
        "code": _id,
        "reason": _text,
        "proven": _yes_no,
    }
    waitlist = [
        {**r, "proven": "yes" if r["proven"] else "no"}
        for r in _rows(root, f"{plan}/waitlist.csv", waitlist_fields)
    ]
    span_fields = {"worker_id": _id, "foresteria_id": _id, "from": _day, "to": _day}
    spans = [
        (r["worker_id"], r["foresteria_id"], r["from"], r["to"])
        for r in _rows(root, f"{plan}/assignments.csv", span_fields)
    ]
    uncovered = None
    if (root / plan / "uncovered.csv").exists():
        fields = {"worker_id": _id, "code": _code, "from": _day, "to": _day}
        uncovered = [
            (r["worker_id"], r["code"], r["from"], r["to"])
            for r in _rows(root, f"{plan}/uncovered.csv", fields)
        ]
    _known(scenario, trips, unserved, fleet_days, occupancy, waitlist, spans, uncovered or [])
    return RunData(
        root=root,
        manifest=manifest,
        scenario=scenario,
        trips=trips,
        unserved=unserved,
        fleet_days=fleet_days,
        occupancy=occupancy,
        waitlist=waitlist,
        legs=_legs(root),
        spans=spans,
        uncovered=uncovered,
    )


def _known(
    sc: Scenario,
    trips: list[TripRow],
    unserved: list[UnservedRow],
    fleet_days: list[FleetDayRow],
    occupancy: list[tuple[str, str, str, int, int]],
    waitlist: list[dict[str, Any]],
    spans: list[tuple[str, str, str, str]],
    uncovered: list[tuple[str, str, str, str]],
) -> None:
    """Every id a plan file names exists in the run's own inputs."""
    homes = {f.id for f in sc.foresterie}
    places = homes | {p.id for p in sc.pickups}  # bases may be depots; riders board at points
    farms = {f.id for f in sc.farms}
    people = {w.id for w in sc.workers}
    vehicles = {v.id for v in sc.fleet}
    # in the order the files are named, the first unknown id raising (_in); the test before each
    # call keeps ~130,000 known ids from costing a call each
    for n, t in enumerate(trips, start=2):
        if t.foresteria_id not in places:
            _in("plan/trips.csv", n, "foresteria_id", t.foresteria_id, places)
        if t.origin_id and t.origin_id not in places:
            _in("plan/trips.csv", n, "origin_id", t.origin_id, places)
        if t.vehicle_id and t.vehicle_id not in vehicles:
            _in("plan/trips.csv", n, "vehicle_id", t.vehicle_id, vehicles)
        # stops' farms and riders are checked as they are read (their rows known there)
    for n, u in enumerate(unserved, start=2):
        if u.foresteria_id not in places:
            _in("plan/unserved.csv", n, "foresteria_id", u.foresteria_id, places)
        if u.farm_id not in farms:
            _in("plan/unserved.csv", n, "farm_id", u.farm_id, farms)
        for w in u.worker_ids:
            if w not in people:
                _in("plan/unserved.csv", n, "worker_ids", w, people)
    for n, f in enumerate(fleet_days, start=2):
        if f.foresteria_id not in places:
            _in("plan/fleet_days.csv", n, "foresteria_id", f.foresteria_id, places)
    for n, o in enumerate(occupancy, start=2):
        if o[0] not in homes:
            _in("plan/occupancy.csv", n, "foresteria_id", o[0], homes)
    for n, entry in enumerate(waitlist, start=2):
        if entry["worker_id"] not in people:
            _in("plan/waitlist.csv", n, "worker_id", entry["worker_id"], people)
    for n, (wid, fid, _, _) in enumerate(spans, start=2):
        if wid not in people:
            _in("plan/assignments.csv", n, "worker_id", wid, people)
        if fid not in homes:
            _in("plan/assignments.csv", n, "foresteria_id", fid, homes)
    for n, (wid, _, _, _) in enumerate(uncovered, start=2):
        if wid not in people:
            _in("plan/uncovered.csv", n, "worker_id", wid, people)


def _in(file: str, row: int, column: str, value: str, known: set[str]) -> None:
    if value not in known:
        raise RunFolderError(file, row, column, f"{value!r} is not in the run's inputs")


def _legs(root: Path) -> dict[str, list[list[float]]]:
    """Road geometry of each leg, recorded when the OSRM backend was used."""
    if not (root / "inputs" / "legs.geojson").exists():
        return {}
    rel = "inputs/legs.geojson"
    try:
        data = json_value(read_inside(root, rel, MAX_PLAN_BYTES))
        legs: dict[str, list[list[float]]] = {}
        for f in data["features"]:
            p = f["properties"]
            key = f"{_id(p['from_id'])}>{_id(p['to_id'])}"
            line = [[float(lat), float(lon)] for lon, lat in f["geometry"]["coordinates"]]
            if not all(math.isfinite(x) for pt in line for x in pt):
                raise ValueError("non-finite coordinates")
            legs[key] = line
        return legs
    except UnsafePath as exc:
        raise RunFolderError(rel, None, "file", exc.reason) from None
    except KeyError as exc:
        raise RunFolderError(rel, None, "features", f"a feature has no {exc}") from None
    except (ValueError, TypeError, IndexError, AttributeError):
        why = "not a FeatureCollection of lines (from_id, to_id; lon/lat numbers)"
        raise RunFolderError(rel, None, "features", why) from None


def shift_text(start: int, end: int) -> str:
    return f"{fmt_hhmm(start)}–{fmt_hhmm(end)}"


@dataclass(frozen=True, kw_only=True)
class Place:
    id: str
    name: str
    comune: str
    lat: float
    lon: float


def place_of(sc: Scenario, pid: str) -> Place:
    """A base or departure point: a foresteria, or a point of the pickups layer (a depot)."""
    for f in sc.foresterie:
        if f.id == pid:
            return Place(id=f.id, name=f.name, comune=f.comune, lat=f.lat, lon=f.lon)
    p = next(p for p in sc.pickups if p.id == pid)
    return Place(id=p.id, name=p.name, comune=p.comune, lat=p.lat, lon=p.lon)


@dataclass(frozen=True, kw_only=True)
class Lookups:
    """What the sheets, slips and notices of a run look up, found once per run instead of once
    per page (a season writes ~1,300 sheets, ~1,300 pages of slips, ~300 no-ride pages)."""

    run: RunData
    workers: dict[str, Worker]
    farms: dict[str, Farm]
    places: dict[str, Place]  # filled as asked (place_of)
    points: frozenset[str]  # the pickups layer's ids: departure points and depots
    seats: dict[str, int]  # vehicle id -> seats
    heat_days: frozenset[str]
    trips_by_day: dict[str, list[TripRow]]  # in run.trips' order
    unserved_by_day: dict[str, list[UnservedRow]]  # in run.unserved's order
    fleet_days_by_day: dict[str, list[FleetDayRow]]  # in run.fleet_days' order
    # base -> its vehicles, in fleet.csv's order (asked per base and day: sheets.py)
    fleet_by_base: dict[str, list[Vehicle]] = field(default_factory=dict)

    def place(self, pid: str) -> Place:
        if pid not in self.places:
            self.places[pid] = place_of(self.run.scenario, pid)
        return self.places[pid]


def told_apart(farms: tuple[Farm, ...]) -> dict[str, Farm]:
    """Farm id -> farm, a farm whose name and comune another farm also has named with its id
    too ("Az. agr. Uva Italia (F-UV04)"): a worker's slip, a no-ride notice and a driver
    sheet name a farm by its name and comune, which then read the same for two farms (review
    20 R, LOW-1). Every other farm as it is."""
    count = Counter((f.name, f.comune) for f in farms)
    return {
        f.id: replace(f, name=f"{f.name} ({f.id})") if count[f.name, f.comune] > 1 else f
        for f in farms
    }


_LOOKUPS: list[Lookups] = []  # the last run's (a report writes one run's pages at a time)


def lookups(run: RunData) -> Lookups:
    """The run's Lookups, made on the first call for it (a run read is not changed after)."""
    if not _LOOKUPS or _LOOKUPS[0].run is not run:
        sc = run.scenario
        seats: dict[str, int] = {}
        for v in sc.fleet:
            seats.setdefault(v.id, v.seats)  # the first of an id, as a scan would find it
        trips: dict[str, list[TripRow]] = defaultdict(list)
        for t in run.trips:
            trips[t.day].append(t)
        unserved: dict[str, list[UnservedRow]] = defaultdict(list)
        for u in run.unserved:
            unserved[u.day].append(u)
        fleet: dict[str, list[FleetDayRow]] = defaultdict(list)
        for f in run.fleet_days:
            fleet[f.day].append(f)
        based: dict[str, list[Vehicle]] = defaultdict(list)
        for v in sc.fleet:
            based[v.foresteria_id].append(v)
        _LOOKUPS[:] = [
            Lookups(
                run=run,
                workers={w.id: w for w in sc.workers},
                farms=told_apart(sc.farms),
                places={},
                points=frozenset(p.id for p in sc.pickups),
                seats=seats,
                heat_days=frozenset(d.isoformat() for d in sc.config.transport.heat_alert_days),
                trips_by_day=dict(trips),
                unserved_by_day=dict(unserved),
                fleet_days_by_day=dict(fleet),
                fleet_by_base=dict(based),
            )
        ]
    return _LOOKUPS[0]
