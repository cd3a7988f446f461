"""The marks read as well as the sums (core/cells.py): a reader who knows that "<5" is 1..4 and
that a small cell is never shown "*" (the code reader) gets a "<5" beside a "*" summing to 6 as
1 and 5. Small tables, each checked by an exact attacker (CP-SAT over the integers)."""

from __future__ import annotations

from ortools.sat.python import cp_model

from foresterie.core.cells import protect, small, starred
from tests.helpers import pinned_exactly


def _pinned(
    values: dict[str, int], hidden: set[str], stars: set[str], lines: list[dict[str, int]]
) -> set[str]:
    """The "<5" cells the code reader pins exactly ("*": 0 or 5 and more, unless a small cell
    is shown "*", when every "*" is any size)."""
    m = cp_model.CpModel()
    hole = not stars
    x = {}
    for k in hidden:
        if small(values[k]) and k not in stars:
            dom = cp_model.Domain(1, 4)
        elif hole:
            dom = cp_model.Domain.from_intervals([[0, 0], [5, 10**6]])
        else:
            dom = cp_model.Domain(0, 10**6)
        x[k] = m.new_int_var_from_domain(dom, k)
    for line in lines:
        free = [(c, x[k]) for k, c in line.items() if k in hidden]
        if free:
            m.add(
                sum(c * v for c, v in free)
                == sum(c * values[k] for k, c in line.items() if k in hidden)
            )
    return pinned_exactly(m, x, [k for k in hidden if small(values[k]) and k not in stars])


def test_a_small_cell_beside_a_five_gets_a_non_zero_cell_hidden_with_it() -> None:
    # one line a + b + c, its total published: a = 1 "<5", b = 5, c = 9
    values = {"a": 1, "b": 5, "c": 9}
    lines = [{"a": 1, "b": 1, "c": 1}]
    plain = protect(values, {"a"}, lines)
    assert plain == {"a", "b"}  # the lone-line rule: "<5" + "*" = 15 - 9 = 6 gives a = 1
    assert _pinned(values, plain, set(), lines) == {"a"}
    marked = protect(values, {"a"}, lines, marks=True)
    assert marked == {"a", "b", "c"}  # b + c is 11..14: a is 1..4 again
    assert starred(values, marked, lines) == set()
    assert _pinned(values, marked, set(), lines) == set()


def test_a_small_cell_no_hidden_cell_can_cover_is_shown_as_any_size() -> None:
    # a + b is published too: hiding c does not move it, so a is shown "*" (any size)
    values = {"a": 1, "b": 5, "c": 9}
    lines = [{"a": 1, "b": 1, "c": 1}, {"a": 1, "b": 1}]
    marked = protect(values, {"a"}, lines, marks=True)
    assert _pinned(values, marked, set(), lines) == {"a"}
    stars = starred(values, marked, lines)
    assert stars == {"a"} and _pinned(values, marked, stars, lines) == set()


def test_a_cell_the_sums_give_whatever_its_mark_keeps_its_mark() -> None:
    # a site's figure equal to a published total: "*" would not hide it
    values = {"a": 3}
    lines = [{"a": 1}]
    hidden = protect(values, {"a"}, lines, marks=True)
    assert hidden == {"a"} and starred(values, hidden, lines) == set()
