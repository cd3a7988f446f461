"""A stay shorter than the minimum nights a bed is offered for is `too_short`, not `closed`
(review 18, H1 and H2): with a farm calendar and days without work too, where the stay housed
ends at the bed's release; published, summarised and checked by the verifier."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.verify import verify_run
from tests.helpers import rehash, release_season

# PARTIAL: Fortore (FA, San Severo) open 07-08..07-31, Borgo Mezzanone (FB) 07-01..07-15; F1
# works Mon-Sat, F2 every day. With min_overlap_nights = 7:
# - S1 stays 3 nights while FA is open and near: too short, not "closed";
# - L1 stays 10 nights from Thursday 07-16, but F1 has no work from 07-16 to the end of his stay:
#   after 3 days without work (Thu-Sat), none after them, the bed is released on Sunday 07-19,
#   leaving 3 nights to house (a pause that work follows keeps it: tests/housing/test_release);
# - G1 is a family of two staying 4 and 2 nights: the group's stay (4 nights) is too short (a
#   group with a longer stay is housed, its short member with it: tests/housing/test_group_stay);
# - P1 stays 3 nights pinned to FA: a pinned stay has no minimum, housed;
# - W02 stays 15 nights and is housed.
WORKERS = [
    "S1,2026-07-20,2026-07-23,men,,F2,0,false,",
    "L1,2026-07-16,2026-07-26,men,,F1,0,false,",
    "G1A,2026-07-20,2026-07-24,family,G1,F2,0,false,",
    "G1B,2026-07-20,2026-07-22,family,G1,F2,0,false,",
    "P1,2026-07-20,2026-07-23,men,,F2,0,false,FA",
    "W02,2026-07-05,2026-07-20,men,,F2,0,false,",
]


@pytest.fixture(scope="module")
def short_scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # FA must have family beds for the group to be refused for its stay alone
    src = tmp_path_factory.mktemp("scen") / "short"
    return release_season(src, WORKERS, "F1,2026-07-16,2026-07-25", 7, family_beds=2)


@pytest.fixture(scope="module")
def short_run(short_scenario: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "short"
    r = CliRunner().invoke(app, ["solve", str(short_scenario), "--out", str(out)])
    assert r.exit_code == 0, r.output  # on main: "failed verification" (H1)
    return out


def _waitlist(run: Path) -> dict[str, tuple[str, str]]:
    import csv

    rows = csv.DictReader((run / "plan" / "waitlist.csv").read_text().splitlines())
    return {r["worker_id"]: (r["code"], r["reason"]) for r in rows}


def test_short_stays_are_too_short_not_closed(short_run: Path) -> None:
    wait = _waitlist(short_run)
    assert wait["S1"] == (
        "too_short",
        "stay of 3 nights (2026-07-20..07-22), shorter than the 7 nights a bed is offered for",
    )
    assert wait["L1"] == (
        "too_short",
        "bed released on 2026-07-19 after 3 days without work at the farm, with no work after "
        "them in the stay: stay of 3 nights (2026-07-16..07-18), shorter than the 7 nights a bed "
        "is offered for",
    )
    member = (
        "too_short",
        "the group's stay of 4 nights (2026-07-20..07-23), shorter than the 7 nights a bed is "
        "offered for",
    )
    assert wait["G1A"] == wait["G1B"] == member
    assert "P1" not in wait and "W02" not in wait  # pinned: no minimum; long enough
    assert not any(code == "closed" for code, _ in wait.values())
    assert verify_run(short_run) == []


def test_the_summary_counts_too_short_apart(short_run: Path) -> None:
    summary = (short_run / "report" / "summary.md").read_text(encoding="utf-8")
    assert "4 (soggiorno più breve del minimo di notti per cui si offre un posto letto)" in summary
    assert "nessuna foresteria aperta" not in summary


def _forged(run: Path, tmp_path: Path, old: str, new: str) -> list[str]:
    copy = tmp_path / "forged"
    shutil.copytree(run, copy)
    names = ["plan/waitlist.csv", "restricted/waitlist_reasons.csv"]
    for name in names:
        p = copy / name
        if p.exists():
            text = p.read_text(encoding="utf-8")
            assert old in text, (name, old)
            p.write_text(text.replace(old, new, 1), encoding="utf-8")
    rehash(copy, [n for n in names if (copy / n).exists()])
    return verify_run(copy)


def test_a_too_short_stay_said_longer_is_caught(short_run: Path, tmp_path: Path) -> None:
    found = _forged(
        short_run, tmp_path, "stay of 3 nights (2026-07-20", "stay of 2 nights (2026-07-20"
    )
    assert any(
        "reason not its code's words: plan/waitlist.csv" in v and "says nights '2'" in v
        for v in found
    ), found


def test_a_release_left_unsaid_is_caught(short_run: Path, tmp_path: Path) -> None:
    said = (
        "bed released on 2026-07-19 after 3 days without work at the farm, with no work after "
        "them in the stay: stay of 3 nights"
    )
    found = _forged(short_run, tmp_path, said, "stay of 3 nights")
    assert any("reason not its code's words" in v and "cut by a release" in v for v in found), found


def test_a_long_stay_said_too_short_is_caught(short_run: Path, tmp_path: Path) -> None:
    # W02 (15 nights) waitlisted as too short instead of its bed: the verifier's own rule
    copy = tmp_path / "long"
    shutil.copytree(short_run, copy)
    names = ["plan/assignments.csv", "plan/waitlist.csv"]
    asg = (copy / names[0]).read_text(encoding="utf-8").splitlines()
    (copy / names[0]).write_text(
        "\n".join(x for x in asg if not x.startswith("W02,")) + "\n", encoding="utf-8"
    )
    with open(copy / names[1], "a", encoding="utf-8") as fh:
        fh.write(
            "W02,too_short,yes,"
            '"stay of 15 nights (2026-07-05..07-19), shorter than the 7 nights a bed is offered for"\n'
        )
    detail = copy / "restricted" / "waitlist_reasons.csv"
    if detail.exists():
        with open(detail, "a", encoding="utf-8") as fh:
            fh.write(
                "W02,too_short,"
                '"stay of 15 nights (2026-07-05..07-19), shorter than the 7 nights a bed is '
                'offered for"\n'
            )
        names.append("restricted/waitlist_reasons.csv")
    rehash(copy, names)
    found = verify_run(copy)
    assert any(
        v.startswith("waitlist reason false: W02 is 'too_short', yet the stay lasts 15 nights")
        for v in found
    ), found


def test_a_replan_with_released_stays_publishes(
    short_scenario: Path, short_run: Path, tmp_path: Path
) -> None:
    # review 18 M2: the re-plan reads the same stays as housed; S1 still too short from the date
    src = short_scenario
    out = tmp_path / "replan"
    r = CliRunner().invoke(
        app,
        [
            "solve",
            str(src),
            "--as-of",
            "2026-07-17",
            "--previous",
            str(short_run),
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    wait = _waitlist(out)
    assert wait["S1"] == (
        "too_short",
        "stay of 3 nights (2026-07-20..07-22), shorter than the 7 nights a bed is offered for",
    )
    assert wait["G1A"][0] == wait["G1B"][0] == "too_short"
    assert verify_run(out) == []
