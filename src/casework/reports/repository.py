"""Reads of reports and of the tenants' report schemas."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.infra.errors import NotFound
from casework.infra.pagination import SortKey, paginate
from casework.models import Report, ReportSchema
from casework.models.enums import ReportStatus
from casework.reports.deadlines import OPEN


def get(session: Session, *, tenant_id: str, report_id: str, for_update: bool = False) -> Report:
    """The tenant's report (another tenant's is as missing as none); ``for_update`` locks
    it until the transaction ends."""
    stmt = select(Report).where(Report.id == report_id, Report.tenant_id == tenant_id)
    if for_update:
        stmt = stmt.with_for_update()
    report = session.scalars(stmt).one_or_none()
    if report is None:
        raise NotFound(f"report {report_id} not found")
    return report


def of_case(session: Session, *, tenant_id: str, case_id: str) -> list[Report]:
    stmt = (
        select(Report)
        .where(Report.tenant_id == tenant_id, Report.case_id == case_id)
        .order_by(Report.number)
    )
    return list(session.scalars(stmt))


def page(
    session: Session,
    *,
    tenant_id: str,
    statuses: Sequence[ReportStatus],
    format: str | None,
    due_before: date | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Report], str | None]:
    """The tenant's reports, newest first."""
    stmt = select(Report).where(Report.tenant_id == tenant_id)
    if statuses:
        stmt = stmt.where(Report.status.in_(statuses))
    if format is not None:
        stmt = stmt.where(Report.format == format)
    if due_before is not None:
        stmt = stmt.where(Report.due_on < due_before, Report.status.in_(OPEN))
    key = SortKey(column=None, id_column=Report.id, descending=True)
    return paginate(stmt, key=key, cursor=cursor, limit=limit, session=session, value_of=None)


def deadlines(session: Session, *, tenant_id: str, until: date, limit: int) -> list[Report]:
    """Reports with a deadline on or before ``until``: filings still owed, and filed
    FinCEN SARs whose continuing-activity review is not done; soonest first."""
    owed = (
        select(Report)
        .where(Report.tenant_id == tenant_id, Report.status.in_(OPEN), Report.due_on <= until)
        .order_by(Report.due_on, Report.number)
        .limit(limit)
    )
    reviews = (
        select(Report)
        .where(
            Report.tenant_id == tenant_id,
            Report.status == ReportStatus.filed,
            Report.review_on <= until,
            Report.reviewed_at.is_(None),
        )
        .order_by(Report.review_on, Report.number)
        .limit(limit)
    )
    found = [*session.scalars(owed), *session.scalars(reviews)]
    found.sort(key=lambda r: (_next_date(r), r.number))
    return found[:limit]


def _next_date(report: Report) -> date:
    if report.status in OPEN and report.due_on is not None:
        return report.due_on
    return report.review_on or date.max


def next_due_by_case(
    session: Session, *, tenant_id: str, case_ids: Sequence[str]
) -> dict[str, date]:
    """For each of ``case_ids``, the earliest due date of a report still owed."""
    if not case_ids:
        return {}
    stmt = select(Report.case_id, Report.due_on).where(
        Report.tenant_id == tenant_id,
        Report.case_id.in_(case_ids),
        Report.status.in_(OPEN),
        Report.due_on.is_not(None),
    )
    found: dict[str, date] = {}
    for case_id, due in session.execute(stmt):
        if due is not None and (case_id not in found or due < found[case_id]):
            found[case_id] = due
    return found


def schema_of(session: Session, *, tenant_id: str, format: str) -> ReportSchema | None:
    return session.get(ReportSchema, (tenant_id, format))
