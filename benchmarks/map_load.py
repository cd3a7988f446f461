"""The default season's map: file size, time to build, and time to open in headless Chromium.

Usage: python benchmarks/map_load.py [RUN]   (default runs/puglia-2027; `make demo` makes it)
Load time = from navigation start until the first day is drawn (the map sets data-day), median
of 5 cold loads in a fresh page; tiles are offline here, as in CI.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from foresterie.report.maps import plan_map
from foresterie.report.rundata import load_run

ROOT = Path(__file__).resolve().parents[1]
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


def main() -> None:
    run_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "runs" / "puglia-2027"
    if not (run_dir / "manifest.json").is_file():
        sys.exit(f"{run_dir}: no run folder; run `make demo` first")
    run = load_run(run_dir)
    builds = []
    for _ in range(3):
        t0 = time.perf_counter()
        html = plan_map(run)
        builds.append(time.perf_counter() - t0)
    out = Path(tempfile.mkdtemp()) / "map.html"
    out.write_text(html, encoding="utf-8")
    size_mb = out.stat().st_size / 1e6
    print(
        f"# Season map, {run.scenario.name}, {date.today()}, {platform.machine()}, "
        f"{os.cpu_count()} cores"
    )
    print(
        f"days {len(run.days)}, trips {len(run.trips)}; size {size_mb:.2f} MB; "
        f"build median {statistics.median(builds):.2f} s"
    )
    exe = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        exe = None
    if exe is None:
        print("load time: skipped (needs Debian chromium and playwright)")
        return
    loads = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=FLAGS, headless=True)
        for _ in range(5):
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.goto(out.as_uri(), wait_until="commit")
            page.wait_for_selector(".leaflet-container[data-day]")
            ms = page.evaluate("() => performance.now()")
            loads.append(ms / 1000)
            page.close()
        browser.close()
    print(
        f"load to first drawn day: median {statistics.median(loads):.2f} s "
        f"(runs {', '.join(f'{x:.2f}' for x in loads)})"
    )


if __name__ == "__main__":
    main()
