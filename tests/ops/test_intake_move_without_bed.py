"""A move request from someone the run gave no bed is answered and counted (review 20 R,
LOW-7: dropped without a word, `move_requests` not counting it): a request not met, in the words
of a refusal, and the person re-planned as anyone without a bed. Tiny season: W06 (farm F3,
beyond every foresteria's reach) has no bed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from foresterie.ops.day import load_season_run
from foresterie.ops.intake import intake_workers
from foresterie.ops.ledger import Event

D = date(2026, 7, 9)


def test_a_move_asked_by_someone_without_a_bed_is_answered(tiny_season_run: Path) -> None:
    season = load_season_run(tiny_season_run)
    assert "W06" not in season.assigned  # waitlisted by the season plan
    rows = [
        Event(kind="arrival", day=date(2026, 7, 6), worker_id=w)
        for w in ("W01", "W02", "W03", "W04", "W05", "W06")
    ]
    before = intake_workers(season, rows, D, 3)
    asked = [*rows, Event(kind="move_request", day=date(2026, 7, 8), worker_id="W06", origin="FA")]
    intake = intake_workers(season, asked, D, 3)
    [said] = [r for r in intake.refused if r.startswith("W06:")]
    assert said == (
        "W06: the move to FA asked on 2026-07-08 cannot be made: no bed to move from; "
        "re-planned as anyone without a bed"
    )
    assert "W06" not in intake.movers and "W06" not in {r[:3] for r in before.refused}
    # re-planned as before the request: the same people, the same way
    assert [w for w in intake.workers if w.id == "W06"] == [
        w for w in before.workers if w.id == "W06"
    ]
