"""The readers of files a user or an attacker can hand us (core/files.py): JSON records and CSV
files, each defect one line `file:row: field: message` (ScenarioError), never a traceback."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from foresterie.core.errors import ScenarioError
from foresterie.core.files import json_at, read_csv, read_json


def _one(exc: pytest.ExceptionInfo[ScenarioError]) -> str:
    assert len(exc.value.problems) == 1
    return str(exc.value.problems[0])


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "day.json: json: Expecting value: line 1 column 1 (char 0)"),
        (b'{"a": NaN}', "day.json: json: NaN is not a JSON number"),
        (b"[" * 100_000 + b"]" * 100_000, "day.json: json: JSON nested too deeply to read"),
        (b'{"a": "\xe9"}', "day.json: encoding: not UTF-8"),
    ],
)
def test_read_json_names_the_file(tmp_path: Path, content: bytes, expected: str) -> None:
    (tmp_path / "day.json").write_bytes(content)
    with pytest.raises(ScenarioError) as exc:
        read_json(tmp_path, "day.json", "day.json")
    assert _one(exc) == expected


def test_read_json_refuses_a_folder_and_a_link_out(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "a.json").mkdir()
    (tmp_path / "secret.json").write_text("{}")
    (tmp_path / "run" / "b.json").symlink_to(tmp_path / "secret.json")
    with pytest.raises(ScenarioError) as exc:
        read_json(tmp_path / "run", "a.json", "a.json")
    assert _one(exc) == "a.json: file: not a regular file"
    with pytest.raises(ScenarioError) as exc:
        read_json(tmp_path / "run", "b.json", "b.json")
    assert _one(exc).startswith("b.json: file: leads outside ")


RECORD = {"ledger": {"path": "/x/l.sqlite", "rows": 3}, "files": {"plan/a.csv": {"rows": 2}}}


@pytest.mark.parametrize(
    ("path", "kind", "expected"),
    [
        ("ledger.path", str, "/x/l.sqlite"),
        ("ledger.rows", int, 3),
        ("ledger.rows", float, 3),
        (("files", "plan/a.csv", "rows"), int, 2),
        ("", dict, RECORD),
    ],
)
def test_json_at_reads_a_part_of_its_kind(path: str, kind: type, expected: object) -> None:
    assert json_at(RECORD, "r.json", path, kind) == expected


@pytest.mark.parametrize(
    ("data", "path", "kind", "expected"),
    [
        (RECORD, "ledger.head", str, "r.json: ledger.head: missing"),
        (RECORD, "ledger.rows", str, "r.json: ledger.rows: 3 is not text"),
        (RECORD, "ledger.path.x", str, "r.json: ledger.path: not a JSON object"),
        (RECORD, "ledger", list, "r.json: ledger: an object is not a list"),
        ({"n": True}, "n", int, "r.json: n: true is not a whole number"),
        ({"n": 2.5}, "n", int, "r.json: n: 2.5 is not a whole number"),
        ({"n": "3"}, "n", float, 'r.json: n: "3" is not a number'),
        ([1], "n", str, "r.json: json: not a JSON object"),
    ],
)
def test_json_at_names_what_is_wrong(data: object, path: str, kind: type, expected: str) -> None:
    with pytest.raises(ScenarioError) as exc:
        json_at(data, "r.json", path, kind)
    assert _one(exc) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"trips": [{"stops": [{"arrive": 7}]}]}, "r.json: trips.0.stops.0.arrive: 7 is not text"),
        ({"trips": [{"stops": []}]}, "r.json: trips.0.stops.0.arrive: missing"),
        ({"trips": {"0": {}}}, "r.json: trips: not a JSON list"),
        ({"trips": [[]]}, "r.json: trips.0: not a JSON object"),
    ],
)
def test_json_at_indexes_lists_and_names_the_index(data: object, expected: str) -> None:
    path = ("trips", 0, "stops", 0, "arrive")
    with pytest.raises(ScenarioError) as exc:
        json_at(data, "r.json", path, str)
    assert str(exc.value) == expected
    assert json_at({"trips": [{"stops": [{"arrive": "06:20"}]}]}, "r.json", path, str) == "06:20"


def test_json_at_optional_part() -> None:
    assert json_at({"a": None}, "r.json", "a", str, optional=True) is None
    assert json_at({}, "r.json", "a.b", str, optional=True) is None


def test_read_csv_typed_cells(tmp_path: Path) -> None:
    p = tmp_path / "trips.csv"
    p.write_text("\ufeffday,seats,km,depart\n2026-07-06,8,12.5,24:10\n\n")
    (row,) = read_csv(p, ("day", "seats"), "trips.csv")
    assert (row.day("day"), row.whole("seats"), row.number("km"), row.minutes("depart")) == (
        date(2026, 7, 6),
        8,
        12.5,
        24 * 60 + 10,
    )
    assert row.one_of("day", {"2026-07-06"}, "a day") == "2026-07-06"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("day,seats\n2026-07-06\n", "trips.csv:2: row: 1 fields, the header has 2"),
        ("day\n2026-07-06\n", "trips.csv:1: seats: missing column"),
        ("day,seats\n2026-07-06,x\n", "trips.csv:2: seats: 'x' is not a whole number"),
        ("day,seats\n2026-07-06,8.5\n", "trips.csv:2: seats: '8.5' is not a whole number"),
        ("day,seats\n06/07/2026,8\n", "trips.csv:2: day: '06/07/2026' is not a date YYYY-MM-DD"),
        ("day,seats\n2026-02-30,8\n", "trips.csv:2: day: '2026-02-30' is not a date YYYY-MM-DD"),
    ],
)
def test_read_csv_names_file_row_and_field(tmp_path: Path, text: str, expected: str) -> None:
    p = tmp_path / "trips.csv"
    p.write_text(text)
    with pytest.raises(ScenarioError) as exc:
        for row in read_csv(p, ("day", "seats"), "trips.csv"):
            row.whole("seats")
            row.day("day")
    assert _one(exc) == expected


def test_read_csv_number_and_time_and_missing_key(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text("km,at\nnan,25:61\n")
    (row,) = read_csv(p, label="t.csv")
    for read, expected in [
        (lambda: row.number("km"), "t.csv:2: km: 'nan' is not a number"),
        (lambda: row.minutes("at"), "t.csv:2: at: '25:61' is not a time HH:MM"),
        (lambda: row["seats"], "t.csv:1: seats: missing column"),
        (lambda: row.one_of("at", {"05:00"}, "a shift"), "t.csv:2: at: '25:61' is not a shift"),
    ]:
        with pytest.raises(ScenarioError) as exc:
            read()
        assert _one(exc) == expected


def test_read_csv_not_utf8_and_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_bytes(b"day\n\xe9\n")
    with pytest.raises(ScenarioError) as exc:
        read_csv(tmp_path / "a.csv", label="a.csv")
    assert _one(exc) == "a.csv: encoding: not UTF-8"
    with pytest.raises(ScenarioError) as exc:
        read_csv(tmp_path / "none.csv", label="none.csv")
    assert _one(exc) == "none.csv: file: cannot read: No such file or directory"
