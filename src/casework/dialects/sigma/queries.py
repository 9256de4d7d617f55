"""The reads behind Sigma's answers: a page of cases with a total, and case logs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from casework.cases import repository
from casework.dialects.sigma.schemas import STATUSES, ListQuery
from casework.models import AuditEvent, Case, User
from casework.models.enums import Module, Priority


@dataclass(frozen=True)
class CasePage:
    cases: Sequence[Case]
    total: int


def page_of_cases(session: Session, *, tenant_id: str, query: ListQuery) -> CasePage:
    """Newest first. Sigma pages by number and shows a total, which casework's keyset
    listing does not give, so the page is an offset over the tenant's filtered cases."""
    stmt = repository.cases_of(tenant_id)
    if query.status:
        stmt = stmt.where(Case.review_status.in_(STATUSES[query.status]))
    if query.priority:
        stmt = stmt.where(Case.priority == Priority[query.priority])
    if query.module:
        # Sigma shows a custom module in the same field, so the filter matches either.
        standard = {m.value for m in Module}
        stmt = stmt.where(
            or_(Case.module == Module(query.module), Case.custom_module == query.module)
            if query.module in standard
            else Case.custom_module == query.module
        )
    if query.assignedTo:
        stmt = stmt.where(Case.assignee_id == query.assignedTo)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.options(*repository.full_case_options())
        .order_by(Case.id.desc())
        .offset((query.page - 1) * query.limit)
        .limit(query.limit)
    )
    return CasePage(cases=list(rows.unique()), total=int(total))


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


def actors(session: Session, *, tenant_id: str, events: Iterable[AuditEvent]) -> dict[str, User]:
    """The users who acted in ``events``, by id."""
    ids = {e.actor_user_id for e in events if e.actor_user_id}
    if not ids:
        return {}
    users = session.scalars(select(User).where(User.tenant_id == tenant_id, User.id.in_(ids)))
    return {u.id: u for u in users}
