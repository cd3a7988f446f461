"""The local search a tier left open ends on (housing/moves.py): units moved to better options of
their own, two at once where one needs the other's beds, every row kept."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foresterie.housing import moves, tiers
from foresterie.housing.greedy import complete
from foresterie.housing.moves import improve
from foresterie.housing.tiers import TierResult, _Model, _tier
from foresterie.scenario.model import PRIORITIES, Scenario
from foresterie.travel.matrix import TravelMatrix
from tests.helpers import farm, foresteria, matrix, scenario, worker
from tests.housing.test_greedy import _models as greedy_models
from tests.housing.test_greedy import seasons as greedy_seasons

PARTIAL = {"partial_stays": True, "max_transfers": 1}


def _models(sc: Scenario, m: TravelMatrix) -> list[_Model]:
    """Every block's whole program (commute included), as plan_housing builds it for the
    commute tier."""
    return greedy_models(sc, m, whole=True)


def _at(mdl: _Model, where: dict[str, str]) -> np.ndarray:
    """The plan with each named worker at the one-foresteria option named (a unit of several
    alike people: a copy per person)."""
    values: dict[tuple[int, int], int] = {}
    for ui, u in enumerate(mdl.comp.units):
        for w in u.members:
            fid = where.get(w.id)
            if fid is None:
                continue
            (k,) = [k for k, o in enumerate(mdl.comp.opts[ui]) if [f.id for f in o] == [fid]]
            values[ui, k] = values.get((ui, k), 0) + 1
    return mdl.vector(values)


def _where(mdl: _Model, x: np.ndarray) -> dict[str, str]:
    """Each option's copies as places of the people of their unit (alike people: in order)."""
    out: dict[str, str] = {}
    for (u, opt), v in zip(mdl.cols, x, strict=False):
        left = [w.id for w in u.members if w.id not in out]
        for wid in left[: int(v)]:
            out[wid] = "+".join(f.id for f in opt)
    return out


def _per_unit(mdl: _Model, x: np.ndarray) -> list[int]:
    unit_of = mdl.unit_of()
    return np.bincount(unit_of[unit_of >= 0], weights=x[unit_of >= 0]).astype(int).tolist()


def _crossed() -> tuple[Scenario, TravelMatrix]:
    """Two foresterie of one bed each; W1 works beside B, W2 beside A."""
    fs = [foresteria("A", men=1), foresteria("B", men=1)]
    ws = [worker("W1", farm_id="FB"), worker("W2", farm_id="FA")]
    sc = scenario(fs, [farm("FA"), farm("FB")], ws)
    m = matrix(
        {("A", "FA"): 5, ("B", "FB"): 5, ("A", "FB"): 50, ("B", "FA"): 50}, ["A", "B", "FA", "FB"]
    )
    return sc, m


def test_two_people_each_housed_beside_the_others_farm_trade_beds() -> None:
    """No bed is free, so neither can move alone: the two move together, each to the bed beside
    the own farm, and the commute falls from 50 + 50 minutes to 5 + 5 (a workday each)."""
    sc, m = _crossed()
    (mdl,) = _models(sc, m)
    c = mdl.obj["commute_s"]
    start = _at(mdl, {"W1": "A", "W2": "B"})
    assert mdl.p.feasible(start)
    x = improve(mdl.p, c, start, mdl.chains, mdl.unit_of())
    assert x is not None and mdl.p.feasible(x)
    assert _where(mdl, x) == {"W1": "B", "W2": "A"}
    assert int(c @ x) * 10 == int(c @ start)
    assert _per_unit(mdl, x) == _per_unit(mdl, start)


def test_a_move_that_would_break_a_fixed_tier_is_not_made() -> None:
    """W1's nearer foresteria opens a night later, so moving there would lose a bed-night the
    tier above fixed: the plan stays as it is (nothing improves without breaking that row)."""
    fs = [foresteria("A", men=1), foresteria("B", men=1, open_from="2026-07-07")]
    ws = [worker("W1", farm_id="FB")]
    sc = scenario(fs, [farm("FB")], ws, housing=PARTIAL)
    m = matrix({("A", "FB"): 50, ("B", "FB"): 5}, ["A", "B", "FB"])
    (mdl,) = _models(sc, m)
    start = _at(mdl, {"W1": "A"})
    nights = int(mdl.obj["bed_nights"] @ start)
    assert nights == 4
    c = mdl.obj["commute_s"]
    free = improve(mdl.p, c, start, mdl.chains, mdl.unit_of())
    assert free is not None and _where(mdl, free)["W1"] != "A"  # without the row it moves
    mdl.fix("bed_nights", "max", nights)
    assert improve(mdl.p, c, start, mdl.chains, mdl.unit_of()) is None


@st.composite
def seasons(draw):  # type: ignore[no-untyped-def]
    """test_greedy's seasons (two or three foresterie with few beds, people of every priority
    with short stays, sometimes a family of two), each person working at one of two farms at
    random distances from the foresterie."""
    fs, ws, partial = draw(greedy_seasons())
    ws = [dataclasses.replace(w, farm_id=draw(st.sampled_from(["F1", "F2"]))) for w in ws]
    minutes = {(f.id, farm_id): draw(st.integers(1, 60)) for f in fs for farm_id in ("F1", "F2")}
    return fs, ws, partial, minutes


def _no_single_move_left(mdl: _Model, c: np.ndarray, x: np.ndarray) -> bool:
    """No copy can move alone to a cheaper option of its own unit: checked exactly with
    Program.feasible (the counters refilled), not with the local search's bookkeeping."""
    unit_of = mdl.unit_of()
    for j in np.flatnonzero(x[: len(unit_of)] * (unit_of >= 0)):
        for j2 in np.flatnonzero((unit_of == unit_of[j]) & (c < c[j])):
            y = x.copy()
            y[j] -= 1
            y[j2] += 1
            tiers._fill(y, mdl.chains)
            if mdl.p.feasible(y):
                return False
    return True


@settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(case=seasons())
def test_moves_keep_every_row_and_only_lower_the_commute(case) -> None:  # type: ignore[no-untyped-def]
    """Tier by tier from nothing (the greedy and the moves, each value fixed as a row): the
    local search's plan is exactly feasible, houses every unit as often as before, keeps every tier's value,
    costs strictly less commute when it answers, leaves no single move that would lower it,
    and is the same plan when asked twice."""
    fs, ws, partial, minutes = case
    sc = scenario(fs, [farm("F1"), farm("F2")], ws, housing=PARTIAL if partial else {})
    m = matrix(minutes, [f.id for f in sc.foresterie] + ["F1", "F2"])
    for mdl in _models(sc, m):
        x = np.zeros(mdl.p.n, dtype=np.int64)
        for name in [f"housed_priority_{pr}" for pr in PRIORITIES] + ["bed_nights"]:
            y = complete(mdl.p, -mdl.obj[name], x, mdl.chains, mdl.obj["bed_nights"])
            assert y is not None
            z = improve(mdl.p, -mdl.obj[name], y, mdl.chains, mdl.unit_of())
            if z is not None:  # one more copy housed where another made room
                assert mdl.p.feasible(z) and int(mdl.obj[name] @ z) > int(mdl.obj[name] @ y)
                y = z
            mdl.fix(name, "max", int(mdl.obj[name] @ y))
            x = y
        c = mdl.obj["commute_s"]
        y = improve(mdl.p, c, x, mdl.chains, mdl.unit_of())
        if y is None:
            y = x
        else:
            assert int(c @ y) < int(c @ x)
            again = improve(mdl.p, c, x, mdl.chains, mdl.unit_of())
            assert again is not None and again.tolist() == y.tolist()
        assert mdl.p.feasible(y)
        assert _per_unit(mdl, y) == _per_unit(mdl, x)
        for name in [f"housed_priority_{pr}" for pr in PRIORITIES] + ["bed_nights"]:
            assert int(mdl.obj[name] @ y) >= int(mdl.obj[name] @ x)
        assert _no_single_move_left(mdl, c, y)


def test_the_moves_stop_at_their_count(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A count, not a clock: with no move allowed to be tried, nothing moves."""
    sc, m = _crossed()
    (mdl,) = _models(sc, m)
    monkeypatch.setattr(moves, "MOVE_TRIES_PER_COLUMN", 0)
    start = _at(mdl, {"W1": "A", "W2": "B"})
    assert improve(mdl.p, mdl.obj["commute_s"], start, mdl.chains, mdl.unit_of()) is None


def _six_away(
    near_every: bool = False, **tier: Any
) -> tuple[_Model, np.ndarray, TierResult, np.ndarray]:
    """Three foresterie of two beds, six people each housed a foresteria away from the own
    farm (the tier above, priority 0, fixed at 6 as plan_housing fixes it): the commute tier
    from there, with `tier`'s keywords (near_every: every column is the restricted LP's first);
    the model, the start, the tier and its plan."""
    fs = [foresteria(f, men=2) for f in "ABC"]
    ws = [worker(f"W{i}", farm_id=f"F{'ABC'[i % 3]}") for i in range(6)]
    sc = scenario(fs, [farm(f"F{f}") for f in "ABC"], ws)
    near = {(f, f"F{f}"): 5 for f in "ABC"}
    m = matrix({**near}, ["A", "B", "C", "FA", "FB", "FC"], metres_per_min=900)
    (mdl,) = _models(sc, m)
    start = _at(mdl, {f"W{i}": "ABC"[(i + 1) % 3] for i in range(6)})
    mdl.fix("housed_priority_0", "max", 6)
    assert mdl.p.feasible(start)
    if near_every:
        tier["near"] = np.ones(mdl.p.n, dtype=bool)
    r, x = _tier(
        mdl.p,
        "commute_s",
        "min",
        mdl.obj["commute_s"],
        [start],
        mdl.group_cols(),
        sc,
        float("inf"),
        mdl.unit_of(),
        chains=mdl.chains,
        size=mdl.obj["bed_nights"],
        **tier,
    )
    return mdl, start, r, x


def test_a_commute_tier_its_lp_count_stops_ends_on_the_moved_plan() -> None:
    """The tier's LP stopped at 0 simplex iterations (as a count stops it at scale): no search,
    `budget`, and the plan returned is the moved one: every one of the six beside the own farm
    at the end."""
    mdl, start, r, x = _six_away(lp_iterations=0)
    assert (r.proof, r.searches) == ("budget", 0)
    assert _where(mdl, x) == {f"W{i}": "ABC"[i % 3] for i in range(6)}
    assert r.objective * 2 == int(mdl.obj["commute_s"] @ start)


def test_a_moved_plan_at_the_lp_bound_ends_the_tier_without_a_search(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A large program's moves (beside its LP) bring every one of the six people beside the own
    farm, which is the exact LP's bound: the tier is proven by that bound and asks no search,
    and its plan is the moved one. The LP's own vertex is withheld (zeros, which break the
    fixed priority row), so only the moved plan can prove the tier here."""
    monkeypatch.setattr(tiers, "RESTRICT_MIN_COLUMNS", 0)
    real = tiers._lp

    def vertex_withheld(*a, **k):  # type: ignore[no-untyped-def]
        got = real(*a, **k)
        assert got.lp is not None and not got.counted
        return dataclasses.replace(got, lp=dataclasses.replace(got.lp, x=np.zeros_like(got.lp.x)))

    monkeypatch.setattr(tiers, "_lp", vertex_withheld)
    asked: list[object] = []
    monkeypatch.setattr(tiers, "_support", lambda *a: asked.append(a))
    mdl, _, r, x = _six_away(near_every=True)
    assert (r.proof, r.optimal, r.searches) == ("lp_bound", True, 0) and not asked
    assert r.objective == r.bound
    assert _where(mdl, x) == {f"W{i}": "ABC"[i % 3] for i in range(6)}


def test_one_more_person_is_housed_where_another_can_sleep_elsewhere() -> None:
    """W1 can sleep at A or B and holds A's one bed; W2 can reach A only (B is too far from the
    farm): the greedy cannot house W2, the moves do, W1 moving to B."""
    fs = [foresteria("A", men=1), foresteria("B", men=1)]
    ws = [worker("W1", farm_id="F1"), worker("W2", farm_id="F2")]
    sc = scenario(fs, [farm("F1"), farm("F2")], ws)
    m = matrix({("B", "F2"): 500}, ["A", "B", "F1", "F2"])
    (mdl,) = _models(sc, m)
    start = _at(mdl, {"W1": "A"})
    c = -mdl.obj["housed_priority_0"]
    assert complete(mdl.p, c, start, mdl.chains, mdl.obj["bed_nights"]).tolist() == start.tolist()
    x = improve(mdl.p, c, start, mdl.chains, mdl.unit_of())
    assert x is not None and mdl.p.feasible(x)
    assert _where(mdl, x) == {"W1": "B", "W2": "A"}


def test_the_lp_beside_the_moves_gives_the_plan_one_after_the_other_gives(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A large program's LP runs in a forked child while the parent moves the incoming plan
    (tiers._beside); on one core they run one after the other. Every LP stopped by its tail count
    (so every tier ends on the moves' spare where it is better): the same plan, tiers and
    waitlist both ways, and the commute tier moved W1 and W2 beside their farms."""
    monkeypatch.setattr(tiers, "RESTRICT_MIN_COLUMNS", 0)
    monkeypatch.setattr(tiers, "RESTRICT_TAIL", 1.0)
    monkeypatch.setattr(tiers, "RESTRICT_TAIL_ROUNDS", 0)
    monkeypatch.setattr(tiers, "NEAREST", 1)
    fs = [foresteria("A", men=2), foresteria("B", men=2), foresteria("C", men=2)]
    ws = [worker(f"W{i}", farm_id=f"F{'ABC'[i % 3]}", priority=i % 2) for i in range(7)]
    sc = scenario(fs, [farm(f"F{f}") for f in "ABC"], ws)
    m = matrix({(f, f"F{f}"): 5 for f in "ABC"}, ["A", "B", "C", "FA", "FB", "FC"])
    runs, calls = [], []

    def spy(p, c, start, *args):  # type: ignore[no-untyped-def]
        x = improve(p, c, start, *args)
        calls[-1].append((int(c @ start), None if x is None else int(c @ x)))
        return x

    monkeypatch.setattr(tiers, "improve", spy)
    for one_core in (False, True):
        if one_core:
            monkeypatch.setattr(tiers.os, "cpu_count", lambda: 1)
        calls.append([])
        h = tiers.plan_housing(sc, m, processes=1)
        runs.append(
            (
                sorted((a.worker_id, a.foresteria_id) for a in h.assignments),
                [(t.name, t.objective, t.bound, t.proof) for t in h.tiers],
                sorted(e.worker_id for e in h.waitlist),
            )
        )
    assert runs[0] == runs[1]
    assert calls[0] == calls[1] and calls[0]  # the moves ran, from the same plans, to the same
    placed = dict(runs[0][0])
    assert all(placed[f"W{i}"] == "ABC"[i % 3] for i in range(6))


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=seasons())
def test_every_tier_says_what_the_final_plan_does(monkeypatch, case) -> None:  # type: ignore[no-untyped-def]
    """Every LP restricted to each unit's nearest foresteria and stopped after its first round
    (so tiers end unproven, on completions and moves): whatever a later tier's plan does to an
    earlier tier's value, each tier's objective is the one the published plan gives, recounted
    here from the assignments (people housed by priority, bed-nights), as the verifier does."""
    monkeypatch.setattr(tiers, "RESTRICT_MIN_COLUMNS", 0)
    monkeypatch.setattr(tiers, "RESTRICT_TAIL", 1.0)
    monkeypatch.setattr(tiers, "RESTRICT_TAIL_ROUNDS", 0)
    monkeypatch.setattr(tiers, "NEAREST", 1)
    fs, ws, partial, minutes = case
    sc = scenario(fs, [farm("F1"), farm("F2")], ws, housing=PARTIAL if partial else {})
    m = matrix(minutes, [f.id for f in sc.foresterie] + ["F1", "F2"])
    h = tiers.plan_housing(sc, m, processes=1)
    priority = {w.id: w.priority for w in sc.workers}
    housed = {a.worker_id for a in h.assignments}
    told = {t.name: t.objective for t in h.tiers}
    for pr in PRIORITIES:
        if f"housed_priority_{pr}" in told:  # (no tier where nobody can be housed)
            assert told[f"housed_priority_{pr}"] == sum(1 for w in housed if priority[w] == pr)
    if "bed_nights" in told:
        nights = sum((a.departure - a.arrival).days for a in h.assignments)
        assert told["bed_nights"] == nights


def test_a_tier_left_unproven_says_what_the_final_plan_does() -> None:
    """tiers._settled: a later tier's plan may do better on an earlier tier left unproven (on
    the 20,000-worker season the bed-nights tier's moves housed one more person of priority 0
    than the priority-0 tier's plan, and the commute tier's moved a unit to an option with one
    more night): each tier that is a sum over the columns says the final plan's value; the
    peak, a maximum, keeps its own."""
    sc, m = _crossed()
    (mdl,) = _models(sc, m)
    x = _at(mdl, {"W1": "B", "W2": "A"})
    stale = [
        tiers.TierResult(
            name=name, sense=sense, objective=0, bound=9, optimal=False, seconds=0.0, proof="budget"
        )
        for name, sense in [
            ("housed_priority_0", "max"),
            ("bed_nights", "max"),
            ("commute_s", "min"),
            ("peak_permille", "min"),
        ]
    ]
    got = {r.name: r for r in tiers._settled(stale, mdl, x)}
    assert got["housed_priority_0"].objective == 2
    assert got["bed_nights"].objective == 8  # two people, four nights each
    assert got["commute_s"].objective == int(mdl.obj["commute_s"] @ x) > 0
    assert got["peak_permille"] == stale[3]
    assert all(got[r.name].bound == 9 and got[r.name].proof == "budget" for r in stale)


def test_a_commute_the_peak_tier_traded_at_the_weight_is_not_said_to_be_proven() -> None:
    """Review 21 (R, H1): with a balance weight the blended tier fixes commute + weight x peak,
    and the peak tier may trade commute for peak at exactly the weight (two workers of F1, A 10
    minutes away and B 35, two beds each, weight 12: one worker moved to B costs 6,000 s of
    commute and saves 500 permille of peak). The commute tier then says the plan's commute and is
    not said to be proven unless that is its bound; and the run's tiers never say optimal with a
    gap."""
    fs = [foresteria("A", men=2), foresteria("B", men=2)]
    ws = [worker("W1", farm_id="F1"), worker("W2", farm_id="F1")]
    sc = scenario(fs, [farm("F1")], ws, housing={"balance_weight": 12})
    m = matrix({("A", "F1"): 10, ("B", "F1"): 35}, ["A", "B", "F1"])
    h = tiers.plan_housing(sc, m, processes=1)
    (mdl,) = _models(sc, m)
    where = {a.worker_id: a.foresteria_id for a in h.assignments}
    x = _at(mdl, where)
    commute = next(t for t in h.tiers if t.name == "commute_s")
    assert commute.objective == int(mdl.obj["commute_s"] @ x)
    for t in h.tiers:
        assert not t.optimal or t.objective == t.bound or t.name == "peak_permille"
        assert t.objective >= t.bound if t.sense == "min" else t.objective <= t.bound
