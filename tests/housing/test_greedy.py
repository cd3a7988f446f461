"""The greedy completion (housing/greedy.py) and what a tier stopped by a budget or by the
wall-clock safety net returns: never a plan with a free bed a waitlisted person fits in."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import date, timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foresterie.housing import tiers
from foresterie.housing.greedy import complete
from foresterie.housing.tiers import _Model, _tier, plan_housing
from foresterie.housing.units import build_units, eligibility, spans, stay_rule, unit_options
from foresterie.scenario.model import PRIORITIES, Assignment, Scenario, Section
from foresterie.travel.matrix import TravelMatrix
from tests.helpers import farm, foresteria, matrix, scenario, worker

PARTIAL = {"partial_stays": True, "max_transfers": 1}


def _models(sc: Scenario, m: TravelMatrix, whole: bool = False) -> list[_Model]:
    """Every block's merged program, as plan_housing builds it before its first tier; whole:
    its whole program instead (commute included), as it builds it for the commute tier."""
    units = build_units(sc.workers)
    fs = list(sc.foresterie)
    rule = stay_rule(sc)
    cap = sc.config.housing.max_commute_min * 60
    opts = {
        ui: unit_options(u, [f for f in fs if eligibility(u, f, m, cap).reachable], rule)
        for ui, u in enumerate(units)
    }
    fidx = {f.id: fi for fi, f in enumerate(fs)}
    ok = {ui: sorted({fidx[f.id] for o in os_ for f in o}) for ui, os_ in opts.items()}
    out = []
    for district in tiers._components(units, fs, ok, lambda ui, fi: fi, opts):
        acc = tiers._accessible_binding(district)
        for block in tiers._blocks(district, acc, joint=False):
            if whole:
                out.append(_Model(block, sc, m, acc))
                continue
            agg, _ = tiers._aggregate(block)
            out.append(_Model(agg, sc, m, acc, with_commute=False))
    return out


def _maximal(mdl: _Model, c: np.ndarray, x: np.ndarray) -> bool:
    """No column that lowers c'x can take one more copy: checked exactly, one column at a time,
    with Program.feasible (the occupancy counters refilled), not with the greedy's bookkeeping."""
    for j in np.flatnonzero(c < 0):
        y = x.copy()
        y[j] += 1
        tiers._fill(y, mdl.chains)
        if mdl.p.feasible(y):
            return False
    return True


@st.composite
def seasons(draw):  # type: ignore[no-untyped-def]
    """Two or three foresterie with few beds, people of every priority with short stays, a
    family (its members share beds: one copy raises one counter by two), one person pinned."""
    fs = [
        foresteria(
            fid,
            men=draw(st.integers(0, 3)),
            women=draw(st.integers(0, 2)),
            family=draw(st.integers(0, 3)),
            acc=draw(st.integers(0, 1)),
            open_from=draw(st.sampled_from(["2026-07-01", "2026-07-05"])),
            open_to=draw(st.sampled_from(["2026-07-08", "2026-07-31"])),
        )
        for fid in ("A", "B", "C")[: draw(st.integers(2, 3))]
    ]
    ws = []
    for i in range(draw(st.integers(3, 9))):
        a = draw(st.integers(1, 8))
        ws.append(
            worker(
                f"W{i}",
                f"2026-07-{a:02d}",
                f"2026-07-{a + draw(st.integers(1, 8)):02d}",
                draw(st.sampled_from(["men", "men", "women", "family"])),
                "F1",
                draw(st.integers(0, 3)),
                accessible=draw(st.booleans()),
            )
        )
    if draw(st.booleans()):
        ws = [
            dataclasses.replace(w, group_id="G1", section=ws[0].section) if j < 2 else w
            for j, w in enumerate(ws)
        ]
    partial = draw(st.booleans())
    return fs, ws, partial


@settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(case=seasons())
def test_the_completion_is_feasible_and_leaves_no_copy_that_fits(case) -> None:  # type: ignore[no-untyped-def]
    """From nothing, tier after tier (each value fixed as a row, as the tiers do): the greedy's
    plan is exactly feasible, each tier's value never falls, and no column that would improve
    the tier fits one more copy."""
    fs, ws, partial = case
    sc = scenario(fs, [farm("F1")], ws, housing=PARTIAL if partial else {})
    m = matrix({}, [f.id for f in sc.foresterie] + ["F1"])
    for mdl in _models(sc, m):
        x = np.zeros(mdl.p.n, dtype=np.int64)
        for pr in PRIORITIES:
            c = -mdl.obj[f"housed_priority_{pr}"]
            y = complete(mdl.p, c, x, mdl.chains, mdl.obj["bed_nights"])
            assert y is not None and mdl.p.feasible(y)
            assert c @ y <= c @ x
            assert _maximal(mdl, c, y)
            mdl.p.add_row(np.arange(mdl.p.n), c, ub=int(c @ y))
            x = y


def test_a_family_is_added_only_where_all_its_members_fit() -> None:
    """A family of two and one free family bed: the family's one copy raises the counter by two
    on the same nights, so it does not fit; a single person of the same section does."""
    fs = [foresteria("A", family=1)]
    ws = [
        worker("W1", section="family", group="G1"),
        worker("W2", section="family", group="G1"),
        worker("W3", "2026-07-07", "2026-07-09", section="family"),
    ]
    sc = scenario(fs, [farm("F1")], ws)
    (mdl,) = _models(sc, matrix({}, ["A", "F1"]))
    c = -mdl.obj["housed_priority_0"]
    x = complete(mdl.p, c, np.zeros(mdl.p.n, dtype=np.int64), mdl.chains, mdl.obj["bed_nights"])
    assert x is not None and int(-c @ x) == 1  # W3, not the family
    assert _maximal(mdl, c, x)


def test_a_rounded_down_lp_answer_is_rounded_up_where_it_fits() -> None:
    """Three people, two beds on their nights: the LP's answer split over the options, rounded
    down, then the largest fractions rounded up where they fit: two housed, as the optimum."""
    fs = [foresteria("A", men=1), foresteria("B", men=1)]
    ws = [worker(f"W{i}") for i in range(3)]
    sc = scenario(fs, [farm("F1")], ws)
    (mdl,) = _models(sc, matrix({}, ["A", "B", "F1"]))
    c = -mdl.obj["housed_priority_0"]
    lp = mdl.p.lp(c.astype(float))
    assert lp is not None and lp.bound == -2
    half = np.where(c < 0, 0.5, 0.0)  # a made-up LP answer: half a copy everywhere
    x = complete(
        mdl.p,
        c,
        np.zeros(mdl.p.n, dtype=np.int64),
        mdl.chains,
        mdl.obj["bed_nights"],
        lp_x=half,
    )
    assert x is not None and int(c @ x) == -2 and mdl.p.feasible(x)


def test_a_tier_stopped_by_its_lp_count_returns_the_greedy_completion() -> None:
    """A deterministic budget: the tier's LP limited to 0 simplex iterations stops, no search is
    asked, and the tier returns the completion of its incumbent (nobody housed), not the
    incumbent itself: the people who fit, `budget`, the same plan in every run."""
    fs = [foresteria("A", men=2), foresteria("B", men=1, open_to="2026-07-08")]
    ws = [
        worker(f"W{i}", f"2026-07-{1 + i:02d}", f"2026-07-{4 + 2 * i:02d}", priority=i % 2)
        for i in range(6)
    ]
    sc = scenario(fs, [farm("F1")], ws)
    runs = []
    for _ in range(2):
        (mdl,) = _models(sc, matrix({}, ["A", "B", "F1"]))
        c = -mdl.obj["housed_priority_0"]
        empty = mdl.vector({})
        r, x = _tier(
            mdl.p,
            "housed_priority_0",
            "max",
            mdl.obj["housed_priority_0"],
            [empty],
            mdl.group_cols(),
            sc,
            float("inf"),
            mdl.unit_of(),
            lp_iterations=0,
            chains=mdl.chains,
            size=mdl.obj["bed_nights"],
        )
        assert (r.proof, r.optimal, r.searches) == ("budget", False, 0)
        assert r.objective > 0 and _maximal(mdl, c, x)
        runs.append((r.objective, r.bound, x.tolist()))
    assert runs[0] == runs[1]


def _fits_someone(sc: Scenario, m: TravelMatrix, assignments: list[Assignment]) -> list[str]:
    """Units nobody of which is housed that would fit, as one copy, in the plan's free beds."""
    used: dict[tuple[str, Section, date], int] = defaultdict(int)
    acc: dict[tuple[str, date], int] = defaultdict(int)
    people = {w.id: w for w in sc.workers}
    for a in assignments:
        d = a.arrival
        while d < a.departure:
            used[a.foresteria_id, a.section, d] += 1
            acc[a.foresteria_id, d] += int(people[a.worker_id].accessible)
            d += timedelta(days=1)
    housed = {a.worker_id for a in assignments}
    fs = {f.id: f for f in sc.foresterie}
    cap = sc.config.housing.max_commute_min * 60
    out = []
    for u in build_units(sc.workers):
        if any(w.id in housed for w in u.members):
            continue
        near = [f for f in sc.foresterie if eligibility(u, f, m, cap).reachable]
        for opt in unit_options(u, near, stay_rule(sc)):
            need: dict[tuple[str, Section, date], int] = defaultdict(int)
            need_acc: dict[tuple[str, date], int] = defaultdict(int)
            for w in u.members:
                for sp in spans(w, opt):
                    d = sp.start
                    while d < sp.end:
                        need[sp.foresteria_id, w.section, d] += 1
                        need_acc[sp.foresteria_id, d] += int(w.accessible)
                        d += timedelta(days=1)
            if all(used[k] + v <= fs[k[0]].beds(k[1]) for k, v in need.items()) and all(
                acc[k] + v <= fs[k[0]].beds_accessible for k, v in need_acc.items()
            ):
                out.append(u.key)
                break
    return out


def test_a_season_whose_safety_net_struck_before_its_first_tier_fills_every_bed_it_can() -> None:
    """The wall-clock net already past when housing starts (no sleeping: a limit of a nanosecond
    is over before the first tier): no LP and no search is asked, every tier is completed
    greedily from nothing, pinned people first. Nobody waits while a free bed fits them, the
    priority tiers say `budget`, and the plan is the same in every run."""
    fs = [foresteria("A", men=3, women=1), foresteria("B", men=2, open_to="2026-07-12")]
    ws = [
        worker(
            f"W{i:02d}",
            f"2026-07-{1 + (3 * i) % 11:02d}",
            f"2026-07-{3 + (3 * i) % 11 + (5 * i) % 9:02d}",
            "women" if i % 5 == 0 else "men",
            priority=i % 4,
        )
        for i in range(16)
    ]
    ws.append(worker("P1", "2026-07-02", "2026-07-20", pinned="A"))
    sc = scenario(fs, [farm("F1")], ws, solver={"wall_clock_limit_s": 1e-9})
    m = matrix({}, ["A", "B", "F1"])
    plans = [plan_housing(sc, m) for _ in range(2)]
    assert plans[0].assignments == plans[1].assignments
    hp = plans[0]
    by = {t.name: t for t in hp.tiers}
    assert all(t.searches == 0 for t in hp.tiers)
    assert by["housed_priority_0"].proof == "budget"
    assert "P1" in {a.worker_id for a in hp.assignments}
    assert len({a.worker_id for a in hp.assignments}) > 1
    assert _fits_someone(sc, m, hp.assignments) == []
    # the plan says the clock decided it: every tier, as the run's manifest lists them
    assert all(t.net_struck for t in hp.tiers)
    assert hp.net_struck == [t.name for t in hp.tiers]
    free = plan_housing(scenario(fs, [farm("F1")], ws), m)
    assert all(t.optimal for t in free.tiers)  # with time, the same season is proven
    assert free.net_struck == []


def test_a_tier_row_the_rounding_left_short_is_refilled() -> None:
    """Priority 3 fixed at 1 as _tier writes it ("-housed <= -1"); an LP answer for priority 0
    with half a copy at A and at B, rounded down to nothing: rounding up puts the two
    priority-0 people at A and B, the priority-3 row is then short, and the refill puts the
    priority-3 person in A's second bed. Without the refill the plan breaks the row."""
    fs = [foresteria("A", men=2), foresteria("B", men=1)]
    ws = [worker("W0", priority=3), worker("W1"), worker("W2")]
    sc = scenario(fs, [farm("F1")], ws)
    (mdl,) = _models(sc, matrix({}, ["A", "B", "F1"]))
    three = -mdl.obj["housed_priority_3"]
    mdl.p.add_row(np.arange(mdl.p.n), three, ub=-1)
    c = -mdl.obj["housed_priority_0"]
    half = np.where(c < 0, 0.5, 0.0)
    x = complete(
        mdl.p,
        c,
        np.zeros(mdl.p.n, dtype=np.int64),
        mdl.chains,
        mdl.obj["bed_nights"],
        lp_x=half,
    )
    assert x is not None and mdl.p.feasible(x)
    assert int(three @ x) == -1 and int(c @ x) == -2
