"""Stability of a re-planned day: riders keep their vehicle where it costs nothing.

Vehicles of one foresteria with the same seats, costs and duty limit, all available that day, are
interchangeable: swapping their names changes no constraint, no kilometre and no cost. So after
the routes and the chaining, each class of interchangeable vehicles is renamed by an exact
assignment (OR-Tools linear sum assignment) that maximises, lexicographically, the riders who keep
their reference vehicle *and* a departure within STABLE_MIN minutes, then those who keep the
vehicle, then vehicles keeping their own name. The reference (`reference_legs.csv`: worker_id,
direction, vehicle_id, depart) is what the riders were told: the previous day's run, else the
season plan. It is an input of the run, so a replay reproduces the renaming."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date

from ortools.graph.python import linear_sum_assignment

from foresterie.core.files import csv_text
from foresterie.core.timeutil import parse_hhmm
from foresterie.scenario.model import Scenario, Vehicle
from foresterie.shuttles.routes import ShuttlePlan, Trip

STABLE_MIN = 10
REFERENCE_FILE = "reference_legs.csv"
REFERENCE_COLUMNS = ["worker_id", "direction", "vehicle_id", "depart"]


@dataclass(frozen=True, kw_only=True)
class RefLeg:
    vehicle_id: str
    depart_min: int


def reference_csv(legs: dict[tuple[str, str], RefLeg]) -> str:
    rows = [
        [w, d, leg.vehicle_id, f"{leg.depart_min // 60:02d}:{leg.depart_min % 60:02d}"]
        for (w, d), leg in sorted(legs.items())
    ]
    return csv_text(rows, REFERENCE_COLUMNS)


def read_reference(text: str) -> dict[tuple[str, str], RefLeg]:
    return {
        (r["worker_id"], r["direction"]): RefLeg(
            vehicle_id=r["vehicle_id"], depart_min=parse_hhmm(r["depart"])
        )
        for r in csv.DictReader(io.StringIO(text))
    }


def _kind(v: Vehicle) -> tuple[str, int, float, float, int]:
    return (v.foresteria_id, v.seats, v.fixed_cost_eur_per_day, v.cost_eur_per_km, v.max_duty_min)


def keep_vehicles(
    scenario: Scenario, plan: ShuttlePlan, reference: dict[tuple[str, str], RefLeg]
) -> tuple[ShuttlePlan, int]:
    """Rename interchangeable vehicles to keep riders on their reference vehicle; returns the
    plan and how many vehicle-days were renamed."""
    fleet = {v.id: v for v in scenario.fleet}
    by_vehicle: dict[tuple[date, str], list[Trip]] = defaultdict(list)
    for t in plan.trips:
        if t.vehicle_id:
            by_vehicle[t.day, t.vehicle_id].append(t)
    rename: dict[tuple[date, str], str] = {}
    for d in sorted({t.day for t in plan.trips}):
        classes: dict[tuple[str, int, float, float, int], list[str]] = defaultdict(list)
        for v in scenario.fleet:
            if v.available_from <= d <= v.available_to:
                classes[_kind(v)].append(v.id)
        for labels in classes.values():
            used = [v for v in labels if (d, v) in by_vehicle]
            if not used or len(labels) < 2:
                continue
            score = {
                (u, lab): _score(by_vehicle[d, u], lab, reference) * 2 + (u == lab)
                for u in used
                for lab in labels
            }
            top = max(score.values())
            solver = linear_sum_assignment.SimpleLinearSumAssignment()
            for i in range(len(labels)):  # rows: the used vehicles, then idle padding
                for j, lab in enumerate(labels):
                    cost = top - score[used[i], lab] if i < len(used) else 0
                    solver.add_arc_with_cost(i, j, cost)
            if solver.solve() != solver.OPTIMAL:  # pragma: no cover - a square matrix always is
                continue
            for i, u in enumerate(used):
                new = labels[solver.right_mate(i)]
                if new != u and fleet[new].available_from <= d <= fleet[new].available_to:
                    rename[d, u] = new
    if not rename:
        return plan, 0
    trips = [
        replace(t, vehicle_id=rename.get((t.day, t.vehicle_id), t.vehicle_id))
        if t.vehicle_id
        else t
        for t in plan.trips
    ]
    return replace(plan, trips=trips), len(rename)


def _score(trips: list[Trip], label: str, reference: dict[tuple[str, str], RefLeg]) -> int:
    """Riders kept with their time (x 1000) plus riders kept on the vehicle, if named `label`."""
    same_time = same_vehicle = 0
    for t in trips:
        for s in t.stops:
            for w in s.worker_ids:
                ref = reference.get((w, t.direction))
                if ref is None or ref.vehicle_id != label:
                    continue
                same_vehicle += 1
                same_time += abs(ref.depart_min - t.depart) <= STABLE_MIN
    return same_time * 1000 + same_vehicle
