"""Ongoing monitoring: the customers rescreened when a list changes, and the runs that
rescreen them after each new list version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, id_column, utcnow


class MonitoredCustomer(Base):
    """A customer whose screening ran with monitoring on: who to screen, and how.

    ``subjects`` are the parties the last screening covered (the customer, a business's
    directors and owners), so a rescreen asks exactly what the check asked. ``checks``
    maps each monitored check type to its parameters (threshold, datasets).
    """

    __tablename__ = "monitored_customers"
    __table_args__ = (UniqueConstraint("tenant_id", "customer_id"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    # The case whose checks last enrolled the customer; an ongoing case links to it.
    case_id: Mapped[str | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), default=None
    )
    checks: Mapped[dict[str, Any]] = mapped_column(default=dict)
    subjects: Mapped[list[Any]] = mapped_column(default=list)
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MonitoringRun(Base):
    """The rescreen of every monitored customer after one new version of one dataset.

    Progress is kept here: ``cursor`` is the last monitored customer whose page has been
    committed, so a worker killed mid-run leaves work another picks up where it stopped.
    """

    __tablename__ = "monitoring_runs"
    __table_args__ = (
        UniqueConstraint("dataset_id", "version"),
        Index(None, "status", "lease_expires_at"),
    )

    id: Mapped[str] = id_column()
    dataset_id: Mapped[str] = mapped_column(ForeignKey("watchlist_datasets.id"))
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default="pending")  # running, done
    cursor: Mapped[str | None] = mapped_column(String(24), default=None)
    claim_id: Mapped[str | None] = mapped_column(String(24), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
