"""`foresterie map --foresteria X` where riders ride from another base (review 16, finding 4):
a foresteria without vehicles of its own, served from a depot, gets the trips carrying its
riders and its unserved riders; the depot's id gives the trips it runs; the heading says which.
The `no_vehicle` label says what the code means since session 16: no vehicle available that day.
"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from tests.helpers import TINY, add_depot, add_pickup
from tests.report.test_browser import ARTIFACTS, chromium_or_skip

FLEET_HEADER = (
    "vehicle_id,foresteria_id,seats,fixed_cost_eur_per_day,cost_eur_per_km,max_duty_min,"
    "available_from,available_to\n"
)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _solve(sc: Path, out: Path) -> Path:
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture(scope="module")
def depot_served_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny scenario where Borgo Mezzanone (FB) has no vehicle: the depot DP's one-seat
    VD1 carries one of the family W04, W05 from FB (and W07 from the point PX later); the
    other is left unserved (fleet_short, base DP). FA keeps its own VA1."""
    base = tmp_path_factory.mktemp("depot-served")
    sc = base / "s"
    shutil.copytree(TINY, sc)
    add_pickup(sc)
    add_depot(sc)
    fleet = sc / "fleet.csv"
    lines = [x for x in fleet.read_text(encoding="utf-8").splitlines(True) if ",FB," not in x]
    fleet.write_text("".join(lines).replace("VD1,DP,8,", "VD1,DP,1,"), encoding="utf-8")
    return _solve(sc, base / "run")


def _map(run: Path, tmp_path: Path, *args: str) -> dict[str, Any]:
    out = tmp_path / "map.html"
    r = CliRunner().invoke(app, ["map", str(run), *args, "--out", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(
        re.findall(r"^foresteriePlanMap\(map_\d+, (.*)\);$", text, re.M)[0]
    )
    assert f"<title>{html.escape(data['title'])}</title>" in text  # the page's heading
    return data


def _drawn(data: dict[str, Any]) -> tuple[dict[str, list[str]], Counter[str]]:
    """Per day, the trip ids drawn; per day, the worker-days unserved on the farms."""
    trips = {d: [t[0] for t in v["trips"]] for d, v in data["day"].items()}
    unserved: Counter[str] = Counter()
    for d, v in data["day"].items():
        unserved[d] += sum(x[1] for x in v["farm"].values())
    return trips, unserved


def _plan(
    run: Path, keep_trip: Any, keep_unserved: Any
) -> tuple[dict[str, list[str]], Counter[str]]:
    days = {t["day"] for t in _rows(run / "plan" / "trips.csv")} | {
        u["day"] for u in _rows(run / "plan" / "unserved.csv")
    }
    trips: dict[str, list[str]] = {d: [] for d in sorted(days)}
    for t in _rows(run / "plan" / "trips.csv"):
        if keep_trip(t):
            trips[t["day"]].append(t["trip_id"])
    unserved: Counter[str] = Counter()
    for u in _rows(run / "plan" / "unserved.csv"):
        if keep_unserved(u):
            unserved[u["day"]] += int(u["worker_days"])
    return trips, unserved


def test_the_scenario_has_a_depot_served_foresteria_with_riders_left(
    depot_served_run: Path,
) -> None:
    trips = _rows(depot_served_run / "plan" / "trips.csv")
    unserved = _rows(depot_served_run / "plan" / "unserved.csv")
    assert {t["foresteria_id"] for t in trips if t["origin_id"] == "FB"} == {"DP"}
    assert {(u["base_id"], u["code"]) for u in unserved if u["foresteria_id"] == "FB"} == {
        ("DP", "fleet_short")
    }


def test_a_foresteria_served_from_a_depot_gets_its_riders_trips_and_unserved(
    depot_served_run: Path, tmp_path: Path
) -> None:
    """Before: "0 trips, 0 worker-days unserved" on every day FB's family rode."""
    data = _map(depot_served_run, tmp_path, "--foresteria", "FB", "--lang", "en")
    want = _plan(
        depot_served_run,
        lambda t: "FB" in (t["foresteria_id"], t["origin_id"]),
        lambda u: "FB" in (u["base_id"], u["foresteria_id"]),
    )
    assert sum(map(len, want[0].values())) >= 10 and sum(want[1].values()) == 5
    trips, unserved = _drawn(data)
    assert {d: v for d, v in trips.items() if v} == {d: v for d, v in want[0].items() if v}
    assert +unserved == +want[1]
    assert (
        data["title"] == "tiny: the trips of Borgo Mezzanone's riders, run from Deposito Borgo (DP)"
    )
    # FB drawn as a foresteria, the depot its trips leave from as a depot; FA not at all
    assert [(f["id"], f.get("depot", False)) for f in data["foresterie"]] == [
        ("FB", False),
        ("DP", True),
    ]
    # the trips pass through FB, a departure point of the depot's vehicle
    fb = [p["id"] for p in data["points"]].index("FB")
    day = next(d for d, v in trips.items() if v)
    assert {t[9] for t in data["day"][day]["trips"]} == {fb}


def test_one_day_of_the_foresteria_in_italian(depot_served_run: Path, tmp_path: Path) -> None:
    day = next(u["day"] for u in _rows(depot_served_run / "plan" / "unserved.csv"))
    data = _map(depot_served_run, tmp_path, "--foresteria", "FB", "--day", day)
    assert (
        data["title"]
        == "tiny: le corse dei passeggeri di Borgo Mezzanone, in partenza da Deposito Borgo (DP)"
    )
    assert data["days"] == [day]
    farms = data["day"][day]["farm"]
    assert sum(x[1] for x in farms.values()) == 1
    assert {x[2] for x in farms.values() if x[1]} == {"flotta insufficiente (dimostrato)"}


def test_the_depot_gets_the_trips_it_runs(depot_served_run: Path, tmp_path: Path) -> None:
    """Before: `--foresteria DP` was refused (no foresteria 'DP')."""
    data = _map(depot_served_run, tmp_path, "--foresteria", "DP", "--lang", "en")
    want = _plan(
        depot_served_run,
        lambda t: t["foresteria_id"] == "DP",
        lambda u: "DP" in (u["base_id"], u["foresteria_id"]),
    )
    trips, unserved = _drawn(data)
    assert {d: v for d, v in trips.items() if v} == {d: v for d, v in want[0].items() if v}
    assert +unserved == +want[1] and sum(unserved.values()) == 5
    assert data["title"] == "tiny: the trips run from Deposito Borgo (DP)"
    assert [f["id"] for f in data["foresterie"]] == ["DP"]
    assert all(v["occ"] == {} for v in data["day"].values())  # nobody sleeps at a depot


def test_a_foresteria_with_its_own_vehicles_keeps_its_reading(
    depot_served_run: Path, tmp_path: Path
) -> None:
    data = _map(depot_served_run, tmp_path, "--foresteria", "FA", "--lang", "en")
    want = _plan(
        depot_served_run,
        lambda t: "FA" in (t["foresteria_id"], t["origin_id"]),
        lambda u: "FA" in (u["base_id"], u["foresteria_id"]),
    )
    trips, unserved = _drawn(data)
    assert {d: v for d, v in trips.items() if v} == {d: v for d, v in want[0].items() if v}
    assert +unserved == +want[1] and sum(unserved.values()) == 1
    assert data["title"] == "tiny: the trips of Fortore's vehicles and riders"
    assert [f["id"] for f in data["foresterie"]] == ["FA"]


def test_a_departure_point_gets_its_riders_trips(depot_served_run: Path, tmp_path: Path) -> None:
    data = _map(depot_served_run, tmp_path, "--foresteria", "PX", "--lang", "en")
    trips, _ = _drawn(data)
    want = [
        t["trip_id"]
        for t in _rows(depot_served_run / "plan" / "trips.csv")
        if t["origin_id"] == "PX"
    ]
    assert want and sorted(x for v in trips.values() for x in v) == sorted(want)
    assert data["title"].startswith(
        "tiny: the trips of Borgo Mezzanone (ex pista)'s riders, run from"
    )


def test_an_unknown_place_is_refused(depot_served_run: Path) -> None:
    r = CliRunner().invoke(
        app, ["map", str(depot_served_run), "--foresteria", "F1", "--lang", "en"]
    )
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        "error: --foresteria: no foresteria, depot or departure point 'F1' in this run"
    )


@pytest.fixture(scope="module")
def no_fleet_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No vehicles at all, and a departure point PX: every ride is unserved, no_vehicle, each
    origin its own base (PX too, which is no vehicle base)."""
    base = tmp_path_factory.mktemp("no-fleet")
    sc = base / "s"
    shutil.copytree(TINY, sc)
    add_pickup(sc)
    (sc / "fleet.csv").write_text(FLEET_HEADER, encoding="utf-8")
    return _solve(sc, base / "run")


def test_the_season_map_counts_every_unserved_row_with_the_no_vehicle_label(
    no_fleet_run: Path, tmp_path: Path
) -> None:
    """PX's riders (base PX, no vehicle base) were left off the season map before."""
    unserved = _rows(no_fleet_run / "plan" / "unserved.csv")
    assert {u["code"] for u in unserved} == {"no_vehicle"}
    assert any(u["foresteria_id"] == "PX" for u in unserved)
    data = _map(no_fleet_run, tmp_path, "--lang", "en")
    _, drawn = _drawn(data)
    want: Counter[str] = Counter()
    for u in unserved:
        want[u["day"]] += int(u["worker_days"])
    assert +drawn == +want
    labels = {x[2] for v in data["day"].values() for x in v["farm"].values()}
    assert labels == {"no vehicle available that day"}
    data = _map(no_fleet_run, tmp_path, "--foresteria", "PX")
    assert {x[2] for v in data["day"].values() for x in v["farm"].values()} == {
        "nessun veicolo disponibile quel giorno"
    }
    assert data["title"] == "tiny: le corse dei passeggeri di Borgo Mezzanone (ex pista)"


def test_the_foresterias_map_on_a_phone(depot_served_run: Path, tmp_path: Path) -> None:
    """FB's map of a day at 390 px in headless Chromium: the depot's trips drawn, the heading
    names the depot, the summary line counts them, nothing runs off the side."""
    exe, sync_playwright = chromium_or_skip()
    day = next(u["day"] for u in _rows(depot_served_run / "plan" / "unserved.csv"))
    n = sum(
        1
        for t in _rows(depot_served_run / "plan" / "trips.csv")
        if t["day"] == day and t["origin_id"] == "FB"
    )
    out = tmp_path / "map-fb.html"
    r = CliRunner().invoke(
        app,
        ["map", str(depot_served_run), "--foresteria", "FB", "--day", day, "--out", str(out)],
    )
    assert r.exit_code == 0, r.output
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox"], headless=True)
        page = browser.new_page(viewport={"width": 390, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(out.as_uri())
        page.wait_for_selector("path.fs-trip")
        assert page.locator("path.fs-trip").count() == n == 2
        assert page.locator(".fs-info").inner_text().startswith(f"{n} corse")
        # counted in the singular where the number is one (review 16: "1 mezzi")
        assert page.locator(".fs-info").inner_text() == (
            f"{n} corse · 1 mezzo · 1 giornata-lavoratore non servita (andata e ritorno)"
        )
        summary = page.locator(".fs-legend summary")
        assert "in partenza da Deposito Borgo (DP)" in summary.inner_text()
        box = summary.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "map-depot-served-390.png"))
        assert errors == []
        browser.close()


def test_a_map_of_a_site_with_nothing_that_day_is_refused(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """Review 20 R, LOW-5: `map --day D --foresteria F` of a foresteria closed that day wrote an
    empty map, exit 0, where a day with nothing in the run is refused: refused alike."""
    from foresterie.report.rundata import load_run

    run = load_run(tiny_season_run)
    busy = {(t.day, p) for t in run.trips for p in (t.foresteria_id, t.origin_id) if p} | {
        (u.day, p) for u in run.unserved for p in (u.foresteria_id, u.base_id) if p
    }
    day = next(d for d in run.days if (d, "FB") not in busy)  # FB closes on the 20th
    out = tmp_path / "m.html"
    r = CliRunner().invoke(
        app,
        ["map", str(tiny_season_run), "--day", day, "--foresteria", "FB", "--out", str(out)],
        env={"FORESTERIE_LANG": "en"},
    )
    assert r.exit_code == 2 and not out.exists(), r.output
    assert f"--foresteria: no trips or unserved riders of 'FB' on '{day}'" in r.stderr
    fa = next(d for d in run.days if (d, "FA") in busy)
    r = CliRunner().invoke(
        app, ["map", str(tiny_season_run), "--day", fa, "--foresteria", "FA", "--out", str(out)]
    )
    assert r.exit_code == 0 and out.is_file(), r.output


def test_a_no_ride_notice_no_driver_posts_is_said_to_the_exporter(
    no_fleet_run: Path, pickup_run: Path, tmp_path: Path
) -> None:
    """Review 20 R, LOW-4: after a breakdown no vehicle boarded at the settlement and its
    no-ride page (35 people) went into no pack, silently. With no vehicle at all, every place's
    page is in no pack: one warning line each, counts and no id; a run whose every page has a
    driver says nothing."""
    out = tmp_path / "packs"
    r = CliRunner().invoke(
        app, ["export", str(no_fleet_run), "--role", "driver", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    unserved = _rows(no_fleet_run / "plan" / "unserved.csv")
    places = {(u["day"], u["foresteria_id"]) for u in unserved}
    lines = [x for x in r.stderr.splitlines() if x.startswith("warning: no-ride notice of ")]
    assert len(lines) == len(places) > 0
    assert any(" of PX for " in x for x in lines)
    ids = {w for u in unserved for w in u["worker_ids"].split()}
    assert not any(w in r.stderr for w in ids)
    r = CliRunner().invoke(
        app, ["export", str(pickup_run), "--role", "driver", "--out", str(tmp_path / "p2")]
    )
    assert r.exit_code == 0, r.output
    posted = {(u["day"], u["foresteria_id"]) for u in _rows(pickup_run / "plan" / "unserved.csv")}
    said = [x for x in r.stderr.splitlines() if x.startswith("warning: no-ride notice of ")]
    assert len(said) <= len(posted)
