"""An intake never loses a person it counted a no-show (review 19 R, HIGH-8, HIGH-6, HIGH-5,
HIGH-7): a no-show stays one of the season's people, waitlisted `not_checked_in` until a check-in
places them, from the last intake as from the season run; a group is present or a no-show as a
whole; someone an intake places while already in the region keeps riding from their departure
point until they check in at the bed, and is not released for want of that check-in; after an
in-season purge the intake run still verifies and the next intake goes on from it.

Tiny season (tests/data/tiny): W01, W02, W03 at FA and the family G1 = W04, W05 at FB from
2026-07-06, release after 3 days. `placing`: FA has 2 men's beds, FB none, and W06 works at F1, boarding
at the settlement PX: W01 and W02 take FA's men's beds, W06 waits (`full`)."""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from foresterie.ops.day import at_bed, day_demand, load_season_run
from foresterie.ops.intake import intake_workers
from foresterie.ops.ledger import Event
from tests.helpers import (
    add_pickup,
    cli_ok,
    cli_run,
    edit_features,
    rehash,
    season_with_ledger,
)

D = date(2026, 7, 9)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def _checkins(run: Path, tmp: Path, rows: str, name: str = "c.csv") -> None:
    (tmp / name).write_text("date,worker_id,event\n" + rows)
    cli_ok("ledger", "import", str(run), str(tmp / name))


def _arrive(*ids: str, day: date = date(2026, 7, 6)) -> list[Event]:
    return [Event(kind="arrival", day=day, worker_id=w) for w in ids]


def test_a_no_show_is_waitlisted_then_placed_by_the_next_intake(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """HIGH-8: W02 never checked in: the intake of the 9th releases his bed and keeps him,
    waitlisted `not_checked_in` (verified); he checks in on the 10th and the intake made from
    that intake houses him (before: he was in no file of it)."""
    run = season_with_ledger(tiny_season_run, tmp_path)
    _checkins(run, tmp_path, "2026-07-06,W01,arrival\n2026-07-06,W03,arrival\n")
    _checkins(run, tmp_path, "2026-07-06,W04,arrival\n2026-07-06,W05,arrival\n", "g.csv")
    cli_ok("intake", str(run), "--date", "2026-07-09")
    first = tmp_path / "tiny.intake" / "2026-07-09"
    assert "W02" in {w["worker_id"] for w in _rows(first / "inputs" / "workers.csv")}
    wait = {w["worker_id"]: w for w in _rows(first / "plan" / "waitlist.csv")}
    assert wait["W02"]["code"] == "not_checked_in"
    assert wait["W02"]["reason"] == (
        "no-show since 2026-07-09: not checked in within 3 days of the planned arrival "
        "2026-07-06, so no bed is held; a check-in places them again"
    )
    assert "W02" not in {a["worker_id"] for a in _rows(first / "plan" / "assignments.csv")}
    assert _rows(first / "inputs" / "no_shows.csv")[0] == {
        "worker_id": "W02",
        "since": "2026-07-09",
        "after_days": "3",
        "had_bed": "yes",
        "placed": "",
    }
    # no check-in yet: still a no-show, the same record carried, never housed
    still = cli_ok("intake", str(first), "--date", "2026-07-10", "--out", str(tmp_path / "still"))
    assert "verified" in still
    carried = {r["worker_id"]: r for r in _rows(tmp_path / "still" / "inputs" / "no_shows.csv")}
    assert carried["W02"]["since"] == "2026-07-09"
    assert "W02" not in {
        a["worker_id"] for a in _rows(tmp_path / "still" / "plan" / "assignments.csv")
    }
    _checkins(run, tmp_path, "2026-07-10,W02,arrival\n", "late.csv")
    out = cli_ok("intake", str(first), "--date", "2026-07-10")
    second = tmp_path / "tiny.intake" / "2026-07-09.intake" / "2026-07-10"
    assert "verified" in out
    beds = [a for a in _rows(second / "plan" / "assignments.csv") if a["worker_id"] == "W02"]
    assert [(a["foresteria_id"], a["from"]) for a in beds] == [("FA", "2026-07-10")]
    record = json.loads((second / "intake.json").read_text())
    assert record["workers"]["no_show_checked_in"] == 1
    assert "W02" not in {r["worker_id"] for r in _rows(second / "inputs" / "no_shows.csv")}


def test_the_verifier_holds_the_no_show_reason_to_its_own_reading(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """The verifier recomputes `not_checked_in` from inputs/no_shows.csv and the stay: a record
    that makes W02 a no-show one day after his arrival, with release after 3 days, is refused."""
    run = season_with_ledger(tiny_season_run, tmp_path)
    _checkins(run, tmp_path, "2026-07-06,W01,arrival\n2026-07-06,W03,arrival\n")
    cli_ok("intake", str(run), "--date", "2026-07-09")
    first = tmp_path / "tiny.intake" / "2026-07-09"
    assert cli_run("verify", str(first))[0] == 0
    # forged: housed W02 called a no-show in the published words, or his record edited
    forged = tmp_path / "forged"
    shutil.copytree(first, forged)
    path = forged / "plan" / "waitlist.csv"
    path.write_text(path.read_text().replace("within 3 days", "within 2 days"))
    rehash(forged, ["plan/waitlist.csv"])
    code, out = cli_run("verify", str(forged))
    assert code == 1 and "plan/waitlist.csv" in out and "says no_show_days '2'" in out, out
    from foresterie.verify import _no_show_contradiction, _Run

    r = _Run(first)
    assert _no_show_contradiction(r, ["W02"]) == ""
    assert "not in inputs/no_shows.csv" in _no_show_contradiction(r, ["W01"])
    r.memo["no_shows"] = {"W02": ("2026-07-07", "3", "yes", "")}
    assert "was 1 days late on 2026-07-07, not 3" in _no_show_contradiction(r, ["W02"])


def test_a_group_is_here_with_the_member_checked_in(tiny_season_run: Path) -> None:
    """HIGH-6: W04 checked in, his family member W05 not: W05 is here with the group (kept in
    the family's bed, said in a line), not released on his own; a group nobody of which came is
    a no-show as a whole."""
    season = load_season_run(tiny_season_run)
    got = intake_workers(season, _arrive("W01", "W02", "W03", "W04"), D, 3)
    assert "W05" not in got.no_shows and "W05" in {w.id for w in got.workers}
    assert got.with_group == ["G1: W05 not checked in with the group: kept with it; check"]
    assert got.counts["housed_kept"] == 5 and "released_no_show" not in got.counts
    # W02 and W03 made one group at FA (which records arrivals): nobody of it came, both go
    ws = [
        replace(w, group_id="G9") if w.id in ("W02", "W03") else w for w in season.scenario.workers
    ]
    grouped = replace(season, scenario=replace(season.scenario, workers=tuple(ws)))
    none = intake_workers(grouped, _arrive("W01", "W04", "W05"), D, 3)
    assert {"W02", "W03"} <= set(none.no_shows) and none.released["FA"] == 2
    assert {"W02", "W03"} <= {w.id for w in none.workers}  # kept, waitlisted
    one = intake_workers(grouped, _arrive("W01", "W03", "W04", "W05"), D, 3)
    assert "W02" not in one.no_shows and one.released["FA"] == 0


def test_a_dependant_leaves_with_the_groups_working_members(tiny_season_run: Path) -> None:
    """Review 19 S: both working members of a family recorded as departed left their child alone
    in the family room to the end of its stay. A dependant leaves with them (the last of their
    days), said in one line; while one of them stays, the dependant stays."""
    season = load_season_run(tiny_season_run)
    ws = [
        replace(w, rides=False, farm_id=None) if w.id == "W05" else w
        for w in season.scenario.workers
    ]
    family = replace(season, scenario=replace(season.scenario, workers=tuple(ws)))
    came = _arrive("W01", "W02", "W03", "W04", "W05")
    gone = [Event(kind="departure", day=date(2026, 7, 8), worker_id="W04")]
    got = intake_workers(family, came + gone, D, 3)
    child = {w.id: w for w in got.workers}["W05"]
    assert child.departure == date(2026, 7, 8), child
    assert got.with_group == [
        "G1: W05 leaves with the group's working members (the last departed on 2026-07-08): "
        "no bed kept for a dependant alone"
    ]
    stays = intake_workers(family, came, D, 3)  # W04 still here: so is the child
    assert {w.id: w for w in stays.workers}["W05"].departure == date(2026, 7, 11)


@pytest.fixture(scope="module")
def placing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny season with FA's men's beds 2, FB's none, and W06 working at F1 from the settlement PX."""
    base = tmp_path_factory.mktemp("placing")
    folder = base / "scen"
    shutil.copytree(Path(__file__).parents[1] / "data" / "tiny", folder)
    edit_features(folder / "foresterie.geojson", 0, beds_men=2)
    edit_features(folder / "foresterie.geojson", 1, beds_men=0)
    text = (folder / "workers.csv").read_text(encoding="utf-8-sig")
    (folder / "workers.csv").write_text(
        text.replace("W06,2026-07-06,2026-07-13,men,,F3", "W06,2026-07-06,2026-07-13,men,,F1")
    )
    add_pickup(folder, rider="W06")
    cli_ok("solve", str(folder), "--out", str(base / "run"))
    wait = {w["worker_id"]: w["code"] for w in _rows(base / "run" / "plan" / "waitlist.csv")}
    assert wait.get("W06") == "full", wait
    return base / "run"


def test_a_placement_rides_from_its_point_and_is_not_released(
    placing: Path, tmp_path: Path
) -> None:
    """HIGH-5: the intake of the 9th gives W06 (in the region, riding from PX) W02's released
    bed at FA and names him to be told; the day run of the 10th drives him from PX, not from FA,
    and counts no missed arrival; the intake of the 11th keeps his bed (before: released as a
    planned arrival not checked in, and dropped): 2 days from the placement, release after 3.
    His check-in after the placement ends it."""
    run = season_with_ledger(placing, tmp_path)
    _checkins(run, tmp_path, "2026-07-06,W01,arrival\n2026-07-06,W03,arrival\n")
    _checkins(run, tmp_path, "2026-07-06,W04,arrival\n2026-07-06,W05,arrival\n", "g.csv")
    said = cli_ok("intake", str(run), "--date", "2026-07-09")
    assert "to be told of their bed" in said and "W06 at FA" in said, said
    first = tmp_path / "tiny.intake" / "2026-07-09"
    assert json.loads((first / "intake.json").read_text())["placed_to_tell"] == 1
    assert {r["worker_id"]: r["from"] for r in _rows(first / "inputs" / "placements.csv")} == {
        "W06": "2026-07-09"
    }
    season = load_season_run(first)
    events = [*_arrive("W01", "W03", "W04", "W05")]
    demand = day_demand(season, events, date(2026, 7, 10))
    (w06,) = [w for w in demand.riders if w.id == "W06"]
    assert (w06.pickup_id, w06.pinned_foresteria) == ("PX", None)
    assert all(c.site != "FA" or c.not_checked_in == 0 for c in demand.checkins)
    # a no-show of the run (W06 as one, for the test) is driven only once checked in
    shown = replace(season, no_shows=frozenset({"W06"}), placed={})
    assert "W06" not in {w.id for w in day_demand(shown, events, date(2026, 7, 10)).riders}
    seen = [*events, Event(kind="arrival", day=date(2026, 7, 9), worker_id="W06")]
    assert "W06" in {w.id for w in day_demand(shown, seen, date(2026, 7, 10)).riders}
    later = intake_workers(season, events, date(2026, 7, 11), 3)
    assert later.counts["placed_not_checked_in"] == 1 and "W06" not in later.no_shows
    assert later.placed == {"W06": date(2026, 7, 9)}
    out = cli_ok("intake", str(first), "--date", "2026-07-11")
    assert "verified" in out
    beds = _rows(
        tmp_path / "tiny.intake" / "2026-07-09.intake" / "2026-07-11" / "plan" / "assignments.csv"
    )
    assert ("W06", "FA", "2026-07-13") in {
        (a["worker_id"], a["foresteria_id"], a["to"]) for a in beds
    }
    # checked in at the bed: rides from FA
    came = [*events, Event(kind="arrival", day=date(2026, 7, 10), worker_id="W06")]
    (w06,) = [w for w in day_demand(season, came, date(2026, 7, 11)).riders if w.id == "W06"]
    assert (w06.pickup_id, w06.pinned_foresteria) == (None, "FA")


def test_a_check_in_on_the_day_of_the_placement_counts_once_the_intake_is_made() -> None:
    placed = {"W06": D}
    before = [Event(kind="arrival", day=D, worker_id="W06")]
    assert at_bed(before, placed) == set()  # recorded before the intake: not at the bed
    after = [Event(kind="intake_plan", day=D), *before]
    assert at_bed(after, placed) == {"W06"}
    assert at_bed([Event(kind="arrival", day=date(2026, 7, 8), worker_id="W06")], placed) == set()


def test_an_intake_run_purged_in_season_verifies_and_the_next_intake_goes_on(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """HIGH-7: after the in-season purge of the family (stay ended on the 11th), the intake run
    of the 9th (W02 a no-show in it) still verifies, and an intake made from it goes on
    (before: 'previous_left_behind.csv: changed since its run was made', exit 2)."""
    run = season_with_ledger(tiny_season_run, tmp_path)
    _checkins(run, tmp_path, "2026-07-06,W01,arrival\n2026-07-06,W03,arrival\n")
    _checkins(run, tmp_path, "2026-07-06,W04,arrival\n2026-07-06,W05,arrival\n", "g.csv")
    cli_ok("intake", str(run), "--date", "2026-07-09")
    first = tmp_path / "tiny.intake" / "2026-07-09"
    said = cli_ok("purge", str(run), "--before", "2026-07-12")
    assert "2 people whose stay had ended" in said, said
    assert json.loads((first / "purged.json").read_text())["files"]
    code, out = cli_run("verify", str(first))
    assert code == 0, out
    out = cli_ok("intake", str(first), "--date", "2026-07-12")
    assert "verified" in out
    nxt = tmp_path / "tiny.intake" / "2026-07-09.intake" / "2026-07-12"
    assert {r["worker_id"] for r in _rows(nxt / "inputs" / "no_shows.csv")} == {"W02", "W06"}


def test_a_placement_not_come_to_is_released_after_the_days_and_he_rides_on(
    placing: Path, tmp_path: Path
) -> None:
    """Review 19 S, NEW-1: W06, placed on the 9th at FA while in the region, has not checked in
    at it by the 11th (released after 2 days, by --release-after-days): the intake of the 11th
    releases the bed as a
    no-show's, says so with his id and the place, waitlists him `not_checked_in` in the words of
    a placement (verified), lists him in no placements.csv; the day run of the 12th still drives
    him from his departure point PX; a later intake keeps him waitlisted until a check-in after
    the placement, which places him again (the check-in before it does not)."""
    run = season_with_ledger(placing, tmp_path)
    _checkins(run, tmp_path, "2026-07-06,W01,arrival\n2026-07-06,W03,arrival\n")
    _checkins(run, tmp_path, "2026-07-06,W04,arrival\n2026-07-06,W05,arrival\n", "g.csv")
    _checkins(run, tmp_path, "2026-07-07,W06,arrival\n", "w06.csv")  # in the region, no bed
    cli_ok("intake", str(run), "--date", "2026-07-09")
    first = tmp_path / "tiny.intake" / "2026-07-09"
    assert {r["worker_id"] for r in _rows(first / "inputs" / "placements.csv")} == {"W06"}
    said = cli_ok("intake", str(first), "--date", "2026-07-11", "--release-after-days", "2")
    assert "verified" in said, said
    assert (
        "note: released from 2026-07-11, the bed of 1 placed while in the region and not "
        "checked in at it within 2 days of the placement (waitlisted until a check-in; they "
        "ride from their departure point): W06 at FA"
    ) in said, said
    nxt = tmp_path / "tiny.intake" / "2026-07-09.intake" / "2026-07-11"
    assert "W06" not in {a["worker_id"] for a in _rows(nxt / "plan" / "assignments.csv")}
    wait = {w["worker_id"]: w for w in _rows(nxt / "plan" / "waitlist.csv")}
    assert wait["W06"]["code"] == "not_checked_in"
    assert wait["W06"]["reason"] == (
        "no-show since 2026-07-11: not checked in at the bed given on 2026-07-09 while in the "
        "region within 2 days, so it is not held; a check-in places them again"
    )
    shows = {r["worker_id"]: r for r in _rows(nxt / "inputs" / "no_shows.csv")}
    assert (shows["W06"]["had_bed"], shows["W06"]["placed"]) == ("yes", "2026-07-09")
    assert not (nxt / "inputs" / "placements.csv").exists()  # nobody placed by it
    record = json.loads((nxt / "intake.json").read_text())
    assert record["placements_released"] == 1 and record["workers"]["released_placement"] == 1
    season = load_season_run(nxt)
    events = [*_arrive("W01", "W03", "W04", "W05"), *_arrive("W06", day=date(2026, 7, 7))]
    (w06,) = [w for w in day_demand(season, events, date(2026, 7, 11)).riders if w.id == "W06"]
    assert (w06.pickup_id, w06.pinned_foresteria) == ("PX", None)
    later = intake_workers(season, events, date(2026, 7, 12), 2)
    assert "W06" not in later.to_place and later.no_shows["W06"].placed == date(2026, 7, 9)
    back = [*events, Event(kind="arrival", day=date(2026, 7, 12), worker_id="W06")]
    assert "W06" in intake_workers(season, back, date(2026, 7, 12), 2).to_place
    # the verifier reads the record with its own code: the placement's days counted from it
    from foresterie.verify import _no_show_contradiction, _Run

    r = _Run(nxt)
    assert _no_show_contradiction(r, ["W06"]) == ""
    r.memo["no_shows"] = {"W06": ("2026-07-11", "2", "yes", "2026-07-10")}
    assert "placed on 2026-07-10, was 1 days late" in _no_show_contradiction(r, ["W06"])
    r.memo["no_shows"] = {"W06": ("2026-07-11", "2", "no", "")}  # he had a bed: not "none"
    assert "never given a bed" in _no_show_contradiction(r, ["W06"])
    forged = tmp_path / "forged"
    shutil.copytree(nxt, forged)
    path = forged / "plan" / "waitlist.csv"
    path.write_text(path.read_text().replace("given on 2026-07-09", "given on 2026-07-08"))
    rehash(forged, ["plan/waitlist.csv"])
    code, out = cli_run("verify", str(forged))
    assert code == 1 and "no_show_placed '2026-07-08'" in out, out


def test_someone_never_given_a_bed_is_not_called_a_no_show(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """Review 19 S, NEW-5: W06 (waitlisted by the season plan, no bed) has not checked in three
    days after the planned arrival: waitlisted `not_checked_in` in words of his own (no bed was
    his; none offered until a check-in), never "a no-show" placed "again"; the verifier refuses
    the words of a bed released for him."""
    run = season_with_ledger(tiny_season_run, tmp_path)
    _checkins(run, tmp_path, "2026-07-06,W01,arrival\n2026-07-06,W03,arrival\n")
    said = cli_ok("intake", str(run), "--date", "2026-07-09")
    assert "verified" in said, said
    first = tmp_path / "tiny.intake" / "2026-07-09"
    wait = {w["worker_id"]: w for w in _rows(first / "plan" / "waitlist.csv")}
    assert wait["W06"]["code"] == "not_checked_in"
    assert wait["W06"]["reason"] == (
        "not checked in within 3 days of the planned arrival 2026-07-06 (by 2026-07-09), and no "
        "bed was theirs: not offered one until a check-in says they are in the region"
    )
    shows = {r["worker_id"]: r for r in _rows(first / "inputs" / "no_shows.csv")}
    assert shows["W06"]["had_bed"] == "no" and shows["W02"]["had_bed"] == "yes"
    forged = tmp_path / "forged"
    shutil.copytree(first, forged)
    path = forged / "plan" / "waitlist.csv"
    text = path.read_text()
    path.write_text(
        text.replace(
            wait["W06"]["reason"],
            "no-show since 2026-07-09: not checked in within 3 days of the planned arrival "
            "2026-07-06, so no bed is held; a check-in places them again",
        )
    )
    rehash(forged, ["plan/waitlist.csv"])
    code, out = cli_run("verify", str(forged))
    assert code == 1 and "says no_show_days '3'" in out and "another kind of record" in out, out


def test_a_past_reason_is_carried_once_not_nested_per_intake(placing: Path, tmp_path: Path) -> None:
    """Review 19 S, LOW-B: W06 (in the region, no bed free: everyone checked in) is waitlisted
    until his stay ends on the 13th; the intakes of the 13th and the 14th (each from the one
    before) say `past` with the first reason once, each with its own date (verified). The
    intake of the 9th tried to place him and could not: its placements.csv does not list him."""

    run = season_with_ledger(placing, tmp_path)
    _checkins(run, tmp_path, "2026-07-06,W01,arrival\n2026-07-06,W02,arrival\n")
    _checkins(run, tmp_path, "2026-07-06,W03,arrival\n2026-07-06,W06,arrival\n", "b.csv")
    _checkins(run, tmp_path, "2026-07-06,W04,arrival\n2026-07-06,W05,arrival\n", "g.csv")
    cli_ok("intake", str(run), "--date", "2026-07-09")
    first = tmp_path / "tiny.intake" / "2026-07-09"
    reason = {w["worker_id"]: w for w in _rows(first / "plan" / "waitlist.csv")}["W06"]["reason"]
    assert not reason.startswith("waitlisted before"), reason
    # placements.csv lists those placed, not those the intake tried to place (NEW-1, side note)
    assert _rows(first / "inputs" / "placements.csv") == []
    assert "W06" not in load_season_run(first).placed
    runs = [first]
    for day in ("2026-07-13", "2026-07-14"):
        said = cli_ok("intake", str(runs[-1]), "--date", day)
        assert "verified" in said, said
        runs.append(runs[-1].parent / f"{runs[-1].name}.intake" / day)
        wait = {w["worker_id"]: w for w in _rows(runs[-1] / "plan" / "waitlist.csv")}
        assert wait["W06"]["code"] == "past"
        assert wait["W06"]["reason"] == f"waitlisted before {day}, no night left: {reason}"


def test_a_placed_group_is_released_only_as_a_whole(tiny_season_run: Path) -> None:
    """NEW-1 with HIGH-6: the family G1 (W04, W05 at FB) placed on the 6th while in the region
    (for the test): by the 9th (release after 3 days) nobody of it checked in at the bed: both
    beds released, both waitlisted with the placement in their record; W04 checked in at it
    on the 7th: W05 is kept with the group, said, nothing released."""
    season = replace(
        load_season_run(tiny_season_run), placed={"W04": date(2026, 7, 6), "W05": date(2026, 7, 6)}
    )
    came = _arrive("W01", "W02", "W03")
    gone = intake_workers(season, came, D, 3)
    assert gone.counts["released_placement"] == 2 and gone.expired == {"W04": "FB", "W05": "FB"}
    assert {w: n.placed for w, n in gone.no_shows.items() if w in ("W04", "W05")} == {
        "W04": date(2026, 7, 6),
        "W05": date(2026, 7, 6),
    }
    one = intake_workers(season, [*came, *_arrive("W04", day=date(2026, 7, 7))], D, 3)
    assert "released_placement" not in one.counts and not one.expired
    assert "W05" not in one.no_shows and "W04" not in one.no_shows
    assert one.with_group == ["G1: W05 not checked in with the group: kept with it; check"]
