"""Case queries, with the eager loading each read needs (relationships are lazy="raise")."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload

from casework.errors import NotFound
from casework.models import AuditEvent, Case, CaseAttachment, Comment, Task
from casework.tenants import numbering


def full_case_options() -> list[Any]:
    return [
        joinedload(Case.customer),
        joinedload(Case.config),
        joinedload(Case.assignee),
        joinedload(Case.assigned_by),
        joinedload(Case.escalated_to),
        selectinload(Case.tasks).joinedload(Task.done_by),
        selectinload(Case.comments).joinedload(Comment.author),
        selectinload(Case.attachments).joinedload(CaseAttachment.document),
    ]


def cases_of(tenant_id: str) -> Select[Case]:
    return select(Case).where(Case.tenant_id == tenant_id)


def get(session: Session, *, tenant_id: str, case_id: str, for_update: bool = False) -> Case:
    stmt = cases_of(tenant_id).where(Case.id == case_id).options(*full_case_options())
    if for_update:
        stmt = stmt.with_for_update(of=Case)
    case = session.scalars(stmt).unique().one_or_none()
    if case is None:
        raise NotFound(f"case {case_id} not found")
    return case


def number_to_id(session: Session, *, tenant_id: str, number: int) -> str:
    """The id of the tenant's case ``number`` (the integer id some APIs use)."""
    case_id = (
        session.scalar(select(Case.id).where(Case.tenant_id == tenant_id, Case.number == number))
        if numbering.in_range(number)
        else None
    )
    if case_id is None:
        raise NotFound(f"case {number} not found")
    return case_id


def reload(session: Session, case: Case) -> Case:
    """Re-read a case with everything a response shows, after changes were flushed."""
    session.expire(case)
    return get(session, tenant_id=case.tenant_id, case_id=case.id)


def log(session: Session, *, tenant_id: str, case_id: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.tenant_id == tenant_id, AuditEvent.case_id == case_id)
            .order_by(AuditEvent.seq)
        )
    )
