"""The report's first paragraph says "neither beds nor vehicles run short" only when it is so
(review 13: all 30 applicants turned away as a group larger than the beds, and the headline said
nothing was short)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from foresterie.core.i18n import lang
from foresterie.report.html import BED_CODES, headline
from foresterie.report.rundata import load_run


@pytest.mark.parametrize("code", sorted(BED_CODES | {"far", "closed", ""}))
def test_nothing_short_only_when_no_one_lacked_a_bed(tiny_season_run: Path, code: str) -> None:
    run = load_run(tiny_season_run)
    lg = lang("en")
    ids = [w.id for w in run.scenario.workers][:3]
    waitlist = [{"worker_id": i, "code": code, "proven": "yes", "reason": ""} for i in ids if code]
    calm = dataclasses.replace(run, waitlist=waitlist, fleet_days=[])
    said = " ".join(headline(calm, lg))
    nothing_short = "Neither beds nor vehicles run short." in said
    assert nothing_short == (code not in BED_CODES), said


def test_a_replans_headline_says_its_shuttles_count_from_its_date(tiny_season_run: Path) -> None:
    """A re-plan's housing figures are the season's, its shuttles' from its date: the headline
    says so (review 19 R, MEDIUM-5: "1,000 worker-days carried" beside the season's 2,265 read
    as a collapse); a season plan's says nothing of it."""
    run = load_run(tiny_season_run)
    en = lang("en")
    assert "Re-planned on" not in " ".join(headline(run, en))
    replan = dataclasses.replace(run, manifest={**run.manifest, "replan": {"as_of": "2026-07-10"}})
    said = " ".join(headline(replan, en))
    assert "Re-planned on Friday, 10 July 2026" in said, said
    assert "the shuttle figures below count the days from Friday, 10 July 2026 on" in said


def test_a_move_on_request_is_not_a_transfer_at_a_closing(tiny_season_run: Path) -> None:
    """Two spans whose first foresteria stays open are a re-plan's move, in a table of their own;
    a transfer at a closing is one whose last night there is the site's last open night (review
    19 R, LOW-8)."""
    from foresterie.report.html import summary_sections, transfer_rows

    run = load_run(tiny_season_run)
    fa = next(f for f in run.scenario.foresterie if f.id == "FA")
    mid = (fa.open_from + (fa.open_to - fa.open_from) // 2).isoformat()
    gone = (fa.open_to + timedelta(days=1)).isoformat()  # the morning after FA's last night
    end = (fa.open_to + timedelta(days=3)).isoformat()
    moved = dataclasses.replace(
        run,
        spans=[
            ("X1", "FA", fa.open_from.isoformat(), mid),  # FA open after: a move on request
            ("X1", "FB", mid, end),
            ("X2", "FA", fa.open_from.isoformat(), gone),  # FA closes: a transfer
            ("X2", "FB", gone, end),
        ],
    )
    ((a, b, _wk, n),) = transfer_rows(moved)
    assert (a, b, n) == ("FA", "FB", 1)
    ((a, b, _wk, n),) = transfer_rows(moved, at_closing=False)
    assert (a, b, n) == ("FA", "FB", 1)
    titles = [s.title for s in summary_sections(moved, lang("en"))]
    assert "Moves between foresterie at a re-plan (on request)" in titles
    assert "Moves between foresterie at a re-plan (on request)" not in [
        s.title for s in summary_sections(run, lang("en"))
    ]


def test_vehicles_needed_is_never_below_the_proven_bound(tiny_season_run: Path) -> None:
    """A day the fleet is proven 2 short with 1 vehicle at hand used: "needed" reads 3, not 1
    beside a gap of 2 (review 19 R, LOW-3)."""
    from foresterie.report.html import fleet_short_rows
    from foresterie.report.rundata import FleetDayRow

    run = load_run(tiny_season_run)
    day = FleetDayRow(
        day="2026-07-07", foresteria_id="FA", needed=1, lower_bound=3, available=1, short_riders=9
    )
    ((_fid, _wk, days, proven, gap, needed, left),) = fleet_short_rows(
        dataclasses.replace(run, fleet_days=[day])
    )
    assert (days, proven, gap, needed, left) == (1, 1, 2, 3, 9)
