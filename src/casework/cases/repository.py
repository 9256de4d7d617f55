"""Case queries, with the eager loading each read needs (relationships are lazy="raise")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Select, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from casework.auth.principal import Principal
from casework.cases.listing import CaseFilters, CaseSort, conditions, sort_key
from casework.infra import repository as base
from casework.infra.errors import NotFound
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


def child_results(session: Session, parent_ids: Sequence[str]) -> list[Row[*tuple[Any, ...]]]:
    """(parent case id, processing status, risk score, outcome) of the child cases of
    these cases that have been processed, for rolling them up into their parents."""
    return list(
        session.execute(
            select(
                Case.parent_case_id, Case.processing_status, Case.risk_score, Case.outcome
            ).where(Case.parent_case_id.in_(parent_ids), Case.processing_status.is_not(None))
        )
    )


def has_children(session: Session, case_id: str) -> bool:
    """Whether any case names this one as its parent."""
    return bool(session.scalar(select(Case.id).where(Case.parent_case_id == case_id).limit(1)))


def by_ids(session: Session, case_ids: Sequence[str], *, full: bool = False) -> dict[str, Case]:
    """The cases with these ids (already known to the caller), by id; ``full`` loads all a
    case's payload shows."""
    stmt = select(Case).where(Case.id.in_(list(case_ids)))
    if full:
        stmt = stmt.options(*full_case_options())
    return {case.id: case for case in session.scalars(stmt).unique()}


def continuing(session: Session, case: Case) -> list[str]:
    """The ids of the cases opened from ``case`` (its children) or that continue it."""
    return list(
        session.scalars(
            select(Case.id)
            .where(
                Case.tenant_id == case.tenant_id,
                or_(Case.parent_case_id == case.id, Case.related_case_id == case.id),
            )
            .order_by(Case.id)
        )
    )


def reload(session: Session, case: Case) -> Case:
    """Re-read a case with everything a response shows, after changes were flushed."""
    session.expire(case)
    return get(session, tenant_id=case.tenant_id, case_id=case.id)


def log(
    session: Session,
    *,
    tenant_id: str,
    case_id: str,
    newest_first: bool = False,
    before: int | None = None,
    limit: int | None = None,
) -> list[AuditEvent]:
    """The case's audit events, oldest first (or newest first); with ``before``, only
    those older than that sequence number, and with ``limit``, that many at most."""
    stmt = select(AuditEvent).where(
        AuditEvent.tenant_id == tenant_id, AuditEvent.case_id == case_id
    )
    if before is not None:
        stmt = stmt.where(AuditEvent.seq < before)
    stmt = stmt.order_by(AuditEvent.seq.desc() if newest_first else AuditEvent.seq)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def last_event(session: Session, *, tenant_id: str, case_id: str, action: str) -> AuditEvent | None:
    """The case's latest audit event of ``action``."""
    stmt = (
        select(AuditEvent)
        .where(
            AuditEvent.tenant_id == tenant_id,
            AuditEvent.case_id == case_id,
            AuditEvent.action == action,
        )
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def logs(
    session: Session, *, tenant_id: str, case_ids: Sequence[str]
) -> dict[str, list[AuditEvent]]:
    """The audit events of each case, oldest first, in one query."""
    found: dict[str, list[AuditEvent]] = defaultdict(list)
    if not case_ids:
        return found
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.tenant_id == tenant_id, AuditEvent.case_id.in_(case_ids))
        .order_by(AuditEvent.seq)
    )
    for event in events:
        if event.case_id is not None:
            found[event.case_id].append(event)
    return found


def task(session: Session, task_id: str) -> Task:
    """A task just written, with who ticked it off."""
    return session.scalars(
        select(Task).where(Task.id == task_id).options(joinedload(Task.done_by))
    ).one()


def comment(session: Session, comment_id: str) -> Comment:
    """A comment just written, with its author."""
    return session.scalars(
        select(Comment).where(Comment.id == comment_id).options(joinedload(Comment.author))
    ).one()


def filtered(actor: Principal, filters: CaseFilters) -> Select[Case]:
    """The tenant's cases that pass ``filters``, unordered."""
    return cases_of(actor.tenant_id).where(*conditions(actor, filters))


def count_cases(session: Session, *, actor: Principal, filters: CaseFilters, up_to: int) -> int:
    """How many cases pass ``filters``, counting no further than ``up_to``."""
    return base.count(session, filtered(actor, filters).with_only_columns(Case.id).limit(up_to))


def list_cases(
    session: Session,
    *,
    actor: Principal,
    filters: CaseFilters,
    sort: CaseSort,
    cursor: str | None,
    limit: int,
    options: Sequence[Any] | None = None,
) -> tuple[Sequence[Case], str | None]:
    """One page of cases; ``options`` load what the caller shows (default: everything)."""
    stmt = filtered(actor, filters)
    stmt = stmt.options(*(full_case_options() if options is None else options))
    # Overdue cases all have a due date: without the "missing last" term an index on
    # the due date can serve the order.
    key = sort_key(sort, due_may_be_missing=filters.overdue is not True)
    column = key.column

    def value_of(case: Case) -> object:
        return getattr(case, column.key) if column is not None else None

    return base.keyset_page(session, stmt, key=key, cursor=cursor, limit=limit, value_of=value_of)


def numbered_page(
    session: Session, *, actor: Principal, filters: CaseFilters, page: int, size: int
) -> base.OffsetPage[Case]:
    """Page ``page`` (from 1) of ``size`` cases, newest first, with how many pass
    ``filters``: for APIs that number pages and show a total."""
    return base.offset_page(
        session,
        filtered(actor, filters),
        order_by=[Case.id.desc()],
        offset=(page - 1) * size,
        limit=size,
        options=full_case_options(),
    )
