"""A plan's free-text cell that a spreadsheet would run as a formula (review 13, finding 4: a
waitlist reason forged as =HYPERLINK(...), the manifest re-hashed, passed verify). A run's
writers never leave one (an apostrophe first); verify refuses it, naming file, row and field."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.files import csv_cell
from tests.helpers import rehash


@pytest.mark.parametrize("forged", ['=HYPERLINK("http://x","beds full")', "@SUM(1)", "+1", "-2"])
def test_a_formula_in_a_reason_is_refused(
    tiny_season_run: Path, tmp_path: Path, forged: str
) -> None:
    run = tmp_path / "run"
    shutil.copytree(tiny_season_run, run)
    path = run / "plan" / "waitlist.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    rows[0]["reason"] = forged
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    rehash(run, ["plan/waitlist.csv"])
    r = CliRunner().invoke(app, ["verify", str(run)])
    assert r.exit_code in (1, 2), r.output
    assert "plan/waitlist.csv:2: reason:" in r.output and "spreadsheet formula" in r.output


def test_the_writers_apostrophe_is_what_a_run_holds() -> None:
    assert csv_cell("=1+1") == "'=1+1" and csv_cell("beds full") == "beds full"
