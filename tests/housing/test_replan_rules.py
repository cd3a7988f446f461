"""A re-plan's residents keep the stay rules the verifier reads over the whole stay (session 17,
helper A): the nights kept before `--as-of` and those planned from it are one plan, so a
resident whose promise fails is given no span shorter than the whole stay's minimum overlap and
no transfer beyond `max_transfers` counting those made before the date; where no plan can, the
re-plan says so in one line (exit 2), never publishes a plan its verifier refuses (exit 1)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.verify import verify_run
from tests.helpers import PARTIAL, rehash, set_toml

# PARTIAL: Fortore (FA) opens 07-08, Borgo Mezzanone (FB) closes after 07-15. W02 stays to 07-25
# here, so the season moves him FB -> FA on 07-16. FC (Cerignola, near farm F2) has no men's
# beds in the season.
W02 = ("W02,2026-07-05,2026-07-20,men,,F2,3,", "W02,2026-07-05,2026-07-25,men,,F2,3,")


def _site(base: dict[str, object], **props: object) -> dict[str, object]:
    f = json.loads(json.dumps(base))
    f["properties"].update(props)
    return f


def _scenario(
    dest: Path,
    sites: dict[str, dict[str, object]],
    workers: list[tuple[str, str]],
    extra: tuple[str, ...] = (),
) -> Path:
    """PARTIAL with W02's longer stay, FC added, `sites` edited or added (id -> properties, FD
    a copy of FC) and worker rows replaced and appended."""
    shutil.copytree(PARTIAL, dest)
    p = dest / "foresterie.geojson"
    data = json.loads(p.read_text(encoding="utf-8"))
    fc = _site(data["features"][0], id="FC", name="Cerignola", comune="Cerignola", beds_men=0)
    fc |= {"geometry": {"type": "Point", "coordinates": [15.62, 41.44]}}
    fc["properties"] |= {"beds_women": 1, "beds_accessible": 0, "open_from": "2026-07-01"}
    data["features"].append(fc)
    for fid, props in sites.items():
        found = [f for f in data["features"] if f["properties"]["id"] == fid]
        if found:
            found[0]["properties"].update(props)
        else:
            data["features"].append(_site(fc, id=fid, name=fid, **props))
    p.write_text(json.dumps(data), encoding="utf-8")
    p = dest / "workers.csv"
    text = p.read_text(encoding="utf-8")
    for old, new in [W02, *workers]:
        assert old in text, old
        text = text.replace(old, new)
    p.write_text(text + "".join(f"{r}\n" for r in extra), encoding="utf-8")
    return dest


def _solve(scenario: Path, out: Path, *replan: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, ["solve", str(scenario), *replan, "--out", str(out)])
    return r.exit_code, r.output


def _rows(run: Path, worker: str) -> list[tuple[str, str, str]]:
    with open(run / "plan" / "assignments.csv", encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["worker_id"] == worker]
    return [(r["foresteria_id"], r["from"], r["to"]) for r in rows]


def test_a_failed_promise_gives_no_span_shorter_than_the_whole_stays_minimum(
    tmp_path: Path,
) -> None:
    """min_overlap_share 0.3: W02's 20 nights need 6 at each foresteria after the first. As of
    07-10 FA has no men's beds left (his promised move ends) and FC opens on 07-20 with men's
    beds: FC from 07-20 to 07-25 is 5 nights, enough for the 15 nights from the date (5) but not
    for his stay (6), which the verifier reads. He stays at FB to its closing."""
    share = ("min_overlap_nights = 2", "min_overlap_nights = 2\nmin_overlap_share = 0.3")
    season_sc = _scenario(tmp_path / "sc1", {}, [])
    set_toml(season_sc, *share)
    season = tmp_path / "season"
    assert _solve(season_sc, season)[0] == 0
    assert _rows(season, "W02") == [
        ("FB", "2026-07-05", "2026-07-16"),
        ("FA", "2026-07-16", "2026-07-25"),
    ]
    sites = {"FA": {"beds_men": 0}, "FC": {"beds_men": 3, "open_from": "2026-07-20"}}
    new = _scenario(tmp_path / "sc2", sites, [])
    set_toml(new, *share)
    out = tmp_path / "replan"
    code, said = _solve(new, out, "--as-of", "2026-07-10", "--previous", str(season))
    assert code == 0, said  # was exit 1: "stay shorter than the minimum overlap: W02 at FC, 5 < 6"
    assert verify_run(out) == []
    assert _rows(out, "W02") == [("FB", "2026-07-05", "2026-07-16")]
    with open(out / "plan" / "replan_changes.csv", encoding="utf-8", newline="") as fh:
        changed = {r["worker_id"]: r for r in csv.DictReader(fh)}
    assert changed["W02"]["was"] == "FB 2026-07-10..2026-07-16;FA 2026-07-16..2026-07-25"
    assert changed["W02"]["now"] == "FB 2026-07-10..2026-07-16"


def test_a_transfer_made_before_the_date_counts_against_max_transfers(tmp_path: Path) -> None:
    """W02 (priority 0 here) moved FB -> FA on 07-16. As of 07-18 FA has 2 men's beds and closes
    after 07-19; the previous plan (as handed over) also has W09 at FA to 07-25 and W08
    (priority 3) moving FC -> FA on 07-21, so W02's promise of FA to 07-25 is withdrawn for
    W08's. FD opens on 07-20: FA then FD would be his second transfer (three rows, max_transfers
    1), so he keeps FA to its closing."""
    season = tmp_path / "season"
    assert _solve(_scenario(tmp_path / "sc1", {}, []), season)[0] == 0
    assert _rows(season, "W02") == [
        ("FB", "2026-07-05", "2026-07-16"),
        ("FA", "2026-07-16", "2026-07-25"),
    ]
    p = season / "plan" / "assignments.csv"
    p.write_text(
        p.read_text(encoding="utf-8")
        + "W08,FC,men,2026-07-12,2026-07-21\nW08,FA,men,2026-07-21,2026-07-25\n"
        + "W09,FA,men,2026-07-10,2026-07-25\n",
        encoding="utf-8",
    )
    # ... for the people its run planned (a previous plan is refused otherwise: session 18)
    ws = season / "inputs" / "workers.csv"
    ws.write_text(
        ws.read_text(encoding="utf-8")
        + "W08,2026-07-12,2026-07-25,men,,F2,false,,,true,false\n"
        + "W09,2026-07-10,2026-07-25,men,,F2,false,,,true,false\n",
        encoding="utf-8",
    )
    rehash(season, ["plan/assignments.csv", "inputs/workers.csv"])
    sites = {
        "FA": {"beds_men": 2, "open_to": "2026-07-19"},
        "FC": {"beds_men": 3, "open_to": "2026-07-20"},
        "FD": {"beds_men": 3, "open_from": "2026-07-20", "open_to": "2026-07-31"},
    }
    new = _scenario(
        tmp_path / "sc2",
        sites,
        [("W02,2026-07-05,2026-07-25,men,,F2,3,", "W02,2026-07-05,2026-07-25,men,,F2,0,")],
        [
            "W08,2026-07-12,2026-07-25,men,,F2,3,false,",
            "W09,2026-07-10,2026-07-25,men,,F2,0,false,",
        ],
    )
    out = tmp_path / "replan"
    code, said = _solve(new, out, "--as-of", "2026-07-18", "--previous", str(season))
    assert code == 0, said  # was exit 1: "worker housed twice: W02" (FB, FA, FD)
    assert verify_run(out) == []
    assert _rows(out, "W02") == [
        ("FB", "2026-07-05", "2026-07-16"),
        ("FA", "2026-07-16", "2026-07-20"),
    ]


def _season(tmp_path: Path) -> Path:
    season = tmp_path / "season"
    code, said = _solve(_scenario(tmp_path / "sc1", {}, []), season)
    assert code == 0, said
    return season


def _changes(run: Path) -> dict[str, tuple[str, str]]:
    with open(run / "plan" / "replan_changes.csv", encoding="utf-8", newline="") as fh:
        return {r["worker_id"]: (r["was"], r["now"]) for r in csv.DictReader(fh)}


def test_a_resident_whose_bed_ended_on_the_date_and_whose_stay_was_extended_is_planned(
    tmp_path: Path,
) -> None:
    """W01 left FB on 07-13 in the season; here his stay runs to 07-20. Re-planned as of 07-13 he
    keeps his bed at FB to its closing, then moves to FA (the move gains nights over his whole
    stay), and the change is listed. Before: not planned again (his beds ended by the date), so
    his FB row ended before the stay's part there: exit 1, 'stay cut short'."""
    season = _season(tmp_path)
    assert _rows(season, "W01") == [("FB", "2026-07-06", "2026-07-13")]
    new = _scenario(
        tmp_path / "sc2", {}, [("W01,2026-07-06,2026-07-13,", "W01,2026-07-06,2026-07-20,")]
    )
    out = tmp_path / "replan"
    code, said = _solve(new, out, "--as-of", "2026-07-13", "--previous", str(season))
    assert code == 0, said
    assert verify_run(out) == []
    assert _rows(out, "W01") == [
        ("FB", "2026-07-06", "2026-07-16"),
        ("FA", "2026-07-16", "2026-07-20"),
    ]
    assert _changes(out)["W01"] == ("", "FB 2026-07-13..2026-07-16;FA 2026-07-16..2026-07-20")


def test_a_resident_whose_bed_ended_at_a_closing_is_planned_from_the_date(tmp_path: Path) -> None:
    """W07's family bed at FB ended at its closing (07-16), his stay runs to 07-25 with no
    family beds anywhere. As of 07-18 a new site FE opens with two family beds: he is housed
    there from the date (07-16 and 07-17 stay nights without a bed, between foresterie), and
    the change is listed. Before: not planned again, the beds stood empty."""
    season = _season(tmp_path)
    assert _rows(season, "W07") == [("FB", "2026-07-11", "2026-07-16")]
    fe = {"beds_men": 0, "beds_women": 0, "beds_family": 2}
    new = _scenario(
        tmp_path / "sc2", {"FE": fe | {"open_from": "2026-07-18", "open_to": "2026-07-31"}}, []
    )
    out = tmp_path / "replan"
    code, said = _solve(new, out, "--as-of", "2026-07-18", "--previous", str(season))
    assert code == 0, said
    assert verify_run(out) == []
    assert _rows(out, "W07") == [
        ("FB", "2026-07-11", "2026-07-16"),
        ("FE", "2026-07-18", "2026-07-25"),
    ]
    assert _changes(out)["W07"] == ("", "FE 2026-07-18..2026-07-25")
    with open(out / "plan" / "uncovered.csv", encoding="utf-8", newline="") as fh:
        gaps = [
            (r["from"], r["to"], r["code"]) for r in csv.DictReader(fh) if r["worker_id"] == "W07"
        ]
    assert gaps == [("2026-07-16", "2026-07-18", "between_foresterie")]


def _refused(tmp_path: Path, new: Path, as_of: str) -> str:
    """The re-plan of `new` against the season: exit 2, one error line, nothing written."""
    season = _season(tmp_path)
    out = tmp_path / "replan"
    code, said = _solve(new, out, "--as-of", as_of, "--previous", str(season))
    assert code == 2, said
    errors = [x for x in said.splitlines() if x.startswith("error")]
    assert len(errors) == 1, said
    assert not out.exists()
    return errors[0]


def test_a_move_made_before_the_date_where_max_transfers_is_now_0_is_refused_in_one_line(
    tmp_path: Path,
) -> None:
    new = _scenario(tmp_path / "sc2", {}, [])
    set_toml(new, "max_transfers = 1", "max_transfers = 0")
    said = _refused(tmp_path, new, "2026-07-18")  # was exit 1: "worker housed twice: W02"
    assert (
        "--as-of: housing.max_transfers: W02: beds FB 2026-07-05..2026-07-16, FA "
        "2026-07-16..2026-07-18: 2 foresterie, max_transfers 0 allows 1"
    ) in said, said
    assert "the nights before 2026-07-18 are over as the previous run planned them" in said


def test_a_farm_now_out_of_reach_of_the_bed_moved_to_is_refused_in_one_line(
    tmp_path: Path,
) -> None:
    # W02 works at F3 (Nardò, hours away) here: his FA row (a move, not where he arrived) is
    # over the commute cap, on nights that are over
    new = _scenario(
        tmp_path / "sc2",
        {},
        [("W02,2026-07-05,2026-07-25,men,,F2,", "W02,2026-07-05,2026-07-25,men,,F3,")],
    )
    said = _refused(tmp_path, new, "2026-07-18")  # was exit 1: "commute cap: W02 at FA ..."
    assert "--as-of: housing.max_commute_min: W02: FA 2026-07-16..2026-07-25: " in said, said


def test_a_group_member_whose_stay_runs_on_keeps_the_groups_places(tmp_path: Path) -> None:
    """G1 (W04, W05) left FB on 07-11 in the season; here W05 stays to 07-25 and FC opens family
    rooms on 07-16. Re-planned as of 07-11, W05 goes on in the family's bed at FB to its
    closing, not on to FC: W04's nights, over, show the group at FB only (a split otherwise)."""
    season = _season(tmp_path)
    fc = {"FC": {"beds_family": 2, "open_from": "2026-07-16"}}
    new = _scenario(
        tmp_path / "sc2", fc, [("W05,2026-07-06,2026-07-11,", "W05,2026-07-06,2026-07-25,")]
    )
    out = tmp_path / "replan"
    code, said = _solve(new, out, "--as-of", "2026-07-11", "--previous", str(season))
    assert code == 0, said  # was exit 1: "stay cut short" (on the way: "group split: G1")
    assert verify_run(out) == []
    assert _rows(out, "W04") == [("FB", "2026-07-06", "2026-07-11")]
    assert _rows(out, "W05") == [("FB", "2026-07-06", "2026-07-16")]


def test_a_referral_naming_the_site_a_resident_slept_at_is_refused_without_the_id(
    tmp_path: Path,
) -> None:
    """A referral record made on 07-17 names FA, where W02 has slept since 07-16: the nights
    over break it, so the re-plan is refused in one line, which names the site, the nights and
    the record's file, not the person (an id beside a referral is what the project never
    shows)."""
    new = _scenario(tmp_path / "sc2", {}, [])
    set_toml(new, 'fleet = "fleet.csv"', 'fleet = "fleet.csv"\nreferrals = "referrals.csv"')
    (new / "referrals.csv").write_text(
        "worker_id,referral_date,referring_body,urgency,avoid_sites\n"
        "W02,2026-07-17,Prefettura,high,FA\n",
        encoding="utf-8",
    )
    said = _refused(tmp_path, new, "2026-07-18")  # was exit 1: "site to avoid: W02 ..."
    assert (
        "--as-of: avoid_sites: someone: FA 2026-07-16..2026-07-18: a site to avoid of a referral "
        "record (referrals.csv)"
    ) in said, said
    assert "W02" not in said


def test_someone_whose_previous_nights_all_fall_outside_the_stay_here_is_planned_as_new(
    tmp_path: Path,
) -> None:
    """W01 slept at FB 07-06..07-12 in the season; here his arrival is recorded on 07-14 (he
    came later than planned). Re-planned as of 07-16 no night of the previous plan is in his
    stay: he is planned from the date like someone new. Before: recorded as pinned at FB with
    no row and no waitlist entry, exit 1 ('worker lost')."""
    season = _season(tmp_path)
    new = _scenario(
        tmp_path / "sc2", {}, [("W01,2026-07-06,2026-07-13,", "W01,2026-07-14,2026-07-20,")]
    )
    out = tmp_path / "replan"
    code, said = _solve(new, out, "--as-of", "2026-07-16", "--previous", str(season))
    assert code == 0, said
    assert verify_run(out) == []
    assert _rows(out, "W01") == [("FA", "2026-07-16", "2026-07-20")]
