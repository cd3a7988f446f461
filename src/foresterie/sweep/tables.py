"""Sweep tables: one row per member (results.csv / .parquet), quantiles per decision and KPI,
timings; identical whatever the number of workers."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from foresterie.core.files import write_text
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
    ("transport", "days_fleet_short"),
    ("transport", "transport_cost_eur"),
    ("transport", "cost_per_worker_day_eur"),
)
QUANTILES = (0.05, 0.5, 0.95)


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


def write_tables(sweep: Sweep, out: Path, rows: list[dict[str, Any]]) -> None:
    """results.csv and results.parquet (one row per member, sorted by id, no timings), timings.csv,
    quantiles.csv; identical whatever the number of workers."""
    import pandas as pd

    cols = table_columns(rows)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([_cell(r.get(c, "")) for c in cols])
    write_text(out / "results.csv", buf.getvalue())
    frame = pd.read_csv(io.StringIO(buf.getvalue()), dtype={"error": str})
    frame.to_parquet(out / "results.parquet", index=False)
    q = io.StringIO()
    w = csv.writer(q, lineterminator="\n")
    w.writerow(["decision", "kpi", "members_ok", "mean", "p05", "p50", "p95"])
    w.writerows(quantile_rows(rows))
    write_text(out / "quantiles.csv", q.getvalue())
    t = io.StringIO()
    w = csv.writer(t, lineterminator="\n")
    w.writerow(["member", "wall_s"])
    w.writerows([[r["member"], r.get("wall_s", "")] for r in rows])
    write_text(out / "timings.csv", t.getvalue())


def _cell(v: Any) -> Any:
    return ("true" if v else "false") if isinstance(v, bool) else v
