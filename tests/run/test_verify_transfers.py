"""The verifier's check of a 'full' waitlist reason where the scenario allows transfers (every
shipped scenario does): an option of two foresterie has room only if its first part, the option
of its first foresteria alone, has (the verifier checks those and no longer lists the pairs:
session 16), and a 'full' where no foresteria within reach has a bed of the kind is false
there too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import PARTIAL, cli_ok, rehash


@pytest.fixture(scope="module")
def partial_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("partial") / "run"
    cli_ok("solve", str(PARTIAL), "--out", str(run))
    return run


def _waitlisted_full(run: Path, wid: str) -> None:
    """As a forger with the restricted part: wid's beds taken away, wid waitlisted 'full'."""
    rows = (run / "plan/assignments.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (run / "plan/assignments.csv").write_text(
        "".join(r for r in rows if not r.startswith(f"{wid},")), encoding="utf-8"
    )
    why = "full,beds taken at every foresteria within reach"
    with (run / "plan/waitlist.csv").open("a", encoding="utf-8") as f:
        f.write(f"{wid},full,yes,beds taken at every foresteria within reach\n")
    with (run / "restricted/waitlist_reasons.csv").open("a", encoding="utf-8") as f:
        f.write(f"{wid},{why}\n")


def _verify(run: Path) -> list[str]:
    r = subprocess.run(
        [sys.executable, "-m", "foresterie", "verify", str(run)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    return r.stdout.splitlines()


def test_the_partial_scenario_houses_someone_by_a_transfer(partial_run: Path) -> None:
    """The premise of the tests below: transfers are on, and W02 moves from FB to FA."""
    rows = (partial_run / "plan/assignments.csv").read_text(encoding="utf-8").splitlines()
    assert [r.split(",")[1] for r in rows if r.startswith("W02,")] == ["FB", "FA"]
    assert "max_transfers = 1" in (PARTIAL / "scenario.toml").read_text(encoding="utf-8")


def test_full_where_no_foresteria_has_the_kind_of_bed_is_false_with_transfers_on(
    partial_run: Path, tmp_path: Path
) -> None:
    """W07 (family) waitlisted 'full' after FB's family beds are edited to 0: no foresteria
    within reach has a family bed, so nothing can be full. Before, with transfers on, the
    verifier skipped this check and said nothing about W07."""
    import shutil

    run = tmp_path / "run"
    shutil.copytree(partial_run, run)
    _waitlisted_full(run, "W07")
    geo = run / "inputs/foresterie.geojson"
    text = geo.read_text(encoding="utf-8")
    assert text.count('"beds_family":2') == 1
    geo.write_text(text.replace('"beds_family":2', '"beds_family":0'), encoding="utf-8")
    rehash(
        run,
        [
            "plan/assignments.csv",
            "plan/waitlist.csv",
            "restricted/waitlist_reasons.csv",
            "inputs/foresterie.geojson",
        ],
    )
    lines = _verify(run)
    assert (
        "violation: waitlist reason false: W07 is 'full', yet no foresteria within reach has a "
        "bed of the kind: nothing is full"
    ) in lines, lines


def test_full_with_a_free_transfer_is_false(partial_run: Path, tmp_path: Path) -> None:
    """W02 waitlisted 'full' while both FB (until its closing) and FA (after it) have a free men
    bed: the verifier names a foresteria with room; W02's beds at FB alone are free, which is
    what a transfer's first part always needs, so the single option is named first."""
    import shutil

    run = tmp_path / "run"
    shutil.copytree(partial_run, run)
    _waitlisted_full(run, "W02")
    rehash(run, ["plan/assignments.csv", "plan/waitlist.csv", "restricted/waitlist_reasons.csv"])
    lines = _verify(run)
    assert any(
        line.startswith("violation: waitlist reason false: W02 is 'full', yet ")
        and "has room in men beds on every night of the stay" in line
        for line in lines
    ), lines
