"""The verifier's cheaper ways of reading a run (sessions 13 and 14) give what the plain ways
give: a sound CSV read column by column gives the rows the row-by-row reading gives, and a
faulty one is still named by its first faulty row and field; a stay's nights and a farm's
workdays are those a day-by-day walk finds; the riders joined to their trips once, in runs of
rows, are the row-by-row join in any order of riders.csv; minutes read once are minutes; the
cyclic collector is paused while the checks run and restored after."""

from __future__ import annotations

import gc
import random
from datetime import date, timedelta
from pathlib import Path

import pytest

import foresterie.verify as verify


def _row_by_row(text: str, rel: str, kind: str, monkeypatch: pytest.MonkeyPatch) -> object:
    """_parse_csv's answer without the column-by-column reading: its rows, or its refusal."""
    with monkeypatch.context() as m:
        m.setattr(verify, "_sound_csv", lambda text, kind: None)
        try:
            return verify._parse_csv(text, rel, kind)
        except verify.Unreadable as exc:
            return f"unreadable: {exc}"


def _answer(text: str, rel: str, kind: str) -> object:
    try:
        return verify._parse_csv(text, rel, kind)
    except verify.Unreadable as exc:
        return f"unreadable: {exc}"


def test_sound_plan_files_read_by_column_as_row_by_row(
    tiny_season_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = sorted((tiny_season_run / "plan").glob("*.csv"))
    files += [tiny_season_run / "inputs" / n for n in ("workers.csv", "fleet.csv", "matrix.csv")]
    read = 0
    for path in files:
        rel = path.relative_to(tiny_season_run).as_posix()
        text = path.read_text("utf-8")
        rows = verify._sound_csv(text, path.name)
        assert rows is not None, rel  # a sound file: no second reading
        assert rows == _row_by_row(text, rel, path.name, monkeypatch), rel
        read += len(rows)
    assert read > 100


# (file kind, text, the refusal): the first faulty row is named whatever the column reading saw
FAULTY = [
    ("riders.csv", "trip_id,seq,worker_id\nT1,1,w1\nT1,x,w2\nT1,1\n", "plan/x.csv:3: seq:"),
    ("riders.csv", "trip_id,seq,worker_id\nT1,1,w1\nT1,1\nT1,x,w2\n", "plan/x.csv:3: row: 2 cells"),
    ("trips.csv", None, "plan/x.csv:3: trip_id: "),
    ("riders.csv", "trip_id,seq,trip_id,worker_id\nT1,1,T1,w1\n", "plan/x.csv:1: trip_id:"),
    ("riders.csv", "trip_id,worker_id\nT1,w1\n", "plan/x.csv:1: seq: missing column"),
    ("riders.csv", "", "plan/x.csv: empty file (no header)"),
    ("riders.csv", 'trip_id,seq,worker_id\nT1,1,w1\nT1,1,"w2\n', "plan/x.csv:"),
]


@pytest.mark.parametrize("case", range(len(FAULTY)))
def test_faulty_files_named_by_their_first_faulty_row(
    case: int, tiny_season_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kind, text, said = FAULTY[case]
    if text is None:  # a trip twice, then a bad time further down
        lines = (tiny_season_run / "plan" / "trips.csv").read_text("utf-8").splitlines()
        bad = lines[2].split(",")
        bad[5] = "99:99"
        text = "\n".join([lines[0], lines[1], lines[1], ",".join(bad)]) + "\n"
    assert verify._sound_csv(text, kind) is None
    got = _answer(text, "plan/x.csv", kind)
    assert isinstance(got, str) and got.startswith(f"unreadable: {said}"), got
    assert got == _row_by_row(text, "plan/x.csv", kind, monkeypatch)


def test_nights_are_the_days_of_the_stay() -> None:
    rng = random.Random(7)
    for _ in range(300):
        a = date(2027, 1, 1) + timedelta(days=rng.randint(0, 400))
        b = a + timedelta(days=rng.randint(-3, 90))
        walked = []
        d = a
        while d < b:
            walked.append(d.isoformat())
            d += timedelta(days=1)
        assert list(verify._nights(a.isoformat(), b.isoformat())) == walked


def test_workdays_are_the_days_the_farm_works(tiny_season_run: Path) -> None:
    """Sliced from each farm's days computed once, over stays inside and outside the span of
    the run's stays (heat-alert days included where the scenario has them)."""
    r = verify._Run(tiny_season_run)
    *_, heat, heat_end = verify._rules(r)
    rng = random.Random(11)
    lo = min(verify._day(w["arrival"]) for w in r.workers.values())
    for farm in sorted(r.farms):
        for _ in range(60):
            a = lo + timedelta(days=rng.randint(-20, 120))
            b = a + timedelta(days=rng.randint(-2, 60))
            walked = []
            d = a
            while d < b:
                if verify._farm_works(r, farm, d, heat, heat_end):
                    walked.append(d.isoformat())
                d += timedelta(days=1)
            assert verify._workdays(r, farm, a.isoformat(), b.isoformat()) == walked


def test_the_collector_is_paused_while_checking_then_as_it_was(
    tiny_season_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    real = verify._check_beds
    monkeypatch.setattr(
        verify, "_check_beds", lambda r, out: seen.append(gc.isenabled()) or real(r, out)
    )
    assert gc.isenabled()
    assert verify.verify_run(tiny_season_run) == []
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        assert verify.verify_run(tiny_season_run) == []
        assert not gc.isenabled()  # left as it was
    finally:
        gc.enable()
    broken = tiny_season_run.parent / "broken"
    broken.mkdir()
    with pytest.raises(verify.Unreadable):
        verify.verify_run(broken / "nothing")
    assert gc.isenabled()


def test_rides_are_the_row_by_row_join_in_any_order(tiny_season_run: Path) -> None:
    """_rides finds a trip and its origin once per run of rows of one trip: riders.csv shuffled
    (trips interleaved), with a rider on a trip trips.csv does not have and one at a stop
    stops.csv does not have, each row is still joined as a lookup of its own would join it."""
    r = verify._Run(tiny_season_run)
    assert len(r.riders) > 20
    rng = random.Random(5)
    riders = [dict(x) for x in r.riders]
    rng.shuffle(riders)
    riders[0]["trip_id"] = "NO-SUCH-TRIP"
    riders[1]["seq"] = "999"
    r.riders = riders
    trips = {t["trip_id"]: t for t in r.trips}
    stops = {(s["trip_id"], s["seq"]): s["farm_id"] for s in r.stops}
    got = verify._rides(r)
    assert len(got) == len(riders)
    for x, (wid, tid, seq, t, origin, farm) in zip(riders, got, strict=True):
        trip = trips.get(x["trip_id"])
        assert (wid, tid, seq, t) == (x["worker_id"], x["trip_id"], x["seq"], trip)
        assert origin == (r.origin(trip)[0] if trip is not None else None)
        assert farm == stops.get((x["trip_id"], x["seq"]))
    assert got[0][3] is None and got[1][5] is None
    assert verify._rides(r) is got  # once per run


def test_minutes_kept_once_read_are_the_minutes() -> None:
    for text in ("00:00", "07:05", "23:59", "24:10", "31:00", "07:05:00", "7:5"):
        h, m = text.split(":")[:2]
        assert verify._mins(text) == int(h) * 60 + int(m)
        assert verify._mins(text) == int(h) * 60 + int(m)  # the kept answer
    for bad in ("", "7", "ab:cd"):
        with pytest.raises(ValueError):
            verify._mins(bad)
        assert bad not in verify._MINS


def _matrix_row_by_row(run: Path, rel: str) -> object:
    """inputs/matrix.csv as _Run read it before session 19: _rows, then a dict per column."""
    try:
        rows = verify._rows(run, rel, "matrix.csv")
    except verify.Unreadable as exc:
        return f"unreadable: {exc}"
    secs = {(r["from_id"], r["to_id"]): int(r["seconds"]) for r in rows}
    metres = {(r["from_id"], r["to_id"]): int(r["metres"]) for r in rows}
    return secs, metres


def _matrix_answer(run: Path, rel: str) -> object:
    try:
        secs, metres, _ = verify._matrix(run, rel)
    except verify.Unreadable as exc:
        return f"unreadable: {exc}"
    return secs, metres


def test_matrix_indexed_by_columns_as_row_by_row(tiny_season_run: Path, tmp_path: Path) -> None:
    """The matrix read column by column (session 19: 3 million rows at 20,000 workers) gives
    the legs, in the same order, and the same refusals, as reading it row by row."""
    rel = "inputs/matrix.csv"
    got = _matrix_answer(tiny_season_run, rel)
    assert got == _matrix_row_by_row(tiny_season_run, rel)
    assert isinstance(got, tuple) and len(got[0]) >= 25
    assert list(got[0]) == list(_matrix_row_by_row(tiny_season_run, rel)[0])  # type: ignore[index]
    lines = (tiny_season_run / rel).read_text("utf-8").splitlines()
    head, first, second = lines[0], lines[1], lines[2]
    twice = [head, first, second, first, *lines[3:]]  # a pair given twice
    bad_secs = [head, first, second.rsplit(",", 2)[0] + ",1.5," + second.rsplit(",", 1)[1]]
    short = [head, first, second.rsplit(",", 1)[0]]  # a row one cell short
    for n, text in enumerate((twice, bad_secs, short)):
        run = tmp_path / f"r{n}"
        (run / "inputs").mkdir(parents=True)
        (run / rel).write_text("\n".join(text) + "\n", encoding="utf-8")
        said = _matrix_answer(run, rel)
        assert isinstance(said, str) and said.startswith("unreadable: inputs/matrix.csv:"), said
        assert said == _matrix_row_by_row(run, rel)


def test_matrix_ends_count_the_pairs_among_places() -> None:
    """Every ordered pair of places is on the matrix exactly when the count is n x (n - 1): a
    pair missing, a place's row to itself, rows of another place (a slow count then) and a
    place with no row are all counted as the pair-by-pair search would find them."""
    places = ["A", "B", "C"]
    full = [(a, b) for a in places for b in places if a != b]

    def count(pairs: list[tuple[str, str]], among: list[str]) -> int:
        ends = verify._Ends(tuple(a for a, _ in pairs), tuple(b for _, b in pairs))
        return ends.count(among)

    assert count(full, places) == 6
    assert count([*full, ("A", "A")], places) == 6
    assert count(full[1:], places) == 5
    assert count([*full, ("A", "Z"), ("Z", "Z")], places) == 6
    assert count(full, [*places, "D"]) == 6  # D's 6 pairs missing: 6 of 12
    assert count([*full[1:], ("Z", "A")], places) == 5


def test_a_large_square_matrix_read_with_numpy_as_row_by_row(
    tiny_season_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The matrix as the pipeline writes it (every ordered pair, row by row), read by `_square`
    (session 20: 3 million rows at 20,000 workers), gives the legs in the same order, the same
    lookups and the same count of pairs as the CSV reading; anything else in the file (a quote,
    a space, a pair missing or out of order, a tenth digit, a BOM, a blank line, a bad id) is
    left to the CSV reading, whose answer (or refusal) stands."""
    rel = "inputs/matrix.csv"
    monkeypatch.setattr(verify, "SQUARE_MIN_BYTES", 0)
    raw = (tiny_season_run / rel).read_bytes()
    square = verify._square(raw)
    assert square is not None, "the pipeline's own file is a square"
    secs, metres, ends = square
    with monkeypatch.context() as m:
        m.setattr(verify, "SQUARE_MIN_BYTES", 1 << 62)
        csv_secs, csv_metres, csv_ends = verify._matrix(tiny_season_run, rel)
    assert isinstance(csv_secs, dict) and len(csv_secs) >= 25
    assert list(secs) == list(csv_secs) and dict(secs) == csv_secs and dict(metres) == csv_metres
    assert all(type(v) is int for v in secs.values())
    a, b = next(iter(csv_secs))
    assert secs.get((a, "nowhere"), -1) == -1 and (a, b) in secs and ("x",) not in secs
    places = sorted({x for x, _ in csv_secs})
    for among in (places, places[:3], [*places[:2], "elsewhere"]):
        assert ends.count(among) == csv_ends.count(among)
    assert _matrix_answer(tiny_season_run, rel) == _matrix_row_by_row(tiny_season_run, rel)

    lines = raw.decode("utf-8").split("\n")[:-1]
    head, body = lines[0], lines[1:]
    first, second = body[0], body[1]
    x0, y0, s0, m0 = first.split(",")
    unusual = {
        "quoted": [head, f'"{x0}",{y0},{s0},{m0}', *body[1:]],
        "space": [head, f"{x0},{y0}, {s0},{m0}", *body[1:]],
        "swapped": [head, second, first, *body[2:]],
        "pair missing": [head, *body[1:]],
        "ten digits": [head, f"{x0},{y0},1000000000,{m0}", *body[1:]],
        "sign": [head, f"{x0},{y0},+1,{m0}", *body[1:]],
        "blank line": [head, "", *body],
        "bad id": [head, *(x.replace(x0, "-" + x0[1:]) for x in body)],
        "five cells": [head, f"{first},1", *body[1:]],
    }
    for name, text in unusual.items():
        data = ("\n".join(text) + "\n").encode("utf-8")
        assert verify._square(data) is None, name
        run = tmp_path / name.replace(" ", "-")
        (run / "inputs").mkdir(parents=True)
        (run / rel).write_bytes(data)
        assert _matrix_answer(run, rel) == _matrix_row_by_row(run, rel), name
    assert verify._square(b"\xef\xbb\xbf" + raw) is None
    assert verify._square(raw.replace(b"\n", b"\r\n")) is None
    assert verify._square(raw[:-1]) is None  # no line end after the last row
