"""Housing on tiny scenarios one can check by hand: each constraint, each waitlist reason."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foresterie.core.errors import InfeasibleError
from foresterie.housing.tiers import plan_housing
from foresterie.housing.units import workdays_between
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
        "(held by people of priority >= 0) and no alternative"
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
    assert r["W0"][0] == "outranked" and "priority >= 1" in r["W0"][1]
    assert r["W1"][0] == "outranked" and "priority >= 2" in r["W1"][1]


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
        "pinned people exceed men's beds at Foresteria A (A) on 2026-07-06..07-09: over by 2"
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
