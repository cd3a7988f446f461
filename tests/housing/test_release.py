"""Beds released after a run of days without work that no work follows within the stay
(housing/release.py), by hand; a pause the calendar ends within the stay keeps the bed."""

from __future__ import annotations

from dataclasses import replace

from foresterie.housing.release import (
    idle_releases,
    kept_costs,
    pause_costs,
    pauses,
    release_days,
    without_released_nights,
)
from foresterie.scenario.model import Assignment, FarmClosure, Scenario
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
    # Friday 07-10 and Monday 07-13 to the end of the stays closed: with the weekend between
    # them Friday, Monday, Tuesday are 3 workdays in a row without work, no work after them;
    # the bed is released on Wednesday morning.
    sc = _season(3, [("F1", "2026-07-10", "2026-07-10"), ("F1", "2026-07-13", "2026-07-24")])
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
    two = _season(2, [("F1", "2026-07-09", "2026-07-24")])  # Thu, Fri: the 2nd is Friday
    assert release_days(two)["W1"] == D("2026-07-11")


def test_no_limit_or_no_calendar_releases_nobody() -> None:
    assert release_days(_season(None, [("F1", "2026-07-06", "2026-07-24")])) == {}
    assert release_days(_season(1, [])) == {}


def test_a_group_leaves_whole_on_its_last_working_members_release() -> None:
    # F1 closed from 07-13 (W6 released on 07-16), F2 from 07-15 (W7: on 07-18), both to the end
    # of the stays: G2 leaves whole on 07-18, W6 with the family, the dependant W8 too.
    sc = _season(3, [("F1", "2026-07-13", "2026-07-24"), ("F2", "2026-07-15", "2026-07-24")])
    released = release_days(sc)
    assert released["W1"] == D("2026-07-16")
    assert released["W6"] == released["W7"] == released["W8"] == D("2026-07-18")


def test_a_pause_that_work_follows_keeps_the_bed() -> None:
    # Review 19 R, HIGH-1: F1 has no work Tuesday 07-07 to Thursday 07-09 (rain) and works again
    # on Friday 07-10 by the same calendar: 3 workdays without work, then work within the stay,
    # is a pause, not an end. Nobody is released, the family neither; the pause is listed.
    sc = _season(3, [("F1", "2026-07-07", "2026-07-09")])
    assert release_days(sc) == {}
    kept = pauses(sc)
    assert kept["W1"] == kept["W2"] == kept["W4"] == [(D("2026-07-07"), D("2026-07-10"))]
    assert "W3" not in kept and "W5" not in kept  # F2 works; a dependant has no farm
    # a longer pause (two weeks and its weekends) still ends in work within W1's stay
    long = _season(3, [("F1", "2026-07-06", "2026-07-22")])
    assert "W1" not in release_days(long)
    assert pauses(long)["W1"] == [(D("2026-07-06"), D("2026-07-23"))]
    # W2 leaves on 07-15: no work for him after 07-06..07-14, his stay's end: released on the
    # morning after the 3rd workday without work (Wednesday 07-08, the 9th)
    assert release_days(long)["W2"] == D("2026-07-09")


def test_a_pause_then_the_end_of_the_work_releases_at_the_end() -> None:
    # A pause 07-07..07-09 (work on Friday), then no work from Monday 07-20 to the end of the stay:
    # released the morning after the 3rd workday of the last run (Wednesday 07-22: the 23rd).
    sc = _season(3, [("F1", "2026-07-07", "2026-07-09"), ("F1", "2026-07-20", "2026-07-24")])
    released = release_days(sc)
    assert released["W1"] == D("2026-07-23")
    assert pauses(sc)["W1"] == [(D("2026-07-07"), D("2026-07-10"))]
    # a last run shorter than the limit releases nobody, whatever the pause before it
    short = _season(3, [("F1", "2026-07-07", "2026-07-09"), ("F1", "2026-07-23", "2026-07-24")])
    assert "W1" not in release_days(short)


def test_someone_arriving_during_a_pause_is_not_released() -> None:
    # Arrives on Tuesday 07-07, the farm without work until Friday 07-10, works from Monday
    # 07-13: 4 workdays without work from the arrival, then work: the bed is kept.
    sc = _season(3, [("F1", "2026-07-06", "2026-07-10")])
    late = worker("W9", "2026-07-07", "2026-07-25", farm_id="F1")
    sc = replace(sc, workers=(*sc.workers, late))
    assert "W9" not in release_days(sc)
    assert pauses(sc)["W9"] == [(D("2026-07-07"), D("2026-07-13"))]


def test_pause_costs_count_the_housed_nights_of_the_pauses() -> None:
    # F1 without work 07-07..07-09, work on 07-10: the pause's nights are 07-07, 07-08, 07-09.
    sc = _season(3, [("F1", "2026-07-07", "2026-07-09")])

    def bed(wid: str, a: str, b: str) -> Assignment:
        return Assignment(
            worker_id=wid, foresteria_id="A", section="men", arrival=D(a), departure=D(b)
        )

    beds = [
        bed("W1", "2026-07-06", "2026-07-25"),  # 3 nights of the pause
        bed("W2", "2026-07-09", "2026-07-15"),  # housed from 07-09: 1 night of it
        bed("W3", "2026-07-06", "2026-07-25"),  # F2: no pause
    ]
    assert pause_costs(sc, beds) == {"F1": (2, 4)}
    assert pause_costs(sc, [bed("W2", "2026-07-10", "2026-07-15")]) == {}  # after the pause
    # a re-plan from 07-09 counts the nights ahead of it: 07-09 for W1 and W2
    assert pause_costs(sc, beds, since=D("2026-07-09")) == {"F1": (2, 2)}
    assert pause_costs(sc, beds, since=D("2026-07-10")) == {}
    assert pause_costs(_season(None, [("F1", "2026-07-07", "2026-07-09")]), beds) == {}


def _bed(wid: str, a: str, b: str, section: str = "men") -> Assignment:
    return Assignment(
        worker_id=wid, foresteria_id="A", section=section, arrival=D(a), departure=D(b)
    )


# F1 without work from Monday 07-13 to the end of the stays: W1 (to 07-25) and the family G1
# (W4 and the dependant W5) are released on Thursday morning 07-16; A has 5 men's beds.
END = [("F1", "2026-07-13", "2026-07-24")]


def test_a_release_whose_bed_stays_free_is_idle() -> None:
    # review 19 S, NEW-2: nobody is given W1's bed after 07-16 (A's men's section is never
    # full): the release houses nobody. G1's room stays free too: idle, as one.
    sc = _season(3, END)
    released = release_days(sc)
    beds = [
        _bed("W1", "2026-07-06", "2026-07-16"),
        _bed("W3", "2026-07-06", "2026-07-25"),
        _bed("W4", "2026-07-06", "2026-07-16", "family"),
        _bed("W5", "2026-07-06", "2026-07-16", "family"),
    ]
    assert idle_releases(sc, beds, released) == {"W1", "W4", "W5"}
    kept = replace(sc, beds_kept=frozenset({"W1"}))
    assert "W1" not in release_days(kept) and release_days(kept)["W4"] == D("2026-07-16")


def test_a_release_whose_bed_someone_takes_stands() -> None:
    # four men arrive on 07-20: with W3 the section is full that night, W1's bed is taken
    sc = _season(3, END)
    released = release_days(sc)
    beds = [_bed("W1", "2026-07-06", "2026-07-16"), _bed("W3", "2026-07-06", "2026-07-25")]
    beds += [_bed(f"N{k}", "2026-07-20", "2026-07-22") for k in range(4)]
    assert "W1" not in idle_releases(sc, beds, released)
    # three arrivals leave a bed free every night: the release is idle again
    assert "W1" in idle_releases(sc, beds[:-1], released)


def test_two_releases_do_not_count_on_one_free_bed() -> None:
    # W9 (F1, as W1) is released the same morning; 4 men from 07-16 leave one bed free: it keeps
    # one of them (W1, the first by id), the other's release is needed
    sc = _season(3, END)
    sc = replace(sc, workers=(*sc.workers, worker("W9", "2026-07-06", "2026-07-25", farm_id="F1")))
    released = release_days(sc)
    assert released["W9"] == D("2026-07-16")
    beds = [_bed("W1", "2026-07-06", "2026-07-16"), _bed("W9", "2026-07-06", "2026-07-16")]
    beds += [_bed(f"N{k}", "2026-07-16", "2026-07-25") for k in range(4)]
    assert idle_releases(sc, beds, released) == {"W1"}


def test_a_release_without_a_bed_or_before_a_replan_date_stands() -> None:
    sc = _season(3, END)
    released = release_days(sc)
    # W1 waitlisted (no bed the night before the morning): no bed of his is freed
    assert "W1" not in idle_releases(sc, [_bed("W3", "2026-07-06", "2026-07-25")], released)
    beds = [_bed("W1", "2026-07-06", "2026-07-16")]
    # a re-plan from the morning or later: the night before was lived, the release stands
    assert idle_releases(sc, beds, released, since=D("2026-07-16")) == set()
    assert "W1" in idle_releases(sc, beds, released, since=D("2026-07-15"))


def test_kept_costs_count_the_nights_from_the_morning() -> None:
    sc = replace(_season(3, END), beds_kept=frozenset({"W1", "W4", "W5"}))
    beds = [
        _bed("W1", "2026-07-06", "2026-07-25"),  # kept 07-16..07-24: 9 nights
        _bed("W4", "2026-07-06", "2026-07-25", "family"),
        _bed("W5", "2026-07-06", "2026-07-25", "family"),  # a dependant: at G1's farm
    ]
    assert kept_costs(sc, beds) == {"F1": (3, 27)}
    assert kept_costs(sc, beds, since=D("2026-07-20")) == {"F1": (3, 15)}
    assert kept_costs(_season(3, END), beds) == {}
