"""A person placed by an intake who has no departure point rides from the bed given (the day
runs drive them from it, nowhere else): a boarding after the placement says they are at it
(review 20 T, HIGH-1: driven from the bed two days running, then released as a no-show "not
checked in at the bed given")."""

from __future__ import annotations

from datetime import date

from foresterie.ops.day import at_bed
from foresterie.ops.ledger import Event


def _ev(kind: str, day: int, who: str = "W1") -> Event:
    return Event(kind=kind, day=date(2027, 8, day), worker_id=who)  # type: ignore[arg-type]


def test_a_boarding_after_the_placement_is_at_the_bed_without_a_departure_point() -> None:
    placed = {"W1": date(2027, 8, 11), "W2": date(2027, 8, 11)}
    rows = [_ev("intake_plan", 11, ""), _ev("boarding", 12), _ev("boarding", 12, "W2")]
    assert at_bed(rows, placed, from_bed={"W1"}) == {"W1"}  # W2 boards at his point
    assert at_bed(rows, placed) == set()  # no one said to ride from the bed: as before
    # a boarding on the placement's own day was from wherever they were before it
    assert at_bed([_ev("boarding", 11)], placed, from_bed={"W1"}) == set()
    # an office's check-in after the placement counts for everyone, as before
    assert at_bed([_ev("arrival", 12, "W2")], placed) == {"W2"}
