"""A forger who cuts the restricted part down, downgrades its digests or adds to the manifest
is refused (review 18, helper Q's H1, M1, M2): a run written since the priority split keeps each
person's priority in restricted/priority.csv, so a manifest that no longer lists it is a
violation (without it a referred person's bed given to someone of priority 0 read as "equal
priority"); a bare sha256 beside the run's salt is a violation; a manifest key no run writes
is a violation (it would ride beside the plan's ids into the operator export)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from foresterie.verify import verify_run


def _copy(run: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "run"
    shutil.copytree(run, dst)
    return dst


def _manifest(run: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((run / "manifest.json").read_text(encoding="utf-8"))


def _write(run: Path, m: dict) -> None:  # type: ignore[type-arg]
    (run / "manifest.json").write_text(json.dumps(m), encoding="utf-8")


def test_the_solved_run_passes(tiny_season_run: Path) -> None:
    assert verify_run(tiny_season_run, report=False) == []


def test_a_restricted_part_cut_of_its_priorities_is_refused(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    run = _copy(tiny_season_run, tmp_path)
    (run / "restricted" / "priority.csv").unlink()
    m = _manifest(run)
    del m["restricted"]["priority.csv"]
    _write(run, m)
    problems = verify_run(run, report=False)
    assert problems[0] == (
        "restricted file missing: priority.csv (inputs/workers.csv has no priority column, so "
        "the run keeps each person's priority there, and the manifest must list it)"
    ), problems


def test_the_operator_view_without_priorities_says_what_it_cannot_check(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """restricted/ withheld, the manifest intact: not a violation, but the waitlist's `full`
    and the tiers by priority are among the checks said not done (they were done with every
    priority read as 0)."""
    from foresterie.verify import verify_report

    run = _copy(tiny_season_run, tmp_path)
    shutil.rmtree(run / "restricted")
    problems, unchecked = verify_report(run, False)[:2]
    assert problems == []
    said = " | ".join(unchecked)
    assert "waitlist reasons 'full' and 'outranked'" in said
    assert "the housing tiers by priority" in said


def test_a_bare_digest_beside_the_salt_is_refused(tiny_season_run: Path, tmp_path: Path) -> None:
    run = _copy(tiny_season_run, tmp_path)
    m = _manifest(run)
    data = (run / "restricted" / "tiers.json").read_bytes()
    m["restricted"]["tiers.json"] = hashlib.sha256(data).hexdigest()
    _write(run, m)
    problems = verify_run(run, report=False)
    assert len(problems) == 1 and problems[0].startswith(
        "restricted digest not keyed: tiers.json (the run has salt.txt"
    ), problems


def test_a_key_no_run_writes_is_refused(tiny_season_run: Path, tmp_path: Path) -> None:
    run = _copy(tiny_season_run, tmp_path)
    m = _manifest(run)
    m["notes"] = {"W01": "referred"}
    m["approved_by"] = "the Prefecture"
    _write(run, m)
    problems = verify_run(run, report=False)
    keys = [p.split(":", 2)[1].strip() for p in problems if "not a part of" in p]
    assert keys == ["'approved_by'", "'notes'"], problems
    assert "manifest.json: notes.W01: names a person of the run" in " | ".join(problems)
    assert all(p.startswith("manifest.json: ") for p in problems)


def test_a_listed_plan_file_that_is_gone_is_said_missing(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """Not "hash differs" (review 18 Q, L1), as the restricted part already says it."""
    run = _copy(tiny_season_run, tmp_path)
    m = _manifest(run)
    m["plan"]["zz.csv"] = "0" * 64
    _write(run, m)
    assert verify_run(run, report=False) == ["plan file changed after solving: zz.csv (missing)"]


def test_a_person_named_anywhere_in_the_manifest_is_refused(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """At any depth, as a key or a value: the manifest travels beside the plan's ids."""
    run = _copy(tiny_season_run, tmp_path)
    m = _manifest(run)
    m["scenario"]["notes"] = {"W02": "priority 3"}
    m["shuttles"]["engine"] = "W01"
    _write(run, m)
    problems = verify_run(run, report=False)
    assert (
        "manifest.json: scenario.notes.W02: names a person of the run (the manifest travels "
        "beside the plan's ids: it holds counts, never a person)" in problems
    ), problems
    assert any(p.startswith("manifest.json: shuttles.engine: names a person") for p in problems)
