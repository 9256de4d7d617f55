"""Reads of decisions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.infra.errors import NotFound
from casework.models import Decision, Report, ScreeningMatch
from casework.models.enums import DecisionStatus


def get(
    session: Session, *, tenant_id: str, decision_id: str, for_update: bool = False
) -> Decision:
    """The tenant's decision (another tenant's is as missing as none); ``for_update``
    locks it until the transaction ends, so that two people cannot both decide it."""
    stmt = select(Decision).where(Decision.id == decision_id, Decision.tenant_id == tenant_id)
    if for_update:
        stmt = stmt.with_for_update()
    decision = session.scalars(stmt).one_or_none()
    if decision is None:
        raise NotFound(f"decision {decision_id} not found")
    return decision


def of_case(session: Session, *, tenant_id: str, case_id: str) -> list[Decision]:
    """The case's decisions, oldest first."""
    stmt = (
        select(Decision)
        .where(Decision.tenant_id == tenant_id, Decision.case_id == case_id)
        .order_by(Decision.proposed_at, Decision.id)
    )
    return list(session.scalars(stmt))


def matches_waiting_on(
    session: Session, *, tenant_id: str, decision_id: str
) -> list[ScreeningMatch]:
    """The screening matches a pending decision holds."""
    stmt = select(ScreeningMatch).where(
        ScreeningMatch.tenant_id == tenant_id, ScreeningMatch.pending_decision_id == decision_id
    )
    return list(session.scalars(stmt))


def pending_of_case(session: Session, *, tenant_id: str, case_id: str) -> list[Decision]:
    """The case's decisions that wait for a second person, oldest first."""
    stmt = (
        select(Decision)
        .where(
            Decision.tenant_id == tenant_id,
            Decision.case_id == case_id,
            Decision.status == DecisionStatus.pending,
        )
        .order_by(Decision.proposed_at, Decision.id)
    )
    return list(session.scalars(stmt))


def report(session: Session, *, tenant_id: str, report_id: str, for_update: bool = False) -> Report:
    """The report a decision is about."""
    stmt = select(Report).where(Report.id == report_id, Report.tenant_id == tenant_id)
    if for_update:
        stmt = stmt.with_for_update()
    found = session.scalars(stmt).one_or_none()
    if found is None:
        raise NotFound(f"report {report_id} not found")
    return found
