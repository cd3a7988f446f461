"""A mid-season re-plan (`solve --as-of --previous`) treats the people already there as
`foresterie intake` does (review 15, findings 14, 12, 10): whoever arrived without a bed is
planned from the date by the same tiers, a group is one unit, a resident keeps the bed they
sleep in, transfers made included."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.verify import verify_run
from tests.helpers import PARTIAL, TINY, edit_features


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _scenario(src: Path, dest: Path, extra: list[str], edits: dict[str, str] | None = None) -> Path:
    """A copy of `src` with worker rows appended (and fields of existing rows replaced:
    `edits` maps an old row's text to the new one)."""
    shutil.copytree(src, dest)
    p = dest / "workers.csv"
    text = p.read_text(encoding="utf-8")
    for old, new in (edits or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    p.write_text(text.rstrip("\n") + "\n" + "".join(f"{r}\n" for r in extra), encoding="utf-8")
    return dest


def _solve(scenario: Path, out: Path, *replan: str) -> None:
    r = CliRunner().invoke(app, ["solve", str(scenario), *replan, "--out", str(out)])
    assert r.exit_code == 0, r.output


def _by_worker(run: Path, name: str) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for r in _rows(run / "plan" / name):
        out.setdefault(r["worker_id"], []).append(r)
    return out


# tiny (whole stays): two families who stay past Borgo Mezzanone's closing (07-20) wait
# `closed`; G3's members arrive on both sides of the re-plan date (07-09 and 07-11).
FAMILIES = [
    "W08,2026-07-08,2026-07-22,family,G2,F2,3,false,,",
    "W09,2026-07-08,2026-07-22,family,G2,F2,3,false,,",
    "W10,2026-07-09,2026-07-22,family,G3,F2,2,false,,",
    "W11,2026-07-11,2026-07-22,family,G3,F2,2,false,,",
]


def test_waitlisted_before_as_of_are_planned_from_it_by_priority_and_groups_stay_whole(
    tmp_path: Path,
) -> None:
    base = _scenario(TINY, tmp_path / "sc", FAMILIES)
    season = tmp_path / "season"
    _solve(base, season)
    waited = _by_worker(season, "waitlist.csv")
    assert {"W08", "W09", "W10", "W11"} <= set(waited)  # no family beds open for the stays
    # Mid-season Borgo Mezzanone stays open to the end and adds family rooms (2 -> 6); a new
    # priority-0 family (G4) arrives on the re-plan date: on the night of 07-10 G1 still holds
    # 2 beds, so 4 are free for G2 (priority 3, waiting since 07-08), G3 (priority 2) and G4.
    new = _scenario(
        TINY,
        tmp_path / "sc2",
        [*FAMILIES, *(f"W1{i},2026-07-10,2026-07-22,family,G4,F2,0,false,," for i in (2, 3))],
    )
    edit_features(new / "foresterie.geojson", 1, beds_family=6, open_to="2026-07-31")
    out = tmp_path / "replan"
    _solve(new, out, "--as-of", "2026-07-10", "--previous", str(season))
    assert verify_run(out) == []  # no "group split": G3 is planned as one unit
    housed = _by_worker(out, "assignments.csv")
    for w, start in (("W08", "2026-07-10"), ("W09", "2026-07-10"), ("W10", "2026-07-10")):
        assert [(a["foresteria_id"], a["from"], a["to"]) for a in housed[w]] == [
            ("FB", start, "2026-07-22")
        ], w
    assert [(a["foresteria_id"], a["from"]) for a in housed["W11"]] == [("FB", "2026-07-11")]
    waiting = _by_worker(out, "waitlist.csv")
    assert "W12" in waiting and "W13" in waiting and waiting["W12"][0]["code"] == "full"
    assert not any(r[0]["code"] == "past" for r in waiting.values())
    # G1 (housed, arrived 07-06) stays where it was; the snapshot records the arrival the model
    # read for those planned from the date, as an intake does
    assert housed["W04"] == _by_worker(season, "assignments.csv")["W04"]
    arrivals = {w["worker_id"]: w["arrival"] for w in _rows(out / "inputs" / "workers.csv")}
    assert arrivals["W08"] == arrivals["W10"] == "2026-07-10" and arrivals["W11"] == "2026-07-11"


def test_a_group_whose_member_left_before_as_of_stays_past_whole(tmp_path: Path) -> None:
    """W10 left on 07-10 without a bed: G3 cannot be housed whole from the date, so neither
    member is (W11 alone would be a split the verifier refuses)."""
    rows = [*FAMILIES[:2], FAMILIES[2].replace("2026-07-22", "2026-07-10"), FAMILIES[3]]
    base = _scenario(TINY, tmp_path / "sc", rows)
    season = tmp_path / "season"
    _solve(base, season)
    new = tmp_path / "sc2"
    shutil.copytree(base, new)
    edit_features(new / "foresterie.geojson", 1, beds_family=6, open_to="2026-07-31")
    out = tmp_path / "replan"
    _solve(new, out, "--as-of", "2026-07-10", "--previous", str(season))
    assert verify_run(out) == []
    waiting = _by_worker(out, "waitlist.csv")
    assert waiting["W10"][0]["code"] == waiting["W11"][0]["code"] == "past"
    assert {"W08", "W09"} <= set(_by_worker(out, "assignments.csv"))


def test_a_groups_past_reason_is_said_once_by_every_later_re_plan(tmp_path: Path) -> None:
    """Review 19 S, LOW-B, for a group (review 19, X1's fix, untested until now): a re-plan from
    a re-plan carries the group's reason of the first re-plan that said it, under its own date,
    never one clause per re-plan ("group waitlisted before 07-12, ...: group waitlisted before
    07-10, ...: ...")."""
    rows = [*FAMILIES[:2], FAMILIES[2].replace("2026-07-22", "2026-07-10"), FAMILIES[3]]
    base = _scenario(TINY, tmp_path / "sc", rows)
    season = tmp_path / "season"
    _solve(base, season)
    first, second = tmp_path / "first", tmp_path / "second"
    _solve(base, first, "--as-of", "2026-07-10", "--previous", str(season))
    _solve(base, second, "--as-of", "2026-07-12", "--previous", str(first))
    assert verify_run(second) == []
    was = {w: rs[0]["reason"] for w, rs in _by_worker(season, "waitlist.csv").items()}
    group = "group waitlisted before {}, a member's stay over by then: "
    alone = "waitlisted before {}, no night left: "
    for run, day in ((first, "2026-07-10"), (second, "2026-07-12")):
        now = {w: rs[0] for w, rs in _by_worker(run, "waitlist.csv").items()}
        assert now["W11"]["code"] == now["W10"]["code"] == "past"
        assert now["W11"]["reason"] == group.format(day) + was["W11"], now["W11"]
        assert now["W10"]["reason"] == alone.format(day) + was["W10"], now["W10"]


def test_a_resident_who_moved_before_as_of_keeps_the_bed_they_sleep_in(tmp_path: Path) -> None:
    # partial: W02 sleeps at Borgo Mezzanone (FB) to its closing, then at Fortore (FA) from
    # 07-16 to 07-20; here at priority 0, so three priority-3 men arriving on 07-18 outrank him.
    edit = {"W02,2026-07-05,2026-07-20,men,,F2,3,": "W02,2026-07-05,2026-07-20,men,,F2,0,"}
    base = _scenario(PARTIAL, tmp_path / "sc", [], edit)
    season = tmp_path / "season"
    _solve(base, season)
    was = [
        (a["foresteria_id"], a["from"], a["to"])
        for a in _by_worker(season, "assignments.csv")["W02"]
    ]
    assert was == [("FB", "2026-07-05", "2026-07-16"), ("FA", "2026-07-16", "2026-07-20")]
    men = [f"N0{i},2026-07-18,2026-07-22,men,,F2,3,false," for i in range(3)]
    new = _scenario(PARTIAL, tmp_path / "sc2", men, edit)
    out = tmp_path / "replan"
    _solve(new, out, "--as-of", "2026-07-18", "--previous", str(season))
    assert verify_run(out) == []
    housed = _by_worker(out, "assignments.csv")
    # the nights before the date as they were (the move included), the bed at FA from it on
    assert [(a["foresteria_id"], a["from"], a["to"]) for a in housed["W02"]] == was
    for night in ("2026-07-18", "2026-07-19"):  # FA's 3 men's beds: W02 and two newcomers
        here = [
            w
            for w, rows in housed.items()
            for a in rows
            if a["foresteria_id"] == "FA" and a["section"] == "men" and a["from"] <= night < a["to"]
        ]
        assert "W02" in here and len(here) == 3, (night, here)
    # the run records W02 at the arrival and pin the nights kept show
    recorded = {w["worker_id"]: w for w in _rows(out / "inputs" / "workers.csv")}
    assert (recorded["W02"]["pinned_foresteria"], recorded["W02"]["arrival"]) == (
        "FB",
        "2026-07-05",
    )
    assert _rows(out / "plan" / "replan_changes.csv") == []
    # the replay reads the previous plan from the run's inputs/ and finds the same move
    r = CliRunner().invoke(app, ["replay", str(out), "--out", str(tmp_path / "again")])
    assert r.exit_code == 0 and "identical" in r.stdout, r.output
