"""The case list's vocabulary: its filters and sort orders (cases.repository reads it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, exists, or_

from casework.auth.principal import Principal
from casework.customers import repository as customers
from casework.infra.errors import ValidationFailed
from casework.infra.pagination import SortKey
from casework.infra.substring import contains
from casework.models import Case, Decision
from casework.models.enums import CreatedByType, DecisionStatus, Module, Priority, ReviewStatus


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


def sort_key(sort: CaseSort, *, due_may_be_missing: bool = True) -> SortKey:
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
        nullable=name == "due_date" and due_may_be_missing,
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
    # A user id: escalated cases sent to that user or now assigned to them.
    escalated_for: str | None = None
    # A customer's id or external id, or part of their name.
    customer: str | None = None
    created_from: datetime | None = None  # inclusive
    created_before: datetime | None = None  # exclusive
    # A standard module or a custom one, by name (for APIs that show both in one field).
    module_named: str | None = None
    # Exactly this user id ("me" and "none" are ids like any other here).
    assignee_id: str | None = None
    # A user id: cases with a pending decision (four-eyes) someone else proposed.
    awaiting_approval_by: str | None = None


FINISHED = (ReviewStatus.resolved, ReviewStatus.closed)


def _assigned(actor: Principal, assignee: str) -> ColumnElement[bool]:
    if assignee == "none":
        return Case.assignee_id.is_(None)
    if assignee == "me":
        if actor.user_id is None:
            raise ValidationFailed.on("assignee", "'me' needs a user principal")
        return Case.assignee_id == actor.user_id
    return Case.assignee_id == assignee


def _overdue(overdue: bool) -> ColumnElement[bool]:
    late = (Case.due_date < datetime.now(UTC)) & Case.review_status.not_in(FINISHED)
    return late if overdue else ~late | Case.due_date.is_(None)


def _matching(actor: Principal, q: str) -> ColumnElement[bool]:
    return or_(
        contains(q, Case.title, Case.description),
        Case.customer_id.in_(customers.ids_named(actor.tenant_id, q)),
    )


def _of_customer(actor: Principal, text: str) -> ColumnElement[bool]:
    return Case.customer_id.in_(customers.ids_known_as(actor.tenant_id, text))


def _module_named(name: str) -> ColumnElement[bool]:
    if name in {m.value for m in Module}:
        return or_(Case.module == Module(name), Case.custom_module == name)
    return Case.custom_module == name


def _escalated_for(user_id: str) -> ColumnElement[bool]:
    return Case.is_escalated.is_(True) & or_(
        Case.escalated_to_id == user_id, Case.assignee_id == user_id
    )


def _awaiting_approval_by(user_id: str) -> ColumnElement[bool]:
    """A case with a decision waiting for a second person that ``user_id`` did not
    propose (a resolution, or a decision on one of its matches)."""
    return exists().where(
        Decision.tenant_id == Case.tenant_id,
        Decision.case_id == Case.id,
        Decision.status == DecisionStatus.pending,
        or_(Decision.proposed_by_user_id.is_(None), Decision.proposed_by_user_id != user_id),
    )


def conditions(actor: Principal, f: CaseFilters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool] | None] = [
        Case.review_status.in_(f.review_status) if f.review_status else None,
        Case.priority.in_(f.priority) if f.priority else None,
        Case.module == f.module if f.module else None,
        _assigned(actor, f.assignee) if f.assignee else None,
        Case.customer_id == f.customer_id if f.customer_id else None,
        Case.created_by_type == f.created_by_type if f.created_by_type else None,
        Case.is_escalated.is_(f.escalated) if f.escalated is not None else None,
        _overdue(f.overdue) if f.overdue is not None else None,
        _matching(actor, f.q) if f.q else None,
        _escalated_for(f.escalated_for) if f.escalated_for else None,
        _of_customer(actor, f.customer) if f.customer else None,
        Case.created_at >= f.created_from if f.created_from else None,
        Case.created_at < f.created_before if f.created_before else None,
        _module_named(f.module_named) if f.module_named else None,
        Case.assignee_id == f.assignee_id if f.assignee_id else None,
        _awaiting_approval_by(f.awaiting_approval_by) if f.awaiting_approval_by else None,
    ]
    return [condition for condition in found if condition is not None]
