"""Collapse workers into housing units: groups stay atomic, identical singletons become classes."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from foresterie.scenario.model import Farm, Foresteria, Scenario, Section, Worker
from foresterie.travel.matrix import TravelMatrix


def workdays_between(start: date, stop: date, workdays: frozenset[int]) -> int:
    """Days d in [start, stop) whose weekday is a workday, without iterating day by day."""
    n = (stop - start).days
    if n <= 0:
        return 0
    weeks, rest = divmod(n, 7)
    total = weeks * len(workdays)
    wd = start.weekday()
    total += sum(1 for k in range(rest) if (wd + k) % 7 in workdays)
    return total


@dataclass(frozen=True, kw_only=True)
class Unit:
    """People housed as one decision: a group (all or none, same place) or a class of clones."""

    key: str
    members: tuple[Worker, ...]
    is_group: bool
    section: Section
    pinned: str | None
    previous: str | None  # foresteria in the previous run (re-planning), else None

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def first_night(self) -> date:
        return min(w.arrival for w in self.members)

    @property
    def last_night(self) -> date:
        return max(w.last_night for w in self.members)

    def usage(self) -> dict[date, tuple[int, int]]:
        """Night -> (people, accessible people) of one copy of the unit (one person for a class)."""
        return self._usage

    @cached_property
    def _usage(self) -> dict[date, tuple[int, int]]:
        people = self.members if self.is_group else self.members[:1]
        out: dict[date, list[int]] = defaultdict(lambda: [0, 0])
        for w in people:
            d = w.arrival
            while d < w.departure:
                out[d][0] += 1
                out[d][1] += int(w.accessible)
                d += timedelta(days=1)
        return {d: (v[0], v[1]) for d, v in sorted(out.items())}

    @cached_property
    def accessible_need(self) -> int:
        """Most accessible beds one copy needs on a night (no night-by-night walk if none)."""
        people = self.members if self.is_group else self.members[:1]
        if not any(w.accessible for w in people):
            return 0
        return max((a for _, a in self._usage.values()), default=0)

    def arrivals(self) -> set[date]:
        people = self.members if self.is_group else self.members[:1]
        return {w.arrival for w in people}


def build_units(workers: tuple[Worker, ...], previous: dict[str, str] | None = None) -> list[Unit]:
    """Groups by group_id; singletons keyed by every attribute the model reads."""
    previous = previous or {}
    groups: dict[str, list[Worker]] = defaultdict(list)
    classes: dict[tuple[object, ...], list[Worker]] = defaultdict(list)
    for w in workers:
        if w.group_id:
            groups[w.group_id].append(w)
        else:
            key: tuple[object, ...] = (
                w.arrival,
                w.departure,
                w.section,
                w.farm_id,
                w.priority,
                w.accessible,
                w.pinned_foresteria,
                previous.get(w.id),
            )
            classes[key].append(w)
    units = []
    for gid, members in sorted(groups.items()):
        ms = tuple(sorted(members, key=lambda w: w.id))
        pins = sorted(w.pinned_foresteria for w in ms if w.pinned_foresteria)
        prevs = sorted({p for w in ms if (p := previous.get(w.id))})
        units.append(
            Unit(
                key=f"G:{gid}",
                members=ms,
                is_group=True,
                section=ms[0].section,
                pinned=pins[0] if pins else None,
                previous=prevs[0] if len(prevs) == 1 else None,
            )
        )
    for key, members in classes.items():
        ms = tuple(sorted(members, key=lambda w: w.id))
        digest = hashlib.sha256(repr(key).encode()).hexdigest()[:10]
        units.append(
            Unit(
                key=f"C:{digest}:{ms[0].id}",
                members=ms,
                is_group=False,
                section=ms[0].section,
                pinned=ms[0].pinned_foresteria,
                previous=previous.get(ms[0].id),
            )
        )
    units.sort(key=lambda u: u.key)
    return units


@dataclass(frozen=True, kw_only=True)
class Eligibility:
    """Why a unit can or cannot stay at one foresteria."""

    open_ok: bool
    section_ok: bool
    accessible_ok: bool
    commute_ok: bool
    worst_commute_s: int | None  # the longest one-way commute among members (None: no farm)
    pin_ok: bool

    @property
    def ok(self) -> bool:
        return (
            self.open_ok
            and self.section_ok
            and self.accessible_ok
            and self.commute_ok
            and self.pin_ok
        )


def eligibility(unit: Unit, f: Foresteria, matrix: TravelMatrix, max_commute_s: int) -> Eligibility:
    open_ok = f.open_from <= unit.first_night and unit.last_night <= f.open_to
    section_ok = f.beds(unit.section) > 0
    acc_need = unit.accessible_need
    accessible_ok = acc_need <= f.beds_accessible
    commutes = [matrix.secs(f.id, farm) for farm in {w.farm_id for w in unit.members if w.farm_id}]
    worst = max(commutes) if commutes else None
    pin_ok = unit.pinned is None or unit.pinned == f.id
    # Pinned people already live there: the commute cap does not evict them.
    commute_ok = unit.pinned == f.id or worst is None or worst <= max_commute_s
    return Eligibility(
        open_ok=open_ok,
        section_ok=section_ok,
        accessible_ok=accessible_ok,
        commute_ok=commute_ok,
        worst_commute_s=worst,
        pin_ok=pin_ok,
    )


def commute_cost(unit: Unit, f_id: str, matrix: TravelMatrix, farms: dict[str, Farm]) -> int:
    """One-way commute seconds x workdays of the stay, for one copy of the unit."""
    people = unit.members if unit.is_group else unit.members[:1]
    total = 0
    for w in people:
        if w.farm_id:
            farm = farms[w.farm_id]
            total += matrix.secs(f_id, w.farm_id) * workdays_between(
                w.arrival, w.departure, farm.workdays
            )
    return total


def farms_by_id(scenario: Scenario) -> dict[str, Farm]:
    return {f.id: f for f in scenario.farms}
