"""The outbox: every outbound event is written in the transaction that caused it, and
published once that transaction commits.

Two kinds of rows hold the events, both committed with the change they tell of:

- the audit trail: every change to a case commits its audit event with it, so the
  events of the actions in :data:`EVENTS` are read from the trail, after the tenant's
  cursor; those write paths pay nothing more;
- :class:`OutboxEvent` rows, queued by :func:`add`, for what the trail does not record
  (a check or a case finished).

When such a transaction commits, a publish job is deferred for its tenant (see
``webhooks.jobs``), so the events go out at once; the periodic sweep finds what a
process that died in between left behind (:func:`behind`). Publishing (``publisher``)
makes the deliveries and moves the cursor or deletes the rows in one transaction: no
event is published twice, and none that committed is lost.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from casework.infra.ids import new_id
from casework.models import AuditEvent, AuditHead, OutboxEvent, WebhookCursor
from casework.models.base import utcnow
from casework.models.webhook import WebhookEventType

EVENT_TYPES = frozenset(e.value for e in WebhookEventType)

# Audit action -> the webhook event it is published as. Work on a case's checklist,
# comments, attachments and reports is an update of the case. Kept here, with the event types,
# rather than registered by the features: an action missing from this table is skipped
# for good, so the table must not depend on which modules a process imported.
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
    "report.created": WebhookEventType.case_updated,
    "report.updated": WebhookEventType.case_updated,
    "report.ready": WebhookEventType.case_updated,
    "report.approved": WebhookEventType.case_updated,
    "report.returned": WebhookEventType.case_updated,
    "report.filed": WebhookEventType.case_updated,
    "report.fiu_rejected": WebhookEventType.case_updated,
    "report.reviewed": WebhookEventType.case_updated,
    "decision.proposed": WebhookEventType.decision_proposed,
    "decision.approved": WebhookEventType.decision_approved,
    "decision.rejected": WebhookEventType.decision_rejected,
}


def published(event: AuditEvent) -> WebhookEventType | None:
    """The webhook event an audit event is published as, if any."""
    return EVENTS.get(event.action) if event.case_id else None


def start_publishing(session: Session, *, tenant_id: str) -> None:
    """Publish the tenant's trail from now on (not its history), once it has an endpoint.

    Called after the endpoint's own audit event, whose head lock orders this against a
    concurrent first endpoint of the same tenant.
    """
    if session.get(WebhookCursor, tenant_id) is not None:
        return
    head = session.get(AuditHead, tenant_id)
    session.add(WebhookCursor(tenant_id=tenant_id, seq=head.seq if head else 0))
    session.flush()


def add(
    session: Session,
    *,
    tenant_id: str,
    event_type: str,
    subject: str,
    subject_id: str,
    case_id: str | None = None,
    case_url: str | None = None,
    url_variant: str | None = None,
) -> OutboxEvent:
    """Queue an event about ``subject`` ``subject_id`` (a kind a shaper is registered
    for) for the tenant's subscribers, and for ``case_url`` when given (in the
    ``url_variant`` shape of the subject when one is registered)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    event = OutboxEvent(
        id=new_id(),  # known now: the row can wait for the transaction's next flush
        tenant_id=tenant_id,
        event_type=event_type,
        subject=subject,
        subject_id=subject_id,
        case_id=case_id,
        case_url=case_url,
        url_variant=url_variant,
        created_at=utcnow(),  # when it happened, also if it is published before it is written
    )
    session.add(event)
    return event


def remove(session: Session, event_ids: list[str]) -> None:
    """Delete published events."""
    session.execute(
        delete(OutboxEvent).where(OutboxEvent.id.in_(event_ids)),
        execution_options={"synchronize_session": False},
    )


def behind(session: Session) -> list[str]:
    """Tenants with events not yet published (for the sweep)."""
    trail = (
        select(WebhookCursor.tenant_id)
        .join(AuditHead, AuditHead.tenant_id == WebhookCursor.tenant_id)
        .where(AuditHead.seq > WebhookCursor.seq)
    )
    queued = select(OutboxEvent.tenant_id).distinct()
    return sorted(set(session.scalars(trail)) | set(session.scalars(queued)))
