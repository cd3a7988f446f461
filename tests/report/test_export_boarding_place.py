"""The public transport table counts a departure point's riders, trips and km where they board,
as it counts its unserved (review 20 R, MEDIUM-4: an informal settlement read "0 worker-days
transported, 0 trips" every week beside its unserved, its riders added to the base that sends
the vehicle)."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.files import file_sha256
from foresterie.report.export import public_export
from foresterie.report.rundata import load_run


def _week(day: str) -> str:
    y, w, _ = date.fromisoformat(day).isocalendar()
    return f"{y}-W{w:02d}"


def test_a_departure_points_riders_are_counted_where_they_board(
    pickup_run: Path, tmp_path: Path
) -> None:
    public_export(load_run(pickup_run), tmp_path / "pub", small_cells=True)
    with (tmp_path / "pub" / "transport_by_week.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:2] == ["place_id", "week"]
    # recounted here from plan/trips.csv: origin_id is where the riders board
    want: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    with (pickup_run / "plan" / "trips.csv").open(encoding="utf-8") as fh:
        for t in csv.DictReader(fh):
            cell = want[t["origin_id"] or t["foresteria_id"], _week(t["day"])]
            cell[0] += int(t["riders"]) if t["direction"] == "to_farm" else 0
            cell[1] += 1
    assert any(place == "PX" and v[0] > 0 for (place, _), v in want.items())  # W07 rides
    got = {
        (r["place_id"], r["week"]): [int(r["worker_days_transported"]), int(r["trips"])]
        for r in rows
        if int(r["trips"])
    }
    assert got == dict(want)


def test_a_purged_runs_kept_table_is_recounted_by_boarding_place(
    pickup_run: Path, tmp_path: Path
) -> None:
    """The verifier recounts the kept aggregate by the same key: moving PX's trips back under its
    base (the old key) is caught."""
    import shutil

    run = tmp_path / "run"
    shutil.copytree(pickup_run, run)
    r = CliRunner().invoke(app, ["purge", str(run), "--before", "2026-08-01"])
    assert r.exit_code == 0, r.output
    table = run / "aggregates" / "transport_by_week.csv"
    assert table.read_text(encoding="utf-8").startswith("place_id,")
    r = CliRunner().invoke(app, ["verify", str(run)])
    assert r.exit_code == 0, r.output
    # PX's rows put back under the base that sends the vehicle (the old key): refused
    rows = table.read_text(encoding="utf-8").splitlines()
    moved = [rows[0]] + [x.replace("PX,", "FA,", 1) if x.startswith("PX,") else x for x in rows[1:]]
    assert moved != rows
    table.write_text("\n".join(moved) + "\n", encoding="utf-8")
    record = json.loads((run / "purged.json").read_text(encoding="utf-8"))
    record["aggregates"]["aggregates/transport_by_week.csv"] = file_sha256(table)
    (run / "purged.json").write_text(json.dumps(record), encoding="utf-8")
    r = CliRunner().invoke(app, ["verify", str(run)])
    assert r.exit_code == 1 and "aggregates/transport_by_week.csv" in r.output, r.output
