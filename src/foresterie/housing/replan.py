"""Mid-season re-planning: people already arrived stay put; only future arrivals are re-planned."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from foresterie.core.errors import Problem, ScenarioError
from foresterie.core.files import read_csv
from foresterie.housing.waitlist import WaitlistEntry
from foresterie.scenario.model import Assignment, Scenario, Worker


def read_previous(
    run: Path, foresterie: set[str] | None = None, as_of: date | None = None
) -> tuple[dict[str, str], dict[str, str], frozenset[str]]:
    """(worker -> foresteria, worker -> waitlist reason, those who moved in) from a run folder's
    plan/, read as files a user may hand us (core.files.read_csv: not UTF-8, not CSV, a column
    missing: one line, exit 2); with `foresterie`, a row naming another foresteria is refused at
    its row too. The foresteria is where the person sleeps the night before `as_of` when they
    are housed then and have a night left from it (a transfer made before `as_of`: the second
    foresteria, theirs `moved in`), else where they arrive (their first row)."""
    plan = run / "plan"
    a_path, w_path = plan / "assignments.csv", plan / "waitlist.csv"
    for p in (a_path, w_path):
        if not p.is_file():
            raise ScenarioError([Problem(str(p), None, "file", "previous run has no such file")])
    assigned: dict[str, str] = {}
    moved_in: set[str] = set()
    night = None if as_of is None else as_of.isoformat()
    spans = ("from", "to") if night else ()
    for r in read_csv(a_path, ("worker_id", "foresteria_id", *spans)):
        if foresterie is not None and r["foresteria_id"] not in foresterie:
            why = f"unknown foresteria {r['foresteria_id'][:40]!r}"
            raise ScenarioError([Problem(str(a_path), r.row, "foresteria_id", why)])
        wid = r["worker_id"]
        if wid not in assigned:
            assigned[wid] = r["foresteria_id"]  # where they arrive
        elif night is not None and r["from"] < night < r["to"]:  # ISO dates compare as text
            assigned[wid] = r["foresteria_id"]  # moved there before as_of, a night left there
            moved_in.add(wid)
    waiting = {r["worker_id"]: r["reason"] for r in read_csv(w_path, ("worker_id", "reason"))}
    return assigned, waiting, frozenset(moved_in)


def _past(w: Worker, why: str) -> WaitlistEntry:
    return WaitlistEntry(worker_id=w.id, priority=w.priority, code="past", reason=why, proven=True)


def apply_as_of(
    scenario: Scenario,
    assigned: dict[str, str],
    waiting: dict[str, str],
    as_of: date,
    moved_in: frozenset[str] = frozenset(),
) -> tuple[Scenario, Scenario, list[WaitlistEntry]]:
    """Pin the already arrived where the previous plan has them the night before `as_of`; plan
    from `as_of` whoever arrived before it without a bed, by the same tiers, as `foresterie
    intake` plans an arrival without a bed (review 15, findings 14, 12, 10):
    - housed and arrived: pinned to their foresteria (`assigned`); one who moved in by a transfer
      before `as_of` (`moved_in`) is planned from `as_of` at the foresteria they live in, so the
      bed they sleep in stays theirs to the end of that stay (the pin is a hard constraint);
    - waitlisted and arrived (no bed in the previous plan): planned from `as_of` like a new
      arrival, so a freed or added bed goes by priority, not to whoever arrives later; `past`
      (kept as the previous plan decided) only when no night of the stay is left from `as_of`;
    - a group is one unit: pinned together where a member lives, and `past` together when a
      member waitlisted before `as_of` has no night left (the others would be housed without
      them: a split the verifier refuses).

    Returns (everyone, with pins and the arrivals read) for reports and the snapshot, (those
    still to plan) for the housing model, and the waitlist entries carried over."""
    arrived_groups = {
        w.group_id: assigned[w.id]
        for w in scenario.workers
        if w.group_id and w.arrival < as_of and w.id in assigned
    }
    ended = {  # groups waitlisted before as_of with a member whose stay is over
        w.group_id
        for w in scenario.workers
        if w.group_id and w.arrival < as_of and w.id in waiting and w.departure <= as_of
    }
    workers, planned, past = [], [], []
    late: list[str] = []  # newcomers whose nights before as_of are over (finding 6, helper A)
    for w in scenario.workers:
        if w.arrival < as_of and w.id not in assigned and w.id not in waiting:
            late.append(w.id)
            if w.departure <= as_of:
                why = f"stayed {w.arrival}..{w.departure}, before {as_of}, unknown to the previous run"
                past.append(_past(w, why))
                workers.append(w)
                continue
            w = replace(w, arrival=as_of)
        waited = w.arrival < as_of and w.id in waiting and w.group_id not in arrived_groups
        if waited and w.departure <= as_of:
            past.append(_past(w, f"waitlisted before {as_of}, no night left: {waiting[w.id]}"))
            workers.append(w)
            continue
        if w.group_id in ended and w.group_id not in arrived_groups:
            why = f"group waitlisted before {as_of}, a member's stay over by then"
            past.append(_past(w, f"{why}: {waiting.get(w.id, 'not in the previous plan')}"))
            workers.append(w)
            continue
        pin = w.pinned_foresteria
        if w.arrival < as_of and w.id in assigned:
            pin = assigned[w.id]
        elif w.group_id in arrived_groups:
            pin = arrived_groups[w.group_id]
        if waited or (w.id in moved_in and w.arrival < as_of):
            w = replace(w, arrival=as_of)  # the nights before are over: planned from as_of
        workers.append(replace(w, pinned_foresteria=pin))
        planned.append(workers[-1])
    warnings = scenario.warnings
    if late:
        said = ", ".join(late[:5]) + (f" and {len(late) - 5} more" if len(late) > 5 else "")
        warnings += (
            Problem(
                "--as-of",
                None,
                "arrival",
                f"{len(late)} {'person' if len(late) == 1 else 'people'} the previous run does not "
                f"know arrived before {as_of}: "
                f"planned from {as_of}, the nights before are over ({said})",
            ),
        )
    return (
        replace(scenario, workers=tuple(workers), warnings=warnings),
        replace(scenario, workers=tuple(planned), warnings=warnings),
        past,
    )


def changed_residents(
    run: Path, scenario: Scenario, assignments: list[Assignment], as_of: date
) -> list[str]:
    """People who arrived before `as_of`, housed in the previous run (`run`'s plan), whose
    nights from `as_of` on are not those it planned: the pin keeps their first foresteria, so a
    planned transfer may be withdrawn or moved (review 15, finding 6). Said, not yet prevented."""

    def ahead(spans: list[tuple[str, date, date]]) -> list[tuple[str, date, date]]:
        return sorted((f, max(a, as_of), d) for f, a, d in spans if d > as_of)

    path = run / "plan" / "assignments.csv"
    was: dict[str, list[tuple[str, date, date]]] = {}
    for r in read_csv(path, ("worker_id", "foresteria_id", "from", "to")):
        try:
            start, end = date.fromisoformat(r["from"]), date.fromisoformat(r["to"])
        except ValueError:
            why = "from, to: not dates YYYY-MM-DD"
            raise ScenarioError([Problem(str(path), r.row, "from", why)]) from None
        was.setdefault(r["worker_id"], []).append((r["foresteria_id"], start, end))
    now: dict[str, list[tuple[str, date, date]]] = {}
    for a in assignments:
        now.setdefault(a.worker_id, []).append((a.foresteria_id, a.arrival, a.departure))
    return [
        w.id
        for w in scenario.workers
        if w.arrival < as_of and w.id in was and ahead(was[w.id]) != ahead(now.get(w.id, []))
    ]
