"""The monitor reads a driver's boarding row as presence, as day runs and intakes do (review 14,
finding 5; README "Check-ins, office by office"): FA's office has recorded W01's arrival of 6 July
but not yet W03's (a day late with its check-ins); the driver's list of the 7th has W03 aboard
both ways. The monitor counts W03 in a bed at FA from the 7th, and `monitor --verify`, with its
own copy of the rule, agrees; a monitor.csv made as if the boarding were not there (manifest
re-hashed) is refused at its rows. W07's boarding before their planned arrival proves nothing."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from foresterie.core.files import dumps_json, file_sha256
from tests.helpers import TINY, cli_ok, cli_run

WEEK = "2026-W28"  # Monday 6 July to Sunday 12 July 2026


def _monitor(run: Path, base: Path, lists: str | None) -> Path:
    """A ledger with FA's one check-in (W01) and, if given, a driver's list; its monitor."""
    base.mkdir()
    led = base / "ledger.sqlite"
    checkins = base / "checkins.csv"
    checkins.write_text("date,worker_id,event\n2026-07-06,W01,arrival\n")
    cli_ok("ledger", "import", str(run), str(checkins), "--ledger", str(led))
    if lists is not None:
        board = base / "boardings.csv"
        board.write_text(lists)
        cli_ok("ledger", "import", str(run), str(board), "--ledger", str(led))
    else:  # the same last day: the ledger is read up to the 7th either way
        gone = base / "incidents.csv"
        gone.write_text("date,vehicle_id,incident\n2026-07-07,VB1,late_return\n")
        cli_ok("ledger", "import", str(run), str(gone), "--ledger", str(led))
    out = base / "monitor"
    cli_ok("monitor", str(run), "--ledger", str(led), "--out", str(out))
    return out


def _actual(folder: Path, indicator: str, breakdown: str) -> str:
    with open(folder / "monitor.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    (row,) = [
        r
        for r in rows
        if (r["week"], r["indicator"], r["breakdown"]) == (WEEK, indicator, breakdown)
    ]
    return row["actual"]


def test_the_monitor_counts_a_rider_seen_aboard_as_present(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    lists = (
        "date,vehicle_id,worker_id,boarded,leg\n"
        "2026-07-07,VA1,W03,yes,out\n2026-07-07,VA1,W03,yes,back\n"
        "2026-07-07,VB1,W07,yes,out\n"
    )
    aboard = _monitor(tiny_season_run, tmp_path / "aboard", lists)
    office_only = _monitor(tiny_season_run, tmp_path / "office", None)
    # W01: nights 6-12 July (7); W03 from the 7th, the day the driver saw them (6); W02 none
    assert _actual(aboard, "bed_nights", "site:FA") == "13"
    assert _actual(office_only, "bed_nights", "site:FA") == "7"
    assert cli_run("monitor", "--verify", str(aboard)) == (
        0,
        f"ok: {aboard}: every check passed\n",
    )
    # a monitor.csv that ignores the boarding, in the folder whose ledger holds it
    forged = tmp_path / "forged"
    shutil.copytree(aboard, forged)
    shutil.copyfile(office_only / "monitor.csv", forged / "monitor.csv")
    m = json.loads((forged / "manifest.json").read_text(encoding="utf-8"))
    m["outputs"]["monitor.csv"] = file_sha256(forged / "monitor.csv")  # as a forger would
    (forged / "manifest.json").write_text(dumps_json(m), encoding="utf-8")
    code, out = cli_run("monitor", "--verify", str(forged))
    assert code == 1, out
    assert f"({WEEK}, bed_nights, site:FA): actual 7, recomputed 13" in out


def test_a_dependant_is_present_by_their_groups_boarding(tmp_path: Path) -> None:
    """W05 is a dependant (`rides = false`) of the family W04, W05 at FB: FB's office records
    W04's arrival of 6 July and not W05's; the driver's list has W04 aboard on the 7th, which
    stands for W05 too (a dependant never boards). W04's check-in already does: a group is
    present as a whole (review 20 R, MEDIUM-2), so the monitor counts W05 in a bed from the 6th
    with W04 (FB: 5 nights each; before, 4 for W05, from the boarding), and its verifier's own
    copy of the rule agrees."""
    folder = tmp_path / "dep"
    shutil.copytree(TINY, folder)
    path = folder / "workers.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    rows = [lines[0] + ",rides"]
    rows += [line + (",false" if line.startswith("W05,") else ",") for line in lines[1:]]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    run = tmp_path / "season"
    cli_ok("solve", str(folder), "--out", str(run))
    base = tmp_path / "m"
    base.mkdir()
    led = base / "ledger.sqlite"
    (base / "checkins.csv").write_text("date,worker_id,event\n2026-07-06,W04,arrival\n")
    (base / "lists.csv").write_text(
        "date,vehicle_id,worker_id,boarded,leg\n2026-07-07,VB1,W04,yes,out\n"
    )
    for name in ("checkins.csv", "lists.csv"):
        cli_ok("ledger", "import", str(run), str(base / name), "--ledger", str(led))
    out = base / "monitor"
    cli_ok("monitor", str(run), "--ledger", str(led), "--out", str(out))
    assert _actual(out, "bed_nights", "site:FB") == "10"
    assert cli_run("monitor", "--verify", str(out))[0] == 0
