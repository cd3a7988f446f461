"""A day run reads when each vehicle's driver finished the day before (review 17, finding 12):
the previous day run beside it, else the season plan. A vehicle leaving less than 11 h after its
last return is said by `day` (one warning line), counted in day.json, and said on the day's
driver sheet and report index, in the sheet's language, from the run folder alone (replayed).

The tiny season's VA1 leaves FA at 05:08 on Tuesday 7 July 2026 and is back at 14:44 the day
before in the season plan (14 h 24 min of rest: nothing to say)."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.runfolder import RunFolderError
from foresterie.ops.day import load_season_run
from foresterie.report.driving import PREVIOUS_DAY, previous_day_spans
from tests.helpers import TINY, previous_day_run

D = date(2026, 7, 7)
EVE = "2026-07-06"
# the day before as a previous day run drove it: VA1 back at 22:00 (7 h 08 min before 05:08)
LATE = (
    "day,foresteria_id,direction,trip_id,vehicle_id,depart,return,km,riders,origin_id\n"
    f"{EVE},FA,to_farm,{EVE}-FA-M01,VA1,05:08,06:32,71.736,3,FA\n"
    f"{EVE},FA,to_foresteria,{EVE}-FA-E01,VA1,20:36,22:00,71.736,3,FA\n"
    f"{EVE},FB,to_farm,{EVE}-FB-M01,VB1,05:47,06:15,22.932,2,FB\n"
)


def _cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output


def _day(season: Path, tmp_path: Path, days: Path) -> tuple[int, str, Path]:
    led = tmp_path / "ledger.sqlite"
    assert _cli("ledger", "init", str(season), "--ledger", str(led))[0] == 0
    out = days / D.isoformat()
    code, text = _cli(
        "day", str(season), "--date", D.isoformat(), "--ledger", str(led), "--out", str(out)
    )
    return code, text, out


def test_a_short_rest_after_the_previous_day_run_is_said_everywhere(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    days = tmp_path / "days"
    previous_day_run(days, load_season_run(tiny_season_run).manifest_sha256, LATE, EVE)
    code, text, out = _day(tiny_season_run, tmp_path, days)
    assert code == 0, text
    record = json.loads((out / "day.json").read_text())
    assert record["short_rests"] == {"VA1": 428}  # 22:00 -> 05:08
    assert record["rest_before_day_from"] == "day run"
    line = next(x for x in text.splitlines() if "less than 11 h" in x)
    assert line.startswith("warning: 1 vehicle leaves on 2026-07-07 less than 11 h after its")
    assert "VA1 at 05:08 (7 h 08 min of rest)" in line and "VB1" not in line
    ref = json.loads((out / "inputs" / "reference_trips.json").read_text())
    assert ref[PREVIOUS_DAY] == {
        "day": EVE,
        "from": "day run",
        "vehicles": {"VA1": [5 * 60 + 8, 22 * 60], "VB1": [5 * 60 + 47, 6 * 60 + 15]},
    }
    sheets = out / "report" / "drivers" / D.isoformat()
    va1 = (sheets / "VA1.html").read_text("utf-8")
    assert "id='driver-rest' data-rest-min='428'" in va1 and "7 h 08 min" in va1
    assert "driver-rest" not in (sheets / "VB1.html").read_text("utf-8")
    index = (out / "report" / "index.html").read_text("utf-8")
    assert "id='short-rests' data-n='1'" in index
    assert _cli("verify", str(out))[0] == 0
    code, text = _cli("replay", str(out), "--out", str(tmp_path / "replay"))
    assert code == 0, text
    replayed = tmp_path / "replay" / "report" / "drivers" / D.isoformat() / "VA1.html"
    assert "data-rest-min='428'" in replayed.read_text("utf-8")


def test_without_a_previous_day_run_the_season_plan_says_the_day_before(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    code, text, out = _day(tiny_season_run, tmp_path, tmp_path / "days")
    assert code == 0, text
    record = json.loads((out / "day.json").read_text())
    assert record["rest_before_day_from"] == "season plan"
    assert record["short_rests"] == {}
    assert "less than 11 h" not in text
    ref = json.loads((out / "inputs" / "reference_trips.json").read_text())
    assert ref[PREVIOUS_DAY]["vehicles"]["VA1"] == [5 * 60 + 8, 14 * 60 + 44]
    assert "driver-rest" not in (out / "report" / "drivers" / D.isoformat() / "VA1.html").read_text(
        "utf-8"
    )


@pytest.mark.parametrize(
    ("previous", "field"),
    [
        ({"day": "2026-07-06", "vehicles": {"VA1": [300, "22:00"]}}, "previous_day.vehicles"),
        ({"day": "2026-07-06", "vehicles": {"VA1": [1320, 300]}}, "previous_day.vehicles"),
        ({"day": "6 July", "vehicles": {}}, "previous_day.day"),
        ({"day": "2026-07-06", "vehicles": [["VA1", 300, 1320]]}, "previous_day.vehicles"),
        ("yesterday", "previous_day.day"),
    ],
)
def test_a_crafted_previous_day_is_one_line(tmp_path: Path, previous: object, field: str) -> None:
    """The run folder is untrusted: a previous day that is not what a day run writes is named
    in one line (file and field), never a traceback nor a rest made up."""
    (tmp_path / "inputs").mkdir()
    ref = {"day": "2026-07-07", "trips": [], PREVIOUS_DAY: previous}
    (tmp_path / "inputs" / "reference_trips.json").write_text(json.dumps(ref))
    with pytest.raises(RunFolderError) as err:
        previous_day_spans(tmp_path)
    assert str(err.value).startswith(f"inputs/reference_trips.json: {field}: not what a day run")
    ref.pop(PREVIOUS_DAY)  # a day run from before session 18, or a season run: nothing known
    (tmp_path / "inputs" / "reference_trips.json").write_text(json.dumps(ref))
    assert previous_day_spans(tmp_path) == {}


def test_an_idle_rested_vehicle_of_the_base_takes_the_trips(tmp_path: Path) -> None:
    """With a second van VA2 at FA, idle in the season plan, the day run gives VA1's trips of
    the 7th to VA2 (VA1 back at 22:00 the day before): nobody's rest is short, and it says so."""
    scenario = tmp_path / "tiny"
    shutil.copytree(TINY, scenario)
    with open(scenario / "fleet.csv", "a", encoding="utf-8") as fh:
        fh.write("VA2,FA,8,160,0.38,540,2026-07-01,2026-07-31\n")
    season = tmp_path / "season"
    code, text = _cli("solve", str(scenario), "--out", str(season))
    assert code == 0, text
    with open(season / "plan" / "trips.csv", encoding="utf-8") as fh:
        used = {r["vehicle_id"] for r in csv.DictReader(fh) if r["day"] == D.isoformat()}
    assert used == {"VA1", "VB1"}  # the season plan's day: VA2 idle
    days = tmp_path / "days"
    previous_day_run(days, load_season_run(season).manifest_sha256, LATE, EVE)
    code, text, out = _day(season, tmp_path, days)
    assert code == 0, text
    record = json.loads((out / "day.json").read_text())
    assert record["rested_vehicles"] == {"VA1": "VA2"}
    assert record["short_rests"] == {}
    assert "VA1 go to VA2" in text and "less than 11 h" not in text
    with open(out / "plan" / "trips.csv", encoding="utf-8") as fh:
        fa = {r["vehicle_id"] for r in csv.DictReader(fh) if r["foresteria_id"] == "FA"}
    assert fa == {"VA2"}
    assert _cli("verify", str(out))[0] == 0
