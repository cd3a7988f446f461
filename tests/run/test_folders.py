"""Publishing a run folder: concurrent writers of the same folder leave one whole run, never a
mix of two, and (with the atomic exchange) the folder is never missing while they publish."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.errors import ScenarioError
from foresterie.run.folders import (
    FAULT_ENV,
    atomic_dir,
    exchange,
    is_ours,
    output_kind,
    sweep_partials,
)
from tests.helpers import TINY, checked_in_season, cli_run

FILES = ("a.csv", "b.csv", "c.csv", "manifest.json")


def _write_run(folder: Path, tag: str) -> None:
    """Files tagged `tag`; the manifest is a run's (only an output of ours is replaced)."""
    for name in FILES:
        text = json.dumps({"schema": "foresterie-run/1", "tag": tag}) if name == FILES[-1] else tag
        (folder / name).write_text(text, encoding="utf-8")


def _writer(out: str, tag: str, faults: str, barrier: object) -> None:
    """Write a whole run tagged `tag`, meet the other writers, then publish with --force."""
    os.environ[FAULT_ENV] = faults
    with atomic_dir(Path(out), force=True) as tmp:
        _write_run(tmp, tag)
        barrier.wait(timeout=60)  # type: ignore[attr-defined]


def _tags(out: Path) -> set[str]:
    tags = {(out / name).read_text(encoding="utf-8") for name in FILES[:-1]}
    return tags | {json.loads((out / FILES[-1]).read_text(encoding="utf-8"))["tag"]}


@pytest.mark.parametrize("faults", ["", "no-exchange"])
def test_concurrent_force_writers_leave_one_whole_run(tmp_path: Path, faults: str) -> None:
    out = tmp_path / "run"
    out.mkdir()
    _write_run(out, "earlier")
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(4)
    procs = [
        ctx.Process(target=_writer, args=(str(out), f"w{i}", faults, barrier)) for i in range(4)
    ]
    for p in procs:
        p.start()
    seen_missing = 0
    while any(p.is_alive() for p in procs):
        seen_missing += not (out / "manifest.json").is_file()
        os.sched_yield()
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert len(_tags(out)) == 1 and _tags(out) <= {"w0", "w1", "w2", "w3"}  # one whole run
    assert sorted(os.listdir(tmp_path)) == ["run"]  # no temporary or set-aside folder left
    if not faults:  # the exchange: the run is there at every instant
        assert seen_missing == 0


def test_exchange_swaps_two_folders(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("A", encoding="utf-8")
    (b / "x").write_text("B", encoding="utf-8")
    if not exchange(a, b):
        pytest.skip("no RENAME_EXCHANGE on this system")
    assert (a / "x").read_text(encoding="utf-8") == "B"
    assert (b / "x").read_text(encoding="utf-8") == "A"


def test_a_set_aside_run_is_put_back_at_the_next_start(tmp_path: Path) -> None:
    """The two-rename fallback killed between its renames: the next start restores the run."""
    out = tmp_path / "run"
    dead = mp.get_context("spawn").Process(target=int)
    dead.start()
    dead.join()
    old = tmp_path / f".run.old-{dead.pid}"
    old.mkdir()
    (old / "manifest.json").write_text("earlier", encoding="utf-8")
    sweep_partials(out)
    assert (out / "manifest.json").read_text(encoding="utf-8") == "earlier"
    assert sorted(os.listdir(tmp_path)) == ["run"]


def _documents(tmp_path: Path) -> Path:
    """A folder of someone's own: what `--out ~/Documents --force` must never delete."""
    docs = tmp_path / "Documents"
    (docs / "tesi").mkdir(parents=True)
    (docs / "tesi" / "capitolo1.odt").write_bytes(b"not ours")
    (docs / "manifest.json").write_text('{"schema": "another-tool/2"}', encoding="utf-8")
    (docs / "README.md").write_text("# Driver packs of another tool?\n", encoding="utf-8")
    return docs


def _files(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_what_is_ours(tiny_season_run: Path, tmp_path: Path) -> None:
    assert is_ours(tiny_season_run)
    assert not is_ours(_documents(tmp_path)) and not is_ours(TINY)
    for name, text, ours in [
        ("manifest.json", '{"kind": "monitor", "season": "tiny"}', True),
        ("manifest.json", '{"schema": "foresterie-graph/1"}', False),  # a road graph: an input
        ("manifest.json", '["foresterie-run/1"]', False),
        ("manifest.json", "{not json", False),
        ("README.md", "# Driver packs\n\nOne folder per day and vehicle", True),
        ("README.md", "# Public aggregate export\n\nCounts only", True),
        ("OPERATOR.md", "# Operator view\n\nThis is the run folder", True),
        ("README.md", "# Public aggregate exports of 2025\n", False),
    ]:
        folder = tmp_path / "f"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        (folder / name).write_text(text, encoding="utf-8")
        assert is_ours(folder) == ours, (name, text)
        # a link to one of ours does not make a folder ours
        (folder / name).unlink()
        (folder / name).symlink_to(tiny_season_run / "manifest.json")
        assert not is_ours(folder)


def test_force_replaces_only_an_output_of_ours(tmp_path: Path) -> None:
    docs = _documents(tmp_path)
    before = _files(docs)
    with (
        pytest.raises(ScenarioError, match="is not a folder foresterie wrote"),
        atomic_dir(docs, force=True) as tmp,
    ):
        (tmp / "x").write_text("x", encoding="utf-8")
    assert _files(docs) == before and sorted(os.listdir(tmp_path)) == ["Documents"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with atomic_dir(empty, force=True) as tmp:  # an empty folder holds nothing to lose
        (tmp / "x").write_text("x", encoding="utf-8")
    assert os.listdir(empty) == ["x"]
    link = tmp_path / "link"
    link.symlink_to(empty)
    with (
        pytest.raises(ScenarioError, match="is not a folder; --force replaces only"),
        atomic_dir(link, force=True),
    ):
        pass
    assert link.is_symlink() and os.listdir(empty) == ["x"]


@pytest.fixture(scope="module")
def season(tiny_season_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return checked_in_season(tiny_season_run, tmp_path_factory.mktemp("season"))


COMMANDS: dict[str, list[str]] = {
    "solve": ["solve", str(TINY)],
    "replay": ["replay", "{run}"],
    "day": ["day", "{run}", "--date", "2026-07-07"],
    "intake": ["intake", "{run}", "--date", "2026-07-07"],
    "monitor": ["monitor", "{run}"],
    "export driver": ["export", "{run}", "--role", "driver"],
    "export operator": ["export", "{run}", "--role", "operator"],
    "export public": ["export", "{run}", "--role", "public"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_command_deletes_a_folder_not_its_own(
    season: Path, tmp_path: Path, command: str
) -> None:
    """`foresterie solve S --out ~/Documents --force` deleted Documents (session 8's open call):
    every command with --force refuses, in one line, a non-empty folder that is not an output of
    ours, and touches nothing in it."""
    docs = _documents(tmp_path)
    before = _files(docs)
    args = [a.format(run=season) for a in COMMANDS[command]]
    code, out = cli_run(*args, "--out", str(docs), "--force")
    assert code == 2, out
    assert out.strip() == (
        f"error: {docs}: --out: is not a folder foresterie wrote (no run, monitor or export "
        "manifest); --force replaces only those: choose another folder"
    )
    assert _files(docs) == before and sorted(os.listdir(tmp_path)) == ["Documents"]


def test_scenario_generate_writes_among_no_one_s_files(tmp_path: Path) -> None:
    docs = _documents(tmp_path)
    before = _files(docs)
    for force in ([], ["--force"]):
        code, out = cli_run(
            "scenario", "generate", "g", "--workers", "20", "--out", str(docs), *force
        )
        assert code == 2 and out.strip() == (
            f"error: {docs}: not empty and not a scenario folder; choose another folder"
        )
    assert _files(docs) == before


KIND_OF = {
    **dict.fromkeys(("solve", "replay", "day", "intake"), "run"),
    "monitor": "monitor",
    **dict.fromkeys(("export driver", "export operator", "export public"), "export"),
}


def _output(folder: Path, kind: str, run: Path) -> Path:
    """A folder holding an output of ours of `kind`: a copy of a run, a monitor, an export."""
    if kind == "run":
        shutil.copytree(run, folder)
        return folder
    folder.mkdir()
    if kind == "monitor":
        (folder / "manifest.json").write_text('{"kind": "monitor"}', encoding="utf-8")
    else:
        (folder / "README.md").write_text("# Public aggregate export\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_force_replaces_only_an_output_of_the_same_kind(
    season: Path, tmp_path: Path, command: str
) -> None:
    """Review 14: `export DAY_RUN --out SEASON_RUN --force` replaced the season run (its
    restricted part, the manifest the ledger is bound to) with six CSV files, and `monitor --out`
    replaced a day run. --force now replaces only an output of the kind the command writes."""
    args = [a.format(run=season) for a in COMMANDS[command]]
    mine = KIND_OF[command]
    for kind in sorted({"run", "monitor", "export"} - {mine}):
        target = _output(tmp_path / kind, kind, season)
        before = _files(target)
        code, out = cli_run(*args, "--out", str(target), "--force")
        assert code == 2, out
        names = {"run": "a run", "monitor": "a monitor", "export": "an export"}
        assert out.strip() == (
            f"error: {target}: --out: holds {names[kind]}, not {names[mine]}: --force replaces "
            f"only {names[mine]} here; choose another folder"
        )
        assert _files(target) == before


def test_an_operator_view_is_refreshed_with_force(tiny_season_run: Path, tmp_path: Path) -> None:
    """Review 20 R, LOW-12: the office sending the operator its view after each intake could not
    replace the view it wrote (a run folder without restricted/, so taken for a run); a run with
    an OPERATOR.md slipped in is still a run, never replaced by an export."""
    out = tmp_path / "view"
    for _ in range(2):
        r = CliRunner().invoke(
            app,
            ["export", str(tiny_season_run), "--role", "operator", "--out", str(out), "--force"],
        )
        assert r.exit_code == 0, r.output
    assert output_kind(out) == "export" and (out / "OPERATOR.md").is_file()
    run = tmp_path / "run"
    shutil.copytree(tiny_season_run, run)
    (run / "OPERATOR.md").write_text("# Operator view\n\nslipped in\n", encoding="utf-8")
    assert output_kind(run) == "run"
    r = CliRunner().invoke(
        app, ["export", str(tiny_season_run), "--role", "public", "--out", str(run), "--force"]
    )
    assert r.exit_code == 2 and "holds a run, not an export" in r.output
    assert (run / "restricted").is_dir()
