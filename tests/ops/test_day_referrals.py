"""Day runs carry the season's referral records (README "Referral records"): the riders a day
run seats into the season plan's trips are kept clear of the sites they avoid, as the season's
shuttles keep them, `verify` checks it on the day run, and what a day run publishes does not
tell a day with a referred rider from one without.

The tiny season: FA's minibus runs F1's riders (W01, W02) and F2's (W03 ...) on one trip each
way; in the evening it collects F1 before F2 (F2's shift ends later), so an F1 rider is aboard
while it stops at F2. W07 arrives on 2026-07-21: no rider before then."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from foresterie.core.files import dumps_json
from foresterie.core.restricted import SALT, digest
from foresterie.core.runfolder import regular_files
from foresterie.ops.day import day_demand, day_referrals, load_season_run
from foresterie.verify import verify_report
from tests.helpers import add_pickup, cli_ok, with_referrals

D = "2026-07-07"  # a Tuesday: everyone of the first week rides


def _season(base: Path, records: str, point: bool = False) -> Path:
    """The tiny season with `records`; `point`: with a departure point PX."""
    run = base / "run"
    folder = with_referrals(base, records)
    if point:
        add_pickup(folder)
    cli_ok("solve", str(folder), "--out", str(run))
    return run


def _day(run: Path, out: Path, bookings: str = "") -> Path:
    led = out.parent / f"{out.name}.sqlite"
    cli_ok("ledger", "init", str(run), "--ledger", str(led))
    if bookings:
        rows = out.parent / f"{out.name}.csv"
        rows.write_text("date,worker_id,action,origin,farm_id\n" + bookings, encoding="utf-8")
        cli_ok("ledger", "import", str(run), str(rows), "--ledger", str(led))
    cli_ok("day", str(run), "--date", D, "--ledger", str(led), "--out", str(out))
    return out


def _rows(run: Path, name: str) -> list[dict[str, str]]:
    with open(run / "plan" / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _aboard_past(run: Path, who: str) -> list[tuple[str, str]]:
    """(trip, farm) where `who` is aboard while the trip stops at that farm (not hers)."""
    trips = {t["trip_id"]: t["direction"] for t in _rows(run, "trips.csv")}
    calls: dict[str, list[tuple[int, str]]] = {}
    for s in _rows(run, "stops.csv"):
        calls.setdefault(s["trip_id"], []).append((int(s["seq"]), s["farm_id"]))
    out = []
    for r in _rows(run, "riders.csv"):
        if r["worker_id"] != who:
            continue
        seq, morning = int(r["seq"]), trips[r["trip_id"]] == "to_farm"
        out += [
            (r["trip_id"], f) for k, f in calls[r["trip_id"]] if (k < seq if morning else k > seq)
        ]
    return out


def test_a_rider_seated_anew_is_kept_clear_and_the_day_run_verifies(tmp_path: Path) -> None:
    """W02 avoids F2. The season plan leaves him behind where the minibus calls at F2; the day
    run expects him (his farm works) and would seat him on the kept evening trip, which
    collects F1 and then stops at F2: the day run leaves him behind both ways instead (no other
    trip, no other order the windows allow), lists him unserved with no word of the site, and
    `verify` (which reads the records in the day run's restricted part) passes."""
    run = _season(tmp_path, "W02,2026-07-01,Sportello,high,F2\n")
    demand = day_demand(load_season_run(run), [], date.fromisoformat(D))
    assert "W02" in {w.id for w in demand.riders}
    day = _day(run, tmp_path / "day")
    assert (day / "restricted" / "referrals.csv").read_text(encoding="utf-8").count("\n") == 2
    assert _aboard_past(day, "W02") == []
    assert verify_report(day)[0] == []
    rows = [u for u in _rows(day, "unserved.csv") if "W02" in u["worker_ids"].split()]
    assert len(rows) == 1 and rows[0]["farm_id"] == "F1"
    assert "F2" not in rows[0]["reason"] and "avoid" not in rows[0]["reason"]
    assert "W01" in {r["worker_id"] for r in _rows(day, "riders.csv")}  # his farm still rides


def test_a_kept_trip_of_a_season_made_before_the_rule_is_repaired(tmp_path: Path) -> None:
    """A season run whose plan carries W02 past F2 (made before the rule: here its record is
    written after the solve, as such a run's restricted part reads): the day run does not keep
    him there, and verifies; the season run itself is refused by `verify`."""
    run = _season(tmp_path, "W02,2026-07-01,Sportello,high,F3\n")
    assert _aboard_past(run, "W02")  # the evening: F1 first, then F2
    rec = run / "restricted" / "referrals.csv"
    rec.write_text(rec.read_text(encoding="utf-8").replace(",F3", ",F2"), encoding="utf-8")
    # sealed as such a run's maker sealed it (every reader checks the digests: helper C)
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    salt = (run / "restricted" / SALT).read_bytes()
    manifest["restricted"]["referrals.csv"] = digest(rec.read_bytes(), salt)
    (run / "manifest.json").write_text(dumps_json(manifest), encoding="utf-8")
    day = _day(run, tmp_path / "day")
    assert _aboard_past(day, "W02") == []
    assert verify_report(day)[0] == []


def _published(day: Path) -> dict[str, bytes]:
    """A day run's published files, without what binds it to its own season run and ledger
    (their hashes, and so day.json's in the manifest), the timings and the restricted part's
    salted digests. The scenario's hashes stay: the records are not in the day's scenario."""
    out = {}
    for rel, path in regular_files(day):
        if rel.startswith("restricted/"):
            continue
        body = Path(path).read_bytes()
        if rel in ("manifest.json", "day.json"):
            doc = json.loads(body)
            for key in ("timings_s", "restricted", "season_run_manifest_sha256", "ledger"):
                doc.pop(key, None)
            doc.pop("records", None)
            body = json.dumps(doc, sort_keys=True).encode()
        out[rel] = body
    return out


def test_published_alike_with_or_without_a_referred_rider(tmp_path: Path) -> None:
    """Two seasons with referral records and a departure point PX: one of W02, a rider of the
    day (keeping away from F3, which no trip of FA passes: his rides are as ever), one of W07,
    who arrives weeks later. W06 books a ride from PX (the day's waitlist: `past`). Both day runs
    keep referrals.csv (W07's season's the header alone) and list it alike, and every file they
    publish is the same; the header-only one replays byte for byte."""
    booked = f"{D},W06,book,PX,\n"
    with_rider = _season(tmp_path / "a", "W02,2026-07-01,Sportello,high,F3\n", point=True)
    without = _season(tmp_path / "b", "W07,2026-07-01,Sportello,high,F3\n", point=True)
    for name in ("trips.csv", "riders.csv", "assignments.csv"):  # the seasons plan alike
        assert _rows(with_rider, name) == _rows(without, name)
    a = _day(with_rider, tmp_path / "a" / "day", booked)
    b = _day(without, tmp_path / "b" / "day", booked)
    assert "W02" in (a / "restricted" / "referrals.csv").read_text(encoding="utf-8")
    assert (b / "restricted" / "referrals.csv").read_text(encoding="utf-8").count("\n") == 1
    assert [r["code"] for r in _rows(a, "waitlist.csv")] == ["past"]  # W06, from PX
    named = [json.loads((x / "manifest.json").read_bytes())["scenario"] for x in (a, b)]
    assert named[0]["restricted_inputs"] == named[1]["restricted_inputs"]
    assert "referrals.csv" in named[0]["restricted_inputs"]
    pa, pb = _published(a), _published(b)
    assert sorted(pa) == sorted(pb)
    assert [rel for rel in pa if pa[rel] != pb[rel]] == []
    assert verify_report(a)[0] == [] and verify_report(b)[0] == []
    assert "identical" in cli_ok("replay", str(b), "--out", str(tmp_path / "replay"))


def test_a_season_without_records_gives_its_day_runs_none(tmp_path: Path) -> None:
    run = tmp_path / "run"
    cli_ok("solve", "tests/data/tiny", "--out", str(run))
    season = load_season_run(run)
    assert day_referrals(season, day_demand(season, [], date.fromisoformat(D))) is None
    day = _day(run, tmp_path / "day")
    assert not (day / "restricted" / "referrals.csv").exists()
    named = json.loads((day / "manifest.json").read_bytes())["scenario"]["restricted_inputs"]
    assert "referrals.csv" not in named
