"""The audit trail: append-only events, chained per tenant by keyed MACs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, id_column, str_enum
from casework.models.enums import ActorType


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        UniqueConstraint("tenant_id", "seq"),
        Index(None, "tenant_id", "case_id", "seq"),
    )

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime]
    actor_type: Mapped[ActorType] = mapped_column(str_enum(ActorType))
    actor_user_id: Mapped[str | None] = mapped_column(String(24), default=None)
    actor_client_id: Mapped[str | None] = mapped_column(String(24), default=None)
    actor_name: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    # Not a foreign key: the trail must outlive what it describes.
    case_id: Mapped[str | None] = mapped_column(String(24), default=None)
    message: Mapped[str] = mapped_column(String(500), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The MAC key the link was made with; NULL for a link made before the chain was keyed.
    key_id: Mapped[str | None] = mapped_column(String(32), default=None)
    # Set when retention erased the event's content: the digest that content had, which
    # the chain still binds, so the trail verifies without the data it no longer holds.
    redacted_digest: Mapped[str | None] = mapped_column(String(64), default=None)


class AuditHead(Base):
    """The last link of a tenant's chain; its row lock orders concurrent appends."""

    __tablename__ = "audit_heads"

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    # The MAC of (tenant, seq, hash): a head moved back over removed events needs the key.
    key_id: Mapped[str | None] = mapped_column(String(32), default=None)
    mac: Mapped[str | None] = mapped_column(String(64), default=None)


class AuditSeal(Base):
    """Where a chain written before it was keyed ends, made by the upgrade that keyed it.

    Events up to ``seq`` keep their unkeyed links; ``link`` is the last of them and
    ``erased`` vouches for their erasures. The MAC makes the seal impossible to move.
    """

    __tablename__ = "audit_seals"

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(BigInteger)
    link: Mapped[str] = mapped_column(String(64))
    erased: Mapped[list[Any]]
    sealed_at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(32))
    mac: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """The last signed checkpoint of a tenant's chain (the file and the receiver hold
    them all); it tells the periodic job what is new and what is not yet delivered."""

    __tablename__ = "audit_checkpoints"

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(BigInteger)
    link: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime]
    record: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[datetime | None] = mapped_column(default=None)
    attempted_at: Mapped[datetime | None] = mapped_column(default=None)
