"""Check queries, with the matches each read needs (relationships are lazy="raise")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

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


def runnable(now: datetime, *, case_id: str | None = None) -> Select[Check]:
    """Checks a worker may take (of one case, or of any): queued and waiting, or
    stalled; oldest case first, each case's checks together."""
    stmt = select(Check).where(
        or_(
            (Check.status == ProcessingStatus.pending) & Check.queued_at.is_not(None),
            (Check.status == ProcessingStatus.processing) & (Check.lease_expires_at < now),
        ),
    )
    if case_id is not None:
        stmt = stmt.where(Check.case_id == case_id)
    return stmt.order_by(Check.case_id, Check.id)


def lock_ids(session: Session, check_ids: list[str]) -> dict[str, Check]:
    """The checks with these ids (taken by this worker, of any tenant), locked, in one
    order for every worker; by id. A check's matches are set when it finishes."""
    rows = list(
        session.scalars(
            select(Check).where(Check.id.in_(check_ids)).order_by(Check.id).with_for_update()
        )
    )
    for check in rows:
        if check.status is ProcessingStatus.processing:  # unfinished: no matches yet
            set_committed_value(check, "matches", [])
    return {check.id: check for check in rows}


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
