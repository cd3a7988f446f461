"""A group kept out by one member's referral record while a foresteria in reach is open: the
code is `placement` (published `unsuitable`), never `closed`, which would be false for the
members without a record and would tell the referral beside an open site (review 15, finding 1);
`verify` holds `closed` among every foresteria in reach, sites to avoid included."""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.housing.waitlist import NOT_OFFERED_WORDS
from tests.helpers import rehash, with_referrals

# Two men, one crew, after FB's last night (07-20): only FA (San Severo, 3 men's beds, empty
# from 07-13) is open for their stay and within reach of F1. W08's record keeps him from FA.
CREW = (
    "W08,2026-07-21,2026-07-28,men,G2,F1,0,false,,Karim B\n"
    "W09,2026-07-21,2026-07-28,men,G2,F1,0,false,,Omar C\n"
)
OTHER = "W01,2026-06-30,Questura di Foggia,high,FB\n"  # a record that does not touch the crew


def _scenario(tmp_path: Path, records: str) -> Path:
    folder = with_referrals(tmp_path, records)
    with (folder / "workers.csv").open("a", encoding="utf-8") as fh:
        fh.write(CREW)
    return folder


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["worker_id"]: r for r in csv.DictReader(fh)}


def _solve(scenario: Path, out: Path) -> None:
    r = CliRunner().invoke(app, ["solve", str(scenario), "--out", str(out)])
    assert r.exit_code == 0, r.output  # verified


def test_a_crew_kept_out_by_one_record_is_placement_not_closed(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    _solve(_scenario(tmp_path / "a", OTHER), plain)  # without W08's record FA takes the crew
    housed = _rows(plain / "plan" / "assignments.csv")
    assert housed["W08"]["foresteria_id"] == housed["W09"]["foresteria_id"] == "FA"

    run = tmp_path / "run"
    records = OTHER + "W08,2026-07-01,Sportello Antitratta,high,FA\n"
    _solve(_scenario(tmp_path / "b", records), run)
    detail = _rows(run / "restricted" / "waitlist_reasons.csv")
    public = _rows(run / "plan" / "waitlist.csv")
    for wid in ("W08", "W09"):  # W09 has no record: the crew's code is the record's
        assert detail[wid]["code"] == "placement", detail[wid]
        assert public[wid]["code"] == "not_offered" and public[wid]["proven"] == "yes"
        assert "open" not in detail[wid]["reason"]
    # the neutral code and words (review 19 R, HIGH-3: `unsuitable` beside them was refuted by
    # FA, within reach, open, with the beds); W07 (no family beds open) keeps `unsuitable` unless
    # the crowd's draw (no draw key here: sha256) takes it into the same code and words
    assert public["W08"]["reason"] == NOT_OFFERED_WORDS
    drawn = int(hashlib.sha256(b"7:not_offered:W07").hexdigest()[:16], 16) < (1 << 64) // 4
    assert public["W07"]["code"] == ("not_offered" if drawn else "unsuitable")

    # `closed` forged in its place (as a forger with the restricted part, re-hashed) is refused
    for rel, old, new in (
        ("restricted/waitlist_reasons.csv", "W08,placement,", "W08,closed,"),
        ("plan/waitlist.csv", "W08,not_offered,", "W08,closed,"),
    ):
        path = run / rel
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    rehash(run, ["restricted/waitlist_reasons.csv", "plan/waitlist.csv"])
    r = subprocess.run(
        [sys.executable, "-m", "foresterie", "verify", str(run)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "is 'closed', yet FA is within reach and open for the stay" in r.stdout, r.stdout


def test_the_crowd_is_drawn_in_every_run_of_a_season_with_referral_records() -> None:
    """The crowd published `not_offered` does not depend on whether a referral shaped a row of
    this run: an intake whose referred person has left (or found a bed) draws the same crowd, so
    comparing two runs of the season does not tell the crowd from the referral (review 19 S);
    a season without referral records draws none."""
    from dataclasses import replace

    from foresterie.housing.waitlist import WaitlistEntry, crowd_draw, withhold_reasons
    from foresterie.scenario.load import load_scenario
    from tests.helpers import TINY

    sc = load_scenario(TINY)
    entries = [
        WaitlistEntry(worker_id=f"X{i:02d}", priority=0, code="full", reason="", proven=True)
        for i in range(40)
    ]
    assert withhold_reasons(sc, entries) == entries  # no referral records: unchanged
    ws = [replace(w, avoid=frozenset({"FB"})) if w.id == "W03" else w for w in sc.workers]
    referred = replace(sc, workers=tuple(ws))
    got = withhold_reasons(referred, entries)  # no row here is referral-shaped
    drawn = {e.worker_id for e in got if e.withheld}
    key, seed = referred.draw_key, referred.config.scenario.seed
    assert drawn == {e.worker_id for e in entries if crowd_draw(key, seed, e.worker_id)}
    assert 0 < len(drawn) < len(entries)
