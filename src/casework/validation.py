"""Validators for values with a standard behind them (ISO codes, partial dates)."""

from __future__ import annotations

import re
from datetime import date
from functools import cache

import pycountry


@cache
def _alpha3() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.countries)


@cache
def _currencies() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def country_alpha3(value: str) -> str:
    code = value.strip().upper()
    if code not in _alpha3():
        raise ValueError("must be an ISO 3166-1 alpha-3 country code, such as GBR or DEU")
    return code


def currency_code(value: str) -> str:
    code = value.strip().upper()
    if code not in _currencies():
        raise ValueError("must be an ISO 4217 currency code, such as EUR or USD")
    return code


_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def partial_date(value: str) -> str:
    """A full date, a year-month or a year alone, not in the future."""
    match = _PARTIAL_DATE.match(value.strip())
    if not match:
        raise ValueError("must be YYYY-MM-DD, YYYY-MM or YYYY")
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    if year < 1850:
        raise ValueError("year must be 1850 or later")
    try:
        first = date(year, month or 1, day or 1)
    except ValueError as exc:
        raise ValueError("is not a calendar date") from exc
    if first > date.today():
        raise ValueError("must not be in the future")
    return value.strip()


_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError("must be 1-63 lowercase letters, digits or hyphens, starting alphanumeric")
    return value
