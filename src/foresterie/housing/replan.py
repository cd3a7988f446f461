"""Mid-season re-planning: the nights before the date are the previous plan's; residents keep the
beds they were promised from it on; whoever arrived without a bed is planned from it."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from foresterie.core.errors import Problem, ScenarioError
from foresterie.core.files import file_sha256, read_csv, read_json
from foresterie.core.timeutil import date_range
from foresterie.housing.tiers import TierResult
from foresterie.housing.units import (
    History,
    StayRule,
    farms_by_id,
    stay_rule,
    workdays_between,
)
from foresterie.housing.waitlist import WaitlistEntry
from foresterie.scenario.model import (
    SECTIONS,
    Assignment,
    Foresteria,
    Scenario,
    Section,
    Worker,
)
from foresterie.travel.matrix import TravelMatrix


@dataclass(frozen=True, kw_only=True)
class PreviousPlan:
    """What a re-plan reads of the previous run: each housed person's rows of
    plan/assignments.csv (in date order), the waitlist's reasons, the scenario's name (its
    manifest's `scenario.name`)."""

    rows: dict[str, list[Assignment]]
    waiting: dict[str, str]
    name: str
    # what the previous run planned its nights with (its inputs/): each person's stay and each
    # foresteria's open_from..open_to; None when the folder holds no inputs
    stays: dict[str, tuple[date, date]] | None = None
    opens: dict[str, tuple[date, date]] | None = None
    # whose stay rules began again on an earlier re-plan's date (its inputs/restarts.csv):
    # worker -> (that date, where they were pinned from it, or None)
    restarted: dict[str, tuple[date, str | None]] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Replan:
    """apply_as_of's answer: everyone (the stays, pins and arrivals the run records), those still
    to plan (from the date), the waitlist entries carried over (`past`), the previous plan's
    nights before the date (kept as they were), each person's previous place (the stability
    tier) and each resident's promised foresterie from the date on (units.Unit.promised)."""

    scenario: Scenario
    to_plan: Scenario
    past: list[WaitlistEntry]
    kept: list[Assignment]
    where: dict[str, str]
    promised: dict[str, tuple[str, ...]]
    history: dict[str, History]
    as_of: date
    # people whose stay rules begin again on the date (`restarts`): worker -> where they are
    # pinned from it (the bed they sleep in on the night before, if its site is open), or None
    restarts: dict[str, str | None]
    # ... and those whose rules began again on an earlier re-plan's date (carried on)
    carried: dict[str, tuple[date, str | None]] = field(default_factory=dict)
    # foresteria -> (open_from, open_to) as the previous run read them (its inputs), or None
    past_opens: dict[str, tuple[date, date]] | None = None


def _refuse(file: str, row: int | None, field: str, why: str) -> ScenarioError:
    return ScenarioError([Problem(file, row, field, why)])


# A re-plan's moves on request (`foresterie intake` writes it in its scenario folder; the run
# keeps it in inputs/): worker_id, foresteria_id, from: living in a foresteria before `from`,
# moved to this one on that night (a re-plan's date: this one's, or an earlier re-plan's whose
# plan this one continues). The stay rules hold from the last move on, as for an arrival there.
MOVES = "moves.csv"
MOVE_COLS = ("worker_id", "foresteria_id", "from")
# The run's record of whose stay rules began again on a re-plan's date (`restarts`): this one's
# and those its previous run carried (worker_id, from, foresteria_id: where they were pinned from
# that date, empty for none). A later re-plan reads the rules from that date on, as for an
# arrival then.
RESTARTS = "restarts.csv"
RESTART_COLS = ("worker_id", "from", "foresteria_id")


# An intake's no-shows (`foresterie intake`, ops/intake.py, writes it in its scenario folder; the
# run keeps it in inputs/): worker_id, since (the day an intake counted them a no-show: their
# bed released, or none held), after_days (its `release_bed_after_days`), and (columns a file of
# an older intake may lack) had_bed (`yes`: a bed was held for them and released; `no`: none was
# ever theirs, so they are not a no-show of a bed) and placed (the day an intake gave them the
# bed released, while in the region: counted from it; empty otherwise). They stay the
# season's people, waitlisted `not_checked_in` with their stay and departure point, and are
# housed by no re-plan until a check-in makes them an arrival to place (the next intake drops
# them from the file). A re-plan keeps none of their nights before the date: they never came.
NO_SHOWS = "no_shows.csv"
NO_SHOW_COLS = ("worker_id", "since", "after_days")
NO_SHOW_MORE = ("had_bed", "placed")  # written always, read where the file has them
# The words of `not_checked_in` (the verifier has its own copy of them, verify.py _WAIT_WORDS):
# a planned arrival's bed released; a bed given while in the region released (review 19 S,
# NEW-1); nobody's bed (NEW-5: never a "no-show" placed "again").
NO_SHOW_WORDS = (
    "no-show since {since}: not checked in within {days} days of the planned arrival "
    "{arrival}, so no bed is held; a check-in places them again"
)
NO_SHOW_PLACED_WORDS = (
    "no-show since {since}: not checked in at the bed given on {placed} while in the region "
    "within {days} days, so it is not held; a check-in places them again"
)
NO_SHOW_NO_BED_WORDS = (
    "not checked in within {days} days of the planned arrival {arrival} (by {since}), and no "
    "bed was theirs: not offered one until a check-in says they are in the region"
)
# An intake's placements of people already in the region (ops/intake.py writes it; the run keeps
# it in inputs/): worker_id, from (the intake's date). Until a check-in after the placement
# (`ops.day.at_bed`) they are not a planned arrival who missed their bed: the check-in rule
# releases nothing of theirs, and a day run drives them from their departure point.
PLACEMENTS = "placements.csv"
# a `past` reason an earlier re-plan gave ("waitlisted before D, no night left: ...", or a
# group's "group waitlisted before D, a member's stay over by then: ..."): its own
# reason is carried, never nested once per intake (review 19 S, LOW-B)
_PAST_WAITED = re.compile(
    r"^(?:group )?waitlisted before \d{4}-\d\d-\d\d, (?:no night left|a member's stay over by then): "
)
PLACEMENT_COLS = ("worker_id", "from")
# An intake's people already in the region on its date who have no bed (arrived without one,
# early, or a no-show checked in since: ops/intake.py writes it; the run keeps it in inputs/,
# all of them, housed or not, so that `replay` reads what the model read): worker_id. Among
# people of one priority, the most of them are housed first (housing/tiers.py
# `housed_priority_p_present`, after the count of the priority: review 20 R, HIGH-3).
PRESENT = "present.csv"
PRESENT_COLS = ("worker_id",)


def read_present(root: Path) -> frozenset[str]:
    """The ids of a re-plan's scenario folder's PRESENT file (none without one)."""
    path = root / PRESENT
    if not path.is_file():
        return frozenset()
    return frozenset(r["worker_id"] for r in read_csv(path, PRESENT_COLS))


@dataclass(frozen=True)
class NoShow:
    since: date
    after_days: int
    had_bed: bool = True  # a bed was held for them (False: none was ever theirs)
    placed: date | None = None  # the bed released was given on that day, in the region

    def row(self, worker_id: str) -> list[str]:
        """Its row of no_shows.csv (NO_SHOW_COLS + NO_SHOW_MORE)."""
        placed = self.placed.isoformat() if self.placed else ""
        bed = "yes" if self.had_bed else "no"
        return [worker_id, self.since.isoformat(), str(self.after_days), bed, placed]


def read_no_shows(scenario: Scenario, as_of: date | None = None) -> dict[str, NoShow]:
    """worker -> their no-show record (the scenario folder's no_shows.csv, read as a file a user
    may hand us: one line naming file, row and field, exit 2); empty without the file."""
    path = scenario.root / NO_SHOWS
    if not path.is_file():
        return {}
    people = {w.id: w for w in scenario.workers}
    out: dict[str, NoShow] = {}
    for r in read_csv(path, NO_SHOW_COLS):
        w = people.get(r["worker_id"])
        if w is None:
            why = f"{r['worker_id'][:40]!r} is not one of the scenario's people"
            raise _refuse(str(path), r.row, "worker_id", why)
        if w.id in out:
            raise _refuse(str(path), r.row, "worker_id", f"{w.id}: a second row")
        since = r.day("since")
        if as_of is not None and since > as_of:
            why = f"{since} is after the re-plan's date {as_of}: an intake counts no-shows"
            raise _refuse(str(path), r.row, "since", why)
        bed = r.get("had_bed", "yes")
        if bed not in ("yes", "no"):
            raise _refuse(str(path), r.row, "had_bed", f"{bed[:20]!r}: not yes or no")
        placed = r.day("placed") if r.get("placed") else None
        if placed is not None and (bed == "no" or placed > since):
            why = f"{placed}: a bed given after {since}, or to someone said to have had none"
            raise _refuse(str(path), r.row, "placed", why)
        days = r["after_days"]
        start = placed or w.arrival
        if not days.isdigit() or (since - start).days < int(days):
            why = (
                f"{days[:20]!r}: not a number of days within which {w.id}, due on {start}, "
                f"had not checked in by {since}"
            )
            raise _refuse(str(path), r.row, "after_days", why)
        out[w.id] = NoShow(since, int(days), bed == "yes", placed)
    return out


def no_show_entry(w: Worker, n: NoShow) -> WaitlistEntry:
    words = NO_SHOW_PLACED_WORDS if n.placed else NO_SHOW_WORDS
    words = words if n.had_bed else NO_SHOW_NO_BED_WORDS
    why = words.format(since=n.since, days=n.after_days, arrival=w.arrival, placed=n.placed)
    return WaitlistEntry(
        worker_id=w.id, priority=w.priority, code="not_checked_in", reason=why, proven=True
    )


@dataclass(frozen=True)
class Move:
    foresteria_id: str
    start: date


def read_moves(scenario: Scenario, as_of: date) -> dict[str, Move]:
    """worker -> their last move on request, on or before `as_of` (the scenario folder's
    moves.csv, read as a file a user may hand us: one line naming file, row and field, exit 2);
    empty without the file."""
    path = scenario.root / MOVES
    if not path.is_file():
        return {}
    people = {w.id for w in scenario.workers}
    sites = {f.id for f in scenario.foresterie}
    out: dict[str, Move] = {}
    for r in read_csv(path, MOVE_COLS):
        if r["worker_id"] not in people:
            why = f"{r['worker_id'][:40]!r} is not one of the scenario's people"
            raise _refuse(str(path), r.row, "worker_id", why)
        if r["foresteria_id"] not in sites:
            why = f"unknown foresteria {r['foresteria_id'][:40]!r}"
            raise _refuse(str(path), r.row, "foresteria_id", why)
        if r["worker_id"] in out:
            raise _refuse(str(path), r.row, "worker_id", f"{r['worker_id']}: a second row")
        start = r.day("from")
        if start > as_of:
            why = f"{start} is after the re-plan's date {as_of}: a move is made by a re-plan"
            raise _refuse(str(path), r.row, "from", why)
        out[r["worker_id"]] = Move(r["foresteria_id"], start)
    return out


def check_moves(scenario: Scenario) -> list[Problem]:
    """`foresterie validate`'s check of a scenario's moves.csv (review 18 R, LOW-5: it was read
    by re-plans only, by name, and ignored silently elsewhere): each row names one of the
    scenario's people (once), a foresteria of the scenario, and a date `from` inside their stay
    (after the arrival, before the departure: a move is made by someone living in a foresteria
    before it). One problem per row and field (`file:row:field`, exit 2). What only a re-plan
    knows (`from` on or before its date, the mover in a bed before it) is `read_moves`'s and
    `apply_as_of`'s to check."""
    path = scenario.root / MOVES
    if not path.is_file():
        return []
    try:
        rows = read_csv(path, MOVE_COLS, label=MOVES)
    except ScenarioError as exc:
        return list(exc.problems)
    people = {w.id: w for w in scenario.workers}
    sites = {f.id for f in scenario.foresterie}
    seen: set[str] = set()
    probs: list[Problem] = []
    for r in rows:
        wid = r["worker_id"]
        w = people.get(wid)
        if w is None:
            why = f"{wid[:40]!r} is not one of the scenario's people"
            probs.append(Problem(MOVES, r.row, "worker_id", why))
        elif wid in seen:
            probs.append(Problem(MOVES, r.row, "worker_id", f"{wid}: a second row"))
        seen.add(wid)
        if r["foresteria_id"] not in sites:
            why = f"unknown foresteria {r['foresteria_id'][:40]!r}"
            probs.append(Problem(MOVES, r.row, "foresteria_id", why))
        try:
            start = r.day("from")
        except ScenarioError as exc:
            probs += exc.problems
            continue
        if w is not None and not w.arrival < start < w.departure:
            why = (
                f"{start} is not inside {wid}'s stay ({w.arrival}..{w.departure}): a move is "
                "made after the arrival, before the departure"
            )
            probs.append(Problem(MOVES, r.row, "from", why))
    return probs


def read_previous(run: Path, foresterie: set[str] | None = None) -> PreviousPlan:
    """The previous run folder's plan/ and manifest, read as files a user may hand us
    (core.files: not UTF-8, not CSV, a column missing: one line, exit 2); with `foresterie`, a
    row naming another foresteria is refused at its row too."""
    plan = run / "plan"
    a_path, w_path = plan / "assignments.csv", plan / "waitlist.csv"
    for p in (a_path, w_path, run / "manifest.json"):
        if not p.is_file():
            raise _refuse(str(p), None, "file", "previous run has no such file")
    manifest = read_json(run, "manifest.json")
    scenario = manifest.get("scenario")
    name = scenario.get("name") if isinstance(scenario, dict) else None
    if not isinstance(name, str):
        raise _refuse(str(run / "manifest.json"), None, "scenario.name", "missing: not a run")
    stays = _stays(run)
    rows: dict[str, list[Assignment]] = defaultdict(list)
    at: dict[int, int] = {}  # id of an Assignment -> its row in the file
    cols = ("worker_id", "foresteria_id", "section", "from", "to")
    for r in read_csv(a_path, cols):
        if foresterie is not None and r["foresteria_id"] not in foresterie:
            why = f"unknown foresteria {r['foresteria_id'][:40]!r}"
            raise _refuse(str(a_path), r.row, "foresteria_id", why)
        try:
            start, end = date.fromisoformat(r["from"]), date.fromisoformat(r["to"])
            section = Section(r["section"])
        except ValueError:
            why = "section, from, to: not a section, or not dates YYYY-MM-DD"
            raise _refuse(str(a_path), r.row, "from", why) from None
        if end <= start:
            why = f"{r['worker_id'][:40]}: a bed from {start} to {end}: no night"
            raise _refuse(str(a_path), r.row, "to", why)
        wid = r["worker_id"]
        if stays is not None:  # the stay the previous run planned (its inputs/workers.csv)
            stay = stays.get(wid)
            if stay is None:
                why = f"{wid[:40]} is not one of the previous run's people (inputs/workers.csv)"
                raise _refuse(str(a_path), r.row, "worker_id", why)
            if start < stay[0] or end > stay[1]:
                why = (
                    f"{wid[:40]}: a bed {start}..{end} outside the stay {stay[0]}..{stay[1]} "
                    "the previous run planned (inputs/workers.csv): not a plan it made"
                )
                raise _refuse(str(a_path), r.row, "from" if start < stay[0] else "to", why)
        a = Assignment(
            worker_id=wid,
            foresteria_id=r["foresteria_id"],
            section=section,
            arrival=start,
            departure=end,
        )
        at[id(a)] = r.row
        rows[wid].append(a)
    for spans in rows.values():
        spans.sort(key=lambda a: a.arrival)
        for a, b in zip(spans, spans[1:], strict=False):
            if b.arrival < a.departure:  # two beds on a night: not a plan any run makes
                why = (
                    f"{b.worker_id[:40]}: a bed at {b.foresteria_id[:40]} {b.arrival}..{b.departure} "
                    f"while in one at {a.foresteria_id[:40]} {a.arrival}..{a.departure} (row "
                    f"{at[id(a)]}): two beds on the night of {b.arrival}"
                )
                raise _refuse(str(a_path), max(at[id(a)], at[id(b)]), "from", why)
    waiting = {r["worker_id"]: r["reason"] for r in read_csv(w_path, ("worker_id", "reason"))}
    # read first (what is wrong in a file says more than that it changed), then: as sealed
    check_sealed(run, manifest, "plan", (a_path, w_path))
    return PreviousPlan(
        rows=dict(rows),
        waiting=waiting,
        name=name,
        stays=stays,
        opens=_opens(run, manifest),
        restarted=_restarted(run, manifest),
    )


def _restarted(run: Path, manifest: dict[str, object]) -> dict[str, tuple[date, str | None]]:
    """The previous run's inputs/restarts.csv (as sealed): worker -> (date, pin or None)."""
    path = run / "inputs" / RESTARTS
    if not path.is_file():
        return {}
    check_sealed(run, manifest, "inputs", (path,))
    return {
        r["worker_id"]: (r.day("from"), r["foresteria_id"] or None)
        for r in read_csv(path, RESTART_COLS)
    }


def _opens(run: Path, manifest: dict[str, object]) -> dict[str, tuple[date, date]] | None:
    """foresteria -> (open_from, open_to) as the previous run read them (its
    inputs/foresterie.geojson, as sealed), or None when the folder holds no inputs."""
    path = run / "inputs" / "foresterie.geojson"
    if not path.is_file():
        return None
    check_sealed(run, manifest, "inputs", (path,))
    data = read_json(run, "inputs/foresterie.geojson")
    feats = data.get("features") if isinstance(data, dict) else None
    out = {}
    for k, f in enumerate(feats if isinstance(feats, list) else []):
        props = f.get("properties") if isinstance(f, dict) else None
        why = f"feature {k + 1}: id, open_from, open_to: not an id and dates YYYY-MM-DD"
        if not isinstance(props, dict):
            raise _refuse(str(path), None, "features", why)
        try:
            out[str(props["id"])] = (
                date.fromisoformat(str(props["open_from"])),
                date.fromisoformat(str(props["open_to"])),
            )
        except (KeyError, ValueError):
            raise _refuse(str(path), None, "features", why) from None
    return out


def check_sealed(
    run: Path, manifest: dict[str, object], part: str, files: tuple[Path, ...]
) -> None:
    """The previous run's files are those it made: the sha256 its manifest records of each
    (under `part`: `plan`, `inputs`) matches the file (an edited plan/ is refused before
    anything is planned from it, as `verify` refuses it)."""
    sealed = manifest.get(part)
    cut = _purge_cuts(run)
    for p in files:
        want = sealed.get(p.name) if isinstance(sealed, dict) else None
        if not isinstance(want, str):
            why = f"no sha256 of {part}/{p.name}: not a run foresterie made"
            raise _refuse(str(run / "manifest.json"), None, part, why)
        # a run still in use that a retention purge cut the people who had left from (README
        # "Retention"): the file as the purge left it, the manifest's when cut (review 19 R,
        # HIGH-7: the next intake was refused); `verify` checks the rest of the record
        was, now = cut.get(f"{part}/{p.name}", (None, None))
        if was == want and file_sha256(p) == now:
            continue
        if file_sha256(p) != want:
            why = f"changed since its run was made (sha256 differs from manifest.json's {part})"
            raise _refuse(str(p), None, "file", why)


def _purge_cuts(run: Path) -> dict[str, tuple[str, str]]:
    """file -> (sha256 when published, sha256 as cut) of each file a purge of people who had left
    cut in a run still in use (its purged.json, `ops/retention.py` purge_people); empty for a run
    no purge cut, or whose record is not one (then the sha256 check says the file changed)."""
    if not (run / "purged.json").is_file():
        return {}
    try:
        record = read_json(run, "purged.json")
    except ScenarioError:
        return {}
    files = record.get("files") if isinstance(record, dict) else None
    if not isinstance(files, dict) or record.get("scope") != "departed":
        return {}
    return {
        rel: (e["sha256"], e["kept_sha256"])
        for rel, e in files.items()
        if isinstance(e, dict)
        and isinstance(e.get("sha256"), str)
        and isinstance(e.get("kept_sha256"), str)
    }


def _stays(run: Path) -> dict[str, tuple[date, date]] | None:
    """worker -> (arrival, departure) as the previous run read them (inputs/workers.csv), or
    None when the folder holds no inputs (a replay's rebuilt previous plan)."""
    path = run / "inputs" / "workers.csv"
    if not path.is_file():
        return None
    out = {}
    for r in read_csv(path, ("worker_id", "arrival", "departure")):
        try:
            out[r["worker_id"]] = (
                date.fromisoformat(r["arrival"]),
                date.fromisoformat(r["departure"]),
            )
        except ValueError:
            raise _refuse(str(path), r.row, "arrival", "not dates YYYY-MM-DD") from None
    return out


def check_as_of(scenario: Scenario, as_of: date) -> None:
    """A re-plan's date is a day of the season: before it nothing has happened (the re-plan would
    be a new plan), after it everything has (a copy); either is a mistyped date, so refused."""
    s = scenario.config.scenario
    if not s.season_start <= as_of <= s.season_end:
        why = (
            f"{as_of} is outside the season {s.season_start}..{s.season_end} "
            "(scenario.toml [scenario]): a re-plan's date is a day of the season"
        )
        raise _refuse("--as-of", None, "date", why)


def check_previous(prev: PreviousPlan, scenario: Scenario, as_of: date, run: Path) -> None:
    """Refuse, in one line, a previous run that is not this season's: another scenario name, or
    someone it housed on a night before `as_of` who is in another section here (the nights
    before the date are over: a re-plan keeps them as they were). Someone it housed who is not
    in this scenario (a no-show released by an intake, someone gone) is dropped with their
    nights, and nights outside a person's stay here (an earlier departure, a later arrival
    recorded) are not kept: the scenario says who was there."""
    if prev.name != scenario.name:
        why = (
            f"the previous run is of scenario {prev.name[:40]!r}, this one is "
            f"{scenario.name[:40]!r}: a re-plan continues its own season's run"
        )
        raise _refuse(str(run / "manifest.json"), None, "scenario.name", why)
    people = {w.id: w for w in scenario.workers}
    bad = [
        f"{wid} was housed in {a.section.value}'s beds before {as_of}, is "
        f"{people[wid].section.value} here"
        for wid, spans in sorted(prev.rows.items())
        for a in spans[:1]
        if wid in people and spans[0].arrival < as_of and people[wid].section != a.section
    ]
    if bad:
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        why = (
            f"not a previous run of this season: {bad[0]}{more}; the nights before {as_of} "
            "are over and a re-plan keeps them"
        )
        raise _refuse(str(run / "plan" / "assignments.csv"), None, "worker_id", why)


def _past(w: Worker, why: str) -> WaitlistEntry:
    return WaitlistEntry(worker_id=w.id, priority=w.priority, code="past", reason=why, proven=True)


def _clip(a: Assignment, start: date | None = None, end: date | None = None) -> Assignment:
    return replace(
        a,
        arrival=max(a.arrival, start or a.arrival),
        departure=min(a.departure, end or a.departure),
    )


def _group_history(
    planned: list[Worker],
    kept: list[Assignment],
    history: dict[str, History],
    group_of: dict[str, str | None],
    rule: StayRule,
    frozen: set[str],
) -> dict[str, History]:
    """The nights a group slept at each foresteria before the date (`History.group_kept`) on
    each of its members planned with a History: the group's part of its stay there (the minimum
    overlap is the group's, review 18 R MEDIUM-5) counts them, as the verifier reads the whole
    plan. A group whose members in a bed before the date all have their stay over (`frozen`)
    gives them to its members still to come, through a History of their own (one foresteria:
    where the group sleeps is what the nights kept show): a member joining for three nights
    after one who stayed two is the group's stay of five, not three. With min_overlap_share
    each member keeps their own rule (units._group_fits)."""
    if not rule.partial or rule.min_share > 0:
        return history
    nights: dict[str, dict[str, set[date]]] = defaultdict(lambda: defaultdict(set))
    for a in kept:
        if gid := group_of.get(a.worker_id):
            nights[gid][a.foresteria_id].update(date_range(a.arrival, a.departure))
    if not nights:
        return history
    out = dict(history)
    ruled = {group_of[w] for w in history}
    for w in planned:
        gid = w.group_id
        if gid not in nights:
            continue
        at = tuple(sorted((fid, len(ns)) for fid, ns in nights[gid].items()))
        if w.id in out:
            out[w.id] = replace(out[w.id], group_kept=at)
        elif gid in frozen and gid not in ruled:
            need = rule.needed(w)
            out[w.id] = History(spans=1, first=need, rest=need, group_kept=at)
    return out


def _one_pin_a_group(workers: list[Worker], lived: set[str], moving: set[str]) -> list[Worker]:
    """The run's record of people (inputs/workers.csv) pins a resident where they arrived and a
    member of their group not yet arrived where the group sleeps from the date. A member may
    join a group after it moved at a closing and sleep at its second site only (review 18 R,
    MEDIUM-5): the record would pin the group to two sites, which a scenario may not say, or,
    where the group moves after the date (`moving`: groups whose residents are promised two
    sites), the newcomer where they never sleep. Such a group keeps the pin of its first
    place (the earliest arrival's) and its other members are recorded unpinned (they are
    planned pinned with the group; the verifier holds the group to one place night by night);
    in a group moving after the date its newcomers are. `lived`: those in a bed before it."""
    first: dict[str, tuple[date, str]] = {}
    pins: dict[str, set[str]] = defaultdict(set)
    for w in workers:
        if w.group_id and w.pinned_foresteria:
            pins[w.group_id].add(w.pinned_foresteria)
            here = (w.arrival, w.pinned_foresteria)
            first[w.group_id] = min(first.get(w.group_id, here), here)
    split = {g for g, ps in pins.items() if len(ps) > 1}
    if not split and not moving:
        return workers
    return [
        replace(w, pinned_foresteria=None)
        if (w.group_id in split and w.pinned_foresteria != first[w.group_id][1])
        or (w.group_id in moving and w.id not in lived)
        else w
        for w in workers
    ]


def _history(w: Worker, mine: list[Assignment], pin: str, as_of: date, rule: StayRule) -> History:
    """What the nights kept before `as_of` leave a resident planned from it, pinned at `pin`
    (units.History): the verifier reads the stay rules over the whole plan (the kept rows and
    the planned ones) and the whole stay, the model plans from the date. The kept row that ends
    on the date at the pin is one row with the first span planned (replan.glue)."""
    glued = bool(mine) and mine[-1].departure == as_of and mine[-1].foresteria_id == pin
    before = len(mine) - int(glued)  # rows that end before the planned part begins
    need = rule.needed(w)  # the whole stay here
    if before == 0:
        first = 1  # the first row, at the pin: no minimum evicts them (verifier alike)
    elif glued:
        first = max(1, need - (mine[-1].departure - mine[-1].arrival).days)
    else:
        first = need
    return History(
        spans=1 + rule.max_transfers - before,
        first=first,
        rest=need,
        arrival=w.arrival,
        kept=sum(_nights(a) for a in mine),
        before=before,
    )


def _resumed(
    w: Worker, mine: list[Assignment], fs: dict[str, Foresteria], as_of: date, rule: StayRule
) -> History | None:
    """A resident whose bed ended by `as_of` (at a closing, or at the departure the previous
    run had) and whose stay runs on: the rows kept stand, the next one begins where the verifier
    has it begin, at the later of the last kept night's morning and the site's opening (a
    night in between without a bed ends the stay there, unless a closing ended it); a bed that
    ended before its site closed and before the departure here goes on in the same place."""
    last = mine[-1]
    if last.departure < fs[last.foresteria_id].open_to + timedelta(days=1):
        # not ended by a closing: only the same bed, from the date, continues it
        if last.departure < as_of:
            return None  # nights without a bed inside the stay: no plan keeps the rule
        return replace(
            _history(w, mine, last.foresteria_id, as_of, rule), at=last.foresteria_id, resume=as_of
        )
    return History(
        spans=1 + rule.max_transfers - len(mine),
        first=rule.needed(w),
        rest=rule.needed(w),
        resume=last.departure,
        arrival=w.arrival,
        kept=sum(_nights(a) for a in mine),
        before=len(mine),
    )


def _nights(a: Assignment) -> int:
    return (a.departure - a.arrival).days


def _past_fits(
    mine: list[Assignment],
    stay: tuple[date, date],
    opens: dict[str, tuple[date, date]],
    as_of: date,
    partial: bool,
) -> bool:
    """Whether the nights kept before `as_of` (`mine`, in date order, none after it) are a plan
    of the stay `stay` (arrival, departure) with the foresterie open `opens` (open_from,
    open_to): every night inside the stay and a site's opening, and, with partial stays, each
    bed from the arrival (or the move, or the opening) to the departure or closing, or to the
    date (where the plan from the date goes on); with whole stays, one bed from the arrival."""
    prev_end: date | None = None
    for k, a in enumerate(mine):
        if a.foresteria_id not in opens:
            return False
        o_from, o_to = opens[a.foresteria_id]
        closes = o_to + timedelta(days=1)
        if a.arrival < max(stay[0], o_from) or a.departure > min(stay[1], closes):
            return False
        if not partial:
            if k > 0 or a.arrival != stay[0] or a.departure not in (stay[1], as_of):
                return False
            continue
        first = max(stay[0] if prev_end is None else prev_end, o_from)
        if a.arrival != first or a.departure not in (min(stay[1], closes), as_of):
            return False
        prev_end = a.departure
    return True


def restart_rows(replan: Replan) -> list[list[str]]:
    """The run's inputs/restarts.csv rows (RESTART_COLS): those carried and the date's own."""
    both = replan.carried | {w: (replan.as_of, pin) for w, pin in replan.restarts.items()}
    return [[w, d.isoformat(), pin or ""] for w, (d, pin) in sorted(both.items())]


def restarts(scenario: Scenario, prev: PreviousPlan, as_of: date) -> dict[str, str | None]:
    """The people whose stay rules begin again on `as_of` (README "Re-planning mid-season":
    the past by the previous run's inputs): those whose nights kept before the date are not a
    plan of their stay with the foresterie here (a site's opening dates corrected on nights
    lived, a stay extended after a night without a bed) but are one of the stay and the
    foresterie the previous run read (its inputs/workers.csv and foresterie.geojson). From the
    date they are planned as someone arriving then: pinned at the bed they sleep in on the
    night before, if its site is open on the date here (worker -> that foresteria, or None)."""
    if prev.stays is None or prev.opens is None:
        return {}
    partial = scenario.config.housing.partial_stays
    here = {f.id: (f.open_from, f.open_to) for f in scenario.foresterie}
    out: dict[str, str | None] = {}
    no_shows = read_no_shows(scenario, as_of)  # never came: no nights kept, nothing to restart
    for w in scenario.workers:
        if w.arrival >= as_of or w.id not in prev.rows or w.id not in prev.stays:
            continue
        if w.id in no_shows:
            continue
        end = min(w.departure, as_of)
        mine = [
            _clip(a, start=w.arrival, end=end)
            for a in prev.rows[w.id]
            if max(a.arrival, w.arrival) < min(a.departure, end)
        ]
        arrival, was = w.arrival, prev.stays[w.id]
        if w.id in prev.restarted and prev.restarted[w.id][0] < as_of:
            # the rules began again on an earlier date: the nights from it are those judged
            arrival = prev.restarted[w.id][0]
            was = (arrival, was[1])
            mine = [_clip(a, start=arrival) for a in mine if a.departure > arrival]
        if not mine or _past_fits(mine, (arrival, w.departure), here, as_of, partial):
            continue
        if not _past_fits(mine, was, prev.opens, as_of, partial):
            continue  # the past contradicts its own run too: the check of the whole plan says
        last = mine[-1]
        f_from, f_to = here.get(last.foresteria_id, (as_of, as_of - timedelta(days=1)))
        at_date = last.departure == as_of and f_from <= as_of <= f_to
        out[w.id] = last.foresteria_id if at_date else None
    return out


def apply_as_of(scenario: Scenario, prev: PreviousPlan, as_of: date) -> Replan:
    """The re-plan's people (review 15, findings 6, 10, 12, 14; README "Re-planning mid-season"):
    - every night before `as_of` of someone the previous plan housed is kept as it was (`kept`),
      transfers made included; nobody else is put in a bed before `as_of`;
    - a resident (housed, arrived before `as_of`, with a bed from it on) is planned from `as_of`,
      pinned where they sleep from then, and promised the previous plan's foresterie from then
      on when they differ from where they arrived (a transfer made or to come): that option is
      theirs while it fits the scenario and the beds the residents hold (`_hold`);
    - a resident whose previous beds all end by `as_of` keeps them and is not planned again;
    - waitlisted and arrived (no bed in the previous plan): planned from `as_of` like a new
      arrival, so a freed or added bed goes by priority, not to whoever arrives later; `past`
      (kept as the previous plan decided) only when no night of the stay is left from `as_of`;
    - a group is one unit: pinned together where a member lives, and `past` together when a
      member waitlisted before `as_of` has no night left (the others would be housed without
      them: a split the verifier refuses).
    The run records residents at their true arrival, pinned where they arrived (what the nights
    kept show); those planned from `as_of` without a bed before it at `as_of`."""
    no_shows = read_no_shows(scenario, as_of)
    rows = {wid: s for wid, s in prev.rows.items() if wid not in no_shows}  # they never came
    waiting = prev.waiting
    again = restarts(scenario, prev, as_of)
    carried = {w: r for w, r in prev.restarted.items() if r[0] < as_of and w not in again}
    moved = read_moves(scenario, as_of)
    moves = {wid: m.foresteria_id for wid, m in moved.items() if m.start == as_of}  # new ones
    ahead = {
        wid: [_clip(a, start=as_of) for a in s if a.departure > as_of] for wid, s in rows.items()
    }
    where = {wid: (ahead[wid] or s)[0].foresteria_id for wid, s in rows.items()}
    arrived_groups = {
        w.group_id: where[w.id]
        for w in scenario.workers
        if w.group_id and w.arrival < as_of and w.id in rows and ahead[w.id]
    }
    ended = {  # groups waitlisted before as_of with a member whose stay is over
        w.group_id
        for w in scenario.workers
        if w.group_id and w.arrival < as_of and w.id in waiting and w.departure <= as_of
    }
    frozen = {  # groups with a member housed before as_of whose stay is over: their places
        w.group_id  # are those the kept nights show (a group sleeps in the same foresterie)
        for w in scenario.workers
        if w.group_id and w.arrival < as_of and w.id in rows and w.departure <= as_of
    }
    workers: list[Worker] = []
    planned: list[Worker] = []
    past: list[WaitlistEntry] = []
    kept: list[Assignment] = []
    promised: dict[str, tuple[str, ...]] = {}
    history: dict[str, History] = {}
    rule = stay_rule(scenario)
    opens = {f.id: f for f in scenario.foresterie}
    late: list[str] = []  # newcomers whose nights before as_of are over (finding 6)
    residents: list[Worker] = []  # arrived, with a bed from as_of in the previous plan
    for w in scenario.workers:
        if w.id in no_shows:  # an intake's no-show: waitlisted until a check-in (`NO_SHOWS`)
            past.append(no_show_entry(w, no_shows[w.id]))
            workers.append(replace(w, pinned_foresteria=None))
            continue
        end = min(w.departure, as_of)  # the nights of the stay here only
        mine = [
            _clip(a, start=w.arrival, end=end)
            for a in rows.get(w.id, [])
            if max(a.arrival, w.arrival) < min(a.departure, end)
        ]
        # a resident: what is over is kept (someone whose previous nights all fall outside
        # the stay here, an arrival recorded later, is planned as someone new)
        if w.arrival < as_of and w.id in rows and (mine or ahead[w.id]):
            kept += mine
            first = (mine or ahead[w.id] or rows[w.id])[0].foresteria_id  # their plan's first row
            workers.append(replace(w, pinned_foresteria=first))
            if w.departure <= as_of:
                if w.id in moves:
                    raise _move_refused(scenario, w.id, f"their stay ends by {as_of}")
                continue  # the stay is over: nothing to plan
            if w.id in moves:
                # moving on request from the date (`foresterie intake`): the nights before it
                # are kept as they were, and from it they are planned as someone arriving at
                # the foresteria asked for (pinned; no promise, no previous place to keep)
                planned.append(replace(w, arrival=as_of, pinned_foresteria=moves[w.id]))
                continue
            if w.id in again:
                # the nights kept are a plan of the previous run's stay and foresterie, not of
                # this scenario's: the stay rules begin again on the date (`restarts`), as for
                # someone arriving then (no promise, no history), pinned where they sleep
                planned.append(replace(w, arrival=as_of, pinned_foresteria=again[w.id]))
                continue
            if w.id in carried and w.id not in moved:  # the rules from an earlier restart on
                start = carried[w.id][0]
                w = replace(w, arrival=start)
                mine = [_clip(a, start=start) for a in mine if a.departure > start]
            sites = tuple(dict.fromkeys(a.foresteria_id for a in ahead[w.id]))
            if not sites or opens[sites[0]].open_to < as_of:
                # No bed from the date in the previous plan (it ended at a closing or at the
                # departure then, the stay runs on here), or the bed's site now closes before
                # it: planned from the date like anyone without a bed, within the rules the
                # nights kept leave (_resumed), unpinned.
                h = None
                if mine and rule.partial:
                    h = _resumed(w, mine, opens, as_of, rule)
                elif mine and mine[-1].departure == as_of:  # whole stays: the same bed on
                    h = History(spans=1, first=1, rest=1, at=mine[-1].foresteria_id, resume=as_of)
                if h is not None and w.group_id in frozen:  # the same bed on, or none
                    h = replace(h, spans=1) if h.at is not None else None
                if h is not None:  # else the check of the whole plan says why (exit 2)
                    history[w.id] = h
                    planned.append(replace(w, arrival=as_of, pinned_foresteria=None))
                continue
            if len({a.foresteria_id for a in rows[w.id]}) > 1:
                promised[w.id] = sites
            planned.append(replace(w, arrival=as_of, pinned_foresteria=sites[0]))
            residents.append(planned[-1])
            if rule.partial:
                if w.id in moved:  # moved on request before: the rules from that night on
                    start = moved[w.id].start
                    w, mine = replace(w, arrival=start), [a for a in mine if a.arrival >= start]
                h = _history(w, mine, sites[0], as_of, rule)
                history[w.id] = replace(h, spans=1) if w.group_id in frozen else h
            continue
        if w.id in moves:
            raise _move_refused(scenario, w.id, f"not in a bed before {as_of} in the previous run")
        if w.arrival < as_of and w.id not in waiting:
            late.append(w.id)
            if w.departure <= as_of:
                why = f"stayed {w.arrival}..{w.departure}, before {as_of}, unknown to the previous run"
                past.append(_past(w, why))
                workers.append(w)
                continue
            w = replace(w, arrival=as_of)
        waited = w.arrival < as_of and w.id in waiting and w.group_id not in arrived_groups
        if waited and w.departure <= as_of:
            # the reason of the first re-plan that said it, once (review 19 S, LOW-B)
            said = _PAST_WAITED.sub("", waiting[w.id], count=1)
            past.append(_past(w, f"waitlisted before {as_of}, no night left: {said}"))
            workers.append(w)
            continue
        if w.group_id in ended and w.group_id not in arrived_groups:
            why = f"group waitlisted before {as_of}, a member's stay over by then"
            said = _PAST_WAITED.sub("", waiting.get(w.id, "not in the previous plan"), count=1)
            past.append(_past(w, f"{why}: {said}"))
            workers.append(w)
            continue
        pin = arrived_groups.get(w.group_id, w.pinned_foresteria) if w.group_id else None
        pin = pin or w.pinned_foresteria
        w = replace(w, arrival=max(w.arrival, as_of), pinned_foresteria=pin)
        workers.append(w)
        planned.append(w)
    group_of = {w.id: w.group_id for w in scenario.workers}
    history = _group_history(planned, kept, history, group_of, rule, frozen)
    lived = {a.worker_id for a in kept} | {w.id for w in residents} | set(history)
    moving = {g for w, sites in promised.items() if (g := group_of[w]) and len(sites) > 1}
    workers = _one_pin_a_group(workers, lived, moving)
    promised = _hold(scenario, residents, ahead, promised, group_of)
    warnings = scenario.warnings
    if late:
        said = ", ".join(late[:5]) + (f" and {len(late) - 5} more" if len(late) > 5 else "")
        warnings += (
            Problem(
                "--as-of",
                None,
                "arrival",
                f"{len(late)} {'person' if len(late) == 1 else 'people'} the previous run does not "
                f"know arrived before {as_of}: "
                f"planned from {as_of}, the nights before are over ({said})",
            ),
        )
    # the moves made from the date pin their people (`moves`): an infeasibility names the row
    # of moves.csv (housing/waitlist.py `_rows_text`), not a workers.csv pin nobody wrote
    # (review 18 R, LOW-5)
    files = {**scenario.files, "moves": scenario.root / MOVES} if moves else scenario.files
    return Replan(
        scenario=replace(scenario, workers=tuple(workers), warnings=warnings),
        to_plan=replace(scenario, workers=tuple(planned), warnings=warnings, files=files),
        past=past,
        kept=kept,
        where={
            wid: f
            for wid, f in where.items()
            if wid in {w.id for w in planned} and wid not in moves  # a move asked is no loss
        },
        promised=promised,
        history=history,
        as_of=as_of,
        restarts=again,
        past_opens=prev.opens,
        carried=carried,
    )


def _move_refused(scenario: Scenario, wid: str, why: str) -> ScenarioError:
    return _refuse(
        str(scenario.root / MOVES), None, "worker_id", f"{wid}: {why}: a move is for a resident"
    )


def _hold(
    scenario: Scenario,
    residents: list[Worker],
    ahead: dict[str, list[Assignment]],
    promised: dict[str, tuple[str, ...]],
    group_of: dict[str, str | None],
) -> dict[str, tuple[str, ...]]:
    """The promises the scenario's beds can hold: every resident's previous beds from the date
    on are counted, those without a promise first (they are pinned where they are), then the
    promises by priority (highest first), a group as one, then id; a promise that would put a
    foresteria's section over its beds on a night is withdrawn (its holder is then planned by
    the tiers from where they are), and so listed as a change (`changes`)."""
    beds = {f.id: f for f in scenario.foresterie}
    load: dict[tuple[str, str, date], int] = defaultdict(int)

    def nights(ws: list[Worker]) -> list[tuple[str, str, date]]:
        return [
            (a.foresteria_id, a.section.value, d)
            for w in ws
            for a in ahead[w.id]
            for d in (
                a.arrival + timedelta(days=k)
                for k in range((min(a.departure, w.departure) - a.arrival).days)
            )
        ]

    for key in nights([w for w in residents if w.id not in promised]):
        load[key] += 1
    units: dict[str, list[Worker]] = defaultdict(list)
    for w in residents:
        if w.id in promised:
            units[group_of.get(w.id) or w.id].append(w)
    order = sorted(units.values(), key=lambda ws: (-max(w.priority for w in ws), ws[0].id))
    out: dict[str, tuple[str, ...]] = {}
    for ws in order:
        use = nights(ws)
        more: dict[tuple[str, str, date], int] = defaultdict(int)
        for key in use:
            more[key] += 1
        f_ok = all(
            k[0] in beds and load[k] + n <= beds[k[0]].beds(Section(k[1])) for k, n in more.items()
        )
        for key in use:
            load[key] += 1  # pinned where they are either way: their first part is held
        if f_ok:
            out |= {w.id: promised[w.id] for w in ws}
    return out


def until_released(kept: list[Assignment], released: dict[str, date]) -> list[Assignment]:
    """The kept nights up to each person's release for days without work (housing/release.py),
    when the scenario's farm calendar now releases them before the date."""
    return [
        replace(a, departure=min(a.departure, released.get(a.worker_id, a.departure)))
        for a in kept
        if a.worker_id not in released or a.arrival < released[a.worker_id]
    ]


def glue(kept: list[Assignment], planned: list[Assignment], as_of: date) -> list[Assignment]:
    """The re-plan's assignments: the nights kept before `as_of` and those planned from it, a kept
    row that ends on `as_of` and a planned one that starts there at the same foresteria and
    section made one (the bed was never left), sorted as housing sorts them."""
    starts = {(a.worker_id, a.foresteria_id, a.section): a for a in planned if a.arrival == as_of}
    out, used = [], set()
    for a in kept:
        b = starts.get((a.worker_id, a.foresteria_id, a.section))
        if a.departure == as_of and b is not None:
            out.append(replace(a, departure=b.departure))
            used.add(id(b))
        else:
            out.append(a)
    out += [a for a in planned if id(a) not in used]
    return sorted(out, key=lambda a: (a.worker_id, a.arrival))


def changes(
    prev: PreviousPlan, scenario: Scenario, assignments: list[Assignment], as_of: date
) -> list[list[str]]:
    """Rows of plan/replan_changes.csv: each resident (arrived before `as_of`, housed in the
    previous plan) whose beds from `as_of` on are not those the previous plan promised
    (`worker_id, was, now`: foresteria from..to, ';' between spans, empty for no bed). Ids and
    places only, as plan/assignments.csv has them (README "Re-planning mid-season")."""

    def ahead(spans: list[Assignment]) -> list[tuple[str, date, date]]:
        got = [(max(a.arrival, as_of), a.departure, a.foresteria_id) for a in spans]
        return [(f, a, d) for a, d, f in sorted(got) if d > as_of]

    def said(spans: list[tuple[str, date, date]]) -> str:
        return ";".join(f"{f} {a}..{d}" for f, a, d in spans)

    now: dict[str, list[Assignment]] = defaultdict(list)
    for a in assignments:
        now[a.worker_id].append(a)
    out = []
    never = read_no_shows(scenario)  # an intake's no-shows did not arrive: no bed was theirs
    for w in sorted(scenario.workers, key=lambda w: w.id):
        if w.arrival < as_of and w.id in prev.rows and w.id not in never:
            was, new = ahead(prev.rows[w.id]), ahead(now.get(w.id, []))
            if was != new:
                out.append([w.id, said(was), said(new)])
    return out


def _kept_rules(
    w: Worker,
    rs: list[Assignment],
    scenario: Scenario,
    matrix: TravelMatrix,
    leaves: date,
    single: bool = True,
) -> list[tuple[str, str]]:
    """The stay rules of one person's whole plan (the rows kept before the date and those
    planned from it) read as the verifier reads them, over the whole stay: (field, what). A
    group's member (`single` False) is held to the minimum overlap with the group
    (`_group_minimum`), not alone."""
    rule = stay_rule(scenario)
    fs = {f.id: f for f in scenario.foresterie}
    seq = ", ".join(f"{a.foresteria_id} {a.arrival}..{a.departure}" for a in rs)
    if not rule.partial:
        if len(rs) != 1 or (rs[0].arrival, rs[0].departure) != (w.arrival, leaves):
            return [
                (
                    "housing.partial_stays",
                    f"beds {seq}; with whole stays one bed for the stay {w.arrival}..{leaves}",
                )
            ]
        return []
    out = []
    if len(rs) > 1 + rule.max_transfers:
        out.append(
            (
                "housing.max_transfers",
                f"beds {seq}: {len(rs)} foresterie, max_transfers {rule.max_transfers} allows "
                f"{1 + rule.max_transfers}",
            )
        )
    need = max(rule.min_nights, math.ceil(rule.min_share * (leaves - w.arrival).days - 1e-9))
    cap = scenario.config.housing.max_commute_min * 60
    prev_end: date | None = None
    for k, a in enumerate(rs):
        f = fs[a.foresteria_id]
        closes = f.open_to + timedelta(days=1)
        first = max(w.arrival if prev_end is None else prev_end, f.open_from)
        if (a.arrival, a.departure) != (first, min(leaves, closes)):
            why = f"{a.foresteria_id} {a.arrival}..{a.departure}, the stay's part there {first}..{min(leaves, closes)} (from arrival, opening or move to departure or closing)"
            out.append(("stay dates", why))
        pinned = k == 0 and w.pinned_foresteria == a.foresteria_id
        if single and (a.departure - a.arrival).days < (1 if pinned else need):
            out.append(
                (
                    "housing.min_overlap_nights",
                    f"{a.foresteria_id} {a.arrival}..{a.departure}: {(a.departure - a.arrival).days} nights, the stay needs {need}",
                )
            )
        if a.foresteria_id in w.avoid:
            out.append(
                (
                    "avoid_sites",
                    f"{a.foresteria_id} {a.arrival}..{a.departure}: a site to avoid of a "
                    "referral record (referrals.csv)",
                )
            )
        if w.work_farm and not pinned and matrix.secs(a.foresteria_id, w.work_farm) > cap:
            out.append(
                (
                    "housing.max_commute_min",
                    f"{a.foresteria_id} {a.arrival}..{a.departure}: {matrix.secs(a.foresteria_id, w.work_farm) / 60:.0f} min from farm {w.work_farm}",
                )
            )
        prev_end = a.departure
    if len(rs) == 2:
        b = fs[rs[1].foresteria_id]
        alone = (min(leaves, b.open_to + timedelta(days=1)) - max(w.arrival, b.open_from)).days
        total = sum((a.departure - a.arrival).days for a in rs)
        if total <= alone:
            out.append(
                (
                    "housing.max_transfers",
                    f"beds {seq}: the move gains no night ({total}, {alone} at {b.id} alone)",
                )
            )
    return out


def _group_kept(
    ms: list[tuple[Worker, list[Assignment], date]], rule: StayRule
) -> list[tuple[str, str]]:
    """A group's whole plan read as the verifier reads it (review 18 R, MEDIUM-5): in one
    place (all its members in a bed or none, never two foresterie on one night); its part at
    each foresteria (the nights at least one member sleeps there) at least the most any
    member's stay needs, save where a pinned member's first bed is. (field, what); "group" is
    the group_id field."""
    housed = [(w, rs, leaves) for w, rs, leaves in ms if rs]
    if housed and len(housed) < len(ms):
        return [("group", "members with and without a bed: a group sleeps in the same place")]
    where: dict[date, str] = {}
    at: dict[str, set[date]] = defaultdict(set)
    for _, rs, _ in housed:
        for a in rs:
            for d in date_range(a.arrival, a.departure):
                at[a.foresteria_id].add(d)
                if where.setdefault(d, a.foresteria_id) != a.foresteria_id:
                    why = f"members at {where[d]} and {a.foresteria_id} on the night of {d}"
                    return [("group", f"{why}: a group sleeps in the same foresterie")]
    if not rule.partial:
        return []
    return [
        (
            "housing.min_overlap_nights",
            f"the group at {fid}: {len(nights)} nights, its stay needs {need}",
        )
        for need in [
            max(
                (
                    max(rule.min_nights, math.ceil(rule.min_share * (e - w.arrival).days - 1e-9))
                    for w, _, e in housed
                ),
                default=0,
            )
        ]
        for fid, nights in sorted(at.items())
        if len(nights) < need
        and not any(rs[0].foresteria_id == fid == w.pinned_foresteria for w, rs, _ in housed)
    ]


def check_whole_plan(
    scenario: Scenario,
    assignments: list[Assignment],
    waitlist: list[WaitlistEntry],
    matrix: TravelMatrix,
    as_of: date,
    released: dict[str, date],
    restarts: dict[str, str | None] | None = None,
    carried: dict[str, tuple[date, str | None]] | None = None,
) -> list[WaitlistEntry]:
    """Refuse, in one line (exit 2), a re-plan whose nights kept before `as_of` and those
    planned from it break a rule the verifier reads over the whole stay, for someone in a bed
    before the date: the model keeps these rules for residents (units.History), so what is
    left is the past contradicting the scenario here (a transfer made where max_transfers is
    now 0, a site whose opening dates or beds changed on nights that are over, a farm now out
    of reach of the bed one lives in, a stay extended past a bed that ended before the date).
    Nothing is written: publishing such a plan would fail verification (exit 1) with no word
    of what to change. Returns the waitlist without those in a bed before the date (whom the
    tiers left without one from it: their kept rows are their plan)."""
    people = {w.id: w for w in scenario.workers}
    rule = stay_rule(scenario)
    moves = read_moves(scenario, as_of)
    starts = dict(carried or {}) | {w: (as_of, pin) for w, pin in (restarts or {}).items()}
    rows: dict[str, list[Assignment]] = defaultdict(list)
    for a in assignments:
        rows[a.worker_id].append(a)
    waiting = {e.worker_id: e for e in waitlist}
    before = {a.worker_id for a in assignments if a.arrival < as_of}
    bad: list[tuple[str, str, str]] = []  # (field, who, what)
    for wid in sorted(before):
        w = people[wid]
        rs = sorted(rows[wid], key=lambda a: a.arrival)
        if wid in moves:  # moved on request: the rules hold from the move, as for an arrival
            m = moves[wid]
            w = replace(w, arrival=m.start, pinned_foresteria=m.foresteria_id)
            rs = [a for a in rs if a.arrival >= m.start]
            if not rs:
                continue
        elif wid in starts:  # the rules begin again on a re-plan's date (`restarts`)
            start, pin = starts[wid]
            w = replace(w, arrival=start, pinned_foresteria=pin)
            rs = [_clip(a, start=start) for a in rs if a.departure > start]
            if not rs:
                continue
        leaves = released.get(wid, w.departure)
        broken = _kept_rules(w, rs, scenario, matrix, leaves, single=not w.group_id)
        if wid in waiting and broken:  # the cause first: no bed from the date
            code, words = waiting[wid].published  # no priority or referral beside the id
            broken.insert(0, ("stay dates", f"no bed from {as_of} ({code}: {words})"))
        if any(f == "avoid_sites" for f, _ in broken):  # no id beside a referral's word
            broken = [(f, what) for f, what in broken if f == "avoid_sites"]
            bad += [(f, "someone", what) for f, what in broken]
            continue
        bad += [(f, wid, what) for f, what in broken]
    members: dict[str, list[tuple[Worker, list[Assignment], date]]] = defaultdict(list)
    for w in scenario.workers:
        if gid := w.group_id:
            rs = sorted(rows.get(w.id, []), key=lambda a: a.arrival)
            if w.id in moves:  # a group moves whole: where it is from the move on (verifier)
                m = moves[w.id]
                w = replace(w, arrival=m.start, pinned_foresteria=m.foresteria_id)
                rs = [a for a in rs if a.arrival >= m.start]
            elif w.id in starts:
                start, pin = starts[w.id]
                w = replace(w, arrival=start, pinned_foresteria=pin)
                rs = [_clip(a, start=start) for a in rs if a.departure > start]
            members[gid].append((w, rs, released.get(w.id, w.departure)))
    for gid, ms in sorted(members.items()):
        if any(people[x].group_id == gid for x in before):
            bad += [
                ("group_id" if f == "group" else f, gid, why) for f, why in _group_kept(ms, rule)
            ]
    fs = {f.id: f for f in scenario.foresterie}
    used: dict[tuple[str, str, date], int] = defaultdict(int)
    for a in assignments:
        d = a.arrival
        while d < min(a.departure, as_of):
            used[a.foresteria_id, a.section.value, d] += 1
            if people[a.worker_id].accessible:
                used[a.foresteria_id, "accessible", d] += 1
            d += timedelta(days=1)
    for (fid, kind, d), n in sorted(used.items()):
        f = fs[fid]
        cap = f.beds_accessible if kind == "accessible" else f.beds(Section(kind))
        if n > cap:
            bad.append((f"beds_{kind}", fid, f"{n} people on the night of {d}, {cap} beds here"))
    if bad:
        # a rule of the scenario first (max_transfers, a minimum, reach, beds), then the dates
        field, who, what = min(bad, key=lambda b: (b[0] == "stay dates", bad.index(b)))
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        why = (
            f"{who}: {what}{more}; the nights before {as_of} are over as the previous run "
            "planned them, and no plan from the date keeps this rule with the scenario here"
        )
        raise _refuse("--as-of", None, field, why)
    # someone in a bed before the date whom the tiers left without one from it: the kept rows
    # are their plan (they end where the rules allow), the nights after them are uncovered
    return [e for e in waitlist if e.worker_id not in before]


# Tiers whose objective is a sum over the plan's people or nights: the nights kept before the
# date add a constant to them (to the objective and its bound alike).
_SUMS = ("housed_priority_", "bed_nights", "transfers", "commute_s")


def _figures(
    assignments: list[Assignment], scenario: Scenario, matrix: TravelMatrix
) -> dict[str, int]:
    """The tiers' figures of a plan, as the verifier recomputes them from plan/ (people housed by
    priority and contract, bed-nights, people with more than one row, commute seconds x
    workdays, peak per mille of a foresteria's beds on a night)."""
    people = {w.id: w for w in scenario.workers}
    farms = farms_by_id(scenario)
    beds = {f.id: sum(f.beds(s) for s in SECTIONS) for f in scenario.foresterie}
    rows: dict[str, list[Assignment]] = defaultdict(list)
    used: dict[tuple[str, date], int] = defaultdict(int)
    out: dict[str, int] = defaultdict(int)
    for a in assignments:
        rows[a.worker_id].append(a)
        w = people[a.worker_id]
        out["bed_nights"] += (a.departure - a.arrival).days
        if w.work_farm:
            farm = farms[w.work_farm]
            days = workdays_between(a.arrival, a.departure, farm.workdays)
            out["commute_s"] += matrix.secs(a.foresteria_id, farm.id) * days
        for k in range((a.departure - a.arrival).days):
            used[a.foresteria_id, a.arrival + timedelta(days=k)] += 1
    for wid, rs in rows.items():
        w = people[wid]
        out[f"housed_priority_{w.priority}"] += 1
        out[f"housed_priority_{w.priority}_contract"] += int(w.contract)
        out["transfers"] += int(len(rs) > 1)
    out["peak_permille"] = max(
        (math.ceil(1000 * n / beds[f]) for (f, _), n in used.items() if beds[f]), default=0
    )
    return out


def with_past(
    tiers: list[TierResult],
    planned: list[Assignment],
    kept: list[Assignment],
    glued: list[Assignment],
    scenario: Scenario,
    matrix: TravelMatrix,
) -> list[TierResult]:
    """The tiers of the re-plan's whole plan (`glued`: the nights kept before the date and those
    planned from it), which is what plan/ shows and the verifier recomputes: a sum tier's
    objective and bound both grow by what the kept nights add (a constant: the proof stands);
    the peak is the larger of the planned one and the kept nights' (its bound too)."""
    now, model = _figures(glued, scenario, matrix), _figures(planned, scenario, matrix)
    past_peak = _figures(kept, scenario, matrix)["peak_permille"]
    out = []
    for t in tiers:
        if t.name.startswith(_SUMS):
            d = now[t.name] - model[t.name]
            t = replace(t, objective=t.objective + d, bound=t.bound + d)
        elif t.name == "peak_permille" and past_peak > t.objective:
            t = replace(t, objective=past_peak, bound=max(t.bound, past_peak))
        out.append(t)
    if not any(t.name == "commute_s" for t in out) and kept:
        # nobody left to plan (every stay over by the date): the commute is the kept nights'
        # (the commute KPI reads this tier), with nothing decided
        c = now["commute_s"]
        out.append(
            TierResult(
                name="commute_s", sense="min", objective=c, bound=c, optimal=True, seconds=0.0
            )
        )
    return out
