"""Monitoring queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import Session, selectinload

from casework.infra import repository as base
from casework.infra.pagination import SortKey
from casework.models import Case, Check, MonitoredCustomer, MonitoringRun, ScreeningMatch
from casework.models.enums import CreatedByType, MatchDecision, ReviewStatus

CLOSED = (ReviewStatus.resolved, ReviewStatus.closed)


def page(
    session: Session, *, after: str | None, limit: int, tenant_id: str | None = None
) -> Sequence[Row[Any]]:
    """The next monitored customers of every tenant (or of ``tenant_id`` only), in id
    order."""
    stmt = select(
        MonitoredCustomer.id, MonitoredCustomer.checks, MonitoredCustomer.subjects
    ).order_by(MonitoredCustomer.id)
    if after is not None:
        stmt = stmt.where(MonitoredCustomer.id > after)
    if tenant_id is not None:
        stmt = stmt.where(MonitoredCustomer.tenant_id == tenant_id)
    return session.execute(stmt.limit(limit)).all()


def monitored_count(session: Session) -> int:
    """How many customers are monitored, of every tenant."""
    return session.scalar(select(func.count()).select_from(MonitoredCustomer)) or 0


def lock_enrolment(
    session: Session, *, tenant_id: str, customer_id: str, reread: bool = False
) -> MonitoredCustomer | None:
    """The customer's enrolment, locked; with ``reread``, read afresh even if this session
    holds it (another writer may have just made it)."""
    stmt = (
        select(MonitoredCustomer)
        .where(
            MonitoredCustomer.tenant_id == tenant_id,
            MonitoredCustomer.customer_id == customer_id,
        )
        .with_for_update()
    )
    if reread:
        stmt = stmt.execution_options(populate_existing=True)
    return session.scalar(stmt)


def enrolment_page(
    session: Session,
    *,
    tenant_id: str,
    customer_id: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[MonitoredCustomer], str | None]:
    """The tenant's monitored customers, newest enrolment first."""
    stmt = select(MonitoredCustomer).where(MonitoredCustomer.tenant_id == tenant_id)
    if customer_id:
        stmt = stmt.where(MonitoredCustomer.customer_id == customer_id)
    key = SortKey(column=None, id_column=MonitoredCustomer.id, descending=True)
    return base.keyset_page(session, stmt, key=key, cursor=cursor, limit=limit)


def lock_monitored(session: Session, monitored_id: str) -> MonitoredCustomer | None:
    return session.scalar(
        select(MonitoredCustomer).where(MonitoredCustomer.id == monitored_id).with_for_update()
    )


def known_entities(session: Session, *, tenant_id: str, customer_id: str) -> set[tuple[str, str]]:
    """(dataset, entity key) of the customer's matches an analyst decided, or that wait
    for a decision on an open case: a rescreen does not raise these again."""
    rows = session.execute(
        select(ScreeningMatch.dataset, ScreeningMatch.entity_key)
        .join(Check, Check.id == ScreeningMatch.check_id)
        .join(Case, Case.id == Check.case_id)
        .where(
            Case.tenant_id == tenant_id,
            Case.customer_id == customer_id,
            or_(
                ScreeningMatch.decision != MatchDecision.unreviewed,
                Case.review_status.not_in(CLOSED),
            ),
        )
    )
    return {(row.dataset, row.entity_key) for row in rows}


def open_ongoing_case(session: Session, *, tenant_id: str, customer_id: str) -> Case | None:
    """The customer's open ongoing-monitoring case, locked, if there is one."""
    return session.scalar(
        select(Case)
        .where(
            Case.tenant_id == tenant_id,
            Case.customer_id == customer_id,
            Case.created_by_type == CreatedByType.by_ongoing_aml_hit,
            Case.review_status.not_in(CLOSED),
        )
        .order_by(Case.id.desc())
        .limit(1)
        .with_for_update()
    )


def latest_check(session: Session, *, case_id: str, check_type: Any) -> Check | None:
    return session.scalar(
        select(Check)
        .where(Check.case_id == case_id, Check.type == check_type)
        .options(selectinload(Check.matches))
        .order_by(Check.attempt.desc())
        .limit(1)
        .with_for_update()
    )


def delisted_matches(
    session: Session,
    *,
    dataset: str,
    keys: Sequence[str],
    tenant_id: str | None = None,
) -> list[tuple[ScreeningMatch, str, str]]:
    """Matches on open cases (of ``tenant_id`` only, when given) with entities the
    dataset no longer lists, not yet noted: (match, tenant id, case id)."""
    stmt = (
        select(ScreeningMatch, Case.tenant_id, Case.id.label("case_id"))
        .join(Check, Check.id == ScreeningMatch.check_id)
        .join(Case, Case.id == Check.case_id)
        .where(
            ScreeningMatch.dataset == dataset,
            ScreeningMatch.entity_key.in_(keys),
            ScreeningMatch.delisted_version.is_(None),
            Case.review_status.not_in(CLOSED),
        )
        .order_by(Case.id, ScreeningMatch.id)
    )
    if tenant_id is not None:
        stmt = stmt.where(Case.tenant_id == tenant_id)
    rows = session.execute(stmt)
    return [(match, tenant_id, case_id) for match, tenant_id, case_id in rows]


def lock_run(session: Session, run_id: str) -> MonitoringRun | None:
    return session.scalar(select(MonitoringRun).where(MonitoringRun.id == run_id).with_for_update())


def unfinished_runs(session: Session, *, now: datetime, limit: int) -> list[str]:
    """Runs not started, or whose worker's lease ran out."""
    return list(
        session.scalars(
            select(MonitoringRun.id)
            .where(
                or_(
                    MonitoringRun.status == "pending",
                    (MonitoringRun.status == "running") & (MonitoringRun.lease_expires_at < now),
                )
            )
            .order_by(MonitoringRun.created_at)
            .limit(limit)
        )
    )


def unfinished_versions(
    session: Session, versions: Sequence[tuple[str, int]]
) -> set[tuple[str, int]]:
    """Which of these (dataset id, version) pairs have a run not yet done."""
    if not versions:
        return set()
    datasets = sorted({dataset for dataset, _ in versions})
    rows = session.execute(
        select(MonitoringRun.dataset_id, MonitoringRun.version).where(
            MonitoringRun.dataset_id.in_(datasets), MonitoringRun.status != "done"
        )
    )
    wanted = set(versions)
    return {(row.dataset_id, row.version) for row in rows} & wanted
