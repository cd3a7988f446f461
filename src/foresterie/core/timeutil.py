"""Clock times as integer minutes after midnight; weekday sets; date ranges; the days the
local clock changes."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MIN = 24 * 60  # minutes in a day: every time of a plan lies in [0, DAY_MIN]


def parse_hhmm(text: str) -> int:
    """'05:30' -> 330. Raises ValueError with a reader-friendly message."""
    parts = text.strip().split(":")
    if len(parts) == 3 and parts[2] == "00":  # spreadsheets and GDAL add seconds
        parts = parts[:2]
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"time {text!r} is not HH:MM")
    h, m = int(parts[0]), int(parts[1])
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise ValueError(f"time {text!r} is not a clock time")
    return h * 60 + m


def fmt_hhmm(minutes: int) -> str:
    """330 -> '05:30'; times past midnight keep counting (24:10) so order is visible."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_workdays(text: str) -> frozenset[int]:
    """'Mon-Sat' or 'Mon,Wed,Fri' -> weekday numbers (Mon=0)."""
    days: set[int] = set()
    for part in text.replace(" ", "").lower().split(","):
        if not part:
            continue
        ends = part.split("-")
        if len(ends) > 2 or any(e[:3] not in DAYS or len(e) < 3 for e in ends):
            raise ValueError(f"workdays {text!r}: use Mon..Sun, ranges like Mon-Sat, commas")
        a, b = DAYS.index(ends[0][:3]), DAYS.index(ends[-1][:3])
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    if not days:
        raise ValueError("no workdays")
    return frozenset(days)


def date_range(start: date, stop: date) -> Iterator[date]:
    """Days start..stop-1."""
    d = start
    while d < stop:
        yield d
        d += timedelta(days=1)


def fmt_span(first: date, last: date) -> str:
    """A night span like 2026-06-04..06-09 (inclusive)."""
    if first == last:
        return first.isoformat()
    if first.year == last.year:
        return f"{first.isoformat()}..{last.strftime('%m-%d')}"
    return f"{first.isoformat()}..{last.isoformat()}"


@dataclass(frozen=True, kw_only=True)
class ClockChange:
    """The local hour a day's clock change skips (forward) or repeats (back), as minutes after
    midnight of the wall clock: [start, end); 02:00-03:00 in Europe/Rome, both ways."""

    start: int
    end: int
    forward: bool  # True: the hour does not exist (spring); False: it happens twice (autumn)


@functools.lru_cache(maxsize=4096)
def clock_change(day: date, timezone: str) -> ClockChange | None:
    """The day's clock change in `timezone` (zoneinfo), or None on an ordinary day. Found from
    the zone's rules, not from a list of dates: the UTC offsets at the day's two midnights
    differ, and the minute of the change is the first whose offset is the new one."""
    zone = ZoneInfo(timezone)
    a = datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
    b = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    old, new = a.astimezone(zone).utcoffset(), b.astimezone(zone).utcoffset()
    if old is None or new is None or old == new:
        return None
    lo, hi = 0, int((b - a).total_seconds() // 60)  # the change lies in (lo, hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if (a + timedelta(minutes=mid)).astimezone(zone).utcoffset() == new:
            hi = mid
        else:
            lo = mid
    instant = (a + timedelta(minutes=hi)).replace(tzinfo=None)
    midnight = datetime.combine(day, time())
    before = int((instant + old - midnight).total_seconds() // 60)
    after = int((instant + new - midnight).total_seconds() // 60)
    return ClockChange(start=min(before, after), end=max(before, after), forward=after > before)


DAILY_REST_MIN = 11 * 60  # EU Regulation 561/2006 art. 8: a regular daily rest, 11 h


def rests_between_days(
    days: dict[tuple[str, date], tuple[int, int]], timezone: str
) -> dict[tuple[str, date], int]:
    """A vehicle's rest between days: `days` maps (vehicle, day) to its first departure and last
    return (minutes after the day's midnight; a return after midnight is above DAY_MIN). For each
    vehicle-day whose vehicle was on the road the day before, the minutes from that day's last
    return to this day's first departure, as the clock runs (a clock change in the night is
    counted). The chaining plans each day alone (one driver's day, `max_span_min`), so this is
    what tells a coordinator where the same driver cannot take both days (DAILY_REST_MIN)."""
    zone = ZoneInfo(timezone)

    def instant(day: date, minute: int) -> datetime:
        wall = datetime.combine(day, time()) + timedelta(minutes=minute)
        return wall.replace(tzinfo=zone).astimezone(UTC)

    rests: dict[tuple[str, date], int] = {}
    for (vehicle, day), (first, _) in days.items():
        before = days.get((vehicle, day - timedelta(days=1)))
        if before is not None:
            gap = instant(day, first) - instant(day - timedelta(days=1), before[1])
            rests[vehicle, day] = int(gap.total_seconds() // 60)
    return rests
