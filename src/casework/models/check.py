"""Automated checks on a case's customer, and the screening matches they found."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.models.base import Base, Timestamps, id_column, str_enum
from casework.models.enums import CheckType, MatchDecision, Outcome, ProcessingStatus
from casework.models.identity import User


class Check(Timestamps, Base):
    """One attempt of one check on a case. A rerun adds attempts; earlier ones stay."""

    __tablename__ = "checks"
    __table_args__ = (
        Index(None, "tenant_id", "case_id", "attempt"),
        # The recovery sweep's access path: unfinished work, oldest lease first.
        Index(None, "status", "lease_expires_at"),
        Index(None, "delete_after"),
        UniqueConstraint("tenant_id", "number"),
    )

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(default=None)  # see tenants.numbering
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    type: Mapped[CheckType] = mapped_column(str_enum(CheckType))
    attempt: Mapped[int] = mapped_column(default=1)
    status: Mapped[ProcessingStatus] = mapped_column(
        str_enum(ProcessingStatus), default=ProcessingStatus.pending
    )
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    input_details: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    document_ids: Mapped[list[str]] = mapped_column(default=list)
    risk_score: Mapped[float | None] = mapped_column(default=None)
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome), default=None)
    title: Mapped[str | None] = mapped_column(String(300), default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    reasoning: Mapped[list[str]] = mapped_column(default=list)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dataset_versions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    # A worker that takes the check sets this; past it, the sweep may hand it to another.
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set when the check is asked to run (at creation with auto_start, or by start).
    queued_at: Mapped[datetime | None] = mapped_column(default=None)
    delete_after: Mapped[datetime | None] = mapped_column(default=None)

    matches: Mapped[list[ScreeningMatch]] = relationship(
        lazy="raise", order_by="ScreeningMatch.position", cascade="all, delete-orphan"
    )


class ScreeningMatch(Base):
    """A listed entity a screening check found, with the analyst's decision on it."""

    __tablename__ = "screening_matches"
    __table_args__ = (Index(None, "check_id", "position"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    check_id: Mapped[str] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"))
    position: Mapped[int]
    subject: Mapped[str] = mapped_column(String(400))  # who was screened: customer, a director
    subject_role: Mapped[str] = mapped_column(String(40))
    dataset: Mapped[str] = mapped_column(String(63))
    entity_key: Mapped[str] = mapped_column(String(200))
    caption: Mapped[str] = mapped_column(String(500))
    schema: Mapped[str] = mapped_column(String(40))
    topics: Mapped[list[str]] = mapped_column(default=list)
    programs: Mapped[list[str]] = mapped_column(default=list)
    score: Mapped[float]
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    decision: Mapped[MatchDecision] = mapped_column(
        str_enum(MatchDecision), default=MatchDecision.unreviewed
    )
    decision_note: Mapped[str | None] = mapped_column(Text, default=None)
    decided_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    # The list version that no longer holds the entity, noted by ongoing monitoring.
    delisted_version: Mapped[int | None] = mapped_column(default=None)
    # A decision on this match that waits for a second person (see Decision).
    pending_decision_id: Mapped[str | None] = mapped_column(String(24), default=None)

    decided_by: Mapped[User | None] = relationship(lazy="raise")
