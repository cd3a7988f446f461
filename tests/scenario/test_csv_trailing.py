"""A spreadsheet's empty columns at the right end (review 13, finding 10): Excel keeps a column
in what it saves once anything was typed there, so every line ends with a separator or two.
Such columns carry nothing: the file reads as its clean twin. A column with no name that holds
data is still refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.scenario.load import load_scenario


def _excel(tiny: Path, header_tail: str, row_tail: str) -> None:
    path = tiny / "workers.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    text = "\r\n".join(
        x.replace(",", ";") + (header_tail if k == 0 else row_tail) for k, x in enumerate(lines)
    )
    path.write_bytes(b"\xef\xbb\xbf" + (text + "\r\n").encode("utf-8"))


@pytest.mark.parametrize(("header_tail", "row_tail"), [(";;", ";;"), ("", ";;"), (";;", "")])
def test_empty_columns_at_the_right_end_read_as_the_clean_file(
    tiny: Path, header_tail: str, row_tail: str
) -> None:
    clean = load_scenario(tiny).workers
    _excel(tiny, header_tail, row_tail)
    r = CliRunner().invoke(app, ["validate", str(tiny)])
    assert r.exit_code == 0, r.output
    assert load_scenario(tiny).workers == clean


def test_a_column_with_no_name_that_holds_data_is_refused(tiny: Path) -> None:
    _excel(tiny, ";", ";")
    path = tiny / "workers.csv"
    text = path.read_bytes().decode("utf-8-sig").split("\r\n")
    text[2] += "note"  # a cell typed under no heading
    path.write_bytes("\r\n".join(text).encode("utf-8"))
    r = CliRunner().invoke(app, ["validate", str(tiny)])
    assert r.exit_code == 2
    assert r.output.strip().splitlines() == [
        "error: workers.csv:3: row: 11 cells, header has 10"
    ], r.output
