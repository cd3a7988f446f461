"""The intake pins to their bed only the people due today who have come (a check-in, or a
driver's list: `seen_aboard`); someone due today whom nothing records has taken no bed yet, and
the re-plan may move them as anyone not yet due (review 14's open point: "the intake pins new
arrivals to their first bed"). Tiny season: W01, W02, W03 at FA and the family W04, W05 at FB,
all due on 2026-07-06."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from foresterie.ops.day import load_season_run
from foresterie.ops.intake import intake_workers
from foresterie.ops.ledger import Event
from tests.helpers import cli_ok, cli_run

D = date(2026, 7, 6)


def test_only_those_who_came_today_are_pinned(tiny_season_run: Path) -> None:
    season = load_season_run(tiny_season_run)
    events = [
        Event(kind="arrival", day=D, worker_id="W01"),  # FA's office records arrivals from today
        Event(kind="boarding", day=D, worker_id="W03", vehicle_id="VA1", leg="out"),
    ]
    intake = intake_workers(season, events, D, release_days=3)
    pins = {w.id: w.pinned_foresteria for w in intake.workers}
    assert (pins["W01"], pins["W03"]) == ("FA", "FA")  # checked in; seen aboard
    assert pins["W02"] is None  # FA records arrivals and has none of W02's: a bed held, not pinned
    assert intake.counts["held_for_no_show"] == 1
    assert (pins["W04"], pins["W05"]) == (None, None)  # FB records nothing: assumed, not pinned
    nobody = intake_workers(season, [], D, release_days=3)
    assert {w.pinned_foresteria for w in nobody.workers} == {None}


def test_an_intake_on_the_arrival_day_is_verified(tiny_season_run: Path, tmp_path: Path) -> None:
    run = str(tiny_season_run)
    led = tmp_path / "ledger.sqlite"
    ci = tmp_path / "checkins.csv"
    ci.write_text("date,worker_id,event\n2026-07-06,W01,arrival\n")
    cli_ok("ledger", "import", run, str(ci), "--ledger", str(led))
    out = tmp_path / "intake"
    cli_ok("intake", run, "--date", D.isoformat(), "--ledger", str(led), "--out", str(out))
    assert cli_run("verify", str(out))[0] == 0
