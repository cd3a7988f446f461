"""Equal base-days are planned once: an exact cache of a base-day's round-trip service.

A base-day's service (its trips, chained onto its vehicles, with both legs matched) depends only
on: the base; for each origin and direction, the route problem (farms, riders per farm, their
time windows, the seat types: the `_Pattern`) and the route search's answer to it; the vehicles
available that day; and the run's constants (ride cap, boarding, turnaround, seed, budgets).
The date enters only through the windows (heat-alert days), which the problems already carry,
and through the trip ids and `day` fields. Worker ids ride along as placeholders only: riders
are named afterwards, by counts (`_fill_riders`). So a day whose key equals an earlier day's key
gets the earlier service re-dated, byte for byte what solving it again would give
(`tests/shuttles/test_daycache.py` checks a season with and without the cache).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import replace
from datetime import date
from typing import Any, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def first_of_each(
    keys: Iterable[tuple[date, str]], signature: Callable[[tuple[date, str]], K]
) -> dict[tuple[date, str], tuple[date, str]]:
    """Each base-day -> the first base-day (in date order) with the same signature."""
    first: dict[Hashable, tuple[date, str]] = {}
    out: dict[tuple[date, str], tuple[date, str]] = {}
    for key in sorted(keys):
        out[key] = first.setdefault(signature(key), key)
    return out


def redate(trip: Any, old: date, new: date) -> Any:
    """A trip planned for `old`, moved to `new`: its day and the date in its id; times, stops and
    vehicles unchanged (the windows are equal, or the keys would differ)."""
    if old == new:
        return trip
    stamp = old.isoformat()
    assert trip.trip_id.startswith(stamp), trip.trip_id
    return replace(trip, day=new, trip_id=new.isoformat() + trip.trip_id[len(stamp) :])


def redate_all(trips: list[T], old: date, new: date) -> list[T]:
    return [redate(t, old, new) for t in trips]
