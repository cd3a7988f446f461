"""`foresterie monitor`: weekly figures, plan against actual, on a hand-made fortnight.

The tiny season run (tests/data/tiny) houses W01, W02 (men, farm F1, Mon-Sat) and W03 (women,
F2, every day) at FA (4 beds) from Mon 6 to 13 July, the family W04, W05 (F2) at FB (4 beds,
open until the 20th) from 6 to 11 July; W06 is waitlisted ("far", asked from 6 July), W07 too
("no_section", from 21 July). W02 is referred (priority 3); nobody holds a contract. The season
plan leaves W03 unserved on Wed 8 July (vehicles_busy).

The ledger of `monitored_season` (tests/conftest.py): arrivals on the 6th for W01, W03, W04,
W05 and (without a bed) W06; W02 arrives on the 8th; W05 leaves on the 9th. A day run of Tue 7
July; its boarding lists: W01, W03, W05 boarded, W04 did not.

Hand counts for ISO week 2026-W28 (6-12 July):
- bed-nights, plan: W01, W02, W03 7 nights each at FA = 21; W04, W05 5 each at FB = 10; 31.
  Actual: W02 from the 8th = 5, so FA 19; W05 nights 6, 7, 8 = 3, so FB 8; 27.
- capacity: FA 4 x 7 = 28, FB 4 x 7 = 28: occupancy plan 31/56 = 55.36 %, actual 27/56 =
  48.21 %; FA 75.00 / 67.86, FB 35.71 / 28.57.
- overflow: the plan none; W06 present without a bed nights 6-9 = 4: checked in on the 6th,
  the ledger's last day (the as-of day) is the 9th, and after it nothing comes from the
  ledger (the plan expects W06 nowhere).
- worker-days, plan: W01, W02 Mon-Sat 6 each, W03 7 days less the unserved 8th = 6, W04, W05
  6-10 = 5 each: 28. Actual: the 7th from the boarding lists, 3 instead of the plan's 5 (all
  five ride on a Tuesday): 26. Fees avoided at EUR 5-10: 140/280 planned, 130/260 actual.
- no-shows 1 of the 4 on the lists: 25.00 %.
"""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path
from typing import get_args

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.files import dumps_json, file_sha256
from foresterie.housing.waitlist import PublicCode
from foresterie.ops.ledger import Ledger
from foresterie.ops.monitor import Figure, compute, published

W = "2026-W28"


@pytest.fixture(scope="module")
def figures(monitored_season: Path, tiny_season_run: Path) -> dict[tuple[str, str, str], Figure]:
    base = monitored_season.parent
    with Ledger.open(base / "ledger.sqlite") as led:
        mon = compute(tiny_season_run, led, [base / "days"])
    return {(f.week, f.indicator, f.breakdown): f for f in mon.figures}


def _pa(figures: dict[tuple[str, str, str], Figure], ind: str, br: str = "", wk: str = W) -> tuple:
    f = figures[wk, ind, br]
    return f.plan, f.actual


def test_housing_figures_equal_the_hand_counts(figures: dict) -> None:
    assert _pa(figures, "taken_in") == (5, 5)
    assert _pa(figures, "taken_in", "site:FA") == (3, 3)
    assert _pa(figures, "taken_in", "site:FB") == (2, 2)
    assert _pa(figures, "taken_in", "section:men") == (2, 2)
    assert _pa(figures, "taken_in", "section:family") == (2, 2)
    assert _pa(figures, "taken_in", "referred") == (1, None)  # plan only (README "Monitoring")
    assert _pa(figures, "taken_in", "contract") == (0, 0)
    assert _pa(figures, "taken_in", wk="2026-W27") == (0, 0)
    assert _pa(figures, "turned_away") == (1, 1)
    assert _pa(figures, "turned_away", "reason:far") == (1, 1)
    assert _pa(figures, "turned_away", "reason:unsuitable", "2026-W30") == (1, 1)
    assert _pa(figures, "turned_away", wk="season") == (2, 2)
    assert _pa(figures, "bed_nights") == (31, 27)
    assert _pa(figures, "bed_nights", "site:FA") == (21, 19)
    assert _pa(figures, "bed_nights", "site:FB") == (10, 8)
    assert _pa(figures, "bed_capacity") == (56, 56)
    assert _pa(figures, "occupancy") == (55.36, 48.21)
    assert _pa(figures, "occupancy", "site:FA") == (75.0, 67.86)
    assert _pa(figures, "occupancy", "site:FB") == (35.71, 28.57)
    assert _pa(figures, "overflow") == (0, 4)
    # check-ins recorded from the 6th; the ledger's last day is the 9th, then the plan's
    assert figures[W, "taken_in", ""].source == "ledger+plan"
    assert figures["2026-W27", "taken_in", ""].source == "plan"
    assert figures[W, "turned_away", ""].source == "plan"


def test_transport_figures_equal_the_hand_counts(figures: dict) -> None:
    assert _pa(figures, "worker_days") == (28, 26)
    assert _pa(figures, "unserved") == (1, 1)
    assert _pa(figures, "unserved", "reason:vehicles_busy") == (1, 1)
    assert _pa(figures, "no_shows") == (None, 1)
    assert _pa(figures, "no_show_rate") == (None, 25.0)
    assert _pa(figures, "no_show_rate", wk="2026-W29") == (None, None)
    assert _pa(figures, "caporale_fees_avoided", "fee:low") == (140.0, 130.0)
    assert _pa(figures, "caporale_fees_avoided", "fee:high") == (280.0, 260.0)
    # the 7th: trips from the day run, riders from the lists; other days: the season plan
    assert figures[W, "worker_days", ""].source == "ledger+day_run+plan"
    assert figures["2026-W29", "worker_days", ""].source == "plan"
    cost, per_day = figures[W, "cost", ""], figures[W, "cost_per_worker_day", ""]
    assert per_day.actual == round(cost.actual / 26, 2)
    assert per_day.plan == round(cost.plan / 28, 2)
    # the season is the sum of its weeks
    weeks = ("2026-W27", W, "2026-W29", "2026-W30", "2026-W31")
    for ind in ("bed_nights", "worker_days", "taken_in", "overflow", "unserved"):
        total = figures["season", ind, ""]
        assert total.actual == sum(figures[w, ind, ""].actual for w in weeks), ind


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_published_cells_suppress_small_counts_and_name_nobody(monitored_season: Path) -> None:
    rows = {
        (r["week"], r["indicator"], r["breakdown"]): r
        for r in _rows(monitored_season / "monitor.csv")
    }
    assert (rows[W, "taken_in", ""]["plan"], rows[W, "taken_in", ""]["actual"]) == ("5", "5")
    for br in ("site:FA", "site:FB", "section:men"):
        assert (rows[W, "taken_in", br]["plan"], rows[W, "taken_in", br]["actual"]) == ("<5", "<5")
    referred = rows[W, "taken_in", "referred"]
    assert (referred["plan"], referred["actual"], referred["source"]) == ("<5", "", "plan")
    assert rows[W, "taken_in", "contract"]["actual"] == "0"  # zero reveals nobody
    assert rows[W, "bed_nights", "site:FB"]["actual"] == "8"
    assert rows[W, "occupancy", "site:FB"]["actual"] == "28.57"
    # the week's unserved worker-days are all vehicles_busy: beside the total and hidden zeros a
    # "<5" would say so to a reader who knows "*" is never 1..4 (review of session 15), so "*"
    unserved = {b: r["plan"] for (w, i, b), r in rows.items() if w == W and i == "unserved"}
    assert unserved["reason:vehicles_busy"] == "*" and "<5" not in unserved.values()
    # W06 (far) is the week's only person turned away: the other reason is hidden with it. Far
    # keeps "<5": the season's published zero of `closed` gives it whatever its mark (left, as
    # the README says), so "*" would only be less true
    assert rows[W, "turned_away", ""]["plan"] == "1"
    others = {b: r["plan"] for (w, i, b), r in rows.items() if w == W and i == "turned_away"}
    others.pop("")  # the week's total: always published
    # every published code has its row; the first zero (by name) is hidden with far
    zeros = {f"reason:{c}": "0" for c in get_args(PublicCode) if c != "far"}
    assert others == zeros | {"reason:far": "<5", "reason:closed": "*"}
    assert rows[W, "overflow", ""]["actual"] == "4"  # a total: kept
    days = {r["day"]: r for r in _rows(monitored_season / "days.csv")}
    assert days["2026-07-07"]["transport_source"] == "ledger+day_run"
    assert days["2026-07-08"]["transport_source"] == "plan"
    recorded = days["2026-07-07"]["day_run_manifest_sha256"]
    assert recorded == file_sha256(
        monitored_season.parent / "days" / "2026-07-07" / "manifest.json"
    )
    for p in monitored_season.rglob("*"):
        if p.is_file() and p.suffix in (".csv", ".json", ".html"):
            text = p.read_text(encoding="utf-8")
            assert not any(f"W0{k}" in text for k in range(1, 8)), p


def test_a_site_occupancy_is_suppressed_with_its_bed_nights() -> None:
    def fig(ind: str, br: str, plan: float, actual: float, unit: str) -> Figure:
        return Figure(
            week=W, indicator=ind, breakdown=br, plan=plan, actual=actual, unit=unit, source="plan"
        )  # type: ignore[arg-type]

    rows = published(
        [
            fig("bed_nights", "site:FA", 3, 12, "bed-nights"),
            fig("bed_nights", "", 3, 12, "bed-nights"),
            fig("occupancy", "site:FA", 10.71, 42.86, "pct"),
            fig("occupancy", "", 10.71, 42.86, "pct"),
        ]
    )
    assert [r[3:5] for r in rows] == [
        ["<5", "12"],
        ["3", "12"],
        ["<5", "42.86"],
        ["10.71", "42.86"],
    ]


def test_a_hidden_cell_cannot_be_worked_out_from_the_others() -> None:
    """FA's 3 is hidden; FB and FC would give it back (35 - 12 - 20), so the smallest other,
    FB, is hidden too, in the week and then in the season (FB's weeks sum to its season)."""
    figs = [
        Figure(
            week=wk,
            indicator="taken_in",
            breakdown=br,
            plan=v,
            actual=v,
            unit="people",
            source="plan",
        )
        for wk in (W, "season")
        for br, v in (("", 35), ("site:FA", 3), ("site:FB", 12), ("site:FC", 20))
    ]
    shown = {(r[0], r[2]): r[4] for r in published(figs)}
    assert shown == {
        (W, ""): "35",
        (W, "site:FA"): "<5",
        (W, "site:FB"): "*",
        (W, "site:FC"): "20",
        ("season", ""): "35",
        ("season", "site:FA"): "<5",
        ("season", "site:FB"): "*",
        ("season", "site:FC"): "20",
    }


def test_manifest_hashes_every_output_and_input(monitored_season: Path) -> None:
    m = json.loads((monitored_season / "manifest.json").read_text())
    files = {
        p.relative_to(monitored_season).as_posix()
        for p in monitored_season.rglob("*")
        if p.is_file()
    }
    assert set(m["outputs"]) == files - {"manifest.json"}
    assert {"monitor.csv", "days.csv", "monitor.xlsx", "index.html"} <= set(m["outputs"])
    for rel, digest in m["outputs"].items():
        assert file_sha256(monitored_season / rel) == digest
    with Ledger.open(monitored_season.parent / "ledger.sqlite") as led:
        assert (m["inputs"]["ledger"]["rows"], m["inputs"]["ledger"]["head"]) == led.head()
    assert [d["day"] for d in m["inputs"]["day_runs"]] == ["2026-07-07"]
    assert m["suppression"] == {"min_cell": 5, "shown_as": "<5", "complementary_shown_as": "*"}


def _cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output


def test_verify_recomputes_and_names_a_tampered_row(monitored_season: Path, tmp_path: Path) -> None:
    assert _cli("monitor", "--verify", str(monitored_season)) == (
        0,
        f"ok: {monitored_season}: every check passed\n",
    )
    copy = tmp_path / "monitor"
    copy.mkdir()
    for p in monitored_season.iterdir():
        (copy / p.name).write_bytes(p.read_bytes())
    text = (copy / "monitor.csv").read_text()
    edited = text.replace(f"{W},bed_nights,,31,27,", f"{W},bed_nights,,31,29,")
    assert edited != text
    (copy / "monitor.csv").write_text(edited)
    m = json.loads((copy / "manifest.json").read_text())
    m["outputs"]["monitor.csv"] = file_sha256(copy / "monitor.csv")  # re-hashed: only figures
    (copy / "manifest.json").write_text(dumps_json(m))
    code, out = _cli("monitor", "--verify", str(copy))
    assert code == 1
    line = next(x for x in out.splitlines() if "bed_nights" in x)
    assert line.startswith("violation: monitor.csv row ")
    assert f"({W}, bed_nights, total): actual 29, recomputed 27" in line


def test_verify_refuses_a_referred_actual(monitored_season: Path, tmp_path: Path) -> None:
    """The referred breakdown is plan figures only (README "Monitoring"): an actual written
    into it (manifest re-hashed) is named by the verifier's own recomputation."""
    copy = tmp_path / "monitor"
    copy.mkdir()
    for p in monitored_season.iterdir():
        (copy / p.name).write_bytes(p.read_bytes())
    text = (copy / "monitor.csv").read_text()
    edited = text.replace(
        f"{W},taken_in,referred,<5,,people,plan", f"{W},taken_in,referred,<5,<5,people,plan"
    )
    assert edited != text
    (copy / "monitor.csv").write_text(edited)
    m = json.loads((copy / "manifest.json").read_text())
    m["outputs"]["monitor.csv"] = file_sha256(copy / "monitor.csv")
    (copy / "manifest.json").write_text(dumps_json(m))
    code, out = _cli("monitor", "--verify", str(copy))
    assert code == 1
    assert f"({W}, taken_in, referred): actual <5, recomputed (empty)" in out


def test_verify_catches_an_edited_ledger_and_a_changed_output(
    monitored_season: Path, tmp_path: Path
) -> None:
    import shutil
    import sqlite3

    copy = tmp_path / "monitor"
    shutil.copytree(monitored_season, copy)
    (copy / "index.html").write_text("<p>changed</p>")
    code, out = _cli("monitor", "--verify", str(copy))
    assert code == 1 and "violation: index.html: changed after publication" in out
    led = tmp_path / "ledger.sqlite"
    shutil.copyfile(monitored_season.parent / "ledger.sqlite", led)
    conn = sqlite3.connect(led, isolation_level=None)
    conn.execute("DROP TRIGGER ledger_no_update")
    conn.execute("UPDATE ledger_events SET day = '2026-07-10' WHERE seq = 6")  # W02 came later
    conn.close()
    m = json.loads((monitored_season / "manifest.json").read_text())
    m["inputs"]["ledger"]["path"] = str(led)
    shutil.copytree(monitored_season, tmp_path / "m2")
    (tmp_path / "m2" / "manifest.json").write_text(dumps_json(m))
    code, out = _cli("monitor", "--verify", str(tmp_path / "m2"))
    assert code == 1 and "ledger row 6: content does not match its hash (edited)" in out


def test_a_day_plan_whose_folder_is_gone_falls_back_to_the_plan(
    monitored_season: Path, tiny_season_run: Path, tmp_path: Path
) -> None:
    import shutil

    led = tmp_path / "ledger.sqlite"
    shutil.copyfile(monitored_season.parent / "ledger.sqlite", led)
    code, out = _cli(
        "monitor", str(tiny_season_run), "--ledger", str(led), "--out", str(tmp_path / "m")
    )
    assert code == 0, out
    assert "day plans recorded but not found: 2026-07-07" in out  # --days not given
    days = {r["day"]: r for r in _rows(tmp_path / "m" / "days.csv")}
    assert days["2026-07-07"]["transport_source"] == "ledger+plan"
    assert days["2026-07-07"]["day_run_manifest_sha256"] == ""
    m = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert m["inputs"]["day_plans_not_found"] == ["2026-07-07"]
    assert _cli("monitor", "--verify", str(tmp_path / "m"))[0] == 0
    code, out = _cli(
        "monitor", str(tiny_season_run), "--ledger", str(led), "--out", str(tmp_path / "m")
    )
    assert code == 2 and "exists; pass --force to replace it" in out


def test_same_inputs_give_the_same_bytes(
    monitored_season: Path, tiny_season_run: Path, tmp_path: Path
) -> None:
    base = monitored_season.parent
    args = ["--ledger", str(base / "ledger.sqlite"), "--days", str(base / "days")]
    code, out = _cli("monitor", str(tiny_season_run), *args, "--out", str(tmp_path / "again"))
    assert code == 0, out
    for rel in ("monitor.csv", "days.csv", "index.html", "monitor.xlsx", "manifest.json"):
        assert (tmp_path / "again" / rel).read_bytes() == (monitored_season / rel).read_bytes(), rel


def test_bad_input_is_one_line_and_writes_nothing(
    monitored_season: Path, tiny_season_run: Path, tmp_path: Path
) -> None:
    import shutil

    led = str(monitored_season.parent / "ledger.sqlite")
    out = tmp_path / "m"
    code, text = _cli(
        "monitor", str(tiny_season_run), "--ledger", led, "--lang", "de", "--out", str(out)
    )
    assert (code, text) == (2, "error: --lang: lang: 'de' is not one of it, en\n")
    other = tmp_path / "other"
    shutil.copytree(tiny_season_run, other)
    (other / "manifest.json").write_text((other / "manifest.json").read_text() + " ")
    code, text = _cli("monitor", str(other), "--ledger", led, "--out", str(out))
    assert code == 2 and text == f"error: {led}: season_run: is not the ledger of {other}\n"
    code, text = _cli("monitor", "--verify", str(tiny_season_run))
    assert code == 2 and "not a monitor manifest" in text
    assert not out.exists()


def _tampered(monitored_season: Path, tmp_path: Path, rel: str, edit) -> str:  # type: ignore[no-untyped-def]
    """A copy of the monitor folder with `rel` edited and the manifest re-hashed; verify's
    output (exit 1 expected)."""
    import shutil

    copy = tmp_path / "monitor"
    shutil.copytree(monitored_season, copy)
    edit(copy / rel)
    m = json.loads((copy / "manifest.json").read_text())
    m["outputs"][rel] = file_sha256(copy / rel)
    (copy / "manifest.json").write_text(dumps_json(m))
    code, out = _cli("monitor", "--verify", str(copy))
    assert code == 1, out
    return out


def test_verify_reads_the_workbook_figures(monitored_season: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    def edit(path: Path) -> None:
        wb = load_workbook(path)
        ws = wb["Accoglienza"]
        for row in ws.iter_rows(min_row=2):
            if (row[0].value, row[1].value, row[2].value) == (W, "notti-letto occupate", "totale"):
                row[4].value = 29
        wb.save(path)

    out = _tampered(monitored_season, tmp_path, "monitor.xlsx", edit)
    assert f"({W}, bed_nights, total): actual 29, monitor.csv 27" in out
    assert out.splitlines()[0].startswith("violation: monitor.xlsx sheet Accoglienza row ")


def test_verify_reads_the_workbook_labels_and_refuses_formulas(
    monitored_season: Path, tmp_path: Path
) -> None:
    """Review 14: labels swapped between two rows ("famiglie" where the men are) and a formula in
    a label cell passed `monitor --verify`, which read the numbers only."""
    from openpyxl import load_workbook

    swapped: list[int] = []

    def edit(path: Path) -> None:
        wb = load_workbook(path)
        ws = wb["Accoglienza"]
        rows = [r for r in ws.iter_rows(min_row=2) if r[0].value == W and r[2].value]
        a, b = next(
            (x, y)
            for x in rows
            for y in rows
            if x[1].value == y[1].value and x[2].value != y[2].value and x[2].value != "totale"
        )
        a[2].value, b[2].value = b[2].value, a[2].value
        swapped.extend([a[2].row, b[2].row])
        ws.cell(row=2, column=1).value = '=HYPERLINK("http://x.example/","W")'
        wb.save(path)

    out = _tampered(monitored_season, tmp_path, "monitor.xlsx", edit)
    lines = out.splitlines()
    assert any(ln.endswith(" A2: a formula, where the monitor writes values only") for ln in lines)
    for row in swapped:
        assert any(f"sheet Accoglienza row {row}: breakdown " in ln for ln in lines), (row, out)


def test_verify_reads_the_figures_shown_on_the_page(monitored_season: Path, tmp_path: Path) -> None:
    def edit(path: Path) -> None:
        text = path.read_text()
        row = f"<tr data-row='{W},bed_nights,'>"
        assert row in text
        head, tail = text.split(row, 1)
        tail = tail.replace("data-v='27'>27<", "data-v='27'>72<", 1)
        path.write_text(head + row + tail)

    out = _tampered(monitored_season, tmp_path, "index.html", edit)
    assert f"violation: index.html ({W}, bed_nights, total): actual shown 72, monitor.csv 27" in out


def test_as_of_reads_the_ledger_up_to_that_day(
    monitored_season: Path, tiny_season_run: Path, tmp_path: Path
) -> None:
    """As of Tue 7 July: W02's arrival (8th) and W05's departure (9th) are not known yet. W02,
    due on the 6th, has not come: none of his 7 nights; W05 keeps her planned 5: FA 14, FB 10."""
    base = monitored_season.parent
    with Ledger.open(base / "ledger.sqlite") as led:
        mon = compute(tiny_season_run, led, [base / "days"], date(2026, 7, 7))
    figs = {(f.week, f.indicator, f.breakdown): f for f in mon.figures}
    assert _pa(figs, "bed_nights") == (31, 24)
    assert _pa(figs, "bed_nights", "site:FA") == (21, 14)
    assert _pa(figs, "taken_in") == (5, 4)
    assert figs[W, "bed_nights", ""].source == "ledger+plan"  # known for the 6th and 7th only
    assert (mon.inputs["as_of"], mon.inputs["as_of_given"]) == ("2026-07-07", True)
    out = tmp_path / "m"
    code, text = _cli(
        "monitor",
        str(tiny_season_run),
        "--ledger",
        str(base / "ledger.sqlite"),
        "--days",
        str(base / "days"),
        "--as-of",
        "2026-07-07",
        "--out",
        str(out),
    )
    assert code == 0, text
    assert _cli("monitor", "--verify", str(out))[0] == 0
    m = json.loads((monitored_season / "manifest.json").read_text())
    assert (m["inputs"]["as_of"], m["inputs"]["as_of_given"]) == ("2026-07-09", False)


def test_verify_reads_a_postgres_ledger(
    monitored_season: Path,
    tiny_season_run: Path,
    pg_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fortnight's rows on a PostgreSQL ledger (same events, so the same chain): the same
    figures; `--verify` reads the server itself (psycopg, one read-only snapshot) through the
    recorded URL (recorded without its password), $FORESTERIE_LEDGER_URL or --ledger, also as
    an account that may only SELECT; an UPDATE by the owner with the triggers disabled is caught;
    the password is in no message and no file."""
    import psycopg

    from foresterie.ops.ledger import redact_url

    base, secret = monitored_season.parent, "pw-Secr3t"
    url = pg_url.replace("postgresql://postgres@", f"postgresql://postgres:{secret}@", 1)
    with Ledger.open(base / "ledger.sqlite") as src:
        meta, events = src.meta(), src.events()
    binding = {"name": meta["season_name"], "run_manifest_sha256": meta["season_run"]}
    with Ledger.open(url, binding) as led:
        led.append(events)
    out = tmp_path / "m"
    days = ["--days", str(base / "days")]
    code, text = _cli("monitor", str(tiny_season_run), "--ledger", url, *days, "--out", str(out))
    assert code == 0, text
    assert (out / "monitor.csv").read_bytes() == (monitored_season / "monitor.csv").read_bytes()
    recorded = json.loads((out / "manifest.json").read_text())["inputs"]["ledger"]
    assert recorded["path"] == redact_url(url) and ":***@" in recorded["path"]
    assert _cli("monitor", "--verify", str(out)) == (0, f"ok: {out}: every check passed\n")
    monkeypatch.setenv("FORESTERIE_LEDGER_URL", url)
    assert _cli("monitor", "--verify", str(out))[0] == 0
    monkeypatch.delenv("FORESTERIE_LEDGER_URL")
    schema = pg_url.rsplit("%3D", 1)[1]
    auditor = f"aud_{schema[2:]}"
    with psycopg.connect(pg_url, autocommit=True) as owner:
        owner.execute(f"CREATE ROLE {auditor} LOGIN")
        owner.execute(f"GRANT USAGE ON SCHEMA {schema} TO {auditor}")
        owner.execute(f"GRANT SELECT ON ledger_events, ledger_meta TO {auditor}")
    try:
        as_auditor = pg_url.replace("postgresql://postgres@", f"postgresql://{auditor}@", 1)
        assert _cli("monitor", "--verify", str(out), "--ledger", as_auditor)[0] == 0
    finally:
        with psycopg.connect(pg_url, autocommit=True) as owner:
            owner.execute(f"DROP OWNED BY {auditor}")
            owner.execute(f"DROP ROLE {auditor}")
    with psycopg.connect(pg_url, autocommit=True) as owner:  # the owner, guard lifted
        owner.execute("ALTER TABLE ledger_events DISABLE TRIGGER USER")
        owner.execute("UPDATE ledger_events SET day = '2026-07-10' WHERE seq = 6")
    code, text = _cli("monitor", "--verify", str(out), "--ledger", url)
    assert code == 1 and "violation: ledger row 6: content does not match its hash (edited)" in text
    down = "postgresql://ops:pw-Secr3t@127.0.0.1:1/season?connect_timeout=5"
    code, text = _cli("monitor", "--verify", str(out), "--ledger", down)
    assert code == 2 and len(text.strip().splitlines()) == 1, text
    assert "postgresql://ops:***@127.0.0.1:1/season" in text
    assert secret not in text
    assert [p for p in out.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()] == []


def test_verify_after_a_purge_checks_what_remains(monitored_season: Path, tmp_path: Path) -> None:
    """W05 (left on the 9th) purged from a copy of the ledger after the monitor was published:
    the figures cannot be recomputed any more (said, exit 0); the chain and the outputs still
    are checked."""
    import shutil

    from foresterie.ops.ledger import purge_before

    led = tmp_path / "ledger.sqlite"
    shutil.copyfile(monitored_season.parent / "ledger.sqlite", led)
    with Ledger.open(led) as ledger:
        assert purge_before(ledger, date(2026, 7, 14), workers={"W05"}) == 3  # 2 check-ins, list
    copy = tmp_path / "m"
    shutil.copytree(monitored_season, copy)
    m = json.loads((copy / "manifest.json").read_text())
    m["inputs"]["ledger"]["path"] = str(led)
    (copy / "manifest.json").write_text(dumps_json(m))
    code, out = _cli("monitor", "--verify", str(copy))
    assert code == 0, out
    assert "not checked: the figures: purged for retention since publication (3 ledger rows" in out
    (copy / "days.csv").write_text((copy / "days.csv").read_text() + "x\n")
    code, out = _cli("monitor", "--verify", str(copy))
    assert code == 1 and "days.csv: changed after publication" in out, out


@pytest.mark.parametrize("over", ["season", "days"])
def test_monitor_never_writes_over_what_it_reads(
    monitored_season: Path, tiny_season_run: Path, tmp_path: Path, over: str
) -> None:
    """Session 8: `monitor RUN --out RUN --force` replaced the season run by the monitor folder
    (and `--out` a folder of day runs, those day runs)."""
    run, led = tmp_path / "season", tmp_path / "ledger.sqlite"
    shutil.copytree(tiny_season_run, run)
    days = tmp_path / "days"
    shutil.copytree(monitored_season.parent / "days", days)
    shutil.copyfile(monitored_season.parent / "ledger.sqlite", led)
    target = run if over == "season" else days
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    code, out = _cli(
        "monitor",
        str(run),
        "--ledger",
        str(led),
        "--days",
        str(days),
        "--out",
        str(target),
        "--force",
    )
    what = "the season run" if over == "season" else "a folder of day runs read"
    assert code == 2
    assert out.strip() == (
        f"error: {target}: --out: is or holds {what}, which --force would delete; "
        "write to another folder"
    )
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_the_workbooks_notes_say_what_is_computed(monitored_season: Path) -> None:
    """Review 16: the notes still said worker-days came from the lists where imported, and
    overflow "also people who checked in without a bed", after session 16 counted worker-days
    vehicle by vehicle and overflow night by night; the Italian workbook (the default) now says
    both, as the README's definitions do."""
    from openpyxl import load_workbook

    ws = load_workbook(monitored_season / "monitor.xlsx")["Note"]
    notes = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "mezzo per mezzo" in notes and "notte per notte" in notes
    assert "ogni persona una volta" in notes
    assert "anche le persone arrivate senza posto letto" not in notes
    page = (monitored_season / "index.html").read_text(encoding="utf-8")
    assert "mezzo per mezzo" in page


def test_the_ledgers_last_day_is_its_last_fact_not_a_day_ahead() -> None:
    """A booking, a cancellation, a heat alert, a day plan or a file import names a day ahead:
    the monitor's default "as of" is the last day something was recorded as lived (review 19 R,
    MEDIUM-2: one booking for the 18th read the 15th-18th as lived, people due then "not
    taken in")."""
    from foresterie.ops.ledger import KINDS, Event
    from foresterie.ops.monitor import FACTS, last_day

    lived = [Event(kind="arrival", day=date(2027, 7, 14), worker_id="W1")]
    ahead = [
        Event(kind="booking", day=date(2027, 7, 18), worker_id="W2", leg="round"),
        Event(kind="cancellation", day=date(2027, 7, 19), worker_id="W2", leg="round"),
        Event(kind="heat_alert", day=date(2027, 7, 20), note="declared"),
        Event(kind="day_plan", day=date(2027, 7, 15), note="x" * 64),
        Event(kind="file_import", day=date(2027, 7, 18), note="y" * 64),
    ]
    assert last_day(lived + ahead) == date(2027, 7, 14)
    assert last_day(ahead) is None
    assert last_day([*lived, Event(kind="breakdown", day=date(2027, 7, 16))]) == date(2027, 7, 16)
    assert set(KINDS) >= FACTS


def test_a_booking_ahead_does_not_move_the_monitors_as_of(
    monitored_season: Path, tiny_season_run: Path, tmp_path: Path
) -> None:
    """The same ledger with a booking for the 20th: the monitor still reads up to the 9th, and
    `monitor --verify` recomputes that day by its own rule."""
    base = monitored_season.parent
    led = tmp_path / "ledger.sqlite"
    shutil.copy(base / "ledger.sqlite", led)
    booking = tmp_path / "bookings.csv"
    booking.write_text(
        "date,worker_id,action,leg,farm_id,origin,booked_by\n2026-07-20,W01,book,round,,,worker\n"
    )
    code, text = _cli("ledger", "import", str(tiny_season_run), str(booking), "--ledger", str(led))
    assert code == 0, text
    out = tmp_path / "m"
    args = ["--ledger", str(led), "--days", str(base / "days"), "--out", str(out)]
    code, text = _cli("monitor", str(tiny_season_run), *args)
    assert code == 0 and "as of 2026-07-09" in text, text
    m = json.loads((out / "manifest.json").read_text())
    assert (m["inputs"]["as_of"], m["inputs"]["as_of_given"]) == ("2026-07-09", False)
    assert _cli("monitor", "--verify", str(out), "--ledger", str(led))[0] == 0
