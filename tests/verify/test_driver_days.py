"""The verifier checks each vehicle-day against its driver's day on its own (README
"fleet.csv"): first departure to last return within `max_span_min`, no run of trips longer than
`max_stretch_min` without a 45-minute pause, the limits read from the run's inputs/fleet.csv
(absent or empty: one driver's 780 and 270 minutes)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from tests.helpers import cli_run, rehash


def _fleet(run: Path, **limits: dict[str, str]) -> None:
    """Give vehicles of the run's inputs/fleet.csv driver's-day columns (vehicle -> column ->
    value; the others empty), re-hashed as a forger would."""
    path = run / "inputs" / "fleet.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    names = [*rows[0], "max_span_min", "max_stretch_min"]
    buf = io.StringIO()
    out = csv.DictWriter(buf, fieldnames=names, lineterminator="\n")
    out.writeheader()
    for r in rows:
        out.writerow(
            {**r, "max_span_min": "", "max_stretch_min": "", **limits.get(r["vehicle_id"], {})}
        )
    path.write_text(buf.getvalue(), encoding="utf-8")
    rehash(run, ["inputs/fleet.csv"])


def _days(run: Path) -> dict[tuple[str, str], list[tuple[int, int, str]]]:
    """Each vehicle-day's trips (departure, return minutes, id), read here from trips.csv."""
    out: dict[tuple[str, str], list[tuple[int, int, str]]] = {}
    with (run / "plan" / "trips.csv").open(encoding="utf-8") as f:
        for t in csv.DictReader(f):
            a = int(t["depart"][:2]) * 60 + int(t["depart"][3:5])
            b = int(t["return"][:2]) * 60 + int(t["return"][3:5])
            out.setdefault((t["vehicle_id"], t["day"]), []).append((a, b, t["trip_id"]))
    return out


def test_the_tiny_season_keeps_its_drivers_days_with_the_columns_given(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    shutil.copytree(tiny_season_run, run)
    _fleet(run, VA1={"max_span_min": "780", "max_stretch_min": "270"})
    code, out = cli_run("verify", str(run))
    assert code == 0, out


def test_a_day_longer_than_its_span_is_refused_with_its_figures(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    shutil.copytree(tiny_season_run, run)
    (vid, day), spans = max(
        _days(run).items(), key=lambda kv: (max(b for _, b, _ in kv[1]) - min(kv[1])[0], kv[0])
    )
    spread = max(b for _, b, _ in spans) - min(spans)[0]
    _fleet(run, **{vid: {"max_span_min": str(spread - 1)}})
    code, out = cli_run("verify", str(run))
    assert code == 1, out
    first = min(spans)[2]
    assert (
        f"violation: driver's day: {vid} on {day}: {spread} min from the first departure "
        f"({first}) to the last return > {spread - 1} (+1)"
    ) in out.splitlines()


def test_a_day_moved_to_16_hours_is_refused(tiny_season_run: Path, tmp_path: Path) -> None:
    # A forger moves a vehicle-day's last trip (and its stops and origin times) 8 hours later:
    # the day then spans more than 13 h, with the default limits (no columns in fleet.csv).
    run = tmp_path / "run"
    shutil.copytree(tiny_season_run, run)
    (vid, day), spans = max(_days(run).items(), key=lambda kv: (len(kv[1]), kv[0]))
    first = min(spans)
    last = max(spans)
    later = 16 * 60 + 10 - (last[1] - first[0])  # minutes to add: a 16 h 10 min spread
    assert later > 0

    def hhmm(text: str) -> str:
        m = int(text[:2]) * 60 + int(text[3:5]) + later
        return f"{m // 60:02d}:{m % 60:02d}"

    for name, key, cols in (
        ("trips.csv", "trip_id", ("depart", "return", "origin_depart", "origin_return")),
        ("stops.csv", "trip_id", ("arrive", "depart")),
    ):
        path = run / "plan" / name
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        for r in rows:
            if r[key] == last[2]:
                for c in cols:
                    if r.get(c):
                        r[c] = hhmm(r[c])
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        path.write_text(buf.getvalue(), encoding="utf-8")
    rehash(run, ["plan/trips.csv", "plan/stops.csv"])
    code, out = cli_run("verify", str(run))
    assert code == 1, out
    assert (
        f"violation: driver's day: {vid} on {day}: {16 * 60 + 10} min from the first departure "
        f"({first[2]}) to the last return > 780 (+{16 * 60 + 10 - 780})"
    ) in out.splitlines()


def test_a_run_of_trips_without_a_pause_is_refused(tiny_season_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(tiny_season_run, run)
    (vid, day), spans = max(_days(run).items(), key=lambda kv: (len(kv[1]), kv[0]))
    spans.sort()
    longest, at, run_min, back, start = 0, "", 0, None, ""
    for a, b, tid in spans:
        if back is None or a - back >= 45:
            run_min, start = 0, tid
        run_min += b - a
        if run_min > longest:
            longest, at = run_min, start
        back = b
    _fleet(run, **{vid: {"max_stretch_min": str(longest - 1)}})
    code, out = cli_run("verify", str(run))
    assert code == 1, out
    assert (
        f"violation: driver's day: {vid} on {day}: {longest} min on trips from {at} without a "
        f"45-minute pause > {longest - 1} (+1)"
    ) in out.splitlines()
