"""Casework's cases as Sigma renders them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from casework.dialects.sigma.schemas import SigmaStatus
from casework.models import AuditEvent, Case, User
from casework.models.enums import Priority, ReviewStatus

_STATUS: dict[ReviewStatus, SigmaStatus] = {
    ReviewStatus.open: "open",
    ReviewStatus.in_progress: "in-progress",
    ReviewStatus.awaiting_user: "in-progress",
    ReviewStatus.blocked: "in-progress",
    ReviewStatus.resolved: "resolved",
    ReviewStatus.closed: "closed",
}

_NAMES = frozenset(s.value for s in ReviewStatus)


def status(review_status: ReviewStatus | str) -> SigmaStatus:
    return _STATUS[ReviewStatus(review_status)]


def iso(value: datetime | None) -> str | None:
    """UTC with milliseconds and a Z, as Sigma writes every date."""
    if value is None:
        return None
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def person(user: User | None) -> dict[str, str] | None:
    if user is None:
        return None
    return {"_id": user.id, "firstName": user.first_name, "lastName": user.last_name}


def log_entries(events: Iterable[AuditEvent], users: Mapping[str, User]) -> list[dict[str, Any]]:
    """The case's audit events, each with the Sigma status the case had after it."""
    current = ReviewStatus.open
    entries = []
    for event in events:
        # Events that changed the status carry the new one; erased events carry nothing.
        named = (event.after or {}).get("review_status")
        if isinstance(named, str) and named in _NAMES:
            current = ReviewStatus(named)
        actor = users.get(event.actor_user_id) if event.actor_user_id else None
        entries.append(
            {
                "_id": event.id,
                "status": status(current),
                "message": event.message,
                "user": person(actor),
                "date": iso(event.occurred_at),
            }
        )
    return entries


def case_data(
    case: Case, events: Sequence[AuditEvent], users: Mapping[str, User]
) -> dict[str, Any]:
    """``data`` of a Sigma case answer; ``users`` holds the actors of ``events``."""
    record = (
        {"id": case.record_id, "type": case.record_type, "name": case.record_name}
        if case.record_id
        else None
    )
    return {
        "_id": case.id,
        "businessProfile": case.tenant_id,
        "module": case.module.value if case.module else case.custom_module,
        "record": record,
        "title": case.title,
        "description": case.description,
        "priority": Priority(case.priority).name,
        "status": status(case.review_status),
        "assignedTo": person(case.assignee),
        "assignedBy": person(case.assigned_by),
        "dueDate": iso(case.due_date),
        "tasks": [{"_id": t.id, "text": t.text, "status": t.done} for t in case.tasks],
        "comments": [
            {"_id": c.id, "text": c.body, "user": person(c.author), "date": iso(c.created_at)}
            for c in case.comments
        ],
        # Sigma sends attachment references as strings; the answer names the same documents.
        "attachments": [a.document_id for a in case.attachments],
        "isEscalated": case.is_escalated,
        "log": log_entries(events, users),
        "createdAt": iso(case.created_at),
        "updatedAt": iso(case.updated_at),
    }
