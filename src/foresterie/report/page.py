"""The head every HTML page of the report starts with, and the CSS rules every page shares.

The pages are read on a phone at the farm gate as often as on paper: without a viewport
declaration a phone lays a page out 980 px wide and shrinks it to a third, and a chart or a
table wider than the screen drags the whole page sideways. So every page declares the device's
width, wide tables and charts scroll inside their own box on a screen, and on paper charts
shrink to the page (their `viewBox`) instead of being cut at its right edge.
"""

from __future__ import annotations

import hashlib
import html
from functools import lru_cache
from pathlib import Path

from foresterie.core.files import replace_file, write_new

VIEWPORT = "<meta name='viewport' content='width=device-width, initial-scale=1'>"

# `.wide` wraps a table that may be wider than a phone; `.chart` holds an inline SVG chart.
FIT_CSS = """
.wide, .chart { max-width: 100%; overflow-x: auto; box-sizing: border-box; }
@media print {
  .wide, .chart { overflow: visible; }
  svg[viewBox] { max-width: 100%; height: auto; }
}
"""


@lru_cache(maxsize=1 << 16)
def escape(text: str) -> str:
    """html.escape (quotes too), remembered: a season's driver sheets and notices escape the
    same ids, times, names and sentences ~660,000 times (1.3 CPU s of the 3.5 of write_sheets
    on puglia-2027, in html.escape's five str.replace each)."""
    return html.escape(text)


def page_head(*, code: str, direction: str, title: str, css: str) -> str:
    """`<!DOCTYPE html>` up to `<body>`: language and direction, charset, viewport, the title
    (escaped here) and the page's CSS followed by FIT_CSS."""
    return (
        f"<!DOCTYPE html>\n<html lang='{escape(code)}' dir='{escape(direction)}'><head>"
        f"<meta charset='utf-8'>{VIEWPORT}<title>{escape(title)}</title>"
        f"<style>{css}{FIT_CSS}</style></head><body>"
    )


def write_hashed(
    folder: Path, name: str, text: str, hashes: dict[str, str], fresh: bool = False
) -> None:
    """folder/name written as write_text writes it (UTF-8, atomically), and the sha256 of its
    bytes noted in `hashes` under `name`: report.json's hash of the file, taken from the bytes
    in hand rather than by reading ~4,500 files back (0.45 of 0.05 CPU s on puglia-2027).
    `fresh`: a new file of an unpublished report (core/files.write_new: one open and one
    write), whose folder the caller made."""
    data = text.encode("utf-8")
    if fresh:
        write_new(f"{folder}/{name}", data)
    else:
        replace_file(folder / name, data)
    hashes[name] = hashlib.sha256(data).hexdigest()
