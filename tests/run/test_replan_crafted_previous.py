"""A re-plan reads its previous run's plan as a file someone may have edited (session 18, task
I.3): two beds for one person on a night, a bed outside the stay the previous run planned, a
plan/ file changed since its run sealed it: refused before planning, in one line naming the
file, the row and the field, exit 2, nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from tests.helpers import TINY, rehash


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("season") / "tiny"
    r = CliRunner().invoke(app, ["solve", str(TINY), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


def _crafted(season: Path, tmp_path: Path, old: str, new: str, seal: bool = True) -> Path:
    """A copy of the season run whose plan/assignments.csv has `old` replaced by `new`, re-hashed
    in its manifest as a forger would (`seal`)."""
    run = tmp_path / "prev"
    shutil.copytree(season, run)
    p = run / "plan" / "assignments.csv"
    text = p.read_text(encoding="utf-8")
    assert old in text, old
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    if seal:
        rehash(run, ["plan/assignments.csv"])
    return run


def _replan(previous: Path, out: Path) -> tuple[int, list[str]]:
    args = ["solve", str(TINY), "--as-of", "2026-07-09", "--previous", str(previous)]
    r = CliRunner().invoke(app, [*args, "--out", str(out)])
    return r.exit_code, [x for x in r.output.splitlines() if x.startswith("error")]


def test_two_beds_on_one_night_are_refused_at_the_row(season: Path, tmp_path: Path) -> None:
    # W01 also in a second bed 07-07..07-10, while in FA 07-06..07-13 (row 2)
    line = "W01,FA,men,2026-07-06,2026-07-13\n"
    prev = _crafted(season, tmp_path, line, line + "W01,FA,men,2026-07-07,2026-07-10\n")
    out = tmp_path / "replan"
    code, errors = _replan(prev, out)
    assert code == 2, errors
    assert errors == [
        f"error: {prev / 'plan' / 'assignments.csv'}:3: from: W01: a bed at FA "
        "2026-07-07..2026-07-10 while in one at FA 2026-07-06..2026-07-13 (row 2): two beds on "
        "the night of 2026-07-07"
    ], errors
    assert not out.exists()


def test_a_bed_before_the_stay_the_previous_run_planned_is_refused(
    season: Path, tmp_path: Path
) -> None:
    # W02 arrived on 07-06 (the previous run's inputs/workers.csv): a bed from 07-02 is made up
    prev = _crafted(
        season, tmp_path, "W02,FA,men,2026-07-06,2026-07-13", "W02,FA,men,2026-07-02,2026-07-13"
    )
    out = tmp_path / "replan"
    code, errors = _replan(prev, out)
    assert code == 2, errors
    assert errors == [
        f"error: {prev / 'plan' / 'assignments.csv'}:3: from: W02: a bed 2026-07-02..2026-07-13 "
        "outside the stay 2026-07-06..2026-07-13 the previous run planned (inputs/workers.csv): "
        "not a plan it made"
    ], errors
    assert not out.exists()


def test_a_bed_after_the_stay_and_a_bed_of_nobody_are_refused(season: Path, tmp_path: Path) -> None:
    prev = _crafted(
        season,
        tmp_path,
        "W04,FB,family,2026-07-06,2026-07-11",
        "W04,FB,family,2026-07-06,2026-07-14",
    )
    code, errors = _replan(prev, tmp_path / "a")
    assert code == 2 and len(errors) == 1, errors
    assert (
        ":5: to: W04: a bed 2026-07-06..2026-07-14 outside the stay 2026-07-06..2026-07-11"
        in (errors[0])
    )
    line = "W05,FB,family,2026-07-06,2026-07-11\n"
    shutil.rmtree(prev)
    prev = _crafted(season, tmp_path, line, line + "X99,FB,family,2026-07-06,2026-07-11\n")
    code, errors = _replan(prev, tmp_path / "b")
    assert code == 2 and len(errors) == 1, errors
    assert ":7: worker_id: X99 is not one of the previous run's people" in errors[0], errors


def test_a_bed_of_no_night_is_refused(season: Path, tmp_path: Path) -> None:
    prev = _crafted(
        season, tmp_path, "W03,FA,women,2026-07-06,2026-07-13", "W03,FA,women,2026-07-13,2026-07-13"
    )
    code, errors = _replan(prev, tmp_path / "replan")
    assert code == 2 and len(errors) == 1, errors
    assert ":4: to: W03: a bed from 2026-07-13 to 2026-07-13: no night" in errors[0], errors


def test_a_plan_edited_after_its_run_sealed_it_is_refused(season: Path, tmp_path: Path) -> None:
    # not re-hashed: the manifest's plan sha256 no longer matches
    prev = _crafted(
        season,
        tmp_path,
        "W02,FA,men,2026-07-06,2026-07-13",
        "W02,FB,men,2026-07-06,2026-07-13",
        seal=False,
    )
    out = tmp_path / "replan"
    code, errors = _replan(prev, out)
    assert code == 2, errors
    assert errors == [
        f"error: {prev / 'plan' / 'assignments.csv'}: file: changed since its run was made "
        "(sha256 differs from manifest.json's plan)"
    ], errors
    assert not out.exists()


def test_the_untouched_previous_run_re_plans(season: Path, tmp_path: Path) -> None:
    code, errors = _replan(season, tmp_path / "replan")
    assert code == 0 and not errors, errors


def test_the_previous_days_left_behind_edited_are_refused(season: Path, tmp_path: Path) -> None:
    """plan/unserved.csv (the days left behind the re-plan's rotation starts from) is read as
    sealed too: W03 taken off 07-08's row, not re-hashed."""
    prev = tmp_path / "prev"
    shutil.copytree(season, prev)
    p = prev / "plan" / "unserved.csv"
    text = p.read_text(encoding="utf-8")
    assert text.rstrip().endswith(",W03"), text
    p.write_text(text.rstrip()[: -len("W03")] + "W01\n", encoding="utf-8")
    out = tmp_path / "replan"
    code, errors = _replan(prev, out)
    assert code == 2, errors
    assert errors == [
        f"error: {p}: file: changed since its run was made (sha256 differs from manifest.json's "
        "plan)"
    ], errors
    assert not out.exists()
