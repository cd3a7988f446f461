"""A re-plan whose past no longer fits today's scenario (session 18, helper A): the nights
before `--as-of` are facts, judged by what the previous run planned them with (its
inputs/foresterie.geojson and workers.csv, which the re-plan keeps as
inputs/previous_foresterie.geojson and previous_workers.csv); where they fit those and not the
scenario here (a site's opening corrected on nights lived, a stay extended after a night
without a bed), the stay rules begin again on the date and the re-plan publishes and verifies.
A past row the previous run did not have is still refused by `verify`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from foresterie.verify import verify_run
from tests.helpers import rehash
from tests.housing.test_replan_rules import _rows, _scenario, _season, _solve


def test_a_site_whose_opening_was_corrected_on_nights_lived_re_plans(tmp_path: Path) -> None:
    """W03 slept at FA from its opening on 07-08 in the season; the corrected geojson says FA
    opens on 07-10, and her stay now runs to 07-20. Re-planned as of 07-11: her nights
    07-08..07-10 at FA are the previous run's (FA open then, as it read it), she goes on in her
    bed from the date. Before: exit 2, 'stay dates: W03: FA 2026-07-08..'."""
    season = _season(tmp_path)
    assert _rows(season, "W03") == [("FA", "2026-07-08", "2026-07-13")]
    new = _scenario(
        tmp_path / "sc2",
        {"FA": {"open_from": "2026-07-10"}},
        [("W03,2026-07-06,2026-07-13,", "W03,2026-07-06,2026-07-20,")],
    )
    out = tmp_path / "replan"
    code, said = _solve(new, out, "--as-of", "2026-07-11", "--previous", str(season))
    assert code == 0, said
    assert verify_run(out) == []
    assert _rows(out, "W03") == [("FA", "2026-07-08", "2026-07-20")]
    # her nights before FA opened are told by the dates she lived them with, not the corrected
    with open(out / "plan" / "uncovered.csv", encoding="utf-8", newline="") as fh:
        told = [
            (r["from"], r["to"], r["reason"]) for r in csv.DictReader(fh) if r["worker_id"] == "W03"
        ]
    assert told == [("2026-07-06", "2026-07-08", "Fortore opens on 2026-07-08")], told
    # the run keeps what the previous run planned with, as it read it
    kept = (out / "inputs" / "previous_foresterie.geojson").read_bytes()
    assert kept == (season / "inputs" / "foresterie.geojson").read_bytes()
    assert b'"2026-07-08"' in kept


def test_a_stay_extended_after_a_night_without_a_bed_re_plans(tmp_path: Path) -> None:
    """W01 left FB on 07-13, his departure then; here he stays to 07-20. Re-planned as of 07-14
    the night of 07-13 is over without a bed: his stay is planned again from the date, as for
    someone arriving then, and the night without a bed is listed. Before: exit 2 ('stay dates:
    W01: FB 2026-07-06..2026-07-13, the stay's part there 2026-07-06..2026-07-16')."""
    season = _season(tmp_path)
    new = _scenario(
        tmp_path / "sc2", {}, [("W01,2026-07-06,2026-07-13,", "W01,2026-07-06,2026-07-20,")]
    )
    out = tmp_path / "replan"
    code, said = _solve(new, out, "--as-of", "2026-07-14", "--previous", str(season))
    assert code == 0, said
    assert verify_run(out) == []
    rows = _rows(out, "W01")
    assert rows[0] == ("FB", "2026-07-06", "2026-07-13")
    assert len(rows) > 1 and rows[1][1] == "2026-07-14", rows  # a bed again from the date
    with open(out / "plan" / "uncovered.csv", encoding="utf-8", newline="") as fh:
        gaps = [(r["from"], r["to"]) for r in csv.DictReader(fh) if r["worker_id"] == "W01"]
    assert ("2026-07-13", "2026-07-14") in gaps


def test_a_past_the_scenario_here_contradicts_and_its_run_too_is_still_refused(
    tmp_path: Path,
) -> None:
    """max_transfers lowered below a move made before the date: a rule of the scenario, not a
    fact of the nights lived, so still refused in one line (README)."""
    from tests.helpers import set_toml

    season = _season(tmp_path)
    new = _scenario(tmp_path / "sc2", {}, [])
    set_toml(new, "max_transfers = 1", "max_transfers = 0")
    out = tmp_path / "replan"
    code, said = _solve(new, out, "--as-of", "2026-07-18", "--previous", str(season))
    assert code == 2, said
    assert "housing.max_transfers: W02" in said
    assert not out.exists()


def _replanned(tmp_path: Path) -> Path:
    season = _season(tmp_path)
    new = _scenario(
        tmp_path / "sc2",
        {"FA": {"open_from": "2026-07-10"}},
        [("W03,2026-07-06,2026-07-13,", "W03,2026-07-06,2026-07-20,")],
    )
    out = tmp_path / "replan"
    code, said = _solve(new, out, "--as-of", "2026-07-11", "--previous", str(season))
    assert code == 0, said
    return out


def test_verify_refuses_a_forged_past_row(tmp_path: Path) -> None:
    """A bed before the date that the previous run did not plan (W06 at FA on 07-08..07-10,
    which FA's nights then allowed by the previous run's opening) is refused, restart or not."""
    out = _replanned(tmp_path)
    p = out / "plan" / "assignments.csv"
    p.write_text(
        p.read_text(encoding="utf-8") + "W06,FA,men,2026-07-08,2026-07-10\n", encoding="utf-8"
    )
    rehash(out, ["plan/assignments.csv"])
    problems = verify_run(out)
    assert (
        "plan/assignments.csv: W06 on 2026-07-08, before the re-plan's date 2026-07-11: FA/men, "
        "the previous plan (inputs/previous_assignments.csv) had no bed: a night that is over "
        "changed"
    ) in problems, problems


def test_verify_judges_the_past_by_the_previous_runs_openings(tmp_path: Path) -> None:
    """The previous run's geojson is what makes W03's nights before FA's corrected opening
    facts: with it saying FA opened on 07-10 too (as a forger would rewrite it), W03's past fits
    neither and verify refuses the bed before the opening."""
    out = _replanned(tmp_path)
    p = out / "inputs" / "previous_foresterie.geojson"
    p.write_text(
        p.read_text(encoding="utf-8").replace('"2026-07-08"', '"2026-07-10"'), encoding="utf-8"
    )
    rehash(out, ["inputs/previous_foresterie.geojson"])
    problems = verify_run(out)
    assert any("W03" in x and "FA" in x for x in problems), problems


def test_a_re_plan_whose_rules_begin_again_replays_identically(tmp_path: Path) -> None:
    """replay rebuilds the previous run from the re-plan's inputs/ (the previous run's
    geojson and workers.csv included), so it makes the same decision and the same files."""
    from typer.testing import CliRunner

    from foresterie.cli import app

    out = _replanned(tmp_path)
    r = CliRunner().invoke(app, ["replay", str(out), "--out", str(tmp_path / "again")])
    assert r.exit_code == 0, r.output


def test_verify_refuses_half_of_the_previous_runs_inputs(tmp_path: Path) -> None:
    """Without its workers.csv the previous run's geojson decides nothing (no restart), and a
    run that kept one and not the other is not one foresterie made."""
    out = _replanned(tmp_path)
    (out / "inputs" / "previous_workers.csv").unlink()
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    del m["inputs"]["previous_workers.csv"]
    (out / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    problems = verify_run(out)
    assert (
        "inputs/previous_foresterie.geojson without inputs/previous_workers.csv: the previous "
        "run's inputs, together"
    ) in problems, problems


def test_a_re_plan_of_a_re_plan_carries_whose_rules_began_again(tmp_path: Path) -> None:
    """The second re-plan (as of 07-15, of the first) reads W03's rules from 07-11, where the
    first began them again (its inputs/restarts.csv, carried on); so do its verify and replay.
    Before: exit 2, her bed from 07-08 read with FA's corrected opening."""
    from typer.testing import CliRunner

    from foresterie.cli import app

    first = _replanned(tmp_path)
    assert (first / "inputs" / "restarts.csv").read_text(encoding="utf-8") == (
        "worker_id,from,foresteria_id\nW03,2026-07-11,FA\n"
    )
    out = tmp_path / "second"
    code, said = _solve(tmp_path / "sc2", out, "--as-of", "2026-07-15", "--previous", str(first))
    assert code == 0, said
    assert verify_run(out) == []
    assert _rows(out, "W03") == [("FA", "2026-07-08", "2026-07-20")]
    assert (out / "inputs" / "restarts.csv").read_text(encoding="utf-8") == (
        "worker_id,from,foresteria_id\nW03,2026-07-11,FA\n"
    )
    r = CliRunner().invoke(app, ["replay", str(out), "--out", str(tmp_path / "again")])
    assert r.exit_code == 0, r.output


def test_a_stay_extended_then_re_planned_again_re_plans(tmp_path: Path) -> None:
    """W01's rules began again on 07-14 (his stay extended after a night without a bed); a
    second re-plan as of 07-15 reads them from 07-14, not from his arrival."""
    season = _season(tmp_path)
    new = _scenario(
        tmp_path / "sc2", {}, [("W01,2026-07-06,2026-07-13,", "W01,2026-07-06,2026-07-20,")]
    )
    first = tmp_path / "first"
    assert _solve(new, first, "--as-of", "2026-07-14", "--previous", str(season))[0] == 0
    out = tmp_path / "second"
    code, said = _solve(new, out, "--as-of", "2026-07-15", "--previous", str(first))
    assert code == 0, said
    assert verify_run(out) == []
    assert _rows(out, "W01")[:2] == _rows(first, "W01")[:2]


def test_verify_refuses_a_restart_the_files_do_not_show(tmp_path: Path) -> None:
    """inputs/restarts.csv's rows on the date are those the nights before it and the inputs
    show: a row added for W02 (whose past fits the scenario) would waive his whole-stay rules."""
    out = _replanned(tmp_path)
    p = out / "inputs" / "restarts.csv"
    p.write_text(p.read_text(encoding="utf-8") + "W02,2026-07-11,FB\n", encoding="utf-8")
    rehash(out, ["inputs/restarts.csv"])
    problems = verify_run(out)
    assert (
        "inputs/restarts.csv: W02: rules from 2026-07-11 at FB, the nights before 2026-07-11 and "
        "the inputs show no restart"
    ) in problems, problems


def test_whole_stays_a_site_whose_opening_was_corrected_on_nights_lived_re_plans(
    tmp_path: Path,
) -> None:
    """Whole stays (tiny): those at FA from 07-06 slept there before the corrected opening
    (07-08). Re-planned as of 07-09 their beds go on from the date (one bed for the stay from
    it, glued to the nights kept: one row), and the re-plan verifies. Before: exit 2."""
    import shutil

    from tests.helpers import TINY

    season_sc = tmp_path / "sc1"
    shutil.copytree(TINY, season_sc)
    season = tmp_path / "season"
    assert _solve(season_sc, season)[0] == 0
    with open(season / "plan" / "assignments.csv", encoding="utf-8", newline="") as fh:
        at_fa = sorted(
            (r["worker_id"], r["from"], r["to"])
            for r in csv.DictReader(fh)
            if r["foresteria_id"] == "FA" and r["from"] < "2026-07-08"
        )
    assert at_fa, "nobody at FA before 07-08 in the season: the test proves nothing"
    new = tmp_path / "sc2"
    shutil.copytree(TINY, new)
    p = new / "foresterie.geojson"
    data = json.loads(p.read_text(encoding="utf-8"))
    for f in data["features"]:
        if f["properties"]["id"] == "FA":
            f["properties"]["open_from"] = "2026-07-08"
    p.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "replan"
    code, said = _solve(new, out, "--as-of", "2026-07-09", "--previous", str(season))
    assert code == 0, said
    assert verify_run(out) == []
    for wid, start, end in at_fa:
        assert _rows(out, wid) == [("FA", start, end)]
