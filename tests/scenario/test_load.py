"""Validation: one small bad file per defect (tests/bad_inputs/<defect>/), each with its message."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.errors import ScenarioError
from foresterie.scenario.generator import DEFAULT, LESINA, generate
from foresterie.scenario.load import load_scenario, scenario_hash
from tests.helpers import ROOT, TINY, set_toml

BAD = Path(__file__).resolve().parent.parent / "bad_inputs"

# defect folder -> the exact first line `foresterie validate` prints (file:row: field: message)
EXPECTED = {
    "calendar_unknown_farm": "farm_calendar.csv:3: farm_id: unknown farm 'F9'",
    "calendar_last_before_first": "farm_calendar.csv:2: last_day: 2026-07-10 is before first_day",
    # a span with no day in the season (a year mistyped, last year's calendar); one that runs
    # into the season is read for its days in it (test_a_no_work_span_running_into_the_season...)
    "calendar_wholly_outside": "farm_calendar.csv:2: first_day: outside the season (2026-07-01 to 2026-07-31)",
    "stray_quote": 'workers.csv:3: row: a quote (") opened here is never closed: remove it',
    "cell_too_long": "workers.csv:2: name: 5,000 characters, more than 4096",
    "control_character_in_name": "farms.geojson:1: name: control character U+0007 in 'Masseria\\x07Nardò'; remove it",
    "name_too_long": "foresterie.geojson:2: name: 244 characters, more than 120: shorten it",
    "shift_starts_after_midnight": "farms.geojson:2: shift_start: 00:15 puts the morning ride (up to 105 min before) in the previous day; shifts start at 01:45 or later",
    "shift_ends_near_midnight": "farms.geojson:3: shift_end: 23:50 puts the ride back (up to 105 min after) in the next day; shifts end at 22:15 or earlier",
    "seats_implausible": "fleet.csv:2: seats: 500 seats is above the plausible 90",
    "fixed_cost_in_cents": "fleet.csv:3: fixed_cost_eur_per_day: 100000 EUR/day is above the plausible 5000",
    "cost_per_km_implausible": "fleet.csv:2: cost_eur_per_km: 9500 EUR/km is above the plausible 20",
    "layers_unknown_key": "scenario.toml: data.layers: 'workers' is not a layered file (farms, foresterie, pickups)",
    "accessible_not_bool": "workers.csv:2: accessible: 'maybe' is not true/false",
    "bad_date": "workers.csv:2: arrival: date '2026-13-01': there is no month 13",
    "date_does_not_exist": "workers.csv:2: arrival: date '2026-02-30': there is no day 30 in 2026-02",
    "bad_time": "farms.geojson:1: shift_start: time '25:00' is not a clock time",
    "bad_workdays": "farms.geojson:3: workdays: workdays 'Lun-Ven': use Mon..Sun, ranges like Mon-Sat, commas",
    "date_ddmmyyyy": "workers.csv:3: arrival: date '06/07/2026' is dd/mm/yyyy; write ISO 2026-07-06",
    "decimal_comma": "fleet.csv:2: cost_eur_per_km: '0,38' uses a decimal comma; write 0.38",
    "departure_before_arrival": "workers.csv:4: departure: not after arrival",
    "duplicate_foresteria_id": "foresterie.geojson:2: id: duplicate id 'FA' (first at row 1)",
    "duplicate_worker_id": "workers.csv:3: worker_id: duplicate id 'W01' (first at row 2)",
    "empty_file": "fleet.csv: file: empty file",
    "empty_geometry": "foresterie.geojson:2: geometry: missing or empty geometry",
    "group_spans_sections": "workers.csv:5: section: group 'G1' spans sections men, family",
    "header_only": "workers.csv: file: header only, no data rows",
    "lat_lon_swapped": "foresterie.geojson:1: geometry: point (41.60000, 15.45000) lies outside Puglia (lat/lon look swapped)",
    "latin1_csv": "workers.csv:2: name: not UTF-8 (byte 0xEC); a spreadsheet saved it in a code "
    "page: if Windows-1252 (Excel's CSV on Windows), declare it with [data] encoding = "
    '"windows-1252" in scenario.toml, or save it as CSV UTF-8',
    "encoding_unknown": "scenario.toml: data.encoding: Input should be 'utf-8' or 'windows-1252'",
    "missing_column": "workers.csv:1: section: missing column(s): section",
    "missing_file": "scenario.toml: data.fleet: file 'vehicles.csv' not found",
    "nan_coordinates": "farms.geojson:1: geometry: coordinates not finite (nan, 41.6)",
    "negative_beds": "foresterie.geojson:1: beds_men: -3 is negative",
    "beds_huge": "foresterie.geojson:1: beds_family: 100000000000000000000 is out of range (at "
    "most 1000000000)",
    "non_integer_beds": "foresterie.geojson:2: beds_women: 1.5 is not a whole number",
    "non_integer_seats": "fleet.csv:2: seats: '8.5' is not a whole number",
    "open_to_before_open_from": "foresterie.geojson:1: open_to: before open_from",
    "path_escapes_scenario": "scenario.toml: data.workers: '../../../../etc/passwd' leads outside the scenario folder and the project's geodata/",
    "point_outside_puglia": "farms.geojson:1: geometry: point (12.49000, 41.90000) lies outside Puglia, 206 km beyond its border (up to 5 km is allowed for coastal points)",
    # the region's outline, not a box around it (scenario/region.py): Matera, the open sea
    "point_in_basilicata": "farms.geojson:1: geometry: point (16.60000, 40.67000) lies outside Puglia, 7.8 km beyond its border (up to 5 km is allowed for coastal points)",
    "point_at_sea": "farms.geojson:1: geometry: point (17.60000, 41.60000) lies outside Puglia, 72.7 km beyond its border (up to 5 km is allowed for coastal points)",
    # digits of another script are not read as numbers on the quiet, in any reader of numbers
    "priority_arabic_indic_digit": "workers.csv:3: priority: '٣' has the digit ٣ (U+0663), not one of 0-9; write 3",
    "seats_fullwidth_digits": "fleet.csv:2: seats: '２８' has the digit ２ (U+FF12), not one of 0-9; write 28",
    "matrix_seconds_arabic_indic": "matrix.csv:2: seconds: '٣٠٠' has the digit ٣ (U+0663), not one of 0-9; write 300",
    "time_arabic_indic_digits": "farms.geojson:1: shift_start: '٠٥:٣٠' has the digit ٠ (U+0660), not one of 0-9; write 05:30",
    # a key written twice: json and GDAL keep the last one on the quiet
    "geojson_repeated_key": "foresterie.geojson:1: beds_men: key appears twice in this feature",
    # last year's heat alert list copied: the alert would do nothing
    "heat_alert_outside_season": "scenario.toml: transport.heat_alert_days.1: 2025-07-14 is outside the season 2026-07-01..2026-07-31",
    # huge numbers said short
    "beds_as_1e300": "foresterie.geojson:1: beds_family: 1e+300 is out of range (at most 1000000000)",
    "seats_300_digits": "fleet.csv:2: seats: 99999999999999999999... (300 digits) is out of range (at most 1000000000)",
    "priority_out_of_range": "workers.csv:2: priority: 5 is not in 0..3",
    "ragged_row": "workers.csv:9: row: 2 cells, header has 10",
    "date_as_a_number": "scenario.toml: scenario.season_start: 0 is not a day YYYY-MM-DD",
    "season_end_before_start": "scenario.toml: scenario: season_end is before season_start",
    "section_unknown": "workers.csv:2: section: 'uomini' is not one of men, women, family",
    "self_intersecting_polygon": "farms.geojson:2: geometry: invalid polygon: Self-intersection[15.605 41.455]",
    # spreadsheet-saved CSV whose reading is not sure (the sure ones: tests/scenario/test_csvfile.py)
    "tab_separated_csv": 'fleet.csv:1: header: the file looks tab-separated (Excel "Unicode text"?); save as CSV UTF-8',
    "utf16_without_bom": "fleet.csv:1: encoding: UTF-16 without a byte-order mark; save as CSV UTF-8",
    "sep_line_unknown": "fleet.csv:1: header: separator '|' is not a comma or a semicolon; save as CSV UTF-8",
    "decimal_marks_mixed": "fleet.csv:3: cost_eur_per_km: '0.38' has a decimal point, row 2 a decimal comma: use one mark in the whole file",
    "thousands_separator": "fleet.csv:2: fixed_cost_eur_per_day: '1.160,50' has a thousands separator; write the number without it",
    "thousands_point_or_decimal": "fleet.csv:2: fixed_cost_eur_per_day: '1.160' may be 1160 (a thousands point) or a decimal; write 1160, or 1,160 with a decimal comma",
    "shift_end_before_start": "farms.geojson:1: shift_end: not after shift_start",
    # the field that is wrong (review 13, finding 13)
    "stay_outside_season": "workers.csv:2: departure: stay 2026-07-06..2026-08-15 is outside the season 2026-07-01..2026-07-31",
    "stay_before_season": "workers.csv:2: arrival: stay 2026-06-20..2026-07-13 is outside the season 2026-07-01..2026-07-31",
    "toml_syntax_error": "scenario.toml:6: toml: Invalid value (at line 6, column 8)",
    "toml_unknown_key": "scenario.toml: housing.max_comute_min: unknown key (typo?)",
    "unknown_farm_id": "workers.csv:2: farm_id: unknown farm 'F99'",
    "unknown_foresteria_in_fleet": "fleet.csv:3: foresteria_id: unknown foresteria or depot 'FZ'",
    "unknown_pinned_foresteria": "workers.csv:2: pinned_foresteria: unknown foresteria 'FX'",
    "zero_seats": "fleet.csv:3: seats: 0 must be at least 1",
    "vehicle_id_is_a_path": "fleet.csv:3: vehicle_id: '../../escape' is not an id (letters, digits, '.', '_', '-'; at most 64)",
    "vehicle_ids_differ_only_in_case": "fleet.csv:4: vehicle_id: id 'va1' differs only in case from 'VA1' (row 2): one id, one spelling",
    # W01 and w01: one person split in two (or two merged in a spreadsheet); their notices'
    # files would overwrite each other on Windows and macOS
    "worker_ids_differ_only_in_case": "workers.csv:7: worker_id: id 'w02' differs only in case from 'W02' (row 3): one id, one spelling",
    "duplicate_vehicle_id": "fleet.csv:3: vehicle_id: duplicate id 'VA1' (first at row 2)",
    "vehicle_available_to_before_from": "fleet.csv:3: available_to: before available_from",
    "negative_cost": "fleet.csv:2: fixed_cost_eur_per_day: -160.0 must be a finite number >= 0",
    "nan_cost": "fleet.csv:2: cost_eur_per_km: nan must be a finite number >= 0",
    "inf_coordinates": "farms.geojson:3: geometry: coordinates not finite (inf, 40.2)",
    "linestring_farm": "farms.geojson:3: geometry: LineString geometry, expected a Point or Polygon",
    "polygon_foresteria": "foresterie.geojson:1: geometry: Polygon geometry, expected a Point",
    "accessible_beds_above_total": "foresterie.geojson:2: beds_accessible: more than all beds together",
    "toml_wrong_type": "scenario.toml: scenario.seed: 'seven' is not a whole number",
    "negative_seed": "scenario.toml: scenario.seed: -1 must be at least 0",
    "seed_huge": "scenario.toml: scenario.seed: 1000000000000000000000000000000 is out of range "
    "(at most 1000000000)",
    "release_bed_after_days_negative": "scenario.toml: operations.release_bed_after_days: -2 must be at least 0",
    "timezone_not_puglia": "scenario.toml: scenario.timezone: Input should be 'Europe/Rome'",
    "unknown_travel_backend": "scenario.toml: travel.backend: Input should be 'haversine', 'matrix' or 'osrm'",
    "matrix_backend_without_file": 'scenario.toml: data.matrix: required by backend "matrix"',
    "matrix_missing_pairs": "matrix.csv: pairs: 1 ordered pairs missing, e.g. F3 -> FA",
    "matrix_duplicate_pair": "matrix.csv:22: to_id: duplicate id 'FA -> F1' (first at row 3)",
    "matrix_unknown_id": "matrix.csv:22: to_id: unknown location 'F9'",
    "matrix_negative_seconds": "matrix.csv:2: seconds: '-5' is not a whole number >= 0",
    "matrix_seconds_huge": "matrix.csv:2: seconds: 99999999999999999999 is more than 604800",
    "worker_id_missing": "workers.csv:3: worker_id: missing",
    "priority_not_integer": "workers.csv:2: priority: 'high' is not a whole number",
    "arrival_missing": "workers.csv:2: arrival: missing",
    "caporale_fee_reversed": "scenario.toml: transport.caporale_fee_eur: must be [low, high] with 0 <= low <= high",
    "geojson_not_json": "farms.geojson: file: cannot read as GeoJSON/GeoPackage: Failed to read GeoJSON data; At line 1, character 17: Unterminated object",
    "foresteria_missing_field": "foresterie.geojson: beds_family: missing field(s): beds_family",
    "farms_no_features": "farms.geojson: file: no features",
    "workdays_empty": "farms.geojson:2: workdays: missing",
    "time_with_seconds": "farms.geojson:1: shift_start: time '05:30:15' is not HH:MM",
    "pinned_group_split": "workers.csv:5: pinned_foresteria: group 'G1' is pinned to several foresterie",
    "absolute_path_outside": "scenario.toml: data.fleet: '/etc/hosts' leads outside the scenario folder and the project's geodata/",
    "duplicate_column": "workers.csv:1: priority: column appears twice",
    "heat_alert_bad_date": "scenario.toml: transport.heat_alert_days.0: '08/07/2026' is not a day YYYY-MM-DD",
    "ride_cap_zero": "scenario.toml: transport.max_ride_min: 0 must be more than 0",
    "wait_shorter_than_boarding": "scenario.toml: transport: wait_after_shift_max_min 1 min is shorter than boarding (board_min 2 min): riders board after the shift ends, within the wait",
    "heat_end_not_a_time": "scenario.toml: transport.heat_alert_shift_end: time 'noon' is not HH:MM",
    "no_scenario_toml": "{folder}: scenario.toml: no scenario.toml in folder",
    "pickup_id_unknown": "workers.csv:8: pickup_id: unknown departure point 'PZ'",
    "pickup_kind_unknown": "pickups.geojson:1: kind: Input should be 'settlement', 'town_square', 'depot' or 'other'",
    "pickup_id_is_a_farm": "pickups.geojson:1: id: 'F1' is already a foresteria or farm id",
    "vehicle_based_at_a_settlement": "fleet.csv:4: foresteria_id: 'PX' is a departure point that "
    'is not a depot (kind = "depot" in its layer makes it a base)',
    # one namespace of places (the travel matrix's keys): refused by the loader, not as a matrix
    "farm_id_is_a_foresteria": "farms.geojson:4: id: 'FB' is already a foresteria or farm id",
    "referral_unknown_worker": "referrals.csv:2: worker_id: unknown worker 'W99'",
    "referral_unknown_site": "referrals.csv:2: avoid_sites: unknown foresteria, farm or departure point 'Masseria'",
    "referral_pinned_to_avoided_site": "referrals.csv:2: avoid_sites: W02 is pinned to 'FA', a site to avoid",
    "referral_date_ddmmyyyy": "referrals.csv:3: referral_date: date '04/07/2026' is dd/mm/yyyy; write ISO 2026-07-04",
    "rides_not_bool": "workers.csv:2: rides: 'child' is not true/false",
    "two_transfers": "scenario.toml: housing.max_transfers: 2 must be at most 1",
    # scenario.toml: each key takes one TOML kind, nothing converted on the quiet
    "whole_number_is_true": "scenario.toml: housing.max_commute_min: true is not a whole number",
    "whole_number_as_decimal": "scenario.toml: housing.max_commute_min: 60.0 is not a whole number; write 60",
    "whole_number_in_quotes": "scenario.toml: transport.max_ride_min: '75' is not a whole number; write it without quotes",
    "negative_count": "scenario.toml: transport.wait_after_shift_max_min: -30 must be at least 0",
    "path_is_a_number": "scenario.toml: data.workers: 5 is not text; write it in quotes",
    "name_is_a_number": "scenario.toml: scenario.name: 2026 is not text; write it in quotes",
    "flag_is_a_number": "scenario.toml: housing.partial_stays: 1 is not true or false",
    "number_is_true": "scenario.toml: travel.circuity: true is not a number",
    "distance_is_infinite": "scenario.toml: travel.snap_warn_m: inf is not a finite number",
    # session 20, S: GDAL types a column by its other values (true among numbers was 1 bed) and
    # refused a whole layer without a row for a ring it cannot build
    "beds_true_among_numbers": "foresterie.geojson:2: beds_family: true is a JSON true/false, not a number or a text",
    "polygon_ring_not_closed": "farms.geojson:2: geometry: a polygon ring not closed: its last position must repeat its first",
    # a spreadsheet's "no end" (9999-12-31): the day after it was an OverflowError in solve
    "open_to_year_9999": "foresterie.geojson:2: open_to: date '9999-12-31': the year is outside 1900..2199 (open-ended: write the season's first or last day)",
    "season_year_9999": "scenario.toml: scenario.season_end: 9999-12-31: a season's year is 1900 to 2199",
    # GDAL reads a CSV as a table without geometries: an AttributeError before
    "layer_is_a_csv_table": "workers.csv: file: no geometries: a table, not a layer",
    # the spreadsheet sent instead of its CSV: "header only" before (session 20, S)
    "workbook_not_csv": "workers.csv: file: a zip archive (an .xlsx or .ods workbook?), not CSV text: save it as CSV UTF-8",
    # paths the file system cannot take: a ValueError (NUL) and an OSError (too long) before
    "data_path_with_nul": "scenario.toml: data.workers: 'work\\x00ers.csv' has the control character U+0000: not a file name",
    "data_path_too_long": "scenario.toml: data.fleet: 'vvvvvvvvvvvvvvvvvvv... (306 characters) is longer than a file name can be",
    # tomllib recurses into nested arrays: a RecursionError before
    "toml_nested_too_deep": "scenario.toml: toml: values nested too deep to read",
    "scenario_name_control_character": "scenario.toml: scenario.name: control character U+000D in 'tiny\\r\\nseason'; remove it",
    # a day worker written arrival = departure: no night, said so with what one night is
    "stay_of_no_night": "workers.csv:2: departure: not after arrival, the same day: a stay has at least one night (one night: departure the day after arrival)",
    # an id of another kind of place is said as what it is, not as unknown
    "pinned_to_a_farm": "workers.csv:2: pinned_foresteria: 'F1' is a farm, not a foresteria (columns swapped?)",
    "vehicle_based_at_a_farm": "fleet.csv:3: foresteria_id: 'F2' is a farm, not a foresteria or depot",
    # GDAL read a date-time with an offset in UTC (the 21st) and a time's offset dropped: the
    # text as written is read by the loader's rules
    "open_to_with_utc_offset": "foresterie.geojson:2: open_to: date '2026-07-20T23:30:00-05:00' has "
    "a time of day that is not midnight in Puglia: write the day alone, YYYY-MM-DD, as Puglia's "
    "calendar reads it",
    "shift_with_utc_offset": "farms.geojson:2: shift_start: time '06:00+02:00' is not HH:MM",
    "header_repeated": "workers.csv:5: row: the header again (files joined into one?): remove this line",
    # a time with one reading written another way: the message says the HH:MM to write
    "shift_with_a_decimal_point": "farms.geojson:2: shift_end: time '14.30' is not HH:MM; write 14:30",
    "data_path_with_backslash": "scenario.toml: data.workers: file 'data\\\\workers.csv' not found; write / between folders, not \\",
    # GDAL drops a point written as text and said "missing or empty geometry"
    "coordinates_as_text": 'foresterie.geojson:2: geometry: point coordinates ["15.70", "41.49"]: two numbers are needed, longitude and latitude',
    "referral_sites_comma_separated": "referrals.csv:2: avoid_sites: 'FA, F1': separate the sites with ';', not ','",
    "geojson_utf16": "foresterie.geojson: file: UTF-16 text; GeoJSON is UTF-8: save the file as UTF-8",
    "geojson_bare_list": 'farms.geojson: file: a JSON list, not a GeoJSON FeatureCollection: write an object with "type": "FeatureCollection" and this list as its "features"',
}


def test_catalogue_is_complete() -> None:
    assert sorted(p.name for p in BAD.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("defect", sorted(EXPECTED))
def test_bad_input_one_line_exit_2(defect: str, tmp_path: Path) -> None:
    folder = tmp_path / "s"
    shutil.copytree(TINY, folder)
    for f in (BAD / defect).iterdir():
        if f.name == "REMOVE":  # the defect is a missing file
            for name in f.read_text(encoding="utf-8").split():
                (folder / name).unlink()
        else:
            shutil.copyfile(f, folder / f.name)
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    expected = EXPECTED[defect].format(folder=folder)
    assert lines == [f"error: {expected}"]  # exactly one problem, no cascade
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["s"]
    assert "Traceback" not in result.output


def test_a_count_written_as_a_whole_decimal_is_read_as_the_count(tiny: Path) -> None:
    """JSON has one kind of number: beds 3.0 are 3 beds (GIS programs write a decimal column's
    whole numbers so); 1.5 beds are refused (non_integer_beds)."""
    path = tiny / "foresterie.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"][0]["properties"]["beds_men"] = 3.0
    data["features"][1]["properties"]["beds_family"] = 2.0
    path.write_text(json.dumps(data), encoding="utf-8")
    sc = load_scenario(tiny)
    assert sc.foresterie[0].beds_men == 3 and type(sc.foresterie[0].beds_men) is int
    assert sc.foresterie[1].beds_family == 2


def test_a_runs_recorded_heat_days_outside_its_season_are_a_warning(tiny: Path) -> None:
    """A scenario folder is refused (heat_alert_outside_season); a run's inputs/ (read with
    public or restricted) were accepted when written, e.g. a day run written before day runs
    kept only their own heat day, and stay readable."""
    toml = tiny / "scenario.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("[2026-07-08]", "[2026-07-08, 2026-08-20]"),
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match="2026-08-20 is outside the season"):
        load_scenario(tiny)
    sc = load_scenario(tiny, public=True)
    assert [str(w) for w in sc.warnings] == [
        "scenario.toml: transport.heat_alert_days.1: 2026-08-20 is outside the season "
        "2026-07-01..2026-07-31"
    ]


def test_all_problems_reported_not_just_first(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    shutil.copytree(TINY, folder)
    for d in ("bad_date", "zero_seats"):
        for f in (BAD / d).iterdir():
            shutil.copyfile(f, folder / f.name)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(folder)
    assert [str(p) for p in exc.value.problems] == [EXPECTED["zero_seats"], EXPECTED["bad_date"]]


def test_symlink_out_of_scenario_is_refused(tiny: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.csv"
    shutil.move(tiny / "workers.csv", outside)
    (tiny / "workers.csv").symlink_to(outside)
    with pytest.raises(ScenarioError, match="leads outside the scenario folder"):
        load_scenario(tiny)


def test_bom_and_accents_are_read(tiny: Path) -> None:
    assert (tiny / "workers.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    sc = load_scenario(tiny)
    assert sc.farm("F1").name == "Masseria Nardò"
    assert [w.id for w in sc.workers][:2] == ["W01", "W02"]


def test_polygon_entrance_is_inside(tiny: Path) -> None:
    f2 = load_scenario(tiny).farm("F2")
    assert 15.60 < f2.lon < 15.61 and 41.45 < f2.lat < 41.46 and f2.wkt is not None


def test_declared_crs_is_reprojected(tiny: Path) -> None:
    from pyproj import Transformer

    to_utm = Transformer.from_crs(4326, 32633, always_xy=True)
    data = json.loads((tiny / "foresterie.geojson").read_text(encoding="utf-8"))
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32633"}}
    for feat in data["features"]:
        x, y = to_utm.transform(*feat["geometry"]["coordinates"])
        feat["geometry"]["coordinates"] = [x, y]
    (tiny / "foresterie.geojson").write_text(json.dumps(data), encoding="utf-8")
    fa = load_scenario(tiny).foresteria("FA")
    assert abs(fa.lon - 15.45) < 1e-6 and abs(fa.lat - 41.60) < 1e-6


def test_default_scenario_loads() -> None:
    sc = load_scenario(ROOT / "scenarios" / "puglia-2026")
    assert {f.id for f in sc.foresterie} == {"FR-SSV", "FR-BMZ", "FR-NRD", "FR-TUR"}
    assert len(sc.farms) == 150 and len(sc.workers) == 1700
    assert sc.files["foresterie"] == (ROOT / "geodata" / "foresterie.geojson").resolve()
    assert {w.section.value for w in sc.workers} == {"men", "women", "family"}
    assert any(w.group_id for w in sc.workers) and any(w.accessible for w in sc.workers)
    assert {w.priority for w in sc.workers} == {0, 1, 2, 3}


@pytest.mark.parametrize("spec", [DEFAULT, LESINA], ids=["puglia-2026", "puglia-2026-lesina"])
def test_shipped_scenarios_are_what_the_generator_makes(spec: dict) -> None:  # type: ignore[type-arg]
    gen = generate(**spec)
    folder = ROOT / "scenarios" / str(spec["name"])
    for name, text in gen.files.items():
        assert (folder / name).read_text(encoding="utf-8") == text, name


def test_generator_is_deterministic_and_scales() -> None:
    a = generate("x", 300, 20, 6, seed=5, oversubscription=1.5)
    b = generate("x", 300, 20, 6, seed=5, oversubscription=1.5)
    c = generate("x", 300, 20, 6, seed=6, oversubscription=1.5)
    assert a.files == b.files and a.files["workers.csv"] != c.files["workers.csv"]
    assert a.files["workers.csv"].count("\n") == 301


def test_hash_ignores_paths_but_not_content(tiny: Path, tmp_path: Path) -> None:
    h = scenario_hash(load_scenario(tiny))
    moved = tmp_path / "moved"
    shutil.copytree(tiny, moved)
    assert scenario_hash(load_scenario(moved)) == h
    (moved / "fleet.csv").write_text(
        (moved / "fleet.csv").read_text().replace("160", "161"), encoding="utf-8"
    )
    assert scenario_hash(load_scenario(moved)) != h


def test_cli_validate_and_generate(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["validate", str(TINY)])
    assert r.exit_code == 0 and "ok: tiny: 2 foresterie, 3 farms, 7 workers" in r.stdout
    out = tmp_path / "gen"
    r = CliRunner().invoke(
        app, ["scenario", "generate", "g", "--workers", "120", "--farms", "10", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert len(load_scenario(out).workers) == 120
    r = CliRunner().invoke(app, ["scenario", "generate", "g", "--out", str(out)])
    assert r.exit_code == 2 and "exists" in r.stderr


def test_a_million_rows_fail_fast_with_one_line(tiny: Path, tmp_path: Path) -> None:
    header = (tiny / "workers.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    row = "W{:07d},2026-07-06,2026-07-13,men,,F1,0,false,,Nome Cognome\n"
    with open(tiny / "workers.csv", "w", encoding="utf-8") as fh:
        fh.write(header + "\n")
        fh.writelines(row.format(i) for i in range(1_000_000))
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(tiny), "--out", str(out)])
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        "error: workers.csv: file: 1,000,001 lines, more than 250,000: the "
        "planner is sized for one region's season; split the scenario"
    )
    assert not out.exists()


def test_referrals_rides_and_contract_load_and_round_trip(tiny: Path, tmp_path: Path) -> None:
    from foresterie.scenario.files import write_scenario

    folder = tmp_path / "ref"
    shutil.copytree(tiny, folder)
    toml = folder / "scenario.toml"
    toml.write_text(
        toml.read_text().replace('fleet = "fleet.csv"', 'fleet = "fleet.csv"\nreferrals = "r.csv"')
    )
    (folder / "r.csv").write_text(
        "worker_id,referral_date,referring_body,urgency,avoid_sites\n"
        "W02,2026-07-01,Sportello,high, F1 ;FA;FA\n",
        encoding="utf-8",
    )
    lines = (folder / "workers.csv").read_text(encoding="utf-8-sig").splitlines()
    lines = [lines[0] + ",rides,contract"] + [x + ",," for x in lines[1:]]
    lines[1] = lines[1][:-2] + ",false,yes"  # W01: a dependant with a contract (odd, but legal)
    (folder / "workers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    sc = load_scenario(folder)
    w = {x.id: x for x in sc.workers}
    assert w["W02"].avoid == {"F1", "FA"} and w["W02"].work_farm is None
    assert (w["W01"].rides, w["W01"].contract, w["W01"].work_farm) == (False, True, None)
    assert w["W03"].rides and not w["W03"].contract and w["W03"].work_farm == "F2"
    write_scenario(sc, tmp_path / "copy")
    again = load_scenario(tmp_path / "copy")
    assert again.workers == sc.workers and again.referrals == sc.referrals


def _two_layer_gpkg(folder: Path) -> Path:
    """The tiny farms as a GeoPackage with a second, decoy layer (every farm moved)."""
    import geopandas as gpd

    farms = gpd.read_file(folder / "farms.geojson")
    path = folder / "farms.gpkg"
    farms.to_file(path, layer="decoy", driver="GPKG")
    farms.to_file(path, layer="fields", driver="GPKG")
    (folder / "farms.geojson").unlink()
    toml = (folder / "scenario.toml").read_text(encoding="utf-8")
    (folder / "scenario.toml").write_text(
        toml.replace('"farms.geojson"', '"farms.gpkg"'), encoding="utf-8"
    )
    return path


def test_geopackage_with_several_layers_needs_a_layer_name(tiny: Path) -> None:
    _two_layer_gpkg(tiny)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(tiny)
    assert [str(p) for p in exc.value.problems] == [
        "farms.gpkg: layer: 2 layers (decoy, fields); name the one to read in scenario.toml: "
        '[data] layers = { farms = "decoy" }'
    ]


def test_geopackage_layer_named_in_scenario_is_read(tiny: Path) -> None:
    _two_layer_gpkg(tiny)
    toml = (tiny / "scenario.toml").read_text(encoding="utf-8")
    (tiny / "scenario.toml").write_text(
        toml.replace(
            'fleet = "fleet.csv"\n', 'fleet = "fleet.csv"\nlayers = { farms = "fields" }\n'
        ),
        encoding="utf-8",
    )
    assert sorted(f.id for f in load_scenario(tiny).farms) == ["F1", "F2", "F3"]
    (tiny / "scenario.toml").write_text(
        toml.replace(
            'fleet = "fleet.csv"\n', 'fleet = "fleet.csv"\nlayers = { farms = "roads" }\n'
        ),
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match="no layer 'roads'; it has decoy, fields"):
        load_scenario(tiny)


def test_a_fifo_is_refused_without_blocking(tiny: Path) -> None:
    import os

    (tiny / "workers.csv").unlink()
    os.mkfifo(tiny / "workers.csv")
    with pytest.raises(ScenarioError, match=r"data\.workers: 'workers\.csv' is not a regular"):
        load_scenario(tiny)


def test_bidi_controls_and_look_alike_names_are_warnings(tiny: Path) -> None:
    farms = json.loads((tiny / "farms.geojson").read_text(encoding="utf-8"))
    farms["features"][1]["properties"]["name"] = "Tenuta \u202eaciF"
    farms["features"][2]["properties"]["name"] = "MASSERIA  NARDO"  # F1 is "Masseria Nardò"
    (tiny / "farms.geojson").write_text(json.dumps(farms), encoding="utf-8")
    set_toml(tiny, 'fleet = "fleet.csv"', 'fleet = "fleet.csv"\ndraw_key = "k.txt"')
    (tiny / "k.txt").write_text("0f" * 32, encoding="utf-8")  # no warning about the tie-breaks
    sc = load_scenario(tiny)
    assert [str(w) for w in sc.warnings] == [
        "farms.geojson:2: name: bidi control characters reorder how it reads",
        "farms.geojson:3: name: 'MASSERIA  NARDO' looks like 'Masseria Nardò' (row 1)",
    ]
    r = CliRunner().invoke(app, ["validate", str(tiny)])
    assert r.exit_code == 0
    assert r.stderr.splitlines() == [f"warning: {w}" for w in sc.warnings]


def test_a_header_cell_beyond_the_csv_field_limit_is_one_line(tmp_path: Path) -> None:
    # Found by helper V: a workers.csv whose first line is one 200,000-character cell crashed
    # `validate` and `solve` (csv.Error: field larger than field limit) before any row was read.
    folder = tmp_path / "s"
    shutil.copytree(TINY, folder)
    (folder / "workers.csv").write_text("x" * 200_000 + "\nW01\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["validate", str(folder)])
    assert r.exit_code == 2
    assert "workers.csv:1: header: unreadable CSV: field larger than field limit" in r.output
    assert "Traceback" not in r.output


def _workers_edited(tiny: Path, *edits: tuple[str, str]) -> list[str]:
    """The problems of the tiny scenario with workers.csv's text edited (old, new), or []."""
    text = (tiny / "workers.csv").read_text(encoding="utf-8-sig")
    for old, new in edits:
        text = text.replace(old, new)
    (tiny / "workers.csv").write_text(text, encoding="utf-8")
    try:
        load_scenario(tiny)
    except ScenarioError as exc:
        return [str(p) for p in exc.problems]
    return []


def test_a_quoted_cell_with_line_breaks_is_read(tiny: Path) -> None:
    """Session 8: a spreadsheet's cell with a line break (Alt+Enter; RFC 4180 quotes it) was
    refused as a stray quote. The rows after it keep their own line numbers."""
    cell = ("Ahmed Diallo", '"Ahmed\r\nDiallo"')
    assert _workers_edited(tiny, cell, ("W06,", "W06,2026-13-01-")) == [
        "workers.csv:8: arrival: date '2026-13-01-2026-07-06' is not ISO YYYY-MM-DD"
    ]
    assert _workers_edited(tiny, ("2026-13-01-", "")) == []
    assert [w.id for w in load_scenario(tiny).workers] == [f"W0{i}" for i in range(1, 8)]


def test_a_stray_quote_that_swallows_rows_is_still_refused(tiny: Path) -> None:
    edits = [("Ahmed Diallo", '"Ahmed Diallo'), ("Aïssatou Ba", 'Aïssatou Ba"')]
    assert _workers_edited(tiny, *edits) == [
        'workers.csv:3: row: a quote (") opened here is closed only on line 4: remove it'
    ]


def test_a_no_work_span_running_into_the_season_is_read_for_its_days_in_it(tiny: Path) -> None:
    """Review 12: a pause in the harvest since 1 June, in a calendar kept per farm, was refused
    as 'outside the season' although it covers the season's first three days. It is read from
    the season's first day, with a warning naming the day read; likewise at the end; the run's
    inputs/ hold the span so cut (what the releases were computed from)."""
    for f in (BAD / "calendar_unknown_farm").iterdir():
        shutil.copyfile(f, tiny / f.name)
    (tiny / "farm_calendar.csv").write_text(
        "farm_id,first_day,last_day\nF1,2026-06-01,2026-07-03\nF2,2026-07-29,2026-08-03\n",
        encoding="utf-8",
    )
    sc = load_scenario(tiny)
    assert [(c.farm_id, str(c.first_day), str(c.last_day)) for c in sc.farm_closures] == [
        ("F1", "2026-07-01", "2026-07-03"),
        ("F2", "2026-07-29", "2026-07-31"),
    ]
    assert [str(w) for w in sc.warnings if w.file == "farm_calendar.csv"] == [
        "farm_calendar.csv:2: first_day: 2026-06-01 is before the season's first day: the span "
        "is read as 2026-07-01 to 2026-07-03",
        "farm_calendar.csv:3: last_day: 2026-08-03 is after the season's last day: the span is "
        "read as 2026-07-29 to 2026-07-31",
    ]
    from foresterie.scenario.files import farm_calendar_csv

    assert farm_calendar_csv(sc.farm_closures).splitlines()[1:] == [
        "F1,2026-07-01,2026-07-03",
        "F2,2026-07-29,2026-07-31",
    ]
