"""Plan files: the CSV/JSON outputs every later stage and the auditor read (byte-stable)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from foresterie.core.files import csv_text as _csv
from foresterie.core.files import dumps_json, write_text
from foresterie.core.restricted import RESTRICTED_KPIS, RESTRICTED_TIERS
from foresterie.core.runfolder import restricted_kpi
from foresterie.core.timeutil import fmt_hhmm as _hhmm
from foresterie.housing.tiers import HousingPlan
from foresterie.housing.waitlist import uncovered_reasons
from foresterie.scenario.model import SECTIONS, Scenario
from foresterie.shuttles.routes import ShuttlePlan
from foresterie.travel.matrix import TravelMatrix


def occupancy_rows(scenario: Scenario, housing: HousingPlan) -> list[list[Any]]:
    """Beds and used per foresteria, open night and section (sections with beds or guests)."""
    used: dict[tuple[str, str, str], int] = {}
    for a in housing.assignments:
        d = a.arrival
        while d < a.departure:
            k = (a.foresteria_id, d.isoformat(), a.section.value)
            used[k] = used.get(k, 0) + 1
            d += timedelta(days=1)
    rows = []
    for f in scenario.foresterie:
        d = f.open_from
        while d <= f.open_to:
            for s in SECTIONS:
                n = used.get((f.id, d.isoformat(), s.value), 0)
                if f.beds(s) or n:
                    rows.append([f.id, d.isoformat(), s.value, f.beds(s), n])
            d += timedelta(days=1)
    return rows


def waitlist_detail_csv(housing: HousingPlan) -> str:
    """restricted/waitlist_reasons.csv: each waitlisted person's detailed code and words, of which
    plan/waitlist.csv publishes what no priority or referral decides (housing.waitlist)."""
    return _csv([[e.worker_id, e.code, e.reason] for e in housing.waitlist], WAITLIST_DETAIL)


WAITLIST_DETAIL = ["worker_id", "code", "reason"]
# in restricted/ (README, "Restricted part and encryption")
RESTRICTED_WAITLIST = "waitlist_reasons.csv"
# plan/uncovered.csv's rows with their detailed code and words (README "Waitlist reasons"):
# `placement` where a site to avoid or a pin is part of the cause, published `no_bed_elsewhere`.
RESTRICTED_UNCOVERED = "uncovered_reasons.csv"
UNCOVERED = ["worker_id", "from", "to", "code", "reason"]


def uncovered_csv(
    scenario: Scenario, housing: HousingPlan, matrix: TravelMatrix, *, detail: bool
) -> str:
    """plan/uncovered.csv (`detail` False), or restricted/uncovered_reasons.csv: the same rows,
    with the detailed code and words."""
    return _csv(
        [
            [
                u.span.worker_id,
                u.span.start.isoformat(),
                u.span.end.isoformat(),
                *((u.detail_code, u.detail) if detail else (u.code, u.reason)),
            ]
            for u in uncovered_reasons(scenario, housing.assignments, matrix, housing.past_opens)
        ],
        UNCOVERED,
    )


# The KPIs on priorities and referrals (run/kpi.plan_kpis) are restricted/ RESTRICTED_KPIS, the
# figures of the housing tiers that count people by priority restricted/ RESTRICTED_TIERS.
# The restricted part's outputs (its other files are the inputs' restricted fields), which
# `replay` compares by the manifest's hashes of their plaintexts.
# The lottery's tickets (README "Entry rules"): beside the published ids, a person housed with a
# later ticket than a waitlisted look-alike is not the look-alike's equal (a priority, a site to
# avoid), so the draw is kept apart, for the auditor and for each person asking for their own.
RESTRICTED_LOTTERY = "lottery.csv"
RESTRICTED_OUTPUTS = (
    RESTRICTED_WAITLIST,
    RESTRICTED_KPIS,
    RESTRICTED_TIERS,
    RESTRICTED_LOTTERY,
    RESTRICTED_UNCOVERED,
)
# What a sealed tier's record keeps in the restricted part; the published record has them null.
SEALED_TIER_FIGURES = ("objective", "bound", "gap")


def restricted_outputs(
    housing: HousingPlan,
    kpis: dict[str, dict[str, Any]],
    scenario: Scenario,
    matrix: TravelMatrix,
) -> dict[str, str]:
    """What a run's plan adds to its restricted part: the detailed waitlist reasons, the
    figures on priorities and referrals, those of the tiers by priority, the lottery's
    tickets when it is drawn, and with partial stays the detailed reasons of the nights
    without a bed."""
    out = {
        RESTRICTED_WAITLIST: waitlist_detail_csv(housing),
        RESTRICTED_KPIS: dumps_json(kpis),
        RESTRICTED_TIERS: dumps_json({"tiers": tier_records(housing)[1]}),
    }
    if housing.lottery is not None:
        out[RESTRICTED_LOTTERY] = _csv(
            [[w, k] for w, k in sorted(housing.lottery.items())], ["worker_id", "ticket"]
        )
    if scenario.config.housing.partial_stays:
        out[RESTRICTED_UNCOVERED] = uncovered_csv(scenario, housing, matrix, detail=True)
    return out


def tier_records(housing: HousingPlan) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(published, sealed): each housing tier's record for plan/housing.json (the manifest's
    leaves out `sense`), and the figures of the tiers whose objective counts people of a
    priority (`housed_priority_3`: the referred people housed; its bound: how many could be).
    Beside the plan's ids a small run's count singles someone out, so their published record
    has objective, bound and gap null, and restricted/tiers.json holds them (README,
    "Restricted part and encryption")."""
    published: list[dict[str, Any]] = []
    sealed: list[dict[str, Any]] = []
    for t in housing.tiers:
        rec: dict[str, Any] = {
            "name": t.name,
            "sense": t.sense,
            "objective": t.objective,
            "bound": t.bound,
            "optimal": t.optimal,
            "gap": round(t.gap, 6),
            "proof": t.proof,
        }
        if restricted_kpi(t.name):
            sealed.append({"name": t.name} | {k: rec[k] for k in SEALED_TIER_FIGURES})
            rec |= dict.fromkeys(SEALED_TIER_FIGURES)
        published.append(rec)
    return published, sealed


def write_housing(
    plan_dir: Path, scenario: Scenario, housing: HousingPlan, matrix: TravelMatrix
) -> None:
    write_text(
        plan_dir / "assignments.csv",
        _csv(
            [
                [
                    a.worker_id,
                    a.foresteria_id,
                    a.section.value,
                    a.arrival.isoformat(),
                    a.departure.isoformat(),
                ]
                for a in housing.assignments
            ],
            ["worker_id", "foresteria_id", "section", "from", "to"],
        ),
    )
    write_text(
        plan_dir / "waitlist.csv",
        _csv(
            [
                [e.worker_id, code, "yes" if e.proven else "no", words]
                for e in housing.waitlist
                for code, words in [e.published]
            ],
            # priority and the detailed reasons: restricted/ (README, "Waitlist reasons")
            ["worker_id", "code", "proven", "reason"],
        ),
    )
    if scenario.config.housing.partial_stays:
        write_text(
            plan_dir / "uncovered.csv", uncovered_csv(scenario, housing, matrix, detail=False)
        )
    write_text(
        plan_dir / "occupancy.csv",
        _csv(
            occupancy_rows(scenario, housing), ["foresteria_id", "night", "section", "beds", "used"]
        ),
    )
    summary = {
        "tiers": tier_records(housing)[0],
        "units": housing.units,
        "districts": housing.districts,
        "blocks": housing.blocks,
        "housed": len({a.worker_id for a in housing.assignments}),
        "waitlisted": len(housing.waitlist),
        "moved_vs_previous": housing.moved,
        "backend": scenario.config.solver.housing_backend,
    }
    write_text(plan_dir / "housing.json", dumps_json(summary))


def write_shuttles(plan_dir: Path, scenario: Scenario, shuttles: ShuttlePlan) -> None:
    """trips, stops, riders, unserved, fleet per day, routes.geojson, plan.json (VROOM-shaped)."""
    trips = shuttles.trips
    write_text(
        plan_dir / "trips.csv",
        _csv(
            [
                [
                    t.day.isoformat(),
                    t.foresteria_id,
                    t.direction,
                    t.trip_id,
                    t.vehicle_id or "",
                    _hhmm(t.depart),
                    _hhmm(t.ret),
                    f"{t.metres / 1000:.3f}",
                    t.riders,
                    t.origin,
                    _hhmm(t.depart + t.lead),
                    _hhmm(t.ret - t.tail),
                ]
                for t in trips
            ],
            [
                "day",
                "foresteria_id",
                "direction",
                "trip_id",
                "vehicle_id",
                "depart",
                "return",
                "km",
                "riders",
                "origin_id",
                "origin_depart",
                "origin_return",
            ],
        ),
    )
    write_text(
        plan_dir / "stops.csv",
        _csv(
            [
                [
                    t.trip_id,
                    s.seq,
                    s.farm_id,
                    _hhmm(s.arrive),
                    _hhmm(s.depart),
                    s.board,
                    s.alight,
                    s.load_after,
                    s.idle,
                ]
                for t in trips
                for s in t.stops
            ],
            [
                "trip_id",
                "seq",
                "farm_id",
                "arrive",
                "depart",
                "board",
                "alight",
                "load_after",
                "idle_min",
            ],
        ),
    )
    write_text(
        plan_dir / "riders.csv",
        _csv(
            [[t.trip_id, s.seq, w] for t in trips for s in t.stops for w in s.worker_ids],
            ["trip_id", "seq", "worker_id"],
        ),
    )
    write_text(
        plan_dir / "unserved.csv",
        _csv(
            [
                [
                    u.day.isoformat(),
                    u.foresteria_id,
                    u.base_id,
                    u.farm_id,
                    u.riders,
                    u.code,
                    "yes" if u.proven else "no",
                    u.lower_bound,
                    u.available,
                    u.reason,
                    " ".join(u.worker_ids),
                ]
                for u in shuttles.unserved
            ],
            [
                "day",
                "foresteria_id",
                "base_id",
                "farm_id",
                "worker_days",
                "code",
                "proven",
                "vehicles_lower_bound",
                "vehicles_available",
                "reason",
                "worker_ids",
            ],
        ),
    )
    write_text(
        plan_dir / "fleet_days.csv",
        _csv(
            [
                [
                    f.day.isoformat(),
                    f.foresteria_id,
                    f.needed,
                    f.lower_bound,
                    f.available,
                    f.short_riders,
                    "yes" if f.optimal else "no",
                    "yes" if f.needed_proven else "no",
                ]
                for f in shuttles.fleet_days
            ],
            [
                "day",
                "foresteria_id",
                "vehicles_needed",
                "vehicles_lower_bound",
                "vehicles_available",
                "worker_days_unserved",
                "chaining_optimal",
                "vehicles_needed_proven",
            ],
        ),
    )
    where = (
        {f.id: (f.lon, f.lat) for f in scenario.foresterie}
        | {f.id: (f.lon, f.lat) for f in scenario.farms}
        | {p.id: (p.lon, p.lat) for p in scenario.pickups}
    )
    features = []
    for t in trips:
        path = t.places
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "trip_id": t.trip_id,
                    "day": t.day.isoformat(),
                    "foresteria_id": t.foresteria_id,
                    "direction": t.direction,
                    "vehicle_id": t.vehicle_id,
                    "depart": _hhmm(t.depart),
                    "return": _hhmm(t.ret),
                    "km": round(t.metres / 1000, 3),
                    "riders": t.riders,
                    "origin_id": t.origin,
                    "stops": [s.farm_id for s in t.stops],
                },
                "geometry": {"type": "LineString", "coordinates": [list(where[x]) for x in path]},
            }
        )
    write_text(
        plan_dir / "routes.geojson",
        json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
        + "\n",
    )
    write_text(
        plan_dir / "plan.json",
        json.dumps(_vroom(scenario, shuttles, where), separators=(",", ":"), sort_keys=True) + "\n",
    )


def _vroom(scenario: Scenario, sp: ShuttlePlan, where: dict[str, tuple[float, float]]) -> dict:
    """A VROOM-shaped result: seconds after midnight, metres, lon/lat; one route per trip."""
    routes = []
    for t in sp.trips:
        steps = [
            {
                "type": "start",
                "id": t.foresteria_id,
                "location": list(where[t.foresteria_id]),
                "arrival": t.depart * 60,
                "load": [t.riders if t.direction == "to_farm" and not t.origin_id else 0],
            }
        ]
        morning = t.direction == "to_farm"
        if t.origin_id:  # the departure point: riders board (morning) or alight (evening)
            steps.append(
                {
                    "type": "job",
                    "id": t.origin_id,
                    "location": list(where[t.origin_id]),
                    "arrival": (t.depart + t.lead if morning else t.ret - t.tail) * 60,
                    "departure": (t.depart + t.lead if morning else t.ret - t.tail) * 60,
                    "pickup": [t.riders if morning else 0],
                    "delivery": [0 if morning else t.riders],
                    "load": [t.riders if morning else 0],
                }
            )
        for s in t.stops:
            steps.append(
                {
                    "type": "job",
                    "id": s.farm_id,
                    "location": list(where[s.farm_id]),
                    "arrival": s.arrive * 60,
                    "departure": s.depart * 60,
                    "pickup": [s.board],
                    "delivery": [s.alight],
                    "load": [s.load_after],
                }
            )
        steps.append(
            {
                "type": "end",
                "id": t.foresteria_id,
                "location": list(where[t.foresteria_id]),
                "arrival": t.ret * 60,
                "load": [0 if t.direction == "to_farm" or t.origin_id else t.riders],
            }
        )
        routes.append(
            {
                "vehicle": t.vehicle_id,
                "trip": t.trip_id,
                "day": t.day.isoformat(),
                "direction": t.direction,
                "distance": t.metres,
                "duration": (t.ret - t.depart) * 60,
                "steps": steps,
            }
        )
    unassigned = [
        {
            "day": u.day.isoformat(),
            "foresteria_id": u.foresteria_id,
            "id": u.farm_id,
            "legs": ["to_farm", "to_foresteria"],
            "riders": u.riders,
            "code": u.code,
            "reason": u.reason,
        }
        for u in sp.unserved
    ]
    return {
        "code": 0,
        "units": {
            "time": "seconds after midnight (Europe/Rome)",
            "distance": "metres",
            "location": "WGS84 [lon, lat]",
        },
        "summary": {
            "routes": len(routes),
            "unassigned": 2 * sum(u.riders for u in sp.unserved),  # rider-trips (both legs)
            "distance": sum(t.metres for t in sp.trips),
            "engine": sp.engine,
        },
        "unassigned": unassigned,
        "routes": routes,
    }
