"""report/rundata.py reads a run folder as untrusted input: a damaged cell is named by file, row
and field, in words that say what was expected (`plan/trips.csv:2: riders: 'x' is not a whole
number`), never Python's own (`invalid literal for int() with base 10`)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.runfolder import RunFolderError
from foresterie.report.rundata import CONTROL_RE, _count, _rows, load_run


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
            "plan/occupancy.csv:4: beds: -1 is out of range (0 to 1,000,000,000)",
        ),
        (
            "occupancy.csv",
            2,
            "beds",
            "99999999999",
            "plan/occupancy.csv:2: beds: 99999999999 is out of range (0 to 1,000,000,000)",
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


def test_control_characters_are_category_cc() -> None:
    """`_text` refuses control characters with one search (CONTROL_RE); it must match exactly
    the code points Unicode puts in category Cc, as the check per character did."""
    cc = {c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cc"}
    matched = {c for c in range(sys.maxunicode + 1) if CONTROL_RE.fullmatch(chr(c))}
    assert matched == cc
    assert len(cc) == 65


def _rows_as_dict_reader(text: str, fields: dict[str, Callable[[str], Any]]) -> list[Any]:
    """The reading `_rows` replaced (csv.DictReader), kept here to compare with."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [f for f in fields if f not in (reader.fieldnames or [])]
    if missing:
        return [("missing", missing[0])]
    out: list[Any] = []
    for n, raw in enumerate(reader, start=2):
        row = {}
        for f, check in fields.items():
            try:
                row[f] = check(raw[f] if raw[f] is not None else "")
            except ValueError as exc:
                return [*out, ("bad", n, f, str(exc))]
        out.append(row)
    return out


@pytest.mark.parametrize(
    "text",
    [
        "a,b\n1,2\n3,4\n",
        "a,b\n\n1,2\n\n\n3,4\n",  # blank lines: skipped and not counted
        "a,b,a\n1,2,3\n4,5\n",  # a repeated column: its last cell; a short row: empty cells
        "a,b\n1\n",  # short row
        "a,b\n1,2,3,4\n",  # long row: the extra cells dropped
        "\na,b\n1,2\n",  # a blank first line: no columns
        "",  # nothing
        "b,a\n7,x\n",  # a bad cell, named by its row
        "a,b\n\n\n1,2\nz,y\n",  # ... counted without the blank lines (row 3)
        'a,b\n"1\n2",3\n',  # a quoted newline
        "a,b\n1,x\n1,x\n2,y\n1,x\n",  # repeated cells: checked once, read every time
        "a,b\n1,x\n0,x\n,y\n0,y\n",  # ... a falsy value (0) and an empty cell among them
        "a,b\n1,x\nz,y\nz,y\n",  # a bad cell repeated: the first of them named (row 3)
        "a,b\n1,x\n1\n1,\n",  # a short row's missing cell and an empty one: the same ""
    ],
)
def test_plan_rows_read_as_dict_reader_reads_them(tmp_path: Path, text: str) -> None:
    """`_rows` reads by column index (cheaper on riders.csv's 70,000 rows) and must read every
    shape of file as csv.DictReader did: same rows, same first failure."""
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "x.csv").write_text(text, encoding="utf-8", newline="")
    fields: dict[str, Callable[[str], Any]] = {"a": _count, "b": str}
    try:
        got: list[Any] = _rows(tmp_path, "plan/x.csv", fields)
    except RunFolderError as exc:
        got = [str(exc)]
    expected = _rows_as_dict_reader(text, fields)
    if expected and isinstance(expected[-1], tuple):
        kind, *where = expected[-1]
        if kind == "missing":
            expected = [f"plan/x.csv:1: {where[0]}: missing column"]
        else:
            n, f, why = where
            expected = [f"plan/x.csv:{n}: {f}: {why}"]
    assert got == expected
