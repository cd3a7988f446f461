"""Write a typed Scenario back to scenario files (the inverse of scenario.load_scenario).

Used for run snapshots and for sweep members: a member is an ordinary scenario folder that
anyone can open, validate and solve by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import shapely
import shapely.geometry

from foresterie.core.files import csv_text as _csv
from foresterie.core.files import write_text
from foresterie.core.restricted import RESTRICTED_DRAW_KEY
from foresterie.core.timeutil import DAYS, fmt_hhmm
from foresterie.core.tomlout import dumps as toml_dumps
from foresterie.scenario.load import (
    CALENDAR_COLUMNS,
    FLEET_COLUMNS,
    FLEET_OPTIONAL,
    PRIORITY_COLUMNS,
    REFERRAL_COLUMNS,
    WORKER_COLUMNS,
)
from foresterie.scenario.model import (
    SPAN_MIN_DEFAULT,
    STRETCH_MIN_DEFAULT,
    Farm,
    FarmClosure,
    Foresteria,
    Pickup,
    Referral,
    Scenario,
    Vehicle,
    Worker,
)


def workers_csv(workers: tuple[Worker, ...] | list[Worker], priority: bool = True) -> str:
    """Only the columns the model reads (no names, documents or phones, ever), plus the notice
    language when any worker has one (so files without it stay byte-identical). `priority`
    False: without the priority column, which a run keeps in its restricted part."""
    langs = any(w.lang for w in workers)
    keep = [c != "priority" or priority for c in WORKER_COLUMNS] + ([True] if langs else [])
    rows = [
        [
            w.id,
            w.arrival.isoformat(),
            w.departure.isoformat(),
            w.section.value,
            w.group_id or "",
            w.farm_id or "",
            w.priority,
            "true" if w.accessible else "false",
            w.pinned_foresteria or "",
            w.pickup_id or "",
            "true" if w.rides else "false",
            "true" if w.contract else "false",
            *([w.lang or ""] if langs else []),
        ]
        for w in workers
    ]
    header = [*WORKER_COLUMNS, *(["lang"] if langs else [])]
    return _csv(
        [[c for c, k in zip(row, keep, strict=True) if k] for row in rows],
        [c for c, k in zip(header, keep, strict=True) if k],
    )


def priority_csv(workers: tuple[Worker, ...] | list[Worker]) -> str:
    """Each person's priority (restricted: README, "Restricted part and encryption")."""
    rows = [[w.id, w.priority] for w in sorted(workers, key=lambda w: w.id)]
    return _csv(rows, list(PRIORITY_COLUMNS))


def referrals_csv(referrals: tuple[Referral, ...]) -> str:
    """The referral records as the model read them (restricted: README, "Referral records")."""
    return _csv(
        [
            [
                x.worker_id,
                x.referral_date.isoformat(),
                x.referring_body,
                x.urgency,
                ";".join(sorted(x.avoid_sites)),
            ]
            for x in referrals
        ],
        list(REFERRAL_COLUMNS),
    )


def farm_calendar_csv(closures: tuple[FarmClosure, ...]) -> str:
    """The days farms have no work, as the model read them."""
    return _csv(
        [[c.farm_id, c.first_day.isoformat(), c.last_day.isoformat()] for c in closures],
        list(CALENDAR_COLUMNS),
    )


def fleet_csv(fleet: tuple[Vehicle, ...] | list[Vehicle]) -> str:
    """The fleet as the model read it; the driver's-day columns only where a vehicle has limits
    of its own (a fleet of single drivers is written as before)."""
    own = any(v.drivers_day != (SPAN_MIN_DEFAULT, STRETCH_MIN_DEFAULT) for v in fleet)
    return _csv(
        [
            [
                v.id,
                v.foresteria_id,
                v.seats,
                v.fixed_cost_eur_per_day,
                v.cost_eur_per_km,
                v.max_duty_min,
                v.available_from.isoformat(),
                v.available_to.isoformat(),
                *(v.drivers_day if own else ()),
            ]
            for v in fleet
        ],
        [*FLEET_COLUMNS, *(FLEET_OPTIONAL if own else ())],
    )


def _collection(features: list[dict[str, Any]]) -> str:
    return (
        json.dumps(
            {"type": "FeatureCollection", "features": features},
            ensure_ascii=False,
            indent=None,
            separators=(",", ":"),
        )
        + "\n"
    )


def foresterie_geojson(items: tuple[Foresteria, ...] | list[Foresteria]) -> str:
    return _collection(
        [
            {
                "type": "Feature",
                "properties": {
                    "id": f.id,
                    "name": f.name,
                    "comune": f.comune,
                    "beds_men": f.beds_men,
                    "beds_women": f.beds_women,
                    "beds_family": f.beds_family,
                    "beds_accessible": f.beds_accessible,
                    "open_from": f.open_from.isoformat(),
                    "open_to": f.open_to.isoformat(),
                },
                "geometry": {"type": "Point", "coordinates": [f.lon, f.lat]},
            }
            for f in items
        ]
    )


def farms_geojson(items: tuple[Farm, ...] | list[Farm]) -> str:
    """Farms with their polygon, or their entrance point: the model's fields only."""
    return _collection(
        [
            {
                "type": "Feature",
                "properties": {
                    "id": f.id,
                    "name": f.name,
                    "comune": f.comune,
                    "crop": f.crop,
                    "shift_start": fmt_hhmm(f.shift_start),
                    "shift_end": fmt_hhmm(f.shift_end),
                    "workdays": ",".join(DAYS[d].title() for d in sorted(f.workdays)),
                },
                "geometry": _farm_geometry(f),
            }
            for f in items
        ]
    )


def pickups_geojson(items: tuple[Pickup, ...] | list[Pickup]) -> str:
    """Departure points and depots: the model's fields only."""
    return _collection(
        [
            {
                "type": "Feature",
                "properties": {"id": p.id, "name": p.name, "comune": p.comune, "kind": p.kind},
                "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
            }
            for p in items
        ]
    )


def _farm_geometry(f: Farm) -> dict[str, Any]:
    """The polygon as read (WKT round-trips float64 exactly, so its representative point, the
    entrance, comes out the same when read again), or the entrance point."""
    if f.wkt is None:
        return {"type": "Point", "coordinates": [f.lon, f.lat]}
    return dict(shapely.geometry.mapping(shapely.from_wkt(f.wkt)))


def write_scenario(
    scenario: Scenario, folder: Path, header: str = "", matrix_csv: str | None = None
) -> None:
    """Every file of the scenario into `folder`. A scenario on a matrix or road backend is
    written with `matrix_csv` (its travel matrix as computed once) and backend "matrix"."""
    folder.mkdir(parents=True, exist_ok=True)
    write_text(folder / "foresterie.geojson", foresterie_geojson(scenario.foresterie))
    write_text(folder / "farms.geojson", farms_geojson(scenario.farms))
    write_text(folder / "workers.csv", workers_csv(scenario.workers))
    write_text(folder / "fleet.csv", fleet_csv(scenario.fleet))
    cfg = scenario.config.model_dump(mode="python")
    cfg["data"] = {
        "foresterie": "foresterie.geojson",
        "farms": "farms.geojson",
        "workers": "workers.csv",
        "fleet": "fleet.csv",
    }
    if scenario.pickups:  # departure points and depots: where riders without a bed board
        write_text(folder / "pickups.geojson", pickups_geojson(scenario.pickups))
        cfg["data"]["pickups"] = "pickups.geojson"
    # days without work release beds; a calendar left with no closure (a sweep's window between
    # them) is no calendar: its header alone would be refused (review 20 T, HIGH-2)
    if "farm_calendar" in scenario.files and scenario.farm_closures:
        write_text(folder / "farm_calendar.csv", farm_calendar_csv(scenario.farm_closures))
        cfg["data"]["farm_calendar"] = "farm_calendar.csv"
    if scenario.referrals:  # hard constraints (sites to avoid): a member must keep them
        write_text(folder / "referrals.csv", referrals_csv(scenario.referrals))
        cfg["data"]["referrals"] = "referrals.csv"
    if scenario.draw_key is not None:  # the tie-breaks' secret: a member draws as the run did
        write_text(folder / RESTRICTED_DRAW_KEY, scenario.draw_key + "\n")
        cfg["data"]["draw_key"] = RESTRICTED_DRAW_KEY
    if cfg["travel"]["backend"] != "haversine":
        if matrix_csv is None:
            raise ValueError(f"backend {cfg['travel']['backend']!r} needs the matrix to be written")
        write_text(folder / "matrix.csv", matrix_csv)
        cfg["data"]["matrix"] = "matrix.csv"
        cfg["travel"] = {**cfg["travel"], "backend": "matrix", "graph": None}
    write_text(folder / "scenario.toml", header + toml_dumps(cfg))
