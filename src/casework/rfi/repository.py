"""Queries of requests for information: the cases whose request waits for the mailer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from casework.models import Case


def unsent(session: Session, *, requested_after: datetime, limit: int) -> list[str]:
    """Cases whose latest request, made after ``requested_after``, the mailer has not
    dealt with; oldest request first."""
    return list(
        session.scalars(
            select(Case.id)
            .where(
                Case.rfi_requested_at > requested_after,
                or_(Case.rfi_sent_at.is_(None), Case.rfi_sent_at < Case.rfi_requested_at),
            )
            .order_by(Case.rfi_requested_at)
            .limit(limit)
        )
    )


def case_with_customer(session: Session, case_id: str) -> Case | None:
    """The case (of any tenant: the mailer works for all) with its customer."""
    return session.scalar(select(Case).options(joinedload(Case.customer)).where(Case.id == case_id))


def lock_case(session: Session, case_id: str) -> Case | None:
    return session.scalar(select(Case).where(Case.id == case_id).with_for_update())
