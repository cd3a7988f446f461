"""What an auditor and a mid-season re-plan are promised (review 15, findings 5, 3 and 7): a
lottery season re-plans; replay refuses inputs that are not the scenario solved and a manifest
that misstates the seed, budgets or KPIs; verify refuses a forged re-plan date or backend."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.verify import verify_run
from tests.helpers import PARTIAL, TINY, edit_features, rehash, set_toml


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def _solve(*args: str) -> None:
    r = CliRunner().invoke(app, ["solve", *args])
    assert r.exit_code == 0, r.output


def _replay(run: Path, out: Path) -> tuple[int, str]:
    r = CliRunner().invoke(app, ["replay", str(run), "--out", str(out)])
    return r.exit_code, r.output


@pytest.fixture(scope="module")
def lottery(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(scenario, season run, its re-plan as of 07-08): five equals (W01, W10..W13, men from
    07-06, priority 0, farm F1) for the four men's beds left after W02 (priority 3); the draw
    waitlists one of them, who has arrived before the re-plan's date."""
    tmp = tmp_path_factory.mktemp("lottery")
    folder = tmp / "lot"
    shutil.copytree(TINY, folder)
    set_toml(folder, "max_commute_min = 60", "max_commute_min = 60\nlottery = true")
    p = folder / "workers.csv"
    text = p.read_text(encoding="utf-8-sig")
    text += "".join(f"W{i},2026-07-06,2026-07-13,men,,F1,0,false,,X\n" for i in (10, 11, 12, 13))
    p.write_text(text, encoding="utf-8")
    season, replan = tmp / "season", tmp / "replan"
    _solve(str(folder), "--out", str(season))
    _solve(str(folder), "--as-of", "2026-07-08", "--previous", str(season), "--out", str(replan))
    return folder, season, replan


def test_a_lottery_season_re_plans_with_the_draws_loser_waitlisted_before_the_date(
    lottery: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    folder, season, replan = lottery
    lost = [w["worker_id"] for w in _rows(season / "plan" / "waitlist.csv")]
    five = {"W01", "W10", "W11", "W12", "W13"}
    assert len(set(lost) & five) == 1, lost  # the draw decided one of them in the season run
    loser = next(w for w in lost if w in five)
    wait = {w["worker_id"]: w["code"] for w in _rows(replan / "plan" / "waitlist.csv")}
    # waitlisted before 07-08 with nights left: planned again from the date by the same tiers
    # and the same ticket (seed, key and id only), so the draw's loser loses again
    assert wait[loser] in ("full", "outranked"), wait
    season_tickets = (season / "restricted" / "lottery.csv").read_text()
    assert (replan / "restricted" / "lottery.csv").read_text() == season_tickets
    assert f"\n{loser}," in season_tickets
    assert verify_run(replan) == []
    code, said = _replay(replan, tmp_path / "again")
    assert code == 0 and "identical" in said, said
    # as of their departure no night is left: `past`, and still everyone's ticket is written
    late = tmp_path / "late"
    _solve(str(folder), "--as-of", "2026-07-13", "--previous", str(season), "--out", str(late))
    wait = {w["worker_id"]: w["code"] for w in _rows(late / "plan" / "waitlist.csv")}
    assert wait[loser] == "past"
    assert (late / "restricted" / "lottery.csv").read_text() == season_tickets
    assert verify_run(late) == []


# ------------------------------------------------------------------ replay: what was solved


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "tiny"
    _solve(str(TINY), "--out", str(out))
    return out


def _forged(run: Path, tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of the run with `name` edited and re-hashed in the manifest, as a forger would."""
    copy = tmp_path / "forged"
    shutil.copytree(run, copy)
    p = copy / name
    text = p.read_text(encoding="utf-8")
    assert old in text, (name, old)
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    rehash(copy, [name])
    return copy


def test_replay_refuses_an_input_edit_that_leaves_the_plan_as_it_is(
    run_dir: Path, tmp_path: Path
) -> None:
    # W07's contract flipped: no entry rule reads it in this scenario, so the plan would be the
    # same; the inputs are not what was solved all the same.
    line = next(
        x for x in (run_dir / "inputs" / "workers.csv").read_text().splitlines() if "W07" in x
    )
    assert line.endswith(",false")
    forged = _forged(run_dir, tmp_path, "inputs/workers.csv", line, line[: -len("false")] + "true")
    was = json.loads((run_dir / "manifest.json").read_text())["scenario"]["snapshot_hash"]
    code, said = _replay(forged, tmp_path / "replay")
    assert code == 1, said
    lines = [x for x in said.splitlines() if x.startswith("differs:")]
    assert len(lines) == 1 and lines[0].startswith("differs: inputs/: not what was solved"), said
    assert f"the manifest says {was[:8]}..." in lines[0]
    assert not (tmp_path / "replay").exists()  # refused before solving: nothing written


def test_a_comment_added_to_the_snapshots_scenario_keeps_its_hash(
    run_dir: Path, tmp_path: Path
) -> None:
    forged = _forged(
        run_dir, tmp_path, "inputs/scenario.toml", "[scenario]", "# a note\n[scenario]"
    )
    assert verify_run(forged) == []
    code, said = _replay(forged, tmp_path / "replay")
    assert code == 0 and "identical" in said, said


def _edit_manifest(run: Path, tmp_path: Path, path: tuple[str, ...], value: Any) -> Path:
    copy = tmp_path / "forged"
    shutil.copytree(run, copy)
    m = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    here = m
    for k in path[:-1]:
        here = here[k]
    here[path[-1]] = value(here[path[-1]])
    (copy / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    return copy


@pytest.mark.parametrize(
    ("path", "value", "expect"),
    [
        (("seed",), lambda s: s + 1, "differs: manifest.json: seed 8, the replay 7"),
        (
            ("budgets", "shuttle_iterations"),
            lambda n: n + 1,
            "differs: manifest.json: budgets.shuttle_iterations 301, the replay 300",
        ),
        (
            ("kpis", "housing", "housed"),
            lambda n: n + 1,
            "differs: manifest.json: kpis.housing.housed ",
        ),
    ],
)
def test_replay_names_a_manifest_that_misstates_how_the_plan_was_made(
    run_dir: Path, tmp_path: Path, path: tuple[str, ...], value: Any, expect: str
) -> None:
    forged = _edit_manifest(run_dir, tmp_path, path, value)
    code, said = _replay(forged, tmp_path / "replay")
    assert code == 1, said
    first = next(x for x in said.splitlines() if x.startswith("differs:"))
    assert first.startswith(expect), said
    assert "plan files differ" not in said  # the plan itself is reproduced


# ------------------------------------------------------------------ verify: the manifest's record


@pytest.mark.parametrize(
    ("which", "path", "value", "expect"),
    [
        (
            "season",
            ("replan", "as_of"),
            lambda _: "2026-07-05",
            "manifest.json: replan.as_of 2026-07-05, and inputs/ has no previous_assignments.csv",
        ),
        (
            "replan",
            ("replan", "as_of"),
            lambda _: None,
            "inputs/previous_assignments.csv: a previous plan, and manifest.json's replan.as_of "
            "is null",
        ),
        (
            "season",
            ("scenario", "travel_backend"),
            lambda _: "osrm",
            "manifest.json: scenario.travel_backend 'osrm', inputs/scenario.toml records the "
            "haversine matrix",
        ),
        (
            "season",
            ("travel", "backend"),
            lambda _: "osrm",
            "manifest.json: travel.backend 'osrm', inputs/scenario.toml records the haversine "
            "matrix",
        ),
    ],
)
def test_verify_refuses_a_forged_replan_date_or_travel_backend(
    lottery: tuple[Path, Path, Path],
    tmp_path: Path,
    which: str,
    path: tuple[str, ...],
    value: Any,
    expect: str,
) -> None:
    _, season, replan = lottery
    run = season if which == "season" else replan
    assert verify_run(run) == []
    found = verify_run(_edit_manifest(run, tmp_path, path, value))
    assert any(v.startswith(expect) for v in found), found


# ------------------------------------------------------------------ re-plan: nights that are over


def test_a_newcomer_who_arrived_before_the_replan_is_planned_from_its_date(
    run_dir: Path, tmp_path: Path
) -> None:
    # N01 (men, 07-06..07-13) and N02 (men, 07-02..07-05) are unknown to the season run; the
    # re-plan is as of 07-08. Nobody put N01 in a bed on 07-06 or 07-07: those nights stay as
    # the season had them, and N01 is planned from 07-08; N02's whole stay is over.
    folder = tmp_path / "more"
    shutil.copytree(TINY, folder)
    p = folder / "workers.csv"
    text = p.read_text(encoding="utf-8-sig")
    text += "N01,2026-07-06,2026-07-13,men,,F1,0,false,,X\nN02,2026-07-02,2026-07-05,men,,F1,0,false,,Y\n"
    p.write_text(text, encoding="utf-8")
    out = tmp_path / "replan"
    r = CliRunner().invoke(
        app,
        [
            "solve",
            str(folder),
            "--as-of",
            "2026-07-08",
            "--previous",
            str(run_dir),
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "2 people the previous run does not know arrived before 2026-07-08" in r.output

    def before(run: Path) -> list[str]:
        rows = (run / "plan" / "occupancy.csv").read_text().splitlines()
        return [x for x in rows[1:] if x.split(",")[1] < "2026-07-08"]

    assert before(out) == before(run_dir)
    spans = [a for a in _rows(out / "plan" / "assignments.csv") if a["worker_id"] == "N01"]
    assert [(a["from"], a["to"]) for a in spans] == [("2026-07-08", "2026-07-13")], spans
    wait = {w["worker_id"]: w["code"] for w in _rows(out / "plan" / "waitlist.csv")}
    assert wait.get("N02") == "past" and "N01" not in wait
    arrival = {w["worker_id"]: w["arrival"] for w in _rows(out / "inputs" / "workers.csv")}
    assert arrival["N01"] == "2026-07-08"  # what the model read; replay reads it again
    assert verify_run(out) == []
    code, said = _replay(out, tmp_path / "again")
    assert code == 0 and "identical" in said, said
    # Forged back to a bed from the arrival, re-hashed: verify says the nights are over.
    span = "N01,FA,men,2026-07-08," if "N01,FA," in _text(out) else "N01,FB,men,2026-07-08,"
    forged = _forged(out, tmp_path, "plan/assignments.csv", span, span.replace("07-08", "07-06"))
    assert (
        "plan/assignments.csv: N01 in a bed from 2026-07-06, before the re-plan's date "
        "2026-07-08, and not in inputs/previous_assignments.csv: nights that are over"
    ) in verify_run(forged)


def _text(run: Path) -> str:
    return (run / "plan" / "assignments.csv").read_text(encoding="utf-8")


def test_a_residents_transfer_to_come_is_held_and_a_withdrawn_one_is_listed(
    tmp_path: Path,
) -> None:
    # PARTIAL: W02 (priority 3) sleeps at Borgo Mezzanone (FB) and moves to Fortore (FA) when FB
    # closes after 07-15. Three newcomers of priority 3 want FA's three men's beds 07-16..07-20:
    # the re-plan as of 07-10 holds W02's move (two newcomers get the other beds); with FA's
    # men's beds gone the move cannot be held, and plan/replan_changes.csv says so.
    season = tmp_path / "season"
    _solve(str(PARTIAL), "--out", str(season))
    was = [a for a in _rows(season / "plan" / "assignments.csv") if a["worker_id"] == "W02"]
    assert [(a["foresteria_id"], a["from"], a["to"]) for a in was] == [
        ("FB", "2026-07-05", "2026-07-16"),
        ("FA", "2026-07-16", "2026-07-20"),
    ]
    folder = tmp_path / "more"
    shutil.copytree(PARTIAL, folder)
    with (folder / "workers.csv").open("a", encoding="utf-8") as fh:
        fh.writelines(f"N0{i},2026-07-16,2026-07-20,men,,F1,3,false,\n" for i in (1, 2, 3))
    out = tmp_path / "replan"
    args = ["--as-of", "2026-07-10", "--previous", str(season), "--out", str(out)]
    r = CliRunner().invoke(app, ["solve", str(folder), *args])
    assert r.exit_code == 0, r.output
    now = [a for a in _rows(out / "plan" / "assignments.csv") if a["worker_id"] == "W02"]
    assert now == was
    at_fa = {
        a["worker_id"]
        for a in _rows(out / "plan" / "assignments.csv")
        if a["foresteria_id"] == "FA"
    }
    assert len(at_fa & {"N01", "N02", "N03"}) == 2
    assert _rows(out / "plan" / "replan_changes.csv") == []
    assert "not those the previous run planned" not in r.output
    assert verify_run(out) == []
    code, said = _replay(out, tmp_path / "again")
    assert code == 0 and "identical" in said, said
    # FA loses its men's beds: the move cannot be kept; W02 stays at FB to its closing, listed
    edit_features(folder / "foresterie.geojson", 0, beds_men=0)
    out2 = tmp_path / "replan2"
    args[-1] = str(out2)
    r = CliRunner().invoke(app, ["solve", str(folder), *args])
    assert r.exit_code == 0, r.output
    assert _rows(out2 / "plan" / "replan_changes.csv") == [
        {
            "worker_id": "W02",
            "was": "FB 2026-07-10..2026-07-16;FA 2026-07-16..2026-07-20",
            "now": "FB 2026-07-10..2026-07-16",
        }
    ]
    assert (
        "warning: 1 person arrived before 2026-07-10: their beds from 2026-07-10 are not those "
        "the previous run planned (plan/replan_changes.csv): W02"
    ) in r.output
    assert json.loads((out2 / "manifest.json").read_text())["replan"]["residents_changed"] == 1
    assert verify_run(out2) == []


def test_a_promise_is_weighed_against_residents_only_not_later_arrivals(tmp_path: Path) -> None:
    # PARTIAL plus two men due on 07-12 whom the season puts at Fortore (FA) beside W02's move
    # there on 07-16 (FA's three men's beds full). Re-planned as of 07-10 with FA down to two
    # men's beds: W02 alone (the only resident) fits them, so his move is held, and the two not
    # yet arrived compete for the one bed left.
    folder = tmp_path / "more"
    shutil.copytree(PARTIAL, folder)
    with (folder / "workers.csv").open("a", encoding="utf-8") as fh:
        fh.writelines(f"L0{i},2026-07-12,2026-07-20,men,,F1,0,false,FA\n" for i in (1, 2))
    season = tmp_path / "season"
    _solve(str(folder), "--out", str(season))
    fa = {
        a["worker_id"]
        for a in _rows(season / "plan" / "assignments.csv")
        if a["foresteria_id"] == "FA"
    }
    assert {"W02", "L01", "L02"} <= fa
    set_workers = (folder / "workers.csv").read_text(encoding="utf-8")
    (folder / "workers.csv").write_text(
        set_workers.replace(",false,FA\n", ",false,\n"), encoding="utf-8"
    )
    edit_features(folder / "foresterie.geojson", 0, beds_men=2)
    out = tmp_path / "replan"
    _solve(str(folder), "--as-of", "2026-07-10", "--previous", str(season), "--out", str(out))
    now = [a for a in _rows(out / "plan" / "assignments.csv") if a["worker_id"] == "W02"]
    assert [a["foresteria_id"] for a in now] == ["FB", "FA"], now
    assert _rows(out / "plan" / "replan_changes.csv") == []
    assert verify_run(out) == []


def test_a_re_plan_drives_from_its_date_on_and_leaves_the_driven_days_alone(
    lottery: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """Review 17 (finding 8): a re-plan re-planned the shuttles of days already driven (other
    trips, riders dropped, the season's unserved figure cut by a re-invented past). Its
    shuttles now start at its date: no trip, rider or unserved row before it; from it on, the
    same riders are owed a ride; the verifier refuses a trip put back before the date."""
    _, season, replan = lottery
    as_of = "2026-07-08"
    for name in ("trips.csv", "unserved.csv"):
        assert all(r["day"] >= as_of for r in _rows(replan / "plan" / name)), name
    before = [r for r in _rows(season / "plan" / "trips.csv") if r["day"] < as_of]
    assert before  # the season run drove those days: the test can fail

    # every rider the season run carried from the date on is carried or listed by the re-plan
    # (the same people; seats may differ where the beds moved)
    def rode(run: Path) -> set[tuple[str, str]]:
        day = {t["trip_id"]: t["day"] for t in _rows(run / "plan" / "trips.csv")}
        return {(day[r["trip_id"]], r["worker_id"]) for r in _rows(run / "plan" / "riders.csv")}

    left = {
        (u["day"], w)
        for u in _rows(replan / "plan" / "unserved.csv")
        for w in u["worker_ids"].split()
    }
    assert {(d, w) for d, w in rode(season) if d >= as_of} <= rode(replan) | left
    # a trip of a driven day copied back into the re-plan: a ride not owed
    forged = tmp_path / "forged"
    shutil.copytree(replan, forged)
    trips = (forged / "plan" / "trips.csv").read_text(encoding="utf-8").splitlines()
    day, rest = trips[1].split(",", 1)
    trips.append(f"2026-07-07,{rest.replace(day, '2026-07-07')}")  # its id too
    riders = (forged / "plan" / "riders.csv").read_text(encoding="utf-8").splitlines()
    trip = trips[-1].split(",")[3]
    was = trip.replace("2026-07-07", day)
    riders += [ln.replace(was, trip) for ln in riders[1:] if ln.startswith(was + ",")]
    (forged / "plan" / "riders.csv").write_text("\n".join(riders) + "\n", encoding="utf-8")
    (forged / "plan" / "trips.csv").write_text("\n".join(trips) + "\n", encoding="utf-8")
    rehash(forged, ["plan/trips.csv", "plan/riders.csv"])
    said = verify_run(forged)
    assert any("2026-07-07" in line for line in said), said
