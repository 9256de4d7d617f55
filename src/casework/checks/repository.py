"""Check queries, with the matches each read needs (relationships are lazy="raise")."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from casework.models import Case, Check
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


def current(session: Session, *, tenant_id: str, case_id: str) -> list[Check]:
    """The latest attempt of each of the case's checks, with their matches."""
    latest = (
        select(func.max(Check.attempt))
        .where(Check.tenant_id == tenant_id, Check.case_id == case_id)
        .scalar_subquery()
    )
    return list(
        session.scalars(
            select(Check)
            .where(Check.tenant_id == tenant_id, Check.case_id == case_id, Check.attempt == latest)
            .options(selectinload(Check.matches))
            .order_by(Check.id)
        )
    )


def current_by_case(session: Session, cases: Sequence[Case]) -> dict[str, list[Check]]:
    """The latest attempt of each case's checks (without matches), read with one query
    for all; by case id."""
    by_case: dict[str, list[Check]] = {case.id: [] for case in cases}
    if not cases:
        return by_case
    tenants = sorted({case.tenant_id for case in cases})
    rows = session.scalars(
        select(Check)
        .where(Check.tenant_id.in_(tenants), Check.case_id.in_(by_case))
        .order_by(Check.attempt, Check.id)
    )
    for check in rows:
        found = by_case[check.case_id]
        if found and found[0].attempt < check.attempt:
            found.clear()
        found.append(check)
    return by_case


def every_attempt(session: Session, *, tenant_id: str, case_id: str) -> list[Check]:
    """All the case's checks, every attempt, with their matches, oldest first."""
    return list(
        session.scalars(
            select(Check)
            .where(Check.tenant_id == tenant_id, Check.case_id == case_id)
            .options(selectinload(Check.matches))
            .order_by(Check.attempt, Check.id)
        )
    )


def current_results(session: Session, cases: Collection[Case]) -> list[Row[*tuple[Any, ...]]]:
    """(case id, status, risk score, outcome) of the latest attempt of the cases'
    checks, for rolling them up."""
    ids = [case.id for case in cases]
    # With the tenant, the (tenant, case, attempt) index serves the look-up.
    tenants = sorted({case.tenant_id for case in cases})
    latest = (
        select(Check.case_id, func.max(Check.attempt).label("attempt"))
        .where(Check.tenant_id.in_(tenants), Check.case_id.in_(ids))
        .group_by(Check.case_id)
        .subquery()
    )
    return list(
        session.execute(
            select(Check.case_id, Check.status, Check.risk_score, Check.outcome)
            .join(latest, (Check.case_id == latest.c.case_id) & (Check.attempt == latest.c.attempt))
            .where(Check.tenant_id.in_(tenants), Check.case_id.in_(ids))
        )
    )


def with_matches(session: Session, *, tenant_id: str, ids: Sequence[str]) -> list[Check]:
    """The tenant's checks with these ids, with their matches."""
    stmt = (
        select(Check)
        .where(Check.tenant_id == tenant_id, Check.id.in_(list(ids)))
        .options(selectinload(Check.matches))
    )
    return list(session.scalars(stmt))
