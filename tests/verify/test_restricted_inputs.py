"""A restricted part cut of its referral records or its draw key is refused (review 18 Q, H1).

Before, a referrals.csv deleted from restricted/ and dropped from the manifest's `restricted`
read as "this season had no referral records": verify passed a referred person housed and
boarding at the site she must be kept away from. A run now names the restricted inputs its
model read in the published manifest (`scenario.restricted_inputs`, names only), so the cut is
a violation; the operator view (restricted/ withheld, manifest intact) says the checks it could
not do; a run written before the record reads as it always did."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from foresterie.verify import verify_report, verify_run
from tests.helpers import set_toml, with_referrals

KEY = "0f" * 32


@pytest.fixture(scope="module")
def referral_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny season with one referral record (W02 keeps away from FA) and a draw key."""
    from typer.testing import CliRunner

    from foresterie.cli import app

    base = tmp_path_factory.mktemp("ref")
    folder = with_referrals(base, "W02,2026-07-01,Sportello Antitratta Foggia,high,FA\n")
    (folder / "draw_key.txt").write_text(KEY + "\n", encoding="utf-8")
    set_toml(folder, 'fleet = "fleet.csv"', 'fleet = "fleet.csv"\ndraw_key = "draw_key.txt"')
    out = base / "run"
    r = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


def _copy(run: Path, tmp_path: Path) -> Path:
    shutil.copytree(run, tmp_path / "run")
    return tmp_path / "run"


def _edit(run: Path, edit: object) -> None:
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    edit(m)  # type: ignore[operator]
    (run / "manifest.json").write_text(json.dumps(m), encoding="utf-8")


def _cut(run: Path, name: str) -> None:
    """The file deleted from restricted/ and dropped from the manifest's `restricted`."""
    (run / "restricted" / name).unlink()
    _edit(run, lambda m: m["restricted"].pop(name))


def test_the_run_names_what_its_model_read(referral_run: Path) -> None:
    m = json.loads((referral_run / "manifest.json").read_text(encoding="utf-8"))
    assert m["scenario"]["restricted_inputs"] == ["draw_key.txt", "priority.csv", "referrals.csv"]
    assert verify_run(referral_run, report=False) == []


@pytest.mark.parametrize("name", ["referrals.csv", "draw_key.txt"])
def test_a_restricted_input_cut_and_unlisted_is_refused(
    referral_run: Path, tmp_path: Path, name: str
) -> None:
    run = _copy(referral_run, tmp_path)
    _cut(run, name)
    problems, unchecked = verify_report(run, False)[:2]
    assert (
        f"restricted file missing: {name} (the manifest's scenario.restricted_inputs says the "
        "model read it, and its restricted part does not list it)"
    ) in problems, problems
    if name == "referrals.csv":  # and what it stands for is said not checked, not passed
        assert any(u.startswith("sites to avoid") for u in unchecked), unchecked


def test_the_referred_person_at_the_site_to_avoid_is_no_pass(
    referral_run: Path, tmp_path: Path
) -> None:
    """The review's R2: W02 (referred, avoiding FA) given W01's bed at FA and W01's rides,
    her referral record cut: exit 1, not "every check passed"."""
    run = _copy(referral_run, tmp_path)
    for rel in ("plan/assignments.csv", "plan/riders.csv", "plan/waitlist.csv"):
        p = run / rel
        text = p.read_text(encoding="utf-8")
        p.write_text(
            text.replace("W01", "\0").replace("W02", "W01").replace("\0", "W02"), encoding="utf-8"
        )
    _cut(run, "referrals.csv")
    problems = verify_run(run, report=False)
    assert "restricted file missing: referrals.csv" in " | ".join(problems), problems


def test_the_operator_view_says_what_it_could_not_check(referral_run: Path, tmp_path: Path) -> None:
    run = _copy(referral_run, tmp_path)
    shutil.rmtree(run / "restricted")
    problems, unchecked = verify_report(run, False)[:2]
    assert problems == []
    said = " | ".join(unchecked)
    assert "restricted/referrals.csv: withheld from this copy" in said
    assert (
        "sites to avoid (no bed there, no ride there, nobody aboard past one): needs the referral records"
        in said
    )
    assert "need the draw key (restricted/draw_key.txt)" in said


def test_the_operator_view_with_the_listing_cut_still_says_it(
    referral_run: Path, tmp_path: Path
) -> None:
    """restricted/ withheld and referrals.csv dropped from `restricted` too: the record still
    names it, so its checks are said not done (not read as a season without referrals)."""
    run = _copy(referral_run, tmp_path)
    shutil.rmtree(run / "restricted")
    _edit(run, lambda m: m["restricted"].pop("referrals.csv"))
    unchecked = verify_report(run, False)[1]
    assert any(u.startswith("sites to avoid") for u in unchecked), unchecked


def test_a_listed_input_the_record_does_not_name_is_refused(
    referral_run: Path, tmp_path: Path
) -> None:
    run = _copy(referral_run, tmp_path)
    _edit(run, lambda m: m["scenario"]["restricted_inputs"].remove("referrals.csv"))
    assert verify_run(run, report=False) == [
        "manifest.json: scenario.restricted_inputs: referrals.csv not named, yet the "
        "restricted part lists it (the model read it, or the file was added after solving)"
    ]


def test_a_run_from_before_the_record_reads_as_it_did(referral_run: Path, tmp_path: Path) -> None:
    """Without scenario.restricted_inputs (every run written before it), an unlisted referrals
    file reads as a season without referral records, as it always did."""
    run = _copy(referral_run, tmp_path)
    _edit(run, lambda m: m["scenario"].pop("restricted_inputs"))
    assert verify_run(run, report=False) == []
    _cut(run, "referrals.csv")
    problems = verify_run(run, report=False)
    assert not any("referrals.csv" in p for p in problems), problems


def test_a_record_that_is_not_a_list_of_names_is_unreadable(
    referral_run: Path, tmp_path: Path
) -> None:
    from foresterie.verify import Unreadable

    run = _copy(referral_run, tmp_path)
    _edit(run, lambda m: m["scenario"].__setitem__("restricted_inputs", "referrals.csv"))
    with pytest.raises(Unreadable, match=r"scenario\.restricted_inputs: not a list of file names"):
        verify_run(run, report=False)


def test_replay_is_identical_and_names_a_restricted_input_cut(
    referral_run: Path, tmp_path: Path
) -> None:
    """The record changes nothing a replay writes; a cut part is named, not blamed on
    inputs/workers.csv (review 18 Q, L5: "workers.csv:1: priority: missing column(s)")."""
    from tests.helpers import cli_run

    code, out = cli_run("replay", str(referral_run), "--out", str(tmp_path / "re"))
    assert code == 0 and "identical" in out, out
    for name, why in (
        ("priority.csv", "the model read it: inputs/workers.csv has no priority column since"),
        ("referrals.csv", "the model read it, as the manifest's scenario.restricted_inputs says"),
    ):
        run = tmp_path / name
        shutil.copytree(referral_run, run)
        (run / "restricted" / name).unlink()
        _edit(run, lambda m, name=name: m["restricted"].pop(name))
        code, out = cli_run("replay", str(run), "--out", str(tmp_path / f"re-{name}"))
        assert code == 1, out
        assert f"differs: restricted/{name}: missing ({why}" in out, out
        assert "workers.csv:1" not in out


@pytest.mark.parametrize(
    ("name", "unchecked"),
    [
        ("waitlist_reasons.csv", "the detailed waitlist reasons"),
        ("tiers.json", "the objective and bound of the housing tiers by priority"),
        ("kpis.json", None),
    ],
)
def test_a_restricted_output_cut_and_unlisted_is_refused(
    tiny_season_run: Path, tmp_path: Path, name: str, unchecked: str | None
) -> None:
    """The same hole on the outputs' side: a run that names its restricted inputs writes the
    detailed waitlist reasons, the figures on priorities and those of the tiers by priority
    with every plan; cut and unlisted, each read as a run from before it. The waitlist's
    detail passed with nothing said ('outranked' published as 'full' read as 'full')."""
    run = _copy(tiny_season_run, tmp_path)
    _cut(run, name)
    problems, said = verify_report(run, False)[:2]
    assert problems == [
        f"restricted file missing: {name} (a run that names its restricted inputs writes it "
        "with its plan, and its restricted part does not list it)"
    ], problems
    if unchecked is not None:
        assert any(u.startswith(unchecked) for u in said), said


@pytest.fixture(scope="module")
def replan_run(tiny_season_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A re-plan of the tiny season from 07-09."""
    from tests.helpers import TINY, cli_ok

    out = tmp_path_factory.mktemp("replan") / "r1"
    args = ["--as-of", "2026-07-09", "--previous", str(tiny_season_run), "--out", str(out)]
    cli_ok("solve", str(TINY), *args)
    return out


@pytest.mark.parametrize(
    "name", ["previous_left_behind.csv", "restarts.csv", "previous_foresterie.geojson"]
)
def test_a_replans_record_of_the_days_before_cut_is_refused(
    replan_run: Path, tmp_path: Path, name: str
) -> None:
    """The same hole in inputs/: the days someone was left behind before a re-plan's date
    (the ride order's rotation starts from them) and whose stay rules began again were written
    only when there were some, so a file cut read as "nobody". A re-plan now writes both, a
    header alone when none; one that names its restricted inputs without them is refused, as
    without the previous run's inputs (both cut read as a re-plan from before session 18)."""
    run = _copy(replan_run, tmp_path)
    assert (run / "inputs" / name).read_text(encoding="utf-8").count("\n") >= 1
    both = ["previous_foresterie.geojson", "previous_workers.csv"] if "geo" in name else [name]
    for cut in both:  # what the previous run planned with: both, or the pair's own line
        (run / "inputs" / cut).unlink()
        _edit(run, lambda m, cut=cut: m["inputs"].pop(cut))
    header = ", a header alone when none" if name.endswith(".csv") else ""
    assert verify_run(run, report=False) == [
        f"input missing: inputs/{cut} (a re-plan that names its restricted inputs records it"
        f"{header}, and the manifest does not list it)"
        for cut in both
    ]
    _edit(run, lambda m: m["scenario"].pop("restricted_inputs"))  # a re-plan from before
    assert verify_run(run, report=False) == []


def test_a_day_runs_reference_trips_cut_is_refused(tiny_season_run: Path, tmp_path: Path) -> None:
    """A day run reads who holds a seat from inputs/reference_trips.json (the season plan's
    trips it kept): cut and unlisted, the seat holders' ride order and the kept trips' ids went
    unchecked with nothing said. Its manifest's shuttles.stability says it kept them."""
    from tests.helpers import cli_ok

    season = tmp_path / "season"
    shutil.copytree(tiny_season_run, season)
    cli_ok("ledger", "init", str(season), "--ledger", str(tmp_path / "l"))
    day = tmp_path / "day"
    cli_ok(
        *("day", str(season), "--date", "2026-07-07", "--ledger", str(tmp_path / "l")),
        *("--out", str(day)),
    )
    (day / "inputs" / "reference_trips.json").unlink()
    _edit(day, lambda m: m["inputs"].pop("reference_trips.json"))
    assert verify_run(day, report=False) == [
        "input missing: inputs/reference_trips.json (the manifest's shuttles.stability says the "
        "day run kept its season plan's trips, and the manifest does not list them)"
    ]
