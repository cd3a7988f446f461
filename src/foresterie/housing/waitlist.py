"""Why someone is not housed (true, checkable reasons) and why pinned people cannot fit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

import numpy as np

from foresterie.core.errors import InfeasibleError, Shortfall
from foresterie.core.files import read_csv
from foresterie.core.restricted import tie_break
from foresterie.core.timeutil import date_range, fmt_span
from foresterie.housing.release import release_days
from foresterie.housing.units import (
    Option,
    StayRule,
    Unit,
    eligibility,
    option_fits,
    spans,
    stay_rule,
    unit_options,
)
from foresterie.scenario.model import (
    SECTIONS,
    Assignment,
    Foresteria,
    Scenario,
    Section,
    Worker,
)
from foresterie.travel.matrix import TravelMatrix

# Why someone is waitlisted (README, "Waitlist reasons"); `past` comes from re-planning,
# `not_checked_in` from an intake (not checked in: a planned arrival's bed released, a bed given
# in the region released, or none ever theirs; no bed held or offered until they check in:
# housing/replan.py NO_SHOW_WORDS and its kin).
WaitlistCode = Literal[
    "far",
    "placement",
    "closed",
    "too_short",
    "no_section",
    "no_accessible",
    "too_large",
    "outranked",
    "full",
    "past",
    "not_checked_in",
    "heuristic",
]

# What plan/waitlist.csv says beside an id (README "Waitlist reasons"): a code and words that no
# restricted fact decides, since plan/ travels in the operator export. `outranked` (beds held by
# people of higher priority: the person's own is lower) reads `full`; `no_section` and
# `no_accessible` read `unsuitable`, whose words are the same. `placement` (a referral record's
# sites to avoid) reads `not_offered` (NOT_OFFERED): `unsuitable` beside it was refuted by the
# published inputs (a foresteria within reach, open, with the beds: review 19 R, HIGH-3). The
# detailed code and words go to the run's restricted part (restricted/waitlist_reasons.csv),
# where `verify` checks them.
PublicCode = Literal[
    "far",
    "closed",
    "too_short",
    "too_large",
    "full",
    "unsuitable",
    "not_offered",
    "past",
    "not_checked_in",
    "heuristic",
]
PUBLIC_CODE: dict[str, PublicCode] = {
    "far": "far",
    "placement": "not_offered",
    "closed": "closed",
    "too_short": "too_short",
    "no_section": "unsuitable",
    "no_accessible": "unsuitable",
    "too_large": "too_large",
    "outranked": "full",
    "full": "full",
    "past": "past",
    "not_checked_in": "not_checked_in",
    "heuristic": "heuristic",
}

# Who holds the beds of a `full` unit when pinned people alone fill them on the nights named.
RESIDENTS = "people already living there"

SECTION_BEDS = {
    Section.MEN: "men's beds",
    Section.WOMEN: "women's beds",
    Section.FAMILY: "family beds",
}

# The most foresterie a detailed reason names (restricted/waitlist_reasons.csv, and the sites a
# placement rules out in restricted/uncovered_reasons.csv), in the order the reason reads them;
# the rest are counted ("and 38 other foresterie"). At 50,000 workers a waitlisted person has ~44
# foresterie within reach, and a reason naming each with its nights ran past 4,000 characters,
# which nobody reads. No shipped season has more than 6 foresterie, so theirs name every one.
MAX_NAMED = 6


def others(n: int) -> str:
    """The foresterie a reason counts without naming them: '1 other foresteria', 'N other
    foresterie'."""
    return f"{n} other foresteri{'a' if n == 1 else 'e'}"


def named_list(names: Sequence[str]) -> str:
    """'A, B, C' of at most MAX_NAMED names, then ' and N other foresterie' for the rest."""
    shown = ", ".join(names[:MAX_NAMED])
    rest = len(names) - MAX_NAMED
    return f"{shown} and {others(rest)}" if rest > 0 else shown


@dataclass(frozen=True, kw_only=True)
class WaitlistEntry:
    worker_id: str
    priority: int
    code: WaitlistCode
    reason: str
    proven: bool
    public_reason: str = ""  # the words published beside the id when they differ from `reason`

    withheld: bool = False  # published `not_offered` (withhold_reasons), whatever its code

    @property
    def published(self) -> tuple[PublicCode, str]:
        """(code, words) for plan/waitlist.csv: nothing a priority or a referral decides."""
        if self.withheld or PUBLIC_CODE[self.code] == NOT_OFFERED:
            return NOT_OFFERED, NOT_OFFERED_WORDS
        return PUBLIC_CODE[self.code], self.public_reason or self.reason


# The neutral waitlist code (README "Waitlist reasons"): "not offered a bed in this plan", true of
# every waitlisted person, the reason kept in restricted/waitlist_reasons.csv. Published for
# everyone a referral record kept from a foresteria within reach by the published rules (the
# code computed without it, among the other sites, could be refuted by the published inputs),
# and, in a run whose scenario has referral records, for a crowd of others drawn by the draw key
# (withhold_reasons), so that the code beside an id does not tell the referral.
NOT_OFFERED: PublicCode = "not_offered"
NOT_OFFERED_WORDS = (
    "not offered a bed in this plan; the detailed reason is kept in the run's restricted part"
)
# The codes whose people may be drawn into the crowd: those a referred person's row would have
# had without the neutral code (a site to avoid taken out of what is within reach).
CROWD_CODES = frozenset({"full", "outranked", "too_large", "no_section", "no_accessible"})
# The share of them drawn (1 in CROWD_SHARE): draw value below 2**64 / CROWD_SHARE.
CROWD_SHARE = 4


def crowd_draw(draw_key: str | None, seed: int, unit_key: str) -> bool:
    """Whether a unit (`unit_key`: its group id, else the person's id) is drawn into the crowd
    published `not_offered`: the first 16 hex digits of the tie-break of "not_offered:KEY"
    (core.restricted.tie_break: HMAC-SHA256 under the draw key) below 2**64 / CROWD_SHARE. It
    depends on the key, the seed and the id only, never on a referral."""
    ticket = int(tie_break(draw_key, seed, f"not_offered:{unit_key}")[:16], 16)
    return ticket < (1 << 64) // CROWD_SHARE


def withhold_reasons(scenario: Scenario, entries: list[WaitlistEntry]) -> list[WaitlistEntry]:
    """The entries with `withheld` set (published `not_offered`) for the crowd: in a run whose
    scenario has referral records, every entry whose code is one of CROWD_CODES and whose unit
    crowd_draw draws, whether or not some entry is published `not_offered` because of a record (so
    the crowd stays the same from one run of the season to the next: review 19 S, an intake
    without a referral-shaped row un-drew it and told the crowd from the referral). A run
    without referral records is unchanged."""
    if not any(w.avoid for w in scenario.workers):
        return entries
    group = {w.id: w.group_id for w in scenario.workers}
    seed, key = scenario.config.scenario.seed, scenario.draw_key
    return [
        replace(e, withheld=True)
        if not e.withheld
        and e.code in CROWD_CODES
        and crowd_draw(key, seed, group.get(e.worker_id) or e.worker_id)
        else e
        for e in entries
    ]


def _spans(nights: Iterable[date]) -> list[tuple[date, date]]:
    out: list[tuple[date, date]] = []
    for d in sorted(nights):
        if out and d == out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


def describe_nights(nights: Iterable[date]) -> str:
    spans = _spans(nights)
    text = fmt_span(*spans[0])
    if len(spans) > 1:
        more = sum((b - a).days + 1 for a, b in spans[1:])
        text += f" (+{more} more night{'s' if more > 1 else ''})"
    return text


@dataclass(frozen=True, kw_only=True)
class PinnedWhileClosed(Shortfall):
    """Pinned people whose stay has nights the foresteria is closed (before it opens, or after
    its last open night): one line per foresteria and side, with the count, the workers.csv
    rows and what to change, rather than one "over by 1" per person."""

    before: bool  # before the opening; else after the closing
    boundary: date  # the opening day, or the last open night
    rows: str  # "workers.csv rows 2-4", or the ids where rows are not known

    def __str__(self) -> str:
        who = f"{self.excess} pinned {'person' if self.excess == 1 else 'people'}"
        if self.before:
            when = f"before it opens on {self.boundary.isoformat()}"
            change = "move their arrival, their pin, or the opening"
        else:
            when = f"after its last open night, {self.boundary.isoformat()}"
            change = "move their departure, their pin, or the closing"
        return f"{who} at {self.where} on {self.nights}, {when} ({self.rows}: {change})"


@dataclass(frozen=True, kw_only=True)
class PinnedOverBeds(Shortfall):
    """Pinned people more than a foresteria's beds of a kind on some nights: the line names
    the workers.csv rows of the people held there (review 18, M2: "over by 1" named nobody), by
    their pin or, in a re-plan, by the bed the previous run gave them before the date."""

    rows: str

    def __str__(self) -> str:
        return (
            f"{super().__str__()} ({self.rows}: the people held there, by their pin or, in a "
            "re-plan, by their bed before the date; add beds, or change their pins or stays)"
        )


def _rows_text(scenario: Scenario, people: list[Worker]) -> str:
    """'workers.csv rows 2-4, 9' (ranges of the people's lines), or their ids where a line is
    not known (people made by a day run); in a re-plan, those its moves.csv pins from its date
    (housing/replan.py `apply_as_of`) by that file's rows ('moves.csv row 2'; review 18 R,
    LOW-5: they were said as workers.csv pins)."""
    moved: dict[str, int] = {}  # worker -> the row of moves.csv that pins them from the date
    path = scenario.files.get("moves")
    if path is not None:
        at = {w.id: (w.pinned_foresteria, w.arrival.isoformat()) for w in people}
        moved = {
            r["worker_id"]: r.row
            for r in read_csv(path, ("worker_id", "foresteria_id", "from"), label=path.name)
            if at.get(r["worker_id"]) == (r["foresteria_id"], r["from"])
        }
    if path is not None and moved:
        rest = [w for w in people if w.id not in moved]
        lines = sorted(set(moved.values()))
        said = f"{path.name} row{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))}"
        said += ", moved there on request" if len(moved) == 1 else ", moves on request"
        files = {k: v for k, v in scenario.files.items() if k != "moves"}
        return f"{_rows_text(replace(scenario, files=files), rest)}; {said}" if rest else said
    rows = sorted({w.row for w in people if w.row is not None})
    if len(rows) < len(people):
        return ", ".join(sorted(w.id for w in people))
    ranges: list[list[int]] = []
    for n in rows:
        if ranges and n == ranges[-1][1] + 1:
            ranges[-1][1] = n
        else:
            ranges.append([n, n])
    shown = ", ".join(f"{a}-{b}" if b > a else f"{a}" for a, b in ranges[:8])
    if len(ranges) > 8:
        shown += f" (+{sum(b - a + 1 for a, b in ranges[8:])} more)"
    path = scenario.files.get("workers")
    label = path.name if path is not None else "workers.csv"
    return f"{label} row{'s' if len(rows) > 1 else ''} {shown}"


def diagnose_pinned(scenario: Scenario, units: list[Unit]) -> None:
    """Pinned people are forced in; if they alone break a hard constraint, say where and when."""
    fs = {f.id: f for f in scenario.foresterie}
    rule = stay_rule(scenario)
    load: dict[tuple[str, str], dict[date, int]] = defaultdict(lambda: defaultdict(int))
    pinned_to: dict[tuple[str, str], list[Worker]] = defaultdict(list)
    short: list[Shortfall] = []
    # (foresteria, before the opening?) -> the closed nights and the people pinned on them
    closed_at: dict[tuple[str, bool], tuple[set[date], list[Worker]]] = {}
    for u in units:
        if u.pinned is None:
            continue
        f = fs[u.pinned]
        # Partial stays: pinned people are there from the opening night (or arrival) and may be
        # sent on at closing; only a stay with no open night at all cannot be kept.
        closed = [d for d in u.usage() if not f.open_from <= d <= f.open_to]
        if rule.partial and len(closed) < len(u.usage()):
            closed = []
        for before in (True, False):
            side = [d for d in closed if (d < f.open_from) == before]
            if side:
                nights, people = closed_at.setdefault((f.id, before), (set(), []))
                nights.update(side)
                people.extend(u.members)
        for w in u.members:
            d = w.arrival
            while d < w.departure:
                if rule.partial and not f.open_from <= d <= f.open_to:
                    d += timedelta(days=1)
                    continue
                load[f.id, w.section.value][d] += 1
                if w.accessible:
                    load[f.id, "accessible"][d] += 1
                d += timedelta(days=1)
            pinned_to[f.id, w.section.value].append(w)
            if w.accessible:
                pinned_to[f.id, "accessible"].append(w)
    for (fid, before), (nights, people) in sorted(
        closed_at.items(), key=lambda x: (x[0][0], not x[0][1])
    ):
        f = fs[fid]
        short.append(
            PinnedWhileClosed(
                constraint="opening dates",
                where=f"{f.name} ({f.id})",
                nights=describe_nights(nights),
                excess=len(people),
                before=before,
                boundary=f.open_from if before else f.open_to,
                rows=_rows_text(scenario, people),
            )
        )
    for (fid, kind), per_night in sorted(load.items()):
        f = fs[fid]
        cap = f.beds_accessible if kind == "accessible" else f.beds(Section(kind))
        over = {d: n - cap for d, n in per_night.items() if n > cap}
        if over:
            label = "accessible beds" if kind == "accessible" else SECTION_BEDS[Section(kind)]
            short.append(
                PinnedOverBeds(
                    constraint=f"pinned people exceed {label}",
                    where=f"{f.name} ({f.id})",
                    nights=describe_nights(over),
                    excess=max(over.values()),
                    rows=_rows_text(scenario, pinned_to[fid, kind]),
                )
            )
    if short:
        raise InfeasibleError(short)


class _Occupancy:
    """Counts of housed people per foresteria, section, night and rank: the beds a unit of
    priority p could not take over without making the plan worse (README "Waitlist reasons").

    A person's rank is their unit's: a group is housed or not as a whole, so its people hold
    their beds with the group's highest priority (removing a group {0, 2} loses a person of
    priority 2). A pinned unit's nights at its pinned foresteria are in every plan (its first
    span is the same whatever the option): `ge` ranks them PINNED, above every priority;
    `ge_own` ranks them by their priority, for the words that say who holds the beds.
    """

    PINNED = 4  # rank of a pinned person's night at their foresteria in `ge`
    NOBODY = 5  # a rank nobody has: capacity alone

    def __init__(self, scenario: Scenario, assignments: list[Assignment]):
        self.day0 = scenario.config.scenario.season_start
        n = (scenario.config.scenario.season_end - self.day0).days + 1
        self.fidx = {f.id: i for i, f in enumerate(scenario.foresterie)}
        # beds[f, s]: foresteria f's beds of section s, s = 3 its accessible beds
        self.beds = np.array(
            [[*(f.beds(s) for s in SECTIONS), f.beds_accessible] for f in scenario.foresterie],
            dtype=np.int64,
        ).reshape(-1, 4)
        rank, pin = _ranks(scenario)
        acc = {w.id: w.accessible for w in scenario.workers}
        # ge[f, s, q, n]: people of section s with rank >= q; s = 3 is "accessible". Each stay
        # adds +1 / -1 at its rank, arrival and departure; sums over nights, then over ranks
        # from the top, give the counts (numpy.add.at: repeated indices add up).
        rows: list[tuple[int, int, int, int, int, int]] = []  # f, s, rank, rank in ge, t0, t1
        for a in assignments:
            i, q = self.fidx[a.foresteria_id], rank[a.worker_id]
            q_pin = self.PINNED if pin.get(a.worker_id) == a.foresteria_id else q
            t0, t1 = (a.arrival - self.day0).days, (a.departure - self.day0).days
            j = SECTIONS.index(a.section)
            for s in (j, 3) if acc[a.worker_id] else (j,):
                rows.append((i, s, q, q_pin, t0, t1))
        fs, ss, qs, qs_pin, t0s, t1s = np.array(rows, dtype=np.int64).reshape(-1, 6).T
        shape = (len(self.fidx), 4, self.NOBODY + 1, n + 1)
        diff = np.zeros(shape, dtype=np.int64)
        np.add.at(diff, (fs, ss, qs_pin, t0s), 1)
        np.add.at(diff, (fs, ss, qs_pin, t1s), -1)
        diff_own = np.zeros(shape, dtype=np.int64)
        np.add.at(diff_own, (fs, ss, qs, t0s), 1)
        np.add.at(diff_own, (fs, ss, qs, t1s), -1)
        self.ge, self.ge_own = (_at_least(np.cumsum(d, axis=3)[..., :n]) for d in (diff, diff_own))

    def usage(self, u: Unit, opt: Option) -> Usage:
        """One copy of the unit under an option: its (foresteria, night) pairs, each once, with
        the people and the people needing an accessible bed it puts there."""
        f_at, t_at, acc_at = [], [], []
        for w in u.members if u.is_group else u.members[:1]:
            for sp in spans(w, opt):
                t0, t1 = (sp.start - self.day0).days, (sp.end - self.day0).days
                if t1 > t0:
                    f_at.append(np.full(t1 - t0, self.fidx[sp.foresteria_id], dtype=np.int64))
                    t_at.append(np.arange(t0, t1, dtype=np.int64))
                    acc_at.append(np.full(t1 - t0, int(w.accessible), dtype=np.int64))
        if not f_at:
            return Usage(
                f=np.zeros(0, np.int64),
                t=np.zeros(0, np.int64),
                need=np.zeros(0, np.int64),
                acc=np.zeros(0, np.int64),
            )
        f, t, acc = np.concatenate(f_at), np.concatenate(t_at), np.concatenate(acc_at)
        # one row per (foresteria, night), in that order: t may be negative (a night before the
        # season), so it is packed from its least value (np.unique over both columns, axis=0,
        # gave the same rows at several times the cost: explain_waitlist at 20,000 workers)
        least = int(t.min())
        width = int(t.max()) - least + 1
        keys, inverse = np.unique(f * width + (t - least), return_inverse=True)
        inverse = inverse.reshape(-1)
        need = np.bincount(inverse, minlength=len(keys)).astype(np.int64)
        acc_need = np.bincount(inverse, weights=acc, minlength=len(keys)).astype(np.int64)
        return Usage(f=keys // width, t=keys % width + least, need=need, acc=acc_need)

    def blocked(self, u: Unit, use: Usage, p: int, pinned: bool = True) -> list[date]:
        """Nights of an option (its usage, `usage`) where even without the people of rank
        < p there is no room for the unit (pinned people counted as holding their beds unless
        `pinned` is False)."""
        ge = self.ge if pinned else self.ge_own
        s = SECTIONS.index(u.section)
        full = self.beds[use.f, s] - ge[use.f, s, p, use.t] < use.need
        full |= (use.acc > 0) & (self.beds[use.f, 3] - ge[use.f, 3, p, use.t] < use.acc)
        return [self.day0 + timedelta(days=int(t)) for t in np.sort(use.t[full])]


def _at_least(exact: np.ndarray) -> np.ndarray:
    """Counts by rank (axis 2) -> counts of rank >= q."""
    return np.cumsum(exact[:, :, ::-1], axis=2)[:, :, ::-1]


def _ranks(scenario: Scenario) -> tuple[dict[str, int], dict[str, str]]:
    """worker -> the highest priority of their unit (group), and worker -> the foresteria their
    unit is pinned to (as units.build_units: a group's least pinned foresteria id)."""
    rank = {w.id: w.priority for w in scenario.workers}
    pin = {w.id: w.pinned_foresteria for w in scenario.workers if w.pinned_foresteria}
    groups: dict[str, list[str]] = defaultdict(list)
    for w in scenario.workers:
        if w.group_id:
            groups[w.group_id].append(w.id)
    for ids in groups.values():
        top = max(rank[i] for i in ids)
        pins = sorted(pin[i] for i in ids if i in pin)
        for i in ids:
            rank[i] = top
            if pins:
                pin[i] = pins[0]
    return rank, pin


@dataclass(frozen=True, kw_only=True)
class Usage:
    """One copy of a unit under an option (_Occupancy.usage): per (foresteria, night) it uses,
    once each, the people (need) and the people needing an accessible bed (acc) it puts there.
    Arrays, so that every night of every option is checked at once (explain_waitlist reads
    every option of every waitlisted unit: at 20,000 workers, ~18 foresterie in reach)."""

    f: np.ndarray  # foresteria index (_Occupancy.fidx)
    t: np.ndarray  # night, days from the season's start
    need: np.ndarray
    acc: np.ndarray


def explain_waitlist(
    scenario: Scenario,
    matrix: TravelMatrix,
    units: list[Unit],
    assignments: list[Assignment],
    housed: set[str],
    optimal: bool,
    previous: dict[str, str] | None,
    released: dict[str, date] | None = None,
) -> list[WaitlistEntry]:
    """One reason per waitlisted person; 'proven' only where the plan itself proves it.
    `released`: worker -> the morning their bed is released for days without work
    (housing/release.py): `scenario`'s stays already end then."""
    cap_min = scenario.config.housing.max_commute_min
    cap_s = cap_min * 60
    occ = _Occupancy(scenario, assignments)
    rule = stay_rule(scenario)
    out: list[WaitlistEntry] = []
    for u in units:
        left = [w for w in u.members if w.id not in housed]
        if not left:
            continue
        elig = {f.id: eligibility(u, f, matrix, cap_s) for f in scenario.foresterie}
        code, reason, proven = _ineligible_reason(u, scenario, elig, cap_min, rule, released or {})
        public = ""
        withheld = False
        if code is None:
            code, reason, proven, public = _full_reason(u, scenario, elig, occ, optimal, rule)
            # Decided among the sites the unit may use: where a site to avoid is within reach
            # by the published rules, `full` or `too_large` beside the id may be refuted by the
            # published occupancy (that site's free beds), which tells the referral: neutral.
            withheld = code in CROWD_CODES and any(
                not e.avoid_ok and e.commute_ok and e.section_ok and e.accessible_ok
                for e in elig.values()
            )
        elif PUBLIC_CODE[code] == "unsuitable":
            who = f"this group of {u.size}" if u.is_group else "this person"
            public = f"no foresteria within reach, open for the stay, has beds that suit {who}"
        out += [
            WaitlistEntry(
                worker_id=w.id,
                priority=w.priority,
                code=code,
                reason=(
                    _short_words((w,), False, scenario, rule, released or {})
                    if code == "too_short" and not u.is_group
                    else reason
                ),
                proven=proven,
                public_reason=public,
                withheld=withheld,
            )
            for w in left
        ]
    out.sort(key=lambda e: e.worker_id)
    return withhold_reasons(scenario, out)


def _ineligible_reason(
    u: Unit, sc: Scenario, elig: dict, cap_min: int, rule: StayRule, released: dict[str, date]
) -> tuple:
    fs = sc.foresterie
    stay = fmt_span(u.first_night, u.last_night)
    farms = sorted({w.work_farm for w in u.members if w.work_farm})
    near = [f for f in fs if elig[f.id].commute_ok]
    if not near:
        best = min(fs, key=lambda f: elig[f.id].worst_commute_s or 0)
        mins = (elig[best.id].worst_commute_s or 0) / 60
        return (
            "far",
            f"no foresteria within {cap_min} min of farm {', '.join(farms)} "
            f"(nearest: {best.name}, {mins:.0f} min)",
            True,
        )
    # A stay shorter than the minimum a bed is offered for fits no foresteria, open or not: a
    # rule of the region, not a closure (review 18, H1/H2). Said before `placement`, so that no
    # referral record decides it.
    short = _too_short(u, sc, rule, released)
    if short is not None:
        return short
    placement = (
        "placement",
        "no foresteria within reach meets this person's placement constraints",
        True,
    )
    permitted = [f for f in near if elig[f.id].avoid_ok]
    if not permitted:  # said without naming the sites or why: the referral record is restricted
        return placement
    found = _unsuited(u, permitted, elig, cap_min, rule, farms, stay)
    if found[0] is None or len(permitted) == len(near):
        return found
    # Sites to avoid took some foresterie in reach out: `closed`, `no_section` or `no_accessible`
    # must hold among every foresteria in reach, or the words are false for a group's members
    # without a record, and `closed` beside an open site in reach tells the referral (review 15).
    # Where only a site to avoid would take the unit, the referral record is the cause.
    among_all = _unsuited(u, near, elig, cap_min, rule, farms, stay)
    if among_all[0] is None:
        return placement
    return found if among_all[0] == found[0] else among_all


def _too_short(u: Unit, sc: Scenario, rule: StayRule, released: dict[str, date]) -> tuple | None:
    """`too_short` where a person's stay, or a group's (the nights at least one member is
    there: a member who joins the family for two nights is housed with it, review 18 R,
    MEDIUM-5), as housing plans it (to the release morning, from a re-plan's date) has fewer
    nights than any foresteria's part of it may last; else None. Pinned people keep their bed
    whatever the minimum, and a re-plan's resident is held to the whole stay's rules
    (units.History): neither is refused for it."""
    if not rule.partial or u.pinned is not None or u.history:
        return None
    if len(_stay_nights(u.one_copy)) >= rule.min_nights:
        return None
    return ("too_short", _short_words(u.one_copy, u.is_group, sc, rule, released), True)


def _stay_nights(people: tuple[Worker, ...]) -> set[date]:
    """The nights at least one of the people is there (one person's: their stay)."""
    return {d for w in people for d in date_range(w.arrival, w.departure)}


def _short_words(
    people: tuple[Worker, ...], group: bool, sc: Scenario, rule: StayRule, released: dict
) -> str:
    """The words of `too_short` for a group (its stay: the nights a member is there), or for
    one person (the people of a class share a unit's stay as housed, not whether a release
    ended it)."""
    nights = _stay_nights(people)
    n = len(nights)
    whom = "the group's stay" if group else "stay"
    stay = (
        f"{whom} of {n} night{'s' if n > 1 else ''} ({fmt_span(min(nights), max(nights))}), "
        f"shorter than the {rule.min_nights} nights a bed is offered for"
    )
    cut = sorted({released[w.id] for w in people if w.id in released})
    if cut:
        days = sc.config.housing.max_days_without_work
        whose = (
            "group's beds released on {day} after {n} days without work at each working "
            "member's farm, with no work after them in the stay"
            if group
            else "bed released on {day} after {n} days without work at the farm, with no work "
            "after them in the stay"
        )
        stay = f"{whose.format(day=cut[-1].isoformat(), n=days)}: {stay}"
    return stay


def _unsuited(
    u: Unit,
    near: list,
    elig: dict,
    cap_min: int,
    rule: StayRule,
    farms: list[str],
    stay: str,
) -> tuple:
    """Among the foresterie `near` (within reach): none open long enough (`closed`), none of
    those with beds of the unit's section, or none of those with the accessible beds it needs;
    (None, "", False) where one would take it."""
    # A transfer starts with a whole option at its first foresteria, so no single one open
    # enough means no option at all.
    open_near = [
        f for f in near if option_fits(u, (f,), rule) if rule.partial or elig[f.id].open_ok
    ]
    if not open_near:
        where = f" within {cap_min} min of farm {', '.join(farms)}" if farms else ""
        if not rule.partial:
            return ("closed", f"no foresteria{where} open for the whole stay {stay}", True)
        need = max(rule.needed(w) for w in u.members)
        return (
            "closed",
            f"no foresteria{where} open for at least {need} night{'s' if need > 1 else ''} "
            f"of the stay {stay}",
            True,
        )
    with_section = [f for f in open_near if elig[f.id].section_ok]
    if not with_section:
        names = named_list([f.name for f in open_near])
        return (
            "no_section",
            f"no {SECTION_BEDS[u.section]} at the foresterie open for the "
            f"stay {stay} within reach ({names})",
            True,
        )
    if not any(elig[f.id].accessible_ok for f in with_section):
        return (
            "no_accessible",
            f"not enough accessible beds at the foresterie open for the stay {stay} within reach",
            True,
        )
    return (None, "", False)


def _full_reason(
    u: Unit, sc: Scenario, elig: dict, occ: _Occupancy, optimal: bool, rule: StayRule
) -> tuple:
    """Beds are taken on some night of the stay at every foresteria the person could use.

    Proven from the plan: even with every unit of lower priority removed (a group ranks by its
    highest priority) and only pinned people's nights at their foresteria kept whatever their
    priority, the unit does not fit (occ.blocked), so no plan houses it without evicting someone
    of equal or higher rank or a pinned person: in a plan proven optimal every option is blocked.
    """
    p = max(w.priority for w in u.members)
    options = unit_options(u, [f for f in sc.foresterie if elig[f.id].reachable], rule)
    kind = SECTION_BEDS[u.section]
    parts, too_large, higher = [], True, True
    # Some option is full on its nights only with the pinned people / not with them alone.
    residents = ranked = False
    for opt in options:
        f, use = opt[0], occ.usage(u, opt)
        nights = occ.blocked(u, use, p)
        if not nights:
            why = (
                "the solver stopped before proving tier 1 optimal" if not optimal else "unexplained"
            )
            return (
                "heuristic",
                f"heuristic: a bed seems free at {f.name} for the stay; {why}",
                False,
                "",
            )
        if len(opt) == 1:
            parts.append(f"{f.name} on {describe_nights(nights)}")
        too_large = too_large and bool(occ.blocked(u, use, occ.NOBODY, pinned=False))
        higher = higher and p < 3 and occ.blocked(u, use, p + 1, pinned=False) == nights
        residents = residents or occ.blocked(u, use, p, pinned=False) != nights
        ranked = ranked or occ.blocked(u, use, occ.PINNED) != nights
    if len(parts) > MAX_NAMED:  # the first MAX_NAMED named with their nights, the rest counted
        parts[MAX_NAMED:] = [f"{others(len(parts) - MAX_NAMED)} on some night of the stay"]
    transfers = sum(1 for o in options if len(o) > 1)
    if transfers:  # every transfer is blocked too (checked above); named by count
        parts.append(f"{transfers} transfer option{'s' if transfers > 1 else ''}")
    alt = " and no alternative" if len(options) == 1 else ""
    # The published words (plan/waitlist.csv) name no foresteria and no night: which sites are
    # in reach for this person, and on which nights they are full, differ with a referral
    # record's sites to avoid and with the person's priority (an out-ranked person's beds are
    # taken on the nights people of higher priority hold them: 163 of the default season's 165
    # read apart from a full person's by their one site and short span alone). The detail goes
    # to restricted/waitlist_reasons.csv.
    if too_large:
        names = named_list([f.name for f in {o[0].id: o[0] for o in options}.values()])
        return (
            "too_large",
            f"group of {u.size} needs more {kind} than {names} has on some nights of the stay",
            True,
            f"group of {u.size} needs more {kind} than any foresteria within reach has on some "
            "nights of the stay",
        )
    size = f"group of {u.size} " if u.is_group else ""
    text = f"{size}{kind} full at " + " and at ".join(parts)
    # Who holds the beds: pinned people (they already live there) count whatever their
    # priority; the words say so where some option is full only with them.
    held = "people of equal or higher priority"
    if residents:
        held = f"{held} and by {RESIDENTS}" if ranked else RESIDENTS
    public = (
        f"{size}{kind} full on some night of the stay at every foresteria within reach (held by "
        f"{held})"
    )
    if higher:
        # Published as `full` with full's words (PUBLIC_CODE): beside the id, "higher" would
        # tell that the person's priority is below someone's (priority 3 is a referral).
        return (
            "outranked",
            f"out-ranked: {text} held by people of higher priority{alt}",
            True,
            public,
        )
    return ("full", f"{text} (held by {held}){alt}", True, public)


UncoveredCode = Literal["before_opening", "after_closing", "between_foresterie", "released_no_work"]


@dataclass(frozen=True, kw_only=True)
class Uncovered:
    """Nights start..end-1 of a housed person's stay spent without a bed, and why."""

    worker_id: str
    start: date
    end: date
    code: UncoveredCode
    reason: str


PastOpens = tuple[date, dict[str, tuple[date, date]]]


def foresterie_of(fs: Sequence[Foresteria], end: date, past: PastOpens | None) -> list[Foresteria]:
    """The foresterie whose dates tell of nights without a bed ending on the morning `end`: in a
    re-plan (`past`: its date, the open dates its previous run read), nights over before the date
    are told by the dates they were lived with (README "Re-planning mid-season")."""
    if past is None or end > past[0]:
        return list(fs)
    return [
        replace(f, open_from=past[1][f.id][0], open_to=past[1][f.id][1]) if f.id in past[1] else f
        for f in fs
    ]


def uncovered_spans(
    scenario: Scenario, assignments: list[Assignment], past: PastOpens | None = None
) -> list[Uncovered]:
    """The parts of housed people's stays outside their assignments (partial stays, and the
    nights after a bed was released for days without work); in a re-plan (`past`), the words
    of nights over before its date read the previous run's open dates (foresterie_of)."""
    released = release_days(scenario)
    now = {f.id: f for f in scenario.foresterie}
    then = {f.id: f for f in foresterie_of(scenario.foresterie, date.min, past)}

    def at(end: date) -> dict[str, Foresteria]:
        return then if past is not None and end <= past[0] else now

    workers = {w.id: w for w in scenario.workers}
    rows: dict[str, list[Assignment]] = defaultdict(list)
    for a in assignments:
        rows[a.worker_id].append(a)
    out = []
    for wid, rs in sorted(rows.items()):
        w = workers[wid]
        rs.sort(key=lambda a: a.arrival)
        first = at(rs[0].arrival)[rs[0].foresteria_id]
        if w.arrival < rs[0].arrival:
            out.append(
                Uncovered(
                    worker_id=wid,
                    start=w.arrival,
                    end=rs[0].arrival,
                    code="before_opening",
                    reason=f"{first.name} opens on {first.open_from}",
                )
            )
        for a, b in zip(rs, rs[1:], strict=False):
            if a.departure < b.arrival:
                fa, fb = at(b.arrival)[a.foresteria_id], at(b.arrival)[b.foresteria_id]
                out.append(
                    Uncovered(
                        worker_id=wid,
                        start=a.departure,
                        end=b.arrival,
                        code="between_foresterie",
                        reason=f"{fa.name} closes after {fa.open_to}, "
                        f"{fb.name} opens on {fb.open_from}",
                    )
                )
        leaves = released.get(wid, w.departure)
        last = at(leaves)[rs[-1].foresteria_id]
        if rs[-1].departure < leaves:
            out.append(
                Uncovered(
                    worker_id=wid,
                    start=rs[-1].departure,
                    end=leaves,
                    code="after_closing",
                    reason=f"{last.name} closes after {last.open_to}",
                )
            )
        if leaves < w.departure:
            n = scenario.config.housing.max_days_without_work
            out.append(
                Uncovered(
                    worker_id=wid,
                    start=leaves,
                    end=w.departure,
                    code="released_no_work",
                    reason=(
                        f"group's beds released after {n} days without work at each working "
                        "member's farm, with no work after them in the stay"  # released whole
                        if w.group_id  # (housing/release.py): the work is over, not a pause
                        else f"bed released after {n} days without work at the farm, with no "
                        "work after them in the stay"
                    ),
                )
            )
    return out


# What plan/uncovered.csv publishes beside an id (README "Waitlist reasons"): a code no
# restricted fact decides, since plan/ travels in the operator export. Where a foresteria within
# reach of the person (by the published rules: section, accessible beds, commute from the farms in
# inputs/workers.csv, or their pin) is open on some of the nights, "X opens on ..." is not the
# whole reason, and for someone a referral record keeps away from that foresteria the rest of it
# is the placement: every such span, referred or not, is published `no_bed_elsewhere`, whose
# words hold for both. The detail (`placement` where a site to avoid or the pin is part of the
# cause) goes to restricted/uncovered_reasons.csv, where `verify` checks it.
NEUTRAL_UNCOVERED = "no_bed_elsewhere"
ELSEWHERE = (
    "the other foresterie within reach open on some of these nights had no bed this plan could "
    "give this person"
)


@dataclass(frozen=True, kw_only=True)
class UncoveredReason:
    """One row of plan/uncovered.csv (`code`, `reason`: published) and its restricted detail."""

    span: Uncovered
    code: str
    reason: str
    detail_code: str  # span.code, or "placement"
    detail: str


def uncovered_reasons(
    scenario: Scenario,
    assignments: list[Assignment],
    matrix: TravelMatrix,
    past: PastOpens | None = None,
) -> list[UncoveredReason]:
    """uncovered_spans with what is published of each and the detail kept restricted (`past`:
    a re-plan's, see uncovered_spans)."""
    workers = {w.id: w for w in scenario.workers}
    members: dict[str, list[Worker]] = defaultdict(list)
    for w in scenario.workers:
        if w.group_id:
            members[w.group_id].append(w)
    first_bed: dict[str, date] = {}
    for a in assignments:
        first_bed[a.worker_id] = min(a.arrival, first_bed.get(a.worker_id, a.arrival))
    cap = scenario.config.housing.max_commute_min * 60
    out = []
    for u in uncovered_spans(scenario, assignments, past):
        if u.code == "released_no_work":  # the farm calendar's, public: no placement in it
            out.append(
                UncoveredReason(
                    span=u, code=u.code, reason=u.reason, detail_code=u.code, detail=u.reason
                )
            )
            continue
        w = workers[u.worker_id]
        unit = members[w.group_id] if w.group_id else [w]
        fs = foresterie_of(scenario.foresterie, u.end, past)
        near = within_reach(fs, unit, matrix, cap, u.start, u.end)
        avoid = frozenset().union(*(m.avoid for m in unit))
        pins = sorted(p for m in unit if (p := m.pinned_foresteria))
        pinned = u.end == first_bed.get(u.worker_id) and bool(pins)  # before the first bed
        ruled_out = [f for f in near if f.id in avoid or (pinned and f.id != pins[0])]
        code, reason = (
            (NEUTRAL_UNCOVERED, f"{u.reason}; {ELSEWHERE}") if near else (u.code, u.reason)
        )
        if ruled_out:
            names = named_list(sorted(f.name for f in ruled_out))
            detail_code, detail = "placement", f"{u.reason}; placement rules out {names}"
        else:
            detail_code, detail = u.code, u.reason
        out.append(
            UncoveredReason(
                span=u, code=code, reason=reason, detail_code=detail_code, detail=detail
            )
        )
    return out


def within_reach(
    fs: Sequence[Foresteria],
    unit: list[Worker],
    matrix: TravelMatrix,
    cap_s: int,
    start: date,
    end: date,
) -> list[Foresteria]:
    """The foresterie open on some night start..end-1 that the published rules put within reach
    of a person or group (`unit`): beds in its section, accessible beds if a member needs one,
    every working member's farm within the commute limit, or the unit's pin. Sites to avoid are
    not read (they are not published)."""
    farms = sorted({f for m in unit if (f := m.work_farm)})
    pin = min((p for m in unit if (p := m.pinned_foresteria)), default=None)
    accessible = any(m.accessible for m in unit)
    section = unit[0].section
    last = end - timedelta(days=1)
    return [
        f
        for f in fs
        if f.open_from <= last
        and start <= f.open_to
        and f.beds(section) > 0
        and (not accessible or f.beds_accessible > 0)
        and (f.id == pin or all(matrix.secs(f.id, farm) <= cap_s for farm in farms))
    ]
