from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from casework.infra.strict import StrictModel
from casework.infra.validation import country_alpha3, currency_code, decimal_number
from casework.models import Transaction
from casework.models.enums import Direction
from casework.models.transaction import AMOUNT_SCALE

# Amounts are kept to 4 places; below this bound they (and their conversions) fit both
# NUMERIC(20, 4) and the 64-bit integers SQLite stores them as.
MAX_AMOUNT = Decimal(10) ** 14
BATCH_MAX = 10_000


def _amount(value: Any) -> Decimal:
    return decimal_number(value, places=AMOUNT_SCALE, below=MAX_AMOUNT)


def _plain_json(value: Any) -> Any:
    """Metadata is opaque: numbers parsed as Decimal go back to plain JSON numbers."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_json(v) for v in value]
    return value


def _metadata(value: dict[str, Any]) -> dict[str, Any]:
    from casework.audit.chain import canonical

    if not value:
        return value
    value = _plain_json(value)
    if len(canonical(value)) > 16_384:
        raise ValueError("must be at most 16 KiB of JSON")
    return value


Amount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    Field(description="Decimal string (preferred) or JSON number; > 0, at most 4 places"),
]
Currency = Annotated[str, AfterValidator(currency_code)]
Country = Annotated[str, AfterValidator(country_alpha3)]
Label = Annotated[str, Field(min_length=1, max_length=60)]
Metadata = Annotated[dict[str, Any], AfterValidator(_metadata)]


class TransactionIn(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: str = Field(min_length=1, max_length=200, description="Unique per tenant")
    customer_id: str | None = Field(default=None, min_length=1, max_length=24)
    customer_external_id: str | None = Field(default=None, min_length=1, max_length=200)
    amount: Amount
    currency: Currency = Field(description="ISO 4217")
    direction: Direction
    type: Label | None = None
    channel: Label | None = None
    counterparty_name: str | None = Field(default=None, min_length=1, max_length=400)
    counterparty_account: str | None = Field(default=None, min_length=1, max_length=100)
    counterparty_bank: str | None = Field(default=None, min_length=1, max_length=200)
    counterparty_country: Country | None = Field(default=None, description="ISO 3166-1 alpha-3")
    occurred_at: AwareDatetime
    metadata: Metadata = Field(default_factory=dict)


class TransactionBatch(StrictModel):
    model_config = ConfigDict(extra="forbid")

    transactions: list[TransactionIn] = Field(min_length=1, max_length=BATCH_MAX)


class TransactionOut(BaseModel):
    id: str
    external_id: str
    customer_id: str
    amount: Decimal
    currency: str
    direction: Direction
    type: str | None
    channel: str | None
    counterparty_name: str | None
    counterparty_account: str | None
    counterparty_bank: str | None
    counterparty_country: str | None
    occurred_at: datetime
    metadata: dict[str, Any]
    amount_in_default_currency: Decimal
    default_currency: str
    fx_rate: Decimal = Field(description="Units of the default currency for one unit")
    fx_rate_date: date = Field(description="Date of the rate used (the latest on or before)")
    created_at: datetime

    @classmethod
    def of(cls, row: Transaction, *, default_currency: str) -> TransactionOut:
        return cls(
            id=row.id,
            external_id=row.external_id,
            customer_id=row.customer_id,
            amount=row.amount,
            currency=row.currency,
            direction=row.direction,
            type=row.type,
            channel=row.channel,
            counterparty_name=row.counterparty_name,
            counterparty_account=row.counterparty_account,
            counterparty_bank=row.counterparty_bank,
            counterparty_country=row.counterparty_country,
            occurred_at=row.occurred_at,
            metadata=row.metadata_,
            amount_in_default_currency=row.amount_in_default_currency,
            default_currency=default_currency,
            fx_rate=row.fx_rate,
            fx_rate_date=row.fx_rate_date,
            created_at=row.created_at,
        )


class BatchItem(BaseModel):
    index: int
    id: str
    external_id: str
    duplicate: bool = Field(description="Already stored with the same content; not added again")


class BatchResult(BaseModel):
    batch_id: str
    inserted: int
    duplicates: int
    items: list[BatchItem]
