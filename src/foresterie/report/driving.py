"""A driver's day, read off a vehicle-day's trips, against the limits of one driver.

The plan bounds a vehicle's minutes on trips (`max_duty_min`), not a driver's day: a verified
plan can keep one bus on the road from 02:45 to 22:06 (review 14). Until the chaining models
drivers' hours, every driver sheet says what its day asks of one driver and where that is more
than one driver may do under EU Regulation 561/2006 (buses of more than 8 passenger seats; the
same figures are the prudent reading of the working-time rules for the vans):

- at work: the minutes on trips (driving, boarding, waiting at stops), at most 9 h a day
  (art. 6: daily driving time; extendable to 10 h twice a week, not counted on here);
- the longest run of trips without a 45-minute pause between two of them, at most 4 h 30
  (art. 7: a break of 45 minutes after 4 h 30 of driving);
- from the first departure to the last return, at most 13 h (art. 8: 11 h of daily rest in
  every 24 h).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from foresterie.report.rundata import _minutes

WORK_MAX_MIN = 9 * 60
STRETCH_MAX_MIN = 4 * 60 + 30
BREAK_MIN = 45
SPREAD_MAX_MIN = 13 * 60


@dataclass(frozen=True, kw_only=True)
class DriverDay:
    work_min: int  # minutes on trips
    stretch_min: int  # the longest run of trips between pauses of BREAK_MIN or more
    spread_min: int  # first departure to last return

    @property
    def over(self) -> tuple[str, ...]:
        """The limits this day passes: "work", "stretch", "spread" (none: one driver can)."""
        return tuple(
            name
            for name, value, limit in (
                ("work", self.work_min, WORK_MAX_MIN),
                ("stretch", self.stretch_min, STRETCH_MAX_MIN),
                ("spread", self.spread_min, SPREAD_MAX_MIN),
            )
            if value > limit
        )


def driver_day(spans: Iterable[tuple[str, str]]) -> DriverDay:
    """The day of (departure, return) times "HH:MM" of one vehicle's trips, in any order; a
    return earlier than its departure is after midnight."""
    trips = []
    for depart, back in spans:
        a, b = _minutes(depart), _minutes(back)
        trips.append((a, b if b >= a else b + 24 * 60))
    trips.sort()
    work = stretch = longest = 0
    last_back: int | None = None
    for a, b in trips:
        if last_back is not None and a - last_back >= BREAK_MIN:
            stretch = 0
        stretch += b - a
        work += b - a
        longest = max(longest, stretch)
        last_back = b if last_back is None else max(last_back, b)
    spread = (max(b for _, b in trips) - trips[0][0]) if trips else 0
    return DriverDay(work_min=work, stretch_min=longest, spread_min=spread)
