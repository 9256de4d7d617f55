"""Webhook jobs: plain functions that take ids, open their own transactions and can be
run again at any time (a settled or not-yet-due delivery is left alone).

The claim and the result are two short transactions with the HTTP request between
them, so no lock (on SQLite: the database's write lock) waits on a slow receiver.
A worker that dies mid-attempt leaves a lease that runs out; ``deliver_due`` then
finds the delivery again.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from casework.infra.db import Database
from casework.infra.secrets_box import SecretBox, box_for
from casework.models.base import utcnow
from casework.webhooks import service
from casework.webhooks.outbound import OutboundClient, Sender
from casework.webhooks.service import DeliveryResult, PreparedAttempt

PARALLEL_SENDS = 8


def _sender(database: Database) -> OutboundClient:
    settings = database.settings
    return OutboundClient(
        allowed_hosts=settings.webhook_allowed_hosts,
        timeout=settings.webhook_timeout_seconds,
        enabled=settings.outbound_network,
    )


def _deliver(
    database: Database, delivery_id: str, *, sender: Sender, box: SecretBox, now: datetime
) -> DeliveryResult:
    with database.transaction() as session:
        claimed = service.claim(session, delivery_id, box=box, now=now)
    if isinstance(claimed, DeliveryResult):
        return claimed
    outcome = sender.send(claimed.url, headers=claimed.headers, body=claimed.body)
    # The retry schedule counts from when the attempt ended, not from the claim.
    ended = now + timedelta(milliseconds=outcome.duration_ms)
    with database.transaction() as session:
        return service.record(session, claimed, outcome, now=ended)


def deliver_delivery(
    database: Database, delivery_id: str, *, now: datetime | None = None
) -> DeliveryResult:
    """Make the next attempt of one delivery if it is due."""
    return _deliver(
        database,
        delivery_id,
        sender=_sender(database),
        box=box_for(database.settings),
        now=now or utcnow(),
    )


def send_claimed(database: Database, attempts: Sequence[PreparedAttempt]) -> list[DeliveryResult]:
    """Send attempts already claimed (and committed) side by side; record the outcomes
    in one transaction. Every send ends within the timeout, so a batch ends well inside
    the claims' lease."""
    if not attempts:
        return []
    sender, started = _sender(database), utcnow()
    with ThreadPoolExecutor(min(len(attempts), PARALLEL_SENDS)) as pool:
        outcomes = list(
            pool.map(lambda a: sender.send(a.url, headers=a.headers, body=a.body), attempts)
        )
    # The retry schedule counts from when each attempt ended, not from the claim.
    ended = [
        (attempt, outcome, started + timedelta(milliseconds=outcome.duration_ms))
        for attempt, outcome in zip(attempts, outcomes, strict=True)
    ]
    with database.transaction() as session:
        return service.record_many(session, ended)


def deliver_due(database: Database, *, now: datetime | None = None, limit: int = 100) -> int:
    """Attempt up to ``limit`` due deliveries, one after another; returns how many
    attempts were made (deliveries another worker took first are skipped)."""
    with database.transaction(write=False) as session:
        ids = service.due(session, now=now or utcnow(), limit=limit)
    sender, box = _sender(database), box_for(database.settings)
    attempted = 0
    for delivery_id in ids:
        result = _deliver(database, delivery_id, sender=sender, box=box, now=now or utcnow())
        attempted += result.attempted
    return attempted
