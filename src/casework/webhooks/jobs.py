"""Webhooks as background jobs: the outbox is published as soon as the transaction
that wrote an event commits, the deliveries that makes are sent at once, and the sweep
finds again what a dead worker left: events not yet published, retries that fell due.

Features queue their events with :func:`emit`; the changes to a case the audit trail
records are noticed as they are appended (:func:`_trail_moved`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from casework import jobs
from casework.audit import service as audit
from casework.jobs import Job, JobContext, Task, Work
from casework.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from casework.models.base import utcnow
from casework.secrets_box import box_for
from casework.webhooks import outbox, publisher, repository, service, tasks
from casework.webhooks.service import PreparedAttempt

DELIVER = Job("webhooks.deliver")
PUBLISH = Job("webhooks.publish")
SWEEP_BATCH = 500
# Deliveries a publishing job claims and sends itself, rather than deferring a job for
# each: a few rounds of parallel sends, which end well inside the claims' lease.
SEND_NOW = 4 * tasks.PARALLEL_SENDS


def emit(
    session: Session,
    *,
    tenant_id: str,
    event_type: str,
    subject: str,
    subject_id: str,
    case_id: str | None = None,
    case_url: str | None = None,
    url_variant: str | None = None,
    publish_on_commit: bool = True,
) -> str:
    """Queue an event in the outbox (see ``outbox.add``), in the caller's transaction;
    returns its id.

    With ``publish_on_commit`` the tenant's events are published by a job deferred
    until the transaction commits; without it the caller publishes them once it has
    committed (:func:`publish_now`). Either way the sweep publishes what nobody did.
    """
    event_id = outbox.add(
        session,
        tenant_id=tenant_id,
        event_type=event_type,
        subject=subject,
        subject_id=subject_id,
        case_id=case_id,
        case_url=case_url,
        url_variant=url_variant,
    )
    if publish_on_commit:
        jobs.defer_on_commit(session, PUBLISH, tenant_id=tenant_id)
    return event_id


@audit.on_append
def _trail_moved(session: Session, events: list[AuditEvent]) -> None:
    """A change to a case that an endpoint of the tenant subscribed to: publish it when
    the transaction commits. (The sweep moves the cursor past the events nobody wants,
    many at a time.)"""
    kinds = {kind.value for event in events if (kind := outbox.published(event))}
    if not kinds:
        return
    tenant_id = events[0].tenant_id
    if jobs.deferred(session, PUBLISH, tenant_id=tenant_id):
        return
    if kinds & repository.wanted_event_types(session, tenant_id=tenant_id):
        jobs.defer_on_commit(session, PUBLISH, tenant_id=tenant_id)


def deliver(context: JobContext, delivery_id: str) -> None:
    tasks.deliver_delivery(context.database, delivery_id)


def publish(context: JobContext, tenant_id: str) -> None:
    """Publish the tenant's unpublished events, a batch per transaction."""
    publish_now(context, [tenant_id])


def publish_now(context: JobContext, tenant_ids: Iterable[str], *, trail: bool = True) -> None:
    """Publish the tenants' events (without ``trail``, only those queued with
    :func:`emit`) and send the deliveries that makes: claimed in the publishing
    transaction, sent once it has committed (no job for each). A process that dies in
    between leaves claims whose lease runs out; the sweep sends them then.

    For a caller that queued events without publishing on commit, once it committed:
    it leaves the trail to the jobs its changes deferred (and to the sweep), so that
    it does not wait for the tenant's cursor."""
    for tenant_id in tenant_ids:
        more = True
        while more:
            with context.database.transaction() as session:
                deliveries, more = publisher.publish(session, tenant_id=tenant_id, trail=trail)
                claimed = _claim(context, session, deliveries)
            tasks.send_claimed(context.database, claimed)


def _claim(
    context: JobContext, session: Session, deliveries: list[WebhookDelivery]
) -> list[PreparedAttempt]:
    now, later = deliveries[:SEND_NOW], deliveries[SEND_NOW:]
    for delivery in later:
        jobs.defer_on_commit(session, DELIVER, delivery_id=delivery.id)
    if not now:
        return []
    box = box_for(context.settings)
    prepared = service.claim_many(session, sorted(d.id for d in now), box=box, now=utcnow())
    return [p for p in prepared if isinstance(p, PreparedAttempt)]


def unpublished_events(context: JobContext) -> Work:
    with context.database.session(write=False) as session:
        tenants = outbox.behind(session)
    return [(PUBLISH, {"tenant_id": tenant_id}) for tenant_id in tenants]


def due_deliveries(context: JobContext) -> Work:
    with context.database.session(write=False) as session:
        ids = service.due(session, now=utcnow(), limit=SWEEP_BATCH)
    return [(DELIVER, {"delivery_id": delivery_id}) for delivery_id in ids]


def active_endpoints(session: Session, *, tenant_id: str) -> list[WebhookEndpoint]:
    """The tenant's active endpoints, to see which events someone subscribed to."""
    return repository.active_endpoints(session, tenant_id=tenant_id)


JOBS = [Task(DELIVER, deliver), Task(PUBLISH, publish)]
SWEEPERS = [unpublished_events, due_deliveries]
