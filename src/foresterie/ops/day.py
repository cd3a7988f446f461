"""`foresterie day RUN --date D`: tomorrow's shuttles from the ledger, as a verified day run.

The day's demand: everyone the season plan has board somewhere on D (the bed of night D, else
their departure point on a day of the stay without a bed: shuttles/routes.py `boarding_stays`, the
rule the season's shuttles were made by) who is present on D (moved by check-ins: an arrival row,
a departure row, an absence; never past the planned departure) and rides that day: a booking
where there is one (the last booking or cancellation of that worker for D wins), else the season
plan's expectation (their farm works that day). A dependant (`rides = false`) never rides, whatever
`farm_id` or a booking says (counted as `dependants`); someone inside their stay with no bed that
night and no departure point (a partial stay before an opening or after a closing) is not expected
(`no_bed_that_night`), as the season plan expects nobody there. From the first day arrivals are
recorded on at their foresteria (`Recording`: per site, since each office imports its own guests'
check-ins), nobody housed there whose planned arrival falls on or after it is assumed present
without an arrival row; a foresteria with no arrival row keeps the plan's expectation. A rider
boards where the season plan has them board on D (the bed of that night, else their departure
point), or at the booking's `origin` (a foresteria or a departure point): a departure-point rider
is written without a bed (`pickup_id`), and the day run places nobody (run/pipeline.py,
`day_run_housing`). A worker whose last `SKIP_AFTER_NO_SHOWS` recorded rides were no-shows is not
expected without a booking (the seat is not held; they are on the follow-up list). Vehicles with
a breakdown on D are out.

The demand is written as an ordinary one-day scenario (riders pinned where they sleep, the
season's recorded travel matrix) and solved by the ordinary pipeline: verified, published as a run
folder, replayable byte for byte with `foresterie replay`. A one-leg booking holds a seat both ways
(the shuttle model plans round trips; counted in `day.json`).

A booking never overrides the worker's referral record (`_placed`): from a site to avoid, the
ride is re-routed to where the season plan has them board; for a farm to avoid, it is refused and
the season plan's expectation stands; the console says so naming `placement` only. The day
before as the drivers drove it (the previous day run beside this one, else the season plan) goes
into the reference trips (`previous_day`): a vehicle that would leave under 11 h after its last
return gives its trips to an idle rested one of its base (`rested_vehicles`), and a short rest
left is said by the command, in `day.json` and on the driver sheets (report/driving.py).
"""

from __future__ import annotations

import contextlib
import csv
import json
import shutil
import time
import tomllib
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from foresterie.core.errors import Msg, Problem, ScenarioError
from foresterie.core.files import (
    dumps_json,
    file_sha256,
    read_csv,
    write_text,
)
from foresterie.core.i18n import cli_lang
from foresterie.core.restricted import read_restricted
from foresterie.core.runfolder import RunFolderError, check_sealed, inputs_refused
from foresterie.core.timeutil import DAILY_REST_MIN, DAYS, parse_hhmm, rests_between_days
from foresterie.core.tomlout import dumps as toml_dumps
from foresterie.housing.release import closed_days
from foresterie.housing.replan import NO_SHOW_COLS, NO_SHOWS, PLACEMENT_COLS, PLACEMENTS
from foresterie.ops.background import ReportInBackground
from foresterie.ops.imports import Season
from foresterie.ops.ledger import Event, Ledger
from foresterie.ops.own import ids_text, own_scenario, validated
from foresterie.ops.retention import day_run_season, fully_purged
from foresterie.report.driving import PREVIOUS_DAY, vehicle_spans
from foresterie.run.folders import check_apart, check_target, scenario_folder
from foresterie.run.pipeline import RunSummary, solve
from foresterie.run.stability import (
    REFERENCE_TRIPS,
    STABLE_MIN,
    RefLeg,
    csv_rows_where,
    reference_trips_json,
)
from foresterie.scenario.files import (
    farm_calendar_csv,
    farms_geojson,
    fleet_csv,
    referrals_csv,
    workers_csv,
)
from foresterie.scenario.load import RESTRICTED_REFERRALS, load_scenario
from foresterie.scenario.model import (
    SECTIONS,
    Assignment,
    Farm,
    Scenario,
    Section,
    Vehicle,
    Worker,
)
from foresterie.shuttles.routes import boarding_stays, works_on

SKIP_AFTER_NO_SHOWS = 2  # consecutive no-show days: the seat is no longer held unbooked
FOLLOW_UP_NO_SHOWS = 3  # no-show days in the last FOLLOW_UP_WINDOW days: on the follow-up list
FOLLOW_UP_WINDOW = 7


@dataclass(kw_only=True)
class SeasonRun:
    root: Path
    scenario: Scenario
    assigned: dict[str, str]  # worker -> foresteria of their first bed
    manifest_sha256: str
    # (worker, origin, first day, day after the last): where the season plan has each worker
    # board, day by day (shuttles/routes.py `boarding_stays`, the rule its shuttles were made by)
    stays: list[tuple[str, str, date, date]] = field(default_factory=list)
    # worker -> the day an intake placed them, already in the region (its inputs/placements.csv:
    # housing/replan.py PLACEMENTS): until `at_bed`, no planned arrival missed, and they ride
    # from their departure point (review 19 R, HIGH-5)
    placed: dict[str, date] = field(default_factory=dict)
    # an intake run's no-shows (its inputs/no_shows.csv): expected only once checked in (not
    # those whose released bed was given in the region: they are here)
    no_shows: frozenset[str] = frozenset()

    def boards_on(self, d: date) -> dict[str, str]:
        """worker -> where the season plan has them board on day d: the foresteria of the bed
        they sleep in the night before (d's night), else their departure point on a day of the
        stay without a bed; nobody else (outside the stay, or no bed that night and no point)."""
        return {wid: origin for wid, origin, a, b in self.stays if a <= d < b}

    @property
    def season(self) -> Season:
        s = self.scenario
        return Season(
            start=s.config.scenario.season_start,
            end=s.config.scenario.season_end,
            workers=frozenset(w.id for w in s.workers),
            farms=frozenset(f.id for f in s.farms),
            vehicles=frozenset(v.id for v in s.fleet),
            foresterie=frozenset(f.id for f in s.foresterie),
            pickups=frozenset(p.id for p in s.pickups),
        )

    @property
    def binding(self) -> dict[str, str]:
        return {"name": self.scenario.name, "run_manifest_sha256": self.manifest_sha256}

    def site(self, w: Worker) -> str | None:
        """The site whose office records the worker's arrival: their first bed in the season
        plan, else their departure point (check-ins carry no place: this is where the plan
        expects them); None: neither (waitlisted without a departure point)."""
        return self.assigned.get(w.id) or w.pickup_id


@dataclass(frozen=True, kw_only=True)
class Recording:
    """From which day arrivals are recorded (README "Daily operations"), site by site: each
    office imports its own guests' check-ins, so from the first arrival row of a site on, a
    planned arrival there counts only with its check-in, and a site with no arrival row keeps
    the plan's expectation (one office's check-ins say nothing about another's guests). People
    with no site (`SeasonRun.site`) belong to no office: for them, the first arrival recorded
    anywhere."""

    by_site: dict[str, date]
    anywhere: date | None

    def since(self, site: str | None) -> date | None:
        return self.by_site.get(site) if site else self.anywhere

    def needs_checkin(self, site: str | None, arrival: date, d: date) -> bool:
        """Does a planned arrival on `arrival` count, on day d, only with its check-in?"""
        since = self.since(site)
        return since is not None and since <= arrival <= d


def recording(season: SeasonRun, events: list[Event], upto: date) -> Recording:
    """The first arrival row of each site up to `upto` (rows after it are not known yet)."""
    workers = {w.id: w for w in season.scenario.workers}
    by_site: dict[str, date] = {}
    anywhere: date | None = None
    for ev in events:
        if ev.kind != "arrival" or ev.day > upto:
            continue
        anywhere = ev.day if anywhere is None else min(anywhere, ev.day)
        w = workers.get(ev.worker_id)
        site = season.site(w) if w is not None else None
        if site is not None:
            by_site[site] = min(by_site.get(site, ev.day), ev.day)
    return Recording(by_site=by_site, anywhere=anywhere)


def at_bed(
    events: list[Event], placed: dict[str, date], from_bed: Collection[str] = ()
) -> set[str]:
    """Of the people an intake placed (worker -> its date), those checked in since: an arrival
    row (the office's own, never one made of a boarding: `seen_aboard`) dated after the
    placement, or dated that day and recorded after an intake of that day (check-ins carry no
    place: the one recorded once the bed was given says they are at it). And of `from_bed`,
    people with no departure point, whom the day runs drive from the bed given (nowhere else):
    a boarding row dated after the placement (review 20 T, HIGH-1: driven from the bed two
    days running, then released as a no-show "not checked in at the bed given")."""
    out: set[str] = set()
    intakes: set[date] = set()
    for ev in events:  # ledger order
        if ev.kind == "intake_plan":
            intakes.add(ev.day)
        elif ev.kind == "arrival" and ev.worker_id in placed:
            p = placed[ev.worker_id]
            if ev.day > p or (ev.day == p and p in intakes):
                out.add(ev.worker_id)
        elif (
            ev.kind == "boarding"
            and ev.worker_id in placed
            and ev.worker_id in from_bed
            and ev.day > placed[ev.worker_id]
        ):
            out.add(ev.worker_id)
    return out


def seen_aboard(season: SeasonRun, events: list[Event]) -> tuple[list[Event], dict[str, Event]]:
    """The ledger's rows, each worker's first boarding row (a driver's list ticked `yes`, a QR
    scan) dated on or after their planned arrival followed by an arrival row of that day, unless
    an arrival row dated no later already records them: a driver who saw them aboard is the
    strongest proof of presence the ledger holds, and an office a day late with its check-ins
    must not strand them (review 14, finding 5). A dependant (`rides = false`) never boards: the
    first boarding of their group (from their planned arrival on) stands for them. Of two rows of
    one day, the earlier in the ledger. Presence reads these rows (day runs, intakes, the
    monitor; the monitor's verifier has its own copy); from when a site records arrivals
    (`recording`) reads the offices' own rows only. Also the arrival rows so made, by worker."""
    workers = {w.id: w for w in season.scenario.workers}
    first_arrival: dict[str, date] = {}
    boardings: dict[str, list[tuple[date, int, Event]]] = defaultdict(list)
    for at, ev in enumerate(events):
        if ev.kind == "arrival":
            first_arrival[ev.worker_id] = min(first_arrival.get(ev.worker_id, ev.day), ev.day)
        elif ev.kind == "boarding" and ev.worker_id in workers:
            boardings[ev.worker_id].append((ev.day, at, ev))
    members: dict[str, list[str]] = defaultdict(list)
    for w in season.scenario.workers:
        if w.group_id:
            members[w.group_id].append(w.id)
    after: dict[int, list[str]] = defaultdict(list)  # ledger position -> workers it stands for
    for w in season.scenario.workers:
        whose = [w.id] if w.rides else members[w.group_id] if w.group_id else []
        rows = [b for x in whose for b in boardings.get(x, []) if b[0] >= w.arrival]
        if not rows:
            continue
        day, at, _ = min(rows, key=lambda b: (b[0], b[1]))
        if first_arrival.get(w.id, day + timedelta(days=1)) > day:
            after[at].append(w.id)
    out: list[Event] = []
    made: dict[str, Event] = {}
    for at, ev in enumerate(events):
        out.append(ev)
        for wid in after.get(at, []):
            made[wid] = Event(kind="arrival", day=ev.day, worker_id=wid, source="seen aboard")
            out.append(made[wid])
    return out, made


def with_group(
    workers: Iterable[Worker],
    here: dict[str, bool],
    came: dict[str, date | None],
    gone: dict[str, date],
    d: date,
) -> list[tuple[str, list[str]]]:
    """A group is present, or a no-show, as a whole (README "A group is present, or a no-show,
    as a whole"; review 19 R, HIGH-6): of a group one of whom is here on d (`here`), each member
    due by d who has not left by then (`gone`: the day they left) is here with it, come
    (`came`: the day each came, None: not recorded) the day the first of it recorded came, or
    their planned arrival if later; `here` and `came` are updated in place. The rule of the
    intake, the day runs and the monitor (review 20 R, MEDIUM-2; the monitor's verifier has its
    own copy). Returns (group, the members so kept) of each group of which someone's coming was
    recorded: the office did not record them, said (a dependant above all: a child is not
    registered at a desk apart)."""
    members: dict[str, list[Worker]] = defaultdict(list)
    for w in workers:
        if w.group_id:
            members[w.group_id].append(w)
    out: list[tuple[str, list[str]]] = []
    for gid, ws in sorted(members.items()):
        came_days = [c for x in ws if (c := came.get(x.id)) is not None]
        if not any(here.get(x.id) for x in ws):
            continue
        kept = []
        for x in ws:
            if not here.get(x.id) and x.arrival <= d and gone.get(x.id, d + timedelta(1)) > d:
                here[x.id] = True
                came[x.id] = max(min(came_days, default=x.arrival), x.arrival)
                kept.append(x.id)
        if came_days and kept:
            out.append((gid, kept))
    return out


@dataclass(frozen=True, kw_only=True)
class SiteCheckins:
    """What the recording rule did at one site on day d: from when its arrivals are recorded
    (None: no check-in recorded there yet), how many planned arrivals from then to d it counted
    as not arrived for want of a check-in, and how many more it counted as arrived, without a
    check-in, because a driver's list or a QR scan has them aboard (`seen_aboard`); at a site
    recording nothing while others do, how many planned arrivals from the others' first
    check-in (`counted_from`) to d are expected as planned all the same."""

    site: str
    recorded_from: date | None
    counted_from: date
    not_checked_in: int
    expected_as_planned: int
    boarded_not_checked_in: int = 0

    def record(self) -> dict[str, Any]:
        return {
            "recorded_from": self.recorded_from.isoformat() if self.recorded_from else None,
            "not_checked_in": self.not_checked_in,
            "boarded_not_checked_in": self.boarded_not_checked_in,
            "expected_as_planned": self.expected_as_planned,
        }

    def line(self, d: date, released: int | None = None) -> str:
        """One line for the coordinator (README "Daily operations"); `released`: of those not
        checked in, how many beds the intake released (the rest are held)."""
        tr = cli_lang()  # the command line's language, counts pluralised (review 18, L5)
        first, site = self.counted_from, self.site
        if self.recorded_from is None:
            n = self.expected_as_planned
            return tr.ngettext(
                "{site}: no check-ins recorded yet: its {n} planned arrival from {first} to "
                "{last} is expected as planned",
                "{site}: no check-ins recorded yet: its {n} planned arrivals from {first} to "
                "{last} are expected as planned",
                n,
            ).format(site=site, n=n, first=first, last=d)
        if released is None:
            what = tr._("not expected")
        else:
            held = self.not_checked_in - released
            what = tr.ngettext("{n} bed held", "{n} beds held", held).format(n=held)
            what += ", " + tr._("{n} released").format(n=released)
        n = self.not_checked_in
        line = tr.ngettext(
            "{site}: check-ins recorded from {since}: {n} planned arrival from {first} to "
            "{last} not checked in: {what}",
            "{site}: check-ins recorded from {since}: {n} planned arrivals from {first} to "
            "{last} not checked in: {what}",
            n,
        ).format(site=site, since=self.recorded_from, n=n, first=first, last=d, what=what)
        if self.boarded_not_checked_in:
            line += "; " + tr.ngettext(
                "{n} more not checked in but boarded: expected",
                "{n} more not checked in but boarded: expected",
                self.boarded_not_checked_in,
            ).format(n=self.boarded_not_checked_in)
        return line


Planned = tuple[str, date, bool, bool]  # (site, planned arrival, arrived, only seen aboard)


def site_checkins(rec: Recording, planned: list[Planned], d: date) -> list[SiteCheckins]:
    """Per site, from (site, planned arrival, arrived by d, arrived only by a boarding row) of
    the people planned there who are due by d: the sites where the rule counted someone as not
    arrived or as arrived only because a driver saw them aboard, and those recording nothing
    while another site records (planned arrivals since `rec.anywhere`)."""
    missing: Counter[str] = Counter()
    aboard: Counter[str] = Counter()
    silent: Counter[str] = Counter()
    for site, arrival, came, boarded in planned:
        since = rec.by_site.get(site)
        if since is not None and since <= arrival <= d and not came:
            missing[site] += 1
        elif since is not None and since <= arrival <= d and boarded:
            aboard[site] += 1
        elif since is None and rec.anywhere is not None and rec.anywhere <= arrival <= d:
            silent[site] += 1
    out = []
    for s in sorted(set(missing) | set(aboard) | set(silent)):
        since = rec.by_site.get(s)
        out.append(
            SiteCheckins(
                site=s,
                recorded_from=since,
                counted_from=since or rec.anywhere or d,
                not_checked_in=missing[s],
                expected_as_planned=silent[s],
                boarded_not_checked_in=aboard[s],
            )
        )
    return out


def open_season(season_run: Path, ledger: Ledger, d: date) -> SeasonRun:
    """The season run, checked: this ledger's (or an intake re-plan it records), d in season."""
    season = load_season_run(season_run)
    if not ledger.accepts(season.manifest_sha256):
        raise ScenarioError(
            [Problem(ledger.label, None, "season_run", f"is not the ledger of {season_run}")]
        )
    s = season.season
    if not s.start <= d <= s.end:  # the run, the flag, what is wrong: each said once
        msg = f"{d} is outside its season {s.start}..{s.end}"
        raise ScenarioError([Problem(str(season_run), None, "--date", msg)])
    return season


HEAT_DECLARED, HEAT_LIFTED = "declared", "lifted"  # a `heat_alert` row's note


def heat_alert(
    season: SeasonRun, events: list[Event], d: date, said: bool | None
) -> tuple[bool, str]:
    """Is d a heat-alert day for its day run, and what says so? The ordinance's ban applies
    day by day, from the Worklimate forecast of the day before (DOMAIN.md sec. 6), so the
    season's list is only the default: `said` (`day --heat-alert` / `--no-heat-alert`) wins,
    else the last `heat_alert` row of d in the ledger (what an earlier day run of d was told: a
    re-run agrees), else the season's `heat_alert_days`."""
    if said is not None:
        return said, "--heat-alert" if said else "--no-heat-alert"
    rows = [ev for ev in events if ev.kind == "heat_alert" and ev.day == d]
    if rows:
        return rows[-1].note == HEAT_DECLARED, "ledger"
    return d in season.scenario.config.transport.heat_alert_days, "season"


def with_heat_alert(season: SeasonRun, d: date, on: bool) -> SeasonRun:
    """The season run with d among its heat-alert days or not, so the day's demand
    (`works_on`), its scenario and everything after it read d as the season reads its own."""
    cfg = season.scenario.config
    days = [h for h in cfg.transport.heat_alert_days if h != d] + ([d] if on else [])
    if days == cfg.transport.heat_alert_days:
        return season
    transport = cfg.transport.model_copy(update={"heat_alert_days": sorted(days)})
    scenario = replace(season.scenario, config=cfg.model_copy(update={"transport": transport}))
    return replace(season, scenario=scenario)


def load_season_run(run: Path) -> SeasonRun:
    manifest = run / "manifest.json"
    if not manifest.is_file():
        raise ScenarioError([Problem(str(run), None, "run", "not a run folder (no manifest.json)")])
    if (run / "day.json").is_file():
        raise ScenarioError([Problem(str(run), None, "run", "is a day run, not a season run")])
    restricted = read_restricted(run)
    try:
        scenario = load_scenario(run / "inputs", restricted=restricted)
    except ScenarioError as exc:  # the run's inputs, not the user's scenario: one line
        raise inputs_refused(run, exc) from None
    assignments = _season_beds(run / "plan", scenario)
    assigned: dict[str, str] = {}
    for a in assignments:
        assigned.setdefault(a.worker_id, a.foresteria_id)  # a transfer: the first bed
    placed = {}
    if (run / "inputs" / PLACEMENTS).is_file():  # an intake run's placements
        for r in read_csv(run / "inputs" / PLACEMENTS, PLACEMENT_COLS):
            placed[r["worker_id"]] = r.day("from")
    no_shows: frozenset[str] = frozenset()
    if (run / "inputs" / NO_SHOWS).is_file():  # an intake run's no-shows; one whose released
        # bed was given while in the region is in the region still: they ride from their
        # departure point as anyone waitlisted here (review 19 S, NEW-1)
        no_shows = frozenset(
            r["worker_id"]
            for r in read_csv(run / "inputs" / NO_SHOWS, NO_SHOW_COLS)
            if not r.get("placed")
        )
    return SeasonRun(
        placed=placed,
        no_shows=no_shows,
        root=run,
        scenario=scenario,
        assigned=assigned,
        manifest_sha256=file_sha256(manifest),
        stays=boarding_stays(scenario, assignments),
    )


def _check_season_trips(plan: Path, sc: Scenario, d: date) -> None:
    """The season plan's trips of day d, which the day run starts from (run/stability.py takes
    them as they are), checked first: every column it reads there, every id one the season
    knows, every time a time. A damaged or crafted plan is named in one line (exit 2)."""
    places = {f.id for f in sc.foresterie} | {p.id for p in sc.pickups}
    vehicles = {v.id for v in sc.fleet} | {""}
    trips = set()
    need = ("day", "trip_id", "foresteria_id", "direction", "vehicle_id", "depart", "return")
    for t in read_csv(plan / "trips.csv", need):
        if t.day("day") != d:
            continue
        t.one_of("foresteria_id", places, "a foresteria or depot of the season")
        if t.get("origin_id"):
            t.one_of("origin_id", places, "a foresteria or departure point of the season")
        t.one_of("direction", ("to_farm", "to_foresteria"), "to_farm or to_foresteria")
        t.one_of("vehicle_id", vehicles, "a vehicle of the season")
        t.minutes("depart"), t.minutes("return")
        trips.add(t["trip_id"])
    farms = {f.id for f in sc.farms}
    for s in read_csv(plan / "stops.csv", ("trip_id", "seq", "farm_id", "arrive", "depart")):
        if s["trip_id"] in trips:
            s.whole("seq"), s.minutes("arrive"), s.minutes("depart")
            s.one_of("farm_id", farms, "a farm of the season")
    workers = {w.id for w in sc.workers}
    for r in read_csv(plan / "riders.csv", ("trip_id", "seq", "worker_id")):
        if r["trip_id"] in trips:
            r.whole("seq")
            r.one_of("worker_id", workers, "a worker of the season")


def _season_beds(plan: Path, sc: Scenario) -> list[Assignment]:
    """The season plan's beds (plan/assignments.csv, file order); a damaged or crafted plan
    (a row naming someone or somewhere the season does not know, a day that is no day, the
    waitlist likewise) is named in one line, exit 2: every operation and re-plan starts here."""
    known = {
        "worker_id": {w.id for w in sc.workers},
        "foresteria_id": {f.id for f in sc.foresterie},
    }
    beds: list[Assignment] = []
    need = ("worker_id", "foresteria_id", "section", "from", "to")
    for r in read_csv(plan / "assignments.csv", need):
        for col, ids in known.items():
            if r[col] not in ids:
                msg = f"{r[col][:40]!r} is not one of the season's"
                raise ScenarioError([Problem(r.file, r.row, col, msg)])
        section = Section(r.one_of("section", SECTIONS, "a section: men, women or family"))
        first, last = r.day("from"), r.day("to")
        if last <= first:
            raise ScenarioError([Problem(r.file, r.row, "to", f"not after from ({first})")])
        beds.append(
            Assignment(
                worker_id=r["worker_id"],
                foresteria_id=r["foresteria_id"],
                section=section,
                arrival=first,
                departure=last,
            )
        )
    for r in read_csv(plan / "waitlist.csv", ("worker_id", "code", "reason")):
        if r["worker_id"] not in known["worker_id"]:
            msg = f"{r['worker_id'][:40]!r} is not one of the season's"
            raise ScenarioError([Problem(r.file, r.row, "worker_id", msg)])
    return beds


@dataclass(frozen=True)
class NoBed:
    """A booking for someone with no bed that night and no place to board: who, for which farm,
    who booked (the ledger's `booked_by`), and why the season plan has no bed for them that
    night (`_no_bed_why`): `released` (the release rule ended the bed on `since`), `stay` (the
    day is outside their stay), `waitlisted` (no bed in the season plan), `uncovered` (a night
    of the stay without a bed: `code` as plan/uncovered.csv says it, from `since`), or
    `none` (the plan says nothing of the night)."""

    worker_id: str
    farm_id: str
    booked_by: str
    why: str
    since: date | None = None
    code: str = ""


@dataclass(kw_only=True)
class Demand:
    day: date
    riders: list[Worker]  # one-day workers: arrival D, departure D+1, pinned where they ride from
    counts: Counter[str] = field(default_factory=Counter)
    broken: list[str] = field(default_factory=list)
    follow_up: list[tuple[str, int]] = field(default_factory=list)  # (worker, no-shows)
    # (worker, vehicle) out on the day before and not brought back (`out_not_back`)
    not_back: list[tuple[str, str]] = field(default_factory=list)
    checkins: list[SiteCheckins] = field(default_factory=list)  # the recording rule, per site
    # (worker, farm) booked for a farm on a day it does not work: planned, the farm working that
    # day (`_working`); booked for a shift the heat ordinance bans: not planned (no hours left)
    day_off: list[tuple[str, str]] = field(default_factory=list)
    heat_ban: list[tuple[str, str]] = field(default_factory=list)
    # booked for a farm its calendar closes that day (farm_calendar.csv: the farm said it has
    # no work) by someone else than the farm: not planned, said; booked by the farm itself
    # (`booked_by = farm`): planned, its calendar's closure of the day dropped from the day's
    # scenario (the farm's booking is the later word), said
    closed: list[tuple[str, str]] = field(default_factory=list)
    reopened: list[tuple[str, str]] = field(default_factory=list)
    # (worker, foresteria) booked to board at a foresteria closed that night: not planned, said
    # (review 19 R, MEDIUM-4: taken without a word, listed "vehicles busy")
    shut_origin: list[tuple[str, str]] = field(default_factory=list)
    # booked with no bed that night and no place to board named (`origin`): not planned, said
    # one line per booking, with why the season plan has no bed for them that night
    # (`_no_bed_why`; review 18 R, LOW-4: counted `booked_without_bed` in day.json, said nowhere)
    no_bed: list[NoBed] = field(default_factory=list)
    # (worker, `_placed` outcome, where they board on the day or None: not planned) of a
    # booking for a site their referral record says to avoid: said (`placement_lines`), never
    # counted in day.json (published) nor kept in the day run's files
    placement: list[tuple[str, str, str | None]] = field(default_factory=list)
    # (group, its members the office did not record) of each group one of whom checked in:
    # expected with it, said (`with_group`; review 20 R, MEDIUM-2)
    with_group: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def extra_workday(self) -> list[str]:
        """The farms working on the day besides their workdays: a crew booked."""
        return sorted({f for _, f in self.day_off})

    @property
    def reopened_farms(self) -> list[str]:
        """The farms working on a day their calendar closed: the farm booked its crew."""
        return sorted({f for _, f in self.reopened})


def day_demand(season: SeasonRun, events: list[Event], d: date) -> Demand:
    """Who rides on day d, from where, to which farm: the ledger over the season plan."""
    sc = season.scenario
    farms = {f.id: f for f in sc.farms}
    presence: dict[str, list[Event]] = defaultdict(list)
    bookings: dict[str, Event] = {}
    rides: dict[str, list[Event]] = defaultdict(list)
    broken: set[str] = set()
    rec = recording(season, events, d)  # the offices' own rows: from when each records
    # placed by an intake, not checked in since (by the eve): their departure point's riders
    bedside = {w.id for w in season.scenario.workers if not w.pickup_id}  # rides from the bed
    moving = set(season.placed) - at_bed([e for e in events if e.day < d], season.placed, bedside)
    events, aboard = seen_aboard(season, events)
    for ev in events:
        if ev.kind in ("arrival", "departure", "absent") and ev.day <= d:
            presence[ev.worker_id].append(ev)
        elif ev.kind in ("booking", "cancellation") and ev.day == d:
            bookings[ev.worker_id] = ev  # the last one wins: corrections are new rows
        elif ev.kind in ("boarding", "no_show") and ev.day < d:
            rides[ev.worker_id].append(ev)
        elif ev.kind == "breakdown" and ev.day == d:
            broken.add(ev.vehicle_id)
    # A day run for d is made the evening before: nobody due on d itself can have checked in
    # yet, so they are expected as the season plan has them (it drives them from their first
    # morning, as it does everyone: README "Daily operations"); the rule reads arrivals up to
    # the day before.
    eve = d - timedelta(days=1)
    planned: list[Planned] = []  # (bed, planned arrival, arrived, seen aboard only) of the due
    counts: Counter[str] = Counter()
    riders = []
    day_off: list[tuple[str, str]] = []  # (worker, farm) booked on a day the farm does not work
    heat_ban: list[tuple[str, str]] = []  # (worker, farm) booked into the heat ban: no ride
    closed: list[tuple[str, str]] = []  # (worker, farm) booked for a farm closed that day
    no_bed: list[NoBed] = []  # booked with no bed and no origin
    uncovered: dict[str, list[tuple[date, date, str]]] | None = None  # read once, if needed
    reopened: list[tuple[str, str]] = []  # (worker, farm) the farm booked on its closed day
    shut_origin: list[tuple[str, str]] = []  # (worker, site) booked from a closed foresteria
    sites = {f.id: f for f in sc.foresterie}
    placement: list[tuple[str, str]] = []  # (worker, `_placed` outcome): a site to avoid booked
    shut = closed_days(sc.farm_closures)
    points = {p.id for p in sc.pickups}
    boards = season.boards_on(d)
    here_of: dict[str, bool] = {}  # in the region on d, by the ledger (then by their group)
    came_of: dict[str, date | None] = {}  # the first arrival row of each, up to d
    gone: dict[str, date] = {}  # left (a departure or absence their last row): not kept
    for w in sc.workers:
        bed = season.assigned.get(w.id)
        in_stay = w.arrival <= d < w.departure
        here = in_stay  # in the region: a booking from a departure point takes them from it
        mine = presence.get(w.id, [])
        came_of[w.id] = min((ev.day for ev in mine if ev.kind == "arrival"), default=None)
        if bed is not None and w.id not in moving and rec.needs_checkin(bed, w.arrival, eve):
            here = False  # their foresteria records arrivals: only a check-in says so
        if w.id in season.no_shows:
            here = False  # an intake's no-show: only a check-in says they came
        for ev in sorted(mine, key=lambda e: e.day):  # stable: ledger order
            here = ev.kind == "arrival"  # a departure on d: they leave that morning, no ride
        if mine and not here:  # their last row a departure or an absence
            gone[w.id] = d
        here_of[w.id] = here
    # a group is present as a whole: a member the office did not record is here with it
    # (the intake's rule: review 20 R, MEDIUM-2), said (`Demand.with_group`)
    kept = with_group(sc.workers, here_of, came_of, gone, d)
    kept_ids = {x for _, ids in kept for x in ids}
    for w in sc.workers:
        bed = season.assigned.get(w.id)  # their first bed: the office recording their arrival
        # where the season plan has them board on d: the bed of that night, else their
        # departure point on a day of their stay without a bed (never a bed the plan did not
        # give: before an opening, after a closing, between two foresterie)
        home = boards.get(w.id)
        # the bed of that night, if the plan gives one; boarding anywhere else (a departure
        # point, a booking from another foresteria: review 14, finding 12) is without a bed, so
        # the day run holds nobody to another foresteria's beds
        slept = home if home not in points else None
        if w.id in moving and w.pickup_id and home is not None:
            home, slept = w.pickup_id, None  # not told of the bed yet, or not moved in
        in_stay = w.arrival <= d < w.departure
        mine = presence.get(w.id, [])
        if bed is not None and in_stay and w.arrival <= eve and w.id not in moving:
            came = [ev for ev in mine if ev.kind == "arrival"]
            only_aboard = bool(came) and all(ev is aboard.get(w.id) for ev in came)
            planned.append((bed, w.arrival, bool(came) or w.id in kept_ids, only_aboard))
        here = here_of[w.id]
        # never past the planned departure (the ledger records no extensions; the bed is
        # someone else's after it): a late arrival does not move the departure
        here = here and d < w.departure
        booking = bookings.get(w.id)
        if booking is not None and booking.kind == "booking" and booking.origin:
            home = home or booking.origin  # no bed, no point of their own: this booking's
        if not here or home is None:
            if booking is not None and booking.kind == "booking":
                counts["booked_not_present" if home else "booked_without_bed"] += 1
                if not home:
                    if uncovered is None:
                        uncovered = _uncovered(season.root)
                    why, since, code = _no_bed_why(season, w, d, uncovered.get(w.id, []))
                    farm = booking.farm_id or w.farm_id or ""
                    no_bed.append(NoBed(w.id, farm, booking.booked_by, why, since, code))
            elif home is not None:
                counts["not_present"] += 1
            elif bed is not None and in_stay:
                counts["no_bed_that_night"] += 1  # housed on other nights, no departure point
            continue
        if not w.rides:  # a dependant never rides, whatever farm_id or a booking says
            booked = booking is not None and booking.kind == "booking"
            counts["dependant_booked" if booked else "dependants"] += 1
            continue
        history = rides.get(w.id, [])
        streak = _trailing_no_shows(history)
        if booking is not None and booking.kind == "booking" and w.avoid:
            booking, outcome = _placed(booking, w, boards.get(w.id))
            if outcome:  # said in a line naming no site (`placement_lines`), never counted
                placement.append((w.id, outcome))
            home = boards.get(w.id) if booking is None else home
        if booking is not None:
            if booking.kind == "cancellation":
                counts["cancelled"] += 1
                continue
            farm_id = booking.farm_id or w.farm_id
            origin = booking.origin or home
            site = sites.get(booking.origin)
            if site is not None and not site.open_from <= d <= site.open_to:
                counts["booked_from_a_closed_foresteria"] += 1  # nobody boards there: no
                shut_origin.append((w.id, site.id))  # bed, no office, no vehicle kept there
                continue
            counts["booked"] += 1
            if origin in points:
                counts["booked_from_departure_point"] += 1
            elif origin != home:
                counts["booked_from_another_foresteria"] += 1
            if booking.leg in ("out", "back"):
                counts["one_leg_booked_as_round_trip"] += 1
        else:
            farm_id, origin = w.work_farm, home
            if origin is None:  # a booking refused: nowhere the season plan has them board
                continue
            if streak >= SKIP_AFTER_NO_SHOWS:
                counts["not_held_after_no_shows"] += 1
                continue
        if farm_id in w.avoid or origin in w.avoid:  # a referral record's site: never
            continue  # driven there nor picked up there (not counted either: day.json is
            # published, the record is restricted)
        if not farm_id:
            if booking is not None:
                counts["booked_without_farm"] += 1
            continue
        if not works_on(farms[farm_id], d, sc):
            if booking is None:
                continue
            shut_day = (farm_id, d) in shut
            if shut_day and booking.booked_by != "farm":  # the farm reported no work that
                counts["booked_on_a_closed_day"] += 1  # day: its word stands against a
                closed.append((w.id, farm_id))  # worker's or the office's booking
                continue
            if not _heat_leaves_hours(farms[farm_id], d, sc):  # the heat ordinance's ban:
                counts["booked_into_heat_ban"] += 1  # no hours left for that shift, no ride
                heat_ban.append((w.id, farm_id))
                continue
            # the farm asked for a crew on a day its calendar closed (written before the
            # season: the rain forecast) or on a day it does not usually work: its booking is
            # the later, better information, so the day's scenario has the farm work that day
            # (one day: no other day of it changes) and the ride is planned like any other
            if shut_day:
                counts["booked_by_the_farm_on_a_closed_day"] += 1
                reopened.append((w.id, farm_id))
            if d.weekday() not in farms[farm_id].workdays:
                counts["booked_on_a_day_off"] += 1
                day_off.append((w.id, farm_id))
        if booking is None:
            counts["expected"] += 1
        riders.append(
            Worker(
                id=w.id,
                arrival=d,
                departure=d + timedelta(days=1),
                section=w.section,
                group_id=None,  # the day run places nobody: everyone is pinned where they sleep
                farm_id=farm_id,
                priority=0,  # not needed for a day run, so not copied into it
                accessible=w.accessible,
                # their bed: pinned there; elsewhere (a departure point, another foresteria):
                # rides from it, no bed that day
                pinned_foresteria=origin if origin == slept else None,
                pickup_id=None if origin == slept else origin,
                lang=w.lang,  # their slip and no-ride box in their language (not restricted)
            )
        )
    window = d - timedelta(days=FOLLOW_UP_WINDOW)
    follow = sorted(
        (wid, n)
        for wid, evs in rides.items()
        if (n := sum(1 for day, shown in _ride_days(evs) if not shown and day >= window))
        >= FOLLOW_UP_NO_SHOWS
    )
    return Demand(
        day=d,
        riders=riders,
        counts=counts,
        broken=sorted(broken),
        follow_up=follow,
        not_back=out_not_back(events, eve),
        checkins=site_checkins(rec, planned, eve),
        day_off=day_off,
        heat_ban=heat_ban,
        closed=closed,
        reopened=reopened,
        shut_origin=shut_origin,
        no_bed=no_bed,
        placement=[
            (
                wid,
                outcome,
                next((r.pickup_id or r.pinned_foresteria for r in riders if r.id == wid), None),
            )
            for wid, outcome in placement
        ],
        with_group=kept,
    )


def _uncovered(run: Path) -> dict[str, list[tuple[date, date, str]]]:
    """worker -> (from, to, code) of the nights of their stay the season plan gives no bed
    (plan/uncovered.csv: README "Waitlist reasons")."""
    out: dict[str, list[tuple[date, date, str]]] = defaultdict(list)
    path = run / "plan" / "uncovered.csv"
    if path.is_file():
        for r in read_csv(path, ("worker_id", "from", "to", "code")):
            out[r["worker_id"]].append((r.day("from"), r.day("to"), r["code"]))
    return out


def _no_bed_why(
    season: SeasonRun, w: Worker, d: date, nights: list[tuple[date, date, str]]
) -> tuple[str, date | None, str]:
    """Why the season plan gives w no bed on the night of d (`NoBed`)."""
    if not w.arrival <= d < w.departure:
        return "stay", None, ""
    if w.id not in season.assigned:
        return "waitlisted", None, ""
    for start, end, code in nights:
        if start <= d < end:
            return (
                ("released", start, code)
                if code == "released_no_work"
                else (
                    "uncovered",
                    start,
                    code,
                )
            )
    return "none", None, ""


REROUTED, REFUSED = "rerouted", "refused"  # `_placed`'s outcomes


def _placed(booking: Event, w: Worker, boards: str | None) -> tuple[Event | None, str]:
    """A booking checked against the worker's sites to avoid (a referral record: README
    "Referral records"), which it never overrides: booked from a site to avoid, it is re-routed
    to where the season plan has them board on the day (`boards`) if that is allowed (REROUTED);
    for a farm to avoid (the farm named, else their own), or with no allowed place to board, it
    is refused (REFUSED, None: the season plan's expectation stands, which never takes them to
    or from such a site). Otherwise the booking as it is, "" ."""
    farm = booking.farm_id or w.farm_id
    origin = booking.origin or boards
    if farm not in w.avoid and origin not in w.avoid:
        return booking, ""
    if farm not in w.avoid and boards is not None and boards not in w.avoid:
        return replace(booking, origin=boards), REROUTED
    return None, REFUSED


def _heat_leaves_hours(farm: Farm, d: date, sc: Scenario) -> bool:
    """Whether the heat ordinance leaves the farm's shift hours on d (`works_on`'s last rule):
    a crew booked on a day the farm does not work otherwise is planned only then."""
    t = sc.config.transport
    return d not in t.heat_alert_days or farm.shift_start < parse_hhmm(t.heat_alert_shift_end)


def _working(farm: Farm, d: date) -> Farm:
    """The farm working on d's weekday besides its own (a crew booked on its day off)."""
    return replace(farm, workdays=farm.workdays | {d.weekday()})


def recorded(events: list[Event], d: date) -> dict[str, Any]:
    """What the drivers' lists say about day d: riders boarded, no-shows, the no-show rate, and
    how many went out and were not brought back (`out_not_back`; a count: day.json is
    published, the ids are on the follow-up list)."""
    days = {w: shown for w, evs in _by_worker(events, d).items() for _, shown in _ride_days(evs)}
    boarded = sum(1 for shown in days.values() if shown)
    return {
        "riders_boarded": boarded,
        "no_shows": len(days) - boarded,
        "no_show_rate": round((len(days) - boarded) / len(days), 4) if days else None,
        "out_not_back": len(out_not_back(events, d)),
    }


def out_not_back(events: list[Event], d: date) -> list[tuple[str, str]]:
    """(worker, vehicle of the out leg) of the riders the drivers' lists of day d have aboard on
    the way out (`boarding`, leg `out`) and not on the way home: a `no_show` on a back leg, or
    no back row at all once the back list of the vehicle they went out on is imported; a
    boarding on any back leg brings them home (review 14, finding 6). The one event a
    coordinator acts on that evening: the next day run's follow-up list. Rows without a leg (a
    QR scan, a list from before `leg`) say nothing either way."""
    out: dict[str, str] = {}
    home: set[str] = set()
    missed: set[str] = set()
    listed: set[str] = set()  # vehicles whose back list of d is in the ledger
    for ev in events:
        if ev.day != d or ev.kind not in ("boarding", "no_show"):
            continue
        if ev.leg == "out" and ev.kind == "boarding":
            out.setdefault(ev.worker_id, ev.vehicle_id)
        elif ev.leg == "back":
            listed.add(ev.vehicle_id)
            (home if ev.kind == "boarding" else missed).add(ev.worker_id)
    return sorted((w, v) for w, v in out.items() if w not in home and (w in missed or v in listed))


def _by_worker(events: list[Event], d: date) -> dict[str, list[Event]]:
    out: dict[str, list[Event]] = defaultdict(list)
    for ev in events:
        if ev.kind in ("boarding", "no_show") and ev.day == d:
            out[ev.worker_id].append(ev)
    return out


def _ride_days(history: list[Event]) -> list[tuple[date, bool]]:
    """(day, boarded at least once that day) for each day a rider has rows, latest first: a
    no-show day is one where every row of the driver's lists says no-show."""
    days: dict[date, bool] = {}
    for ev in history:
        days[ev.day] = days.get(ev.day, False) or ev.kind == "boarding"
    return sorted(days.items(), reverse=True)


def _trailing_no_shows(history: list[Event]) -> int:
    """Consecutive no-show days at the end of a rider's recorded days."""
    n = 0
    for _, shown in _ride_days(history):
        if shown:
            break
        n += 1
    return n


def write_day_scenario(
    season: SeasonRun, demand: Demand, folder: Path, previous: PreviousDay | None = None
) -> dict[str, str]:
    """A one-day scenario: the season run's inputs with that day's riders and fleet, and the
    season plan's trips of that day, kept where it costs nothing (run/stability.py), with
    when each vehicle's driver finished the day before (`previous`: its sheets read it), each
    of those trips of a vehicle whose driver would rest under 11 h given to a rested vehicle
    of its base where one is idle (`rested_vehicles`, returned: vehicle -> the one instead)."""
    src = season.root / "inputs"
    d = demand.day
    folder.mkdir(parents=True, exist_ok=True)
    cfg = tomllib.loads((src / "scenario.toml").read_text(encoding="utf-8"))
    data = cfg["data"]
    for name in (data["foresterie"], data["farms"], data["matrix"], data.get("pickups")):
        if name:
            shutil.copyfile(src / name, folder / name)
    if demand.extra_workday:  # farms booked on their day off work that day (`day_demand`)
        extra = set(demand.extra_workday)
        farms = [_working(f, d) if f.id in extra else f for f in season.scenario.farms]
        write_text(folder / data["farms"], farms_geojson(farms))
    if (src / "legs.geojson").is_file():
        shutil.copyfile(src / "legs.geojson", folder / "legs.geojson")
    # the farm calendar's closures of the day only (the season's others lie outside the day's
    # season, an error there; none: no calendar, as a file without rows is refused); its
    # demand has no rider of a farm closed that day
    # (a farm that booked its crew for the day, `reopened`, works that day: its closure of
    # the day is not written, so the day's plan, the verifier and a replay see it working)
    reopened = set(demand.reopened_farms)
    closed = [
        c
        for c in season.scenario.farm_closures
        if c.first_day <= d <= c.last_day and c.farm_id not in reopened
    ]
    if closed and data.get("farm_calendar"):
        day_closures = tuple(replace(c, first_day=d, last_day=d) for c in closed)
        write_text(folder / data["farm_calendar"], farm_calendar_csv(day_closures))
    else:
        data.pop("farm_calendar", None)
    cfg["scenario"] = {
        **cfg["scenario"],
        "name": f"{cfg['scenario']['name']}-{d.isoformat()}",
        "season_start": d,
        "season_end": d,
    }
    # the day's own (the others lie outside its season), as `heat_alert` decided it: the
    # verifier, the report and a replay read it here
    heat = [d] if d in season.scenario.config.transport.heat_alert_days else []
    if heat or "heat_alert_days" in cfg.get("transport", {}):
        cfg.setdefault("transport", {})["heat_alert_days"] = heat
    cfg["data"]["fleet"] = "fleet.csv"
    fleet = [
        replace(
            v,
            available_from=min(v.available_from, d - timedelta(days=1)),
            available_to=d - timedelta(days=1),
        )
        if v.id in demand.broken
        else v
        for v in season.scenario.fleet
    ]
    write_text(folder / "fleet.csv", fleet_csv(fleet))
    write_text(folder / "workers.csv", workers_csv(sorted(demand.riders, key=lambda w: w.id)))
    _check_season_trips(season.root / "plan", season.scenario, d)
    reference = reference_trips_json(season.root / "plan", d)
    swaps: dict[str, str] = {}
    if previous is not None and previous.spans:
        ref = json.loads(reference)
        tz = season.scenario.config.scenario.timezone
        swaps = rested_vehicles(ref["trips"], previous, fleet, d, tz)
        for t in ref["trips"]:
            t["vehicle_id"] = swaps.get(t["vehicle_id"], t["vehicle_id"])
        ref[PREVIOUS_DAY] = previous.record()
        reference = dumps_json(ref)
    write_text(folder / REFERENCE_TRIPS, reference)
    header = f"# Day {d} of season run {season.scenario.name!r} (foresterie day).\n"
    write_text(folder / "scenario.toml", header + toml_dumps(cfg))
    return swaps


def day_referrals(season: SeasonRun, demand: Demand) -> dict[str, bytes] | None:
    """The season's referral records of the day's riders, as the day run's restricted input
    (README "Referral records"): its shuttles keep a referred rider clear of her sites as the
    season's do, its verifier checks it, and they are kept in its restricted part, never in its
    scenario folder (whose hash the manifest publishes: a guess of the file would be checkable
    against it). None for a season without records (its day runs as before). In a season with
    records, every day run has the file, the header alone when no rider of the day has a record:
    the published list of restricted inputs is then the same every day, whoever rides."""
    records = season.scenario.referrals
    if not records:
        return None
    riding = {w.id for w in demand.riders}
    mine = tuple(x for x in records if x.worker_id in riding)
    return {RESTRICTED_REFERRALS: referrals_csv(mine).encode("utf-8")}


def rested_vehicles(
    trips: list[dict[str, Any]], previous: PreviousDay, fleet: list[Vehicle], d: date, tz: str
) -> dict[str, str]:
    """vehicle -> the vehicle that takes its trips of day d instead: for each vehicle whose
    trips (the season plan's of d) would start less than 11 h after its last return the day
    before, an idle vehicle of the same base, available on d (not broken down), with as many
    seats and a driver's day as long (duty, span, stretch), whose own driver has rested 11 h by
    then: the fewest seats, then the first id. None idle: the day exchanged with a vehicle of the
    base alike (seats, driver's day) whose driver has rested for these trips while this one's
    has for its own (both entries given). Neither: the vehicle keeps its trips, and the sheet
    and the command say the short rest."""
    spans = vehicle_spans((t["vehicle_id"], t["depart"], t["return"]) for t in trips)
    eve = previous.day

    def rested(vehicle: str, span: tuple[int, int]) -> bool:
        before = previous.spans.get(vehicle)
        if before is None:
            return True
        rest = rests_between_days({(vehicle, eve): before, (vehicle, d): span}, tz)
        return rest[vehicle, d] >= DAILY_REST_MIN

    by_id = {v.id: v for v in fleet}
    taken = set(spans)
    swaps: dict[str, str] = {}
    for vid, span in sorted(spans.items()):
        v = by_id.get(vid)
        if v is None or not v.available_from <= d <= v.available_to or rested(vid, span):
            continue  # out of service (its riders are planned again), or rested
        idle = [
            u
            for u in fleet
            if u.id not in taken
            and u.foresteria_id == v.foresteria_id
            and u.available_from <= d <= u.available_to
            and u.seats >= v.seats
            and u.max_duty_min >= v.max_duty_min
            and u.max_span_min >= v.max_span_min
            and u.max_stretch_min >= v.max_stretch_min
            and rested(u.id, span)
        ]
        if idle:
            u = min(idle, key=lambda u: (u.seats, u.id))
            swaps[vid] = u.id
            taken.add(u.id)
    # None idle: exchange the day with a vehicle of the base alike in seats and driver's day
    # whose driver has rested for this one's trips while this one's has for its (review 18 R,
    # HIGH-3: VA1 left with 7 h 14 of rest while VA2, alike and rested, ran the afternoon)
    for vid, span in sorted(spans.items()):
        v = by_id.get(vid)
        if vid in swaps or vid in swaps.values() or v is None:
            continue
        if not v.available_from <= d <= v.available_to or rested(vid, span):
            continue
        alike = [
            u
            for u in fleet
            if u.id in spans
            and u.id != vid
            and u.id not in swaps
            and u.id not in swaps.values()
            and u.foresteria_id == v.foresteria_id
            and u.available_from <= d <= u.available_to
            and (u.seats, u.max_duty_min, u.max_span_min, u.max_stretch_min)
            == (v.seats, v.max_duty_min, v.max_span_min, v.max_stretch_min)
            and rested(u.id, span)
            and rested(vid, spans[u.id])
        ]
        if alike:
            u = min(alike, key=lambda u: u.id)
            swaps[vid], swaps[u.id] = u.id, vid
    return swaps


# ------------------------------------------------------------------ stability


def rider_legs(run: Path, d: date) -> dict[tuple[str, str], RefLeg]:
    """(worker, direction) -> vehicle and departure, for day d of a run folder's plan."""
    plan = run / "plan"
    trips = {}
    needs = ("trip_id", "direction", "vehicle_id", "depart")
    for r in _rows_where(plan / "trips.csv", "day", d.isoformat().__eq__, needs):
        try:
            depart = parse_hhmm(r["depart"])
        except ValueError:
            raise RunFolderError(
                str(plan / "trips.csv"), None, "depart", f"not a time HH:MM: {r['depart']!r}"
            ) from None
        trips[r["trip_id"]] = (r["direction"], r["vehicle_id"], depart)
    out = {}
    for r in _rows_where(plan / "riders.csv", "trip_id", trips.__contains__, ("worker_id",)):
        direction, vehicle, dep = trips[r["trip_id"]]
        out[r["worker_id"], direction] = RefLeg(vehicle_id=vehicle, depart_min=dep)
    return out


@dataclass(frozen=True, kw_only=True)
class PreviousDay:
    """When each vehicle's driver finished the day before a day run (`previous_day`): its
    vehicles' first departure and last return (minutes after that day's midnight; a return
    after midnight above 1440), and the plan it was read from."""

    day: date
    source: str  # "day run" (the previous day run beside it) or "season plan"
    spans: dict[str, tuple[int, int]]

    def record(self) -> dict[str, Any]:
        """As report/driving.py `previous_day_spans` reads it (a day run's reference trips)."""
        return {
            "day": self.day.isoformat(),
            "from": self.source,
            "vehicles": {v: list(span) for v, span in sorted(self.spans.items())},
        }


def previous_day(season_run: Path, prev_run: Path, d: date) -> PreviousDay:
    """The day before d as the drivers drove it, as far as the office knows: the previous day
    run's trips (`prev_run`, a published day run of this season), else the season plan's."""
    eve = d - timedelta(days=1)
    run, source = (prev_run, "day run") if prev_run.is_dir() else (season_run, "season plan")
    plan = run / "plan" / "trips.csv"
    rows = []
    for r in _rows_where(plan, "day", eve.isoformat().__eq__, ("vehicle_id", "depart")):
        times = []
        for col in ("depart", "return"):
            text = r.get(col)
            if text is None:
                raise RunFolderError(str(plan), 1, col, "column missing from the header")
            try:
                parse_hhmm(text)
            except ValueError:
                raise RunFolderError(
                    str(plan), None, col, f"not a time HH:MM: {text[:40]!r}"
                ) from None
            times.append(text)
        rows.append((r["vehicle_id"], times[0], times[1]))
    return PreviousDay(day=eve, source=source, spans=vehicle_spans(rows))


def short_rests(
    previous: PreviousDay, day_plan: Path, d: date, timezone: str
) -> dict[str, tuple[str, int]]:
    """vehicle -> (first departure "HH:MM", minutes of rest) of the day run's vehicles that
    leave on d less than 11 h after their last return the day before (as the clock runs)."""
    rows = _rows_where(day_plan / "trips.csv", "day", d.isoformat().__eq__, ("vehicle_id",))
    today = vehicle_spans((r["vehicle_id"], r["depart"], r["return"]) for r in rows)
    spans = {(v, previous.day): span for v, span in previous.spans.items()}
    spans.update(((v, d), span) for v, span in today.items())
    return {
        v: (f"{today[v][0] // 60:02d}:{today[v][0] % 60:02d}", m)
        for (v, day), m in sorted(rests_between_days(spans, timezone).items())
        if day == d and m < DAILY_REST_MIN
    }


def short_rests_line(rests: dict[str, tuple[str, int]], previous: PreviousDay, d: date) -> str:
    """One warning line for the coordinator: the vehicles that leave on d less than 11 h after
    their last return the day before (their driver sheets say so, in the sheets' language)."""
    tr = cli_lang()  # the command line's language, counts pluralised (review 18, L5)
    n = len(rests)
    which = ", ".join(
        tr._("{vehicle} at {depart} ({h} h {m:02d} min of rest)").format(
            vehicle=v, depart=depart, h=m // 60, m=m % 60
        )
        for v, (depart, m) in sorted(rests.items(), key=lambda kv: (kv[1][1], kv[0]))
    )
    source = (
        tr._("the day run of that day")
        if previous.source == "day run"
        else tr._("the season plan of that day")
    )
    return "warning: " + tr.ngettext(
        "{n} vehicle leaves on {day} less than 11 h after its last return on {eve} ({source}; "
        "EU Regulation 561/2006): {which}: another driver, or a later start (its driver sheet "
        "says so)",
        "{n} vehicles leave on {day} less than 11 h after their last return on {eve} "
        "({source}; EU Regulation 561/2006): {which}: another driver, or a later start (their "
        "driver sheets say so)",
        n,
    ).format(n=n, day=d, eve=previous.day, source=source, which=which)


def _rows_where(
    path: Path, column: str, keep: Callable[[str], bool], needs: tuple[str, ...]
) -> list[dict[str, str]]:
    """run/stability.py's reader of a plan file, its encoding and CSV errors named (exit 2)."""
    try:
        return csv_rows_where(path, column, keep, needs)
    except UnicodeDecodeError:
        raise ScenarioError([Problem(str(path), None, "encoding", Msg("not UTF-8"))]) from None
    except csv.Error as exc:
        raise ScenarioError([Problem(str(path), None, "file", f"unreadable CSV: {exc}")]) from None


def stability(
    before: dict[tuple[str, str], RefLeg], after: dict[tuple[str, str], RefLeg]
) -> dict[str, Any]:
    """Share of rider-legs planned in both that keep their vehicle and depart within +-10 min."""
    common = sorted(set(before) & set(after))
    kept = sum(
        1
        for k in common
        if before[k].vehicle_id == after[k].vehicle_id
        and abs(before[k].depart_min - after[k].depart_min) <= STABLE_MIN
    )
    return {
        "rider_legs_in_both": len(common),
        "kept": kept,
        "changed": len(common) - kept,
        "share_kept": round(kept / len(common), 4) if common else None,
    }


def _vehicles_of(legs: dict[tuple[str, str], RefLeg]) -> int:
    return len({leg.vehicle_id for leg in legs.values() if leg.vehicle_id})


# ------------------------------------------------------------------ the command


@dataclass(kw_only=True)
class DayResult:
    summary: RunSummary
    record: dict[str, Any]


FOLLOW_UP_FILE = " (report/follow_up.csv)"
DAY_RUNS = "the day run's"
DAY_TODO = (
    "record the departures of those who have left (a `departure` check-in), or re-plan the "
    "beds with `foresterie intake`, then plan the day again"
)


def _held(demand: Demand) -> Callable[[str], str]:
    """Who a day run holds at a foresteria (`own_scenario`): the riders sleeping there that
    night by the plan's beds, moved by the ledger's check-ins."""

    def held(fid: str) -> str:
        ids = sorted(w.id for w in demand.riders if w.pinned_foresteria == fid)
        return (
            f"the plan's beds of that night and the check-ins hold {len(ids)} "
            f"rider{'' if len(ids) == 1 else 's'} there ({ids_text(ids)})"
        )

    return held


def not_back_line(not_back: list[tuple[str, str]], d: date, listed: str = "") -> str:
    """One line for the coordinator: who went out on day d and was not brought back (the
    vehicle they went out on), and where else they are listed (`listed`)."""
    who = ", ".join(f"{w} ({v})" for w, v in not_back)
    n = len(not_back)
    return (
        cli_lang()
        .ngettext(
            "out and not back on {day}: {n} rider went out and was not brought back{listed}: {who}",
            "out and not back on {day}: {n} riders went out and were not brought back{listed}: "
            "{who}",
            n,
        )
        .format(day=d, n=n, listed=listed, who=who)
    )


def booked_lines(demand: Demand, sc: Scenario) -> list[str]:
    """Lines for the coordinator on the bookings for a farm that does not work on the day: a
    crew asked for on the farm's day off is planned (the farm works that day in the day run);
    one for a shift the heat ordinance leaves no hours is not (nobody works it)."""
    d = demand.day
    tr = cli_lang()
    out = []
    for pairs, what in (
        (
            demand.day_off,
            tr._("{farm} does not work on {weekday}: planned as booked, the farm working that day"),
        ),
        (
            demand.heat_ban,
            tr._(
                "{farm} has no hours under the heat alert (its shift starts at or after "
                "{end}): not planned, no ride owed"
            ),
        ),
        (
            demand.reopened,
            tr._(
                "{farm} has no work that day by its calendar (farm_calendar.csv), but the farm "
                "booked the crew itself: planned as booked, the farm working that day"
            ),
        ),
        (
            demand.closed,
            tr._(
                "{farm} has no work that day by its calendar (farm_calendar.csv): not planned, "
                "no ride owed (only a booking by the farm itself, booked_by = farm, reopens "
                "the day)"
            ),
        ),
    ):
        by_farm: dict[str, list[str]] = defaultdict(list)
        for wid, fid in pairs:
            by_farm[fid].append(wid)
        for fid, ids in sorted(by_farm.items()):
            n = len(ids)
            booked = tr.ngettext(
                "booked for {farm} on {day}: {n} rider ({ids})",
                "booked for {farm} on {day}: {n} riders ({ids})",
                n,
            ).format(farm=fid, day=d, n=n, ids=ids_text(sorted(ids)))
            said = what.format(
                farm=fid,
                weekday=DAYS[d.weekday()].title(),
                end=sc.config.transport.heat_alert_shift_end,
            )
            out.append(f"{booked}; {said}")
    by_site: dict[str, list[str]] = defaultdict(list)
    for wid, fid in demand.shut_origin:
        by_site[fid].append(wid)
    for fid, ids in sorted(by_site.items()):
        site = sc.foresteria(fid)
        n = len(ids)
        out.append(
            tr.ngettext(
                "booked to board at {site} on {day}: {n} rider ({ids}); {site} is closed that "
                "day (open {first} to {last}): not planned; record the booking again with the "
                "place they board at",
                "booked to board at {site} on {day}: {n} riders ({ids}); {site} is closed that "
                "day (open {first} to {last}): not planned; record the bookings again with the "
                "place they board at",
                n,
            ).format(
                site=fid,
                day=d,
                n=n,
                ids=ids_text(sorted(ids)),
                first=site.open_from,
                last=site.open_to,
            )
        )
    return out + [_no_bed_line(x, d, sc) for x in demand.no_bed]


def _no_bed_line(x: NoBed, d: date, sc: Scenario) -> str:
    """One line per booking of someone with no bed that night and no place to board (review 18
    R, LOW-4): who booked, why the season plan has no bed (which rule ended it, when), and what
    the office can record."""
    tr = cli_lang()
    by = " " + tr._("by the farm itself") if x.booked_by == "farm" else ""  # else the worker's
    # or the office's (`booked_by = worker`, the default): not said
    w = next((w for w in sc.workers if w.id == x.worker_id), None)
    if x.why == "released":
        why = tr.ngettext(
            "the bed released from {since}, after {n} day without work at the farm in a row "
            "([housing] max_days_without_work)",
            "the bed released from {since}, after {n} days without work at the farm in a row "
            "([housing] max_days_without_work)",
            sc.config.housing.max_days_without_work or 0,
        ).format(since=x.since, n=sc.config.housing.max_days_without_work or 0)
    elif x.why == "stay" and w is not None:
        why = tr._("outside their stay, {arrival}..{departure}").format(
            arrival=w.arrival, departure=w.departure
        )
    elif x.why == "waitlisted":
        why = tr._("waitlisted in the season plan")
    elif x.why == "uncovered":
        why = tr._("none in the season plan from {since}: {code}, plan/uncovered.csv").format(
            since=x.since, code=x.code
        )
    else:
        why = tr._("none in the season plan that night")
    return tr._(
        "{id}: booked for {farm} on {day}{by}: no bed that night ({why}) and no place to board "
        "named: not planned; record the booking again with its origin (the departure point "
        "or foresteria they board at)"
    ).format(id=x.worker_id, farm=x.farm_id or "?", day=d, by=by, why=why)


def placement_lines(demand: Demand) -> list[str]:
    """One line per booking a referral record's sites to avoid would not let be taken as
    booked (`_placed`), for the coordinator's console only: it names the worker, the day and
    what was done, and of the reason only `placement` (as the intake's move requests: README
    "Housing intake"), never the site, the farm or the record."""
    d = demand.day
    out = []
    for wid, outcome, where in demand.placement:
        done = (
            f"rides from {where}, where the season plan has them board"
            if outcome == REROUTED and where
            else f"planned as the season plan has them (from {where})"
            if where
            else "not planned"
        )
        what = "from the place booked " if outcome == REROUTED else ""
        out.append(
            f"note: {wid}: the booking for {d} cannot be taken {what}(placement): {done}; "
            "ask the case worker"
        )
    return out


def follow_up_csv(demand: Demand) -> str:
    """The coordinator's follow-up list (report/follow_up.csv, pseudonymous ids; never
    replayed: it comes from the ledger): one row per worker, with their no-show days in the last
    7 (if 3 or more) and the vehicle they went out on the day before and were not brought back
    on (`out_not_back`)."""
    shows = dict(demand.follow_up)
    back = dict(demand.not_back)
    return "worker_id,no_shows_last_7_days,out_not_back_vehicle\n" + "".join(
        f"{w},{shows.get(w, '')},{back.get(w, '')}\n" for w in sorted(shows.keys() | back.keys())
    )


def _day_run_of(run: Path, season_sha256: str) -> bool:
    """Is `run` a published day run of this season run?"""
    return day_run_season(run) == season_sha256


def day_run_path(season_run: Path, d: date) -> Path:
    return season_run.parent / f"{season_run.name}.days" / d.isoformat()


def _row_id(folder: Path, name: str, row: int) -> str | None:
    """`column value` naming row `row` of a file this command wrote into a day's scenario (a
    CSV's line, its first column the id; a GeoJSON's feature, its `id`), None if none."""
    path = folder / name
    try:
        if name.endswith(".csv"):
            with path.open(encoding="utf-8", newline="") as fh:
                lines = list(csv.reader(fh))
            if 2 <= row <= len(lines) and lines[0] and lines[row - 1]:
                return f"{lines[0][0]} {lines[row - 1][0]}"
        elif name.endswith(".geojson"):
            feats = json.loads(path.read_text(encoding="utf-8")).get("features", [])
            if 1 <= row <= len(feats):
                fid = (feats[row - 1].get("properties") or {}).get("id")
                return f"id {fid}" if fid is not None else None
    except (OSError, ValueError, AttributeError):
        return None
    return None


def day_warnings(season: Scenario, day: Scenario, folder: Path) -> dict[str, str]:
    """What a day run says of the loader's warnings on the scenario it wrote (review 18, L1):
    `warning: {w}` as the solver would say it -> the line said instead, "" for none. A warning
    the season's scenario had too (its field and message alike: the same vehicle's duty, the
    same farm's shift) was said at `solve` and is not repeated every day; any other names the
    id of its row (a vehicle, a worker, a farm), never the row of a generated file the case
    worker never edited (RUN.days/D/inputs/...)."""
    said = {(p.field, str(p.message)) for p in season.warnings}
    out: dict[str, str] = {}
    for w in day.warnings:
        key = f"warning: {w}"
        if (w.field, str(w.message)) in said:
            out[key] = ""
            continue
        who = _row_id(folder, w.file, w.row) if w.row is not None else None
        where = f"{w.file} of the day's scenario ({who})" if who else w.file
        out[key] = f"warning: {where}: {w.field}: {w.message}"
    return out


def _day_say(
    say: Callable[[str], None] | None,
    demand: Demand,
    foresterie: frozenset[str],
    warnings: dict[str, str] | None = None,
) -> Callable[[str], None] | None:
    """The solver's progress lines as a coordinator reads them on a day run, which places
    nobody: its housing line ("N housed, M waitlisted") would count the riders from departure
    points as waitlisted today; it says where the day's riders ride from instead. The loader's
    warnings on the day's scenario as `day_warnings` has them."""
    if say is None:
        return None
    instead = warnings or {}
    beds = sum(1 for w in demand.riders if w.pinned_foresteria)
    elsewhere = sum(1 for w in demand.riders if w.pickup_id in foresterie)  # booked from there
    points = len(demand.riders) - beds - elsewhere
    tr = cli_lang()
    line = (
        tr.ngettext(
            "riders: {n} from their foresteria", "riders: {n} from their foresteria", beds
        ).format(n=beds)
        + ", "
        + tr.ngettext("{n} from a departure point", "{n} from departure points", points).format(
            n=points
        )
        + (", " + tr._("{n} from another foresteria").format(n=elsewhere) if elsewhere else "")
        + " "
        + tr._("(a day run places nobody: beds as the run it is made from gave them)")
    )

    def said(text: str) -> None:
        text = line if text.startswith("housing: ") else instead.get(text, text)
        if text:
            say(text)

    return said


def run_day(
    season_run: Path,
    ledger: Ledger,
    d: date,
    out: Path | None = None,
    force: bool = False,
    say: Callable[[str], None] | None = None,
    report: Callable[[Path], None] | None = None,
    heat: bool | None = None,
) -> DayResult:
    """Plan day d from the ledger; publish a verified day run; record it in the ledger.
    `heat`: the ordinance's heat alert declared for d (True) or lifted (False), recorded in
    the ledger with the day plan; None: as the ledger or the season says (`heat_alert`)."""
    t0 = time.monotonic()
    season = open_season(season_run, ledger, d)
    target = out or day_run_path(season_run, d)
    check_apart(target, season_run, "the season run")  # --force would delete it
    check_target(target, force)  # refused before anything is said (one line, exit 2)
    events, head_seq, head_hash = ledger.snapshot()
    listed = d in season.scenario.config.transport.heat_alert_days
    hot, said_by = heat_alert(season, events, d, heat)
    season = with_heat_alert(season, d, hot)
    demand = day_demand(season, events, d)
    if not demand.riders:  # a Sunday every farm rests, a day before anyone arrived
        raise ScenarioError(
            [
                Problem(  # "--date: DAY: nobody rides" (was "--date: date:", review 20 R)
                    "--date",
                    None,
                    d.isoformat(),
                    "nobody rides (no one housed or booked has a workday"
                    + (" on a heat-alert day" if hot else "")
                    + "): no day to plan",
                )
            ]
        )
    if say is not None:
        if demand.not_back:  # first: the one thing to act on tonight (review 14, finding 6)
            say(not_back_line(demand.not_back, d - timedelta(days=1), FOLLOW_UP_FILE))
        if hot or said_by != "season":  # then the day's rule, as told or as the ledger says
            end = season.scenario.config.transport.heat_alert_shift_end
            say(
                f"heat alert on {d}: field work stops at {end} (from {said_by})"
                if hot
                else f"no heat alert on {d}, though the season lists it (from {said_by})"
                if listed
                else f"no heat alert on {d} (from {said_by})"
            )
        for line in booked_lines(demand, season.scenario):  # bookings for a farm not working
            say(line)
        for line in placement_lines(demand):  # bookings for a site to avoid (console only)
            say(line)
        for gid, ids in demand.with_group:  # expected with their group: driven as planned
            say(  # in the command line's language, as the intake's own line (review 20 T)
                "note: "
                + cli_lang()
                ._(
                    "{group}: {who} not checked in with the group: expected with it (planned "
                    "as the run has them); check"
                )
                .format(group=gid, who=", ".join(ids))
            )
        for c in demand.checkins:  # whose planned arrivals were counted as not arrived
            say(c.line(d - timedelta(days=1)))  # (those due on d itself are expected)
    prev_run = target.parent / (d - timedelta(days=1)).isoformat()  # day runs sit side by side
    if not _day_run_of(prev_run, season.manifest_sha256) or fully_purged(prev_run):
        prev_run = target.parent / ".no-previous-day"  # a purged one names no rider any more
    # when each vehicle's driver finished the day before: the day's sheets and this command
    # say a rest under 11 h (review 17, finding 12)
    previous = previous_day(season_run, prev_run, d)
    if prev_run.is_dir():  # read first (a damaged cell says more), then: as it was made
        check_sealed(prev_run, ("plan",))
    timings = {"ledger_and_demand_s": time.monotonic() - t0}
    t1 = time.monotonic()
    record: dict[str, Any] = {
        "date": d.isoformat(),
        # the run's folder name, not its path: a path tells the office machine's layout (often
        # a user name) in a published record (review 17); the hash below is what binds it
        "season_run": season_run.resolve().name,
        "season_run_manifest_sha256": season.manifest_sha256,
        "ledger": {"rows": head_seq, "head": head_hash},
        "riders": len(demand.riders),
        "heat_alert": {"day": hot, "from": said_by, "in_season_list": listed},
        "demand": dict(sorted(demand.counts.items())),
        "checkins_by_site": {c.site: c.record() for c in demand.checkins},
        "vehicles_out_of_service": demand.broken,
        "farms_working_a_day_off": demand.extra_workday,  # a crew booked (`booked_lines`)
        "farms_working_a_closed_day": demand.reopened_farms,  # the farm booked its crew
        "follow_up_no_shows": len(demand.follow_up),
        "recorded_previous_day": recorded(events, d - timedelta(days=1)),
    }

    rests: dict[str, tuple[str, int]] = {}
    swaps: dict[str, str] = {}  # vehicle -> the rested one given its trips (`rested_vehicles`)

    def records(tmp: Path) -> dict[str, str]:
        """day.json, from the plan files just written: hashed by the manifest (verify)."""
        timings["solve_s"] = time.monotonic() - t1
        season_legs = rider_legs(season_run, d)
        day_legs = rider_legs(tmp, d)
        record["stability_vs_season"] = stability(season_legs, day_legs)
        record["vehicles_used"] = _vehicles_of(day_legs)  # each plan's riders.csv read once
        record["vehicles_used_season_plan"] = _vehicles_of(season_legs)
        tz = season.scenario.config.scenario.timezone
        rests.update(short_rests(previous, tmp / "plan", d, tz))
        # vehicle -> minutes of rest, under 11 h since its last return the day before (from
        # the previous day run, else the season plan: `rest_before_day_from`)
        record["short_rests"] = {v: m for v, (_, m) in sorted(rests.items())}
        record["rest_before_day_from"] = previous.source if previous.spans else None
        record["rested_vehicles"] = dict(sorted(swaps.items()))
        if (prev_run / "manifest.json").is_file():
            prev = rider_legs(prev_run, d - timedelta(days=1))
            record["stability_vs_previous_day"] = stability(prev, day_legs)
        record["timings_s"] = {k: round(v, 3) for k, v in timings.items()}
        return {"day.json": dumps_json(record)}

    def publish_hook(tmp: Path) -> None:
        # a report process writes the report meanwhile (it reads neither day.json nor follow_up.csv)
        early = report if isinstance(report, ReportInBackground) else None
        if early is not None:
            early.start(tmp)
        try:
            write_text(tmp / "report" / "follow_up.csv", follow_up_csv(demand))
        except BaseException:  # stopped before the run folder is removed: nothing half-written
            if early is not None:
                early.close()
            raise
        if early is not None:
            early.wait()
        elif report is not None:
            report(tmp)

    made = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with scenario_folder(target) as tmp_s:
            scenario_dir = Path(tmp_s) / "scenario"
            swaps.update(write_day_scenario(season, demand, scenario_dir, previous))
            loaded: list[Scenario] = []
            validated(DAY_RUNS, lambda: loaded.append(load_scenario(scenario_dir)))
            warned = day_warnings(season.scenario, loaded[0], scenario_dir)
            with own_scenario(DAY_RUNS, season.scenario.foresterie, _held(demand), DAY_TODO):
                summary = solve(
                    scenario_dir,
                    target,
                    force,
                    say=_day_say(say, demand, season.season.foresterie, warned),
                    report=publish_hook,
                    records=records,
                    restricted=day_referrals(season, demand),
                )
    except BaseException:
        for p in made:  # deepest first: a failed day run leaves no empty RUN.days/ behind
            with contextlib.suppress(OSError):
                p.rmdir()
        raise
    if say is not None and swaps:
        say(
            f"driver's rest: the season plan's trips of {d} of "
            + ", ".join(f"{v} go to {u}" for v, u in sorted(swaps.items()))
            + f" (back late on {previous.day}: under 11 h of rest before them)"
        )
    if say is not None and rests:
        say(short_rests_line(rests, previous, d))
    declared = []  # the declaration, with the plan it made (nothing if the day run failed)
    if heat is not None:
        note = HEAT_DECLARED if heat else HEAT_LIFTED
        declared.append(
            Event(kind="heat_alert", day=d, note=note, source=f"foresterie day {said_by}")
        )
    ledger.append(
        [
            *declared,
            Event(
                kind="day_plan",
                day=d,
                note=file_sha256(target / "manifest.json"),
                source="foresterie day",
            ),
        ]
    )
    return DayResult(summary=summary, record=record)
