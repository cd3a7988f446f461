"""Run folders are untrusted input: a catalogue of crafted folders (paths, links, special files,
malformed manifests, markup), each given to verify, report, map, compare or replay, each with its
exact one-line answer and exit 2, never a traceback, a hang, a write outside the run or live
markup in a page."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from foresterie.core.i18n import lang
from foresterie.report.maps import UNSERVED_REASONS
from tests.helpers import TINY, rehash

Mutation = Callable[[Path, Path], None]  # (run folder, a scratch folder outside it)


def _csv_set(rel: str, row: int, column: str, value: str) -> Mutation:
    """Set one cell of a plan CSV (row 2 = first data row)."""

    def go(run: Path, _: Path) -> None:
        import csv
        import io

        path = run / rel
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        rows[row - 1][rows[0].index(column)] = value
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        path.write_text(buf.getvalue(), encoding="utf-8")

    return go


def _manifest(edit: Callable[[dict], object]) -> Mutation:
    def go(run: Path, _: Path) -> None:
        m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
        result = edit(m)
        data = m if result is None else result
        (run / "manifest.json").write_text(json.dumps(data), encoding="utf-8")

    return go


def _write(rel: str, text: str) -> Mutation:
    def go(run: Path, _: Path) -> None:
        (run / rel).write_text(text, encoding="utf-8")

    return go


def _toml_data(key: str, value: str) -> Mutation:
    def go(run: Path, outside: Path) -> None:
        p = run / "inputs" / "scenario.toml"
        text = p.read_text(encoding="utf-8")
        old = next(line for line in text.splitlines() if line.startswith(f"{key} = "))
        p.write_text(
            text.replace(old, f'{key} = "{value.format(outside=outside)}"'), encoding="utf-8"
        )

    return go


def _link_out(rel: str, target: str = "outside.csv") -> Mutation:
    def go(run: Path, outside: Path) -> None:
        (outside / target).write_text("worker_id\nX\n", encoding="utf-8")
        (run / rel).unlink()
        (run / rel).symlink_to(outside / target)

    return go


def _link(rel: str, target: str) -> Mutation:
    def go(run: Path, _: Path) -> None:
        (run / rel).unlink()
        (run / rel).symlink_to(target)

    return go


def _fifo(rel: str) -> Mutation:
    def go(run: Path, _: Path) -> None:
        (run / rel).unlink(missing_ok=True)
        os.mkfifo(run / rel)

    return go


def _remove(rel: str) -> Mutation:
    def go(run: Path, _: Path) -> None:
        target = run / rel
        shutil.rmtree(target) if target.is_dir() else target.unlink()

    return go


def _seq(*ms: Mutation) -> Mutation:
    def go(run: Path, outside: Path) -> None:
        for m in ms:
            m(run, outside)

    return go


UNREADABLE = "error: {run}: unreadable run folder: "
# What verify adds when an input the manifest vouched for was edited (here scenario.toml).
EDITED = (
    " (the cause may be: input changed after solving: scenario.toml (hash differs from the "
    "manifest))"
)

# name -> (command, mutation, the exact stderr line; {run} is the crafted folder)
CASES: dict[str, tuple[str, Mutation, str]] = {
    # --- paths that would name files outside the run
    "report_day_is_a_path": (
        "report",
        _csv_set("plan/trips.csv", 2, "day", "../../../../tmp/evil"),
        UNREADABLE + "plan/trips.csv:2: day: '../../../../tmp/evil' is not a date YYYY-MM-DD",
    ),
    "report_vehicle_is_a_path": (
        "report",
        _csv_set("plan/trips.csv", 2, "vehicle_id", "../../x"),
        UNREADABLE + "plan/trips.csv:2: vehicle_id: '../../x' is not an id",
    ),
    "verify_data_path_leaves_run": (
        "verify",
        _toml_data("workers", "../../outside.csv"),
        UNREADABLE
        + "inputs/scenario.toml: data.workers: '../../outside.csv' is not a plain file name"
        + EDITED,
    ),
    # an office's slip: the edit that broke the reading is named with what it broke
    "verify_data_name_wrong": (
        "verify",
        _toml_data("workers", "worker.csv"),
        UNREADABLE + "inputs/worker.csv: No such file or directory" + EDITED,
    ),
    "verify_data_path_absolute": (
        "verify",
        _toml_data("fleet", "/etc/passwd"),
        UNREADABLE
        + "inputs/scenario.toml: data.fleet: '/etc/passwd' is not a plain file name"
        + EDITED,
    ),
    "verify_manifest_names_outside_file": (
        "verify",
        _manifest(lambda m: m["plan"].update({"../inputs/workers.csv": "0" * 64})),
        UNREADABLE + "manifest.json: plan: '../inputs/workers.csv' is not a plain file name",
    ),
    "report_inputs_without_scenario_toml": (
        "report",
        _remove("inputs/scenario.toml"),
        UNREADABLE + "inputs: scenario.toml: no scenario.toml in folder",
    ),
    "report_data_path_leaves_run": (
        "report",
        _toml_data("farms", "../plan/trips.csv"),
        UNREADABLE
        + "inputs/scenario.toml: data.farms: '../plan/trips.csv' leads outside the scenario "
        "folder and the project's geodata/ (and 30 more)",
    ),
    # --- links and special files
    "verify_input_links_outside": (
        "verify",
        _link_out("inputs/workers.csv"),
        UNREADABLE + "inputs/workers.csv: leads outside the run folder",
    ),
    "report_plan_links_outside": (
        "report",
        _link_out("plan/trips.csv"),
        UNREADABLE + "plan/trips.csv: file: leads outside {run}",
    ),
    "verify_plan_file_is_dev_zero": (
        "verify",
        _link("plan/trips.csv", "/dev/zero"),
        UNREADABLE + "plan/trips.csv: leads outside the run folder",
    ),
    "report_manifest_is_dev_zero": (
        "report",
        _link("manifest.json", "/dev/zero"),
        "error: {run}: not a run folder (no manifest.json)",
    ),
    "verify_plan_file_is_a_fifo": (
        "verify",
        _fifo("plan/stops.csv"),
        UNREADABLE + "plan/stops.csv: not a regular file",
    ),
    "report_plan_file_is_a_fifo": (
        "report",
        _fifo("plan/riders.csv"),
        UNREADABLE + "plan/riders.csv: file: not a regular file",
    ),
    "map_legs_file_is_a_fifo": (
        "map",
        _fifo("inputs/legs.geojson"),
        UNREADABLE + "inputs/legs.geojson: file: not a regular file",
    ),
    "report_plan_folder_missing": (
        "report",
        _remove("plan"),
        UNREADABLE + "plan/riders.csv: file: cannot read: No such file or directory",
    ),
    # --- malformed manifests
    "verify_manifest_not_json": (
        "verify",
        _write("manifest.json", "{not json"),
        UNREADABLE
        + "manifest.json: not JSON: Expecting property name enclosed in double quotes: line 1 "
        "column 2 (char 1)",
    ),
    "report_manifest_not_json": (
        "report",
        _write("manifest.json", "{not json"),
        UNREADABLE
        + "manifest.json: json: Expecting property name enclosed in double quotes: line 1 column 2 "
        "(char 1)",
    ),
    "verify_manifest_is_a_list": (
        "verify",
        _write("manifest.json", "[1, 2]"),
        UNREADABLE + "manifest.json: not a JSON object",
    ),
    "report_manifest_without_kpis": (
        "report",
        _manifest(lambda m: m.__delitem__("kpis")),
        UNREADABLE + "manifest.json: kpis: Field required",
    ),
    "report_manifest_seed_is_text": (
        "report",
        _manifest(lambda m: m.update(seed="<b>7</b>")),
        UNREADABLE
        + "manifest.json: seed: Input should be a valid integer, unable to parse string as an integer",
    ),
    "report_manifest_hash_is_markup": (
        "report",
        _manifest(lambda m: m["scenario"].update(hash="<script>alert(1)</script>")),
        UNREADABLE
        + "manifest.json: scenario.hash: String should match pattern '^[0-9a-f]{{16,64}}$'",
    ),
    "report_manifest_kpi_name_is_markup": (
        "report",
        _manifest(lambda m: m["kpis"]["housing"].update({"<img src=x onerror=alert(1)>": 1})),
        UNREADABLE
        + "manifest.json: kpis: Value error, housing.'<img src=x onerror=alert(1)>': not a KPI name",
    ),
    "report_manifest_kpi_is_text": (
        "report",
        _manifest(lambda m: m["kpis"]["housing"].update(housed="<b>many</b>")),
        UNREADABLE
        + "manifest.json: kpis: Value error, housing.housed: '<b>many</b>' is not a number",
    ),
    "report_manifest_version_is_markup": (
        "report",
        _manifest(lambda m: m["versions"].update(foresterie="<script>x</script>")),
        UNREADABLE + "manifest.json: versions: Value error, 'foresterie': not a version",
    ),
    "report_manifest_proof_unknown": (
        "report",
        _manifest(lambda m: m["housing"]["tiers"][0].update(proof="trust me")),
        UNREADABLE
        + "manifest.json: housing.tiers.0.proof: Input should be 'lp_bound', 'reduced_cost_search', "
        "'search' or 'budget'",
    ),
    "replay_as_of_not_a_date": (
        "replay",
        _manifest(lambda m: m.update(replan={"as_of": "yesterday"})),
        "error: manifest.json: replan: Value error, as_of: 'yesterday' is not a date YYYY-MM-DD",
    ),
    # replay compares the run's plan files byte for byte: each must be a regular file inside
    # the run, read before anything is written (session 8: /dev/zero filled the memory, a FIFO
    # blocked, a plan/ linked out of the run was compared file by file)
    "replay_plan_file_is_dev_zero": (
        "replay",
        _link("plan/trips.csv", "/dev/zero"),
        "error: plan/trips.csv: leads outside {run}",
    ),
    "replay_plan_file_is_a_fifo": (
        "replay",
        _fifo("plan/stops.csv"),
        "error: plan/stops.csv: not a regular file",
    ),
    "replay_plan_file_links_outside": (
        "replay",
        _link_out("plan/riders.csv"),
        "error: plan/riders.csv: leads outside {run}",
    ),
    "replay_plan_folder_links_outside": (
        "replay",
        _seq(_remove("plan"), lambda run, outside: (run / "plan").symlink_to(outside)),
        "error: plan: leads outside {run}",
    ),
    "replay_input_is_a_fifo": (
        "replay",
        _fifo("inputs/fleet.csv"),
        "error: inputs/fleet.csv: not a regular file",
    ),
    "replay_manifest_names_a_path": (
        "replay",
        _manifest(lambda m: m["plan"].update({"../manifest.json": "0" * 64})),
        "error: manifest.json: plan: '../manifest.json' is not a file name",
    ),
    "verify_manifest_plan_not_an_object": (
        "verify",
        _manifest(lambda m: m.update(plan=["trips.csv"])),
        UNREADABLE + "manifest.json: plan: not an object of file hashes",
    ),
    "compare_manifest_is_a_list": (
        "compare",
        _write("manifest.json", "[]"),
        "error: unreadable run folder: manifest.json: json: not a JSON object",
    ),
    # --- fields that would enter a page
    "report_time_with_markup": (
        "report",
        _csv_set("plan/stops.csv", 2, "arrive", "12:00<script>"),
        UNREADABLE + "plan/stops.csv:2: arrive: '12:00<script>' is not a time HH:MM",
    ),
    "report_reason_with_control_characters": (
        "report",
        _csv_set("plan/unserved.csv", 2, "reason", "bad\x1b[31m"),
        UNREADABLE + "plan/unserved.csv:2: reason: too long, or holds control characters",
    ),
    "report_unknown_rider": (
        "report",
        _csv_set("plan/riders.csv", 2, "worker_id", "NOBODY"),
        UNREADABLE + "plan/riders.csv:2: worker_id: 'NOBODY' is not in the run's inputs",
    ),
    "report_unknown_foresteria": (
        "report",
        _csv_set("plan/trips.csv", 2, "foresteria_id", "FZ"),
        UNREADABLE + "plan/trips.csv:2: foresteria_id: 'FZ' is not in the run's inputs",
    ),
    "report_km_not_a_number": (
        "report",
        _csv_set("plan/trips.csv", 2, "km", "nan"),
        UNREADABLE + "plan/trips.csv:2: km: 'nan' is not a distance in km",
    ),
    "report_unknown_section": (
        "report",
        _csv_set("plan/occupancy.csv", 2, "section", "kids"),
        UNREADABLE + "plan/occupancy.csv:2: section: 'kids' is not a section",
    ),
    "report_assignment_date_is_markup": (
        "report",
        _csv_set("plan/assignments.csv", 2, "from", "<b>2026</b>"),
        UNREADABLE + "plan/assignments.csv:2: from: '<b>2026</b>' is not a date YYYY-MM-DD",
    ),
    "report_missing_column": (
        "report",
        _write("plan/fleet_days.csv", "day,foresteria_id\n2026-07-06,FA\n"),
        UNREADABLE + "plan/fleet_days.csv:1: vehicles_needed: missing column",
    ),
}


@pytest.fixture(scope="module")
def base_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("crafted") / "run"
    cmd = [sys.executable, "-m", "foresterie", "solve", str(TINY), "--out", str(out)]
    subprocess.run(cmd, check=True, capture_output=True)
    return out


def _command(name: str, run: Path, scratch: Path) -> list[str]:
    base = [sys.executable, "-m", "foresterie"]
    if name == "compare":
        return [*base, "compare", str(run), str(run)]
    if name == "replay":
        return [*base, "replay", str(run), "--out", str(scratch / "replay")]
    if name == "map":
        return [*base, "map", str(run), "--out", str(scratch / "map.html")]
    return [*base, name, str(run)]


def test_catalogue_is_large_enough() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", sorted(CASES))
def test_crafted_run_folder_gives_one_line_and_exit_2(
    case: str, base_run: Path, tmp_path: Path
) -> None:
    command, mutate, expected = CASES[case]
    run, outside = tmp_path / "run", tmp_path / "outside"
    shutil.copytree(base_run, run, symlinks=True)
    outside.mkdir()
    if case == "map_legs_file_is_a_fifo":
        pass  # the tiny run has no road geometry: the FIFO is its only legs file
    mutate(run, outside)
    before = sorted(p.name for p in outside.iterdir())
    r = subprocess.run(
        _command(command, run, tmp_path), capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [expected.format(run=run)]
    assert sorted(p.name for p in outside.iterdir()) == before  # nothing written outside


def test_report_through_planted_links_writes_only_inside(base_run: Path, tmp_path: Path) -> None:
    """report/ a link to an outside folder, report/index.html a link to an outside file: the
    report replaces the links with its own files and never writes through them."""
    run, outside = tmp_path / "run", tmp_path / "outside"
    shutil.copytree(base_run, run, symlinks=True)
    outside.mkdir()
    (outside / "victim.html").write_text("precious", encoding="utf-8")
    shutil.rmtree(run / "report")
    (run / "report").symlink_to(outside, target_is_directory=True)
    r = subprocess.run(
        [sys.executable, "-m", "foresterie", "report", str(run)], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    assert not (run / "report").is_symlink() and (run / "report" / "index.html").is_file()
    assert sorted(p.name for p in outside.iterdir()) == ["victim.html"]
    (run / "report" / "summary.md").unlink()
    (run / "report" / "summary.md").symlink_to(outside / "victim.html")
    r = subprocess.run(
        [sys.executable, "-m", "foresterie", "report", str(run)], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    assert (outside / "victim.html").read_text(encoding="utf-8") == "precious"
    assert not (run / "report" / "summary.md").is_symlink()


def test_markup_in_reasons_stays_text(base_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(base_run, run)
    reason = "<script>alert(1)</script> [click](javascript:alert(1)): x"
    _csv_set("plan/unserved.csv", 2, "reason", reason)(run, tmp_path)
    rehash(run, ["plan/unserved.csv"])  # as a forger would: every reader checks the hashes
    r = subprocess.run(
        [sys.executable, "-m", "foresterie", "report", str(run), "--no-sheets"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    html = (run / "report" / "index.html").read_text(encoding="utf-8")
    md = (run / "report" / "summary.md").read_text(encoding="utf-8")
    page = (run / "report" / "map.html").read_text(encoding="utf-8")
    # the report and the map give reasons as translated words (from the code), never the
    # plan file's free text
    for text in (html, md, page):
        assert "alert(1)" not in text and "javascript:" not in text
    with open(run / "plan" / "unserved.csv", encoding="utf-8") as fh:
        code = next(csv.DictReader(fh))["code"]  # row 2: the edited one
    assert lang("it")._(UNSERVED_REASONS[code]) in md


# --- Forged plans: files edited by hand and the manifest re-hashed, as a forger would (sha256 is
# public). Each must fail verification (exit 1) with its exact violation line among the others.


def _json_edit(rel: str, edit: Callable[[Any], object]) -> Mutation:
    def go(run: Path, _: Path) -> None:
        data = json.loads((run / rel).read_text(encoding="utf-8"))
        edit(data)
        (run / rel).write_text(json.dumps(data), encoding="utf-8")

    return go


def _replace(rel: str, old: str, new: str) -> Mutation:
    def go(run: Path, _: Path) -> None:
        text = (run / rel).read_text(encoding="utf-8")
        assert old in text, (rel, old)
        (run / rel).write_text(text.replace(old, new, 1), encoding="utf-8")

    return go


PUBLISHED = {"placement": "unsuitable", "no_section": "unsuitable", "no_accessible": "unsuitable"}
PUBLISHED["outranked"] = "full"


def _wait(wid: str, old: str, new: str) -> Mutation:
    """A forged waitlist reason, as a forger with the restricted part writes it: the detailed
    code in restricted/waitlist_reasons.csv, the code it publishes as in plan/waitlist.csv."""
    return _seq(
        _replace("restricted/waitlist_reasons.csv", f"{wid},{old},", f"{wid},{new},"),
        _replace(
            "plan/waitlist.csv",
            f"{wid},{PUBLISHED.get(old, old)},yes,",
            f"{wid},{PUBLISHED.get(new, new)},yes,",
        ),
    )


def _rehash(run: Path, _: Path) -> None:
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    for part in ("plan", "inputs", "restricted"):
        for name in m.get(part, {}):
            m[part][name] = hashlib.sha256((run / part / name).read_bytes()).hexdigest()
    (run / "manifest.json").write_text(json.dumps(m), encoding="utf-8")


def _set(path: list[Any], value: object) -> Callable[[Any], None]:
    def go(data: Any) -> None:
        for k in path[:-1]:
            data = data[k]
        data[path[-1]] = value

    return go


E01, M01 = "2026-07-06-FA-E01", "2026-07-07-FA-M01"
EXTRA_TRIP = "2026-07-06,FA,to_farm,2026-07-06-FA-M09,VA1,{dep},{ret},0.000,0,FA,{dep},{ret}\n"

# name -> (mutation, the exact violation line)
FORGED: dict[str, tuple[Mutation, str]] = {
    "roll_call_short_of_the_stop": (
        _replace("plan/riders.csv", f"{E01},1,W02\n", ""),
        f"roll call differs from the stop: {E01} stop 1 at F1: 1 named, 2 board and 0 alight",
    ),
    "roll_call_short_of_the_trip": (
        _csv_set("plan/trips.csv", 2, "riders", "2"),
        f"roll call differs from the trip: {E01} says 2 riders, 3 named",
    ),
    "rider_named_twice": (
        _replace("plan/riders.csv", f"{E01},1,W02\n", f"{E01},1,W02\n{E01},1,W01\n"),
        f"rider named twice on one trip: W01 on {E01}",
    ),
    "unserved_count_without_names": (
        _csv_set("plan/unserved.csv", 2, "worker_days", "2"),
        "unserved names differ from the count: 2026-07-08 FA F2: 1 people named, 2 counted",
    ),
    "roll_call_over_the_seats": (
        _replace("inputs/fleet.csv", "VA1,FA,8,", "VA1,FA,2,"),
        f"seats exceeded: {E01} after F2: 3 riders, 2 seats",
    ),
    "trip_with_no_stops": (
        _replace("plan/trips.csv", "\n", "\n" + EXTRA_TRIP.format(dep="15:00", ret="16:00")),
        "trip with no stops: 2026-07-06-FA-M09",
    ),
    "trip_of_negative_duration": (
        _replace("plan/trips.csv", "\n", "\n" + EXTRA_TRIP.format(dep="16:00", ret="15:00")),
        "trip runs backwards: 2026-07-06-FA-M09 leaves 16:00, returns 15:00",
    ),
    "duty_breach_hidden_by_a_negative_trip": (
        _replace(
            "plan/trips.csv",
            "\n",
            "\n"
            + EXTRA_TRIP.format(dep="15:00", ret="23:00")
            + EXTRA_TRIP.replace("M09", "M08").format(dep="22:00", ret="16:00"),
        ),
        "duty limit: VA1 on 2026-07-06: 648 min on trips > 540 (+108), hidden by a trip of "
        "negative duration",
    ),
    "vehicle_booked_twice_across_midnight": (
        _seq(
            _replace("plan/trips.csv", f"{E01},VA1,13:20,14:44", f"{E01},VA1,23:00,24:40"),
            _replace("plan/trips.csv", f"{M01},VA1,05:08", f"{M01},VA1,00:30"),
        ),
        f"vehicle double-booked across midnight: VA1: {M01} (2026-07-07) leaves before {E01} "
        "(2026-07-06) is back +5 min turnaround",
    ),
    "plan_json_stop_time": (
        _json_edit("plan/plan.json", _set(["routes", 0, "steps", 1, "arrival"], 48660)),
        f"plan.json differs from the CSVs: {E01}: stops",
    ),
    "plan_json_site_moved": (
        _json_edit("plan/plan.json", _set(["routes", 0, "steps", 1, "location"], [16.0, 41.0])),
        f"plan.json differs from the CSVs: {E01}: coordinates",
    ),
    "plan_json_unserved_dropped": (
        _json_edit("plan/plan.json", _set(["unassigned"], [])),
        "plan.json differs from the CSVs: unassigned (the unserved rows)",
    ),
    "routes_geojson_riders": (
        _json_edit("plan/routes.geojson", _set(["features", 0, "properties", "riders"], 8)),
        f"routes.geojson differs from the CSVs: {E01}: riders",
    ),
    "routes_geojson_site_moved": (
        _json_edit(
            "plan/routes.geojson", _set(["features", 0, "geometry", "coordinates", 1], [16, 41])
        ),
        f"routes.geojson differs from the CSVs: {E01}: coordinates",
    ),
    # a key dropped or slipped in (a route's extra property could carry anything beside its
    # riders), and a feature or geometry no longer typed: each read as a difference
    "routes_geojson_key_dropped": (
        _json_edit("plan/routes.geojson", lambda d: d["features"][0]["properties"].pop("stops")),
        f"routes.geojson differs from the CSVs: {E01}: stops",
    ),
    "routes_geojson_key_added": (
        _json_edit("plan/routes.geojson", _set(["features", 0, "properties", "priority"], 3)),
        f"routes.geojson differs from the CSVs: {E01}: unexpected priority",
    ),
    "routes_geojson_geometry_untyped": (
        _json_edit("plan/routes.geojson", lambda d: d["features"][0]["geometry"].pop("type")),
        f"routes.geojson differs from the CSVs: {E01}: type",
    ),
    "routes_geojson_trip_dropped": (
        _json_edit("plan/routes.geojson", lambda d: d["features"].pop()),
        "routes.geojson differs from the CSVs: 23 routes for 24 trips",
    ),
    "housing_json_count": (
        _json_edit("plan/housing.json", _set(["housed"], 4)),
        "housing.json differs from the CSVs: 4 housed and 2 waitlisted, the CSVs have 5 and 2",
    ),
    "housing_json_tier_claim": (
        _json_edit("plan/housing.json", _set(["tiers", 0, "objective"], 2)),
        "housing.json differs from the CSVs: solver tiers differ from the manifest's",
    ),
    "waitlist_far_within_reach": (
        _replace("inputs/matrix.csv", "FA,F3,22825,", "FA,F3,600,"),
        "waitlist reason false: W06 is 'far', yet FA is within 60 min of farm F3",
    ),
    "waitlist_no_section_with_beds": (
        _replace("inputs/foresterie.geojson", '"beds_family":0', '"beds_family":1'),
        "waitlist reason false: W07 is 'no_section', yet FA has family beds and is open for the "
        "stay",
    ),
    "waitlist_full_with_an_empty_bed": (
        _seq(
            _replace("inputs/matrix.csv", "FA,F3,22825,", "FA,F3,600,"),
            _wait("W06", "far", "full"),
        ),
        "waitlist reason false: W06 is 'full', yet FA has room in men beds on every night of "
        "the stay",
    ),
    "waitlist_full_where_nothing_is_reachable": (
        _wait("W06", "far", "full"),
        "waitlist reason false: W06 is 'full', yet no foresteria within reach has a bed of the "
        "kind: nothing is full",
    ),
    "waitlist_code_that_tells_a_referral_published": (
        _replace("plan/waitlist.csv", "W07,unsuitable,yes,", "W07,no_section,yes,"),
        "plan/waitlist.csv publishes 'no_section' beside W07: a code a priority or a referral "
        'record decides (README, "Waitlist reasons")',
    ),
    "waitlist_published_code_not_its_detail": (
        _replace("plan/waitlist.csv", "W07,unsuitable,yes,", "W07,closed,yes,"),
        "waitlist code published wrong: W07 is 'closed' in plan/waitlist.csv, 'no_section' in "
        "restricted/waitlist_reasons.csv",
    ),
    "waitlist_closed_while_open": (
        _wait("W07", "no_section", "closed"),
        "waitlist reason false: W07 is 'closed', yet FA is within reach and open for the stay",
    ),
    "rider_at_an_unknown_stop": (
        _replace("plan/riders.csv", f"{E01},2,W03\n", f"{E01},7,W03\n"),
        f"rider at an unknown stop: W03 on {E01} 7",
    ),
    "stop_of_an_unknown_trip": (
        _replace("plan/stops.csv", f"{E01},2,", "2026-07-06-FA-E99,2,"),
        "stop of an unknown trip: 2026-07-06-FA-E99 stop 2",
    ),
    "plan_json_summary_distance": (
        _json_edit("plan/plan.json", lambda d: d["summary"].update(distance=1)),
        "plan.json differs from the CSVs: summary (routes, rider-trips unassigned, distance)",
    ),
    "plan_json_later_return": (
        _json_edit("plan/plan.json", _set(["routes", 0, "steps", -1, "arrival"], 54000)),
        f"plan.json differs from the CSVs: {E01}: start or end",
    ),
    "plan_json_another_farm": (
        _json_edit("plan/plan.json", _set(["routes", 0, "steps", 1, "id"], "F3")),
        f"plan.json differs from the CSVs: {E01}: places, stops, coordinates",
    ),
    "waitlist_outranked_with_room": (
        _seq(
            _replace("inputs/matrix.csv", "FA,F3,22825,", "FA,F3,600,"),
            _wait("W06", "far", "outranked"),
        ),
        "waitlist reason false: W06 is 'outranked', yet FA has room in men beds on every night "
        "of the stay",
    ),
    "waitlist_too_large_for_one": (
        _seq(
            _replace("inputs/matrix.csv", "FA,F3,22825,", "FA,F3,600,"),
            _wait("W06", "far", "too_large"),
        ),
        "waitlist reason false: W06 is 'too_large', yet FA has room in men beds on every night "
        "of the stay",
    ),
    "waitlist_placement_without_a_site_to_avoid": (
        _seq(
            _replace("inputs/matrix.csv", "FA,F3,22825,", "FA,F3,600,"),
            _wait("W06", "far", "placement"),
        ),
        "waitlist reason false: W06 is 'placement', yet a foresteria within reach is not a site "
        "to avoid",
    ),
    "waitlist_no_accessible_without_need": (
        _seq(
            _replace("inputs/foresterie.geojson", '"beds_family":0', '"beds_family":1'),
            _wait("W07", "no_section", "no_accessible"),
        ),
        "waitlist reason false: W07 is 'no_accessible', yet a foresteria within reach has the "
        "accessible beds",
    ),
    # The tiers by priority publish no figure (people of a priority housed): a forger edits
    # restricted/tiers.json, where the claims are checked.
    "solver_claim_objective_wrong": (
        _json_edit("restricted/tiers.json", lambda d: d["tiers"][0].update(objective=2, bound=2)),
        "solver claim wrong: tier housed_priority_3 says objective 2, the plan gives 1",
    ),
    "solver_claim_published_beside_ids": (
        _seq(
            _manifest(lambda m: m["housing"]["tiers"][0].update(objective=1)),
            _json_edit("plan/housing.json", lambda d: d["tiers"][0].update(objective=1)),
        ),
        "manifest.json publishes tier housed_priority_3's objective beside the plan's ids: people "
        'of a priority housed, kept in restricted/tiers.json (README, "Restricted part and '
        'encryption")',
    ),
    "solver_claim_commute_wrong": (
        _seq(
            _manifest(lambda m: m["housing"]["tiers"][4].update(objective=20000, bound=20000)),
            _json_edit(
                "plan/housing.json", lambda d: d["tiers"][4].update(objective=20000, bound=20000)
            ),
        ),
        "solver claim wrong: tier commute_s says objective 20000, the plan gives 448.4 min",
    ),
    "solver_claim_optimal_with_a_gap": (
        _json_edit("restricted/tiers.json", lambda d: d["tiers"][0].update(bound=3, gap=2.0)),
        "solver claim contradicts itself: tier housed_priority_3 says optimal with objective 1, "
        "bound 3, gap 2.0",
    ),
    "solver_claim_beyond_its_bound": (
        _seq(
            _json_edit("restricted/tiers.json", lambda d: d["tiers"][0].update(bound=0)),
            _manifest(lambda m: m["housing"]["tiers"][0].update(optimal=False)),
            _json_edit("plan/housing.json", lambda d: d["tiers"][0].update(optimal=False)),
        ),
        "solver claim contradicts itself: tier housed_priority_3 objective 1 beyond its bound 0",
    ),
    # session 8: the manifest's record of how the plan was made, against inputs/scenario.toml
    "manifest_seed_changed": (
        _manifest(lambda m: m.update(seed=8)),
        "manifest differs from inputs/scenario.toml: seed 8, the scenario 7",
    ),
    "manifest_budget_changed": (
        _manifest(lambda m: m["budgets"].update(shuttle_iterations=301)),
        "manifest differs from inputs/scenario.toml: budgets.shuttle_iterations '301', the "
        "scenario '300'",
    ),
    "solver_claim_chaining_optimal": (
        _csv_set("plan/fleet_days.csv", 2, "chaining_optimal", "no"),
        "solver claim differs from fleet_days.csv: chaining_optimal True, 1 days not proven "
        "optimal",
    ),
}


@pytest.mark.parametrize("case", sorted(FORGED))
def test_forged_plan_fails_verification_with_its_line(
    case: str, base_run: Path, tmp_path: Path
) -> None:
    mutate, expected = FORGED[case]
    run = tmp_path / "run"
    shutil.copytree(base_run, run)
    _seq(mutate, _rehash)(run, tmp_path)
    r = subprocess.run(
        [sys.executable, "-m", "foresterie", "verify", str(run)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    lines = r.stdout.splitlines()
    assert "hash differs" not in r.stdout  # the forger re-hashed: only the content checks speak
    assert f"violation: {expected}" in lines, lines
