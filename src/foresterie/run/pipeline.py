"""scenario -> travel -> housing -> shuttles -> plan -> verify -> published run folder."""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from foresterie.core.files import (
    UnsafePath,
    csv_text,
    file_sha256,
    inside,
    read_csv,
    read_inside,
    read_json,
    unpublished,
    unreadable_reason,
    write_text,
)
from foresterie.core.i18n import preload
from foresterie.core.procs import Forked, lending, results, submit, worker_pool
from foresterie.core.restricted import KEYED, SALT, digest_matches, read_restricted
from foresterie.core.runfolder import (
    REPORT_HASHES,
    RUN_SCHEMA,
    RunFolderError,
    read_manifest,
    read_report_hashes,
    report_files,
    seal_report,
)
from foresterie.core.timeutil import DAILY_REST_MIN, rests_between_days
from foresterie.housing.release import WORKED_COLS, WORKED_DAYS, worked_days
from foresterie.housing.replan import (
    MOVE_COLS,
    MOVES,
    NO_SHOWS,
    PLACEMENT_COLS,
    PLACEMENTS,
    PRESENT,
    RESTART_COLS,
    RESTARTS,
    changes,
    check_sealed,
    read_moves,
    read_previous,
)
from foresterie.housing.tiers import HousingPlan
from foresterie.run.early import REFERENCE_TRIPS, Housed, Request, SnapshotDiffers, load_and_house
from foresterie.run.folders import (
    atomic_dir,
    check_apart,
    check_target,
    plan_hashes,
    restricted_files,
    snapshot_inputs,
    snapshot_restricted,
    versions,
    write_manifest,
)
from foresterie.run.kpi import plan_kpis
from foresterie.run.planfiles import (
    RESTRICTED_OUTPUTS,
    restricted_outputs,
    tier_records,
    write_housing,
    write_shuttles,
)
from foresterie.run.stability import stable_day_plan
from foresterie.scenario.load import RESTRICTED_PRIORITY, load_scenario, scenario_hash
from foresterie.scenario.model import Assignment, Scenario
from foresterie.shuttles.routes import ShuttlePlan, Trip, plan_shuttles
from foresterie.shuttles.unused import unused_bases
from foresterie.travel.matrix import (
    TravelMatrix,
    cache_dir,
    legs_geojson,
    road_legs,
    scenario_locations,
)
from foresterie.verify import verify_run

Say = Callable[[str], None]
Bar = Callable[[str, int, int], None]


@dataclass(kw_only=True)
class RunSummary:
    out: Path
    manifest: dict[str, Any]
    violations: list[str]


# A re-plan's list of the residents whose beds from the date are not those promised (README
# "Re-planning mid-season"): ids and places, as plan/assignments.csv has them.
REPLAN_CHANGES = "replan_changes.csv"
# A re-plan's inputs/: every day someone was left behind before its date (`left_behind_before`)
PREVIOUS_LEFT_BEHIND = "previous_left_behind.csv"
# unserved codes where nobody could ride (no choice of riders was made: the rotation skips them)
NO_CHOICE = ("no_vehicle", "ride_cap")
P = ParamSpec("P")
R = TypeVar("R")


def _frozen_while(fn: Callable[P, R]) -> Callable[P, R]:
    """`fn`, which may freeze what it holds (gc.freeze: out of the cyclic collector's reach),
    everything released to the collector when it returns or fails.

    Why: the season's scenario, matrix, housing and shuttle plan stay alive to the end of
    `solve`, and every full collection walked them again (the parent's 10 full collections
    cost 1.2 CPU s on puglia-2027, in the stretches where it works alone: naming riders,
    plan files, the report); a worker forked after a freeze skips them too."""

    @functools.wraps(fn)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        finally:
            gc.unfreeze()

    return wrapped


@_frozen_while
def solve(
    scenario_dir: Path,
    out: Path,
    force: bool = False,
    as_of: date | None = None,
    previous: Path | None = None,
    say: Say | None = None,
    bar: Bar | None = None,
    report: ReportHook | None = None,
    cache: Path | None = None,
    referrals: Path | None = None,
    restricted: dict[str, bytes] | None = None,
    records: Callable[[Path], dict[str, str]] | None = None,
    solved_hash: str | None = None,
    beside: Forked[Housed] | None = None,
) -> RunSummary:
    """Solve, write to a temporary folder, verify, then publish by rename (never half a run).
    `referrals` replaces [data] referrals; `restricted` is a run's restricted part, decrypted
    (replay reads priorities and referral records from it). `records` (a day run's, an intake
    run's): given the folder with its plan files written, the run's own records by name
    (day.json, intake.json), written beside the manifest, which hashes them (`records`).
    `solved_hash` (a replay's: the replayed run's `scenario.snapshot_hash`): the scenario read
    must have it, or nothing is solved (SnapshotDiffers). `beside`: the first part (load,
    travel, housing: run/early.py) already started in a child process by the caller, for these
    same arguments (`foresterie solve`); else it runs here."""
    say = say or (lambda _: None)
    check_apart(out, scenario_dir, "the scenario folder")
    check_apart(out, previous, "the previous run")
    check_target(out, force)  # after: "is or holds the scenario" says more than "not ours"
    req = Request(
        scenario_dir=scenario_dir,
        as_of=as_of,
        previous=previous,
        cache=cache,
        referrals=referrals,
        restricted=restricted,
        solved_hash=solved_hash,
    )
    behind: list[tuple[str, str]] | None = None  # a re-plan's: (day, worker) left behind before
    if as_of is not None and previous is not None:  # read (and refused) before planning
        behind = left_behind_before(previous, as_of)
    housed = beside.result() if beside is not None else load_and_house(req, say)
    if housed.request != req:
        raise ValueError("the first part (load, housing) was started for another solve")
    scenario, matrix, housing = housed.scenario, housed.matrix, housed.housing
    original_hash, far, timings = housed.original_hash, housed.far, dict(housed.timings)
    changed: list[list[str]] | None = None
    if as_of is not None and previous is not None:  # residents' promised beds that changed
        changed = changes(read_previous(previous), scenario, housing.assignments, as_of)
        if changed:
            ids = [c[0] for c in changed]
            more = f" and {len(ids) - 5} more" if len(ids) > 5 else ""
            say(
                f"warning: {len(ids)} {'person' if len(ids) == 1 else 'people'} arrived "
                f"before {as_of}: their beds from {as_of} are not those the previous run planned "
                f"(plan/{REPLAN_CHANGES}): {', '.join(ids[:5])}{more}"
            )
    gc.freeze()  # kept to the end (_frozen_while), as is what the shuttles add below
    say(
        f"housing: {len({a.worker_id for a in housing.assignments})} housed, {len(housing.waitlist)} waitlisted, "
        f"tiers optimal: {all(x.optimal for x in housing.tiers)}"
    )
    t = time.monotonic()
    ref_file, kept = scenario.root / REFERENCE_TRIPS, None
    if not ref_file.is_file() and as_of is None:  # a day run's or re-plan's bases are the
        # season's: said at the season's `solve` (review 19 R LOW-1, S)
        for problem in unused_bases(scenario, matrix):  # a depot no origin is given (unused.py)
            say(f"warning: {problem}")
    if ref_file.is_file():  # a day run: keep riders on the trips they were told (stability.py)
        shuttles, kept = stable_day_plan(
            scenario,
            matrix,
            housing.assignments,
            ref_file.read_text(encoding="utf-8"),
            scenario.config.solver.shuttle_processes,
        )
    else:
        riding, beds = shuttles_from(scenario, housing.assignments, as_of)
        before: dict[str, int] = defaultdict(int)  # the rotation from the days before as_of
        for _, w in behind or []:
            before[w] += 1
        shuttles = plan_shuttles(
            riding,
            matrix,
            beds,
            scenario.config.solver.shuttle_processes,
            bar,
            left_before=dict(before),
        )
    timings["shuttles_s"] = time.monotonic() - t
    gc.freeze()
    say(
        f"shuttles: {len(shuttles.trips)} trips, "
        f"{sum(u.riders for u in shuttles.unserved)} worker-days unserved (both legs)"
    )
    short_rest_warning(shuttles.trips, scenario.config.scenario.timezone, say)
    extra = {}
    if behind is not None:  # the rotation's start, as the verifier and a replay read it; in
        # every re-plan, its header alone when nobody was left behind: without the file the
        # verifier would read a file cut from the run as "nobody left behind before" (a re-plan
        # made before session 19 has none, and reads so, its replay identical)
        extra[PREVIOUS_LEFT_BEHIND] = csv_text([list(x) for x in behind], ["day", "worker_id"])
    if behind is not None and as_of is not None and (scenario.root / MOVES).is_file():
        moves = read_moves(scenario, as_of)  # an intake's moves, as read
        rows = [[w, m.foresteria_id, m.start.isoformat()] for w, m in sorted(moves.items())]
        extra[MOVES] = csv_text(rows, list(MOVE_COLS))
    worked = worked_days(scenario)  # an intake's bookings on closed days (housing/release.py)
    if worked:  # the release rule read them: the verifier reads them too
        rows = [[w, x.isoformat()] for w, x in sorted(worked)]
        extra[WORKED_DAYS] = csv_text(rows, list(WORKED_COLS))
    for name in (NO_SHOWS, PLACEMENTS, PRESENT):  # an intake's no-shows, placements and
        # people in the region (replan.py)
        if as_of is not None and (scenario.root / name).is_file():
            try:
                extra[name] = (scenario.root / name).read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:  # a replayed run's, crafted: one line
                raise RunFolderError(
                    str(scenario.root / name), None, "file", f"not UTF-8 (byte {exc.start})"
                ) from None
    if PLACEMENTS in extra:  # the people placed, not all those it tried: in a bed from then
        ends: dict[str, date] = {}  # worker -> the morning their last bed ends
        for a in housing.assignments:
            ends[a.worker_id] = max(a.departure, ends.get(a.worker_id, a.departure))
        placed = [
            [p["worker_id"], p["from"]]
            for p in read_csv(scenario.root / PLACEMENTS, PLACEMENT_COLS)
            if ends.get(p["worker_id"], date.min) > p.day("from")
        ]
        extra[PLACEMENTS] = csv_text(placed, list(PLACEMENT_COLS))
    if housing.restarted or behind is not None:  # whose stay rules began again on a
        # re-plan's date (replan.py); in every re-plan, as the days left behind above
        extra[RESTARTS] = csv_text(housing.restarted or [], list(RESTART_COLS))
    if kept is not None:
        extra[REFERENCE_TRIPS] = ref_file.read_text(encoding="utf-8")
    if matrix.backend == "osrm":  # road geometry of every leg driven, for maps and GPX
        t = time.monotonic()
        pairs = [
            (a, b) for tr in shuttles.trips for a, b in zip(tr.places, tr.places[1:], strict=False)
        ]
        legs = road_legs(
            scenario_locations(scenario), pairs, scenario.files["graph"], cache or cache_dir()
        )
        extra["legs.geojson"] = legs_geojson(legs)
        timings["road_geometry_s"] = time.monotonic() - t
    elif (scenario.root / "legs.geojson").is_file():  # a run snapshot replayed: keep its roads
        extra["legs.geojson"] = (scenario.root / "legs.geojson").read_text(encoding="utf-8")
    solved = _Solved(scenario=scenario, housing=housing, shuttles=shuttles, matrix=matrix)
    lend = report is not None and scenario.config.solver.shuttle_processes > 1
    with atomic_dir(out, force) as tmp, _pool_after(report, lend, solved) as pool:
        plan_dir = tmp / "plan"
        # The KPIs and housing's plan files in one of the pool's workers, the shuttles' plan
        # files in the other, while this process writes the inputs and reloads the snapshot.
        kpis_job = _beside(pool, _kpis_and_housing_files, plan_dir, solved)
        shuttles_job = _beside(pool, _shuttles_files, plan_dir, solved)
        inputs = tmp / "inputs"
        inputs.mkdir()
        input_hashes = snapshot_inputs(inputs, scenario, matrix, as_of, previous, extra)
        private = restricted_files(scenario, restricted)
        (tmp / "report").mkdir()  # maps, charts and driver sheets go here (README, "Run folders")
        snapshot_hash = scenario_hash(
            load_scenario(inputs, restricted={k: v.encode("utf-8") for k, v in private.items()})
        )
        kpis, sealed = kpis_job()  # sealed: the figures on priorities, referrals
        shuttles_job()
        if changed is not None:  # a re-plan's: every change to a resident's promised beds
            write_text(plan_dir / REPLAN_CHANGES, csv_text(changed, ["worker_id", "was", "now"]))
        restricted_hashes = snapshot_restricted(
            tmp / "restricted",
            private | restricted_outputs(housing, sealed, scenario, matrix),
            restricted,
        )
        record_hashes = {}
        for name, text in (records(tmp) if records is not None else {}).items():
            write_text(tmp / name, text)
            record_hashes[name] = file_sha256(tmp / name)
        cfg = scenario.config
        manifest = {
            "schema": RUN_SCHEMA,
            "scenario": {
                "name": scenario.name,
                "hash": original_hash,
                "snapshot_hash": snapshot_hash,
                "travel_backend": matrix.backend,
                # the restricted inputs the model read, by name (README "Restricted part and
                # encryption"): the published record that they exist, so a restricted part cut
                # of its referral records or draw key is told from a run that had none
                "restricted_inputs": sorted(private),
            },
            "travel": {
                "backend": matrix.backend,
                "graph_hash": matrix.graph_hash,
                "snap_warn_m": scenario.config.travel.snap_warn_m,
                "far_from_road": {pid: round(m, 1) for pid, m in far},
                "max_snap_m": round(max(matrix.snap_m, default=0.0), 1),
            },
            "replan": {
                "as_of": as_of.isoformat() if as_of else None,
                "moved_vs_previous": housing.moved,
                # a re-plan's: residents whose beds from the date differ (plan/replan_changes.csv)
                **({} if changed is None else {"residents_changed": len(changed)}),
            },
            "inputs": input_hashes,
            "restricted": restricted_hashes,
            "plan": plan_hashes(plan_dir),
            "versions": versions(),
            "seed": cfg.scenario.seed,
            "budgets": cfg.solver.model_dump(mode="json"),
            "timings_s": {k: round(v, 3) for k, v in timings.items()},
            "housing": {
                "tiers": [  # housing.json's records without `sense`
                    {k: v for k, v in t.items() if k != "sense"} for t in tier_records(housing)[0]
                ],
                "districts": housing.districts,
                "blocks": housing.blocks,
                "units": housing.units,
                # tiers the wall-clock safety net struck in: their plan depends on the load
                "safety_net_struck": housing.net_struck,
                # tiers whose restricted LP a count stopped before it was exact: not proven by it
                "lp_stopped": housing.lp_stopped,
            },
            "shuttles": {
                "engine": shuttles.engine,
                "day_problems": shuttles.day_problems,
                "route_searches": shuttles.route_searches,
                "chaining_optimal": all(f.optimal for f in shuttles.fleet_days),
                **({"stability": kept.record()} if kept is not None else {}),
            },
            "kpis": kpis,
            "report_hashes": REPORT_HASHES,  # report/'s files, hashed once it is written
            **({"records": record_hashes} if records is not None else {}),
        }
        write_manifest(tmp, manifest)
        violations, hook_sealed = _verify_while_reporting(tmp, report, pool, lend)
        if violations:
            raise PlanRejected(violations)
        if hook_sealed is not True:  # what the report hook wrote, whoever wrote it (none: empty)
            seal_report(tmp)
    return RunSummary(out=out, manifest=manifest, violations=[])


# The report hook: given the temporary run folder, writes report/. It answers True when the
# last thing it did was to seal report.json (write_report does: core/runfolder.seal_report), so
# that solve does not list and hash report/'s ~4,500 files a second time (0.4-0.5 CPU s on
# puglia-2027); any other answer (None: ops' hooks, which write follow_up.csv beside or after
# the report) and solve seals report/ as the hook left it.
ReportHook = Callable[[Path], object]


def shuttles_from(
    scenario: Scenario, assignments: list[Assignment], as_of: date | None
) -> tuple[Scenario, list[Assignment]]:
    """What the shuttles plan: the whole season, or for a re-plan (and an intake) the days from
    `as_of` only. The days before were driven as the previous run planned them (its trips and
    notices were handed out): re-planning them would publish trips nobody drove and season
    figures mixing a re-invented past with the future (review 17, finding 8). Every stay and bed
    is cut at `as_of` (those over before it left out); the verifier expects rides from
    `as_of` alike (manifest `replan.as_of`)."""
    if as_of is None:
        return scenario, assignments
    workers = tuple(
        replace(w, arrival=max(w.arrival, as_of)) for w in scenario.workers if w.departure > as_of
    )
    beds = [replace(a, arrival=max(a.arrival, as_of)) for a in assignments if a.departure > as_of]
    return replace(scenario, workers=workers), beds


def left_behind_before(previous: Path, as_of: date) -> list[tuple[str, str]]:
    """(day, worker), sorted, of every day before `as_of` someone was left behind when the seats
    were short (a choice of riders made: not `no_vehicle` or `ride_cap`): the previous run's
    plan/unserved.csv rows before the date and the days it carried itself (its
    inputs/previous_left_behind.csv: a re-plan's, whose shuttles start at its own date). A
    re-plan's rotation (shuttles/routes.py `_ride_order`) starts from them, so someone left
    behind in July is not the first left behind again in August. Both files as the previous
    run sealed them (its manifest's sha256), read as files a user may hand us (one line, exit
    2); a previous plan that seals no unserved.csv (a replay's rebuilt one) carries only its
    inputs' days."""
    if not (previous / "manifest.json").is_file():
        return []  # not a run: read_previous says so, naming the file
    manifest = read_json(previous, "manifest.json")
    out: set[tuple[str, str]] = set()

    carried = previous / "inputs" / PREVIOUS_LEFT_BEHIND
    if carried.is_file():
        check_sealed(previous, manifest, "inputs", (carried,))
        for r in read_csv(carried, ("day", "worker_id")):
            if r.day("day") < as_of:
                out.add((r["day"], r["worker_id"]))
    sealed = manifest.get("plan")
    if isinstance(sealed, dict) and "unserved.csv" in sealed:
        path = previous / "plan" / "unserved.csv"
        check_sealed(previous, manifest, "plan", (path,))
        for r in read_csv(path, ("day", "code", "worker_ids")):
            if r["code"] not in NO_CHOICE and r.day("day") < as_of:
                out |= {(r["day"], w) for w in r["worker_ids"].split()}
    return sorted(out)


def _verify_while_reporting(
    run: Path, report: ReportHook | None, pool: Executor | None, lend: bool
) -> tuple[list[str], object]:
    """The independent verifier and the report only read the finished plan files (the verifier
    checks report/ against report.json only in a finished run: here report/ is being written),
    so the verifier runs in the pool's worker while the report is written here. A pool of two
    workers lends its second to the report (core/procs.lending) for its driver sheets, and the
    verifier's worker takes sheets too once it is done: both cores busy until publication.
    Nothing is published unless the verifier passes (the run folder is still a temporary one,
    and the report is told so: core/files.unpublished, its new files written once each);
    a report that fails on a plan the verifier rejects yields to the rejection. Returns the
    violations and what the hook answered. No pool: the verifier, then the report, here."""
    if pool is None or report is None:  # no report, or every part here (profile_season.py)
        violations = verify_run(run, report=False)
        if report is None or violations:
            return violations, None
        with unpublished(run):
            return violations, report(run)
    pending = submit(pool, verify_run, run, False)
    try:
        with unpublished(run), lending(pool) if lend else contextlib.nullcontext():
            sealed = report(run)
    except Exception:
        violations = results([pending], "the verifier")[0]
        if violations:
            raise PlanRejected(violations) from None
        raise
    return results([pending], "the verifier")[0], sealed


@dataclass(frozen=True, kw_only=True)
class _Solved:
    """What the pool's workers after the shuttles are given when they start (inherited by the
    fork, never pickled): the plans whose KPIs and files they write beside the parent."""

    scenario: Scenario
    housing: HousingPlan
    shuttles: ShuttlePlan
    matrix: TravelMatrix


_SOLVED: list[_Solved] = []  # in a worker of _pool_after: its season's plans


def _hold_solved(solved: _Solved) -> None:
    _SOLVED[:] = [solved]


def short_rest_warning(trips: Iterable[Trip], timezone: str, say: Callable[[str], None]) -> None:
    """One warning line where a vehicle's day starts less than 11 h after its last return the
    day before (each day is chained alone; the driver sheets and the report say which)."""
    spans: dict[tuple[str, date], tuple[int, int]] = {}
    for t in trips:
        if t.vehicle_id is not None:
            lo, hi = spans.get((t.vehicle_id, t.day), (t.depart, t.ret))
            spans[t.vehicle_id, t.day] = (min(lo, t.depart), max(hi, t.ret))
    short = {k: m for k, m in rests_between_days(spans, timezone).items() if m < DAILY_REST_MIN}
    if short:
        (vehicle, day), least = min(short.items(), key=lambda kv: (kv[1], kv[0]))
        say(
            f"warning: {len(short)} "
            + ("vehicle-days start" if len(short) > 1 else "vehicle-day starts")
            + " less than "
            f"11 h after the vehicle's last return the day before (the least: {least // 60} h "
            f"{least % 60:02d}, {vehicle} on {day}): another driver or a later start (driver "
            "sheets; each day is planned alone)"
        )


@contextmanager
def _pool_after(
    report: ReportHook | None, lend: bool, solved: _Solved
) -> Iterator[Executor | None]:
    """The pool of the stretch after the shuttles: the KPIs and housing's plan files, then the
    verifier and (`lend`: shuttle_processes 2 or more) a second worker for the driver sheets. No
    report: no pool, everything here (as a run without a report always did). On the way out the
    pool waits for its jobs: none is left writing into a folder about to be removed."""
    if report is None:
        yield None
        return
    if lend:  # the lent workers write sheets and notices: the catalogues, parsed once here
        preload()
    with worker_pool(2 if lend else 1, _hold_solved, (solved,)) as pool:
        yield pool


KpiPair = tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]  # plan_kpis's answer


def _beside(
    pool: Executor | None, job: Callable[[Path, _Solved | None], R], plan_dir: Path, s: _Solved
) -> Callable[[], R]:
    """`job` on the pool (its worker holds the plans: _hold_solved), or here without a pool;
    returns the wait for its answer (a worker's failure raised as results does)."""
    if pool is None:
        answer = job(plan_dir, s)
        return lambda: answer
    pending = submit(pool, job, plan_dir, None)
    return lambda: results([pending], "the plan files and KPIs")[0]


def _kpis_and_housing_files(plan_dir: Path, solved: _Solved | None) -> KpiPair:
    """Housing's plan files written, the KPIs returned; in a worker of _pool_after (`solved`
    None), of the plans it was given when it started."""
    s = solved or _SOLVED[0]
    write_housing(plan_dir, s.scenario, s.housing, s.matrix)
    return plan_kpis(s.scenario, s.housing, s.shuttles)


def _shuttles_files(plan_dir: Path, solved: _Solved | None) -> None:
    """The shuttles' plan files written; in a worker of _pool_after as above."""
    s = solved or _SOLVED[0]
    write_shuttles(plan_dir, s.scenario, s.shuttles)


class PlanRejected(RuntimeError):
    """The independent verifier found violations: the plan is not published."""

    def __init__(self, violations: list[str]):
        self.violations = violations
        super().__init__(f"{len(violations)} violations")


ReportWriter = Callable[[Path, str, bool], None]  # (run folder, language, with the sheets)


def replay(
    run: Path,
    out: Path,
    force: bool = False,
    say: Say | None = None,
    report: ReportWriter | None = None,
    note: Say | None = None,
) -> list[str]:
    """Re-solve a run from its own inputs/ (and recorded re-plan), compare plan files byte for byte;
    with `report`, write the replay's report as report.json says the run's was written (its
    language, with or without the sheets) and compare it file by file too (`note` says what was
    not compared).

    Returns the differences found (empty: identical)."""
    import filecmp

    check_apart(out, run, "the run replayed", within=True)
    manifest = read_manifest(run)
    originals = _plan_files(run)  # before anything is written: a crafted plan/ is refused
    given = read_restricted(run)  # its salt too: the replay's digests are keyed the same way
    stale = _unlisted(manifest, originals) + _edited_inputs(run, manifest)
    stale += _edited_restricted(run, manifest, given) + _missing_restricted(run, manifest, given)
    stale += _edited_records(run, manifest)
    if stale:  # not the folder that was solved: a replay of it proves nothing
        return stale
    listing = read_report_hashes(run)
    hook: Callable[[Path], None] | None = None
    if report is not None and listing is not None and listing["lang"] is not None:
        lang_code, sheets = str(listing["lang"]), bool(listing["sheets"])

        def hook(tmp: Path) -> None:
            report(tmp, lang_code, sheets)

    as_of_s = manifest.get("replan", {}).get("as_of")
    previous = None
    named = manifest.get("scenario")
    solved = named.get("snapshot_hash") if isinstance(named, dict) else None
    if not isinstance(solved, str) or not solved:
        # every run records it (since the architecture step): without it nothing tells that
        # inputs/ is what was solved, and a forger would only have to delete it
        return [
            "manifest.json: scenario.snapshot_hash missing: nothing tells that inputs/ "
            "is what was solved"
        ]
    if as_of_s:  # rebuild the previous run's plan files the re-plan read
        restarts = _carried_restarts(run, as_of_s)  # read before anything is written
        previous = out.parent / f".{out.name}.previous"
        (previous / "plan").mkdir(parents=True, exist_ok=True)
        sealed = {}
        for name in ("assignments.csv", "waitlist.csv"):
            data = read_inside(run, f"inputs/previous_{name}", 1 << 30)
            (previous / "plan" / name).write_bytes(data)
            sealed[name] = file_sha256(previous / "plan" / name)  # as the run hashes inputs/
        carried = {}  # the days left behind before the date it read (left_behind_before)
        if (run / "inputs" / PREVIOUS_LEFT_BEHIND).is_file():
            (previous / "inputs").mkdir(exist_ok=True)
            data = read_inside(run, f"inputs/{PREVIOUS_LEFT_BEHIND}", 1 << 30)
            (previous / "inputs" / PREVIOUS_LEFT_BEHIND).write_bytes(data)
            carried[PREVIOUS_LEFT_BEHIND] = file_sha256(previous / "inputs" / PREVIOUS_LEFT_BEHIND)
        if restarts is not None:  # those it carried (before the date)
            (previous / "inputs").mkdir(exist_ok=True)
            (previous / "inputs" / RESTARTS).write_text(restarts, encoding="utf-8")
            carried[RESTARTS] = file_sha256(previous / "inputs" / RESTARTS)
        for name in ("foresterie.geojson", "workers.csv"):  # what it planned with (replan.py)
            if (run / "inputs" / f"previous_{name}").is_file():
                (previous / "inputs").mkdir(exist_ok=True)
                data = read_inside(run, f"inputs/previous_{name}", 1 << 30)
                (previous / "inputs" / name).write_bytes(data)
                carried[name] = file_sha256(previous / "inputs" / name)
        # the re-plan checked that its previous run was of this scenario (housing/replan.py)
        name_ = named.get("name") if isinstance(named, dict) else None
        rebuilt = {"scenario": {"name": name_}, "plan": sealed, "inputs": carried}
        write_text(previous / "manifest.json", json.dumps(rebuilt))
    try:
        solve(
            run / "inputs",
            out,
            force,
            date.fromisoformat(as_of_s) if as_of_s else None,
            previous,
            say=say,
            report=hook,
            restricted=given,
            solved_hash=solved,
        )
    except SnapshotDiffers as exc:  # not the scenario solved: a replay of it proves nothing
        return [
            f"inputs/: not what was solved: scenario hash {exc.now[:8]}..., the manifest "
            f"says {exc.solved[:8]}... (scenario.snapshot_hash)"
        ]
    finally:
        if previous is not None:
            import shutil

            shutil.rmtree(previous, ignore_errors=True)
    diffs = _record_differences(manifest, read_manifest(out))
    b_dir = out / "plan"
    names = sorted(set(originals) | {p.name for p in b_dir.iterdir()})
    for name in names:
        a, b = run / "plan" / name, b_dir / name
        if name not in originals or not b.exists():
            diffs.append(f"{name}: only in {'the replay' if b.exists() else 'the original'}")
        elif not filecmp.cmp(a, b, shallow=False):
            diffs.append(f"{name}: {_first_difference(a, b)}")
    # The restricted part's outputs (the detailed waitlist reasons, the figures on priorities
    # and referrals), the replay's plaintexts against the original manifest's digests (keyed
    # with the run's salt, or a plain sha256 from before it): never shown, so an encrypted part
    # compares the same way. A run from before one of them has none to compare.
    was, now = manifest.get("restricted", {}), read_restricted(out)
    for name in RESTRICTED_OUTPUTS:
        if not isinstance(was, dict) or name not in was:
            continue
        recorded, salt = str(was[name]), given.get(SALT)
        if name not in now or not digest_matches(recorded, now[name], salt):
            diffs.append(f"restricted/{name}: differs (digest of its plaintext)")
    if hook is not None:
        diffs += _report_differences(run, out, note or (lambda _: None))
    elif note is not None and report is not None:
        note(
            "report/: not compared ("
            + ("no report.json vouches for it" if listing is None else "no report written")
            + ")"
        )
    return diffs


def _carried_restarts(run: Path, as_of: str) -> str | None:
    """inputs/restarts.csv of a re-plan, its rows dated before `as_of` (those it carried from
    its previous run), or None without the file; a file that is not a CSV of such rows is a
    damaged run folder, one line (session 20, C: an empty or non-UTF-8 one was a traceback)."""
    rel = f"inputs/{RESTARTS}"
    if not (run / rel).is_file():
        return None
    where = str(run / rel)
    try:
        text = read_inside(run, rel, 1 << 30).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RunFolderError(where, None, "file", f"not UTF-8 (byte {exc.start})") from None
    head, *lines = text.splitlines(keepends=True) or [""]
    if head.lstrip("\ufeff").strip().split(",")[:2] != ["worker_id", "from"]:
        raise RunFolderError(where, 1, "header", "not worker_id,from,...")
    for i, line in enumerate(lines, start=2):
        if len(line.split(",")) < 2:
            raise RunFolderError(where, i, "from", "missing")
    return head + "".join(x for x in lines if x.split(",")[1] < as_of)


# Files a report may hold that a replay does not write: a day run's no-show follow-up list (from
# the ledger, which the replay does not read) and the maps `foresterie map` adds (of a day, of a
# foresteria). Both are still vouched for by report.json (`verify`).
NOT_REPLAYED = re.compile(r"follow_up\.csv|map-[^/]+\.html")


def _report_differences(run: Path, out: Path, note: Say) -> list[str]:
    """The report's files, original against replay, byte for byte (by sha256; the first
    differing line shown)."""
    was, now = report_files(run), report_files(out)
    diffs, skipped = [], []
    for rel in sorted(set(was) | set(now)):
        if rel not in now and NOT_REPLAYED.fullmatch(rel):
            skipped.append(rel)
        elif rel not in now or rel not in was:
            diffs.append(f"report/{rel}: only in {'the replay' if rel in now else 'the original'}")
        elif was[rel] != now[rel]:
            a, b = run / "report" / rel, out / "report" / rel
            diffs.append(f"report/{rel}: {_first_difference(a, b)}")
    compared = len(set(was) & set(now))
    note(
        f"report/: {compared} files compared"
        + (f"; not replayed: {', '.join(skipped[:5])}" if skipped else "")
    )
    return diffs


MAX_PLAN_FILE = 1 << 30  # bytes: far above a 250,000-worker season's largest plan file


# What a manifest says of how its plan was made, which a replay of the same inputs says again:
# the seed and budgets (from inputs/scenario.toml) and the KPIs (from the plan).
RECORDED = ("seed", "budgets", "kpis")


def _record_differences(was: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """The first difference of each of RECORDED, the run's manifest against the replay's
    (`manifest.json: seed 12, the replay 11`). Keys only one of them has are not compared: a
    later version may record a budget or a KPI more."""

    def first(path: str, a: Any, b: Any) -> str | None:
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) & set(b)):
                found = first(f"{path}.{k}", a[k], b[k])
                if found is not None:
                    return found
            return None
        if a == b and type(a) is type(b):
            return None
        return f"manifest.json: {path} {str(a)[:40]}, the replay {str(b)[:40]}"

    found = (first(k, was.get(k), now.get(k)) for k in RECORDED if k in was and k in now)
    return [d for d in found if d is not None]


def _plan_files(run: Path) -> list[str]:
    """The names in the run's plan/, each a regular file inside the run of at most MAX_PLAN_FILE
    bytes; UnsafePath otherwise (a link out of the run, a FIFO that would block the comparison,
    /dev/zero that would never end it)."""
    folder = inside(run, "plan")
    if not folder.is_dir():
        raise UnsafePath("plan", "not a folder")
    names = sorted(p.name for p in folder.iterdir())
    for name in names:
        why = unreadable_reason(inside(run, f"plan/{name}"), MAX_PLAN_FILE)
        if why:
            raise UnsafePath(f"plan/{name}", why)
    return names


def _listed(manifest: dict[str, Any], part: str) -> dict[str, Any]:
    """The manifest's {file name: sha256} of `part`, each name a plain file name."""
    listed = manifest.get(part, {})
    if not isinstance(listed, dict):
        raise RunFolderError("manifest.json", None, part, "not an object of file hashes")
    for name in listed:
        if name in ("", ".", "..") or "/" in name or "\\" in name:
            raise RunFolderError("manifest.json", None, part, f"{name[:80]!r} is not a file name")
    return listed


def _unlisted(manifest: dict[str, Any], originals: list[str]) -> list[str]:
    """Plan files the manifest does not vouch for, and those it lists that are gone."""
    listed = _listed(manifest, "plan")
    return [f"plan/{n}: not in the manifest" for n in originals if n not in listed] + [
        f"plan/{n}: in the manifest, not in the folder"
        for n in sorted(set(listed) - set(originals))
    ]


def _edited_inputs(run: Path, manifest: dict[str, Any]) -> list[str]:
    """The recorded inputs whose bytes are not those the manifest hashed when the run was solved
    (a purged run's inputs are checked by `verify`, which knows what the purge removed)."""
    recorded = _listed(manifest, "inputs")
    if (run / "purged.json").exists():
        return []
    out = []
    for name, sha in sorted(recorded.items()):
        path = inside(run, f"inputs/{name}")
        why = unreadable_reason(path, MAX_PLAN_FILE)
        if why:
            raise UnsafePath(f"inputs/{name}", why)
        if file_sha256(path) != sha:
            out.append(f"inputs/{name}: edited after solving (sha256 differs from the manifest)")
    return out


def _edited_restricted(run: Path, manifest: dict[str, Any], plain: dict[str, bytes]) -> list[str]:
    """The restricted plaintexts (priorities, referral records, ...) that are not those the
    manifest's digests vouch for, keyed with the run's salt (a purged run's are `verify`'s)."""
    if (run / "purged.json").exists():
        return []
    salt, out = plain.get(SALT), []
    listed = _listed(manifest, "restricted")
    if salt is None and any(str(d).startswith(f"{KEYED}:") for d in listed.values()):
        # the key of the digests is gone: nothing can be said of the files it vouches for
        return [
            f"restricted/{SALT}: missing (the manifest's digests of the restricted part are "
            "keyed with it: they cannot be checked)"
        ]
    for name, recorded in sorted(listed.items()):
        if name in plain and not digest_matches(str(recorded), plain[name], salt):
            out.append(
                f"restricted/{name}: edited after solving (digest differs from the manifest)"
            )
    return out


def _missing_restricted(run: Path, manifest: dict[str, Any], plain: dict[str, bytes]) -> list[str]:
    """The restricted inputs the model read that the run's restricted part no longer holds,
    named (review 18 Q, L5: a run cut of its priorities was refused as "workers.csv:1:
    priority: missing column(s)", the file that by design has none): each person's priority,
    since the priority split (inputs/workers.csv without the column), and those the manifest's
    scenario.restricted_inputs names (a run written since review 18 Q's H1)."""
    if (run / "purged.json").exists():  # `verify` knows what the purge removed
        return []
    named = manifest.get("scenario")
    declared = named.get("restricted_inputs") if isinstance(named, dict) else None
    wanted = {str(n) for n in declared} if isinstance(declared, list) else set()
    head = read_inside(run, "inputs/workers.csv", MAX_PLAN_FILE).split(b"\n", 1)[0]
    if b"priority" not in head.decode("utf-8", "replace").strip().split(","):
        wanted.add(RESTRICTED_PRIORITY)
    return [
        f"restricted/{name}: missing (the model read it"
        + (
            ": inputs/workers.csv has no priority column since the priority split)"
            if name == RESTRICTED_PRIORITY
            else ", as the manifest's scenario.restricted_inputs says)"
        )
        for name in sorted(wanted - set(plain))
    ]


def _edited_records(run: Path, manifest: dict[str, Any]) -> list[str]:
    """A day run's day.json, an intake run's intake.json: gone, edited, or not vouched for by
    the manifest's `records` (what the run says of itself; `verify` checks it too)."""
    listed = _listed(manifest, "records")
    out = []
    for name, sha in sorted(listed.items()):
        path = inside(run, name)
        if not path.exists():
            out.append(f"{name}: in the manifest, not in the folder")
            continue
        why = unreadable_reason(path, MAX_PLAN_FILE)
        if why:
            raise UnsafePath(name, why)
        if file_sha256(path) != sha:
            out.append(f"{name}: edited after solving (sha256 differs from the manifest)")
    for name in ("day.json", "intake.json"):
        if name not in listed and (run / name).exists():
            out.append(f"{name}: not in the manifest (nothing vouches for it)")
    return out


def _first_difference(a: Path, b: Path) -> str:
    la = a.read_text(encoding="utf-8", errors="replace").splitlines()
    lb = b.read_text(encoding="utf-8", errors="replace").splitlines()
    for i, (x, y) in enumerate(zip(la, lb, strict=False), start=1):
        if x != y:  # from a little before the first character that differs (a long HTML line)
            col = next(
                (j for j, (p, q) in enumerate(zip(x, y, strict=False)) if p != q),
                min(len(x), len(y)),
            )
            at = max(0, col - 40) if col >= 120 else 0  # beyond what 120 characters show
            where = f"line {i}" + (f", column {at + 1}" if at else "")
            return f"{where}: {x[at : at + 120]!r} != {y[at : at + 120]!r}"
    if len(la) != len(lb):
        return f"{len(la)} lines vs {len(lb)} lines"
    return _layout_difference(a.read_bytes(), b.read_bytes())


def _layout_difference(x: bytes, y: bytes) -> str:
    """What differs between two texts whose lines read alike (review 13: a CRLF copy was
    "45 lines vs 45 lines"): the line ends, the last line's end. (A byte-order mark is not
    among them: decoded as UTF-8 it stays in the first line, which `_first_difference` shows.)"""
    ends = [("CRLF" if b"\r\n" in t else "CR" if b"\r" in t else "LF") for t in (x, y)]
    if ends[0] != ends[1]:
        return f"the same lines, with {ends[0]} line ends vs {ends[1]}"
    if x.endswith(b"\n") != y.endswith(b"\n"):
        return "the same lines; one ends without a line break"
    return "the same lines; the bytes differ elsewhere (encoding)"
