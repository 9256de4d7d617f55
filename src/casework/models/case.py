"""The case aggregate: a case with its checklist, comments and attachments."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.models.base import (
    Base,
    ExactDecimal,
    IntEnumType,
    Timestamps,
    id_column,
    str_enum,
    utcnow,
)
from casework.models.case_config import CaseConfig
from casework.models.customer import Customer
from casework.models.document import Document
from casework.models.enums import (
    CreatedByType,
    Module,
    Outcome,
    Priority,
    ProcessingStatus,
    Resolution,
    ReviewStatus,
)
from casework.models.identity import User

if TYPE_CHECKING:
    from casework.models.check import Check


class Case(Timestamps, Base):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        # The queue's main access paths: by status then priority or creation, newest first.
        Index(None, "tenant_id", "review_status", "priority", "id"),
        Index(None, "tenant_id", "review_status", "id"),
        Index(None, "tenant_id", "assignee_id", "review_status"),
        Index(None, "tenant_id", "due_date"),
        Index(None, "tenant_id", "customer_id"),
        # Child cases of a dual config, read on every roll-up of the parent.
        Index(None, "parent_case_id"),
        Index(None, "related_case_id"),
        Index(None, "created_by_rule_id"),
        Index(None, "delete_after"),
        Index(None, "rfi_requested_at"),
        # The console queue's tabs in their default order (newest first), and the priority
        # sort over all cases: each reads one page off an index instead of sorting the tenant.
        Index(None, "tenant_id", "id"),
        Index(None, "tenant_id", "assignee_id", "id"),
        Index(None, "tenant_id", "is_escalated", "id"),
        Index(None, "tenant_id", "priority", "id"),
    )

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[Priority] = mapped_column(IntEnumType(Priority), default=Priority.medium)
    module: Mapped[Module | None] = mapped_column(str_enum(Module), default=None)
    custom_module: Mapped[str | None] = mapped_column(String(100), default=None)
    record_id: Mapped[str | None] = mapped_column(String(200), default=None)
    record_type: Mapped[str | None] = mapped_column(String(100), default=None)
    record_name: Mapped[str | None] = mapped_column(String(300), default=None)
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"), default=None)
    # How the creating request named the customer, where a dialect names it back that way
    # (Sumsub's applicantId: the customer's id or its external id).
    customer_ref: Mapped[str | None] = mapped_column(String(200), default=None)
    config_id: Mapped[str | None] = mapped_column(ForeignKey("case_configs.id"), default=None)
    parent_case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), default=None)
    # An ongoing-monitoring case points to the case whose screening it continues.
    related_case_id: Mapped[str | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), default=None
    )

    review_status: Mapped[ReviewStatus] = mapped_column(
        str_enum(ReviewStatus), default=ReviewStatus.open
    )
    resolution: Mapped[Resolution | None] = mapped_column(str_enum(Resolution), default=None)
    resolution_note: Mapped[str | None] = mapped_column(Text, default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    # A decision about this case that waits for a second person (see Decision); no
    # foreign key, so that the two tables do not refer to each other.
    pending_decision_id: Mapped[str | None] = mapped_column(String(24), default=None)
    processing_status: Mapped[ProcessingStatus | None] = mapped_column(
        str_enum(ProcessingStatus), default=None
    )
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome), default=None)
    risk_score: Mapped[float | None] = mapped_column(default=None)

    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    assigned_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    assigned_at: Mapped[datetime | None] = mapped_column(default=None)
    is_escalated: Mapped[bool] = mapped_column(default=False)
    escalated_to_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(default=None)
    due_date: Mapped[datetime | None] = mapped_column(default=None)

    created_by_type: Mapped[CreatedByType] = mapped_column(str_enum(CreatedByType))
    created_by_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_by_client_id: Mapped[str | None] = mapped_column(
        ForeignKey("api_clients.id"), default=None
    )
    # A rule-created case: the rule (id, name, title, revision) that opened it, as it was.
    created_by_rule_id: Mapped[str | None] = mapped_column(
        ForeignKey("rules.id", ondelete="SET NULL"), default=None
    )
    created_by_rule: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    group_by_type: Mapped[str | None] = mapped_column(String(40), default=None)
    total_amount_in_default_currency: Mapped[Decimal | None] = mapped_column(
        ExactDecimal(20, 4), default=None
    )
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    # A request for information out to the customer, and when it was emailed to them.
    rfi: Mapped[str | None] = mapped_column(Text, default=None)
    rfi_requested_at: Mapped[datetime | None] = mapped_column(default=None)
    rfi_sent_at: Mapped[datetime | None] = mapped_column(default=None)
    # The API a case was created through, when its webhook payload takes that API's shape.
    dialect: Mapped[str | None] = mapped_column(String(20), default=None)
    webhook_url: Mapped[str | None] = mapped_column(String(2000), default=None)
    legal_hold: Mapped[bool] = mapped_column(default=False)
    delete_after: Mapped[datetime | None] = mapped_column(default=None)

    customer: Mapped[Customer | None] = relationship(lazy="raise")
    config: Mapped[CaseConfig | None] = relationship(lazy="raise")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="raise")
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id], lazy="raise")
    escalated_to: Mapped[User | None] = relationship(foreign_keys=[escalated_to_id], lazy="raise")
    tasks: Mapped[list[Task]] = relationship(
        lazy="raise", order_by="Task.position", cascade="all, delete-orphan"
    )
    comments: Mapped[list[Comment]] = relationship(
        lazy="raise", order_by="Comment.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[CaseAttachment]] = relationship(
        lazy="raise", order_by="CaseAttachment.attached_at", cascade="all, delete-orphan"
    )
    checks: Mapped[list[Check]] = relationship(lazy="raise", order_by="Check.id", viewonly=True)


class Task(Base):
    """A checklist item."""

    __tablename__ = "case_tasks"
    __table_args__ = (Index(None, "case_id", "position"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(1000))
    position: Mapped[int]
    done: Mapped[bool] = mapped_column(default=False)
    done_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    done_by: Mapped[User | None] = relationship(lazy="raise")


class Comment(Base):
    __tablename__ = "case_comments"
    __table_args__ = (Index(None, "case_id", "id"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(lazy="raise")


class CaseAttachment(Base):
    __tablename__ = "case_attachments"

    case_id: Mapped[str] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    attached_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    attached_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship(lazy="raise")


class CaseTransaction(Base):
    """A transaction linked to a case (by the alerts that put it there, or by hand)."""

    __tablename__ = "case_transactions"
    __table_args__ = (Index(None, "transaction_id"),)

    case_id: Mapped[str] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    transaction_id: Mapped[str] = mapped_column(
        ForeignKey("transactions.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
