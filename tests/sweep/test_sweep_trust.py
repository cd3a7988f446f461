"""Sweeps a planner can show in a meeting (review 15, findings 9, 11, 13): a resumed sweep
publishes only what its members' runs vouch for; each decision is paired with the baseline draw
by draw; counts read as whole numbers; a window that cannot judge most people says so."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.i18n import lang
from foresterie.sweep.members import load_sweep
from foresterie.sweep.report import boxes_svg
from foresterie.sweep.runner import RUN_CHANGED, RUN_MISSING, run_sweep, said
from foresterie.sweep.tables import kpi_columns, whole_range, write_tables
from tests.helpers import TINY
from tests.sweep.test_sweep import _sweep

PUBLISHED = (
    "results.csv",
    "quantiles.csv",
    "paired.csv",
    "paired_quantiles.csv",
    "report/index.html",
)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """tiny, 2 draws x (FB open, FB closed), every member solved (no one pinned to FB)."""
    pytest.importorskip("dask.distributed", reason="Dask is not installed: pip install '.[sweep]'")
    base = tmp_path_factory.mktemp("trust")
    path = _sweep(base, pin=False)
    res = run_sweep(load_sweep(path), base / "fresh", workers=2, keep_runs=True)
    assert (res.skipped, res.solved, res.failed) == (0, 4, 0)
    return path, base / "fresh"


def _results(folder: Path) -> list[dict[str, str]]:
    with (folder / "results.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_a_resumed_sweep_publishes_what_its_runs_vouch_for(
    fresh: tuple[Path, Path], tmp_path: Path
) -> None:
    """Review 15 (finding 11): after housed 999 was written into a member's result.json and a
    plan file deleted from another's run, the resumed sweep published 999 and counted the
    broken run as done. Now: the figure comes from the run (whose KPIs the verifier recomputes
    from the plan), the broken run and one whose manifest figure was edited are solved again,
    one whose run is gone too, and the published tables equal the fresh sweep's byte for
    byte."""
    path, done = fresh
    out = tmp_path / "resumed"
    shutil.copytree(done, out)
    members = out / "members"
    edited = json.loads((members / "d000-r0000" / "result.json").read_text(encoding="utf-8"))
    edited["housing.housed"] = 999
    (members / "d000-r0000" / "result.json").write_text(json.dumps(edited), encoding="utf-8")
    (members / "d000-r0001" / "run" / "plan" / "trips.csv").unlink()
    manifest_path = members / "d001-r0000" / "run" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["kpis"]["transport"]["trips"] += 5
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    shutil.rmtree(members / "d001-r0001" / "run")

    res = run_sweep(load_sweep(path), out, workers=2, keep_runs=True)

    assert res.again == {RUN_CHANGED: 2, RUN_MISSING: 1}
    assert (res.skipped, res.solved, res.rebuilt) == (1, 3, 1)
    for name in PUBLISHED:
        assert (out / name).read_bytes() == (done / name).read_bytes(), name
    original = json.loads((done / "members" / "d000-r0000" / "result.json").read_text("utf-8"))
    fixed = json.loads((members / "d000-r0000" / "result.json").read_text(encoding="utf-8"))
    assert fixed["housing.housed"] == original["housing.housed"] != 999
    assert (members / "d000-r0001" / "run" / "plan" / "trips.csv").is_file()
    line, warning = said(res, out, lang("en"))
    assert warning is None
    assert line.endswith(
        "; 2 re-solved: run changed; 1 re-solved: run missing; 1 result.json rebuilt from the "
        "member's run (it did not say what the run does)"
    )
    assert "(1 already done, 3 solved now, 0 failed)" in line

    again = run_sweep(load_sweep(path), out, workers=1, keep_runs=True)  # all vouched for now
    assert (again.skipped, again.solved, again.again, again.rebuilt) == (4, 0, {}, 0)


def test_each_decision_is_paired_with_the_baseline_draw_by_draw(fresh: tuple[Path, Path]) -> None:
    """Review 15 (finding 13): the common random numbers were never used. paired.csv holds, per
    draw, each KPI of the decision minus the baseline's on the same draw (read back here from
    results.csv), paired_quantiles.csv their median and 5-95 %; the report shows them."""
    _, done = fresh
    rows = {r["member"]: r for r in _results(done)}
    with (done / "paired.csv").open(encoding="utf-8") as f:
        paired = list(csv.DictReader(f))
    assert [(p["member"], p["baseline_member"], p["paired"]) for p in paired] == [
        ("d001-r0000", "d000-r0000", "true"),
        ("d001-r0001", "d000-r0001", "true"),
    ]
    assert {p["decision"] for p in paired} == {"open_FB=no"}
    assert {p["baseline"] for p in paired} == {"open_FB=yes"}
    some_differ = False
    for p in paired:
        a, b = rows[p["member"]], rows[p["baseline_member"]]
        assert a["draw"] == b["draw"] == p["draw"]
        for col in kpi_columns():
            want = float(a[col]) - float(b[col])
            assert float(p[col]) == pytest.approx(want, abs=1e-9), col
            some_differ |= want != 0
    assert some_differ  # closing FB changes something: the test can fail
    with (done / "paired_quantiles.csv").open(encoding="utf-8") as f:
        summary = {r["kpi"]: r for r in csv.DictReader(f)}
    for col in kpi_columns():
        diffs = [float(p[col]) for p in paired]
        assert float(summary[col]["p50"]) == pytest.approx(float(np.median(diffs)), abs=1e-3)
        assert summary[col]["draws_paired"] == "2"
    html = (done / "report" / "index.html").read_text(encoding="utf-8")
    assert "Rispetto alla decisione di base, estrazione per estrazione" in html
    assert "estrazioni appaiate" in html and "2 su 2" in html
    assert "<a href='../paired.csv'>paired.csv</a>" in html
    # ... and draws them: one chart per KPI, the differences on an axis through the baseline
    found = re.findall(r"<div class='chart[^']*' data-paired='(\d+)'>(.*?)</div>", html)
    assert [int(i) for i, _ in found] == list(range(len(kpi_columns())))
    charts = [(kpi_columns()[int(i)], chart) for i, chart in found]
    for kpi, chart in charts:
        diffs = [float(p[kpi]) for p in paired]
        if min(diffs) == max(diffs):  # said, not drawn
            assert "<svg" not in chart and "in ogni estrazione" in chart
        else:
            assert "data-baseline='0'" in chart
            (median,) = re.findall(r"data-median='([^']+)'", chart)
            assert float(median) == pytest.approx(float(np.median(diffs)), abs=1e-3)


def test_differences_are_drawn_against_a_baseline_line_at_zero() -> None:
    """The paired differences' box plot: the axis always holds 0 (the baseline, a dark line)
    even when every draw moved one way, the ticks and the tooltip are signed ("+3"), and a
    difference equal in every draw is said ("+3 in every draw")."""
    lg = lang("en")
    svg = boxes_svg([("open", [3.0, 5.0, 9.0])], lg, whole=True, digits=0, zero=True)
    ticks = re.findall(r"<text x='([\d.]+)' y='\d+' text-anchor='middle'>([^<]+)</text>", svg)
    assert [t for _, t in ticks] == ["0", "+9"]  # lo is the baseline itself: one tick
    (zero_x,) = re.findall(r"<line x1='([\d.]+)'[^>]*data-baseline='0'", svg)
    assert float(zero_x) == float(ticks[0][0]) < float(ticks[1][0])
    assert "median +5, 5-95 % +3–+9, 3 draws" in svg
    both = boxes_svg([("a", [-4.0, 2.0])], lg, whole=True, digits=0, zero=True)
    assert [t for t in re.findall(r"text-anchor='middle'>([^<]+)<", both)] == ["-4", "0", "+2"]
    same = boxes_svg([("a", [3.0, 3.0]), ("b", [3.0])], lg, whole=True, digits=0, zero=True)
    assert "<svg" not in same and "+3 in every draw" in same
    plain = boxes_svg([("a", [3.0, 5.0, 9.0])], lg, whole=True, digits=0)
    assert "data-baseline" not in plain and ">3<" in plain  # members' values: no baseline


def test_counts_read_as_whole_numbers() -> None:
    """Review 15 (finding 13): 35 and 37 people over two members read "35,1–36,9" persons."""
    assert whole_range(35.1, 36.0, 36.9) == (35, 36, 37)
    assert whole_range(35.0, 35.5, 36.0) == (35, 36, 36)  # a half rounds away from zero
    assert whole_range(-12.4, -10.5, -8.2) == (-13, -11, -8)  # the range never narrows
    assert whole_range(3.0000000000004, 4.0, 4.9999999999996) == (3, 4, 5)
    lg = lang("it")
    svg = boxes_svg([("A", [35.0, 37.0]), ("B", [36.0, 36.0])], lg, whole=True)
    assert "mediana 36, 5-95 % 35–37, 2 membri" in svg and "35,1" not in svg
    assert ">36,5<" not in svg and ">36<" in svg  # the axis: 35, 36, 37, no half a person
    decimals = boxes_svg([("A", [35.0, 37.0])], lg)
    assert "35,1–36,9" in decimals  # a measured value keeps its decimals


def test_a_kpi_equal_in_every_member_is_said_not_drawn() -> None:
    """Review 15 (finding 13): a KPI 0 in every member was drawn on an axis -1..1."""
    lg = lang("it")
    out = boxes_svg([("A", [0.0, 0.0]), ("B", [0.0, 0.0])], lg, whole=True)
    assert "<svg" not in out and "0 in ogni membro" in out
    assert "<svg" in boxes_svg([("A", [0.0, 0.0]), ("B", [0.0, 1.0])], lg, whole=True)


def test_published_text_cells_cannot_run_as_formulas(tmp_path: Path) -> None:
    """A member's error begins with what its input wrote (a file name, a field): a cell a
    spreadsheet would run is written with an apostrophe in the CSV files; the Parquet file
    keeps the text."""
    kpis = {col: 1 for col in kpi_columns()}
    rows = [
        {"member": "d000-r0000", "decision": "base", "draw": 0, "scenario_hash": "h0"}
        | {"status": "ok", "error": "", **kpis},
        {"member": "d000-r0001", "decision": "base", "draw": 1, "scenario_hash": "h1"}
        | {"status": "failed", "error": '=HYPERLINK("http://x")'},
    ]
    sweep = load_sweep(_sweep(tmp_path))
    write_tables(sweep, tmp_path, rows)
    results = _results(tmp_path)
    assert results[1]["error"] == '\'=HYPERLINK("http://x")'
    assert pd.read_parquet(tmp_path / "results.parquet")["error"][1] == '=HYPERLINK("http://x")'


WHOLE_STAYS = """
[sweep]
name = "whole"
base = "tiny"
draws = 1
window = [2026-07-18, 2026-07-20]
"""


def _whole_stay_season(tmp: Path, crossing: int, inside: int) -> Path:
    """tiny (whole stays, the default) with `crossing` men staying 07-15..07-25 across FB's
    closing after the night of 07-20 (in the season only FA can take them; cut to the window
    FB can: not judged) and `inside` men staying 07-17..07-21 (FB open every night: judged)."""
    shutil.copytree(TINY, tmp / "tiny")
    rows = (tmp / "tiny" / "workers.csv").read_text(encoding="utf-8-sig").splitlines()
    rows += [f"X{i:02d},2026-07-15,2026-07-25,men,,F1,0,false,,X" for i in range(crossing)]
    rows += [f"Y{i:02d},2026-07-17,2026-07-21,men,,F1,0,false,,Y" for i in range(inside)]
    (tmp / "tiny" / "workers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp / "sweep.toml").write_text(WHOLE_STAYS, encoding="utf-8")
    return tmp / "sweep.toml"


def test_a_whole_stay_window_that_cannot_judge_its_people_greys_housing(tmp_path: Path) -> None:
    """Review 15 (finding 9): a whole-stay season cut to a week left 89 % of its people unjudged
    and the report drew the housing figures as comparable. Here 3 of 4 people: said as n of N
    and a share on stderr and at the top of the report, the housing charts greyed and marked."""
    path = _whole_stay_season(tmp_path, crossing=3, inside=1)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["sweep", str(path), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert r.stderr.strip() == (
        "warning: sweep.window: 3 of the 4 people in the members (75%) could not be judged on "
        "their whole stay (a stay or an opening shorter than the minimum near the window's "
        "edges, or a whole stay across a closing), in 1 members (first: d000-r0000); above 10% "
        "the housing figures are not comparable: solve whole seasons (remove window from the "
        "sweep file)"
    )
    html = (out / "report" / "index.html").read_text(encoding="utf-8")
    top = html.index("<h1>")
    warn = html.index("class='headline warn'")
    assert top < warn < html.index("<h2>")  # at the top, before any figure
    assert "Dati sull&#x27;alloggio non confrontabili: 75%" in html
    assert "3 delle 4 persone dei membri (75%)" in html
    assert html.count("class='chart muted'") == 5  # the five housing KPIs
    assert html.count("class='chart'") == 8


def test_a_window_that_judges_nearly_everyone_keeps_housing_comparable(tmp_path: Path) -> None:
    """1 of 11 people (9 %) unjudged: said, but under the 10 % limit nothing is greyed."""
    path = _whole_stay_season(tmp_path, crossing=1, inside=10)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["sweep", str(path), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "1 of the 11 people in the members (9%)" in r.stderr
    assert "not comparable" not in r.stderr
    html = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert "1 delle 11 persone dei membri (9%)" in html
    assert "muted" not in html.replace(".muted", "") and "headline warn" not in html


@pytest.mark.browser
def test_the_sweep_report_reads_on_a_phone(fresh: tuple[Path, Path]) -> None:
    """At 320 px the sweep report is laid out at the phone's width: nothing drags the page
    sideways, and every table (the paired one first) stays in a box no wider than the screen,
    scrolling inside it when wider."""
    from tests.report.test_browser import FLAGS, chromium_or_skip
    from tests.report.test_pages import CUT, PHONE, SIDEWAYS

    _, done = fresh
    exe, sync_playwright = chromium_or_skip()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=FLAGS, headless=True)
        ctx = browser.new_context(
            viewport={"width": PHONE, "height": 640}, is_mobile=True, has_touch=True
        )
        page = ctx.new_page()
        page.goto((done / "report" / "index.html").as_uri())
        page.wait_for_load_state("load")
        assert page.evaluate(SIDEWAYS) == {"width": PHONE, "scroll": PHONE}
        assert page.evaluate(CUT, PHONE) == []
        boxes = page.eval_on_selector_all(
            ".wide", "bs => bs.map(b => [b.scrollWidth, b.getBoundingClientRect().width])"
        )
        assert len(boxes) == 2 and all(w <= PHONE for _, w in boxes)  # paired, quantiles
        assert any(scroll > w for scroll, w in boxes)  # the quantiles scroll in their box
        ctx.close()
        browser.close()
