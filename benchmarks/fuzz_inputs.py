"""Scenario files as other tools write them, each a small variant of the tiny scenario
(tests/data/tiny), given to `foresterie solve` in a child process: a campaign for held-out
inputs. Each case must either be refused as bad input (exit 2, every stderr line `error: ...` or
`warning: ...`, no traceback, nothing written: no run folder, no half files) or solve, verify
(`foresterie verify`, exit 0) and replay byte for byte (`foresterie replay`, exit 0). Some cases
also say which of the two they must give (a BOM or CRLF must not be refused; a group spanning
sections must be). Anything else is a defect, printed with its case name; `--keep DIR` keeps
the scenario folder of each failing case, `--only NAME...` runs some.

Usage: python benchmarks/fuzz_inputs.py [--only NAME ...] [--keep DIR] [--no-replay]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny"
Expect = Literal["solve", "refuse", "either"]
Edit = Callable[[Path], None]


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text("utf-8-sig"), newline="")))


def _write_rows(path: Path, rows: list[list[str]], end: str = "\n") -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=end).writerows(rows)
    path.write_text(buf.getvalue(), "utf-8", newline="")


def cell(name: str, row: int, column: str, value: str) -> Edit:
    """Set one cell (row 1 = the first data row)."""

    def go(folder: Path) -> None:
        rows = _rows(folder / name)
        rows[row][rows[0].index(column)] = value
        _write_rows(folder / name, rows)

    return go


def add_rows(name: str, *lines: str) -> Edit:
    def go(folder: Path) -> None:
        text = (folder / name).read_text("utf-8")
        (folder / name).write_text(text + "".join(f"{x}\n" for x in lines), "utf-8")

    return go


def raw(name: str, change: Callable[[bytes], bytes]) -> Edit:
    def go(folder: Path) -> None:
        (folder / name).write_bytes(change((folder / name).read_bytes()))

    return go


def text(name: str, old: str, new: str) -> Edit:
    def go(folder: Path) -> None:
        body = (folder / name).read_text("utf-8")
        assert old in body, (name, old)
        (folder / name).write_text(body.replace(old, new), "utf-8")

    return go


def columns(name: str, change: Callable[[list[list[str]]], list[list[str]]]) -> Edit:
    def go(folder: Path) -> None:
        _write_rows(folder / name, change(_rows(folder / name)))

    return go


def feature(name: str, index: int, change: Callable[[dict[str, Any]], None]) -> Edit:
    def go(folder: Path) -> None:
        data = json.loads((folder / name).read_text("utf-8"))
        change(data["features"][index])
        (folder / name).write_text(json.dumps(data, ensure_ascii=False), "utf-8")

    return go


def geojson(name: str, change: Callable[[dict[str, Any]], None]) -> Edit:
    def go(folder: Path) -> None:
        data = json.loads((folder / name).read_text("utf-8"))
        change(data)
        (folder / name).write_text(json.dumps(data, ensure_ascii=False), "utf-8")

    return go


def _italian(b: bytes) -> bytes:
    """As Italian Excel saves CSV: `;` between cells, CRLF, a decimal comma in numbers."""
    out = []
    for line in b.decode("utf-8-sig").splitlines():
        cells = line.split(",")  # the tiny files have no commas inside a cell
        out.append(";".join(re.sub(r"^(\d+)\.(\d+)$", r"\1,\2", c) for c in cells))
    return ("\r\n".join(out) + "\r\n").encode("utf-8")


def each(*edits: Edit) -> Edit:
    def go(folder: Path) -> None:
        for e in edits:
            e(folder)

    return go


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def go(f: dict[str, Any]) -> None:
        f["properties"][key] = value

    return go


def _geometry(geom: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def go(f: dict[str, Any]) -> None:
        f["geometry"] = geom

    return go


def _reorder(rows: list[list[str]]) -> list[list[str]]:
    return [list(reversed(r)) for r in rows]


def _extra_column(rows: list[list[str]]) -> list[list[str]]:
    return [[*r, "phone" if i == 0 else "+39 333 000"] for i, r in enumerate(rows)]


def _with_matrix(folder: Path) -> None:
    """Switch to the matrix backend with a full haversine-like matrix written by 'a router'."""
    pts = {}
    for name in ("foresterie.geojson", "farms.geojson"):
        for f in json.loads((folder / name).read_text("utf-8"))["features"]:
            c = f["geometry"]["coordinates"]
            while isinstance(c[0], list):
                c = c[0]
            pts[f["properties"]["id"]] = (c[0], c[1])
    lines = ["from_id,to_id,seconds,metres"]
    for a, (x1, y1) in sorted(pts.items()):
        for b, (x2, y2) in sorted(pts.items()):
            metres = int((((x1 - x2) * 83_000) ** 2 + ((y1 - y2) * 111_000) ** 2) ** 0.5 * 1.3)
            lines.append(f"{a},{b},{metres * 3600 // 55_000},{metres}")
    (folder / "matrix.csv").write_text("\n".join(lines) + "\n", "utf-8")
    toml = (folder / "scenario.toml").read_text("utf-8")
    toml = toml.replace('fleet = "fleet.csv"', 'fleet = "fleet.csv"\nmatrix = "matrix.csv"')
    (folder / "scenario.toml").write_text(toml + '\n[travel]\nbackend = "matrix"\n', "utf-8")


def matrix(change: Callable[[str], str]) -> Edit:
    """The matrix backend with a full matrix.csv, then `change` applied to its text."""

    def go(folder: Path) -> None:
        _with_matrix(folder)
        body = (folder / "matrix.csv").read_text("utf-8")
        (folder / "matrix.csv").write_text(change(body), "utf-8", newline="")

    return go


def _pickup_nobody_uses(folder: Path) -> None:
    feat = {
        "type": "Feature",
        "properties": {"id": "P1", "name": "Piazza", "comune": "Foggia", "kind": "town_square"},
        "geometry": {"type": "Point", "coordinates": [15.55, 41.46]},
    }
    (folder / "pickups.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [feat]}), "utf-8"
    )
    _toml('fleet = "fleet.csv"', 'fleet = "fleet.csv"\npickups = "pickups.geojson"')(folder)


def _toml(old: str, new: str) -> Edit:
    return text("scenario.toml", old, new)


W = "workers.csv"
FL = "fleet.csv"
FA = "farms.geojson"
FO = "foresterie.geojson"
HOLE = [
    [[15.59, 41.44], [15.62, 41.44], [15.62, 41.47], [15.59, 41.47], [15.59, 41.44]],
    [[15.60, 41.45], [15.61, 41.45], [15.61, 41.46], [15.60, 41.46], [15.60, 41.45]],
]
SQUARE = [[[15.40, 41.65], [15.41, 41.65], [15.41, 41.66], [15.40, 41.66], [15.40, 41.65]]]

# name -> (edit, what it must give)
CASES: dict[str, tuple[Edit, Expect]] = {
    "as_shipped": (lambda f: None, "solve"),
    # --- encodings and layout as spreadsheets and editors write them
    "bom_everywhere": (
        each(*(raw(n, lambda b: b"\xef\xbb\xbf" + b) for n in (FL, FA, FO))),
        "solve",
    ),
    "bom_in_toml": (raw("scenario.toml", lambda b: b"\xef\xbb\xbf" + b), "either"),
    "crlf_everywhere": (
        each(*(raw(n, lambda b: b.replace(b"\n", b"\r\n")) for n in (W, FL, FA, FO))),
        "solve",
    ),
    "crlf_in_toml": (raw("scenario.toml", lambda b: b.replace(b"\n", b"\r\n")), "solve"),
    "cr_only_line_ends": (raw(FL, lambda b: b.replace(b"\n", b"\r")), "either"),
    "no_final_newline": (raw(W, lambda b: b.rstrip(b"\n")), "solve"),
    "trailing_blank_lines": (raw(W, lambda b: b + b"\n\n\n"), "solve"),
    "trailing_blank_lines_crlf": (
        raw(FL, lambda b: b.replace(b"\n", b"\r\n") + b"\r\n\r\n"),
        "solve",
    ),
    "blank_line_between_rows": (raw(W, lambda b: b.replace(b"\nW03", b"\n\nW03")), "either"),
    "rows_of_only_commas": (add_rows(FL, ",,,,,,,"), "either"),
    "quoted_name_with_comma": (cell(W, 1, "name", "Rossi, Mario"), "solve"),
    "quoted_name_with_newline": (cell(W, 2, "name", "Ahmed\nDiallo"), "solve"),
    "quoted_name_with_quotes": (cell(W, 3, "name", 'Aïssatou "Ba"'), "solve"),
    "every_cell_quoted": (
        lambda f: (f / W).write_text(
            "\n".join(",".join(f'"{c}"' for c in r) for r in _rows(f / W)) + "\n", "utf-8"
        ),
        "solve",
    ),
    "extra_unknown_columns": (
        each(columns(W, _extra_column), columns(FL, _extra_column)),
        "solve",
    ),
    "columns_in_another_order": (each(columns(W, _reorder), columns(FL, _reorder)), "solve"),
    "trailing_comma_empty_header": (
        columns(W, lambda rows: [[*r, ""] for r in rows]),
        "either",
    ),
    "header_with_spaces": (
        columns(W, lambda rows: [[f" {c}" for c in rows[0]], *rows[1:]]),
        "solve",
    ),
    "header_in_upper_case": (
        columns(FL, lambda rows: [[c.upper() for c in rows[0]], *rows[1:]]),
        "solve",
    ),
    "cells_with_spaces": (cell(W, 1, "section", " men "), "either"),
    "section_capitalised": (cell(W, 1, "section", "Men"), "either"),
    "bool_as_TRUE": (cell(W, 3, "accessible", "TRUE"), "either"),
    "excel_sep_line": (raw(FL, lambda b: b"sep=,\n" + b), "solve"),
    "excel_sep_line_semicolon": (raw(FL, lambda b: b"sep=;\n" + b.replace(b",", b";")), "solve"),
    "excel_sep_line_pipe": (raw(FL, lambda b: b"sep=|\n" + b.replace(b",", b"|")), "refuse"),
    # Italian Excel's "CSV (delimitato dal separatore di elenco)": `;`, CRLF, decimal commas
    "excel_italian_csv": (each(raw(FL, _italian), raw(W, _italian)), "solve"),
    "excel_italian_mixed_marks": (
        raw(FL, lambda b: _italian(b).replace(b"VB1;FB;8;160;0,38", b"VB1;FB;8;160;0.38")),
        "refuse",
    ),
    "excel_italian_thousands_point": (
        raw(FL, lambda b: _italian(b).replace(b"VA1;FA;8;160;", b"VA1;FA;8;1.160;")),
        "refuse",
    ),
    "tab_separated": (
        lambda f: (f / FL).write_text((f / FL).read_text("utf-8").replace(",", "\t"), "utf-8"),
        "refuse",
    ),
    "utf16_csv": (
        lambda f: (f / FL).write_bytes((f / FL).read_text("utf-8").encode("utf-16")),
        "solve",
    ),
    "utf16_csv_without_bom": (
        lambda f: (f / W).write_bytes((f / W).read_text("utf-8-sig").encode("utf-16-le")),
        "refuse",
    ),
    "utf16_tab_separated": (  # Excel's "Unicode text"
        lambda f: (f / FL).write_bytes(
            (f / FL).read_text("utf-8").replace(",", "\t").encode("utf-16")
        ),
        "refuse",
    ),
    "nul_byte_in_csv": (raw(W, lambda b: b.replace(b"Rossi", b"Ro\x00ssi")), "either"),
    "date_with_time": (cell(W, 1, "arrival", "2026-07-06T00:00:00"), "either"),
    "date_with_slashes_iso_order": (cell(W, 1, "arrival", "2026/07/06"), "refuse"),
    # --- names
    "unicode_names": (
        each(
            feature(FA, 0, _set("name", "Masseria 田中 Ñandú ÆØÅ 🍅")),
            feature(FO, 0, _set("name", "Forestería Ǆemal ß")),
        ),
        "solve",
    ),
    "rtl_names": (
        each(
            feature(FA, 1, _set("name", "مزرعة الطماطم")),
            feature(FO, 1, _set("comune", "בורגו מצאנונה")),
            cell(W, 2, "name", "أحمد ديالو"),
        ),
        "solve",
    ),
    "bidi_control_in_name": (feature(FA, 1, _set("name", "Farm \u202eevil\u202c")), "solve"),
    "name_of_120": (feature(FA, 0, _set("name", "N" * 120)), "solve"),
    "name_of_121": (feature(FA, 0, _set("name", "N" * 121)), "refuse"),
    "ignored_column_very_long": (cell(W, 1, "name", "x" * 4000), "solve"),
    "html_in_names": (
        each(
            feature(FA, 0, _set("name", "<script>alert(1)</script>")),
            feature(FO, 0, _set("comune", "\"'><img src=x onerror=alert(1)>")),
        ),
        "solve",
    ),
    "formula_in_names": (feature(FA, 0, _set("crop", '=HYPERLINK("http://x")')), "solve"),
    "names_same_but_case": (feature(FA, 1, _set("name", "MASSERIA NARDÒ")), "solve"),
    "empty_name": (feature(FA, 0, _set("name", "")), "either"),
    # --- ids
    "duplicate_farm_id": (feature(FA, 1, _set("id", "F1")), "refuse"),
    "ids_differ_by_case": (
        add_rows(W, "w01,2026-07-06,2026-07-13,men,,F1,0,false,,Altro"),
        "refuse",
    ),
    "vehicle_ids_differ_by_case": (
        add_rows(FL, "va1,FB,8,160,0.38,540,2026-07-01,2026-07-31"),
        "refuse",
    ),
    "id_with_space": (cell(W, 1, "worker_id", "W 01"), "refuse"),
    "id_with_trailing_space": (cell(W, 1, "worker_id", "W01 "), "either"),
    "farm_id_with_trailing_space": (cell(W, 1, "farm_id", "F1 "), "either"),
    "farm_id_as_number": (
        each(feature(FA, 0, _set("id", 1)), cell(W, 1, "farm_id", "1"), cell(W, 2, "farm_id", "1")),
        "either",
    ),
    "id_of_64": (cell(W, 1, "worker_id", "W" * 64), "solve"),
    "id_of_65": (cell(W, 1, "worker_id", "W" * 65), "refuse"),
    "vehicle_id_unicode": (cell(FL, 1, "vehicle_id", "VÀ1"), "either"),
    "group_id_unicode": (
        each(cell(W, 4, "group_id", "G€"), cell(W, 5, "group_id", "G€")),
        "either",
    ),
    "group_of_one": (cell(W, 1, "group_id", "SOLO"), "solve"),
    "group_spans_genders": (
        each(cell(W, 1, "group_id", "GX"), cell(W, 3, "group_id", "GX")),
        "refuse",
    ),
    "group_arrives_on_two_days": (cell(W, 5, "arrival", "2026-07-07"), "either"),
    # --- dates at and beyond the season's edges
    "stay_whole_season": (
        each(cell(W, 1, "arrival", "2026-07-01"), cell(W, 1, "departure", "2026-08-01")),
        "solve",
    ),
    "departure_day_after_season": (cell(W, 1, "departure", "2026-08-02"), "refuse"),
    "arrival_before_season": (cell(W, 1, "arrival", "2026-06-30"), "refuse"),
    "arrival_on_last_day": (
        each(cell(W, 1, "arrival", "2026-07-31"), cell(W, 1, "departure", "2026-08-01")),
        "solve",
    ),
    "one_night_stay": (cell(W, 1, "departure", "2026-07-07"), "solve"),
    "zero_night_stay": (cell(W, 1, "departure", "2026-07-06"), "refuse"),
    "stay_outside_every_opening": (
        each(
            text(FO, '"open_to": "2026-07-31"', '"open_to": "2026-07-15"'),
            cell(W, 1, "arrival", "2026-07-25"),
            cell(W, 1, "departure", "2026-07-28"),
        ),
        "solve",
    ),
    "foresteria_open_one_night": (
        text(
            FO,
            '"open_from": "2026-07-01", "open_to": "2026-07-20"',
            '"open_from": "2026-07-10", "open_to": "2026-07-10"',
        ),
        "solve",
    ),
    "foresteria_opens_after_season": (
        text(
            FO,
            '"open_from": "2026-07-01", "open_to": "2026-07-20"',
            '"open_from": "2026-09-01", "open_to": "2026-09-20"',
        ),
        "either",
    ),
    "vehicle_outside_season": (
        each(
            cell(FL, 2, "available_from", "2026-09-01"), cell(FL, 2, "available_to", "2026-09-30")
        ),
        "either",
    ),
    "heat_alert_outside_season": (
        _toml("heat_alert_days = [2026-07-08]", "heat_alert_days = [2026-12-25]"),
        "either",
    ),
    "heat_alert_twice": (
        _toml("heat_alert_days = [2026-07-08]", "heat_alert_days = [2026-07-08, 2026-07-08]"),
        "either",
    ),
    "season_of_one_day": (
        each(
            _toml("season_end = 2026-07-31", "season_end = 2026-07-01"),
            lambda f: _write_rows(
                f / W,
                [
                    _rows(f / W)[0],
                    ["W01", "2026-07-01", "2026-07-02", "men", "", "F1", "0", "false", "", "x"],
                ],
            ),
        ),
        "either",
    ),
    "leap_day": (
        each(
            _toml("season_start = 2026-07-01", "season_start = 2028-02-01"),
            _toml("season_end = 2026-07-31", "season_end = 2028-07-31"),
            cell(W, 1, "arrival", "2028-02-29"),
            cell(W, 1, "departure", "2028-03-02"),
        ),
        "either",
    ),
    # --- capacities and people
    "foresteria_zero_beds_in_a_section": (text(FO, '"beds_women": 1', '"beds_women": 0'), "solve"),
    "foresteria_zero_beds_at_all": (
        text(
            FO,
            '"beds_men": 2, "beds_women": 0, "beds_family": 2',
            '"beds_men": 0, "beds_women": 0, "beds_family": 0',
        ),
        "either",
    ),
    "farm_with_no_workers": (
        each(cell(W, 6, "farm_id", "F1")),
        "solve",
    ),
    "worker_without_farm": (cell(W, 1, "farm_id", ""), "solve"),
    "all_dependants": (
        lambda f: _write_rows(
            f / W,
            [
                [*_rows(f / W)[0], "rides"],
                *[[*r, "false"] for r in _rows(f / W)[1:]],
            ],
        ),
        "solve",
    ),
    "empty_optional_cells": (
        each(
            cell(W, 1, "group_id", ""),
            cell(W, 1, "pinned_foresteria", ""),
            cell(W, 1, "accessible", ""),
        ),
        "either",
    ),
    "pinned_to_a_closed_foresteria": (
        each(cell(W, 7, "pinned_foresteria", "FB"), cell(W, 7, "section", "men")),
        "either",
    ),
    "pinned_to_a_full_section": (
        each(cell(W, 3, "pinned_foresteria", "FB")),
        "either",
    ),
    "farm_unreachable_everywhere": (
        each(cell(W, 1, "farm_id", "F3"), cell(W, 2, "farm_id", "F3")),
        "solve",
    ),
    "departure_point_nobody_uses": (_pickup_nobody_uses, "solve"),
    "vehicle_with_one_seat": (cell(FL, 1, "seats", "1"), "solve"),
    "vehicle_with_zero_duty": (cell(FL, 1, "max_duty_min", "0"), "either"),
    "vehicle_with_one_minute_duty": (cell(FL, 1, "max_duty_min", "1"), "solve"),
    "vehicle_free": (
        each(cell(FL, 1, "fixed_cost_eur_per_day", "0"), cell(FL, 1, "cost_eur_per_km", "0")),
        "solve",
    ),
    "two_vehicles_same_base": (add_rows(FL, "VA2,FA,1,10,0.1,60,2026-07-01,2026-07-31"), "solve"),
    "empty_fleet": (
        lambda f: (f / FL).write_text(
            _rows(f / FL)[0] and ",".join(_rows(f / FL)[0]) + "\n", "utf-8"
        ),
        "refuse",
    ),
    "shift_at_the_limits": (
        each(
            feature(FA, 0, _set("shift_start", "01:45")), feature(FA, 0, _set("shift_end", "22:15"))
        ),
        "solve",
    ),
    "shift_of_one_minute": (
        each(
            feature(FA, 0, _set("shift_start", "06:00")), feature(FA, 0, _set("shift_end", "06:01"))
        ),
        "solve",
    ),
    "farm_works_no_day_of_stays": (feature(FA, 0, _set("workdays", "Sun")), "solve"),
    "workdays_lower_case": (feature(FA, 0, _set("workdays", "mon-sat")), "either"),
    "workdays_wrapping_range": (feature(FA, 0, _set("workdays", "Sat-Tue")), "either"),
    # --- coordinates and GeoJSON variants
    "point_outside_puglia": (
        feature(FA, 0, _geometry({"type": "Point", "coordinates": [9.19, 45.46]})),
        "refuse",
    ),
    "lat_lon_swapped_farm": (
        feature(FA, 0, _geometry({"type": "Point", "coordinates": [41.65, 15.40]})),
        "refuse",
    ),
    "point_with_altitude": (
        feature(FA, 0, _geometry({"type": "Point", "coordinates": [15.40, 41.65, 120.0]})),
        "solve",
    ),
    "farm_multipolygon": (
        feature(
            FA,
            0,
            _geometry(
                {
                    "type": "MultiPolygon",
                    "coordinates": [
                        SQUARE,
                        [[[15.42, 41.65], [15.43, 41.65], [15.43, 41.66], [15.42, 41.65]]],
                    ],
                }
            ),
        ),
        "either",
    ),
    "farm_polygon_with_hole": (
        feature(FA, 1, _geometry({"type": "Polygon", "coordinates": HOLE})),
        "solve",
    ),
    "farm_polygon_unclosed": (
        feature(FA, 1, _geometry({"type": "Polygon", "coordinates": [HOLE[0][:-1]]})),
        "either",
    ),
    "farm_polygon_clockwise": (
        feature(FA, 1, _geometry({"type": "Polygon", "coordinates": [list(reversed(HOLE[0]))]})),
        "solve",
    ),
    "farm_polygon_degenerate": (
        feature(
            FA,
            1,
            _geometry(
                {
                    "type": "Polygon",
                    "coordinates": [[[15.6, 41.45], [15.6, 41.45], [15.6, 41.45], [15.6, 41.45]]],
                }
            ),
        ),
        "refuse",
    ),
    "farm_multipoint": (
        feature(FA, 0, _geometry({"type": "MultiPoint", "coordinates": [[15.40, 41.65]]})),
        "either",
    ),
    "geometry_collection": (
        feature(
            FA,
            0,
            _geometry(
                {
                    "type": "GeometryCollection",
                    "geometries": [{"type": "Point", "coordinates": [15.40, 41.65]}],
                }
            ),
        ),
        "either",
    ),
    "geometry_null": (feature(FA, 0, _geometry(None)), "refuse"),  # type: ignore[arg-type]
    "properties_null": (feature(FA, 2, lambda f: f.update(properties=None)), "refuse"),
    "property_missing": (feature(FA, 2, lambda f: f["properties"].pop("crop")), "either"),
    "property_null": (feature(FA, 2, _set("crop", None)), "either"),
    "property_extra": (feature(FA, 2, _set("owner", {"nested": [1, 2]})), "solve"),
    "beds_as_strings": (text(FO, '"beds_men": 3', '"beds_men": "3"'), "either"),
    "beds_as_float": (text(FO, '"beds_men": 3', '"beds_men": 3.0'), "either"),
    "feature_id_outside_properties": (
        feature(FA, 0, lambda f: f.update(id=f["properties"]["id"])),
        "solve",
    ),
    "crs84_declared": (
        geojson(
            FA,
            lambda d: d.update(
                crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
            ),
        ),
        "solve",
    ),
    "bbox_member": (geojson(FA, lambda d: d.update(bbox=[15, 40, 19, 42])), "solve"),
    "single_feature_not_collection": (
        lambda f: (f / FA).write_text(
            json.dumps(json.loads((f / FA).read_text("utf-8"))["features"][0]), "utf-8"
        ),
        "either",
    ),
    "geojson_empty_features_foresterie": (geojson(FO, lambda d: d.update(features=[])), "refuse"),
    "geojson_is_a_list": (lambda f: (f / FA).write_text("[]", "utf-8"), "refuse"),
    "geojson_huge_number": (text(FO, '"beds_men": 3', '"beds_men": 1e400'), "refuse"),
    "geojson_duplicate_keys": (
        text(FO, '"beds_men": 3,', '"beds_men": 3, "beds_men": 9,'),
        "either",
    ),
    # --- matrix files
    "matrix_full": (_with_matrix, "solve"),
    "matrix_with_a_gap": (each(_with_matrix, text("matrix.csv", "\nFA,F1,", "\nXX,F1,")), "refuse"),
    "matrix_row_missing": (
        matrix(lambda t: "".join(x for x in t.splitlines(True) if not x.startswith("FB,F2,"))),
        "refuse",
    ),
    "matrix_diagonal_missing": (
        matrix(lambda t: "".join(x for x in t.splitlines(True) if not re.match(r"^(\w+),\1,", x))),
        "either",
    ),
    "matrix_duplicate_pair": (matrix(lambda t: t + "FA,F1,1,1\n"), "refuse"),
    "matrix_zero_between_places": (
        matrix(lambda t: re.sub(r"\nFA,F1,\d+,\d+", "\nFA,F1,0,0", t)),
        "either",
    ),
    "matrix_decimal_seconds": (
        matrix(lambda t: re.sub(r"\nFA,F1,(\d+),", r"\nFA,F1,\1.5,", t)),
        "refuse",
    ),
    "matrix_crlf_bom": (matrix(lambda t: "\ufeff" + t.replace("\n", "\r\n")), "solve"),
    "matrix_columns_reordered": (each(_with_matrix, columns("matrix.csv", _reorder)), "solve"),
    "matrix_extra_place": (matrix(lambda t: t + "FA,ZZ,1,1\n"), "refuse"),
    # --- scenario.toml as people write it
    "toml_comments_and_blank_lines": (
        raw(
            "scenario.toml",
            lambda b: b.replace(b"\n", "\n# note \u00e8\n\n".encode("utf-8")),
        ),
        "solve",
    ),
    "toml_inline_tables": (
        _toml("[solver]\n", "[solver]\n# inline\n"),
        "solve",
    ),
    "toml_dates_as_strings": (
        _toml("season_start = 2026-07-01", 'season_start = "2026-07-01"'),
        "either",
    ),
    "toml_datetime": (
        _toml("season_start = 2026-07-01", "season_start = 2026-07-01T00:00:00"),
        "refuse",
    ),
    "toml_timezone_other": (
        _toml('timezone = "Europe/Rome"', 'timezone = "America/New_York"'),
        "refuse",
    ),
    "toml_timezone_bogus": (
        _toml('timezone = "Europe/Rome"', 'timezone = "Mars/Olympus"'),
        "refuse",
    ),
    "toml_name_unicode": (_toml('name = "tiny"', 'name = "stagione ñ 2026 / ../x"'), "either"),
    "toml_data_path_backslash": (
        _toml('workers = "workers.csv"', 'workers = ".\\\\workers.csv"'),
        "either",
    ),
    "toml_data_path_dot": (_toml('workers = "workers.csv"', 'workers = "./workers.csv"'), "solve"),
    "toml_data_path_is_folder": (_toml('workers = "workers.csv"', 'workers = "."'), "refuse"),
}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "foresterie", *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=600)


def judge(name: str, expect: Expect, tmp: Path, replay: bool) -> tuple[str, bool]:
    """(what happened, whether it is a defect)"""
    folder, run = tmp / "scenario", tmp / "run"
    r = _run("solve", str(folder), "--out", str(run))
    lines = r.stderr.strip().splitlines()
    if "Traceback" in r.stdout + r.stderr or r.returncode not in (0, 2):
        return f"DEFECT exit {r.returncode}: {(lines or [''])[-1][:200]}", True
    if r.returncode == 2:
        errors = [x for x in lines if x.startswith(("error: ", "infeasible: "))]
        stray = [x for x in lines if not x.startswith(("error: ", "infeasible: ", "warning: "))]
        left = sorted(p.name for p in tmp.iterdir() if p.name != "scenario")
        if stray or not errors or left:
            return f"DEFECT refused untidily: {stray or left or lines}", True
        said = f"refused: {errors[0].split(': ', 1)[1]}" + (
            f" (+{len(errors) - 1})" if len(errors) > 1 else ""
        )
        return said, expect == "solve"
    v = _run("verify", str(run))
    if v.returncode != 0:
        return f"VERIFY FAILED exit {v.returncode}: {v.stdout.strip()[:300]}", True
    said = "solved, verified"
    if replay:
        p = _run("replay", str(run), "--out", str(tmp / "replay"))
        if p.returncode != 0:
            return f"REPLAY exit {p.returncode}: {(p.stdout + p.stderr).strip()[:300]}", True
        said += ", replayed"
    return said, expect == "refuse"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*", help="run these cases only")
    ap.add_argument("--keep", type=Path, help="keep each failing case's scenario folder here")
    ap.add_argument("--no-replay", action="store_true")
    a = ap.parse_args()
    names = a.only or sorted(CASES)
    tally = {"refused": 0, "solved": 0, "defects": 0}
    for name in names:
        edit, expect = CASES[name]
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "scenario"
            shutil.copytree(TINY, folder)
            edit(folder)
            t0 = time.perf_counter()
            said, defect = judge(name, expect, Path(tmp), not a.no_replay)
            tally["defects"] += defect
            tally["refused" if said.startswith("refused") else "solved"] += not defect
            if defect and a.keep:
                shutil.copytree(folder, a.keep / name, dirs_exist_ok=True)
            mark = (
                "DEFECT " if defect and not said.startswith(("DEFECT", "VERIFY", "REPLAY")) else ""
            )
            print(f"{name} [{expect}] {time.perf_counter() - t0:.0f} s: {mark}{said}", flush=True)
    print(
        f"{len(names)} cases: {tally['solved']} solved and verified, {tally['refused']} refused "
        f"with one line, {tally['defects']} defects"
    )
    return 1 if tally["defects"] else 0


if __name__ == "__main__":
    sys.exit(main())
