"""VRPTW files as other sources write them (session 20, S): a Solomon table closed as DOS or a
VRPLIB file closes it, and a service time given two ways."""

from __future__ import annotations

from pathlib import Path

import pytest

from foresterie.core.errors import ScenarioError
from foresterie.shuttles.vrptwfile import RawInstance, read_raw
from tests.helpers import DATA

VRPTW = DATA / "vrptw"


def _fields(raw: RawInstance) -> list[tuple[object, ...]]:
    return [(n.x, n.y, n.demand, n.ready, n.due, n.service) for n in raw.nodes]


@pytest.mark.parametrize("tail", ["EOF\n", "\x1a", "\r\n\x1a", "EOF\r\n\x1a"])
def test_a_solomon_table_with_an_end_mark_reads_as_without(tmp_path: Path, tail: str) -> None:
    """`EOF` (as VRPLIB files end, and tables converted from them) and DOS's Ctrl-Z were a
    customer row of 1 field: the file refused."""
    text = (VRPTW / "tiny.txt").read_text()
    (tmp_path / "t.txt").write_text(text + tail, newline="")
    plain, ended = read_raw(VRPTW / "tiny.txt"), read_raw(tmp_path / "t.txt")
    assert ended.customers == 4 and _fields(ended) == _fields(plain)


def test_an_end_mark_inside_a_table_is_still_a_bad_row(tmp_path: Path) -> None:
    rows = (VRPTW / "tiny.txt").read_text().splitlines()
    rows.insert(-1, "EOF")
    (tmp_path / "t.txt").write_text("\n".join(rows) + "\n")
    with pytest.raises(ScenarioError) as exc:
        read_raw(tmp_path / "t.txt")
    assert str(exc.value.problems[0]).startswith(
        f"{tmp_path / 't.txt'}:{len(rows) - 1}: CUSTOMER: 1 fields"
    )


def _with_services(tmp_path: Path, services: list[int], header: bool) -> Path:
    text = (VRPTW / "tiny.vrp").read_text()
    if not header:
        text = text.replace("SERVICE_TIME : 1\n", "")
    section = "SERVICE_TIME_SECTION\n" + "".join(
        f"{k} {s}\n" for k, s in enumerate(services, start=1)
    )
    path = tmp_path / "s.vrp"
    path.write_text(text.replace("DEPOT_SECTION", section + "DEPOT_SECTION"))
    return path


def test_two_service_times_that_disagree_are_refused(tmp_path: Path) -> None:
    """SERVICE_TIME : 1 and a section saying 7 for node 3: the section won on the quiet."""
    path = _with_services(tmp_path, [0, 1, 7, 1, 1], header=True)
    lines = path.read_text().splitlines()
    with pytest.raises(ScenarioError) as exc:
        read_raw(path)
    at = lines.index("3 7") + 1
    assert [str(p) for p in exc.value.problems] == [
        f"{path}:{at}: SERVICE_TIME_SECTION: node 3: service time 7, but SERVICE_TIME (line 7) "
        "says 1 for every customer: give one of them"
    ]


def test_two_service_times_that_agree_are_read(tmp_path: Path) -> None:
    raw = read_raw(_with_services(tmp_path, [0, 1, 1, 1, 1], header=True))
    assert _fields(raw) == _fields(read_raw(VRPTW / "tiny.vrp")) and raw.warnings == ()


def test_a_depot_service_time_in_the_section_is_said(tmp_path: Path) -> None:
    """As in Solomon's table: the depot serves no one, its service time is one warning line."""
    path = _with_services(tmp_path, [30, 1, 1, 1, 1], header=False)
    raw = read_raw(path)
    at = path.read_text().splitlines().index("1 30") + 1
    assert _fields(raw)[1:] == _fields(read_raw(VRPTW / "tiny.vrp"))[1:]
    assert raw.warnings == (
        f"{path}:{at}: SERVICE_TIME_SECTION: the depot's service time 30 is not used (the depot "
        "serves no one); ignored",
    )
