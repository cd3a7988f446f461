"""An intake names the people not arrived whom it gives a bed (review 20 R, HIGH-3): a bed freed
by a no-show that goes to someone the season plan waitlisted, not arrived, is said with their id,
place and first night, and counted in intake.json (`housed_not_arrived`), so the office can tell
them; their no-show clock runs from the intake that gave them the bed when that is after their
planned arrival (the office could not tell them before): the re-plan records the intake's date
as the arrival of someone due before it whom it plans from it, so the next intakes, from it or
from an intake made from it, count from that date (this held before review 20; kept here).

Tiny season (tests/data/tiny) with FA's men's beds 2, FB's none: W01 (priority 1 here), W02 take FA's men's beds
(6-13 July), W06 (F1, due the 6th, no departure point, never checked in) and W08 (F1, due the 8th) wait
(`full`); release after 3 days."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from foresterie.ops.day import load_season_run
from foresterie.ops.intake import intake_workers
from foresterie.ops.ledger import Event
from tests.helpers import cli_ok, edit_features, season_with_ledger


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def later(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("later")
    folder = base / "scen"
    shutil.copytree(Path(__file__).parents[1] / "data" / "tiny", folder)
    edit_features(folder / "foresterie.geojson", 0, beds_men=2)
    edit_features(folder / "foresterie.geojson", 1, beds_men=0)
    text = (folder / "workers.csv").read_text(encoding="utf-8-sig")
    text = text.replace("W06,2026-07-06,2026-07-13,men,,F3", "W06,2026-07-06,2026-07-13,men,,F1")
    text = text.replace(
        "W01,2026-07-06,2026-07-13,men,,F1,0", "W01,2026-07-06,2026-07-13,men,,F1,1"
    )
    text += "W08,2026-07-08,2026-07-13,men,,F1,0,false,,Karim Said\n"
    (folder / "workers.csv").write_text(text, encoding="utf-8")
    cli_ok("solve", str(folder), "--out", str(base / "run"))
    wait = {w["worker_id"]: w["code"] for w in _rows(base / "run" / "plan" / "waitlist.csv")}
    assert wait.get("W06") == "full" and wait.get("W08") == "full", wait
    return base / "run"


def test_a_bed_given_to_someone_not_arrived_is_said_and_its_clock_runs_from_then(
    later: Path, tmp_path: Path
) -> None:
    run = season_with_ledger(later, tmp_path)
    (tmp_path / "c.csv").write_text(
        "date,worker_id,event\n"
        + "".join(f"2026-07-06,{w},arrival\n" for w in ("W01", "W03", "W04", "W05"))
    )
    cli_ok("ledger", "import", str(run), str(tmp_path / "c.csv"))
    said = cli_ok("intake", str(run), "--date", "2026-07-09")
    first = tmp_path / "tiny.intake" / "2026-07-09"
    beds = {
        a["worker_id"]: (a["foresteria_id"], a["from"])
        for a in _rows(first / "plan" / "assignments.csv")
    }
    assert beds["W08"] == ("FA", "2026-07-09"), beds  # W02's bed, released (no-show)
    assert "1 person without a bed from 2026-07-09" in said, said
    assert "W08 at FA from 2026-07-09; tell them" in said, said
    assert json.loads((first / "intake.json").read_text())["housed_not_arrived"] == 1
    # the intake of the 11th: 3 days after W08's planned arrival, 2 after the bed was given
    events = [
        Event(kind="arrival", day=date(2026, 7, 6), worker_id=w)
        for w in ("W01", "W03", "W04", "W05")
    ]
    nxt = intake_workers(load_season_run(first), events, date(2026, 7, 11), 3)
    assert "W08" in nxt.held and "W08" not in nxt.no_shows
    gone = intake_workers(load_season_run(first), events, date(2026, 7, 12), 3)
    assert "W08" in gone.no_shows and gone.counts["released_no_show"] == 1
    # an intake of the 10th made from it keeps the bed; the one of the 11th made from that one
    # still counts from the 9th, when the bed was given (his arrival as the first one recorded it)
    assert "verified" in cli_ok("intake", str(first), "--date", "2026-07-10")
    second = tmp_path / "tiny.intake" / "2026-07-09.intake" / "2026-07-10"
    assert "W08" in {a["worker_id"] for a in _rows(second / "plan" / "assignments.csv")}
    third = intake_workers(load_season_run(second), events, date(2026, 7, 11), 3)
    assert "W08" in third.held and "W08" not in third.no_shows


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """As `later`, W06 working at F2 (20 km from FA), W08 at F1 (6 km): on commute alone, a bed
    at FA goes to W08."""
    base = tmp_path_factory.mktemp("desk")
    folder = base / "scen"
    shutil.copytree(Path(__file__).parents[1] / "data" / "tiny", folder)
    edit_features(folder / "foresterie.geojson", 0, beds_men=2)
    edit_features(folder / "foresterie.geojson", 1, beds_men=0)
    text = (folder / "workers.csv").read_text(encoding="utf-8-sig")
    text = text.replace("W06,2026-07-06,2026-07-13,men,,F3", "W06,2026-07-06,2026-07-13,men,,F2")
    text = text.replace(
        "W01,2026-07-06,2026-07-13,men,,F1,0", "W01,2026-07-06,2026-07-13,men,,F1,1"
    )
    text += "W08,2026-07-08,2026-07-13,men,,F1,0,false,,Karim Said\n"
    (folder / "workers.csv").write_text(text, encoding="utf-8")
    cli_ok("solve", str(folder), "--out", str(base / "run"))
    return base / "run"


def test_the_man_at_the_desk_is_housed_before_an_equal_not_arrived(
    desk: Path, tmp_path: Path
) -> None:
    """W06 checked in at the desk on the 8th without a bed; W08, of the same priority, is due
    the 8th and has not come. W02's bed, released on the 9th, goes to W06 (before: to W08, whose
    farm is nearer), who is told with the placement line (no departure point: no ride until he
    checks in); the tier is in the manifest, the run verifies and replays."""
    run = season_with_ledger(desk, tmp_path)
    rows = "".join(f"2026-07-06,{w},arrival\n" for w in ("W01", "W03", "W04", "W05"))
    (tmp_path / "c.csv").write_text("date,worker_id,event\n" + rows + "2026-07-08,W06,arrival\n")
    cli_ok("ledger", "import", str(run), str(tmp_path / "c.csv"))
    said = cli_ok("intake", str(run), "--date", "2026-07-09")
    first = tmp_path / "tiny.intake" / "2026-07-09"
    beds = {a["worker_id"]: a["foresteria_id"] for a in _rows(first / "plan" / "assignments.csv")}
    assert beds.get("W06") == "FA" and "W08" not in beds, beds
    assert "they ride from the bed given: they have no departure point): W06 at FA" in said, said
    assert _rows(first / "inputs" / "present.csv") == [{"worker_id": "W06"}]
    tiers = [
        t["name"] for t in json.loads((first / "manifest.json").read_text())["housing"]["tiers"]
    ]
    assert "housed_priority_0_present" in tiers, tiers
    assert "verified" in said
    assert "identical" in cli_ok("replay", str(first), "--out", str(tmp_path / "again"))
