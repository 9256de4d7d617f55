"""Values as FinCEN takes them: text without control characters or stray whitespace,
phone numbers as digits, identification numbers and postal codes without punctuation,
two-letter countries, YYYYMMDD dates and whole dollars, and the patterns they must match."""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_CEILING, Decimal
from functools import cache

import pycountry

PRIOR_BSA_ID = re.compile(r"[0-9]{14}")
NINE_DIGITS = re.compile(r"[0-9]{9}")
US_ZIP = re.compile(r"[0-9]{5}([0-9]{4})?")
XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(value: str | None) -> str | None:
    """Text as the schema's patterns take it: no control characters, no leading, trailing
    or repeated whitespace."""
    if value is None:
        return None
    cleaned = " ".join(XML_UNSAFE.sub("", value).split())
    return cleaned or None


def digits(value: str | None) -> str | None:
    """A phone number as FinCEN takes it: digits only."""
    if value is None:
        return None
    return re.sub(r"[^0-9]", "", value) or None


def compact(value: str | None) -> str | None:
    """Identification numbers and postal codes go to FinCEN without punctuation or spaces."""
    if value is None:
        return None
    return re.sub(r"[^0-9A-Za-z]", "", value) or None


@cache
def _alpha2(alpha3: str) -> str | None:
    country = pycountry.countries.get(alpha_3=alpha3)
    return None if country is None else str(country.alpha_2)


def country_code(alpha3: str | None) -> str | None:
    return None if alpha3 is None else _alpha2(alpha3)


def yyyymmdd(day: date) -> str:
    return day.strftime("%Y%m%d")


def whole_dollars(amount: Decimal) -> int:
    # FinCEN takes whole dollars and asks for amounts to be rounded up.
    return int(amount.to_integral_value(rounding=ROUND_CEILING))


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]
