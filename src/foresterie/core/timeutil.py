"""Clock times as integer minutes after midnight; weekday sets; date ranges."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

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
