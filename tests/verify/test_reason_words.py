"""A reason's words are checked, not only its code (review 13 finding 4, review 16 "Smaller
things"): every published reason (plan/unserved.csv and the plan.json that repeats it,
plan/waitlist.csv, plan/uncovered.csv, restricted/waitlist_reasons.csv) says what its code and
the row's own figures say, in the verifier's own wording of that code, and nothing else. A forger
who re-hashes the manifest (and re-keys a restricted digest with the run's salt) is refused with
one line naming the file, the line and the field. And a day run's heat alert (day.json) is the
one its own scenario plans with (review 16, helper H's note).

The tiny season: W03's 07-08 return is `vehicles_busy` at Fortore (1 vehicle, 0 round trips);
W06 is `far` (farm F3, Borgo Mezzanone 346 min away); W07 `unsuitable` (no family beds: the
detail names Fortore). The partial season: W03 before Fortore's opening, W07 after Borgo
Mezzanone's closing (plan/uncovered.csv)."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.verify import verify_run
from tests.helpers import DATA, rehash

WORDS = "reason not its code's words"
HOLIDAY = "vehicles busy: the driver was on holiday"
BAD_BEHAVIOUR = "beds full: refused for bad behaviour"


@pytest.fixture(scope="module")
def partial_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("partial") / "run"
    r = CliRunner().invoke(app, ["solve", str(DATA / "partial"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


def _copy(run: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "run"
    shutil.copytree(run, dst)
    return dst


def _edit_csv(run: Path, rel: str, worker: str, column: str, old: str, new: str) -> int:
    """Replace `old` by `new` in `column` of the row naming `worker`; its line number."""
    path = run / rel
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    at = rows[0].index(column)
    line = next(
        n for n, row in enumerate(rows[1:], start=2) if worker in row[0] or worker in row[-1]
    )
    assert old in rows[line - 1][at], rows[line - 1][at]
    rows[line - 1][at] = rows[line - 1][at].replace(old, new)
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return line


def _forge_unserved(run: Path, old: str, new: str) -> int:
    """The reason of W03's row in unserved.csv and plan.json alike, both re-hashed."""
    line = _edit_csv(run, "plan/unserved.csv", "W03", "reason", old, new)
    plan = json.loads((run / "plan" / "plan.json").read_text(encoding="utf-8"))
    for x in plan["unassigned"]:
        x["reason"] = x["reason"].replace(old, new)
    (run / "plan" / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    rehash(run, ["plan/unserved.csv", "plan/plan.json"])
    return line


def _rekey(run: Path, name: str) -> None:
    """A restricted file's digest re-keyed with the run's own salt, as a forger would."""
    salt = (run / "restricted" / "salt.txt").read_bytes()
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    data = (run / "restricted" / name).read_bytes()
    m["restricted"][name] = "hmac-sha256:" + hmac.new(salt, data, hashlib.sha256).hexdigest()
    (run / "manifest.json").write_text(json.dumps(m), encoding="utf-8")


def _words_wrong(run: Path) -> list[str]:
    problems = verify_run(run, report=False)
    return [p for p in problems if p.startswith(WORDS)]


def test_the_solved_runs_reasons_are_their_codes_words(
    tiny_season_run: Path, partial_run: Path
) -> None:
    assert verify_run(tiny_season_run, report=False) == []
    assert verify_run(partial_run, report=False) == []
    uncovered = (partial_run / "plan" / "uncovered.csv").read_text(encoding="utf-8")
    assert "before_opening,Fortore opens on 2026-07-08" in uncovered  # a reason checked


def test_a_forged_unserved_reason_is_refused_with_its_line(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    run = _copy(tiny_season_run, tmp_path)
    text = (run / "plan" / "unserved.csv").read_text(encoding="utf-8")
    reason = next(csv.DictReader(io.StringIO(text)))["reason"]
    line = _forge_unserved(run, reason, HOLIDAY)
    assert verify_run(run, report=False) == [
        f"{WORDS}: plan/unserved.csv:{line}: reason: vehicles_busy: not the words of its code"
    ]


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("; 0 round trips", "; 2 round trips", "says have '2', the run's figures give '0'"),
        ("busy at Fortore:", "busy at Borgo Mezzanone:", "says base 'Borgo Mezzanone'"),
        ("lower bound, 1 vehicle,", "lower bound, 3 vehicles,", "says lb_v '3 vehicles'"),
        # words added after the code's own: nothing else may be said
        ("shortage)", "shortage); the driver was on holiday", "not the words of its code"),
    ],
)
def test_a_wrong_figure_or_word_in_an_unserved_reason_is_named(
    tiny_season_run: Path, tmp_path: Path, old: str, new: str, says: str
) -> None:
    run = _copy(tiny_season_run, tmp_path)
    line = _forge_unserved(run, old, new)
    wrong = _words_wrong(run)
    assert len(wrong) == 1, wrong
    assert wrong[0].startswith(f"{WORDS}: plan/unserved.csv:{line}: reason: vehicles_busy: {says}")


def test_a_forged_waitlist_reason_is_refused_in_both_files(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    run = _copy(tiny_season_run, tmp_path)
    public = "no foresteria within reach, open for the stay, has beds that suit this person"
    line = _edit_csv(run, "plan/waitlist.csv", "W07", "reason", public, BAD_BEHAVIOUR)
    rehash(run, ["plan/waitlist.csv"])
    detail = "within reach (Fortore)"
    forged = "within reach (Fortore, Casa Nostra)"
    line2 = _edit_csv(run, "restricted/waitlist_reasons.csv", "W07", "reason", detail, forged)
    _rekey(run, "waitlist_reasons.csv")
    assert _words_wrong(run) == [
        f"{WORDS}: plan/waitlist.csv:{line}: reason: unsuitable: not the words of its code",
        f"{WORDS}: restricted/waitlist_reasons.csv:{line2}: reason: no_section: names "
        "'Fortore, Casa Nostra', not foresterie of the run",
    ]


def test_a_far_reason_with_the_wrong_minutes_is_named(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    run = _copy(tiny_season_run, tmp_path)
    line = _edit_csv(run, "plan/waitlist.csv", "W06", "reason", "346 min", "34 min")
    rehash(run, ["plan/waitlist.csv"])
    assert _words_wrong(run) == [
        f"{WORDS}: plan/waitlist.csv:{line}: reason: far: says mins '34', the run's figures "
        "give '346'"
    ]


def test_an_uncovered_reason_naming_another_date_is_named(
    partial_run: Path, tmp_path: Path
) -> None:
    run = _copy(partial_run, tmp_path)
    line = _edit_csv(
        run,
        "plan/uncovered.csv",
        "W07",
        "reason",
        "closes after 2026-07-15",
        "closes after 2026-07-20",
    )
    rehash(run, ["plan/uncovered.csv"])
    assert _words_wrong(run) == [
        f"{WORDS}: plan/uncovered.csv:{line}: reason: after_closing: says open_to '2026-07-20', "
        "the run's figures give '2026-07-15'"
    ]


# ------------------------------------------------------------------ day.json's heat alert

FREE = date(2026, 7, 7)  # not a heat-alert day of the tiny season (it lists 07-08)


def _day_run(season: Path, tmp_path: Path, *flags: str) -> Path:
    shutil.copytree(season, tmp_path / "tiny")
    led, out = tmp_path / "ledger.sqlite", tmp_path / "day"
    runner = CliRunner()
    r = runner.invoke(app, ["ledger", "init", str(tmp_path / "tiny"), "--ledger", str(led)])
    assert r.exit_code == 0, r.output
    args = ["day", str(tmp_path / "tiny"), "--date", FREE.isoformat(), "--ledger", str(led)]
    r = runner.invoke(app, [*args, "--out", str(out), *flags])
    assert r.exit_code == 0, r.output
    return out


def _edit_day_record(run: Path, **heat: object) -> None:
    record = json.loads((run / "day.json").read_text(encoding="utf-8"))
    record["heat_alert"] |= heat
    (run / "day.json").write_text(json.dumps(record), encoding="utf-8")
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    m["records"]["day.json"] = hashlib.sha256((run / "day.json").read_bytes()).hexdigest()
    (run / "manifest.json").write_text(json.dumps(m), encoding="utf-8")


def test_a_day_runs_heat_alert_is_its_scenarios(tiny_season_run: Path, tmp_path: Path) -> None:
    run = _day_run(tiny_season_run, tmp_path, "--heat-alert")
    assert verify_run(run, report=False) == []
    record = json.loads((run / "day.json").read_text(encoding="utf-8"))
    assert record["heat_alert"]["day"] is True
    # the alert said lifted while the run's scenario plans the day as a heat-alert day
    _edit_day_record(run, day=False, **{"from": "--no-heat-alert"})
    assert verify_run(run, report=False) == [
        "day.json: heat_alert.day: false (alert lifted), yet 2026-07-07 is a heat-alert day of "
        "the run's scenario (inputs/scenario.toml [transport] heat_alert_days)"
    ]
    # the option named as the source says the opposite of the record
    _edit_day_record(run, day=True)
    assert verify_run(run, report=False) == [
        "day.json: heat_alert: day true from --no-heat-alert: the source says otherwise"
    ]


def test_a_day_run_claiming_an_alert_its_scenario_does_not_plan_is_refused(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    run = _day_run(tiny_season_run, tmp_path)
    assert verify_run(run, report=False) == []
    _edit_day_record(run, day=True, **{"from": "--heat-alert"})
    assert verify_run(run, report=False) == [
        "day.json: heat_alert.day: true (alert declared), yet 2026-07-07 is not a heat-alert "
        "day of the run's scenario (inputs/scenario.toml [transport] heat_alert_days)"
    ]


def _capped_run(tmp_path: Path) -> Path:
    """The tiny season with a 20-minute ride cap, solved: F2 is 30 min from Fortore (FA), so its
    riders are `ride_cap` (proven) every workday."""
    src = tmp_path / "cap"
    shutil.copytree(DATA / "tiny", src)
    toml = (src / "scenario.toml").read_text(encoding="utf-8")
    assert "max_ride_min = 75\n" in toml
    (src / "scenario.toml").write_text(toml.replace("max_ride_min = 75\n", "max_ride_min = 20\n"))
    run = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(src), "--out", str(run)])
    assert r.exit_code == 0, r.output
    assert verify_run(run, report=False) == []
    return run


def test_a_ride_cap_row_within_the_cap_is_refused(tmp_path: Path) -> None:
    """Review 17 (finding 5): a forged ride_cap row for a farm 21 minutes away passed, and took
    its riders out of the fairness checks that skip rows nobody could ride. The run's cap
    raised to 40 in its inputs: every ride_cap row now claims a 30-minute ride above it."""
    run = _capped_run(tmp_path)
    rows = list(csv.DictReader(io.StringIO((run / "plan" / "unserved.csv").read_text())))
    capped = [x for x in rows if x["code"] == "ride_cap"]
    assert capped and {(x["foresteria_id"], x["farm_id"]) for x in capped} == {("FA", "F2")}
    inputs = run / "inputs" / "scenario.toml"
    inputs.write_text(
        inputs.read_text(encoding="utf-8").replace("max_ride_min = 20", "max_ride_min = 40"),
        encoding="utf-8",
    )
    rehash(run, ["inputs/scenario.toml"])
    said = verify_run(run, report=False)
    day = min(x["day"] for x in capped)
    want = (
        f"reason contradicted: {day} FA F2 is ride_cap, yet the ride is 30 min against a cap of 40"
    )
    assert want in said, said


def test_a_ride_cap_reason_says_the_farms_minutes(tmp_path: Path) -> None:
    """A ride_cap reason saying 25 min (below the cap it cites: no reason at all) is named."""
    run = _capped_run(tmp_path)
    rows = list(csv.DictReader(io.StringIO((run / "plan" / "unserved.csv").read_text())))
    assert rows and {x["reason"] for x in rows} == {
        "farm F2 is 30 min from Fortore, above the 20 min ride cap"
    }
    line = _edit_csv(run, "plan/unserved.csv", rows[0]["worker_ids"], "reason", "30 min", "25 min")
    plan = json.loads((run / "plan" / "plan.json").read_text(encoding="utf-8"))
    plan["unassigned"][line - 2]["reason"] = plan["unassigned"][line - 2]["reason"].replace(
        "30 min", "25 min"
    )
    (run / "plan" / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    rehash(run, ["plan/unserved.csv", "plan/plan.json"])
    assert verify_run(run, report=False) == [
        f"{WORDS}: plan/unserved.csv:{line}: reason: ride_cap: says far '25', the run's figures "
        "give '30'"
    ]


def test_an_uncovered_code_of_no_rule_is_named(partial_run: Path, tmp_path: Path) -> None:
    run = _copy(partial_run, tmp_path)
    line = _edit_csv(run, "plan/uncovered.csv", "W07", "code", "after_closing", "rain")
    rehash(run, ["plan/uncovered.csv"])
    assert verify_run(run, report=False) == [
        f"unknown uncovered code: plan/uncovered.csv:{line}: code: 'rain'"
    ]


@pytest.mark.parametrize(
    ("size", "says"), [(5, "says size_n '5', the run's figures give '1'"), (1, "")]
)
def test_too_large_for_one_person_says_one(
    tiny_season_run: Path, tmp_path: Path, size: int, says: str
) -> None:
    """`too_large`'s count is the unit's size for a person alone too (it was free there: session
    17's note): "group of 5" for W06, who is alone, is named; "group of 1" is its words."""
    run = _copy(tiny_season_run, tmp_path)
    far = next(
        r
        for r in csv.DictReader(io.StringIO((run / "plan" / "waitlist.csv").read_text("utf-8")))
        if r["worker_id"] == "W06"
    )["reason"]
    forged = (
        f"group of {size} needs more men's beds than any foresteria within reach has on some "
        "nights of the stay"
    )
    line = _edit_csv(run, "plan/waitlist.csv", "W06", "reason", far, forged)
    _edit_csv(run, "plan/waitlist.csv", "W06", "code", "far", "too_large")
    rehash(run, ["plan/waitlist.csv"])
    wrong = _words_wrong(run)
    if says:
        assert wrong == [f"{WORDS}: plan/waitlist.csv:{line}: reason: too_large: {says}"]
    else:
        assert not any("plan/waitlist.csv" in w for w in wrong), wrong
