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


def test_a_nested_key_no_run_writes_is_refused(tiny_season_run: Path, tmp_path: Path) -> None:
    """Review 18 Q, M1's nested keys (J9-J14): under scenario, shuttles, travel, timings_s,
    replan, a tier, the budgets or the places far from a road, each named by its path; a
    value listing ids among others is a person named too."""
    run = _copy(tiny_season_run, tmp_path)
    m = _manifest(run)
    for part in ("scenario", "shuttles", "travel", "timings_s", "replan"):
        m[part]["referred_ids"] = "W01 W02"
    m["housing"]["tiers"][0]["referred_ids"] = "x"
    m["budgets"]["referred_ids"] = "x"
    m["travel"]["far_from_road"]["W01"] = 300.0
    _write(run, m)
    problems = verify_run(run, report=False)
    keys = [p.split(":", 2)[1].strip() for p in problems if "not a part of" in p]
    assert keys == [
        "'housing.tiers[0].referred_ids'",
        "'replan.referred_ids'",
        "'scenario.referred_ids'",
        "'shuttles.referred_ids'",
        "'timings_s.referred_ids'",
        "'travel.referred_ids'",
    ], problems
    said = " | ".join(problems)
    assert "manifest.json: 'budgets.referred_ids': not a budget of inputs/scenario.toml" in said
    assert "manifest.json: 'travel.far_from_road.W01': not a place of the run" in said
    assert "manifest.json: replan.referred_ids: names a person of the run" in said


def test_the_verifier_allows_the_keys_the_writer_is_held_to(tiny_season_run: Path) -> None:
    """The verifier's own layout is the writer's (core.runfolder.MANIFEST_LAYOUT, which
    write_manifest enforces), and a season run writes every key of it but those of other
    kinds of run (a re-plan's, a day run's, an intake's, the road router's) and those older
    runs wrote (which still verify)."""
    from foresterie.core.runfolder import MANIFEST_LAYOUT, manifest_known
    from foresterie.verify import _MANIFEST_LAYOUT

    assert _MANIFEST_LAYOUT == MANIFEST_LAYOUT
    m = _manifest(tiny_season_run)
    assert manifest_known(m) == (m, [])

    def fixed(layout: object, path: str = "") -> set[str]:
        if isinstance(layout, list):
            return fixed(layout[0], path[:-1] + "[0].")
        if not isinstance(layout, dict):
            return set()
        return {f"{path}{k}" for k in layout} | {
            p for k, v in layout.items() for p in fixed(v, f"{path}{k}.")
        }

    written = fixed(_as_layout(m))
    other_kinds = {
        "replan.residents_changed",
        "shuttles.stability",
        "records",
        "timings_s.road_geometry_s",
        "shuttles.vrp_solves",
        "shuttles.patterns",
    }
    assert fixed(MANIFEST_LAYOUT) - written == other_kinds | {
        f"shuttles.stability.{k}" for k in MANIFEST_LAYOUT["shuttles"]["stability"]
    }


def _as_layout(node: object) -> object:
    """A written manifest read as a layout (objects of data keys as values)."""
    from foresterie.core.runfolder import DATA_KEYS, MANIFEST_LAYOUT

    def walk(x: object, layout: object) -> object:
        if isinstance(layout, dict) and isinstance(x, dict):
            return {k: walk(v, layout.get(k)) for k, v in x.items()}
        if isinstance(layout, list) and isinstance(x, list) and x:
            return [walk(x[0], layout[0])]
        return None if layout != DATA_KEYS else DATA_KEYS

    return walk(node, MANIFEST_LAYOUT)


def test_the_writer_refuses_a_key_the_layout_does_not_name(tmp_path: Path) -> None:
    import pytest

    from foresterie.run.folders import write_manifest

    with pytest.raises(ValueError, match=r"not in MANIFEST_LAYOUT: scenario\.notes"):
        write_manifest(tmp_path, {"schema": "x", "scenario": {"notes": 1}})
    assert not (tmp_path / "manifest.json").exists()
