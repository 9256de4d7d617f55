"""The text of goAML values: countries, dates, amounts and exchange rates.

Countries are ISO alpha-2; dates ``YYYY-MM-DDThh:mm:ss`` (``xs:dateTime`` without a
zone, from 1753), a moment with a zone given in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

import pycountry

_RATE_STEP = Decimal("1e-8")
_CENT = Decimal("0.01")


def alpha2(alpha3: str) -> str | None:
    country = pycountry.countries.get(alpha_3=alpha3)
    return None if country is None else str(country.alpha_2)


def sql_date(value: date | datetime) -> str:
    """A goAML date: ``xs:dateTime`` without a zone."""
    if not isinstance(value, datetime):
        return f"{value.isoformat()}T00:00:00"
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat()


def amount_text(value: Decimal) -> str:
    """An amount in plain notation, with at least two decimals and no trailing zeros
    beyond them."""
    plain = value.normalize()
    exponent = plain.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        plain = plain.quantize(_CENT)
    return format(plain, "f")


def rate_text(local: Decimal, foreign: Decimal) -> str:
    """Units of the local currency for one unit of the foreign one."""
    with localcontext() as context:
        # Enough digits for the largest amounts the draft takes, to eight decimals.
        context.prec = 60
        rate = (local / foreign).quantize(_RATE_STEP, rounding=ROUND_HALF_EVEN).normalize()
    return format(rate, "f")
