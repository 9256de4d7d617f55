"""Delivery attempts against a real receiver on the loopback interface (allow-listed),
on a timeline of each test's own, so schedules are checked with exact times."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from casework.auth.principal import Principal
from casework.infra.db import Database
from casework.infra.secrets_box import SecretBox
from casework.models import (
    AuditEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
)
from casework.webhooks import case_secret, service, signing
from casework.webhooks.outbound import OutboundClient
from casework.webhooks.service import DeliveryResult
from tests.factories import TenantKit
from tests.webhooks.conftest import Receiver
from tests.webhooks.factories import emit_at, later, make_endpoint

Status = WebhookDeliveryStatus


def _deliver(
    db: Database, delivery_id: str, sender: OutboundClient, box: SecretBox, now: datetime
) -> DeliveryResult:
    with db.transaction() as session:
        return service.deliver(
            session, delivery_id, sender=sender, box=box, now=now, rng=random.Random(1)
        )


def _row(db: Database, delivery_id: str) -> tuple[WebhookDelivery, list[WebhookAttempt]]:
    with db.transaction(write=False) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        attempts = session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.attempted_at)
        ).all()
        return delivery, list(attempts)


def test_delivered_on_200_with_a_valid_signature(
    db: Database, kit: TenantKit, receiver: Receiver, sender: OutboundClient, box: SecretBox
):
    _, secret = make_endpoint(db, tenant_id=kit.tenant_id, url=receiver.url("/ok"))
    at = later()
    payload = {"case_id": "a" * 24, "amount": Decimal("12.50"), "tags": ["x"]}
    (delivery_id,) = emit_at(db, tenant_id=kit.tenant_id, at=at, payload=payload)

    result = _deliver(db, delivery_id, sender, box, at)

    assert result == DeliveryResult(delivery_id, Status.delivered, True, 200, None, None)
    request = receiver.next()
    assert request.path == "/ok"
    signing.verify(secret=secret, headers=request.headers, body=request.body, now=at.timestamp())
    assert request.headers["webhook-id"] == delivery_id
    assert request.headers["webhook-timestamp"] == str(int(at.timestamp()))
    assert json.loads(request.body) == {
        "type": "case.created",
        "timestamp": at.isoformat().replace("+00:00", "Z"),
        "data": {"case_id": "a" * 24, "amount": "12.50", "tags": ["x"]},
    }
    delivery, attempts = _row(db, delivery_id)
    assert (delivery.status, delivery.delivered_at, delivery.next_attempt_at) == (
        Status.delivered,
        at,
        None,
    )
    assert delivery.attempt_count == 1
    assert [(a.status_code, a.error, a.attempted_at) for a in attempts] == [(200, None, at)]
    assert attempts[0].response_excerpt == "answer 200 from the test receiver"


def test_delivering_a_delivered_row_does_nothing(
    db: Database, kit: TenantKit, receiver: Receiver, sender: OutboundClient, box: SecretBox
):
    make_endpoint(db, tenant_id=kit.tenant_id, url=receiver.url("/ok"))
    at = later()
    (delivery_id,) = emit_at(db, tenant_id=kit.tenant_id, at=at)
    assert _deliver(db, delivery_id, sender, box, at).status == Status.delivered
    receiver.next()
    again = _deliver(db, delivery_id, sender, box, at + timedelta(days=1))
    assert again.attempted is False
    assert again.error == "already delivered"
    receiver.assert_idle()
    assert len(_row(db, delivery_id)[1]) == 1


def test_server_error_is_retried_later_then_failed_after_three_days(
    db: Database, kit: TenantKit, receiver: Receiver, sender: OutboundClient, box: SecretBox
):
    make_endpoint(db, tenant_id=kit.tenant_id, url=receiver.url("/fail"))
    at = later()
    (delivery_id,) = emit_at(db, tenant_id=kit.tenant_id, at=at)

    first = _deliver(db, delivery_id, sender, box, at)
    assert first.status == Status.pending
    assert (first.status_code, first.error) == (500, "receiver answered 500")
    assert first.next_attempt_at is not None
    assert at < first.next_attempt_at <= at + timedelta(seconds=5)
    assert receiver.next().path == "/fail"

    # not due yet: nothing is sent
    early = _deliver(db, delivery_id, sender, box, at + timedelta(milliseconds=1))
    assert (early.attempted, early.error) == (False, "not due yet")
    receiver.assert_idle()

    second = _deliver(db, delivery_id, sender, box, first.next_attempt_at)
    assert second.attempted
    assert second.next_attempt_at is not None
    assert second.next_attempt_at - first.next_attempt_at <= timedelta(minutes=5)
    receiver.next()

    # the attempt that fails once the window is over settles the delivery
    last = _deliver(db, delivery_id, sender, box, at + timedelta(days=3))
    assert (last.status, last.next_attempt_at) == (Status.failed, None)
    receiver.next()
    delivery, attempts = _row(db, delivery_id)
    assert delivery.status == Status.failed
    assert delivery.attempt_count == 3
    assert delivery.last_status_code == 500
    assert [a.status_code for a in attempts] == [500, 500, 500]
    with db.transaction(write=False) as session:
        assert delivery_id not in service.due(session, now=at + timedelta(days=30), limit=10_000)


def test_gone_disables_the_endpoint_and_abandons_its_deliveries(
    db: Database, kit: TenantKit, receiver: Receiver, sender: OutboundClient, box: SecretBox
):
    endpoint_id, _ = make_endpoint(db, tenant_id=kit.tenant_id, url=receiver.url("/gone"))
    at = later()
    (first,) = emit_at(db, tenant_id=kit.tenant_id, at=at)
    (second,) = emit_at(db, tenant_id=kit.tenant_id, at=at)

    result = _deliver(db, first, sender, box, at)

    assert (result.status, result.status_code) == (Status.abandoned, 410)
    receiver.next()
    with db.transaction(write=False) as session:
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        assert endpoint is not None
        assert endpoint.is_active is False
        assert endpoint.disabled_reason == "receiver answered 410 Gone"
        assert endpoint.disabled_at == at
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.entity_id == endpoint_id).order_by(AuditEvent.seq)
        ).all()
        assert [(e.action, e.actor_type.value) for e in events][-1] == (
            "webhook_endpoint.disabled",
            "system",
        )
    other, _ = _row(db, second)
    assert (other.status, other.next_attempt_at) == (Status.abandoned, None)
    assert _deliver(db, second, sender, box, at).attempted is False
    assert emit_at(db, tenant_id=kit.tenant_id, at=at) == []
    receiver.assert_idle()


def test_redirect_is_not_followed_and_counts_as_a_failure(
    db: Database, kit: TenantKit, receiver: Receiver, sender: OutboundClient, box: SecretBox
):
    make_endpoint(db, tenant_id=kit.tenant_id, url=receiver.url("/redirect"))
    at = later()
    (delivery_id,) = emit_at(db, tenant_id=kit.tenant_id, at=at)
    result = _deliver(db, delivery_id, sender, box, at)
    assert result.status == Status.pending
    assert result.status_code == 302
    assert result.error == "receiver answered 302 (redirect to '/ok' not followed)"
    assert result.next_attempt_at is not None
    assert result.next_attempt_at > at
    assert receiver.next().path == "/redirect"
    receiver.assert_idle()


def test_replay_sends_the_same_webhook_id_again(
    db: Database, kit: TenantKit, receiver: Receiver, sender: OutboundClient, box: SecretBox
):
    _, secret = make_endpoint(db, tenant_id=kit.tenant_id, url=receiver.url("/ok"))
    at = later()
    (delivery_id,) = emit_at(db, tenant_id=kit.tenant_id, at=at)
    _deliver(db, delivery_id, sender, box, at)
    original = receiver.next()

    replay_at = at + timedelta(hours=5)
    with db.transaction() as session:
        replayed = service.replay(
            session, actor=Principal.system(kit.tenant_id), delivery_id=delivery_id, now=replay_at
        )
        assert (replayed.id, replayed.status, replayed.attempt_count) == (
            delivery_id,
            Status.pending,
            0,
        )
    assert _deliver(db, delivery_id, sender, box, replay_at).status == Status.delivered
    again = receiver.next()
    assert again.headers["webhook-id"] == original.headers["webhook-id"] == delivery_id
    assert again.body == original.body
    signing.verify(secret=secret, headers=again.headers, body=again.body, now=replay_at.timestamp())
    delivery, attempts = _row(db, delivery_id)
    assert [a.attempted_at for a in attempts] == [at, replay_at]
    assert delivery.delivered_at == replay_at


def test_rotation_signs_with_both_secrets_for_a_day(
    db: Database, kit: TenantKit, receiver: Receiver, sender: OutboundClient, box: SecretBox
):
    endpoint_id, old_secret = make_endpoint(db, tenant_id=kit.tenant_id, url=receiver.url("/ok"))
    at = later()
    with db.transaction() as session:
        _, new_secret = service.rotate_secret(
            session,
            actor=Principal.system(kit.tenant_id),
            endpoint_id=endpoint_id,
            box=box,
            now=at,
        )
    (during,) = emit_at(db, tenant_id=kit.tenant_id, at=at + timedelta(hours=23))
    (after,) = emit_at(db, tenant_id=kit.tenant_id, at=at + timedelta(hours=25))

    _deliver(db, during, sender, box, at + timedelta(hours=23))
    request = receiver.next()
    assert len(request.headers["webhook-signature"].split()) == 2
    for secret in (new_secret, old_secret):
        signing.verify(
            secret=secret,
            headers=request.headers,
            body=request.body,
            now=(at + timedelta(hours=23)).timestamp(),
        )

    _deliver(db, after, sender, box, at + timedelta(hours=25))
    request = receiver.next()
    assert len(request.headers["webhook-signature"].split()) == 1
    signing.verify(
        secret=new_secret,
        headers=request.headers,
        body=request.body,
        now=(at + timedelta(hours=25)).timestamp(),
    )


def test_case_url_gets_its_own_delivery(
    db: Database, kit: TenantKit, receiver: Receiver, sender: OutboundClient, box: SecretBox
):
    at = later()
    with db.transaction() as session:
        _, secret = case_secret.rotate(
            session, actor=Principal.system(kit.tenant_id), box=box, now=at
        )
    (delivery_id,) = emit_at(
        db,
        tenant_id=kit.tenant_id,
        at=at,
        event_type="case.completed",
        case_webhook_url=receiver.url("/ok"),
    )
    delivery, _ = _row(db, delivery_id)
    assert (delivery.endpoint_id, delivery.url) == (None, receiver.url("/ok"))
    assert _deliver(db, delivery_id, sender, box, at).status == Status.delivered
    request = receiver.next()
    assert request.headers["webhook-id"] == delivery_id
    # signed with the tenant's case-webhook secret (see test_case_secret)
    signing.verify(secret=secret, headers=request.headers, body=request.body, now=at.timestamp())
    assert json.loads(request.body)["type"] == "case.completed"


def test_emit_reaches_only_active_subscribers(db: Database, kit: TenantKit, receiver: Receiver):
    wanted, _ = make_endpoint(
        db, tenant_id=kit.tenant_id, url=receiver.url("/ok"), event_types=["case.assigned"]
    )
    make_endpoint(
        db, tenant_id=kit.tenant_id, url=receiver.url("/ok"), event_types=["case.resolved"]
    )
    paused, _ = make_endpoint(
        db, tenant_id=kit.tenant_id, url=receiver.url("/ok"), event_types=["case.assigned"]
    )
    with db.transaction() as session:
        endpoint = session.get(WebhookEndpoint, paused)
        assert endpoint is not None
        endpoint.is_active = False
    (delivery_id,) = emit_at(db, tenant_id=kit.tenant_id, at=later(), event_type="case.assigned")
    assert _row(db, delivery_id)[0].endpoint_id == wanted


def test_a_disabled_endpoint_abandons_its_pending_delivery(
    db: Database, kit: TenantKit, receiver: Receiver, sender: OutboundClient, box: SecretBox
):
    endpoint_id, _ = make_endpoint(db, tenant_id=kit.tenant_id, url=receiver.url("/ok"))
    at = later()
    (delivery_id,) = emit_at(db, tenant_id=kit.tenant_id, at=at)
    with db.transaction() as session:
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        assert endpoint is not None
        endpoint.is_active = False
    result = _deliver(db, delivery_id, sender, box, at)
    assert (result.attempted, result.status) == (False, Status.abandoned)
    receiver.assert_idle()


def test_a_secret_that_cannot_be_opened_settles_the_delivery_without_sending(
    db: Database, kit: TenantKit, receiver: Receiver, sender: OutboundClient
):
    """Another key (say CASEWORK_SECRET_KEY changed): retrying cannot help, so the delivery
    fails at once instead of staying due at the head of the queue."""
    from cryptography.fernet import Fernet

    make_endpoint(db, tenant_id=kit.tenant_id, url=receiver.url("/ok"))
    at = later()
    (delivery_id,) = emit_at(db, tenant_id=kit.tenant_id, at=at)
    result = _deliver(db, delivery_id, sender, SecretBox(Fernet.generate_key()), at)
    assert not result.attempted
    delivery, attempts = _row(db, delivery_id)
    assert delivery.status is Status.failed and delivery.next_attempt_at is None
    assert delivery.last_error is not None and delivery.last_error.startswith("cannot sign")
    assert attempts == []
    receiver.assert_idle()
