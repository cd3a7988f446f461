"""Retention reaches every day run of the season (README "Retention"): those published with
`day --out` elsewhere (given to `purge --days`, as to `monitor --days`) and those in RUN.days
under a name that is not their date; a day run the ledger records but that is nowhere to be
found is said, since what is not found is not purged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app


def _cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output


def _ok(*args: str) -> str:
    code, out = _cli(*args)
    assert code == 0, out
    return out


@pytest.fixture
def season(tiny_season_run: Path, tmp_path: Path) -> Path:
    run = tmp_path / "tiny"
    shutil.copytree(tiny_season_run, run)
    _ok("ledger", "init", str(run))
    rows = tmp_path / "checkins.csv"
    rows.write_text("date,worker_id,event\n2026-07-06,W01,arrival\n2026-07-06,W02,arrival\n")
    _ok("ledger", "import", str(run), str(rows))
    return run


def test_a_day_run_published_elsewhere_is_purged_when_given(season: Path) -> None:
    elsewhere = season.parent / "office" / "monday"
    _ok("day", str(season), "--date", "2026-07-06", "--out", str(elsewhere))
    out = _ok("purge", str(season), "--before", "2026-07-10")
    # Before: nothing said, and its riders.csv kept for ever.
    assert "not purged: 1 day runs the ledger records were not found" in out, out
    assert "2026-07-06" in out and (elsewhere / "plan" / "riders.csv").is_file()
    out = _ok("purge", str(season), "--before", "2026-07-10", "--days", str(elsewhere.parent))
    assert "not purged" not in out, out
    assert (elsewhere / "purged.json").is_file()
    assert not (elsewhere / "plan" / "riders.csv").exists()
    assert "not checked: purged for retention" in _ok("verify", str(elsewhere))


def test_a_day_run_named_otherwise_in_run_days_is_purged_by_its_date(season: Path) -> None:
    named = season.parent / "tiny.days" / "first-monday"
    _ok("day", str(season), "--date", "2026-07-06", "--out", str(named))
    out = _ok("purge", str(season), "--before", "2026-07-10")
    # Before: its date was read from its folder's name, so it was never purged whole.
    assert "1 runs (" in out and "not purged" not in out, out
    assert (named / "purged.json").is_file() and not (named / "plan" / "riders.csv").exists()


def test_a_purged_run_says_it_was_purged_when_asked_to_report_map_or_replay(season: Path) -> None:
    """Before: the first missing file was named ("data.workers: file 'workers.csv' not found")."""
    _ok("day", str(season), "--date", "2026-07-06")
    day = season.parent / "tiny.days" / "2026-07-06"
    _ok("purge", str(season), "--before", "2026-07-14")  # W01, W02 left on the 13th
    for args in (["report", str(day)], ["map", str(day)], ["replay", str(day)]):
        code, out = _cli(*args)
        assert code == 2, (args, out)
        assert "purged for retention (before 2026-07-14): its worker-level files are gone" in out
        assert len(out.strip().splitlines()) == 1
    code, out = _cli("replay", str(season))  # people were removed from the season run
    assert code == 2 and "people were removed" in out, out
    assert _ok("report", str(season))  # what remains is still reported
