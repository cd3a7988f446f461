"""Review 19 R, MEDIUM-6/7: a day run's public export publishes its transport only (its
"housing" counts were its riders, read as the night's guests), and wherever a week of the
occupancy table has one night, its peak guests equal its bed-nights used, so hiding one and
showing the other hides nothing: both are hidden together."""

from __future__ import annotations

import csv
from pathlib import Path

from foresterie.core.cells import COMPLEMENTARY, SUPPRESSED
from foresterie.report.export import protected, public_export
from foresterie.report.rundata import load_run

HEADER = [
    "foresteria_id",
    "week",
    "section",
    "bed_nights_available",
    "bed_nights_used",
    "peak_guests",
]


def _occupancy(one_night: set[tuple[str, str, str]] | None) -> list[list[object]]:
    """One week of one site (a season's first night, a Sunday): men 3 guests (small), women 10,
    family 12: the week's sections add up to the monitor's figure, so one more cell of the
    week hides with the men's 3."""
    rows = [
        ["FA", "2027-W22", "family", 20, 12, 12],
        ["FA", "2027-W22", "men", 40, 3, 3],
        ["FA", "2027-W22", "women", 20, 10, 10],
    ]
    out = protected({"occupancy_by_week.csv": (HEADER, rows)}, one_night=one_night)
    return out["occupancy_by_week.csv"][1]


def test_a_one_night_weeks_peak_hides_with_its_bed_nights() -> None:
    hidden = {SUPPRESSED, COMPLEMENTARY}
    week = {("FA", "2027-W22", s) for s in ("family", "men", "women")}
    for r in _occupancy(week):
        assert (r[4] in hidden) == (r[5] in hidden), r  # never one shown beside the other hidden
    plain = _occupancy(None)  # without the rule, a used cell hidden beside its peak shown
    assert any((r[4] in hidden) != (r[5] in hidden) for r in plain), plain


def test_a_day_runs_public_export_has_no_housing_tables(
    monitored_season: Path, tmp_path: Path
) -> None:
    day_run = monitored_season.parent / "days" / "2026-07-07"
    public_export(load_run(day_run), tmp_path / "pub")
    names = {p.name for p in (tmp_path / "pub").iterdir()}
    assert "transport_by_week.csv" in names and "unserved_by_reason.csv" in names
    assert not names & {"housing_by_site.csv", "occupancy_by_week.csv", "waitlist_by_reason.csv"}
    with open(tmp_path / "pub" / "kpis.csv", encoding="utf-8", newline="") as fh:
        keys = [r["kpi"] for r in csv.DictReader(fh)]
    assert any(k.startswith("transport.") for k in keys)
    assert not [k for k in keys if k.startswith("housing.")], keys
    assert "publishes its transport only" in (tmp_path / "pub" / "README.md").read_text()
    # the retention aggregates (small cells kept, never published) still hold the night's tables
    public_export(load_run(day_run), tmp_path / "agg", small_cells=True)
    assert (tmp_path / "agg" / "occupancy_by_week.csv").is_file()
