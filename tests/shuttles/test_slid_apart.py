"""The idle fill's own round trip on a short shift (review 17, finding 11): as timed, the
morning trip arrives at the shift's start and the evening one leaves at its end, so a vehicle
could not run both on a heat-alert day's 30-minute shift, and a part-time van stood idle while
its riders were 'vehicles busy' (the verifier refused the season). Slid apart within the
windows' slack by the least that leaves a turnaround, the pair runs on one vehicle."""

from __future__ import annotations

from datetime import date

from foresterie.shuttles.routes import TO_FARM, TO_FORESTERIA, Stop, Trip, _slid_apart

DAY = date(2027, 8, 10)
TURN = 5


def _trip(direction: str, depart: int, ret: int, stop_at: int, slack: tuple[int, int]) -> Trip:
    stop = Stop(
        seq=1,
        farm_id="G3",
        arrive=stop_at,
        depart=stop_at + 2,
        board=0,
        alight=6,
        load_after=0,
        worker_ids=("W1",),
    )
    return Trip(
        trip_id="",
        day=DAY,
        foresteria_id="FR-N",
        direction=direction,  # type: ignore[arg-type]
        vehicle_id=None,
        depart=depart,
        ret=ret,
        metres=30_000,
        riders=6,
        stops=(stop,),
        slack=slack,
    )


def _pair(early: int, late: int) -> tuple[Trip, Trip]:
    """G3 12:00-12:30 (a heat-alert day), 19 min from the base each way: out 11:41-12:21 (drop
    at 12:00), back 12:13-12:53 (collect at 12:32): 13 minutes apart the wrong way."""
    out = _trip(TO_FARM, 701, 741, 720, (-early, 0))
    back = _trip(TO_FORESTERIA, 733, 773, 752, (0, late))
    return out, back


def test_an_overlapping_pair_is_slid_apart_by_the_least_turnaround() -> None:
    out, back = _pair(early=30, late=28)
    assert out.ret + TURN > back.depart  # as timed: one vehicle cannot run both
    got = _slid_apart((out, back), TURN)
    assert got is not None
    a, b = got
    assert a.ret + TURN == b.depart  # exactly a turnaround between them, no more
    assert (a.depart, b.depart) == (out.depart - 13, back.depart)  # the morning trip moves first
    assert (
        a.stops[0].arrive == out.stops[0].arrive - 13 and a.ret - a.depart == out.ret - out.depart
    )
    assert a.slack == (-17, 13) and b.slack == back.slack  # what each may still move
    # little morning slack: the evening trip takes the rest
    a, b = _slid_apart(_pair(early=5, late=28), TURN) or (out, back)
    assert (out.depart - a.depart, b.depart - back.depart) == (5, 8) and a.ret + TURN == b.depart
    assert b.slack == (-8, 20) and b.stops[0].depart == back.stops[0].depart + 8


def test_a_pair_the_windows_cannot_part_is_none_and_one_apart_stays() -> None:
    assert _slid_apart(_pair(early=5, late=7), TURN) is None  # 12 minutes of slack, 13 needed
    assert _slid_apart(None, TURN) is None
    out = _trip(TO_FARM, 300, 340, 320, (-10, 0))
    back = _trip(TO_FORESTERIA, 800, 840, 820, (0, 10))
    assert _slid_apart((out, back), TURN) == (out, back)
