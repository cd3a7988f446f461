"""Boarding lists of a run: per vehicle-day, one row per rider and trip with a QR code of the id,
and the same rows as a CSV in the ledger's boarding-list format."""

from __future__ import annotations

import csv
import io
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
    with open(tiny_season_run / "plan" / "riders.csv", newline="") as fh:
        expected = Counter((*vehicle[r["trip_id"]], r["worker_id"]) for r in csv.DictReader(fh))
    got: Counter[tuple[str, str, str]] = Counter()
    for path in written:
        if path.suffix == ".csv":
            with open(path, newline="") as fh:
                rows = list(csv.DictReader(fh))
            assert all(r["boarded"] == "" and r["time"] == "" for r in rows)
            got.update((r["date"], r["vehicle_id"], r["worker_id"]) for r in rows)
            html = path.with_suffix(".html").read_text()
            assert html.count("<svg") == len(rows)
            assert all(qr_svg(r["worker_id"]) in html for r in rows)
    assert got == expected and sum(got.values()) > 0


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
