from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from casework.infra.strict import StrictModel
from casework.infra.validation import currency_code, decimal_number
from casework.models import FxRate
from casework.models.fx import MAX_RATE, RATE_SCALE


def _rate(value: Any) -> Decimal:
    return decimal_number(value, places=RATE_SCALE, below=MAX_RATE)


def _not_base(value: str) -> str:
    if value == "EUR":
        raise ValueError("EUR is the base currency: its rate is always 1")
    return value


Rate = Annotated[Decimal, BeforeValidator(_rate)]
QuotedCurrency = Annotated[str, AfterValidator(currency_code), AfterValidator(_not_base)]


class FxRatesPut(StrictModel):
    model_config = ConfigDict(extra="forbid")

    rate_date: date
    rates: dict[QuotedCurrency, Rate] = Field(
        min_length=1,
        max_length=300,
        description='Units of each currency for one euro, e.g. {"USD": "1.0865"}',
    )
    source: str = Field(default="manual", min_length=1, max_length=40)


class FxRateOut(BaseModel):
    id: str
    currency: str
    rate_date: date
    rate: Decimal = Field(description="Units of the currency for one euro")
    source: str
    imported_at: datetime

    @classmethod
    def of(cls, row: FxRate) -> FxRateOut:
        return cls.model_validate(row, from_attributes=True)


class FxRatesPutResult(BaseModel):
    rate_date: date
    inserted: int
    updated: int
    unchanged: int
    rates: list[FxRateOut]
