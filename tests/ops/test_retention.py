"""Retention: `foresterie purge RUN --before DATE` removes worker-level rows dated before DATE
from the ledger, the day runs and (once the season is over) the season run, keeps aggregates
and hashes; `ledger verify` and `verify` still pass, and the purged ids are in no file.

Tiny season (2026-07-01..07-31): W01, W02 ride to F1 from FA, W03 to F2 from FA, the family
W04, W05 to F2 from FB; W06, W07 are waitlisted."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from foresterie.core.files import file_sha256
from foresterie.ops.ledger import Ledger
from tests.helpers import checked_in_season
from tests.helpers import cli_ok as _ok
from tests.helpers import cli_run as _cli

IDS = {f"W0{i}" for i in range(1, 8)}


def _ids_in(path: Path) -> set[str]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    return set(re.findall(r"[A-Za-z0-9_-]+", text)) & IDS


def _db_ids(path: Path) -> set[str]:
    """Ids anywhere in a database file and its write-ahead log (records pack cells together)."""
    data = b"".join(
        p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()
    )
    return {i for i in IDS if i.encode() in data}


@pytest.fixture
def season(tiny_season_run: Path, tmp_path: Path) -> Path:
    """A copy of the tiny season with a ledger and a day run on 07-07; W01's and W03's rows are
    all before 07-10, W02's both before and after."""
    run = checked_in_season(tiny_season_run, tmp_path)
    _ok("day", str(run), "--date", "2026-07-07")
    return run


def test_purge_then_ledger_verify_and_verify_pass(season: Path) -> None:
    """Mid-season (the season runs to 07-31): on 07-10 nobody's stay has ended (W04, W05 leave
    on the 11th, the others on the 13th), so no ledger row goes; the day run of 07-07 is past
    and purged whole; the season run is kept whole."""
    ledger = season.parent / "tiny.ledger.sqlite"
    day = season.parent / "tiny.days" / "2026-07-07"
    # FA's three checked in; FB's office recorded nothing, so the family rides as planned
    assert _ids_in(day / "plan" / "riders.csv") == {"W01", "W02", "W03", "W04", "W05"}
    assert _db_ids(ledger) == {"W01", "W02", "W03"}
    out = _ok("purge", str(season), "--before", "2026-07-10")
    assert "0 ledger rows, 1 run (" in out and "1 run still within retention" in out, out
    assert "people whose stay had ended" not in out
    assert "chain intact" in _ok("ledger", "verify", str(season))
    assert _db_ids(ledger) == {"W01", "W02", "W03"}  # all still here: the season goes on
    # The day run: every file naming a worker is gone; aggregates and the record remain.
    for f in day.rglob("*"):
        if f.is_file():
            assert not _ids_in(f), f
    record = json.loads((day / "purged.json").read_text())
    assert "plan/riders.csv" in record["removed"] and "restricted/priority.csv" in record["removed"]
    assert (day / "plan" / "trips.csv").is_file() and (day / "aggregates" / "kpis.csv").is_file()
    code, out = _cli("verify", str(day))
    assert code == 0 and "not checked: purged for retention (before 2026-07-10)" in out, out
    # The season run is still running on 07-10: kept whole, and verified whole.
    assert (season / "plan" / "riders.csv").is_file() and not (season / "purged.json").exists()
    assert _ok("verify", str(season)).startswith("ok:")


GONE = {"W01", "W03", "W04", "W05", "W06"}  # stays ended before 07-14, nothing recorded after


def _plain_sha256(run: Path) -> set[str]:
    """The sha256 of each restricted plaintext of a run (an unencrypted one)."""
    return {
        hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (run / "restricted").iterdir()
        if p.name != "salt.txt"
    }


def test_purge_mid_season_removes_the_people_who_left(season: Path) -> None:
    """On 07-14 the season still runs: W01, W03 (left on the 13th), W04, W05 (the 11th) and
    the waitlisted W06 (asked until the 13th) are gone from the ledger and from every file of
    the season run; W02 (a departure recorded on the 20th) and W07 (from the 21st) stay; the
    counts stay too."""
    ledger = season.parent / "tiny.ledger.sqlite"
    unserved_before = (season / "plan" / "unserved.csv").read_text()
    assert ",1,vehicles_busy," in unserved_before and unserved_before.rstrip().endswith("W03")
    plain = _plain_sha256(season)  # purged.json travels in the operator view: never these
    out = _ok("purge", str(season), "--before", "2026-07-14")
    assert "2 ledger rows, 1 run (" in out, out  # W01's and W03's arrivals; the day run whole
    assert "5 people whose stay had ended removed from 1 of them" in out, out
    assert "chain intact" in _ok("ledger", "verify", str(season))
    with Ledger.open(ledger) as led:
        rows = led.rows()
    assert [(r.event.kind, r.event.worker_id) for r in rows] == [
        ("arrival", ""),
        ("arrival", ""),
        ("arrival", "W02"),
        ("departure", "W02"),
        ("file_import", ""),  # the check-ins file's record: no one's id, kept
        ("day_plan", ""),
        ("purge", ""),
    ]
    assert "(5 people whose stay had ended)" in rows[-1].event.note
    assert _db_ids(ledger) == {"W02"}  # in the database bytes too
    found: set[str] = set()
    for f in season.rglob("*"):
        if f.is_file():
            assert not (_ids_in(f) & GONE), f
            assert b"Rossi" not in f.read_bytes() and "Rossì".encode() not in f.read_bytes()
            found |= _ids_in(f)
    assert found == {"W02", "W07"}
    assert _ids_in(season / "plan" / "assignments.csv") == {"W02"}
    assert _ids_in(season / "restricted" / "priority.csv") == {"W02", "W07"}
    unserved = (season / "plan" / "unserved.csv").read_text().splitlines()
    assert len(unserved) == 2 and ",1,vehicles_busy," in unserved[1]  # the count stays
    assert unserved[1].endswith(",")  # W03's id is gone
    record = json.loads((season / "purged.json").read_text())
    assert record["purges"] == [{"before": "2026-07-14", "people": 5}]
    assert record["files"]["inputs/workers.csv"]["rows_removed"] == 5
    assert "plan/plan.json" not in record["removed"]  # it names nobody: kept, as the manifest's
    cut = record["files"]["restricted/priority.csv"]
    assert cut["sha256"].startswith("hmac-sha256:") and cut["kept_sha256"].startswith("hmac-")
    plain |= _plain_sha256(season)
    assert not [h for h in plain if h in (season / "purged.json").read_text()]
    assert (season / "aggregates" / "housing_by_site.csv").is_file()
    code, out = _cli("verify", str(season))
    assert code == 0, out
    assert "not checked: partly purged for retention (last before 2026-07-14)" in out
    assert "5 people whose stay had ended removed" in out
    # A second purge on the same day finds nobody more; after the season, the run goes whole.
    assert "0 ledger rows, 0 runs" in _ok("purge", str(season), "--before", "2026-07-14")
    plain |= _plain_sha256(season)
    _ok("purge", str(season), "--before", "2026-08-01")
    removed = json.loads((season / "purged.json").read_text())["removed"]
    assert removed["restricted/priority.csv"].startswith("hmac-sha256:")
    assert not [h for h in plain if h in (season / "purged.json").read_text()]
    assert "chain intact" in _ok("ledger", "verify", str(season))
    assert not _db_ids(ledger)
    for f in season.rglob("*"):
        if f.is_file():
            assert not _ids_in(f), f
    code, out = _cli("verify", str(season))
    assert code == 0 and "purged for retention (before 2026-08-01)" in out, out


def test_tampering_after_a_mid_season_purge_is_caught(season: Path) -> None:
    _ok("purge", str(season), "--before", "2026-07-14")
    clean = {p: p.read_bytes() for p in season.rglob("*") if p.is_file()}

    def restore() -> None:
        for p, data in clean.items():
            p.write_bytes(data)

    def verdict() -> str:
        code, out = _cli("verify", str(season))
        assert code == 1, out
        return out

    assign = season / "plan" / "assignments.csv"
    assign.write_text(assign.read_text().replace("W02,FA,", "W02,FB,"))
    assert "file changed after the purge: plan/assignments.csv" in verdict()
    # The same edit with purged.json re-hashed: the checks run on the people left catch it.
    record = json.loads((season / "purged.json").read_text())
    record["files"]["plan/assignments.csv"]["kept_sha256"] = file_sha256(assign)
    (season / "purged.json").write_text(json.dumps(record))
    out = verdict()
    assert "file changed after the purge" not in out and "W02" in out, out
    restore()
    # A purged person put back (a row fabricated), purged.json re-hashed to match.
    riders = season / "plan" / "riders.csv"
    text = riders.read_text()
    riders.write_text(text + text.splitlines()[1].rsplit(",", 1)[0] + ",W01\n")
    record = json.loads((season / "purged.json").read_text())
    record["files"]["plan/riders.csv"]["kept_sha256"] = file_sha256(riders)
    (season / "purged.json").write_text(json.dumps(record))
    out = verdict()
    assert "plan/riders.csv: " in out and "purged = " in out, out  # one row too many
    assert "W01 is not in inputs/workers.csv" in out
    restore()
    # A person who is still here removed as if purged (records adjusted): the counts disagree.
    workers = season / "inputs" / "workers.csv"
    workers.write_text("".join(x for x in workers.read_text().splitlines(True) if "W07" not in x))
    record = json.loads((season / "purged.json").read_text())
    record["files"]["inputs/workers.csv"]["kept_sha256"] = file_sha256(workers)
    record["files"]["inputs/workers.csv"]["rows_removed"] = 6
    (season / "purged.json").write_text(json.dumps(record))
    out = verdict()
    assert "inputs/workers.csv: 6 people removed, purged.json records 5" in out
    assert "W07 is not in inputs/workers.csv" in out  # still on the waitlist
    restore()
    trips = season / "plan" / "trips.csv"
    trips.write_text(trips.read_text().replace(",VA1,", ",VB1,", 1))
    assert "file changed after solving: plan/trips.csv" in verdict()
    restore()
    _report_tampering_is_caught(season, verdict)
    restore()
    assert _cli("verify", str(season))[0] == 0


def _report_tampering_is_caught(run: Path, verdict: Callable[[], str]) -> None:
    """A purged run's report is still vouched for by report.json: a page the purge kept,
    edited, and a file slipped in are each named."""
    record = json.loads((run / "purged.json").read_text())
    touched = set(record["removed"]) | set(record.get("files", {}))
    touched |= set(record.get("partial", {}).get("files", {}))
    kept = sorted(
        p for p in (run / "report").rglob("*.html") if p.relative_to(run).as_posix() not in touched
    )
    assert kept, "the purge kept no report page to tamper with"
    page = kept[0]
    page.write_text(page.read_text(encoding="utf-8") + "<p>forged</p>", encoding="utf-8")
    rel = page.relative_to(run).as_posix()
    out = verdict()
    assert f"report file changed after it was written: {rel} (hash differs from report.json)" in out
    page.write_text(page.read_text(encoding="utf-8").replace("<p>forged</p>", ""), encoding="utf-8")
    (run / "report" / "slipped.html").write_text("<p>forged</p>", encoding="utf-8")
    assert "report file not in report.json: report/slipped.html" in verdict()
    (run / "report" / "slipped.html").unlink()
    # Anywhere else: a file slipped in may hold the very ids the purge removed.
    (run / "plan" / "riders-old.csv").write_text("worker_id\nW01\n", encoding="utf-8")
    assert (
        "file slipped in after the purge: plan/riders-old.csv (neither the manifest nor "
        "purged.json lists it)"
    ) in verdict()
    (run / "plan" / "riders-old.csv").unlink()
    # An aggregate forged with its hash in purged.json updated: recounted from what is kept.
    saved = (run / "purged.json").read_bytes()
    week = run / "aggregates" / "transport_by_week.csv"
    rows = week.read_text(encoding="utf-8").splitlines(keepends=True)
    head, first = rows[0].rstrip("\n").split(","), rows[1].rstrip("\n").split(",")
    first[head.index("trips")] = str(int(first[head.index("trips")]) + 7)
    week.write_text(rows[0] + ",".join(first) + "\n" + "".join(rows[2:]), encoding="utf-8")
    kpis = run / "aggregates" / "kpis.csv"
    was = kpis.read_bytes()
    kpis.write_text(
        re.sub(r"(?m)^housing\.housed,(\d+)$", "housing.housed,999", kpis.read_text("utf-8")),
        encoding="utf-8",
    )
    record = json.loads(saved)
    for f in (week, kpis):
        record["aggregates"][f.relative_to(run).as_posix()] = file_sha256(f)
    (run / "purged.json").write_text(json.dumps(record))
    out = verdict()
    assert f"aggregates/transport_by_week.csv row 2: trips '{first[head.index('trips')]}'" in out
    assert "aggregates/kpis.csv row " in out and "housing.housed '999', the manifest says" in out
    kpis.write_bytes(was)
    week.write_text("".join(rows), encoding="utf-8")
    (run / "purged.json").write_bytes(saved)
    record = json.loads(saved)
    (record["purges"][0] if "purges" in record else record)["before"] = "yesterday"
    (run / "purged.json").write_text(json.dumps(record))
    code, out = _cli("verify", str(run))
    assert code == 2 and "malformed purged run folder" in out, out
    (run / "purged.json").write_bytes(saved)


def test_purge_after_the_season_purges_the_season_run(season: Path) -> None:
    _ok("purge", str(season), "--before", "2026-08-01")
    assert "chain intact" in _ok("ledger", "verify", str(season))
    assert not _db_ids(season.parent / "tiny.ledger.sqlite")
    for run in (season, season.parent / "tiny.days" / "2026-07-07"):
        for f in run.rglob("*"):
            if f.is_file():
                assert not _ids_in(f), f
        code, out = _cli("verify", str(run))
        assert code == 0 and "purged for retention" in out, out
    housing = (season / "aggregates" / "housing_by_site.csv").read_text()
    assert "FA,men,2,14" in housing  # W01, W02: 7 nights each, kept as a count
    # A second purge finds nothing left to purge and leaves everything verifiable.
    assert "0 ledger rows, 0 runs" in _ok("purge", str(season), "--before", "2026-08-01")


def test_tampering_after_a_purge_is_caught(season: Path) -> None:
    _ok("purge", str(season), "--before", "2026-08-01")
    agg = season / "aggregates" / "housing_by_site.csv"
    agg.write_text(agg.read_text().replace("FA,men,2,14", "FA,men,3,14"))
    code, out = _cli("verify", str(season))
    assert code == 1 and "aggregate changed after the purge" in out, out
    trips = season / "plan" / "trips.csv"
    was = trips.read_bytes()
    trips.write_text(trips.read_text().replace(",VA1,", ",VB1,", 1))
    code, out = _cli("verify", str(season))
    assert "file changed after solving: plan/trips.csv" in out, out
    trips.write_bytes(was)

    def verdict() -> str:
        code, out = _cli("verify", str(season))
        assert code == 1, out
        return out

    _report_tampering_is_caught(season, verdict)
    ledger = season.parent / "tiny.ledger.sqlite"
    conn = sqlite3.connect(ledger, isolation_level=None)
    conn.execute("DROP TRIGGER ledger_no_update")
    conn.execute("UPDATE ledger_events SET kind = 'departure' WHERE seq = 1")
    conn.close()
    code, out = _cli("ledger", "verify", str(season))
    assert code == 1 and "row 1: purged row does not match its hash (edited)" in out, out
    code, out = _cli("purge", str(season), "--before", "2026-08-02")
    assert code == 2 and "chain broken, nothing purged" in out, out


def test_mid_season_purge_of_an_encrypted_run_needs_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The restricted part encrypted at rest: without the key the purge says so and changes
    nothing (the ledger neither); with it the rows go and the part is encrypted again."""
    from cryptography.fernet import Fernet

    from foresterie.core.restricted import KEY_ENV
    from tests.helpers import TINY

    key = Fernet.generate_key().decode()
    monkeypatch.setenv(KEY_ENV, key)
    run = tmp_path / "tiny"
    _ok("solve", str(TINY), "--out", str(run))
    _ok("ledger", "init", str(run))
    rows = tmp_path / "checkins.csv"
    rows.write_text("date,worker_id,event\n2026-07-06,W01,arrival\n2026-07-06,W02,arrival\n")
    _ok("ledger", "import", str(run), str(rows))
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    monkeypatch.delenv(KEY_ENV)
    code, out = _cli("purge", str(run), "--before", "2026-07-14")
    assert code == 2 and f"encrypted: set {KEY_ENV}" in out and len(out.splitlines()) == 1, out
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    monkeypatch.setenv(KEY_ENV, key)
    out = _ok("purge", str(run), "--before", "2026-07-14")
    assert "2 ledger rows" in out and "6 people whose stay had ended" in out, out  # all but W07
    sealed = run / "restricted" / "priority.csv.fernet"
    plain = Fernet(key.encode()).decrypt(sealed.read_bytes()).decode()
    assert plain.splitlines() == ["worker_id,priority", "W07,0"]
    assert not (run / "restricted" / "priority.csv").exists()
    assert _ok("verify", str(run)).splitlines()[-1].startswith("ok:")
    monkeypatch.delenv(KEY_ENV)
    code, out = _cli("verify", str(run))
    assert code == 0 and f"restricted/priority.csv: encrypted and {KEY_ENV} is not set" in out


def test_mid_season_purge_on_a_postgres_ledger(season: Path, pg_url: str, tmp_path: Path) -> None:
    """The same purge on the offices' PostgreSQL ledger: the rows of the people who left lose
    their payload (also in the table's file on disk after VACUUM FULL), the planner statistics
    every office account reads (pg_stats) no longer hold their ids, the chain verifies."""
    import psycopg

    _ok("ledger", "init", str(season), "--ledger", pg_url)
    rows = tmp_path / "checkins.csv"
    rows.write_text(
        "date,worker_id,event\n2026-07-06,W01,arrival\n2026-07-06,W02,arrival\n"
        "2026-07-20,W02,departure\n"
    )
    _ok("ledger", "import", str(season), str(rows), "--ledger", pg_url)
    stats = (  # every sampled value of every column of the table, as an office account sees it
        "SELECT string_agg(concat(most_common_vals::text, histogram_bounds::text), ' ') "
        "FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'ledger_events'"
    )
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("ANALYZE ledger_events")  # as autovacuum does on its own, before the purge
        assert "W01" in str(conn.execute(stats).fetchone()[0])  # type: ignore[index]
    out = _ok("purge", str(season), "--before", "2026-07-14", "--ledger", pg_url)
    assert "1 ledger row," in out and "5 people whose stay had ended" in out, out
    assert "chain intact" in _ok("ledger", "verify", str(season), "--ledger", pg_url)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        sampled = str(conn.execute(stats).fetchone()[0])  # type: ignore[index]
        assert "W01" not in sampled and "W02" in sampled  # re-sampled from what is left
        table = " ".join(str(r) for r in conn.execute("SELECT * FROM ledger_events").fetchall())
        conn.execute("CHECKPOINT")
        data = str(conn.execute("SHOW data_directory").fetchone()[0])  # type: ignore[index]
        rel = str(conn.execute("SELECT pg_relation_filepath('ledger_events')").fetchone()[0])  # type: ignore[index]
    assert "W01" not in table and "W02" in table
    heap = Path(data) / rel
    if heap.is_file():  # the server's files are readable where the tests run it
        assert b"W01" not in heap.read_bytes() and b"W02" in heap.read_bytes()


def test_exports_keep_working_on_a_partly_purged_run(season: Path, tmp_path: Path) -> None:
    """After the mid-season purge: the public export is byte for byte the one before it (the
    counts the purge kept), the driver packs name only people still here, and the operator's
    copy (no restricted part) verifies, saying what it could not check."""
    _ok("export", str(season), "--role", "public", "--out", str(tmp_path / "public-before"))
    _ok("purge", str(season), "--before", "2026-07-14")
    _ok("export", str(season), "--role", "public", "--out", str(tmp_path / "public"))
    before = {p.name: p.read_bytes() for p in (tmp_path / "public-before").iterdir()}
    assert {p.name: p.read_bytes() for p in (tmp_path / "public").iterdir()} == before
    _ok("export", str(season), "--role", "driver", "--out", str(tmp_path / "driver"))
    named: set[str] = set()
    for f in (tmp_path / "driver").rglob("*"):
        if f.is_file():
            assert not (_ids_in(f) & GONE), f
            named |= _ids_in(f)
    assert named == {"W02"}  # W02's packs are still there
    _ok("export", str(season), "--role", "operator", "--out", str(tmp_path / "operator"))
    code, out = _cli("verify", str(tmp_path / "operator"))
    assert code == 0 and "partly purged for retention" in out, out
    assert "restricted/priority.csv: withheld from this copy" in out


def test_purge_says_what_it_did_in_the_command_lines_language(
    season: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An Italian office reads purge's lines in Italian, counts in the singular where they are one
    (session 19: they were English only, "1 runs")."""
    monkeypatch.setenv("FORESTERIE_LANG", "it")
    out = _ok("purge", str(season), "--before", "2026-07-10")
    assert "eliminati i dati anteriori al 2026-07-10: 0 righe del registro, 1 esecuzione (" in out
    assert "le settimane prima del" in out and "purged" not in out, out


@pytest.fixture(scope="module")
def nested(tiny_season_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checked-in tiny season (its ledger beside it), an intake on 07-09, one made from it
    on 07-11 and one from that on 07-13 (RUN.intake/D1.intake/D2.intake/D3), and a day run of
    the first (RUN.intake/D1.days/07-10); built once: each test copies it."""
    top = tmp_path_factory.mktemp("nested")
    run = checked_in_season(tiny_season_run, top)
    _ok("intake", str(run), "--date", "2026-07-09")
    first = top / "tiny.intake" / "2026-07-09"
    _ok("intake", str(first), "--date", "2026-07-11")
    second = top / "tiny.intake" / "2026-07-09.intake" / "2026-07-11"
    _ok("intake", str(second), "--date", "2026-07-13")
    third = second.parent / "2026-07-11.intake" / "2026-07-13"
    assert (third / "manifest.json").is_file()
    _ok("day", str(first), "--date", "2026-07-10")
    return top


def _copy(nested: Path, tmp_path: Path) -> Path:
    shutil.copytree(nested, tmp_path / "n")
    return tmp_path / "n"


def _every_run(top: Path) -> list[Path]:
    return sorted(m.parent for m in top.rglob("manifest.json"))


def test_purge_reaches_the_intakes_made_from_intakes_at_every_depth(
    nested: Path, tmp_path: Path
) -> None:
    """Session 19's leftover: purge reached RUN.intake/D1 and left RUN.intake/D1.intake/D2
    (and deeper) whole, every id in it."""
    top = _copy(nested, tmp_path)
    runs = _every_run(top)
    assert len(runs) == 5, runs  # the season, three intakes one from the other, a day run
    _ok("purge", str(top / "tiny"), "--before", "2026-08-01")
    for run in runs:
        assert (run / "purged.json").is_file(), run
        for f in run.rglob("*"):
            if f.is_file():
                assert not _ids_in(f), f
        code, out = _cli("verify", str(run))
        assert code == 0 and "purged for retention" in out, (run, out)


def test_a_purge_that_cannot_read_a_deep_intake_changes_nothing(
    nested: Path, tmp_path: Path
) -> None:
    top = _copy(nested, tmp_path)
    deep = top / "tiny.intake" / "2026-07-09.intake" / "2026-07-11.intake" / "2026-07-13"
    (deep / "inputs" / "scenario.toml").write_bytes(b"\xff\xfe not toml")

    def state() -> dict[str, str]:
        return {
            f.relative_to(top).as_posix(): file_sha256(f)
            for f in sorted(top.rglob("*"))
            if f.is_file()
        }

    before = state()
    code, out = _cli("purge", str(top / "tiny"), "--before", "2026-08-01")
    assert code == 2, out
    assert len(out.strip().splitlines()) == 1 and "2026-07-13" in out and "scenario.toml" in out
    assert state() == before  # the ledger, the season run and the first intakes untouched
