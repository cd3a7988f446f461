"""Every page of a run's report, as its readers open it: on a phone at the farm gate, and printed.

A page without a viewport declaration is laid out 980 px wide on a phone and shrunk to a third;
a table or chart wider than the screen drags the whole page sideways; on paper, whatever is
wider than the page is cut off. These tests open every kind of page in a real headless Chromium
(as tests/report/test_browser.py does) at a small phone's width and in print.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.report.boarding import write_boarding_sheets
from foresterie.report.page import VIEWPORT
from foresterie.report.rundata import load_run
from tests.helpers import TINY, edit_features, set_toml
from tests.report.test_browser import FLAGS, chromium_or_skip

PHONE = 320  # px: the narrowest phone still in use (iPhone SE, first generation)
A4_PX = 718  # px: an A4 page's 190 mm between Chromium's default 10 mm print margins, at 96 dpi


def _pages(run: Path) -> list[Path]:
    """One page of each kind the report writes: index, map, a day's coordinator page, a driver
    sheet, its worker notices, and the desk's bed notices if any."""
    report = run / "report"
    day = sorted((report / "drivers").iterdir())[0]
    sheet = sorted(
        p for p in day.glob("*.html") if p.name != "index.html" and "-notices" not in p.name
    )
    return [
        report / "index.html",
        report / "map.html",
        day / "index.html",
        sheet[0],
        day / f"{sheet[0].stem}-notices.html",
        *sorted((report / "notices").glob("*-beds.html")),
    ]


def test_every_page_of_the_report_declares_the_device_width(
    bed_end_run: Path, tmp_path: Path
) -> None:
    """Every HTML file a run's report writes, boarding lists included, tells a phone to lay it
    out at the phone's own width."""
    write_boarding_sheets(load_run(bed_end_run), tmp_path)
    pages = [*(bed_end_run / "report").rglob("*.html"), *tmp_path.rglob("*.html")]
    assert len(pages) > 6 and any(p.name.endswith("-beds.html") for p in pages)
    missing = [str(p) for p in pages if VIEWPORT not in p.read_text(encoding="utf-8")]
    assert missing == []


@pytest.fixture(scope="module")
def phone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Chromium emulating a phone: 320 px wide, touch, viewport meta honoured."""
    exe, sync_playwright = chromium_or_skip()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=FLAGS, headless=True)
        ctx = browser.new_context(
            viewport={"width": PHONE, "height": 640},
            is_mobile=True,
            has_touch=True,
            device_scale_factor=2,
        )
        yield ctx
        ctx.close()
        browser.close()


@pytest.fixture(scope="module")
def narrow_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny scenario with partial stays and a closing (desk notices) and two seats a
    vehicle (riders left behind: the report's widest table, the fleet short by week)."""
    base = tmp_path_factory.mktemp("narrow")
    sc = base / "tiny"
    shutil.copytree(TINY, sc)
    edit_features(sc / "foresterie.geojson", 1, open_to="2026-07-08")
    set_toml(sc, "max_commute_min = 60", "max_commute_min = 60\npartial_stays = true")
    fleet = (sc / "fleet.csv").read_text(encoding="utf-8").replace(",8,160,", ",2,160,")
    (sc / "fleet.csv").write_text(fleet, encoding="utf-8")
    out = base / "run"
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


SIDEWAYS = """() => ({width: window.innerWidth, scroll: document.documentElement.scrollWidth})"""
# Elements whose right edge lies beyond the page, outside any box that scrolls or clips (the
# map's panes) by itself.
CUT = """(w) => [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.right <= w + 1) return false;
    for (let p = e.parentElement; p; p = p.parentElement) {
        if (getComputedStyle(p).overflowX !== 'visible') return false;
    }
    return true;
}).map(e => e.tagName + ' ' + (e.className.baseVal ?? e.className) + ' ' + Math.round(
    e.getBoundingClientRect().right))"""


@pytest.mark.browser
def test_no_page_scrolls_sideways_on_a_phone(
    phone: Any, narrow_run: Path, day_run: Path, monitored_season: Path
) -> None:
    """At 320 px every page is laid out at the phone's width (not a desktop's, shrunk) and
    nothing drags it sideways: a wide table or chart scrolls inside its own box. The season's
    pages, a day run's and the monitor's."""
    pages = [*_pages(narrow_run), *_pages(day_run), monitored_season / "index.html"]
    assert any(p.name.endswith("-beds.html") for p in pages)
    for path in pages:
        page = phone.new_page()
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        size = page.evaluate(SIDEWAYS)
        assert size == {"width": PHONE, "scroll": PHONE}, (path.name, size)
        assert page.evaluate(CUT, PHONE) == [], path.name
        page.close()
    # the widest table of the index is there and scrolls in its box, as wide as the screen
    page = phone.new_page()
    page.goto((narrow_run / "report" / "index.html").as_uri())
    boxes = page.eval_on_selector_all(
        ".wide", "bs => bs.map(b => [b.scrollWidth, b.getBoundingClientRect().width])"
    )
    assert any(scroll > PHONE for scroll, _ in boxes) and all(w <= PHONE for _, w in boxes)
    page.close()


@pytest.mark.browser
def test_printed_pages_keep_charts_and_tables_inside_the_page(phone: Any, narrow_run: Path) -> None:
    """In print, nothing scrolls: no element of the index reaches past the right edge, where
    paper would cut it, and a chart wider than the page shrinks to it whole, in proportion
    (its viewBox). On a page narrower than every chart (60 px), each must shrink."""
    page = phone.new_page()
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_PX, "height": 1000})
    page.goto((narrow_run / "report" / "index.html").as_uri())
    page.wait_for_load_state("load")
    assert page.evaluate(CUT, A4_PX) == []
    narrow = 60
    page.set_viewport_size({"width": narrow, "height": 640})
    charts = page.eval_on_selector_all(
        "svg[role='img']",
        """ss => ss.map(s => { const r = s.getBoundingClientRect();
            return [r.left, r.right, r.height / r.width, s.height.baseVal.value / s.width.baseVal.value,
                    s.width.baseVal.value]; })""",
    )
    assert len(charts) >= 2 and all(natural > narrow for *_, natural in charts)
    for left, right, shown, drawn, _natural in charts:
        assert left >= 0 and right <= narrow, charts
        assert shown == pytest.approx(drawn, rel=0.02), charts
    page.close()


@pytest.mark.browser
def test_the_helpline_number_is_never_split_across_lines(phone: Any, lang_run: Path) -> None:
    """On a slip as narrow as a phone, in every language (Arabic right to left included), the
    helpline's number stays on one line: a number cut in two is a wrong number."""
    seen = set()
    for path in sorted((lang_run / "report" / "drivers").glob("*/*-notices.html")):
        page = phone.new_page()
        page.goto(path.as_uri())
        for i in range(page.locator(".slip").count()):
            slip = page.locator(".slip").nth(i)
            seen.add(slip.get_attribute("lang") or "it")
            lines = slip.locator(".helpline").evaluate(
                "e => new Set([...e.getClientRects()].map(r => Math.round(r.top))).size"
            )
            assert lines == 1, (path.name, i)
        page.close()
    assert {"ar", "fr", "en", "it"} <= seen


@pytest.mark.browser
def test_the_map_on_a_phone_starts_with_its_layer_list_and_legend_folded(
    phone: Any, narrow_run: Path
) -> None:
    """Expanded, the layer list and the legend cover most of a phone's screen: there both start
    folded (a tap opens them), and the legend sits at the top, clear of the attribution."""
    page = phone.new_page()
    page.goto((narrow_run / "report" / "map.html").as_uri())
    page.wait_for_selector(".fs-legend")
    layers = page.locator(".leaflet-control-layers")
    assert "leaflet-control-layers-expanded" not in (layers.get_attribute("class") or "")
    legend = page.locator(".fs-legend details")
    assert legend.evaluate("d => d.open") is False
    assert page.locator(".leaflet-top .fs-legend").count() == 1
    page.locator(".fs-legend summary").tap()
    assert legend.evaluate("d => d.open") is True
    page.set_viewport_size({"width": 1200, "height": 800})  # a desk: both open from the start
    page.reload()
    page.wait_for_selector(".fs-legend")
    assert page.locator(".fs-legend details").evaluate("d => d.open") is True
    assert (
        "leaflet-control-layers-expanded"
        in (page.locator(".leaflet-control-layers").get_attribute("class") or "")
        or page.locator(".leaflet-control-layers-list").is_visible()
    )
    page.close()
