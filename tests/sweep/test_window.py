"""A sweep's window measures a few days of the season; the stay rule is judged on the real stays
(review 11, finding 1: cut stays were refused every bed and waitlisted `closed`)."""

from __future__ import annotations

import csv
import shutil
from dataclasses import replace
from pathlib import Path

from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.run.pipeline import solve
from foresterie.scenario.load import load_scenario
from foresterie.sweep.members import load_sweep, member_season, members, write_members
from foresterie.sweep.window import cut_to_window, stay_rule_mismatch
from tests.helpers import ROOT, TINY, set_toml, with_farm_calendar, write_workers

SWEEP = """
[sweep]
name = "window"
base = "tiny"
draws = 1
window = [2026-07-09, 2026-07-10]
"""


def _windowed(tmp: Path, min_nights: int) -> Path:
    """tiny with partial stays and a minimum of `min_nights` nights; a 2-night window inside
    everyone's stay but W07's (stays: 7 nights, the G1 family 5)."""
    shutil.copytree(TINY, tmp / "tiny")
    set_toml(
        tmp / "tiny",
        "max_commute_min = 60",
        f"max_commute_min = 60\npartial_stays = true\nmin_overlap_nights = {min_nights}",
    )
    (tmp / "sweep.toml").write_text(SWEEP, encoding="utf-8")
    return tmp / "sweep.toml"


def test_a_window_shorter_than_the_stay_rule_houses_people_as_their_real_stay_allows(
    tmp_path: Path,
) -> None:
    """On main the six people present were waitlisted `closed` (2 nights < 5) though both
    foresterie are open: now five are housed as their 5- and 7-night stays allow, and W06, whose
    farm F3 is beyond every foresteria's 60 minutes, is waitlisted `far` as in the season."""
    sw = load_sweep(_windowed(tmp_path, 5))
    [written] = write_members(sw, tmp_path / "out")
    assert written.loose == ()
    run = solve(written.folder, tmp_path / "run")
    assert run.manifest["kpis"]["housing"]["housed"] == 5  # W07 comes after the window
    with (tmp_path / "run" / "plan" / "waitlist.csv").open(encoding="utf-8") as f:
        assert [(r["worker_id"], r["code"]) for r in csv.DictReader(f)] == [("W06", "far")]
    sc = load_scenario(written.folder)  # what the member's verified plan was judged against
    assert sc.config.housing.min_overlap_nights == 1
    assert (sc.config.scenario.season_start.isoformat(), len(sc.workers)) == ("2026-07-09", 6)


def test_people_the_rule_keeps_out_on_their_real_stay_are_named(tmp_path: Path) -> None:
    """With a 6-night minimum the G1 family (5 nights) gets no bed in the season; the cut member
    cannot say so, so the sweep names them rather than house them quietly."""
    sw = load_sweep(_windowed(tmp_path, 6))
    base = load_scenario(sw.base)
    full = member_season(base, sw, members(sw)[0])
    assert sw.spec.sweep.window is not None
    cut = cut_to_window(full, *sw.spec.sweep.window)
    assert stay_rule_mismatch(full, cut, *sw.spec.sweep.window) == ["W04", "W05"]
    [written] = write_members(sw, tmp_path / "out")
    assert written.loose == ("W04", "W05")


def test_a_closing_inside_the_rule_s_reach_of_the_window_is_named(tmp_path: Path) -> None:
    """FB closes after the night of 07-20: whole stays only (no partial stays), a person staying
    07-06..07-13 could sleep at FB in the window 07-09..07-10, and does so in the season too
    (both exact); W07 (07-21..07-28) is outside. Someone staying 07-15..07-25 could not be at
    FB for the whole stay in the season, but the cut stay 07-18..07-20 fits: named."""
    shutil.copytree(TINY, tmp_path / "tiny")
    rows = (tmp_path / "tiny" / "workers.csv").read_text(encoding="utf-8-sig").splitlines()
    rows.append("W08,2026-07-15,2026-07-25,men,,F1,0,false,,Nino Ferro")
    (tmp_path / "tiny" / "workers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "sweep.toml").write_text(
        SWEEP.replace("2026-07-09, 2026-07-10", "2026-07-18, 2026-07-20"), encoding="utf-8"
    )
    sw = load_sweep(tmp_path / "sweep.toml")
    [written] = write_members(sw, tmp_path / "out")
    assert written.loose == ("W08",)


def test_the_sweep_says_who_its_window_cannot_judge(tmp_path: Path) -> None:
    """The people of the test above are said on stderr (one line, the sweep goes on) and on the
    report; a sweep that judges everyone exactly says nothing."""
    shutil.copytree(TINY, tmp_path / "tiny")
    rows = (tmp_path / "tiny" / "workers.csv").read_text(encoding="utf-8-sig").splitlines()
    rows.append("W08,2026-07-15,2026-07-25,men,,F1,0,false,,Nino Ferro")
    (tmp_path / "tiny" / "workers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "sweep.toml").write_text(
        SWEEP.replace("2026-07-09, 2026-07-10", "2026-07-18, 2026-07-20"), encoding="utf-8"
    )
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["sweep", str(tmp_path / "sweep.toml"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert r.stderr.strip() == (
        "warning: sweep.window: 1 of the 1 people in the members (100%) could not be judged on "
        "their whole stay (a stay or an opening shorter than the minimum near the window's "
        "edges, or a whole stay across a closing), in 1 members (first: d000-r0000); above 10% "
        "the housing figures are not comparable: solve whole seasons (remove window from the "
        "sweep file)"
    )
    html = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert "valutate sull&#x27;intero soggiorno" in html and "1 delle 1 persone" in html


def test_the_shipped_peak_week_is_judged_exactly_and_the_old_cut_was_not() -> None:
    """The shipped 2027 sweep, draw 0: under the cut and the relaxed rule everyone's foresterie
    in the window are those of their real stay. The cut of main (the rule of 7 nights kept on
    the cut stays) differs for the 283 of 1,630 people review 11 found waitlisted `closed`:
    the check sees what the review saw."""
    sw = load_sweep(ROOT / "scenarios" / "sweeps" / "borgo-mezzanone-2027.toml")
    assert sw.spec.sweep.window is not None
    full = member_season(load_scenario(sw.base), sw, members(sw)[0])
    cut = cut_to_window(full, *sw.spec.sweep.window)
    assert len(cut.workers) == 1630
    assert stay_rule_mismatch(full, cut, *sw.spec.sweep.window) == []
    main_cut = replace(cut, config=cut.config.model_copy(update={"housing": full.config.housing}))
    assert full.config.housing.min_overlap_nights == 7
    assert len(stay_rule_mismatch(full, main_cut, *sw.spec.sweep.window)) == 283


def test_a_window_cuts_the_farm_calendar_like_the_stays(tmp_path: Path) -> None:
    """Review 20 R, HIGH-1: a member's farm calendar was the base's, unclipped, so every member
    of a windowed sweep of a season with a calendar was refused ("first_day: outside the
    season") and the sweep exited 0. Closures before, across and after the window: the member
    keeps the part inside, cut to the window's nights, and solves."""
    shutil.copytree(TINY, tmp_path / "tiny")
    with_farm_calendar(
        tmp_path / "tiny",
        "farm_id,first_day,last_day\nF1,2026-07-02,2026-07-03\nF1,2026-07-08,2026-07-09\n"
        "F2,2026-07-10,2026-07-20\nF2,2026-07-25,2026-07-26\n",
    )
    (tmp_path / "sweep.toml").write_text(SWEEP, encoding="utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["sweep", str(tmp_path / "sweep.toml"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "failed" not in r.stderr and "(0 already done, 1 solved now, 0 failed)" in r.stdout
    member = out / "members" / "d000-r0000" / "scenario"
    sc = load_scenario(member)
    assert [
        (c.farm_id, c.first_day.isoformat(), c.last_day.isoformat()) for c in sc.farm_closures
    ] == [
        ("F1", "2026-07-09", "2026-07-09"),
        ("F2", "2026-07-10", "2026-07-10"),
    ]
    full = load_scenario(tmp_path / "tiny")
    assert (
        cut_to_window(full, *load_sweep(tmp_path / "sweep.toml").spec.sweep.window).farm_closures
        == sc.farm_closures
    )


def test_a_sweep_whose_every_member_failed_exits_1_and_says_why(tmp_path: Path) -> None:
    """Review 20 R, HIGH-1: 12 of 12 members failed and the sweep exited 0, its report all
    dashes. Every member failing is an error (exit 1) naming the first member's error file and
    error; some failing is a warning line (the test_sweep one: a decision closing a pinned
    site), exit 0."""
    shutil.copytree(TINY, tmp_path / "tiny")
    rows = (tmp_path / "tiny" / "workers.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    rows = [  # W01 lives at FB, which the only decision closes: every member is refused
        r.rsplit(",", 2)[0] + ",FB" if r.startswith("W01") else r.rsplit(",", 1)[0] for r in rows
    ]
    write_workers(tmp_path / "tiny", rows)
    (tmp_path / "sweep.toml").write_text(
        SWEEP + "\n[decisions]\nopen = { FB = [false] }\n", encoding="utf-8"
    )
    r = CliRunner().invoke(
        app, ["sweep", str(tmp_path / "sweep.toml"), "--out", str(tmp_path / "o")]
    )
    assert r.exit_code == 1, r.output
    [line] = [x for x in r.stderr.splitlines() if x.startswith("error: ")]
    assert line.startswith("error: 1 of 1 members failed, the first members/d") and "FB" in line


def test_a_window_between_the_calendars_closures_solves_without_one(tmp_path: Path) -> None:
    """Review 20 T, HIGH-2: a window no closure falls in wrote the member a header-only
    farm_calendar.csv, which its loader refused (every member failed). No closure: no calendar."""
    shutil.copytree(TINY, tmp_path / "tiny")
    with_farm_calendar(
        tmp_path / "tiny",
        "farm_id,first_day,last_day\nF1,2026-07-02,2026-07-03\nF2,2026-07-25,2026-07-26\n",
    )
    (tmp_path / "sweep.toml").write_text(SWEEP, encoding="utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["sweep", str(tmp_path / "sweep.toml"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "(0 already done, 1 solved now, 0 failed)" in r.stdout
    member = out / "members" / "d000-r0000" / "scenario"
    assert not (member / "farm_calendar.csv").exists()
    assert load_scenario(member).farm_closures == ()
