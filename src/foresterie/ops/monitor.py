"""`foresterie monitor RUN`: the season week by week, plan against actual (README "Monitoring").

"Plan" is what the season run planned for each day; "actual" is what the ledger and the day runs
say happened: check-ins move who slept where (the same presence rule as `foresterie day`),
the drivers' boarding lists say who rode and who did not show, and a published day run replaces
the season plan's trips, costs, waits and unserved worker-days of its day. Where nothing was
recorded for a day, its actual is the plan's, and the `source` column says so.

Every figure is a count, a sum or a ratio of counts: no worker id leaves this module. Cells of
fewer than `MIN_CELL` people in a breakdown (by site, section, reason, ...) are published as
"<5"; totals are kept. `verify.py` recomputes every row from the same inputs, independently.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal, get_args

from foresterie import __version__
from foresterie.core.cells import COMPLEMENTARY, MIN_CELL, SUPPRESSED, protect, small, starred
from foresterie.core.errors import Problem, ScenarioError
from foresterie.core.files import (
    CsvRow,
    csv_text,
    dumps_json,
    file_sha256,
    json_at,
    read_csv,
    read_json,
    write_text,
)
from foresterie.core.i18n import cli_lang
from foresterie.core.runfolder import check_sealed
from foresterie.housing.waitlist import PublicCode
from foresterie.ops.day import SeasonRun, load_season_run, recording, seen_aboard, with_group
from foresterie.ops.ledger import Event, Ledger, is_url
from foresterie.ops.retention import day_runs_in, fully_purged
from foresterie.run.folders import atomic_dir, check_apart
from foresterie.scenario.model import SECTIONS, Worker
from foresterie.shuttles.routes import UnservedCode

PARTITIONS = frozenset({"site", "section", "reason"})  # breakdowns that sum to the total
# Published as plan figures only (README "Monitoring"): the actual moves with each office's own
# check-ins, so beside the plan, the total or the last publication it would tell the office
# which of the people it did not check in is referred.
PLAN_ONLY = frozenset({("taken_in", "referred")})
TOTAL = "season"  # the week label of the season totals

Unit = Literal[
    "people",
    "person-nights",
    "bed-nights",
    "pct",
    "worker-days",
    "rider-minutes",
    "minutes",
    "eur",
    "eur/worker-day",
]
# Indicators that count people (or their nights or worker-days): small cells are suppressed.
PEOPLE: frozenset[str] = frozenset(
    {"taken_in", "turned_away", "overflow", "bed_nights", "worker_days", "unserved", "no_shows"}
)
# indicator -> (unit, family): the family is the workbook sheet and the report section.
INDICATORS: dict[str, tuple[Unit, str]] = {
    "taken_in": ("people", "housing"),
    "turned_away": ("people", "housing"),
    "overflow": ("person-nights", "housing"),
    "bed_nights": ("bed-nights", "housing"),
    "bed_capacity": ("bed-nights", "housing"),
    "occupancy": ("pct", "housing"),
    "worker_days": ("worker-days", "transport"),
    "unserved": ("worker-days", "transport"),
    "no_shows": ("worker-days", "transport"),
    "no_show_rate": ("pct", "transport"),
    "wait_on_board": ("rider-minutes", "transport"),
    "wait_on_board_mean": ("minutes", "transport"),
    "cost": ("eur", "costs"),
    "cost_per_worker_day": ("eur/worker-day", "costs"),
    "caporale_fees_avoided": ("eur", "costs"),
}
# Per-unit figures: indicator -> (numerator, denominator), both sums of the same week.
RATIOS = {
    "wait_on_board_mean": ("wait_on_board", "_wait_trips"),  # minutes aboard per rider-trip
    "cost_per_worker_day": ("cost", "worker_days"),
}
CSV_HEADER = ["week", "indicator", "breakdown", "plan", "actual", "unit", "source"]
DAYS_HEADER = ["day", "week", "housing_source", "transport_source", "day_run_manifest_sha256"]

Value = int | float | None


@dataclass(frozen=True, kw_only=True)
class Figure:
    """One row of monitor.csv before suppression."""

    week: str
    indicator: str
    breakdown: str
    plan: Value
    actual: Value
    unit: Unit
    source: str


@dataclass(frozen=True, kw_only=True)
class DayRun:
    day: date
    path: Path
    manifest_sha256: str


@dataclass(kw_only=True)
class _Transport:
    """One day's shuttles as a plan (season or day run) gives them."""

    worker_days: int = 0
    unserved: Counter[str] = field(default_factory=Counter)  # code -> worker-days
    wait_rider_min: int = 0
    wait_rider_trips: int = 0
    cost_eur: float = 0.0
    # vehicle -> riders of its morning trips, and who they are (riders.csv): a vehicle whose
    # boarding list of the day is imported counts the list's riders instead (`rode`)
    riders_by_vehicle: Counter[str] = field(default_factory=Counter)
    named_by_vehicle: dict[str, list[str]] = field(default_factory=dict)


@dataclass(kw_only=True)
class Monitor:
    figures: list[Figure]
    days: list[list[str]]  # days.csv rows
    inputs: dict[str, Any]  # what was read, with hashes (the manifest's `inputs`)


def iso_week(d: date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


# ------------------------------------------------------------------ reading plans and day runs


def _csv_rows(path: Path, *columns: str) -> list[CsvRow]:
    """A plan file's rows, read as untrusted input (a damaged one: file, row, field; exit 2)."""
    return read_csv(path, columns)


def transport_days(run: Path, fleet: dict[str, tuple[float, float]]) -> dict[date, _Transport]:
    """Per day of a run folder's plan: worker-days on morning trips, unserved worker-days by
    code, riders' waits aboard at stops (stops.csv `idle_min`), cost (fixed per vehicle-day +
    km x EUR/km, `fleet`: vehicle -> (fixed, per km))."""
    plan = run / "plan"
    out: dict[date, _Transport] = defaultdict(_Transport)
    trips = _csv_rows(plan / "trips.csv", "trip_id", "day", "direction", "vehicle_id", "riders")
    stops: dict[str, list[CsvRow]] = defaultdict(list)
    for s in _csv_rows(plan / "stops.csv", "trip_id", "seq", "idle_min", "board", "alight"):
        stops[s["trip_id"]].append(s)
    named: dict[str, list[str]] = defaultdict(list)
    for r in _csv_rows(plan / "riders.csv", "trip_id", "worker_id"):
        named[r["trip_id"]].append(r["worker_id"])
    vehicle_days: set[tuple[date, str]] = set()
    for t in trips:
        d = t.day("day")
        day = out[d]
        if t["direction"] == "to_farm":
            day.worker_days += t.whole("riders")
            day.riders_by_vehicle[t["vehicle_id"]] += t.whole("riders")
            day.named_by_vehicle.setdefault(t["vehicle_id"], []).extend(named[t["trip_id"]])
        if t["vehicle_id"]:
            if t["vehicle_id"] not in fleet:
                raise ScenarioError(
                    [Problem(t.file, t.row, "vehicle_id", f"{t['vehicle_id'][:40]!r} is unknown")]
                )
            vehicle_days.add((d, t["vehicle_id"]))
            day.cost_eur += t.number("km") * fleet[t["vehicle_id"]][1]
        ss = sorted(stops[t["trip_id"]], key=lambda s: s.whole("seq"))
        idle = [s.whole("idle_min") for s in ss]
        for j, s in enumerate(ss):
            n = s.whole("board") + s.whole("alight")
            aboard = sum(idle[: j + 1]) if t["direction"] == "to_farm" else sum(idle[j + 1 :])
            day.wait_rider_min += n * aboard
            day.wait_rider_trips += n
    for d, v in vehicle_days:
        out[d].cost_eur += fleet[v][0]
    for u in _csv_rows(plan / "unserved.csv", "day", "code", "worker_days"):
        out[u.day("day")].unserved[u["code"]] += u.whole("worker_days")
    return out


def find_day_runs(
    season: SeasonRun,
    events: list[Event],
    folders: Iterable[Path],
    superseded: list[DayRun] | None = None,
) -> tuple[dict[date, DayRun], list[str]]:
    """The day run of each day: the latest `day_plan` row of that day, if its run folder is
    found among `folders` (day run folders, or folders of them) with that manifest hash. Notes
    for days whose latest day plan was not found: an earlier day run of that day, found, is
    never used in its place (a later day run of the same day superseded it: what was driven
    is the later one, review 17); such day runs are appended to `superseded`, with those a
    found later one superseded."""
    recorded: dict[date, list[str]] = defaultdict(list)
    for ev in events:
        if ev.kind == "day_plan":
            recorded[ev.day].append(ev.note)
    found: dict[str, Path] = {}
    for c in day_runs_in(folders, season.manifest_sha256):
        found.setdefault(file_sha256(c / "manifest.json"), c.resolve())
    out: dict[date, DayRun] = {}
    missing = []
    for d, hashes in sorted(recorded.items()):
        latest = hashes[-1]
        if latest in found:
            check_sealed(found[latest], ("plan",))  # its figures are read: as it was made
            out[d] = DayRun(day=d, path=found[latest], manifest_sha256=latest)
        else:
            missing.append(d.isoformat())
        if superseded is not None:
            earlier = dict.fromkeys(h for h in hashes if h != latest and h in found)
            superseded += [DayRun(day=d, path=found[h], manifest_sha256=h) for h in earlier]
    return out, missing


SUPERSEDED_SAID = 5  # days said one by one; the others in one line with their count


def superseded_lines(inputs: dict[str, Any]) -> list[str]:
    """What `monitor` says of the days that have several day runs (review 17): per day, the
    day run it read (or that the latest was not found) and the superseded ones it skipped, one
    line each; beyond SUPERSEDED_SAID days, one line with the others' count."""
    skipped: dict[str, list[str]] = defaultdict(list)
    for r in inputs.get("day_runs_superseded", []):
        skipped[r["day"]].append(r["path"])
    used = {r["day"]: r["path"] for r in inputs["day_runs"]}
    tr = cli_lang()  # the command line's language, counts pluralised (review 18, L5)
    lines = []
    days = sorted(skipped)
    for d in days[:SUPERSEDED_SAID]:
        if d in used:
            lines.append(
                "note: "
                + tr._("{day}: read the day run {run}, the day's latest day plan").format(
                    day=d, run=used[d]
                )
            )
        else:
            lines.append(
                "note: "
                + tr._(
                    "{day}: the day's latest day plan was not found (give its folder with "
                    "--days): the season plan read for that day"
                ).format(day=d)
            )
        n = len(skipped[d])
        lines.append(
            "note: "
            + tr.ngettext(
                "{day}: skipped {n} earlier day run a later one superseded: {runs}",
                "{day}: skipped {n} earlier day runs a later one superseded: {runs}",
                n,
            ).format(day=d, n=n, runs=", ".join(skipped[d]))
        )
    if len(days) > SUPERSEDED_SAID:
        rest = days[SUPERSEDED_SAID:]
        runs = sum(len(skipped[d]) for d in rest)
        lines.append(
            "note: "
            + tr.ngettext(
                "and {n} more day ({first} to {last}) where {runs} superseded day runs were "
                "skipped, the latest day run read (manifest.json: day_runs_superseded)",
                "and {n} more days ({first} to {last}) where {runs} superseded day runs were "
                "skipped, the latest day run read (manifest.json: day_runs_superseded)",
                len(rest),
            ).format(n=len(rest), first=rest[0], last=rest[-1], runs=runs)
        )
    return lines


def lists_off_day_run(season_run: Path, events: list[Event], new: Iterable[Event]) -> list[str]:
    """Warnings for `ledger import` (review 16, finding 6): a boarding list (`new`) of a day
    that has a day run (`events`' latest day plan found in RUN.days/) naming people that day
    run does not seat on that vehicle: likely the season plan's sheet. Not refused:
    who boarded is what the driver saw; the monitor counts each vehicle by its list."""
    names: dict[tuple[date, str], set[str]] = defaultdict(set)
    for ev in new:
        if ev.kind in ("boarding", "no_show") and ev.vehicle_id:
            names[ev.day, ev.vehicle_id].add(ev.worker_id)
    planned = {ev.day for ev in events if ev.kind == "day_plan"}
    if not any(d in planned for d, _ in names):  # no day run of those days: nothing to read
        return []
    folders = [season_run.parent / f"{season_run.name}.days"]
    runs, _ = find_day_runs(load_season_run(season_run), events, folders)
    out = []
    for (d, v), who in sorted(names.items()):
        if d not in runs:
            continue
        plan = runs[d].path / "plan"
        trips = {
            t["trip_id"]
            for t in _csv_rows(plan / "trips.csv", "trip_id", "vehicle_id")
            if t["vehicle_id"] == v and t.day("day") == d
        }
        seated = {
            r["worker_id"]
            for r in _csv_rows(plan / "riders.csv", "trip_id", "worker_id")
            if r["trip_id"] in trips
        }
        if off := sorted(who - seated):
            ids = ", ".join(off[:3]) + (", ..." if len(off) > 3 else "")
            out.append(
                "warning: "
                + cli_lang()
                .ngettext(
                    "the boarding list of {vehicle} on {day} names {n} person the day run "
                    "{run} does not seat on {vehicle} ({ids}): the season plan's sheet? The "
                    "monitor counts this vehicle by this list",
                    "the boarding list of {vehicle} on {day} names {n} people the day run "
                    "{run} does not seat on {vehicle} ({ids}): the season plan's sheet? The "
                    "monitor counts this vehicle by this list",
                    len(off),
                )
                .format(vehicle=v, day=d, n=len(off), run=runs[d].path, ids=ids)
            )
    return out


# ------------------------------------------------------------------ presence and beds


def _spans(
    run: Path, workers: Iterable[str], sites: Iterable[str]
) -> dict[str, list[tuple[str, date, date]]]:
    """worker -> [(foresteria, from, to)] of the season plan (nights from <= d < to); a row
    naming a worker or a foresteria the season does not know is named (exit 2)."""
    out: dict[str, list[tuple[str, date, date]]] = defaultdict(list)
    known = {"worker_id": set(workers), "foresteria_id": set(sites)}
    for a in _csv_rows(run / "plan" / "assignments.csv", "worker_id", "foresteria_id"):
        for col, ids in known.items():
            if a[col] not in ids:
                msg = f"{a[col][:40]!r} is not one of the season's"
                raise ScenarioError([Problem(a.file, a.row, col, msg)])
        out[a["worker_id"]].append((a["foresteria_id"], a.day("from"), a.day("to")))
    return out


def _bed(spans: list[tuple[str, date, date]], d: date) -> str | None:
    return next((f for f, a, b in spans if a <= d < b), None)


def at_their_point(w: Worker, d: date) -> bool:
    """On a night of their stay without a bed, someone with a departure point is where the plan
    has them: they board the shuttles there (`shuttles.routes.boarding_stays`), so they are not
    overflow that night, whatever shows them present (README "Monitoring", review 17 finding
    10); a night before their planned arrival is not one of them."""
    return bool(w.pickup_id) and w.arrival <= d < w.departure


def presence(
    season: SeasonRun, events: list[Event], days: list[date], as_of: date
) -> tuple[dict[str, set[date]], dict[str, date]]:
    """Nights each worker actually spent (was present), by `foresterie day`'s rule: the
    planned stay for people the plan houses (nobody else is expected); from the first day
    arrivals are recorded on at their foresteria (`ops.day.Recording`: a foresteria with no
    check-in keeps the plan's expectation), a planned arrival counts only with its check-in;
    the ledger's arrival, departure and absence rows move it, and a driver's boarding row stands
    for the arrival of someone no arrival row records by then (`ops.day.seen_aboard`, as day runs
    and intakes read it). Never past the planned departure (the ledger records no extensions).
    Arrivals planned after `as_of` (the ledger's last day) are expected as planned. Also the
    first day arrivals are recorded on, per foresteria of a first bed (the offices' own rows)."""
    rec = recording(season, events, as_of)
    events, _ = seen_aboard(season, events)  # after `recording`: a boarding records no site
    beds = set(season.assigned.values())
    moves: dict[str, list[Event]] = defaultdict(list)
    for ev in events:
        if ev.kind in ("arrival", "departure", "absent"):
            moves[ev.worker_id].append(ev)
    out: dict[str, set[date]] = defaultdict(set)
    workers = season.scenario.workers
    mine = {w.id: sorted(moves.get(w.id, []), key=lambda e: e.day) for w in workers}  # stable
    for d in days:
        here_of: dict[str, bool] = {}
        came: dict[str, date | None] = {}
        gone: dict[str, date] = {}
        for w in workers:
            bed = season.assigned.get(w.id)
            here = bed is not None and w.arrival <= d < w.departure
            if bed is not None and rec.needs_checkin(bed, w.arrival, min(d, as_of)):
                here = False
            came[w.id] = None
            for ev in mine[w.id]:
                if ev.day > d:
                    break
                here = ev.kind == "arrival"
                if here and came[w.id] is None:
                    came[w.id] = ev.day
            if bed is not None and not here and any(ev.day <= d for ev in mine[w.id]):
                gone[w.id] = d  # their last row a departure or an absence
            here_of[w.id] = here and bed is not None
        # a group is present as a whole (the intake's and the day runs' rule: review 20 R,
        # MEDIUM-2): a child is not registered at the desk apart from its parents
        with_group(workers, here_of, came, gone, d)
        for w in workers:
            if here_of[w.id] and d < w.departure and w.id in season.assigned:
                out[w.id].add(d)
    nights = {w.id: out[w.id] for w in workers if w.id in out}  # in the workers' order
    return nights, {f: day for f, day in sorted(rec.by_site.items()) if f in beds}


def unhoused_nights(
    season: SeasonRun, events: list[Event], housed: set[str], as_of: date
) -> dict[str, set[date]]:
    """Nights up to `as_of` that people the plan houses on no night (the waitlisted, a
    departure point's riders) are shown present (README "Monitoring", overflow): by the
    offices' arrival, departure and absence rows, and on each day a boarding row has them (or,
    for a dependant, one of their group) aboard, within their stay. A boarding stands for that
    day only, not for the nights after it, and nothing after `as_of` comes from the ledger."""
    members: dict[str, list[str]] = defaultdict(list)
    for w in season.scenario.workers:
        if w.group_id:
            members[w.group_id].append(w.id)
    moves: dict[str, list[Event]] = defaultdict(list)
    aboard: dict[str, set[date]] = defaultdict(set)
    for ev in events:
        if ev.kind in ("arrival", "departure", "absent"):
            moves[ev.worker_id].append(ev)
        elif ev.kind == "boarding":
            aboard[ev.worker_id].add(ev.day)
    out: dict[str, set[date]] = {}
    for w in season.scenario.workers:
        if w.id in housed:
            continue
        whose = [w.id] if w.rides else members[w.group_id] if w.group_id else []
        nights = {d for x in whose for d in aboard.get(x, ()) if w.arrival <= d < w.departure}
        mine = sorted(moves.get(w.id, []), key=lambda e: e.day)  # stable: ledger order
        here, k = False, 0
        d = min([w.arrival, *(e.day for e in mine[:1])])
        while d <= as_of and d < w.departure:  # the offices' rows, as `presence` reads them
            while k < len(mine) and mine[k].day <= d:
                here, k = mine[k].kind == "arrival", k + 1
            if here:
                nights.add(d)
            d += timedelta(days=1)
        nights = {d for d in nights if d <= as_of}
        if nights:
            out[w.id] = nights
    return out


# ------------------------------------------------------------------ the figures


class _Acc:
    """Sums per (week, indicator, breakdown) for plan and actual, and the days' sources."""

    def __init__(self) -> None:
        self.plan: dict[tuple[str, str, str], float] = defaultdict(float)
        self.actual: dict[tuple[str, str, str], float] = defaultdict(float)
        self.sources: dict[tuple[str, str], set[str]] = defaultdict(set)

    def add(self, week: str, ind: str, br: str, plan: float, actual: float) -> None:
        for wk in (week, TOTAL):
            self.plan[wk, ind, br] += plan
            self.actual[wk, ind, br] += actual

    def source(self, week: str, family: str, src: str) -> None:
        for wk in (week, TOTAL):
            self.sources[wk, family].add(src)

    def src(self, week: str, family: str) -> str:
        have = self.sources.get((week, family), set())
        return "+".join(s for s in ("ledger", "day_run", "plan") if s in have) or "plan"


def _rode(
    trips: _Transport, lists: dict[str, dict[str, bool]], trips_src: str
) -> tuple[int, list[str]]:
    """A day's worker-days transported, vehicle by vehicle (README "Monitoring"): the people a
    vehicle's imported list of the way out has aboard; for a vehicle without one, the riders
    of its morning trips (`trips`: the day run's, else the plan's), less those of them that a
    list has aboard another vehicle (counted once). With the sources the figure rests on."""
    aboard = {w for rows in lists.values() for w, yes in rows.items() if yes}
    listed = {v for v in lists if v}  # a scan naming no vehicle stands for no vehicle's list
    rest = [v for v, n in trips.riders_by_vehicle.items() if v not in listed and n]
    rode = len(aboard) + sum(
        trips.riders_by_vehicle[v]
        - sum(1 for w in trips.named_by_vehicle.get(v, ()) if w in aboard)
        for v in rest
    )
    srcs = (["ledger"] if lists else []) + ([trips_src] if rest or not lists else [])
    return rode, srcs


def _ratio(num: float, den: float, scale: float = 1.0) -> float | None:
    return round(scale * num / den, 2) if den else None


# What happened on the day a row names (the offices' and drivers' records). Bookings,
# cancellations, heat alerts and day plans name days ahead, a file import the latest of its
# rows' days, a move request the day asked for: none of them says a day was lived (review 19 R,
# MEDIUM-2: one booking for 18 July read 15-18 July as lived, people due then "not taken in").
FACTS = frozenset(
    {"arrival", "departure", "absent", "boarding", "no_show", "breakdown", "late_return"}
)


def last_day(events: list[Event]) -> date | None:
    """The ledger's last day: the latest day of a fact recorded (FACTS), what is known up to."""
    return max((ev.day for ev in events if ev.kind in FACTS), default=None)


def compute(
    season_run: Path, ledger: Ledger, day_folders: Iterable[Path], as_of: date | None = None
) -> Monitor:
    """Every figure of the monitor, plan against actual, by ISO week and for the season, with
    what the ledger records up to `as_of` (default: its last day); after it, the plan's."""
    season = load_season_run(season_run)
    sc = season.scenario
    events, seq, head = ledger.snapshot()  # rows and head from one read (offices append)
    start, end = sc.config.scenario.season_start, sc.config.scenario.season_end
    cut = closed_before(events)
    if cut is not None:
        _check_purges_covered(season_run, cut, end)
    given = as_of is not None
    as_of = as_of or last_day(events) or start - timedelta(days=1)
    events = [ev for ev in events if ev.day <= as_of]  # what was known on that day
    days = [start + timedelta(days=k) for k in range((end - start).days + 1)]
    weeks = sorted({iso_week(d) for d in days})
    workers = {w.id: w for w in sc.workers}
    fleet = {v.id: (v.fixed_cost_eur_per_day, v.cost_eur_per_km) for v in sc.fleet}
    sites = [f.id for f in sc.foresterie]
    sections = [s.value for s in SECTIONS]
    spans = _spans(season_run, workers, sites)
    superseded: list[DayRun] = []
    day_runs, missing = find_day_runs(season, events, day_folders, superseded)
    if cut is not None:  # purged whole before the cut: their days are in closed weeks
        day_runs = {d: r for d, r in day_runs.items() if d >= cut}
        missing = [d for d in missing if d >= cut.isoformat()]
        superseded = [r for r in superseded if r.day >= cut]
    plan_tr = transport_days(season_run, fleet)
    day_tr = {d: transport_days(r.path, fleet).get(d, _Transport()) for d, r in day_runs.items()}
    here, recording_from = presence(season, events, days, as_of)
    first_beds = sorted(set(season.assigned.values()))  # the sites whose offices record arrivals
    acc = _Acc()

    # people taken in: their first night in a bed, at that foresteria
    def first_nights(nights: dict[str, list[tuple[date, str]]]) -> dict[str, tuple[date, str]]:
        return {w: min(ns) for w, ns in nights.items() if ns}

    plan_nights: dict[str, list[tuple[date, str]]] = defaultdict(list)
    actual_nights: dict[str, list[tuple[date, str]]] = defaultdict(list)
    overflow_actual: Counter[date] = Counter()
    overflow_plan: Counter[date] = Counter()
    for wid, sp in spans.items():
        w = workers[wid]
        for d in days:
            f = _bed(sp, d)
            if f is not None:
                plan_nights[wid].append((d, f))
            elif w.arrival <= d < w.departure and not w.pickup_id:
                overflow_plan[d] += 1  # housed for part of the stay: a night without a bed
    for wid, nights in here.items():
        if wid not in spans:  # never housed: `unhoused_nights` below
            continue
        for d in sorted(nights):
            f = _bed(spans[wid], d)
            if f is not None:
                actual_nights[wid].append((d, f))
            elif not at_their_point(workers[wid], d):
                overflow_actual[d] += 1
    for wid, nights in unhoused_nights(season, events, set(spans), as_of).items():
        nights = {d for d in nights if not at_their_point(workers[wid], d)}
        overflow_actual.update(nights)
        for d in nights:  # the ledger's: the overflow's source says so
            acc.source(iso_week(d), "overflow", "ledger")
    people_breakdowns = (
        [""] + [f"site:{s}" for s in sites] + [f"section:{s}" for s in sections]
    ) + ["contract", "referred"]
    for wk in [*weeks, TOTAL]:
        for br in people_breakdowns:
            acc.add(wk, "taken_in", br, 0, 0)
    for which, firsts in (
        ("plan", first_nights(plan_nights)),
        ("actual", first_nights(actual_nights)),
    ):
        for wid, (d, f) in firsts.items():
            w = workers[wid]
            brs = ["", f"site:{f}", f"section:{w.section.value}"]
            brs += ["contract"] if w.contract else []
            brs += ["referred"] if w.priority == 3 and which == "plan" else []  # PLAN_ONLY
            for br in brs:
                acc.add(
                    iso_week(d),
                    "taken_in",
                    br,
                    1 if which == "plan" else 0,
                    1 if which == "actual" else 0,
                )
    # turned away: the plan's waitlist by reason, in the week of the requested arrival
    waitlist = _csv_rows(season_run / "plan" / "waitlist.csv", "worker_id", "code")
    # every code a plan publishes, zero or not: the table keeps its rows week to week and after
    # a purge (a season run from before the published codes adds its own)
    reasons = sorted(set(get_args(PublicCode)) | {r["code"] for r in waitlist})
    for wk in [*weeks, TOTAL]:
        for br in ["", *(f"reason:{c}" for c in reasons)]:
            acc.add(wk, "turned_away", br, 0, 0)
    for r in waitlist:
        if r["worker_id"] not in workers:
            msg = f"{r['worker_id'][:40]!r} is not a worker of the season"
            raise ScenarioError([Problem(r.file, r.row, "worker_id", msg)])
        wk = iso_week(min(max(workers[r["worker_id"]].arrival, start), end))
        for br in ("", f"reason:{r['code']}"):
            acc.add(wk, "turned_away", br, 1, 1)
    # beds, night by night
    beds = {f.id: f for f in sc.foresterie}
    used_plan: Counter[tuple[date, str]] = Counter(
        (d, f) for ns in plan_nights.values() for d, f in ns
    )
    used_actual: Counter[tuple[date, str]] = Counter(
        (d, f) for ns in actual_nights.values() for d, f in ns
    )
    codes = sorted(
        set(get_args(UnservedCode))
        | {c for t in plan_tr.values() for c in t.unserved}
        | {c for t in day_tr.values() for c in t.unserved}
    )
    boarded: dict[date, dict[str, bool]] = defaultdict(dict)
    for ev in events:
        if ev.kind in ("boarding", "no_show"):
            shown = boarded[ev.day].get(ev.worker_id, False)
            boarded[ev.day][ev.worker_id] = shown or ev.kind == "boarding"
    # the lists of the way out (a row without a leg: the vehicle's list of the day), vehicle by
    # vehicle; a QR scan naming no vehicle is kept under "" (its person counted, no vehicle's)
    out_lists: dict[date, dict[str, dict[str, bool]]] = defaultdict(lambda: defaultdict(dict))
    for ev in events:
        if ev.kind in ("boarding", "no_show") and ev.leg in ("out", ""):
            mine = out_lists[ev.day][ev.vehicle_id]
            mine[ev.worker_id] = mine.get(ev.worker_id, False) or ev.kind == "boarding"
    fee_lo, fee_hi = sc.config.transport.caporale_fee_eur
    days_rows = []
    for d in days:
        wk = iso_week(d)
        # the check-ins of the foresterie recording arrivals by d; the plan's for the others
        recorded = {f for f, since in recording_from.items() if since <= d <= as_of}
        housing_src = "+".join(
            s
            for s, there in (("ledger", recorded), ("plan", set(first_beds) - recorded))
            if there or (s == "plan" and not first_beds)
        )
        for part in housing_src.split("+"):
            acc.source(wk, "housing", part)
            acc.source(wk, "overflow", part)
        acc.add(wk, "overflow", "", overflow_plan[d], overflow_actual[d])
        for fid in ["", *sites]:
            keys = sites if fid == "" else [fid]
            br = f"site:{fid}" if fid else ""
            cap = sum(beds[k].beds_total for k in keys if beds[k].open_from <= d <= beds[k].open_to)
            acc.add(wk, "bed_capacity", br, cap, cap)
            acc.add(
                wk,
                "bed_nights",
                br,
                sum(used_plan[d, k] for k in keys),
                sum(used_actual[d, k] for k in keys),
            )
        p = plan_tr.get(d, _Transport())
        run = day_runs.get(d)
        a = day_tr[d] if run is not None else p
        trips_src = "day_run" if run is not None else "plan"
        lists = boarded.get(d)
        rode, rode_srcs = _rode(a, out_lists.get(d, {}), trips_src)
        acc.source(wk, "transport", trips_src)
        for rode_src in rode_srcs:
            acc.source(wk, "transport", rode_src)
        acc.add(wk, "worker_days", "", p.worker_days, rode)
        for br in ["", *(f"reason:{c}" for c in codes)]:
            acc.add(
                wk,
                "unserved",
                br,
                sum(p.unserved.values()) if not br else p.unserved[br[7:]],
                sum(a.unserved.values()) if not br else a.unserved[br[7:]],
            )
        no_shows = sum(1 for s in lists.values() if not s) if lists else 0
        acc.add(wk, "no_shows", "", 0, no_shows)
        acc.add(wk, "_listed", "", 0, len(lists) if lists else 0)
        acc.add(wk, "wait_on_board", "", p.wait_rider_min, a.wait_rider_min)
        acc.add(wk, "_wait_trips", "", p.wait_rider_trips, a.wait_rider_trips)
        acc.add(wk, "cost", "", p.cost_eur, a.cost_eur)
        acc.add(wk, "caporale_fees_avoided", "fee:low", fee_lo * p.worker_days, fee_lo * rode)
        acc.add(wk, "caporale_fees_avoided", "fee:high", fee_hi * p.worker_days, fee_hi * rode)
        days_rows.append(
            [
                d.isoformat(),
                wk,
                housing_src,
                "+".join(sorted({trips_src, *rode_srcs}, key=("ledger", "day_run", "plan").index)),
                run.manifest_sha256 if run else "",
            ]
        )
    figures = []
    if cut is not None:  # the weeks a purge closed, and the season's total, are not published
        weeks = [wk for wk in weeks if wk >= iso_week(cut)]
        days_rows = [r for r in days_rows if r[0] >= cut.isoformat()]
    for wk in [*weeks] + ([TOTAL] if cut is None else []):
        for ind, (unit, family) in INDICATORS.items():
            fam = "transport" if family == "costs" else family  # costs follow the trips
            fam = "overflow" if ind == "overflow" else fam  # also the never housed seen
            src = "plan" if ind in ("turned_away", "bed_capacity") else acc.src(wk, fam)
            for (w2, i2, br), pv in sorted(acc.plan.items()):
                if (w2, i2) != (wk, ind):
                    continue
                av = acc.actual[w2, i2, br]
                fig = _figure(wk, ind, br, unit, pv, av, src)
                if ind == "no_shows":  # the plan expects everyone it seats to ride
                    listed = acc.actual[wk, "_listed", ""]
                    fig = replace(fig, plan=None, source="ledger" if listed else "none")
                if (ind, br) in PLAN_ONLY:
                    fig = replace(fig, actual=None, source="plan")
                figures.append(fig)
            derived = _derived(acc, wk, ind, sites)
            for br, pv2, av2, src2 in derived:
                figures.append(
                    Figure(
                        week=wk,
                        indicator=ind,
                        breakdown=br,
                        plan=pv2,
                        actual=av2,
                        unit=unit,
                        source=src2 or src,
                    )
                )
    inputs = {
        "season_run": {
            "path": str(season_run.resolve()),
            "manifest_sha256": season.manifest_sha256,
        },
        # a file, or the URL as redacted in the label (no password is ever recorded)
        "ledger": {
            "path": ledger.label if is_url(ledger.label) else str(Path(ledger.label).resolve()),
            "rows": seq,
            "head": head,
        },
        "day_runs": [
            {"day": d.isoformat(), "path": str(r.path), "manifest_sha256": r.manifest_sha256}
            for d, r in sorted(day_runs.items())
        ],
        "day_plans_not_found": missing,
        # found, not read: a later day run of the same day superseded each (said by `monitor`)
        "day_runs_superseded": [
            {"day": r.day.isoformat(), "path": str(r.path), "manifest_sha256": r.manifest_sha256}
            for r in superseded
        ],
        "checkins_recorded_from": {f: since.isoformat() for f, since in recording_from.items()},
        "as_of": as_of.isoformat(),
        "as_of_given": given,
        "closed_before": cut.isoformat() if cut else None,
    }
    return Monitor(figures=figures, days=days_rows, inputs=inputs)


def closed_before(events: list[Event]) -> date | None:
    """The first day of the weeks a monitor can still recompute after retention purges (README
    "Retention"): a purge removes worker-level data dated before its day (the ledger's `purge`
    row), so the weeks before it can no longer be recomputed (the monitor published before the
    purge holds them); the first Monday on or after the latest purge's day opens the weeks
    whose data is whole. None: nothing was ever purged."""
    purged = [ev.day for ev in events if ev.kind == "purge"]
    return first_whole_week(max(purged)) if purged else None


def first_whole_week(purged_before: date) -> date:
    """The first Monday on or after a purge's day: the first week whose data the purge left
    whole."""
    return purged_before + timedelta(days=-purged_before.weekday() % 7)


def _check_purges_covered(season_run: Path, cut: date, end: date) -> None:
    """After a purge: the season must still have weeks to recompute (one line, exit 2)."""
    if cut > end:
        raise bad_input(
            str(season_run),
            f"purged for retention up to {cut - timedelta(days=1)}, after the season's end: no "
            "week can be recomputed; the monitor published before the purge holds the season",
        )


def _figure(wk: str, ind: str, br: str, unit: Unit, pv: float, av: float, src: str) -> Figure:
    """Euros to the cent; everything else summed here is a count."""

    def num(v: float) -> Value:
        return round(v, 2) if unit == "eur" else int(v)

    return Figure(
        week=wk, indicator=ind, breakdown=br, plan=num(pv), actual=num(av), unit=unit, source=src
    )


def _derived(acc: _Acc, wk: str, ind: str, sites: list[str]) -> list[tuple[str, Value, Value, str]]:
    """Ratios: occupancy (bed-nights used / available, %), no-show rate (no-shows / riders on
    the boarding lists, %), mean wait aboard per rider-trip, cost per worker-day."""
    P, A = acc.plan, acc.actual
    if ind == "occupancy":
        return [
            (
                br,
                _ratio(P[wk, "bed_nights", br], P[wk, "bed_capacity", br], 100),
                _ratio(A[wk, "bed_nights", br], A[wk, "bed_capacity", br], 100),
                "",
            )
            for br in ["", *(f"site:{s}" for s in sites)]
        ]
    if ind == "no_show_rate":
        listed = A[wk, "_listed", ""]
        return [
            ("", None, _ratio(A[wk, "no_shows", ""], listed, 100), "ledger" if listed else "none")
        ]
    if ind in RATIOS:
        num, den = RATIOS[ind]
        return [
            ("", _ratio(P[wk, num, ""], P[wk, den, ""]), _ratio(A[wk, num, ""], A[wk, den, ""]), "")
        ]
    return []


# ------------------------------------------------------------------ publishable cells


def cell(value: Value) -> str:
    """The published text of a value: counts as integers, the rest with 2 decimals, empty when
    not defined."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return f"{value:.2f}"


Cell = tuple[str, str, str, str]  # week, indicator, breakdown, "plan" | "actual"


def hidden_cells(figures: list[Figure]) -> dict[Cell, str]:
    """The cells not published, with what is shown instead (README "Monitoring"): "<5" for 1..4
    people (or their nights, worker-days) in a breakdown; then, so that no hidden cell can be
    worked out by subtraction, "*" for more cells: in every line that sums to a published
    figure (a week's or the season's sites, sections or reasons, summing to its total; a
    category's weeks, summing to its season figure) that hides exactly one cell, the smallest
    other cell (a non-zero one first; ties by week and breakdown) is hidden too, until no such
    line is left. Totals are always published, so a "<5" that the marks would still give away
    (a week's total of 1 beside a "<5" reason and hidden zeros: "*" is 0 or at least 5 to a
    reader who knows the rule) is shown "*" too (`core.cells.starred`)."""
    groups: dict[tuple[str, str, str], dict[tuple[str, str], int | float]] = defaultdict(dict)
    for f in figures:
        if f.breakdown and f.indicator in PEOPLE:
            kind = f.breakdown.partition(":")[0]
            for side, v in (("plan", f.plan), ("actual", f.actual)):
                if v is not None:
                    groups[f.indicator, kind, side][f.week, f.breakdown] = v
    out: dict[Cell, str] = {}
    for (ind, kind, side), cells in sorted(groups.items()):
        primary = {k for k, v in cells.items() if small(v)}
        lines: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        for week, br in sorted(cells):
            lines["category", br].append((week, br))
            if kind in PARTITIONS:
                lines["week", week].append((week, br))
        hidden = protect(cells, primary, [dict.fromkeys(ln, 1) for _, ln in sorted(lines.items())])
        # a "<5" the marks would give away is shown "*"; here the sums as they hold: a
        # category's weeks less its season figure are 0, a week's breakdowns its total
        sums = [
            {k: -1 if name == "category" and k[0] == TOTAL else 1 for k in ln}
            for (name, _), ln in sorted(lines.items())
        ]
        stars = starred(cells, hidden, sums)
        for week, br in hidden:
            shown = (week, br) in primary and (week, br) not in stars
            out[week, ind, br, side] = SUPPRESSED if shown else COMPLEMENTARY
    return out


def published(figures: list[Figure]) -> list[list[str]]:
    """monitor.csv rows, hidden cells replaced (`hidden_cells`), and a site's occupancy hidden
    with its bed-nights (the rate would give them back)."""
    hidden = hidden_cells(figures)
    out = []
    for f in figures:
        shown = []
        for side, v in (("plan", f.plan), ("actual", f.actual)):
            like = "bed_nights" if f.indicator == "occupancy" else f.indicator
            shown.append(hidden.get((f.week, like, f.breakdown, side)) or cell(v))
        out.append([f.week, f.indicator, f.breakdown, *shown, f.unit, f.source])
    return out


def monitor_csv(figures: list[Figure]) -> str:
    return csv_text(published(figures), CSV_HEADER)  # type: ignore[arg-type]


def days_csv(days: list[list[str]]) -> str:
    return csv_text(days, DAYS_HEADER)  # type: ignore[arg-type]


def bad_input(where: str, message: str) -> ScenarioError:
    return ScenarioError([Problem(where, None, "monitor", message)])


# ------------------------------------------------------------------ the command


def intake_note(run: Path) -> str | None:
    """For a monitor of an intake re-plan (README "Monitoring", review 16): a line saying what
    it reads and which monitor holds the weeks before it; None for a season run. intake.json is
    untrusted input: damaged, one line naming it (exit 2)."""
    if not (run / "intake.json").is_file():
        return None
    where = str(run / "intake.json")
    record = read_json(run, "intake.json", where)
    day = json_at(record, where, "date", str)
    season = json_at(record, where, "season_run", str)
    return (
        f"note: {run} is an intake re-plan as of {day[:10]}: this monitor takes its beds for "
        f"every week, the weeks before too, and reads only the day runs made from it: publish "
        f"the season run's monitor ({season[:200]}) for the weeks before the week of "
        f"{day[:10]}, this one for the weeks after it (that week is whole in neither: README "
        '"Monitoring")'
    )


def monitor_path(season_run: Path) -> Path:
    return season_run.parent / f"{season_run.name}.monitor"


def run_monitor(
    season_run: Path,
    ledger: Ledger,
    out: Path | None = None,
    day_folders: Iterable[Path] = (),
    force: bool = False,
    lang: str | None = None,
    report: Callable[[Path, dict[str, Any]], None] | None = None,
    as_of: date | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Compute the monitor and publish its folder atomically: monitor.csv, days.csv, what
    `report` writes (workbook, page; in `lang`, else the scenario's `[report] lang`), and
    manifest.json with the sha256 of every output and of
    every input read (season run manifest, ledger head, day run manifests)."""
    if not (season_run / "manifest.json").is_file():
        raise bad_input(str(season_run), "not a run folder (no manifest.json)")
    if fully_purged(season_run):
        raise bad_input(
            str(season_run),
            "purged for retention after the season's end: no week can be recomputed; the "
            "monitor published before the purge holds the season",
        )
    season = load_season_run(season_run)
    if not ledger.accepts(season.manifest_sha256):
        raise ScenarioError(
            [Problem(ledger.label, None, "season_run", f"is not the ledger of {season_run}")]
        )
    cfg = season.scenario.config.scenario
    if as_of is not None and not cfg.season_start <= as_of <= cfg.season_end:
        # no week of the season is read up to it: figures for nothing (review 17)
        raise ScenarioError(
            [
                Problem(
                    "--as-of",
                    None,
                    "date",
                    f"{as_of} is outside the season ({cfg.season_start} to {cfg.season_end})",
                )
            ]
        )
    target = out or monitor_path(season_run)
    folders = [season_run.parent / f"{season_run.name}.days", *day_folders]
    check_apart(target, season_run, "the season run")  # what --force would delete
    for f in folders:
        check_apart(target, f, "a folder of day runs read")
    mon = compute(season_run, ledger, folders, as_of)
    lang = lang or season.scenario.config.report.lang  # the scenario's, Italian by default
    meta = {
        "season": season.scenario.name,
        "run_sha256": season.manifest_sha256,
        "ledger_rows": mon.inputs["ledger"]["rows"],
        "ledger_head": mon.inputs["ledger"]["head"],
        "day_runs": len(mon.inputs["day_runs"]),
        "as_of": mon.inputs["as_of"],
        "closed_before": mon.inputs["closed_before"],
        "lang": lang,
    }
    with atomic_dir(target, force, "monitor") as tmp:
        write_text(tmp / "monitor.csv", monitor_csv(mon.figures))
        write_text(tmp / "days.csv", days_csv(mon.days))
        if report is not None:
            report(tmp, meta)
        outputs = {
            p.relative_to(tmp).as_posix(): file_sha256(p)
            for p in sorted(tmp.rglob("*"))
            if p.is_file()
        }
        manifest = {
            "kind": "monitor",
            "season": season.scenario.name,
            "inputs": mon.inputs,
            "outputs": outputs,
            "suppression": {
                "min_cell": MIN_CELL,
                "shown_as": SUPPRESSED,
                "complementary_shown_as": COMPLEMENTARY,
            },
            "lang": lang,
            "versions": {"foresterie": __version__},
        }
        write_text(tmp / "manifest.json", dumps_json(manifest))
    return target, manifest
