"""Housing on tiny scenarios one can check by hand: each constraint, each waitlist reason."""

from __future__ import annotations

import dataclasses
import itertools
import math
import multiprocessing
from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foresterie.core.errors import InfeasibleError
from foresterie.housing import tiers
from foresterie.housing.mip import LpResult, Program, SearchResult
from foresterie.housing.tiers import (
    _aggregate,
    _Component,
    _disaggregate,
    _fill,
    _ladder,
    _near_bound,
    _night_rows,
    _rounded_groups,
    _support,
    _tier,
    _Use,
    node_budget,
    plan_housing,
)
from foresterie.housing.units import build_units, workdays_between
from foresterie.scenario.model import Section
from tests.helpers import farm, foresteria, matrix, scenario, worker


def solve(fs, farms, ws, minutes=None, previous=None, **tables):  # type: ignore[no-untyped-def]
    sc = scenario(fs, farms, ws, **tables)
    ids = [f.id for f in sc.foresterie] + [f.id for f in sc.farms]
    return sc, plan_housing(sc, matrix(minutes or {}, ids), previous)


def where(hp) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {a.worker_id: a.foresteria_id for a in hp.assignments}


def reasons(hp) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {e.worker_id: (e.code, e.reason) for e in hp.waitlist}


def test_section_beds_per_night_and_full_reason() -> None:
    ws = [worker(f"W{i}") for i in range(3)]
    _, hp = solve([foresteria("A", men=2)], [farm("F1")], ws)
    assert len(hp.assignments) == 2
    ((code, text),) = reasons(hp).values()
    assert code == "full"
    assert text == (
        "men's beds full at Foresteria A on 2026-07-06..07-09 "
        "(held by people of equal or higher priority) and no alternative"
    )


def test_beds_are_counted_per_night_not_per_season() -> None:
    # Two stays that do not overlap share one bed.
    ws = [worker("W1", "2026-07-01", "2026-07-05"), worker("W2", "2026-07-05", "2026-07-09")]
    _, hp = solve([foresteria("A", men=1)], [farm("F1")], ws)
    assert where(hp) == {"W1": "A", "W2": "A"} and not hp.waitlist


def test_priority_three_is_never_waitlisted_for_a_lower_one() -> None:
    ws = [worker("W0", priority=0), worker("W3", priority=3), worker("W1", priority=1)]
    _, hp = solve([foresteria("A", men=1)], [farm("F1")], ws)
    assert where(hp) == {"W3": "A"}
    r = reasons(hp)
    assert r["W0"][0] == "outranked" and "held by people of higher priority" in r["W0"][1]
    assert r["W1"][0] == "outranked" and "held by people of higher priority" in r["W1"][1]


def test_closed_foresteria_reason() -> None:
    ws = [worker("W1", "2026-07-03", "2026-07-20")]
    _, hp = solve([foresteria("A", men=5, open_from="2026-07-05")], [farm("F1")], ws)
    assert reasons(hp)["W1"] == (
        "closed",
        "no foresteria within 60 min of farm F1 open for the whole stay 2026-07-03..07-19",
    )


def test_far_farm_reason_names_the_nearest() -> None:
    _, hp = solve([foresteria("A", men=5)], [farm("F1")], [worker("W1")], {("A", "F1"): 74})
    assert reasons(hp)["W1"] == (
        "far",
        "no foresteria within 60 min of farm F1 (nearest: Foresteria A, 74 min)",
    )


def test_section_and_accessible_reasons() -> None:
    ws = [worker("W1", section="women"), worker("W2", accessible=True)]
    _, hp = solve([foresteria("A", men=5, acc=0)], [farm("F1")], ws)
    r = reasons(hp)
    assert r["W1"][0] == "no_section" and "women's beds" in r["W1"][1]
    assert r["W2"][0] == "no_accessible"


def test_accessible_beds_are_a_cap() -> None:
    ws = [worker("W1", accessible=True), worker("W2", accessible=True)]
    _, hp = solve([foresteria("A", men=5, acc=1)], [farm("F1")], ws)
    assert len(hp.assignments) == 1 and reasons(hp)[next(iter(reasons(hp)))][0] == "full"


def test_group_stays_together_or_waits_together() -> None:
    g = [worker(f"W{i}", section="family", group="G") for i in range(3)]
    _, hp = solve([foresteria("A", family=2), foresteria("B", family=2)], [farm("F1")], g)
    assert not hp.assignments and {c for c, _ in reasons(hp).values()} == {"too_large"}
    assert all(
        t.startswith("group of 3 needs more family beds than") for _, t in reasons(hp).values()
    )
    _, hp = solve([foresteria("A", family=2), foresteria("B", family=3)], [farm("F1")], g)
    assert set(where(hp).values()) == {"B"} and len(hp.assignments) == 3


def test_commute_tier_prefers_the_nearer_foresteria() -> None:
    ws = [worker("W1")]
    _, hp = solve(
        [foresteria("A", men=5), foresteria("B", men=5)],
        [farm("F1")],
        ws,
        {("A", "F1"): 40, ("B", "F1"): 20},
    )
    assert where(hp) == {"W1": "B"}
    commute = next(t for t in hp.tiers if t.name == "commute_s")
    assert commute.objective == 20 * 60 * 4 and commute.optimal  # 4 workdays (Mon..Thu)


def test_balance_tier_spreads_people_when_commute_ties() -> None:
    ws = [worker("W1"), worker("W2")]
    _, hp = solve([foresteria("A", men=2), foresteria("B", men=2)], [farm("F1")], ws)
    assert sorted(where(hp).values()) == ["A", "B"]
    assert next(t for t in hp.tiers if t.name == "peak_permille").objective == 500


def test_pinned_stays_even_when_farther() -> None:
    ws = [worker("W1", pinned="A")]
    _, hp = solve(
        [foresteria("A", men=5), foresteria("B", men=5)],
        [farm("F1")],
        ws,
        {("A", "F1"): 70, ("B", "F1"): 5},
    )
    assert where(hp) == {"W1": "A"}


def test_pinned_beyond_capacity_says_where_when_how_much() -> None:
    ws = [worker(f"W{i}", pinned="A") for i in range(4)]
    with pytest.raises(InfeasibleError) as exc:
        solve([foresteria("A", men=2)], [farm("F1")], ws)
    assert str(exc.value.shortfalls[0]) == (
        "pinned people exceed men's beds at Foresteria A (A) on 2026-07-06..07-09: over by 2 "
        "(W0, W1, W2, W3: the people held there, by their pin or, in a re-plan, by their bed "
        "before the date; add beds, or change their pins or stays)"
    )


def test_replan_keeps_people_in_place() -> None:
    ws = [worker("W1", "2026-07-06", "2026-07-20"), worker("W2", "2026-07-12", "2026-07-20")]
    _, hp = solve([foresteria("A", men=2), foresteria("B", men=2)], [farm("F1")], ws)
    before = where(hp)
    # Same people re-planned with their previous places: nobody has to move.
    _, hp2 = solve(
        [foresteria("A", men=2), foresteria("B", men=2)], [farm("F1")], ws, previous=before
    )
    assert where(hp2) == before and hp2.moved == 0
    assert next(t for t in hp2.tiers if t.name == "kept_in_place").objective == 2


def test_determinism_same_assignments_twice() -> None:
    ws = [worker(f"W{i:02d}", priority=i % 4, section=("men", "women")[i % 2]) for i in range(30)]
    fs = [foresteria("A", men=6, women=4), foresteria("B", men=5, women=3)]
    a = solve(fs, [farm("F1")], ws)[1]
    b = solve(fs, [farm("F1")], ws)[1]
    assert a.assignments == b.assignments and a.waitlist == b.waitlist


def test_identical_people_collapse_into_one_unit() -> None:
    ws = [worker(f"W{i:03d}") for i in range(200)]
    _, hp = solve([foresteria("A", men=150)], [farm("F1")], ws)
    assert hp.units == 1 and len(hp.assignments) == 150 and len(hp.waitlist) == 50


@st.composite
def small_seasons(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, 14))
    ws = []
    for i in range(n):
        a = draw(st.integers(1, 20))
        ln = draw(st.integers(1, 8))
        ws.append(
            worker(
                f"W{i:02d}",
                f"2026-07-{a:02d}",
                f"2026-07-{a + ln:02d}",
                draw(st.sampled_from(["men", "women"])),
                "F1",
                draw(st.integers(0, 3)),
            )
        )
    beds = draw(
        st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(0, 3), st.integers(0, 2))
    )
    return ws, beds


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_seasons())
def test_nobody_waits_while_a_lower_priority_person_holds_a_usable_bed(case) -> None:  # type: ignore[no-untyped-def]
    ws, (am, aw, bm, bw) = case
    fs = [foresteria("A", men=am, women=aw), foresteria("B", men=bm, women=bw)]
    sc, hp = solve(fs, [farm("F1")], ws)
    placed = {a.worker_id: a.foresteria_id for a in hp.assignments}
    people = {w.id: w for w in sc.workers}
    for e in hp.waitlist:
        w = people[e.worker_id]
        assert e.proven, e
        for f in sc.foresterie:
            if f.beds(w.section) == 0:
                continue
            # Evict everyone of lower priority at f: w must still not fit on some night.
            fits = True
            d = w.arrival
            while d < w.departure:
                kept = sum(
                    1
                    for o in people.values()
                    if placed.get(o.id) == f.id
                    and o.section == w.section
                    and o.priority >= w.priority
                    and o.arrival <= d < o.departure
                )
                fits = fits and kept < f.beds(w.section)
                d += timedelta(days=1)
            assert not fits, (e, f.id)


def test_balance_weight_trades_commute_for_balance() -> None:
    ws = [worker("W1"), worker("W2")]
    fs = [foresteria("A", men=2), foresteria("B", men=2)]
    minutes = {("A", "F1"): 20, ("B", "F1"): 40}
    _, strict = solve(fs, [farm("F1")], ws, minutes)
    assert where(strict) == {"W1": "A", "W2": "A"}  # commute first: both at the nearer one
    _, blended = solve(fs, [farm("F1")], ws, minutes, housing={"balance_weight": 100})
    assert sorted(where(blended).values()) == ["A", "B"]  # 500 per mille x 100 > 4 x 1200 s
    assert next(t for t in blended.tiers if t.name == "peak_permille").objective == 500
    assert next(t for t in blended.tiers if t.name == "commute_s").objective == (20 + 40) * 60 * 4


@st.composite
def tiny_seasons(draw):  # type: ignore[no-untyped-def]
    fs = [
        foresteria(
            fid,
            men=draw(st.integers(0, 3)),
            women=draw(st.integers(0, 2)),
            family=draw(st.integers(0, 4)),
            acc=draw(st.integers(0, 1)),
            open_to=draw(st.sampled_from(["2026-07-09", "2026-07-31"])),
        )
        for fid in ("A", "B", "C")[: draw(st.integers(2, 3))]
    ]
    ws = []
    for i in range(draw(st.integers(2, 7))):
        a = draw(st.integers(1, 6))
        section = draw(st.sampled_from(["men", "men", "women", "family"]))
        ws.append(
            worker(
                f"W{i}",
                f"2026-07-{a:02d}",
                f"2026-07-{a + draw(st.integers(1, 5)):02d}",
                section,
                draw(st.sampled_from(["F1", "F2", None])),
                draw(st.integers(0, 3)),
                accessible=draw(st.booleans()),
            )
        )
    if draw(st.booleans()) and len(ws) >= 3:  # one group of two or three of the same section
        k = draw(st.integers(2, 3))
        ws = [
            dataclasses.replace(
                w,
                group_id="G1",
                section=ws[0].section,
                arrival=ws[0].arrival,
                departure=ws[0].departure,
            )
            if j < k
            else w
            for j, w in enumerate(ws)
        ]
    minutes = {(f, "F1"): draw(st.sampled_from([5, 20, 45, 70])) for f in ("A", "B", "C")}
    minutes |= {(f, "F2"): draw(st.sampled_from([5, 20, 45, 70])) for f in ("A", "B", "C")}
    return fs, ws, minutes


def lexicographic_best(sc, m):  # type: ignore[no-untyped-def]
    """Every assignment of every unit, by the README's formulas; the best tier vector."""
    units: dict[str, list] = {}
    for w in sc.workers:
        units.setdefault(w.group_id or w.id, []).append(w)
    farms = {f.id: f for f in sc.farms}
    fs = {f.id: f for f in sc.foresterie}
    best = None
    for choice in itertools.product([None, *fs], repeat=len(units)):
        used: dict[tuple[str, str, date], int] = {}
        acc: dict[tuple[str, date], int] = {}
        housed = {p: 0 for p in (3, 2, 1, 0)}
        commute, ok = 0, True
        for ms, fid in zip(units.values(), choice, strict=True):
            if fid is None:
                continue
            f = fs[fid]
            for w in ms:
                secs = m.secs(fid, w.farm_id) if w.farm_id else 0
                if not (f.open_from <= w.arrival and w.last_night <= f.open_to) or secs > 3600:
                    ok = False
                housed[w.priority] += 1
                if w.farm_id:
                    commute += secs * workdays_between(
                        w.arrival, w.departure, farms[w.farm_id].workdays
                    )
                d = w.arrival
                while d < w.departure:
                    used[fid, w.section.value, d] = used.get((fid, w.section.value, d), 0) + 1
                    acc[fid, d] = acc.get((fid, d), 0) + int(w.accessible)
                    d += timedelta(days=1)
        ok = ok and all(n <= fs[f].beds(Section(s)) for (f, s, _), n in used.items())
        ok = ok and all(n <= fs[f].beds_accessible for (f, _), n in acc.items())
        if not ok:
            continue
        total: dict[tuple[str, date], int] = {}
        for (f, _, d), n in used.items():
            total[f, d] = total.get((f, d), 0) + n
        peak = max((-(-1000 * n // fs[f].beds_total) for (f, _), n in total.items()), default=0)
        key = (housed[3], housed[2], housed[1], housed[0], -commute, -peak)
        best = key if best is None or key > best else best
    return best


@settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(case=tiny_seasons())
def test_every_tier_equals_brute_force(case) -> None:  # type: ignore[no-untyped-def]
    """The decomposition (districts, section blocks), the LP-bound proofs and the reduced-cost
    ladder together still give the exact lexicographic optimum, tier by tier."""
    fs, ws, minutes = case
    sc = scenario(fs, [farm("F1"), farm("F2", days=frozenset(range(5)))], ws)
    m = matrix(minutes, [f.id for f in sc.foresterie] + ["F1", "F2"])
    hp = plan_housing(sc, m)
    tiers = {t.name: t for t in hp.tiers}
    assert all(t.optimal for t in hp.tiers)
    expect = lexicographic_best(sc, m)
    got = tuple(
        tiers[f"housed_priority_{p}"].objective if f"housed_priority_{p}" in tiers else 0
        for p in (3, 2, 1, 0)
    )
    got += (
        -tiers["commute_s"].objective if "commute_s" in tiers else 0,
        -tiers["peak_permille"].objective if "peak_permille" in tiers else 0,
    )
    assert got == expect


def test_sections_split_into_blocks_unless_accessible_beds_tie_them() -> None:
    fs = [foresteria("A", men=2, women=2, acc=1)]
    ws = [worker("W0"), worker("W1", section="women")]
    _, hp = solve(fs, [farm("F1")], ws)
    assert hp.blocks == 2 and len(hp.assignments) == 2  # no accessible need: men | women
    # Two people needing the one accessible bed, one per section: the row binds, so men and
    # women are one block, and only one of the two gets in.
    ws += [
        worker("W2", accessible=True, priority=1),
        worker("W3", section="women", accessible=True, priority=2),
    ]
    _, hp = solve(fs, [farm("F1")], ws)
    assert hp.blocks == 1
    assert {"W1", "W3"} <= set(where(hp)) and "W2" not in where(hp)
    assert all(
        t.optimal and t.proof in {"lp_bound", "reduced_cost_search", "search"} for t in hp.tiers
    )


# ---------------------------------------------------------------- partial stays and transfers

PARTIAL = {"partial_stays": True, "max_transfers": 1}


def spans_of(hp) -> dict[str, list[tuple[str, str, str]]]:  # type: ignore[no-untyped-def]
    out: dict[str, list[tuple[str, str, str]]] = {}
    for a in hp.assignments:
        out.setdefault(a.worker_id, []).append(
            (a.foresteria_id, a.arrival.isoformat(), a.departure.isoformat())
        )
    return out


def test_stay_starting_before_opening_is_housed_from_opening_night() -> None:
    ws = [worker("W1", "2026-07-03", "2026-07-20")]
    fs = [foresteria("A", men=5, open_from="2026-07-05")]
    _, hp = solve(fs, [farm("F1")], ws, housing=PARTIAL)
    assert spans_of(hp) == {"W1": [("A", "2026-07-05", "2026-07-20")]}
    bed_nights = next(t for t in hp.tiers if t.name == "bed_nights")
    assert bed_nights.objective == 15 and bed_nights.optimal
    # Commute counts only the nights housed: 15 days from 07-05, every day a workday.
    assert next(t for t in hp.tiers if t.name == "commute_s").objective == 10 * 60 * 15


def test_transfer_keeps_someone_housed_across_a_closure() -> None:
    # A closes after 07-09, B opens 07-08: A 07-05..07-09 then B 07-10..07-14 (10 nights)
    # beats B alone (07-08..07-14, 7 nights) and A alone (5 nights).
    ws = [worker("W1", "2026-07-05", "2026-07-15")]
    fs = [
        foresteria("A", men=1, open_to="2026-07-09"),
        foresteria("B", men=1, open_from="2026-07-08"),
    ]
    _, hp = solve(fs, [farm("F1")], ws, housing=PARTIAL)
    assert spans_of(hp) == {
        "W1": [("A", "2026-07-05", "2026-07-10"), ("B", "2026-07-10", "2026-07-15")]
    }
    assert next(t for t in hp.tiers if t.name == "transfers").objective == 1
    # Without transfers the longest single stay wins: B from its opening night.
    _, hp = solve(fs, [farm("F1")], ws, housing={"partial_stays": True})
    assert spans_of(hp) == {"W1": [("B", "2026-07-08", "2026-07-15")]}
    # Whole stays only: nobody is open for all of it.
    _, hp = solve(fs, [farm("F1")], ws)
    assert reasons(hp)["W1"][0] == "closed"


def test_transfers_are_a_last_resort_among_equal_bed_nights() -> None:
    # A then B (B opens when A closes) and C give all 10 nights; A is nearest, but the transfers
    # tier comes before the commute: C.
    ws = [worker("W1", "2026-07-05", "2026-07-15")]
    fs = [
        foresteria("A", men=1, open_to="2026-07-09"),
        foresteria("B", men=1, open_from="2026-07-10"),
        foresteria("C", men=1),
    ]
    minutes = {("A", "F1"): 5, ("B", "F1"): 30, ("C", "F1"): 30}
    _, hp = solve(fs, [farm("F1")], ws, minutes, housing=PARTIAL)
    assert spans_of(hp) == {"W1": [("C", "2026-07-05", "2026-07-15")]}
    # Nobody is moved for nothing: with B open all along, A then B gains no night over B alone,
    # so it is not an option, however near A is.
    fs = [foresteria("A", men=1, open_to="2026-07-09"), foresteria("B", men=1)]
    _, hp = solve(fs, [farm("F1")], ws, minutes, housing=PARTIAL)
    assert spans_of(hp) == {"W1": [("B", "2026-07-05", "2026-07-15")]}


def test_minimum_overlap_drops_short_parts() -> None:
    ws = [worker("W1", "2026-07-03", "2026-07-20")]
    fs = [foresteria("A", men=5, open_to="2026-07-06")]  # 4 nights of a 17-night stay
    _, hp = solve(fs, [farm("F1")], ws, housing={"partial_stays": True, "min_overlap_nights": 4})
    assert spans_of(hp) == {"W1": [("A", "2026-07-03", "2026-07-07")]}
    _, hp = solve(fs, [farm("F1")], ws, housing={"partial_stays": True, "min_overlap_nights": 5})
    assert reasons(hp)["W1"] == (
        "closed",
        "no foresteria within 60 min of farm F1 open for at least 5 nights of the stay "
        "2026-07-03..07-19",
    )
    share = {"partial_stays": True, "min_overlap_share": 0.25}  # ceil(0.25 x 17) = 5 nights
    _, hp = solve(fs, [farm("F1")], ws, housing=share)
    assert reasons(hp)["W1"][0] == "closed"


def test_full_reason_covers_partial_options() -> None:
    # One bed, two people for the same nights; the second is full on A's open nights only.
    ws = [worker("W1", "2026-07-03", "2026-07-12"), worker("W2", "2026-07-03", "2026-07-12")]
    _, hp = solve(
        [foresteria("A", men=1, open_from="2026-07-06")], [farm("F1")], ws, housing=PARTIAL
    )
    assert spans_of(hp) == {"W1": [("A", "2026-07-06", "2026-07-12")]}
    assert reasons(hp)["W2"] == (
        "full",
        "men's beds full at Foresteria A on 2026-07-06..07-11 (held by people of equal or higher priority)"
        " and no alternative",
    )


def brute_spans(w, option):  # type: ignore[no-untyped-def]
    """The README's rule, written out again: at the first foresteria from max(arrival, opening)
    to min(departure, closing); after a transfer at the second from then (or its opening, or
    the arrival)."""
    a = option[0]
    close_a = a.open_to + timedelta(days=1)
    out = [(a, max(w.arrival, a.open_from), min(w.departure, close_a))]
    if len(option) == 2:
        b = option[1]
        out.append(
            (
                b,
                max(out[0][2], b.open_from, w.arrival),  # (a group's member arriving after a)
                min(w.departure, b.open_to + timedelta(days=1)),
            )
        )
    return out


def partial_best(sc, m, need):  # type: ignore[no-untyped-def]
    """Lexicographic best over every option of every unit: people by priority, bed-nights,
    fewest transfers, commute, peak."""
    units: dict[str, list] = {}
    for w in sc.workers:
        units.setdefault(w.group_id or w.id, []).append(w)
    farms = {f.id: f for f in sc.farms}
    fs = list(sc.foresterie)
    options = [(f,) for f in fs] + [(a, b) for a in fs for b in fs if a.id != b.id]
    best = None
    for choice in itertools.product([None, *options], repeat=len(units)):
        used: dict[tuple[str, str, date], int] = {}
        acc: dict[tuple[str, date], int] = {}
        housed = {p: 0 for p in (3, 2, 1, 0)}
        nights = commute = transfers = 0
        ok = True
        for ms, opt in zip(units.values(), choice, strict=True):
            if opt is None:
                continue
            if any(f.id in w.avoid for w in ms for f in opt):
                ok = False  # a site a member's referral record excludes, for the whole unit
            group = bool(ms[0].group_id)
            # A group's minimum is the group's part at each foresteria, the nights at least one
            # member sleeps there (review 18 R, MEDIUM-5); each member sleeps some night of it.
            there: dict[int, set[date]] = {0: set(), 1: set()}
            gained = b_nights = 0
            for w in ms:
                parts = brute_spans(w, opt)
                lengths = [max(0, (e - s).days) for _, s, e in parts]
                for k, (_, s, e) in enumerate(parts):
                    there[k].update(s + timedelta(days=j) for j in range((e - s).days))
                if group:
                    if not any(lengths):
                        ok = False
                else:
                    if any(n < need for n in lengths):
                        ok = False
                    if len(parts) == 2 and parts[0][2] >= w.departure:
                        ok = False
                if len(parts) == 2:
                    b_alone = brute_spans(w, opt[1:])[0]
                    alone = max(0, (b_alone[2] - b_alone[1]).days)
                    gained += sum(lengths)
                    b_nights += alone
                    if (not group or all(lengths)) and sum(lengths) <= alone:
                        ok = False  # moved for no night gained
            if group:
                if any(len(there[k]) < max(need, 1) for k in range(len(opt))):
                    ok = False
                if len(opt) == 2 and gained <= b_nights:
                    ok = False  # the group gains no night by the transfer
            for w in ms:
                parts = brute_spans(w, opt)
                housed[w.priority] += 1
                transfers += len(parts) == 2 and all(s < e for _, s, e in parts)  # moved
                for f, s, e in parts:
                    farm_id = w.work_farm  # none for a dependant or an avoided farm
                    secs = m.secs(f.id, farm_id) if farm_id else 0
                    if secs > 3600:
                        ok = False
                    nights += max(0, (e - s).days)
                    if farm_id:
                        commute += secs * workdays_between(s, e, farms[farm_id].workdays)
                    d = s
                    while d < e:
                        k = (f.id, w.section.value, d)
                        used[k] = used.get(k, 0) + 1
                        acc[f.id, d] = acc.get((f.id, d), 0) + int(w.accessible)
                        d += timedelta(days=1)
            if not ok:
                break
        by_id = {f.id: f for f in fs}
        ok = ok and all(n <= by_id[f].beds(Section(s)) for (f, s, _), n in used.items())
        ok = ok and all(n <= by_id[f].beds_accessible for (f, _), n in acc.items())
        if not ok:
            continue
        total: dict[tuple[str, date], int] = {}
        for (f, _, d), n in used.items():
            total[f, d] = total.get((f, d), 0) + n
        peak = max((-(-1000 * n // by_id[f].beds_total) for (f, _), n in total.items()), default=0)
        key = (*(housed[p] for p in (3, 2, 1, 0)), nights, -transfers, -commute, -peak)
        best = key if best is None or key > best else best
    return best


def assert_partial_tiers_are_brute_force(sc, m, need):  # type: ignore[no-untyped-def]
    """Plan, and check every tier proven and equal to partial_best's lexicographic optimum."""
    hp = plan_housing(sc, m)
    tiers = {t.name: t for t in hp.tiers}
    assert all(t.optimal for t in hp.tiers)
    names = [f"housed_priority_{p}" for p in (3, 2, 1, 0)] + ["bed_nights"]
    got = tuple(tiers[n].objective if n in tiers else 0 for n in names)
    got += tuple(
        -tiers[n].objective if n in tiers else 0
        for n in ("transfers", "commute_s", "peak_permille")
    )
    assert got == partial_best(sc, m, need)
    return hp


@st.composite
def tiny_partial_seasons(draw):  # type: ignore[no-untyped-def]
    fs = [
        foresteria(
            fid,
            men=draw(st.integers(0, 2)),
            women=draw(st.integers(0, 1)),
            family=draw(st.integers(0, 3)),
            acc=draw(st.integers(0, 1)),
            open_from=draw(st.sampled_from(["2026-07-01", "2026-07-04", "2026-07-06"])),
            open_to=draw(st.sampled_from(["2026-07-04", "2026-07-07", "2026-07-31"])),
        )
        for fid in ("A", "B", "C")[: draw(st.integers(2, 3))]
    ]
    ws = []
    for i in range(draw(st.integers(2, 4 if len(fs) == 3 else 5))):
        a = draw(st.integers(1, 6))
        ws.append(
            worker(
                f"W{i}",
                f"2026-07-{a:02d}",
                f"2026-07-{a + draw(st.integers(1, 7)):02d}",
                draw(st.sampled_from(["men", "men", "women", "family"])),
                draw(st.sampled_from(["F1", "F2", None])),
                draw(st.integers(0, 3)),
                accessible=draw(st.booleans()),
            )
        )
    if draw(st.booleans()) and len(ws) >= 3:  # a group with different stays
        ws = [
            dataclasses.replace(w, group_id="G1", section=ws[0].section) if j < 2 else w
            for j, w in enumerate(ws)
        ]
    minutes = {(f, "F1"): draw(st.sampled_from([5, 20, 45, 70])) for f in ("A", "B", "C")}
    minutes |= {(f, "F2"): draw(st.sampled_from([5, 20, 45, 70])) for f in ("A", "B", "C")}
    need = draw(st.integers(1, 3))
    return fs, ws, minutes, need


@settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(case=tiny_partial_seasons())
def test_every_partial_stay_tier_equals_brute_force(case) -> None:  # type: ignore[no-untyped-def]
    """Partial stays and transfers: options, the bed-nights and transfers tiers, and their
    proofs still give the exact lexicographic optimum."""
    fs, ws, minutes, need = case
    housing = {**PARTIAL, "min_overlap_nights": need}
    sc = scenario(fs, [farm("F1"), farm("F2", days=frozenset(range(5)))], ws, housing=housing)
    m = matrix(minutes, [f.id for f in sc.foresterie] + ["F1", "F2"])
    assert_partial_tiers_are_brute_force(sc, m, need)


@pytest.mark.parametrize("need", [1, 3])
@pytest.mark.parametrize("b_men", [1, 2])
def test_partial_stay_tiers_equal_brute_force_with_dependants_and_avoided_sites(
    need: int, b_men: int
) -> None:
    """Hand-made: a family (a worker, two dependants who take beds and never ride) that needs a
    transfer across A's closing, referred people who must avoid A or their farm, and classes of
    equals; the tiers equal the brute-force optimum over every option of every unit."""
    fs = [
        foresteria("A", men=2, family=3, open_to="2026-07-06"),
        foresteria("B", men=b_men, family=3, open_from="2026-07-04"),
    ]
    family = [
        worker("W0", "2026-07-02", "2026-07-12", "family", "F1", 1, group="G1"),
        *(
            dataclasses.replace(
                worker(f"W{i}", "2026-07-02", "2026-07-12", "family", None, 1, group="G1"),
                rides=False,
            )
            for i in (1, 2)
        ),
    ]
    ws = [
        *family,
        dataclasses.replace(
            worker("W3", "2026-07-01", "2026-07-09", priority=3), avoid=frozenset({"A"})
        ),
        dataclasses.replace(
            worker("W4", "2026-07-03", "2026-07-08", farm_id="F2", priority=3),
            avoid=frozenset({"F2"}),
        ),
        worker("W5", "2026-07-01", "2026-07-10", farm_id="F2"),
        worker("W6", "2026-07-01", "2026-07-10", farm_id="F2"),
    ]
    housing = {**PARTIAL, "min_overlap_nights": need}
    sc = scenario(fs, [farm("F1"), farm("F2", days=frozenset(range(5)))], ws, housing=housing)
    minutes = {("A", "F1"): 5, ("B", "F1"): 45, ("A", "F2"): 20, ("B", "F2"): 5}
    m = matrix(minutes, ["A", "B", "F1", "F2"])
    hp = assert_partial_tiers_are_brute_force(sc, m, need)
    assert all(a.foresteria_id != "A" for a in hp.assignments if a.worker_id == "W3")


# ---------------------------------------------------------------- entry rules


def test_contract_holder_outranks_a_non_holder_of_the_same_priority() -> None:
    ws = [
        worker("W1", farm_id="F1"),
        dataclasses.replace(worker("W2", farm_id="F2"), contract=True),
    ]
    fs, farms, minutes = [foresteria("A", men=1)], [farm("F1"), farm("F2")], {("A", "F2"): 30}
    _, hp = solve(fs, farms, ws, minutes)
    assert where(hp) == {"W1": "A"}  # without the rule the shorter commute wins
    _, hp = solve(fs, farms, ws, minutes, housing={"contract_first": True})
    assert where(hp) == {"W2": "A"}
    tiers = {t.name: t for t in hp.tiers}
    assert tiers["housed_priority_0_contract"].objective == 1 and all(t.optimal for t in hp.tiers)
    # A higher priority still comes first.
    ws[0] = dataclasses.replace(ws[0], priority=1)
    _, hp = solve(fs, farms, ws, minutes, housing={"contract_first": True})
    assert where(hp) == {"W1": "A"}


def test_lottery_among_equals_changes_with_the_seed() -> None:
    ws = [worker(f"W{i}") for i in range(4)]  # four equals, two beds
    winners = set()
    for seed in range(8):
        _, hp = solve(
            [foresteria("A", men=2)],
            [farm("F1")],
            ws,
            housing={"lottery": True},
            scenario={"seed": seed},
        )
        assert hp.lottery is not None
        ranked = sorted(hp.lottery, key=lambda w: (hp.lottery[w], w))  # type: ignore[index]
        assert set(where(hp)) == set(ranked[:2])  # the two earliest tickets get the beds
        _, again = solve(
            [foresteria("A", men=2)],
            [farm("F1")],
            ws,
            housing={"lottery": True},
            scenario={"seed": seed},
        )
        assert where(again) == where(hp)
        winners.add(frozenset(where(hp)))
    assert len(winners) > 1


def test_the_ladder_climbs_from_the_bound_in_growing_steps() -> None:
    for bound in (-86_927, 567_929_977, 1, 0, -6_721, 477_928):
        gaps = _ladder(bound)
        assert gaps[0] == 0 and gaps == sorted(set(gaps))
        assert gaps[-1] == math.ceil(1e-2 * max(1, abs(bound)))  # the last rung as before
    assert _ladder(-86_927)[:5] == [0, 1, 2, 3, 4]  # small objectives: single steps first
    assert _ladder(567_929_977)[1] == 5_680  # large ones: 10^-5 of the bound


# ---------------------------------------------------------------- model form and processes


@st.composite
def night_uses(draw):  # type: ignore[no-untyped-def]
    """Uses of a few columns (several per column, as a group's members are) and counts."""
    n_cols = draw(st.integers(1, 4))
    uses = []
    for _ in range(draw(st.integers(1, 7))):
        first = draw(st.integers(0, 6))
        uses.append(
            _Use(
                col=draw(st.integers(0, n_cols - 1)),
                foresteria_id="A",
                section=Section.MEN,
                first=first,
                end=first + draw(st.integers(1, 5)),
                accessible=draw(st.integers(0, 1)),
            )
        )
    x = draw(st.lists(st.integers(0, 3), min_size=n_cols, max_size=n_cols))
    return n_cols, uses, x, draw(st.integers(0, 1)), draw(st.integers(0, 6))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(case=night_uses())
def test_occupancy_chains_allow_exactly_what_night_rows_allow(case) -> None:  # type: ignore[no-untyped-def]
    """The bed rows as occupancy chains (each use in two rows) accept a vector of column counts
    exactly when the per-night count of beds, walked night by night, stays within the cap."""
    n_cols, uses, x, k, cap = case
    p = Program()
    for _ in range(n_cols):
        p.add_var(0, 3)
    chains: list = []
    _night_rows(p, uses, k, cap, chains)
    y = np.zeros(p.n, dtype=np.int64)
    y[:n_cols] = x
    _fill(y, chains)
    beds = [
        sum(x[u.col] * (1 if k == 0 else u.accessible) for u in uses if u.first <= n < u.end)
        for n in range(12)
    ]
    assert p.feasible(y) == (max(beds) <= cap)
    # The counters are the occupancy on the nights someone arrives (rows force them to be).
    for ch in chains:
        nights = sorted({u.first for u in uses if k == 0 or u.accessible})
        assert y[ch.first_var : ch.first_var + ch.m].tolist() == [beds[n] for n in nights]
        wrong = y.copy()
        wrong[ch.first_var] += 1
        assert not p.feasible(wrong)


def test_plan_does_not_depend_on_the_process_count() -> None:
    """Men's and families' beds are separate blocks: solved in two processes or in one, the plan
    is the same, assignment for assignment and tier for tier."""
    ws = [
        worker(f"M{i}", f"2026-07-0{1 + i % 5}", f"2026-07-1{i % 7}", priority=i % 4)
        for i in range(9)
    ]
    ws += [
        worker(f"F{i}", "2026-07-03", "2026-07-12", "family", group=f"G{i // 3}") for i in range(9)
    ]
    fs = [foresteria("A", men=3, family=3), foresteria("B", men=2, family=3)]
    sc = scenario(fs, [farm("F1")], ws, housing=PARTIAL)
    m = matrix({("B", "F1"): 30}, ["A", "B", "F1"])
    one = plan_housing(sc, m, processes=1)
    two = plan_housing(sc, m, processes=2)
    assert one.blocks == 2
    assert one.assignments == two.assignments and one.waitlist == two.waitlist
    assert [(t.name, t.objective, t.proof) for t in one.tiers] == [
        (t.name, t.objective, t.proof) for t in two.tiers
    ]
    assert len({a.worker_id for a in one.assignments}) < len(ws)  # beds were short: choices made


def _plan_in_child(sc, m, out) -> None:  # type: ignore[no-untyped-def]
    try:
        out.put(sorted(where(plan_housing(sc, m)).items()))
    except Exception as e:
        out.put(repr(e))


def test_a_daemonic_worker_plans_without_a_pool_of_its_own() -> None:
    """A sweep's Dask workers are daemonic processes, which may not start processes: with two
    blocks of 100 units or more, housing there runs them in turn, and plans the same."""
    ws = [
        worker(f"M{i:03d}", f"2026-07-{1 + i % 20:02d}", f"2026-07-{2 + i % 20 + i // 20:02d}")
        for i in range(110)
    ]
    ws += [
        worker(f"F{i:03d}", f"2026-07-{1 + i % 20:02d}", "2026-07-25", "family", group=f"G{i}")
        for i in range(110)
    ]
    sc = scenario([foresteria("A", men=40, family=40)], [farm("F1")], ws)
    m = matrix({}, ["A", "F1"])
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    child = ctx.Process(target=_plan_in_child, args=(sc, m, out), daemon=True)
    child.start()
    got = out.get(timeout=600)
    child.join()
    assert got == sorted(where(plan_housing(sc, m, processes=1)).items())


# ---------------------------------------------------------------- identical groups


def family(gid: str, size: int, arrival: str, departure: str, farm_id: str, priority: int = 0):  # type: ignore[no-untyped-def]
    return [
        worker(f"{gid}-{k}", arrival, departure, "family", farm_id, priority, group=gid)
        for k in range(size)
    ]


def test_identical_families_merge_into_one_unit_with_a_count() -> None:
    """Families whose people have the same stays, priorities and options are one unit of the
    first stage (a count of groups), whatever their farms; a different priority, stay or size
    keeps a family apart. One copy is one family's people."""
    fs = [foresteria("A", family=6)]
    ws = [
        *family("G1", 3, "2026-07-02", "2026-07-12", "F1"),
        *family("G2", 3, "2026-07-02", "2026-07-12", "F2"),
        *family("G3", 3, "2026-07-02", "2026-07-12", "F1"),
        *family("G4", 3, "2026-07-02", "2026-07-12", "F1", priority=2),
        *family("G5", 3, "2026-07-02", "2026-07-13", "F1"),
        *family("G6", 2, "2026-07-02", "2026-07-12", "F1"),
    ]
    units = build_units(tuple(ws))
    comp = _Component(
        units=units,
        foresterie=fs,
        elig={k: [0] for k in range(len(units))},
        opts={k: [(fs[0],)] for k in range(len(units))},
    )
    agg, parts = _aggregate(comp)
    merged = {tuple(units[ui].key for ui in uis): agg.units[a] for a, uis in enumerate(parts)}
    assert sorted(merged) == [("G:G1", "G:G2", "G:G3"), ("G:G4",), ("G:G5",), ("G:G6",)]
    three = merged["G:G1", "G:G2", "G:G3"]
    assert (three.groups, three.copies, three.size, len(three.one_copy)) == (3, 3, 9, 3)
    assert three.usage()[date(2026, 7, 2)] == (3, 0)  # one family's beds per copy
    # Two of the three merged families housed: spread over G1 and G2, in key order.
    assert _disaggregate(comp, parts, {(0, 0): 2}) == {(0, 0): 1, (1, 0): 1}


@pytest.mark.parametrize("need", [1, 4])
@pytest.mark.parametrize("beds", [(5, 4), (7, 3), (6, 6)])
def test_identical_families_give_the_tiers_of_brute_force(need: int, beds: tuple[int, int]) -> None:
    """Hand-made: identical families (merged into counts in the first stage) compete with a
    family of another size and one of another priority for A's family beds before its closing and
    B's after its opening; every tier equals the brute-force optimum over every option of every
    family, and the same families are housed on every run."""
    fs = [
        foresteria("A", family=beds[0], open_to="2026-07-07"),
        foresteria("B", family=beds[1], open_from="2026-07-05"),
    ]
    ws = [
        *family("G1", 2, "2026-07-02", "2026-07-12", "F1"),
        *family("G2", 2, "2026-07-02", "2026-07-12", "F2"),
        *family("G3", 2, "2026-07-02", "2026-07-12", "F1"),
        *family("G4", 3, "2026-07-03", "2026-07-11", "F2"),
        *family("G5", 2, "2026-07-01", "2026-07-06", "F1", priority=1),
    ]
    housing = {**PARTIAL, "min_overlap_nights": need}
    sc = scenario(fs, [farm("F1"), farm("F2", days=frozenset(range(5)))], ws, housing=housing)
    minutes = {("A", "F1"): 5, ("B", "F1"): 40, ("A", "F2"): 30, ("B", "F2"): 10}
    m = matrix(minutes, ["A", "B", "F1", "F2"])
    hp = assert_partial_tiers_are_brute_force(sc, m, need)
    assert plan_housing(sc, m).assignments == hp.assignments


def _two_families_three_beds() -> tuple[Program, np.ndarray]:
    """Two families of two (columns 0 and 1, each 0 or 1) and three beds on one night: the LP
    houses one family and half of the other (3 people), the integer optimum is 2 people."""
    p = Program()
    for _ in range(2):
        p.add_var(0, 1)
    p.add_row([0, 1], [2, 2], ub=3)
    return p, np.array([-2, -2], dtype=np.int64)  # minimise minus the people housed


def test_near_bound_search_keeps_the_whole_families_and_finds_the_optimum() -> None:
    p, c = _two_families_three_beds()
    lp = p.lp(c.astype(float))
    assert lp is not None and lp.bound == -3
    whole = [j for j in (0, 1) if abs(lp.x[j] - 1) < 1e-9]
    assert len(whole) == 1  # one family whole, the other split: the LP vertex
    asked: list[tuple[dict[int, int], int]] = []

    def search(fixed, cutoff, step, quick):  # type: ignore[no-untyped-def]
        asked.append((fixed, cutoff))
        return p.search(c, node_limit=100, seed=1, fixed=fixed, cutoff=cutoff, time_limit_s=10)

    _near_bound(lp, np.array([0, 1]), search)
    assert _ladder(-3) == [0, 1]  # a bound of 3: one single step
    assert asked == [({whole[0]: 1}, -3 + 1)]  # the LP's whole family kept, bound + 1 at most
    r = p.search(c, node_limit=100, seed=1, fixed=asked[0][0], cutoff=-2, time_limit_s=10)
    assert r.objective == -2  # 2 people: the optimum, 1 off the LP bound


def test_near_bound_search_is_skipped_without_groups_or_single_steps() -> None:
    p, c = _two_families_three_beds()
    lp = p.lp(c.astype(float))
    assert lp is not None
    asked: list[object] = []

    def record(*a: object, **k: object) -> SearchResult:
        asked.append(a)
        return SearchResult(x=None, objective=None, bound=None, optimal=False)

    _near_bound(lp, np.array([], dtype=np.int64), record)
    assert asked == []  # no groups: nothing the LP could have split
    big = Program()
    big.add_var(0, 1)
    big.add_var(0, 1)
    big.add_row([0, 1], [2, 2], ub=3)
    cbig = np.array([-2_000_000, -2_000_000], dtype=np.int64)  # a bound of millions
    lpb = big.lp(cbig.astype(float))
    assert lpb is not None and not [g for g in _ladder(lpb.bound) if 0 < g <= 4]
    _near_bound(lpb, np.array([0, 1]), record)
    assert asked == []  # no single steps: the ladder's relative rungs as before


def test_a_tier_the_lp_splits_a_family_in_is_still_proven() -> None:
    """The 2-family program as a tier: the optimum (2 people) found and proven, not the LP's 3."""
    p, c = _two_families_three_beds()
    sc = scenario([foresteria("A", men=3)], [farm("F1")], [])
    r, x = _tier(p, "housed", "max", -c, [], np.array([0, 1]), sc, float("inf"))
    assert (r.objective, r.bound, r.optimal) == (2, 2, True)
    assert int(-c @ x) == 2


def _two_places(
    sizes: list[int], beds: tuple[int, int], a_first: list[bool]
) -> tuple[Program, np.ndarray, np.ndarray]:
    """Units of these sizes (a family: all or none) that may each go to A or B, one night,
    these beds. Unit u has columns 2u and 2u + 1: A then B, or B then A where a_first says no.
    Returns the program, c (minus the people housed) and each column's unit."""
    p = Program()
    at: dict[str, tuple[list[int], list[int]]] = {"A": ([], []), "B": ([], [])}
    for size, first in zip(sizes, a_first, strict=True):
        cols = [p.add_var(0, 1), p.add_var(0, 1)]
        p.add_row(cols, [1, 1], ub=1)
        for place, j in zip("AB" if first else "BA", cols, strict=True):
            at[place][0].append(j)
            at[place][1].append(size)
    for place, cap in zip("AB", beds, strict=True):
        p.add_row(*at[place], ub=cap)
    c = -np.repeat(np.array(sizes, dtype=np.int64), 2)
    return p, c, np.repeat(np.arange(len(sizes)), 2)


def _two_singles_and_a_family() -> tuple[Program, np.ndarray, np.ndarray]:
    """Foresterie A and B with 2 beds each (one night); single workers C and D and a family G
    of two may each go to A or B. Columns: C at A, C at B, D at A, D at B, G at A, G at B
    (0..5). Everyone fits (C and D at one place, G at the other): 4 people."""
    return _two_places([1, 1, 2], (2, 2), [True, True, True])


def _lp_at(p: Program, c: np.ndarray, x: list[float]) -> LpResult:
    """An LP optimum given by hand (4 people, the bound): zero duals, so every column has
    reduced cost c_j and the bound is the safe bound of the program (mip.Program._safe)."""
    lp = p._safe(c.astype(float), np.zeros(len(p.rows)), np.array(x))
    return dataclasses.replace(lp, bound=-4, lower=-4.0)


def _recording(
    p: Program, c: np.ndarray
) -> tuple[Callable[..., SearchResult], list[tuple[dict[int, int], int, SearchResult]]]:
    """A search on p that records what it was asked (held columns, cutoff) and its answer."""
    asked: list[tuple[dict[int, int], int, SearchResult]] = []

    def search(fixed, cutoff, step, quick):  # type: ignore[no-untyped-def]
        assert quick  # a guess: it runs without presolve rounds and root cuts
        r = p.search(c, node_limit=100, seed=1, fixed=fixed, cutoff=cutoff, time_limit_s=10)
        asked.append((fixed, cutoff, r))
        return r

    return search, asked


def test_support_search_closes_only_the_options_the_lp_leaves_empty() -> None:
    """C at A and D at B whole, G split half and half: C's B and D's A are closed, both of G's
    options stay open (G is split), and the question is asked at the LP bound."""
    p, c, unit_of = _two_singles_and_a_family()
    search, asked = _recording(p, c)
    _support(p, _lp_at(p, c, [1, 0, 0, 1, 0.5, 0.5]), unit_of, search)
    assert [(fixed, cutoff) for fixed, cutoff, _ in asked] == [({1: 0, 2: 0}, -4)]


def test_support_search_finds_the_bound_when_the_lp_columns_hold_it() -> None:
    """C and D at A, G split between A (nothing left there) and B: among those columns G fits
    whole at B, so the search reaches the bound of the whole program: 4 people, optimal."""
    p, c, unit_of = _two_singles_and_a_family()
    search, asked = _recording(p, c)

    _support(p, _lp_at(p, c, [1, 0, 1, 0, 0.0, 1.0]), unit_of, search)
    found = [r for _, _, r in asked]
    assert [r.objective for r in found] == [-4]
    assert found[0].x is not None and found[0].x[:6].tolist() == [1, 0, 1, 0, 0, 1]


def test_support_search_finding_nothing_proves_nothing() -> None:
    """With C at A and D at B kept, G fits whole nowhere (one bed left at each): the support
    has nothing at the bound, yet the program has (C and D together, G at the other place).
    The tier still finds and proves 4 whatever vertex the LP gives."""
    p, c, unit_of = _two_singles_and_a_family()
    search, asked = _recording(p, c)

    _support(p, _lp_at(p, c, [1, 0, 0, 1, 0.5, 0.5]), unit_of, search)
    assert [(r.objective, r.infeasible) for _, _, r in asked] == [(None, True)]
    sc = scenario([foresteria("A", men=2), foresteria("B", men=2)], [farm("F1")], [])
    q, _, _ = _two_singles_and_a_family()
    r, x = _tier(q, "housed", "max", -c, [], np.array([4, 5]), sc, float("inf"), unit_of)
    assert (r.objective, r.bound, r.optimal) == (4, 4, True)
    assert int(-c @ x) == 4 and best_by_brute_force(p, c) == -4


def best_by_brute_force(p: Program, c: np.ndarray) -> int:
    """The least c'x over every 0/1 vector of the program's six columns."""
    return min(
        int(c @ np.array(v))
        for v in itertools.product((0, 1), repeat=6)
        if p.feasible(np.array(v, dtype=np.int64))
    )


def test_support_search_skips_a_program_the_lp_leaves_nothing_to_close_in() -> None:
    p, c, unit_of = _two_singles_and_a_family()
    asked: list[object] = []

    def record(*a: object, **k: object) -> SearchResult:
        asked.append(a)
        return SearchResult(x=None, objective=None, bound=None, optimal=False)

    _support(p, _lp_at(p, c, [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), unit_of, record)
    assert asked == []  # every unit split: every option open, nothing smaller to ask


def _two_families_and_a_single() -> tuple[Program, np.ndarray, np.ndarray]:
    """A with 3 beds, B with 2 (one night); families G and H of two and a single worker S may
    each go to A or B. Columns: G at A, G at B, H at B, H at A, S at A, S at B (0..5). All five
    fit only as G at A with S, H at B (or H at A with S, G at B)."""
    return _two_places([2, 2, 1], (3, 2), [True, False, True])


def test_rounded_families_find_the_bound_the_lp_columns_miss() -> None:
    """The LP houses G at A, H half at A and half at B, S at B: 5 people, the bound. Among its
    columns nothing reaches 5 (S kept at B leaves H one bed short at either place). Rounded
    (H's tie goes to its lower column, B) and held, the LP moves S to A, and the search among
    its columns finds 5: the optimum, as brute force says."""
    p, c, unit_of = _two_families_and_a_single()
    lp = dataclasses.replace(
        p._safe(c.astype(float), np.zeros(len(p.rows)), np.array([1, 0, 0.5, 0.5, 0, 1])),
        bound=-5,
        lower=-5.0,
    )
    search, asked = _recording(p, c)
    groups = np.array([0, 1, 2, 3])
    _support(p, lp, unit_of, search)
    assert asked[0][2].infeasible  # the LP's own columns: nothing at the bound
    _rounded_groups(p, c, lp, groups, unit_of, search)
    fixed, cutoff, r = asked[1]
    assert cutoff == -5
    assert fixed == {0: 1, 1: 0, 2: 1, 3: 0, 5: 0}  # families held, S's B closed
    assert r.objective == -5 == best_by_brute_force(p, c)
    assert r.x is not None and r.x.tolist() == [1, 0, 1, 0, 1, 0]


def test_rounded_families_are_not_searched_when_the_lp_loses_the_bound() -> None:
    """Rounded the other way (H's tie goes to A: G and H would need 4 of A's 3 beds), the LP
    with the families held is infeasible: no search is asked."""
    _, c, unit_of = _two_families_and_a_single()
    q, _, _ = _two_places([2, 2, 1], (3, 2), [True, True, True])  # H at A is now column 2
    asked: list[object] = []

    def record(*a: object, **k: object) -> SearchResult:
        asked.append(a)
        return SearchResult(x=None, objective=None, bound=None, optimal=False)

    x = np.array([1, 0, 0.5, 0.5, 0, 1])
    lp = dataclasses.replace(
        q._safe(c.astype(float), np.zeros(len(q.rows)), x), bound=-5, lower=-5.0
    )
    _rounded_groups(q, c, lp, np.array([0, 1, 2, 3]), unit_of, record)
    assert asked == []
    _rounded_groups(q, c, lp, np.array([], dtype=np.int64), unit_of, record)
    assert asked == []  # no families: nothing to round


def test_the_node_budget_shrinks_with_the_free_columns_and_has_a_floor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """By hand: 10 columns, 2 of them fixed by their bounds, work 40 column-nodes, floor 3."""
    monkeypatch.setattr(tiers, "SEARCH_WORK", 40)
    monkeypatch.setattr(tiers, "MIN_NODES", 3)
    p = Program()
    for j in range(10):
        p.add_var(0, 0 if j < 2 else 1)  # columns 0 and 1 cannot move
    assert node_budget(p, None, 1_000) == 40 // 8  # 8 free columns
    assert node_budget(p, {0: 0, 2: 1, 3: 0}, 1_000) == 40 // 6  # 2 and 3 held: 6 free
    assert node_budget(p, None, 4) == 4  # never above the configured limit
    wide = Program()
    for _ in range(100):
        wide.add_var(0, 1)
    assert node_budget(wide, None, 1_000) == 3  # 40 // 100 = 0: the floor
    assert node_budget(Program(), None, 1_000) == 40  # nothing free: the work itself


def _market_split(m: int, seed: int) -> tuple[Program, np.ndarray]:
    """A market-split program (Cornuejols-Dawande): m equality rows over 10(m-1) binaries with
    coefficients 0..99 and right-hand sides half their sums, a slack pair per row; minimise the
    slacks. Its LP bound is 0 and branch-and-bound needs very many nodes: a search stopped by
    a small node budget leaves it open."""
    rng = np.random.default_rng(seed)
    n = 10 * (m - 1)
    p = Program()
    for _ in range(n):
        p.add_var(0, 1)
    slack = []
    a = rng.integers(0, 100, size=(m, n))
    for i in range(m):
        up, down = p.add_var(0, 10_000), p.add_var(0, 10_000)
        slack += [up, down]
        d = int(a[i].sum() // 2)
        p.add_row([*range(n), up, down], [*a[i].tolist(), 1, -1], lb=d, ub=d)
    c = np.zeros(p.n, dtype=np.int64)
    c[slack] = 1
    return p, c


def test_a_tier_stopped_by_its_node_budget_stops_at_the_same_plan_every_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The budget is nodes, not seconds: a tier it stops is marked `budget` and gives the same
    value, bound and solution in every run, with no wall clock involved (deadline: never)."""
    monkeypatch.setattr(tiers, "SEARCH_WORK", 1)
    monkeypatch.setattr(tiers, "MIN_NODES", 20)
    sc = scenario([foresteria("A", men=1)], [farm("F1")], [])
    runs = []
    for _ in range(2):
        p, c = _market_split(4, seed=1)
        r, x = _tier(p, "slack", "min", c, [], np.array([], dtype=np.int64), sc, float("inf"))
        runs.append((r.objective, r.bound, r.optimal, r.proof, x.tolist()))
    assert runs[0] == runs[1]
    objective, bound, optimal, proof, _ = runs[0]
    assert (optimal, proof) == (False, "budget")
    assert 0 <= bound < objective  # stopped open, between the LP bound and a plan
