"""Boarding lists of a run: per vehicle-day, one row per rider and trip with a QR code of the id,
and the same rows as a CSV in the ledger's boarding-list format."""

from __future__ import annotations

import csv
import html
import io
import re
from collections import Counter
from pathlib import Path

import segno
import zxingcpp
from PIL import Image

from foresterie.report.boarding import QR_MASK, qr_svg, write_boarding_sheets
from foresterie.report.rundata import load_run


def test_one_row_per_rider_leg_with_a_code(tiny_season_run: Path, tmp_path: Path) -> None:
    run = load_run(tiny_season_run)
    written = write_boarding_sheets(run, tmp_path)
    with open(tiny_season_run / "plan" / "trips.csv", newline="") as fh:
        vehicle = {r["trip_id"]: (r["day"], r["vehicle_id"]) for r in csv.DictReader(fh)}
    with open(tiny_season_run / "plan" / "trips.csv", newline="") as fh:
        legs = {
            r["trip_id"]: "out" if r["direction"] == "to_farm" else "back"
            for r in csv.DictReader(fh)
        }
    with open(tiny_season_run / "plan" / "riders.csv", newline="") as fh:
        riders = list(csv.DictReader(fh))
    expected = Counter((*vehicle[r["trip_id"]], r["worker_id"]) for r in riders)
    by_leg = Counter((*vehicle[r["trip_id"]], legs[r["trip_id"]], r["worker_id"]) for r in riders)
    leg_rows: Counter[tuple[str, str, str, str]] = Counter()
    got: Counter[tuple[str, str, str]] = Counter()
    for path in written:
        if path.suffix == ".csv":
            with open(path, newline="") as fh:
                rows = list(csv.DictReader(fh))
            assert all(r["boarded"] == "" and r["time"] == "" for r in rows)
            got.update((r["date"], r["vehicle_id"], r["worker_id"]) for r in rows)
            leg_rows.update((r["date"], r["vehicle_id"], r["leg"], r["worker_id"]) for r in rows)
            html = path.with_suffix(".html").read_text()
            assert html.count("<svg") == len(rows)
            assert all(qr_svg(r["worker_id"]) in html for r in rows)
    assert got == expected and sum(got.values()) > 0
    # review 14: a rider's morning and evening rows told apart, so "went out, did not come
    # back" can be written and imported
    assert leg_rows == by_leg and max(leg_rows.values()) == 1


def test_qr_codes_are_deterministic_and_distinct() -> None:
    assert qr_svg("W01") == qr_svg("W01")
    assert qr_svg("W01") != qr_svg("W02")
    assert qr_svg("W01").startswith("<svg")


def test_qr_codes_with_the_fixed_mask_decode_to_the_id() -> None:
    """The sheets' codes use one data mask (QR_MASK) instead of segno's choice: a real decoder
    (zxing-cpp) reads each symbol back as the pseudonymous id it encodes."""
    ids = [f"W{n:05d}" for n in (0, 7, 63, 993, 2311, 99999)] + ["PK-BMZ-PISTA", "w-1"]
    for wid in ids:
        code = segno.make(wid, error="m", micro=False, mask=QR_MASK)
        assert qr_svg(wid) == code.svg_inline(scale=2, border=2)  # the symbol on the sheet
        png = io.BytesIO()
        code.save(png, kind="png", scale=4, border=4)
        png.seek(0)
        assert [r.text for r in zxingcpp.read_barcodes(Image.open(png))] == [wid]


def test_riders_from_a_departure_point_board_there_in_the_report_language(
    pickup_run: Path, tmp_path: Path
) -> None:
    """W07 has no bed and boards at the departure point PX: their rows on the boarding list say
    PX, not the vehicle's base, going out and coming back, and the heading gives the time the
    vehicle leaves PX. The page is in the scenario's language (Italian)."""
    run = load_run(pickup_run)
    written = write_boarding_sheets(run, tmp_path)
    trips = [t for t in run.trips if t.origin_id == "PX"]
    assert trips
    for t in trips:
        page = tmp_path / "boarding" / t.day / f"{t.vehicle_id}.html"
        assert page in written
        text = page.read_text(encoding="utf-8")
        assert (
            text.startswith("<!DOCTYPE html>\n<html lang='it'")
            and html.escape("Lista d'imbarco") in text
        )
        cells = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td>", text)
        for s in t.stops:
            for wid in s.worker_ids:
                where = (
                    f"PX → {s.farm_id} ({s.arrive})"
                    if t.direction == "to_farm"
                    else f"{s.farm_id} ({s.depart}) → PX"
                )
                assert (html.escape(where), wid) in cells, (t.trip_id, wid)
        if t.direction == "to_farm":
            assert f"parte alle {t.origin_depart}</h2>" in text


def test_a_heat_alert_day_carries_the_driver_sheets_banner(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """Review 16: on a heat-alert day (the tiny season lists 2026-07-08) the boarding lists say,
    as the driver sheet does, that field work stops early; on other days they do not."""
    from foresterie.core.i18n import lang

    run = load_run(tiny_season_run)
    banner = html.escape(
        lang("it")._("Heat alert: by regional ordinance, field work stops at {time} today.")
    ).format(time="12:30")
    assert "12:30" in banner
    pages = {
        p.parent.name + "/" + p.stem: p.read_text(encoding="utf-8")
        for p in write_boarding_sheets(run, tmp_path, lang("it"))
        if p.suffix == ".html"
    }
    hot = {k for k, text in pages.items() if k.startswith("2026-07-08/")}
    assert hot, sorted(pages)
    for key, text in pages.items():
        assert (banner in text) == (key in hot), key
