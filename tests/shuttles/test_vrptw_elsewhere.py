"""VRPTW instances as other tools write them: every variant of tiny.vrp / tiny.txt below reads to
the same instance (the same numbers, the same hand-checked optimum 30.0), whatever the layout."""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest

from foresterie.shuttles.solomon import load, run
from foresterie.shuttles.vrptw_check import arc, check_routes
from foresterie.shuttles.vrptwfile import RawInstance, read_raw
from tests.helpers import DATA

VRPTW = DATA / "vrptw"
TINY = (VRPTW / "tiny.vrp").read_text()
TABLE = (VRPTW / "tiny.txt").read_text()


def _sections(text: str) -> dict[str, str]:
    """tiny.vrp cut into its header and sections (each with its rows)."""
    parts = re.split(r"(?m)^(?=[A-Z_]+_SECTION$)", text)
    return {"HEAD": parts[0], **{p.split("\n", 1)[0]: p for p in parts[1:]}}


def _reordered(text: str) -> str:
    s = _sections(text)
    order = ["TIME_WINDOW_SECTION", "DEPOT_SECTION", "DEMAND_SECTION", "NODE_COORD_SECTION"]
    return s["HEAD"] + "".join(s[k] for k in order)


def _renumbered(text: str, first: int) -> str:
    """Node ids first, first + 1, ... instead of 1, 2, ... in every section."""

    def row(m: re.Match[str]) -> str:
        return f"{int(m.group(1)) - 1 + first}{m.group(2)}"

    s = _sections(text)
    out = s["HEAD"]
    for k in ("NODE_COORD_SECTION", "DEMAND_SECTION", "TIME_WINDOW_SECTION"):
        out += re.sub(r"(?m)^(\d+)( .*)$", row, s[k])
    return out + f"DEPOT_SECTION\n{first}\n-1\n"


def _depot_last(text: str) -> str:
    """The depot numbered 6 and listed last: customers keep their order (ids 1..4 -> 1..4)."""
    s = _sections(text)
    out = s["HEAD"]
    for k in ("NODE_COORD_SECTION", "DEMAND_SECTION", "TIME_WINDOW_SECTION"):
        head, *rows = s[k].rstrip("\n").split("\n")
        moved = [re.sub(r"^(\d+)", lambda m: str(int(m.group(1)) - 1), r) for r in rows[1:]]
        out += "\n".join([head, *moved, "6" + rows[0][1:]]) + "\n"
    return out + "DEPOT_SECTION\n6\n-1\n"


def _service_section(text: str) -> str:
    rows = "".join(f"{k} {0 if k == 1 else 1}\n" for k in range(1, 6))
    return text.replace("SERVICE_TIME : 1\n", "") + "SERVICE_TIME_SECTION\n" + rows


VRPLIB: dict[str, Callable[[str], str]] = {
    "as_shipped": lambda t: t,
    "eof_present": lambda t: t + "EOF\n",
    "eof_then_junk": lambda t: t + "EOF\nanything after EOF is not read\n",
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "tabs": lambda t: t.replace(" : ", "\t:\t").replace(" ", "\t"),
    "bom": lambda t: "\ufeff" + t,
    "hash_comments": lambda t: "# from another tool\n" + t.replace("DEMAND", "# demands\nDEMAND"),
    "blank_lines_and_trailing_spaces": lambda t: t.replace("\n", "  \n\n"),
    "colon_without_spaces": lambda t: t.replace(" : ", ":"),
    "lower_case_keys": lambda t: t.replace("CAPACITY :", "capacity :").replace("TYPE :", "type :"),
    "sections_reordered": _reordered,
    "header_after_sections": lambda t: t.replace("CAPACITY : 10\n", "") + "CAPACITY : 10\n",
    "depot_section_without_minus_one": lambda t: t.replace(
        "DEPOT_SECTION\n1\n-1\n", "DEPOT_SECTION\n1\n"
    ),
    "depot_section_on_one_line": lambda t: t.replace(
        "DEPOT_SECTION\n1\n-1\n", "DEPOT_SECTION : 1 -1\n"
    ),
    "depot_section_absent": lambda t: t.replace("DEPOT_SECTION\n1\n-1\n", ""),
    "node_ids_from_0": lambda t: _renumbered(t, 0),
    "node_ids_from_101": lambda t: _renumbered(t, 101),
    "depot_numbered_last": _depot_last,
    "vehicles_absent": lambda t: t.replace("VEHICLES : 2\n", ""),
    "float_coordinates": lambda t: t.replace("\n2 3 4\n", "\n2 3.0 4.00\n").replace(
        "\n1 0 0\n", "\n1 0.0 0e0\n"
    ),
    "float_windows_and_demands": lambda t: t.replace("\n3 10 60\n", "\n3 10.0 60.0\n").replace(
        "\n2 4\n", "\n2 4.0\n"
    ),
    "service_time_section": _service_section,
    "edge_weight_type_absent": lambda t: t.replace("EDGE_WEIGHT_TYPE : EUC_2D\n", ""),
    "type_vrptw": lambda t: t.replace("TYPE : CVRPTW", "TYPE : VRPTW"),
    "extra_header_keys": lambda t: t.replace(
        "NAME : tiny\n", "NAME : tiny\nBEST_KNOWN : 30\nNODE_COORD_TYPE : TWOD_COORDS\n"
    ),
    "display_data_section": lambda t: (
        t + "DISPLAY_DATA_SECTION\n1 0 0\n2 3 4\n3 6 8\n4 0 5\n5 1 1\n"
    ),
}

SOLOMON: dict[str, Callable[[str], str]] = {
    "as_shipped": lambda t: t,
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "extra_blank_lines": lambda t: t.replace("\n", "\n\n\n"),
    "trailing_spaces_and_tabs": lambda t: t.replace("\n", " \t \n"),
    "header_words_lower_case": lambda t: t.lower(),
    "header_words_mixed_case": lambda t: t.replace("VEHICLE", "Vehicle").replace(
        "CUSTOMER", "Customer"
    ),
    "no_column_header": lambda t: re.sub(r"(?m)^CUST NO\..*\n", "", t),
    "no_blank_lines": lambda t: re.sub(r"\n\s*\n", "\n", t),
    "bom": lambda t: "\ufeff" + t,
    "float_fields": lambda t: t.replace("   1       3          4 ", "   1       3.0        4.0 "),
}


def _fields(raw: RawInstance) -> list[tuple[Fraction, ...]]:
    return [(n.x, n.y, n.demand, n.ready, n.due, n.service) for n in raw.nodes]


REFERENCE = read_raw(VRPTW / "tiny.vrp")


@pytest.mark.parametrize("variant", sorted(VRPLIB))
def test_vrplib_variant_reads_as_tiny(tmp_path: Path, variant: str) -> None:
    path = tmp_path / "tiny.vrp"
    path.write_bytes(VRPLIB[variant](TINY).encode())
    raw = load(path).raw
    assert _fields(raw) == _fields(REFERENCE)
    assert raw.capacity == 10 and raw.customers == 4
    assert raw.vehicles == (None if variant == "vehicles_absent" else 2)
    # the hand-checked routes measure the same: 30.5, feasible
    rep = check_routes(raw, [[1, 2], [3, 4]])
    assert rep.feasible and rep.distance_exact == Fraction(305, 10)


@pytest.mark.parametrize("variant", sorted(SOLOMON))
def test_solomon_variant_reads_as_tiny(tmp_path: Path, variant: str) -> None:
    path = tmp_path / "tiny.txt"
    path.write_bytes(SOLOMON[variant](TABLE).encode())
    raw = load(path).raw
    assert raw.fmt == "solomon"
    assert _fields(raw) == _fields(REFERENCE)
    assert (raw.capacity, raw.vehicles) == (10, 2)


def test_node_ids_named_as_written(tmp_path: Path) -> None:
    """Messages name a customer by its position (as in .sol) and by its id in the file."""
    path = tmp_path / "ids.vrp"
    path.write_text(_renumbered(TINY, 101).replace("\n104 0 40\n", "\n104 0 3\n"))
    with pytest.raises(Exception) as err:
        load(path)
    assert "customer 3 (node 104): unreachable" in str(err.value)


def test_explicit_full_matrix_is_the_same_instance() -> None:
    """tests/data/vrptw/explicit.vrp: tiny with its DIMACS arcs written as a FULL_MATRIX."""
    raw = read_raw(VRPTW / "explicit.vrp")
    assert raw.matrix is not None
    n = len(raw.nodes)
    assert all(arc(raw, i, j) == arc(REFERENCE, i, j) for i in range(n) for j in range(n))
    r = run(VRPTW / "explicit.vrp", "pyvrp", 60.0, seed=1, iterations=200)
    assert (r.feasible, r.distance, r.routes, r.convention) == (True, 30.0, 2, "explicit")


@pytest.mark.parametrize("fmt", ["LOWER_DIAG_ROW", "UPPER_ROW", "LOWER_ROW", "UPPER_DIAG_ROW"])
def test_explicit_triangles(tmp_path: Path, fmt: str) -> None:
    full = read_raw(VRPTW / "explicit.vrp").matrix
    assert full is not None
    n = len(full)
    keep = {
        "LOWER_DIAG_ROW": lambda a, b: b <= a,
        "LOWER_ROW": lambda a, b: b < a,
        "UPPER_ROW": lambda a, b: b > a,
        "UPPER_DIAG_ROW": lambda a, b: b >= a,
    }[fmt]
    # one value a line, as some writers do: the section is a stream of numbers
    values = "".join(f"{float(full[a][b]):g}\n" for a in range(n) for b in range(n) if keep(a, b))
    text = (VRPTW / "explicit.vrp").read_text()
    head, rest = text.split("EDGE_WEIGHT_SECTION\n")
    rest = rest[rest.index("DEMAND_SECTION") :]
    path = tmp_path / "tri.vrp"
    path.write_text(head.replace("FULL_MATRIX", fmt) + "EDGE_WEIGHT_SECTION\n" + values + rest)
    assert read_raw(path).matrix == full


def test_explicit_asymmetric_matrix_used_as_written(tmp_path: Path) -> None:
    text = (VRPTW / "explicit.vrp").read_text().replace("\n0 5 10 5 1.4\n", "\n0 7 10 5 1.4\n")
    (tmp_path / "a.vrp").write_text(text)
    raw = read_raw(tmp_path / "a.vrp")
    assert (arc(raw, 0, 1), arc(raw, 1, 0)) == (7, 5)
    assert check_routes(raw, [[1, 2], [3, 4]]).distance_exact == Fraction(325, 10)


def test_solomon_table_with_one_customer(tmp_path: Path) -> None:
    lines = TABLE.splitlines()
    cut = [ln for ln in lines if not (len(ln.split()) == 7 and ln.split()[0] in "234")]
    (tmp_path / "one.txt").write_text("\n".join(cut) + "\n")
    raw = load(tmp_path / "one.txt").raw
    assert raw.customers == 1 and _fields(raw) == _fields(REFERENCE)[:2]
    r = run(tmp_path / "one.txt", "pyvrp", 60.0, seed=1, iterations=50)
    assert (r.feasible, r.distance, r.solution) == (True, 10.0, ((1,),))


def test_sol_out_must_be_a_folder(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from foresterie.cli import app

    (tmp_path / "taken").write_text("")
    args = ["bench", "vrptw", str(VRPTW / "tiny.vrp"), "--sol-out", str(tmp_path / "taken")]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2 and "--sol-out: option:" in r.stderr and "not a folder" in r.stderr


def test_sol_out_never_replaces_a_best_known_solution(tmp_path: Path) -> None:
    """Review 11, finding 6: CVRPLIB and PyVRP/Instances ship X.sol (the best-known solution)
    beside X.vrp, and the bench reads it: --sol-out there would replace it by the engine's
    answer, and the next run would report a gap of 0 %."""
    import shutil

    from typer.testing import CliRunner

    from foresterie.cli import app

    inst = tmp_path / "inst"
    inst.mkdir()
    shutil.copy(VRPTW / "tiny.vrp", inst / "tiny.vrp")
    bks = "Route #1: 4 1 2\nRoute #2: 3\nCost 30.0\n"
    (inst / "tiny.sol").write_text(bks)

    def bench(*more: str) -> object:
        args = ["bench", "vrptw", str(inst / "tiny.vrp"), "--iterations", "50", *more]
        return CliRunner().invoke(app, args)

    r = bench("--sol-out", str(inst))
    assert r.exit_code == 2 and "beside the instance tiny.vrp" in r.stderr, r.stderr
    assert (inst / "tiny.sol").read_text() == bks
    out = tmp_path / "answers"
    assert bench("--sol-out", str(out)).exit_code == 0
    r = bench("--sol-out", str(out))  # an answer already there: replaced only when asked
    assert r.exit_code == 2 and "tiny.sol: exists; --force replaces it" in r.stderr, r.stderr
    assert bench("--sol-out", str(out), "--force").exit_code == 0
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(VRPTW / "tiny.vrp", other / "tiny.vrp")
    args = ["bench", "vrptw", str(inst / "tiny.vrp"), str(other / "tiny.vrp")]
    r = CliRunner().invoke(app, [*args, "--sol-out", str(tmp_path / "two"), "--iterations", "50"])
    assert r.exit_code == 2 and "would write it" in r.stderr, r.stderr
    assert not (tmp_path / "two").exists()


@pytest.mark.parametrize("top", [100, 10**6, 99 * 10**6])
def test_engine_arcs_are_the_checkers_at_any_coordinate_size(tmp_path: Path, top: int) -> None:
    """Review 11, finding 13: the engine's arcs (floats) equal the checker's exact DIMACS arcs
    (integer square root) for decimal coordinates up to the reader's limit, on arcs of an exact
    tenth too (pairs 0.3 s and 0.4 s apart: 0.5 s), where float error used to fall short."""
    import random

    from foresterie.shuttles.solomon import distance_matrix

    rng = random.Random(top)
    n = 150
    pts = [(round(rng.uniform(0, top), 1), round(rng.uniform(0, top), 1)) for _ in range(n)]
    for k in range(1, n - 1, 2):
        x, y = pts[k]
        step = rng.randint(1, max(1, top // 100))
        if x + 0.3 * step < top and y + 0.4 * step < top:
            pts[k + 1] = (round(x + 0.3 * step, 1), round(y + 0.4 * step, 1))
    text = "\n".join(
        ["NAME : m", "TYPE : VRPTW", f"DIMENSION : {n}", "CAPACITY : 1000", "NODE_COORD_SECTION"]
        + [f"{i + 1} {x} {y}" for i, (x, y) in enumerate(pts)]
        + ["DEMAND_SECTION"]
        + [f"{i + 1} {0 if i == 0 else 1}" for i in range(n)]
        + ["TIME_WINDOW_SECTION"]
        + [f"{i + 1} 0 99999999" for i in range(n)]
        + ["DEPOT_SECTION", "1", "-1", "EOF", ""]
    )
    (tmp_path / "m.vrp").write_text(text)
    raw = read_raw(tmp_path / "m.vrp")
    got = distance_matrix(raw, 10)
    want = [[arc(raw, i, j) * 10 for j in range(n)] for i in range(n)]
    assert got.tolist() == want


def test_non_ascii_digits_are_not_numbers(tmp_path: Path) -> None:
    """Review 11, finding 13: '١٠' (Arabic-Indic) or '²' is refused at its line, never read as a
    number nor a crash, in instances and in .sol files."""
    from foresterie.core.errors import ScenarioError
    from foresterie.shuttles.vrptw_check import read_sol

    text = (VRPTW / "tiny.vrp").read_text().replace("CAPACITY : 10", "CAPACITY : ١٠")
    (tmp_path / "a.vrp").write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        read_raw(tmp_path / "a.vrp")
    assert exc.value.problems[0].field == "CAPACITY"
    for route in ("1 ²", "١ 2"):
        (tmp_path / "t.sol").write_text(f"Route #1: 4 {route}\nRoute #2: 3\nCost 30.0\n")
        with pytest.raises(ScenarioError) as exc:
            read_sol(tmp_path / "t.sol")
        assert exc.value.problems[0].field == "Route"


def test_an_engine_with_no_answer_says_so_in_one_line() -> None:
    """Review 11, finding 13: OR-Tools finding no first solution in its time returns no routes;
    the bench says that first, before the customers' 'not served' lines (ten of them shown)."""
    import time

    from foresterie.shuttles.engines import VRPSolution
    from foresterie.shuttles.solomon import _result

    raw = read_raw(VRPTW / "tiny.vrp")
    none = VRPSolution(routes=(), cost=0, feasible=False)
    r = _result(raw, VRPTW / "tiny.vrp", "ortools", none, time.perf_counter(), 0.0, None)
    assert not r.feasible and r.violations[0] == (
        "ortools: no routes: no solution found within the time limit, or none exists "
        "(4 customers not served)"
    )
    assert [v for v in r.violations if v.startswith("not served: customer")] != []
