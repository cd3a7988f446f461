"""Sweep tables: one row per member (results.csv / .parquet), quantiles per decision and KPI,
the paired differences per draw against the baseline decision (paired.csv,
paired_quantiles.csv), timings; identical whatever the number of workers."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from foresterie.core.files import csv_cell, write_text
from foresterie.sweep.members import Sweep

KPIS = (
    ("housing", "housed"),
    ("housing", "waitlisted"),
    ("housing", "occupancy_pct"),
    ("housing", "peak_occupancy_permille"),
    ("housing", "commute_minutes"),
    ("transport", "trips"),
    ("transport", "vehicle_km"),
    ("transport", "vehicles_per_day_peak"),
    ("transport", "unserved_rider_trips"),
    ("transport", "left_behind_never_carried"),
    ("transport", "days_fleet_short"),
    ("transport", "transport_cost_eur"),
    ("transport", "cost_per_worker_day_eur"),
)
QUANTILES = (0.05, 0.5, 0.95)
# The decimals a reader is shown of each KPI in the report (the CSV files keep the exact
# figures): whole people, trips, km and euros; a tenth of a percent; cents per worker-day.
SHOWN_DIGITS = {
    "housing.housed": 0,
    "housing.waitlisted": 0,
    "housing.occupancy_pct": 1,
    "housing.peak_occupancy_permille": 0,
    "housing.commute_minutes": 0,
    "transport.trips": 0,
    "transport.vehicle_km": 0,
    "transport.vehicles_per_day_peak": 0,
    "transport.unserved_rider_trips": 0,
    "transport.left_behind_never_carried": 0,
    "transport.days_fleet_short": 0,
    "transport.transport_cost_eur": 0,
    "transport.cost_per_worker_day_eur": 2,
}
# KPIs that count whole things (people, trips, vehicles, days, per-mille of beds): a reader is
# shown them as whole numbers (`whole_range`).
WHOLE = frozenset(
    {
        "housing.housed",
        "housing.waitlisted",
        "housing.peak_occupancy_permille",
        "transport.trips",
        "transport.vehicles_per_day_peak",
        "transport.unserved_rider_trips",
        "transport.left_behind_never_carried",
        "transport.days_fleet_short",
    }
)


def kpi_columns() -> list[str]:
    return [f"{part}.{key}" for part, key in KPIS]


def table_columns(rows: list[dict[str, Any]]) -> list[str]:
    decisions = sorted({k for r in rows for k in r if k.startswith("decision.")})
    return [
        "member",
        "decision",
        *decisions,
        "draw",
        "scenario_hash",
        "status",
        "error",
        *kpi_columns(),
    ]


def quantile_rows(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """Per decision and KPI: members ok, mean, 5th, 50th and 95th percentile (linear)."""
    import numpy as np

    out = []
    labels = list(dict.fromkeys(r["decision"] for r in rows))
    for label in labels:
        ok = [r for r in rows if r["decision"] == label and r["status"] == "ok"]
        for col in kpi_columns():
            vals = np.array([float(r[col]) for r in ok], dtype=float)
            if len(vals) == 0:
                out.append([label, col, 0, "", "", "", ""])
                continue
            qs = [round(float(np.quantile(vals, q)), 3) for q in QUANTILES]
            out.append([label, col, len(vals), round(float(vals.mean()), 3), *qs])
    return out


def whole_range(p05: float, p50: float, p95: float) -> tuple[int, int, int]:
    """Quantiles of a whole-number KPI as a planner reads them: the 5th percentile rounded down,
    the 95th up (the range never narrows), the median to the nearest whole, halves away from
    zero (35.5 people -> 36, -10.5 -> -11). Two members 35 and 37 read 35..37, not 35.1..36.9."""
    lo, mid, hi = shown_range(p05, p50, p95, 0)
    return int(lo), int(mid), int(hi)


def shown_range(p05: float, p50: float, p95: float, digits: int) -> tuple[float, float, float]:
    """`whole_range` to `digits` decimals: 5th percentile down, 95th up, median nearest."""
    k = 10**digits
    mid = math.copysign(math.floor(abs(p50) * k + 0.5), p50) / k
    return math.floor(p05 * k + 1e-9) / k, mid, math.ceil(p95 * k - 1e-9) / k


def baseline_label(rows: list[dict[str, Any]]) -> str | None:
    """The baseline decision: the grid's first (the first value of every decision in the sweep
    file; README, Sweeps), against which the others are paired draw by draw."""
    return rows[0]["decision"] if rows else None


def paired_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per decision other than the baseline and per draw: the member's KPIs minus the baseline's
    on the same draw (the same random season: the same people, arrivals, no-shows and heat), or
    no figures when either member failed."""
    base = baseline_label(rows)
    by_draw = {r["draw"]: r for r in rows if r["decision"] == base}
    out = []
    for r in rows:
        if r["decision"] == base:
            continue
        b = by_draw.get(r["draw"])
        paired = b is not None and r["status"] == "ok" and b["status"] == "ok"
        diff: dict[str, Any] = {
            "decision": r["decision"],
            "baseline": base,
            "draw": r["draw"],
            "member": r["member"],
            "baseline_member": b["member"] if b else "",
            "paired": paired,
        }
        for col in kpi_columns():
            diff[col] = _difference(r[col], b[col]) if paired and b else ""
        out.append(diff)
    return out


def _difference(a: Any, b: Any) -> float | int:
    """a - b, exact for whole numbers and to 1/1000 for the KPIs in cents and tenths (0.1 + 0.2
    written as 0.30000000000000004 would read as a figure nobody measured)."""
    if isinstance(a, int) and isinstance(b, int):
        return a - b
    return round(float(a) - float(b), 3)


def paired_quantile_rows(paired: list[dict[str, Any]]) -> list[list[Any]]:
    """Per decision and KPI: draws paired, mean, 5th, 50th and 95th percentile (linear) of the
    differences per draw."""
    import numpy as np

    out = []
    for label in dict.fromkeys(p["decision"] for p in paired):
        ok = [p for p in paired if p["decision"] == label and p["paired"]]
        base = ok[0]["baseline"] if ok else paired[0]["baseline"]
        for col in kpi_columns():
            vals = np.array([float(p[col]) for p in ok], dtype=float)
            if len(vals) == 0:
                out.append([label, base, col, 0, "", "", "", ""])
                continue
            qs = [round(float(np.quantile(vals, q)), 3) for q in QUANTILES]
            out.append([label, base, col, len(vals), round(float(vals.mean()), 3), *qs])
    return out


def write_tables(sweep: Sweep, out: Path, rows: list[dict[str, Any]]) -> None:
    """results.csv and results.parquet (one row per member, sorted by id, no timings), timings.csv,
    quantiles.csv, paired.csv and paired_quantiles.csv; identical whatever the number of
    workers. Text cells a spreadsheet would run as a formula are written with an apostrophe
    (`csv_cell`), in the CSV files only."""
    import pandas as pd

    cols = table_columns(rows)
    buf, plain = io.StringIO(), io.StringIO()
    w, wp = csv.writer(buf, lineterminator="\n"), csv.writer(plain, lineterminator="\n")
    w.writerow(cols)
    wp.writerow(cols)
    for r in rows:
        w.writerow([csv_cell(_cell(r.get(c, ""))) for c in cols])
        wp.writerow([_cell(r.get(c, "")) for c in cols])
    write_text(out / "results.csv", buf.getvalue())
    frame = pd.read_csv(io.StringIO(plain.getvalue()), dtype={"error": str})
    frame.to_parquet(out / "results.parquet", index=False)
    paired = paired_rows(rows)
    pcols = ["decision", "baseline", "draw", "member", "baseline_member", "paired", *kpi_columns()]
    p = io.StringIO()
    w = csv.writer(p, lineterminator="\n")
    w.writerow(pcols)
    w.writerows([[csv_cell(_cell(d[c])) for c in pcols] for d in paired])
    write_text(out / "paired.csv", p.getvalue())
    pq = io.StringIO()
    w = csv.writer(pq, lineterminator="\n")
    w.writerow(["decision", "baseline", "kpi", "draws_paired", "mean", "p05", "p50", "p95"])
    w.writerows([[csv_cell(c) for c in r] for r in paired_quantile_rows(paired)])
    write_text(out / "paired_quantiles.csv", pq.getvalue())
    q = io.StringIO()
    w = csv.writer(q, lineterminator="\n")
    w.writerow(["decision", "kpi", "members_ok", "mean", "p05", "p50", "p95"])
    w.writerows([[csv_cell(c) for c in r] for r in quantile_rows(rows)])
    write_text(out / "quantiles.csv", q.getvalue())
    t = io.StringIO()
    w = csv.writer(t, lineterminator="\n")
    w.writerow(["member", "wall_s"])
    w.writerows([[r["member"], r.get("wall_s", "")] for r in rows])
    write_text(out / "timings.csv", t.getvalue())


def _cell(v: Any) -> Any:
    return ("true" if v else "false") if isinstance(v, bool) else v
