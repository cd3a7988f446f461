"""A group is present as a whole in the day runs and the monitor too, as in the intake (review 20
R, MEDIUM-2): a crew member or a child whose group checked in without them is driven (a worker)
and counted in a bed with it, from the group's check-in, and the day run names them; the
monitor's verifier recomputes it by its own code.

Tiny season (tests/data/tiny): W01, W02, W03 at FA and the family G1 = W04, W05 (both working
at F2) at FB from Mon 6 July; the offices record check-ins from the 6th, W04's row is missing."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from foresterie.ops.day import day_demand, load_season_run
from foresterie.ops.ledger import Event
from foresterie.ops.monitor import presence
from tests.helpers import cli_ok, cli_run, season_with_ledger

ROWS = "".join(f"2026-07-06,{w},arrival\n" for w in ("W01", "W02", "W03", "W05"))


def _events() -> list[Event]:
    return [
        Event(kind="arrival", day=date(2026, 7, 6), worker_id=w)
        for w in ("W01", "W02", "W03", "W05")
    ]


def test_a_day_run_drives_and_names_the_member_checked_in_with_his_group(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    season = load_season_run(tiny_season_run)
    demand = day_demand(season, _events(), date(2026, 7, 8))
    assert {"W04", "W05"} <= {w.id for w in demand.riders}
    assert demand.with_group == [("G1", ["W04"])]
    # his own departure row is his: not kept with the group after it
    left = [*_events(), Event(kind="departure", day=date(2026, 7, 8), worker_id="W04")]
    later = day_demand(season, left, date(2026, 7, 9))
    assert "W04" not in {w.id for w in later.riders} and later.with_group == []
    run = season_with_ledger(tiny_season_run, tmp_path)
    (tmp_path / "c.csv").write_text("date,worker_id,event\n" + ROWS)
    cli_ok("ledger", "import", str(run), str(tmp_path / "c.csv"))
    said = cli_ok("day", str(run), "--date", "2026-07-08")
    assert "note: G1: W04 not checked in with the group: expected with it" in said, said
    with (tmp_path / "tiny.days" / "2026-07-08" / "plan" / "riders.csv").open() as fh:
        assert "W04" in {r["worker_id"] for r in csv.DictReader(fh)}


def test_the_monitor_counts_him_in_his_bed_from_the_groups_check_in(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    season = load_season_run(tiny_season_run)
    days = [date(2026, 7, 6) + timedelta(days=k) for k in range(5)]
    nights, _ = presence(season, _events(), days, date(2026, 7, 10))
    assert nights["W04"] == nights["W05"] == set(days)
    run = season_with_ledger(tiny_season_run, tmp_path)
    (tmp_path / "c.csv").write_text("date,worker_id,event\n" + ROWS + "2026-07-10,W02,absent\n")
    cli_ok("ledger", "import", str(run), str(tmp_path / "c.csv"))
    cli_ok("monitor", str(run), "--out", str(tmp_path / "mon"))
    with (tmp_path / "mon" / "monitor.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    got = {(r["indicator"], r["breakdown"]): r for r in rows if r["week"] == "2026-W28"}
    assert (got["taken_in", ""]["plan"], got["taken_in", ""]["actual"]) == ("5", "5")
    beds = got["bed_nights", "site:FB"]  # W04 and W05, 6-10 July: 10, not W05's 5
    assert (beds["plan"], beds["actual"]) == ("10", "10")
    code, out = cli_run("monitor", "--verify", str(tmp_path / "mon"))
    assert code == 0, out
