"""Cases, checks, customers and documents as the Sphinx API shows them.

The case's read shape is also the body of its completion webhook.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from casework.checks import repository as check_repository
from casework.dialects.sphinx.translate import customer_numbers
from casework.models import Case, Check, Customer, Document
from casework.models.enums import Outcome, ProcessingStatus, Resolution, ReviewStatus

_DECIDED = {
    Resolution.false_positive: Outcome.accepted,
    Resolution.potential_threat: Outcome.rejected,
}
_FINISHED = (ReviewStatus.resolved, ReviewStatus.closed)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, as such APIs render datetimes."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text.removesuffix("+00:00") + "Z"


def days_left(deadline: datetime | None, now: datetime) -> int:
    """Whole days until ``deadline`` (rounded up, never below 0); -1 when kept."""
    if deadline is None:
        return -1
    return max(0, math.ceil((deadline - now).total_seconds() / 86_400))


def outcome(case: Case) -> str:
    """A reviewer's resolution decides; until then, the checks' recommendation, and a
    case no check has decided is pending."""
    if case.review_status in _FINISHED and case.resolution is not None:
        return _DECIDED[case.resolution].value
    return (case.outcome or Outcome.pending).value


def customer_ref(customer: Customer | None) -> dict[str, Any] | None:
    if customer is None:
        return None
    return {
        "id": customer.number,
        "full_name": customer.full_name,
        # Django's convention for a text field left empty: "", never null.
        "external_id": customer.external_id or "",
        "customer_type": customer.customer_type.value,
    }


def check_body(check: Check, now: datetime) -> dict[str, Any]:
    return {
        "id": check.number,
        "risk_score": check.risk_score,
        "title": check.title,
        "note": check.note,
        "reasoning": "\n".join(check.reasoning) if check.reasoning else None,
        "outcome": check.outcome.value if check.outcome else None,
        "status": check.status.value,
        "created_at": iso(check.created_at),
        "updated_at": iso(check.updated_at),
        "input_details": check.input_details or {},
        "check_type": check.type.value,
        "delete_after": days_left(check.delete_after, now),
    }


def case_bodies(session: Session, cases: Sequence[Case]) -> list[dict[str, Any]]:
    checks = check_repository.current_by_case(session, cases)
    now = datetime.now(UTC)
    bodies = []
    for case in cases:
        status = case.processing_status or ProcessingStatus.pending
        bodies.append(
            {
                "id": case.number,
                "customer": customer_ref(case.customer),
                "note": case.notes,
                "notes": case.notes,
                "risk_score": case.risk_score,
                "outcome": outcome(case),
                "status": status.value,
                "is_complete": status is ProcessingStatus.completed,
                "failed": status is ProcessingStatus.error,
                "created_at": iso(case.created_at),
                "updated_at": iso(case.updated_at),
                "checks": [check_body(c, now) for c in checks[case.id]],
                "rfi": case.rfi,
                "webhook_url": case.webhook_url,
                "delete_after": days_left(case.delete_after, now),
            }
        )
    return bodies


def case_body(session: Session, case: Case) -> dict[str, Any]:
    """The Sphinx read shape of ``case`` (its customer loaded)."""
    return case_bodies(session, [case])[0]


def customer_body(customer: Customer) -> dict[str, Any]:
    return {
        **(customer_ref(customer) or {}),
        "email": customer.email,
        "country": customer.country,
        "input_details": customer.input_details or {},
        "delete_after": days_left(customer.delete_after, datetime.now(UTC)),
        "created_at": iso(customer.created_at),
        "updated_at": iso(customer.updated_at),
    }


def document_bodies(session: Session, documents: Sequence[Document]) -> list[dict[str, Any]]:
    numbers = customer_numbers(session, {d.customer_id for d in documents if d.customer_id})
    now = datetime.now(UTC)
    return [
        {
            "id": d.number,
            "filename": d.filename,
            "content_type": d.content_type,
            "size": d.size,
            "sha256": d.sha256,
            "customer_id": numbers.get(d.customer_id) if d.customer_id else None,
            "created_at": iso(d.created_at),
            "delete_after": days_left(d.delete_after, now),
        }
        for d in documents
    ]
