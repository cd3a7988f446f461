"""What a re-plan refuses (review 15, finding 13's first and second bullets, and finding 6's
past nights): a previous run of another season, a date outside the season, and (verify) a plan
that changed a night before its date."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.verify import verify_run
from tests.helpers import PARTIAL, TINY, rehash, set_toml


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("season") / "tiny"
    r = CliRunner().invoke(app, ["solve", str(TINY), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


def _replan(folder: Path, season: Path, as_of: str, out: Path) -> tuple[int, str]:
    args = ["solve", str(folder), "--as-of", as_of, "--previous", str(season), "--out", str(out)]
    r = CliRunner().invoke(app, args)
    return r.exit_code, r.output


def _copy(tmp_path: Path, old: str = "", new: str = "") -> Path:
    folder = tmp_path / "sc"
    shutil.copytree(TINY, folder)
    if old:
        p = folder / "workers.csv"
        text = p.read_text(encoding="utf-8-sig")
        assert old in text, old
        p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def test_a_previous_run_of_another_scenario_name_is_refused(season: Path, tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    set_toml(folder, 'name = "tiny"', 'name = "other"')
    out = tmp_path / "replan"
    code, said = _replan(folder, season, "2026-07-08", out)
    assert code == 2, said
    assert (
        "manifest.json: scenario.name: the previous run is of scenario 'tiny', this one is "
        "'other': a re-plan continues its own season's run"
    ) in said
    assert len([x for x in said.splitlines() if x.startswith("error")]) == 1, said
    assert not out.exists()


def test_a_previous_run_whose_people_are_in_other_sections_is_refused(
    season: Path, tmp_path: Path
) -> None:
    # W01 slept in a men's bed 07-06..07-07; here a woman: not this season's W01
    folder = _copy(tmp_path, "W01,2026-07-06,2026-07-13,men,", "W01,2026-07-06,2026-07-13,women,")
    out = tmp_path / "replan"
    code, said = _replan(folder, season, "2026-07-08", out)
    assert code == 2, said
    assert (
        "not a previous run of this season: W01 was housed in men's beds before 2026-07-08, is "
        "women here"
    ) in said, said
    assert not out.exists()


def test_people_gone_or_arrived_later_keep_only_the_nights_of_their_stay_here(
    season: Path, tmp_path: Path
) -> None:
    # W03 is gone (an intake drops a no-show), W02's arrival is recorded a night later: the
    # re-plan keeps the previous nights inside the stays this scenario records, and verifies
    folder = _copy(tmp_path, "W03,2026-07-06,2026-07-13,women,,F2,1,true,,Aïssatou Ba\n", "")
    p = folder / "workers.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("W02,2026-07-06,", "W02,2026-07-07,"))
    out = tmp_path / "replan"
    code, said = _replan(folder, season, "2026-07-08", out)
    assert code == 0, said
    rows = {a["worker_id"]: a for a in _rows(out / "plan" / "assignments.csv")}
    was = {a["worker_id"]: a for a in _rows(season / "plan" / "assignments.csv")}
    assert "W03" not in rows and "W03" in was
    assert rows["W02"]["from"] == "2026-07-07" and was["W02"]["from"] == "2026-07-06"
    assert rows["W01"] == was["W01"]
    assert verify_run(out) == []


@pytest.mark.parametrize("day", ["2026-06-30", "2027-07-08"])
def test_a_date_outside_the_season_is_refused(season: Path, tmp_path: Path, day: str) -> None:
    out = tmp_path / "replan"
    code, said = _replan(TINY, season, day, out)
    assert code == 2, said
    assert f"--as-of: date: {day} is outside the season 2026-07-01..2026-07-31" in said, said
    assert not out.exists()


def test_a_date_inside_the_season_whose_people_agree_re_plans(season: Path, tmp_path: Path) -> None:
    # W01 leaves early (07-10 instead of 07-13): a change from the date on, which a re-plan allows
    folder = _copy(tmp_path, "W01,2026-07-06,2026-07-13,", "W01,2026-07-06,2026-07-10,")
    out = tmp_path / "replan"
    code, said = _replan(folder, season, "2026-07-08", out)
    assert code == 0, said
    changed = _rows(out / "plan" / "replan_changes.csv")
    assert [c["worker_id"] for c in changed] == ["W01"], changed
    assert changed[0]["now"].endswith("2026-07-08..2026-07-10"), changed


def test_verify_refuses_a_past_night_changed(tmp_path: Path) -> None:
    """PARTIAL re-planned as of 07-18: W02's nights at FB 07-05..07-15 are over. A forger who
    moves his first night (FB from 07-06) and re-hashes the plan is refused, naming the night."""
    season = tmp_path / "season"
    r = CliRunner().invoke(app, ["solve", str(PARTIAL), "--out", str(season)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "replan"
    code, said = _replan(PARTIAL, season, "2026-07-18", out)
    assert code == 0, said
    assert verify_run(out) == []

    def before(run: Path) -> list[str]:
        rows = (run / "plan" / "occupancy.csv").read_text(encoding="utf-8").splitlines()
        return [x for x in rows[1:] if x.split(",")[1] < "2026-07-18"]

    assert before(out) == before(season)  # every night before the date as it was
    forged = tmp_path / "forged"
    shutil.copytree(out, forged)
    p = forged / "plan" / "assignments.csv"
    text = p.read_text(encoding="utf-8")
    assert "W02,FB,men,2026-07-05," in text
    p.write_text(text.replace("W02,FB,men,2026-07-05,", "W02,FB,men,2026-07-06,"), encoding="utf-8")
    rehash(forged, ["plan/assignments.csv"])
    assert (
        "plan/assignments.csv: W02 on 2026-07-05, before the re-plan's date 2026-07-18: no bed, "
        "the previous plan (inputs/previous_assignments.csv) had FB/men: a night that is over "
        "changed"
    ) in verify_run(forged)
