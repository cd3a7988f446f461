"""Plan KPIs with their formulas (README "KPIs"); the verifier recomputes them from files."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from foresterie.core.runfolder import split_kpis
from foresterie.housing.tiers import HousingPlan
from foresterie.scenario.model import SECTIONS, Scenario
from foresterie.shuttles.routes import TO_FARM, ShuttlePlan, rider_waits


def plan_kpis(
    scenario: Scenario, hp: HousingPlan, sp: ShuttlePlan
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """(the manifest's KPIs, restricted/kpis.json's): every figure on priorities or referrals
    (by priority, referred, days from referral to a bed, ...) goes to the restricted part, since
    the manifest travels beside the plan's ids (README "Restricted part and encryption")."""
    return split_kpis(
        {"housing": housing_kpis(scenario, hp), "transport": transport_kpis(scenario, sp)}
    )


def housing_kpis(scenario: Scenario, hp: HousingPlan) -> dict[str, Any]:
    workers = {w.id: w for w in scenario.workers}
    nights_housed: dict[str, int] = defaultdict(int)  # a transfer gives two rows
    for a in hp.assignments:
        nights_housed[a.worker_id] += (a.departure - a.arrival).days
    housed = [workers[wid] for wid in sorted(nights_housed)]
    rows_per: dict[str, int] = defaultdict(int)
    for a in hp.assignments:
        rows_per[a.worker_id] += 1
    waiting = [workers[e.worker_id] for e in hp.waitlist]
    used: dict[tuple[str, str], int] = defaultdict(int)
    for a in hp.assignments:
        d = a.arrival
        while d < a.departure:
            used[a.foresteria_id, d.isoformat()] += 1
            d += timedelta(days=1)
    # Bed-nights on offer inside the scenario's season (a day run's season is that one night).
    season = scenario.config.scenario
    capacity = sum(
        f.beds_total
        * max(
            0, (min(f.open_to, season.season_end) - max(f.open_from, season.season_start)).days + 1
        )
        for f in scenario.foresterie
    )
    beds = {f.id: f.beds_total for f in scenario.foresterie}
    peak = max((math.ceil(1000 * n / beds[f]) for (f, _), n in used.items() if beds[f]), default=0)
    first_night: dict[str, date] = {}
    for a in hp.assignments:
        first_night[a.worker_id] = min(a.arrival, first_night.get(a.worker_id, a.arrival))
    referral = (
        referral_kpis(
            {x.worker_id: x.referral_date for x in scenario.referrals},
            first_night,
            {e.worker_id: e.code for e in hp.waitlist},
        )
        if scenario.referrals
        else {}
    )
    return {
        **referral,
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
        # Partial stays (README "KPIs"): people moved once at a closing, people housed for part
        # of their stay, and the nights of housed people's stays spent without a bed.
        "transferred": sum(1 for n in rows_per.values() if n > 1),
        "partial_stays": sum(1 for w in housed if nights_housed[w.id] < w.nights),
        "uncovered_nights": sum(w.nights - nights_housed[w.id] for w in housed),
        # Dependants (rides = false) take beds and never ride; workers = people - dependants.
        "housed_dependants": sum(1 for w in housed if not w.rides),
        "waitlisted_dependants": sum(1 for w in waiting if not w.rides),
    }


def nearest_rank(values: list[int], q: float) -> int:
    """The q-quantile by the nearest-rank method (an observed value, no interpolation)."""
    s = sorted(values)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def referral_kpis(
    referred: dict[str, date], first_night: dict[str, date], waitlisted: dict[str, str]
) -> dict[str, Any]:
    """Days from referral to a bed (the first night housed; 0 if housed before the referral),
    median and p90 by nearest rank, and referred people not housed by waitlist code. Counts
    only: nothing here names a person."""
    days = [max(0, (first_night[w] - d).days) for w, d in referred.items() if w in first_night]
    codes: dict[str, int] = defaultdict(int)
    for w in referred:
        if w in waitlisted:
            codes[waitlisted[w]] += 1
    return {
        "referred": len(referred),
        "referred_housed": len(days),
        "referral_days_to_bed_median": nearest_rank(days, 0.5) if days else None,
        "referral_days_to_bed_p90": nearest_rank(days, 0.9) if days else None,
        "referred_waitlisted_by_code": dict(sorted(codes.items())),
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
            # from / to the origin (foresteria or departure point); empty legs are not rides
            ride = (
                s.arrive - (t.depart + t.lead)
                if t.direction == TO_FARM
                else (t.ret - t.tail) - s.depart
            )
            rides += [ride] * len(s.worker_ids)
    waits = [(n, w) for t in sp.trips for n, w in rider_waits(t.direction, t.stops)]
    wait_total, wait_riders = sum(n * w for n, w in waits), sum(n for n, _ in waits)
    fixed = sum(fleet[v].fixed_cost_eur_per_day for _, v in vehicle_days if v)
    km_cost = sum(
        t.metres / 1000 * fleet[t.vehicle_id].cost_eur_per_km for t in sp.trips if t.vehicle_id
    )
    cost = fixed + km_cost
    unserved_days = sum(u.riders for u in sp.unserved)
    priority = {w.id: w.priority for w in scenario.workers}
    by_priority = {str(p): 0 for p in range(4)}
    for u in sp.unserved:
        for w in u.worker_ids:
            by_priority[str(priority[w])] += 1
    rode = [
        (t.day.isoformat(), w)
        for t in sp.trips
        if t.direction == TO_FARM
        for s in t.stops
        for w in s.worker_ids
    ]
    missed = [(u.day.isoformat(), w) for u in sp.unserved for w in u.worker_ids]
    most, in_a_row = left_behind(rode, missed)
    # People left behind on every day they were to ride, carried never (review 20 R, MEDIUM-3:
    # 13 people housed at a foresteria no vehicle served, said nowhere).
    never = {w for _, w in missed} - {w for _, w in rode}
    fee = scenario.config.transport.caporale_fee_eur
    return {
        "trips": len(sp.trips),
        "worker_days_transported": worker_days,
        "rider_trips": sum(t.riders for t in sp.trips),
        "unserved_rider_trips": 2 * unserved_days,  # both legs of every unserved worker-day
        "unserved_worker_days": unserved_days,
        "unserved_worker_days_by_priority": by_priority,
        "unserved_proven_pct": round(
            100 * sum(u.riders for u in sp.unserved if u.proven) / unserved_days, 2
        )
        if unserved_days
        else 0.0,
        "left_behind_max_days": most,
        "left_behind_max_in_a_row": in_a_row,
        "left_behind_never_carried": len(never),
        "vehicle_days": len(vehicle_days),
        "vehicles_per_day_peak": max(per_day.values(), default=0),
        "vehicles_per_day_mean": round(sum(per_day.values()) / len(per_day), 2) if per_day else 0.0,
        "fleet_size": len(fleet),
        "days_fleet_short": len({u.day for u in sp.unserved if u.code == "fleet_short"}),
        "days_with_unserved": len({f.day for f in sp.fleet_days if f.short_riders}),
        "vehicle_km": round(metres / 1000, 1),
        "seat_utilisation_pct": round(100 * sum(t.riders for t in sp.trips) / seats, 2)
        if seats
        else 0.0,
        "ride_minutes_mean": round(sum(rides) / len(rides), 2) if rides else 0.0,
        "ride_minutes_max": max(rides, default=0),
        "wait_on_board_rider_minutes": wait_total,
        "wait_on_board_minutes_mean": round(wait_total / wait_riders, 2) if wait_riders else 0.0,
        "wait_on_board_minutes_max": max((w for n, w in waits if n), default=0),
        "transport_cost_eur": round(cost, 2),
        "cost_per_worker_day_eur": round(cost / worker_days, 2) if worker_days else 0.0,
        # [transport] caporale_fee_eur: EUR 5 a day to EUR 5 a leg (DOMAIN.md sec. 7).
        "caporale_fee_eur_per_worker_day": list(fee),
        "caporale_fees_avoided_eur": round(fee[0] * worker_days, 2),
        "caporale_fees_avoided_eur_high": round(fee[1] * worker_days, 2),
    }


def left_behind(rode: list[tuple[str, str]], missed: list[tuple[str, str]]) -> tuple[int, int]:
    """(most days any one person was left behind, most in a row): a row counts that person's
    consecutive ride days (days they should have ridden), so a weekend off does not break it."""
    days: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for d, w in rode:
        days[w].append((d, False))
    for d, w in missed:
        days[w].append((d, True))
    most = in_a_row = 0
    for seq in days.values():
        run = total = 0
        for _, miss in sorted(seq):
            run = run + 1 if miss else 0
            total += miss
            in_a_row = max(in_a_row, run)
        most = max(most, total)
    return most, in_a_row
