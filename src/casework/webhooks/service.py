"""Webhook endpoints, the deliveries events create, and delivery attempts.

An attempt is split in three steps so that no database lock is held while waiting
for a receiver: :func:`claim` (a short write: lock the row, check it is due, take a
lease), the HTTP request, then :func:`record` (a short write: store the attempt and
settle or reschedule the delivery). :func:`deliver` runs the three in one session;
the job functions in ``tasks`` run each write in its own transaction.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.audit.chain import jsonable
from casework.auth.principal import Principal
from casework.infra.errors import Conflict, ValidationFailed
from casework.infra.ids import new_id
from casework.infra.secrets_box import (
    ROTATION_GRACE,
    SealedSecrets,
    SecretBox,
    SecretBoxError,
)
from casework.models import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEventType,
)
from casework.models.base import utcnow
from casework.webhooks import backoff, case_secret, outbox, repository, signing
from casework.webhooks.outbound import (
    EXCERPT_CHARS,
    Refused,
    Resolver,
    Sender,
    SendOutcome,
    check_url,
    system_resolver,
)
from casework.webhooks.schemas import EndpointCreate, EndpointUpdate, event_body

Status = WebhookDeliveryStatus
EVENT_TYPES = frozenset(e.value for e in WebhookEventType)
# Well beyond a request's timeouts; a worker that died mid-attempt leaves the delivery
# due again once its lease runs out.
LEASE = timedelta(minutes=2)


def _snapshot(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """What the audit log keeps of an endpoint: never its secrets."""
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types),
        "is_active": endpoint.is_active,
        "disabled_reason": endpoint.disabled_reason,
    }


def _audit(session: Session, actor: Principal, action: str, entity_id: str, **details: Any) -> None:
    """One audit event; the entity type is the action's prefix (webhook_endpoint...)."""
    kind = action.partition(".")[0]
    audit.record(
        session, actor=actor, action=action, entity_type=kind, entity_id=entity_id, **details
    )


def _checked_url(url: str, allowed_hosts: Sequence[str], resolver: Resolver) -> str:
    try:
        check_url(url, allowed_hosts=allowed_hosts, resolver=resolver)
    except Refused as exc:
        raise ValidationFailed.on("url", str(exc)) from None
    return url


def create_endpoint(
    session: Session,
    *,
    actor: Principal,
    data: EndpointCreate,
    box: SecretBox,
    allowed_hosts: Sequence[str],
    resolver: Resolver = system_resolver,
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its signing secret, shown this once."""
    url = _checked_url(data.url, allowed_hosts, resolver)  # before any query, as in update_endpoint
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(
        tenant_id=actor.tenant_id,
        url=url,
        description=data.description,
        event_types=[e.value for e in data.event_types],
        is_active=True,
        secret_encrypted=box.seal(secret),
    )
    session.add(endpoint)
    session.flush()
    _audit(session, actor, "webhook_endpoint.created", endpoint.id, after=_snapshot(endpoint))
    outbox.start_publishing(session, tenant_id=actor.tenant_id)
    return endpoint, secret


def update_endpoint(
    session: Session,
    *,
    actor: Principal,
    endpoint_id: str,
    data: EndpointUpdate,
    allowed_hosts: Sequence[str],
    resolver: Resolver = system_resolver,
) -> WebhookEndpoint:
    values = data.model_dump(exclude_unset=True)
    for name in ("url", "description", "event_types", "is_active"):
        if name in values and values[name] is None:
            raise ValidationFailed.on(name, "cannot be removed")
    # Resolve the new host before the first query: on SQLite that query takes the
    # database's write lock, which a slow name server must not hold up.
    url = _checked_url(values["url"], allowed_hosts, resolver) if "url" in values else None
    endpoint = repository.endpoint(
        session, tenant_id=actor.tenant_id, endpoint_id=endpoint_id, for_update=True
    )
    before = _snapshot(endpoint)
    if url is not None and url != endpoint.url:
        endpoint.url = url
    if "description" in values:
        endpoint.description = values["description"]
    if "event_types" in values:
        endpoint.event_types = [str(e) for e in values["event_types"]]
    if values.get("is_active") is True and not endpoint.is_active:
        endpoint.is_active, endpoint.disabled_at, endpoint.disabled_reason = True, None, None
    elif values.get("is_active") is False and endpoint.is_active:
        _disable(endpoint, reason=f"disabled by {actor.display_name}"[:200], now=utcnow())
    old, new = audit.changes(before, _snapshot(endpoint))
    if new:
        _audit(session, actor, "webhook_endpoint.updated", endpoint.id, before=old, after=new)
    return endpoint


def rotate_secret(
    session: Session,
    *,
    actor: Principal,
    endpoint_id: str,
    box: SecretBox,
    now: datetime | None = None,
) -> tuple[WebhookEndpoint, str]:
    """Issue a new secret; the current one keeps signing alongside it for 24 hours.

    A rotation during another's grace period ends that period: only the secret being
    replaced stays valid.
    """
    # Locked: of two rotations at once, the second builds on the first.
    endpoint = repository.endpoint(
        session, tenant_id=actor.tenant_id, endpoint_id=endpoint_id, for_update=True
    )
    moment = now or utcnow()
    secret = signing.new_secret()
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.previous_secret_expires_at = moment + ROTATION_GRACE
    endpoint.secret_encrypted = box.seal(secret)
    expires = {"previous_secret_expires_at": endpoint.previous_secret_expires_at}
    _audit(session, actor, "webhook_endpoint.secret_rotated", endpoint.id, after=expires)
    return endpoint, secret


def delete_endpoint(session: Session, *, actor: Principal, endpoint_id: str) -> None:
    """Remove an endpoint; its pending deliveries are abandoned, all are kept as history."""
    endpoint = repository.endpoint(
        session, tenant_id=actor.tenant_id, endpoint_id=endpoint_id, for_update=True
    )
    before = _snapshot(endpoint)
    repository.abandon_pending(session, endpoint_id=endpoint.id, reason="endpoint deleted")
    repository.detach(session, endpoint_id=endpoint.id)
    session.delete(endpoint)
    _audit(session, actor, "webhook_endpoint.deleted", endpoint_id, before=before)


def _disable(endpoint: WebhookEndpoint, *, reason: str, now: datetime) -> None:
    endpoint.is_active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = reason


def emit(
    session: Session,
    *,
    tenant_id: str,
    event_type: str,
    payload: dict[str, Any],
    case_webhook_url: str | None = None,
    now: datetime | None = None,
    endpoints: Sequence[WebhookEndpoint] | None = None,
    case_id: str | None = None,
    enveloped: bool = True,
) -> list[WebhookDelivery]:
    """Queue ``event_type`` for every active endpoint that subscribed to it, and for the
    case's own webhook URL when there is one. The deliveries are due at once (``now``,
    by default the current time); a worker sends them (see ``tasks``)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    now = now or utcnow()
    data = jsonable(payload)
    if endpoints is None:
        subscribed = repository.subscribed(session, tenant_id=tenant_id, event_type=event_type)
    else:  # the caller read them once for many events
        subscribed = [e for e in endpoints if e.is_active and event_type in e.event_types]
    targets: list[dict[str, Any]] = [{"endpoint_id": e.id} for e in subscribed]
    if case_webhook_url:
        targets.append({"url": case_webhook_url})
    deliveries = [
        WebhookDelivery(
            tenant_id=tenant_id,
            event_type=event_type,
            payload=data,
            status=Status.pending,
            next_attempt_at=now,
            created_at=now,
            case_id=case_id,
            enveloped=enveloped,
            **target,
        )
        for target in targets
    ]
    session.add_all(deliveries)
    session.flush()
    return deliveries


def replay(
    session: Session, *, actor: Principal, delivery_id: str, now: datetime | None = None
) -> WebhookDelivery:
    """Send a delivery again, with the same ``webhook-id``, in a new cycle of attempts
    (due now, a fresh retry window); the earlier attempts stay in its history."""
    # Locked, so a worker cannot claim an attempt between the check and the reset.
    delivery = repository.delivery(
        session, tenant_id=actor.tenant_id, delivery_id=delivery_id, for_update=True
    )
    moment = now or utcnow()
    in_flight = delivery.claim_id is not None and (delivery.next_attempt_at or moment) > moment
    if delivery.status == Status.pending and in_flight:
        raise Conflict("an attempt of this delivery is in progress")
    if delivery.endpoint_id is not None:
        endpoint = repository.endpoint(
            session, tenant_id=actor.tenant_id, endpoint_id=delivery.endpoint_id
        )
        if not endpoint.is_active:
            raise Conflict("the delivery's endpoint is disabled; enable it before a replay")
    elif delivery.url is None:
        raise Conflict("the delivery's endpoint was deleted")
    before = {"status": delivery.status, "attempt_count": delivery.attempt_count}
    delivery.status = Status.pending
    delivery.next_attempt_at = moment
    delivery.attempt_count = 0
    delivery.first_attempt_at = None
    delivery.claim_id = None
    delivery.delivered_at = None
    after = {"status": delivery.status, "next_attempt_at": moment}
    _audit(session, actor, "webhook_delivery.replayed", delivery.id, before=before, after=after)
    return delivery


def due(session: Session, *, now: datetime, limit: int = 100) -> list[str]:
    """Ids of pending deliveries whose next attempt is due, oldest schedule first."""
    return repository.due_ids(session, now=now, limit=limit)


@dataclass(frozen=True)
class DeliveryResult:
    delivery_id: str
    status: WebhookDeliveryStatus | None  # None: there is no such delivery
    attempted: bool = False
    status_code: int | None = None
    error: str | None = None  # the failure, or why no attempt was made
    next_attempt_at: datetime | None = None


@dataclass(frozen=True)
class PreparedAttempt:
    """A claimed attempt: what to send, and the claim that must still hold to record it."""

    delivery_id: str
    claim_id: str
    url: str
    headers: dict[str, str]
    body: bytes


def _skip(delivery: WebhookDelivery, reason: str) -> DeliveryResult:
    return DeliveryResult(
        delivery.id, delivery.status, error=reason, next_attempt_at=delivery.next_attempt_at
    )


def claim(
    session: Session, delivery_id: str, *, box: SecretBox, now: datetime
) -> PreparedAttempt | DeliveryResult:
    """Take the next attempt of a due delivery, or say why there is none to make."""
    return claim_many(session, [delivery_id], box=box, now=now)[0]


def claim_many(
    session: Session, delivery_ids: Sequence[str], *, box: SecretBox, now: datetime
) -> list[PreparedAttempt | DeliveryResult]:
    """``claim`` for several deliveries, locked with one statement; in the given order."""
    locked = repository.claim_lock_many(session, delivery_ids)
    results = [
        _prepare(session, delivery, box=box, now=now)
        if (delivery := locked.get(delivery_id)) is not None
        else DeliveryResult(delivery_id, None, error="absent, or being attempted elsewhere")
        for delivery_id in delivery_ids
    ]
    session.flush()
    return results


def _prepare(
    session: Session, delivery: WebhookDelivery, *, box: SecretBox, now: datetime
) -> PreparedAttempt | DeliveryResult:
    if delivery.status != Status.pending:
        return _skip(delivery, f"already {delivery.status.value}")
    if delivery.next_attempt_at is None or delivery.next_attempt_at > now:
        return _skip(delivery, "not due yet")
    if delivery.endpoint_id is not None:
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        if endpoint is None or not endpoint.is_active:
            repository.settle(delivery, Status.abandoned, "endpoint is disabled")
            return _skip(delivery, "endpoint is disabled")
        url = endpoint.url
        sealed: SealedSecrets | None = endpoint
    elif delivery.url is not None:
        # A case's own URL has no endpoint: it is signed with the tenant's case-webhook
        # secret, made now if the tenant has none yet (see case_secret).
        url = delivery.url
        sealed = None
    else:
        repository.settle(delivery, Status.abandoned, "endpoint deleted")
        return _skip(delivery, "endpoint deleted")
    try:
        if sealed is not None:
            secrets = box.secrets_in_use(sealed, now=now)
        else:
            secrets = case_secret.secrets_in_use(
                session, tenant_id=delivery.tenant_id, box=box, now=now
            )
    except SecretBoxError as exc:
        # Retrying cannot help until the key is fixed; settle it (replay resends it)
        # rather than leave it due at the head of the queue.
        repository.settle(delivery, Status.failed, f"cannot sign: {exc}"[:500])
        return _skip(delivery, "cannot sign")
    body = event_body(delivery)
    headers = signing.signed_headers(
        secrets_in_use=secrets, msg_id=delivery.id, timestamp=int(now.timestamp()), body=body
    )
    delivery.claim_id = new_id()
    delivery.attempt_count += 1
    delivery.first_attempt_at = delivery.first_attempt_at or now
    delivery.next_attempt_at = now + LEASE
    return PreparedAttempt(delivery.id, delivery.claim_id, url, headers, body)


def record(
    session: Session,
    attempt: PreparedAttempt,
    outcome: SendOutcome,
    *,
    now: datetime,
    rng: random.Random | None = None,
) -> DeliveryResult:
    """Store an attempt's outcome: delivered on 2xx; on 410 Gone the endpoint is disabled
    and its pending deliveries abandoned; failed at once when the outbound policy
    refused a case's own URL; otherwise retried with backoff until the retry window is over,
    then failed."""
    return record_many(session, [(attempt, outcome, now)], rng=rng)[0]


def record_many(
    session: Session,
    outcomes: Sequence[tuple[PreparedAttempt, SendOutcome, datetime]],
    *,
    rng: random.Random | None = None,
) -> list[DeliveryResult]:
    """``record`` for several attempts, their deliveries locked with one statement."""
    locked = repository.result_lock_many(session, [a.delivery_id for a, _, _ in outcomes])
    results = [
        _apply(session, delivery, attempt, outcome, now=now, rng=rng)
        if (delivery := locked.get(attempt.delivery_id)) is not None
        else DeliveryResult(attempt.delivery_id, None, error="the delivery no longer exists")
        for attempt, outcome, now in outcomes
    ]
    session.flush()
    return results


def _apply(
    session: Session,
    delivery: WebhookDelivery,
    attempt: PreparedAttempt,
    outcome: SendOutcome,
    *,
    now: datetime,
    rng: random.Random | None,
) -> DeliveryResult:
    error = outcome.error[:EXCERPT_CHARS] if outcome.error else None
    repository.add_attempt(session, delivery, outcome, error=error, now=now)
    result = DeliveryResult(delivery.id, delivery.status, True, outcome.status_code, error)
    if delivery.claim_id != attempt.claim_id or delivery.status != Status.pending:
        # The claim lapsed or a replay replaced it: the attempt is history, not a verdict.
        return result
    delivery.claim_id = None
    delivery.last_status_code = outcome.status_code
    delivery.last_error = error
    if outcome.ok:
        delivery.status = Status.delivered
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif outcome.status_code == 410:
        repository.settle(delivery, Status.abandoned, "receiver answered 410 Gone")
        if delivery.endpoint_id is not None:
            _gone(session, delivery, now=now)
    elif outcome.refused and delivery.url is not None:
        # A case's own URL resolves to addresses webhooks may not reach, and nothing can
        # change it: retrying for days would only keep it pending. (An endpoint's URL
        # or the allow-list can be fixed, so its deliveries keep their schedule.) A
        # replay tries again.
        repository.settle(delivery, Status.failed, error or "refused")
    else:
        delivery.next_attempt_at = backoff.next_attempt_at(
            attempt=delivery.attempt_count,
            first_attempt_at=delivery.first_attempt_at or now,
            now=now,
            rng=rng,
        )
        if delivery.next_attempt_at is None:
            delivery.status = Status.failed
    return DeliveryResult(
        delivery.id, delivery.status, True, outcome.status_code, error, delivery.next_attempt_at
    )


def _gone(session: Session, delivery: WebhookDelivery, *, now: datetime) -> None:
    """The receiver says the endpoint is gone for good: stop sending to it."""
    assert delivery.endpoint_id is not None
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
    if endpoint is None:
        return
    repository.abandon_pending(
        session,
        endpoint_id=endpoint.id,
        reason="endpoint disabled: receiver answered 410 Gone",
        except_id=delivery.id,
    )
    if not endpoint.is_active:
        return
    before = _snapshot(endpoint)
    _disable(endpoint, reason="receiver answered 410 Gone", now=now)
    old, new = audit.changes(before, _snapshot(endpoint))
    _audit(
        session,
        Principal.system(endpoint.tenant_id, "webhook delivery"),
        "webhook_endpoint.disabled",
        endpoint.id,
        message=f"delivery {delivery.id} was answered 410 Gone",
        before=old,
        after=new,
    )


def deliver(
    session: Session,
    delivery_id: str,
    *,
    sender: Sender,
    box: SecretBox,
    now: datetime,
    rng: random.Random | None = None,
) -> DeliveryResult:
    """Make one attempt of a due delivery in this session; a settled or not-yet-due
    delivery is left as it is."""
    claimed = claim(session, delivery_id, box=box, now=now)
    if isinstance(claimed, DeliveryResult):
        return claimed
    outcome = sender.send(claimed.url, headers=claimed.headers, body=claimed.body)
    return record(session, claimed, outcome, now=now, rng=rng)
