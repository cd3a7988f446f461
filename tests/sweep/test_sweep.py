"""Sweeps: deterministic members, the same table on 1 or 2 Dask workers, failures recorded, resume."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.report.page import VIEWPORT
from foresterie.scenario.load import load_scenario
from foresterie.sweep import runner
from foresterie.sweep.members import Sweep, load_sweep, member_scenario, members
from foresterie.sweep.report import write_sweep_report
from foresterie.sweep.runner import run_sweep
from tests.helpers import ROOT, TINY, write_workers

SWEEP = """
[sweep]
name = "tiny-sweep"
base = "tiny"
seed = 5
draws = 2

[perturb]
arrival_shift_days = 3
no_show_rate = 0.2
extra_arrivals = {{ tomato = 0.5 }}
heat_alert_days = 1

[decisions]
open = {{ FB = [true, false] }}
{extra}
"""


def _sweep(tmp: Path, extra: str = "", pin: bool = True) -> Path:
    shutil.copytree(TINY, tmp / "tiny")
    if pin:  # W01 already lives at FB: closing FB must fail that member, not the sweep
        rows = (tmp / "tiny" / "workers.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
        rows = [
            r.rsplit(",", 2)[0] + ",FB" if r.startswith("W01") else r.rsplit(",", 1)[0]
            for r in rows
        ]
        write_workers(tmp / "tiny", rows)
    (tmp / "sweep.toml").write_text(SWEEP.format(extra=extra), encoding="utf-8")
    return tmp / "sweep.toml"


def test_members_are_a_grid_of_decisions_times_draws(tmp_path: Path) -> None:
    sw = load_sweep(_sweep(tmp_path, "minibuses_added = [0, 1]"))
    ms = members(sw)
    assert [m.id for m in ms] == [f"d{d:03d}-r{k:04d}" for d in range(4) for k in range(2)]
    assert [dict(m.decision) for m in ms[::2]] == [
        {"open_FB": True, "minibuses_added": 0},
        {"open_FB": True, "minibuses_added": 1},
        {"open_FB": False, "minibuses_added": 0},
        {"open_FB": False, "minibuses_added": 1},
    ]


def test_member_scenarios_are_deterministic_and_share_seasons(tmp_path: Path) -> None:
    sw = load_sweep(_sweep(tmp_path, "minibuses_added = [0, 1]", pin=False))
    base = load_scenario(sw.base)
    ms = members(sw)
    a, b = member_scenario(base, sw, ms[1]), member_scenario(base, sw, ms[1])
    assert a == b
    # the same draw under another decision: the same people, another fleet
    other = member_scenario(base, sw, ms[3])
    assert other.workers == a.workers and len(other.fleet) == len(a.fleet) + 2
    assert {v.seats for v in other.fleet if v.id.endswith("-S01")} == {9}
    # another seed draws another season
    sw2 = Sweep(
        path=sw.path,
        spec=sw.spec.model_copy(update={"sweep": sw.spec.sweep.model_copy(update={"seed": 6})}),
    )
    seeds5 = [member_scenario(base, sw, m).workers for m in ms[:2]]
    seeds6 = [member_scenario(base, sw2, m).workers for m in members(sw2)[:2]]
    assert seeds5 != seeds6 and seeds5[0] != seeds5[1]


def test_perturbations_do_what_they_say(tmp_path: Path) -> None:
    sw = load_sweep(_sweep(tmp_path, pin=False))
    base = load_scenario(sw.base)
    by_id = {w.id: w for w in base.workers}
    for m in members(sw):
        sc = member_scenario(base, sw, m)
        new = [w for w in sc.workers if w.id not in by_id]
        kept = [w for w in sc.workers if w.id in by_id]
        for w in kept:  # shifted by at most 3 days (then clipped to the season), length kept
            shift = (w.arrival - by_id[w.id].arrival).days
            assert (
                abs(shift) <= 3
                and w.departure - w.arrival <= by_id[w.id].departure - by_id[w.id].arrival
            )
        groups = {w.group_id for w in kept if w.group_id}
        for g in groups:  # a crew moves and stays away together
            members_g = [w for w in kept if w.group_id == g]
            assert len({w.arrival for w in members_g}) == 1
            assert len(members_g) == sum(1 for w in base.workers if w.group_id == g)
        assert all(w.id.rsplit("-x", 1)[0] in by_id and w.priority == 0 for w in new)
        assert len(sc.config.transport.heat_alert_days) <= 2
        s0 = sc.config.scenario.season_start
        assert all(
            w.arrival >= s0 and w.departure <= sc.config.scenario.season_end + timedelta(1)
            for w in sc.workers
        )
        assert sc.config.solver.shuttle_processes == 1


def test_window_clips_the_season(tmp_path: Path) -> None:
    path = _sweep(tmp_path, pin=False)
    text = path.read_text(encoding="utf-8").replace(
        "draws = 2", "draws = 2\nwindow = [2026-07-08, 2026-07-12]"
    )
    path.write_text(text, encoding="utf-8")
    sw = load_sweep(path)
    sc = member_scenario(load_scenario(sw.base), sw, members(sw)[0])
    assert (
        sc.config.scenario.season_start.isoformat(),
        sc.config.scenario.season_end.isoformat(),
    ) == ("2026-07-08", "2026-07-12")
    assert all(
        w.arrival.isoformat() >= "2026-07-08" and w.departure.isoformat() <= "2026-07-13"
        for w in sc.workers
    )
    assert all(f.open_from.isoformat() >= "2026-07-08" for f in sc.foresterie)


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    pytest.importorskip("dask.distributed", reason="Dask is not installed: pip install '.[sweep]'")
    base = tmp_path_factory.mktemp("sweep")
    path = _sweep(base)
    one, two = base / "one", base / "two"
    r1 = run_sweep(load_sweep(path), one, workers=1, keep_runs=False)
    r2 = run_sweep(load_sweep(path), two, workers=2, keep_runs=True)
    assert r1.solved == r2.solved == 4
    return path, one, two


def test_same_table_with_one_or_two_workers(swept: tuple[Path, Path, Path]) -> None:
    _, one, two = swept
    for name in ("results.csv", "quantiles.csv"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    pd.testing.assert_frame_equal(
        pd.read_parquet(one / "results.parquet"), pd.read_parquet(two / "results.parquet")
    )
    frame = pd.read_csv(one / "results.csv")
    assert list(frame["member"]) == ["d000-r0000", "d000-r0001", "d001-r0000", "d001-r0001"]


def test_members_are_verified_runs_and_kpis_match(swept: tuple[Path, Path, Path]) -> None:
    _, _, two = swept
    frame = pd.read_csv(two / "results.csv")
    ok = frame[frame["status"] == "ok"]
    assert len(ok) == 2
    for _, row in ok.iterrows():
        run = two / "members" / row["member"] / "run"
        manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["kpis"]["housing"]["housed"] == row["housing.housed"]
        assert manifest["kpis"]["transport"]["trips"] == row["transport.trips"]
        assert manifest["scenario"]["hash"] == row["scenario_hash"]
        r = CliRunner().invoke(app, ["verify", str(run)])
        assert r.exit_code == 0, r.output


def test_a_member_plan_equals_a_plain_solve_of_its_scenario(
    swept: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """Members are solved by the ordinary pipeline (its reuse is exact): the same plan files,
    byte for byte, as `foresterie solve` of the member's scenario folder; no per-member report."""
    _, _, two = swept
    member = two / "members" / "d000-r0000"
    out = tmp_path / "plain"
    r = CliRunner().invoke(app, ["solve", str(member / "scenario"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in (member / "run" / "plan").iterdir())
    assert "trips.csv" in names and names == sorted(p.name for p in (out / "plan").iterdir())
    for name in names:
        assert (member / "run" / "plan" / name).read_bytes() == (out / "plan" / name).read_bytes()
    assert not any((member / "run" / "report").iterdir())  # reports only when asked
    assert (out / "report" / "index.html").is_file()


def test_a_failing_member_is_recorded_not_fatal(swept: tuple[Path, Path, Path]) -> None:
    _, one, _ = swept
    frame = pd.read_csv(one / "results.csv")
    failed = frame[frame["status"] == "failed"]
    assert list(failed["member"]) == ["d001-r0000", "d001-r0001"]  # FB closed
    assert all("pinned_foresteria: unknown foresteria 'FB'" in e for e in failed["error"])
    html = (one / "report" / "index.html").read_text(encoding="utf-8")
    assert "d001-r0000" in html and html.count("<div class='chart'>") == 13
    assert "<html lang='it'" in html and "Quantili" in html  # the base scenario's language
    assert VIEWPORT in html  # laid out at a phone's width, like the run's own pages


def test_resume_without_kept_runs_solves_again(swept: tuple[Path, Path, Path]) -> None:
    """Without its run (--no-keep-runs) nothing vouches for a member's result.json (review 15,
    finding 11): it is solved again, and said so; the table is the same."""
    path, one, _ = swept
    before = (one / "results.csv").read_bytes()
    (one / "members" / "d000-r0001" / "result.json").unlink()
    res = run_sweep(load_sweep(path), one, workers=1, keep_runs=False)
    assert (res.skipped, res.solved) == (0, 4)  # the two failed ones are retried, one was lost
    assert res.again == {runner.RUN_MISSING: 1}
    assert (one / "results.csv").read_bytes() == before


def test_resume_skips_members_its_runs_vouch_for(swept: tuple[Path, Path, Path]) -> None:
    path, _, two = swept
    before = (two / "results.csv").read_bytes()
    res = run_sweep(load_sweep(path), two, workers=1, keep_runs=True)
    assert (res.skipped, res.solved, res.again) == (2, 2, {})  # the two failed ones are retried
    assert (two / "results.csv").read_bytes() == before


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            ("draws = 2", "draws = 2\nworkers = 3"),
            "error: sweep.toml:7: sweep.workers: unknown key (typo?)",
        ),
        (
            ('base = "tiny"', 'base = "nope"'),
            "error: sweep.toml:4: sweep.base: 'nope': no scenario.toml there",
        ),
        (  # review 11 (finding 12): pydantic's "Input should be greater than or equal to 1"
            ("draws = 2", "draws = 0"),
            "error: sweep.toml:6: sweep.draws: 0: must be 1 or more",
        ),
        (  # found by helper V: TOML's true, 2.0 and "2" were read as the whole number 2 or 1
            ("draws = 2", "draws = true"),
            "error: sweep.toml:6: sweep.draws: true is not a whole number",
        ),
        (
            ("draws = 2", "draws = 2.0"),
            "error: sweep.toml:6: sweep.draws: 2.0 is not a whole number; write 2",
        ),
        (
            ("draws = 2", 'draws = "2"'),
            "error: sweep.toml:6: sweep.draws: '2' is not a whole number; write it without quotes",
        ),
        # review 11 (finding 11): the name was a path; ../ or an absolute name wrote outside
        # runs/sweeps/
        *(
            (
                ('name = "tiny-sweep"', f"name = {bad!r}"),
                f"error: sweep.toml:3: sweep.name: {bad!r} is not a name: letters, digits, '.', "
                "'_' and '-' only (it names the folder runs/sweeps/NAME)",
            )
            for bad in ("../../escaped", "/tmp/abs", "..", "a b", "")
        ),
        # review 11 (finding 12): accepted, every member an empty season, exit 0
        (
            ("draws = 2", "draws = 2\nwindow = [2028-08-16, 2028-08-17]"),
            "error: sweep.toml:7: sweep.window: 2028-08-16..2028-08-17 is outside the base "
            "season 2026-07-01..2026-07-31",
        ),
        (  # two lines in pydantic's words: now one, naming the field and its line
            ("draws = 2", 'draws = 2\nwindow = ["16/08/2027", "17/08/2027"]'),
            "error: sweep.toml:7: sweep.window: '16/08/2027' is not a date; write YYYY-MM-DD, "
            "without quotes",
        ),
        (
            ("draws = 2", "draws = 2\nwindow = [2026-07-09]"),
            "error: sweep.toml:7: sweep.window: needs two dates: [first night, last night]",
        ),
        # review 14: a decision given twice (its members solved twice), a season with no beds
        (
            ("FB = [true, false] }", "FB = [true, false] }\nminibuses_added = [2, 2]"),
            "error: sweep.toml:16: decisions.minibuses_added: 2 is given twice: each value once",
        ),
        (
            ("FB = [true, false] }", "FB = [true, true] }"),
            "error: sweep.toml:15: decisions.open: FB: true is given twice: each value once",
        ),
        (
            ("FB = [true, false] }", "FB = [true, false] }\nbeds_scale = [1.0, 0.0]"),
            "error: sweep.toml:16: decisions.beds_scale: needs at least one value, each above 0 "
            "(a foresteria is closed with open = [false], not with no beds)",
        ),
        (  # accepted with no effect
            ("tomato = 0.5", "tomato = -0.5"),
            "error: sweep.toml:11: perturb.extra_arrivals: tomato: a share of extra people is 0 "
            "or more, not -0.5",
        ),
    ],
)
def test_bad_sweep_file_is_one_line(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    path = _sweep(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(*edit), encoding="utf-8")
    r = CliRunner().invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2 and r.stderr.strip() == message
    assert not (tmp_path / "out").exists()


def test_an_existing_scheduler_gives_the_same_table(
    swept: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    from dask.distributed import LocalCluster

    path, one, _ = swept
    # our own quiet cluster: a plain one warns (an error here) when port 8787 is taken
    with runner._quiet_cluster(LocalCluster, 1) as cluster:
        res = run_sweep(
            load_sweep(path),
            tmp_path / "remote",
            scheduler=cluster.scheduler_address,
            keep_runs=False,
        )
    assert res.solved == 4
    assert (tmp_path / "remote" / "results.csv").read_bytes() == (one / "results.csv").read_bytes()


def test_decisions_and_perturbations_naming_unknown_ids_are_refused(tmp_path: Path) -> None:
    path = _sweep(tmp_path, pin=False)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("open = { FB = [true, false] }", "open = { FX = [true, false] }").replace(
            "extra_arrivals = { tomato = 0.5 }", "extra_arrivals = { tomatoes = 0.5 }"
        ),
        encoding="utf-8",
    )
    r = CliRunner().invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2
    assert r.stderr.strip().splitlines() == [
        "error: sweep.toml:11: perturb.extra_arrivals.tomatoes: no farm grows 'tomatoes' in the "
        "base scenario (tomato, watermelon)",
        "error: sweep.toml:15: decisions.open.FX: no foresteria 'FX' in the base scenario (FA, FB)",
    ]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("name", "base"), [("borgo-mezzanone", "puglia-2026"), ("borgo-mezzanone-2027", "puglia-2027")]
)
def test_shipped_sweep_files_load(name: str, base: str) -> None:
    sweep = load_sweep(ROOT / "scenarios" / "sweeps" / f"{name}.toml")
    assert sweep.base.name == base
    grid = members(sweep)
    assert len(grid) == 4 * sweep.spec.sweep.draws  # open/closed x 0/2 minibuses
    assert {m.decision for m in grid} == {
        (("open_FR-BMZ", o), ("minibuses_added", n)) for o in (True, False) for n in (0, 2)
    }
    # the baseline (the grid's first decision) is the present state: the Villaggio not open,
    # the fleet as sourced; the paired differences then read as what the decisions buy
    assert grid[0].decision == (("open_FR-BMZ", False), ("minibuses_added", 0))


@pytest.mark.parametrize("text", ["[" * 100_000, "[]", "{", "null"])
def test_a_damaged_member_result_is_solved_again_not_a_crash(tmp_path: Path, text: str) -> None:
    # Found by helper V: resuming a sweep whose member result.json was nested too deeply crashed
    # (RecursionError); like any damaged result it now counts as not done.
    p = tmp_path / "result.json"
    p.write_text(text, encoding="utf-8")
    assert runner._read_json(p) is None


def test_a_sweep_writes_into_no_one_elses_folder(tmp_path: Path) -> None:
    """`sweep --out ~/Documents` would overwrite a results.csv there: a non-empty folder that
    is not a sweep's is refused in one line, before anything is written or solved."""
    path = _sweep(tmp_path)
    theirs = tmp_path / "Documents"
    theirs.mkdir()
    (theirs / "results.csv").write_text("mine\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["sweep", str(path), "--out", str(theirs)])
    assert r.exit_code == 2, r.output
    assert (
        r.output.strip()
        .splitlines()[-1]
        .endswith(
            "--out: is not empty and not a sweep's folder (no members/); choose another folder"
        )
    )
    assert sorted(p.name for p in theirs.iterdir()) == ["results.csv"]
    assert (theirs / "results.csv").read_text(encoding="utf-8") == "mine\n"


def test_the_scheduler_is_reached_before_any_member_is_written(tmp_path: Path) -> None:
    """Review 11 (finding 12): a wrong --scheduler was told after every member's scenario had
    been written (and as `Error:`); now it is the first thing tried, one line, exit 2."""
    path = _sweep(tmp_path)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["sweep", str(path), "--scheduler", "nope", "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert r.stderr.strip() == "error: nope: --scheduler: missing port number in address 'nope'"
    assert not out.exists()


def test_sweep_help_keeps_its_words() -> None:
    """Review 11 (finding 10): rich markup ate "[sweep], [perturb], [decisions]"."""
    r = CliRunner().invoke(app, ["sweep", "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0
    assert "TOML with the tables sweep, perturb and decisions" in r.output


def test_the_report_speaks_the_reader_s_words(
    swept: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """Review 11 (finding 10): decisions and KPIs were raw keys on an Italian page, one KPI had
    no name, and an empty "failed members" table was shown when none failed."""
    path, one, _ = swept
    html = (one / "report" / "index.html").read_text(encoding="utf-8")
    assert "FB aperta" in html and "FB chiusa" in html and "open_FB" not in html
    assert "<code>" not in html and "transport.unserved_rider_trips" not in html
    assert "corse non servite (solo andata o ritorno)" in html  # the KPI that had no name
    assert "Membri falliti" in html  # two failed here
    frame = pd.read_csv(one / "results.csv", dtype={"error": str}, keep_default_na=False)
    ok = [r for r in frame.to_dict("records") if r["status"] == "ok"]
    page = write_sweep_report(load_sweep(path), tmp_path, ok).read_text(encoding="utf-8")
    assert "Membri falliti" not in page and page.count("<div class='chart'>") == 13


def test_a_sweep_prints_no_dask_noise(tmp_path: Path) -> None:
    """Review 11 (finding 10): every sweep printed Dask's port warnings and nanny log lines on
    stderr. Run as a planner runs it (a process of its own, as Dask's log lines go to the real
    stderr): only our own lines."""
    pytest.importorskip("dask.distributed", reason="Dask is not installed: pip install '.[sweep]'")
    path = _sweep(tmp_path, pin=False)
    text = path.read_text(encoding="utf-8").replace("draws = 2", "draws = 1")
    path.write_text(text, encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "foresterie", "sweep", str(path), "--workers", "2"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert r.stdout.startswith("wrote runs/sweeps/tiny-sweep: 2 members")
