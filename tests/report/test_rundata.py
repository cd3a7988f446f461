"""report/rundata.py reads a run folder as untrusted input: a damaged cell is named by file, row
and field, in words that say what was expected (`plan/trips.csv:2: riders: 'x' is not a whole
number`), never Python's own (`invalid literal for int() with base 10`)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.runfolder import RunFolderError
from foresterie.report.rundata import load_run


def _set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Row `row` of the file (2 = the first data row, as messages count) given `value`."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    rows[row - 1][rows[0].index(column)] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


@pytest.fixture
def run(tiny_season_run: Path, tmp_path: Path) -> Path:
    out = tmp_path / "run"
    shutil.copytree(tiny_season_run, out)
    return out


@pytest.mark.parametrize(
    ("file", "row", "column", "value", "expected"),
    [
        ("trips.csv", 2, "riders", "x", "plan/trips.csv:2: riders: 'x' is not a whole number"),
        ("trips.csv", 3, "riders", "2.5", "plan/trips.csv:3: riders: '2.5' is not a whole number"),
        ("trips.csv", 2, "riders", "", "plan/trips.csv:2: riders: '' is not a whole number"),
        ("trips.csv", 2, "km", "abc", "plan/trips.csv:2: km: 'abc' is not a distance in km"),
        ("trips.csv", 2, "km", "nan", "plan/trips.csv:2: km: 'nan' is not a distance in km"),
        ("trips.csv", 2, "km", "-3", "plan/trips.csv:2: km: '-3' is not a distance in km"),
        (
            "trips.csv",
            2,
            "day",
            "2026-02-30",
            "plan/trips.csv:2: day: '2026-02-30' is not a date YYYY-MM-DD",
        ),
        (
            "trips.csv",
            2,
            "day",
            "2026-13-45",
            "plan/trips.csv:2: day: '2026-13-45' is not a date YYYY-MM-DD",
        ),
        (
            "trips.csv",
            2,
            "depart",
            "25:61",
            "plan/trips.csv:2: depart: '25:61' is not a time HH:MM",
        ),
        ("stops.csv", 3, "seq", "1.5", "plan/stops.csv:3: seq: '1.5' is not a whole number"),
        (
            "occupancy.csv",
            4,
            "beds",
            "-1",
            "plan/occupancy.csv:4: beds: -1 is out of range (0 to 999,999,999)",
        ),
        (
            "occupancy.csv",
            2,
            "beds",
            "99999999999",
            "plan/occupancy.csv:2: beds: 99999999999 is out of range (0 to 999,999,999)",
        ),
        # ids checked against the run's inputs, at the row that names them (not the stop's seq)
        (
            "stops.csv",
            4,
            "farm_id",
            "F9",
            "plan/stops.csv:4: farm_id: 'F9' is not in the run's inputs",
        ),
        (
            "riders.csv",
            5,
            "worker_id",
            "W99",
            "plan/riders.csv:5: worker_id: 'W99' is not in the run's inputs",
        ),
    ],
)
def test_a_damaged_cell_says_what_was_expected(
    run: Path, file: str, row: int, column: str, value: str, expected: str
) -> None:
    _set_cell(run / "plan" / file, row, column, value)
    with pytest.raises(RunFolderError) as exc:
        load_run(run)
    assert str(exc.value) == expected
    r = CliRunner().invoke(app, ["report", str(run), "--no-sheets"])
    assert r.exit_code == 2, r.output
    assert r.stderr.strip().splitlines() == [f"error: {run}: unreadable run folder: {expected}"]


@pytest.mark.parametrize(
    ("legs", "expected"),
    [
        (
            {"type": "FeatureCollection", "features": [{"properties": {}}]},
            "inputs/legs.geojson: features: a feature has no 'from_id'",
        ),
        (
            [1, 2],
            "inputs/legs.geojson: features: not a FeatureCollection of lines (from_id, to_id; "
            "lon/lat numbers)",
        ),
        (
            {
                "features": [
                    {
                        "properties": {"from_id": "FA", "to_id": "F1"},
                        "geometry": {"coordinates": [["x", 41.6]]},
                    }
                ]
            },
            "inputs/legs.geojson: features: not a FeatureCollection of lines (from_id, to_id; "
            "lon/lat numbers)",
        ),
    ],
)
def test_damaged_road_legs_say_what_was_expected(run: Path, legs: object, expected: str) -> None:
    (run / "inputs" / "legs.geojson").write_text(json.dumps(legs), encoding="utf-8")
    with pytest.raises(RunFolderError) as exc:
        load_run(run)
    assert str(exc.value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("W04 W99", "plan/unserved.csv:2: worker_ids: 'W99' is not in the run's inputs"),
        ("W04  W05", "plan/unserved.csv:2: worker_ids: '' is not an id"),
        ("W04 <b>", "plan/unserved.csv:2: worker_ids: '<b>' is not an id"),
    ],
)
def test_the_ids_left_without_a_ride_are_checked(
    no_ride_run: Path, tmp_path: Path, value: str, expected: str
) -> None:
    """unserved.csv's ids go onto the notices posted where people board: each one must be an
    id of the run's own people."""
    run = tmp_path / "run"
    shutil.copytree(no_ride_run, run)
    _set_cell(run / "plan" / "unserved.csv", 2, "worker_ids", value)
    with pytest.raises(RunFolderError) as exc:
        load_run(run)
    assert str(exc.value) == expected
