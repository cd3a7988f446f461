"""The draw key (README "Restricted part and encryption", review 12 finding 2): the tie-breaks
among equals (who rides first when seats are short, the lottery's tickets) are keyed by a secret
kept in restricted/, so the operator view (the run without restricted/) cannot replay the ride
order to tell referred riders apart, while plans stay deterministic and the verifier re-runs
the order with the restricted part."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import shutil
from collections import defaultdict
from pathlib import Path

import pytest

from foresterie.core.errors import ScenarioError
from foresterie.scenario.load import load_scenario
from foresterie.verify import verify_report, verify_run
from tests.helpers import TINY, cli_ok, cli_run, edit_features, rehash, set_toml, write_workers

KEY = "5eed" * 16  # 64 hex digits: a test key, as `foresterie restricted drawkey` prints
REFERRED = ("W03", "W08")
SEED = 7  # tiny's
PEOPLE = 30


def _short(folder: Path, key: str | None = KEY) -> Path:
    """PEOPLE men at F1 (Mon-Sat) for six workdays, one 6-seat vehicle: some are left behind
    every day; W03 and W08 are referred (priority 3)."""
    shutil.copytree(TINY, folder)
    edit_features(folder / "foresterie.geojson", 0, beds_men=PEOPLE)
    edit_features(folder / "foresterie.geojson", 1, beds_men=0, beds_family=0)  # no vehicle
    write_workers(
        folder,
        [
            f"W{i:02d},2026-07-06,2026-07-12,men,,F1,{3 if f'W{i:02d}' in REFERRED else 0},false,"
            for i in range(1, PEOPLE + 1)
        ],
    )
    (folder / "fleet.csv").write_text(
        "vehicle_id,foresteria_id,seats,fixed_cost_eur_per_day,cost_eur_per_km,max_duty_min,"
        "available_from,available_to\nVA1,FA,6,160,0.38,540,2026-07-01,2026-07-31\n",
        encoding="utf-8",
    )
    if key is not None:
        (folder / "draw_key.txt").write_text(key + "\n", encoding="utf-8")
        set_toml(folder, 'fleet = "fleet.csv"', 'fleet = "fleet.csv"\ndraw_key = "draw_key.txt"')
    return folder


@pytest.fixture(scope="module")
def short_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("drawkey")
    out = base / "run"
    cli_ok("solve", str(_short(base / "short")), "--out", str(out))
    return out


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _rode(run: Path) -> dict[str, set[str]]:
    """Who rode out to F1, by day (one place and farm here)."""
    day = {t["trip_id"]: t["day"] for t in _csv(run / "plan" / "trips.csv")}
    out: dict[str, set[str]] = defaultdict(set)
    for r in _csv(run / "plan" / "riders.csv"):
        if "-M" in r["trip_id"]:
            out[day[r["trip_id"]]].add(r["worker_id"])
    return out


def _replay(run: Path, tie: dict[str, str], referred: set[str]) -> dict[str, set[str]]:
    """The README's rule re-run by hand on the run's own days and seat counts: referred first,
    then more days left behind so far (a re-plan's: from the days before its date, its
    inputs/previous_left_behind.csv), then `tie`."""
    rode = _rode(run)
    behind: dict[str, int] = defaultdict(int)
    carried = run / "inputs" / "previous_left_behind.csv"
    for line in carried.read_text("utf-8").splitlines()[1:] if carried.is_file() else []:
        behind[line.split(",")[1]] += 1
    out = {}
    people = [f"W{i:02d}" for i in range(1, PEOPLE + 1)]
    for d in sorted(rode):
        order = sorted(people, key=lambda w: (w not in referred, -behind[w], tie[w]))
        out[d] = set(order[: len(rode[d])])
        for w in order[len(rode[d]) :]:
            behind[w] += 1
    return out


def _public_tie(w: str) -> str:
    return hashlib.sha256(f"{SEED}:{w}".encode()).hexdigest()


def _keyed_tie(w: str) -> str:
    return hmac.new(bytes.fromhex(KEY), f"{SEED}:{w}".encode(), hashlib.sha256).hexdigest()


def test_the_order_follows_the_key_and_not_the_published_seed(short_run: Path) -> None:
    rode = _rode(short_run)
    assert len(rode) == 6 and all(6 <= len(r) < PEOPLE for r in rode.values())  # seats short
    assert all(set(REFERRED) <= r for r in rode.values())  # referred first, every day
    ids = [f"W{i:02d}" for i in range(1, PEOPLE + 1)]
    assert _replay(short_run, {w: _keyed_tie(w) for w in ids}, set(REFERRED)) == rode
    # The public sha256("SEED:WORKER_ID") of earlier runs, even knowing who is referred, no
    # longer gives the riders: the seed and the ids do not determine the tie-break.
    assert _replay(short_run, {w: _public_tie(w) for w in ids}, set(REFERRED)) != rode


def test_the_operator_view_holds_no_key_and_cannot_replay_the_order(
    short_run: Path, tmp_path: Path
) -> None:
    view = tmp_path / "op"
    code, out = cli_run("export", str(short_run), "--role", "operator", "--out", str(view))
    assert code == 0, out
    assert "warning" not in out  # the run has a draw key
    assert (short_run / "restricted" / "draw_key.txt").read_text() == KEY + "\n"
    assert not (view / "restricted").exists()
    for p in view.rglob("*"):
        if p.is_file():
            assert KEY.encode() not in p.read_bytes(), p
    # Review 12's replay, from the view's files alone: the public tie-break, and whoever rode
    # while someone earlier in that order was left behind taken as referred. It no longer
    # names the referred people (it names people who are not, or misses them).
    rode, behind, suspects = _rode(view), defaultdict(int), set()
    left = defaultdict(set)
    for u in _csv(view / "plan" / "unserved.csv"):
        left[u["day"]] |= set(u["worker_ids"].split())
    for d in sorted(rode):
        order = lambda w: (-behind[w], _public_tie(w))  # noqa: E731
        if left[d]:
            first_left = min(left[d], key=order)
            suspects |= {w for w in rode[d] if order(w) > order(first_left)}
        for w in left[d]:
            behind[w] += 1
    assert suspects != set(REFERRED)
    # verify on the view: clean, and says that the order needs the key
    violations, unchecked = verify_report(view)
    assert violations == []
    assert any("draw key" in u for u in unchecked), unchecked


def test_verify_rechecks_the_order_with_the_key_and_flags_a_forged_one(
    short_run: Path, tmp_path: Path
) -> None:
    assert verify_run(short_run) == []
    rode = _rode(short_run)
    d = min(rode)
    left = next(u for u in _csv(short_run / "plan" / "unserved.csv") if u["day"] == d)
    stay = sorted(set(left["worker_ids"].split()))[0]
    go = sorted(rode[d] - set(REFERRED))[0]
    forged = tmp_path / "forged"
    shutil.copytree(short_run, forged)
    riders = forged / "plan" / "riders.csv"
    riders.write_text(
        "".join(
            line.replace(f",{go}\n", f",{stay}\n") if line.startswith(d) else line
            for line in riders.read_text(encoding="utf-8").splitlines(keepends=True)
        ),
        encoding="utf-8",
    )
    unserved = forged / "plan" / "unserved.csv"
    text = unserved.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith(d))
    ids = row.rsplit(",", 1)[1].split()
    new_ids = " ".join(sorted([go if w == stay else w for w in ids]))
    unserved.write_text(text.replace(row, row.rsplit(",", 1)[0] + "," + new_ids), encoding="utf-8")
    rehash(forged, ["plan/riders.csv", "plan/unserved.csv"])
    found = verify_run(forged)
    assert any(v.startswith(f"ride order broken: {d} FA F1") for v in found), found
    # Another key in the restricted part (re-hashed, as a forger would): the plan's order is
    # not the one that key gives.
    other = tmp_path / "otherkey"
    shutil.copytree(short_run, other)
    (other / "restricted" / "draw_key.txt").write_text("ab" * 32 + "\n", encoding="utf-8")
    rehash(other, ["restricted/draw_key.txt"])
    found = verify_run(other)
    assert any(v.startswith("ride order broken:") for v in found), found


def test_plans_are_byte_identical_for_the_same_key_and_replay_draws_the_same(
    short_run: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    cli_ok("solve", str(_short(tmp_path / "short")), "--out", str(again))
    for p in sorted((short_run / "plan").iterdir()):
        assert p.read_bytes() == (again / "plan" / p.name).read_bytes(), p.name
    out = cli_ok("replay", str(short_run), "--out", str(tmp_path / "replayed"))
    assert "identical" in out, out


def test_a_missing_key_is_a_warning_and_a_bad_one_an_error(tmp_path: Path) -> None:
    sc = load_scenario(_short(tmp_path / "nokey", key=None))
    assert any(w.field == "data.draw_key" for w in sc.warnings)
    assert sc.draw_key is None
    keyed = load_scenario(_short(tmp_path / "key"))
    assert keyed.draw_key == KEY and not any(w.field == "data.draw_key" for w in keyed.warnings)
    assert KEY not in repr(keyed)  # never printed with the scenario
    bad = _short(tmp_path / "bad", key="password")
    with pytest.raises(ScenarioError, match=r"draw_key\.txt:1: key: not a draw key"):
        load_scenario(bad)


def test_generate_writes_a_fresh_key_and_keeps_one_already_there(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        cli_ok("scenario", "generate", "g", "--workers", "40", "--farms", "6", "--out", str(folder))
    ka, kb = ((f / "draw_key.txt").read_text() for f in (a, b))
    assert ka != kb and len(ka.strip()) == 64
    assert load_scenario(a).draw_key == ka.strip()
    cli_ok(
        "scenario", "generate", "g", "--workers", "40", "--farms", "6", "--out", str(a), "--force"
    )
    assert (a / "draw_key.txt").read_text() == ka


def test_the_lottery_tickets_are_kept_apart(tmp_path: Path) -> None:
    """Eight men's beds at FA for PEOPLE men: W03 and W08 (referred) first, then the draw
    among the others (equals) gives the six lowest tickets a bed."""
    folder = _short(tmp_path / "lot")
    edit_features(folder / "foresterie.geojson", 0, beds_men=8)
    set_toml(folder, "max_commute_min = 60", "max_commute_min = 60\nlottery = true")
    run = tmp_path / "run"
    cli_ok("solve", str(folder), "--out", str(run))
    assert not (run / "plan" / "lottery.csv").exists()
    tickets = {r["worker_id"]: r["ticket"] for r in _csv(run / "restricted" / "lottery.csv")}
    assert tickets == {w: _keyed_tie(w)[:16] for w in tickets} and len(tickets) == PEOPLE
    housed = {a["worker_id"] for a in _csv(run / "plan" / "assignments.csv")}
    assert set(REFERRED) <= housed and len(housed) == 8
    equals = sorted(set(tickets) - set(REFERRED), key=lambda w: tickets[w])
    assert set(equals[:6]) == housed - set(REFERRED)  # the six lowest tickets among equals
    assert verify_run(run) == []
    # a forged ticket (re-hashed): not the keyed draw
    forged = tmp_path / "forged"
    shutil.copytree(run, forged)
    p = forged / "restricted" / "lottery.csv"
    p.write_text(p.read_text().replace(tickets["W01"], "0" * 16), encoding="utf-8")
    rehash(forged, ["restricted/lottery.csv"])
    assert "lottery ticket is not the seeded draw: W01" in verify_run(forged)
    # tickets published beside the ids (a forger's or an old writer's plan/lottery.csv)
    shutil.copyfile(p, forged / "plan" / "lottery.csv")
    rehash(forged, ["plan/lottery.csv"])
    assert any(v.startswith("plan/lottery.csv publishes") for v in verify_run(forged))
    code, out = cli_run("export", str(forged), "--role", "operator", "--out", str(tmp_path / "o"))
    assert code == 2 and "plan/lottery.csv" in out


def test_an_intake_draws_with_the_season_key(short_run: Path, tmp_path: Path) -> None:
    """An intake re-plans the season's people (priorities and all): without the season's key
    its ties would fall back to the public sha256 and its operator view replay them."""
    led, ci = tmp_path / "ledger.sqlite", tmp_path / "checkins.csv"
    ci.write_text(
        "date,worker_id,event\n" + "".join(f"2026-07-06,W{i:02d},arrival\n" for i in range(1, 31)),
        encoding="utf-8",
    )
    cli_ok("ledger", "import", str(short_run), str(ci), "--ledger", str(led))
    out = tmp_path / "intake"
    cli_ok(
        "intake", str(short_run), "--date", "2026-07-08", "--ledger", str(led), "--out", str(out)
    )
    assert (out / "restricted" / "draw_key.txt").read_text() == KEY + "\n"
    assert verify_run(out) == []
    rode = _rode(out)
    ids = [f"W{i:02d}" for i in range(1, PEOPLE + 1)]
    # an intake's shuttles start at its date (the days before were driven: review 17, finding
    # 8); the rotation of who is left behind goes on from the season's days before it (session
    # 18: it had started from zero again)
    assert len(rode) == 4 and min(rode) == "2026-07-08"
    season = _rode(short_run)
    days = (out / "inputs" / "previous_left_behind.csv").read_text("utf-8").splitlines()[1:]
    assert sorted(days) == sorted(
        f"{d},{w}" for d in ("2026-07-06", "2026-07-07") for w in ids if w not in season[d]
    )
    assert _replay(out, {w: _keyed_tie(w) for w in ids}, set(REFERRED)) == rode


def test_restricted_drawkey_prints_a_fresh_key_each_time() -> None:
    a, b = (cli_ok("restricted", "drawkey").strip() for _ in range(2))
    assert a != b and len(a) == 64 and int(a, 16) >= 0


def test_an_encrypted_run_keeps_the_key_sealed_and_verifies_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from foresterie.core.restricted import KEY_ENV, new_key

    monkeypatch.setenv(KEY_ENV, new_key())
    run = tmp_path / "run"
    cli_ok("solve", str(_short(tmp_path / "short")), "--out", str(run))
    assert (run / "restricted" / "draw_key.txt.fernet").is_file()
    for p in run.rglob("*"):
        if p.is_file():
            assert KEY.encode() not in p.read_bytes(), p
    assert verify_report(run) == ([], [])  # the key read back, the order re-run
    monkeypatch.delenv(KEY_ENV)
    violations, unchecked = verify_report(run)
    assert violations == [] and any("draw key" in u for u in unchecked), unchecked
