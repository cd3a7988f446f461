"""A unit's options (units.unit_options): the transfers tested only from foresterie that close
inside every member's stay are exactly the options every pair would give."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from foresterie.housing.units import (
    Option,
    StayRule,
    build_units,
    eligibility,
    option_fits,
    reachable,
    unit_options,
)
from tests.helpers import foresteria, matrix, worker

DAY0 = date(2026, 7, 1)


def every_pair(unit, near, rule: StayRule) -> list[Option]:  # type: ignore[no-untyped-def]
    """The options as they were built before: every single and every ordered pair tested."""
    singles: list[Option] = [(f,) for f in near]
    pairs: list[Option] = [(a, b) for a in near for b in near if a.id != b.id]
    out = [o for o in singles + pairs if option_fits(unit, o, rule)]
    if unit.pinned is not None:
        out = [o for o in out if o[0].id == unit.pinned]
    return out


def _day(k: int) -> str:
    return (DAY0 + timedelta(days=k)).isoformat()


@st.composite
def cases(draw):  # type: ignore[no-untyped-def]
    n_f = draw(st.integers(1, 5))
    fs = []
    for i in range(n_f):
        a = draw(st.integers(0, 25))
        b = draw(st.integers(a, 30))
        fs.append(foresteria(f"F{i}", men=5, open_from=_day(a), open_to=_day(b)))
    n_w = draw(st.integers(1, 3))
    grouped = n_w > 1 and draw(st.booleans())
    pin = draw(st.sampled_from([None, *[f.id for f in fs]]))
    ws = []
    for k in range(n_w):
        a = draw(st.integers(0, 28))
        d = draw(st.integers(a + 1, 32))
        ws.append(
            worker(
                f"W{k}",
                _day(a),
                _day(d),
                group="G" if grouped else None,
                pinned=pin if grouped or k == 0 else None,
            )
        )
    rule = StayRule(
        partial=True,
        max_transfers=1,
        min_nights=draw(st.integers(0, 4)),
        min_share=draw(st.sampled_from([0.0, 0.25, 0.5])),
    )
    return fs, ws, rule


@settings(max_examples=300, deadline=None)
@given(cases())
def test_options_are_those_of_every_pair(case) -> None:  # type: ignore[no-untyped-def]
    fs, ws, rule = case
    for unit in build_units(tuple(ws)):
        assert unit_options(unit, fs, rule) == every_pair(unit, fs, rule)


def test_a_transfer_from_a_foresteria_open_past_the_stay_is_not_an_option() -> None:
    """By hand: a stay from day 5 to day 20; A closes after night 9, B opens on day 8 and stays
    open: A then B houses 15 nights, B alone 12, so the transfer is an option; B then A is not
    (B does not close inside the stay)."""
    fa = foresteria("A", men=1, open_from=_day(0), open_to=_day(9))
    fb = foresteria("B", men=1, open_from=_day(8), open_to=_day(30))
    (unit,) = build_units((worker("W", _day(5), _day(20)),))
    rule = StayRule(partial=True, max_transfers=1, min_nights=2)
    got = [tuple(f.id for f in o) for o in unit_options(unit, [fa, fb], rule)]
    assert got == [("A",), ("B",), ("A", "B")]


@st.composite
def reach_cases(draw):  # type: ignore[no-untyped-def]
    """Foresterie with or without beds of each section and accessible beds, farms at random
    minutes, people with farms, dependants, referral records' sites to avoid, groups and pins."""
    fs = [
        foresteria(
            f"F{i}",
            men=draw(st.integers(0, 2)),
            women=draw(st.integers(0, 1)),
            family=draw(st.integers(0, 2)),
            acc=draw(st.integers(0, 2)),
        )
        for i in range(draw(st.integers(1, 5)))
    ]
    farms = ["A", "B", "C"]
    ws = []
    for k in range(draw(st.integers(1, 12))):
        w = worker(
            f"W{k:02d}",
            section=draw(st.sampled_from(["men", "women", "family"])),
            farm_id=draw(st.sampled_from([*farms, None])),
            group=draw(st.sampled_from([None, None, "G1", "G2"])),
            accessible=draw(st.booleans()),
            pinned=draw(st.sampled_from([None, None, *[f.id for f in fs]])),
        )
        avoid = draw(st.frozensets(st.sampled_from([*farms, *[f.id for f in fs]]), max_size=2))
        ws.append(replace(w, avoid=avoid, rides=draw(st.booleans())))
    ids = [f.id for f in fs] + farms
    minutes = {(f, fm): draw(st.sampled_from([5, 40, 59, 60, 61, 90])) for f in ids for fm in farms}
    return fs, ws, matrix(minutes, ids), draw(st.sampled_from([0, 60, 75]))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(case=reach_cases())
def test_reach_computed_once_per_question_equals_eligibility_pair_by_pair(case) -> None:  # type: ignore[no-untyped-def]
    """units.reachable (grouped by what eligibility reads, every foresteria at once) gives, for
    every unit, exactly the foresterie eligibility(...).reachable accepts one pair at a time."""
    fs, ws, m, cap_min = case
    units = build_units(tuple(sorted(ws, key=lambda w: w.id)))
    got = reachable(units, fs, m, cap_min * 60)
    for u, near in zip(units, got, strict=True):
        want = [f for f in fs if eligibility(u, f, m, cap_min * 60).reachable]
        assert [f.id for f in near] == [f.id for f in want], u.key


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 12)), max_size=8))
def test_a_group_s_nights_at_a_place_are_the_union_of_its_members_spans(spans_) -> None:  # type: ignore[no-untyped-def]
    """units._covered (a group's nights at one foresteria, _group_fits) counts the nights of the
    union of [start, end) spans, as walking them night by night into a set does."""
    from foresterie.housing.units import _covered

    got = [(DAY0 + timedelta(days=s), DAY0 + timedelta(days=s + n)) for s, n in spans_]
    nights: set[date] = set()
    for start, end in got:
        d = start
        while d < end:
            nights.add(d)
            d += timedelta(days=1)
    assert _covered(got) == len(nights)


@settings(max_examples=400, deadline=None)
@given(cases(), st.booleans(), st.booleans())
def test_a_person_s_options_read_on_dates_are_those_read_on_spans(case, partial, promised) -> None:  # type: ignore[no-untyped-def]
    """units.option_fits reads a unit without a re-plan's History on its stay's dates
    (_fits_plain); it says what the walk over each member's spans says (_fits_walk) for every
    single and ordered pair, whole stays or partial ones, a promised transfer or not."""
    from foresterie.housing.units import _fits_walk

    fs, ws, rule = case
    rule = replace(rule, partial=partial, max_transfers=rule.max_transfers if partial else 0)
    options: list[Option] = [(f,) for f in fs] + [(a, b) for a in fs for b in fs if a.id != b.id]
    for unit in build_units(tuple(ws)):
        if unit.is_group and partial:
            continue  # the group's own rule (_group_fits), read the same way by both
        for o in options:
            assert option_fits(unit, o, rule, promised) == _fits_walk(unit, o, rule, promised)
