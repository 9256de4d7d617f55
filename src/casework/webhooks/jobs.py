"""Webhooks as background jobs: the outbox is published as soon as the transaction
that wrote an event commits, the deliveries that makes are sent at once, and the sweep
finds again what a dead worker left: events not yet published, retries that fell due.

Features queue their events with :func:`emit`; the changes to a case the audit trail
records are noticed as they are appended (:func:`_trail_moved`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from itertools import groupby

from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.infra import jobs
from casework.infra.jobs import Job, JobContext, Task, Work
from casework.infra.secrets_box import SecretBoxError, box_for
from casework.models import AuditEvent, OutboxEvent, WebhookDelivery, WebhookEndpoint
from casework.models.base import utcnow
from casework.webhooks import case_secret, outbox, publisher, repository, service, shapers, tasks
from casework.webhooks.service import PreparedAttempt

log = logging.getLogger(__name__)

DELIVER = Job("webhooks.deliver")
PUBLISH = Job("webhooks.publish")
SWEEP_BATCH = 500
# Deliveries a publishing job claims and sends itself, rather than deferring a job for
# each: a few rounds of parallel sends, which end well inside the claims' lease.
SEND_NOW = 4 * tasks.PARALLEL_SENDS
_HERE = "casework_publish_here"  # session.info: events its transaction publishes itself


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
    until the transaction commits; without it the caller publishes it before it
    commits, in its own transaction (:func:`publish_here`). Either way an event nobody
    published is written to the outbox, and the sweep publishes it.
    """
    event = outbox.add(
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
    else:
        session.info.setdefault(_HERE, []).append(event)
    return event.id


def publish_here(context: JobContext, session: Session) -> list[PreparedAttempt]:
    """Publish the events queued in this transaction without ``publish_on_commit``, in
    it: their deliveries are made and claimed here, and the caller sends them
    (:func:`send`) once it has committed. A process that dies in between leaves claims
    whose lease runs out; the sweep sends them then. This spares a transaction, and
    an outbox row written and deleted, for each event.

    Events a shaper is missing for stay in the outbox, as :func:`publisher.publish`
    leaves them."""
    events: list[OutboxEvent] = sorted(session.info.pop(_HERE, []), key=lambda e: e.tenant_id)
    written = {e.id for e in events if e not in session.new}
    for event in events:
        if event.id not in written:
            session.expunge(event)  # published before it is ever written
    session.flush()  # the shapers read what this transaction changed
    deliveries: list[WebhookDelivery] = []
    published: list[str] = []
    for tenant_id, group in groupby(events, key=lambda e: e.tenant_id):
        queued = list(group)
        endpoints = repository.active_endpoints(session, tenant_id=tenant_id)
        try:
            deliveries += publisher.from_queue(session, tenant_id, queued, endpoints)
        except shapers.MissingShaper:
            log.exception("webhook events of tenant %s wait for a payload shaper", tenant_id)
            session.add_all([e for e in queued if e.id not in written])  # left in the outbox
            continue
        published += [e.id for e in queued if e.id in written]
    if published:
        outbox.remove(session, published)
    return _claim(context, session, deliveries)


def ready_case_secret(context: JobContext, session: Session, tenant_id: str) -> None:
    """Make the tenant's case-webhook secret now if it has none, so that claiming a
    case-URL delivery later in the transaction (:func:`publish_here`) does not: call it
    before appending to the audit trail, the order (tenant, then audit chain) every
    writer of both takes."""
    with contextlib.suppress(SecretBoxError):  # the claim settles that delivery as failed
        case_secret.secrets_in_use(
            session, tenant_id=tenant_id, box=box_for(context.settings), now=utcnow()
        )


def send(context: JobContext, attempts: list[PreparedAttempt]) -> None:
    """Send attempts claimed by :func:`publish_here` once their transaction committed."""
    tasks.send_claimed(context.database, attempts)


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


def publish_now(context: JobContext, tenant_ids: Iterable[str]) -> None:
    """Publish the tenants' events and send the deliveries that makes: claimed in the
    publishing transaction, sent once it has committed (no job for each). A process
    that dies in between leaves claims whose lease runs out; the sweep sends them then."""
    for tenant_id in tenant_ids:
        more = True
        while more:
            with context.database.transaction() as session:
                deliveries, more = publisher.publish(session, tenant_id=tenant_id)
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
