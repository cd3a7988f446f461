"""A move request the office recorded is the office seeing the person: someone who asked to
move but has no arrival row is not released as a no-show (review 18 R, MEDIUM-2: their bed went
silently). Tiny season: W01, W02, W03 at FA and the family W04, W05 at FB from 2026-07-06; the
sites record arrivals (an arrival row imported), so a missing one counts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from foresterie.ops.day import load_season_run
from foresterie.ops.intake import intake_workers
from foresterie.ops.ledger import Event

D = date(2026, 7, 10)


def test_who_asked_to_move_is_here_even_without_an_arrival_row(tiny_season_run: Path) -> None:
    season = load_season_run(tiny_season_run)
    arrived = [
        Event(kind="arrival", day=date(2026, 7, 6), worker_id=w) for w in ("W02", "W04", "W05")
    ]
    base = intake_workers(season, arrived, D, 3)
    assert base.counts["released_no_show"] == 2  # W01 and W03: no arrival row, 4 days on
    asked = [
        *arrived,
        Event(kind="move_request", day=date(2026, 7, 8), worker_id="W01", origin="FB"),
    ]
    intake = intake_workers(season, asked, D, 3)
    assert intake.counts["released_no_show"] == 1  # W03 only
    assert "W01" in {w.id for w in intake.workers}
    assert intake.movers == {"W01": "FB"} or any("W01" in r for r in intake.refused)
