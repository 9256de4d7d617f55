"""Birth dates as customers' records write them, read for screening.

A screening never fails on a messy date: it is read for what is certain and the rest is
said. "1977-8-12" and "12 Aug 1977" are a full date; "12/08/1977" could be the 12th of
August or the 8th of December, so only its year is used; "1975-1979" and "1970s" are a
range of years; "1968-13-30" has no 13th month, so only its year is used; what cannot
be read at all is left out. Every step down is noted, and the notes reach the result.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

EARLIEST = 1850
MAX_RANGE_YEARS = 20

_MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
} | {"sept": 9}
_ISO = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?$")
_NUMERIC = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_RANGE = re.compile(r"^(?:between\s+)?(\d{4})\s*(?:-|\u2013|/|to|and|\.\.)\s*(\d{4})$")
_DECADE = re.compile(r"^(\d{3})0s$")
_APPROXIMATE = re.compile(r"^(?:c\.?|ca\.?|circa|about|approx\.?|approximately|~)\s*(\d{4})$")
_WORDS = re.compile(r"[a-z]+|\d+")


@dataclass(frozen=True)
class BirthDate:
    """What could be read: partial ISO dates (one, or the years of a range) and a note."""

    dates: tuple[str, ...]
    note: str | None = None


def read_birth_date(text: str, *, today: date | None = None) -> BirthDate:
    """The dates a written birth date can be relied on for, with a note when less than
    what was written is used."""
    today = today or date.today()
    raw = text.strip()
    value = raw.lower()
    if not value:
        return BirthDate(())
    for reader in (_iso, _numeric, _range, _decade, _approximate, _with_month_name):
        found = reader(value, raw, today)
        if found is not None:
            return found
    return BirthDate((), f"birth date {raw!r} could not be read; screened without it")


def _year_ok(year: int, today: date) -> bool:
    return EARLIEST <= year <= today.year


def _full(year: int, month: int, day: int, raw: str, today: date) -> BirthDate:
    """A year, month and day: the date if it exists and is past, else the year alone."""
    if not _year_ok(year, today):
        return _unreadable(raw)
    try:
        found = date(year, month, day)
    except ValueError:
        return BirthDate(
            (f"{year:04d}",),
            f"birth date {raw!r} is not a calendar date; screened with the year {year} only",
        )
    if found > today:
        return _unreadable(raw)
    return BirthDate((found.isoformat(),))


def _unreadable(raw: str) -> BirthDate:
    return BirthDate((), f"birth date {raw!r} is not a plausible date; screened without it")


def _iso(value: str, raw: str, today: date) -> BirthDate | None:
    found = _ISO.match(value)
    if not found:
        return None
    year = int(found.group(1))
    if found.group(3):
        return _full(year, int(found.group(2)), int(found.group(3)), raw, today)
    if not _year_ok(year, today):
        return _unreadable(raw)
    if found.group(2):
        month = int(found.group(2))
        if not 1 <= month <= 12:
            return BirthDate(
                (f"{year:04d}",),
                f"birth date {raw!r} has no month {month}; screened with the year {year} only",
            )
        return BirthDate((f"{year:04d}-{month:02d}",))
    return BirthDate((f"{year:04d}",))


def _numeric(value: str, raw: str, today: date) -> BirthDate | None:
    """Day and month in either order before the year: certain only when one is over 12."""
    found = _NUMERIC.match(value)
    if not found:
        return None
    first, second, year = (int(g) for g in found.groups())
    if first > 12 >= second:
        return _full(year, second, first, raw, today)
    if second > 12 >= first:
        return _full(year, first, second, raw, today)
    if first == second and first <= 12:
        return _full(year, first, first, raw, today)
    if not _year_ok(year, today):
        return _unreadable(raw)
    if first > 12 and second > 12:
        return BirthDate(
            (f"{year:04d}",),
            f"birth date {raw!r} is not a calendar date; screened with the year {year} only",
        )
    return BirthDate(
        (f"{year:04d}",),
        f"birth date {raw!r} could be day-month or month-day; screened with the year {year} only",
    )


def _years(first: int, last: int, raw: str, today: date) -> BirthDate:
    if not (_year_ok(first, today) and _year_ok(last, today)) or last < first:
        return _unreadable(raw)
    if last - first > MAX_RANGE_YEARS:
        return BirthDate(
            (), f"birth date {raw!r} spans more than {MAX_RANGE_YEARS} years; screened without it"
        )
    years = tuple(f"{y:04d}" for y in range(first, last + 1))
    return BirthDate(years, f"birth date {raw!r} is a range; screened as born {first}-{last}")


def _range(value: str, raw: str, today: date) -> BirthDate | None:
    found = _RANGE.match(value)
    return _years(int(found.group(1)), int(found.group(2)), raw, today) if found else None


def _decade(value: str, raw: str, today: date) -> BirthDate | None:
    found = _DECADE.match(value)
    if not found:
        return None
    first = int(found.group(1)) * 10
    return _years(first, min(first + 9, today.year), raw, today)


def _approximate(value: str, raw: str, today: date) -> BirthDate | None:
    found = _APPROXIMATE.match(value)
    if not found:
        return None
    year = int(found.group(1))
    return _years(year - 1, min(year + 1, today.year), raw, today)


def _with_month_name(value: str, raw: str, today: date) -> BirthDate | None:
    """ "12 Aug 1977", "August 12, 1977", "Aug 1977": a month written as a word is certain."""
    words = _WORDS.findall(value)
    months = [w for w in words if w in _MONTHS]
    numbers = [int(w) for w in words if w.isdigit()]
    if len(months) != 1 or len(words) != len(months) + len(numbers) or not numbers:
        return None
    years = [n for n in numbers if n >= 1000]
    days = [n for n in numbers if n < 1000]
    if len(years) != 1 or len(days) > 1:
        return None
    month = _MONTHS[months[0]]
    if not days:
        if not _year_ok(years[0], today):
            return _unreadable(raw)
        return BirthDate((f"{years[0]:04d}-{month:02d}",))
    return _full(years[0], month, days[0], raw, today)
