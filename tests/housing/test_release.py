"""Beds released after a run of days without work (housing/release.py), by hand."""

from __future__ import annotations

from dataclasses import replace

from foresterie.housing.release import release_days, without_released_nights
from foresterie.scenario.model import FarmClosure, Scenario
from tests.helpers import D, farm, foresteria, scenario, worker

MON_FRI = frozenset(range(5))


def _season(limit: int | None, closures: list[tuple[str, str, str]], **kw: object) -> Scenario:
    # F1 works Monday to Friday; 2026-07-10 is a Friday, 07-13 a Monday.
    ws = [
        worker("W1", "2026-07-06", "2026-07-25", farm_id="F1"),
        worker("W2", "2026-07-06", "2026-07-15", farm_id="F1"),  # leaves the release morning
        worker("W3", "2026-07-06", "2026-07-25", farm_id="F2"),  # F2 is never closed
        worker("W4", "2026-07-06", "2026-07-25", section="family", group="G1", farm_id="F1"),
        replace(
            worker("W5", "2026-07-06", "2026-07-25", section="family", group="G1"), rides=False
        ),
        worker("W6", "2026-07-06", "2026-07-25", section="family", group="G2", farm_id="F1"),
        worker("W7", "2026-07-06", "2026-07-25", section="family", group="G2", farm_id="F2"),
        replace(
            worker("W8", "2026-07-06", "2026-07-25", section="family", group="G2"), rides=False
        ),
    ]
    sc = scenario(
        [foresteria("A", men=5, family=5)],
        [farm("F1", days=MON_FRI), farm("F2")],
        ws,
        housing={"max_days_without_work": limit} if limit else {},
    )
    return replace(
        sc,
        farm_closures=tuple(
            FarmClosure(farm_id=f, first_day=D(a), last_day=D(b)) for f, a, b in closures
        ),
    )


def test_rest_days_neither_count_nor_break_a_run() -> None:
    # Friday 07-10 and Monday 07-13 and Tuesday 07-14 closed: with the weekend between them
    # that is 3 workdays in a row without work; the bed is released on Wednesday morning.
    sc = _season(3, [("F1", "2026-07-10", "2026-07-10"), ("F1", "2026-07-13", "2026-07-14")])
    released = release_days(sc)
    assert released["W1"] == D("2026-07-15")
    assert "W2" not in released  # leaves that very morning anyway
    assert "W3" not in released  # F2 works
    # G1's only working member leaves: the dependant leaves with them. G2 still has W7 at work:
    # a group is one unit (one family room), so nobody of it is released, W6 neither.
    assert released["W4"] == released["W5"] == D("2026-07-15")
    assert not {"W6", "W7", "W8"} & set(released)
    planned = {w.id: w.departure for w in without_released_nights(sc, released).workers}
    assert planned["W1"] == D("2026-07-15") and planned["W3"] == D("2026-07-25")


def test_a_workday_with_work_restarts_the_count() -> None:
    # Thursday 07-09 and Friday 07-10 closed, Monday 07-13 open, Tuesday 07-14 closed: runs of
    # 2 and 1, never 3.
    sc = _season(3, [("F1", "2026-07-09", "2026-07-10"), ("F1", "2026-07-14", "2026-07-14")])
    assert release_days(sc) == {}
    assert release_days(_season(2, [("F1", "2026-07-09", "2026-07-10")]))["W1"] == D("2026-07-11")


def test_no_limit_or_no_calendar_releases_nobody() -> None:
    assert release_days(_season(None, [("F1", "2026-07-06", "2026-07-24")])) == {}
    assert release_days(_season(1, [])) == {}


def test_a_group_leaves_whole_on_its_last_working_members_release() -> None:
    # F1 closed 07-13..07-15 (W6 released on 07-16), F2 closed 07-15..07-17 (W7: on 07-18): G2
    # leaves whole on 07-18, W6 with the family, the dependant W8 too.
    sc = _season(3, [("F1", "2026-07-13", "2026-07-15"), ("F2", "2026-07-15", "2026-07-17")])
    released = release_days(sc)
    assert released["W1"] == D("2026-07-16")
    assert released["W6"] == released["W7"] == released["W8"] == D("2026-07-18")
