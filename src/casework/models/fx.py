"""Foreign-exchange reference rates, shared by every tenant like the watchlists.

Rates are quoted as the ECB publishes them: units of ``currency`` for one euro on
``rate_date``. Any other pair is crossed through the euro.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, ExactDecimal, id_column, utcnow

RATE_SCALE = 10
# On SQLite a rate is kept as a 64-bit count of 10**-10 units; no currency comes near.
MAX_RATE = Decimal(10) ** 8


class FxRate(Base):
    __tablename__ = "fx_rates"
    # The unique index also serves "latest rate on or before a date" for a currency.
    __table_args__ = (UniqueConstraint("currency", "rate_date"),)

    id: Mapped[str] = id_column()
    currency: Mapped[str] = mapped_column(String(3))
    rate_date: Mapped[date]
    rate: Mapped[Decimal] = mapped_column(ExactDecimal(24, RATE_SCALE))
    source: Mapped[str] = mapped_column(String(40))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
