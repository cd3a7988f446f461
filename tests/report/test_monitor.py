"""The monitor's workbook and page (report/monitor.py): Italian labels, numbers typed as
numbers, small cells kept as "<5" text, formula-like text neutralised, strings escaped."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from foresterie.core.i18n import lang
from foresterie.report.monitor import monitor_html, read_rows, write_xlsx


def test_workbook_has_italian_labels_and_numbers_as_numbers(monitored_season: Path) -> None:
    wb = load_workbook(monitored_season / "monitor.xlsx")
    assert wb.sheetnames == ["Note", "Accoglienza", "Navette", "Costi", "Giorni"]
    ws = wb["Accoglienza"]
    header = [c.value for c in ws[1]]
    assert header == [
        "settimana",
        "indicatore",
        "dettaglio",
        "piano",
        "effettivo",
        "unità",
        "fonte",
    ]
    rows = {(r[0], r[1], r[2]): r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["2026-W28", "notti-letto occupate", "totale"][3:5] == (31, 27)
    occ = rows["2026-W28", "occupazione dei posti letto", "totale"]
    assert occ[3:5] == (55.36, 48.21) and isinstance(occ[4], float)
    assert rows["2026-W28", "persone accolte", "foresteria FA"][3:5] == ("<5", "<5")
    assert rows["stagione", "persone non accolte", "totale"][3:7] == (
        2,
        2,
        "persone",
        "piano stagionale",
    )
    taken = rows["2026-W28", "persone accolte", "totale"]
    assert taken[6] == "registro + piano stagionale"  # known up to the 9th
    costs = {(r[0], r[1], r[2]): r for r in wb["Costi"].iter_rows(min_row=2, values_only=True)}
    fees = costs["2026-W28", "compensi del caporale evitati", "compenso minimo"]
    assert fees[3:5] == (140, 130) and fees[5] == "€"
    notes = [r[0] for r in wb["Note"].iter_rows(values_only=True)]
    assert notes[0] == "Monitoraggio della stagione: piano ed effettivo"
    assert any(n.startswith("Le celle con meno di 5 persone") for n in notes)


def test_formula_like_text_is_neutralised_and_html_escaped(tmp_path: Path) -> None:
    row = {
        "week": "2026-W28",
        "indicator": "turned_away",
        "breakdown": 'reason:=HYPERLINK("http://x")',
        "plan": "7",
        "actual": "<5",
        "unit": "people",
        "source": "plan",
    }
    hostile = {**row, "breakdown": "reason:<script>alert(1)</script>"}
    write_xlsx([row], [], tmp_path / "m.xlsx", lang("it"))
    ws = load_workbook(tmp_path / "m.xlsx")["Accoglienza"]
    values = [c.value for c in ws[2]]
    assert values[2] == '\'=HYPERLINK("http://x")' and values[3] == 7 and values[4] == "<5"
    meta = {
        "season": "<b>x</b>",
        "run_sha256": "0" * 64,
        "ledger_rows": 1,
        "ledger_head": "1" * 64,
        "as_of": "2026-07-09",
        "day_runs": 0,
    }
    page = monitor_html([row, hostile], meta, lang("en"))
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>x</b>" not in page and "season monitoring, plan against actual" in page


def test_page_in_english_on_request(monitored_season: Path) -> None:
    rows = read_rows(monitored_season, "monitor.csv")
    meta = {
        "season": "tiny",
        "run_sha256": "0" * 64,
        "ledger_rows": 1,
        "ledger_head": "1" * 64,
        "as_of": "2026-07-09",
        "day_runs": 1,
    }
    en = monitor_html(rows, meta, lang("en"))
    it = monitor_html(rows, meta, lang("it"))
    assert "people taken in" in en and "persone accolte" in it
    assert "effettivo 27; piano 31" in it and "capacità" not in it  # the mark is the plan
    assert "<html lang='it'" in (monitored_season / "index.html").read_text()
