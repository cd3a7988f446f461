"""What plan/waitlist.csv publishes beside an id: no code or words a priority or a referral
record decides (README "Waitlist reasons"); the detail stays in restricted/waitlist_reasons.csv."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import get_args

from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.housing.waitlist import PUBLIC_CODE, PublicCode, WaitlistCode
from tests.helpers import with_referrals
from tests.housing.test_tiers import farm, foresteria, solve, worker

# Codes a restricted fact decides: the priority (`outranked`: someone housed ranks higher) or a
# referral record's sites to avoid (`placement`).
RESTRICTED_DECIDED = {"outranked", "placement"}


def test_every_code_published_as_one_no_restricted_fact_decides() -> None:
    assert set(PUBLIC_CODE) == set(get_args(WaitlistCode))
    assert set(PUBLIC_CODE.values()) == set(get_args(PublicCode))
    for code in RESTRICTED_DECIDED:
        public = PUBLIC_CODE[code]
        assert public not in RESTRICTED_DECIDED
        # the published code is shared with a code no restricted fact decides
        shared = {c for c, p in PUBLIC_CODE.items() if p == public} - RESTRICTED_DECIDED
        assert shared, code


def test_outranked_is_published_with_fulls_words() -> None:
    ws = [worker("W0", priority=0), worker("W3", priority=3), worker("W1", priority=1)]
    _, hp = solve([foresteria("A", men=1)], [farm("F1")], ws)
    entries = {e.worker_id: e for e in hp.waitlist}
    assert entries["W0"].code == "outranked" and "higher priority" in entries["W0"].reason
    code, words = entries["W0"].published
    assert code == "full" and "out-ranked" not in words
    assert "held by people of higher priority" not in words
    assert words == (
        "men's beds full on some night of the stay at every foresteria within reach "
        "(held by people of equal or higher priority)"
    )
    # the detail (restricted) names the site and the nights the published words do not
    assert "Foresteria A on 2026-07-06..07-09" in entries["W0"].reason
    # a `full` person's own words: the same sentence, whatever their sites and nights
    _, hp2 = solve([foresteria("A", men=1)], [farm("F1")], [worker("W0"), worker("W1")])
    ((e,),) = [[x for x in hp2.waitlist]]
    assert e.code == "full" and e.published == ("full", words)
    assert "Foresteria A" in e.reason


def test_published_full_words_name_no_site_and_no_night() -> None:
    """Which sites are in reach and on which nights they are full differ with a referral
    record's sites to avoid and with a priority: the published words of `full` (also standing
    for `outranked`) and `too_large` name neither, so their shape tells nothing (review 10: one
    site and one short span told 163 of 165 out-ranked people apart)."""
    ws = [worker(f"W{i}", priority=min(i, 3)) for i in range(6)]
    ws += [worker(f"G{i}", group="G", section="family") for i in range(3)]
    _, hp = solve([foresteria("A", men=1, family=2), foresteria("B", men=1)], [farm("F1")], ws)
    seen = {e.code for e in hp.waitlist}
    assert {"full", "outranked", "too_large"} <= seen, seen
    for e in hp.waitlist:
        code, words = e.published
        if code in ("full", "too_large"):
            assert "Foresteria" not in words and not any(
                c.isdigit() for c in words.replace("group of 3", "")
            ), (e.code, words)


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["worker_id"]: r for r in csv.DictReader(fh)}


def test_a_placement_reads_as_a_missing_section_beside_the_id(tmp_path: Path) -> None:
    """W02 is kept away from both foresterie (a referral record): `placement`; W07 asks for
    family beds where none are open: `no_section`. Beside their ids the plan says the same
    code and the same words; the detail is in the restricted part, and `verify` checks it."""
    scenario = with_referrals(tmp_path, "W02,2026-07-01,Sportello Antitratta,high,FA;FB\n")
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(scenario), "--out", str(out)])
    assert r.exit_code == 0, r.output  # every referred person waitlisted: no days-to-bed figure
    sealed = json.loads((out / "restricted" / "kpis.json").read_text(encoding="utf-8"))
    kpis = sealed["housing"]  # beside ids (the manifest, the report) no referral figure
    assert kpis["referred_housed"] == 0 and kpis["referral_days_to_bed_median"] is None
    index = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert "referral_days_to_bed_median" not in index
    public = _rows(out / "plan" / "waitlist.csv")
    detail = _rows(out / "restricted" / "waitlist_reasons.csv")
    assert detail["W02"]["code"] == "placement" and detail["W07"]["code"] == "no_section"
    assert public["W02"]["code"] == public["W07"]["code"] == "unsuitable"
    assert public["W02"]["reason"] == public["W07"]["reason"]
    assert public["W02"]["proven"] == public["W07"]["proven"] == "yes"
    assert set(public) == set(detail)
    published = "".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in out.rglob("*")
        if p.is_file() and "restricted" not in p.parts and p.suffix in (".csv", ".html", ".md")
    )
    assert "placement" not in published  # the referral KPIs' counts are restricted/kpis.json's
    v = CliRunner().invoke(app, ["verify", str(out)])
    assert v.exit_code == 0, v.output
    # The operator's copy (no restricted part) verifies too, and says what it could not check.
    view = tmp_path / "view"
    e = CliRunner().invoke(app, ["export", str(out), "--role", "operator", "--out", str(view)])
    assert e.exit_code == 0, e.output
    v = CliRunner().invoke(app, ["verify", str(view)])
    assert v.exit_code == 0, v.output
    assert "the detailed waitlist reasons" in v.output
