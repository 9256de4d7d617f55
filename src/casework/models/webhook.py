"""Webhooks: a tenant's endpoints, the events delivered to them and every attempt made."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.models.base import Base, JSONType, Timestamps, id_column, str_enum, utcnow


class WebhookEventType(StrEnum):
    case_created = "case.created"
    case_updated = "case.updated"
    case_assigned = "case.assigned"
    case_escalated = "case.escalated"
    case_resolved = "case.resolved"
    case_completed = "case.completed"
    check_completed = "check.completed"
    decision_proposed = "decision.proposed"
    decision_approved = "decision.approved"
    decision_rejected = "decision.rejected"


class WebhookDeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    # Retried for the whole retry window without a 2xx.
    failed = "failed"
    # Given up early: the endpoint was disabled or deleted, or the receiver answered 410.
    abandoned = "abandoned"


class WebhookEndpoint(Timestamps, Base):
    """A receiver a tenant registered, the events it wants and its signing secrets.

    Secrets are stored encrypted (they must be usable to sign, so they cannot be
    hashed). During a rotation the previous secret keeps signing until it expires, so
    receivers can switch over without losing events.
    """

    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index(None, "tenant_id", "id"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500), default="")
    event_types: Mapped[list[str]] = mapped_column(default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)
    disabled_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    secret_encrypted: Mapped[str] = mapped_column(Text)
    previous_secret_encrypted: Mapped[str | None] = mapped_column(Text, default=None)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(default=None)


class WebhookDelivery(Base):
    """One event for one receiver. Its id is the ``webhook-id`` header, the same on every
    attempt and replay, so receivers can drop duplicates.

    ``next_attempt_at`` is the durable retry schedule: set while pending, cleared once
    the delivery is settled, so a sweep of due rows finds all outstanding work.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index(None, "tenant_id", "id"),
        Index(None, "endpoint_id", "status"),
        Index(None, "next_attempt_at"),
        Index(None, "case_id", "status"),
    )

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    endpoint_id: Mapped[str | None] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="SET NULL"), default=None
    )
    # Set instead of endpoint_id when the event goes to a case's own webhook URL.
    url: Mapped[str | None] = mapped_column(String(2000), default=None)
    # The case the event is about (not a foreign key: history outlives the case), so
    # retention can wait until a case's webhooks are out.
    case_id: Mapped[str | None] = mapped_column(String(24), default=None)
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # False: the body is the payload itself, as integrations written for another API
    # (a dialect's case webhook) expect, not casework's {type, timestamp, data}.
    enveloped: Mapped[bool] = mapped_column(default=True, server_default=true())
    status: Mapped[WebhookDeliveryStatus] = mapped_column(
        str_enum(WebhookDeliveryStatus), default=WebhookDeliveryStatus.pending
    )
    # Attempts in the current cycle (a replay starts a new one); the backoff follows it.
    attempt_count: Mapped[int] = mapped_column(default=0)
    first_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    # Identifies the worker's claim on the attempt in flight, so a late result from a
    # claim that expired (or was replaced by a replay) cannot settle the delivery.
    claim_id: Mapped[str | None] = mapped_column(String(24), default=None)
    last_status_code: Mapped[int | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)

    attempts: Mapped[list[WebhookAttempt]] = relationship(
        lazy="raise", order_by="WebhookAttempt.attempted_at", viewonly=True
    )


class WebhookAttempt(Base):
    """One HTTP request made for a delivery, kept across replays."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index(None, "delivery_id", "attempted_at"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    delivery_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    duration_ms: Mapped[int] = mapped_column(default=0)
    status_code: Mapped[int | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    response_excerpt: Mapped[str | None] = mapped_column(String(500), default=None)


class WebhookCursor(Base):
    """How far a tenant's audit trail has been published as webhook events.

    The trail is the outbox of case changes: every change commits its audit event with
    it, and a job turns the events after this cursor into deliveries, moving the cursor
    in the same transaction. Nothing is published twice, and nothing committed is missed.
    """

    __tablename__ = "webhook_cursors"

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(BigInteger)


class OutboxEvent(Base):
    """An outbound event the audit trail does not record (a check or a case finished),
    queued in the transaction that caused it and deleted by the transaction that
    publishes it, which also makes its deliveries: published once, never lost.

    It names what it is about rather than holding a payload: the body is shaped when it
    is published, as for the audit trail's events.
    """

    __tablename__ = "outbox_events"
    __table_args__ = (Index(None, "tenant_id", "id"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(40))
    # What the payload shows: a kind that has a shaper ("case", "check") and its id.
    subject: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(24))
    case_id: Mapped[str | None] = mapped_column(String(24), default=None)
    # Also sent to this URL (a case's own webhook_url), in the shape named by
    # ``url_variant`` when one is registered for it (the API the case was created
    # through), else in the native shape.
    case_url: Mapped[str | None] = mapped_column(String(2000), default=None)
    url_variant: Mapped[str | None] = mapped_column(String(40), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
