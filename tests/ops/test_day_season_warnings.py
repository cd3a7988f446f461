"""The loader's warnings on a day run's own scenario (review 18, L1): `day` used to repeat the
season's fleet warnings every day with the row of RUN.days/D/inputs/fleet.csv, a file the case
worker never edited (rows reordered). A warning the season had is not repeated (said at
`solve`); any other names the id of its row, not the generated row."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from foresterie.core.errors import Msg, Problem
from foresterie.ops.day import day_warnings, load_season_run
from tests.helpers import TINY, cli_ok, cli_run


def test_a_day_run_does_not_repeat_the_seasons_fleet_warning(tmp_path: Path) -> None:
    sc = tmp_path / "tiny"
    shutil.copytree(TINY, sc)
    fleet = (sc / "fleet.csv").read_text(encoding="utf-8")
    fleet = fleet.replace("VB1,FB,8,160,0.38,540", "VB1,FB,8,160,0.38,600")
    (sc / "fleet.csv").write_text(fleet, encoding="utf-8")
    run = tmp_path / "run"
    said = cli_ok("solve", str(sc), "--out", str(run))
    assert "warning: fleet.csv:3: max_duty_min: 600 minutes on trips" in said  # the season's
    cli_ok("ledger", "init", str(run))
    code, said = cli_run("day", str(run), "--date", "2026-07-07", "--out", str(tmp_path / "d"))
    assert code == 0, said
    assert "max_duty_min" not in said and "fleet.csv:" not in said


def test_a_day_only_warning_names_the_id_of_its_row(tiny_season_run: Path, tmp_path: Path) -> None:
    season = load_season_run(tiny_season_run).scenario
    folder = tmp_path / "day"
    folder.mkdir()
    (folder / "fleet.csv").write_text(
        "vehicle_id,foresteria_id,seats\nVB1,FB,8\nVA1,FA,8\n", encoding="utf-8"
    )
    again = Problem("fleet.csv", 2, "seats", Msg("said at solve"))
    new = Problem("fleet.csv", 3, "seats", Msg("{n} seats is odd", n=8))
    day = replace(season, warnings=(again, new))
    season = replace(season, warnings=(Problem("vehicles.csv", 9, "seats", Msg("said at solve")),))
    assert day_warnings(season, day, folder) == {
        "warning: fleet.csv:2: seats: said at solve": "",
        "warning: fleet.csv:3: seats: 8 seats is odd": (
            "warning: fleet.csv of the day's scenario (vehicle_id VA1): seats: 8 seats is odd"
        ),
    }
