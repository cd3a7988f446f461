"""Error types: bad input (ScenarioError) and impossible constraints (InfeasibleError)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Exit codes of the command line: each means one thing.
EXIT_OK = 0
EXIT_VERIFY_FAILED = 1  # a plan or run folder broke a constraint (verify, or solve refusing it)
EXIT_BAD_INPUT = 2  # bad input, infeasible pinned people, usage errors
EXIT_INTERNAL = 3  # a bug: one line on stderr, the full traceback in a file
EXIT_UNAVAILABLE = 4  # the ledger's database server cannot be reached (or is busy): try again
EXIT_INTERRUPTED = 130  # Ctrl-C


class Msg(str):
    """A message whose value is the English text, which also remembers its catalogue template
    and values, so that the command line can say it in the user's language (core/i18n.py;
    `make messages` extracts the templates). Equal to, and sorted as, the English text."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> Msg:
        self = super().__new__(cls, template.format(**values))
        self.template = template
        self.values = values
        return self

    def localized(self, gettext: Callable[[str], str]) -> str:
        return gettext(self.template).format(**self.values)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as its template and values (a process's error sent to its parent): str's own
        # way would call __new__ with the English text as the template, which formats it again
        # (a cell holding "{}" then raised IndexError in the parent instead of one line).
        return (_msg, (self.template, self.values))


def _msg(template: str, values: dict[str, Any]) -> Msg:
    return Msg(template, **values)


@dataclass(frozen=True, order=True)
class Problem:
    """One defect in one input file, located well enough for a planner to fix it."""

    file: str
    row: int | None
    field: str
    message: str

    def __str__(self) -> str:
        return self.text()

    def text(self, gettext: Callable[[str], str] | None = None) -> str:
        """`file:row: field: message`, the message in gettext's language when it is a Msg."""
        where = f"{self.file}:{self.row}" if self.row is not None else self.file
        msg = self.message
        if gettext is not None and isinstance(msg, Msg):
            msg = msg.localized(gettext)
        return f"{where}: {self.field}: {msg}"


class ScenarioError(ValueError):
    """Bad input: carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=_problem_key)
        super().__init__("\n".join(str(p) for p in self.problems))


def _problem_key(p: Problem) -> tuple[str, int, str, str]:
    return (p.file, -1 if p.row is None else p.row, p.field, p.message)


ALIKE_FROM = 3  # rows with one defect in one column said in one line from this many on


def alike(problems: list[Problem]) -> list[tuple[Problem, list[int]]]:
    """The problems to say, in order, each with the other rows that have the same defect in the
    same column of the same file (the same message but for the cell's value: a Msg's template):
    a column a spreadsheet rewrote (every date as 06/07/2027) is one line naming its first row
    and how many more, not a line per row. Fewer than ALIKE_FROM such rows are said each."""
    groups: dict[tuple[str, str, str], list[Problem]] = {}
    for p in problems:
        if p.row is not None:
            kind = p.message.template if isinstance(p.message, Msg) else p.message
            groups.setdefault((p.file, p.field, kind), []).append(p)
    out: list[tuple[Problem, list[int]]] = []
    for p in problems:
        kind = p.message.template if isinstance(p.message, Msg) else p.message
        same = groups.get((p.file, p.field, kind), []) if p.row is not None else []
        if len(same) < ALIKE_FROM:
            out.append((p, []))
        elif same[0] is p:
            out.append((p, [q.row for q in same[1:] if q.row is not None]))
    return out


def row_ranges(rows: list[int], most: int = 6) -> str:
    """Rows as ranges: [3, 4, 5, 9] -> '3-5, 9'; beyond `most` ranges, the last one after '...'."""
    spans: list[list[int]] = []
    for r in sorted(set(rows)):
        if spans and r == spans[-1][1] + 1:
            spans[-1][1] = r
        else:
            spans.append([r, r])
    text = [f"{a}-{b}" if b > a else str(a) for a, b in spans]
    if len(text) > most:
        text = [*text[: most - 1], "...", text[-1]]
    return ", ".join(text)


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


class LedgerUnavailable(RuntimeError):
    """The ledger's database server is down, unreachable or busy: nothing was written, and the
    same command may succeed later (exit 4). `where` is the URL without its password."""

    def __init__(self, where: str, reason: str):
        self.where = where
        self.reason = reason
        super().__init__(f"{where}: ledger: {reason}")


_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@?#]*:)[^\s@/]*@", re.IGNORECASE)
_PASSWORD_PARAM = re.compile(r"(\bpassword=)[^&\s'\"]*", re.IGNORECASE)


def redact_passwords(text: str) -> str:
    """Free text (a command line, a traceback) with every URL password (`scheme://user:PW@`,
    `password=PW`) replaced by `***`: what a crash file or an error line may keep."""
    return _PASSWORD_PARAM.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", text))
