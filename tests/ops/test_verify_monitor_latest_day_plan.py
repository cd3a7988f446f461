"""`monitor --verify` checks that each day run a monitor read is its day's latest day plan
(helper M, session 18): a day run a later `day_plan` row of the same day superseded is not what
was driven. Recorded by some `day_plan` row is not enough: a monitor that read the superseded run
(here: one whose search for the day runs did not see the later row) fails verification."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.ops import monitor as mon
from foresterie.verify import verify_monitor


def _cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output


def test_a_monitor_that_read_a_superseded_day_run_fails_verification(
    monitored_season: Path, tiny_season_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    led = tmp_path / "ledger.sqlite"
    shutil.copyfile(monitored_season.parent / "ledger.sqlite", led)
    first = monitored_season.parent / "days" / "2026-07-07"
    later = tmp_path / "again" / "2026-07-07"
    run = str(tiny_season_run)
    code, said = _cli(
        "day",
        run,
        "--date",
        "2026-07-07",
        "--ledger",
        str(led),
        "--out",
        str(later),
        "--heat-alert",
    )
    assert code == 0, said
    days = ("--days", str(first.parent), "--days", str(later.parent))
    good = tmp_path / "good"
    code, said = _cli("monitor", run, "--ledger", str(led), *days, "--out", str(good))
    assert code == 0, said
    assert verify_monitor(good) == ([], [])  # the latest read: it passes

    real = mon.find_day_runs

    def blind(season: Any, events: list[Any], folders: Any, superseded: Any = None) -> Any:
        plans = [e for e in events if e.kind == "day_plan"]
        return real(season, [e for e in events if e is not plans[-1]], folders, superseded)

    monkeypatch.setattr(mon, "find_day_runs", blind)  # a monitor blind to the later day plan
    bad = tmp_path / "bad"
    code, said = _cli("monitor", run, "--ledger", str(led), *days, "--out", str(bad))
    assert code == 0, said
    violations, unchecked = verify_monitor(bad)
    assert unchecked == []
    assert violations == [
        f"day run {first.resolve()}: superseded: a later day_plan row of 2026-07-07 in the "
        "ledger records another day run of that day"
    ]
