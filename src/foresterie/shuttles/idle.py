"""Vehicles idle at another base on a day a base is proven short (review 13, finding 12).

A vehicle carries its own base's riders only (README, "Transport model"), so the lower bound
behind `fleet_short` is a bound per base: a coordinator who reads "fleet short, proven" rents
vehicles, while a bus of theirs may stand idle minutes away (a foresteria that houses nobody
that week, one closing). The plan does not lend vehicles across bases; its reasons say which
stand idle nearby, so the shortage is read for what it is."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # routes calls this module: types only
    from foresterie.scenario.model import Vehicle
    from foresterie.shuttles.routes import Trip, Unserved
    from foresterie.travel.matrix import TravelMatrix

# How far (driving, either way) an idle vehicle's base may be to be named, and how many are.
NEAR_S = 60 * 60
NAMED = 3


def name_idle(
    unserved: list[Unserved], trips: list[Trip], fleet: tuple[Vehicle, ...], matrix: TravelMatrix
) -> list[Unserved]:
    """The `fleet_short` rows, each with the vehicles of other bases available that day that
    run no trip, nearest first (at most NAMED, within NEAR_S); the other rows unchanged."""
    busy: set[tuple[date, str]] = {(t.day, t.vehicle_id or "") for t in trips}
    places = set(matrix.ids)
    idle: dict[tuple[date, str], str] = {}
    out = []
    for u in unserved:
        base = u.base_id or u.foresteria_id
        if u.code != "fleet_short" or base not in places:
            out.append(u)
            continue
        key = (u.day, base)
        if key not in idle:
            free = [
                v
                for v in fleet
                if v.foresteria_id != base
                and v.foresteria_id in places
                and v.available_from <= u.day <= v.available_to
                and (u.day, v.id) not in busy
            ]
            legs = [
                (matrix.secs(v.foresteria_id, base), matrix.secs(base, v.foresteria_id), v)
                for v in free
            ]
            near = sorted(
                (there, v.foresteria_id, v.id, v.seats)
                for there, back, v in legs
                if max(there, back) <= NEAR_S
            )
            idle[key] = ", ".join(
                f"{vid} ({seats} seats) at {at}, {round(secs / 60)} min away"
                for secs, at, vid, seats in near[:NAMED]
            ) + (f" and {len(near) - NAMED} more" if len(near) > NAMED else "")
        out.append(
            replace(u, reason=f"{u.reason}; idle that day at other bases: {idle[key]}")
            if idle[key]
            else u
        )
    return out
