"""`verify` reads a detailed waitlist reason's list of foresterie exactly (review 21, M1): the
names distinct, each one of the foresterie the person's own options give (derived by the
verifier from the run's inputs and rules), named + counted as many as those, the first
MAX_NAMED named and the rest counted in a run written since the bound, and a group's members
with one detail. A forger re-keys the restricted file's digest with the run's salt.

The season: foresterie A..H (one men's bed, one family bed each) open all month, I and J (the
same beds) opening after the stay; 9 men for the 8 men's beds (one `full`, 8 foresterie it
could stay at), a family of two (`too_large`: 8 foresterie, none with two family beds) and a
woman (`no_section`: the 8 open for the stay). The run has 10 foresterie, so a count of 4 after 6
names passed the old check (6 + 4 <= 10)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from foresterie.housing.waitlist import MAX_NAMED
from foresterie.scenario.files import write_scenario
from foresterie.verify import verify_run
from tests.helpers import cli_ok, farm, foresteria, scenario, vehicle, worker
from tests.housing.test_waitlist_bounded import _rows, rewrite_details

DETAIL = "restricted/waitlist_reasons.csv"
STAY = "2026-07-06..07-09"
OPEN = [chr(ord("A") + i) for i in range(8)]  # A..H
WORDS = "reason not its code's words"


def _name(fid: str) -> str:
    return f"Foresteria {fid}"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("counts")
    fs = [foresteria(i, men=1, family=1) for i in OPEN]
    fs += [foresteria(i, men=1, family=1, open_from="2026-07-20") for i in ("I", "J")]
    ws = [worker(f"M{k:02d}") for k in range(len(OPEN) + 1)]
    ws += [worker(f"G{k}", section="family", group="G") for k in range(2)]
    ws += [worker("W1", section="women")]
    sc = scenario(fs, [farm("F1")], ws, fleet=[vehicle("V1", "A")])
    write_scenario(sc, base / "season")
    out = base / "run"
    cli_ok("solve", str(base / "season"), "--out", str(out))
    return out


def _detail(run: Path, code: str) -> tuple[str, str, int]:
    """(worker, reason, line) of the first detail of `code`."""
    n, x = next((n, x) for n, x in enumerate(_rows(run), start=2) if x["code"] == code)
    return x["worker_id"], x["reason"], n


def _forged(run: Path, dest: Path, said: dict[str, str]) -> Path:
    """A copy of the run whose details of the workers in `said` read as given, the digest
    re-keyed as a forger would."""
    shutil.copytree(run, dest)
    rewrite_details(dest, said)
    return dest


def test_the_honest_run_names_six_and_counts_the_rest_and_verifies(run: Path) -> None:
    got = {x["worker_id"]: (x["code"], x["reason"]) for x in _rows(run)}
    assert {c for c, _ in got.values()} == {"full", "too_large", "no_section"}, got
    names = ", ".join(_name(f) for f in OPEN[:MAX_NAMED])
    assert got["W1"] == (
        "no_section",
        f"no women's beds at the foresterie open for the stay {STAY} within reach ({names} and "
        "2 other foresterie)",
    )
    assert got["G0"] == got["G1"]
    assert got["G0"][1].endswith(
        f"than {names} and 2 other foresterie has on some nights of the stay"
    )
    assert verify_run(run, report=False) == []


@pytest.mark.parametrize(
    ("code", "old", "new", "why"),
    [
        # the count: 6 + 4 <= the run's 10 foresterie passed; the person has 8
        (
            "full",
            "at 2 other foresterie on",
            "at 4 other foresterie on",
            "names 6 and counts 4: 10 foresterie, the run's inputs give 8 foresterie they could "
            "stay at alone",
        ),
        (
            "too_large",
            "and 2 other foresterie",
            "and 4 other foresterie",
            "names 6 and counts 4: 10 foresterie, the run's inputs give 8 foresterie they could "
            "use",
        ),
        (
            "no_section",
            "and 2 other foresterie",
            "and 1 other foresteria",
            "names 6 and counts 1: 7 foresterie, the run's inputs give 8 foresterie open for the "
            "stay within reach",
        ),
        # a name twice, one missing
        (
            "full",
            f"at {_name('B')} on {STAY}",
            f"at {_name('C')} on {STAY}",
            "names 'Foresteria C' twice",
        ),
        ("no_section", f"{_name('B')}, ", f"{_name('C')}, ", "names 'Foresteria C' twice"),
        # a foresteria of the run the person could not use (I opens after the stay)
        (
            "too_large",
            f"{_name('B')}, ",
            f"{_name('I')}, ",
            "names 'Foresteria I', not among the 8 foresterie they could use by the run's inputs",
        ),
        (
            "full",
            f"at {_name('F')} on {STAY}",
            f"at {_name('J')} on {STAY}",
            "names 'Foresteria J', not among the 8 foresterie they could stay at alone by the "
            "run's inputs",
        ),
        # the right ones, not the first in the order the reason reads them
        (
            "no_section",
            f"{_name('F')} and 2",
            f"{_name('G')} and 2",
            "names 'Foresteria A, Foresteria B, Foresteria C, Foresteria D, Foresteria E, "
            "Foresteria G', the first 6 of the foresterie open for the stay within reach are "
            "'Foresteria A, Foresteria B, Foresteria C, Foresteria D, Foresteria E, Foresteria F'",
        ),
    ],
)
def test_a_list_that_is_not_the_persons_options_is_refused(
    run: Path, tmp_path: Path, code: str, old: str, new: str, why: str
) -> None:
    wid, reason, line = _detail(run, code)
    assert old in reason, reason
    said = {wid: reason.replace(old, new, 1)}
    if wid.startswith("G"):  # both members, so that only the list is wrong
        said["G1"] = said["G0"] = said[wid]
    problems = verify_run(_forged(run, tmp_path / "run", said), report=False)
    assert f"{WORDS}: {DETAIL}:{line}: reason: {code}: {wid}: {why}" in problems, problems


def test_a_group_member_with_another_list_is_refused(run: Path, tmp_path: Path) -> None:
    """Review 21 M1's third case: one member of a group says it needs more beds than
    foresterie the group could not use, the other still says the group's own."""
    _, reason, _ = _detail(run, "too_large")
    padded = reason.replace(
        " and 2 other foresterie", f", {_name('G')}, {_name('I')}, {_name('J')}"
    )
    problems = verify_run(_forged(run, tmp_path / "run", {"G1": padded}), report=False)
    line = next(n for n, x in enumerate(_rows(run), start=2) if x["worker_id"] == "G1")
    assert any(
        p.startswith(f"{WORDS}: {DETAIL}:{line}: reason: too_large: G1: names 'Foresteria I'")
        for p in problems
    ), problems
    assert any(
        p.startswith(f"waitlist detail differs within group G ({DETAIL}): G1 is 'too_large'")
        for p in problems
    ), problems


def _every(reason: str, code: str) -> str:
    """The reason as a run from before the bound wrote it: every foresteria named."""
    if code == "full":
        tail = f"{_name('F')} on {STAY} and at 2 other foresterie on some night of the stay"
        return reason.replace(tail, " and at ".join(f"{_name(f)} on {STAY}" for f in OPEN[5:]))
    return reason.replace(f"{_name('F')} and 2 other foresterie", ", ".join(map(_name, OPEN[5:])))


@pytest.mark.parametrize("code", ["full", "too_large", "no_section"])
def test_a_full_list_in_a_run_written_since_the_bound_is_refused(
    run: Path, tmp_path: Path, code: str
) -> None:
    """The other details of the run count their rest: it was written since the bound, so this
    one must too."""
    wid, reason, line = _detail(run, code)
    every = _every(reason, code)
    assert "other foresteri" not in every and every.count("Foresteria ") == len(OPEN)
    said = {wid: every} | ({"G0": every, "G1": every} if wid.startswith("G") else {})
    problems = verify_run(_forged(run, tmp_path / "run", said), report=False)
    why = (
        f"{wid}: names all 8 foresterie "
        + {
            "full": "they could stay at alone",
            "too_large": "they could use",
            "no_section": "open for the stay within reach",
        }[code]
        + f": a run written since the bound names the first {MAX_NAMED} and counts the rest"
    )
    assert f"{WORDS}: {DETAIL}:{line}: reason: {code}: {why}" in problems, problems


def test_a_run_written_before_the_bound_still_verifies(run: Path, tmp_path: Path) -> None:
    """Every list in full (as the writer of 0.4.0 wrote them before session 21's bound): the
    run's own shape says it was written before it, and each list is still the person's own."""
    said = {x["worker_id"]: _every(x["reason"], x["code"]) for x in _rows(run)}
    assert all("other foresteri" not in s for s in said.values())
    assert verify_run(_forged(run, tmp_path / "run", said), report=False) == []
    # ... but not with a name twice
    said["W1"] = said["W1"].replace(f"{_name('B')}, ", f"{_name('C')}, ")
    problems = verify_run(_forged(run, tmp_path / "run2", said), report=False)
    assert any("W1: names 'Foresteria C' twice" in p for p in problems), problems


def test_a_newer_version_must_bound_its_lists(run: Path, tmp_path: Path) -> None:
    """A run of a version after 0.4.0 names at most MAX_NAMED whatever its shape."""
    said = {x["worker_id"]: _every(x["reason"], x["code"]) for x in _rows(run)}
    dest = _forged(run, tmp_path / "run", said)
    m = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
    m["versions"]["foresterie"] = "0.5.0"
    (dest / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    problems = verify_run(dest, report=False)
    assert any("W1: names all 8 foresterie" in p for p in problems), problems


@pytest.fixture(scope="module")
def transfer_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Partial stays, one transfer: A closes after 07-07, B opens on 07-08, C is open all month,
    one men's bed each; four men staying 07-06..07-09, one waitlisted: three options alone (A,
    B, C) and one transfer (A then B: B alone has 2 nights; A then C gains none over C)."""
    base = tmp_path_factory.mktemp("transfer")
    fs = [
        foresteria("A", men=1, open_to="2026-07-07"),
        foresteria("B", men=1, open_from="2026-07-08"),
        foresteria("C", men=1),
    ]
    ws = [worker(f"M{k}") for k in range(4)]
    sc = scenario(
        fs,
        [farm("F1")],
        ws,
        fleet=[vehicle("V1", "C")],
        housing={"partial_stays": True, "max_transfers": 1},
    )
    write_scenario(sc, base / "season")
    out = base / "run"
    cli_ok("solve", str(base / "season"), "--out", str(out))
    return out


def test_the_transfers_counted_are_the_persons_own(transfer_run: Path, tmp_path: Path) -> None:
    wid, reason, line = _detail(transfer_run, "full")
    assert reason.startswith(f"men's beds full at {_name('A')} on "), reason
    assert " and at 1 transfer option (held by " in reason, reason
    assert reason.count("Foresteria ") == 3
    assert verify_run(transfer_run, report=False) == []
    said = {wid: reason.replace("1 transfer option", "2 transfer options")}
    problems = verify_run(_forged(transfer_run, tmp_path / "run", said), report=False)
    why = f"{wid}: counts 2 transfer option(s), the run's inputs give 1"
    assert f"{WORDS}: {DETAIL}:{line}: reason: full: {why}" in problems, problems


@pytest.mark.parametrize("code", ["too_large", "no_section"])
def test_names_joined_by_anything_but_a_comma_are_no_list(
    run: Path, tmp_path: Path, code: str
) -> None:
    """Review 22: the names of a list are joined by ', ' and by nothing else; 'A;;B' in place
    of 'A, B' is refused, not read as A and B."""
    wid, reason, line = _detail(run, code)
    old = f"{_name('A')}, {_name('B')}"
    assert old in reason, reason
    said = {wid: reason.replace(old, f"{_name('A')};;{_name('B')}", 1)}
    if wid.startswith("G"):
        said["G1"] = said["G0"] = said[wid]
    problems = verify_run(_forged(run, tmp_path / "run", said), report=False)
    assert any(
        f"{DETAIL}:{line}: reason: {code}" in v and "not foresterie of the run" in v
        for v in problems
    ), problems
