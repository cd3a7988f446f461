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


def test_moves_to_a_site_without_beds_for_them_are_not_met_and_the_intake_goes_on(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """Two men ask to move to FB, which has one men's bed here: the requests are not met, said,
    and the intake re-plans everyone else (review 18 R, MEDIUM-1: exit 2, nothing re-planned)."""
    import json
    import shutil

    from tests.helpers import TINY, cli_run

    sc = tmp_path / "sc"
    shutil.copytree(TINY, sc)
    geo = sc / "foresterie.geojson"
    text = geo.read_text(encoding="utf-8")
    at = text.index('"id": "FB"')
    geo.write_text(
        text[:at] + text[at:].replace('"beds_men": 2', '"beds_men": 1', 1), encoding="utf-8"
    )
    season = tmp_path / "season"
    code, said = cli_run("solve", str(sc), "--out", str(season))
    assert code == 0, said
    rows = tmp_path / "checkins.csv"
    rows.write_text(
        "date,worker_id,event,foresteria_id\n"
        + "".join(f"2026-07-08,{w},move,FB\n" for w in ("W01", "W02")),
        encoding="utf-8",
    )
    code, said = cli_run("ledger", "import", str(season), str(rows))
    assert code == 0, said
    out = tmp_path / "intake"
    code, said = cli_run("intake", str(season), "--date", "2026-07-09", "--out", str(out))
    assert code == 0, said
    notes = [x for x in said.splitlines() if "cannot be made (no bed for them there" in x]
    assert len(notes) >= 1, said
    record = json.loads((out / "intake.json").read_text(encoding="utf-8"))
    assert record["move_requests_cannot_be_made"] >= 1
    assert record["move_requests"] == 2
