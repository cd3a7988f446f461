"""The map and the report in a real headless Chromium (Debian's chromium, driven by Playwright).

Tiles cannot load offline: these tests check the map, not the tiles. Set
FORESTERIE_REQUIRE_BROWSER=1 (CI does) to fail instead of skipping when Chromium is missing.
"""

from __future__ import annotations

import csv
import math
import os
import shutil
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import QUOTED_FARM, ROOT, XSS_FARM, XSS_HOME, XSS_POINT

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "test-artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_or_skip() -> tuple[str, Any]:
    """Debian's chromium and Playwright's sync_playwright, or skip the test (fail under
    FORESTERIE_REQUIRE_BROWSER=1) when either is missing."""
    exe = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None  # type: ignore[assignment]
    if exe is None or sync_playwright is None:
        why = "Debian's chromium is not installed" if exe is None else "playwright is not installed"
        if os.environ.get("FORESTERIE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests required but {why} (.ci/run installs both)")
        pytest.skip(
            f"browser tests skipped: {why} (apt-get install chromium; pip install playwright)"
        )
    return exe, sync_playwright


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    exe, sync_playwright = chromium_or_skip()
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=exe,
            args=FLAGS,
            headless=True,
            viewport={"width": 1200, "height": 800},
        )
        yield ctx
        ctx.close()


def _open(browser: Any, url: str) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page()
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text
            else None
        ),
    )  # tiles: offline
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.wait_for_load_state("load")
    return page, errors, dialogs


def _trips_per_day(run: Path) -> dict[str, int]:
    n: dict[str, int] = defaultdict(int)
    with open(run / "plan" / "trips.csv", encoding="utf-8") as fh:
        for t in csv.DictReader(fh):
            n[t["day"]] += 1
    return n


def test_map_loads_and_draws_every_trip_of_each_day(browser: Any, xss_run: Path) -> None:
    page, errors, dialogs = _open(browser, (xss_run / "report" / "map.html").as_uri())
    page.wait_for_selector(".fs-day")
    days = page.eval_on_selector_all(".fs-day option", "os => os.map(o => o.value)")
    per_day = _trips_per_day(xss_run)
    assert set(per_day) <= set(days)
    for day in days:
        page.select_option(".fs-day", day)
        assert page.get_attribute(".leaflet-container", "data-day") == day
        assert page.locator("path.fs-trip").count() == per_day.get(day, 0), day
        assert page.locator(".fs-info").inner_text().startswith(f"{per_day.get(day, 0)} corse")
    assert errors == [] and dialogs == []
    ARTIFACTS.mkdir(exist_ok=True)
    busiest = max(per_day, key=lambda d: per_day[d])
    page.select_option(".fs-day", busiest)
    page.screenshot(path=str(ARTIFACTS / "map.png"))
    assert (ARTIFACTS / "map.png").stat().st_size > 10_000
    page.close()


def test_clicking_a_stop_shows_its_time(browser: Any, xss_run: Path) -> None:
    with open(xss_run / "plan" / "stops.csv", encoding="utf-8") as fh:
        stop = next(csv.DictReader(fh))
    day = stop["trip_id"][:10]
    page, errors, _ = _open(browser, (xss_run / "report" / "map.html").as_uri() + "#" + day)
    page.wait_for_selector(".fs-stop")
    marker = (
        page.locator(f".fs-stop[data-trip='{stop['trip_id']}']").filter(has_text=stop["seq"]).first
    )
    marker.dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert f"arriva {stop['arrive']}" in popup.inner_text()  # Italian: the scenario's default
    assert f"fermata {stop['seq']}" in popup.inner_text()
    assert errors == []
    page.close()


def test_a_departure_point_is_drawn_and_its_trips_pass_through_it(
    browser: Any, pickup_run: Path
) -> None:
    with open(pickup_run / "plan" / "trips.csv", encoding="utf-8") as fh:
        day = next(t["day"] for t in csv.DictReader(fh) if t["origin_id"] == "PX")
    page, errors, dialogs = _open(
        browser, (pickup_run / "report" / "map.html").as_uri() + "#" + day
    )
    page.wait_for_selector("path.fs-point-mk")
    assert page.locator("path.fs-point-mk").count() == 1
    page.locator("path.fs-point-mk").dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert (
        XSS_POINT in popup.inner_text()
        and "punto di partenza: insediamento informale" in popup.inner_text()
    )  # Italian
    assert page.locator("path.fs-trip").count() == _trips_per_day(pickup_run)[day]
    assert errors == [] and dialogs == []
    page.close()


def test_trips_from_a_depot_are_drawn_from_it(browser: Any, depot_run: Path) -> None:
    """VD1 is based at the depot DP, not at a foresteria: its trips are on the map, leaving
    from the depot, and the depot is drawn as such."""
    with open(depot_run / "plan" / "trips.csv", encoding="utf-8") as fh:
        trips = [t for t in csv.DictReader(fh) if t["vehicle_id"] == "VD1"]
    assert trips and all(t["foresteria_id"] == "DP" for t in trips)
    day = trips[0]["day"]
    page, errors, dialogs = _open(browser, (depot_run / "report" / "map.html").as_uri() + "#" + day)
    page.wait_for_selector("path.fs-trip")
    assert page.locator("path.fs-trip").count() == _trips_per_day(depot_run)[day]
    assert page.locator("path.fs-home-mk").count() == 2  # the two foresterie
    # the depot is drawn as a depot (review 18, L3: it was a purple "departure point, riders
    # without a bed board here", where nobody boards), the departure point as one
    assert page.locator("path.fs-point-mk").count() == 1
    assert page.locator(".fs-depot-mk").count() == 1
    assert "deposito" in page.locator(".fs-legend").inner_text().lower()
    page.locator(".fs-depot-mk").dispatch_event("click")
    depot_popup = page.locator(".leaflet-popup-content")
    depot_popup.wait_for()
    assert (
        "(DP)" in depot_popup.inner_text() and "punto di partenza" not in depot_popup.inner_text()
    )
    page.evaluate("window.foresterieMap.closePopup()")
    page.locator(f".fs-stop[data-trip='{trips[0]['trip_id']}']").first.dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert trips[0]["trip_id"] in popup.inner_text()
    assert errors == [] and dialogs == []
    page.close()


def test_hostile_names_render_as_text(browser: Any, xss_run: Path) -> None:
    page, errors, dialogs = _open(browser, (xss_run / "report" / "map.html").as_uri())
    page.wait_for_selector(".fs-farm-mk, .fs-clu")
    # zoom in so that no farm is grouped, then open every farm's and foresteria's popup
    page.evaluate("() => window.foresterieMap.setZoom(13, {animate: false})")
    texts: list[str] = []
    for i in range(page.locator("path.fs-farm-mk").count()):
        page.locator("path.fs-farm-mk").nth(i).dispatch_event("click")
        texts.append(page.locator(".leaflet-popup-content").last.inner_text())
    for i in range(page.locator("path.fs-home-mk").count()):
        page.locator("path.fs-home-mk").nth(i).dispatch_event("click")
        texts.append(page.locator(".leaflet-popup-content").last.inner_text())
    joined = "\n".join(texts)
    assert XSS_FARM in joined and QUOTED_FARM in joined and XSS_HOME in joined
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == [] and errors == []
    legend = page.locator(".leaflet-control-layers").inner_text()
    assert "FA" in legend
    page.close()


def test_report_page_loads_with_its_charts(browser: Any, xss_run: Path) -> None:
    page, errors, dialogs = _open(browser, (xss_run / "report" / "index.html").as_uri())
    assert page.locator("svg").count() >= 2
    assert page.locator("#headline").inner_text().startswith("Su ")
    assert not page.locator("[data-kpi='housing.housed']").is_visible()  # appendix: closed
    page.locator("#raw-kpis summary").click()
    assert page.locator("[data-kpi='housing.housed']").inner_text().strip().isdigit()
    assert errors == [] and dialogs == []
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    page.close()


def test_chart_axis_labels_are_whole_and_apart(browser: Any, xss_run: Path) -> None:
    """Every date under a bar chart lies inside its chart (none cut at the right or bottom edge),
    and two neighbouring slanted dates stand at least a line apart (none written over another)."""
    page, errors, _ = _open(browser, (xss_run / "report" / "index.html").as_uri())
    charts = page.locator("svg[role='img']")
    assert charts.count() >= 2
    labels = 0
    for i in range(charts.count()):
        found = charts.nth(i).evaluate(
            r"""svg => {
                const box = svg.getBoundingClientRect();
                const texts = [...svg.querySelectorAll('text[transform]')];
                return texts.map(t => {
                    const r = t.getBoundingClientRect();
                    const a = /rotate\(([-\d.]+)/.exec(t.getAttribute('transform'))[1];
                    return {inside: r.left >= box.left - 0.5 && r.right <= box.right + 0.5
                                    && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5,
                            x: +t.getAttribute('x'), angle: +a,
                            size: parseFloat(getComputedStyle(t).fontSize)};
                });
            }"""
        )
        assert all(t["inside"] for t in found), found
        for a, b in zip(found, found[1:], strict=False):
            across = (b["x"] - a["x"]) * math.sin(math.radians(a["angle"]))
            assert across >= a["size"], (a, b)
        labels += len(found)
    assert labels >= 2 and errors == []
    page.close()


def test_map_draws_the_offline_base_map_under_the_routes(browser: Any, xss_run: Path) -> None:
    """No network: the ISTAT land, borders and names are drawn, attributed, below the trips."""
    page, errors, _ = _open(browser, (xss_run / "report" / "map.html").as_uri())
    page.wait_for_selector(".fs-day")
    base = page.locator(".leaflet-fsBase-pane canvas")
    assert base.count() == 1
    labels = page.locator(".fs-prov-label, .fs-com-label")
    assert labels.count() > 0
    assert "ISTAT" in page.locator(".leaflet-control-attribution").inner_text()
    z_base = page.eval_on_selector(".leaflet-fsBase-pane", "e => +getComputedStyle(e).zIndex")
    z_routes = page.eval_on_selector(".leaflet-overlay-pane", "e => +getComputedStyle(e).zIndex")
    assert z_base < z_routes
    # the canvas has land pixels (not just the sea colour) where the map shows Puglia
    painted = page.eval_on_selector(
        ".leaflet-fsBase-pane canvas",
        """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i]) n++; } return n; }""",
    )
    assert painted > 1000
    page.evaluate("() => window.foresterieMap.setZoom(8, {animate: false})")
    assert page.locator(".fs-prov-label").count() == 6
    assert "Mappa offline (ISTAT)" in page.locator(".leaflet-control-layers").inner_text()
    assert errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("() => window.foresterieMap.setZoom(9, {animate: false})")
    page.screenshot(path=str(ARTIFACTS / "map-offline-basemap.png"))
    page.close()


def test_driver_sheet_in_italian(browser: Any, xss_run: Path) -> None:
    day = sorted(p.name for p in (xss_run / "report" / "drivers").iterdir())[0]
    sheet = sorted((xss_run / "report" / "drivers" / day).glob("V??.html"))[0]
    page, errors, _ = _open(browser, sheet.as_uri())
    assert page.get_attribute("html", "lang") == "it"
    assert page.locator("h1").inner_text().startswith("Mezzo ")
    assert "luogo" in page.locator("th").all_inner_texts()
    assert errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "driver-sheet-it.png"), full_page=True)
    page.close()


def test_arabic_worker_slip_is_laid_out_right_to_left(browser: Any, lang_run: Path) -> None:
    notices = sorted((lang_run / "report" / "drivers").glob("*/*-notices.html"))
    page = None
    for path in notices:
        page, errors, _ = _open(browser, path.as_uri())
        if page.locator(".slip[lang='ar']").count():
            break
        page.close()
        page = None
    assert page is not None, "the lang fixture must give an Arabic slip"
    slip = page.locator(".slip[lang='ar']").first
    assert slip.evaluate("e => getComputedStyle(e).direction") == "rtl"
    box = slip.bounding_box()
    title = slip.locator("h2").evaluate(
        "e => { const r = document.createRange(); r.selectNodeContents(e); "
        "const b = r.getBoundingClientRect(); return [b.left, b.right]; }"
    )
    assert box is not None
    # right to left: the title's text hugs the slip's right edge, far from its left edge
    assert box["x"] + box["width"] - title[1] < 20 < title[0] - box["x"]
    # the labels column (dt) is on the right of the values (dd)
    dt = slip.locator("dt").first.bounding_box()
    dd = slip.locator("dd").first.bounding_box()
    assert dt is not None and dd is not None and dt["x"] > dd["x"]
    # a time stays left to right inside the Arabic text
    assert slip.locator("bdi").first.evaluate("e => getComputedStyle(e).unicodeBidi") == "isolate"
    assert errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "worker-slip-ar.png"), full_page=True)
    page.close()


def test_desk_notices_of_beds_ending_early_print_in_each_language(
    browser: Any, bed_end_run: Path
) -> None:
    """Borgo Mezzanone's desk page: one notice each for W04 (English) and W05 (Arabic, right to
    left, the foresteria's name isolated), saying the last night, in a printable A4 grid."""
    page, errors, _ = _open(browser, (bed_end_run / "report" / "notices" / "FB-beds.html").as_uri())
    slips = page.locator(".slip")
    assert slips.count() == 2
    en, ar = page.locator(".slip[lang='en']"), page.locator(".slip[lang='ar']")
    assert "last night there is Wednesday, 8 July 2026" in en.locator(".bed").inner_text()
    assert ar.evaluate("e => getComputedStyle(e).direction") == "rtl"
    name = ar.locator(".bed bdi").first
    assert name.inner_text() == "Borgo Mezzanone"
    assert name.evaluate("e => getComputedStyle(e).unicodeBidi") == "isolate"
    assert ar.locator(".helpline").inner_text() == "800 290 290"
    assert errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "bed-notices.png"), full_page=True)
    page.close()


def test_a_day_run_page_loads_with_its_headline(browser: Any, day_run: Path) -> None:
    page, errors, _ = _open(browser, (day_run / "report" / "index.html").as_uri())
    head = page.locator("#headline").inner_text()
    assert head.startswith("martedì 7 luglio 2026: 6 lavoratori attesi alle navette")
    assert page.locator("svg").count() >= 1 and errors == []
    page.close()


def test_monitor_page_loads_with_its_charts(browser: Any, monitored_season: Path) -> None:
    page, errors, dialogs = _open(browser, (monitored_season / "index.html").as_uri())
    charts = page.locator(".chart[data-indicator]")
    assert charts.count() == 14  # every indicator but the beds available
    taken = page.locator(".chart[data-indicator='taken_in'] svg g")
    assert taken.count() == 5  # one bar per ISO week of July 2026
    assert page.locator(".chart[data-indicator='taken_in'] svg g[data-total='5']").count() == 1
    assert (
        page.locator(".chart[data-indicator='bed_nights'] svg").first.bounding_box()["width"] > 50
    )
    assert "persone accolte" in page.locator("h3").all_inner_texts()[0]
    assert errors == [] and dialogs == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "monitor.png"), full_page=True)
    page.close()


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("width", [900, 390])
def test_map_attribution_stays_clear_of_the_scale_bar(
    browser: Any, xss_run: Path, width: int
) -> None:
    """At 900 px the ISTAT attribution wrapped across the whole bottom edge, over the scale bar."""
    page, errors, _ = _open(browser, (xss_run / "report" / "map.html").as_uri())
    page.set_viewport_size({"width": width, "height": 800})
    page.wait_for_timeout(0)  # a turn of the event loop: Leaflet lays out on resize
    attribution = page.locator(".leaflet-control-attribution").bounding_box()
    scale = page.locator(".leaflet-control-scale").bounding_box()
    assert attribution is not None and scale is not None
    assert "ISTAT" in page.locator(".leaflet-control-attribution").inner_text()
    assert not _overlap(attribution, scale), (attribution, scale)
    assert errors == []
    page.close()


def test_no_ride_notices_read_on_a_phone_and_print_on_a4(browser: Any, no_ride_run: Path) -> None:
    """Borgo Mezzanone, 6 July: on a 390 px phone nothing runs off the side and the Arabic block
    reads right to left; printed on A4 no block is cut across a page."""
    path = no_ride_run / "report" / "drivers" / "2026-07-06" / "no-ride" / "FB.html"
    page, errors, _ = _open(browser, path.as_uri())
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    ar = page.locator(".block[lang='ar']")
    assert ar.evaluate("e => getComputedStyle(e).direction") == "rtl"
    box = ar.bounding_box()
    title = ar.locator("h2").evaluate(
        "e => { const r = document.createRange(); r.selectNodeContents(e); "
        "const b = r.getBoundingClientRect(); return [b.left, b.right]; }"
    )
    assert box is not None and box["x"] + box["width"] - title[1] < 20 < title[0] - box["x"]
    assert ar.locator("dd.ids bdi").first.evaluate("e => getComputedStyle(e).unicodeBidi") == (
        "isolate"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "no-ride-390.png"), full_page=True)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 718, "height": 1047})  # A4 less the 10 mm margins, 96 dpi
    assert page.evaluate("document.documentElement.scrollWidth") <= 718
    for b in page.locator(".block").all():
        assert b.evaluate("e => getComputedStyle(e).breakInside") == "avoid"
    page.pdf(path=str(ARTIFACTS / "no-ride-a4.pdf"), format="A4")
    assert errors == []
    page.close()


def test_case_workers_page_reads_on_a_phone(browser: Any, no_ride_run: Path) -> None:
    """people.html at 390 px: the page does not scroll sideways, its wide table scrolls in its
    own box, and the reason column keeps room to be read."""
    page, errors, _ = _open(browser, (no_ride_run / "report" / "people.html").as_uri())
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.get_attribute("html", "lang") == "it"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    wide = page.locator(".wide").first
    assert wide.evaluate("e => e.scrollWidth > e.clientWidth")
    why = page.locator("#waitlist-people td.why").first.bounding_box()
    assert why is not None and why["width"] >= 150
    assert page.locator("#waitlist-people tr[data-worker]").count() == 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "people-390.png"), full_page=True)
    assert errors == []
    page.close()


@pytest.mark.parametrize("width", [900, 390])
def test_first_bed_notices_read_in_each_language_on_a_phone_and_a_desk(
    browser: Any, bed_start_run: Path, width: int
) -> None:
    """Borgo Mezzanone opens on 8 July: its desk page has a notice each for W04 (English) and
    W05 (Arabic, right to left, the name and dates isolated); nothing runs off the side."""
    path = bed_start_run / "report" / "notices" / "FB-first-bed.html"
    page, errors, _ = _open(browser, path.as_uri())
    page.set_viewport_size({"width": width, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    en, ar = page.locator(".slip[lang='en']"), page.locator(".slip[lang='ar']")
    assert "starts on the night of Wednesday, 8 July 2026" in en.locator(".bed").inner_text()
    assert ar.evaluate("e => getComputedStyle(e).direction") == "rtl"
    values = ar.locator(".bed bdi")
    assert values.first.inner_text() == "Borgo Mezzanone"
    assert values.count() == 4  # the foresteria, its first night, the nights without a bed
    assert {values.nth(i).evaluate("e => getComputedStyle(e).unicodeBidi") for i in range(4)} == {
        "isolate"
    }
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"first-bed-{width}.png"), full_page=True)
    assert errors == []
    page.close()


def test_the_index_lists_the_days_a_month_a_line_on_a_phone(
    browser: Any, no_ride_run: Path
) -> None:
    """The days' pages, a line per month: at 390 px the month's name starts its line, the day
    links are finger-sized and the page does not scroll sideways."""
    page, errors, _ = _open(browser, (no_ride_run / "report" / "index.html").as_uri())
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    line = page.locator("p.days").first
    assert line.locator(".month").inner_text() == "luglio 2026"
    links = line.locator("a")
    assert links.count() == 7
    first = links.first
    assert first.get_attribute("aria-label") == "lunedì 6 luglio 2026"
    box = first.bounding_box()
    assert box is not None and box["width"] >= 44
    assert errors == []
    page.close()


def test_a_day_page_keeps_each_id_on_one_line_on_a_phone(browser: Any, two_seat_run: Path) -> None:
    """At 390 px the day page's narrow columns wrap, but never inside a vehicle's or a base's
    id (VA1-style ids with hyphens broke at each hyphen)."""
    day = sorted(p for p in (two_seat_run / "report" / "drivers").iterdir() if p.is_dir())[0]
    page, errors, _ = _open(browser, (day / "index.html").as_uri())
    page.set_viewport_size({"width": 390, "height": 800})
    ids = page.locator("td .id")
    assert ids.count() >= 3  # vehicles, their bases, the fleet's bases
    for i in range(ids.count()):
        one = ids.nth(i)
        assert one.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
        assert one.evaluate("e => e.getClientRects().length") == 1, one.inner_text()
    assert errors == []
    page.close()


@pytest.mark.parametrize("width", [390, 900])
def test_a_driver_sheet_shows_each_stops_times_and_counts_on_a_phone(
    browser: Any, no_ride_run: Path, width: int
) -> None:
    """Review 10: at 390 px the sheet's table ran off the right edge (boarding and alighting
    counts and the ids out of sight, no cue to scroll) and its rows were tall empty boxes. On a
    phone each stop is a block: its time, boarding and alighting counts, labelled, and its ids,
    all inside the screen; on a wide screen and on paper it stays the table."""
    day = sorted(p for p in (no_ride_run / "report" / "drivers").iterdir() if p.is_dir())[0]
    sheets = sorted(
        p for p in day.glob("*.html") if p.name != "index.html" and "-notices" not in p.stem
    )
    page, errors, _ = _open(browser, sheets[0].as_uri())
    page.set_viewport_size({"width": width, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    stop = page.locator("tr[data-stop]").first
    header = page.locator(".trip tr").first
    cells = [stop.locator(s) for s in ("td[data-arrive]", "td[data-board]", "td[data-alight]")]
    cells.append(stop.locator("td.ids"))
    for cell in cells:
        box = cell.bounding_box()
        assert box is not None and box["width"] > 0 and box["x"] + box["width"] <= width, box
    board = stop.locator("td[data-board]")
    shown = board.evaluate("e => getComputedStyle(e, '::before').content")
    if width == 390:
        assert not header.is_visible()  # the labels say what each figure is
        assert shown == '"salgono "', shown
        row = stop.bounding_box()
        ids = stop.locator("td.ids").bounding_box()
        assert row is not None and ids is not None
        assert row["height"] <= ids["height"] + 80  # no tall empty box: the ids fill the block
    else:
        assert header.is_visible() and shown in ("none", "normal"), shown
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"sheet-{width}.png"), full_page=True)
    page.emulate_media(media="print")
    assert stop.evaluate("e => getComputedStyle(e).display") == "table-row"
    assert errors == []
    page.close()


def test_a_long_boarding_list_runs_on_across_a4_pages_and_reads_on_a_phone(
    browser: Any, no_ride_run: Path, tmp_path: Path
) -> None:
    """Review 12: a day's list of 64 riders printed on 11 A4 pages, the first blank under the
    title (each trip's table was kept whole, so it went to a page of its own) and 10 rows a page
    (22 mm codes). Now the first trip starts under the title, trips run on, a row is never cut,
    and 64 riders over 3 trips take at most 6 pages; on a phone every rider's row shows."""
    from dataclasses import replace

    from foresterie.core.i18n import lang
    from foresterie.report.boarding import boarding_list
    from foresterie.report.rundata import load_run
    from foresterie.report.sheets import vehicle_days

    run = load_run(no_ride_run)
    vd = next(v for v in vehicle_days(run) if v.trips[0].stops)
    trip = vd.trips[0]
    ids = [f"W9{k:03d}" for k in range(64)]
    trips = tuple(
        replace(
            trip,
            trip_id=f"{trip.trip_id}-{n}",
            stops=(replace(trip.stops[0], worker_ids=tuple(ids[n * 22 : n * 22 + 22])),),
        )
        for n in range(3)
    )
    html, _ = boarding_list(run, replace(vd, trips=trips), lang("it"))
    path = tmp_path / "boarding.html"
    path.write_text(html, encoding="utf-8")
    page, errors, _ = _open(browser, path.as_uri())
    page.emulate_media(media="print")
    first = page.locator(".trip").first
    assert first.evaluate("e => getComputedStyle(e).breakInside") == "auto"
    assert (
        page.locator(".trip tbody tr").first.evaluate("e => getComputedStyle(e).breakInside")
        == "avoid"
    )
    pdf = page.pdf(format="A4")
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert 0 < pages <= math.ceil(64 / 14) + 1, pages
    # A 15 mm code as the screen draws it (96 dpi, coarser than any print) still decodes.
    import io

    import zxingcpp
    from PIL import Image

    for k in (0, 63):
        shot = page.locator("td.qr svg").nth(k).screenshot()
        assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))] == [ids[k]]
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    rows = page.locator(".trip tbody tr")
    assert rows.count() == 64
    assert all(rows.nth(k).is_visible() for k in (0, 22, 44, 63))
    assert not page.locator(".trip thead").first.is_visible()
    assert errors == []
    page.close()
