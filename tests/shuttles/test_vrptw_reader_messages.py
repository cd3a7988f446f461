"""The VRPTW reader's messages where the defect is not where the reading stopped (review 18,
L3 and L4): a customer or node given twice is said at the repeat, naming both lines; several
customers refused by the depot's window get one line saying so first, then one line each."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.errors import ScenarioError
from foresterie.shuttles.solomon import load
from foresterie.shuttles.vrptwfile import read_raw
from tests.helpers import DATA

TINY_TXT = (DATA / "vrptw" / "tiny.txt").read_text(encoding="utf-8")
TINY_VRP = (DATA / "vrptw" / "tiny.vrp").read_text(encoding="utf-8")


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def _refused(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        load(path)
    return [str(p) for p in err.value.problems]


def test_a_solomon_customer_repeated_as_the_last_row_is_said_given_twice(tmp_path: Path) -> None:
    lines = TINY_TXT.splitlines()
    lines[13] = lines[13].replace("4", "2", 1)  # line 14: customer 4's row numbered 2
    path = _write(tmp_path, "dup.txt", lines)
    assert _refused(path) == [f"{path}:14: CUST NO.: 2 given twice (lines 12 and 14)"]


def test_a_solomon_row_repeated_is_said_at_the_repeat(tmp_path: Path) -> None:
    lines = TINY_TXT.splitlines()
    lines.insert(11, lines[10])  # customer 1's row twice, lines 11 and 12
    path = _write(tmp_path, "again.txt", lines)
    assert _refused(path) == [f"{path}:12: CUST NO.: 1 given twice (lines 11 and 12)"]


def test_a_solomon_gap_in_the_numbering_keeps_its_message(tmp_path: Path) -> None:
    lines = TINY_TXT.splitlines()
    lines[12] = lines[12].replace("3", "7", 1)  # no customer 3: a gap, not a repeat
    path = _write(tmp_path, "gap.txt", lines)
    assert _refused(path) == [f"{path}:13: CUST NO.: 7: expected 3 (numbered 0, 1, 2 ...)"]


@pytest.mark.parametrize(
    ("section", "first", "row"),
    [
        ("NODE_COORD_SECTION", 12, "3 6 8"),
        ("DEMAND_SECTION", 18, "3 3"),
        ("TIME_WINDOW_SECTION", 24, "3 10 60"),
    ],
)
def test_a_vrplib_node_given_twice_names_both_lines(
    tmp_path: Path, section: str, first: int, row: str
) -> None:
    lines = TINY_VRP.splitlines()
    assert lines[first - 1] == row
    lines.insert(first + 1, row)  # node 3 again, one row further down
    path = _write(tmp_path, "twice.vrp", lines)
    with pytest.raises(ScenarioError) as err:
        read_raw(path)
    assert [str(p) for p in err.value.problems] == [
        f"{path}:{first + 2}: {section}: node 3 given twice (lines {first} and {first + 2})"
    ]


def _depot_closing_at_9(tmp_path: Path, name: str, window_2: str = "10 60") -> Path:
    """tiny.vrp with the depot closing at 9: customers 1 (node 2) and 3 (node 4), 5 away and
    served 1, are back at 11; customer 2 (node 3) at 10 away opens at 10; customer 4 (node 5),
    1.4 away, is served."""
    text = TINY_VRP.replace("\n1 0 100\n", "\n1 0 9\n").replace("\n3 10 60\n", f"\n3 {window_2}\n")
    return _write(tmp_path, name, text.splitlines())


def test_customers_refused_by_the_depot_window_are_summed_up_first(tmp_path: Path) -> None:
    path = _depot_closing_at_9(tmp_path, "early.vrp")
    assert _refused(path) == [
        f"{path}:22: time window: 3 of 4 customers cannot be served within the depot's window "
        "0..9: 3 with no way back before it closes (each at its own line)",
        f"{path}:23: time window: customer 1 (node 2): no way back: served from 5 for 1, the "
        "depot is 5 away and closes at 9",
        f"{path}:24: time window: customer 2 (node 3): no way back: served from 10 for 1, the "
        "depot is 10 away and closes at 9",
        f"{path}:25: time window: customer 3 (node 4): no way back: served from 5 for 1, the "
        "depot is 5 away and closes at 9",
    ]


def test_the_summary_counts_each_cause(tmp_path: Path) -> None:
    path = _depot_closing_at_9(tmp_path, "mixed.vrp", window_2="0 9")  # 10 away, closes at 9
    problems = _refused(path)
    assert problems[0] == (
        f"{path}:22: time window: 3 of 4 customers cannot be served within the depot's window "
        "0..9: 2 with no way back before it closes, 1 reached only after its own window closes "
        "(each at its own line)"
    )
    assert problems[2] == (
        f"{path}:24: time window: customer 2 (node 3): unreachable: leaving the depot at 0 and "
        "driving 10 arrives at 10, after it closes at 9"
    )
    assert len(problems) == 4


def test_one_customer_refused_gets_no_summary(tmp_path: Path) -> None:
    text = TINY_VRP.replace("\n4 0 40\n", "\n4 0 3\n")  # customer 3 (node 4), 5 away
    path = _write(tmp_path, "one.vrp", text.splitlines())
    assert _refused(path) == [
        f"{path}:25: time window: customer 3 (node 4): unreachable: leaving the depot at 0 and "
        "driving 5 arrives at 5, after it closes at 3"
    ]


def test_the_bench_says_the_summary_first_and_exits_2(tmp_path: Path) -> None:
    lines = TINY_TXT.splitlines()
    lines[9] = lines[9].replace("100", "9")  # Solomon: the depot's row closes at 9
    path = _write(tmp_path, "early.txt", lines)
    r = CliRunner().invoke(app, ["bench", "vrptw", str(path), "--iterations", "100"])
    assert r.exit_code == 2
    out = r.output.splitlines()
    assert out[0].endswith(
        f"{path}:10: time window: 3 of 4 customers cannot be served within the depot's window "
        "0..9: 3 with no way back before it closes (each at its own line)"
    )
    assert len(out) == 4
    for c in (1, 2, 3):  # then each customer at its row, as before
        assert f"{path}:{10 + c}: time window: customer {c}: no way back: " in out[c]


def test_the_summary_stands_at_the_depot_row_wherever_the_file_lists_it(tmp_path: Path) -> None:
    text = (
        "NAME : last\nTYPE : CVRPTW\nDIMENSION : 3\nCAPACITY : 10\nNODE_COORD_SECTION\n"
        "1 3 4\n2 0 5\n3 0 0\nDEMAND_SECTION\n1 1\n2 1\n3 0\n"
        "TIME_WINDOW_SECTION\n1 0 50\n2 0 40\n3 0 9\nDEPOT_SECTION\n3\n-1\n"
    )
    path = _write(tmp_path, "last.vrp", text.splitlines())  # the depot is node 3, listed last
    problems = _refused(path)
    assert [p.split(": ")[0] for p in problems] == [f"{path}:{i}" for i in (14, 15, 16)]
    assert problems[2].endswith(
        "2 of 2 customers cannot be served within the depot's window "
        "0..9: 2 with no way back before it closes (each at its own line)"
    )
