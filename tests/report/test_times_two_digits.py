"""Review 17 #13: one time format wherever a worker or driver reads a time: HH:MM. The one time
a scenario's author writes that is printed (`[transport] heat_alert_shift_end`, in the boarding
lists' and driver sheets' heat banner and the notices) was printed as written (`9:05`)."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.report.boarding import write_boarding_sheets
from foresterie.report.rundata import load_run
from foresterie.scenario.config import TransportTable
from foresterie.scenario.load import load_scenario


def test_the_heat_end_is_read_as_hh_mm() -> None:
    assert TransportTable(heat_alert_shift_end="9:05").heat_alert_shift_end == "09:05"
    assert TransportTable(heat_alert_shift_end="12:30").heat_alert_shift_end == "12:30"


def test_a_boarding_list_says_the_heat_end_with_two_digit_hours(tiny: Path, tmp_path: Path) -> None:
    toml = tiny / "scenario.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(
        text.replace("heat_alert_days = [", 'heat_alert_shift_end = "9:05"\nheat_alert_days = ['),
        encoding="utf-8",
    )
    assert load_scenario(tiny).config.transport.heat_alert_shift_end == "09:05"
    run = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(tiny), "--out", str(run)])
    assert r.exit_code == 0, r.output
    pages = [
        p.read_text(encoding="utf-8")
        for p in write_boarding_sheets(load_run(run), tmp_path / "sheets")
        if p.suffix == ".html" and p.parent.name == "2026-07-08"  # the tiny season's heat day
    ]
    assert pages and all("09:05" in page for page in pages)
    # no time anywhere on a boarding list, driver sheet or notice with a one-digit hour
    for p in [*(tmp_path / "sheets").rglob("*.html"), *(run / "report").rglob("*.html")]:
        text = p.read_text(encoding="utf-8")
        text = re.sub(r"<svg.*?</svg>", "", text, flags=re.S)  # the QR codes' coordinates
        assert not re.search(r"(?<![0-9:.])[0-9]:[0-5][0-9](?![0-9])", text), p
