"""The entry rule on days without work: a bed is released after a run of days without work.

With `[housing] max_days_without_work = N` and a farm calendar (`[data] farm_calendar`: days a
farm has no work), a person whose farm has N of its workdays in a row without work during the
stay leaves the morning after the N-th: the nights from then on are not offered a bed (they are
`released_no_work` in uncovered.csv, and a person with a departure point rides from it on the
days of their stay after that). The farm's weekly rest days neither count nor break a run: a
Friday and a Monday without work are two in a row for a Monday-to-Friday farm. A group (a family
room, housed as one unit) is released whole: once every working member has had such a run, all
its members leave on the latest of those mornings (each no later than their own departure);
while one working member still has work, or one member has not arrived by that morning, nobody
of the group is released (a working member whose stay ended by that morning has no say: they
are gone). People with no farm and no group (residents) are never released. Pins do not change
the rule.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta

from foresterie.core.timeutil import date_range
from foresterie.scenario.model import FarmClosure, Scenario

# id(closures) -> (the closures, their days): kept by identity, not by value (hashing a tuple
# of a thousand closures is done again on every call: 10 CPU s for a season's works_on calls)
_CLOSED: dict[int, tuple[tuple[FarmClosure, ...], frozenset[tuple[str, date]]]] = {}


def closed_days(closures: tuple[FarmClosure, ...]) -> frozenset[tuple[str, date]]:
    """(farm, day) of every day a farm has no work by its calendar (`[data] farm_calendar`),
    built once per calendar (the same tuple: a scenario's): the release rule here, and the
    shuttles' demand (shuttles/routes.py `works_on`: nobody rides to a farm on such a day,
    nobody is owed a ride)."""
    hit = _CLOSED.get(id(closures))
    if hit is not None and hit[0] is closures:
        return hit[1]
    days = frozenset(
        (c.farm_id, d)
        for c in closures
        for d in date_range(c.first_day, c.last_day + timedelta(days=1))
    )
    if len(_CLOSED) >= 8:  # a few scenarios at a time (a sweep's members, a day run's season)
        _CLOSED.clear()
    _CLOSED[id(closures)] = (closures, days)  # holding the tuple: its id is not reused
    return days


def release_days(scenario: Scenario) -> dict[str, date]:
    """worker -> the morning they leave because their bed was released (before their departure);
    people not released are absent."""
    limit = scenario.config.housing.max_days_without_work
    if limit is None or not scenario.farm_closures:
        return {}
    closed = closed_days(scenario.farm_closures)
    calendar = {farm for farm, _ in closed}
    workdays = {f.id: f.workdays for f in scenario.farms}
    out: dict[str, date] = {}
    for w in scenario.workers:
        farm = w.work_farm
        if farm is None or farm not in calendar:
            continue
        run = 0
        for d in date_range(w.arrival, w.departure):
            if d.weekday() not in workdays[farm]:
                continue
            run = run + 1 if (farm, d) in closed else 0
            if run == limit:
                if d + timedelta(days=1) < w.departure:
                    out[w.id] = d + timedelta(days=1)
                break
    members: dict[str, list[str]] = defaultdict(list)
    for w in scenario.workers:
        if w.group_id:
            members[w.group_id].append(w.id)
    by_id = {w.id: w for w in scenario.workers}
    for ids in members.values():  # a group is one unit (one family room): released whole
        working = [i for i in ids if by_id[i].work_farm is not None]
        own = {i: out.pop(i) for i in working if i in out}
        if not own:
            continue
        last = max(own.values())
        if any(i not in own and by_id[i].departure > last for i in working):
            continue  # a member still at work keeps the group's beds: nobody is released
        # (one who left by that morning does not: a member visiting for two nights before the
        # farm stopped, review 18 R MEDIUM-5, keeps no bed of the family's)
        if any(by_id[i].arrival >= last for i in ids):
            continue  # a member arrives after that morning: the family's room is kept for them
            # (review 18 R, HIGH-4: their stay ended before it began, "-2 nights", exit 1)
        for i in ids:
            if last < by_id[i].departure:
                out[i] = last
    return out


def without_released_nights(scenario: Scenario, released: dict[str, date]) -> Scenario:
    """The scenario housing plans: every released person's stay ends on their release morning."""
    if not released:
        return scenario
    workers = tuple(
        replace(w, departure=released[w.id]) if w.id in released else w for w in scenario.workers
    )
    return replace(scenario, workers=workers)
