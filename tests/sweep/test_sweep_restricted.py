"""Sweeps over seasons with referral records (review 15, finding 2): every member's restricted
files agree with the member, and no published sweep output carries text from a restricted input.
The beds' rounding rule (finding 4)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from foresterie.core.errors import Problem, ScenarioError
from foresterie.run.pipeline import PlanRejected
from foresterie.scenario.load import load_scenario
from foresterie.sweep.members import (
    half_up,
    load_sweep,
    member_scenario,
    members,
    scaled_beds,
    write_members,
)
from foresterie.sweep.report import write_sweep_report
from foresterie.sweep.runner import (
    ERROR_FILE,
    _member_cols,
    public_error,
    run_member,
    run_sweep,
)
from foresterie.sweep.tables import write_tables
from tests.helpers import with_referrals

# Everyone but the family W04/W05 is kept away from FB (W02 also from farm F3); the family from
# FA. FB closed by a decision leaves W01's record with nothing to avoid.
RECORDS = (
    "W01,2026-06-20,Questura di Foggia,high,FB\n"
    "W02,2026-06-21,ASL Foggia,medium,FB;F3\n"
    "W03,2026-06-22,Comune di Foggia,high,FB\n"
    "W04,2026-06-23,ASL Foggia,low,FA\n"
    "W06,2026-06-24,Questura di Foggia,high,FB\n"
    "W07,2026-06-25,Comune di Foggia,medium,FB\n"
)

SWEEP = """
[sweep]
name = "referred"
base = "ref"
seed = 3
draws = {draws}
{window}
[perturb]
no_show_rate = 0.5
extra_arrivals = {{ tomato = 0.5 }}

[decisions]
open = {{ FB = [true, false] }}
{extra}
"""


def _sweep(tmp: Path, draws: int = 2, window: str = "", extra: str = "") -> Path:
    with_referrals(tmp, RECORDS)
    path = tmp / "sweep.toml"
    path.write_text(SWEEP.format(draws=draws, window=window, extra=extra), encoding="utf-8")
    return path


@pytest.mark.parametrize("window", ["", "window = [2026-07-06, 2026-07-12]"])
def test_every_member_s_referral_records_agree_with_the_member(tmp_path: Path, window: str) -> None:
    """No-shows, a closed foresteria and a window drop people and sites the records named; every
    member folder still loads, its records name only its people and its sites, and a record
    left with nothing to avoid is kept (the person is still referred)."""
    sw = load_sweep(_sweep(tmp_path, draws=6, window=window))
    base = load_scenario(sw.base)
    written = write_members(sw, tmp_path / "out")
    dropped = closed = emptied = 0
    for wr in written:
        assert not wr.scenario_hash.startswith("invalid-"), wr.member.id
        sc = load_scenario(wr.folder)  # raises on a record of an unknown person or site
        assert sc == load_scenario(wr.folder)
        people = {w.id for w in sc.workers}
        sites = {f.id for f in sc.foresterie} | {f.id for f in sc.farms}
        assert all(x.worker_id in people and x.avoid_sites <= sites for x in sc.referrals)
        referred = {w.id for w in base.workers if w.id in {x.worker_id for x in base.referrals}}
        assert {x.worker_id for x in sc.referrals} == referred & people  # none lost, none added
        assert all(not w.avoid for w in sc.workers if "-x" in w.id)  # copies are strangers
        in_memory = member_scenario(base, sw, wr.member)
        assert {w.id: w.avoid for w in in_memory.workers} == {w.id: w.avoid for w in sc.workers}
        dropped += len(referred - people) > 0
        closed += "FB" not in sites
        emptied += any(x.worker_id == "W01" and not x.avoid_sites for x in sc.referrals)
    # the draws did drop referred people, and the decision closed a site to avoid
    assert dropped and closed and emptied


def test_a_sweep_over_a_season_with_referrals_solves_every_member(tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed", reason="Dask is not installed: pip install '.[sweep]'")
    sw = load_sweep(_sweep(tmp_path))
    res = run_sweep(sw, tmp_path / "out", workers=1, keep_runs=False)
    frame = pd.read_csv(tmp_path / "out" / "results.csv", dtype={"error": str})
    assert res.failed == 0 and list(frame["status"]) == ["ok"] * 4
    base = load_scenario(sw.base)
    kept = [
        {w.id for w in member_scenario(base, sw, m).workers} for m in members(sw)
    ]  # the members did drop someone with a record
    assert any(not {x.worker_id for x in base.referrals} <= ids for ids in kept)


def test_a_failure_in_a_restricted_file_publishes_no_id(tmp_path: Path) -> None:
    """A member whose referral records name someone it does not have (as every member with a
    no-show did before review 15): results.csv, the report and the row keep the file, the row
    and the field, never the id; the whole error is in the member's own folder only."""
    pytest.importorskip("dask.distributed", reason="Dask is not installed: pip install '.[sweep]'")
    member = tmp_path / "members" / "d000-r0000"
    scenario = with_referrals(tmp_path, RECORDS + "W0008,2026-06-26,ASL Foggia,high,FB\n")
    shutil.move(scenario, member / "scenario")
    row = run_member("d000-r0000", str(member / "scenario"), str(member / "run"), False)
    assert row["status"] == "failed"
    assert row["error"] == (
        "referrals.csv:8: worker_id: refused (a restricted input: error.txt in the member's folder)"
    )
    assert "W0008" in (member / ERROR_FILE).read_text(encoding="utf-8")
    # and so in the sweep's published table and report, written from that row
    sw = load_sweep(_sweep(tmp_path / "sw"))
    m = members(sw)[0]
    row.update(_member_cols(m, "invalid-0"))
    out = tmp_path / "sw" / "out"
    write_tables(sw, out, [row])
    write_sweep_report(sw, out, [row])
    html = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert "referrals.csv:8: worker_id: refused" in html
    for name in ("results.csv", "quantiles.csv", "timings.csv", "report/index.html"):
        assert "W0008" not in (out / name).read_text(encoding="utf-8"), name
    assert "W0008" not in pd.read_parquet(out / "results.parquet").to_csv()


def test_public_error_keeps_no_restricted_words() -> None:
    problems = ScenarioError(
        [
            Problem("referrals.csv", 3, "avoid_sites", "unknown foresteria 'FR-SECRET'"),
            Problem("workers.csv", 4, "priority", "'W0008': 4 is not 0..3"),
            Problem("workers.csv", 5, "pinned_foresteria", "unknown foresteria 'FB'"),
        ]
    )
    text = public_error(problems)
    assert "FR-SECRET" not in text and "W0008" not in text
    assert "workers.csv:5: pinned_foresteria: unknown foresteria 'FB'" in text  # not restricted
    assert "referrals.csv:3: avoid_sites: refused" in text
    rejected = PlanRejected(["site to avoid: W0008 placed at FB", "seats exceeded: T1 ..."])
    assert public_error(rejected) == "verification: 2 violations, the first: site to avoid"
    try:
        {"W0001": 1}["W0008"]
    except KeyError as exc:
        text = public_error(exc)
    assert text.startswith("KeyError at test_sweep_restricted.py:") and "W0008" not in text


# ------------------------------------------------------------------ the rounding rule


def test_beds_round_half_up_and_never_from_some_to_none() -> None:
    assert [half_up(0.5, n) for n in (1, 3, 5)] == [1, 2, 3]  # round(): 0, 2, 2
    assert half_up(0.3, 5) == 2  # 1.5 on the decimal written, not the float's 1.4999...
    assert half_up(0.1, 4) == 0
    assert [scaled_beds(n, 0.25) for n in (0, 1, 2, 3, 6)] == [0, 1, 1, 1, 2]
    assert [scaled_beds(n, 1.5) for n in (1, 3)] == [2, 5]


def test_a_member_s_header_lists_its_scaled_beds(tmp_path: Path) -> None:
    sw = load_sweep(_sweep(tmp_path, draws=1, extra="beds_scale = [0.5, 1.0]"))
    written = {wr.member.decision_label: wr for wr in write_members(sw, tmp_path / "out")}
    half = written["open_FB=yes beds_scale=0.5"].folder
    sc = load_scenario(half)
    beds = {
        f.id: (f.beds_men, f.beds_women, f.beds_family, f.beds_accessible) for f in sc.foresterie
    }
    # FA 3/1/0, 1 accessible; FB 2/0/2: halves rounded up, the one women's and accessible bed kept
    assert beds == {"FA": (2, 1, 0, 1), "FB": (1, 0, 1, 0)}
    head = (half / "scenario.toml").read_text(encoding="utf-8").splitlines()
    assert "#   FA: men 2, women 1, family 0, accessible 1" in head
    assert "#   FB: men 1, women 0, family 1, accessible 0" in head
    whole = written["open_FB=yes beds_scale=1.0"].folder / "scenario.toml"
    assert "#   FA: men 3, women 1, family 0, accessible 1" in whole.read_text(encoding="utf-8")
