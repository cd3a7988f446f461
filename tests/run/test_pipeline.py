"""End to end: solve writes a verified run folder; verify catches hand edits; bytes are stable."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.verify import verify_run
from tests.helpers import TINY, edit_features


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
    assert (
        m["kpis"]["transport"]["caporale_fees_avoided_eur"]
        == 5.0 * m["kpis"]["transport"]["worker_days_transported"]
    )
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
    assert rows["transport.unserved_rider_trips"][2] == "-1"  # the heat-day rider now rides


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
            "W01,2026-07-06,2026-07-13,men,,F1,0,false,",
            "W01,2026-07-06,2026-07-13,men,,F1,0,false,FB",
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
    assert m["replan"] == {"as_of": "2026-07-08", "moved_vs_previous": 0}
    before = (run_dir / "plan" / "assignments.csv").read_text()
    assert (out / "plan" / "assignments.csv").read_text() == before
    pinned = {
        line.split(",")[0]: line.split(",")[-1]
        for line in (out / "inputs" / "workers.csv").read_text().splitlines()[1:]
    }
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
