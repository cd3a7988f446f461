"""The sweep report (report/index.html): each decision against the baseline draw by draw (the
paired differences), one box plot per KPI across decisions (inline SVG), the quantiles."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from foresterie.core.files import write_text
from foresterie.core.i18n import N_, Lang, lang
from foresterie.report.html import CSS as PAGE_CSS
from foresterie.report.html import _table
from foresterie.report.page import page_head
from foresterie.scenario.load import read_config
from foresterie.sweep.members import Member, Sweep, members
from foresterie.sweep.tables import (
    SHOWN_DIGITS,
    WHOLE,
    baseline_label,
    kpi_columns,
    paired_quantile_rows,
    paired_rows,
    quantile_rows,
    shown_range,
)
from foresterie.sweep.window import NOT_JUDGED_LIMIT

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
    # review 20 T: opening a site no vehicle serves reads "housed +29" and nothing else
    "transport.left_behind_never_carried": N_("people never carried (left behind every day)"),
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


def boxes_svg(
    groups: list[tuple[str, list[float]]],
    lg: Lang,
    width: int = 410,
    whole: bool = False,
    digits: int | None = None,
    zero: bool = False,
) -> str:
    """Horizontal box plots: whiskers 5th-95th percentile, box 25th-75th, a line at the median,
    one dot per member beyond the whiskers. Each decision is written whole on its own line
    above its box (a label beside it was cut at the page's edge). A KPI with one value in every
    member is said as that value (review 15: a KPI 0 everywhere was drawn on an axis -1..1);
    `whole`: a count, whose quantiles are said as whole numbers (`tables.whole_range`) and
    whose axis has no tick at half a person; `digits`: the decimals shown (`SHOWN_DIGITS`),
    the range rounded outward; None: up to 3 decimals, unrounded. `zero`: the values are
    differences against a baseline (signed, "+3"): the axis always holds 0, drawn as a dark line
    (the baseline), so a box left or right of it reads "less" or "more" at a glance."""
    if whole and digits is None:
        digits = 0
    values = [v for _, vs in groups for v in vs]
    if not values:
        return f"<p class='note'>{escape(lg._('no member solved'))}</p>"
    lo, hi = min(values), max(values)
    if hi == lo:
        said = (lg._("{value} in every draw") if zero else lg._("{value} in every member")).format(
            value=_figure(lo, lg, digits, sign=zero)
        )
        return f"<p class='value'>{escape(said)}</p>"
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    pad_l, pad_r, row_h, box_h = 24, 24, 42, 14
    height = row_h * len(groups) + 24

    def x(v: float) -> float:
        return round(pad_l + (v - lo) / (hi - lo) * (width - pad_l - pad_r), 1)

    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' "
        f"width='{width}' height='{height}' style='max-width:100%;height:auto' role='img'>"
    ]
    ticks = [lo, 0.0, hi] if zero else [lo + frac * (hi - lo) for frac in (0.0, 0.5, 1.0)]
    for v in dict.fromkeys(ticks):
        if whole and v != int(v):
            continue  # no tick at half a person
        base = zero and v == 0.0  # the baseline: a dark line across every box
        out.append(
            f"<line x1='{x(v)}' x2='{x(v)}' y1='0' y2='{height - 16}' stroke='#333' "
            "stroke-width='1.5' data-baseline='0'/>"
            if base
            else f"<line x1='{x(v)}' x2='{x(v)}' y1='0' y2='{height - 16}' stroke='#eee'/>"
        )
        out.append(
            f"<text x='{x(v)}' y='{height - 4}' text-anchor='middle'>"
            f"{escape(_figure(v, lg, digits, sign=zero))}</text>"
        )
    for i, (label, vs) in enumerate(groups):
        y = 4 + i * row_h
        mid = y + 22 + box_h / 2
        tx = width - 4 if lg.rtl else 4  # "start" follows the page's direction
        out.append(f"<text x='{tx}' y='{y + 12}' text-anchor='start'>{escape(label)}</text>")
        if not vs:
            continue
        p5, p25, p50, p75, p95 = (float(np.quantile(vs, q)) for q in (0.05, 0.25, 0.5, 0.75, 0.95))
        s5, s50, s95 = _said(p5, p50, p95, lg, digits, sign=zero)
        title = (
            lg._("{decision}: median {p50}, 5-95 % {p5}–{p95}, {n} draws")
            if zero
            else lg._("{decision}: median {p50}, 5-95 % {p5}–{p95}, {n} members")
        ).format(decision=label, p50=s50, p5=s5, p95=s95, n=len(vs))
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


def _figure(v: float, lg: Lang, digits: int | None, sign: bool = False) -> str:
    """A KPI's value (or a difference, `sign`: +3) in the reader's number format, to `digits`
    decimals (None: up to 3)."""
    text = lg.dec(v) if digits is None else lg.num(v, digits)
    shown = v if digits is None else round(v, digits)
    return "+" + text if sign and shown > 0 else text


def _said(
    p5: float, p50: float, p95: float, lg: Lang, digits: int | None, sign: bool = False
) -> tuple[str, str, str]:
    """5th, 50th, 95th percentile as a reader is shown them (`tables.shown_range`)."""
    qs = (p5, p50, p95) if digits is None else shown_range(p5, p50, p95, digits)
    return (
        _figure(qs[0], lg, digits, sign),
        _figure(qs[1], lg, digits, sign),
        _figure(qs[2], lg, digits, sign),
    )


def _quantile_cells(q: list[Any], lg: Lang) -> list[Any]:
    """mean, p05, p50, p95 of quantile_rows as the report shows them (`SHOWN_DIGITS`): the mean
    of a count to a tenth, the quantiles as `_said` says them."""
    if q[-1] == "":
        return q[-4:]
    digits = SHOWN_DIGITS[q[1]]
    mean = _figure(float(q[-4]), lg, digits + (q[1] in WHOLE))
    p05, p50, p95 = (float(v) for v in q[-3:])
    return [mean, *_said(p05, p50, p95, lg, digits)]


def _not_judged_notes(lg: Lang, loose: dict[str, int], people: int) -> tuple[list[str], bool]:
    """The window's unjudged people as the top of the report says them (review 15: "8 members,
    388 people" read as a footnote while 89 % of the people were not judged): n of N and the
    share, and above NOT_JUDGED_LIMIT that the housing figures are not comparable."""
    _ = lg._
    n = sum(loose.values())
    if not n:
        return [], False
    share = n / people if people else 1.0
    notes = [
        "<p class='note'>"
        + escape(
            _(
                "{people} of the {total} people in the members ({share}) could not be judged on "
                "their whole stay, in {members} members: a stay or an opening shorter than the "
                "minimum near the window's edges, or a whole stay across a closing. Their beds "
                "inside the window may differ from the season's."
            ).format(
                people=lg.num(n),
                total=lg.num(people),
                share=lg.pct(100 * share, 0),
                members=lg.num(len(loose)),
            )
        )
        + "</p>"
    ]
    over = share > NOT_JUDGED_LIMIT
    if over:
        notes.insert(
            0,
            "<p class='headline warn'>"
            + escape(
                _(
                    "Housing figures not comparable: {share} of the people in the members were "
                    "not judged on their whole stay (more than {limit}). The housing figures are "
                    "greyed below; the transport figures carry the same beds. To compare housing, "
                    "solve whole seasons: remove window from the sweep file."
                ).format(share=lg.pct(100 * share, 0), limit=lg.pct(100 * NOT_JUDGED_LIMIT, 0))
            )
            + "</p>",
        )
    return notes, over


def _paired_section(
    rows: list[dict[str, Any]], words: dict[str, str], lg: Lang, grey: bool
) -> list[str]:
    """Each decision against the baseline, draw by draw: a row per KPI, a column per decision,
    each cell the median difference per draw and its 5-95 % range ("-10 (-12 … -8)")."""
    _ = lg._
    base = baseline_label(rows)
    paired = paired_rows(rows)
    if base is None or not paired:
        return []
    summary = paired_quantile_rows(paired)
    labels = list(dict.fromkeys(p["decision"] for p in paired))
    by = {(q[0], q[2]): q for q in summary}
    body = []
    for col in kpi_columns():
        name = _(KPI_NAMES[col])
        if grey and col.startswith("housing."):
            name = _("{kpi} (not comparable)").format(kpi=name)
        cells: list[Any] = [name]
        for label in labels:
            q = by[(label, col)]
            if not q[3]:
                cells.append("–")
                continue
            vals = [float(p[col]) for p in paired if p["decision"] == label and p["paired"]]
            digits = SHOWN_DIGITS[col]
            if min(vals) == max(vals):
                value = _figure(vals[0], lg, digits, sign=True)
                cells.append(_("{value} in every draw").format(value=value))
                continue
            s5, s50, s95 = _said(q[5], q[6], q[7], lg, digits, sign=True)
            figures = _("{p50} ({p5} … {p95})").format(p50=s50, p5=s5, p95=s95)
            cells.append(figures.replace(" ", "\u00a0"))  # one line, the table scrolls
        body.append(cells)
    counts = [by[(label, kpi_columns()[0])][3] for label in labels]
    draws = max(p["draw"] for p in paired) + 1
    body.append(
        [_("draws paired")]
        + [_("{n} of {draws}").format(n=lg.num(n), draws=lg.num(draws)) for n in counts]
    )
    note = _(
        "Each decision against {baseline} on the same draws (the same people, arrivals, "
        "no-shows and heat days): the difference per draw is what the decision alone changes. "
        "Median over the draws, in brackets the 5th to 95th percentile, rounded as shown "
        "(people, trips, vehicles, days, km and euros to whole numbers): the 5th percentile "
        "down, the 95th up, the median to the nearest. A draw where either member failed is not "
        "paired. The baseline is the first value of every decision in the sweep file."
    ).format(baseline=words.get(base, base))
    head = [N_("KPI"), *(words.get(label, label) for label in labels)]
    return [
        f"<h2>{escape(_('Against the baseline, draw by draw'))}</h2>",
        f"<p class='note'>{escape(note)}</p>",
        _table(head, body, lg),
        "<p><a href='../paired.csv'>paired.csv</a> · "
        "<a href='../paired_quantiles.csv'>paired_quantiles.csv</a></p>",
        *_paired_charts(paired, labels, words, lg, grey),
    ]


def _paired_charts(
    paired: list[dict[str, Any]],
    labels: list[str],
    words: dict[str, str],
    lg: Lang,
    grey: bool,
) -> list[str]:
    """The paired table drawn: per KPI, a box plot of each decision's differences per draw
    against the baseline, on an axis holding 0 (the baseline, a dark line): a box wholly right
    of it means more in (nearly) every draw, across it means "depends on the season"."""
    _ = lg._
    charts = []
    for i, col in enumerate(kpi_columns()):
        groups = [
            (
                words.get(label, label),
                [float(p[col]) for p in paired if p["decision"] == label and p["paired"]],
            )
            for label in labels
        ]
        head = escape(_(KPI_NAMES[col]))
        muted = grey and col.startswith("housing.")
        if muted:
            head += f" <small>{escape(_('not comparable'))}</small>"
        svg = boxes_svg(groups, lg, whole=col in WHOLE, digits=SHOWN_DIGITS[col], zero=True)
        cls = "chart" + (" muted" if muted else "")
        charts.append(f"<div class='{cls}' data-paired='{i}'><h3>{head}</h3>{svg}</div>")
    note = _(
        "Each box: one decision's difference from the baseline over the draws (25th-75th "
        "percentile; whiskers 5th-95th). The dark line is the baseline (no difference): a box "
        "right of it means more than the baseline in most draws, left of it less, across it "
        "that it depends on the season."
    )
    return [
        f"<h3>{escape(_('The differences drawn'))}</h3>",
        f"<p class='note'>{escape(note)}</p>",
        f"<div class='grid'>{''.join(charts)}</div>",
    ]


CSS = (
    PAGE_CSS
    + """
.value { font-size: 18px; margin: 10px 4px; }
.muted svg, .muted .value { opacity: 0.35; } .muted h3 { color: #777; }
.headline.warn { border-left-color: #c62828; background: #fdecea; }
"""
)


def write_sweep_report(
    sweep: Sweep,
    out: Path,
    rows: list[dict[str, Any]],
    loose: dict[str, int] | None = None,
    people: int = 0,
) -> Path:
    """report/index.html in the base scenario's `[report] lang` (Italian by default); `loose`:
    member id -> people whose housing inside the window is not judged as on their real stays,
    `people`: the people of all the members together."""
    lg = lang(read_config(sweep.base).report.lang)
    _ = lg._
    words = {m.decision_label: decision_words(m, lg) for m in members(sweep)}
    labels = list(dict.fromkeys(r["decision"] for r in rows))
    judged_notes, grey = _not_judged_notes(lg, loose or {}, people)
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
        muted = grey and col.startswith("housing.")
        if muted:
            head += f" <small>{escape(_('not comparable'))}</small>"
        cls = "chart" + (" muted" if muted else "")
        svg = boxes_svg(groups, lg, whole=col in WHOLE, digits=SHOWN_DIGITS[col])
        charts.append(f"<div class='{cls}'><h3>{head}</h3>{svg}</div>")
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
    notes = [*judged_notes, f"<p class='note'>{escape(note)}</p>"]
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
    quantiles = [
        [words.get(q[0], q[0]), _(KPI_NAMES[q[1]]), q[2], *_quantile_cells(q, lg)]
        for q in quantile_rows(rows)
    ]
    parts = [
        page_head(code=lg.code, direction=lg.dir, title=title, css=CSS),
        f"<h1>{escape(title)}</h1>",
        *notes,
        "<p><a href='../results.csv'>results.csv</a> · <a href='../quantiles.csv'>quantiles.csv</a>"
        " · <a href='../results.parquet'>results.parquet</a></p>",
        *_paired_section(rows, words, lg, grey),
        f"<h2>{escape(_('Each decision over the draws'))}</h2>",
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
