"""A day typed on the command line gets the words a day in the scenario's files gets (review 13,
finding 11): 30 February does not exist, 30/07/2026 is dd/mm/yyyy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("2026-02-30", "date '2026-02-30': there is no day 30 in 2026-02"),
        ("30/07/2026", "date '30/07/2026' is dd/mm/yyyy; write ISO 2026-07-30"),
        ("luglio", "date 'luglio' is not ISO YYYY-MM-DD"),
    ],
)
def test_a_day_that_is_not_one_is_said_as_in_the_files(
    tiny_season_run: Path, tmp_path: Path, typed: str, words: str
) -> None:
    run = tmp_path / "run"
    shutil.copytree(tiny_season_run, run)
    r = CliRunner().invoke(app, ["ledger", "init", str(run)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "day"
    r = CliRunner().invoke(app, ["day", str(run), "--date", typed, "--out", str(out)])
    assert r.exit_code == 2 and r.output.strip() == f"error: --date: date: {words}", r.output
    assert not out.exists()
