"""Error types: bad input (ScenarioError) and impossible constraints (InfeasibleError)."""

from __future__ import annotations

from dataclasses import dataclass

# Exit codes of the command line: each means one thing.
EXIT_OK = 0
EXIT_VERIFY_FAILED = 1  # a plan or run folder broke a constraint (verify, or solve refusing it)
EXIT_BAD_INPUT = 2  # bad input, infeasible pinned people, usage errors
EXIT_INTERNAL = 3  # a bug: one line on stderr, the full traceback in a file
EXIT_INTERRUPTED = 130  # Ctrl-C


@dataclass(frozen=True, order=True)
class Problem:
    """One defect in one input file, located well enough for a planner to fix it."""

    file: str
    row: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" if self.row is not None else self.file
        return f"{where}: {self.field}: {self.message}"


class ScenarioError(ValueError):
    """Bad input: carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=_problem_key)
        super().__init__("\n".join(str(p) for p in self.problems))


def _problem_key(p: Problem) -> tuple[str, int, str, str]:
    return (p.file, -1 if p.row is None else p.row, p.field, p.message)


@dataclass(frozen=True, kw_only=True)
class Shortfall:
    """A hard constraint that cannot hold: what, where, which nights, by how much."""

    constraint: str
    where: str
    nights: str
    excess: int

    def __str__(self) -> str:
        return f"{self.constraint} at {self.where} on {self.nights}: over by {self.excess}"


class InfeasibleError(ValueError):
    """The hard constraints contradict each other; lists each contradiction found."""

    def __init__(self, shortfalls: list[Shortfall]):
        self.shortfalls = shortfalls
        super().__init__("infeasible: " + "; ".join(str(s) for s in shortfalls))
