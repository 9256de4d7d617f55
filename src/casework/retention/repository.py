"""Retention queries: what is due for deletion, and what still uses a document."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from casework.models import (
    Case,
    CaseAttachment,
    Check,
    Customer,
    Document,
    OutboxEvent,
    WebhookDelivery,
    WebhookDeliveryStatus,
)
from casework.models.enums import ProcessingStatus

RUNNING = (ProcessingStatus.pending, ProcessingStatus.processing)


def due_cases(session: Session, *, now: datetime, limit: int) -> list[Case]:
    """Cases past their deadline, without a legal hold, running checks, child cases or
    webhooks still to publish or deliver; longest due first."""
    child = aliased(Case)
    pending = WebhookDeliveryStatus.pending
    return list(
        session.scalars(
            select(Case)
            .where(
                Case.delete_after <= now,
                Case.legal_hold.is_(False),
                Case.processing_status.is_(None) | Case.processing_status.not_in(RUNNING),
                ~exists().where(child.parent_case_id == Case.id),
                ~exists().where(
                    WebhookDelivery.case_id == Case.id, WebhookDelivery.status == pending
                ),
                ~exists().where(OutboxEvent.case_id == Case.id),  # not even published yet
            )
            .order_by(Case.delete_after)
            .limit(limit)
        )
    )


def attached_documents(session: Session, case_id: str) -> list[Document]:
    return list(
        session.scalars(
            select(Document)
            .join(CaseAttachment, CaseAttachment.document_id == Document.id)
            .where(CaseAttachment.case_id == case_id)
        )
    )


def check_count(session: Session, case_id: str) -> int:
    """How many checks the case has, every attempt."""
    return len(session.scalars(select(Check.id).where(Check.case_id == case_id)).all())


def attached_anywhere(session: Session, document_id: str) -> bool:
    """Whether any case still has the document attached."""
    still_used = session.scalar(
        select(CaseAttachment.case_id).where(CaseAttachment.document_id == document_id)
    )
    return still_used is not None


def due_checks(session: Session, *, now: datetime, limit: int) -> list[Check]:
    """Checks past their own deadline, finished, on cases without a legal hold."""
    return list(
        session.scalars(
            select(Check)
            .join(Case, Case.id == Check.case_id)
            .where(
                Check.delete_after <= now,
                Check.status.not_in(RUNNING),
                Case.legal_hold.is_(False),
            )
            .limit(limit)
        )
    )


def due_customers(session: Session, *, now: datetime, limit: int) -> list[Customer]:
    """Customers past their deadline whom no case refers to any more."""
    return list(
        session.scalars(
            select(Customer)
            .where(Customer.delete_after <= now, ~exists().where(Case.customer_id == Customer.id))
            .limit(limit)
        )
    )


def unattached_documents(session: Session, customer_id: str) -> list[Document]:
    """The customer's documents that no case has attached."""
    return list(
        session.scalars(
            select(Document).where(
                Document.customer_id == customer_id,
                ~exists().where(CaseAttachment.document_id == Document.id),
            )
        )
    )


def due_documents(session: Session, *, now: datetime, limit: int) -> list[Document]:
    """Documents past their own deadline that no case under a legal hold keeps."""
    held = (
        select(CaseAttachment.document_id)
        .join(Case, Case.id == CaseAttachment.case_id)
        .where(Case.legal_hold.is_(True))
    )
    return list(
        session.scalars(
            select(Document)
            .where(Document.delete_after <= now, Document.id.not_in(held))
            .limit(limit)
        )
    )
