"""Emailing requests for information to customers."""

from __future__ import annotations

import logging

from casework.infra.jobs import JobContext, Task, Work
from casework.models.base import utcnow
from casework.rfi import mail, repository, service
from casework.tenants import repository as tenants

log = logging.getLogger(__name__)


def send(context: JobContext, case_id: str) -> None:
    settings = context.settings
    if not mail.configured(settings):
        return
    with context.database.session(write=False) as session:
        case = repository.case_with_customer(session, case_id)
        if case is None or case.rfi is None or case.rfi_requested_at is None:
            return
        if case.rfi_sent_at is not None and case.rfi_sent_at >= case.rfi_requested_at:
            return
        tenant_name = tenants.name_of(session, case.tenant_id)
        to = service.recipient(case.customer)
        requested_at, text, number = case.rfi_requested_at, case.rfi, case.number
    if to is not None:
        stamp = int(requested_at.timestamp() * 1000)
        domain = settings.smtp_from.rpartition("@")[2] or "localhost"
        mail.send(
            settings,
            to=to,
            subject=f"{tenant_name}: information needed (case {number})",
            body=text,
            message_id=f"<rfi-{case_id}-{stamp}@{domain}>",
        )
    with context.database.transaction() as session:
        if service.mark_sent(session, case_id=case_id, requested_at=requested_at, to=to):
            log.info("request for information on case %s dealt with", case_id)


def unsent_requests(context: JobContext) -> Work:
    if not mail.configured(context.settings):
        return []
    with context.database.session(write=False) as session:
        waiting = service.unsent(session, now=utcnow())
    return [(service.SEND, {"case_id": case_id}) for case_id in waiting]


JOBS = [Task(service.SEND, send)]
SWEEPERS = [unsent_requests]
