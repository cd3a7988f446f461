"""A detailed reason names at most MAX_NAMED foresterie and counts the rest (README "Waitlist
reasons"): at 50,000 workers ~44 foresterie are within reach, and a reason naming each with its
nights ran past 4,000 characters. `verify` reads the bounded words, and a run's words from
before the bound (every foresteria named) still."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.housing.tiers import plan_housing
from foresterie.housing.waitlist import MAX_NAMED, uncovered_reasons
from foresterie.scenario.files import write_scenario
from foresterie.scenario.model import Assignment
from foresterie.verify import verify_run
from tests.helpers import D, farm, foresteria, matrix, scenario, vehicle, worker

DETAIL = "restricted/waitlist_reasons.csv"
STAY = "2026-07-06..07-09"


def _season(n: int):  # type: ignore[no-untyped-def]
    """`n` foresterie A, B, ... with one men's bed and one family bed each, all within reach of
    farm F1, and, for the same stay: n + 1 men (one left out: `full`), a family of two
    (`too_large`: no foresteria has two family beds) and a woman (`no_section`)."""
    ids = [chr(ord("A") + i) for i in range(n)]
    fs = [foresteria(i, men=1, family=1) for i in ids]
    ws = [worker(f"M{k:02d}") for k in range(n + 1)]
    ws += [worker(f"G{k}", section="family", group="G") for k in range(2)]
    ws += [worker("W1", section="women")]
    return ids, scenario(fs, [farm("F1")], ws, fleet=[vehicle("V1", "A")])


def _reasons(n: int) -> dict[str, tuple[str, str]]:
    ids, sc = _season(n)
    hp = plan_housing(sc, matrix({}, [*ids, "F1"]))
    return {e.worker_id: (e.code, e.reason) for e in hp.waitlist}


def _named(ids: list[str]) -> list[str]:
    return [f"Foresteria {i}" for i in ids]


def test_the_bound_keeps_the_shipped_seasons_words() -> None:
    """No shipped season has more foresterie than the bound: their reasons name every one."""
    root = Path(__file__).resolve().parents[2]
    most = max(
        len(json.loads((s / "foresterie.geojson").read_text(encoding="utf-8"))["features"])
        for s in [root / "geodata", *(root / "scenarios").iterdir()]
        if (s / "foresterie.geojson").exists()
    )
    assert 0 < most <= MAX_NAMED


@pytest.mark.parametrize("n", [MAX_NAMED - 1, MAX_NAMED])
def test_at_or_below_the_bound_every_foresteria_is_named(n: int) -> None:
    ids = [chr(ord("A") + i) for i in range(n)]
    got = _reasons(n)
    full = [x for x in got.values() if x[0] == "full"]
    assert len(full) == 1, got
    parts = " and at ".join(f"{f} on {STAY}" for f in _named(ids))
    assert full[0][1] == (
        f"men's beds full at {parts} (held by people of equal or higher priority)"
    )
    names = ", ".join(_named(ids))
    assert (
        got["G0"]
        == got["G1"]
        == (
            "too_large",
            f"group of 2 needs more family beds than {names} has on some nights of the stay",
        )
    )
    assert got["W1"] == (
        "no_section",
        f"no women's beds at the foresterie open for the stay {STAY} within reach ({names})",
    )
    assert all("other foresteri" not in reason for _, reason in got.values())


@pytest.mark.parametrize(
    ("n", "tail"), [(MAX_NAMED + 1, "1 other foresteria"), (12, "6 other foresterie")]
)
def test_above_the_bound_the_first_are_named_and_the_rest_counted(n: int, tail: str) -> None:
    ids = [chr(ord("A") + i) for i in range(n)]
    got = _reasons(n)
    (full,) = [reason for code, reason in got.values() if code == "full"]
    parts = " and at ".join(f"{f} on {STAY}" for f in _named(ids[:MAX_NAMED]))
    assert full == (
        f"men's beds full at {parts} and at {tail} on some night of the stay (held by people "
        "of equal or higher priority)"
    )
    assert full.count("Foresteria ") == MAX_NAMED
    names = ", ".join(_named(ids[:MAX_NAMED]))
    assert got["G0"][1] == (
        f"group of 2 needs more family beds than {names} and {tail} has on some nights of the stay"
    )
    assert got["W1"][1] == (
        f"no women's beds at the foresterie open for the stay {STAY} within reach ({names} and "
        f"{tail})"
    )


def test_the_sites_a_placement_rules_out_are_bounded_too() -> None:
    """A pinned person's nights before the pin's foresteria opens: every other foresteria
    within reach is ruled out, the first (by name) named and the rest counted."""
    ids = [chr(ord("A") + i) for i in range(MAX_NAMED + 3)]
    fs = [foresteria("A", men=1, open_from="2026-07-08")]
    fs += [foresteria(i, men=1) for i in ids[1:]]
    w = worker("P1", pinned="A")
    sc = scenario(fs, [farm("F1")], [w], housing={"partial_stays": True})
    bed = Assignment(
        worker_id="P1",
        foresteria_id="A",
        section=w.section,
        arrival=D("2026-07-08"),
        departure=w.departure,
    )
    (u,) = uncovered_reasons(sc, [bed], matrix({}, [*ids, "F1"]))
    names = ", ".join(_named(ids[1 : MAX_NAMED + 1]))
    assert (u.detail_code, u.detail) == (
        "placement",
        f"Foresteria A opens on 2026-07-08; placement rules out {names} and 2 other foresterie",
    )


def _rows(run: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((run / DETAIL).read_text(encoding="utf-8"))))


def rewrite_details(run: Path, said: dict[str, str]) -> None:
    """Set the detailed reasons of the people in `said` and re-key the file's digest, as a
    forger (or an older version of the writer) would (tests/verify/test_waitlist_counts.py)."""
    rows = _rows(run)
    for x in rows:
        x["reason"] = said.get(x["worker_id"], x["reason"])
    buf = io.StringIO(newline="")
    out = csv.DictWriter(buf, list(rows[0]), lineterminator="\n")
    out.writeheader()
    out.writerows(rows)
    (run / DETAIL).write_text(buf.getvalue(), encoding="utf-8")
    salt = (run / "restricted" / "salt.txt").read_bytes()
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    digest = hmac.new(salt, (run / DETAIL).read_bytes(), hashlib.sha256).hexdigest()
    m["restricted"]["waitlist_reasons.csv"] = "hmac-sha256:" + digest
    (run / "manifest.json").write_text(json.dumps(m), encoding="utf-8")


@pytest.fixture(scope="module")
def bounded_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("bounded")
    _, sc = _season(MAX_NAMED + 2)
    write_scenario(sc, base / "season")
    out = base / "run"
    r = CliRunner().invoke(app, ["solve", str(base / "season"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


def test_verify_passes_the_bounded_reasons(bounded_run: Path) -> None:
    by_code = {x["code"]: x["reason"] for x in _rows(bounded_run)}
    assert {"full", "too_large", "no_section"} <= set(by_code), by_code
    for code in ("full", "too_large", "no_section"):
        assert by_code[code].count("Foresteria ") == MAX_NAMED, by_code[code]
        assert "2 other foresterie" in by_code[code], by_code[code]
    assert verify_run(bounded_run, report=False) == []


def _detail(run: Path, code: str) -> tuple[str, str, int]:
    """(worker, reason, line) of the first detail of `code`."""
    n, x = next((n, x) for n, x in enumerate(_rows(run), start=2) if x["code"] == code)
    return x["worker_id"], x["reason"], n


def _unbounded(reason: str, code: str) -> str:
    """A detail as the writer wrote it before the bound (every foresteria named)."""
    every = _named([chr(ord("A") + i) for i in range(MAX_NAMED + 2)])
    if code == "full":
        tail = (
            f"{every[MAX_NAMED - 1]} on {STAY} and at 2 other foresterie on some night of the stay"
        )
        return reason.replace(
            tail, " and at ".join(f"{f} on {STAY}" for f in every[MAX_NAMED - 1 :])
        )
    return reason.replace(
        f"{every[MAX_NAMED - 1]} and 2 other foresterie", ", ".join(every[MAX_NAMED - 1 :])
    )


def test_verify_reads_a_run_written_before_the_bound(bounded_run: Path, tmp_path: Path) -> None:
    """The same run as the writer wrote it before the bound (every foresteria named in every
    detail: a run is written all before the bound or all after it; one list in full among
    counted ones is refused, tests/verify/test_waitlist_counts.py)."""
    import shutil

    run = tmp_path / "run"
    shutil.copytree(bounded_run, run)
    said = {}
    for x in _rows(bounded_run):
        old = _unbounded(x["reason"], x["code"])
        assert old != x["reason"] and "other foresteri" not in old
        said[x["worker_id"]] = old
    rewrite_details(run, said)
    assert verify_run(run, report=False) == []


@pytest.mark.parametrize(
    ("said", "why"),
    [
        ("3 other foresterie", "names and counts 9 foresterie, the run has 8"),
        ("2 other foresteria", "says '2 other foresteria': not a count of other foresterie"),
    ],
)
@pytest.mark.parametrize("code", ["full", "too_large", "no_section"])
def test_verify_refuses_a_miscounted_tail(
    bounded_run: Path, tmp_path: Path, code: str, said: str, why: str
) -> None:
    import shutil

    run = tmp_path / "run"
    shutil.copytree(bounded_run, run)
    wid, reason, line = _detail(run, code)
    rewrite_details(run, {wid: reason.replace("2 other foresterie", said)})
    assert f"reason not its code's words: {DETAIL}:{line}: reason: {code}: {why}" in verify_run(
        run, report=False
    )


@pytest.mark.parametrize("code", ["full", "too_large", "no_section"])
def test_verify_refuses_fewer_named_than_the_bound_before_the_count(
    bounded_run: Path, tmp_path: Path, code: str
) -> None:
    import shutil

    run = tmp_path / "run"
    shutil.copytree(bounded_run, run)
    wid, reason, line = _detail(run, code)
    last = f"Foresteria {chr(ord('A') + MAX_NAMED - 1)}"
    cut = (
        reason.replace(f" and at {last} on {STAY}", "")
        if code == "full"
        else reason.replace(f", {last}", "")
    )
    assert cut != reason
    rewrite_details(run, {wid: cut.replace("2 other foresterie", "3 other foresterie")})
    want = f"names {MAX_NAMED - 1} foresterie before counting the rest, not {MAX_NAMED}"
    assert f"reason not its code's words: {DETAIL}:{line}: reason: {code}: {want}" in verify_run(
        run, report=False
    )


UNCOVERED = "restricted/uncovered_reasons.csv"


@pytest.fixture(scope="module")
def pinned_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """P1 pinned to Foresteria A, which opens on 07-08, two nights into the stay: before it the
    placement (the pin) rules out the MAX_NAMED + 2 others within reach, open all month."""
    base = tmp_path_factory.mktemp("pinned")
    ids = [chr(ord("A") + i) for i in range(MAX_NAMED + 3)]
    fs = [foresteria("A", men=1, open_from="2026-07-08")]
    fs += [foresteria(i, men=1) for i in ids[1:]]
    sc = scenario(
        fs,
        [farm("F1")],
        [worker("P1", pinned="A")],
        fleet=[vehicle("V1", "B")],
        housing={"partial_stays": True},
    )
    write_scenario(sc, base / "season")
    out = base / "run"
    r = CliRunner().invoke(app, ["solve", str(base / "season"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


def _set_uncovered(run: Path, reason: str) -> None:
    rows = list(csv.DictReader(io.StringIO((run / UNCOVERED).read_text(encoding="utf-8"))))
    rows[0]["reason"] = reason
    buf = io.StringIO(newline="")
    out = csv.DictWriter(buf, list(rows[0]), lineterminator="\n")
    out.writeheader()
    out.writerows(rows)
    (run / UNCOVERED).write_text(buf.getvalue(), encoding="utf-8")
    salt = (run / "restricted" / "salt.txt").read_bytes()
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    digest = hmac.new(salt, (run / UNCOVERED).read_bytes(), hashlib.sha256).hexdigest()
    m["restricted"]["uncovered_reasons.csv"] = "hmac-sha256:" + digest
    (run / "manifest.json").write_text(json.dumps(m), encoding="utf-8")


def test_verify_reads_the_bounded_sites_a_placement_rules_out(
    pinned_run: Path, tmp_path: Path
) -> None:
    import shutil

    every = _named([chr(ord("A") + i) for i in range(1, MAX_NAMED + 3)])
    head = "Foresteria A opens on 2026-07-08; placement rules out "
    (row,) = csv.DictReader(io.StringIO((pinned_run / UNCOVERED).read_text(encoding="utf-8")))
    assert (row["code"], row["reason"]) == (
        "placement",
        f"{head}{', '.join(every[:MAX_NAMED])} and 2 other foresterie",
    )
    assert verify_run(pinned_run, report=False) == []
    for said, ok in [
        (", ".join(every), True),  # as a run from before the bound wrote it
        (f"{', '.join(every[:MAX_NAMED])} and 3 other foresterie", False),
        (f"{', '.join(every[: MAX_NAMED - 1])} and 3 other foresterie", False),
    ]:
        run = tmp_path / str(len(said))
        shutil.copytree(pinned_run, run)
        _set_uncovered(run, head + said)
        problems = verify_run(run, report=False)
        assert (problems == []) == ok, (said, problems)
        if not ok:
            assert any(
                p.startswith(f"reason not its code's words: {UNCOVERED}:2: reason: placement")
                for p in problems
            ), problems


def test_a_newer_runs_sites_a_placement_rules_out_are_bounded(
    pinned_run: Path, tmp_path: Path
) -> None:
    """The full list passes above as a run from before the bound (nothing in the run counts);
    a run of a version after 0.4.0 must name MAX_NAMED and count the rest (session 22, V)."""
    import shutil

    every = _named([chr(ord("A") + i) for i in range(1, MAX_NAMED + 3)])
    run = tmp_path / "run"
    shutil.copytree(pinned_run, run)
    _set_uncovered(run, "Foresteria A opens on 2026-07-08; placement rules out " + ", ".join(every))
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    m["versions"]["foresterie"] = "0.5.0"
    (run / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    problems = verify_run(run, report=False)
    assert any(
        p.startswith(f"reason not its code's words: {UNCOVERED}:2: reason: placement: names ")
        for p in problems
    ), problems
