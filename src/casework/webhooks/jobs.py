"""Webhook deliveries as background jobs: sent as soon as the event's transaction
commits, and found again by the sweep when a retry falls due or a worker died."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from casework import jobs
from casework.jobs import Job, JobContext, Task, Work
from casework.models import WebhookEndpoint
from casework.models.base import utcnow
from casework.secrets_box import SecretBoxError, box_for
from casework.webhooks import case_secret, outbox, repository, service, tasks
from casework.webhooks.service import PreparedAttempt

DELIVER = Job("webhooks.deliver")
PUBLISH = Job("webhooks.publish")
SWEEP_BATCH = 500


def deliver(context: JobContext, delivery_id: str) -> None:
    tasks.deliver_delivery(context.database, delivery_id)


def publish(context: JobContext, tenant_id: str) -> None:
    """Publish the tenant's case events since its cursor, a batch per transaction."""
    more = True
    while more:
        with context.database.transaction() as session:
            deliveries, more = outbox.publish(session, tenant_id=tenant_id)
            for delivery in deliveries:
                jobs.defer_on_commit(session, DELIVER, delivery_id=delivery.id)


def unpublished_events(context: JobContext) -> Work:
    with context.database.session(write=False) as session:
        tenants = outbox.behind(session)
    return [(PUBLISH, {"tenant_id": tenant_id}) for tenant_id in tenants]


def due_deliveries(context: JobContext) -> Work:
    with context.database.session(write=False) as session:
        ids = service.due(session, now=utcnow(), limit=SWEEP_BATCH)
    return [(DELIVER, {"delivery_id": delivery_id}) for delivery_id in ids]


def active_endpoints(session: Session, *, tenant_id: str) -> list[WebhookEndpoint]:
    """Read once, for emitting several events (see emit)."""
    return repository.active_endpoints(session, tenant_id=tenant_id)


def emit(
    session: Session,
    *,
    tenant_id: str,
    event_type: str,
    payload: dict[str, Any],
    case_webhook_url: str | None = None,
    endpoints: Sequence[WebhookEndpoint] | None = None,
    case_id: str | None = None,
    send_later: bool = True,
    enveloped: bool = True,
) -> list[str]:
    """Queue the event for its subscribers; returns the deliveries' ids.

    With ``send_later`` a delivery job is deferred for each once the transaction
    commits; without it the caller claims them in its transaction (``claim_now``) and
    sends them after its commit (``send_claimed``), which spares a job per delivery.
    Either way the deliveries are due rows, so the sweep sends any that a dead process
    did not.
    """
    deliveries = service.emit(
        session,
        tenant_id=tenant_id,
        event_type=event_type,
        payload=payload,
        case_webhook_url=case_webhook_url,
        endpoints=endpoints,
        case_id=case_id,
        enveloped=enveloped,
    )
    if send_later:
        for delivery in deliveries:
            jobs.defer_on_commit(session, DELIVER, delivery_id=delivery.id)
    return [delivery.id for delivery in deliveries]


def ready_case_secret(context: JobContext, session: Session, tenant_id: str) -> None:
    """Make the tenant's case-webhook secret now if it has none, so that claiming a
    case-URL delivery later in the transaction does not: call it before appending to
    the audit trail, the order (tenant, then audit chain) every writer of both takes."""
    with contextlib.suppress(SecretBoxError):  # the claim settles that delivery as failed
        case_secret.secrets_in_use(
            session, tenant_id=tenant_id, box=box_for(context.settings), now=utcnow()
        )


def claim_now(
    context: JobContext, session: Session, delivery_ids: Sequence[str]
) -> list[PreparedAttempt]:
    """Claim just-queued deliveries in the transaction that queued them; the caller
    sends them with ``send_claimed`` once it has committed. A process that dies in
    between leaves claims whose lease runs out, and the sweep sends them then."""
    box = box_for(context.settings)
    prepared = service.claim_many(session, sorted(delivery_ids), box=box, now=utcnow())
    return [p for p in prepared if isinstance(p, PreparedAttempt)]


def send_claimed(context: JobContext, attempts: Sequence[PreparedAttempt]) -> None:
    tasks.send_claimed(context.database, attempts)


JOBS = [Task(DELIVER, deliver), Task(PUBLISH, publish)]
SWEEPERS = [unpublished_events, due_deliveries]
