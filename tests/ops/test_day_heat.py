"""`foresterie day --heat-alert / --no-heat-alert` (review 16, finding 5): the regional heat
ordinance's ban (work stops at 12:30) is declared day by day from the Worklimate forecast, so the
evening before, the office tells the day run; the day then follows the ordinance exactly as a day
the season lists (`[transport] heat_alert_days`), the ledger records the declaration (a re-run of
the day agrees), the verifier checks the day's rule and a replay is byte-identical.

The tiny season lists 2026-07-08 (a Wednesday) as its only heat-alert day; Tuesday 07-07 is not
listed. Its farms: F1 05:30-13:30 (Mon-Sat), F2 06:00-14:00 (every day), return windows
[shift end, shift end + 30] (`wait_after_shift_max_min`), on heat days [12:30, 13:00]."""

from __future__ import annotations

import csv
import json
import shutil
import tomllib
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.files import file_sha256
from foresterie.ops.ledger import Ledger
from foresterie.verify import verify_run
from tests.helpers import rehash

FREE = date(2026, 7, 7)  # not a heat-alert day of the season
LISTED = date(2026, 7, 8)  # the season's heat-alert day
HEAT_END, WAIT = 12 * 60 + 30, 30
HOT_SAYS = "heat alert on 2026-07-07: field work stops at 12:30 (from --heat-alert)"


def _cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output


def _min(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _day(
    season: Path, led: Path, out: Path, d: date, *flags: str, says: str = ""
) -> dict[str, object]:
    """A day run through the CLI; `says`: its heat-alert line (none on a day without)."""
    code, said = _cli(
        "day", str(season), "--date", d.isoformat(), "--ledger", str(led), "--out", str(out), *flags
    )
    assert code == 0, said
    heat = [line for line in said.splitlines() if line.startswith(("heat alert", "no heat alert"))]
    assert heat == ([says] if says else []), said
    record: dict[str, object] = json.loads((out / "day.json").read_text(encoding="utf-8"))
    return record


def _heat_days(run: Path) -> list[date]:
    cfg = tomllib.loads((run / "inputs" / "scenario.toml").read_text(encoding="utf-8"))
    return list(cfg.get("transport", {}).get("heat_alert_days", []))


def _farm_stops(run: Path) -> dict[str, list[tuple[int, int]]]:
    """direction -> (arrive, depart) of every farm stop of the plan, in minutes."""
    direction = {t["trip_id"]: t["direction"] for t in _rows(run / "plan" / "trips.csv")}
    out: dict[str, list[tuple[int, int]]] = {"to_farm": [], "to_foresteria": []}
    for s in _rows(run / "plan" / "stops.csv"):
        out[direction[s["trip_id"]]].append((_min(s["arrive"]), _min(s["depart"])))
    return out


def _undated(run: Path, d: date, name: str) -> str:
    return (run / "plan" / name).read_text(encoding="utf-8").replace(d.isoformat(), "DAY")


def _new_ledger(season: Path, led: Path) -> Path:
    code, out = _cli("ledger", "init", str(season), "--ledger", str(led))
    assert code == 0, out
    return led


@pytest.fixture
def ledger(tiny_season_run: Path, tmp_path: Path) -> Path:
    return _new_ledger(tiny_season_run, tmp_path / "ledger.sqlite")


def test_a_heat_alert_declared_for_a_day_the_season_does_not_list(
    tiny_season_run: Path, ledger: Path, tmp_path: Path
) -> None:
    plain = tmp_path / "plain"
    record = _day(
        tiny_season_run, _new_ledger(tiny_season_run, tmp_path / "other.sqlite"), plain, FREE
    )  # no ledger rows
    assert record["heat_alert"] == {"day": False, "from": "season", "in_season_list": False}
    assert _heat_days(plain) == []
    # without the alert, the evening pick-ups are at the farms' own shift ends (13:30, 14:00)
    assert max(a for a, _ in _farm_stops(plain)["to_foresteria"]) > HEAT_END + WAIT

    hot = tmp_path / "hot"
    record = _day(tiny_season_run, ledger, hot, FREE, "--heat-alert", says=HOT_SAYS)
    assert record["heat_alert"] == {"day": True, "from": "--heat-alert", "in_season_list": False}
    assert _heat_days(hot) == [FREE]  # the day run's scenario: what verify and replay read
    stops = _farm_stops(hot)
    assert stops["to_farm"] and stops["to_foresteria"]
    assert all(d <= HEAT_END for _, d in stops["to_farm"])  # dropped before the ban
    # picked up when work stops at 12:30, never later than the wait after it
    assert all(HEAT_END <= a <= HEAT_END + WAIT for a, _ in stops["to_foresteria"])
    # the same trips as on the day the season lists (same farms, same riders, same rule)
    listed = _day(
        tiny_season_run,
        _new_ledger(tiny_season_run, tmp_path / "third.sqlite"),
        tmp_path / "listed",
        LISTED,
        says="heat alert on 2026-07-08: field work stops at 12:30 (from season)",
    )
    assert listed["heat_alert"] == {"day": True, "from": "season", "in_season_list": True}
    for name in ("trips.csv", "stops.csv", "riders.csv"):
        assert _undated(hot, FREE, name) == _undated(tmp_path / "listed", LISTED, name), name
    # the driver sheets say it, as on a listed day
    sheet = (hot / "report" / "drivers" / FREE.isoformat() / "VA1.html").read_text()
    assert "id='heat'" in sheet and "12:30" in sheet
    assert (
        "id='heat'"
        not in (plain / "report" / "drivers" / FREE.isoformat() / "VA1.html").read_text()
    )

    # the ledger: the declaration, then the plan it made, chained
    with Ledger.open(ledger) as led:
        assert led.verify() == []
        rows = [r.event for r in led.rows()]
    assert [(e.kind, e.day, e.note) for e in rows[-2:]] == [
        ("heat_alert", FREE, "declared"),
        ("day_plan", FREE, file_sha256(hot / "manifest.json")),
    ]

    assert verify_run(hot) == []
    code, out = _cli("replay", str(hot), "--out", str(tmp_path / "replay"))
    assert code == 0, out  # replay exits 1 on any plan or report file that differs
    for name in ("trips.csv", "stops.csv", "riders.csv", "unserved.csv"):
        assert (tmp_path / "replay" / "plan" / name).read_bytes() == (
            hot / "plan" / name
        ).read_bytes()

    # a re-run of the day without the option follows the ledger's declaration
    again = tmp_path / "again"
    again_says = "heat alert on 2026-07-07: field work stops at 12:30 (from ledger)"
    record = _day(tiny_season_run, ledger, again, FREE, says=again_says)
    assert record["heat_alert"] == {"day": True, "from": "ledger", "in_season_list": False}
    assert _undated(again, FREE, "trips.csv") == _undated(hot, FREE, "trips.csv")


def test_the_verifier_refuses_a_pick_up_inside_the_ban(
    tiny_season_run: Path, ledger: Path, tmp_path: Path
) -> None:
    hot = tmp_path / "hot"
    _day(tiny_season_run, ledger, hot, FREE, "--heat-alert", says=HOT_SAYS)
    forged = tmp_path / "forged"
    shutil.copytree(hot, forged)
    # a pick-up at F1 at its own shift end, 13:30, inside the ban: allowed on a day without alert
    # (the whole trip an hour later: its travel times stay what the matrix says)
    plan = forged / "plan"
    stops = (plan / "stops.csv").read_text(encoding="utf-8")
    trips = (plan / "trips.csv").read_text(encoding="utf-8")
    trip = "FA,to_foresteria,2026-07-07-FA-E01,VA1,12:20,12:42,18.048,2,FA,12:20,12:42"
    assert ",F1,12:30,12:32," in stops and trip in trips
    (plan / "stops.csv").write_text(stops.replace(",F1,12:30,12:32,", ",F1,13:30,13:32,"))
    (plan / "trips.csv").write_text(trips.replace(trip, trip.replace("12:", "13:")))
    rehash(forged, ["plan/stops.csv", "plan/trips.csv"])
    windows = [v for v in verify_run(forged, report=False) if v.startswith("time window")]
    assert windows == [
        "time window: 2026-07-07-FA-E01 leaves F1 at 13:32, shift ends 12:30 (wait limit 30 min)"
    ]
    # the same forgery on the plan of the day without the alert is within F1's window
    plain = tmp_path / "plain"
    _day(tiny_season_run, _new_ledger(tiny_season_run, tmp_path / "other.sqlite"), plain, FREE)
    assert ",F1,13:30,13:32," in (plain / "plan" / "stops.csv").read_text(encoding="utf-8")


def test_an_alert_lifted_on_a_listed_day(
    tiny_season_run: Path, ledger: Path, tmp_path: Path
) -> None:
    lifted = tmp_path / "lifted"
    says = "no heat alert on 2026-07-08, though the season lists it (from --no-heat-alert)"
    record = _day(tiny_season_run, ledger, lifted, LISTED, "--no-heat-alert", says=says)
    assert record["heat_alert"] == {"day": False, "from": "--no-heat-alert", "in_season_list": True}
    # the season run by its folder's name: no path of the office's machine in a published record
    assert record["season_run"] == tiny_season_run.resolve().name
    assert _heat_days(lifted) == []
    assert max(a for a, _ in _farm_stops(lifted)["to_foresteria"]) > HEAT_END + WAIT
    with Ledger.open(ledger) as led:
        kinds = [(r.event.kind, r.event.note) for r in led.rows()][-2:]
    assert kinds[0] == ("heat_alert", "lifted") and kinds[1][0] == "day_plan"
    assert verify_run(lifted) == []


def test_lifting_an_alert_the_season_never_listed_says_no_more(
    tiny_season_run: Path, ledger: Path, tmp_path: Path
) -> None:
    """Review 17 (#13): --no-heat-alert on a day the season does not list said "though the
    season lists it"."""
    plain = FREE
    assert plain not in _heat_days(tiny_season_run)
    says = f"no heat alert on {plain} (from --no-heat-alert)"
    record = _day(tiny_season_run, ledger, tmp_path / "plain", plain, "--no-heat-alert", says=says)
    assert record["heat_alert"] == {
        "day": False,
        "from": "--no-heat-alert",
        "in_season_list": False,
    }


def test_a_failed_day_run_records_no_declaration(
    tiny_season_run: Path, ledger: Path, tmp_path: Path
) -> None:
    # a day before anyone arrives: nobody rides, refused (exit 2) once the demand is made, and
    # neither the declaration nor a plan is recorded (nothing written)
    args = ["day", str(tiny_season_run), "--date", "2026-07-02", "--ledger", str(ledger)]
    code, out = _cli(*args, "--out", str(tmp_path / "x"), "--heat-alert")
    assert (
        code == 2
        and "2026-07-02: nobody rides (no one housed or booked has a workday on a heat-alert day)"
        in out
    ), out
    assert not (tmp_path / "x").exists()
    with Ledger.open(ledger) as led:
        assert all(r.event.kind != "heat_alert" for r in led.rows())
