"""The entry rule on days without work: a bed is released when the work is over for the person.

With `[housing] max_days_without_work = N` and a farm calendar (`[data] farm_calendar`: days a
farm has no work), a person whose farm has N of its workdays in a row without work during the
stay, **and no workday with work after them within the stay** (the end of the harvest, or a
closure that reaches the end of the stay), leaves the morning after the N-th: the nights from
then on are not offered a bed (they are `released_no_work` in uncovered.csv, and a person with a
departure point rides from it on the days of their stay after that). A pause that the calendar
itself ends within the stay (rain, then work again) is not an end: the bed is kept through it,
however long (the source, DOMAIN.md: someone *without work* may stay 30 days; review 19 R,
HIGH-1: a crew released the morning its farm went back to work). `pauses` lists the pauses of
N+ workdays kept, so `solve` can say per farm what they cost. Someone arriving during a pause
is housed (their farm works later in the stay). The farm's weekly rest days neither count nor
break a run: a Friday and a Monday without work are two in a row for a Monday-to-Friday farm. A
group (a family room, housed as one unit) is released whole: once every working member has had
such a run, all its members leave on the latest of those mornings (each no later than their own
departure); while one working member still has work, or one member has not arrived by that
morning, nobody of the group is released (a working member whose stay ended by that morning
has no say: they are gone). People with no farm and no group (residents) are never released.
Pins do not change the rule. A day a booking says a person works although their farm's
calendar closes it (`worked_days.csv` in the scenario folder, written by `foresterie intake`
from the ledger: ops/intake.py `booked_workdays`) is a day with work for that person only: it
breaks their run, nobody else's. A release that houses nobody is not made (review 19 S,
NEW-2): `idle_releases` finds, in the plan made with the stays cut, the releases whose freed
nights nobody was given; run/early.py plans again with those people kept (`Scenario.beds_kept`,
which `release_days` leaves out) until every release left frees a bed someone sleeps in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta

from foresterie.core.files import read_csv
from foresterie.core.timeutil import date_range
from foresterie.scenario.model import Assignment, FarmClosure, Scenario, Section

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


# (worker, day) a booking says the person works although their farm's calendar closes the day
WORKED_DAYS = "worked_days.csv"
WORKED_COLS = ("worker_id", "day")


def worked_days(scenario: Scenario) -> frozenset[tuple[str, date]]:
    """(worker, day) of the scenario folder's worked_days.csv (an intake's; none: empty). Read
    as a file a user may hand us (core/files.py read_csv: file:row:field, exit 2)."""
    path = scenario.root / WORKED_DAYS
    if not path.is_file():
        return frozenset()
    return frozenset((r["worker_id"], r.day("day")) for r in read_csv(path, WORKED_COLS))


Runs = dict[str, tuple[date | None, list[tuple[date, date]]]]


def _runs(scenario: Scenario, limit: int) -> Runs:
    """worker -> (the morning after the N-th workday of a run without work that no workday with
    work follows within the stay, if before their departure, else None; the pauses of N+
    workdays that work ended within the stay, each as (its first day without work, the day
    work resumed)), for everyone whose farm is in the calendar."""
    closed = closed_days(scenario.farm_closures)
    worked = worked_days(scenario)  # booked to work on a closed day: that person only
    calendar = {farm for farm, _ in closed}
    workdays = {f.id: f.workdays for f in scenario.farms}
    out: Runs = {}
    for w in scenario.workers:
        farm = w.work_farm
        if farm is None or farm not in calendar:
            continue
        run, first, morning = 0, w.arrival, None
        paused: list[tuple[date, date]] = []
        for d in date_range(w.arrival, w.departure):
            if d.weekday() not in workdays[farm]:
                continue
            if (farm, d) in closed and (w.id, d) not in worked:
                run, first = run + 1, first if run else d
                if run == limit:
                    morning = d + timedelta(days=1)
                continue
            if run >= limit:  # work again within the stay: a pause, not an end (bed kept)
                paused.append((first, d))
            run, morning = 0, None
        out[w.id] = (morning if morning is not None and morning < w.departure else None, paused)
    return out


def pauses(scenario: Scenario) -> dict[str, list[tuple[date, date]]]:
    """worker -> the pauses of max_days_without_work or more workdays without work, followed by
    work at their farm within the stay, that keep their bed (first day without work, the day
    work resumed); none without the rule or a calendar. A released person's pauses before the
    release are listed too (they were kept)."""
    limit = scenario.config.housing.max_days_without_work
    if limit is None or not scenario.farm_closures:
        return {}
    return {wid: p for wid, (_, p) in _runs(scenario, limit).items() if p}


def pause_costs(
    scenario: Scenario, assignments: Iterable[Assignment], since: date = date.min
) -> dict[str, tuple[int, int]]:
    """farm -> (people housed on some night of a pause their bed is kept through, their
    bed-nights in those pauses: from the first day without work to the night before work
    resumes; in a re-plan only the nights from its date, `since`), for `solve` to say what
    keeping beds through pauses costs."""
    kept = pauses(scenario)
    if not kept:
        return {}
    farm = {w.id: w.work_farm for w in scenario.workers}
    nights: dict[str, set[date]] = defaultdict(set)
    for a in assignments:
        if a.worker_id in kept:
            nights[a.worker_id].update(date_range(a.arrival, a.departure))
    return _per_farm(
        (
            farm[wid],
            sum(
                1
                for first, resume in spans
                for d in date_range(max(first, since), resume)
                if d in nights[wid]
            ),
        )
        for wid, spans in sorted(kept.items())
    )


def _per_farm(counts: Iterable[tuple[str | None, int]]) -> dict[str, tuple[int, int]]:
    """(farm, a person's bed-nights) -> farm -> (people with some, their bed-nights): what the
    `pause:` and `release:` lines of `solve` say per farm."""
    out: dict[str, tuple[int, int]] = {}
    for farm, n in counts:
        if n and farm is not None:
            people, total = out.get(farm, (0, 0))
            out[farm] = (people + 1, total + n)
    return out


def release_days(scenario: Scenario) -> dict[str, date]:
    """worker -> the morning they leave because their bed was released (before their departure);
    people not released are absent."""
    limit = scenario.config.housing.max_days_without_work
    if limit is None or not scenario.farm_closures:
        return {}
    out = {wid: m for wid, (m, _) in _runs(scenario, limit).items() if m is not None}
    out = _whole_groups(scenario, out)
    # a release the plan gives to nobody is not made (idle_releases; run/early.py)
    return {wid: m for wid, m in out.items() if wid not in scenario.beds_kept}


def _whole_groups(scenario: Scenario, out: dict[str, date]) -> dict[str, date]:
    """`out` (worker -> release morning) with each group released whole, or nobody of it."""
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


def idle_releases(
    scenario: Scenario,
    assignments: Iterable[Assignment],
    released: dict[str, date],
    since: date = date.min,
) -> frozenset[str]:
    """The released people whose release houses nobody: a coordinator does not put someone out
    for a bed nobody takes (review 19 S, NEW-2: a referred man released for the last night of
    his stay, another for 5 nights at a site 10% full). A release (a person, or a group as one)
    whose people had a bed the night before it, at a foresteria open that morning, is idle when
    on every night it frees there (to their departure or the closing) their section keeps a
    free bed for each of them in `assignments` (the plan made with the stays cut): nobody was
    given the bed. Idle releases are taken one after the other (by morning, then id), each
    taking back the free beds it would keep, so that two releases do not both count on one
    free bed. A release of someone without a bed the night before frees none and stands (their
    stay is cut as before); so does one by `since` (a re-plan's date: what was lived)."""
    if not released:
        return frozenset()
    fs = {f.id: f for f in scenario.foresterie}
    by_id = {w.id: w for w in scenario.workers}
    used: dict[tuple[str, Section, date], int] = defaultdict(int)
    last: dict[str, Assignment] = {}  # worker -> their assignment ending on the release morning
    for a in assignments:
        for d in date_range(a.arrival, a.departure):
            used[a.foresteria_id, a.section, d] += 1
        if released.get(a.worker_id) == a.departure:
            last[a.worker_id] = a
    units: dict[tuple[date, str], list[str]] = defaultdict(list)
    for wid, morning in released.items():  # a group is released whole: judged whole
        units[morning, by_id[wid].group_id or wid].append(wid)
    idle: set[str] = set()
    for (morning, _), ids in sorted(units.items()):
        if morning <= since:
            continue  # a re-plan's: the night before was lived, the release stands
        need: dict[tuple[str, Section, date], int] = defaultdict(int)
        for wid in ids:
            bed = last.get(wid)
            if bed is None:
                continue
            f = fs[bed.foresteria_id]
            if not f.open_from <= morning <= f.open_to:
                continue
            end = min(by_id[wid].departure, f.open_to + timedelta(days=1))
            for d in date_range(morning, end):
                need[f.id, bed.section, d] += 1
        if not need:
            continue  # no bed of theirs freed at a foresteria still open: the release stands
        if all(fs[f].beds(s) - used[f, s, d] >= n for (f, s, d), n in need.items()):
            idle.update(ids)
            for k, n in need.items():
                used[k] += n  # the beds they keep are no longer free for the next release
    return frozenset(idle)


def without_released_nights(scenario: Scenario, released: dict[str, date]) -> Scenario:
    """The scenario housing plans: every released person's stay ends on their release morning."""
    if not released:
        return scenario
    workers = tuple(
        replace(w, departure=released[w.id]) if w.id in released else w for w in scenario.workers
    )
    return replace(scenario, workers=workers)


def kept_costs(
    scenario: Scenario, assignments: Iterable[Assignment], since: date = date.min
) -> dict[str, tuple[int, int]]:
    """farm -> (people whose release is not made, `scenario.beds_kept`, housed after the morning
    the rule would release them; their bed-nights from then, in a re-plan from `since`), for
    `solve` to say what keeping them costs (nothing: nobody else was given those beds). A
    dependant counts at the farm of a working member of their group."""
    if not scenario.beds_kept:
        return {}
    rule = release_days(replace(scenario, beds_kept=frozenset()))
    by_id = {w.id: w for w in scenario.workers}
    farm_of_group = {
        w.group_id: w.work_farm
        for w in sorted(scenario.workers, key=lambda w: w.id, reverse=True)
        if w.group_id and w.work_farm is not None and w.id in scenario.beds_kept
    }
    nights: dict[str, int] = defaultdict(int)
    for a in assignments:
        morning = rule.get(a.worker_id)
        if a.worker_id in scenario.beds_kept and morning is not None:
            first = max(a.arrival, morning, since)
            nights[a.worker_id] += max(0, (a.departure - first).days)
    return _per_farm(
        (by_id[wid].work_farm or farm_of_group.get(by_id[wid].group_id or ""), n)
        for wid, n in sorted(nights.items())
    )
