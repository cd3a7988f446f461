"""Nights without a bed that a placement constraint forced are published neutrally (review 17,
finding 7; README "Waitlist reasons").

The partial season (Fortore, FA, opens on 07-08; Borgo Mezzanone, FB, closes after 07-15) with
two more men of the same stay (07-06..07-13, farm F2, within reach of both): W08, whose referral
record keeps him away from Borgo Mezzanone, and W09, who has none. Borgo Mezzanone's two men's
beds are held from 07-05 on, so W08 and one man without a referral record (W01 today: which one
is the solver's choice) sleep at Fortore from its opening, and on 07-06 and 07-07 Borgo
Mezzanone is open within reach: "Fortore opens on 2026-07-08" is not the whole reason for
either. Both rows are published `no_bed_elsewhere` with the same words; the restricted detail
says `placement` for W08 only. The verifier refuses every way of publishing it otherwise."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.housing.waitlist import uncovered_reasons
from foresterie.scenario.model import Assignment, Worker
from foresterie.verify import verify_run
from tests.helpers import DATA, D, farm, foresteria, matrix, rehash, scenario, set_toml, worker

PLAN = "plan/uncovered.csv"
DETAIL = "restricted/uncovered_reasons.csv"
BEFORE = "Fortore opens on 2026-07-08"
NEUTRAL = (
    f"{BEFORE}; the other foresterie within reach open on some of these nights had no bed this "
    "plan could give this person"
)


@pytest.fixture(scope="module")
def referred_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("placement")
    folder = base / "season"
    shutil.copytree(DATA / "partial", folder)
    with (folder / "workers.csv").open("a", encoding="utf-8") as f:
        f.write("W08,2026-07-06,2026-07-13,men,,F2,0,false,\n")
        f.write("W09,2026-07-06,2026-07-13,men,,F2,0,false,\n")
    set_toml(folder, 'fleet = "fleet.csv"', 'fleet = "fleet.csv"\nreferrals = "referrals.csv"')
    (folder / "referrals.csv").write_text(
        "worker_id,referral_date,referring_body,urgency,avoid_sites\n"
        "W08,2026-06-20,Comune di Foggia,high,FB\n",
        encoding="utf-8",
    )
    out = base / "run"
    r = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


def _rows(run: Path, rel: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((run / rel).read_text(encoding="utf-8"))))


def _write(run: Path, rel: str, rows: list[dict[str, str]]) -> None:
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, ["worker_id", "from", "to", "code", "reason"], lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    (run / rel).write_text(buf.getvalue(), encoding="utf-8")


def _copy(run: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "run"
    shutil.copytree(run, dst)
    return dst


def _rekey(run: Path, name: str) -> None:
    """A restricted file's digest re-keyed with the run's own salt, as a forger would."""
    salt = (run / "restricted" / "salt.txt").read_bytes()
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    data = (run / "restricted" / name).read_bytes()
    m["restricted"][name] = "hmac-sha256:" + hmac.new(salt, data, hashlib.sha256).hexdigest()
    (run / "manifest.json").write_text(json.dumps(m), encoding="utf-8")


def _edit(run: Path, rel: str, worker: str, **cells: str) -> int:
    """Set `cells` in `worker`'s row of `rel`; its line number."""
    rows = _rows(run, rel)
    n = next(i for i, x in enumerate(rows) if x["worker_id"] == worker)
    rows[n] |= cells
    _write(run, rel, rows)
    if rel.startswith("plan/"):
        rehash(run, [rel])
    else:
        _rekey(run, Path(rel).name)
    return n + 2


def _row(run: Path, rel: str, worker: str) -> dict[str, str]:
    return next(x for x in _rows(run, rel) if x["worker_id"] == worker)


def _other(run: Path) -> str:
    """The man without a referral record whose nights without a bed are W08's."""
    w08 = _row(run, PLAN, "W08")
    (other,) = [
        x["worker_id"]
        for x in _rows(run, PLAN)
        if x["worker_id"] != "W08"
        and (x["from"], x["to"]) == (w08["from"], w08["to"])
        and x["worker_id"] != "W03"  # the woman: no women's beds at Borgo Mezzanone
    ]
    return other


def test_the_referred_and_the_other_man_read_alike(referred_run: Path) -> None:
    assert verify_run(referred_run, report=False) == []
    other = _other(referred_run)
    w08, w09 = _row(referred_run, PLAN, "W08"), _row(referred_run, PLAN, other)
    assert (w08["from"], w08["to"], w08["code"], w08["reason"]) == (
        "2026-07-06",
        "2026-07-08",
        "no_bed_elsewhere",
        NEUTRAL,
    )
    assert {k: v for k, v in w09.items() if k != "worker_id"} == {
        k: v for k, v in w08.items() if k != "worker_id"
    }
    published = (referred_run / PLAN).read_text(encoding="utf-8")
    assert "Borgo Mezzanone" not in published.split("W07")[0]  # the site avoided: not named
    assert "placement" not in published
    # the detail keeps the whole reason, for the referred man only
    assert _row(referred_run, DETAIL, "W08") | {"worker_id": ""} == {
        "worker_id": "",
        "from": "2026-07-06",
        "to": "2026-07-08",
        "code": "placement",
        "reason": f"{BEFORE}; placement rules out Borgo Mezzanone",
    }
    assert _row(referred_run, DETAIL, other)["code"] == "before_opening"
    # spans with no other foresteria within reach open keep their plain code and words: W03
    # (no women's beds at Borgo Mezzanone), W07 (nothing open after its closing)
    assert _row(referred_run, PLAN, "W03")["reason"] == BEFORE
    assert _row(referred_run, PLAN, "W07")["code"] == "after_closing"


def test_the_placement_published_as_its_plain_code_is_refused(
    referred_run: Path, tmp_path: Path
) -> None:
    run = _copy(referred_run, tmp_path)
    line = _edit(run, PLAN, "W08", code="before_opening", reason=BEFORE)
    assert verify_run(run, report=False) == [
        f"uncovered code not the published facts': {PLAN}:{line}: W08 2026-07-06..2026-07-08 is "
        "'before_opening', 'no_bed_elsewhere' by them (FB within reach open on some of these "
        "nights)",
        f"uncovered code tells the placement: {PLAN}: W08 2026-07-06..2026-07-08 is "
        "'before_opening', its detail 'placement'",
    ]


def test_the_other_man_published_plainly_is_refused_too(referred_run: Path, tmp_path: Path) -> None:
    """Else the count of neutral rows, and who has one, would tell the referral."""
    run = _copy(referred_run, tmp_path)
    other = _other(run)
    line = _edit(run, PLAN, other, code="before_opening", reason=BEFORE)
    assert verify_run(run, report=False) == [
        f"uncovered code not the published facts': {PLAN}:{line}: {other} "
        "2026-07-06..2026-07-08 is 'before_opening', 'no_bed_elsewhere' by them (FB within "
        "reach open on some of these nights)"
    ]


def test_the_neutral_code_where_nothing_else_is_open_is_refused(
    referred_run: Path, tmp_path: Path
) -> None:
    run = _copy(referred_run, tmp_path)
    words = (
        "Borgo Mezzanone closes after 2026-07-15; the other foresterie within reach open on some "
        "of these nights had no bed this plan could give this person"
    )
    line = _edit(run, PLAN, "W07", code="no_bed_elsewhere", reason=words)
    assert verify_run(run, report=False) == [
        f"uncovered code not the published facts': {PLAN}:{line}: W07 2026-07-16..2026-07-25 is "
        "'no_bed_elsewhere', 'after_closing' by them (no foresteria within reach open on these "
        "nights)"
    ]


def test_a_detail_hiding_the_placement_is_refused(referred_run: Path, tmp_path: Path) -> None:
    run = _copy(referred_run, tmp_path)
    line = _edit(run, DETAIL, "W08", code="before_opening", reason=BEFORE)
    assert verify_run(run, report=False) == [
        f"uncovered detail wrong: {DETAIL}:{line}: W08 2026-07-06..2026-07-08 is "
        "'before_opening', yet a placement constraint keeps them from Borgo Mezzanone"
    ]


def test_a_placement_claimed_for_the_other_man_is_refused(
    referred_run: Path, tmp_path: Path
) -> None:
    run = _copy(referred_run, tmp_path)
    other = _other(run)
    line = _edit(
        run,
        DETAIL,
        other,
        code="placement",
        reason=f"{BEFORE}; placement rules out Borgo Mezzanone",
    )
    assert verify_run(run, report=False) == [
        f"reason not its code's words: {DETAIL}:{line}: reason: placement: names 'Borgo "
        "Mezzanone', the records give ''",
        f"uncovered detail wrong: {DETAIL}:{line}: {other} 2026-07-06..2026-07-08 is 'placement', "
        "yet no site to avoid or pin keeps them from a foresteria within reach open on these "
        "nights",
    ]


def test_a_stretch_split_at_a_placement_is_refused(referred_run: Path, tmp_path: Path) -> None:
    """Which nights are published may not tell either: one row per stretch without a bed."""
    run = _copy(referred_run, tmp_path)
    for rel in (PLAN, DETAIL):
        rows = _rows(run, rel)
        n = next(i for i, x in enumerate(rows) if x["worker_id"] == "W08")
        rows[n : n + 1] = [rows[n] | {"to": "2026-07-07"}, rows[n] | {"from": "2026-07-07"}]
        _write(run, rel, rows)
    rehash(run, [PLAN])
    _rekey(run, "uncovered_reasons.csv")
    problems = verify_run(run, report=False)
    assert any(
        p.startswith(f"uncovered.csv splits one stretch without a bed: {PLAN}:") and "W08" in p
        for p in problems
    ), problems


def test_a_run_without_the_detail_still_may_not_tell(referred_run: Path, tmp_path: Path) -> None:
    """The detail file and its digest taken away, W08 published by the opening alone: the
    referral records still show the placement behind it."""
    run = _copy(referred_run, tmp_path)
    (run / DETAIL).unlink()
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    del m["restricted"]["uncovered_reasons.csv"]
    del m["scenario"]["restricted_inputs"]  # a run from before the split had no such record
    (run / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    assert verify_run(run, report=False) == []  # read as a run from before the split
    line = _edit(run, PLAN, "W08", code="before_opening", reason=BEFORE)
    assert verify_run(run, report=False) == [
        f"uncovered code tells the placement: {PLAN}:{line}: W08 2026-07-06..2026-07-08 is "
        "'before_opening', yet a placement constraint keeps them from Borgo Mezzanone, within "
        "reach and open on some of these nights"
    ]


# ----------------------------------------------- the solver's side, on its own (no solve)

FA_OPENS = "2026-07-08"


def _reasons(workers: list[Worker], far: int = 20) -> dict[str, tuple[str, str, str]]:
    """worker -> (published code, detail code, detail words) of their nights before Foresteria
    FA opens on 07-08 (housed there from then), Foresteria FB open all month `far` minutes from
    the farm F1."""
    fs = [
        foresteria("FA", men=4, family=4, open_from=FA_OPENS),
        foresteria("FB", men=4, family=4),
    ]
    sc = scenario(fs, [farm("F1")], workers, housing={"partial_stays": True})
    m = matrix({("FB", "F1"): far}, ["FA", "FB", "F1"])
    beds = [
        Assignment(
            worker_id=w.id,
            foresteria_id="FA",
            section=w.section,
            arrival=D(FA_OPENS),
            departure=w.departure,
        )
        for w in workers
    ]
    return {
        u.span.worker_id: (u.code, u.detail_code, u.detail) for u in uncovered_reasons(sc, beds, m)
    }


def test_the_pin_is_a_placement_before_the_first_bed() -> None:
    got = _reasons([worker("W1", pinned="FA"), worker("W2")])
    assert got["W1"] == (
        "no_bed_elsewhere",
        "placement",
        f"Foresteria FA opens on {FA_OPENS}; placement rules out Foresteria FB",
    )
    assert got["W2"] == ("no_bed_elsewhere", "before_opening", f"Foresteria FA opens on {FA_OPENS}")


def test_a_members_site_to_avoid_is_the_groups_placement() -> None:
    kept_away = replace(worker("W1", section="family", group="G"), avoid=frozenset({"FB"}))
    got = _reasons([kept_away, worker("W2", section="family", group="G")])
    assert {w: x[:2] for w, x in got.items()} == {
        "W1": ("no_bed_elsewhere", "placement"),
        "W2": ("no_bed_elsewhere", "placement"),
    }


def test_out_of_reach_nothing_is_neutral_and_nothing_a_placement() -> None:
    """FB beyond the commute limit: the opening is the whole reason, for the referred too."""
    kept_away = replace(worker("W1"), avoid=frozenset({"FB"}))
    got = _reasons([kept_away, worker("W2")], far=90)
    assert got == {
        w: ("before_opening", "before_opening", f"Foresteria FA opens on {FA_OPENS}")
        for w in ("W1", "W2")
    }
