"""Plan KPIs with their formulas (README "KPIs"); the verifier recomputes them from files."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta
from typing import Any

from foresterie.housing.tiers import HousingPlan
from foresterie.scenario.model import SECTIONS, Scenario
from foresterie.shuttles.routes import TO_FARM, ShuttlePlan


def housing_kpis(scenario: Scenario, hp: HousingPlan) -> dict[str, Any]:
    workers = {w.id: w for w in scenario.workers}
    housed = [workers[a.worker_id] for a in hp.assignments]
    waiting = [workers[e.worker_id] for e in hp.waitlist]
    used: dict[tuple[str, str], int] = defaultdict(int)
    for a in hp.assignments:
        d = a.arrival
        while d < a.departure:
            used[a.foresteria_id, d.isoformat()] += 1
            d += timedelta(days=1)
    capacity = sum(f.beds_total * ((f.open_to - f.open_from).days + 1) for f in scenario.foresterie)
    beds = {f.id: f.beds_total for f in scenario.foresterie}
    peak = max((math.ceil(1000 * n / beds[f]) for (f, _), n in used.items() if beds[f]), default=0)
    return {
        "people": len(workers),
        "housed": len(housed),
        "waitlisted": len(waiting),
        "housed_by_priority": {str(p): sum(1 for w in housed if w.priority == p) for p in range(4)},
        "waitlisted_by_priority": {
            str(p): sum(1 for w in waiting if w.priority == p) for p in range(4)
        },
        "housed_by_section": {s.value: sum(1 for w in housed if w.section == s) for s in SECTIONS},
        "waitlisted_by_section": {
            s.value: sum(1 for w in waiting if w.section == s) for s in SECTIONS
        },
        "bed_nights_used": sum(used.values()),
        "bed_nights_capacity": capacity,
        "occupancy_pct": round(100 * sum(used.values()) / capacity, 2) if capacity else 0.0,
        "peak_occupancy_permille": peak,
        "commute_minutes": round(
            next((t.objective for t in hp.tiers if t.name == "commute_s"), 0) / 60, 1
        ),
    }


def transport_kpis(scenario: Scenario, sp: ShuttlePlan) -> dict[str, Any]:
    fleet = {v.id: v for v in scenario.fleet}
    vehicle_days = {(t.day, t.vehicle_id) for t in sp.trips if t.vehicle_id}
    per_day: dict[str, int] = defaultdict(int)
    for d, _ in vehicle_days:
        per_day[d.isoformat()] += 1
    worker_days = sum(t.riders for t in sp.trips if t.direction == TO_FARM)
    metres = sum(t.metres for t in sp.trips)
    seats = sum(fleet[t.vehicle_id].seats for t in sp.trips if t.vehicle_id)
    rides = []
    for t in sp.trips:
        for s in t.stops:
            ride = s.arrive - t.depart if t.direction == TO_FARM else t.ret - s.depart
            rides += [ride] * len(s.worker_ids)
    fixed = sum(fleet[v].fixed_cost_eur_per_day for _, v in vehicle_days if v)
    km_cost = sum(
        t.metres / 1000 * fleet[t.vehicle_id].cost_eur_per_km for t in sp.trips if t.vehicle_id
    )
    cost = fixed + km_cost
    unserved_days = sum(u.riders for u in sp.unserved if u.direction == TO_FARM)
    fee = scenario.config.transport.caporale_fee_eur
    return {
        "trips": len(sp.trips),
        "worker_days_transported": worker_days,
        "rider_trips": sum(t.riders for t in sp.trips),
        "unserved_rider_trips": sum(u.riders for u in sp.unserved),
        "unserved_worker_days": unserved_days,
        "vehicle_days": len(vehicle_days),
        "vehicles_per_day_peak": max(per_day.values(), default=0),
        "vehicles_per_day_mean": round(sum(per_day.values()) / len(per_day), 2) if per_day else 0.0,
        "fleet_size": len(fleet),
        "days_fleet_short": len({f.day for f in sp.fleet_days if f.short_riders}),
        "vehicle_km": round(metres / 1000, 1),
        "seat_utilisation_pct": round(100 * sum(t.riders for t in sp.trips) / seats, 2)
        if seats
        else 0.0,
        "ride_minutes_mean": round(sum(rides) / len(rides), 2) if rides else 0.0,
        "ride_minutes_max": max(rides, default=0),
        "transport_cost_eur": round(cost, 2),
        "cost_per_worker_day_eur": round(cost / worker_days, 2) if worker_days else 0.0,
        # [transport] caporale_fee_eur: EUR 5 a day to EUR 5 a leg (DOMAIN.md sec. 7).
        "caporale_fee_eur_per_worker_day": list(fee),
        "caporale_fees_avoided_eur": round(fee[0] * worker_days, 2),
        "caporale_fees_avoided_eur_high": round(fee[1] * worker_days, 2),
    }
