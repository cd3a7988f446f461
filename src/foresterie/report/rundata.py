"""A saved run read back from its folder, for the reports, maps and driver sheets.

Reports are built from the published files (plan/, inputs/, manifest.json), never from solver
objects, so `foresterie map RUN` and `foresterie report RUN` work on any saved run, old or new,
and what a coordinator sees is exactly what the auditor verified.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foresterie.core.timeutil import fmt_hhmm
from foresterie.scenario.load import load_scenario
from foresterie.scenario.model import Scenario


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

    @property
    def days(self) -> list[str]:
        return sorted({t.day for t in self.trips} | {u.day for u in self.unserved})

    @property
    def road_geometry(self) -> bool:
        return bool(self.legs)


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_run(root: Path) -> RunData:
    """Read a run folder (raises OSError/KeyError/ValueError on a damaged one)."""
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    scenario = load_scenario(root / "inputs")
    plan = root / "plan"
    riders: dict[tuple[str, int], list[str]] = defaultdict(list)
    for r in _rows(plan / "riders.csv"):
        riders[r["trip_id"], int(r["seq"])].append(r["worker_id"])
    stops: dict[str, list[StopRow]] = defaultdict(list)
    for r in _rows(plan / "stops.csv"):
        seq = int(r["seq"])
        stops[r["trip_id"]].append(
            StopRow(
                seq=seq,
                farm_id=r["farm_id"],
                arrive=r["arrive"],
                depart=r["depart"],
                board=int(r["board"]),
                alight=int(r["alight"]),
                load_after=int(r["load_after"]),
                worker_ids=tuple(riders.get((r["trip_id"], seq), ())),
            )
        )
    trips = [
        TripRow(
            day=r["day"],
            foresteria_id=r["foresteria_id"],
            direction=r["direction"],
            trip_id=r["trip_id"],
            vehicle_id=r["vehicle_id"],
            depart=r["depart"],
            ret=r["return"],
            km=float(r["km"]),
            riders=int(r["riders"]),
            stops=tuple(sorted(stops.get(r["trip_id"], []), key=lambda s: s.seq)),
            origin_id=r["origin_id"] if r["origin_id"] != r["foresteria_id"] else "",
            origin_depart=r["origin_depart"],
            origin_return=r["origin_return"],
        )
        for r in _rows(plan / "trips.csv")
    ]
    unserved = [
        UnservedRow(
            day=r["day"],
            foresteria_id=r["foresteria_id"],
            farm_id=r["farm_id"],
            base_id=r["base_id"],
            riders=int(r["worker_days"]),
            code=r["code"],
            proven=r["proven"] == "yes",
            lower_bound=int(r["vehicles_lower_bound"]),
            available=int(r["vehicles_available"]),
            reason=r["reason"],
        )
        for r in _rows(plan / "unserved.csv")
    ]
    fleet_days = [
        FleetDayRow(
            day=r["day"],
            foresteria_id=r["foresteria_id"],
            needed=int(r["vehicles_needed"]),
            lower_bound=int(r["vehicles_lower_bound"]),
            available=int(r["vehicles_available"]),
            short_riders=int(r["worker_days_unserved"]),
        )
        for r in _rows(plan / "fleet_days.csv")
    ]
    occupancy = [
        (r["foresteria_id"], r["night"], r["section"], int(r["beds"]), int(r["used"]))
        for r in _rows(plan / "occupancy.csv")
    ]
    legs: dict[str, list[list[float]]] = {}
    legs_file = root / "inputs" / "legs.geojson"
    if legs_file.is_file():  # road geometry, recorded when the OSRM backend was used
        for f in json.loads(legs_file.read_text(encoding="utf-8"))["features"]:
            p = f["properties"]
            legs[f"{p['from_id']}>{p['to_id']}"] = [
                [lat, lon] for lon, lat in f["geometry"]["coordinates"]
            ]
    return RunData(
        root=root,
        manifest=manifest,
        scenario=scenario,
        trips=trips,
        unserved=unserved,
        fleet_days=fleet_days,
        occupancy=occupancy,
        waitlist=_rows(plan / "waitlist.csv"),
        legs=legs,
    )


def shift_text(start: int, end: int) -> str:
    return f"{fmt_hhmm(start)}–{fmt_hhmm(end)}"
