"""The sweep report: one box plot per KPI across decisions (report/index.html), inline SVG."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from foresterie.core.files import write_text
from foresterie.core.i18n import N_, Lang, lang
from foresterie.report.html import CSS, KPI_GROUPS, _table
from foresterie.report.page import page_head
from foresterie.scenario.load import read_config
from foresterie.sweep.members import Sweep
from foresterie.sweep.tables import kpi_columns, quantile_rows


def boxes_svg(groups: list[tuple[str, list[float]]], lg: Lang, width: int = 520) -> str:
    """Horizontal box plots: whiskers 5th-95th percentile, box 25th-75th, a line at the median,
    one dot per member beyond the whiskers."""
    values = [v for _, vs in groups for v in vs]
    if not values:
        return f"<p class='note'>{escape(lg._('no member solved'))}</p>"
    lo, hi = min(values), max(values)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    pad_l, pad_r, row_h = 170, 20, 26
    height = row_h * len(groups) + 24

    def x(v: float) -> float:
        return round(pad_l + (v - lo) / (hi - lo) * (width - pad_l - pad_r), 1)

    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img'>"]
    for frac in (0.0, 0.5, 1.0):
        v = lo + frac * (hi - lo)
        out.append(
            f"<line x1='{x(v)}' x2='{x(v)}' y1='0' y2='{height - 16}' stroke='#eee'/>"
            f"<text x='{x(v)}' y='{height - 4}' text-anchor='middle'>{escape(lg.dec(v))}</text>"
        )
    for i, (label, vs) in enumerate(groups):
        y = 6 + i * row_h
        mid = y + row_h / 2 - 4
        out.append(f"<text x='{pad_l - 6}' y='{mid + 4}' text-anchor='end'>{escape(label)}</text>")
        if not vs:
            continue
        p5, p25, p50, p75, p95 = (float(np.quantile(vs, q)) for q in (0.05, 0.25, 0.5, 0.75, 0.95))
        title = lg._("{decision}: median {p50}, 5-95 % {p5}–{p95}, {n} members").format(
            decision=label, p50=lg.dec(p50), p5=lg.dec(p5), p95=lg.dec(p95), n=len(vs)
        )
        out.append(
            f"<g data-decision='{escape(label)}' data-median='{round(p50, 3)}'>"
            f"<title>{escape(title)}</title>"
            f"<line x1='{x(p5)}' x2='{x(p95)}' y1='{mid}' y2='{mid}' stroke='#555'/>"
            f"<rect x='{x(p25)}' y='{y + 2}' width='{max(x(p75) - x(p25), 1)}' "
            f"height='{row_h - 12}' fill='#90caf9' stroke='#1565c0'/>"
            f"<line x1='{x(p50)}' x2='{x(p50)}' y1='{y + 2}' y2='{y + row_h - 10}' "
            "stroke='#0d47a1' stroke-width='2'/>"
        )
        out += [
            f"<circle cx='{x(v)}' cy='{mid}' r='2' fill='#c62828'/>"
            for v in vs
            if v < p5 or v > p95
        ]
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def write_sweep_report(sweep: Sweep, out: Path, rows: list[dict[str, Any]]) -> Path:
    """report/index.html in the base scenario's `[report] lang` (Italian by default)."""
    lg = lang(read_config(sweep.base).report.lang)
    _ = lg._
    names = {k: _(label) for _group, kpis in KPI_GROUPS for k, label, _unit in kpis}
    labels = list(dict.fromkeys(r["decision"] for r in rows))
    charts = []
    for col in kpi_columns():
        groups = [
            (lab, [float(r[col]) for r in rows if r["decision"] == lab and r["status"] == "ok"])
            for lab in labels
        ]
        head = escape(names.get(col, col)) + f" <code>{escape(col)}</code>"
        charts.append(f"<div class='chart'><h3>{head}</h3>{boxes_svg(groups, lg)}</div>")
    failed = [[r["member"], r["decision"], r["error"]] for r in rows if r["status"] != "ok"]
    spec = sweep.spec
    title = _("Sweep {name}").format(name=spec.sweep.name)
    note = _(
        "Base {base}, seed {seed}, {draws} draws x {decisions} decisions = {members} members; "
        "{ok} solved and verified, {failed} failed. Draw k is the same random season under "
        "every decision. Boxes: 25th-75th percentile; whiskers 5th-95th; red dots: members "
        "beyond them."
    ).format(
        base=spec.sweep.base,
        seed=spec.sweep.seed,
        draws=spec.sweep.draws,
        decisions=len(labels),
        members=len(rows),
        ok=len(rows) - len(failed),
        failed=len(failed),
    )
    html = "\n".join(
        [
            page_head(code=lg.code, direction=lg.dir, title=title, css=CSS),
            f"<h1>{escape(title)}</h1>",
            f"<p class='note'>{escape(note)}</p>",
            "<p><a href='../results.csv'>results.csv</a> · <a href='../quantiles.csv'>quantiles.csv</a>"
            " · <a href='../results.parquet'>results.parquet</a></p>",
            f"<div class='grid'>{''.join(charts)}</div>",
            f"<h2>{escape(_('Quantiles'))}</h2>",
            _table(
                [N_("decision"), N_("KPI"), N_("members ok"), N_("mean"), "p05", "p50", "p95"],
                quantile_rows(rows),
                lg,
            ),
            f"<h2>{escape(_('Failed members'))}</h2>",
            _table([N_("member"), N_("decision"), N_("error")], failed, lg),
            "</body></html>\n",
        ]
    )
    write_text(out / "report" / "index.html", html)
    return out / "report" / "index.html"
