"""`verify` checks, from stops.csv's order and the referral records, that nobody is aboard
while her vehicle stops at a site she must avoid (review 20 R, HIGH-2).

The tiny season: FA's minibus collects F1's riders (W01, W02) at 13:30 and F2's (W03) at 14:12,
so in the evening F1's riders are aboard at F2; in the morning F2's rider is aboard at F1."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from foresterie.verify import verify_report
from tests.helpers import cli_ok, rehash, with_referrals


def _solve(tmp_path: Path, records: str) -> Path:
    folder = with_referrals(tmp_path, records)
    run = tmp_path / "run"
    cli_ok("solve", str(folder), "--out", str(run))
    return run


def _rows(run: Path, name: str) -> list[dict[str, str]]:
    with open(run / "plan" / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def far_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """W02 (referred, F1) keeps away from F3, a farm no FA trip passes: the plan as ever."""
    return _solve(tmp_path_factory.mktemp("far"), "W02,2026-07-01,Sportello,high,F3\n")


def test_the_plan_passes_and_a_record_it_breaks_is_named(far_run: Path) -> None:
    assert verify_report(far_run)[0] == []
    evening = [r for r in _rows(far_run, "riders.csv") if r["worker_id"] == "W02"]
    assert any(r["trip_id"] == "2026-07-06-FA-E01" for r in evening)  # boards at F1, then F2
    # A forger (or a plan made before the rule) with W02 keeping away from F2 instead: the
    # minibus stops at F2 with him aboard every evening; each is a finding naming trip and stop.
    rec = far_run / "restricted" / "referrals.csv"
    rec.write_text(rec.read_text(encoding="utf-8").replace(",F3", ",F2"), encoding="utf-8")
    rehash(far_run, ["restricted/referrals.csv"])
    found = verify_report(far_run)[0]
    assert "site to avoid: W02 aboard 2026-07-06-FA-E01 while it stops at F2" in found
    assert not any("W02 aboard" in v and "-FA-M" in v for v in found)  # mornings: F1 first


def test_a_season_plan_leaves_him_behind_rather_than_past_it(tmp_path: Path) -> None:
    """W02 keeps away from F2: the evening cannot collect F2 before F1 (F2's shift ends at
    14:00, F1's window closes at 14:00), and there is no other trip: he is left behind both
    ways on the days the minibus calls at F2 (listed, the code a rider left behind by the rotation may have), while
    W01 of his farm rides; the ride order (referred first) does not count that, verify passes."""
    run = _solve(tmp_path, "W02,2026-07-01,Sportello,high,F2\n")
    violations, _ = verify_report(run)
    assert violations == []
    stops = {(s["trip_id"], s["farm_id"]) for s in _rows(run, "stops.csv")}
    his = {r["trip_id"] for r in _rows(run, "riders.csv") if r["worker_id"] == "W02"}
    # he rides only where the trip does not call at F2 (the heat-alert day, F1's riders alone)
    assert his == {"2026-07-08-FA-M01", "2026-07-08-FA-E01"}
    assert not {(t, "F2") for t in his} & stops
    rows = [u for u in _rows(run, "unserved.csv") if "W02" in u["worker_ids"].split()]
    assert rows and all(u["code"] in ("windows", "vehicles_busy") for u in rows)
    assert all("F2" not in u["reason"] and "avoid" not in u["reason"] for u in rows)
    rode = {r["worker_id"] for r in _rows(run, "riders.csv")}
    assert "W01" in rode


def test_an_intake_keeps_him_clear_too(tmp_path: Path) -> None:
    """An intake re-plans the shuttles from its date with the season's referral records: W02
    is not carried past F2 there either, and its run verifies (the records are in its
    restricted part, so the check ran)."""
    run = _solve(tmp_path, "W02,2026-07-01,Sportello,high,F2\n")
    led = tmp_path / "ledger.sqlite"
    ci = tmp_path / "checkins.csv"
    ci.write_text(
        "date,worker_id,event\n"
        + "".join(f"2026-07-06,{w},arrival\n" for w in ("W01", "W02", "W03", "W06"))
    )
    cli_ok("ledger", "import", str(run), str(ci), "--ledger", str(led))
    out = tmp_path / "intake"
    cli_ok("intake", str(run), "--date", "2026-07-07", "--ledger", str(led), "--out", str(out))
    assert (out / "restricted" / "referrals.csv").is_file()
    assert verify_report(out)[0] == []
    stops = {(s["trip_id"], s["farm_id"]) for s in _rows(out, "stops.csv")}
    his = {r["trip_id"] for r in _rows(out, "riders.csv") if r["worker_id"] == "W02"}
    assert not {(t, "F2") for t in his} & stops
    assert any(t.startswith("2026-07-07") for t, _ in stops)  # the intake did plan trips
    # referred, so first in the rotation: left behind only where the minibus calls at F2
    assert any("W02" in u["worker_ids"].split() for u in _rows(out, "unserved.csv"))
