"""A message travels between processes whole (solve's first part runs in a forked child): its
template and values, never its English text read again as a template (a cell holding "{}"
had raised IndexError in the parent instead of one line naming the cell)."""

from __future__ import annotations

import pickle

import pytest

from foresterie.core.errors import Msg, Problem, ScenarioError


@pytest.mark.parametrize("cell", ["{}", "{0}", "{x}", "}{", "plain"])
def test_a_message_with_braces_in_its_values_survives_pickling(cell: str) -> None:
    m = Msg("{value} is not a date", value=repr(cell))
    back = pickle.loads(pickle.dumps(m))
    assert back == m and back.template == m.template and back.values == m.values
    assert back.localized(lambda t: "IT: " + t) == f"IT: {cell!r} is not a date"
    err = ScenarioError([Problem("workers.csv", 2, "arrival", m)])
    again = pickle.loads(pickle.dumps(err.problems))
    assert [p.text() for p in again] == [f"workers.csv:2: arrival: {cell!r} is not a date"]
