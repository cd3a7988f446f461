"""The first part of a solve: load the scenario, build the travel matrix, plan housing.

Apart from run/pipeline.py because it imports none of the shuttles' modules (CP-SAT, and pandas
through it, about 0.8 CPU s to import). `foresterie solve` forks a child as it starts, which
imports this module and runs `load_and_house`, while the command itself imports the rest of the
solve (cli._housed_beside): the imports and the start of the solve share the two cores instead
of following each other. The same work in the same order in each process: the plan is byte for
byte the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from foresterie.core.errors import Problem, ScenarioError
from foresterie.core.i18n import cli_lang
from foresterie.housing.release import (
    idle_releases,
    kept_costs,
    pause_costs,
    release_days,
    without_released_nights,
)
from foresterie.housing.replan import (
    apply_as_of,
    check_as_of,
    check_previous,
    check_whole_plan,
    glue,
    read_present,
    read_previous,
    restart_rows,
    until_released,
    with_past,
)
from foresterie.housing.tiers import HousingPlan, plan_housing
from foresterie.housing.units import lottery_draws
from foresterie.housing.waitlist import WaitlistEntry
from foresterie.scenario.load import load_scenario, pin_bed_problems, scenario_hash
from foresterie.scenario.model import Assignment, Scenario
from foresterie.travel.matrix import TravelMatrix, build_matrix, far_from_road

Say = Callable[[str], None]

# A day run's scenario folder holds the trips its riders were told (run/stability.py keeps them):
# named here, where the first part looks for it, so that this module need not import the
# stability rules, which import the shuttles'.
REFERENCE_TRIPS = "reference_trips.json"


class SnapshotDiffers(Exception):
    """A replay's inputs/ read as another scenario than the one the run solved: an edit that
    leaves the plan as it is (a housed person's `accessible` flipped, an unused travel time)
    re-hashed in the manifest. Comments in inputs/scenario.toml are not part of the hash."""

    def __init__(self, now: str, solved: str):
        self.now, self.solved = now, solved
        super().__init__(f"scenario hash {now}, the manifest's snapshot_hash {solved}")


@dataclass(frozen=True, kw_only=True)
class Request:
    """What the first part reads (solve's arguments of the same names)."""

    scenario_dir: Path
    as_of: date | None = None
    previous: Path | None = None
    cache: Path | None = None
    referrals: Path | None = None
    restricted: dict[str, bytes] | None = None
    solved_hash: str | None = None  # a replay's: the scenario read must have it


@dataclass(frozen=True, kw_only=True)
class Housed:
    """The first part's answer (to `request`): the scenario as planned (re-planned from `as_of`), its hash as
    read, the matrix and the places far from a road, housing (its waitlist with the people a
    re-plan or a day run decided before), and the stages' wall seconds for the manifest."""

    request: Request
    scenario: Scenario
    original_hash: str
    matrix: TravelMatrix
    far: list[tuple[str, float]]
    housing: HousingPlan
    timings: dict[str, float]


def day_run_housing(scenario: Scenario) -> tuple[Scenario, list[WaitlistEntry]]:
    """A day run places nobody: riders with a bed are pinned to it; a rider without one (riding
    from a departure point, `pickup_id`) is listed as decided before (`past`), never given a bed
    the season plan did not give. Housing reads no referral record (the riders' shuttles do): a
    pin stands whatever it says, and a rider with one is no unit of her own (`units`, published,
    would count her: README "Referral records")."""
    pinned = tuple(replace(w, avoid=frozenset()) for w in scenario.workers if w.pinned_foresteria)
    houses = {f.id for f in scenario.foresterie}
    past = [
        WaitlistEntry(
            worker_id=w.id,
            priority=w.priority,
            code="past",
            reason=(
                f"rides from foresteria {w.pickup_id}, without a bed there that night"
                if w.pickup_id in houses
                else f"rides from departure point {w.pickup_id}"
            )
            + " (a day run places nobody)",
            proven=True,
        )
        for w in scenario.workers
        if not w.pinned_foresteria
    ]
    return replace(scenario, workers=pinned), past


def kept_lines(scenario: Scenario, assignments: list[Assignment], since: date) -> list[str]:
    """The `pause:` and `release:` lines, per farm, in the command line's language (review 19's
    leftovers: English only, where the coordinators read Italian): the beds a pause keeps (a
    pause is not an end: housing/release.py), and those a release would give to no one else
    (`idle_releases`: not made)."""
    tr = cli_lang()
    n = tr.num(scenario.config.housing.max_days_without_work or 0)  # set, or no pause

    def kept(people: int, nights: int) -> dict[str, str]:
        who = tr.ngettext(
            "{n} person housed keeps their bed", "{n} people housed keep their beds", people
        )
        said = tr.ngettext(
            "{n} bed-night without work, not released",
            "{n} bed-nights without work, not released",
            nights,
        )
        return {"who": who.format(n=tr.num(people)), "said": said.format(n=tr.num(nights))}

    lines = []
    for farm, counts in sorted(pause_costs(scenario, assignments, since).items()):
        lines.append(
            "pause: "
            + tr._(
                "{farm} has {days}+ workdays in a row without work and then work again: {who} "
                "through it ({said})"
            ).format(farm=farm, days=n, **kept(*counts))
        )
    for farm, counts in sorted(kept_costs(scenario, assignments, since).items()):
        lines.append(
            "release: "
            + tr._(
                "{farm}'s work is over within the stay, but the plan would give the beds to no "
                "one else: {who} ({said})"
            ).format(farm=farm, **kept(*counts))
        )
    return lines


def load_and_house(req: Request, say: Say) -> Housed:
    """Load, travel, housing, saying what solve says of them, in this order."""
    timings: dict[str, float] = {}
    t = time.monotonic()
    scenario = load_scenario(req.scenario_dir, req.referrals, req.restricted)
    own = (scenario.root / REFERENCE_TRIPS).is_file() or req.as_of is not None  # plans' pins
    if not own and (pins := pin_bed_problems(scenario)):  # a user's pin no bed can meet
        raise ScenarioError(pins)
    original_hash = scenario_hash(scenario)
    if req.solved_hash is not None and original_hash != req.solved_hash:
        raise SnapshotDiffers(original_hash, req.solved_hash)
    replan = None
    past: list[WaitlistEntry] = []
    if req.as_of is not None:
        if req.previous is None:
            raise ScenarioError(
                [
                    Problem(
                        "--as-of",
                        None,
                        "--previous",
                        "re-planning needs the previous run folder (--previous RUN)",
                    )
                ]
            )
        check_as_of(scenario, req.as_of)
        prev = read_previous(req.previous, {f.id for f in scenario.foresterie})
        check_previous(prev, scenario, req.as_of, req.previous)
        replan = apply_as_of(scenario, prev, req.as_of)
        scenario, to_plan, past = replan.scenario, replan.to_plan, replan.past
    else:
        to_plan = scenario
    if (scenario.root / REFERENCE_TRIPS).is_file():
        to_plan, past = day_run_housing(to_plan)
    timings["load_s"] = time.monotonic() - t
    for w in scenario.warnings:
        say(f"warning: {w}")
    t = time.monotonic()
    matrix = build_matrix(scenario, req.cache)
    timings["travel_s"] = time.monotonic() - t
    say(
        f"travel: {len(matrix.ids)} places, backend {matrix.backend}"
        + (" (cached)" if matrix.cached else "")
    )
    far = far_from_road(matrix, scenario.config.travel.snap_warn_m) if matrix.snap_m else []
    for pid, metres in far[:10]:
        say(f"warning: {pid} is {metres:,.0f} m from the nearest road (check its coordinates)")
    t = time.monotonic()
    released = release_days(scenario)  # days without work end stays (housing/release.py)
    since = replan.as_of if replan is not None else date.min  # a re-plan: the nights ahead
    if replan is not None:  # a release before the date the previous run did not make stays so
        held = {a.worker_id: a for a in replan.kept if a.worker_id in released}
        kept_on = {w for w, a in held.items() if a.arrival <= released[w] < a.departure}
        scenario = replace(scenario, beds_kept=frozenset(kept_on))
        released = release_days(scenario)
    while True:  # a release the plan gives to nobody is not made: plan again without it
        cut = without_released_nights(replace(to_plan, beds_kept=scenario.beds_kept), released)
        if replan is None:
            housing = plan_housing(cut, matrix, progress=say, released=released)
        else:  # the nights before --as-of as they were, residents' promises held (replan.py)
            housing = plan_housing(
                cut,
                matrix,
                replan.where,
                say,
                promised=replan.promised,
                history=replan.history,
                released=released,
                present=read_present(scenario.root),  # an intake's people in the region
            )
        idle = idle_releases(scenario, housing.assignments, released, since)
        if not idle:
            break
        scenario = replace(scenario, beds_kept=scenario.beds_kept | idle)
        released = release_days(scenario)
    if replan is not None:
        planned, kept = housing.assignments, until_released(replan.kept, released)
        housing.assignments = glue(kept, planned, replan.as_of)
        housing.tiers = with_past(
            housing.tiers, planned, kept, housing.assignments, scenario, matrix
        )
        if replan.past_opens is not None:  # the words of the nights over (housing/waitlist.py)
            housing.past_opens = (replan.as_of, replan.past_opens)
    housing.waitlist = sorted(housing.waitlist + past, key=lambda e: e.worker_id)
    if replan is not None:  # the nights kept and those planned keep the stay rules, or exit 2
        housing.waitlist = check_whole_plan(
            scenario,
            housing.assignments,
            housing.waitlist,
            matrix,
            replan.as_of,
            released,
            replan.restarts,
            replan.carried,
        )
        housing.restarted = restart_rows(replan) or None
    if housing.lottery is not None and past:
        # Everyone's ticket (README "Entry rules": seed, key and id only), those decided before
        # this run (`past`: a re-plan's waitlisted before --as-of, a day run's unpinned riders)
        # included: the draw does not depend on who is still to plan (review 15, finding 5).
        housing.lottery = lottery_draws(
            scenario.workers, scenario.config.scenario.seed, scenario.draw_key
        )
    for line in kept_lines(scenario, housing.assignments, since):
        say(line)
    timings["housing_s"] = time.monotonic() - t
    return Housed(
        request=req,
        scenario=scenario,
        original_hash=original_hash,
        matrix=matrix,
        far=far,
        housing=housing,
        timings=timings,
    )
