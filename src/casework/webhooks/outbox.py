"""Case lifecycle events published from the audit trail.

Every change to a case commits an audit event in the same transaction, so the trail
is already a durable outbox: publishing reads the events after the tenant's cursor,
queues a delivery for each one an endpoint subscribed to, and moves the cursor, all
in one transaction. The write paths pay nothing for it, a crash between a change and
its publication loses nothing, and no event is published twice.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.cases import repository as case_repository
from casework.cases.schemas import CaseOut
from casework.models import (
    AuditEvent,
    AuditHead,
    Case,
    WebhookCursor,
    WebhookDelivery,
)
from casework.models.webhook import WebhookEventType

# Audit action -> the webhook event it is published as. Work on a case's checklist,
# comments and attachments is an update of the case.
EVENTS: dict[str, WebhookEventType] = {
    "case.created": WebhookEventType.case_created,
    "case.assigned": WebhookEventType.case_assigned,
    "case.escalated": WebhookEventType.case_escalated,
    "case.resolved": WebhookEventType.case_resolved,
    "case.updated": WebhookEventType.case_updated,
    "case.status_changed": WebhookEventType.case_updated,
    "case.reopened": WebhookEventType.case_updated,
    "case.alerts_added": WebhookEventType.case_updated,
    "task.added": WebhookEventType.case_updated,
    "task.updated": WebhookEventType.case_updated,
    "task.removed": WebhookEventType.case_updated,
    "comment.added": WebhookEventType.case_updated,
    "attachment.added": WebhookEventType.case_updated,
    "attachment.removed": WebhookEventType.case_updated,
}
BATCH = 500


def start_publishing(session: Session, *, tenant_id: str) -> None:
    """Publish the tenant's events from now on (not its history), once it has an endpoint.

    Called after the endpoint's own audit event, whose head lock orders this against a
    concurrent first endpoint of the same tenant.
    """
    if session.get(WebhookCursor, tenant_id) is not None:
        return
    head = session.get(AuditHead, tenant_id)
    session.add(WebhookCursor(tenant_id=tenant_id, seq=head.seq if head else 0))
    session.flush()


def publish(session: Session, *, tenant_id: str) -> tuple[list[WebhookDelivery], bool]:
    """Queue deliveries for the next batch of the tenant's unpublished case events;
    also say whether a full batch was read (so more may follow)."""
    from casework.webhooks import repository, service  # the service calls start_publishing

    stmt = select(WebhookCursor).where(WebhookCursor.tenant_id == tenant_id).with_for_update()
    cursor = session.scalar(stmt)
    if cursor is None:
        return [], False
    events = list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.tenant_id == tenant_id, AuditEvent.seq > cursor.seq)
            .order_by(AuditEvent.seq)
            .limit(BATCH)
        )
    )
    if not events:
        return [], False
    endpoints = repository.active_endpoints(session, tenant_id=tenant_id)
    wanted = {t for e in endpoints for t in e.event_types}
    published = [e for e in events if e.case_id and EVENTS.get(e.action) in wanted]
    cases = {
        c.id: c
        for c in session.scalars(
            case_repository.cases_of(tenant_id)
            .where(Case.id.in_({e.case_id for e in published}))
            .options(*case_repository.full_case_options())
        ).unique()
    }
    deliveries: list[WebhookDelivery] = []
    for event in published:
        case = cases.get(event.case_id or "")
        payload = {
            "action": event.action,
            "seq": event.seq,
            "occurred_at": event.occurred_at.isoformat(),
            "actor": event.actor_name,
            "message": event.message,
            "changes": {"before": event.before, "after": event.after},
            # The case as it is now: later changes have their own events.
            "case": CaseOut.of(case).model_dump(mode="json") if case else None,
        }
        deliveries += service.emit(
            session,
            tenant_id=tenant_id,
            event_type=EVENTS[event.action].value,
            payload=payload,
            endpoints=endpoints,
            case_id=event.case_id,
        )
    cursor.seq = events[-1].seq
    session.flush()
    return deliveries, len(events) == BATCH


def behind(session: Session) -> list[str]:
    """Tenants with events after their cursor (for the sweep)."""
    rows = session.scalars(
        select(WebhookCursor.tenant_id)
        .join(AuditHead, AuditHead.tenant_id == WebhookCursor.tenant_id)
        .where(AuditHead.seq > WebhookCursor.seq)
    )
    return list(rows)
