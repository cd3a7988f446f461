"""End to end: solve writes a verified run folder; verify catches hand edits; bytes are stable."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.i18n import lang
from foresterie.verify import verify_run
from tests.helpers import (
    PARTIAL,
    TINY,
    add_pickup,
    edit_features,
    rehash,
    set_toml,
    with_farm_calendar,
    with_referrals,
)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "tiny"
    r = CliRunner().invoke(app, ["solve", str(TINY), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


def test_run_folder_layout_and_manifest(run_dir: Path) -> None:
    assert (run_dir / "report").is_dir()
    names = sorted(p.name for p in (run_dir / "plan").iterdir())
    assert names == [
        "assignments.csv",
        "fleet_days.csv",
        "housing.json",
        "occupancy.csv",
        "plan.json",
        "riders.csv",
        "routes.geojson",
        "stops.csv",
        "trips.csv",
        "unserved.csv",
        "waitlist.csv",
    ]
    m = json.loads((run_dir / "manifest.json").read_text())
    assert set(m["inputs"]) == {
        "farms.geojson",
        "fleet.csv",
        "foresterie.geojson",
        "matrix.csv",
        "scenario.toml",
        "workers.csv",
    }
    assert m["versions"]["ortools"] and m["versions"]["pyvrp"] and m["seed"] == 7
    assert all(t["optimal"] for t in m["housing"]["tiers"])
    assert m["kpis"]["housing"]["housed"] == 5 and m["kpis"]["housing"]["waitlisted"] == 2
    t = m["kpis"]["transport"]
    # The caporale's fee is a range: EUR 5 a day to EUR 5 a leg (default [5.0, 10.0]).
    assert t["caporale_fee_eur_per_worker_day"] == [5.0, 10.0]
    assert t["caporale_fees_avoided_eur"] == 5.0 * t["worker_days_transported"]
    assert t["caporale_fees_avoided_eur_high"] == 10.0 * t["worker_days_transported"] > 0
    assert not list(run_dir.parent.glob(".tiny.partial-*"))


def test_no_personal_column_leaves_the_scenario(run_dir: Path) -> None:
    with open(TINY / "workers.csv", encoding="utf-8-sig") as fh:
        names = [r["name"] for r in csv.DictReader(fh)]
    for p in run_dir.rglob("*"):
        if p.is_file():
            text = p.read_text(encoding="utf-8")
            assert not any(n in text for n in names), p
    header = (run_dir / "inputs" / "workers.csv").read_text().splitlines()[0]
    assert "name" not in header.split(",")


def test_snapshot_keeps_only_model_fields_of_every_input(tiny: Path, tmp_path: Path) -> None:
    """Drivers' phones in fleet.csv, a farm owner's tax code, a manager's phone: the source files
    may carry them, the run folder must not (the snapshot writes the model's fields only)."""
    secrets = {"DRIVER-PHONE-3331234567", "RSSMRA80A01H501U", "MANAGER-0881-555"}
    fleet = (tiny / "fleet.csv").read_text(encoding="utf-8").splitlines()
    fleet = [fleet[0] + ",driver_phone"] + [row + ",DRIVER-PHONE-3331234567" for row in fleet[1:]]
    (tiny / "fleet.csv").write_text("\n".join(fleet) + "\n", encoding="utf-8")
    edit_features(tiny / "farms.geojson", 0, owner_tax_code="RSSMRA80A01H501U")
    edit_features(tiny / "foresterie.geojson", 1, manager_phone="MANAGER-0881-555")
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(tiny), "--out", str(out)])
    assert r.exit_code == 0, r.output
    for p in out.rglob("*"):
        if p.is_file():
            text = p.read_text(encoding="utf-8")
            assert not any(x in text for x in secrets), p
    r = CliRunner().invoke(app, ["replay", str(out), "--out", str(tmp_path / "again")])
    assert r.exit_code == 0, r.output  # the model-only snapshot gives the same plan


def test_verify_passes_on_solver_output(run_dir: Path) -> None:
    r = CliRunner().invoke(app, ["verify", str(run_dir)])
    assert r.exit_code == 0 and "every check passed" in r.stdout


def test_existing_run_is_not_replaced_without_force(run_dir: Path) -> None:
    r = CliRunner().invoke(app, ["solve", str(TINY), "--out", str(run_dir)])
    assert r.exit_code == 2 and "pass --force" in r.stderr


def test_bad_input_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(TINY, bad)
    (bad / "fleet.csv").write_text("", encoding="utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["solve", str(bad), "--out", str(out)])
    assert r.exit_code == 2 and r.stderr.strip() == "error: fleet.csv: file: empty file"
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


def test_same_inputs_byte_identical_plan(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    assert CliRunner().invoke(app, ["solve", str(TINY), "--out", str(out)]).exit_code == 0
    for p in sorted((run_dir / "plan").iterdir()):
        assert p.read_bytes() == (out / "plan" / p.name).read_bytes(), p.name


def _tamper(run_dir: Path, tmp_path: Path, name: str, old: str, new: str) -> list[str]:
    """Edit one file of a copy of the run (path relative to the run folder) and verify it."""
    copy = tmp_path / "t"
    shutil.copytree(run_dir, copy)
    p = copy / name
    text = p.read_text(encoding="utf-8")
    assert old in text, (name, old)
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return verify_run(copy)


@pytest.mark.parametrize(
    ("name", "old", "new", "expect"),
    [
        ("assignments.csv", "W04,FB,", "W04,FA,", "group split: G1 across FA, FB"),
        ("assignments.csv", "W02,FA,men,2026-07-06,2026-07-13\n", "", "worker lost: W02"),
        ("assignments.csv", "W03,FA,women", "W03,FB,women", "beds exceeded: women at FB"),
        ("trips.csv", "VA1,05:08,06:32,71.736,3", "VA1,05:08,06:32,71.736,9", "seats exceeded"),
        (
            "stops.csv",
            "2026-07-07-FA-M01,1,F1,05:18",
            "2026-07-07-FA-M01,1,F1,04:18",
            "time window: 2026-07-07-FA-M01 reaches F1 at 04:18",
        ),
        ("trips.csv", "2026-07-09-FA-M01,VA1,05:08", "2026-07-09-FA-M01,VA1,04:00", "ride cap"),
        (
            "riders.csv",
            "2026-07-10-FA-M01,1,W01\n",
            "",
            "riders neither served nor listed unserved",
        ),
        ("trips.csv", ",71.736,", ",70.000,", "km wrong"),
    ],
)
def test_verify_catches_hand_edits(
    run_dir: Path, tmp_path: Path, name: str, old: str, new: str, expect: str
) -> None:
    found = _tamper(run_dir, tmp_path, f"plan/{name}", old, new)
    assert any(expect in v for v in found), found
    assert any("hash differs from the manifest" in v for v in found)


def test_verify_unreadable_exit_2(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["verify", str(tmp_path)])
    assert r.exit_code == 2 and "unreadable run folder" in r.stderr


def test_replay_is_identical(run_dir: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["replay", str(run_dir), "--out", str(tmp_path / "re")])
    assert r.exit_code == 0, r.output
    assert "identical" in r.stdout


def test_replay_reports_the_first_difference(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "edited"
    shutil.copytree(run_dir, copy)
    p = copy / "plan" / "trips.csv"
    p.write_text(p.read_text().replace("VA1", "VZ9", 1), encoding="utf-8")
    r = CliRunner().invoke(app, ["replay", str(copy), "--out", str(tmp_path / "re")])
    assert r.exit_code == 1 and "differs: trips.csv: line 2:" in r.stdout


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (lambda b: b.replace(b"\n", b"\r\n"), "the same lines, with CRLF line ends vs LF"),
        (lambda b: b.rstrip(b"\n"), "the same lines; one ends without a line break"),
    ],
)
def test_replay_says_what_differs_in_a_file_whose_lines_read_alike(
    run_dir: Path, tmp_path: Path, edit: Callable[[bytes], bytes], said: str
) -> None:
    """Review 13: a plan file saved with CRLF line ends (the manifest re-hashed) replayed as
    "trips.csv: 45 lines vs 45 lines", which says nothing of what differs."""
    copy = tmp_path / "edited"
    shutil.copytree(run_dir, copy)
    p = copy / "plan" / "trips.csv"
    p.write_bytes(edit(p.read_bytes()))
    rehash(copy, ["plan/trips.csv"])
    r = CliRunner().invoke(app, ["replay", str(copy), "--out", str(tmp_path / "re")])
    assert r.exit_code == 1 and f"differs: trips.csv: {said}" in r.stdout, r.output


def test_replay_of_a_plan_file_with_bytes_not_utf8_names_it(run_dir: Path, tmp_path: Path) -> None:
    """Session 8: a plan file ending in bytes that are not UTF-8 (a broken disk, a forger) was an
    internal error (UnicodeDecodeError) instead of a difference."""
    copy = tmp_path / "damaged"
    shutil.copytree(run_dir, copy)
    with open(copy / "plan" / "trips.csv", "ab") as fh:
        fh.write(b"\xff\xfe")
    r = CliRunner().invoke(app, ["replay", str(copy), "--out", str(tmp_path / "re")])
    assert r.exit_code == 1, r.output
    assert "differs: trips.csv: " in r.stdout and "1 plan files differ" in r.stdout


def test_replay_refuses_inputs_edited_after_solving(run_dir: Path, tmp_path: Path) -> None:
    """Session 8: a farm renamed in inputs/ (the manifest's hash left stale) replayed as
    'identical': the plan does not depend on the name, but the inputs are not those solved."""
    copy = tmp_path / "edited"
    shutil.copytree(run_dir, copy)
    p = copy / "inputs" / "farms.geojson"
    p.write_text(p.read_text(encoding="utf-8").replace("Tenuta Ficora", "Tenuta X"), "utf-8")
    r = CliRunner().invoke(app, ["replay", str(copy), "--out", str(tmp_path / "re")])
    assert r.exit_code == 1, r.output
    assert r.stdout.splitlines()[0] == (
        "differs: inputs/farms.geojson: edited after solving (sha256 differs from the manifest)"
    )
    assert not (tmp_path / "re").exists()


def test_replay_refuses_a_plan_file_the_manifest_does_not_list(
    run_dir: Path, tmp_path: Path
) -> None:
    """Session 8: with riders.csv dropped from the manifest, replay said 'identical'."""
    copy = tmp_path / "unlisted"
    shutil.copytree(run_dir, copy)
    m = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    del m["plan"]["riders.csv"]
    (copy / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    r = CliRunner().invoke(app, ["replay", str(copy), "--out", str(tmp_path / "re")])
    assert r.exit_code == 1, r.output
    assert r.stdout.splitlines() == ["differs: plan/riders.csv: not in the manifest"]
    assert not (tmp_path / "re").exists()


@pytest.mark.parametrize("where", ["run", "plan", "parent"])
def test_replay_never_writes_over_the_run_it_replays(
    run_dir: Path, tmp_path: Path, where: str
) -> None:
    """Session 8: `replay RUN --out RUN --force` replaced the run by its replay and said
    'identical'; `--out RUN/plan --force` deleted the plan being compared."""
    copy = tmp_path / "box" / "run"
    shutil.copytree(run_dir, copy)
    out = {"run": copy, "plan": copy / "plan", "parent": copy.parent}[where]
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    r = CliRunner().invoke(app, ["replay", str(copy), "--out", str(out), "--force"])
    assert r.exit_code == 2, r.output
    said = "lies inside" if where == "plan" else "is or holds"
    assert r.stderr.strip() == f"error: {out}: --out: {said} the run replayed" + (
        "; write to another folder"
        if where == "plan"
        else ", which --force would delete; write to another folder"
    )
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == before


@pytest.mark.parametrize("where", ["scenario", "parent"])
def test_solve_never_writes_over_its_scenario(tmp_path: Path, where: str) -> None:
    """Session 8: `solve S --out S --force` replaced the scenario folder (with columns and
    files the run never copies: names, phones) by the run."""
    scenario = tmp_path / "box" / "s"
    shutil.copytree(TINY, scenario)
    out = scenario if where == "scenario" else scenario.parent
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    r = CliRunner().invoke(app, ["solve", str(scenario), "--out", str(out), "--force"])
    assert r.exit_code == 2, r.output
    assert r.stderr.strip() == (
        f"error: {out}: --out: is or holds the scenario folder, which --force would delete; "
        "write to another folder"
    )
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == before


def test_replay_difference_names_a_changed_solver_version(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "old"
    shutil.copytree(run_dir, copy)
    m = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    m["versions"]["foresterie"] = "0.0.1"
    (copy / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    p = copy / "plan" / "trips.csv"
    p.write_text(p.read_text().replace("VA1", "VZ9", 1), encoding="utf-8")
    r = CliRunner().invoke(app, ["replay", str(copy), "--out", str(tmp_path / "re")])
    assert r.exit_code == 1 and "note: foresterie 0.0.1 recorded" in r.stdout
    assert "ortools" not in r.stdout  # only what changed is named


def test_compare_two_runs(run_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "more"
    shutil.copytree(TINY, other)
    with open(other / "fleet.csv", "a", encoding="utf-8") as fh:
        fh.write("VA2,FA,8,160,0.38,540,2026-07-01,2026-07-31\n")
    out = tmp_path / "run-more"
    assert CliRunner().invoke(app, ["solve", str(other), "--out", str(out)]).exit_code == 0
    r = CliRunner().invoke(app, ["compare", str(run_dir), str(out), "--format", "csv"])
    assert r.exit_code == 0
    rows = {line.split(",")[0]: line.split(",")[1:] for line in r.stdout.splitlines()[1:]}
    assert rows["transport.fleet_size"] == ["2", "3", "1"]
    assert rows["transport.unserved_worker_days"][2] == "-1"  # the heat-day worker-day now rides
    assert rows["transport.unserved_rider_trips"][2] == "-2"  # both legs of it


@pytest.mark.parametrize(
    ("name", "old", "new", "expect"),
    [
        (
            "inputs/foresterie.geojson",
            '"open_to":"2026-07-20"',
            '"open_to":"2026-07-09"',
            "foresteria closed: W04 at FB",
        ),
        ("inputs/matrix.csv", "FA,F1,", "FA,F1,4000", "commute cap: W01 at FA"),
        (
            "inputs/workers.csv",
            "W01,2026-07-06,2026-07-13,men,,F1,false,",
            "W01,2026-07-06,2026-07-13,men,,F1,false,FB",
            "pinned worker moved: W01 pinned to FB",
        ),
        (
            "inputs/fleet.csv",
            "VA1,FA,8,160.0,0.38,540,",
            "VA1,FA,8,160.0,0.38,60,",
            "duty limit: VA1",
        ),
        ("inputs/fleet.csv", "VB1,FB,8,", "VB1,FB,1,", "seats exceeded"),
        (
            "manifest.json",
            '"housed": 5',
            '"housed": 6',
            "KPI differs from the manifest: housing.housed = 6",
        ),
        (
            "inputs/scenario.toml",
            "caporale_fee_eur = [5.0, 10.0]",
            "caporale_fee_eur = [5.0, 12.0]",
            "KPI differs from the manifest: transport.caporale_fees_avoided_eur_high",
        ),
        (
            "plan/trips.csv",
            "2026-07-06-FB-M01,VB1",
            "2026-07-06-FB-M01,VA1",
            "vehicle not available: VA1 for 2026-07-06-FB-M01",
        ),
    ],
)
def test_verify_catches_edited_inputs_and_manifest(
    run_dir: Path, tmp_path: Path, name: str, old: str, new: str, expect: str
) -> None:
    if name == "inputs/matrix.csv":  # replace the seconds of one pair, keep its metres
        line = next(x for x in (run_dir / name).read_text().splitlines() if x.startswith(old))
        old, new = line, f"FA,F1,4000,{line.split(',')[3]}"
    found = _tamper(run_dir, tmp_path, name, old, new)
    assert any(expect in v for v in found), found


def test_replan_as_of_keeps_arrived_people_and_replays(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "replan"
    r = CliRunner().invoke(
        app,
        [
            "solve",
            str(TINY),
            "--as-of",
            "2026-07-08",
            "--previous",
            str(run_dir),
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    m = json.loads((out / "manifest.json").read_text())
    assert m["replan"] == {"as_of": "2026-07-08", "moved_vs_previous": 0, "residents_changed": 0}
    before = (run_dir / "plan" / "assignments.csv").read_text()
    assert (out / "plan" / "assignments.csv").read_text() == before
    pinned = {w["worker_id"]: w["pinned_foresteria"] for w in _rows(out / "inputs" / "workers.csv")}
    assert pinned["W01"] == "FA" and pinned["W07"] == ""  # arrived 07-06 pinned; 07-21 is future
    assert (out / "inputs" / "previous_assignments.csv").read_text() == before
    assert verify_run(out) == []
    r = CliRunner().invoke(app, ["replay", str(out), "--out", str(tmp_path / "again")])
    assert r.exit_code == 0 and "identical" in r.stdout, r.output


def test_as_of_without_previous_is_a_clean_error(tmp_path: Path) -> None:
    r = CliRunner().invoke(
        app, ["solve", str(TINY), "--as-of", "2026-07-08", "--out", str(tmp_path / "x")]
    )
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        "error: --as-of: --previous: re-planning needs the previous run folder (--previous RUN)"
    )


def test_geopackage_inputs_solve_and_verify(tmp_path: Path) -> None:
    import geopandas as gpd

    folder = tmp_path / "gpkg"
    shutil.copytree(TINY, folder)
    for name in ("foresterie", "farms"):
        gdf = gpd.read_file(folder / f"{name}.geojson")
        gdf.to_file(folder / f"{name}.gpkg", driver="GPKG")
        (folder / f"{name}.geojson").unlink()
    toml = (folder / "scenario.toml").read_text(encoding="utf-8")
    (folder / "scenario.toml").write_text(toml.replace(".geojson", ".gpkg"), encoding="utf-8")
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out)])
    assert r.exit_code == 0, r.output
    # the snapshot holds the model's fields as GeoJSON, whatever the source format
    assert (out / "inputs" / "foresterie.geojson").is_file() and verify_run(out) == []
    assert not list((out / "inputs").glob("*.gpkg"))
    a = (out / "plan" / "assignments.csv").read_text()
    assert "W04,FB,family" in a and "W01,FA,men" in a


def _tamper_rehashed(run_dir: Path, tmp_path: Path, edits: list[tuple[str, str, str]]) -> list[str]:
    """Edit files of a copy of the run and re-hash them in its manifest, as a forger would: only
    the independent checks can catch it."""
    copy = tmp_path / "forged"
    shutil.copytree(run_dir, copy)
    m = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    for name, old, new in edits:
        p = copy / name
        text = p.read_text(encoding="utf-8")
        assert old in text, (name, old)
        p.write_text(text.replace(old, new, 1), encoding="utf-8")
        part, file = name.split("/", 1)
        m[part][file] = hashlib.sha256(p.read_bytes()).hexdigest()
    (copy / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    found = verify_run(copy)
    assert not any("hash differs" in v for v in found), found
    return found


@pytest.mark.parametrize(
    ("edits", "expect"),
    [
        (  # W01 rides out on 6 July, and no longer back
            [("plan/riders.csv", "2026-07-06-FA-E01,1,W01\n", "")],
            "one-way worker-days: 1, first W01 on 2026-07-06 rides to_farm with no ride back",
        ),
        (  # the heuristic row relabelled a proven fleet shortage, bound 1 <= 1 available
            [("plan/unserved.csv", ",vehicles_busy,no,1,1,", ",fleet_short,yes,1,1,")],
            "reason contradicts itself: 2026-07-08 FA F2 says fleet short",
        ),
        (  # a made-up bound to back the claim
            [("plan/unserved.csv", ",vehicles_busy,no,1,1,", ",fleet_short,yes,2,1,")],
            "reason figures wrong: 2026-07-08 FA F2 says lower bound 2, 1 available",
        ),
        (
            [("plan/unserved.csv", ",vehicles_busy,no,", ",vehicles_busy,yes,")],
            "reason contradicts itself: vehicles_busy marked proven=yes",
        ),
        (  # W02 (referred) listed as left behind on 7 July while W01 (not referred) rides
            [
                ("plan/riders.csv", "2026-07-07-FA-M01,1,W02\n", ""),
                ("plan/riders.csv", "2026-07-07-FA-E01,1,W02\n", ""),
                (
                    "plan/unserved.csv",
                    "worker_ids\n",
                    "worker_ids\n2026-07-07,FA,FA,F1,1,vehicles_busy,no,1,1,busy,W02\n",
                ),
            ],
            "ride order broken: 2026-07-07 FA F1",
        ),
        (  # a 5 min cap on waiting aboard; the bus now leaves 10 min early and idles at F1
            [
                (
                    "inputs/scenario.toml",
                    "[transport]\n",
                    "[transport]\nmax_wait_on_board_min = 5\n",
                ),
                ("plan/trips.csv", "2026-07-06-FA-M01,VA1,05:08", "2026-07-06-FA-M01,VA1,04:58"),
            ],
            "wait on board: 2026-07-06-FA-M01 riders wait 10 min aboard at stops > 5 (+5)",
        ),
    ],
)
def test_verify_catches_forged_round_trips_reasons_and_waits(
    run_dir: Path, tmp_path: Path, edits: list[tuple[str, str, str]], expect: str
) -> None:
    found = _tamper_rehashed(run_dir, tmp_path, edits)
    assert any(expect in v for v in found), found


def _write_rows(path: Path, rows: list[dict[str, str]], header: list[str]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def test_verify_catches_vehicles_busy_beside_an_idle_vehicle(run_dir: Path, tmp_path: Path) -> None:
    """A forger deletes VB1's trips of 7 July (FB's only vehicle) and lists its riders as left
    behind with 'vehicles busy': VB1 is available that day and has no trip at all, so the reason
    is false on its face and verify names the day, the base and the vehicle."""
    assert not any("idle vehicle" in v for v in verify_run(run_dir))
    copy = tmp_path / "forged"
    shutil.copytree(run_dir, copy)
    plan = copy / "plan"
    day, vid = "2026-07-07", "VB1"
    trips = _rows(plan / "trips.csv")
    gone = {t["trip_id"] for t in trips if (t["day"], t["vehicle_id"]) == (day, vid)}
    assert gone, "the tiny plan must give VB1 trips on 7 July"
    morning = {t["trip_id"] for t in trips if t["trip_id"] in gone and t["direction"] == "to_farm"}
    stops = _rows(plan / "stops.csv")
    riders = _rows(plan / "riders.csv")
    farm_of = {(x["trip_id"], x["seq"]): x["farm_id"] for x in stops}
    left: dict[str, list[str]] = {}
    for x in riders:
        if x["trip_id"] in morning:
            left.setdefault(farm_of[x["trip_id"], x["seq"]], []).append(x["worker_id"])
    assert left
    header = list(trips[0])
    _write_rows(plan / "trips.csv", [t for t in trips if t["trip_id"] not in gone], header)
    _write_rows(plan / "stops.csv", [x for x in stops if x["trip_id"] not in gone], list(stops[0]))
    _write_rows(
        plan / "riders.csv", [x for x in riders if x["trip_id"] not in gone], list(riders[0])
    )
    with open(plan / "unserved.csv", encoding="utf-8", newline="") as fh:
        unserved_header = list(csv.DictReader(fh).fieldnames or [])
    unserved = _rows(plan / "unserved.csv") + [
        {
            "day": day,
            "foresteria_id": "FB",
            "base_id": "FB",
            "farm_id": farm,
            "worker_days": str(len(ids)),
            "code": "vehicles_busy",
            "proven": "no",
            "vehicles_lower_bound": "1",
            "vehicles_available": "1",
            "reason": "vehicles busy at Borgo Mezzanone (heuristic)",
            "worker_ids": " ".join(sorted(ids)),
        }
        for farm, ids in sorted(left.items())
    ]
    _write_rows(plan / "unserved.csv", unserved, unserved_header)
    rehash(copy, [f"plan/{n}" for n in ("trips.csv", "stops.csv", "riders.csv", "unserved.csv")])
    found = verify_run(copy)
    assert not any("hash differs" in v for v in found), found
    n = sum(len(ids) for ids in left.values())
    expect = (
        f"reason contradicted by an idle vehicle: {day} base FB: {n} worker-days vehicles_busy, "
        f"yet {vid} available that day with no trip at all"
    )
    assert expect in found, found


def test_verify_catches_fleet_days_that_disagree_with_the_unserved_rows(
    run_dir: Path, tmp_path: Path
) -> None:
    """fleet_days.csv's worker-days unserved per base-day must be the sum of unserved.csv's rows
    of that base-day (the report's shortage table reads them): a forger who zeroes one, or a
    planner that forgets riders it listed, is caught with the day, the base and both figures."""
    assert not any("worker-days unserved" in v for v in verify_run(run_dir))
    copy = tmp_path / "forged"
    shutil.copytree(run_dir, copy)
    path = copy / "plan" / "fleet_days.csv"
    rows = _rows(path)
    row = next(x for x in rows if int(x["worker_days_unserved"]) > 0)
    listed = row["worker_days_unserved"]
    row["worker_days_unserved"] = "0"
    _write_rows(path, rows, list(rows[0]))
    rehash(copy, ["plan/fleet_days.csv"])
    found = verify_run(copy)
    expect = (
        f"fleet_days.csv wrong: {row['day']}/{row['foresteria_id']} says 0 worker-days "
        f"unserved, unserved.csv lists {listed} for that base-day"
    )
    assert expect in found, found


def test_a_departure_point_layer_flows_through_solve_verify_and_replay(tmp_path: Path) -> None:
    """W07 has no bed (Borgo Mezzanone closes on 20 July, before W07 arrives) and boards at
    the settlement "ex pista": W07 rides from there to F2 and back on every workday, by a
    vehicle of the nearest base, and the run verifies and replays."""
    sc = tmp_path / "s"
    shutil.copytree(TINY, sc)
    add_pickup(sc)
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(out)])
    assert r.exit_code == 0, r.output
    trips = {t["trip_id"]: t for t in _rows(out / "plan" / "trips.csv")}
    rides = [x for x in _rows(out / "plan" / "riders.csv") if x["worker_id"] == "W07"]
    legs = {(trips[x["trip_id"]]["day"], trips[x["trip_id"]]["direction"]) for x in rides}
    unserved = {u["day"] for u in _rows(out / "plan" / "unserved.csv") if "W07" in u["worker_ids"]}
    workdays = {d for d, _ in legs} | unserved
    assert len(workdays) == 7 and not {d for d, _ in legs} & unserved
    assert all((d, dr) in legs for d in workdays - unserved for dr in ("to_farm", "to_foresteria"))
    for x in rides:
        t = trips[x["trip_id"]]
        assert (t["origin_id"], t["foresteria_id"]) == ("PX", "FB")
        assert t["depart"] < t["origin_depart"] and t["origin_return"] < t["return"]
    assert "PX" in (out / "inputs" / "matrix.csv").read_text(encoding="utf-8")
    assert CliRunner().invoke(app, ["replay", str(out)]).exit_code == 0
    day, trip_id = next((trips[x["trip_id"]]["day"], x["trip_id"]) for x in rides)
    sheet = (out / "report" / "drivers" / day / f"{trips[trip_id]['vehicle_id']}.html").read_text(
        encoding="utf-8"
    )
    assert "Borgo Mezzanone (ex pista) (PX)" in sheet and "data-point" in sheet
    # every trip passes the point twice, and each pass has its time: the morning boards there
    # and passes it empty on the way back to the base, the evening the other way round
    for block in sheet.split("<div class='trip'")[1:]:
        rows = re.findall(r"<tr data-point( data-pass)?>(.*?)</tr>", block)
        assert len(rows) == 2, block
        morning = re.match(r"\s*data-trip=[\"'][^\"']*-M\d+[\"']", block) is not None
        assert [bool(p) for p, _ in rows] == ([False, True] if morning else [True, False])
        assert all(re.search(r"<td class='n'[^>]*>\d\d:\d\d</td>", r) for _, r in rows), rows
        assert morning or "ritorno al punto di partenza" in block  # not "to the foresteria"
    assert '"name":"Borgo Mezzanone (ex pista)"' in (out / "report" / "map.html").read_text(
        encoding="utf-8"
    )


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------- partial stays and transfers


@pytest.fixture(scope="module")
def partial_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "partial"
    r = CliRunner().invoke(app, ["solve", str(PARTIAL), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


def test_partial_stays_by_hand(partial_run: Path) -> None:
    rows = (partial_run / "plan" / "assignments.csv").read_text().splitlines()
    # W02 transfers when Borgo Mezzanone (FB) closes after 07-15; W03 waits for Fortore (FA) to
    # open on 07-08; W07 is sent on when FB closes (FA has no family beds).
    assert "W02,FB,men,2026-07-05,2026-07-16" in rows and "W02,FA,men,2026-07-16,2026-07-20" in rows
    assert "W03,FA,women,2026-07-08,2026-07-13" in rows
    assert "W07,FB,family,2026-07-11,2026-07-16" in rows
    uncovered = (partial_run / "plan" / "uncovered.csv").read_text().splitlines()
    assert uncovered[1:] == [
        "W03,2026-07-06,2026-07-08,before_opening,Fortore opens on 2026-07-08",
        "W07,2026-07-16,2026-07-25,after_closing,Borgo Mezzanone closes after 2026-07-15",
    ]
    k = json.loads((partial_run / "manifest.json").read_text())["kpis"]["housing"]
    assert (k["housed"], k["transferred"], k["partial_stays"], k["uncovered_nights"]) == (
        7,
        1,
        2,
        11,
    )
    # Shuttles ride only on the nights housed: W02 leaves from FB until 07-15, from FA after.
    trips = {
        t["trip_id"]: t["foresteria_id"]
        for t in csv.DictReader(
            (partial_run / "plan" / "trips.csv").read_text(encoding="utf-8").splitlines()
        )
    }
    w02 = [
        (x["trip_id"][:10], trips[x["trip_id"]])
        for x in csv.DictReader(
            (partial_run / "plan" / "riders.csv").read_text(encoding="utf-8").splitlines()
        )
        if x["worker_id"] == "W02"
    ]
    assert {f for d, f in w02 if d <= "2026-07-15"} == {"FB"}
    assert {f for d, f in w02 if d >= "2026-07-16"} == {"FA"}
    assert verify_run(partial_run) == []
    # The report shows the uncovered nights by reason and the transfer.
    page = (partial_run / "report" / "index.html").read_text(encoding="utf-8")
    week = lang("it").date("2026-07-13", "medium")  # the report is in Italian by default
    assert (
        f"<td>dopo la chiusura della foresteria</td><td>{week}</td><td class='n'>1</td><td class='n'>9</td>"
        in page
    )
    assert f"<td>FB</td><td>FA</td><td>{week}</td><td class='n'>1</td>" in page


@pytest.mark.parametrize(
    ("old", "new", "expect"),
    [
        # W03 kept out one more night after Fortore opened.
        ("W03,FA,women,2026-07-08", "W03,FA,women,2026-07-09", "stay cut short"),
        # W03 housed before Fortore opens.
        ("W03,FA,women,2026-07-08", "W03,FA,women,2026-07-06", "foresteria closed: W03"),
        # W02 moved before Borgo Mezzanone closes.
        (
            "W02,FB,men,2026-07-05,2026-07-16\nW02,FA,men,2026-07-16",
            "W02,FB,men,2026-07-05,2026-07-14\nW02,FA,men,2026-07-14",
            "moved off a closing: W02",
        ),
        # A second transfer is not allowed.
        (
            "W07,FB,family,2026-07-11,2026-07-16\n",
            "W07,FB,family,2026-07-11,2026-07-13\nW07,FB,family,2026-07-13,2026-07-14\n"
            "W07,FB,family,2026-07-14,2026-07-16\n",
            "worker housed twice: W07",
        ),
    ],
)
def test_verify_catches_partial_stay_edits(
    partial_run: Path, tmp_path: Path, old: str, new: str, expect: str
) -> None:
    found = _tamper(partial_run, tmp_path, "plan/assignments.csv", old, new)
    assert any(expect in v for v in found), found
    assert any("hash differs from the manifest" in v for v in found)


def test_verify_catches_a_transfer_that_gains_nothing(partial_run: Path, tmp_path: Path) -> None:
    # Had Fortore (FA) been open from 07-01, W02 would have had all 15 nights there alone.
    found = _tamper(
        partial_run, tmp_path, "inputs/foresterie.geojson", '"2026-07-08"', '"2026-07-01"'
    )
    assert any(
        "transfer gains no night: W02, 15 nights with it, 15 at FA alone" in v for v in found
    ), found


def test_verify_checks_the_commute_cap_after_a_transfer(partial_run: Path, tmp_path: Path) -> None:
    name = "inputs/matrix.csv"
    line = next(x for x in (partial_run / name).read_text().splitlines() if x.startswith("FA,F2,"))
    found = _tamper(partial_run, tmp_path, name, line, f"FA,F2,4000,{line.split(',')[3]}")
    assert any("commute cap: W02 at FA" in v for v in found), found


def test_verify_catches_a_wrong_uncovered_list(partial_run: Path, tmp_path: Path) -> None:
    found = _tamper(
        partial_run,
        tmp_path,
        "plan/uncovered.csv",
        "W03,2026-07-06,2026-07-08",
        "W03,2026-07-07,2026-07-08",
    )
    assert any("uncovered.csv wrong: W03" in v for v in found), found


def test_replan_as_of_with_a_transfer(partial_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "replan"
    args = ["solve", str(PARTIAL), "--as-of", "2026-07-10", "--previous", str(partial_run)]
    r = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert r.exit_code == 0, r.output
    before = (partial_run / "plan" / "assignments.csv").read_text()
    assert (out / "plan" / "assignments.csv").read_text() == before
    assert verify_run(out) == []


# ---------------------------------------------------------------- residents and dependants


def test_a_dependant_takes_a_bed_but_no_seat(tmp_path: Path) -> None:
    # A family of two from 07-12: W07 works at F2, W08 (rides = false, a child) has a farm_id
    # that is ignored; both sleep at Borgo Mezzanone, only W07 rides.
    folder = tmp_path / "dep"
    shutil.copytree(TINY, folder)
    p = folder / "workers.csv"
    lines = p.read_text(encoding="utf-8-sig").splitlines()
    text = "\n".join([lines[0] + ",rides"] + [line + "," for line in lines[1:]]) + "\n"
    text = text.replace(
        "W07,2026-07-21,2026-07-28,family,,F2,0,false,,Ibrahim Kone,",
        "W07,2026-07-12,2026-07-18,family,G2,F2,0,false,,Ibrahim Kone,true\n"
        "W08,2026-07-12,2026-07-18,family,G2,F3,0,false,,Awa Kone,false",
    )
    p.write_text(text, encoding="utf-8")
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out)])
    assert r.exit_code == 0, r.output
    rows = (out / "plan" / "assignments.csv").read_text().splitlines()
    assert "W07,FB,family,2026-07-12,2026-07-18" in rows
    assert "W08,FB,family,2026-07-12,2026-07-18" in rows
    riders = (out / "plan" / "riders.csv").read_text()
    assert ",W07\n" in riders and "W08" not in riders
    k = json.loads((out / "manifest.json").read_text())["kpis"]["housing"]
    assert k["housed_dependants"] == 1 and k["housed"] == 7
    assert (
        "W08,2026-07-12,2026-07-18,family,G2,F3,false,,,false,false"
        in (out / "inputs" / "workers.csv").read_text()
    )
    assert verify_run(out) == []
    # Tamper: give the child a seat on W07's morning trip.
    trip = next(line for line in riders.splitlines() if line.endswith(",W07"))
    found = _tamper(out, tmp_path, "plan/riders.csv", trip + "\n", f"{trip}\n{trip[:-3]}W08\n")
    assert any("rider taken to the wrong farm: W08" in v for v in found), found


# ---------------------------------------------------------------- referral records


def _with_referrals(tmp_path: Path) -> Path:
    return with_referrals(
        tmp_path,
        "W02,2026-07-01,Sportello Antitratta Foggia,high,FA;F1\n"
        "W03,2026-07-04,Questura di Foggia,normal,\n",
    )


def test_referred_person_is_never_placed_at_or_driven_to_an_avoided_site(tmp_path: Path) -> None:
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(_with_referrals(tmp_path)), "--out", str(out)])
    assert r.exit_code == 0, r.output
    rows = (out / "plan" / "assignments.csv").read_text().splitlines()
    assert "W02,FB,men,2026-07-06,2026-07-13" in rows  # not Fortore (FA), the site to avoid
    riders = (out / "plan" / "riders.csv").read_text()
    assert ",W02\n" not in riders  # never driven to F1, the employer to avoid
    # Review 12: the published inputs do not name F1 beside W02 either (a farm beside someone
    # neither driven nor listed unserved would tell the referral); W03's record avoids nothing.
    with open(out / "inputs" / "workers.csv", newline="", encoding="utf-8") as fh:
        farm_of = {w["worker_id"]: w["farm_id"] for w in csv.DictReader(fh)}
    assert farm_of["W02"] == "" and farm_of["W03"] != ""
    unserved = (out / "plan" / "unserved.csv").read_text()
    assert "W02" not in unserved
    k = json.loads((out / "restricted" / "kpis.json").read_text())["housing"]
    # Referred 07-01 and 07-04, first nights 07-06: 5 and 2 days; nearest-rank median 2, p90 5.
    assert (k["referred"], k["referred_housed"]) == (2, 2)
    assert (k["referral_days_to_bed_median"], k["referral_days_to_bed_p90"]) == (2, 5)
    assert k["referred_waitlisted_by_code"] == {}
    # The record stays out of everything published: only restricted/ holds it.
    for p in out.rglob("*"):
        if p.is_file() and "restricted" not in p.parts:
            text = p.read_text(encoding="utf-8", errors="replace")
            assert "Antitratta" not in text and "Questura" not in text, p
            assert "referral_date" not in text and "avoid_sites" not in text, p
    assert verify_run(out) == []
    r = CliRunner().invoke(app, ["replay", str(out), "--out", str(tmp_path / "again")])
    assert r.exit_code == 0 and "identical" in r.stdout, r.output
    found = _tamper(out, tmp_path, "plan/assignments.csv", "W02,FB,", "W02,FA,")
    assert any("site to avoid: W02 placed at FA" in v for v in found), found
    trip = next(line for line in riders.splitlines() if line.endswith(",W01"))
    shutil.rmtree(tmp_path / "t")
    found = _tamper(out, tmp_path, "plan/riders.csv", trip + "\n", f"{trip}\n{trip[:-3]}W02\n")
    assert any("site to avoid: W02 driven to F1" in v for v in found), found


def test_referral_file_errors_are_one_line_each(tmp_path: Path) -> None:
    folder = _with_referrals(tmp_path)
    (folder / "referrals.csv").write_text(
        "worker_id,referral_date,referring_body,urgency,avoid_sites\n"
        "W99,2026-07-01,Sportello,high,FA\n"
        "W02,01/07/2026,Sportello,high,FA\n"
        "W03,2026-07-04,Questura,normal,NOPE\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(app, ["solve", str(folder), "--out", str(tmp_path / "run")])
    assert r.exit_code == 2
    assert "referrals.csv:2: worker_id: unknown worker 'W99'" in r.output
    assert "referrals.csv:3: referral_date:" in r.output
    assert (
        "referrals.csv:4: avoid_sites: unknown foresteria, farm or departure point 'NOPE'"
        in r.output
    )
    assert not (tmp_path / "run").exists()


# ---------------------------------------------------------------- entry rules


def test_lottery_is_recorded_verified_and_independent_of_processes(tmp_path: Path) -> None:
    # Five equals (W01 and four more) for the four men's beds left after W02 (priority 3).
    folder = tmp_path / "lot"
    shutil.copytree(TINY, folder)
    set_toml(folder, "max_commute_min = 60", "max_commute_min = 60\nlottery = true")
    p = folder / "workers.csv"
    text = p.read_text(encoding="utf-8-sig")
    text += "".join(f"W{i},2026-07-06,2026-07-13,men,,F1,0,false,,X\n" for i in (10, 11, 12, 13))
    p.write_text(text, encoding="utf-8")
    runs = []
    for procs in ("1", "2"):
        if procs == "2":
            set_toml(folder, "shuttle_processes = 1", "shuttle_processes = 2")
        out = tmp_path / f"run{procs}"
        r = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out)])
        assert r.exit_code == 0, r.output
        runs.append(out)
    for name in ("plan/assignments.csv", "plan/waitlist.csv", "restricted/lottery.csv"):
        assert (runs[0] / name).read_bytes() == (runs[1] / name).read_bytes()
    lottery = (runs[0] / "restricted" / "lottery.csv").read_text()
    assert lottery.startswith("worker_id,ticket\n") and "priority" not in lottery
    assert not (runs[0] / "plan" / "lottery.csv").exists()  # tickets beside ids: restricted
    assert verify_run(runs[0]) == []
    housed = {
        r["worker_id"]
        for r in csv.DictReader((runs[0] / "plan" / "assignments.csv").read_text().splitlines())
    }
    five = ("W01", "W10", "W11", "W12", "W13")
    equals = [w for w in five if w in housed]
    waiting = [w for w in five if w not in housed]
    assert len(waiting) == 1 and len(equals) == 4
    # Tamper: give the bed of a housed equal to the one who lost the draw.
    text = (runs[0] / "plan" / "assignments.csv").read_text()
    old = next(line for line in text.splitlines() if line.startswith(equals[0] + ","))
    found = _tamper(
        runs[0], tmp_path, "plan/assignments.csv", old, old.replace(equals[0], waiting[0])
    )
    assert any("lottery not followed" in v for v in found), found


# ---------------------------------------------------------------- days without work


# Men of F2 who fill the men's beds (FA 3, FB 2) with W01 and W02 from FA's opening, and one
# arriving on 07-11 who can sleep only in the bed W01's release frees (the release is needed).
NEED_W01_BED = [
    "X1,2026-07-08,2026-07-15,men,,F2,0,false,",
    "X2,2026-07-08,2026-07-15,men,,F2,0,false,",
    "X3,2026-07-08,2026-07-15,men,,F2,0,false,",
    "X4,2026-07-11,2026-07-15,men,,F2,0,false,",
]


def _released_season(tmp_path_factory: pytest.TempPathFactory, more: list[str]) -> Path:
    """PARTIAL with F1 (Mon-Sat) closed Thursday 07-09 to Sunday 07-12, beds released after 2
    such days that no work follows within the stay, and the workers `more` added; solved."""
    src = tmp_path_factory.mktemp("scen") / "partial"
    shutil.copytree(PARTIAL, src)
    with open(src / "workers.csv", "a", encoding="utf-8") as fh:
        fh.writelines(row + "\n" for row in more)
    with_farm_calendar(
        src,
        "farm_id,first_day,last_day,note\nF1,2026-07-09,2026-07-12,end\n"
        "F1,2026-07-22,2026-07-23,rain\n",
    )
    set_toml(src, "min_overlap_nights = 2\n", "min_overlap_nights = 2\nmax_days_without_work = 2\n")
    out = tmp_path_factory.mktemp("runs") / "released"
    r = CliRunner().invoke(app, ["solve", str(src), "--out", str(out)])
    assert r.exit_code == 0, r.output
    (out.parent / "solve.txt").write_text(r.output, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def released_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """W01 (F1, 07-06..07-13) is released on Saturday morning 07-11, and X4, arriving then,
    sleeps in his bed (NEED_W01_BED). F1 also pauses Wednesday 07-22 and Thursday 07-23 and
    works on Friday: W06 (F1, 07-21..07-28) keeps his bed through it (review 19 R, HIGH-1)."""
    return _released_season(tmp_path_factory, NEED_W01_BED)


@pytest.fixture(scope="module")
def idle_release_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same season without the X men: nobody would be given W01's bed from 07-11."""
    return _released_season(tmp_path_factory, [])


def test_a_release_that_houses_nobody_is_not_made(idle_release_run: Path) -> None:
    # review 19 S, NEW-2: the rule releases W01 for 07-11 and 07-12, beds free there anyway
    rows = (idle_release_run / "plan" / "assignments.csv").read_text().splitlines()
    assert [x for x in rows if x.startswith("W01,")] == ["W01,FB,men,2026-07-06,2026-07-13"]
    assert "released_no_work" not in (idle_release_run / "plan" / "uncovered.csv").read_text()
    said = (idle_release_run.parent / "solve.txt").read_text(encoding="utf-8")
    assert (
        "release: F1's work is over within the stay, but the plan would give the beds to no one "
        "else: 1 person housed keeps their bed (2 bed-nights without work, not released)"
    ) in said, said
    assert verify_run(idle_release_run) == []


def test_a_release_that_houses_nobody_is_caught(idle_release_run: Path, tmp_path: Path) -> None:
    w01 = "W01,FB,men,2026-07-06,2026-07-13"
    last = (idle_release_run / "plan" / "uncovered.csv").read_text().splitlines()[-1]
    found = _tamper_rehashed(
        idle_release_run,
        tmp_path,
        [
            ("plan/assignments.csv", w01, w01.replace(",2026-07-13", ",2026-07-11")),
            (
                "plan/uncovered.csv",
                last,
                last + "\nW01,2026-07-11,2026-07-13,released_no_work,"
                '"bed released after 2 days without work at the farm, with no work after them in '
                'the stay"',
            ),
        ],
    )
    assert (
        "release houses nobody: W01 released on 2026-07-11 at FB (men), where a bed stays free "
        "for each every night it frees"
    ) in found, found


def test_a_bed_is_released_after_days_without_work(released_run: Path) -> None:
    rows = (released_run / "plan" / "assignments.csv").read_text().splitlines()
    w01 = [x for x in rows if x.startswith("W01,")]
    assert w01 and all(x.endswith(",2026-07-11") for x in w01), w01
    x4 = [x.split(",") for x in rows if x.startswith("X4,")]  # in the bed it frees
    assert x4 and x4[0][1:4] == [*w01[-1].split(",")[1:3], "2026-07-11"], (x4, w01)
    uncovered = (released_run / "plan" / "uncovered.csv").read_text()
    assert "W01,2026-07-11,2026-07-13,released_no_work," in uncovered
    cal = (released_run / "inputs" / "farm_calendar.csv").read_text()
    assert cal == (  # model columns only
        "farm_id,first_day,last_day\nF1,2026-07-09,2026-07-12\nF1,2026-07-22,2026-07-23\n"
    )
    assert verify_run(released_run) == []


def test_a_pause_that_work_follows_keeps_the_bed_and_is_said(released_run: Path) -> None:
    rows = (released_run / "plan" / "assignments.csv").read_text().splitlines()
    w06 = [x.split(",") for x in rows if x.startswith("W06,")]
    nights = {d for x in w06 for d in (x[-2], x[-1])}
    assert w06 and min(nights) <= "2026-07-22" and max(nights) == "2026-07-28", w06
    assert "W06," not in (released_run / "plan" / "uncovered.csv").read_text()
    said = (released_run.parent / "solve.txt").read_text(encoding="utf-8")
    assert (
        "pause: F1 has 2+ workdays in a row without work and then work again: 1 person housed "
        "keeps their bed through it (2 bed-nights without work, not released)"
    ) in said, said


def test_a_bed_kept_after_its_release_is_caught(released_run: Path, tmp_path: Path) -> None:
    # a bed kept is no release (README "Entry rules"): here X4 sleeps in it from 07-11
    rows = (released_run / "plan" / "assignments.csv").read_text().splitlines()
    w01 = next(x for x in rows if x.startswith("W01,"))
    found = _tamper_rehashed(
        released_run,
        tmp_path,
        [
            ("plan/assignments.csv", w01, w01.replace(",2026-07-11", ",2026-07-13")),
            # and the uncovered nights it took, leaving an empty span
            (
                "plan/uncovered.csv",
                "W01,2026-07-11,2026-07-13,released_no_work",
                "W01,2026-07-13,2026-07-13,released_no_work",
            ),
        ],
    )
    assert "beds exceeded: men at FB on 2026-07-11: 3 people, 2 beds (+1)" in found, found


def test_a_bed_released_through_a_pause_is_caught(released_run: Path, tmp_path: Path) -> None:
    # the old rule's plan (review 19 R, HIGH-1): W06's bed released the morning F1 works again
    rows = (released_run / "plan" / "assignments.csv").read_text().splitlines()
    w06 = next(x for x in rows if x.startswith("W06,"))
    assert w06.endswith(",2026-07-28"), w06
    last = (released_run / "plan" / "uncovered.csv").read_text().splitlines()[-1]
    found = _tamper_rehashed(
        released_run,
        tmp_path,
        [
            ("plan/assignments.csv", w06, w06.replace(",2026-07-28", ",2026-07-24")),
            (
                "plan/uncovered.csv",
                last,
                last + "\nW06,2026-07-24,2026-07-28,released_no_work,"
                '"bed released after 2 days without work at the farm, with no work after them in '
                'the stay"',
            ),
        ],
    )
    assert (
        "uncovered.csv wrong: W06 2026-07-24..2026-07-28 is 'released_no_work', the bed is never "
        "released"
    ) in found, found


def test_a_release_relabelled_as_a_closing_is_caught(released_run: Path, tmp_path: Path) -> None:
    found = _tamper_rehashed(
        released_run,
        tmp_path,
        [
            (
                "plan/uncovered.csv",
                "W01,2026-07-11,2026-07-13,released_no_work",
                "W01,2026-07-11,2026-07-13,after_closing",
            )
        ],
    )
    assert any(
        "uncovered.csv wrong: W01 2026-07-11..2026-07-13 is 'after_closing'" in v for v in found
    )


def _always_rejects(run: Path, report: bool = True) -> list[str]:  # module level: in a process
    return [f"forged violation in {run.name}"]


def test_the_report_written_alongside_the_verifier_never_publishes_a_rejected_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import foresterie.run.pipeline as pipeline

    out = tmp_path / "run"
    written: list[Path] = []

    def report(run: Path) -> None:
        written.append(run)
        (run / "report" / "index.html").write_text("report", encoding="utf-8")

    def broken(run: Path) -> None:
        raise ValueError("the report broke")

    monkeypatch.setattr(pipeline, "verify_run", _always_rejects)
    with pytest.raises(pipeline.PlanRejected) as rejected:
        pipeline.solve(TINY, out, report=report)
    assert written and rejected.value.violations == [f"forged violation in {written[0].name}"]
    with pytest.raises(pipeline.PlanRejected):  # a report failing on a rejected plan yields
        pipeline.solve(TINY, out, report=broken)
    assert not out.exists() and list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    with pytest.raises(ValueError, match="the report broke"):  # an accepted plan: its error
        pipeline.solve(TINY, out, report=broken)
    assert not out.exists()
    pipeline.solve(TINY, out, report=report)
    assert (out / "report" / "index.html").read_text(encoding="utf-8") == "report"
    assert verify_run(out) == []


def test_riders_beyond_the_ride_cap_count_in_their_base_days_unserved(tmp_path: Path) -> None:
    # Found by fuzzing the default season with a 40-minute cap: at a base where some farms are
    # within the cap and one is beyond it, fleet_days.csv counted only the riders the fleet left,
    # the verifier (the sum of unserved.csv, README) refused the plan and nothing was published.
    folder = tmp_path / "s"
    shutil.copytree(TINY, folder)
    set_toml(folder, "max_ride_min = 75", "max_ride_min = 20")  # FA-F1 10 min, FA-F2 29 min
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert verify_run(out) == []
    unserved = list(csv.DictReader((out / "plan" / "unserved.csv").read_text("utf-8").splitlines()))
    capped = [u for u in unserved if u["code"] == "ride_cap"]
    assert capped, "the scenario must put a farm beyond the cap"
    by_base: dict[tuple[str, str], int] = {}
    for u in unserved:
        key = (u["day"], u["base_id"] or u["foresteria_id"])
        by_base[key] = by_base.get(key, 0) + int(u["worker_days"])
    rows = list(csv.DictReader((out / "plan" / "fleet_days.csv").read_text("utf-8").splitlines()))
    mixed = [
        f
        for f in rows
        if (f["day"], f["foresteria_id"]) in {(u["day"], u["foresteria_id"]) for u in capped}
    ]
    assert mixed, "a base-day with riders both within and beyond the cap"
    for f in rows:
        assert int(f["worker_days_unserved"]) == by_base.get((f["day"], f["foresteria_id"]), 0)
    assert all(int(f["worker_days_unserved"]) >= 1 for f in mixed)


def test_a_heat_alert_ending_before_a_shift_starts_leaves_that_farm_idle(tmp_path: Path) -> None:
    # Found by fuzzing: with the heat-alert end before a farm's shift start, the evening window
    # came before the morning's, the plan's reasons contradicted its idle vehicles and the
    # verifier refused it. Now the farm does not work that day: nobody rides, nobody is owed.
    folder = tmp_path / "s"
    shutil.copytree(TINY, folder)  # F1 05:30, F2 06:00, F3 05:00; heat-alert day 2026-07-08
    set_toml(
        folder,
        "heat_alert_days = [2026-07-08]",
        'heat_alert_days = [2026-07-08]\nheat_alert_shift_end = "05:45"',
    )
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out)])
    assert r.exit_code == 0, r.output
    trips = list(csv.DictReader((out / "plan" / "trips.csv").read_text("utf-8").splitlines()))
    stops = list(csv.DictReader((out / "plan" / "stops.csv").read_text("utf-8").splitlines()))
    unserved = list(csv.DictReader((out / "plan" / "unserved.csv").read_text("utf-8").splitlines()))
    heat_trips = {t["trip_id"] for t in trips if t["day"] == "2026-07-08"}
    farms_that_day = {s["farm_id"] for s in stops if s["trip_id"] in heat_trips}
    assert farms_that_day == {"F1"}  # F1 starts 05:30, before the 05:45 end; F2 does not work
    assert not [u for u in unserved if u["day"] == "2026-07-08"]
    assert {s["farm_id"] for s in stops if s["trip_id"] not in heat_trips} >= {"F1", "F2"}
    # The verifier applies the rule on its own: told the heat ends at 12:30 (F2 then works),
    # it finds F2's riders neither carried nor listed.
    toml = out / "inputs" / "scenario.toml"
    toml.write_text(toml.read_text("utf-8").replace('"05:45"', '"12:30"'), "utf-8")
    rehash(out, ["inputs/scenario.toml"])
    assert any("2026-07-08" in v for v in verify_run(out))


def test_a_vehicle_whose_duty_cannot_hold_a_round_trip_stays_idle_and_the_plan_verifies(
    tmp_path: Path,
) -> None:
    # Found by fuzzing: FA's only vehicle may drive 30 minutes a day, and the shortest round trip
    # to F1 (10 min away: out and back, with boarding) takes 44. Its riders stay behind while it
    # has no trip at all; the verifier read that as "vehicles busy beside an idle vehicle" and
    # refused the plan. A vehicle too short on duty for any of those round trips excuses nothing.
    folder = tmp_path / "s"
    shutil.copytree(TINY, folder)
    fleet = folder / "fleet.csv"
    fleet.write_text(
        fleet.read_text("utf-8").replace("VA1,FA,8,160,0.38,540", "VA1,FA,8,160,0.38,30")
    )
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out)])
    assert r.exit_code == 0, r.output
    trips = _rows(out / "plan" / "trips.csv")
    assert not [t for t in trips if t["vehicle_id"] == "VA1"]
    left = [u for u in _rows(out / "plan" / "unserved.csv") if u["foresteria_id"] == "FA"]
    assert left and all(u["code"] in ("fleet_short", "drivers_day") for u in left)
    # Since review 16 the riders no driver's day of VA1 can carry say so, proven, naming the
    # 30 minutes of duty against the 22-minute trips (before: "vehicles busy ... too short on
    # duty for the 44 min round trip").
    days = [u["reason"] for u in left if u["code"] == "drivers_day"]
    assert days and all("30 min of duty (proven)" in x for x in days)
    assert any("each trip 22 min" in x for x in days)  # F1: 10 min out, 2 to alight, 10 back
    # With a duty that holds the round trip, the claim is false and the verifier says so.
    edited = out / "inputs" / "fleet.csv"
    edited.write_text(edited.read_text("utf-8").replace(",30,", ",44,"), "utf-8")
    rehash(out, ["inputs/fleet.csv"])
    said = [v for v in verify_run(out) if "VA1" in v]
    assert said, "a drivers_day claim beside a vehicle whose day holds the round trip"


def test_no_waitlist_reason_tells_a_persons_priority(tmp_path: Path) -> None:
    # Found by a review: "men's beds full ... (held by people of priority >= 3)" beside a
    # waitlisted id told that person's priority (3: a referral), in a file the operator export
    # ships. Reasons now say "equal or higher" / "higher" priority; the code carries the rest.
    folder = tmp_path / "s"
    shutil.copytree(TINY, folder)
    edit_features(folder / "foresterie.geojson", 0, beds_men=1)
    edit_features(folder / "foresterie.geojson", 1, beds_men=0)
    workers = folder / "workers.csv"
    workers.write_text(
        workers.read_text("utf-8").replace(
            "W01,2026-07-06,2026-07-13,men,,F1,0,", "W01,2026-07-06,2026-07-13,men,,F1,3,"
        ),
        "utf-8",
    )
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out)])
    assert r.exit_code == 0, r.output
    waitlist = _rows(out / "plan" / "waitlist.csv")
    full = [w for w in waitlist if w["code"] in ("full", "outranked")]
    assert full, "beds must run out for someone"
    for w in waitlist:
        assert not re.search(r"priorit\w*\W*(>=|[0-9])", w["reason"]), w["reason"]


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (
            lambda t: t.encode("latin-1").replace(b"W01", b"W\xe901"),
            "assignments.csv: encoding: not UTF-8",
        ),
        (
            lambda t: t.replace("worker_id", "wid", 1),
            "assignments.csv:1: worker_id: missing column",
        ),
        (lambda t: t.replace(",FA,", ",FZ,", 1), "foresteria_id: unknown foresteria 'FZ'"),
    ],
)
def test_a_damaged_previous_run_is_one_line(run_dir: Path, tmp_path: Path, damage, said) -> None:  # type: ignore[no-untyped-def]
    # Found by helper V: `solve --as-of D --previous RUN` crashed on a previous assignments.csv
    # that was not UTF-8 (UnicodeDecodeError), lacked worker_id (KeyError) or named a foresteria
    # the scenario does not have (KeyError deep in the waitlist's reasons).
    prev = tmp_path / "prev"
    shutil.copytree(run_dir, prev)
    path = prev / "plan" / "assignments.csv"
    out = damage(path.read_text(encoding="utf-8"))
    path.write_bytes(out if isinstance(out, bytes) else out.encode("utf-8"))
    args = ["solve", str(TINY), "--as-of", "2026-07-08", "--previous", str(prev)]
    r = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "x")])
    assert r.exit_code == 2, r.output
    assert said in r.output and "Traceback" not in r.output
    assert not (tmp_path / "x").exists()


def _blocked_sheets_report(run: Path) -> None:
    """The report, with a file where its last day's driver sheets go: a worker's sheets fail."""
    from foresterie.report.html import write_report
    from foresterie.report.rundata import load_run
    from foresterie.report.sheets import sheet_days

    last = list(sheet_days(load_run(run)))[-1]
    (run / "report" / "drivers").mkdir(parents=True)
    (run / "report" / "drivers" / last).write_text("in the way", encoding="utf-8")
    write_report(run)


def test_the_sheets_are_lent_the_verifiers_pool_and_a_rejection_still_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import foresterie.run.pipeline as pipeline
    from foresterie.core.procs import lent_pool

    folder, out = tmp_path / "tiny", tmp_path / "run"
    shutil.copytree(TINY, folder)
    lent: list[bool] = []
    pipeline.solve(TINY, out, report=lambda run: lent.append(lent_pool() is not None))
    set_toml(folder, "shuttle_processes = 1", "shuttle_processes = 2")
    pipeline.solve(folder, out, force=True, report=lambda run: lent.append(lent_pool() is not None))
    assert lent == [False, True]  # one process asked: the report writes everything itself
    shutil.rmtree(out)
    monkeypatch.setattr(pipeline, "verify_run", _always_rejects)
    with pytest.raises(pipeline.PlanRejected):  # the sheets' failure yields to the rejection
        pipeline.solve(folder, out, report=_blocked_sheets_report)
    monkeypatch.undo()
    with pytest.raises(FileExistsError, match="drivers/"):  # an accepted plan: the sheets' error
        pipeline.solve(folder, out, report=_blocked_sheets_report)
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["tiny"]


def test_solve_leaves_nothing_frozen_out_of_the_collectors_reach(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    import foresterie.run.pipeline as pipeline

    frozen: list[int] = []
    pipeline.solve(TINY, tmp_path / "run", report=lambda run: frozen.append(gc.get_freeze_count()))
    assert frozen[0] > 0 and gc.get_freeze_count() == 0  # frozen while solving, not after
    monkeypatch.setattr(pipeline, "verify_run", _always_rejects)
    with pytest.raises(pipeline.PlanRejected):  # frozen after housing and shuttles, then fails
        pipeline.solve(TINY, tmp_path / "run", force=True)
    assert gc.get_freeze_count() == 0


def test_solve_seals_report_json_again_only_when_the_report_hook_did_not_seal_it_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`foresterie solve`'s report hook answers True (write_report seals report.json last), so
    solve does not hash report/ a second time, and report.json is what a seal of the published
    folder writes; a hook answering anything else (ops' hooks add follow_up.csv beside the
    report) gets report/ sealed as it left it."""
    import foresterie.run.pipeline as pipeline
    from foresterie.cli import _report_hook
    from foresterie.core.runfolder import read_report_hashes, seal_report
    from foresterie.report.html import write_report

    seals: list[Path] = []

    def counted(run: Path) -> None:
        seals.append(run)
        seal_report(run)

    monkeypatch.setattr(pipeline, "seal_report", counted)
    out = tmp_path / "run"
    pipeline.solve(TINY, out, report=_report_hook())
    assert seals == []
    sealed = (out / "report.json").read_bytes()
    seal_report(out)  # the published folder sealed anew: the same listing, byte for byte
    assert (out / "report.json").read_bytes() == sealed
    assert verify_run(out) == []

    def and_a_list(run: Path) -> None:  # like ops' day hook: a file after the report's seal
        write_report(run)
        (run / "report" / "follow_up.csv").write_text("worker_id\n", encoding="utf-8")

    pipeline.solve(TINY, out, force=True, report=and_a_list)
    assert len(seals) == 1
    listing = read_report_hashes(out)
    assert listing is not None and "follow_up.csv" in listing["files"]
    assert verify_run(out) == []


def _catalogues_held() -> int:
    """In a pool's worker: how many languages' catalogues it holds without parsing."""
    from foresterie.core.i18n import translations

    return translations.cache_info().currsize


def test_the_workers_lent_to_the_report_inherit_every_catalogue(tmp_path: Path) -> None:
    """With 2 processes the verifier's pool writes driver sheets and notices in every language
    of the season's workers: the parent compiles the catalogues before forking it, so no worker
    parses the .po files again."""
    import foresterie.run.pipeline as pipeline
    from foresterie.core.i18n import LANGS, translations
    from foresterie.core.procs import lent_pool, results, submit

    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    set_toml(folder, "shuttle_processes = 1", "shuttle_processes = 2")
    held: list[int] = []

    def hook(run: Path) -> None:
        pool = lent_pool()
        assert pool is not None
        held.extend(results([submit(pool, _catalogues_held)], "the test's job"))

    translations.cache_clear()  # as in a fresh `foresterie solve`
    pipeline.solve(folder, tmp_path / "run", report=hook)
    assert held == [len(LANGS)]


def test_the_verifier_recomputes_the_stays_and_kpis_once_per_run(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two checks read the stays (service, lower bounds) and two the KPIs (the KPIs, the
    solver's claims): each is computed once per run, and a reader cannot change what the
    next one reads."""
    import foresterie.verify as verify

    calls: list[str] = []
    for name in ("_stays_of", "_kpis_of"):
        real = getattr(verify, name)
        monkeypatch.setattr(
            verify, name, lambda r, real=real, name=name: calls.append(name) or real(r)
        )
    assert verify_run(run_dir) == []
    assert sorted(calls) == ["_kpis_of", "_stays_of"]
    r = verify._Run(run_dir)
    verify.recompute_kpis(r)["housing"]["housed"] = -1
    verify._stays(r).clear()
    assert verify.recompute_kpis(r)["housing"]["housed"] >= 0
    assert verify._stays(r) != []


def test_the_kpis_and_housing_files_written_by_the_pools_worker_are_those_written_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a report, the KPIs and housing's plan files come from the pool's worker (forked
    with the plans) while solve writes the rest; without one, from solve itself: the same
    plan files byte for byte, the same KPIs and restricted figures."""
    import os

    import foresterie.run.pipeline as pipeline

    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    set_toml(folder, "shuttle_processes = 1", "shuttle_processes = 2")
    where = tmp_path / "pids"
    real = pipeline.plan_kpis

    def plan_kpis(*a):  # type: ignore[no-untyped-def]
        with where.open("a") as fh:
            fh.write(f"{os.getpid()}\n")
        return real(*a)

    monkeypatch.setattr(pipeline, "plan_kpis", plan_kpis)
    here = pipeline.solve(folder, tmp_path / "here")
    beside = pipeline.solve(folder, tmp_path / "beside", report=lambda run: None)
    assert where.read_text().split() == [str(os.getpid()), where.read_text().split()[1]]
    assert where.read_text().split()[1] != str(os.getpid())  # the second, in a worker
    for p in sorted((tmp_path / "here" / "plan").iterdir()):
        assert p.read_bytes() == (tmp_path / "beside" / "plan" / p.name).read_bytes(), p.name
    assert here.manifest["kpis"] == beside.manifest["kpis"]
    assert here.manifest["plan"] == beside.manifest["plan"]
    from foresterie.core.restricted import SALT, read_restricted

    kept, told = read_restricted(tmp_path / "here"), read_restricted(tmp_path / "beside")
    assert "kpis.json" in kept  # the figures on priorities: computed beside, kept the same
    assert {k: v for k, v in kept.items() if k != SALT} == {
        k: v for k, v in told.items() if k != SALT
    }
