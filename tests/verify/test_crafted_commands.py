"""Crafted run folders handed to every command that reads one (session 20, C), beyond
tests/test_verify_fuzz.py (which damages the format and re-hashes, and runs `verify` and four
readers): here the edits keep every file well-formed.

1. A plan or input edited by hand after the run was verified, its hashes left as they were:
   `report`, `map`, `export` (each role), `day`, `intake` and `monitor` each refuse it in one
   line naming the file, exit 2, nothing written (before: `report` rewrote and re-sealed the
   report from the edited plan, `export` and `monitor` published from it, exit 0).
2. A day run edited the same way, read by `monitor` and by the next `day`.
3. The run's inputs re-hashed by a forger so that the loader reads them: `day` and `intake`
   say one line under the run's inputs/ (before: every problem of the loader, named without
   the run, blaming the file that refers to the damaged one).
4. Forgeries that break a rule, the manifest's sha256 and keyed digests recomputed as a forger
   holding the salt would: `verify` exit 1 naming the rule and the trip, worker or day.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from foresterie.core.restricted import SALT, digest
from tests.helpers import cli_ok, cli_run, import_rows, intake_of_tiny, season_with_ledger

Edit = Callable[[Path], None]


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _write(path: Path, rows: list[dict[str, str]], head: list[str]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, head, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def cell(rel: str, match: dict[str, str], **new: str) -> Edit:
    """Set cells of the rows of `rel` that match."""

    def go(run: Path) -> None:
        path = run / rel
        head = path.read_text(encoding="utf-8").splitlines()[0].split(",")
        rows = _rows(path)
        hit = [r for r in rows if all(r[k] == v for k, v in match.items())]
        assert hit, (rel, match)
        for r in hit:
            r.update(new)
        _write(path, rows, head)

    return go


def add(rel: str, **row: str) -> Edit:
    def go(run: Path) -> None:
        path = run / rel
        head = path.read_text(encoding="utf-8").splitlines()[0].split(",")
        _write(path, [*_rows(path), row], head)

    return go


def drop(rel: str, **match: str) -> Edit:
    def go(run: Path) -> None:
        path = run / rel
        head = path.read_text(encoding="utf-8").splitlines()[0].split(",")
        rows = _rows(path)
        kept = [r for r in rows if not all(r[k] == v for k, v in match.items())]
        assert len(kept) < len(rows), (rel, match)
        _write(path, kept, head)

    return go


def feature(rel: str, fid: str, **props: object) -> Edit:
    def go(run: Path) -> None:
        data = json.loads((run / rel).read_text(encoding="utf-8"))
        hit = [f for f in data["features"] if f["properties"]["id"] == fid]
        assert hit, (rel, fid)
        for f in hit:
            f["properties"].update(props)
        (run / rel).write_text(json.dumps(data), encoding="utf-8")

    return go


def text(rel: str, old: str, new: str) -> Edit:
    def go(run: Path) -> None:
        t = (run / rel).read_text(encoding="utf-8")
        assert old in t, (rel, old)
        (run / rel).write_text(t.replace(old, new), encoding="utf-8")

    return go


def both(*edits: Edit) -> Edit:
    def go(run: Path) -> None:
        for e in edits:
            e(run)

    return go


def forge_hashes(run: Path) -> None:
    """What a forger holding the run's salt does after an edit: the manifest's sha256 of every
    listed file recomputed, a restricted file's digest keyed with the salt as the run keys it."""
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    salt_file = run / "restricted" / SALT
    salt = salt_file.read_bytes() if salt_file.is_file() else None
    for part in ("plan", "inputs", "restricted"):
        for name in m.get(part, {}):
            p = run / part / name
            if p.is_file():
                data = p.read_bytes()
                m[part][name] = (
                    digest(data, salt) if part == "restricted" else hashlib.sha256(data).hexdigest()
                )
    (run / "manifest.json").write_text(json.dumps(m), encoding="utf-8")


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith("tiny.ledger")
    }


def _one_line(out: str) -> str:
    lines = [x for x in out.strip().splitlines() if x.startswith(("error", "infeasible"))]
    assert len(lines) == 1, out
    return lines[0]


# ------------------------------------------------------- 1. edited by hand, hashes as they were

# Edits of what each command reads; W03 moved to Borgo Mezzanone is a plan a coordinator would
# not sign (her accessible bed, her farm's shuttle), yet every file stays well-formed.
HAND_EDITS: dict[str, tuple[str, Edit]] = {
    "bed_moved": (
        "plan/assignments.csv",
        cell("plan/assignments.csv", {"worker_id": "W03"}, foresteria_id="FB"),
    ),
    "trip_dropped": ("plan/trips.csv", drop("plan/trips.csv", trip_id="2026-07-08-FB-E01")),
    "seats_cut": ("inputs/fleet.csv", cell("inputs/fleet.csv", {"vehicle_id": "VA1"}, seats="2")),
    "priority_raised": (
        "restricted/priority.csv",
        cell("restricted/priority.csv", {"worker_id": "W06"}, priority="3"),
    ),
}
READERS: dict[str, list[str]] = {
    "report": ["report", "{run}", "--no-sheets"],
    "map": ["map", "{run}", "--out", "{out}/map.html"],
    "export_driver": ["export", "{run}", "--role", "driver", "--out", "{out}/x"],
    "export_operator": ["export", "{run}", "--role", "operator", "--out", "{out}/x"],
    "export_public": ["export", "{run}", "--role", "public", "--out", "{out}/x"],
    "day": ["day", "{run}", "--date", "2026-07-07", "--out", "{out}/x"],
    "intake": ["intake", "{run}", "--date", "2026-07-08", "--out", "{out}/x"],
    "monitor": ["monitor", "{run}", "--out", "{out}/x"],
    "compare": ["compare", "{run}", "{run}"],
}
# restricted/ is read by the commands that plan or count by priority; the others never read it
READS_RESTRICTED = {"day", "intake", "monitor"}


@pytest.fixture(scope="module")
def ledgered(tiny_season_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny season with a ledger of check-ins (W01, W03, W04, W05 arrived on 6 July)."""
    base = tmp_path_factory.mktemp("crafted-commands")
    run = season_with_ledger(tiny_season_run, base)
    import_rows(
        run,
        base / "checkins.csv",
        "date,worker_id,event\n2026-07-06,W01,arrival\n2026-07-06,W03,arrival\n"
        "2026-07-06,W04,arrival\n2026-07-06,W05,arrival\n",
    )
    return run


def _copy(ledgered: Path, tmp_path: Path) -> Path:
    world = tmp_path / "w"
    world.mkdir()
    run = world / "tiny"
    shutil.copytree(ledgered, run)
    shutil.copy(ledgered.parent / "tiny.ledger.sqlite", world / "tiny.ledger.sqlite")
    return run


# Every reader with every hand edit, but a restricted/ edit only with the commands that read
# restricted/ (the others never open it: nothing to refuse).
EDITED_READS = [
    (command, edit)
    for edit in sorted(HAND_EDITS)
    for command in sorted(READERS)
    if command in READS_RESTRICTED or not HAND_EDITS[edit][0].startswith("restricted/")
]


@pytest.mark.parametrize(("command", "edit"), EDITED_READS)
def test_a_run_edited_after_it_was_made_is_refused_by_every_reader(
    command: str, edit: str, ledgered: Path, tmp_path: Path
) -> None:
    rel, change = HAND_EDITS[edit]
    run = _copy(ledgered, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    change(run)
    before = _tree(run.parent)
    code, said = cli_run(*(a.format(run=run, out=out) for a in READERS[command]))
    assert code == 2, said
    line = _one_line(said)
    part = rel.split("/")[0]
    what = "its digest" if part == "restricted" else "sha256"
    assert line.startswith("error: "), line
    assert line.endswith(  # compare says "unreadable run folder: " before it
        f"{run / rel}: file: changed since its run was made ({what} differs from "
        f"manifest.json's {part})"
    ), line
    assert list(out.iterdir()) == []
    assert _tree(run.parent) == before  # the report not rewritten, no ledger file beside it


def test_the_untouched_run_is_read_by_every_reader(ledgered: Path, tmp_path: Path) -> None:
    """The check refuses what changed, not the run: each reader still works on it."""
    run = _copy(ledgered, tmp_path)
    for command, args in sorted(READERS.items()):
        out = tmp_path / command
        out.mkdir()
        code, said = cli_run(*(a.format(run=run, out=out) for a in args))
        assert code == 0, (command, said)


# --------------------------------------------------------------------- 2. a day run edited


def test_a_day_run_edited_after_it_was_made_is_refused_by_monitor_and_the_next_day(
    ledgered: Path, tmp_path: Path
) -> None:
    run = _copy(ledgered, tmp_path)
    cli_ok("day", str(run), "--date", "2026-07-07")
    day_run = run.parent / "tiny.days" / "2026-07-07"
    drop("plan/trips.csv", trip_id="2026-07-07-FB-E01")(day_run)  # a trip driven, unsaid
    before = _tree(run.parent)
    want = (
        f"error: {day_run / 'plan' / 'trips.csv'}: file: changed since its run was made "
        "(sha256 differs from manifest.json's plan)"
    )
    for args in (
        ["monitor", str(run), "--as-of", "2026-07-07"],
        ["day", str(run), "--date", "2026-07-08"],
    ):
        code, said = cli_run(*args)
        assert code == 2, said
        assert _one_line(said) == want
        assert _tree(run.parent) == before


# ---------------------------------------------- 3. the inputs re-hashed: one line under inputs/


@pytest.mark.parametrize(
    ("change", "first"),
    [
        (  # a farm taken out of farms.geojson: the rows naming it are what the loader refuses
            feature("inputs/farms.geojson", "F3", id="F9"),
            "{run}: unreadable run folder: inputs/matrix.csv:",
        ),
        (  # the file gone: said, not the rows that name what it held
            lambda run: (run / "inputs" / "farms.geojson").unlink(),
            "{run}/inputs/farms.geojson: file: missing (listed in manifest.json's inputs)",
        ),
    ],
    ids=["farm_renamed", "farms_removed"],
)
@pytest.mark.parametrize("command", ["day", "intake"])
def test_a_base_whose_inputs_the_loader_refuses_is_one_line(
    command: str, change: Edit, first: str, ledgered: Path, tmp_path: Path
) -> None:
    run = _copy(ledgered, tmp_path)
    change(run)
    forge_hashes(run)
    before = _tree(run.parent)
    date = "2026-07-07" if command == "day" else "2026-07-08"
    code, said = cli_run(command, str(run), "--date", date)
    assert code == 2, said
    line = _one_line(said)
    assert line.startswith("error: " + first.format(run=run)), line
    assert _tree(run.parent) == before


# ------------------------------------------- 4. rules broken, hashes and digests forged to match

E = "2026-07-06-FA-E01"
# (edit, a violation line `verify` must print): each keeps the files well-formed and re-hashed.
FORGERIES: dict[str, tuple[Edit, str]] = {
    "rider_moved_to_a_trip_that_does_not_take_her_home": (
        both(
            drop("plan/riders.csv", trip_id=E, worker_id="W01"),
            add("plan/riders.csv", trip_id="2026-07-06-FB-E01", seq="1", worker_id="W01"),
        ),
        "rider neither housed at the trip's foresteria nor boarding at its departure point: "
        "W01 on 2026-07-06-FB-E01",
    ),
    "evening_trip_before_the_shift_ends": (
        both(
            cell("plan/trips.csv", {"trip_id": E}, depart="12:20", origin_depart="12:20"),
            cell("plan/trips.csv", {"trip_id": E}, **{"return": "13:44", "origin_return": "13:44"}),
            cell("plan/stops.csv", {"trip_id": E, "seq": "1"}, arrive="12:30", depart="12:32"),
            cell("plan/stops.csv", {"trip_id": E, "seq": "2"}, arrive="13:12", depart="13:14"),
        ),
        f"time window: {E} leaves F1 at 12:32, shift ends 13:30 (wait limit 30 min)",
    ),
    "two_trips_of_one_vehicle_overlap": (
        cell("plan/trips.csv", {"trip_id": "2026-07-06-FB-M01"}, vehicle_id="VA1"),
        "vehicle double-booked: VA1 on 2026-07-06: 2026-07-06-FB-M01 leaves before "
        "2026-07-06-FA-M01 is back +5 min turnaround",
    ),
    "driver_over_his_hours": (
        cell("inputs/fleet.csv", {"vehicle_id": "VA1"}, max_duty_min="60"),
        "duty limit: VA1 on 2026-07-06: 168 min on trips > 60 (+108)",
    ),
    "a_bed_over_capacity_on_one_night": (
        feature("inputs/foresterie.geojson", "FA", beds_men=1),
        "beds exceeded: men at FA on 2026-07-06: 2 people, 1 beds (+1)",
    ),
    "housed_and_waitlisted": (
        add(
            "plan/waitlist.csv",
            worker_id="W01",
            code="far",
            proven="yes",
            reason="no foresteria within 60 min of farm F1 (nearest: Fortore, 10 min)",
        ),
        "worker both housed and waitlisted: W01",
    ),
    "waitlist_reason_contradicting_the_beds": (
        both(
            *(
                cell(rel, {"worker_id": "W07"}, code="full", reason=words)
                for rel, words in (
                    ("plan/waitlist.csv", "all suitable beds within reach are taken"),
                    ("restricted/waitlist_reasons.csv", "all suitable beds within reach are taken"),
                )
            )
        ),
        "waitlist reason false: W07 is 'full', yet no foresteria within reach has a bed of the "
        "kind: nothing is full",
    ),
    # review: a flag flipped passed (session 20, C): `far` is proven by the inputs alone
    "waitlist_proven_flag_understated": (
        cell("plan/waitlist.csv", {"worker_id": "W06"}, proven="no"),
        "reason understates: W06 is 'far', a reason the inputs alone prove, marked proven=no",
    ),
    "waitlisted_person_housed_out_of_reach": (
        both(
            add(
                "plan/assignments.csv",
                worker_id="W06",
                foresteria_id="FB",
                section="men",
                **{"from": "2026-07-06", "to": "2026-07-13"},
            ),
            drop("plan/waitlist.csv", worker_id="W06"),
            drop("restricted/waitlist_reasons.csv", worker_id="W06"),
        ),
        "commute cap: W06 at FB is 346 min from farm F3, cap 60 min (+286)",
    ),
    "priorities_swapped_in_the_restricted_part": (
        both(
            cell("restricted/priority.csv", {"worker_id": "W06"}, priority="3"),
            cell("restricted/priority.csv", {"worker_id": "W02"}, priority="0"),
        ),
        "solver claim wrong: tier housed_priority_3 says objective 1, the plan gives 0",
    ),
    "trip_moved_out_of_the_season": (
        cell("plan/trips.csv", {"trip_id": "2026-07-06-FB-M01"}, day="2026-08-15"),
        "vehicle not available: VB1 for 2026-07-06-FB-M01 at FB on 2026-08-15",
    ),
    "bed_night_before_the_season": (
        add(
            "plan/occupancy.csv",
            foresteria_id="FA",
            night="2026-06-30",
            section="men",
            beds="3",
            used="0",
        ),
        "occupancy.csv wrong: FA/2026-06-30/men: says 3 beds, 0 used, inputs and plan give no row",
    ),
    "an_unserved_day_given_to_someone_else": (
        cell("plan/unserved.csv", {"day": "2026-07-08"}, worker_ids="W01"),
        "riders carried twice or without a workday: 2, first W01 on 2026-07-08 to_farm",
    ),
    "rider_dropped_at_the_wrong_farm": (
        cell("inputs/workers.csv", {"worker_id": "W01"}, farm_id="F2"),
        f"rider taken to the wrong farm: W01 on {E} (F1)",
    ),
}


def test_the_solved_run_with_forged_hashes_alone_passes(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """The forger's re-hash itself is sound: with no edit, the run still passes."""
    run = tmp_path / "run"
    shutil.copytree(tiny_season_run, run)
    forge_hashes(run)
    code, said = cli_run("verify", str(run))
    assert code == 0, said


@pytest.mark.parametrize("case", sorted(FORGERIES))
def test_a_forgery_that_breaks_a_rule_is_refused_with_its_rule(
    case: str, tiny_season_run: Path, tmp_path: Path
) -> None:
    forge, expected = FORGERIES[case]
    run = tmp_path / "run"
    shutil.copytree(tiny_season_run, run)
    forge(run)
    forge_hashes(run)
    code, said = cli_run("verify", str(run))
    assert code == 1, said
    assert "hash differs" not in said and "not keyed" not in said, said
    assert f"violation: {expected}" in said.splitlines(), said


def test_a_forged_replan_changes_row_is_refused(tiny_season_run: Path, tmp_path: Path) -> None:
    """plan/replan_changes.csv is who a re-plan moved (the coordinator tells them): recomputed
    from the previous plan and this one, and the manifest's count of it (session 20, C: a row
    forged into an intake, W01 said moved while she stays, passed)."""
    intake = intake_of_tiny(tiny_season_run, tmp_path)
    assert _rows(intake / "plan" / "replan_changes.csv") == []
    code, said = cli_run("verify", str(intake))
    assert code == 0, said
    add("plan/replan_changes.csv", worker_id="W01", was="FA 2026-07-08..2026-07-13", now="")(intake)
    forge_hashes(intake)
    code, said = cli_run("verify", str(intake))
    assert code == 1, said
    lines = said.splitlines()
    assert (
        "violation: plan/replan_changes.csv wrong: W01: says was 'FA 2026-07-08..2026-07-13', "
        "now ''; the previous plan and this one give no change"
    ) in lines, said
    assert (
        "violation: manifest.json: replan.residents_changed 0, plan/replan_changes.csv lists 1"
    ) in lines, said


# ------------------------------------------- 5. the replay of a re-plan whose inputs are damaged

REPLAN_DAMAGES: dict[str, tuple[Edit, str]] = {
    "placements_not_utf8": (
        lambda run: (run / "inputs" / "placements.csv").write_bytes(b"worker_id,from\n\xe9\n"),
        "{run}/inputs/placements.csv: file: not UTF-8 (byte 15)",
    ),
    "restarts_empty": (
        lambda run: (run / "inputs" / "restarts.csv").write_bytes(b""),
        "{run}/inputs/restarts.csv:1: header: not worker_id,from,...",
    ),
    "restarts_not_utf8": (
        lambda run: (run / "inputs" / "restarts.csv").write_bytes(b"worker_id,\xe9from\n"),
        "{run}/inputs/restarts.csv: file: not UTF-8 (byte 10)",
    ),
    "previous_waitlist_cell": (
        cell("inputs/previous_waitlist.csv", {"worker_id": "W06"}, code="25:61"),
        "{run}: unreadable run folder: inputs/previous_waitlist.csv:2: code: '25:61' is not a "
        "reason code",
    ),
    "previous_workers_row_twice": (
        lambda run: (run / "inputs" / "previous_workers.csv").write_text(
            (run / "inputs" / "previous_workers.csv").read_text(encoding="utf-8")
            + (run / "inputs" / "previous_workers.csv").read_text(encoding="utf-8").splitlines()[1]
            + "\n",
            encoding="utf-8",
        ),
        "{run}: unreadable run folder: inputs/previous_workers.csv:9: worker_id: 'W01' again "
        "(row 2)",
    ),
}


@pytest.mark.parametrize("case", sorted(REPLAN_DAMAGES))
def test_the_replay_of_a_replan_with_a_damaged_input_is_one_line(
    case: str, tiny_season_run: Path, tmp_path: Path
) -> None:
    """An intake's own inputs (placements, restarts, the previous plan's waitlist and people),
    re-hashed: the replay said a traceback (session 20, C); now one line, nothing left."""
    intake = intake_of_tiny(tiny_season_run, tmp_path)
    damage, want = REPLAN_DAMAGES[case]
    damage(intake)
    forge_hashes(intake)
    before = sorted(p.name for p in tmp_path.iterdir())
    code, said = cli_run("replay", str(intake), "--out", str(tmp_path / "replay"))
    assert code == 2, said
    assert _one_line(said) == "error: " + want.format(run=intake)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize(
    ("change", "first"),
    [
        (feature("inputs/farms.geojson", "F3", id="F9"), "inputs/matrix.csv:"),
        (  # the empty file, not the rows of priority.csv naming people it no longer has
            lambda run: (run / "inputs" / "workers.csv").write_bytes(b""),
            "inputs/workers.csv: file: empty file (and 7 more)",
        ),
    ],
    ids=["farm_renamed", "workers_emptied"],
)
def test_the_replay_of_inputs_the_loader_refuses_is_one_line(
    change: Edit, first: str, tiny_season_run: Path, tmp_path: Path
) -> None:
    """As `day` and `intake` say it (before: every problem of the loader, named without the
    run: `error: priority.csv: worker_id: unknown worker 'W01'` seven times, then the cause)."""
    run = tmp_path / "run"
    shutil.copytree(tiny_season_run, run)
    change(run)
    forge_hashes(run)
    code, said = cli_run("replay", str(run), "--out", str(tmp_path / "replay"))
    assert code == 2, said
    assert _one_line(said).startswith(f"error: {run}: unreadable run folder: {first}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
