"""Inputs nobody here had seen (session 20, S): what offices send, read or said in one line."""

from __future__ import annotations

import pytest

from foresterie.scenario.load import date_problem, read_day


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        # year first, one reading only: the message gives the ISO day to write
        ("2027-7-5", "date '2027-7-5' is not ISO YYYY-MM-DD; write 2027-07-05"),
        ("2027/07/05", "date '2027/07/05' is not ISO YYYY-MM-DD; write 2027-07-05"),
        ("2027.7.15", "date '2027.7.15' is not ISO YYYY-MM-DD; write 2027-07-15"),
        # no such day in that reading: said as before, no rewrite that is no day
        ("2027-2-30", "date '2027-2-30' is not ISO YYYY-MM-DD"),
        # a date-time that is no midnight of Puglia's: the day alone (review 20 T)
        (
            "2027-07-05 06:10",
            "date '2027-07-05 06:10' has a time of day that is not midnight in Puglia: write the day alone, YYYY-MM-DD, as Puglia's calendar reads it",
        ),
        (
            "2027-07-04T22:00:00Z",
            "date '2027-07-04T22:00:00Z' has a time of day that is not midnight in Puglia: write the day alone, YYYY-MM-DD, as Puglia's calendar reads it",
        ),
    ],
)
def test_a_day_written_another_way_says_the_iso_day(typed: str, said: str) -> None:
    assert date_problem(typed) == said


@pytest.mark.parametrize(
    "written",
    [
        "2027-07-05",
        "2027-07-05 00:00:00",
        "2027-07-05T00:00",
        "2027-07-05T00:00:00.000Z",
        "2027-07-05T00:00:00+00:00",
        "2027-07-05T00:00:00+02:00",  # Puglia's own midnight in summer (review 20 T)
    ],
)
def test_a_day_exported_with_midnight_is_that_day(written: str) -> None:
    """pandas, databases and GIS programs export a date column with midnight: the day it says
    (session 20, S); a local midnight stored in UTC (22:00Z the day before) is no day."""
    assert read_day(written).isoformat() == "2027-07-05"
    with pytest.raises(ValueError):
        read_day("2027-07-04T22:00:00Z")
    with pytest.raises(ValueError):  # winter's offset in July: another place's midnight
        read_day("2027-07-05T00:00:00+01:00")
