"""A driver's day, read off a vehicle-day's trips, against the limits of its vehicle's driver.

The chaining keeps every vehicle-day within its vehicle's limits (`fleet.csv`: `max_duty_min`,
`max_span_min`, `max_stretch_min`; shuttles/chaining.py `day_ok`), and the verifier checks them
on its own. Every driver sheet still says what its day asks and warns where that is more than
the vehicle's limits allow (a day run's edits, a fleet file changed after the plan). A single
driver's limits, the defaults, are EU Regulation 561/2006's (buses of more than 8 passenger
seats; the same figures are the prudent reading of the working-time rules for the vans):

- at work: the minutes on trips (driving, boarding, waiting at stops), at most 9 h a day
  (art. 6: daily driving time; extendable to 10 h twice a week, not counted on here);
- the longest run of trips without a 45-minute pause between two of them, at most 4 h 30
  (art. 7: a break of 45 minutes after 4 h 30 of driving);
- from the first departure to the last return, at most 13 h (art. 8: 11 h of daily rest in
  every 24 h) within the day; the rest between two days is not planned (each day is chained
  alone): `vehicle_rests` finds where a vehicle's next day starts less than 11 h after its last
  return, which the sheet of that day says (another driver, or a later start). Art. 8's reduced
  rest of 9 h, three times between two weekly rests, and the weekly rest are not modelled.

A day run (`foresterie day`) plans one day: when each vehicle's driver finished the day before
(the previous day run's trips, else the season plan's) is among its inputs, `previous_day` in
`inputs/reference_trips.json` (`previous_day_spans`), so its sheets, its index and the `day`
command say a short rest as the season's do (review 17, finding 12).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from foresterie.core.files import UnsafePath, json_value, read_inside
from foresterie.core.runfolder import RunFolderError
from foresterie.core.timeutil import DAILY_REST_MIN, DAY_MIN, rests_between_days
from foresterie.report.rundata import TripRow, _minutes
from foresterie.scenario.model import BREAK_MIN, SPAN_MIN_DEFAULT, STRETCH_MIN_DEFAULT, Vehicle

WORK_MAX_MIN = 9 * 60
STRETCH_MAX_MIN = STRETCH_MIN_DEFAULT
SPREAD_MAX_MIN = SPAN_MIN_DEFAULT
__all__ = [
    "BREAK_MIN",
    "DAILY_REST_MIN",
    "ONE_DRIVER",
    "PREVIOUS_DAY",
    "DriverDay",
    "Limits",
    "driver_day",
    "limits_of",
    "previous_day_spans",
    "vehicle_rests",
    "vehicle_spans",
]

# A day run's inputs/reference_trips.json key: the day before's spans of its vehicles, written by
# ops/day.py: {"day": "YYYY-MM-DD", "from": "day run" | "season plan", "vehicles": {vehicle:
# [first departure, last return]}} in minutes after that day's midnight (a return after
# midnight above 1440).
PREVIOUS_DAY = "previous_day"
REFERENCE_FILE = "inputs/reference_trips.json"


@dataclass(frozen=True, kw_only=True)
class Limits:
    """What a vehicle's driver may do in a day (minutes)."""

    work_min: int
    stretch_min: int
    spread_min: int


ONE_DRIVER = Limits(work_min=WORK_MAX_MIN, stretch_min=STRETCH_MAX_MIN, spread_min=SPREAD_MAX_MIN)


def limits_of(v: Vehicle | None) -> Limits:
    """The vehicle's own limits, as fleet.csv gives them (one driver's where it is unknown)."""
    if v is None:
        return ONE_DRIVER
    return Limits(work_min=v.max_duty_min, stretch_min=v.max_stretch_min, spread_min=v.max_span_min)


@dataclass(frozen=True, kw_only=True)
class DriverDay:
    work_min: int  # minutes on trips
    stretch_min: int  # the longest run of trips between pauses of BREAK_MIN or more
    spread_min: int  # first departure to last return
    limits: Limits = ONE_DRIVER

    @property
    def over(self) -> tuple[str, ...]:
        """The limits this day passes: "work", "stretch", "spread" (none: its driver can)."""
        return tuple(
            name
            for name, value, limit in (
                ("work", self.work_min, self.limits.work_min),
                ("stretch", self.stretch_min, self.limits.stretch_min),
                ("spread", self.spread_min, self.limits.spread_min),
            )
            if value > limit
        )


def driver_day(spans: Iterable[tuple[str, str]], limits: Limits = ONE_DRIVER) -> DriverDay:
    """The day of (departure, return) times "HH:MM" of one vehicle's trips, in any order; a
    return earlier than its departure is after midnight; judged against `limits`."""
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
    return DriverDay(work_min=work, stretch_min=longest, spread_min=spread, limits=limits)


def vehicle_spans(trips: Iterable[tuple[str, str, str]]) -> dict[str, tuple[int, int]]:
    """vehicle -> its first departure and last return (minutes after midnight; a return after
    midnight above DAY_MIN), from one day's (vehicle, departure, return) "HH:MM" of its trips
    (no vehicle: not driven, left out)."""
    spans: dict[str, tuple[int, int]] = {}
    for vehicle, depart, ret in trips:
        if not vehicle:
            continue
        a, b = _minutes(depart), _minutes(ret)
        b = b if b >= a else b + DAY_MIN
        lo, hi = spans.get(vehicle, (a, b))
        spans[vehicle] = (min(lo, a), max(hi, b))
    return spans


def vehicle_rests(
    trips: Iterable[TripRow],
    timezone: str,
    before: Mapping[tuple[str, date], tuple[int, int]] | None = None,
) -> dict[tuple[str, str], int]:
    """(vehicle, day) -> the minutes of rest its driver had since the vehicle's last return the
    day before (core/timeutil.rests_between_days), for every vehicle-day whose vehicle was on the
    road the day before; read off the plan's trips, and for a day the plan does not hold, its
    vehicles' spans `before` ((vehicle, day) -> first departure, last return: a day run's day
    before, `previous_day_spans`)."""
    by_day: dict[str, list[tuple[str, str, str]]] = {}
    for t in trips:
        by_day.setdefault(t.day, []).append((t.vehicle_id, t.depart, t.ret))
    spans = dict(before or {})
    for day, rows in by_day.items():
        d = date.fromisoformat(day)
        spans.update(((v, d), span) for v, span in vehicle_spans(rows).items())
    rests = rests_between_days(spans, timezone)
    planned = {date.fromisoformat(day) for day in by_day}
    return {(v, d.isoformat()): m for (v, d), m in sorted(rests.items()) if d in planned}


def previous_day_spans(root: Path) -> dict[tuple[str, date], tuple[int, int]]:
    """A day run's day before, as the day run read it (`PREVIOUS_DAY` in its
    inputs/reference_trips.json): (vehicle, day) -> first departure, last return. Empty for a
    season run or a day run from before session 18. The run folder is untrusted: anything but
    what ops/day.py writes is one line naming the file and field (RunFolderError)."""
    if not (root / REFERENCE_FILE).is_file():
        return {}
    field = PREVIOUS_DAY
    try:
        ref = json_value(read_inside(root, REFERENCE_FILE, 1 << 30))
        prev: Any = ref.get(PREVIOUS_DAY) if isinstance(ref, dict) else None
        if prev is None:
            return {}
        field = f"{PREVIOUS_DAY}.day"
        day = date.fromisoformat(prev["day"])
        if not isinstance(prev["day"], str) or len(prev["day"]) != 10:
            raise ValueError
        field = f"{PREVIOUS_DAY}.vehicles"
        out: dict[tuple[str, date], tuple[int, int]] = {}
        for vehicle, span in prev["vehicles"].items():
            first, last = span
            ok = all(type(x) is int for x in span) and 0 <= first <= last <= 2 * DAY_MIN
            if not ok or not vehicle or len(vehicle) > 64:
                raise ValueError
            out[vehicle, day] = (first, last)
        return out
    except UnsafePath as exc:
        raise RunFolderError(REFERENCE_FILE, None, "file", exc.reason) from None
    except (ValueError, TypeError, KeyError, AttributeError):
        why = "not what a day run writes (its vehicles' first departure and last return)"
        raise RunFolderError(REFERENCE_FILE, None, field, why) from None
