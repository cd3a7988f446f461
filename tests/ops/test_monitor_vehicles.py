"""The monitor counts the Region's figures vehicle by vehicle and night by night (review 16,
findings 6 and 9; README "Monitoring").

The tiny season plans, on Thursday 9 July 2026, VA1 (FA) with W01, W02, W03 and VB1 (FB) with
W04, W05 on their morning trips: 5 worker-days; ISO week 2026-W28 plans 28 (tests/ops/
test_monitor.py). W06 is waitlisted: the plan houses them on no night.

- Worker-days: only VA1's list of the 9th is imported (W01, W02 aboard, W03 did not show).
  The day is 2 (the list) + 2 (VB1's planned riders) = 4, the week 27, not the list alone (2, the
  week 25). With W04 ticked aboard VA1 as well (they took the other van), W04 counts once:
  3 + 2 - 1 = 4 again.
- Overflow: the waitlisted W06 ticked aboard VA1 on the 9th, the ledger read to the 20th: one
  night without a bed (the 9th), not every night to the end of the stay (9-12 July: 4). Given
  a departure point (the settlement PX), W06 is where the plan has them on every night of the
  stay: never overflow, whatever the ledger shows (review 17, finding 10).
- `ledger import` of a list naming someone a day run does not seat on that vehicle warns,
  naming the day run.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from foresterie.core.files import dumps_json, file_sha256
from tests.helpers import TINY, add_pickup, cli_ok, cli_run

WEEK = "2026-W28"


def _monitor(run: Path, base: Path, *files: str) -> Path:
    """A ledger of the given import files (CSV texts), and its monitor folder."""
    base.mkdir()
    led = base / "ledger.sqlite"
    for i, text in enumerate(files):
        f = base / f"import{i}.csv"
        f.write_text(text, encoding="utf-8")
        cli_ok("ledger", "import", str(run), str(f), "--ledger", str(led))
    out = base / "monitor"
    cli_ok("monitor", str(run), "--ledger", str(led), "--out", str(out))
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _row(folder: Path, indicator: str, week: str = WEEK) -> dict[str, str]:
    (row,) = [
        r
        for r in _rows(folder / "monitor.csv")
        if (r["week"], r["indicator"], r["breakdown"]) == (week, indicator, "")
    ]
    return row


def _forged(good: Path, other: Path, where: Path) -> tuple[int, str]:
    """`good`'s folder with `other`'s monitor.csv, the manifest re-hashed as a forger would."""
    shutil.copytree(good, where)
    shutil.copyfile(other / "monitor.csv", where / "monitor.csv")
    m = json.loads((where / "manifest.json").read_text(encoding="utf-8"))
    m["outputs"]["monitor.csv"] = file_sha256(where / "monitor.csv")
    (where / "manifest.json").write_text(dumps_json(m), encoding="utf-8")
    return cli_run("monitor", "--verify", str(where))


HEAD = "date,vehicle_id,worker_id,boarded,leg\n"


def test_one_vehicles_list_leaves_the_other_vehicles_riders_counted(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    va1 = (
        HEAD + "2026-07-09,VA1,W01,yes,out\n2026-07-09,VA1,W02,yes,out\n2026-07-09,VA1,W03,no,out\n"
    )
    one = _monitor(tiny_season_run, tmp_path / "one", va1)
    wd = _row(one, "worker_days")
    assert (wd["plan"], wd["actual"]) == ("28", "27")  # the 9th: 2 listed + VB1's 2 planned
    assert wd["source"] == "ledger+plan"
    days = {r["day"]: r for r in _rows(one / "days.csv")}
    assert days["2026-07-09"]["transport_source"] == "ledger+plan"  # VB1's riders: the plan's
    assert days["2026-07-08"]["transport_source"] == "plan"
    fees = [r for r in _rows(one / "monitor.csv") if r["indicator"] == "caporale_fees_avoided"]
    low = next(r for r in fees if (r["week"], r["breakdown"]) == (WEEK, "fee:low"))
    assert low["actual"] == f"{27 * 5.0:.2f}"  # EUR 5 per worker-day actually transported
    assert cli_run("monitor", "--verify", str(one)) == (0, f"ok: {one}: every check passed\n")

    # both vans' lists: the day is the lists' alone (VB1: W04, W05 aboard), source ledger
    vb1 = HEAD + "2026-07-09,VB1,W04,yes,out\n2026-07-09,VB1,W05,yes,out\n"
    both = _monitor(tiny_season_run, tmp_path / "both", va1, vb1)
    assert _row(both, "worker_days")["actual"] == "27"
    # (days.csv still says ledger+plan: the day's trips, costs and waits are the plan's)

    # W04 took VA1 (ticked on its list), VB1's list not in: W04 counted once, not twice
    moved = va1 + "2026-07-09,VA1,W04,yes,out\n"
    once = _monitor(tiny_season_run, tmp_path / "once", moved)
    assert _row(once, "worker_days")["actual"] == "27"  # 3 listed + VB1's W05
    assert cli_run("monitor", "--verify", str(once))[0] == 0

    # a forged figure (the list alone: 25) in the folder whose ledger holds VA1's list
    alone = _monitor(tiny_season_run, tmp_path / "alone", va1 + "2026-07-09,VB1,W04,no,out\n")
    assert _row(alone, "worker_days")["actual"] == "25"  # VB1's list: W04 did not, W05 unlisted
    code, out = _forged(one, alone, tmp_path / "forged")
    assert code == 1, out
    assert f"({WEEK}, worker_days, total): actual 25, recomputed 27" in out


@pytest.fixture(scope="module")
def settlement_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny season with a departure point PX where the waitlisted W06 boards."""
    tiny = tmp_path_factory.mktemp("px") / "tiny"
    shutil.copytree(TINY, tiny)
    add_pickup(tiny, rider="W06")
    run = tiny.parent / "run"
    cli_ok("solve", str(tiny), "--out", str(run))
    return run


def test_a_waitlisted_person_seen_aboard_once_is_overflow_that_night_only(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """W06, waitlisted without a departure point (the plan expects them nowhere), ticked aboard
    VA1 on the 9th, the ledger read to the 20th: the night of the 9th only."""
    late = "date,vehicle_id,incident\n2026-07-20,VA1,late_return\n"  # the ledger read to the 20th
    board = HEAD + "2026-07-09,VA1,W06,yes,out\n"
    seen = _monitor(tiny_season_run, tmp_path / "seen", late, board)
    before = _monitor(tiny_season_run, tmp_path / "before", late)
    assert (_row(before, "overflow")["plan"], _row(before, "overflow")["actual"]) == ("0", "0")
    assert _row(before, "overflow")["source"] == "plan"  # no site records check-ins
    assert _row(seen, "overflow")["source"] == "ledger+plan"  # the boarding's night
    # the night of the 9th only, not the 9th to the end of the stay (4 nights)
    assert _row(seen, "overflow")["actual"] == "1"
    assert _row(seen, "overflow", "season")["actual"] == "1"
    assert cli_run("monitor", "--verify", str(seen)) == (0, f"ok: {seen}: every check passed\n")
    code, out = _forged(seen, before, tmp_path / "forged")
    assert code == 1, out
    assert f"({WEEK}, overflow, total): actual 0, recomputed 1" in out


def test_a_departure_points_rider_is_never_overflow_on_their_nights(
    settlement_run: Path, tiny_season_run: Path, tmp_path: Path
) -> None:
    """Review 17, finding 10: W06 boards at the settlement PX, where the plan has them every
    night of their stay (no bed): not overflow on those nights, whatever shows them present
    (their check-in, a driver's list): the figure is the same with and without the rows. The
    verifier recomputes the same, and refuses the figure the rule replaced."""
    late = "date,vehicle_id,incident\n2026-07-20,VA1,late_return\n"
    checkin = "date,worker_id,event\n2026-07-06,W06,arrival\n"
    board = HEAD + "2026-07-09,VA1,W06,yes,out\n"
    without = _monitor(settlement_run, tmp_path / "without", late)
    rows = _monitor(settlement_run, tmp_path / "rows", late, checkin, board)
    for folder in (without, rows):
        for week in (WEEK, "season"):
            assert (
                _row(folder, "overflow", week)["actual"],
                _row(folder, "overflow", week)["plan"],
            ) == ("0", "0")
        assert cli_run("monitor", "--verify", str(folder))[0] == 0
    nowhere = _monitor(tiny_season_run, tmp_path / "nowhere", late, checkin, board)
    assert _row(nowhere, "overflow")["actual"] == "7"  # without PX: nights 6-12 of W06's stay
    code, out = _forged(rows, nowhere, tmp_path / "forged")
    assert code == 1, out
    assert f"({WEEK}, overflow, total): actual 7, recomputed 0" in out


def test_nothing_after_the_as_of_day_comes_from_the_ledger(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """W06 (waitlisted, no departure point) checked in without a bed on the 6th, the ledger
    read to the 8th: the nights 6-8 are overflow; after the 8th the plan expects W06 nowhere,
    so none (not 9-12 as well)."""
    checkin = "date,worker_id,event\n2026-07-06,W06,arrival\n2026-07-08,W01,arrival\n"
    folder = _monitor(tiny_season_run, tmp_path / "m", checkin)
    assert _row(folder, "overflow")["actual"] == "3"
    assert cli_run("monitor", "--verify", str(folder))[0] == 0


def test_a_list_the_day_run_does_not_seat_is_imported_with_a_warning(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    run = tmp_path / "tiny"
    shutil.copytree(tiny_season_run, run)
    led = tmp_path / "ledger.sqlite"
    checkins = tmp_path / "checkins.csv"
    checkins.write_text("date,worker_id,event\n2026-07-06,W01,arrival\n", encoding="utf-8")
    cli_ok("ledger", "import", str(run), str(checkins), "--ledger", str(led))
    day = run.parent / "tiny.days" / "2026-07-07"
    cli_ok("day", str(run), "--date", "2026-07-07", "--ledger", str(led), "--out", str(day))
    trips = {t["trip_id"]: t["vehicle_id"] for t in _rows(day / "plan" / "trips.csv")}
    seat = {(trips[r["trip_id"]], r["worker_id"]) for r in _rows(day / "plan" / "riders.csv")}
    assert ("VA1", "W01") in seat and ("VB1", "W04") in seat and ("VB1", "W01") not in seat
    good = tmp_path / "good.csv"
    good.write_text(HEAD + "2026-07-07,VA1,W01,yes,out\n", encoding="utf-8")
    code, out = cli_run("ledger", "import", str(run), str(good), "--ledger", str(led))
    assert code == 0 and "warning" not in out, out
    wrong = tmp_path / "wrong.csv"  # another sheet: VB1's driver ticking FA's W01, W03
    wrong.write_text(HEAD + "2026-07-07,VB1,W01,yes,out\n2026-07-07,VB1,W03,no,out\n")
    code, out = cli_run("ledger", "import", str(run), str(wrong), "--ledger", str(led))
    assert code == 0, out  # taken: who boarded is what the driver saw
    assert "warning: the boarding list of VB1 on 2026-07-07 names 2 people the day run" in out
    assert str(day.resolve()) in out and "(W01, W03)" in out
