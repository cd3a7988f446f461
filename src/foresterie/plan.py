"""Plan files: the CSV/JSON outputs every later stage and the auditor read (byte-stable)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from .housing import HousingPlan
from .model import SECTIONS, Scenario


def _csv(rows: list[list[Any]], header: list[str]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def dumps_json(obj: Any) -> str:
    return json.dumps(obj, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def occupancy_rows(scenario: Scenario, housing: HousingPlan) -> list[list[Any]]:
    """Beds and used per foresteria, open night and section (sections with beds or guests)."""
    used: dict[tuple[str, str, str], int] = {}
    for a in housing.assignments:
        d = a.arrival
        while d < a.departure:
            k = (a.foresteria_id, d.isoformat(), a.section.value)
            used[k] = used.get(k, 0) + 1
            d += timedelta(days=1)
    rows = []
    for f in scenario.foresterie:
        d = f.open_from
        while d <= f.open_to:
            for s in SECTIONS:
                n = used.get((f.id, d.isoformat(), s.value), 0)
                if f.beds(s) or n:
                    rows.append([f.id, d.isoformat(), s.value, f.beds(s), n])
            d += timedelta(days=1)
    return rows


def write_housing(plan_dir: Path, scenario: Scenario, housing: HousingPlan) -> None:
    write_text(plan_dir / "assignments.csv", _csv(
        [[a.worker_id, a.foresteria_id, a.section.value, a.arrival.isoformat(),
          a.departure.isoformat()] for a in housing.assignments],
        ["worker_id", "foresteria_id", "section", "from", "to"]))  # fmt: skip
    write_text(plan_dir / "waitlist.csv", _csv(
        [[e.worker_id, e.priority, e.code, "yes" if e.proven else "no", e.reason]
         for e in housing.waitlist],
        ["worker_id", "priority", "code", "proven", "reason"]))  # fmt: skip
    write_text(plan_dir / "occupancy.csv", _csv(
        occupancy_rows(scenario, housing),
        ["foresteria_id", "night", "section", "beds", "used"]))  # fmt: skip
    summary = {
        "tiers": [
            {"name": t.name, "sense": t.sense, "objective": t.objective, "bound": t.bound,
             "optimal": t.optimal, "gap": round(t.gap, 6)} for t in housing.tiers
        ],
        "units": housing.units,
        "districts": housing.components,
        "housed": len(housing.assignments),
        "waitlisted": len(housing.waitlist),
        "moved_vs_previous": housing.moved,
        "backend": scenario.config.solver.housing_backend,
    }  # fmt: skip
    write_text(plan_dir / "housing.json", dumps_json(summary))
