"""Validators for values with a standard behind them (ISO codes, partial dates)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Annotated

import pycountry
from pydantic import AfterValidator


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


# Hyphens as in casework's own names (ofac-sdn), underscores as in OpenSanctions' dataset
# names (us_ofac_sdn); never a colon, which separates the dataset in an entity id.
_DATASET_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def dataset_name(value: str) -> str:
    """A watchlist dataset's name: ``ofac-sdn`` or, OpenSanctions-style, ``us_ofac_sdn``."""
    if not _DATASET_NAME.match(value):
        raise ValueError(
            "must be 1-63 lowercase letters, digits, hyphens or underscores, "
            "starting with a letter or digit (such as ofac-sdn or us_ofac_sdn)"
        )
    return value


DatasetName = Annotated[str, AfterValidator(dataset_name)]


_DECIMAL_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def decimal_number(value: object, *, places: int, below: Decimal) -> Decimal:
    """A positive finite decimal below ``below`` with at most ``places`` decimals, from a
    string, an int or a Decimal (JSON numbers parsed exactly, see
    casework.infra.routing.ExactNumbersRoute). A float is refused: its digits are already
    uncertain."""
    if isinstance(value, str):
        text = value.strip()
        if not _DECIMAL_TEXT.match(text):
            raise ValueError("must be a decimal number such as 1250.50")
        number = Decimal(text)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, Decimal):
        number = value
    else:
        raise ValueError("must be a decimal number, as a string or a JSON number")
    if not number.is_finite():
        raise ValueError("must be a finite number")
    if number <= 0:
        raise ValueError("must be greater than zero")
    if number >= below:  # checked before quantizing, which fails on huge values
        raise ValueError(f"must be less than {below:f}")
    quantum = Decimal(1).scaleb(-places)
    if number != number.quantize(quantum):
        raise ValueError(f"must have at most {places} decimal places")
    return number.quantize(quantum)
