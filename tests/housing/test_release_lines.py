"""The `pause:` and `release:` lines of a solve follow the command line's language (session
19's leftover: English only, where the coordinators read Italian), counts pluralised and
written in its format. What the lines count is tested with the release rule
(tests/run/test_pipeline.py); here, their words."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest

from foresterie.run import early


@pytest.fixture
def costs(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(early, "pause_costs", lambda *_: {"F-CH02": (5, 1234)})
    monkeypatch.setattr(early, "kept_costs", lambda *_: {"F1": (1, 1)})
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    scenario = SimpleNamespace(
        config=SimpleNamespace(housing=SimpleNamespace(max_days_without_work=3))
    )

    def lines(code: str) -> list[str]:
        monkeypatch.setenv("FORESTERIE_LANG", code)
        return early.kept_lines(scenario, [], date.min)  # type: ignore[arg-type]

    return lines


def test_the_pause_and_release_lines_in_english(costs: Any) -> None:
    assert costs("en") == [
        "pause: F-CH02 has 3+ workdays in a row without work and then work again: 5 people "
        "housed keep their beds through it (1,234 bed-nights without work, not released)",
        "release: F1's work is over within the stay, but the plan would give the beds to no one "
        "else: 1 person housed keeps their bed (1 bed-night without work, not released)",
    ]


def test_the_pause_and_release_lines_in_italian(costs: Any) -> None:
    assert costs("it") == [
        "pause: F-CH02 ha 3+ giorni lavorativi di fila senza lavoro e poi di nuovo lavoro: 5 "
        "persone alloggiate tengono i loro posti letto durante la pausa (1.234 notti-letto senza "
        "lavoro, non liberate)",
        "release: il lavoro di F1 finisce durante il soggiorno, ma il piano non darebbe i posti "
        "letto a nessun altro: 1 persona alloggiata tiene il suo posto letto (1 notte-letto senza "
        "lavoro, non liberata)",
    ]
