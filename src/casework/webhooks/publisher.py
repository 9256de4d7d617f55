"""Publishing the outbox: a tenant's unpublished events become deliveries.

One transaction reads the next events (the audit trail's after the tenant's cursor,
then the queued :class:`OutboxEvent` rows), makes a delivery for each subscriber, and
moves the cursor past the events read and deletes the rows: an event is published
exactly once, whichever job gets to it first. Payloads are shaped here, by the shapers
the features registered (``shapers``), for the events someone receives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.models import AuditEvent, OutboxEvent, WebhookCursor, WebhookDelivery, WebhookEndpoint
from casework.webhooks import outbox, repository, service, shapers

BATCH = 500
CASE = "case"  # the kind of subject the trail's events show


def publish(
    session: Session, *, tenant_id: str, limit: int = BATCH, trail: bool = True
) -> tuple[list[WebhookDelivery], bool]:
    """Queue deliveries for the next batch of the tenant's unpublished events (without
    ``trail``, only the queued ones); also say whether a full batch was read (so more
    may follow)."""
    # Publishers of one tenant's trail take turns on its cursor, so no event is read twice.
    cursor = (
        session.scalar(
            select(WebhookCursor).where(WebhookCursor.tenant_id == tenant_id).with_for_update()
        )
        if trail
        else None
    )
    events: list[AuditEvent] = []
    if cursor is not None:
        events = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.tenant_id == tenant_id, AuditEvent.seq > cursor.seq)
                .order_by(AuditEvent.seq)
                .limit(limit)
            )
        )
    # Queued rows need no turns: rows another publisher holds are its to publish.
    queued = list(
        session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.tenant_id == tenant_id)
            .order_by(OutboxEvent.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not events and not queued:
        return [], False
    endpoints = repository.active_endpoints(session, tenant_id=tenant_id)
    deliveries = _from_trail(session, tenant_id, events, endpoints)
    deliveries += from_queue(session, tenant_id, queued, endpoints)
    if cursor is not None and events:
        cursor.seq = events[-1].seq
    if queued:
        outbox.remove(session, [e.id for e in queued])
    session.flush()
    return deliveries, len(events) == limit or len(queued) == limit


def _wanted(endpoints: Sequence[WebhookEndpoint]) -> set[str]:
    return {t for e in endpoints for t in e.event_types}


def _from_trail(
    session: Session,
    tenant_id: str,
    trail: Sequence[AuditEvent],
    endpoints: Sequence[WebhookEndpoint],
) -> list[WebhookDelivery]:
    wanted = _wanted(endpoints)
    events = [(e, kind) for e in trail if (kind := outbox.published(e)) and kind in wanted]
    if not events:
        return []
    cases = shapers.shape(
        session, shapers.shaper(CASE), tenant_id, [e.case_id for e, _ in events if e.case_id]
    )
    deliveries: list[WebhookDelivery] = []
    for event, kind in events:
        payload = {
            "action": event.action,
            "seq": event.seq,
            "occurred_at": event.occurred_at.isoformat(),
            "actor": event.actor_name,
            "message": event.message,
            "changes": {"before": event.before, "after": event.after},
            # The case as it is now: later changes have their own events.
            "case": cases.get(event.case_id or ""),
        }
        deliveries += service.emit(
            session,
            tenant_id=tenant_id,
            event_type=kind.value,
            payload=payload,
            endpoints=endpoints,
            case_id=event.case_id,
        )
    return deliveries


def from_queue(
    session: Session,
    tenant_id: str,
    queued: Sequence[OutboxEvent],
    endpoints: Sequence[WebhookEndpoint],
) -> list[WebhookDelivery]:
    """A queued event goes to its subscribers in the subject's native shape, and to the
    case's own URL in the variant registered for it, else natively with the others."""
    wanted = _wanted(endpoints)
    native: dict[str, list[str]] = {}
    shown_as: dict[tuple[str, str], list[str]] = {}
    plans: list[tuple[OutboxEvent, bool, bool]] = []
    for event in queued:
        subscribed = event.event_type in wanted
        if not subscribed and event.case_url is None:
            continue  # its subscribers went away before it was published
        variant = bool(event.case_url and shapers.variant(event.subject, event.url_variant))
        if subscribed or not variant:
            native.setdefault(event.subject, []).append(event.subject_id)
        if variant:
            key = (event.subject, event.url_variant or "")
            shown_as.setdefault(key, []).append(event.subject_id)
        plans.append((event, subscribed, variant))
    bodies = {
        kind: shapers.shape(session, shapers.shaper(kind), tenant_id, ids)
        for kind, ids in native.items()
    }
    variants = {
        key: shapers.shape(session, shaper, tenant_id, ids)
        for key, ids in shown_as.items()
        if (shaper := shapers.variant(*key)) is not None
    }
    deliveries: list[WebhookDelivery] = []
    for event, subscribed, variant in plans:
        body = bodies.get(event.subject, {}).get(event.subject_id)
        if body is not None and (subscribed or not variant):
            url = None if variant else event.case_url
            deliveries += _emit(session, event, body, url=url, endpoints=endpoints)
        if variant:
            key = (event.subject, event.url_variant or "")
            other = variants.get(key, {}).get(event.subject_id)
            if other is not None:
                deliveries += _emit(
                    session, event, other, url=event.case_url, endpoints=[], enveloped=False
                )
    return deliveries


def _emit(
    session: Session,
    event: OutboxEvent,
    payload: dict[str, Any],
    *,
    url: str | None,
    endpoints: Sequence[WebhookEndpoint],
    enveloped: bool = True,
) -> list[WebhookDelivery]:
    # Stamped with when the event happened (its envelope's timestamp), and due at once.
    return service.emit(
        session,
        tenant_id=event.tenant_id,
        event_type=event.event_type,
        payload=payload,
        case_webhook_url=url,
        now=event.created_at,
        endpoints=endpoints,
        case_id=event.case_id,
        enveloped=enveloped,
    )
