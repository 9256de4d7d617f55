"""Webhook queries: tenant-scoped reads, the locks a delivery attempt takes, and lists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from casework.infra.errors import NotFound
from casework.infra.pagination import SortKey, paginate
from casework.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
)
from casework.webhooks.outbound import SendOutcome

PENDING = WebhookDeliveryStatus.pending


def endpoint(
    session: Session, *, tenant_id: str, endpoint_id: str, for_update: bool = False
) -> WebhookEndpoint:
    stmt = select(WebhookEndpoint).where(
        WebhookEndpoint.tenant_id == tenant_id, WebhookEndpoint.id == endpoint_id
    )
    row = session.scalar(stmt.with_for_update() if for_update else stmt)
    if row is None:
        raise NotFound(f"webhook endpoint {endpoint_id} not found")
    return row


def delivery(
    session: Session,
    *,
    tenant_id: str,
    delivery_id: str,
    with_attempts: bool = False,
    for_update: bool = False,
) -> WebhookDelivery:
    stmt = select(WebhookDelivery).where(
        WebhookDelivery.tenant_id == tenant_id, WebhookDelivery.id == delivery_id
    )
    if with_attempts:
        stmt = stmt.options(selectinload(WebhookDelivery.attempts))
    if for_update:
        stmt = stmt.with_for_update()
    row = session.scalar(stmt)
    if row is None:
        raise NotFound(f"webhook delivery {delivery_id} not found")
    return row


def active_endpoints(session: Session, *, tenant_id: str) -> list[WebhookEndpoint]:
    """Locked FOR KEY SHARE until commit: an endpoint being deleted is waited for (and
    then not seen), and one read here is not deleted under the deliveries made for it.
    Callers read them before appending to the audit trail (the order deletion takes)."""
    return list(
        session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.tenant_id == tenant_id, WebhookEndpoint.is_active.is_(True))
            .order_by(WebhookEndpoint.id)
            .with_for_update(read=True, key_share=True)
        )
    )


def wanted_event_types(session: Session, *, tenant_id: str) -> set[str]:
    """The event types the tenant's active endpoints subscribed to, read without a lock
    (to tell whether an event is worth publishing at once)."""
    rows = session.scalars(
        select(WebhookEndpoint.event_types).where(
            WebhookEndpoint.tenant_id == tenant_id, WebhookEndpoint.is_active.is_(True)
        )
    )
    return {event_type for event_types in rows for event_type in event_types}


def subscribed(session: Session, *, tenant_id: str, event_type: str) -> list[WebhookEndpoint]:
    """Active endpoints that want ``event_type``. A tenant has a handful of endpoints,
    so the JSON list is filtered here rather than with each backend's JSON operators."""
    return [
        e for e in active_endpoints(session, tenant_id=tenant_id) if event_type in e.event_types
    ]


def claim_lock_many(session: Session, delivery_ids: Sequence[str]) -> dict[str, WebhookDelivery]:
    """The deliveries, locked for an attempt, by id; one that is absent or that another
    worker holds is left out.

    On PostgreSQL the row locks are taken with SKIP LOCKED, so a second worker moves on
    instead of waiting to repeat the attempt. SQLite has no row locks (the clause is
    dropped) but the writing transaction already holds the database's write lock.
    """
    return _locked(session, delivery_ids, skip_locked=True)


def result_lock_many(session: Session, delivery_ids: Sequence[str]) -> dict[str, WebhookDelivery]:
    """The deliveries, locked (waiting if need be) to record attempts' results, by id."""
    return _locked(session, delivery_ids, skip_locked=False)


def _locked(
    session: Session, delivery_ids: Sequence[str], *, skip_locked: bool
) -> dict[str, WebhookDelivery]:
    rows = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.id.in_(set(delivery_ids)))
        .order_by(WebhookDelivery.id)  # one lock order for every worker
        .with_for_update(skip_locked=skip_locked)
        .execution_options(populate_existing=True)
    )
    return {row.id: row for row in rows}


def due_ids(session: Session, *, now: datetime, limit: int) -> list[str]:
    return list(
        session.scalars(
            select(WebhookDelivery.id)
            .where(WebhookDelivery.next_attempt_at <= now, WebhookDelivery.status == PENDING)
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
        )
    )


def add_attempt(
    session: Session,
    delivery: WebhookDelivery,
    outcome: SendOutcome,
    *,
    error: str | None,
    now: datetime,
) -> None:
    session.add(
        WebhookAttempt(
            tenant_id=delivery.tenant_id,
            delivery_id=delivery.id,
            attempted_at=now,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            error=error,
            response_excerpt=outcome.response_excerpt,
        )
    )


def settle(delivery: WebhookDelivery, status: WebhookDeliveryStatus, reason: str) -> None:
    """End a delivery's attempts without it being delivered."""
    delivery.status = status
    delivery.next_attempt_at = None
    delivery.claim_id = None
    delivery.last_error = reason


def abandon_pending(
    session: Session, *, endpoint_id: str, reason: str, except_id: str | None = None
) -> None:
    stmt = (
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == PENDING)
        .values(
            status=WebhookDeliveryStatus.abandoned,
            next_attempt_at=None,
            claim_id=None,
            last_error=reason,
        )
    )
    if except_id is not None:
        stmt = stmt.where(WebhookDelivery.id != except_id)
    session.execute(stmt, execution_options={"synchronize_session": False})


def detach(session: Session, *, endpoint_id: str) -> None:
    """Keep an endpoint's deliveries as history once the endpoint itself is gone."""
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .values(endpoint_id=None),
        execution_options={"synchronize_session": False},
    )


def list_endpoints(
    session: Session, *, tenant_id: str, is_active: bool | None, cursor: str | None, limit: int
) -> tuple[Sequence[WebhookEndpoint], str | None]:
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.tenant_id == tenant_id)
    if is_active is not None:
        stmt = stmt.where(WebhookEndpoint.is_active.is_(is_active))
    key = SortKey(column=None, id_column=WebhookEndpoint.id, descending=True)
    return paginate(stmt, key=key, cursor=cursor, limit=limit, session=session, value_of=None)


def list_deliveries(
    session: Session,
    *,
    tenant_id: str,
    endpoint_id: str | None,
    status: WebhookDeliveryStatus | None,
    event_type: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[WebhookDelivery], str | None]:
    stmt = select(WebhookDelivery).where(WebhookDelivery.tenant_id == tenant_id)
    if endpoint_id is not None:
        stmt = stmt.where(WebhookDelivery.endpoint_id == endpoint_id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    if event_type is not None:
        stmt = stmt.where(WebhookDelivery.event_type == event_type)
    key = SortKey(column=None, id_column=WebhookDelivery.id, descending=True)
    return paginate(stmt, key=key, cursor=cursor, limit=limit, session=session, value_of=None)
