"""The case list: filters, sort orders and keyset pagination."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from casework.auth.principal import Principal
from casework.cases import repository
from casework.errors import ValidationFailed
from casework.models import Case, Customer
from casework.models.enums import CreatedByType, Module, Priority, ReviewStatus
from casework.pagination import SortKey, paginate
from casework.search import contains


class CaseSort(StrEnum):
    created = "created_at"
    created_desc = "-created_at"
    due = "due_date"
    due_desc = "-due_date"
    priority = "priority"
    priority_desc = "-priority"
    updated = "updated_at"
    updated_desc = "-updated_at"


def _iso(value: datetime) -> str:
    return value.isoformat()


def _from_iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _sort_key(sort: CaseSort) -> SortKey:
    descending = sort.value.startswith("-")
    name = sort.value.lstrip("-")
    if name == "created_at":
        return SortKey(column=None, id_column=Case.id, descending=descending)
    if name == "priority":
        return SortKey(
            column=Case.priority,
            id_column=Case.id,
            descending=descending,
            encode=int,
            decode=Priority,
        )
    column = Case.due_date if name == "due_date" else Case.updated_at
    return SortKey(
        column=column,
        id_column=Case.id,
        descending=descending,
        encode=_iso,
        decode=_from_iso,
        nullable=name == "due_date",
    )


@dataclass(frozen=True)
class CaseFilters:
    review_status: list[ReviewStatus] | None = None
    priority: list[Priority] | None = None
    module: Module | None = None
    assignee: str | None = None  # a user id, "me" or "none"
    customer_id: str | None = None
    created_by_type: CreatedByType | None = None
    overdue: bool | None = None
    escalated: bool | None = None
    q: str | None = None


def list_cases(
    session: Session,
    *,
    actor: Principal,
    filters: CaseFilters,
    sort: CaseSort,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Case], str | None]:
    stmt = repository.cases_of(actor.tenant_id)
    if filters.review_status:
        stmt = stmt.where(Case.review_status.in_(filters.review_status))
    if filters.priority:
        stmt = stmt.where(Case.priority.in_(filters.priority))
    if filters.module:
        stmt = stmt.where(Case.module == filters.module)
    if filters.assignee == "none":
        stmt = stmt.where(Case.assignee_id.is_(None))
    elif filters.assignee == "me":
        if actor.user_id is None:
            raise ValidationFailed.on("assignee", "'me' needs a user principal")
        stmt = stmt.where(Case.assignee_id == actor.user_id)
    elif filters.assignee:
        stmt = stmt.where(Case.assignee_id == filters.assignee)
    if filters.customer_id:
        stmt = stmt.where(Case.customer_id == filters.customer_id)
    if filters.created_by_type:
        stmt = stmt.where(Case.created_by_type == filters.created_by_type)
    if filters.escalated is not None:
        stmt = stmt.where(Case.is_escalated.is_(filters.escalated))
    if filters.overdue is not None:
        now = datetime.now(UTC)
        finished = [ReviewStatus.resolved, ReviewStatus.closed]
        overdue = (Case.due_date < now) & Case.review_status.not_in(finished)
        stmt = stmt.where(overdue if filters.overdue else ~overdue | Case.due_date.is_(None))
    if filters.q:
        matching_customers = select(Customer.id).where(
            Customer.tenant_id == actor.tenant_id,
            contains(filters.q, Customer.full_name, Customer.full_name_en),
        )
        stmt = stmt.where(
            or_(
                contains(filters.q, Case.title, Case.description),
                Case.customer_id.in_(matching_customers),
            )
        )
    stmt = stmt.options(*repository.full_case_options())
    key = _sort_key(sort)
    column = key.column

    def value_of(case: Case) -> object:
        return getattr(case, column.key) if column is not None else None

    rows, next_cursor = paginate(
        stmt, key=key, cursor=cursor, limit=limit, session=session, value_of=value_of
    )
    return rows, next_cursor
