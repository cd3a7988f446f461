"""The map and the report in a real headless Chromium (Debian's chromium, driven by Playwright).

Tiles cannot load offline: these tests check the map, not the tiles. Set
FORESTERIE_REQUIRE_BROWSER=1 (CI does) to fail instead of skipping when Chromium is missing.
"""

from __future__ import annotations

import csv
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


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
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
        assert page.locator(".fs-info").inner_text().startswith(f"{per_day.get(day, 0)} trips")
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
    assert f"arrives {stop['arrive']}" in popup.inner_text()
    assert f"stop {stop['seq']}" in popup.inner_text()
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
    assert XSS_POINT in popup.inner_text() and "departure point: settlement" in popup.inner_text()
    assert page.locator("path.fs-trip").count() == _trips_per_day(pickup_run)[day]
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
    assert page.locator("[data-kpi='housing.housed']").inner_text().strip().isdigit()
    assert errors == [] and dialogs == []
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    page.close()
