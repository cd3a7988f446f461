"""Driver sheets: what a run's sheets look up and repeat is found once (rundata.lookups, the
sheets' words per language, the place cells) and gives the bytes found afresh gives."""

from __future__ import annotations

from pathlib import Path

import pytest

import foresterie.report.rundata as rundata
import foresterie.report.sheets as sheets
from foresterie.core.i18n import lang
from foresterie.report.notices import bdi, notices_html, riders_by_day
from foresterie.report.rundata import load_run, lookups, place_of
from foresterie.report.sheets import sheet_gpx, sheet_html, vehicle_days


@pytest.mark.parametrize("fixture", ["xss_run", "pickup_run", "depot_run"])
def test_a_runs_lookups_are_the_scans_they_replace(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    run = load_run(request.getfixturevalue(fixture))
    look = lookups(run)
    assert lookups(run) is look and lookups(load_run(run.root)) is not look  # one per run read
    sc = run.scenario
    for pid in [f.id for f in sc.foresterie] + [p.id for p in sc.pickups]:
        assert look.place(pid) == place_of(sc, pid)
    for v in sc.fleet:
        assert look.seats[v.id] == next(x.seats for x in sc.fleet if x.id == v.id)
    assert look.points == {p.id for p in sc.pickups}
    assert look.farms == {f.id: f for f in sc.farms}
    for day in run.days:
        assert look.trips_by_day.get(day, []) == [t for t in run.trips if t.day == day]
        assert look.unserved_by_day.get(day, []) == [u for u in run.unserved if u.day == day]
        assert look.fleet_days_by_day.get(day, []) == [f for f in run.fleet_days if f.day == day]
    assert sum(map(len, look.trips_by_day.values())) == len(run.trips) > 0


def _forget() -> None:
    """Every cache the sheets fill, emptied: the next page is built from scratch."""
    rundata._LOOKUPS.clear()
    sheets._sheet_words.cache_clear()
    sheets._place_cell.cache_clear()
    sheets._driver_helpline_html.cache_clear()
    bdi.cache_clear()


def test_sheets_built_with_caches_warm_from_other_runs_are_those_built_afresh(
    xss_run: Path, pickup_run: Path, lang_run: Path
) -> None:
    """Hostile names (xss_run), a departure point (pickup_run), notices in four languages
    (lang_run), sheets in Italian and English: each page built from scratch, then all of them
    again with every cache warm and the runs and languages taken in turn, gives the same bytes
    (the caches are keyed on all they depend on)."""
    runs = [load_run(r) for r in (xss_run, pickup_run, lang_run)]
    afresh: dict[tuple[int, str, str], tuple[str, str, str]] = {}
    for k, run in enumerate(runs):
        for code in ("it", "en"):
            for vd in vehicle_days(run):
                _forget()
                rides = riders_by_day(run, vd.day)
                afresh[k, code, vd.day + vd.vehicle_id] = (
                    sheet_html(run, vd, lang(code)),
                    sheet_gpx(run, vd),
                    notices_html(run, vd, rides, lang(code)),
                )
    warm = {}
    for code in ("en", "it"):
        for vds in zip(*(vehicle_days(run) for run in runs), strict=False):
            for k, vd in enumerate(vds):
                run = runs[k]
                rides = riders_by_day(run, vd.day)
                warm[k, code, vd.day + vd.vehicle_id] = (
                    sheet_html(run, vd, lang(code)),
                    sheet_gpx(run, vd),
                    notices_html(run, vd, rides, lang(code)),
                )
    assert warm.keys() <= afresh.keys() and len(warm) >= 12
    assert [key for key in warm if warm[key] != afresh[key]] == []
    assert any("&lt;" in page for page, _gpx, _notices in afresh.values())  # hostile names escaped
