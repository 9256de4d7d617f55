"""Monetary transactions of a tenant's customers, as their core systems report them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, ExactDecimal, id_column, str_enum, utcnow
from casework.models.enums import Direction
from casework.models.fx import RATE_SCALE

AMOUNT_SCALE = 4


class Transaction(Base):
    __tablename__ = "transactions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_id"),
        Index(None, "tenant_id", "customer_id", "occurred_at"),
        Index(None, "tenant_id", "occurred_at", "id"),
    )

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    # A customer deleted under its retention period takes its transactions with it.
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(ExactDecimal(20, AMOUNT_SCALE))
    currency: Mapped[str] = mapped_column(String(3))
    direction: Mapped[Direction] = mapped_column(str_enum(Direction))
    type: Mapped[str | None] = mapped_column(String(60), default=None)
    channel: Mapped[str | None] = mapped_column(String(60), default=None)
    counterparty_name: Mapped[str | None] = mapped_column(String(400), default=None)
    counterparty_account: Mapped[str | None] = mapped_column(String(100), default=None)
    counterparty_bank: Mapped[str | None] = mapped_column(String(200), default=None)
    counterparty_country: Mapped[str | None] = mapped_column(String(3), default=None)
    occurred_at: Mapped[datetime]
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    amount_in_default_currency: Mapped[Decimal] = mapped_column(ExactDecimal(20, AMOUNT_SCALE))
    fx_rate: Mapped[Decimal] = mapped_column(ExactDecimal(24, RATE_SCALE))
    fx_rate_date: Mapped[date]
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
