"""A valid lower bound on the vehicles one foresteria-day needs: "fleet short" is said only when
this bound exceeds the vehicles available, so the claim is proven, never a guess.

Every rider who rides is carried out in the morning and back in the evening (the round trip is
the unit of service). For one vehicle with ``s`` seats and a duty limit ``D`` minutes:

- in one direction it makes at most ``K = min(1 + floor((L - E) / c), floor(D / d))`` trips,
  where ``[E, L]`` spans the earliest and latest stop times of that direction's windows (morning:
  arrival in ``[start - early, start]``; evening: boarding in ``[end', end' + wait - board]``),
  ``c = board + min leg(farm -> base) + turnaround + min leg(base -> farm)`` is the least time
  between the first stops of two consecutive trips of one vehicle, and
  ``d = min over farms of leg(base -> farm) + board + leg(farm -> base)`` is the shortest trip;
- over the whole day it makes at most ``floor(D / min(d_morning, d_evening))`` trips, each
  carrying at most ``s`` riders, and every round trip needs two rider-trips.

Capacities ``K * s`` (per direction) and ``floor(D / d_min) * s / 2`` (round trips over the day)
are upper bounds on what a vehicle can carry, whatever the routes. The bound is the smallest
number of vehicles, taken best first from the available ones and then from unlimited copies of
the best available kind, whose capacities cover the day's riders in each of the three senses.
It never exceeds the available count unless the available vehicles cannot carry every rider.
The verifier recomputes it independently (verify.py, README "Transport model").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class DirectionSpan:
    """What the bound needs of one direction: its stop-time span and shortest legs (minutes)."""

    first: int  # E: earliest stop time over the farms with riders
    last: int  # L: latest stop time
    gap: int  # c: least time between first stops of consecutive trips of one vehicle
    shortest_trip: int  # d: the shortest possible trip (out, stop, back)


def trips_per_vehicle(span: DirectionSpan, duty_min: int) -> int:
    by_time = 1 + (span.last - span.first) // span.gap if span.gap > 0 else 10**6
    by_duty = duty_min // span.shortest_trip if span.shortest_trip > 0 else 10**6
    return max(0, min(by_time, by_duty))


def vehicles_lower_bound(
    *,
    riders: int,
    vehicles: list[tuple[int, int]],  # (seats, duty limit in minutes) of each available vehicle
    morning: DirectionSpan,
    evening: DirectionSpan,
) -> int:
    """Fewest vehicles that could carry ``riders`` round trips (see the module docstring)."""
    if riders <= 0:
        return 0
    if not vehicles:
        return 1
    shortest = min(morning.shortest_trip, evening.shortest_trip)
    caps: list[tuple[int, int, int]] = []  # (morning, evening, round-trip) riders per vehicle
    for seats, duty in vehicles:
        day_trips = duty // shortest if shortest > 0 else 10**6
        caps.append(
            (
                trips_per_vehicle(morning, duty) * seats,
                trips_per_vehicle(evening, duty) * seats,
                day_trips * seats,  # rider-trips over the day: two per round trip
            )
        )
    need = (riders, riders, 2 * riders)
    bound = 0
    for k in range(3):
        ranked = sorted((c[k] for c in caps), reverse=True)
        total, m = 0, 0
        for cap in ranked:
            if total >= need[k]:
                break
            total += cap
            m += 1
        if total < need[k]:
            best = ranked[0]
            if best <= 0:
                return len(vehicles) + 1  # no vehicle can carry anyone: one more is the least
            m += -(-(need[k] - total) // best)
        bound = max(bound, m)
    return bound
