"""`foresterie intake RUN --date D`: today's arrivals, departures and no-shows re-plan the beds
from D on, through the ordinary re-planning (`solve --as-of D --previous RUN`).

From the ledger (rows up to D) each worker of the season run is, on D:
- housed and here (or away for a while: `absent` keeps the bed): kept where they are (pinned by
  the re-planning, or explicitly when a check-in or a driver's list says they arrived on D);
  nobody already housed is moved; someone due on D whom nothing records yet has taken no bed,
  and is planned as the not yet due are (the re-plan may move them);
- gone (a departure row): the stay ends that day; a departure before their planned arrival
  removes them;
- arrived without a bed (waitlisted, or earlier than planned): planned from D by the same tiers;
  a waitlisted person whose stay ended by D (departure on or before D) has no night left to
  plan: not re-planned, kept as the season planned them (`stay_ended_not_housed`);
- not arrived although planned (a driver's boarding row on or after the planned arrival counts
  as the arrival: `ops.day.seen_aboard`; from the day arrivals are recorded on at their site:
  `ops.day.Recording`; a site whose office has recorded no arrival keeps the plan's
  expectation, so no bed of it is released): the bed is held for
  `[operations] release_bed_after_days` days after the planned arrival (the CLI's
  `--release-after-days` overrides it), then released: they stay the season's people,
  waitlisted `not_checked_in` with their stay and departure point (the re-plan's
  `no_shows.csv`, carried by every later intake), until a check-in makes them an arrival
  without a bed (review 19 R, HIGH-8); a group is here when one of it is (its members the
  office did not record are said), and released only as a whole (HIGH-6);
- placed by an earlier intake while already in the region (its `placements.csv`), not checked
  in since: here, their bed kept, never a planned arrival missed (HIGH-5), for
  `release_bed_after_days` days from the placement; not come to it by then, the bed is released
  as a no-show's (review 19 S, NEW-1): waitlisted `not_checked_in` (the no-show's record says
  the placement), still riding from their departure point (they are in the region: their
  check-in stands), placed again only by a check-in after the placement;
- waitlisted (no bed) and not checked in `release_bed_after_days` days after the planned
  arrival: waitlisted `not_checked_in` in words of their own (no bed was theirs: review 19 S,
  NEW-5), offered no bed, freed or not, until a check-in says they are in the region;
- not yet due: planned as before (the re-planning keeps them where the previous plan put them
  where it can).
- housed, here, and asking to move (a `move_request` row up to D, dated after the run being
  re-planned was made, or one before it that run did not make: a request holds until another
  replaces it, `_met`): re-planned from D by the same tiers, at the foresteria asked for (pinned;
  a request naming none, or one the foresteria cannot take, is not met and they stay where they
  are: `_cannot_move`; so is one that would cost anyone else nights: `moves_costing_nobody`,
  and one that would leave the mover fewer days with a ride to work than where they are, after
  the re-plan's routing, unless asked knowing (`move_without_ride`): `without_rides`);
  their nights before D are kept as the season run had them (the
  re-plan's `moves.csv`, housing/replan.py: a group moves whole, and the moves the season run
  made stand), the move is listed in plan/replan_changes.csv, the re-plan's
  `moved_vs_previous` counts only moves nobody asked for (0 by the pins), and `intake.json`
  counts the requests and the moves made on request.
A booking on a day the person's farm's calendar closes (by the farm itself, or for another farm
working that day) is a day with work for that person only (`booked_workdays`: the intake's
`inputs/worked_days.csv`, read by the release rule and the verifier; the calendar stays the
season's). A bed the plan re-planned gave someone not yet arrived that the re-plan takes is said
(`promised_lost`). A row of kind `intake_plan` records the new run's manifest hash; day runs then
accept it as the season run of the same ledger.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from foresterie.core.errors import InfeasibleError, Problem, ScenarioError
from foresterie.core.files import (
    csv_text,
    dumps_json,
    file_sha256,
    json_at,
    read_csv,
    read_json,
    write_text,
)
from foresterie.core.i18n import N_, cli_lang
from foresterie.core.restricted import RESTRICTED_DRAW_KEY, read_restricted
from foresterie.core.runfolder import RunFolderError, read_manifest
from foresterie.core.tomlout import dumps as toml_dumps
from foresterie.housing.release import WORKED_COLS, WORKED_DAYS, closed_days
from foresterie.housing.replan import (
    MOVE_COLS,
    MOVES,
    NO_SHOW_COLS,
    NO_SHOW_MORE,
    NO_SHOWS,
    PLACEMENT_COLS,
    PLACEMENTS,
    PRESENT,
    PRESENT_COLS,
    NoShow,
    read_no_shows,
)
from foresterie.ops.day import (
    Planned,
    SeasonRun,
    SiteCheckins,
    at_bed,
    open_season,
    recording,
    seen_aboard,
    site_checkins,
)
from foresterie.ops.day import with_group as group_presence
from foresterie.ops.ledger import WITHOUT_RIDE, Event, Ledger, is_url, reopenable_url
from foresterie.ops.own import ids_text, own_scenario, validated
from foresterie.run.early import Request, load_and_house
from foresterie.run.folders import check_apart, check_target, scenario_folder
from foresterie.run.pipeline import RunSummary, solve
from foresterie.scenario.files import priority_csv, workers_csv
from foresterie.scenario.load import RESTRICTED_PRIORITY, RESTRICTED_REFERRALS, load_scenario
from foresterie.scenario.model import FarmClosure, Section, Worker
from foresterie.travel.matrix import TravelMatrix, build_matrix


@dataclass(kw_only=True)
class Intake:
    workers: list[Worker]
    counts: Counter[str]
    movers: dict[str, str] = field(default_factory=dict)  # worker -> foresteria asked for, or ""
    to_place: set[str] = field(default_factory=set)  # arrived without a bed: planned from d
    checkins: list[SiteCheckins] = field(default_factory=list)  # the recording rule, per site
    released: Counter[str] = field(default_factory=Counter)  # foresteria -> beds released
    refused: list[str] = field(default_factory=list)  # move requests that cannot be made, said
    asked_on: dict[str, date] = field(default_factory=dict)  # worker -> the request's day
    # housed by the run re-planned and not arrived (due later, or a no-show whose bed is held):
    # beds promised, which the intake keeps or says it took (`promised_lost`)
    held: set[str] = field(default_factory=set)
    # movers who asked knowing the foresteria asked for may have no ride to their work for them
    # (a `move_without_ride` row): the move is made even where it costs them rides (`_ride_cost`)
    knowing: set[str] = field(default_factory=set)

    @property
    def workers_by_id(self) -> dict[str, Worker]:
        return {w.id: w for w in self.workers}

    # the no-shows (an earlier intake's not come since, and today's): waitlisted until a
    # check-in (housing/replan.py NO_SHOWS)
    no_shows: dict[str, NoShow] = field(default_factory=dict)
    # worker -> the day an intake placed them in the region, not checked in since (PLACEMENTS)
    placed: dict[str, date] = field(default_factory=dict)
    # worker -> the foresteria of the bed an earlier intake gave them in the region, released
    # today: not checked in at it within release_bed_after_days of the placement (NEW-1)
    expired: dict[str, str] = field(default_factory=dict)
    with_group: list[str] = field(default_factory=list)  # here with their group, unrecorded


# the beds of a section, as a refused move names them (housing/waitlist.py SECTION_BEDS's words)
_BEDS = {
    Section.MEN: N_("men's beds"),
    Section.WOMEN: N_("women's beds"),
    Section.FAMILY: N_("family beds"),
}


def _cannot_move(season: SeasonRun, w: Worker, fid: str, d: date) -> tuple[str, str] | None:
    """Why a move of w to foresteria `fid` from d cannot be made, as the refusal says it
    (`_refusal`), and what the office can do (None: it is made). A pin the intake's own scenario
    would refuse, or a foresteria that can never take them, is a request not met (review 17,
    finding 9), never a crash: a site their referral record says to avoid (said as `placement`
    only: the record is restricted), one with no beds of their section, or no accessible bed for
    someone who needs one, one beyond `[housing] max_commute_min` of their farm (`_too_far`,
    review 18 M3), a foresteria closed on every night left (or on any, without partial stays);
    for a member of a group, any of the group (the intake pins the whole group where
    one of them asked). A move is an option, never a loss (review 17, findings 14, 15): a
    request naming no foresteria is not met (the re-plan would put them out of their bed to
    compete with the waitlist), and one for a foresteria that opens later is not met yet: they
    keep their bed, and the request, which holds, is made by an intake on or after the
    opening (never nights without a bed until then)."""
    tr = cli_lang()  # said on the console, in the command line's language
    if not fid:
        return (
            tr._("names no foresteria: not met"),
            tr._("record another `move` naming the foresteria asked for"),
        )
    again = tr._("record another `move` naming another foresteria")
    group = [x for x in season.scenario.workers if w.group_id and x.group_id == w.group_id]
    if any(fid in x.avoid for x in [w, *group]):  # the group goes where one of them is pinned
        return tr._("cannot be made (placement)"), tr._("ask the case worker")
    f = next(f for f in season.scenario.foresterie if f.id == fid)  # the import checked it
    if not f.beds(w.section):
        why = tr._("cannot be made ({name} has no {beds})")
        return why.format(name=f.name, beds=tr._(_BEDS[w.section])), again
    if any(x.accessible for x in [w, *group]) and not f.beds_accessible:
        return tr._("cannot be made ({name} has no accessible bed)").format(name=f.name), again
    if far := _too_far(season, [w, *group], fid):
        why = tr._("cannot be made ({name} is {far})").format(name=f.name, far=far)
        return why, tr._("record another `move`, nearer the farm")
    partial = season.scenario.config.housing.partial_stays

    def fits(start: date) -> bool:
        nights = [start + timedelta(days=k) for k in range((w.departure - start).days)]
        open_ = [n for n in nights if f.open_from <= n <= f.open_to]
        return bool(open_) and (partial or len(open_) == len(nights))

    if d < f.open_from and fits(f.open_from):
        why = tr._("cannot be made yet ({name} opens on {day})").format(
            name=f.name, day=f.open_from
        )
        return why, tr._("an intake on or after {day} makes it").format(day=f.open_from)
    if not fits(d):
        why = tr._("cannot be made ({name} is open {first}..{last} only)")
        return why.format(name=f.name, first=f.open_from, last=f.open_to), again
    return None


_MATRIX: dict[tuple[str, str], TravelMatrix] = {}  # the season run's recorded matrix, once


def _too_far(season: SeasonRun, people: list[Worker], fid: str) -> str:
    """'' where foresteria `fid` is within `[housing] max_commute_min` of the farm of each of
    `people` who works (a group: every working member's), else how far the farthest farm is
    (review 18, M3): the move would be a pin, and a pin bypasses the commute cap, so the mover
    would keep a bed and lose every ride to work (`ride_cap`). Measured as the housing model
    measures it (housing/units.py `eligibility`: the foresteria to the farm, over the season
    run's recorded matrix). A farm is public; a site to avoid is no one's work farm."""
    farms = sorted({x.work_farm for x in people if x.work_farm})
    if not farms:
        return ""
    key = (str(season.root), season.manifest_sha256)
    if key not in _MATRIX:
        _MATRIX.clear()  # one season run at a time
        _MATRIX[key] = build_matrix(season.scenario)
    matrix = _MATRIX[key]
    cap = season.scenario.config.housing.max_commute_min
    secs, farm = max((matrix.secs(fid, farm), farm) for farm in farms)
    if secs <= cap * 60:
        return ""
    return (
        cli_lang()
        ._("{min} min from farm {farm}, above the {cap} min commute limit")
        .format(min=math.ceil(secs / 60), farm=farm, cap=cap)
    )


def _moves_made(season: SeasonRun) -> dict[str, list[tuple[str, date]]]:
    """worker -> (foresteria, from) of each move the run re-planned made (its inputs/moves.csv:
    an intake's own and those it carried)."""
    path = season.root / "inputs" / MOVES
    out: dict[str, list[tuple[str, date]]] = {}
    for r in read_csv(path, MOVE_COLS) if path.is_file() else []:
        out.setdefault(r["worker_id"], []).append((r["foresteria_id"], r.day("from")))
    return out


def _met(ev: Event, made: dict[str, list[tuple[str, date]]], since: date | None) -> bool:
    """Whether the run re-planned (an intake of `since`) answered a move request already: a
    request dated up to its date that it made (a move to that foresteria from the request's day
    on). One it did not make holds (README "Daily operations": until another `move` row of the
    person replaces it) and is read again, by an intake made from the season run as by one
    made from that intake (session 19's leftover: the person had to record it again)."""
    if since is None or ev.day > since:
        return False
    return any(f == ev.origin and ev.day <= start for f, start in made.get(ev.worker_id, []))


def intake_workers(
    season: SeasonRun,
    events: list[Event],
    d: date,
    release_days: int,
    moves_since: date | None = None,
) -> Intake:
    rec = recording(season, events, d)  # the offices' own rows: from when each records
    # placed by an earlier intake while already in the region, and not checked in since: present
    # (no planned arrival missed), their bed kept (review 19 R, HIGH-5)
    bedside = {w.id for w in season.scenario.workers if not w.pickup_id}  # rides from the bed
    moving = set(season.placed) - at_bed([e for e in events if e.day <= d], season.placed, bedside)
    # ... for `release_bed_after_days` days from the placement: not come to the bed by then, it
    # is released as a no-show's (review 19 S, NEW-1: 20 beds held 10-12 days, nobody in them)
    expired = {
        w for w in moving if (d - season.placed[w]).days >= release_days and w in season.assigned
    }
    moving -= expired
    # the season run's no-shows (an earlier intake's): housed again only once checked in; one
    # whose released bed was given in the region checked in before it: only a check-in after
    # the placement counts (`at_bed`), never the one that made them an arrival to place
    before = read_no_shows(season.scenario)
    was_placed = {w: n.placed for w, n in before.items() if n.placed is not None}
    back = at_bed([e for e in events if e.day <= d], was_placed, bedside)
    events, aboard = seen_aboard(season, events)  # a boarding row counts as the arrival
    arrived: dict[str, date] = {}
    only_aboard: set[str] = set()  # arrived by a boarding row alone (no check-in)
    departed: dict[str, date] = {}
    asked: dict[str, str] = {}
    asked_on: dict[str, date] = {}
    knowing: set[str] = set()
    last_ask: dict[str, Event] = {}
    for ev in events:
        if ev.day > d:
            continue
        if ev.kind == "move_request":
            last_ask[ev.worker_id] = ev  # the last request wins
        if ev.kind == "arrival":
            arrived[ev.worker_id] = ev.day  # the last row wins: corrections are new rows
            departed.pop(ev.worker_id, None)
            if ev is aboard.get(ev.worker_id):
                only_aboard.add(ev.worker_id)
            else:
                only_aboard.discard(ev.worker_id)
        elif ev.kind == "departure":
            departed[ev.worker_id] = ev.day
    made = _moves_made(season) if moves_since is not None else {}
    for wid, ev in last_ask.items():  # ... unless the run re-planned made it
        if not _met(ev, made, moves_since):
            asked[wid], asked_on[wid] = ev.origin, ev.day
            if ev.note == WITHOUT_RIDE:
                knowing.add(wid)
    # A dependant (a child, an elder) leaves with the group's working members: once every one of
    # them has left, they are gone too, from the latest of those days (review 19 S: both parents
    # recorded as departed left their child alone in the family room for 19 nights).
    riders_of: dict[str, list[Worker]] = {}
    left_with: list[str] = []  # said with the group lines (Intake.with_group)
    for w in season.scenario.workers:
        if w.group_id and w.rides:
            riders_of.setdefault(w.group_id, []).append(w)
    for w in season.scenario.workers:
        adults = riders_of.get(w.group_id or "", [])
        if w.rides or not adults or w.id in departed:
            continue
        if all(a.id in departed for a in adults):
            departed[w.id] = max(departed[a.id] for a in adults)
            left_with.append(
                cli_lang()
                ._(
                    "{group}: {id} leaves with the group's working members (the last departed "
                    "on {day}): no bed kept for a dependant alone"
                )
                .format(group=w.group_id, id=w.id, day=departed[w.id])
            )
    counts: Counter[str] = Counter()
    out: list[Worker] = []
    movers: dict[str, str] = {}
    to_place: set[str] = set()
    planned: list[Planned] = []  # (bed, planned arrival, arrived, seen aboard only) of the due
    released: Counter[str] = Counter()
    refused: dict[str, str] = {}  # worker -> why their move cannot be made, and what to do
    held: set[str] = set()  # housed by the season plan, not arrived: a bed promised
    no_shows: dict[str, NoShow] = {}  # this intake's: those still not come, and the new ones
    # Who is here on d, person by person, then group by group: a group is housed together or
    # not at all, so a member whose group is here is here with it (a dependant above all: a
    # child is not registered at a desk apart), and a group is a no-show only as a whole
    # (review 19 R, HIGH-6).
    came_of: dict[str, date | None] = {}
    here_of: dict[str, bool] = {}
    for w in season.scenario.workers:
        came = arrived.get(w.id)
        if w.id in moving or w.id in expired or (w.id in was_placed and w.id not in back):
            came = None  # a check-in before the placement was not at the bed: kept as placed
        if came is None and w.arrival <= asked_on.get(w.id, date.min) <= d:
            # the office recorded their move request: it saw them (review 18 R, MEDIUM-2: one
            # who asked to move with no arrival row was released as a no-show, unsaid)
            came = asked_on[w.id]
        # a planned arrival counts without a check-in unless the site records arrivals (its
        # office has imported one) since before it; people with no site: anywhere; a no-show
        # of an earlier intake: only with a check-in (their bed was released for want of one)
        assumed = (
            w.id not in before
            and w.id not in expired
            and not rec.needs_checkin(season.site(w), w.arrival, d)
        )
        came_of[w.id] = came
        here_of[w.id] = came is not None or (assumed and w.arrival <= d) or w.id in moving
    members: dict[str, list[Worker]] = {}
    for w in season.scenario.workers:
        if w.group_id:
            members.setdefault(w.group_id, []).append(w)
    with_group = [  # one line a group: who of it the office did not record
        cli_lang()
        ._("{group}: {who} not checked in with the group: kept with it; check")
        .format(group=gid, who=", ".join(kept))
        for gid, kept in group_presence(season.scenario.workers, here_of, came_of, departed, d)
    ]
    for w in season.scenario.workers:
        bed = season.assigned.get(w.id)
        gone = departed.get(w.id)
        if (
            bed is not None
            and w.arrival <= d
            and (gone is None or gone > d)
            and w.id not in moving | expired
        ):
            planned.append((bed, w.arrival, w.id in arrived, w.id in only_aboard))
        if gone is not None and gone <= d:
            if gone <= w.arrival:
                counts["departed_before_planned_arrival"] += 1
                continue
            counts["departed"] += 1
            out.append(replace(w, departure=min(w.departure, gone)))
            if w.id in before and not here_of[w.id]:
                no_shows[w.id] = before[w.id]  # still never came: no bed
            continue
        if w.id in expired and not here_of[w.id]:  # the bed given in the region, not come to
            # (one of a group here is kept with it, said with the group's line)
            counts["released_placement"] += 1
            no_shows[w.id] = NoShow(d, release_days, placed=season.placed[w.id])
            out.append(replace(w, pinned_foresteria=None))
            continue
        came, here = came_of[w.id], here_of[w.id]
        ended = w.departure <= d  # no night left from d on: nothing to re-plan from d
        if bed is None and w.id in asked and not ended:
            # someone the run gave no bed has none to move from: answered and counted as a
            # request not met (review 20 R, LOW-7: dropped without a word), then re-planned as
            # anyone without a bed below
            refused[w.id] = _no_bed_to_move(w.id, asked[w.id], asked_on[w.id])
        moving_ = here and bed is not None and w.id in asked and w.arrival < d and not ended
        cannot = _cannot_move(season, w, asked[w.id], d) if moving_ else None
        if cannot is not None and bed is not None:  # not met: they stay where they are
            counts["move_cannot_be_made"] += 1
            refused[w.id] = _refusal(w.id, asked[w.id], asked_on[w.id], bed, *cannot)
            out.append(w)
        elif moving_:
            counts["move_requested"] += 1  # re-planned from today, where they asked
            movers[w.id] = asked[w.id]
            out.append(w)  # their nights before d kept (the re-plan's moves.csv: _replan)
        elif here and bed is not None and (came is None or came >= w.arrival or ended):
            counts["placed_not_checked_in" if w.id in moving else "housed_kept"] += 1
            # late or on time: the held bed is theirs; arriving today: held where they are if a
            # check-in (or a driver's list) says they came; assumed (their office records
            # nothing), they have taken no bed yet, so the re-plan may move them as anyone not
            # yet due (the re-planning pins those who arrived before d: housing/replan.py)
            out.append(replace(w, pinned_foresteria=bed) if w.arrival >= d and came else w)
        elif here and ended:
            # waitlisted, and their stay ended by d: arriving on d would come after it ended;
            # kept as the season planned them (the re-plan's waitlist says `past`)
            counts["stay_ended_not_housed"] += 1
            out.append(w)
        elif here:
            if w.id in before:
                counts["no_show_checked_in"] += 1  # an earlier intake's no-show, come since
            else:
                counts["arrived_to_place" if bed is None else "early_to_place"] += 1
            to_place.add(w.id)
            out.append(replace(w, arrival=d, pinned_foresteria=None))
        elif w.id in before:
            counts["no_show_not_checked_in"] += 1  # still no check-in: still no bed
            no_shows[w.id] = before[w.id]
            out.append(w)
        elif w.arrival <= d:
            unit = members.get(w.group_id, [w]) if w.group_id else [w]  # nobody of it here
            if all((d - x.arrival).days >= release_days for x in unit):
                # a no-show: their bed released, or none held; they stay the season's people,
                # waitlisted `not_checked_in` until a check-in (review 19 R, HIGH-8)
                counts["released_no_show" if bed else "no_show_not_housed"] += 1
                if bed is not None:
                    released[bed] += 1
                no_shows[w.id] = NoShow(d, release_days, had_bed=bed is not None)
                out.append(w)
                continue
            counts["held_for_no_show" if bed else "not_arrived_not_housed"] += 1
            if bed is not None:
                held.add(w.id)
            # due today and not come: planned as anyone not yet due (the re-plan may move them);
            # due before d, the re-planning holds them where they are (housing/replan.py)
            out.append(w)
        else:
            counts["not_yet_due"] += 1
            if bed is not None:
                held.add(w.id)
            out.append(w)
    # a group held at several foresterie (one asks for one, another is held at another): the
    # group's requests cannot be made, they stay where they are
    pins: dict[str, set[str]] = {}
    for w in out:
        pin = movers.get(w.id) or w.pinned_foresteria
        if w.group_id and pin:
            pins.setdefault(w.group_id, set()).add(pin)
    split = {g for g, fs in pins.items() if len(fs) > 1}
    if split:
        season_workers = {w.id: w for w in season.scenario.workers}
        for i, w in enumerate(out):
            if w.group_id in split and w.id in movers:
                tr = cli_lang()
                why = tr._("cannot be made (the rest of group {group} is held elsewhere)")
                why = why.format(group=w.group_id)
                todo = tr._("record a `move` for each of the group, to the same foresteria")
                bed = season.assigned[w.id]
                refused[w.id] = _refusal(w.id, movers.pop(w.id), asked_on[w.id], bed, why, todo)
                counts["move_requested"] -= 1
                counts["move_cannot_be_made"] += 1
                out[i] = season_workers[w.id]
    pinned_groups = {
        w.group_id: movers.get(w.id) or w.pinned_foresteria
        for w in out
        if w.group_id and (movers.get(w.id) or w.pinned_foresteria)
    }
    out = [
        replace(w, pinned_foresteria=pinned_groups[w.group_id])
        if w.group_id in pinned_groups and not w.pinned_foresteria
        else w
        for w in out
    ]
    return Intake(
        workers=out,
        counts=+counts,  # a group's requests taken back leave no zero behind
        movers=movers,
        to_place=to_place,
        checkins=site_checkins(rec, planned, d),
        released=released,
        refused=[refused[k] for k in sorted(refused)],
        asked_on={w: asked_on[w] for w in movers},
        held=held,
        knowing={w for w in knowing if w in movers},
        no_shows=no_shows,
        placed={w: d for w in to_place}
        | {
            w.id: season.placed[w.id]
            for w in out
            if w.id in moving and w.id not in to_place and w.id in season.assigned
        },
        with_group=with_group + left_with,
        expired={w: season.assigned[w] for w in sorted(expired) if w in no_shows},
    )


def without_moves_to(intake: Intake, over: set[str], season: SeasonRun) -> tuple[Intake, list[str]]:
    """The intake with the move requests to the foresterie in `over` (no bed for them there on
    some night of the re-plan) taken back: not met, said, the person stays where they are
    (README "A move is an option, never a loss"; review 18 R, MEDIUM-1: one request for a
    full site stopped the whole intake, no arrival housed, no no-show's bed released)."""
    dropped = sorted(w for w, f in intake.movers.items() if f in over)
    tr = cli_lang()
    said = [
        _refusal(
            w,
            intake.movers[w],
            intake.asked_on[w],
            season.assigned[w],
            tr._("cannot be made (no bed for them there on some night from the date)"),
            tr._("record another `move`, or ask again when a bed is free"),
        )
        for w in dropped
    ]
    counts = Counter(intake.counts)
    counts["move_requested"] -= len(dropped)
    counts["move_cannot_be_made"] += len(dropped)
    return (
        replace(
            intake,
            movers={w: f for w, f in intake.movers.items() if w not in dropped},
            refused=sorted([*intake.refused, *said]),
            counts=+counts,
            asked_on={w: x for w, x in intake.asked_on.items() if w not in dropped},
        ),
        said,
    )


def group_moves(intake: Intake, season: SeasonRun, d: date) -> dict[str, str]:
    """worker -> the foresteria they move to from d: each request the intake makes, and a group
    moves whole (its members living there too)."""
    groups = {w.id: w.group_id for w in intake.workers if w.group_id}
    moves = dict(intake.movers)
    for w in sorted(intake.workers, key=lambda w: w.id):
        asked = next((f for x, f in intake.movers.items() if groups.get(x) == w.group_id), "")
        if w.group_id and asked and w.arrival < d < w.departure and w.id in season.assigned:
            moves.setdefault(w.id, asked)
    return moves


Nights = Callable[[Intake], dict[str, int]]  # an intake -> each person's housed nights from d


def moves_costing_nobody(
    intake: Intake, season: SeasonRun, d: date, nights: Nights
) -> tuple[Intake, list[str]]:
    """The intake with the move requests taken back that would cost someone else nights (review
    18 R, HIGH-5: one man's move pushed a man not yet arrived out of 14 of his 20 nights,
    unsaid), and the lines that say so. A move is made only where every other person is housed,
    with it, on as many nights from d as without it (`nights`: the housing re-plan's, weighed
    on the beds alone): first all the requests together against none; where that costs
    someone, one request at a time in the order of ids, each against the plan with those
    already met. A request the asked-for foresteria has no bed for on some night is not met
    either (`without_moves_to`; review 18 R, MEDIUM-1). The others are counted, never named:
    they are other people."""
    if not intake.movers:
        return intake, []
    said: list[str] = []
    weighed: dict[frozenset[tuple[str, str]], dict[str, int]] = {}

    def nights_of(trial: Intake) -> dict[str, int]:
        """`nights`, once for each set of requests (the trials differ by their requests only):
        the last one of the loop below is often all the requests, weighed first (F1's note)."""
        key = frozenset(trial.movers.items())
        if key not in weighed:
            weighed[key] = nights(trial)
        return weighed[key]

    alone = nights_of(_taken_back(intake, set(intake.movers)))  # every request not met

    def costs(trial: Intake, ref: dict[str, int]) -> tuple[dict[str, int], dict[str, int]]:
        now = nights_of(trial)
        moving = group_moves(trial, season, d)
        lost = {w: n - now.get(w, 0) for w, n in ref.items() if w not in moving}
        return now, {w: n for w, n in lost.items() if n > 0}

    while True:  # first the requests a bed cannot meet (no bed there on some night)
        try:
            now, lost = costs(intake, alone)
            break
        except InfeasibleError as exc:
            over = _over(exc, season) & set(intake.movers.values())
            if not over:
                raise
            intake, more = without_moves_to(intake, over, season)
            said += more
            if not intake.movers:
                return intake, said
    if not lost:
        return intake, said
    met: dict[str, str] = {}
    ref = alone
    costly: dict[str, tuple[int, int]] = {}  # worker -> (nights taken, from how many people)
    for wid in sorted(intake.movers):
        trial = replace(intake, movers={**met, wid: intake.movers[wid]})
        try:
            if len(intake.movers) > 1:  # (one request: weighed already, against none)
                now, lost = costs(trial, ref)
        except InfeasibleError:
            costly[wid] = (0, 0)  # with those met before it, no bed there on some night
            continue
        if lost:
            costly[wid] = (sum(lost.values()), len(lost))
        else:
            met[wid], ref = intake.movers[wid], now
    lines = []
    tr = cli_lang()
    for wid, (n, k) in sorted(costly.items()):
        if k:
            nights_ = tr.ngettext("{n} night", "{n} nights", n).format(n=tr.num(n))
            people = tr.ngettext("{n} other person", "{n} other people", k).format(n=tr.num(k))
            why = tr._(
                "cannot be made (it would take {nights} from {people}, planned without it)"
            ).format(nights=nights_, people=people)
            todo = tr._("ask again when a bed is free there")
        else:
            why = tr._("cannot be made (no bed for them there on some night from the date)")
            todo = tr._("record another `move`, or ask again when a bed is free")
        lines.append(
            _refusal(wid, intake.movers[wid], intake.asked_on[wid], season.assigned[wid], why, todo)
        )
    counts = Counter(intake.counts)
    counts["move_requested"] -= len(costly)
    counts["move_cannot_be_made"] += len(costly)
    counts["move_would_take_nights"] += sum(1 for _, k in costly.values() if k)
    intake = replace(
        intake,
        movers=met,
        refused=sorted([*intake.refused, *lines]),
        counts=+counts,
        asked_on={w: x for w, x in intake.asked_on.items() if w in met},
    )
    return intake, [*said, *lines]


# a mover's rides to work from d: (days with a ride, workdays owed a ride), at the foresteria
# asked for (the re-plan) and where they are (the run re-planned)
RideCost = tuple[tuple[int, int], tuple[int, int]]


def _rides(run: Path, who: set[str], d: date) -> dict[str, tuple[int, int]]:
    """worker (of `who`) -> (days from d with a ride to their farm, workdays from d owed one: those
    and the days plan/unserved.csv lists them) in a run's plan."""
    plan = run / "plan"
    to_farm = {  # trip -> its day, of the trips to the farms from d
        t["trip_id"]: t["day"]
        for t in read_csv(plan / "trips.csv", ("trip_id", "day", "direction"))
        if t["direction"] == "to_farm" and t.day("day") >= d
    }
    rode: dict[str, set[str]] = {w: set() for w in who}
    for r in read_csv(plan / "riders.csv", ("trip_id", "worker_id")):
        if r["worker_id"] in who and r["trip_id"] in to_farm:
            rode[r["worker_id"]].add(to_farm[r["trip_id"]])
    left: dict[str, set[str]] = {w: set() for w in who}
    for u in read_csv(plan / "unserved.csv", ("day", "worker_ids")):
        if u.day("day") >= d:
            for w in u["worker_ids"].split():
                if w in who:
                    left[w].add(u["day"])
    return {w: (len(rode[w]), len(rode[w] | left[w])) for w in who}


def _ride_cost(season_run: Path, target: Path, intake: Intake, d: date) -> dict[str, RideCost]:
    """The movers (moved as asked) who would have fewer days with a ride to work from d at the
    foresteria asked for than where they are: worker -> (there, here)."""
    if not intake.movers:
        return {}
    on_d = _beds_on(target / "plan" / "assignments.csv", d)
    moved = {w for w, f in intake.movers.items() if on_d.get(w) == f}
    there, here = _rides(target, moved, d), _rides(season_run, moved, d)
    return {w: (there[w], here[w]) for w in sorted(moved) if there[w][0] < here[w][0]}


def _rides_text(cost: RideCost) -> str:
    (got, owed), (had, was) = cost
    tr = cli_lang()
    return tr.ngettext(
        "a ride to work on {got} of {owed} workday there, {had} of {was} where they are",
        "a ride to work on {got} of {owed} workdays there, {had} of {was} where they are",
        owed,
    ).format(got=tr.num(got), owed=tr.num(owed), had=tr.num(had), was=tr.num(was))


def without_rides(
    intake: Intake, costly: dict[str, RideCost], season: SeasonRun, d: date
) -> tuple[Intake, list[str]]:
    """The intake with the move requests taken back that would cost the mover rides to work,
    and the lines that say so (README "A move is an option, never a loss")."""
    tr = cli_lang()
    lines = [
        _refusal(
            wid,
            intake.movers[wid],
            intake.asked_on[wid],
            season.assigned[wid],
            tr._("is not made from {day} (it would cost them rides: {rides})").format(
                day=d, rides=_rides_text(cost)
            ),
            tr._("record it again as `move_without_ride` if they want it knowing this"),
        )
        for wid, cost in sorted(costly.items())
    ]
    counts = Counter(intake.counts)
    counts["move_requested"] -= len(costly)
    counts["move_cannot_be_made"] += len(costly)
    counts["move_would_cost_rides"] += len(costly)
    return (
        replace(
            intake,
            movers={w: f for w, f in intake.movers.items() if w not in costly},
            refused=sorted([*intake.refused, *lines]),
            counts=+counts,
            asked_on={w: x for w, x in intake.asked_on.items() if w not in costly},
        ),
        lines,
    )


def _taken_back(intake: Intake, who: set[str]) -> Intake:
    """The intake without the move requests of `who` (they stay where they are): nothing said."""
    return replace(intake, movers={w: f for w, f in intake.movers.items() if w not in who})


def _over(exc: InfeasibleError, season: SeasonRun) -> set[str]:
    """The foresterie an infeasibility names (by the name the shortfalls give them)."""
    names = {f"{f.name} ({f.id})": f.id for f in season.scenario.foresterie}
    return {names[x.where] for x in exc.shortfalls if x.where in names}


def _no_bed_to_move(wid: str, fid: str, asked: date) -> str:
    """'X021: the move to FR-N asked on 2027-08-07 cannot be made: no bed to move from; ...':
    the request of someone the run re-planned gave no bed, in the words of a refusal."""
    tr = cli_lang()
    text = (
        tr._(
            "{id}: the move to {fid} asked on {day} cannot be made: no bed to move from; "
            "re-planned as anyone without a bed"
        )
        if fid
        else tr._(
            "{id}: the move asked on {day} cannot be made: no bed to move from; re-planned as "
            "anyone without a bed"
        )
    )
    return text.format(id=wid, fid=fid, day=asked)


def _refusal(wid: str, fid: str, asked: date, bed: str, why: str, todo: str) -> str:
    """'X021: the move to FR-N asked on 2027-08-07 cannot be made (placement): stays at FR-L;
    ask the case worker': pseudonymous id, the request as the office recorded it (`to FID`
    when it names one), why it is not met (`_cannot_move`), what is public."""
    tr = cli_lang()
    if fid:
        text = tr._("{id}: the move to {fid} asked on {day} {why}: stays at {bed}; {todo}")
    else:
        text = tr._("{id}: the move asked on {day} {why}: stays at {bed}; {todo}")
    return text.format(id=wid, fid=fid, day=asked, why=why, bed=bed, todo=todo)


def _nights_from(path: Path, d: date, who: set[str]) -> Counter[str]:
    """worker (of `who`) -> the nights from d a plan's assignments give them."""
    out: Counter[str] = Counter()
    for r in read_csv(path, ("worker_id", "from", "to")):
        if r["worker_id"] in who and r.day("to") > d:
            out[r["worker_id"]] += (r.day("to") - max(r.day("from"), d)).days
    return out


def promised_lost(season_run: Path, plan: Path, intake: Intake, d: date) -> dict[str, int]:
    """worker -> the nights from d the run re-planned gave them and the intake's plan (`plan`:
    its assignments.csv) does not, of the people whose bed was promised and who have not
    arrived (`Intake.held`: due later, or a no-show whose bed is held): a bed an intake takes
    from them is said, never silent (review 19 R, HIGH-2)."""
    before = _nights_from(season_run / "plan" / "assignments.csv", d, intake.held)
    after = _nights_from(plan, d, intake.held)
    return {w: n - after[w] for w, n in sorted(before.items()) if n > after[w]}


def promised_line(lost: dict[str, int], intake: Intake, d: date) -> str:
    """'warning: 9 people housed by the plan re-planned and not arrived lose 141 nights ...'."""
    due = sorted(w for w in lost if intake.workers_by_id[w].arrival >= d)
    noshow = sorted(w for w in lost if w not in due)
    tr = cli_lang()
    kinds = []
    if due:
        kinds.append(tr._("{n} due from {day} on").format(n=tr.num(len(due)), day=d))
    if noshow:
        kinds.append(
            tr._("{n} due before {day}, not arrived, their bed held").format(
                n=tr.num(len(noshow)), day=d
            )
        )
    n, k = sum(lost.values()), len(lost)
    return "warning: " + tr.ngettext(
        "{k} person housed by the plan re-planned and not arrived ({kinds}) loses {nights} of "
        "the beds it gave them, to make room for others: {ids}; tell them before they come "
        "(plan/waitlist.csv says why)",
        "{k} people housed by the plan re-planned and not arrived ({kinds}) lose {nights} of "
        "the beds it gave them, to make room for others: {ids}; tell them before they come "
        "(plan/waitlist.csv says why)",
        k,
    ).format(
        k=tr.num(k),
        kinds=", ".join(kinds),
        nights=tr.ngettext("{n} night", "{n} nights", n).format(n=tr.num(n)),
        ids=ids_text(sorted(lost)),
    )


def newly_housed(
    season_run: Path, plan: Path, intake: Intake, d: date
) -> dict[str, tuple[str, date]]:
    """worker -> (foresteria, first night) of the people not arrived (neither placed in the
    region nor checked in: `Intake.to_place` is said by its own line) whom the run re-planned
    gave no night from d and the intake's plan (`plan`: its assignments.csv) gives a bed from
    d: a bed freed goes to them, and they were told they had none (review 20 R, HIGH-3)."""
    housed = _first_beds(season_run / "plan" / "assignments.csv")
    who = {w.id for w in intake.workers} - intake.to_place - set(intake.placed) - set(housed)
    had = _nights_from(season_run / "plan" / "assignments.csv", d, who)
    out: dict[str, tuple[str, date]] = {}
    for r in read_csv(plan, ("worker_id", "foresteria_id", "from", "to")):
        wid = r["worker_id"]
        if wid in who and not had[wid] and r.day("to") > d and wid not in out:
            out[wid] = (r["foresteria_id"], max(r.day("from"), d))
    return dict(sorted(out.items()))


def gained_line(gained: dict[str, tuple[str, date]], d: date) -> str:
    """'note: 2 people without a bed from D in the plan re-planned, not arrived, have a bed now ...'."""
    tr = cli_lang()
    at = tr._("{id} at {place} from {day}")
    who = ", ".join(at.format(id=w, place=f, day=n) for w, (f, n) in gained.items())
    k = len(gained)
    return "note: " + tr.ngettext(
        "{k} person without a bed from {day} in the plan re-planned, not arrived, has a bed "
        "now: {who}; tell them before they come (a bed not come to is released as a no-show's, "
        "its days counted from the later of the planned arrival and the day the bed was given)",
        "{k} people without a bed from {day} in the plan re-planned, not arrived, have a bed "
        "now: {who}; tell them before they come (a bed not come to is released as a no-show's, "
        "its days counted from the later of the planned arrival and the day the bed was given)",
        k,
    ).format(k=tr.num(k), day=d, who=who)


def _to_tell(intake: Intake, on_d: dict[str, str], d: date) -> dict[str, str]:
    """worker -> foresteria of those this intake placed from d (arrived without a bed, early,
    or a no-show checked in since) who sleep in a bed from d: the office tells them."""
    return {w: on_d[w] for w in intake.to_place if w in on_d and intake.placed.get(w) == d}


def _first_beds(path: Path) -> dict[str, str]:
    """worker -> the foresteria of their first assignment row in a plan."""
    out: dict[str, str] = {}
    for r in read_csv(path, ("worker_id", "foresteria_id")):
        out.setdefault(r["worker_id"], r["foresteria_id"])
    return out


def _beds_on(path: Path, d: date) -> dict[str, str]:
    """worker -> the foresteria they sleep in on the night of d in a plan (a mover's kept rows
    before d are where they lived: the move is from d)."""
    out: dict[str, str] = {}
    for r in read_csv(path, ("worker_id", "foresteria_id", "from", "to")):
        if r.day("from") <= d < r.day("to"):
            out[r["worker_id"]] = r["foresteria_id"]
    return out


def recorded_ledger(label: str, run: Path) -> str:
    """The ledger as an intake run records it: a URL as shown (redacted), a file relative to
    the intake run folder (`../../RUN.ledger.sqlite` beside the season run), so that it
    resolves the same from any directory and when the runs and ledger are moved together
    (`resolve_recorded_ledger`)."""
    if is_url(label):
        return label
    return os.path.relpath(Path(label).resolve(), run.resolve())


def resolve_recorded_ledger(run: Path) -> Path | str:
    """The ledger an intake run records (intake.json `ledger.path`): a URL made reopenable, a
    file resolved against the run folder. A recorded file that is missing is an error naming
    the run and the path (never a new, empty ledger in its place: RunFolderError, exit 2)."""
    where = str(run / "intake.json")
    recorded = json_at(read_json(run, "intake.json", where), where, "ledger.path", str)
    if is_url(recorded):
        return reopenable_url(recorded)
    path = (run / recorded).resolve()  # as recorded_ledger made it: from the resolved run
    if not path.is_file():
        raise RunFolderError(
            where,
            None,
            "ledger.path",
            f"the ledger this intake run was made with, {recorded!r} (from the run folder: "
            f"{path}), is not there; name it with --ledger (a new ledger would not hold the "
            "season's check-ins)",
        )
    return path


def booked_workdays(
    events: list[Event], workers: tuple[Worker, ...], closures: tuple[FarmClosure, ...]
) -> dict[tuple[str, date], list[str]]:
    """(farm, day) -> the people of that farm a standing booking (not cancelled since) has at
    work on a day the farm's calendar closes: evidence that THEY work that day, nobody else (a
    farm booking one man is not its whole crew back: review 19 R, HIGH-2, HIGH-4). A booking
    counts as a day run plans it (`ops/day.py`): for the closed farm itself only when the farm
    booked it (`booked_by = farm`: the farm's word on its own work stands against the worker's
    or the office's), for another farm working that day whoever booked it. The release rule
    counts the day as worked for them only (`worked_days.csv`, housing/release.py); the
    calendar stays as the season wrote it, so nobody else is planned to ride there that day.
    (session 18, helper Y's note: an intake released the beds of a crew that worked.)"""
    closed = closed_days(closures)
    farm_of = {w.id: w.work_farm for w in workers}
    last: dict[tuple[str, date], Event] = {}  # each person's booking of a day, as it stands
    for e in events:
        if e.kind in ("booking", "cancellation"):
            last[e.worker_id, e.day] = e
    out: dict[tuple[str, date], list[str]] = {}
    for (wid, day), e in sorted(last.items()):
        own = farm_of.get(wid)
        if e.kind != "booking" or own is None or (own, day) not in closed:
            continue
        farm = e.farm_id or own
        if (farm, day) in closed and e.booked_by != "farm":
            continue  # not planned by the day run: no evidence of work
        out.setdefault((own, day), []).append(wid)
    return out


def _worked_csv(booked: dict[tuple[str, date], list[str]]) -> str:
    rows = sorted([w, day.isoformat()] for (_, day), ids in booked.items() for w in ids)
    return csv_text(rows, list(WORKED_COLS))


def later_intake(events: list[Event], run_sha256: str, since: str | None, d: date) -> date | None:
    """The day of the latest intake the ledger records (an `intake_plan` row) made after the run
    being re-planned (not that run itself, dated after its own `as_of`) and before `d`:
    an intake from the season run after an earlier intake plans from the season's beds, not
    from the earlier intake's (review 18 R, HIGH-5's follow-on: the user was not told)."""
    after = date.fromisoformat(since) if since else date.min
    days = [
        e.day
        for e in events
        if e.kind == "intake_plan" and e.note != run_sha256 and after < e.day < d
    ]
    return max(days, default=None)


def intake_path(season_run: Path, d: date) -> Path:
    return season_run.parent / f"{season_run.name}.intake" / d.isoformat()


def run_intake(
    season_run: Path,
    ledger: Ledger,
    d: date,
    out: Path | None = None,
    force: bool = False,
    release_days: int | None = None,
    say: Any = None,
    report: Any = None,
) -> tuple[RunSummary, dict[str, Any]]:
    """Re-plan the beds from d. `release_days` None: the scenario's
    `[operations] release_bed_after_days`. `report`: given a say, the report hook of a re-plan
    (pipeline.ReportHook) that says what it wrote with it."""
    season = open_season(season_run, ledger, d)
    source = "--release-after-days"
    if release_days is None:
        release_days = season.scenario.config.operations.release_bed_after_days
        source = "scenario.toml [operations] release_bed_after_days"
    target = out or intake_path(season_run, d)
    check_apart(target, season_run, "the season run")  # --force would delete it
    check_target(target, force)  # refused before anything is said (one line, exit 2)
    events, seq, head = ledger.snapshot()
    replan = read_manifest(season_run).get("replan")  # its shape checked (core/runfolder.py)
    since = (replan or {}).get("as_of")  # requests up to then were the run's own intake's
    if since and d < date.fromisoformat(since):  # said against what the user gave (review 19)
        raise ScenarioError(
            [
                Problem(
                    "--date",
                    None,
                    str(d),
                    f"before {season_run}'s own date {since}: an intake goes on from a later "
                    "date (or make it from the season run)",
                )
            ]
        )
    intake = intake_workers(
        season, events, d, release_days, date.fromisoformat(since) if since else None
    )
    booked = booked_workdays(events, season.scenario.workers, season.scenario.farm_closures)
    later = later_intake(events, season.manifest_sha256, since, d)
    tr = cli_lang()  # what the office reads, in the command line's language
    if say is not None and later is not None:
        say(
            "warning: "
            + tr._(
                "the ledger records an intake of {day} made after {run} (by default {path}): "
                "this one re-plans from {run} and does not keep what that one planned (its "
                "moves, its placements); to go on from it: foresterie intake {path} --date {date}"
            ).format(day=later, run=season_run, path=intake_path(season_run, later), date=d)
        )
    if say is not None:
        for (farm, day), ids in sorted(booked.items()):
            did = tr.ngettext(
                "{farm}: {n} of its people worked on {day} by a booking although its calendar "
                "closed the day ({ids}): a day with work for the release rule for them only; "
                "its calendar stands for the others",
                "{farm}: {n} of its people worked on {day} by a booking although its calendar "
                "closed the day ({ids}): a day with work for the release rule for them only; "
                "its calendar stands for the others",
                len(ids),
            )
            if day >= d:
                did = tr.ngettext(
                    "{farm}: {n} of its people booked to work on {day} by a booking although "
                    "its calendar closed the day ({ids}): a day with work for the release rule "
                    "for them only; its calendar stands for the others",
                    "{farm}: {n} of its people booked to work on {day} by a booking although "
                    "its calendar closed the day ({ids}): a day with work for the release rule "
                    "for them only; its calendar stands for the others",
                    len(ids),
                )
            say("note: " + did.format(farm=farm, n=tr.num(len(ids)), day=day, ids=ids_text(ids)))
        for c in intake.checkins:  # whose planned arrivals were counted as not arrived
            say(c.line(d, intake.released[c.site]))
        for line in intake.refused:  # they stay where they are
            say(f"note: {line}")
        for line in intake.with_group:  # present with their group: housed with it
            say(f"note: {line}")
        if intake.expired:  # ids and places only, as the placement's own line
            at = tr._("{id} at {place}")
            who = ", ".join(at.format(id=w, place=f) for w, f in intake.expired.items())
            k = len(intake.expired)
            text = tr.ngettext(
                "released from {day}, the bed of {n} placed while in the region and not checked "
                "in at it within {days} of the placement (waitlisted until a check-in; they ride "
                "from their departure point): {who}",
                "released from {day}, the beds of {n} placed while in the region and not checked "
                "in at them within {days} of the placement (waitlisted until a check-in; they "
                "ride from their departure point): {who}",
                k,
            )
            days = tr.ngettext("{n} day", "{n} days", release_days).format(n=release_days)
            say("note: " + text.format(day=d, n=tr.num(k), days=days, who=who))
    record = {
        "date": d.isoformat(),
        "season_run": str(season_run),
        "season_run_manifest_sha256": season.manifest_sha256,
        "ledger": {"path": recorded_ledger(ledger.label, target), "rows": seq, "head": head},
        "release_bed_after_days": release_days,
        "release_bed_after_days_from": source,
        "workers": dict(sorted(intake.counts.items())),
        "checkins_by_site": {
            c.site: {**c.record(), "beds_released": intake.released[c.site]}
            for c in intake.checkins
        },
        # every request read, those that cannot be made (they stay where they are) included
        "move_requests": len(intake.movers) + len(intake.refused),
        "move_requests_cannot_be_made": len(intake.refused),
        # ... of which those that would take nights from other people (moves_costing_nobody)
        "move_requests_taking_nights": 0,
        # (person, day) a booking has at work on a day their farm's calendar closes: days with
        # work for the release rule, for them only (worked_days.csv)
        "days_worked_by_booking": sum(len(ids) for ids in booked.values()),
        # ... of which those that would cost the mover rides to work (`without_rides`)
        "move_requests_costing_rides": 0,
        "moved_on_request": 0,  # set once the re-plan is made
        "move_requests_not_met": 0,  # requests less moves made (likewise)
        "arrivals_housed": 0,  # of those arrived without a bed, how many got one (likewise)
        # people housed by the plan re-planned, not arrived, losing nights of it (likewise)
        "promised_beds_taken": {"people": 0, "nights": 0},
        # waitlisted `not_checked_in` (no bed held until a check-in), today's and earlier ones
        "no_shows_waitlisted": len(intake.no_shows),
        # ... of which those whose bed, given in the region, is released today (NEW-1)
        "placements_released": len(intake.expired),
        # placed from today while in the region: to be told of their bed (likewise)
        "placed_to_tell": 0,
        # people the plan re-planned had no bed for from the date, not arrived, given one by
        # this re-plan: to be told of it before they come (likewise; `newly_housed`)
        "housed_not_arrived": 0,
    }

    lost: dict[str, int] = {}  # of the beds promised (`promised_lost`), set with the plan
    given: dict[str, tuple[str, date]] = {}  # of the beds newly given (`newly_housed`), likewise

    def records(tmp: Path) -> dict[str, str]:
        """intake.json, from the plan files just written: hashed by the manifest (verify)."""
        now = _first_beds(tmp / "plan" / "assignments.csv")
        on_d = _beds_on(tmp / "plan" / "assignments.csv", d)
        moved = sum(1 for w, f in intake.movers.items() if on_d.get(w) == f)
        record["moved_on_request"] = moved
        record["move_requests_not_met"] = len(intake.movers) + len(intake.refused) - moved
        record["arrivals_housed"] = sum(1 for w in intake.to_place if w in now)
        taken = promised_lost(season_run, tmp / "plan" / "assignments.csv", intake, d)
        lost.clear()
        lost.update(taken)
        record["promised_beds_taken"] = {"people": len(taken), "nights": sum(taken.values())}
        record["placed_to_tell"] = len(_to_tell(intake, on_d, d))
        got = newly_housed(season_run, tmp / "plan" / "assignments.csv", intake, d)
        given.clear()
        given.update(got)
        record["housed_not_arrived"] = len(got)
        return {"intake.json": dumps_json(record)}

    made = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
    target.parent.mkdir(parents=True, exist_ok=True)
    # what a re-plan says (its warnings: a resident's beds changed, ...) is said of the re-plan
    # kept only: one made again without the moves not made is another plan (review 19 S, LOW-A)
    pending: list[str] = []

    def attempt() -> tuple[Any, Any]:
        """A re-plan's report hook and say: what both say waits in `pending` (a re-plan made
        again without the moves not made writes its report again: said once, of the plan
        kept)."""
        pending.clear()
        tell = pending.append if say is not None else None
        return (report(tell or (lambda _: None)) if report is not None else None), tell

    def flush() -> None:
        for line in pending:
            say(line)
        pending.clear()

    try:
        if intake.movers:  # a move is made only where it costs nobody else nights

            def nights(trial: Intake) -> dict[str, int]:
                return _housed_nights(season_run, season, trial, d, target, booked)

            intake, said = moves_costing_nobody(intake, season, d, nights)
            if say is not None:
                for line in said:
                    say(f"note: {line}")
            record["workers"] = dict(sorted(intake.counts.items()))
            record["move_requests_cannot_be_made"] = len(intake.refused)
            record["move_requests_taking_nights"] = intake.counts["move_would_take_nights"]
        try:
            summary = _replan(
                season_run, season, intake, d, target, force, records, *attempt(), booked
            )
        except InfeasibleError as exc:  # a move asked to a site with no bed for it: not met
            over = _over(exc, season)
            if not over & set(intake.movers.values()):
                raise
            intake, said = without_moves_to(intake, over, season)
            if say is not None:
                for line in said:
                    say(f"note: {line}")
            record["workers"] = dict(sorted(intake.counts.items()))
            record["move_requests_cannot_be_made"] = len(intake.refused)
            summary = _replan(
                season_run, season, intake, d, target, force, records, *attempt(), booked
            )
        rides = _ride_cost(season_run, target, intake, d)
        costly = {w: r for w, r in rides.items() if w not in intake.knowing}
        if costly:  # a move is an option, never a loss: not made where it costs the mover his
            # rides to work (review 19 R, MEDIUM-1), unless asked knowing (`move_without_ride`)
            intake, said = without_rides(intake, costly, season, d)
            if say is not None:
                for line in said:
                    say(f"note: {line}")
                say(tr._("re-planning without the moves not made"))
            record["workers"] = dict(sorted(intake.counts.items()))
            record["move_requests_cannot_be_made"] = len(intake.refused)
            record["move_requests_costing_rides"] = len(costly)
            summary = _replan(
                season_run, season, intake, d, target, True, records, *attempt(), booked
            )
            rides = {w: r for w, r in rides.items() if w in intake.movers}
    except BaseException:
        flush()  # the last re-plan's, before what stopped it
        for p in made:  # deepest first: a failed intake leaves no empty RUN.intake/ behind
            with contextlib.suppress(OSError):
                p.rmdir()
        raise
    flush()
    if say is not None and lost:
        say(promised_line(lost, intake, d))
    if say is not None and given:  # beds given to people not arrived: to be told (HIGH-3)
        say(gained_line(given, d))
    on_d = _beds_on(target / "plan" / "assignments.csv", d) if say is not None else {}
    if say is not None and intake.movers:  # every request is answered: those met, where
        for wid in sorted(w for w in intake.movers if on_d.get(w) == intake.movers[w]):
            cost = rides.get(wid)
            if cost is None:
                text = tr._("{id}: housed at {place} from {day}, as asked")
            else:  # asked knowing: said with what it costs them
                text = tr._(
                    "{id}: housed at {place} from {day}, as asked knowing there may be no ride "
                    "to work: {rides}"
                )
            rides_ = _rides_text(cost) if cost is not None else ""
            say("note: " + text.format(id=wid, place=on_d[wid], day=d, rides=rides_))
    if say is not None:  # whom the desk tells of their new bed: ids and places, no more
        tell = _to_tell(intake, on_d, d)
        if tell:
            by = {w.id: w for w in intake.workers}
            ride = [w for w in tell if by[w].pickup_id]  # a departure point to ride from
            at = tr._("{id} at {place}")
            who = ", ".join(at.format(id=w, place=f) for w, f in sorted(tell.items()))
            how = (
                tr._("they ride from their departure point until they check in")
                if len(ride) == len(tell)
                else tr._("they ride from the bed given: they have no departure point")
                if not ride
                else tr._(
                    "those with a departure point ride from it until they check in, the others "
                    "from the bed given"
                )
            )
            say(
                "note: "
                + tr._(
                    "placed from {day} while in the region, to be told of their bed ({how}): {who}"
                ).format(day=d, how=how, who=who)
            )
    moved = summary.manifest["replan"]["moved_vs_previous"]
    ledger.append(
        [
            Event(
                kind="intake_plan",
                day=d,
                note=file_sha256(target / "manifest.json"),
                source=f"foresterie intake (moved {moved})",
            )
        ]
    )
    return summary, record


INTAKES = "the intake's"
INTAKE_TODO = (
    "record another `move` for those who asked (naming another foresteria, or none), or the "
    "departures of people who have left, then run the intake again"
)


def _held(intake: Intake, d: date) -> Callable[[str], str]:
    """Who an intake holds at a foresteria (`own_scenario`): the move requests for it, the
    people pinned there today (checked in there, or pinned by the season's workers.csv), and
    those housed there before d (the re-plan keeps them)."""

    def held(fid: str) -> str:
        asked = sorted(w for w, f in intake.movers.items() if f == fid)
        pinned = sorted(
            w.id for w in intake.workers if w.pinned_foresteria == fid and w.id not in asked
        )
        parts = [f"move requests for it: {ids_text(asked)}"] if asked else []
        if pinned:
            parts.append(
                f"{len(pinned)} held there (checked in there, or pinned by the season's "
                f"workers.csv): {ids_text(pinned)}"
            )
        return "; ".join([*parts, f"besides the people housed there before {d}"])

    return held


def _replan(
    season_run: Path,
    season: SeasonRun,
    intake: Intake,
    d: date,
    target: Path,
    force: bool,
    records: Any,
    hook: Any,
    say: Any,
    booked: dict[tuple[str, date], list[str]] | None = None,
) -> RunSummary:
    """Write the intake's scenario (the season's inputs, today's workers) and re-plan it. The
    priorities are handed to the solver in memory, as a run's restricted part, never written:
    the folder outlives a process killed while it solves (until the next start or purge)."""
    with scenario_folder(target) as t:
        folder = Path(t) / "scenario"
        restricted = _write_scenario(folder, season_run, season, intake, d, booked)
        with own_scenario(INTAKES, season.scenario.foresterie, _held(intake, d), INTAKE_TODO):
            return solve(
                folder,
                target,
                force,
                as_of=d,
                previous=season_run,
                say=say,
                report=hook,
                restricted=restricted,
                records=records,
            )


def _housed_nights(
    season_run: Path,
    season: SeasonRun,
    intake: Intake,
    d: date,
    target: Path,
    booked: dict[tuple[str, date], list[str]] | None,
) -> dict[str, int]:
    """worker -> the nights from d on that the intake's re-plan houses them, by its first part
    only (load, travel, housing: run/early.py), written and read as `_replan` does: what a
    move request costs the others is weighed on the beds alone (`moves_costing_nobody`)."""
    with scenario_folder(target) as t:
        folder = Path(t) / "scenario"
        restricted = _write_scenario(folder, season_run, season, intake, d, booked)
        with own_scenario(INTAKES, season.scenario.foresterie, _held(intake, d), INTAKE_TODO):
            req = Request(scenario_dir=folder, as_of=d, previous=season_run, restricted=restricted)
            housed = load_and_house(req, lambda _: None)
    nights: Counter[str] = Counter()
    for a in housed.housing.assignments:
        if a.departure > d:
            nights[a.worker_id] += (a.departure - max(a.arrival, d)).days
    return dict(nights)


def _write_scenario(
    folder: Path,
    season_run: Path,
    season: SeasonRun,
    intake: Intake,
    d: date,
    booked: dict[tuple[str, date], list[str]] | None,
) -> dict[str, bytes]:
    """The intake's scenario written in `folder`; its restricted part (in memory)."""
    src = season_run / "inputs"
    shutil.copytree(src, folder)
    for p in [*folder.glob("previous_*.csv"), folder / MOVES, folder / NO_SHOWS]:
        p.unlink(missing_ok=True)  # the season run's own
    (folder / PLACEMENTS).unlink(missing_ok=True)
    (folder / PRESENT).unlink(missing_ok=True)
    if intake.no_shows:  # waitlisted until a check-in: housed by no re-plan before it
        shows = [n.row(w) for w, n in intake.no_shows.items()]
        write_text(folder / NO_SHOWS, csv_text(sorted(shows), [*NO_SHOW_COLS, *NO_SHOW_MORE]))
    if intake.to_place:  # in the region without a bed: before others of their priority
        present = [[w] for w in sorted(intake.to_place)]
        write_text(folder / PRESENT, csv_text(present, list(PRESENT_COLS)))
    if intake.placed:  # placed while in the region: told, until a check-in at the bed
        placed = [[w, p.isoformat()] for w, p in intake.placed.items()]
        write_text(folder / PLACEMENTS, csv_text(sorted(placed), list(PLACEMENT_COLS)))
    cfg = tomllib.loads((src / "scenario.toml").read_text(encoding="utf-8"))
    (folder / WORKED_DAYS).unlink(missing_ok=True)  # an earlier intake's: read again from the
    # ledger; the calendar is the season's (a booking is evidence for the booked only)
    today = {w.id for w in intake.workers}
    worked = {k: [w for w in v if w in today] for k, v in (booked or {}).items()}
    if any(worked.values()):
        write_text(folder / WORKED_DAYS, _worked_csv(worked))
    people = sorted(intake.workers, key=lambda w: w.id)
    write_text(folder / "workers.csv", workers_csv(people, priority=False))
    header = f"# Intake of {d} on season run {season.scenario.name!r} (foresterie intake).\n"
    write_text(folder / "scenario.toml", header + toml_dumps(cfg))
    moves = group_moves(intake, season, d)
    # the moves the season run made (an intake's) stand: the rules hold from them on
    made: dict[str, list[str]] = {}
    if (src / MOVES).is_file():
        ids = {w.id for w in people}
        for r in read_csv(src / MOVES, MOVE_COLS):
            if r["worker_id"] in ids:
                made[r["worker_id"]] = [r["worker_id"], r["foresteria_id"], r["from"]]
    made |= {w: [w, f, d.isoformat()] for w, f in moves.items()}  # the last move wins
    if made:  # the re-plan keeps their nights before d, and plans them from d where asked
        write_text(folder / MOVES, csv_text([made[w] for w in sorted(made)], list(MOVE_COLS)))
    restricted = {  # the season's referral records (sites to avoid) hold for the intake
        # too, and its draw key keeps the intake's tie-breaks as unknowable as the season's
        k: v
        for k, v in read_restricted(season_run).items()
        if k in (RESTRICTED_REFERRALS, RESTRICTED_DRAW_KEY)
    }
    restricted[RESTRICTED_PRIORITY] = priority_csv(people).encode("utf-8")
    if RESTRICTED_REFERRALS in restricted:  # the records of today's people only (a
        # no-show stays one of them: waitlisted, their record holds when they come)
        ids = {w.id for w in people}
        head, *rows = restricted[RESTRICTED_REFERRALS].decode("utf-8").splitlines(True)
        mine = [r for r in rows if r.split(",", 1)[0] in ids]
        restricted[RESTRICTED_REFERRALS] = "".join([head, *mine]).encode("utf-8")
    # its own folder: a problem there is foresterie's, not the user's (exit 3)
    validated(INTAKES, lambda: load_scenario(folder, restricted=restricted))
    return restricted
