"""The scenario a day run or an intake writes for itself, and its failures said as what they are.

`foresterie day` and `foresterie intake` write a scenario from the season run and the ledger and
solve it. What goes wrong there is not in a file the user wrote (review 14, finding 4: "workers.csv
rows 4-5, 23 ...: move their departure, their pin, or the closing" about a day run's own
workers.csv): a file that fails validation is a bug in foresterie (`OwnScenarioBug`, exit 3 and a
crash file), and people the plan and the ledger hold at a foresteria it cannot take
(`InfeasibleError`, exit 2) are said by who holds them there (the season plan's beds of that
night, today's check-ins, move requests) and what the coordinator can record to change it
(`own_scenario`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from foresterie.core.errors import InfeasibleError, Problem, ScenarioError, Shortfall
from foresterie.housing.waitlist import PinnedWhileClosed
from foresterie.scenario.model import Foresteria

SHOWN_IDS = 8  # ids named in a line; the rest counted


class OwnScenarioBug(RuntimeError):
    """A scenario foresterie wrote for itself failed validation: a bug in foresterie, not bad
    input (exit 3 and a crash file, never `workers.csv:14: ...` and exit 2 about a file the
    user never wrote). Every problem is in the message (the crash file has it whole)."""

    def __init__(self, what: str, problems: list[Problem]):
        self.problems = problems
        super().__init__(
            f"{what} own scenario failed validation ({len(problems)} problems), first: "
            + "\n".join(str(p) for p in problems)
        )


@dataclass(frozen=True, kw_only=True)
class HeldThere(Shortfall):
    """A shortfall of a day run's or an intake's own scenario, said as the coordinator acts on
    it: what the foresteria cannot take (`what`, `when`: beyond its beds, or nights it is
    closed), who holds people there (`held`: from the plan and the ledger) and what to record
    (`todo`)."""

    what: str
    when: str
    held: str
    todo: str

    def __str__(self) -> str:
        return f"{self.what} at {self.where} on {self.nights}{self.when}: {self.held}; {self.todo}"


def ids_text(ids: Sequence[str]) -> str:
    """'W01, W02 (+3 more)': pseudonymous ids, the first SHOWN_IDS in order."""
    shown = ", ".join(ids[:SHOWN_IDS])
    return shown + (f" (+{len(ids) - SHOWN_IDS} more)" if len(ids) > SHOWN_IDS else "")


def _what(s: Shortfall) -> tuple[str, str]:
    if isinstance(s, PinnedWhileClosed):
        n = f"{s.excess} {'person' if s.excess == 1 else 'people'} held"
        if s.before:
            return n, f", before it opens on {s.boundary.isoformat()}"
        return n, f", after its last open night ({s.boundary.isoformat()})"
    return f"{s.constraint.replace('pinned people', 'people held')} (over by {s.excess})", ""


@contextmanager
def own_scenario(
    what: str,
    foresterie: Sequence[Foresteria],
    held: Callable[[str], str],
    todo: str,
) -> Iterator[None]:
    """Solve a scenario this command wrote (`what`: "the day run's", "the intake's"): its
    validation problems raise OwnScenarioBug; an InfeasibleError is said again shortfall by
    shortfall, each with `held(foresteria_id)` (who the plan and the ledger hold there) and
    `todo` (what the coordinator can record), never the rows of a file nobody wrote."""
    names = {f"{f.name} ({f.id})": f.id for f in foresterie}
    try:
        yield
    except InfeasibleError as exc:
        said: list[Shortfall] = [
            HeldThere(
                constraint=s.constraint,
                where=s.where,
                nights=s.nights,
                excess=s.excess,
                what=_what(s)[0],
                when=_what(s)[1],
                held=held(names[s.where]) if s.where in names else "",
                todo=todo,
            )
            for s in exc.shortfalls
        ]
        raise InfeasibleError(said) from exc


def validated(what: str, load: Callable[[], object]) -> None:
    """Load a scenario this command wrote before solving it: a problem is a bug (exit 3)."""
    try:
        load()
    except ScenarioError as exc:
        raise OwnScenarioBug(what, exc.problems) from exc
