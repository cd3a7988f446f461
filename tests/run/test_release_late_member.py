"""A group whose working member's farm has days without work is not released while a member
has not yet arrived by the release morning (review 18 R, HIGH-4: the dependant's stay ended
before it began, "a member's stay of -2 night", and the season failed its own verification).

PARTIAL with a farm calendar: F1 has no work from 07-16 (Thu) to the end of M1's stay,
max_days_without_work = 3, so M1's bed would be released on Sunday 07-19; M2, his dependant,
arrives on 07-20."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.verify import verify_run
from tests.helpers import release_season

WORKERS = [
    "M1,2026-07-10,2026-07-28,family,G9,F1,3,false,",
    "M2,2026-07-20,2026-07-28,family,G9,,0,false,",
    "W02,2026-07-05,2026-07-20,men,,F2,0,false,",
]


def test_a_family_waiting_for_a_member_keeps_its_room(tmp_path: Path) -> None:
    sc = release_season(tmp_path / "sc", WORKERS, "F1,2026-07-16,2026-07-27", 2, family_beds=4)
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert verify_run(out) == []
    with open(out / "plan" / "waitlist.csv", encoding="utf-8", newline="") as fh:
        waiting = {row["worker_id"]: row["reason"] for row in csv.DictReader(fh)}
    assert not any("-" in reason.split("stay of ")[-1][:3] for reason in waiting.values()), waiting
    with open(out / "plan" / "uncovered.csv", encoding="utf-8", newline="") as fh:
        codes = {(row["worker_id"], row["code"]) for row in csv.DictReader(fh)}
    assert ("M1", "released_no_work") not in codes  # the room is kept for M2
