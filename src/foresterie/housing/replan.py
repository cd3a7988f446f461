"""Mid-season re-planning: people already arrived stay put; only future arrivals are re-planned."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from foresterie.core.errors import Problem, ScenarioError
from foresterie.core.files import read_csv
from foresterie.housing.waitlist import WaitlistEntry
from foresterie.scenario.model import Assignment, Scenario


def read_previous(
    run: Path, foresterie: set[str] | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """(worker -> foresteria, worker -> waitlist reason) from a run folder's plan/, read as files
    a user may hand us (core.files.read_csv: not UTF-8, not CSV, a column missing: one line,
    exit 2); with `foresterie`, a row naming another foresteria is refused at its row too."""
    plan = run / "plan"
    a_path, w_path = plan / "assignments.csv", plan / "waitlist.csv"
    for p in (a_path, w_path):
        if not p.is_file():
            raise ScenarioError([Problem(str(p), None, "file", "previous run has no such file")])
    assigned: dict[str, str] = {}
    for r in read_csv(a_path, ("worker_id", "foresteria_id")):
        if foresterie is not None and r["foresteria_id"] not in foresterie:
            why = f"unknown foresteria {r['foresteria_id'][:40]!r}"
            raise ScenarioError([Problem(str(a_path), r.row, "foresteria_id", why)])
        assigned.setdefault(r["worker_id"], r["foresteria_id"])  # a transfer: where they arrive
    waiting = {r["worker_id"]: r["reason"] for r in read_csv(w_path, ("worker_id", "reason"))}
    return assigned, waiting


def apply_as_of(
    scenario: Scenario, assigned: dict[str, str], waiting: dict[str, str], as_of: date
) -> tuple[Scenario, Scenario, list[WaitlistEntry]]:
    """Pin the already arrived where the previous plan put them; keep past waitlist decisions.
    Someone the previous run did not know (neither housed nor waitlisted there) who arrived
    before `as_of` is planned from `as_of` (the nights before are over: nobody put them in a bed
    then, and those nights' beds must not count against them), recorded so in the snapshot, as
    an intake records an arrival without a bed; one whose stay ended before `as_of` is `past`.

    Returns (everyone, with pins) for reports and the snapshot, (those still to plan) for the
    housing model, and the waitlist entries carried over."""
    arrived_groups = {
        w.group_id: assigned[w.id]
        for w in scenario.workers
        if w.group_id and w.arrival < as_of and w.id in assigned
    }
    workers, planned, past = [], [], []
    late: list[str] = []  # newcomers whose nights before as_of are over
    for w in scenario.workers:
        if w.arrival < as_of and w.id not in assigned and w.id not in waiting:
            late.append(w.id)
            if w.departure <= as_of:
                why = f"stayed {w.arrival}..{w.departure}, before {as_of}, unknown to the previous run"
                past.append(
                    WaitlistEntry(
                        worker_id=w.id, priority=w.priority, code="past", reason=why, proven=True
                    )
                )
                workers.append(w)
                continue
            w = replace(w, arrival=as_of)
        if w.arrival < as_of and w.id in waiting and w.group_id not in arrived_groups:
            past.append(
                WaitlistEntry(
                    worker_id=w.id,
                    priority=w.priority,
                    code="past",
                    reason=f"arrived before {as_of} and was waitlisted then: {waiting[w.id]}",
                    proven=True,
                )
            )
            workers.append(w)
            continue
        pin = w.pinned_foresteria
        if w.arrival < as_of and w.id in assigned:
            pin = assigned[w.id]
        elif w.group_id in arrived_groups:
            pin = arrived_groups[w.group_id]
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
