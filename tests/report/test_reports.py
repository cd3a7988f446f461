"""Reports, maps and driver sheets: figures equal the plan, user text is escaped, bytes stable."""

from __future__ import annotations

import csv
import dataclasses
import html
import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.i18n import lang
from foresterie.report.html import (
    LP_STOPPED_LABEL,
    PROOF_LABELS,
    SECTION_LABELS,
    UNSERVED_REASONS,
    Bar,
    bars_svg,
    caporale_line,
    day_headline,
    headline,
    index_html,
    kpi_groups,
    md_text,
    summary_sections,
    write_report,
)
from foresterie.report.maps import plan_map, script_json
from foresterie.report.notices import HELPLINE
from foresterie.report.rundata import FleetDayRow, UnservedRow, load_run
from tests.helpers import TINY, XSS_HOME, XSS_POINT, rehash, write_workers


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


class _Attrs(HTMLParser):
    """Collects (tag, attrs, text) for elements carrying a data-* attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None], str]] = []
        self._open: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = dict(attrs)
        if any(k.startswith("data-") for k in d):
            self.found.append((tag, d, ""))
            self._open.append(len(self.found) - 1)
        else:
            self._open.append(-1)

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1] >= 0:
            i = self._open[-1]
            t, d, text = self.found[i]
            self.found[i] = (t, d, text + data)


def _parse(path: Path) -> _Attrs:
    p = _Attrs()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def _flat(d: dict, prefix: str = "") -> dict[str, object]:  # type: ignore[type-arg]
    out: dict[str, object] = {}
    for k, v in d.items():
        out.update(_flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}": v})
    return out


def test_solve_writes_the_report(xss_run: Path) -> None:
    rep = xss_run / "report"
    assert {"index.html", "summary.md", "map.html", "drivers"} <= {p.name for p in rep.iterdir()}
    trips = _rows(xss_run / "plan" / "trips.csv")
    assert trips, "the tiny scenario must have shuttle trips for these tests to mean anything"
    days = {t["day"] for t in trips}
    assert {p.name for p in (rep / "drivers").iterdir()} == days


def test_report_figures_equal_the_manifest(xss_run: Path) -> None:
    manifest = json.loads((xss_run / "manifest.json").read_text(encoding="utf-8"))
    expected = {k: str(v) for k, v in _flat(manifest["kpis"]).items()}
    shown = {
        d["data-kpi"]: text
        for _, d, text in _parse(xss_run / "report" / "index.html").found
        if "data-kpi" in d
    }
    assert shown == expected
    md = (xss_run / "report" / "summary.md").read_text(encoding="utf-8")
    for k, v in expected.items():
        assert f"| {md_text(k)} | {md_text(v)} |" in md


def test_every_section_reads_the_same_in_html_and_markdown(xss_run: Path) -> None:
    """Each table section of the report, on the page and in summary.md: its title, then its table
    or "None." when it has no rows (never a bare header), then its own note, before the next
    title (a note about the waitlist sits under the waitlist, not under another table)."""
    sections = summary_sections(load_run(xss_run), lang("it"))
    assert any(not s.rows for s in sections) and any(s.rows for s in sections)
    assert any(s.note for s in sections)
    page = (xss_run / "report" / "index.html").read_text(encoding="utf-8")
    md = (xss_run / "report" / "summary.md").read_text(encoding="utf-8")
    heads = re.findall(r"<h3>(.*?)</h3>", page)
    for sec in sections:
        start = page.index(f"<h3>{html.escape(sec.title)}</h3>")
        nxt = [
            page.index(f"<h3>{h}</h3>", start + 1)
            for h in heads
            if page.find(f"<h3>{h}</h3>", start + 1) > 0
        ]
        block = page[start : min([*nxt, page.index("<h2>", start)])]
        md_block = md.split(f"## {md_text(sec.title)}\n\n", 1)[1].split("\n\n#", 1)[0]
        if sec.rows:
            assert "<table>" in block and md_block.startswith("| ")
        else:
            assert "<table>" not in block and "Nessuno." in block
            assert md_block.split("\n\n")[0] == "Nessuno."
        if sec.note:  # a note may end with a link to a page of the report (the same in both)
            link = f" <a href='{sec.link}'>{sec.link}</a>" if sec.link else ""
            md_link = f" [{md_text(sec.link)}]({sec.link})" if sec.link else ""
            assert block.endswith(f"<p class='note'>{html.escape(sec.note)}{link}</p>\n")
            assert md_block.split("\n\n")[-1] == md_text(sec.note) + md_link
        assert all(s.note not in block for s in sections if s.note and s is not sec)


def test_headline_counts_agree_in_number(xss_run: Path) -> None:
    """One foresteria-day, one vehicle, one person: the headline says so in the singular ("1
    giorni-foresteria", "1 uomini senza posto" read on a day run's page), two in the plural."""
    run = load_run(xss_run)
    it = lang("it")
    worker = run.scenario.workers[0]
    section = it._(SECTION_LABELS[worker.section.value])

    def says(days: int, gap: int, proven: bool, waiting: int) -> str:
        run.fleet_days = [
            FleetDayRow(
                day=f"2026-07-0{6 + i}",
                foresteria_id="FX",
                needed=1 + gap,
                lower_bound=1 + gap if proven else 1,
                available=1,
                short_riders=2,
            )
            for i in range(days)
        ]
        run.waitlist = [{"worker_id": worker.id, "code": "full", "proven": "yes"}] * waiting
        return " ".join(headline(run, it))

    one = says(1, 1, True, 1)
    assert "in 1 giorno-foresteria;" in one and "con 1 mezzo in meno" in one
    assert f": 1 persona ({section}) senza posto." in one
    two = says(2, 2, True, 2)
    assert "in 2 giorni-foresteria;" in two and "con 2 mezzi in meno" in two
    assert f": 2 {section} senza posto." in two
    assert "in 1 giorno-foresteria, ma nessuna" in says(1, 1, False, 0)
    assert "in 2 giorni-foresteria, ma nessuna" in says(2, 1, False, 0)


def test_housing_solver_table_reads_in_words(xss_run: Path) -> None:
    """The appendix's table of the housing tiers: each tier and how it was shown optimal in the
    page's language, never the solver's codes (bed_nights, lp bound)."""
    tiers = json.loads((xss_run / "manifest.json").read_text(encoding="utf-8"))["housing"]["tiers"]
    page = (xss_run / "report" / "index.html").read_text(encoding="utf-8")
    table = page.split("id='solver-claims'", 1)[1].split("</details>", 1)[0]
    rows = [
        [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r)]
        for r in re.findall(r"<tr>(.*?)</tr>", table)[1:]
    ]
    assert len(rows) == len(tiers) > 0
    for row, tier in zip(rows, tiers, strict=True):
        assert row[0] != tier["name"] and "_" not in row[0], row
        assert row[4] == lang("it")._(PROOF_LABELS[tier["proof"]]) != PROOF_LABELS[tier["proof"]]
        # people of a priority housed (priority 3: referred) is a figure no page shows
        shown = ["–", "–"] if tier["name"].startswith("housed_priority_") else None
        assert row[1:3] == (shown or [str(tier["objective"]), str(tier["bound"])]), row


def test_housing_solver_table_names_the_tiers_a_count_stopped(xss_run: Path) -> None:
    """The manifest lists the tiers whose restricted LP a count stopped (housing.lp_stopped:
    none on the tiny season). The table of tiers says of such a tier, not proven, that a count
    stopped its LP, not that a budget ran out; of one proven anyway (its plan reached the
    round's bound), how it was proven; the other tiers as before."""
    run = load_run(xss_run)
    assert run.manifest["housing"]["lp_stopped"] == []
    tiers = [dict(t) for t in run.manifest["housing"]["tiers"]]
    stopped, proven = tiers[-1], tiers[-2]  # not priority tiers: the peak and the commute
    stopped.update(optimal=False, proof="budget")
    housing = {**run.manifest["housing"], "tiers": tiers}
    housing["lp_stopped"] = [stopped["name"], proven["name"]]
    it = lang("it")
    page = index_html(dataclasses.replace(run, manifest={**run.manifest, "housing": housing}), it)
    table = page.split("id='solver-claims'", 1)[1].split("</details>", 1)[0]
    rows = [
        [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r)]
        for r in re.findall(r"<tr>(.*?)</tr>", table)[1:]
    ]
    assert len(rows) == len(tiers)
    how = {t["name"]: row[4] for t, row in zip(tiers, rows, strict=True)}
    assert how[stopped["name"]] == it._(LP_STOPPED_LABEL) != LP_STOPPED_LABEL
    assert how[proven["name"]] == it._(PROOF_LABELS[proven["proof"]])
    for t in tiers[:-1]:
        assert how[t["name"]] == it._(PROOF_LABELS[t["proof"]])


def test_report_shows_the_caporale_fee_as_a_range(xss_run: Path) -> None:
    t = json.loads((xss_run / "manifest.json").read_text(encoding="utf-8"))["kpis"]["transport"]
    html = (xss_run / "report" / "index.html").read_text(encoding="utf-8")
    line = html.split("<p id='caporale'>", 1)[1].split("</p>", 1)[0]
    it = lang("it")  # the report's language: Italian by default
    assert f"{it.eur(5)}–{it.eur(10)}" in line
    low, high = t["caporale_fees_avoided_eur"], t["caporale_fees_avoided_eur_high"]
    assert f"{it.eur(low)}–{it.eur(high)}" in line and high > low
    # the headline and the key figures give the range too, never the low end alone
    summary = (xss_run / "report" / "summary.md").read_text(encoding="utf-8")
    for text in (html, summary):
        assert f"tra {it.eur(low)} e {it.eur(high)} di pagamenti ai caporali" in text
        assert "stima alta (5 € a tratta)" in text


def test_no_cost_per_worker_day_when_nobody_was_carried(xss_run: Path) -> None:
    """With no worker-day carried, the figures per worker-day or rider are not defined: a dash,
    not "0,00 €" (review 13), and no caporale comparison; with riders, the figures as written."""
    run = load_run(xss_run)
    it = lang("it")

    def cost_cell() -> str:
        cells = {k: v for _, rows in kpi_groups(run, it) for k, _, v in rows}
        return cells["transport.cost_per_worker_day_eur"]

    t = run.manifest["kpis"]["transport"]
    assert t["worker_days_transported"] > 0
    assert cost_cell() == it.eur(t["cost_per_worker_day_eur"]) and caporale_line(t, it)
    t.update(worker_days_transported=0, cost_per_worker_day_eur=0.0)
    assert cost_cell() == "–" and caporale_line(t, it) == ""


@pytest.mark.parametrize("top", [0, 1, 2, 3, 7, 18, 324])
def test_chart_value_axis_has_each_whole_number_once_at_its_height(top: int) -> None:
    """The value axis of a bar chart: 0, the middle and the top, each a different whole number,
    each drawn at the height of its value (a chart of ones read "1, 0, 0")."""
    bars = [Bar("2027-07-05", (("used", top),)), Bar("2027-07-12", (("used", top // 2),))]
    svg = bars_svg(bars, {"used": "#000"}, lang("it"), {"used": "mezzi"}, height=150)
    ticks = [
        (int(y), int(v))
        for y, v in re.findall(r"<text x='\d+' y='(\d+)' text-anchor='end'>(\d+)</text>", svg)
    ]
    values = [v for _, v in ticks]
    assert values == sorted(set(values)) and values[0] == 0 and values[-1] == max(top, 1)
    scale = (150 - 10) / max(top, 1)
    assert all(y - 3 == 150 - round(v * scale) for y, v in ticks)
    bar = re.search(r"<rect x='\d+' y='(\d+)' width='\d+' height='(\d+)'", svg)
    if top:  # the tallest bar's top is level with the top tick
        assert bar is not None and int(bar[1]) == ticks[-1][0] - 3


def test_vehicle_chart_counts_vehicles_in_trips(xss_run: Path) -> None:
    used: dict[str, set[str]] = defaultdict(set)
    for t in _rows(xss_run / "plan" / "trips.csv"):
        used[t["day"]].add(t["vehicle_id"])
    html = (xss_run / "report" / "index.html").read_text(encoding="utf-8")
    chart = html.split("id='vehicles'", 1)[1].split("</svg>", 1)[0]
    bars = dict(re.findall(r"data-label='([\d-]+)' data-total='(\d+)'", chart))
    assert bars and {d: int(n) for d, n in bars.items() if int(n)} == {
        d: len(v) for d, v in used.items()
    }


def test_occupancy_chart_shows_the_busiest_night_of_each_week(xss_run: Path) -> None:
    occ = _rows(xss_run / "plan" / "occupancy.csv")
    per_night: dict[tuple[str, str], int] = defaultdict(int)
    for r in occ:
        per_night[r["foresteria_id"], r["night"]] += int(r["used"])
    html = (xss_run / "report" / "index.html").read_text(encoding="utf-8")
    block = html.split("data-foresteria='FA'", 1)[1].split("</svg>", 1)[0]
    totals = [int(n) for n in re.findall(r"data-total='(\d+)'", block)]
    july = [per_night["FA", f"2026-07-{d:02d}"] for d in range(1, 32)]
    assert max(totals) == max(july) > 0


def test_driver_sheets_times_and_counts_equal_the_plan(xss_run: Path) -> None:
    trips = _rows(xss_run / "plan" / "trips.csv")
    stops: dict[str, list[dict[str, str]]] = defaultdict(list)
    for s in _rows(xss_run / "plan" / "stops.csv"):
        stops[s["trip_id"]].append(s)
    riders: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in _rows(xss_run / "plan" / "riders.csv"):
        riders[r["trip_id"], r["seq"]].append(r["worker_id"])
    by_sheet: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for t in trips:
        by_sheet[t["day"], t["vehicle_id"]].append(t)
    for (day, vid), ts in by_sheet.items():
        folder = xss_run / "report" / "drivers" / day
        found = _parse(folder / f"{vid}.html").found
        sheet_trips = [d["data-trip"] for _, d, _ in found if "data-trip" in d]
        assert sheet_trips == [t["trip_id"] for t in sorted(ts, key=lambda t: t["depart"])]
        arrive = [txt for _, d, txt in found if "data-arrive" in d]
        board = [int(txt) for _, d, txt in found if "data-board" in d]
        alight = [int(txt) for _, d, txt in found if "data-alight" in d]
        ordered = [s for t in sorted(ts, key=lambda t: t["depart"]) for s in stops[t["trip_id"]]]
        assert arrive == [s["arrive"] for s in ordered]
        assert board == [int(s["board"]) for s in ordered]
        assert alight == [int(s["alight"]) for s in ordered]
        km = next(str(d["data-km"]) for _, d, _ in found if "data-km" in d)  # machine value
        assert float(km) == pytest.approx(sum(float(t["km"]) for t in ts), abs=0.051)
        text = (folder / f"{vid}.html").read_text(encoding="utf-8")
        heads = re.findall(r"<h2>(Corsa \d+ di \d+: .*?)</h2>", text)
        in_order = sorted(ts, key=lambda t: t["depart"])
        assert heads == [  # the driver reads the trips by number, the id kept beside
            f"Corsa {n} di {len(ts)}: "
            + ("verso le aziende" if t["direction"] == "to_farm" else "ritorno alla foresteria")
            + f", partenza alle {t['depart']} <span class='tid'>{t['trip_id']}</span>"
            for n, t in enumerate(in_order, start=1)
        ]
        for s in ordered:  # the roll call lists exactly the riders of each stop
            assert " ".join(riders[s["trip_id"], s["seq"]]) in text
        # drivers.csv lists this vehicle's trips as trips.csv does
        listed = [r for r in _rows(folder / "drivers.csv") if r["vehicle_id"] == vid]
        assert [(r["trip_id"], r["depart"], r["return"], r["riders"]) for r in listed] == [
            (t["trip_id"], t["depart"], t["return"], t["riders"])
            for t in sorted(ts, key=lambda t: t["depart"])
        ]


def test_gpx_is_valid_and_in_stop_order(xss_run: Path) -> None:
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    stops: dict[str, list[dict[str, str]]] = defaultdict(list)
    for s in _rows(xss_run / "plan" / "stops.csv"):
        stops[s["trip_id"]].append(s)
    run = load_run(xss_run)
    where = {f.id: (f.lat, f.lon) for f in run.scenario.farms}
    homes = {f.id: (f.lat, f.lon) for f in run.scenario.foresterie}
    checked = 0
    for gpx in sorted((xss_run / "report" / "drivers").rglob("*.gpx")):
        root = ET.parse(gpx).getroot()  # raises on invalid XML
        assert root.tag == "{http://www.topografix.com/GPX/1/1}gpx" and root.get("version") == "1.1"
        for rte in root.findall("g:rte", ns):
            trip_id = rte.findtext("g:name", namespaces=ns)
            assert trip_id is not None
            pts = [
                (float(p.get("lat", "nan")), float(p.get("lon", "nan")))
                for p in rte.findall("g:rtept", ns)
            ]
            expected = [where[s["farm_id"]] for s in stops[trip_id]]
            assert [(round(a, 5), round(b, 5)) for a, b in pts[1:-1]] == [
                (round(a, 5), round(b, 5)) for a, b in expected
            ]
            assert pts[0] == pts[-1] and (round(pts[0][0], 5), round(pts[0][1], 5)) in {
                (round(a, 5), round(b, 5)) for a, b in homes.values()
            }
            checked += 1
    assert checked == len(_rows(xss_run / "plan" / "trips.csv"))


def test_user_text_is_escaped_everywhere(xss_run: Path) -> None:
    htmls = list((xss_run / "report").rglob("*.html"))
    assert len(htmls) >= 3
    for p in htmls:
        text = p.read_text(encoding="utf-8")
        assert "<img src=x" not in text, p
        assert "<script>alert(2)" not in text, p
        assert text.count("</script>") == text.count("<script"), p
    # the JSON inside the map carries the names, made safe for a <script> block
    assert (
        script_json({"n": XSS_HOME})
        == '{"n":"\\u003c/script\\u003e\\u003cscript\\u003ealert(2)\\u003c/script\\u003e"}'
    )


def test_map_is_byte_stable_and_ids_are_not_random(xss_run: Path) -> None:
    run = load_run(xss_run)
    a, b = plan_map(run), plan_map(run)
    assert a == b
    assert not re.search(r"_[0-9a-f]{32}\b", a)  # folium's random hex ids are replaced
    before = (xss_run / "report" / "map.html").read_bytes()
    write_report(xss_run)
    assert (xss_run / "report" / "map.html").read_bytes() == before


def test_map_command_for_one_day_and_foresteria(xss_run: Path) -> None:
    day = _rows(xss_run / "plan" / "trips.csv")[0]["day"]
    r = CliRunner().invoke(app, ["map", str(xss_run), "--day", day, "--foresteria", "FA"])
    assert r.exit_code == 0, r.output
    html = (xss_run / "report" / f"map-{day}-FA.html").read_text(encoding="utf-8")
    data = json.loads(re.findall(r"^foresteriePlanMap\(map_\d+, (.*)\);$", html, re.M)[0])
    assert data["days"] == [day] and [f["id"] for f in data["foresterie"]] == ["FA"]
    want = [
        t["trip_id"]
        for t in _rows(xss_run / "plan" / "trips.csv")
        if t["day"] == day and t["foresteria_id"] == "FA"
    ]
    assert [t[0] for t in data["day"][day]["trips"]] == want


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--day", "2031-01-01", "--lang", "en"],
            "error: --day: no trips or unserved riders on '2031-01-01' in this run",
        ),
        (
            ["--foresteria", "NOPE", "--lang", "en"],
            "error: --foresteria: no foresteria, depot or departure point 'NOPE' in this run",
        ),
        (  # the command line's language (English here), not the report's (review 16)
            ["--foresteria", "NOPE"],
            "error: --foresteria: no foresteria, depot or departure point 'NOPE' in this run",
        ),
        (
            ["--day", "2031-01-01", "--lang", "it"],
            "error: --day: no trips or unserved riders on '2031-01-01' in this run",
        ),
        (["--lang", "ar"], "error: --lang: lang: 'ar' is not one of it, en"),
    ],
)
def test_map_command_bad_options(xss_run: Path, args: list[str], message: str) -> None:
    r = CliRunner().invoke(app, ["map", str(xss_run), *args])
    assert r.exit_code == 2 and r.stderr.strip() == message


def test_map_and_report_refuse_a_non_run(tmp_path: Path) -> None:
    for cmd in ("map", "report"):
        r = CliRunner().invoke(app, [cmd, str(tmp_path)])
        assert r.exit_code == 2
        assert r.stderr.strip() == f"error: {tmp_path}: not a run folder (no manifest.json)"


def test_overloaded_season_gives_a_plan_and_says_what_is_short(tmp_path: Path) -> None:
    """Twice the people the beds hold and one 3-seat car per foresteria: a verified plan with a
    waitlist and unserved rides, and the report's shortage tables equal to the plan files."""
    sc = tmp_path / "s"
    shutil.copytree(TINY, sc)
    rows = [f"X{i:02d},2026-07-06,2026-07-13,men,,F{1 + i % 2},{i % 4},false," for i in range(12)]
    write_workers(sc, rows)
    fleet = (sc / "fleet.csv").read_text(encoding="utf-8").replace(",8,", ",3,")
    (sc / "fleet.csv").write_text(fleet, encoding="utf-8")
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    waitlist = _rows(out / "plan" / "waitlist.csv")
    short_beds = [w for w in waitlist if w["code"] in ("full", "outranked", "heuristic")]
    assert short_beds, "the scenario must overload the beds"
    fleet_days = [
        f for f in _rows(out / "plan" / "fleet_days.csv") if int(f["worker_days_unserved"])
    ]
    assert fleet_days, "the scenario must overload the fleet"
    md = (out / "report" / "summary.md").read_text(encoding="utf-8")
    beds = md.split("## Beds:", 1)[1].split("## ", 1)[0]
    assert sum(
        int(line.rsplit("|", 2)[1]) for line in beds.splitlines() if line.startswith("| men |")
    ) == len(short_beds)
    vehicles = md.split("## Vehicles:", 1)[1].split("## ", 1)[0]
    proven = [
        f for f in fleet_days if int(f["vehicles_lower_bound"]) > int(f["vehicles_available"])
    ]
    assert (
        f"{len(fleet_days)} foresteria-days with worker-days unserved, {len(proven)} proven" in md
    )
    table = [
        [c.strip() for c in line.split("|")[1:-1]]
        for line in vehicles.splitlines()
        if line.startswith("| F")
    ]
    assert sum(int(row[-1]) for row in table) == sum(
        int(f["worker_days_unserved"]) for f in fleet_days
    )
    for row in table:  # never "largest gap 0" on a week said to be short, nor the reverse
        assert (int(row[3]) > 0) == (int(row[4]) > 0), row


def test_personal_columns_never_reach_any_file_of_a_run(tmp_path: Path) -> None:
    """Names, document numbers and phones in workers.csv: none of their values appears anywhere
    in the run folder (inputs snapshot, plan, manifest, report, map, driver sheets, GPX)."""
    sc = tmp_path / "s"
    shutil.copytree(TINY, sc)
    lines = (sc / "workers.csv").read_text(encoding="utf-8-sig").splitlines()
    secrets: list[str] = []
    out_lines = [lines[0] + ",document_number,phone"]
    for i, line in enumerate(lines[1:]):
        doc, phone = f"AY{7310000 + i}", f"+39 333 55{i:05d}"
        secrets += [line.rsplit(",", 1)[1], doc, phone]
        out_lines.append(f"{line},{doc},{phone}")
    (sc / "workers.csv").write_text("\n".join(out_lines) + "\n", encoding="utf-8")
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(out)])
    assert r.exit_code == 0, r.output
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.suffix == ".gpx" for p in files) and any(p.name == "map.html" for p in files)
    for p in files:
        text = p.read_bytes().decode("utf-8")
        leaked = [s for s in secrets if s in text or json.dumps(s)[1:-1] in text]
        assert not leaked, (p, leaked)
    assert all(s not in r.output for s in secrets)


def test_worker_notices_one_slip_per_morning_rider_in_their_language(lang_run: Path) -> None:
    workers = {r["worker_id"]: r for r in _rows(lang_run / "inputs" / "workers.csv")}
    assert {w["lang"] for w in workers.values()} == {"ar", "fr", "", "en"}  # kept in the run
    trips = {t["trip_id"]: t for t in _rows(lang_run / "plan" / "trips.csv")}
    want: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    evening: dict[tuple[str, str], dict[str, str]] = {}
    for r in _rows(lang_run / "plan" / "riders.csv"):
        t = trips[r["trip_id"]]
        if t["direction"] == "to_farm":
            want[t["day"], t["vehicle_id"]].append((t["trip_id"], r["worker_id"]))
        else:
            evening[t["day"], r["worker_id"]] = t
    assert want, "the tiny scenario must have morning riders"
    seen_langs = set()
    for (day, vid), pairs in want.items():
        html = (lang_run / "report" / "drivers" / day / f"{vid}-notices.html").read_text(
            encoding="utf-8"
        )
        slips = re.findall(
            r"<section class='slip'(?: lang='(\w+)')? dir='(\w+)' data-worker='([^']+)' "
            r"data-trip='([^']+)'>(.*?)</section>",
            html,
        )
        assert sorted((t, w) for _, _, w, t, _ in slips) == sorted(pairs)
        for code, direction, wid, tid, body in slips:
            expect = workers[wid]["lang"] or "it"  # no lang: the scenario's (Italian)
            seen_langs.add(expect)
            assert (code or "it") == expect
            assert direction == ("rtl" if expect == "ar" else "ltr")
            assert f"<bdi>{trips[tid]['depart']}</bdi>" in body
            back = evening.get((day, wid))
            if back is not None:
                assert f"<bdi>{back['vehicle_id']}</bdi>" in body
                assert f"<bdi>{back['return']}</bdi>" in body
            if expect == "ar":
                assert "حافلتك إلى العمل" in body
    assert {"ar", "it"} <= seen_langs


def test_every_slip_gives_the_anti_trafficking_helpline_in_its_language(lang_run: Path) -> None:
    """A slip says the ride is free; it also says whom to call when someone asks for money
    anyway: the national anti-trafficking helpline, in the slip's language, its number kept
    left to right."""
    seen = set()
    for path in sorted((lang_run / "report" / "drivers").glob("*/*-notices.html")):
        for code, body in re.findall(
            r"<section class='slip'(?: lang='(\w+)')?[^>]*>(.*?)</section>",
            path.read_text(encoding="utf-8"),
        ):
            code = code or "it"
            text = html.unescape(re.sub(r"<[^>]+>", "", body))
            sentence = lang(code)._(
                "If anyone asks you for money or threatens you, call the anti-trafficking "
                "helpline {phone} (free, 24 hours a day)."
            )
            assert sentence.format(phone=HELPLINE) in text, (path.name, code)
            assert f"<bdi>{HELPLINE}</bdi>" in body
            seen.add(code)
    assert seen == {"it", "en", "fr", "ar"}


def test_every_driver_sheet_gives_the_helpline_its_riders_slips_give(xss_run: Path) -> None:
    """A driver sees who waits for the riders at the farm gate: every sheet ends with the number
    the riders' slips give, in the sheet's language (Italian here), kept on one line."""
    sheets = [
        p
        for p in (xss_run / "report" / "drivers").glob("*/*.html")
        if p.name != "index.html" and not p.name.endswith("-notices.html")
    ]
    assert sheets
    sentence = lang("it")._(
        "If anyone asks a rider for money for the ride or the job, threatens them or offers "
        "them a paid ride: the anti-trafficking helpline {phone} (free, 24 hours a day)."
    )
    assert sentence.startswith("Se qualcuno")
    for path in sheets:
        body = path.read_text(encoding="utf-8")
        help_ = re.search(r"<p class='help' id='helpline'>(.*?)</p>", body)
        assert help_ is not None, path.name
        assert html.unescape(re.sub(r"<[^>]+>", "", help_[1])) == sentence.format(phone=HELPLINE)
        assert f"<strong class='helpline'>{HELPLINE}</strong>" in help_[1]


def test_heat_alert_days_are_said_on_sheets_and_slips(lang_run: Path) -> None:
    """On a heat-alert day (the tiny scenario's 8 July) the driver sheet and every worker's slip
    say that field work stops early by ordinance, at the scenario's time, in the reader's
    language; on other days they say nothing of it."""
    heat = "Heat alert: by regional ordinance, field work stops at {time} today."
    days = sorted(p.name for p in (lang_run / "report" / "drivers").iterdir())
    assert "2026-07-08" in days and len(days) > 1
    for day in days:
        alert = day == "2026-07-08"
        for sheet in (lang_run / "report" / "drivers" / day).glob("V??.html"):
            text = html.unescape(sheet.read_text(encoding="utf-8"))
            assert (lang("it")._(heat).format(time="12:30") in text) == alert, sheet
        for notices in (lang_run / "report" / "drivers" / day).glob("*-notices.html"):
            page = notices.read_text(encoding="utf-8")
            for code, body in re.findall(
                r"<section class='slip'(?: lang='(\w+)')?[^>]*>(.*?)</section>", page
            ):
                text = html.unescape(re.sub(r"<[^>]+>", "", body))
                assert (lang(code or "it")._(heat).format(time="12:30") in text) == alert
                para = re.findall(r"<p class='heat'>(.*?)</p>", body)
                assert len(para) == int(alert) and all("<bdi>12:30</bdi>" in x for x in para)


def test_arabic_slips_isolate_every_latin_value(lang_run: Path) -> None:
    """In a right-to-left slip, anything written in Latin letters (times, ids, the names of the
    foresteria, the departure point and the farm) sits in its own <bdi>: outside one, the bidi
    algorithm moves its parentheses, commas and dots across the Arabic words around it."""
    values = 0
    for path in sorted((lang_run / "report" / "drivers").glob("*/*-notices.html")):
        for body in re.findall(
            r"<section class='slip'[^>]* dir='rtl'[^>]*>(.*?)</section>",
            path.read_text(encoding="utf-8"),
        ):
            for dd in re.findall(r"<dd>(.*?)</dd>", body):
                outside = re.sub(r"<bdi>.*?</bdi>", "", dd)
                assert not re.search(r"[A-Za-z]", html.unescape(outside)), (path.name, dd)
                values += 1
    assert values, "the lang fixture must give Arabic slips"


def test_bad_notice_language_is_one_line_per_row(tmp_path: Path) -> None:
    sc = tmp_path / "s"
    shutil.copytree(TINY, sc)
    lines = (sc / "workers.csv").read_text(encoding="utf-8-sig").splitlines()
    rows = [lines[0] + ",lang", lines[1] + ",wo", *(x + ",AR" for x in lines[2:])]
    (sc / "workers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["validate", str(sc)])
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        "error: workers.csv:2: lang: 'wo' is not a notice language (it, en, fr, ar)"
    )


def test_report_language_from_the_option_and_the_scenario(xss_run: Path, tmp_path: Path) -> None:
    it = (xss_run / "report" / "index.html").read_text(encoding="utf-8")
    assert "<html lang='it'" in it and "Dati principali" in it  # Italian by default
    run = tmp_path / "run"
    shutil.copytree(xss_run, run)
    r = CliRunner().invoke(app, ["report", str(run), "--lang", "en", "--no-sheets"])
    assert r.exit_code == 0, r.output
    en = (run / "report" / "index.html").read_text(encoding="utf-8")
    assert "<html lang='en'" in en and "Key figures" in en and "Dati principali" not in en
    toml = run / "inputs" / "scenario.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('lang = "it"', 'lang = "en"'))
    assert 'lang = "en"' in toml.read_text(encoding="utf-8")
    rehash(run, ["inputs/scenario.toml"])  # a run solved so (every reader checks the hashes)
    r = CliRunner().invoke(app, ["report", str(run), "--no-sheets"])
    assert r.exit_code == 0, r.output
    assert "Key figures" in (run / "report" / "index.html").read_text(encoding="utf-8")


def test_headline_says_who_is_housed_and_what_is_short(xss_run: Path) -> None:
    m = json.loads((xss_run / "manifest.json").read_text(encoding="utf-8"))["kpis"]
    html = (xss_run / "report" / "index.html").read_text(encoding="utf-8")
    head = html.split("id='headline'>", 1)[1].split("</p>", 1)[0]
    h = m["housing"]
    assert f"Su {h['people']} richiedenti, {h['housed']} accolti e {h['waitlisted']}" in head
    wd = m["transport"]["worker_days_transported"]
    assert f"{wd} giornate-lavoratore" in head


def _tree(folder: Path, pattern: str = "*") -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob(pattern))
        if p.is_file()
    }


def test_report_is_byte_stable_and_data_files_do_not_depend_on_the_language(
    xss_run: Path, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    shutil.copytree(xss_run, run)
    first = _tree(run / "report")
    write_report(run)
    assert _tree(run / "report") == first  # same run => same bytes, notices included
    assert any(k.endswith("-notices.html") for k in first)
    write_report(run, lang_code="en")
    english = _tree(run / "report")
    for pattern in ("*.csv", "*.gpx"):
        data = {k: v for k, v in english.items() if k.endswith(pattern[1:])}
        assert data and data == {k: v for k, v in first.items() if k.endswith(pattern[1:])}
    assert english["index.html"] != first["index.html"]
    assert _tree(run / "plan") == _tree(xss_run / "plan")


def test_solver_claims_are_shown_as_not_verified(xss_run: Path) -> None:
    """The page says "verified" for the plan's rules; the housing solver's own optimality
    claims, which the verifier does not re-derive, carry "not verified" where they are shown."""
    html = (xss_run / "report" / "index.html").read_text(encoding="utf-8")
    tiers = html[html.index("id='solver-claims'") :]
    assert "non verificate" in tiers.split("</p>")[0]
    assert "ottimo dimostrato (non verificato)" in tiers
    assert "ottimo dimostrato<" not in html  # never the bare claim


def test_a_rider_from_a_departure_point_is_told_to_board_there(pickup_run: Path) -> None:
    """W07 has no bed and boards at the point PX: the printed slip names the point and the
    time the vehicle leaves it (not the base's), and where and when the return drops them."""
    with open(pickup_run / "plan" / "trips.csv", encoding="utf-8") as fh:
        trips = {t["trip_id"]: t for t in csv.DictReader(fh)}
    with open(pickup_run / "plan" / "riders.csv", encoding="utf-8") as fh:
        rides = [r for r in csv.DictReader(fh) if r["worker_id"] == "W07"]
    out = next(trips[r["trip_id"]] for r in rides if trips[r["trip_id"]]["direction"] == "to_farm")
    back = next(
        trips[r["trip_id"]]
        for r in rides
        if trips[r["trip_id"]]["direction"] == "to_foresteria"
        and trips[r["trip_id"]]["day"] == out["day"]
    )
    assert out["origin_id"] == "PX" and out["depart"] != out["origin_depart"]
    page = (pickup_run / "report" / "drivers" / out["day"]).joinpath(
        f"{out['vehicle_id']}-notices.html"
    )
    slip = next(x for x in page.read_text(encoding="utf-8").split("<section")[1:] if "W07" in x)
    text = re.sub(r"<[^>]+>", " ", slip)
    assert html.escape(XSS_POINT) in slip and f" {out['origin_depart']} " in text
    assert f" {back['origin_return']} " in text and f" {out['depart']} " not in text


def _day_table(page: str, anchor: str) -> list[list[str]]:
    """The cells' text of the table after `<h2 id='anchor'>` on a day's page (empty: no
    table)."""
    part = page.split(f"<h2 id='{anchor}'>", 1)[1].split("<h2", 1)[0]
    if "<table" not in part:
        return []
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", part)[1:]
    ]


def test_day_page_shows_idle_vehicles_and_who_is_left_without_a_ride(two_seat_run: Path) -> None:
    """The coordinator's day page: per base, the vehicles available that day, those with trips
    and, by id, those without any, and the worker-days left behind; then every farm whose
    workers have no ride, with the count and reason. All equal to the plan files."""
    out = two_seat_run
    fleet = _rows(out / "inputs" / "fleet.csv")
    trips = _rows(out / "plan" / "trips.csv")
    unserved = _rows(out / "plan" / "unserved.csv")
    short = {
        (f["day"], f["foresteria_id"]): int(f["worker_days_unserved"])
        for f in _rows(out / "plan" / "fleet_days.csv")
    }
    assert unserved, "the scenario must leave riders behind"
    days = sorted({t["day"] for t in trips if t["vehicle_id"]})
    behind_seen = 0
    for day in days:
        page = (out / "report" / "drivers" / day / "index.html").read_text(encoding="utf-8")
        used = {t["vehicle_id"] for t in trips if t["day"] == day and t["vehicle_id"]}
        for base, avail, with_trips, idle, left in _day_table(page, "fleet"):
            mine = {
                v["vehicle_id"]
                for v in fleet
                if v["foresteria_id"] == base and v["available_from"] <= day <= v["available_to"]
            }
            assert int(avail) == len(mine) and int(with_trips) == len(mine & used)
            assert set(idle.split()) - {"–"} == mine - used
            assert int(left) == short.get((day, base), 0)
        rows = _day_table(page, "left-behind")
        todays = [u for u in unserved if u["day"] == day]
        assert sum(int(r[2]) for r in rows) == sum(int(u["worker_days"]) for u in todays)
        assert sorted(re.search(r"\((\w+)\)", r[1])[1] for r in rows) == sorted(  # type: ignore[index]
            u["farm_id"] for u in todays
        )
        assert ("Nessuno." in page) == (not todays)
        behind_seen += len(rows)
    assert behind_seen


def test_unserved_reasons_are_words_in_the_report_language(two_seat_run: Path) -> None:
    """Every unserved reason code reads as a translated label in the Italian report and its
    Markdown twin, never as the plan file's English reason text."""
    out = two_seat_run
    with open(out / "plan" / "unserved.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    it = lang("it")
    page = (out / "report" / "index.html").read_text(encoding="utf-8")
    summary = (out / "report" / "summary.md").read_text(encoding="utf-8")
    for r in rows:
        label = it._(UNSERVED_REASONS[r["code"]])
        assert label != UNSERVED_REASONS[r["code"]]  # translated
        assert html.escape(label) in page and label in summary
        assert r["reason"].split(":")[0] not in page + summary


def test_a_day_run_reads_as_a_day(day_run: Path) -> None:
    """A day run's page and summary speak of that day's riders (expected, where they board,
    carried, left without a ride, vehicles short), never of applicants and a waitlist, and
    leave out the figures a day cannot know (by priority, across days) instead of printing 0."""
    workers = _rows(day_run / "inputs" / "workers.csv")
    points = sum(1 for w in workers if w.get("pickup_id"))
    assert (len(workers), points) == (6, 1)  # the fixture's hand count
    unserved = _rows(day_run / "plan" / "unserved.csv")
    left = sum(int(u["worker_days"]) for u in unserved)
    # VB1, FB's only vehicle, broke down: FB's family and W06 at PX are served that day from
    # FA, the nearest base with a vehicle (README "Departure points"), whose van runs its
    # season trips: both stay behind (vehicles busy, not proven)
    assert {(u["foresteria_id"], u["base_id"], u["worker_days"], u["code"]) for u in unserved} == {
        ("FB", "FA", "2", "vehicles_busy"),
        ("PX", "FA", "1", "vehicles_busy"),
    }
    kpis = json.loads((day_run / "manifest.json").read_text(encoding="utf-8"))["kpis"]
    carried = kpis["transport"]["worker_days_transported"]
    assert carried == 3  # W01, W02, W03 from FA
    page = (day_run / "report" / "index.html").read_text(encoding="utf-8")
    head = html.unescape(page.split("id='headline'>", 1)[1].split("</p>", 1)[0])
    md = (day_run / "report" / "summary.md").read_text(encoding="utf-8")
    assert head.startswith(
        "martedì 7 luglio 2026: 6 lavoratori attesi alle navette, 5 da una foresteria e 1 da "
        "punti di partenza. Fuori servizio in questo giorno: VB1; le sue corse del piano "
        "stagionale sono state ripianificate con gli altri mezzi. Le navette hanno garantito "
        "andata e ritorno a 3 di loro con "
    )
    assert f"{left} sono rimasti senza andata e ritorno (0,0% con un motivo dimostrato)" in head
    assert (
        "Senza passaggio: 2 presso Borgo Mezzanone, veicoli occupati (insufficienza non "
        "dimostrata); 1 presso Borgo Mezzanone (ex pista), veicoli occupati (insufficienza non "
        "dimostrata)." in head
    )
    assert "Carenza di mezzi" not in head  # vehicles busy: no lower bound above the fleet
    assert head.replace("\\", "") in md.replace("\\", "")
    for text in (page, md):
        for absent in ("richiedent", "lista d'attesa", "priorità 3", "segnalati", "a terra"):
            assert absent not in html.unescape(text), absent
    shown = {
        d["data-kpi"]
        for _, d, _ in _parse(day_run / "report" / "index.html").found
        if "data-kpi" in d
    }
    assert shown and not {k for k in shown if "priority" in k or "left_behind" in k}
    assert "housing.waitlisted" not in shown and "housing.people" in shown
    human = {
        d["data-kpi-human"]: text
        for _, d, text in _parse(day_run / "report" / "index.html").found
        if "data-kpi-human" in d
    }
    assert human["housing.people"] == "6" and human["transport.unserved_worker_days"] == "3"
    assert "housing.waitlisted" not in human


def test_a_day_headline_names_the_bases_proven_short(day_run: Path) -> None:
    """Where a day's unserved rows are proven fleet short, the headline names each base with the
    vehicles missing (lower bound minus available, the rows' own figures, largest per base)."""

    def row(base: str, place: str, riders: int, lb: int, avail: int) -> UnservedRow:
        return UnservedRow(
            day="2026-07-07",
            foresteria_id=place,
            farm_id="F1",
            base_id=base,
            riders=riders,
            code="fleet_short",
            proven=True,
            lower_bound=lb,
            available=avail,
            reason="",
        )

    run = dataclasses.replace(
        load_run(day_run),
        unserved=[row("FA", "FA", 3, 4, 1), row("FB", "PX", 1, 2, 1), row("FB", "FB", 2, 3, 1)],
    )
    text = " ".join(day_headline(run, lang("it")))
    assert (
        "Senza passaggio: 3 presso Fortore, flotta insufficiente (dimostrato); 2 presso Borgo "
        "Mezzanone, " in text
    )
    assert (
        "Carenza di mezzi dimostrata: Fortore (ne mancano 3), Borgo Mezzanone (ne mancano 2)."
        in text
    )
    en = " ".join(day_headline(run, lang("en")))
    assert (
        "Vehicles are proven short at Fortore (3 vehicles short), Borgo Mezzanone (2 vehicles short)."
        in en
    )


def test_occupancy_chart_keeps_to_the_season_when_a_site_outlasts_it(tmp_path: Path) -> None:
    """A site open past the season: plan/occupancy.csv lists its nights to its closing, but the
    chart draws the season's weeks only (review 18, L4: a July season charted to September)."""
    from typer.testing import CliRunner

    from foresterie.cli import app
    from tests.helpers import TINY

    sc = tmp_path / "sc"
    shutil.copytree(TINY, sc)
    geo = sc / "foresterie.geojson"
    geo.write_text(
        geo.read_text(encoding="utf-8").replace('"2026-07-31"', '"2026-09-30"'), encoding="utf-8"
    )
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(out)])
    assert r.exit_code == 0, r.output
    nights = {row["night"] for row in _rows(out / "plan" / "occupancy.csv")}
    assert max(nights) == "2026-09-30"  # the plan file still lists the site's nights
    html = (out / "report" / "index.html").read_text(encoding="utf-8")
    weeks = set()
    for block in html.split("data-foresteria=")[1:]:
        weeks |= set(re.findall(r"data-label='([\d-]+)'", block.split("</svg>", 1)[0]))
    assert weeks and max(weeks) == "2026-07-27" and min(weeks) == "2026-06-29", sorted(weeks)
