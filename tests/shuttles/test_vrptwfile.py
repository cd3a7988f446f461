"""Reading VRPTW files: both text formats alike, the same numbers as vrplib, and one small bad
file per defect (tests/data/vrptw/bad/<defect>), each refused at its line with its field."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from foresterie.core.errors import ScenarioError
from foresterie.shuttles.solomon import load
from foresterie.shuttles.vrptwfile import RawInstance, read_raw
from tests.helpers import DATA, SHARED

VRPTW = DATA / "vrptw"
BAD = VRPTW / "bad"

# defect file -> (line or None, field, words of the message)
EXPECTED: dict[str, tuple[int | None, str, str]] = {
    "customer_unreachable_in_time.vrp": (25, "time window", "customer 3 (node 4): unreachable"),
    "demand_above_capacity.vrp": (19, "demand", "demand 12 exceeds the vehicle capacity 10"),
    # several customers refused: the depot's window said first, each customer at its line after
    "depot_closes_before_any_return.vrp": (
        22,
        "time window",
        "3 of 4 customers cannot be served within the depot's window 0..9",
    ),
    "dimension_larger_than_nodes.vrp": (14, "NODE_COORD_SECTION", "DIMENSION says 6"),
    "empty_file.vrp": (None, "file", "empty"),
    "edge_weights_with_euc_2d.vrp": (28, "EDGE_WEIGHT_SECTION", "EDGE_WEIGHT_TYPE is EUC_2D"),
    "explicit_without_edge_weight_section.vrp": (29, "EDGE_WEIGHT_SECTION", "missing"),
    "fleet_too_small_for_demand.vrp": (5, "VEHICLES", "carry at most 10, the customers ask for 14"),
    "missing_capacity.vrp": (None, "CAPACITY", "missing"),
    "missing_time_window_section.vrp": (23, "TIME_WINDOW_SECTION", "missing"),
    "node_given_twice.vrp": (19, "DEMAND_SECTION", "node 3 given twice"),
    "node_missing_coordinates.vrp": (13, "NODE_COORD_SECTION", "node 3 missing"),
    "non_numeric_demand.vrp": (17, "DEMAND_SECTION", "'four' is not a number"),
    "not_a_vrptw_type.vrp": (3, "TYPE", "only VRPTW / CVRPTW"),
    "not_an_instance.vrp": (1, "format", "neither VRPLIB"),
    "not_utf8.vrp": (None, "file", "not a UTF-8 text file"),
    "solomon_customer_numbering.txt": (12, "CUST NO.", "7: expected 2"),
    "solomon_missing_customer_table.txt": (5, "CUSTOMER", "missing"),
    "solomon_non_numeric_capacity.txt": (5, "CAPACITY", "'ten' is not a number"),
    "solomon_row_short.txt": (12, "CUSTOMER", "6 fields, expected 7"),
    "time_window_field_missing.vrp": (25, "TIME_WINDOW_SECTION", "2 fields, expected 3"),
    "two_depots.vrp": (29, "DEPOT_SECTION", "[1, 2]: one depot expected"),
    # a truncated or pasted file is not read as its first part (review 13, finding 7)
    "words_after_depot_end.vrp": (30, "DEPOT_SECTION", "'hello' after the -1 that ends"),
    "unsupported_section.vrp": (27, "PICKUP_AND_DELIVERY_SECTION", "not supported"),
    "window_opens_after_close.vrp": (24, "time window", "opens at 60 after it closes at 10"),
    "binary_file.vrp": (3, "file", "binary, not text"),
    "capacity_given_twice.vrp": (8, "CAPACITY", "given twice (line 6 and here)"),
    # a route-length limit is a constraint: refused rather than solved without it
    "route_length_limit.vrp": (8, "DISTANCE", "a limit this reader does not model"),
    "depot_not_a_node.vrp": (28, "DEPOT_SECTION", "node 9 is not a node of the instance"),
    "empty_section.vrp": (24, "DEMAND_SECTION", "0 nodes, DIMENSION says 5"),
    "explicit_matrix_short.vrp": (15, "EDGE_WEIGHT_SECTION", "24 values, FULL_MATRIX of 5"),
    "explicit_negative_distance.vrp": (11, "EDGE_WEIGHT_SECTION", "-5: a negative distance"),
    "explicit_unknown_format.vrp": (9, "EDGE_WEIGHT_FORMAT", "'UPPER_COL': one of FULL_MATRIX"),
    "huge_dimension.vrp": (14, "NODE_COORD_SECTION", "5 nodes, DIMENSION says 99999999"),
    "huge_exponent.vrp": (11, "NODE_COORD_SECTION", "'3e999999999' is not a number"),
    "inf_due_date.vrp": (24, "TIME_WINDOW_SECTION", "'inf' is not a number"),
    "nan_coordinate.vrp": (11, "NODE_COORD_SECTION", "'nan' is not a number"),
    "negative_demand.vrp": (19, "demand", "customer 3 (node 4): -5 is negative"),
    "negative_service_time.vrp": (7, "SERVICE_TIME", "-1: negative"),
    "node_ids_disagree.vrp": (10, "DEMAND_SECTION", "node 0 missing"),
    "solomon_nan_ready_time.txt": (13, "READY TIME", "'nan' is not a number"),
    "solomon_negative_capacity.txt": (5, "CAPACITY", "-10: must be > 0"),
    "solomon_one_vehicle_too_few.txt": (5, "NUMBER", "carry at most 10, the customers ask for 14"),
    "whitespace_only.vrp": (None, "file", "empty"),
}


def test_every_bad_file_has_its_expectation() -> None:
    assert sorted(p.name for p in BAD.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_refused_at_its_line(name: str) -> None:
    line, field, words = EXPECTED[name]
    with pytest.raises(ScenarioError) as err:
        load(BAD / name)
    first = err.value.problems[0]
    assert (Path(first.file).name, first.row, first.field) == (name, line, field)
    assert words in first.message


def test_the_two_formats_read_alike() -> None:
    a, b = read_raw(VRPTW / "tiny.vrp"), read_raw(VRPTW / "tiny.txt")
    assert (a.fmt, b.fmt) == ("vrplib", "solomon")
    assert (a.name, a.capacity, a.vehicles) == (b.name, b.capacity, b.vehicles) == ("tiny", 10, 2)
    strip = [(n.x, n.y, n.demand, n.ready, n.due, n.service) for n in a.nodes]
    assert strip == [(n.x, n.y, n.demand, n.ready, n.due, n.service) for n in b.nodes]
    # SERVICE_TIME is the customers' (the depot serves no one), as in CVRPLIB
    assert [n.service for n in a.nodes] == [0, 1, 1, 1, 1]


def test_decimal_values_kept_exact(tmp_path: Path) -> None:
    text = (VRPTW / "tiny.vrp").read_text().replace("2 3 4\n", "2 3.25 4.5\n")
    (tmp_path / "d.vrp").write_text(text)
    node = read_raw(tmp_path / "d.vrp").nodes[1]
    assert (node.x, node.y) == (Fraction(13, 4), Fraction(9, 2))


def test_every_defect_in_a_file_reported(tmp_path: Path) -> None:
    text = (VRPTW / "tiny.vrp").read_text()
    text = text.replace("3 10 60\n", "3 60 10\n").replace("4 5\n", "4 12\n")
    (tmp_path / "two.vrp").write_text(text)
    with pytest.raises(ScenarioError) as err:
        read_raw(tmp_path / "two.vrp")
    assert [(p.row, p.field) for p in err.value.problems] == [(19, "demand"), (24, "time window")]


SHARED_SETS = [SHARED / "benchmarks" / "solomon", SHARED / "benchmarks" / "homberger"]


@pytest.mark.parametrize("folder", SHARED_SETS, ids=lambda p: p.name)
def test_same_numbers_as_vrplib(folder: Path) -> None:
    """Our reader against vrplib's on the shared instances (every 5th file, for time)."""
    if not folder.is_dir():
        pytest.skip(f"{folder} not found (the benchmark instances live in ../shared)")
    import numpy as np
    import vrplib

    for path in sorted(folder.glob("*.vrp"))[::5]:
        raw, ref = read_raw(path), vrplib.read_instance(str(path))
        assert raw.customers + 1 == len(ref["demand"]) and raw.vehicles == ref["vehicles"]
        assert np.array_equal(ref["node_coord"], [[n.x, n.y] for n in raw.nodes])
        assert np.array_equal(ref["demand"], [n.demand for n in raw.nodes])
        assert np.array_equal(ref["time_window"], [[n.ready, n.due] for n in raw.nodes])
        assert all(n.service == ref["service_time"] for n in raw.nodes[1:])


def test_solomon_table_of_a_shared_instance(tmp_path: Path) -> None:
    """R201 written out as Solomon's table (as SINTEF ships it) reads to the same numbers."""
    path = SHARED / "benchmarks" / "solomon" / "R201.vrp"
    if not path.is_file():
        pytest.skip(f"{path} not found (the benchmark instances live in ../shared)")
    raw = read_raw(path)
    rows = [
        f"{k:5d} {n.x!s:>8} {n.y!s:>8} {n.demand!s:>8} {n.ready!s:>8} {n.due!s:>8} {n.service!s:>8}"
        for k, n in enumerate(raw.nodes)
    ]
    head = ["R201", "", "VEHICLE", "NUMBER     CAPACITY", f"  {raw.vehicles}   {raw.capacity}", ""]
    head += ["CUSTOMER", "CUST NO.  XCOORD.  YCOORD.  DEMAND  READY TIME  DUE DATE  SERVICE TIME"]
    (tmp_path / "R201.txt").write_text("\n".join([*head, "", *rows, ""]))
    table = read_raw(tmp_path / "R201.txt")
    assert (table.fmt, table.vehicles, table.capacity) == ("solomon", 25, 1000)
    fields = [(n.x, n.y, n.demand, n.ready, n.due, n.service) for n in raw.nodes]
    assert fields == [(n.x, n.y, n.demand, n.ready, n.due, n.service) for n in table.nodes]


def test_vrplib_header_may_open_with_a_comment(tmp_path: Path) -> None:
    text = (VRPTW / "tiny.vrp").read_text()
    (tmp_path / "c.vrp").write_text(
        "COMMENT : from elsewhere\n" + text.replace("NAME : tiny\n", "")
    )
    raw = read_raw(tmp_path / "c.vrp")
    assert (raw.fmt, raw.name, raw.customers) == ("vrplib", "c", 4)


def test_unknown_header_key_read_aside_with_a_warning(tmp_path: Path) -> None:
    """A key the reader does not know is not silently dropped: the instance is read as without
    it, and the warning names the file, the line and the key (review 13, finding 7)."""
    text = (VRPTW / "tiny.vrp").read_text()
    (tmp_path / "k.vrp").write_text(text.replace("TYPE :", "FOO : bar\nTYPE :", 1))
    plain, odd = read_raw(VRPTW / "tiny.vrp"), read_raw(tmp_path / "k.vrp")
    assert plain.warnings == ()

    def fields(r: RawInstance) -> list[tuple[Fraction, ...]]:
        return [(n.x, n.y, n.demand, n.ready, n.due, n.service) for n in r.nodes]

    assert fields(odd) == fields(plain) and odd.capacity == plain.capacity
    line = text.splitlines().index(next(ln for ln in text.splitlines() if ln.startswith("TYPE")))
    assert odd.warnings == (
        f"{tmp_path / 'k.vrp'}:{line + 1}: FOO: not a key this reader knows; ignored",
    )


def test_a_depot_service_time_in_a_solomon_table_is_said_and_not_used(tmp_path: Path) -> None:
    """The depot serves no one: a service time on its row is one warning line (review 15), and
    the instance is read as with 0 there."""
    text = (VRPTW / "tiny.txt").read_text()
    rows = text.splitlines()
    at = next(i for i, ln in enumerate(rows) if ln.split()[:1] == ["0"])
    toks = rows[at].split()
    rows[at] = "  ".join([*toks[:6], "50"])
    (tmp_path / "d.txt").write_text("\n".join(rows) + "\n")
    plain, odd = read_raw(VRPTW / "tiny.txt"), read_raw(tmp_path / "d.txt")
    assert plain.warnings == () and odd.nodes[1:] == plain.nodes[1:]
    assert odd.warnings == (
        f"{tmp_path / 'd.txt'}:{at + 1}: SERVICE: the depot's service time 50 is not used (the "
        "depot serves no one); ignored",
    )
    assert load(tmp_path / "d.txt").raw.nodes[0].service == 50  # read, and left out of routes
