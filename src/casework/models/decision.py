"""A decision held for a second person (four-eyes): proposed by one, approved or
rejected by another, and applied only once approved."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, id_column, str_enum, utcnow
from casework.models.enums import DecisionStatus


class Decision(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        Index(None, "tenant_id", "case_id", "proposed_at"),
        Index(None, "tenant_id", "status", "proposed_at"),
    )

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    # What is decided ("resolution") and the change it makes once approved, as asked.
    kind: Mapped[str] = mapped_column(String(40))
    change: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Why the policy holds it for a second person, one reason per rule it met.
    reasons: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[DecisionStatus] = mapped_column(
        str_enum(DecisionStatus), default=DecisionStatus.pending
    )
    proposed_by_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    proposed_by_client_id: Mapped[str | None] = mapped_column(String(24), default=None)
    proposed_by_name: Mapped[str] = mapped_column(String(200))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_by_name: Mapped[str | None] = mapped_column(String(200), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decision_note: Mapped[str | None] = mapped_column(Text, default=None)
