"""Daily operations vouched for (review 11, findings 2, 4, 7, 8, 14): an intake run's ledger
resolves the same from any directory and is never created afresh; day.json and intake.json are
hashed by the manifest, so verify and replay refuse them edited or missing, and purge takes a
day run's day from its scenario; a crafted reference trip is planned again, never published
into a plan only the verifier stops; intake's summary says who got a bed; a day run's public
export publishes no waitlist.

The tiny season (2026-07-01..07-31) houses W01, W02, W03 at FA and the family W04, W05 at FB
from 2026-07-06; W06 and W07 are waitlisted. `checked_in_season`: W01, W02, W03 arrived on
07-06 (W04, W05 never check in)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from foresterie.core.restricted import read_restricted
from foresterie.scenario.load import load_scenario, scenario_hash
from tests.helpers import checked_in_season
from tests.helpers import cli_ok as _ok
from tests.helpers import cli_run as _cli

DAY = "2026-07-07"
INTAKE = "2026-07-09"


@pytest.fixture
def runs(tiny_season_run: Path, tmp_path: Path) -> Path:
    """tmp_path/tiny (the season run) with its ledger beside it, tiny.ledger.sqlite."""
    return checked_in_season(tiny_season_run, tmp_path)


@pytest.fixture
def day_run(runs: Path) -> Path:
    _ok("day", str(runs), "--date", DAY)
    return runs.parent / "tiny.days" / DAY


@pytest.fixture
def intake_run(runs: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The intake of 07-09, made from the folder holding the runs, naming them relatively (as
    the review did: `cd runs && foresterie intake puglia-2027 ...`)."""
    monkeypatch.chdir(runs.parent)
    _ok("intake", "tiny", "--date", INTAKE)
    return runs.parent / "tiny.intake" / INTAKE


def _manifest(run: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((run / "manifest.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


# ---------------------------------------------------------------- finding 2: the ledger path


def test_an_intake_runs_ledger_resolves_from_any_directory(
    intake_run: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """intake.json records the ledger relative to the intake run folder; from another directory
    the intake run still finds the season's ledger (the review's `ledger verify` failed there,
    and its advice to `ledger init` forked the ledger)."""
    record = json.loads((intake_run / "intake.json").read_text())
    assert record["ledger"]["path"] == "../../tiny.ledger.sqlite"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    out = _ok("ledger", "verify", str(intake_run))
    assert out.startswith("ok: ") and "tiny.ledger.sqlite" in out, out
    day = tmp_path / "day-on-intake"
    _ok("day", str(intake_run), "--date", "2026-07-10", "--out", str(day))
    rows = json.loads((day / "day.json").read_text())["ledger"]["rows"]
    assert rows >= 4  # the season's check-ins, not a new empty ledger (0 rows)
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("command", ["day", "ledger init", "ledger verify"])
def test_a_missing_recorded_ledger_is_named_never_created(
    intake_run: Path, tmp_path: Path, command: str
) -> None:
    """The recorded ledger gone (moved, deleted): every command on the intake run is one line
    naming intake.json and the recorded path, exit 2; none creates a ledger in its place."""
    ledger = tmp_path / "tiny.ledger.sqlite"
    ledger.rename(tmp_path / "moved.sqlite")
    args = [*command.split(), str(intake_run)]
    if command == "day":
        args += ["--date", "2026-07-10", "--out", str(tmp_path / "d")]
    code, out = _cli(*args)
    assert code == 2, out
    assert f"{intake_run / 'intake.json'}: ledger.path:" in out, out
    assert "../../tiny.ledger.sqlite" in out and "ledger init" not in out, out
    assert not ledger.exists() and not (tmp_path / "d").exists()


# ---------------------------------------------------------------- finding 4: vouched for


def test_day_json_is_hashed_by_the_manifest(day_run: Path) -> None:
    assert set(_manifest(day_run)["records"]) == {"day.json"}
    assert _ok("verify", str(day_run)).startswith("ok:")


@pytest.mark.parametrize("forgery", ["edited", "removed", "consistent"])
def test_verify_and_replay_refuse_a_forged_or_missing_day_json(
    day_run: Path, tmp_path: Path, forgery: str
) -> None:
    """The review's forgery: vehicles_used, the date and the season's hash changed (or the file
    removed): verify and replay say so, exit 1. Re-hashed in the manifest too ("consistent"):
    the date is still not the day the run's scenario plans."""
    run = tmp_path / "forged"
    shutil.copytree(day_run, run)
    path = run / "day.json"
    if forgery == "removed":
        path.unlink()
    else:
        record = json.loads(path.read_text())
        record.update(vehicles_used=12, date="2026-07-20", season_run_manifest_sha256="0" * 64)
        path.write_text(json.dumps(record))
    if forgery == "consistent":
        import hashlib

        m = _manifest(run)
        m["records"]["day.json"] = hashlib.sha256(path.read_bytes()).hexdigest()
        (run / "manifest.json").write_text(json.dumps(m))
    code, out = _cli("verify", str(run))
    assert code == 1, out
    said = {
        "edited": "day.json changed after solving",
        "removed": "day.json: in the manifest, not in the folder",
        "consistent": "day.json: date 2026-07-20, the run's scenario plans 2026-07-07..2026-07-07",
    }[forgery]
    assert said in out, out
    if forgery != "consistent":
        code, out = _cli("replay", str(run), "--out", str(tmp_path / "rp"))
        assert code == 1 and "day.json: " in out, out
        assert not (tmp_path / "rp").exists()  # not the folder that was solved: no re-solve


def test_a_day_json_slipped_into_a_season_run_is_refused(
    tiny_season_run: Path, day_run: Path, tmp_path: Path
) -> None:
    run = tmp_path / "season"
    shutil.copytree(tiny_season_run, run)
    shutil.copyfile(day_run / "day.json", run / "day.json")
    code, out = _cli("verify", str(run))
    assert code == 1 and "day.json: not in the manifest" in out, out


@pytest.mark.parametrize("forgery", ["edited", "removed", "consistent"])
def test_verify_refuses_a_forged_or_missing_intake_json(
    intake_run: Path, tmp_path: Path, forgery: str
) -> None:
    assert set(_manifest(intake_run)["records"]) == {"intake.json"}
    assert _ok("verify", str(intake_run)).startswith("ok:")
    run = tmp_path / "forged"
    shutil.copytree(intake_run, run)
    path = run / "intake.json"
    if forgery == "removed":
        path.unlink()
    else:
        record = json.loads(path.read_text())
        record["workers"]["arrived_to_place"] = 900
        record["ledger"]["path"] = "/elsewhere/other.sqlite"
        record["date"] = "2026-07-20"
        path.write_text(json.dumps(record))
    if forgery == "consistent":  # re-hashed: the date is still not the re-plan's
        import hashlib

        m = _manifest(run)
        m["records"]["intake.json"] = hashlib.sha256(path.read_bytes()).hexdigest()
        (run / "manifest.json").write_text(json.dumps(m))
    code, out = _cli("verify", str(run))
    said = {
        "edited": "intake.json changed after solving",
        "removed": "intake.json: in the manifest, not in the folder",
        "consistent": "intake.json: date 2026-07-20, the run re-plans as of 2026-07-09",
    }[forgery]
    assert code == 1 and said in out, out


def test_purge_takes_a_day_runs_day_from_its_scenario(day_run: Path, runs: Path) -> None:
    """day.json's date moved past the purge (the review's retention forgery): the day run of
    07-07 is still purged whole, its day read from its own scenario, which the manifest
    vouches for; its public export (from the kept aggregates) publishes no waitlist."""
    path = day_run / "day.json"
    path.write_text(path.read_text().replace(f'"date": "{DAY}"', '"date": "2026-09-20"'))
    assert '"2026-09-20"' in path.read_text()
    out = _ok("purge", str(runs), "--before", "2026-07-10")
    assert "1 run (" in out and "0 runs" not in out, out
    assert (day_run / "purged.json").is_file() and not (day_run / "plan" / "riders.csv").exists()
    pub = day_run.parent / "pub"
    _ok("export", str(day_run), "--role", "public", "--out", str(pub))
    assert not (pub / "waitlist_by_reason.csv").exists()
    assert "housing.waitlisted" not in (pub / "kpis.csv").read_text()


# ---------------------------------------------------------------- finding 8: crafted trips


def test_a_crafted_reference_trip_is_planned_again_not_published_broken(
    day_run: Path, tmp_path: Path
) -> None:
    """The review's case: the morning trips' times moved an hour early in
    inputs/reference_trips.json, re-hashed in the manifest. The replay no longer crashes (exit 3,
    the verifier's refusal): the trips that no longer fit are not kept, their riders are planned
    again, and the replayed plan verifies (it may differ from the original: exit 0 or 1)."""
    import hashlib

    run = tmp_path / "crafted"
    shutil.copytree(day_run, run)
    ref_path = run / "inputs" / "reference_trips.json"
    ref = json.loads(ref_path.read_text())

    def early(hhmm: str) -> str:
        h, m = hhmm.split(":")
        return f"{int(h) - 1:02d}:{m}"

    moved = 0
    for t in ref["trips"]:
        if t["direction"] == "to_farm":
            t["depart"], t["return"] = early(t["depart"]), early(t["return"])
            for s in t["stops"]:
                s["arrive"], s["depart"] = early(s["arrive"]), early(s["depart"])
            moved += 1
    assert moved
    ref_path.write_text(json.dumps(ref))
    m = _manifest(run)
    m["inputs"]["reference_trips.json"] = hashlib.sha256(ref_path.read_bytes()).hexdigest()
    (run / "manifest.json").write_text(json.dumps(m))
    code, out = _cli("replay", str(run), "--out", str(tmp_path / "rp"))
    assert code in (0, 1) and "internal error" not in out, out
    assert _ok("verify", str(tmp_path / "rp")).startswith("ok:")


def test_a_reference_trip_over_todays_seats_is_planned_again(day_run: Path, tmp_path: Path) -> None:
    """The vehicles' seats cut to 1 in the day run's inputs/fleet.csv (re-hashed): the reference
    trips carrying two or more of the day's riders no longer fit and are planned again (before:
    kept over their seats, refused by the verifier, exit 3); the replayed plan verifies."""
    import hashlib

    run = tmp_path / "seats"
    shutil.copytree(day_run, run)
    ref = json.loads((run / "inputs" / "reference_trips.json").read_text())
    assert max(sum(len(s["worker_ids"]) for s in t["stops"]) for t in ref["trips"]) >= 2
    fleet = run / "inputs" / "fleet.csv"
    with open(fleet, newline="") as fh:
        rows = list(csv.DictReader(fh))
    with open(fleet, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows({**r, "seats": "1"} for r in rows)
    m = _manifest(run)
    m["inputs"]["fleet.csv"] = hashlib.sha256(fleet.read_bytes()).hexdigest()
    (run / "manifest.json").write_text(json.dumps(m))
    # replay refuses inputs/ that are not what was solved (review 15): this crafted run says
    # the edited snapshot is, as a forger who re-hashes everything would, to reach the re-plan
    code, out = _cli("replay", str(run), "--out", str(tmp_path / "refused"))
    assert (
        code == 1 and "inputs/: not what was solved" in out and not (tmp_path / "refused").exists()
    )
    given = read_restricted(run)
    m["scenario"]["snapshot_hash"] = scenario_hash(load_scenario(run / "inputs", restricted=given))
    (run / "manifest.json").write_text(json.dumps(m))
    code, out = _cli("replay", str(run), "--out", str(tmp_path / "rp"))
    assert code in (0, 1) and "internal error" not in out and "violation" not in out, out
    assert _ok("verify", str(tmp_path / "rp")).startswith("ok:")


# ---------------------------------------------------------------- finding 7: words


def test_intake_says_how_many_arrivals_got_a_bed(
    runs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """W06 (waitlisted) checks in on 07-08: one arrival without a bed, re-planned. The summary
    says how many of them got a bed and how many stay waitlisted, as the plan has it; it never
    says "placed" of people who may have no bed."""
    rows = runs.parent / "w06.csv"
    rows.write_text("date,worker_id,event\n2026-07-08,W06,arrival\n")
    _ok("ledger", "import", str(runs), str(rows))
    monkeypatch.chdir(runs.parent)
    out = _ok("intake", "tiny", "--date", INTAKE)
    run = runs.parent / "tiny.intake" / INTAKE
    record = json.loads((run / "intake.json").read_text())
    assert record["workers"]["arrived_to_place"] == 1
    with open(run / "plan" / "assignments.csv", newline="") as fh:
        housed = int(any(r["worker_id"] == "W06" for r in csv.DictReader(fh)))
    assert record["arrivals_housed"] == housed
    said = f"1 arrival without a bed re-planned: {housed} housed, {1 - housed} still waitlisted"
    assert said in out and "placed" not in out, out


# ---------------------------------------------------------------- finding 14: public export


def test_a_day_runs_public_export_publishes_no_waitlist(
    tiny_season_run: Path, day_run: Path, tmp_path: Path
) -> None:
    """A day run places nobody: its "waitlist" would be the riders from departure points. Its
    public tables leave it out, as its index.html does; a season run's keep it."""
    pub = tmp_path / "pub"
    _ok("export", str(day_run), "--role", "public", "--out", str(pub))
    assert not (pub / "waitlist_by_reason.csv").exists()
    kpis = (pub / "kpis.csv").read_text()
    assert "housing.waitlisted" not in kpis and "transport.rider_trips" in kpis
    assert "publishes no waitlist" in (pub / "README.md").read_text().replace("\n", " ")
    season = tmp_path / "season-pub"
    _ok("export", str(tiny_season_run), "--role", "public", "--out", str(season))
    assert (season / "waitlist_by_reason.csv").is_file()
    assert "housing.waitlisted," in (season / "kpis.csv").read_text()
