from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, Timestamps, id_column, str_enum
from casework.models.enums import CustomerType


class Customer(Timestamps, Base):
    __tablename__ = "customers"
    __table_args__ = (
        Index(None, "delete_after"),
        UniqueConstraint("tenant_id", "external_id"),
        UniqueConstraint("tenant_id", "number"),
        Index(None, "tenant_id", "full_name"),
    )

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    # Per-tenant sequential integer (the integer ids of APIs that use them); see tenants.numbering.
    number: Mapped[int] = mapped_column(default=None)
    customer_type: Mapped[CustomerType] = mapped_column(str_enum(CustomerType))
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    full_name: Mapped[str] = mapped_column(String(400))
    first_name: Mapped[str | None] = mapped_column(String(200), default=None)
    middle_name: Mapped[str | None] = mapped_column(String(200), default=None)
    last_name: Mapped[str | None] = mapped_column(String(200), default=None)
    full_name_en: Mapped[str] = mapped_column(String(400), default="")
    first_name_en: Mapped[str | None] = mapped_column(String(200), default=None)
    middle_name_en: Mapped[str | None] = mapped_column(String(200), default=None)
    last_name_en: Mapped[str | None] = mapped_column(String(200), default=None)
    # "YYYY", "YYYY-MM" or "YYYY-MM-DD": watchlists and onboarding often know only part.
    birth_date: Mapped[str | None] = mapped_column(String(10), default=None)
    country: Mapped[str | None] = mapped_column(String(3), default=None)
    nationality: Mapped[str | None] = mapped_column(String(3), default=None)
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    input_details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    delete_after: Mapped[datetime | None] = mapped_column(default=None)
