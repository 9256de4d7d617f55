"""Transaction-monitoring rules, their revisions, the alerts they raise and how alerts
are gathered into cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, IntEnumType, id_column, utcnow
from casework.models.enums import Priority


class Rule(Base):
    """A rule as it stands: its current revision and whether it runs on new transactions."""

    __tablename__ = "rules"
    __table_args__ = (UniqueConstraint("tenant_id", "name"), Index(None, "tenant_id", "enabled"))

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    revision: Mapped[int] = mapped_column(default=1)
    enabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RuleRevision(Base):
    """One version of a rule's definition. Never changed once written: alerts and the
    cases they made name the revision that raised them."""

    __tablename__ = "rule_revisions"
    __table_args__ = (UniqueConstraint("rule_id", "revision"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    rule_id: Mapped[str] = mapped_column(ForeignKey("rules.id", ondelete="CASCADE"))
    revision: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[Priority] = mapped_column(IntEnumType(Priority))
    condition: Mapped[dict[str, Any]] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Alert(Base):
    """A rule hit: one transaction tripped one revision of a rule."""

    __tablename__ = "alerts"
    __table_args__ = (
        # A batch evaluated twice (a worker died after writing) raises nothing twice.
        UniqueConstraint("rule_id", "transaction_id"),
        Index(None, "tenant_id", "case_id"),
        Index(None, "tenant_id", "customer_id", "created_at"),
        Index(None, "tenant_id", "created_at", "id"),
    )

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    rule_id: Mapped[str] = mapped_column(ForeignKey("rules.id", ondelete="CASCADE"))
    rule_revision: Mapped[int]
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    transaction_id: Mapped[str] = mapped_column(ForeignKey("transactions.id", ondelete="CASCADE"))
    # Every transaction that made the hit (a velocity window, say), the evaluated one last.
    transaction_ids: Mapped[list[str]] = mapped_column()
    score: Mapped[float]
    reason: Mapped[str] = mapped_column(Text)
    case_id: Mapped[str | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), default=None
    )
    occurred_at: Mapped[datetime]  # the evaluated transaction's time
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertGroup(Base):
    """Where a group's alerts go: its open case. Locked while alerts are added, so two
    workers with hits for one group never open two cases."""

    __tablename__ = "alert_groups"

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    case_id: Mapped[str | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), default=None
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PendingEvaluation(Base):
    """Transactions stored but not yet evaluated: written with them, removed in the
    transaction that writes their alerts, so a killed worker leaves the row behind."""

    __tablename__ = "pending_evaluations"
    __table_args__ = (Index(None, "lease_expires_at"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    transaction_ids: Mapped[list[str]] = mapped_column()
    claim_id: Mapped[str | None] = mapped_column(String(24), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
