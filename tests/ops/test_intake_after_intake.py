"""An intake from the season run after an earlier intake is said (review 18 R, HIGH-5's
follow-on): it re-plans from the season run's beds, not from the earlier intake's, and the line
says how to go on from the earlier one. The intake of the intake says nothing of it."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers import cli_run


def test_an_intake_from_the_season_after_an_earlier_intake_is_said(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    season = tmp_path / "season"
    shutil.copytree(tiny_season_run, season)
    assert cli_run("ledger", "init", str(season))[0] == 0
    code, said = cli_run("intake", str(season), "--date", "2026-07-08")
    assert code == 0, said
    first = tmp_path / "season.intake" / "2026-07-08"
    assert first.is_dir() and "warning: the ledger records an intake" not in said
    code, said = cli_run("intake", str(season), "--date", "2026-07-10")
    assert code == 0, said
    (line,) = [
        x for x in said.splitlines() if x.startswith("warning: the ledger records an intake")
    ]
    assert "of 2026-07-08" in line and f"foresterie intake {first} --date 2026-07-10" in line
    code, said = cli_run(
        "intake", str(first), "--date", "2026-07-10", "--out", str(tmp_path / "again")
    )
    assert code == 0, said
    assert "warning: the ledger records an intake" not in said
