"""`compare` lists the KPIs of either run; a category absent from one run's count is 0 there, a
KPI absent from one run (another version's) is shown absent (review 20 R, LOW-2: `None`, with no
difference, for a waitlist code one run did not have)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from foresterie.cli import app


def test_compare_reads_absent_categories_as_zero(tiny_season_run: Path, tmp_path: Path) -> None:
    b = tmp_path / "b"
    shutil.copytree(tiny_season_run, b)
    m = json.loads((b / "manifest.json").read_text(encoding="utf-8"))
    housed = m["kpis"]["housing"]["housed_by_section"]
    section, n = next((k, v) for k, v in housed.items() if v)
    del housed[section]  # a category the other run has
    trips = m["kpis"]["transport"].pop("trips")  # a KPI of another version
    m["kpis"]["transport"]["only_in_b"] = 3
    (b / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    r = CliRunner().invoke(app, ["compare", str(tiny_season_run), str(b), "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = {row[0]: row[1:] for row in csv.reader(io.StringIO(r.stdout))}
    assert rows[f"housing.housed_by_section.{section}"] == [str(n), "0", str(-n)]
    assert rows["transport.trips"] == [str(trips), "–", ""]
    assert rows["transport.only_in_b"] == ["–", "3", ""]
    assert "None" not in r.stdout
