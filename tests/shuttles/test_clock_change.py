"""The two clock-change Sundays (README "Scenario format"): on the day the local clock goes
forward (2027-03-28: 02:00-02:59 does not exist) or back (2026-10-25: 02:00-02:59 happens
twice), no vehicle leaves before 03:00; the riders that leaves without a ride are listed unserved
with the clock change as the reason, validate and solve warn, and verify refuses a plan with a
departure in the changed hour."""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.timeutil import ClockChange, clock_change
from foresterie.shuttles.routes import TO_FARM, TO_FORESTERIA, _schedule, plan_shuttles
from foresterie.verify import _changed_hour, verify_run
from tests.helpers import (
    TINY,
    edit_features,
    farm,
    foresteria,
    matrix,
    pickup,
    rehash,
    scenario,
    vehicle,
    whole_stays,
    worker,
)

SPRING = date(2027, 3, 28)
AUTUMN = date(2026, 10, 25)
ROME = "Europe/Rome"


def test_clock_change_days_come_from_the_zone_rules() -> None:
    assert clock_change(SPRING, ROME) == ClockChange(start=120, end=180, forward=True)
    assert clock_change(AUTUMN, ROME) == ClockChange(start=120, end=180, forward=False)
    assert clock_change(date(2027, 3, 27), ROME) is None
    assert clock_change(date(2027, 7, 4), ROME) is None  # a Sunday of the shipped seasons
    # Not a list of Rome's dates: New York changes on other Sundays, Lord Howe by half an hour.
    assert clock_change(date(2026, 3, 8), "America/New_York") == ClockChange(
        start=120, end=180, forward=True
    )
    assert clock_change(date(2026, 4, 5), "Australia/Lord_Howe") == ClockChange(
        start=90, end=120, forward=False
    )


def test_the_verifier_finds_the_same_days_its_own_way() -> None:
    """verify.py reads the changed hour minute by minute (PEP 495 folds), the model bisects the
    zone's offsets: two years of days agree."""
    d = date(2026, 1, 1)
    found = []
    while d.year < 2028:
        c = clock_change(d, ROME)
        assert _changed_hour(d.isoformat(), ROME) == (None if c is None else (c.start, c.end))
        if c is not None:
            found.append(d)
        d += timedelta(days=1)
    assert found == [date(2026, 3, 29), AUTUMN, SPRING, date(2027, 10, 31)]


def test_schedule_never_leaves_before_not_before() -> None:
    m = matrix({("A", "F1"): 10}, ["A", "F1"])
    # Morning: the latest departure that reaches F1 by 03:10 is 03:00: allowed at 03:00 ...
    assert _schedule(TO_FARM, "A", ["F1"], [(160, 190)], m, 2, 75, None, 180) == (180, [190], 202)
    # ... not with a later bound, and a shift at 02:50 has none on such a day.
    assert _schedule(TO_FARM, "A", ["F1"], [(160, 190)], m, 2, 75, None, 181) is None
    assert _schedule(TO_FARM, "A", ["F1"], [(140, 170)], m, 2, 75, None, 180) is None
    assert _schedule(TO_FARM, "A", ["F1"], [(140, 170)], m, 2, 75, None) is not None
    # Evening: the vehicle reaches the farm no earlier than the bound plus the leg.
    assert _schedule(TO_FORESTERIA, "A", ["F1"], [(150, 200)], m, 2, 75)[0] == 140  # type: ignore[index]
    assert _schedule(TO_FORESTERIA, "A", ["F1"], [(150, 200)], m, 2, 75, None, 180)[0] == 180  # type: ignore[index]


def _season(first: str, last: str, farms: list, fleet_days: tuple[str, str], pickups=()):  # type: ignore[no-untyped-def]
    """Riders from A to F1 (10 min, shift 02:50), F2 (20 min, 03:10) and F3 (15 min, 06:00);
    P's riders (a departure point 25 min from A, 10 from F3) to F3."""
    ws = [worker(f"W{i:02d}", first, last, farm_id=f.id) for i, f in enumerate(farms)]
    ws += [worker("W09", first, last, farm_id="F3", pickup="P")] if pickups else []
    fleet = [
        replace(
            vehicle(v, "A", seats=8),
            available_from=date.fromisoformat(fleet_days[0]),
            available_to=date.fromisoformat(fleet_days[1]),
        )
        for v in ("V1", "V2")
    ]
    sc = scenario(
        [foresteria("A", men=9, open_from=first, open_to=last)],
        farms,
        ws,
        fleet,
        list(pickups),
        scenario={"season_start": first, "season_end": last},
    )
    ids = ["A", "F1", "F2", "F3", *(["P"] if pickups else [])]
    minutes = {("A", "F1"): 10, ("A", "F2"): 20, ("A", "F3"): 15, ("A", "P"): 25, ("P", "F3"): 10}
    housed = whole_stays([w for w in ws if not w.pickup_id], "A")
    return plan_shuttles(sc, matrix(minutes, ids), housed)


FARMS = [farm("F1", "02:50", "10:00"), farm("F2", "03:10", "10:00"), farm("F3", "06:00", "13:00")]


@pytest.mark.parametrize("day", [SPRING, AUTUMN])
def test_no_trip_leaves_before_three_on_the_day_the_clocks_change(day: date) -> None:
    first, last = (day - timedelta(days=2)).isoformat(), (day + timedelta(days=2)).isoformat()
    sp = _season(first, last, FARMS, (first, last), pickups=[pickup("P")])
    on = [t for t in sp.trips if t.day == day]
    assert on and min(t.depart for t in on) >= 180
    # The days around it are ordinary: F1 and F2's riders leave before 03:00 and ride.
    before = [t for t in sp.trips if t.day == day - timedelta(days=1)]
    assert min(t.depart for t in before) < 180
    rode = {(t.day, s.farm_id) for t in sp.trips for s in t.stops}
    assert {(day - timedelta(days=1), f) for f in ("F1", "F2", "F3")} <= rode
    # That day F1 (02:50) and F2 (03:10, 20 min away) have no ride; F3 (06:00) has, and P's
    # rider too (the vehicle leaves A at 03:00 or later, 25 min before reaching P).
    assert (day, "F3") in rode and (day, "F1") not in rode and (day, "F2") not in rode
    assert any(t.origin == "P" for t in on)
    left = {(u.farm_id, u.code): u.reason for u in sp.unserved if u.day == day}
    assert set(left) == {("F1", "windows"), ("F2", "windows")}
    how = "forward from 02:00 to 03:00" if day == SPRING else "back from 03:00 to 02:00"
    for reason in left.values():
        assert reason.startswith(f"clock change on {day}: the clocks go {how}, and no shuttle")
    assert not [u for u in sp.unserved if u.day != day]


def test_the_chaining_never_slides_a_trip_into_the_changed_hour() -> None:
    """A morning trip may leave earlier while every drop stays inside its window (its slack):
    on the day the clocks change, not before 03:00. F1's shift at 03:40, 10 min away, with a
    window from 03:10: the trip leaves at 03:30 and may slide to 03:00, no earlier."""
    first, last = "2027-03-27", "2027-03-29"
    farms = [farm("F1", "03:40", "10:00", frozenset({6}))]
    sp = _season(first, last, farms, (first, last))
    (trip,) = [t for t in sp.trips if t.direction == TO_FARM]
    assert trip.day == SPRING and trip.depart == 210 and trip.slack == (-30, 0)
    sp2 = _season(first, last, [farm("F1", "03:20", "10:00", frozenset({6}))], (first, last))
    (trip2,) = [t for t in sp2.trips if t.direction == TO_FARM]
    assert trip2.depart == 190 and trip2.slack == (-10, 0)  # the window would allow -20


# ------------------------------------------------------------------ end to end


def _folder(tmp_path: Path, day: date) -> Path:
    """The tiny scenario moved to a week around `day`: F1 (shift 02:50) and F2 (06:00) work
    every day; F3 (Nardò, beyond the ride cap) is left as it is."""
    folder = tmp_path / f"dst-{day}"
    shutil.copytree(TINY, folder)
    first, last = day - timedelta(days=3), day + timedelta(days=3)
    toml = (folder / "scenario.toml").read_text(encoding="utf-8")
    toml = toml.replace("2026-07-01", first.isoformat()).replace("2026-07-31", last.isoformat())
    toml = toml.replace("heat_alert_days = [2026-07-08]\n", "")
    (folder / "scenario.toml").write_text(toml, encoding="utf-8")
    for name in ("farms", "foresterie"):
        path = folder / f"{name}.geojson"
        data = json.loads(path.read_text(encoding="utf-8"))
        for f in data["features"]:
            p = f["properties"]
            if name == "farms":
                p["workdays"] = "Mon-Sun"
                p["shift_start"] = {"F1": "02:50"}.get(p["id"], p["shift_start"])
            else:
                p["open_from"], p["open_to"] = first.isoformat(), last.isoformat()
        path.write_text(json.dumps(data), encoding="utf-8")
    for name in ("fleet.csv", "workers.csv"):
        path = folder / name
        text = path.read_text(encoding="utf-8-sig")
        for old in ("2026-07-01", "2026-07-06", "2026-07-21"):
            text = text.replace(old, first.isoformat())
        for old in ("2026-07-31", "2026-07-13", "2026-07-11", "2026-07-28"):
            text = text.replace(old, last.isoformat())
        path.write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("day", "said"),
    [
        (SPRING, "02:50 does not exist that day (the clocks go forward from 02:00 to 03:00)"),
        (AUTUMN, "02:50 happens twice that day (the clocks go back from 03:00 to 02:00)"),
    ],
)
def test_warned_planned_without_the_hour_verified_and_a_forgery_refused(
    tmp_path: Path, day: date, said: str
) -> None:
    folder = _folder(tmp_path, day)
    r = CliRunner().invoke(app, ["validate", str(folder)])
    assert r.exit_code == 0, r.output
    warning = (
        f"warning: farms.geojson:1: shift_start: F1: shift 02:50 on {day}: {said} and no "
        "shuttle leaves before 03:00; its riders have no ride that day"
    )
    assert warning in r.stderr.splitlines()
    assert sum("shift 02:50 on" in line for line in r.stderr.splitlines()) == 1  # that day only
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert warning in r.output.splitlines()
    trips = _rows(out / "plan" / "trips.csv")
    stamp = day.isoformat()
    assert all(t["depart"] >= "03:00" for t in trips if t["day"] == stamp)
    assert any(t["depart"] < "03:00" for t in trips if t["day"] != stamp)  # F1 other days
    rows = _rows(out / "plan" / "unserved.csv")
    f1 = [u for u in rows if u["day"] == stamp and u["farm_id"] == "F1"]
    assert [u["code"] for u in f1] == ["windows"]
    assert f1[0]["reason"].startswith(f"clock change on {stamp}: the clocks go ")
    assert verify_run(out) == []
    # A forger moves that day's first morning trip into the changed hour, 02:13 (every later
    # time with it, so only the clock rule is broken) and re-hashes the plan.
    first = min(
        (t for t in trips if t["day"] == stamp and t["direction"] == "to_farm"),
        key=lambda t: t["trip_id"],
    )
    shift = int(first["depart"][:2]) * 60 + int(first["depart"][3:]) - 133
    assert shift > 0

    def earlier(hhmm: str) -> str:
        m = int(hhmm[:2]) * 60 + int(hhmm[3:]) - shift
        return f"{m // 60:02d}:{m % 60:02d}"

    _edit_times(out / "plan" / "trips.csv", first["trip_id"], TRIP_TIMES, earlier)
    _edit_times(out / "plan" / "stops.csv", first["trip_id"], ("arrive", "depart"), earlier)
    rehash(out, ["plan/trips.csv", "plan/stops.csv"])
    found = verify_run(out)
    assert (
        f"trip {first['trip_id']} on {stamp} departs 02:13, in the hour the clocks change "
        "(02:00-03:00)"
    ) in found


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


TRIP_TIMES = ("depart", "return", "origin_depart", "origin_return")


def _edit_times(path: Path, trip_id: str, fields: tuple[str, ...], fn) -> None:  # type: ignore[no-untyped-def]
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
        header = list(rows[0])
    for row in rows:
        if row["trip_id"] == trip_id:
            for k in fields:
                row[k] = fn(row[k])
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


@pytest.mark.parametrize(
    ("start", "tail"),
    [
        (
            "03:40",
            "the clocks go back from 03:00 to 02:00 and no shuttle leaves before 03:00; "
            "riders more than 40 min away have no ride that day",
        ),
        (
            "03:00",
            "the clocks go back from 03:00 to 02:00 and no shuttle leaves before 03:00; "
            "its riders have no ride that day",
        ),
        ("04:15", None),  # 75 min after 03:00: every ride within the cap can leave at 03:00
    ],
)
def test_the_warning_says_who_is_left(tmp_path: Path, start: str, tail: str | None) -> None:
    from foresterie.scenario.load import load_scenario

    folder = _folder(tmp_path, AUTUMN)
    edit_features(folder / "farms.geojson", 0, shift_start=start)
    said = [str(w) for w in load_scenario(folder).warnings if "shift" in str(w)]
    head = f"farms.geojson:1: shift_start: F1: shift {start} on 2026-10-25: "
    assert said == ([head + tail] if tail else [])


def test_a_run_read_in_another_zone_is_refused(tiny_season_run: Path, tmp_path: Path) -> None:
    """A forger who re-labels the zone (UTC has no clock change) would dodge the clock rule: the
    verifier reads the one zone the model knows, and refuses the folder."""
    from foresterie.verify import Unreadable

    run = tmp_path / "run"
    shutil.copytree(tiny_season_run, run)
    toml = run / "inputs" / "scenario.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace('"Europe/Rome"', '"UTC"'), encoding="utf-8"
    )
    rehash(run, ["inputs/scenario.toml"])
    with pytest.raises(Unreadable, match=r"scenario\.timezone: 'UTC' is not Europe/Rome"):
        verify_run(run)
