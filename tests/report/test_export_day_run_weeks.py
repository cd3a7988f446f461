"""Review 17 #13: a day run's public export counts the weeks as the season's export does, for
the nights the run plans. A day run's plan lists the beds of every night of the season (used on
its day only); its export published every week of the season with bed-nights available on
nights it does not plan, and its day's week with seven nights of beds for one."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from foresterie.report.export import public_export
from foresterie.report.rundata import load_run


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_a_day_runs_export_counts_its_own_night(monitored_season: Path, tmp_path: Path) -> None:
    day_run = monitored_season.parent / "days" / "2026-07-07"
    public_export(load_run(day_run), tmp_path / "day", small_cells=True)
    occ = _rows(tmp_path / "day" / "occupancy_by_week.csv")
    y, w, _ = date(2026, 7, 7).isocalendar()
    assert {r["week"] for r in occ} == {f"{y}-W{w:02d}"}
    kpis = json.loads((day_run / "manifest.json").read_text(encoding="utf-8"))["kpis"]["housing"]
    available = sum(int(r["bed_nights_available"]) for r in occ)
    used = sum(int(r["bed_nights_used"]) for r in occ)
    assert available == kpis["bed_nights_capacity"] > 0
    assert used == kpis["bed_nights_used"]
    transport = _rows(tmp_path / "day" / "transport_by_week.csv")
    assert {r["week"] for r in transport} <= {f"{y}-W{w:02d}"}


def test_the_season_runs_export_keeps_every_night(tiny_season_run: Path, tmp_path: Path) -> None:
    public_export(load_run(tiny_season_run), tmp_path / "season", small_cells=True)
    occ = _rows(tmp_path / "season" / "occupancy_by_week.csv")
    kpis = json.loads((tiny_season_run / "manifest.json").read_text(encoding="utf-8"))["kpis"]
    assert (
        sum(int(r["bed_nights_available"]) for r in occ) == kpis["housing"]["bed_nights_capacity"]
    )
    assert len({r["week"] for r in occ}) > 1
