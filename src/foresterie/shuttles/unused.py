"""Vehicles no rule will ever give a trip: a base (a contractor's depot) that is the base of no
foresteria and no departure point on any day its vehicles are available (review 17, finding 2).

Each origin is served by one base a day, the nearest with a vehicle available that day
(`routes.pickup_bases`, README "Departure points"): a depot whose every origin has a nearer base
with vehicles never serves anyone, so its vehicles stand idle all season while riders elsewhere
may be left "vehicles busy". Said by `validate` and `solve` as a warning, one line per base."""

from __future__ import annotations

from datetime import date, timedelta

from foresterie.core.errors import Msg, Problem
from foresterie.core.timeutil import date_range
from foresterie.scenario.model import Scenario, Vehicle
from foresterie.shuttles.routes import day_bases
from foresterie.travel.matrix import TravelMatrix


def unused_bases(scenario: Scenario, matrix: TravelMatrix) -> list[Problem]:
    """One warning per base other than a foresteria (a foresteria's vehicles serve its own
    people) whose vehicles are available on some day of the workers' season and that is, on
    every such day, the base of no other origin (`routes.day_bases`)."""
    if not scenario.workers or not scenario.fleet:
        return []
    first = min(w.arrival for w in scenario.workers)
    end = max(w.departure for w in scenario.workers)  # the day after the last night
    homes = {f.id for f in scenario.foresterie}
    based: dict[str, list[Vehicle]] = {}
    for v in scenario.fleet:
        based.setdefault(v.foresteria_id, []).append(v)
    on = day_bases(scenario, matrix)
    label = scenario.files["fleet"].name if "fleet" in scenario.files else "fleet.csv"
    out = []
    for base, vehicles in sorted(based.items()):
        if base in homes:
            continue
        days = sorted(
            {
                d
                for v in vehicles
                for d in date_range(
                    max(v.available_from, first), min(v.available_to + timedelta(days=1), end)
                )
            }
        )
        if not days or any(_serves(on(d), base) for d in days):
            continue
        out.append(
            Problem(
                label,
                None,
                base,
                Msg(
                    "{ids} based here serve nobody: every foresteria and departure point has a "
                    "nearer base with a vehicle on each day from {first} to {last} (README, "
                    "Departure points), so they never run while riders elsewhere may be left "
                    "unserved; base them where their riders board, or leave them out",
                    ids=", ".join(sorted(v.id for v in vehicles)),
                    first=_iso(days[0]),
                    last=_iso(days[-1]),
                ),
            )
        )
    return out


def _serves(bases: dict[str, str], base: str) -> bool:
    return any(b == base and o != base for o, b in bases.items())


def _iso(d: date) -> str:
    return d.isoformat()
