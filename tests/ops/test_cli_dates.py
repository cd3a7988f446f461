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
    assert r.exit_code == 2 and r.output.strip() == f"error: --date: day: {words}", r.output
    assert not out.exists()


def test_the_day_runs_line_says_how_many_expected_and_how_many_ride(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """Review 13, finding 11: "20 riders" was the day's expected demand while 7 rode. The line
    says both, each equal to what the day run's plan files hold."""
    import csv
    import json
    import re

    run = tmp_path / "run"
    shutil.copytree(tiny_season_run, run)
    assert CliRunner().invoke(app, ["ledger", "init", str(run)]).exit_code == 0
    out = tmp_path / "day"
    r = CliRunner().invoke(app, ["day", str(run), "--date", "2026-07-08", "--out", str(out)])
    assert r.exit_code == 0, r.output
    m = re.search(
        r"(\d+) riders? expected, (\d+) with a ride there and back, (\d+) rider-trips?", r.output
    )
    assert m, r.output
    with open(out / "plan" / "riders.csv", newline="", encoding="utf-8") as fh:
        legs: dict[str, int] = {}
        for row in csv.DictReader(fh):
            legs[row["worker_id"]] = legs.get(row["worker_id"], 0) + 1
    both = sum(1 for n in legs.values() if n == 2)
    record = json.loads((out / "day.json").read_text(encoding="utf-8"))
    assert (int(m[1]), int(m[2])) == (record["riders"], both)
    assert int(m[1]) * 2 == both * 2 + int(m[3])


def test_the_monitor_names_its_own_flag(tiny_season_run: Path, tmp_path: Path) -> None:
    """Review 14: `monitor --as-of 2027-02-30` blamed `--date`, a flag it does not have."""
    run = tmp_path / "run"
    shutil.copytree(tiny_season_run, run)
    assert CliRunner().invoke(app, ["ledger", "init", str(run)]).exit_code == 0
    r = CliRunner().invoke(app, ["monitor", str(run), "--as-of", "2026-02-30"])
    assert r.exit_code == 2
    assert (
        r.output.strip() == "error: --as-of: day: date '2026-02-30': there is no day 30 in 2026-02"
    )


def test_a_day_run_given_as_the_season_is_named_first(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """Review 14: `day DAY_RUN` said "no such ledger (create it with ledger init RUN)", and
    `ledger init DAY_RUN` then said it is a day run: every ledger command says so first."""
    run = tmp_path / "run"
    shutil.copytree(tiny_season_run, run)
    assert CliRunner().invoke(app, ["ledger", "init", str(run)]).exit_code == 0
    day = tmp_path / "day"
    r = CliRunner().invoke(app, ["day", str(run), "--date", "2026-07-07", "--out", str(day)])
    assert r.exit_code == 0, r.output
    for args in (
        ["day", str(day), "--date", "2026-07-08"],
        ["monitor", str(day)],
        ["ledger", "verify", str(day)],
        ["ledger", "init", str(day)],
    ):
        r = CliRunner().invoke(app, args)
        assert r.exit_code == 2
        assert r.output.strip() == f"error: {day}: run: is a day run, not a season run", args


def test_a_day_outside_the_season_names_the_flag_once(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """Review 14, finding 11: `error: --date: date: 2027-07-04 is outside the season ...` said
    the field twice. The run whose season it is, the flag, what is wrong; nothing written."""
    run = tmp_path / "run"
    shutil.copytree(tiny_season_run, run)
    assert CliRunner().invoke(app, ["ledger", "init", str(run)]).exit_code == 0
    for command in ("day", "intake"):
        out = tmp_path / command
        r = CliRunner().invoke(app, [command, str(run), "--date", "2026-08-02", "--out", str(out)])
        assert r.exit_code == 2
        assert r.output.strip() == (
            f"error: {run}: --date: 2026-08-02 is outside its season 2026-07-01..2026-07-31"
        )
        assert not out.exists()


def test_purges_day_is_named_as_its_option(tiny_season_run: Path, tmp_path: Path) -> None:
    """Review 20 T, LOW-9: `purge --before 2027-02-30` was refused under the name --date."""
    r = CliRunner().invoke(app, ["purge", str(tiny_season_run), "--before", "2026-02-30"])
    assert r.exit_code == 2
    assert (
        r.output.strip() == "error: --before: day: date '2026-02-30': there is no day 30 in 2026-02"
    )
