"""Check queries, with the matches each read needs (relationships are lazy="raise")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from casework.models import Check
from casework.models.enums import ProcessingStatus


def get(
    session: Session, *, tenant_id: str, check_id: str, for_update: bool = False
) -> Check | None:
    stmt = (
        select(Check)
        .where(Check.id == check_id, Check.tenant_id == tenant_id)
        .options(selectinload(Check.matches))
    )
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one_or_none()


def lock_many(session: Session, *, tenant_id: str, check_ids: list[str]) -> dict[str, Check]:
    """The checks with these ids, locked, with their matches; by id."""
    rows = session.scalars(
        select(Check)
        .where(Check.tenant_id == tenant_id, Check.id.in_(check_ids))
        .options(selectinload(Check.matches))
        .order_by(Check.id)  # one lock order for every worker
        .with_for_update()
    )
    return {check.id: check for check in rows}


def runnable(case_id: str, now: datetime) -> Select[Check]:
    """The checks of a case a worker may take: queued and waiting, or stalled."""
    return (
        select(Check)
        .where(
            Check.case_id == case_id,
            or_(
                (Check.status == ProcessingStatus.pending) & Check.queued_at.is_not(None),
                (Check.status == ProcessingStatus.processing) & (Check.lease_expires_at < now),
            ),
        )
        .order_by(Check.id)
    )


def cases_with_unfinished_work(session: Session, now: datetime, limit: int) -> list[str]:
    """Cases whose queued checks wait or whose started checks stalled (the sweep)."""
    rows = session.scalars(
        select(Check.case_id)
        .where(
            or_(
                (Check.status == ProcessingStatus.pending) & Check.queued_at.is_not(None),
                (Check.status == ProcessingStatus.processing) & (Check.lease_expires_at < now),
            )
        )
        .distinct()
        .limit(limit)
    )
    return list(rows)
