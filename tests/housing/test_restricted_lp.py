"""mip.RestrictedLp: one HiGHS model kept between a restricted LP's rounds (columns added, the
primal simplex from the last basis) answers as a fresh LP over the same columns does."""

from __future__ import annotations

import numpy as np

from foresterie.housing.mip import Program, RestrictedLp
from tests.housing.test_restricted_counts import _tail_program


def test_columns_added_round_by_round_give_the_fresh_lps_values() -> None:
    """The packing program's columns added in three steps: after each, the kept model's value
    is the value of a fresh LP over the same columns (both optimal), its x is zero off them,
    and its safe bound never exceeds the whole LP's."""
    p, c, near = _tail_program()
    kept = RestrictedLp(p, c)
    whole = p.lp(c)
    assert whole is not None
    masks = [near, near | (np.arange(p.n) < 20), np.ones(p.n, dtype=bool)]
    for mask in masks:
        kept.add(mask)
        got = kept.solve()
        fresh = p.lp(c, columns=mask)
        assert got is not None and fresh is not None
        assert abs(float(c @ got.x) - float(c @ fresh.x)) < 1e-6
        assert not np.any(got.x[~mask])
        assert got.bound <= whole.bound
    assert got.bound == whole.bound  # every column in: the whole LP


def test_no_column_in_is_an_answer_where_zero_fits_every_row() -> None:
    """An LP over no column (HiGHS calls the model empty): every row's activity is 0, so it is
    answered (value 0, a safe bound from zero multipliers) where 0 fits every row, and None
    where a row needs more."""
    p = Program()
    a, b = p.add_var(0, 2), p.add_var(0, 2)
    p.add_row([a, b], [1, 1], ub=3)
    c = np.array([-1.0, -1.0])
    got = p.lp(c, columns=np.zeros(2, dtype=bool))
    assert got is not None and not got.x.any()
    assert got.bound == p.trivial_bound(c) == -4
    p.add_row([a, b], [1, 1], lb=1)
    assert p.lp(c, columns=np.zeros(2, dtype=bool)) is None
    assert p.lp(c) is not None


def test_the_same_program_gives_the_same_answer_twice() -> None:
    """Deterministic: the same rounds twice give the same x and bound, bit for bit."""
    p, c, near = _tail_program()
    runs = []
    for _ in range(2):
        kept = RestrictedLp(p, c)
        kept.add(near)
        first = kept.solve()
        kept.add(np.ones(p.n, dtype=bool))
        second = kept.solve()
        assert first is not None and second is not None
        runs.append((first.x.tobytes(), first.bound, second.x.tobytes(), second.bound))
    assert runs[0] == runs[1]


def test_each_solve_gets_the_time_left_on_a_clock_that_runs_on() -> None:
    """HiGHS's clock runs on over every solve of a kept model: each solve's limit is that
    clock's reading plus the time given (review 23: a later round given the time left was
    stopped after 4 ms, the earlier rounds' time counted against it)."""
    p, c, near = _tail_program()
    kept = RestrictedLp(p, c)
    kept.add(near)
    assert kept.solve(50.0) is not None
    ran = kept._h.getRunTime()
    kept.add(np.ones(p.n, dtype=bool))
    assert kept.solve(50.0) is not None
    _, limit = kept._h.getOptionValue("time_limit")
    assert ran + 50.0 <= limit <= kept._h.getRunTime() + 50.0


def test_a_model_highs_refuses_gives_no_answer() -> None:
    """A row naming one column twice: HiGHS refuses the columns, and the LP answers None
    rather than reading its solution onto the wrong columns."""
    p = Program()
    a, b = p.add_var(0, 2), p.add_var(0, 2)
    p.add_row([a, a, b], [1, 1, 1], ub=3)
    assert p.lp(np.array([-1.0, -1.0])) is None
