"""Review 17 #13: a message about a date quotes the cell as the file holds it (`08/13/2027`),
never the reader's rewrite of it (`2027-13-08`), and never advises an ISO day that is no day."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.errors import Problem
from foresterie.scenario.csvfile import read_csv_bytes
from foresterie.scenario.load import date_problem


def _read(body: str) -> list[dict[str, str]]:
    probs: list[Problem] = []
    raw = ("date;worker_id;event\n" + body).encode()
    rows = read_csv_bytes(
        raw, "checkins.csv", ("date", "worker_id", "event"), probs, office=True, dates=("date",)
    )
    out = [row for _line, row in rows]
    assert probs == []
    return out


@pytest.mark.parametrize("cell", ["08/13/2027", "31/02/2027", "06/07/2027 25:10", "6.7.2027 6:60"])
def test_a_cell_that_is_no_day_read_day_first_is_left_as_written(cell: str) -> None:
    assert _read(f"{cell};W1;arrival\n") == [{"date": cell, "worker_id": "W1", "event": "arrival"}]


def test_italian_excel_days_are_still_read() -> None:
    rows = _read("06/07/2027;W1;arrival\n6.7.2027 6:12;W1;arrival\n")
    assert [r["date"] for r in rows] == ["2027-07-06", "2027-07-06T06:12"]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("06/07/2027", "date '06/07/2027' is dd/mm/yyyy; write ISO 2027-07-06"),
        (
            "08/13/2027",
            "date '08/13/2027': there is no month 13 (day/month/year); if the month is first, "
            "write ISO 2027-08-13",
        ),
        ("31/02/2027", "date '31/02/2027': there is no such day; write ISO YYYY-MM-DD"),
        ("2027-13-08", "date '2027-13-08': there is no month 13"),
    ],
)
def test_the_message_quotes_the_text_and_advises_only_real_days(text: str, said: str) -> None:
    assert str(date_problem(text)) == said


def test_ledger_import_quotes_the_cell_as_written(tiny_season_run: Path, tmp_path: Path) -> None:
    f = tmp_path / "checkins.csv"
    f.write_text("date;worker_id;event\n08/13/2026;W01;arrival\n", encoding="utf-8")
    led = tmp_path / "ledger.sqlite"
    r = CliRunner().invoke(
        app, ["ledger", "import", str(tiny_season_run), str(f), "--ledger", str(led)]
    )
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith(
        "error: checkins.csv:2: date: date '08/13/2026': there is no month 13"
    )
    assert "2026-13-08" not in r.stderr
