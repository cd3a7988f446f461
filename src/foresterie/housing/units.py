"""Collapse workers into housing units: groups stay atomic, identical singletons become classes."""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

import numpy as np

from foresterie.core.restricted import tie_break
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
class History:
    """A re-plan's resident, planned from the date (housing/replan.py): what the nights kept
    before it leave to the spans planned from it, so that the whole plan keeps the stay rules
    the verifier reads over the whole stay. `spans`: most spans from the date (the transfers
    made before it count against max_transfers); `first`: fewest nights of the first span from
    the date (the minimum overlap of the whole stay, less the nights kept in the same bed just
    before the date; 1 where that row is the pinned first one); `rest`: fewest nights of each
    later span (the whole stay's minimum overlap)."""

    spans: int
    first: int
    rest: int
    # The first span's foresteria, where only the same bed continues the kept row (a bed that
    # ended on the date before its site closed); the morning the first span must begin from
    # (the kept rows' end: it begins at the later of it and the site's opening); the true
    # arrival, the nights kept and the rows before the planned part (a move is weighed over
    # the whole stay: it must house more nights than its second foresteria alone).
    at: str | None = None
    resume: date | None = None
    arrival: date | None = None
    kept: int = 0
    before: int = 0
    # A group's nights before the date at each foresteria, all its members' (whose stays may be
    # over): they count in the group's part there, which the verifier reads over the whole plan
    # (the minimum overlap is the group's: review 18 R, MEDIUM-5).
    group_kept: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, kw_only=True)
class Unit:
    """People housed as one decision: a group (all or none, same place) or a class of clones."""

    key: str
    members: tuple[Worker, ...]
    is_group: bool
    section: Section
    pinned: str | None
    previous: str | None  # foresteria in the previous run (re-planning), else None
    # Re-planning: a resident's foresterie from the date on as the previous run planned them (a
    # transfer made or to come), their only option while it fits (housing/replan.py).
    promised: tuple[str, ...] | None = None
    # Re-planning: each resident member's History (worker id, rule), in id order.
    history: tuple[tuple[str, History], ...] = ()
    # Identical groups merged into one unit (tiers._aggregate): members are the groups one after
    # another, each in the same order of its people's stays and attributes.
    groups: int = 1

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def one_copy(self) -> tuple[Worker, ...]:
        """The people of one copy: the group (one of the merged groups), or one class member."""
        return (
            self.members[: len(self.members) // self.groups] if self.is_group else self.members[:1]
        )

    @property
    def copies(self) -> int:
        """How many copies the unit's count may reach: its groups, or its class members."""
        return self.groups if self.is_group else self.size

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
        people = self.one_copy
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
        people = self.one_copy
        if not any(w.accessible for w in people):
            return 0
        return max((a for _, a in self._usage.values()), default=0)

    def arrivals(self) -> set[date]:
        return {w.arrival for w in self.one_copy}


def lottery_draws(workers: tuple[Worker, ...], seed: int, draw_key: str | None) -> dict[str, str]:
    """The draw: each person's ticket is the first 16 hex digits of their tie-break (HMAC of
    "seed:worker_id" under the scenario's draw key, core/restricted.py `tie_break`); the lower
    ticket (then the lower id) comes first. Reproducible from the seed and the key, independent
    of who else is in the plan; kept in restricted/lottery.csv (tickets beside ids would tell
    who was drawn ahead of an equal, i.e. who is not an equal: a referred person); the verifier
    redraws it with the restricted part."""
    return {w.id: tie_break(draw_key, seed, w.id)[:16] for w in workers}


def build_units(
    workers: tuple[Worker, ...],
    previous: dict[str, str] | None = None,
    promised: dict[str, tuple[str, ...]] | None = None,
    history: dict[str, History] | None = None,
    present: frozenset[str] = frozenset(),
) -> list[Unit]:
    """Groups by group_id; singletons keyed by every attribute the model reads (`present`: an
    intake's people already in the region, weighed before others of their priority)."""
    previous = previous or {}
    promised = promised or {}
    history = history or {}
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
                w.rides,
                w.contract,
                tuple(sorted(w.avoid)),
            )
            if w.id in promised:  # only then: the keys (and unit order) of others stay as they were
                key += (promised[w.id],)
            if w.id in history:  # likewise: a resident's stay rules from the date
                key += (history[w.id],)
            if w.id in present:  # likewise: in the region (an intake's placements)
                key += ("present",)
            classes[key].append(w)
    units = []
    for gid, members in sorted(groups.items()):
        ms = tuple(sorted(members, key=lambda w: w.id))
        pins = sorted(w.pinned_foresteria for w in ms if w.pinned_foresteria)
        prevs = sorted({p for w in ms if (p := previous.get(w.id))})
        held = sorted({q for w in ms if (q := promised.get(w.id))})
        units.append(
            Unit(
                key=f"G:{gid}",
                members=ms,
                is_group=True,
                section=ms[0].section,
                pinned=pins[0] if pins else None,
                previous=prevs[0] if len(prevs) == 1 else None,
                promised=held[0] if len(held) == 1 else None,
                history=tuple((w.id, history[w.id]) for w in ms if w.id in history),
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
                promised=promised.get(ms[0].id),
                history=((ms[0].id, history[ms[0].id]),) if ms[0].id in history else (),
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
    avoid_ok: bool = True  # no member's referral record names this foresteria

    @property
    def ok(self) -> bool:
        return self.open_ok and self.reachable and self.pin_ok

    @property
    def reachable(self) -> bool:
        """Every condition but the opening dates and the pin (options look at those: a pinned
        person may still transfer away from a closing)."""
        return self.section_ok and self.accessible_ok and self.commute_ok and self.avoid_ok


def eligibility(unit: Unit, f: Foresteria, matrix: TravelMatrix, max_commute_s: int) -> Eligibility:
    open_ok = f.open_from <= unit.first_night and unit.last_night <= f.open_to
    section_ok = f.beds(unit.section) > 0
    acc_need = unit.accessible_need
    accessible_ok = acc_need <= f.beds_accessible
    farms = {w.work_farm for w in unit.members if w.work_farm}
    commutes = [matrix.secs(f.id, farm) for farm in farms]
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
        avoid_ok=not any(f.id in w.avoid for w in unit.members),
    )


def reachable(
    units: list[Unit], fs: list[Foresteria], matrix: TravelMatrix, max_commute_s: int
) -> list[list[Foresteria]]:
    """Per unit, the foresterie of fs it can reach (`eligibility(...).reachable`, in fs's order),
    each distinct question computed once.

    What `reachable` reads of a unit is its section, its accessible need, its members' work
    farms, its pin and its members' sites to avoid, so units equal in those share one answer,
    computed over every foresteria at once (the worst commute is a maximum over the farms' rows
    of the matrix). Why: at 20,000 workers with 67 foresterie, one `eligibility` call per (unit,
    foresteria) pair was 688,157 calls, about 40 CPU s of housing's set-up."""
    col = np.array([matrix.index(f.id) for f in fs], dtype=np.int64)
    ids = [f.id for f in fs]
    beds = {
        s: np.array([f.beds(s) for f in fs], dtype=np.int64) for s in {u.section for u in units}
    }
    acc_beds = np.array([f.beds_accessible for f in fs], dtype=np.int64)
    answers: dict[tuple[object, ...], list[Foresteria]] = {}
    out = []
    for u in units:
        farms = frozenset(w.work_farm for w in u.members if w.work_farm)
        avoid = frozenset().union(*(w.avoid for w in u.members))
        key = (u.section, u.accessible_need, farms, u.pinned, avoid)
        if key not in answers:
            ok = (beds[u.section] > 0) & (u.accessible_need <= acc_beds)
            if farms:
                rows = [matrix.index(fm) for fm in sorted(farms)]
                worst = matrix.seconds[np.ix_(col, rows)].max(axis=1)
                ok &= (worst <= max_commute_s) | np.array([i == u.pinned for i in ids])
            ok &= np.array([i not in avoid for i in ids])
            answers[key] = [f for f, yes in zip(fs, ok.tolist(), strict=True) if yes]
        out.append(answers[key])
    return out


# A housing option: the foresterie of a stay in order, (f,) or (a, b) for one transfer at a's
# closing. Span: the nights one person sleeps at one of them, [start, end).
Option = tuple[Foresteria, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Span:
    foresteria_id: str
    start: date
    end: date  # morning of leaving: nights start..end-1

    @property
    def nights(self) -> int:
        return (self.end - self.start).days


@dataclass(frozen=True, kw_only=True)
class StayRule:
    """Which parts of a stay may be housed (scenario.toml [housing], README "Housing model")."""

    partial: bool = False
    max_transfers: int = 0
    min_nights: int = 1
    min_share: float = 0.0

    def needed(self, w: Worker) -> int:
        """Fewest nights one foresteria's part of w's stay may last."""
        return max(self.min_nights, math.ceil(self.min_share * w.nights - 1e-9))


def stay_rule(scenario: Scenario) -> StayRule:
    h = scenario.config.housing
    return StayRule(
        partial=h.partial_stays,
        max_transfers=h.max_transfers if h.partial_stays else 0,
        min_nights=h.min_overlap_nights,
        min_share=h.min_overlap_share,
    )


def spans(w: Worker, option: Option) -> list[Span]:
    """Where w sleeps under the option: at the first from arrival or its opening night until its
    closing or departure; after a transfer at the second from the first's closing (or the
    second's opening, if later) until its closing or departure. Spans may be empty."""
    a = option[0]
    start = max(w.arrival, a.open_from)
    end = min(w.departure, a.open_to + timedelta(days=1))
    out = [Span(foresteria_id=a.id, start=start, end=max(start, end))]
    if len(option) == 2:
        b = option[1]
        start2 = max(end, b.open_from, w.arrival)
        end2 = min(w.departure, b.open_to + timedelta(days=1))
        out.append(Span(foresteria_id=b.id, start=start2, end=max(start2, end2)))
    return out


def option_fits(unit: Unit, option: Option, rule: StayRule, promised: bool = False) -> bool:
    """Every member gets a valid stay: the whole stay at one foresteria (whole-stay rule), or
    each foresteria's part at least rule.needed nights, the transfer only at a closing inside
    the stay and only if it houses more nights than the second foresteria alone (not asked of
    a re-plan's `promised` transfer: the stay it was weighed on began before the date). A
    re-plan's resident (`Unit.history`) is held to these rules over the whole stay, the nights
    kept before the date included, as the verifier reads the whole plan. A group's minimum is
    its own (`_group_fits`): the nights the group is housed, not each member's."""
    if unit.is_group and rule.partial:
        return _group_fits(unit, option, rule, promised)
    if not unit.history:
        pinned = unit.pinned is not None
        return all(_fits_plain(w, option, rule, pinned, promised) for w in unit.one_copy)
    return _fits_walk(unit, option, rule, promised)


_NIGHT = timedelta(days=1)


def _fits_plain(w: Worker, option: Option, rule: StayRule, pinned: bool, promised: bool) -> bool:
    """option_fits for one person without a re-plan's History: the same tests as _fits_walk,
    on the spans' dates without building them (housing's set-up tests every option of every
    unit: 635,011 at 20,000 workers, where building the spans was most of its time)."""
    a = option[0]
    s1 = max(w.arrival, a.open_from)
    e1 = max(s1, min(w.departure, a.open_to + _NIGHT))
    if not rule.partial:
        return len(option) == 1 and s1 == w.arrival and e1 == w.departure
    need = rule.needed(w)
    n1 = (e1 - s1).days
    if n1 < (1 if pinned else need):
        return False
    if len(option) == 1:
        return True
    b = option[1]
    s2 = max(e1, b.open_from, w.arrival)
    e2 = max(s2, min(w.departure, b.open_to + _NIGHT))
    if (e2 - s2).days < need or e1 >= w.departure:
        return False
    if promised:
        return True
    # the second alone houses as many nights: nobody is moved for nothing (_gains)
    sb = max(w.arrival, b.open_from)
    eb = max(sb, min(w.departure, b.open_to + _NIGHT))
    return n1 + (e2 - s2).days > (eb - sb).days


def _fits_walk(unit: Unit, option: Option, rule: StayRule, promised: bool) -> bool:
    """option_fits by each member's spans and History (a re-plan's residents)."""
    history = dict(unit.history)
    for w in unit.one_copy:
        ss = spans(w, option)
        h = history.get(w.id)
        if not _resumes(h, option, ss):
            return False
        if not rule.partial:
            if len(ss) > 1 or (ss[0].start, ss[0].end) != (w.arrival, w.departure):
                return False
            continue
        need = rule.needed(w)
        # Pinned people already live at their first foresteria: no minimum evicts them.
        first = 1 if unit.pinned is not None else need
        if h is not None:  # a re-plan's resident: the whole stay's rules (History)
            if len(ss) > h.spans:
                return False
            first, need = h.first, h.rest
        if ss[0].nights < first:
            return False
        if any(s.nights < need for s in ss[1:]):
            return False
        if len(ss) == 2 and ss[0].end >= w.departure:
            return False  # no closing inside the stay: nothing to transfer for
        if not _gains(w, option, ss, h, promised):
            return False
    return True


def _resumes(h: History | None, option: Option, ss: list[Span]) -> bool:
    """A re-plan's resident whose first span must be a given foresteria's or begin on a given
    morning (History.at, .resume) has it so."""
    return h is None or not (
        (h.at is not None and option[0].id != h.at)
        or (h.resume is not None and ss[0].start != max(h.resume, option[0].open_from))
    )


def _gains(w: Worker, option: Option, ss: list[Span], h: History | None, promised: bool) -> bool:
    """A transfer houses w more nights than its second foresteria alone (over the whole stay,
    for a re-plan's resident, whose whole plan may have its transfer before the date: one
    span from it, `History.before`); True without a transfer or where it is not asked."""
    if h is not None and h.arrival is not None and h.before + len(ss) == 2:
        b = option[1] if h.before == 0 else option[0]  # the whole plan's second row
        total = h.kept + sum(s.nights for s in ss)
        alone = min(w.departure, b.open_to + timedelta(days=1)) - max(h.arrival, b.open_from)
        return total > alone.days  # the move, weighed over the whole stay, gains a night
    if len(ss) != 2 or promised or (h is not None and h.arrival is not None):
        return True  # (a re-plan's resident: weighed over the whole stay above)
    # the second alone houses as many nights: nobody is moved for nothing
    return ss[0].nights + ss[1].nights > spans(w, option[1:])[0].nights


def group_need(people: tuple[Worker, ...], rule: StayRule) -> int:
    """Fewest nights a group's part of its stay at one foresteria may last: the most any of its
    members' stays needs (min_overlap_nights; min_overlap_share of the longest stay)."""
    return max(rule.needed(w) for w in people)


def _group_fits(unit: Unit, option: Option, rule: StayRule, promised: bool) -> bool:
    """A group's option with partial stays (review 18 R, MEDIUM-5). The minimum overlap is a
    rule against offering a bed for a night or two, not against a member who joins the group
    for two nights: it holds for the group's part at each foresteria (the nights at least one
    member sleeps there, `group_need`), and each member is housed with the group for their own
    nights there (at least one). A transfer is at a closing inside the group's stay (both
    parts have nights), moves nobody who has nights at both sites for nothing (each such
    member gains a night over the second site alone) and gains the group a night.

    A re-plan's group with residents (`Unit.history`) keeps each resident's rules of the whole
    stay (a span count, the first span's site or morning); a part passes where the group's
    nights planned there and kept there before the date (`History.group_kept`) reach the
    minimum, or a member's span meets their own threshold of the whole stay (`History.first`/`.rest`, the kept nights counted: a span of the whole plan that
    long). With `min_overlap_share`, a member's threshold is of their own stay, not the group's
    longest: a re-plan's group is then held to every member's own (the rule before the group's,
    which implies it)."""
    history = dict(unit.history)
    need = group_need(unit.one_copy, rule)
    kept: dict[str, int] = {}  # the group's nights before a re-plan's date, per foresteria
    for _, past in unit.history:
        for fid, n in past.group_kept:
            kept[fid] = max(kept.get(fid, 0), n)
    parts: list[list[tuple[date, date]]] = [[] for _ in option]  # the nights, as spans
    own_ok = [False] * len(option)  # some member's span meets their own threshold there
    every_ok = [True] * len(option)  # every member's does
    alone = total = 0
    for w in unit.one_copy:
        ss = spans(w, option)
        h = history.get(w.id)
        if not _resumes(h, option, ss):
            return False
        if h is not None and len([s for s in ss if s.nights]) > h.spans:
            return False
        if not any(s.nights for s in ss) or (h is not None and not ss[0].nights):
            return False  # a member the option gives no night; a resident's stay goes on
        if not history and w.pinned_foresteria == option[0].id and not ss[0].nights:
            return False  # a pinned member's first bed is at the pin (a re-plan's newcomer
            # to a group is pinned where it is: replan._one_pin_a_group)
        for k, s in enumerate(ss):
            if s.nights:
                parts[k].append((s.start, s.end))
            own = rule.needed(w) if h is None else h.first if k == 0 else h.rest
            if s.nights and s.nights >= own:
                # (a newcomer's pin does not count: the run may record them unpinned,
                # _one_pin_a_group in housing/replan.py)
                own_ok[k] = True
            if not s.nights or s.nights < (1 if k == 0 and h is None and unit.pinned else own):
                every_ok[k] = False  # (an empty span too: the rule before the group's)
        held = [s for s in ss if s.nights]  # (a resident's: from the first, ss[0] has nights)
        if (h is not None or len(held) == 2) and not _gains(w, option, held, h, promised):
            return False
        if len(ss) == 2:
            total += ss[0].nights + ss[1].nights
            alone += spans(w, option[1:])[0].nights
    if not all(parts):
        return False  # a transfer at a closing inside the group's stay: nights at both sites
    if len(option) == 2 and not promised and not unit.history and total <= alone:
        return False  # the group gains no night by the transfer
    for k, part in enumerate(parts):
        nights = _covered(part)
        least = 1 if k == 0 and unit.pinned is not None else need
        if not unit.history:
            if nights < least:
                return False
        elif rule.min_share > 0:
            if not every_ok[k]:
                return False
        elif nights + kept.get(option[k].id, 0) < need and not own_ok[k]:
            return False
    return True


def _covered(spans_: list[tuple[date, date]]) -> int:
    """Nights in the union of [start, end) spans (the group's nights at one foresteria), by
    merging them in order rather than night by night (housing's set-up at 20,000 workers spent
    most of its time adding nights to sets)."""
    total = 0
    reach: date | None = None
    for start, end in sorted(spans_):
        if reach is not None and start < reach:
            start = reach
        if end > start:
            total += (end - start).days
            reach = end
    return total


def unit_options(unit: Unit, near: list[Foresteria], rule: StayRule) -> list[Option]:
    """Every option of the unit among the foresterie it can reach, singles first, in id order;
    a re-plan's resident with a promise (`Unit.promised`) has that one while it fits."""
    if unit.promised is not None:
        by_id = {f.id: f for f in near}
        kept = tuple(by_id[i] for i in unit.promised if i in by_id)
        if (
            len(kept) == len(unit.promised)
            and (unit.pinned is None or kept[0].id == unit.pinned)
            and option_fits(unit, kept, rule, promised=True)
        ):
            return [kept]
    singles: list[Option] = [(f,) for f in near]
    pairs: list[Option] = []
    if rule.partial and rule.max_transfers:
        # A transfer from a needs a to close inside every member's stay, after it opened for
        # them (option_fits refuses the pair otherwise: its first span reaches the departure).
        # Sorting those out first is exact and spares testing every b for the other a: the
        # pairs grow with the square of the foresterie within reach (20,000 workers with 67
        # foresterie: 6.2 million pairs tested, nearly all housing's set-up).
        # A group's is its own stay's (option_fits: a member may have left before the closing,
        # or arrive after it): the closing inside some member's stay, a night there for one.
        people = unit.one_copy
        some = any if unit.is_group else all
        leave = (max if unit.is_group else min)(w.departure for w in people)
        first = [
            a
            for a in near
            if a.open_to + timedelta(days=1) < leave
            and some(max(w.arrival, a.open_from) < w.departure for w in people)
        ]
        pairs = [(a, b) for a in first for b in near if a.id != b.id]
    out = [o for o in singles + pairs if option_fits(unit, o, rule)]
    if unit.pinned is not None:
        out = [o for o in out if o[0].id == unit.pinned]
    return out


def commute_cost(
    unit: Unit, option: Option | str, matrix: TravelMatrix, farms: dict[str, Farm]
) -> int:
    """One-way commute seconds x workdays of the nights housed, for one copy of the unit; a
    foresteria id stands for the whole stay there."""
    people = unit.one_copy
    total = 0
    for w in people:
        if not w.work_farm:
            continue
        farm = farms[w.work_farm]
        parts = (
            [Span(foresteria_id=option, start=w.arrival, end=w.departure)]
            if isinstance(option, str)
            else spans(w, option)
        )
        for s in parts:
            total += matrix.secs(s.foresteria_id, farm.id) * workdays_between(
                s.start, s.end, farm.workdays
            )
    return total


def farms_by_id(scenario: Scenario) -> dict[str, Farm]:
    return {f.id: f for f in scenario.farms}
