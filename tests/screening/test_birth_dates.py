"""Messy birth dates are read for what is certain, and the rest is said."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.screening.birth_dates import read_birth_date

TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("1977-08-12", ("1977-08-12",)),
        ("1977-8-12", ("1977-08-12",)),
        ("1977/08/12", ("1977-08-12",)),
        ("31/08/1977", ("1977-08-31",)),
        ("08/31/1977", ("1977-08-31",)),
        ("07.07.1977", ("1977-07-07",)),
        ("12 Aug 1977", ("1977-08-12",)),
        ("August 12, 1977", ("1977-08-12",)),
        ("Aug 1977", ("1977-08",)),
        ("1977-08", ("1977-08",)),
        ("1977", ("1977",)),
    ],
)
def test_certain_dates_are_read_whole(text: str, dates: tuple[str, ...]) -> None:
    found = read_birth_date(text, today=TODAY)
    assert found.dates == dates
    assert found.note is None


@pytest.mark.parametrize(
    ("text", "dates", "said"),
    [
        ("12/08/1977", ("1977",), "day-month or month-day"),
        ("1968-13-30", ("1968",), "not a calendar date"),
        ("1968-02-30", ("1968",), "not a calendar date"),
        ("1975-1979", ("1975", "1976", "1977", "1978", "1979"), "range"),
        ("between 1960 and 1962", ("1960", "1961", "1962"), "range"),
        ("1970s", tuple(str(y) for y in range(1970, 1980)), "range"),
        ("circa 1970", ("1969", "1970", "1971"), "range"),
        ("1900-1950", (), "more than 20 years"),
        ("sometime", (), "could not be read"),
        ("2999", (), "not a plausible date"),
        ("2027-01-01", (), "not a plausible date"),
        ("1700", (), "not a plausible date"),
    ],
)
def test_uncertain_dates_degrade_and_say_so(text: str, dates: tuple[str, ...], said: str) -> None:
    found = read_birth_date(text, today=TODAY)
    assert found.dates == dates
    assert found.note is not None
    assert said in found.note
    assert repr(text) in found.note


def test_empty_is_no_date_and_no_note() -> None:
    assert read_birth_date("   ", today=TODAY).dates == ()
    assert read_birth_date("", today=TODAY).note is None


@given(st.text(max_size=40))
def test_any_text_is_read_without_error(text: str) -> None:
    found = read_birth_date(text, today=TODAY)
    for value in found.dates:
        assert value[:4].isdigit()
        assert 1850 <= int(value[:4]) <= TODAY.year
