"""Requests for information: a question out to the customer, the case awaiting them.

Asking records the text on the case and moves it to ``awaiting_user``. When SMTP is
configured, the ``rfi.send`` job emails it to the customer once the request commits;
a sweep finds requests whose email has not gone out yet (after a crash or a mail
server outage), so none is lost.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.cases import repository, state
from casework.infra.errors import InvalidTransition
from casework.infra.jobs import Job
from casework.models import Case, Customer
from casework.models.base import utcnow
from casework.models.enums import ReviewStatus
from casework.rfi import repository as rfi_repository

SEND = Job("rfi.send")
# Requests older than this are not emailed by the sweep (for instance when SMTP was
# configured long after they were made).
SEND_WITHIN = timedelta(days=7)


def open_request(session: Session, case: Case, text: str, *, now: datetime) -> None:
    """Put ``text`` out to the customer on a case being created or already locked."""
    case.rfi = text
    case.rfi_requested_at = now
    case.rfi_sent_at = None
    case.review_status = ReviewStatus.awaiting_user
    SEND.defer(session, case_id=case.id)


def request_information(session: Session, *, actor: Principal, case_id: str, text: str) -> Case:
    case = repository.get(session, tenant_id=actor.tenant_id, case_id=case_id, for_update=True)
    if case.review_status != ReviewStatus.awaiting_user and not state.allowed(
        case.review_status, ReviewStatus.awaiting_user
    ):
        raise InvalidTransition(
            f"a {case.review_status.value} case cannot await the customer; reopen it first"
        )
    before = {"review_status": case.review_status, "rfi": case.rfi}
    now = utcnow()
    open_request(session, case, text, now=now)
    case.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="case.rfi_requested",
        entity_type="case",
        entity_id=case.id,
        case_id=case.id,
        message=f"Information requested from the customer: {text[:400]}",
        before=before,
        after={"review_status": case.review_status, "rfi": text},
    )
    return repository.reload(session, case)


def recipient(customer: Customer | None) -> str | None:
    if customer is None:
        return None
    given = customer.email or (customer.input_details or {}).get("email")
    return given if isinstance(given, str) and "@" in given else None


def unsent(session: Session, *, now: datetime, limit: int = 100) -> list[str]:
    """Cases whose latest request for information has not been dealt with by the mailer."""
    return rfi_repository.unsent(session, requested_after=now - SEND_WITHIN, limit=limit)


def mark_sent(
    session: Session, *, case_id: str, requested_at: datetime, to: str | None
) -> dict[str, Any] | None:
    """Record that the request made at ``requested_at`` was dealt with (emailed to ``to``,
    or not, for want of an address). A newer request on the case is left to its own job."""
    case = rfi_repository.lock_case(session, case_id)
    if case is None or case.rfi_requested_at != requested_at:
        return None
    now = utcnow()
    case.rfi_sent_at = now
    session.flush()
    message = (
        f"Request for information emailed to {to}"
        if to
        else "Request for information not emailed: the customer has no email address"
    )
    after = {"rfi_sent_at": now, "emailed_to": to}
    audit.record(
        session,
        actor=Principal.system(case.tenant_id, "mailer"),
        action="case.rfi_sent" if to else "case.rfi_not_sent",
        entity_type="case",
        entity_id=case.id,
        case_id=case.id,
        message=message,
        after=after,
    )
    return after
