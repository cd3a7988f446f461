"""Outputs by role: driver packs hold one vehicle-day's ids, the operator view has no restricted
part, the public export has counts only with small cells suppressed. Every file is read."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.report.export import (
    COMPLEMENTARY,
    SUPPRESSED,
    pack_no_ride,
    protected,
    public_export,
)
from foresterie.report.noride import no_ride_pages
from foresterie.report.rundata import load_run
from foresterie.report.sheets import vehicle_days
from tests.helpers import rehash, with_referrals

IDS = [f"W0{i}" for i in range(1, 8)]  # every worker of the tiny season
REFERRAL_VALUES = ("Antitratta", "referral_date", "avoid_sites", "referring_body", "priority")


def _cli(*args: str) -> str:
    r = CliRunner().invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return r.output


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The tiny season with a referral record, and a day run of it."""
    tmp = tmp_path_factory.mktemp("export")
    folder = with_referrals(tmp, "W03,2026-07-04,Sportello Antitratta Foggia,high,FB\n")
    season = tmp / "season"
    _cli("solve", str(folder), "--out", str(season))
    day = tmp / "day"
    _cli("ledger", "init", str(season), "--ledger", str(tmp / "l"))
    _cli("day", str(season), "--date", "2026-07-07", "--ledger", str(tmp / "l"), "--out", str(day))
    return season, day


def _tokens(path: Path) -> set[str]:
    return set(re.findall(r"[A-Za-z0-9_-]+", path.read_text(encoding="utf-8", errors="replace")))


def _riders(run: Path) -> dict[tuple[str, str], set[str]]:
    """(day, vehicle) -> ids of its riders, from the plan."""
    with open(run / "plan" / "trips.csv", newline="") as fh:
        trips = {t["trip_id"]: (t["day"], t["vehicle_id"]) for t in csv.DictReader(fh)}
    out: dict[tuple[str, str], set[str]] = {}
    with open(run / "plan" / "riders.csv", newline="") as fh:
        for x in csv.DictReader(fh):
            out.setdefault(trips[x["trip_id"]], set()).add(x["worker_id"])
    return out


@pytest.mark.parametrize("which", [0, 1])
def test_a_driver_pack_holds_its_own_riders_only(
    runs: tuple[Path, Path], tmp_path: Path, which: int
) -> None:
    run = runs[which]
    out = tmp_path / "drivers"
    _cli("export", str(run), "--role", "driver", "--out", str(out))
    riders = _riders(run)
    packs = sorted(p for p in out.glob("*/*") if p.is_dir())
    assert {(p.parent.name, p.name) for p in packs} == set(riders)
    for pack in packs:
        own = riders[pack.parent.name, pack.name]
        names = sorted(f.name for f in pack.iterdir() if f.is_file())
        v = pack.name
        want = [f"{v}.html", f"{v}.gpx", f"{v}-notices.html", "boarding.csv", "boarding.html"]
        assert names == sorted(want)
        assert {f.name for f in pack.iterdir() if f.is_dir()} <= {"no-ride"}
        for f in pack.rglob("*.*"):
            found = _tokens(f) & set(IDS)
            assert found <= own, (f, found - own)
            text = f.read_text(encoding="utf-8")
            assert not any(v in text for v in REFERRAL_VALUES), f
        assert own <= _tokens(pack / "boarding.csv")  # and every rider of the vehicle-day
    assert "own folder" in (out / "README.md").read_text()


def test_public_export_has_counts_only_and_small_cells_suppressed(
    runs: tuple[Path, Path], tmp_path: Path
) -> None:
    for run in runs:
        out = tmp_path / run.name
        _cli("export", str(run), "--role", "public", "--out", str(out))
        files = sorted(p for p in out.rglob("*") if p.is_file())
        season = run.name == "season"
        assert [p.name for p in files] == [
            "README.md",
            # a day run publishes its transport only: its "housing" counts were its riders
            # (review 19 R, MEDIUM-6), and it places nobody: no waitlist (tests/ops/test_vouched.py)
            *(["housing_by_site.csv"] if season else []),
            "kpis.csv",
            *(["occupancy_by_week.csv"] if season else []),
            "transport_by_week.csv",
            "unserved_by_reason.csv",
            *(["waitlist_by_reason.csv"] if season else []),
        ]
        for f in files:
            assert not (_tokens(f) & set(IDS)), f
            text = f.read_text(encoding="utf-8")
            assert "Antitratta" not in text and "referral_date" not in text, f
            if f.suffix == ".csv":
                assert "priority" not in text and "referr" not in text, f
        # Every count of people is 0, 5 or more, or suppressed (the tiny season is all small).
        people = {
            "housing_by_site.csv": ("people_housed", "bed_nights_used"),
            "occupancy_by_week.csv": ("bed_nights_used", "peak_guests"),
            "waitlist_by_reason.csv": ("people",),
            "transport_by_week.csv": ("worker_days_transported", "worker_days_unserved"),
            "unserved_by_reason.csv": ("worker_days",),
        }
        seen_suppressed = 0
        for name, cols in people.items():
            if not (out / name).exists():  # the day run's housing tables and waitlist
                continue
            with open(out / name, newline="") as fh:
                for row in csv.DictReader(fh):
                    for c in cols:
                        v = row[c]
                        seen_suppressed += v in (SUPPRESSED, COMPLEMENTARY)
                        assert v in (SUPPRESSED, COMPLEMENTARY) or int(v) == 0 or int(v) >= 5, (
                            name,
                            c,
                            v,
                        )
        assert seen_suppressed > 0
        assert "from 1 to 4" in (out / "README.md").read_text()
    text = (tmp_path / "season" / "kpis.csv").read_text()
    kpis = dict(csv.reader(text.splitlines()))
    assert kpis["housing.waitlisted"] == SUPPRESSED and kpis["housing.housed"] == "5"
    assert not any("priority" in k or "referr" in k for k in kpis)


def suppress(table: list[list[Any]], referred: frozenset[str] = frozenset()) -> list[list[Any]]:
    """One table of one count column (a code, its count), protected as the export does."""
    name = "unserved_by_reason.csv"
    return protected({name: (["code", "n"], table)}, {name: referred})[name][1]


def test_suppression_hides_a_lone_small_cell_from_the_total() -> None:
    table = [["A", 12], ["B", 3], ["C", 7], ["D", 0]]
    assert suppress(table) == [["A", 12], ["B", SUPPRESSED], ["C", COMPLEMENTARY], ["D", 0]]
    two = [["A", 12], ["B", 3], ["C", 2]]
    assert suppress(two) == [["A", 12], ["B", SUPPRESSED], ["C", SUPPRESSED]]


@settings(deadline=None)  # a count, not a timing: the shared CI machine may be loaded
@given(
    st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=8),
    st.sets(st.integers(min_value=0, max_value=7), max_size=2),
)
def test_a_published_small_cell_mark_is_always_true(counts: list[int], referred: set[int]) -> None:
    """Review 13, finding 15: the second cell hidden beside a lone small one was printed "<5"
    for a count of 7. Whatever the table, "<5" stands for 1 to 4 only; a column never keeps a
    single hidden cell; the shown counts are the table's."""
    table = [[f"r{i}", n] for i, n in enumerate(counts)]
    names = frozenset(f"r{i}" for i in referred)
    out = suppress(table, names)
    hidden = [i for i, r in enumerate(out) if r[1] in (SUPPRESSED, COMPLEMENTARY)]
    for (name, n), (_, shown) in zip(table, out, strict=True):
        if shown == SUPPRESSED:
            assert 0 < n < 5
        elif shown == COMPLEMENTARY:
            assert n >= 0  # a zero may be hidden where nothing else is left to hide
        else:
            assert shown == n and (n == 0 or (n >= 5 and name not in names))
    if len(hidden) == 1:  # only when no other count was left to hide
        assert len(out) == 1


def test_the_waitlists_placement_row_is_never_published(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """Only referred people have placement constraints, so the `placement` row of the public
    waitlist table is a figure on referred people: suppressed at any size (here 6 of 7 people),
    with one more cell of the column so it cannot be recovered from the total."""
    run = load_run(tiny_season_run)
    codes = ["placement"] * 6 + ["far"] * 8 + ["full"] * 5
    waitlist = [
        {"worker_id": f"X{i:02d}", "code": c, "proven": "yes", "reason": ""}
        for i, c in enumerate(codes)
    ]
    public_export(dataclasses.replace(run, waitlist=waitlist), tmp_path)
    with open(tmp_path / "waitlist_by_reason.csv", newline="") as fh:
        rows = {r["code"]: r["people"] for r in csv.DictReader(fh)}
    assert rows == {"far": "8", "full": COMPLEMENTARY, "placement": COMPLEMENTARY}
    assert "`placement`" in (tmp_path / "README.md").read_text(encoding="utf-8")
    table = [["far", 8], ["placement", 0], ["full", 5]]
    assert suppress(table, frozenset({"placement"})) == table  # zero is shown


def test_operator_view_has_no_restricted_part_and_verifies(
    runs: tuple[Path, Path], tmp_path: Path
) -> None:
    season = runs[0]
    out = tmp_path / "operator"
    _cli("export", str(season), "--role", "operator", "--out", str(out))
    assert not (out / "restricted").exists() and (out / "plan" / "riders.csv").is_file()
    for f in out.rglob("*"):
        if f.is_file():
            text = f.read_text(encoding="utf-8", errors="replace")
            assert "Antitratta" not in text and "referral_date" not in text, f
    r = CliRunner().invoke(app, ["verify", str(out)])
    assert r.exit_code == 0 and "withheld from this copy" in r.output, r.output
    r = CliRunner().invoke(app, ["export", str(season), "--role", "operator", "--out", str(out)])
    assert r.exit_code == 2 and "--force" in r.output
    r = CliRunner().invoke(
        app, ["export", str(season), "--role", "public", "--out", str(season), "--force"]
    )
    assert r.exit_code == 2 and "outside the run folder" in r.output
    assert (season / "manifest.json").is_file()
    old = tmp_path / "old-run"  # a run folder from before the restricted part: refused
    shutil.copytree(season, old)
    p = old / "plan" / "waitlist.csv"
    p.write_text(p.read_text().replace("worker_id,", "worker_id,priority,", 1))
    rehash(old, ["plan/waitlist.csv"])  # sealed, as its older foresterie sealed it
    r = CliRunner().invoke(
        app, ["export", str(old), "--role", "operator", "--out", str(tmp_path / "o2")]
    )
    assert r.exit_code == 2 and "a run from before the restricted part" in r.output, r.output
    assert not (tmp_path / "o2").exists()
    r = CliRunner().invoke(app, ["export", str(season), "--role", "auditor", "--out", str(out)])
    assert r.exit_code == 2 and "'auditor' is not one of driver, operator, public" in r.output


def test_the_operator_view_hands_on_only_what_the_run_vouches_for(
    runs: tuple[Path, Path], tmp_path: Path
) -> None:
    """Files slipped into a run (review 13, finding 3: a dot-file of ids and flags in plan/ or
    inputs/, anything at the top level) are not the run's: the operator view copies the files
    the manifest and report.json list, and nothing else."""
    run = tmp_path / "run"
    shutil.copytree(runs[0], run)
    slipped = "worker_id,referred\nW001,yes\n"
    for rel in ("plan/.referred.csv", "inputs/.referred.csv", "plan/notes.csv", "names.csv"):
        (run / rel).write_text(slipped, encoding="utf-8")
    out = tmp_path / "operator"
    _cli("export", str(run), "--role", "operator", "--out", str(out))
    got = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    listed = json.loads((run / "report.json").read_text(encoding="utf-8"))["files"]
    vouched = (
        {f"inputs/{k}" for k in manifest["inputs"]}
        | {f"plan/{k}" for k in manifest["plan"]}
        | {f"report/{k}" for k in listed}
    )
    assert {p for p in got if "/" in p} == vouched
    assert {p for p in got if "/" not in p} == {"manifest.json", "report.json", "OPERATOR.md"}
    r = CliRunner().invoke(app, ["verify", str(out)])
    assert r.exit_code == 0, r.output


def test_the_operator_view_copies_only_the_manifest_keys_a_run_writes(
    runs: tuple[Path, Path], tmp_path: Path
) -> None:
    """Review 18 Q, M1: ids beside "referred" planted in the manifest, at the top or nested
    (scenario, travel, replan, timings_s, a tier, the budgets), were copied whole into the
    operator view. Now only the keys a run writes are: the rest are left out and said; a
    manifest with none of them is copied byte for byte (its sha256 is the one day runs hold)."""
    from foresterie.report.export import operator_warnings

    out = tmp_path / "clean"
    _cli("export", str(runs[0]), "--role", "operator", "--out", str(out))
    assert (out / "manifest.json").read_bytes() == (runs[0] / "manifest.json").read_bytes()
    assert not any("manifest.json" in w for w in operator_warnings(runs[0]))
    run = tmp_path / "run"
    shutil.copytree(runs[0], run)
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    planted = {"W03": "referred"}
    m["notes"] = planted
    for part in ("scenario", "travel", "replan", "timings_s", "shuttles", "budgets"):
        m[part]["referred_ids"] = "W03"
    m["housing"]["tiers"][0]["referred_ids"] = "W03"
    (run / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    out = tmp_path / "operator"
    _cli("export", str(run), "--role", "operator", "--out", str(out))
    text = (out / "manifest.json").read_text(encoding="utf-8")
    assert "referred" not in text and "W03" not in text
    got = json.loads(text)
    assert got["scenario"] == json.loads((runs[0] / "manifest.json").read_text())["scenario"]
    (said,) = [w for w in operator_warnings(run) if "manifest.json" in w]
    assert said.startswith(
        "manifest.json: budgets.referred_ids, housing.tiers[0].referred_ids, notes, "
        "replan.referred_ids, scenario.referred_ids and 3 more: "
    ), said
    assert "more: not part of a run's manifest, left out of the operator view" in said
    r = CliRunner().invoke(app, ["verify", str(run)])
    assert r.exit_code == 1 and "'housing.tiers[0].referred_ids': not a part" in r.output


def test_csv_cells_are_neutralised(runs: tuple[Path, Path], tmp_path: Path) -> None:
    from foresterie.report.export import _write

    _write(tmp_path / "x.csv", ["a", "b"], [["=HYPERLINK(1)", 3], ["-2+3", "ok"]])
    assert (tmp_path / "x.csv").read_text() == "a,b\n'=HYPERLINK(1),3\n'-2+3,ok\n"


def _pack_notices(out: Path) -> dict[tuple[str, str], set[str]]:
    """(day, vehicle) -> the no-ride notices of its pack, as DAY-PLACE."""
    return {
        (p.parent.name, p.name): {f.stem for f in (p / "no-ride").glob("*.html")}
        for p in out.glob("*/*")
        if (p / "no-ride").is_dir()
    }


def test_a_driver_pack_carries_the_no_ride_notice_of_the_evening_before(
    no_ride_run: Path, tmp_path: Path
) -> None:
    """FA's vehicle VA1 leaves after 10 July, so on the 11th W03 (it), W01 (ar) and W02 (fr)
    have no shuttle and no vehicle runs at FA: VA1's pack of the 10th carries FA's notice of the
    11th, to post that evening, counting the three in their languages and naming nobody. FB has
    no vehicle before the 8th: its notices of the 6th and 7th are in no pack (the coordinators'
    copy in the report remains), nor is FA's of the 12th (no vehicle there on the 11th)."""
    out = tmp_path / "drivers"
    _cli("export", str(no_ride_run), "--role", "driver", "--out", str(out))
    assert _pack_notices(out) == {
        ("2026-07-08", "VA1"): {"2026-07-08-FA"},  # W03 left behind while VA1 runs: that day's
        ("2026-07-10", "VA1"): {"2026-07-11-FA"},
    }
    page = (out / "2026-07-10" / "VA1" / "no-ride" / "2026-07-11-FA.html").read_text("utf-8")
    assert not _tokens(out / "2026-07-10" / "VA1" / "no-ride" / "2026-07-11-FA.html") & set(IDS)
    blocks = re.findall(
        r"<section class='block'(?: lang='(\w+)')? dir='\w+' data-people='(\d)'", page
    )
    assert blocks == [("", "1"), ("ar", "1"), ("fr", "1")]
    assert page.count("<dd class='count'>1 ") == 3
    assert page.count("<p class='counted'>") == 3  # each block says the staff have the names
    assert "1 personne" in page and "1 persona" in page
    assert "Per l&#x27;autista: 3 persone che salgono qui" in page
    assert "800 290 290" in page
    assert "no-ride/" in (out / "README.md").read_text(encoding="utf-8")


def test_a_places_notice_goes_to_every_vehicle_boarding_there_that_day(
    two_seat_run: Path,
) -> None:
    """With two seats a vehicle, people are left behind where vehicles do run: each place-day's
    notice is in the packs of exactly the vehicles that board riders there on that day."""
    run = load_run(two_seat_run)
    vds = vehicle_days(run)
    pages = no_ride_pages(run)
    assert pages
    packs = pack_no_ride(vds, pages)
    for day, day_pages in pages.items():
        for page in day_pages:
            boarding = {
                vd.vehicle_id
                for vd in vds
                if vd.day == day
                for t in vd.trips
                if t.direction == "to_farm" and (t.origin_id or t.foresteria_id) == page.place_id
            }
            assert boarding, (day, page.place_id)
            got = {v for (d, v), ps in packs.items() if d == day and page in ps}
            assert got == boarding, (day, page.place_id)


def test_the_operator_is_warned_that_without_a_draw_key_the_crowd_replays(
    tiny_season_run: Path,
) -> None:
    """The tiny season has no draw key: the warning says that the ride order and the crowd drawn
    into `not_offered` both replay from the seed (review 19 S)."""
    from foresterie.report.export import operator_warnings

    (line,) = [w for w in operator_warnings(tiny_season_run) if "no draw key" in w]
    assert "ride order among equals" in line and "not_offered" in line, line
