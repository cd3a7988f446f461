"""A farm whose round trip no driver's day can hold (review 16, finding 1): a 05:30-18:45
harvest day is longer than one driver's 13 hours, a part-time driver's 6 hours are shorter than
an 8-hour shift. The planner leaves those riders unserved with a reason of their own,
`drivers_day` (proven); the season is published and verified; the verifier refuses the reason
where a vehicle's day could hold the round trip, or two vehicles one leg each, and no longer
calls a vehicle that could not have carried them "idle"; `validate` warns beforehand. The
reviewer's scenarios span2 and span1, as small as they were."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import cli_ok, cli_run, rehash

DAYS = ["2027-07-05", "2027-07-06", "2027-07-07", "2027-07-08", "2027-07-09"]
WORKERS = [f"W{k:02d}" for k in range(1, 11)]
FLEET_HEADER = (
    "vehicle_id,foresteria_id,seats,fixed_cost_eur_per_day,cost_eur_per_km,max_duty_min,"
    "available_from,available_to,max_span_min,max_stretch_min"
)


def _point(props: dict[str, object], lon: float, lat: float) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def _season(folder: Path, shift: tuple[str, str], fleet: list[str]) -> Path:
    """One foresteria at San Severo, one farm at Torremaggiore (~9 km, 11 min by haversine),
    ten men working every day of a five-day season, and the fleet's rows."""
    folder.mkdir()
    layer = {"type": "FeatureCollection"}
    beds = {"beds_men": 20, "beds_women": 0, "beds_family": 0, "beds_accessible": 0}
    fa = {"id": "FR-A", "name": "Foresteria A", "comune": "San Severo", **beds}
    fa |= {"open_from": DAYS[0], "open_to": DAYS[-1]}
    f1 = {"id": "F1", "name": "Azienda Uno", "comune": "Torremaggiore", "crop": "tomato"}
    f1 |= {"shift_start": shift[0], "shift_end": shift[1], "workdays": "Mon-Sun"}
    for name, feature in (
        ("foresterie.geojson", _point(fa, 15.379, 41.689)),
        ("farms.geojson", _point(f1, 15.293, 41.689)),
    ):
        (folder / name).write_text(json.dumps(layer | {"features": [feature]}), encoding="utf-8")
    (folder / "workers.csv").write_text(
        "worker_id,arrival,departure,section,group_id,farm_id,priority,accessible,"
        "pinned_foresteria\n"
        + "".join(f"{w},{DAYS[0]},2027-07-10,men,,F1,0,false,\n" for w in WORKERS),
        encoding="utf-8",
    )
    (folder / "fleet.csv").write_text("\n".join([FLEET_HEADER, *fleet]) + "\n", encoding="utf-8")
    (folder / "scenario.toml").write_text(
        '[scenario]\nname = "span"\nseason_start = 2027-07-05\nseason_end = 2027-07-09\n'
        'seed = 1\ntimezone = "Europe/Rome"\n\n[data]\nforesterie = "foresterie.geojson"\n'
        'farms = "farms.geojson"\nworkers = "workers.csv"\nfleet = "fleet.csv"\n\n'
        "[housing]\nmax_commute_min = 60\n\n[transport]\nmax_ride_min = 75\n\n"
        '[travel]\nbackend = "haversine"\n\n[solver]\nshuttle_processes = 1\n',
        encoding="utf-8",
    )
    return folder


def _van(vid: str = "V1", duty: int = 540, span: str = "", stretch: str = "") -> str:
    return f"{vid},FR-A,16,100,0.5,{duty},{DAYS[0]},{DAYS[-1]},{span},{stretch}"


# The reviewer's span2 (a harvest day, the default driver's day) and span1 (an 8-hour shift, a
# part-time driver of 6 hours); and a van whose stretch (20 min) is shorter than one trip (24).
CASES = {
    "span2": (("05:30", "18:45"), [_van()], "at least 819 min"),
    "span1": (("06:00", "14:00"), [_van(duty=300, span="360")], "at least 504 min"),
    "stretch": (("06:00", "14:00"), [_van(stretch="20")], "each trip 24 min"),
}


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each case solved once: the runs (solve verifies before it publishes)."""
    root = tmp_path_factory.mktemp("drivers_day")
    runs = {}
    for name, (shift, fleet, _) in CASES.items():
        folder = _season(root / name, shift, fleet)
        runs[name] = root / f"run-{name}"
        cli_ok("solve", str(folder), "--out", str(runs[name]))
    return runs


def _unserved(run: Path) -> list[dict[str, str]]:
    with (run / "plan" / "unserved.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_season_is_published_every_worker_day_listed_with_the_reason(
    solved: dict[str, Path], name: str
) -> None:
    run = solved[name]
    assert (run / "manifest.json").is_file()  # published: it passed its own verification
    assert cli_run("verify", str(run))[0] == 0
    rows = _unserved(run)
    assert [r["day"] for r in rows] == DAYS
    for r in rows:
        assert (r["code"], r["proven"], r["farm_id"]) == ("drivers_day", "yes", "F1")
        assert r["worker_ids"].split() == WORKERS and r["worker_days"] == "10"
        assert "no vehicle based at Foresteria A can bring these riders" in r["reason"]
        assert CASES[name][2] in r["reason"]
    trips = (run / "plan" / "trips.csv").read_text(encoding="utf-8").splitlines()
    assert trips[1:] == []  # nobody is driven out without a ride home


def test_the_no_ride_notice_and_the_report_say_why(solved: dict[str, Path]) -> None:
    run = solved["span2"]
    notice = (run / "report" / "drivers" / DAYS[1] / "no-ride" / "FR-A.html").read_text(
        encoding="utf-8"
    )
    assert "data-code='drivers_day'" in notice
    assert "di lavoro di un autista della navetta non basta per il viaggio" in notice
    index = (run / "report" / "index.html").read_text(encoding="utf-8")
    assert "andata e ritorno più lunghi della giornata di un autista (dimostrato)" in index


def _copy(run: Path, tmp_path: Path) -> Path:
    out = tmp_path / "run"
    shutil.copytree(run, out)
    return out


def _edit_csv(run: Path, name: str, edit: object) -> None:
    path = run / name
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows = edit(rows)  # type: ignore[operator]
    names = list(dict.fromkeys(k for r in rows for k in r))  # a column the edit added, last
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=names, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    rehash(run, [name])


def test_a_drivers_day_row_is_refused_where_a_vehicle_could_hold_the_round_trip(
    solved: dict[str, Path], tmp_path: Path
) -> None:
    # The run's van given a 15-hour day (two drivers in shifts): its day holds 05:19-18:58.
    run = _copy(solved["span2"], tmp_path)
    _edit_csv(run, "inputs/fleet.csv", lambda rows: [r | {"max_span_min": "900"} for r in rows])
    code, out = cli_run("verify", str(run))
    assert code != 0
    assert (
        "reason contradicted: 2027-07-05 FR-A F1 is drivers_day, yet V1's day could hold "
        "the round trip" in out
    )


def test_a_drivers_day_row_is_refused_where_two_vehicles_could_share_the_legs(
    solved: dict[str, Path], tmp_path: Path
) -> None:
    # A second van of the same day: one drives the morning leg, the other the evening one (the
    # planner does so: a season with both vans carries every rider, below).
    run = _copy(solved["span2"], tmp_path)
    _edit_csv(run, "inputs/fleet.csv", lambda rows: [*rows, rows[0] | {"vehicle_id": "V2"}])
    code, out = cli_run("verify", str(run))
    assert code != 0
    assert "is drivers_day, yet V1 and V2 could run one leg each" in out


def test_two_vans_share_the_legs_and_carry_everyone(tmp_path: Path) -> None:
    folder = _season(tmp_path / "two", ("05:30", "18:45"), [_van(), _van("V2")])
    cli_ok("solve", str(folder), "--out", str(tmp_path / "run"))
    assert _unserved(tmp_path / "run") == []
    with (tmp_path / "run" / "plan" / "trips.csv").open(encoding="utf-8") as f:
        legs = {(t["day"], t["direction"]): t["vehicle_id"] for t in csv.DictReader(f)}
    assert len(legs) == 10
    for d in DAYS:  # no vehicle's day holds both legs: they are each another van's
        assert legs[d, "to_farm"] != legs[d, "to_foresteria"]


def test_an_idle_vehicle_that_could_not_hold_the_round_trip_contradicts_no_reason(
    solved: dict[str, Path], tmp_path: Path
) -> None:
    # The rows relabelled "vehicles busy" (heuristic): V1 did nothing all day, yet no day of
    # its can hold the round trip, so it is no idle vehicle left unused; given a 15-hour day,
    # it is one.
    run = _copy(solved["span2"], tmp_path)

    def busy(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        return [
            r | {"code": "vehicles_busy", "proven": "no", "reason": "vehicles busy"} for r in rows
        ]

    _edit_csv(run, "plan/unserved.csv", busy)
    out = cli_run("verify", str(run))[1]
    assert "reason contradicted by an idle vehicle" not in out
    _edit_csv(run, "inputs/fleet.csv", lambda rows: [r | {"max_span_min": "900"} for r in rows])
    out = cli_run("verify", str(run))[1]
    assert (
        "reason contradicted by an idle vehicle: 2027-07-05 base FR-A: 10 worker-days "
        "vehicles_busy, yet V1 available that day with no trip at all" in out
    )


@pytest.mark.parametrize(
    ("shift", "fleet", "said"),
    [
        (("05:30", "18:45"), [_van()], "a round trip from FR-A spans at least 819 min"),
        (("06:00", "14:00"), [_van(duty=300, span="360")], "(360 min, fleet.csv max_span_min)"),
    ],
)
def test_validate_warns_per_farm_and_base(
    tmp_path: Path, shift: tuple[str, str], fleet: list[str], said: str
) -> None:
    folder = _season(tmp_path / "sc", shift, fleet)
    code, out = cli_run("validate", str(folder))
    assert code == 0
    warned = [line for line in out.splitlines() if "driver's day" in line]
    assert len(warned) == 1 and said in warned[0]
    assert warned[0].startswith(f"warning: farms.geojson: F1: shift {shift[0]}-{shift[1]}: ")


def test_validate_says_nothing_where_a_drivers_day_holds_the_round_trip(tmp_path: Path) -> None:
    folder = _season(tmp_path / "sc", ("06:00", "14:00"), [_van()])
    code, out = cli_run("validate", str(folder))
    assert code == 0 and "driver's day" not in out
