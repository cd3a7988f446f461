"""People pinned to a foresteria on nights it is closed: one line per foresteria and side of its
opening dates, with the count, the workers.csv rows and what to change (review 12, finding 14:
one identical "opening dates ...: over by 1" per person, naming nobody)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.errors import InfeasibleError
from tests.helpers import TINY, edit_features, write_workers
from tests.housing.test_tiers import farm, foresteria, solve, worker


def _shortfalls(fs, ws, **tables) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(InfeasibleError) as exc:
        solve(fs, [farm("F1")], ws, **tables)
    return [str(s) for s in exc.value.shortfalls]


def test_pinned_before_the_opening_is_one_line_with_count_rows_and_remedy() -> None:
    fs = [foresteria("A", men=10, open_from="2026-07-05")]
    ws = [
        replace(worker(f"W{i}", "2026-07-01", "2026-07-10", pinned="A"), row=i + 1)
        for i in (1, 2, 3)
    ]
    assert _shortfalls(fs, ws) == [
        "3 pinned people at Foresteria A (A) on 2026-07-01..07-04, before it opens on "
        "2026-07-05 (workers.csv rows 2-4: move their arrival, their pin, or the opening)"
    ]


def test_before_and_after_are_two_lines_and_rows_are_ranges() -> None:
    """The nights are the union of everyone's closed nights on that side; rows 2, 3 and 7 read
    '2-3, 7'; one person is 'person' and 'row'; a person pinned across the whole opening is in
    both lines."""
    fs = [foresteria("A", men=10, open_from="2026-07-05", open_to="2026-07-20")]
    ws = [
        replace(worker("W1", "2026-07-01", "2026-07-10", pinned="A"), row=2),
        replace(worker("W2", "2026-07-03", "2026-07-10", pinned="A"), row=3),
        replace(worker("W3", "2026-07-02", "2026-07-24", pinned="A"), row=7),
        replace(worker("W4", "2026-07-10", "2026-07-12", pinned="A"), row=8),  # all open
    ]
    assert _shortfalls(fs, ws) == [
        "3 pinned people at Foresteria A (A) on 2026-07-01..07-04, before it opens on "
        "2026-07-05 (workers.csv rows 2-3, 7: move their arrival, their pin, or the opening)",
        "1 pinned person at Foresteria A (A) on 2026-07-21..07-23, after its last open night, "
        "2026-07-20 (workers.csv row 7: move their departure, their pin, or the closing)",
    ]


def test_with_partial_stays_only_a_stay_with_no_open_night_is_refused() -> None:
    """Partial stays: a pinned person arriving before the opening is there from the opening
    night (no line); one whose whole stay is before it is named."""
    fs = [foresteria("A", men=10, open_from="2026-07-05")]
    ws = [
        replace(worker("W1", "2026-07-01", "2026-07-10", pinned="A"), row=2),
        replace(worker("W2", "2026-07-01", "2026-07-04", pinned="A"), row=3),
    ]
    tables = {"housing": {"partial_stays": True}}
    assert _shortfalls(fs, ws, **tables) == [
        "1 pinned person at Foresteria A (A) on 2026-07-01..07-03, before it opens on "
        "2026-07-05 (workers.csv row 3: move their arrival, their pin, or the opening)"
    ]


def test_people_without_a_row_are_named_by_id() -> None:
    """People a day run makes have no workers.csv line: their ids stand in."""
    fs = [foresteria("A", men=10, open_from="2026-07-05")]
    ws = [worker(f"W{i}", "2026-07-01", "2026-07-10", pinned="A") for i in (2, 1)]
    (line,) = _shortfalls(fs, ws)
    assert line.endswith("(W1, W2: move their arrival, their pin, or the opening)")


def test_cli_names_the_rows_of_workers_csv_once(tmp_path: Path) -> None:
    """Through `solve`: the rows are the file's lines; one line for three people, exit 2,
    nothing written."""
    folder = tmp_path / "s"
    shutil.copytree(TINY, folder)
    edit_features(folder / "foresterie.geojson", 0, open_from="2026-07-08")
    fid = "FA"
    write_workers(
        folder,
        [
            "W01,2026-07-10,2026-07-14,men,,F1,0,false,",
            f"W02,2026-07-06,2026-07-12,men,,F1,0,false,{fid}",
            f"W03,2026-07-06,2026-07-12,men,,F1,0,false,{fid}",
            "W04,2026-07-10,2026-07-14,men,,F1,0,false,",
            f"W05,2026-07-07,2026-07-12,men,,F1,0,false,{fid}",
        ],
    )
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = [x for x in result.stderr.splitlines() if x.startswith("infeasible")]
    assert lines == [
        "infeasible: 3 pinned people at Fortore (FA) on 2026-07-06..07-07, before it opens "
        "on 2026-07-08 (workers.csv rows 3-4, 6: move their arrival, their pin, or the "
        "opening)"
    ]
    assert not out.exists()
