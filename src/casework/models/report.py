"""Regulatory reports (goAML, FinCEN SAR) drafted from a case and filed with an FIU.

A report belongs to its case and goes with it: deleted when the case is purged, kept
while the case is under legal hold. Its content is the draft an analyst edits
(``casework.reports.content``); once approved the XML is frozen in ``xml`` and a filed
report never changes again.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, Timestamps, id_column, str_enum
from casework.models.enums import ReportStatus


class Report(Timestamps, Base):
    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index(None, "tenant_id", "case_id"),
        # Deadlines across the tenant: the open reports by due date.
        Index(None, "tenant_id", "status", "due_on"),
        Index(None, "tenant_id", "review_on"),
    )

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    number: Mapped[int]
    format: Mapped[str] = mapped_column(String(20))
    # goAML: STR, SAR...; FinCEN: the filing type (initial, correct, continuing).
    report_code: Mapped[str] = mapped_column(String(20))
    status: Mapped[ReportStatus] = mapped_column(str_enum(ReportStatus), default=ReportStatus.draft)
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # When the suspicious activity was first detected: the deadlines count from it.
    detected_on: Mapped[date]
    suspect_identified: Mapped[bool] = mapped_column(default=True)
    due_on: Mapped[date | None] = mapped_column(default=None)
    # A filed FinCEN SAR: when the continuing-activity review falls, and when it was done
    # (a continuing report filed, or a note that the activity stopped).
    review_on: Mapped[date | None] = mapped_column(default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(default=None)
    review_note: Mapped[str | None] = mapped_column(Text, default=None)
    # The filed report this one amends (after the FIU rejected it, or to correct it) or
    # continues (FinCEN continuing activity); the reference it carries for the FIU.
    amends_report_id: Mapped[str | None] = mapped_column(
        ForeignKey("reports.id", ondelete="SET NULL"), default=None
    )
    continues_report_id: Mapped[str | None] = mapped_column(
        ForeignKey("reports.id", ondelete="SET NULL"), default=None
    )
    prior_reference: Mapped[str | None] = mapped_column(String(255), default=None)
    pending_decision_id: Mapped[str | None] = mapped_column(String(24), default=None)

    created_by_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_by_client_id: Mapped[str | None] = mapped_column(String(24), default=None)
    created_by_name: Mapped[str] = mapped_column(String(200))
    ready_by_name: Mapped[str | None] = mapped_column(String(200), default=None)
    ready_at: Mapped[datetime | None] = mapped_column(default=None)
    approved_by_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    approved_by_name: Mapped[str | None] = mapped_column(String(200), default=None)
    approved_at: Mapped[datetime | None] = mapped_column(default=None)
    # The XML as approved: what is filed is exactly what the second person saw.
    xml: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    xml_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    filed_by_name: Mapped[str | None] = mapped_column(String(200), default=None)
    filed_at: Mapped[datetime | None] = mapped_column(default=None)
    # The FIU's reference (goAML) or the BSA ID (FinCEN), and the acknowledgement date.
    reference: Mapped[str | None] = mapped_column(String(255), default=None)
    acknowledged_on: Mapped[date | None] = mapped_column(default=None)
    fiu_rejected_at: Mapped[datetime | None] = mapped_column(default=None)
    fiu_rejection_note: Mapped[str | None] = mapped_column(Text, default=None)


class ReportSchema(Base):
    """The XSD a tenant validates one format against (each FIU publishes its own goAML
    variant); without one, casework's own rules still check the required elements."""

    __tablename__ = "report_schemas"

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    format: Mapped[str] = mapped_column(String(20), primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    xsd: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_name: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime]
