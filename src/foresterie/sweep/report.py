"""The sweep report: one box plot per KPI across decisions (report/index.html), inline SVG."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from foresterie.core.files import write_text
from foresterie.core.i18n import N_, Lang, lang
from foresterie.report.html import CSS, _table
from foresterie.report.page import page_head
from foresterie.scenario.load import read_config
from foresterie.sweep.members import Member, Sweep, members
from foresterie.sweep.tables import kpi_columns, quantile_rows

# The sweep's KPIs as a reader names them: a member may be a window of a few days, so nothing
# here says "season".
KPI_NAMES = {
    "housing.housed": N_("housed"),
    "housing.waitlisted": N_("waitlisted"),
    "housing.occupancy_pct": N_("occupancy over the days solved (%)"),
    "housing.peak_occupancy_permille": N_("fullest foresteria-night (per mille)"),
    "housing.commute_minutes": N_("commute of all housed workers (minutes)"),
    "transport.trips": N_("trips"),
    "transport.vehicle_km": N_("distance driven (km)"),
    "transport.vehicles_per_day_peak": N_("vehicles on the busiest day"),
    "transport.unserved_rider_trips": N_("rides not served (one way)"),
    "transport.days_fleet_short": N_("days the fleet was proven short (at any foresteria)"),
    "transport.transport_cost_eur": N_("transport cost (EUR)"),
    "transport.cost_per_worker_day_eur": N_("cost per worker-day (EUR)"),
}


def decision_words(m: Member, lg: Lang) -> str:
    """A member's decision as a reader says it: "FR-BMZ open, 2 minibuses added"."""
    _ = lg._
    parts = []
    for key, value in m.decision:
        if key.startswith("open_"):
            fid = key.removeprefix("open_")
            parts.append((_("{id} open") if value else _("{id} closed")).format(id=fid))
        elif key == "beds_scale":
            parts.append(_("beds x {scale}").format(scale=lg.dec(float(value))))
        elif key == "minibuses_added":
            n = int(value)
            words = lg.ngettext(
                "{n} minibus added per foresteria", "{n} minibuses added per foresteria", n
            )
            parts.append(words.format(n=n))
    return ", ".join(parts) or _("the base scenario")


def boxes_svg(groups: list[tuple[str, list[float]]], lg: Lang, width: int = 410) -> str:
    """Horizontal box plots: whiskers 5th-95th percentile, box 25th-75th, a line at the median,
    one dot per member beyond the whiskers. Each decision is written whole on its own line
    above its box (a label beside it was cut at the page's edge)."""
    values = [v for _, vs in groups for v in vs]
    if not values:
        return f"<p class='note'>{escape(lg._('no member solved'))}</p>"
    lo, hi = min(values), max(values)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    pad_l, pad_r, row_h, box_h = 24, 24, 42, 14
    height = row_h * len(groups) + 24

    def x(v: float) -> float:
        return round(pad_l + (v - lo) / (hi - lo) * (width - pad_l - pad_r), 1)

    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' "
        f"width='{width}' height='{height}' style='max-width:100%;height:auto' role='img'>"
    ]
    for frac in (0.0, 0.5, 1.0):
        v = lo + frac * (hi - lo)
        out.append(
            f"<line x1='{x(v)}' x2='{x(v)}' y1='0' y2='{height - 16}' stroke='#eee'/>"
            f"<text x='{x(v)}' y='{height - 4}' text-anchor='middle'>{escape(lg.dec(v))}</text>"
        )
    for i, (label, vs) in enumerate(groups):
        y = 4 + i * row_h
        mid = y + 22 + box_h / 2
        tx = width - 4 if lg.rtl else 4  # "start" follows the page's direction
        out.append(f"<text x='{tx}' y='{y + 12}' text-anchor='start'>{escape(label)}</text>")
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
            f"<rect x='{x(p25)}' y='{y + 22}' width='{max(x(p75) - x(p25), 1)}' "
            f"height='{box_h}' fill='#90caf9' stroke='#1565c0'/>"
            f"<line x1='{x(p50)}' x2='{x(p50)}' y1='{y + 20}' y2='{y + 24 + box_h}' "
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


def _cell(v: Any, lg: Lang) -> Any:
    return lg.dec(v) if isinstance(v, float) else v


def write_sweep_report(
    sweep: Sweep, out: Path, rows: list[dict[str, Any]], loose: dict[str, int] | None = None
) -> Path:
    """report/index.html in the base scenario's `[report] lang` (Italian by default); `loose`:
    member id -> people whose housing inside the window is not judged as on their real stays."""
    lg = lang(read_config(sweep.base).report.lang)
    _ = lg._
    words = {m.decision_label: decision_words(m, lg) for m in members(sweep)}
    labels = list(dict.fromkeys(r["decision"] for r in rows))
    charts = []
    for col in kpi_columns():
        groups = [
            (
                words.get(lab, lab),
                [float(r[col]) for r in rows if r["decision"] == lab and r["status"] == "ok"],
            )
            for lab in labels
        ]
        head = escape(_(KPI_NAMES[col]))
        charts.append(f"<div class='chart'><h3>{head}</h3>{boxes_svg(groups, lg)}</div>")
    failed = [
        [r["member"], words.get(r["decision"], r["decision"]), r["error"]]
        for r in rows
        if r["status"] != "ok"
    ]
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
    notes = [f"<p class='note'>{escape(note)}</p>"]
    if spec.sweep.window is not None:
        w0, w1 = spec.sweep.window
        notes.append(
            "<p class='note'>"
            + escape(
                _(
                    "Each member is solved for the nights {first} to {last} only; who may have "
                    "a bed is judged on each person's whole stay (the minimum nights of a stay), "
                    "not on the nights inside this window."
                ).format(first=lg.date(w0), last=lg.date(w1))
            )
            + "</p>"
        )
    if loose:
        notes.append(
            "<p class='note'>"
            + escape(
                _(
                    "Members with people who could not be judged on their whole stay (a stay or "
                    "an opening shorter than the minimum near the window's edges): {members}, "
                    "people: {people}. Their beds inside the window may differ from the season's."
                ).format(members=len(loose), people=sum(loose.values()))
            )
            + "</p>"
        )
    quantiles = [
        [words.get(q[0], q[0]), _(KPI_NAMES[q[1]]), q[2], *(_cell(v, lg) for v in q[3:])]
        for q in quantile_rows(rows)
    ]
    parts = [
        page_head(code=lg.code, direction=lg.dir, title=title, css=CSS),
        f"<h1>{escape(title)}</h1>",
        *notes,
        "<p><a href='../results.csv'>results.csv</a> · <a href='../quantiles.csv'>quantiles.csv</a>"
        " · <a href='../results.parquet'>results.parquet</a></p>",
        f"<div class='grid'>{''.join(charts)}</div>",
        f"<h2>{escape(_('Quantiles'))}</h2>",
        _table(
            [N_("decision"), N_("KPI"), N_("members ok"), N_("mean"), "p05", "p50", "p95"],
            quantiles,
            lg,
        ),
    ]
    if failed:  # no heading over an empty table
        parts += [
            f"<h2>{escape(_('Failed members'))}</h2>",
            _table([N_("member"), N_("decision"), N_("error")], failed, lg),
        ]
    parts.append("</body></html>\n")
    write_text(out / "report" / "index.html", "\n".join(parts))
    return out / "report" / "index.html"
