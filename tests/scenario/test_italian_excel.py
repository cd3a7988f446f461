"""Files an office opened and saved in Italian Excel (review 16, finding 2): a semicolon file's
days come back as 06/07/2027 and its true/false as VERO/FALSO. Read where the reading is sure
(README "Scenario format"); what stays refused is said once per column, not once per row."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date
from pathlib import Path

import pytest

from foresterie.core.errors import Msg, Problem, alike, row_ranges
from foresterie.ops.imports import Season, read_events
from foresterie.scenario.load import load_scenario
from tests.helpers import TINY, cli_run


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def _italian_excel(rows: list[list[str]], header_of: dict[str, int] | None = None) -> str:
    """The rows as Italian Excel saves them: `;`, CRLF, every ISO day dd/mm/yyyy, every
    true/false VERO/FALSO (header untouched)."""
    out = [";".join(rows[0])]
    for row in rows[1:]:
        cells = []
        for cell in row:
            if len(cell) == 10 and cell[4] == "-" and cell[7] == "-":
                y, m, d = cell.split("-")
                cell = f"{d}/{m}/{y}"
            cell = {"true": "VERO", "false": "FALSO"}.get(cell, cell)
            cells.append(cell)
        out.append(";".join(cells))
    return "\r\n".join(out) + "\r\n"


@pytest.fixture
def excel_tiny(tmp_path: Path) -> Path:
    sc = tmp_path / "tiny"
    shutil.copytree(TINY, sc)
    for name in ("workers.csv", "fleet.csv"):
        rows = _rows(TINY / name)
        text = _italian_excel(rows)
        if name == "fleet.csv":  # Italian Excel's decimal comma in the money columns too
            text = text.replace("0.38", "0,38")
        (sc / name).write_text(text, encoding="utf-8")
    return sc


def test_a_scenario_saved_by_italian_excel_reads_as_the_iso_one(excel_tiny: Path) -> None:
    assert "06/07/2026;" in (excel_tiny / "workers.csv").read_text()
    assert "FALSO" in (excel_tiny / "workers.csv").read_text()
    iso, excel = load_scenario(TINY), load_scenario(excel_tiny)
    assert excel.workers == iso.workers
    assert excel.fleet == iso.fleet
    assert [w.arrival for w in excel.workers][:1] == [date(2026, 7, 6)]


def test_a_two_digit_year_in_a_semicolon_file_stays_refused_once_per_column(
    excel_tiny: Path,
) -> None:
    path = excel_tiny / "workers.csv"
    path.write_text(path.read_text().replace("/2026;", "/26;"))
    n = len(_rows(TINY / "workers.csv")) - 1
    code, out = cli_run("validate", str(excel_tiny))
    assert code == 2
    lines = [x for x in out.splitlines() if x.startswith("error:")]
    # arrival and departure, each one line naming its first row and how many more
    assert len(lines) == 2, out
    assert lines[0].startswith("error: workers.csv:2: arrival: date '06/07/26' is not ISO")
    assert lines[0].endswith(f"(and {n - 1} more rows like it: 3-{n + 1})")
    assert "departure" in lines[1]


def test_a_comma_files_day_month_year_stays_refused_once_per_column(tmp_path: Path) -> None:
    sc = tmp_path / "tiny"
    shutil.copytree(TINY, sc)
    rows = _rows(TINY / "workers.csv")
    arrival = rows[0].index("arrival")
    for row in rows[1:]:
        y, m, d = row[arrival].split("-")
        row[arrival] = f"{d}/{m}/{y}"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    (sc / "workers.csv").write_text(buf.getvalue(), encoding="utf-8")
    code, out = cli_run("validate", str(sc))
    assert code == 2
    lines = [x for x in out.splitlines() if x.startswith("error:")]
    assert len(lines) == 1, out  # a comma file is not Excel's Italian CSV: not read as it
    assert lines[0].startswith("error: workers.csv:2: arrival: date '06/07/2026' is dd/mm/yyyy")
    assert "more rows like it" in lines[0]


SEASON = Season(
    start=date(2027, 7, 1),
    end=date(2027, 7, 31),
    workers=frozenset({"W01", "W02", "W03"}),
    farms=frozenset({"F1"}),
    vehicles=frozenset({"VA1"}),
    foresterie=frozenset({"FA"}),
)


def test_a_boarding_list_ticked_in_italian_excel_imports_as_the_iso_list(tmp_path: Path) -> None:
    iso = tmp_path / "iso" / "board.csv"
    iso.parent.mkdir()
    iso.write_text(
        "date,vehicle_id,leg,worker_id,boarded,time\n"
        "2027-07-07,VA1,out,W01,yes,06:10\n"
        "2027-07-07,VA1,out,W02,no,\n"
        "2027-07-07,VA1,back,W01,yes,17:05\n"
    )
    excel = tmp_path / "excel" / "board.csv"
    excel.parent.mkdir()
    excel.write_bytes(
        b"date;vehicle_id;leg;worker_id;boarded;time\r\n"
        b"07/07/2027;VA1;out;W01;yes;06:10\r\n"
        b"07/07/2027;VA1;out;W02;no;\r\n"
        b"07/07/2027;VA1;back;W01;yes;17:05\r\n"
    )
    scans = tmp_path / "excel" / "scans.csv"
    scans.write_text("worker_id;scanned_at\r\nW01;07/07/2027 06:12\r\n")
    events = read_events(iso, SEASON)
    assert len(events) == 3
    assert read_events(excel, SEASON) == events
    (scan,) = read_events(scans, SEASON)
    assert scan.day == date(2027, 7, 7)


def test_alike_says_a_columns_same_defect_once_and_few_each() -> None:
    def p(row: int, field: str, value: str) -> Problem:
        return Problem("w.csv", row, field, Msg("{v} is bad", v=value))

    few = [p(2, "a", "x"), p(3, "a", "y")]
    assert alike(few) == [(few[0], []), (few[1], [])]
    many = [p(r, "a", str(r)) for r in range(2, 9)] + [
        p(5, "b", "z"),
        Problem("w.csv", None, "a", "x"),
    ]
    said = alike(many)
    assert said[0] == (many[0], [3, 4, 5, 6, 7, 8])
    assert (many[7], []) in said and (many[8], []) in said
    assert len(said) == 3
    assert row_ranges([3, 4, 5, 9, 11, 12]) == "3-5, 9, 11-12"
    assert row_ranges(list(range(2, 40, 2)), most=3) == "2, 4, ..., 38"
