"""The job functions: their own transactions, settings-driven allow-list, and attempts
that two workers cannot both make."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from casework.auth.principal import Principal
from casework.infra.db import Database
from casework.infra.errors import Conflict
from casework.infra.secrets_box import SecretBox
from casework.models import WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus
from casework.webhooks import service, tasks
from casework.webhooks.outbound import SendOutcome
from casework.webhooks.service import LEASE, DeliveryResult, PreparedAttempt
from tests.conftest import BACKEND
from tests.factories import TenantKit
from tests.webhooks.conftest import Receiver
from tests.webhooks.factories import emit_at, later, make_endpoint

Status = WebhookDeliveryStatus
OK = SendOutcome(200, None, "ok", 3)


def test_deliver_delivery_uses_the_settings_allow_list(
    db: Database, hooks_db: Database, kit: TenantKit, receiver: Receiver
):
    make_endpoint(db, tenant_id=kit.tenant_id, url=receiver.url("/ok"))
    at = later()
    (refused_id,) = emit_at(db, tenant_id=kit.tenant_id, at=at)
    (allowed_id,) = emit_at(db, tenant_id=kit.tenant_id, at=at)

    refused = tasks.deliver_delivery(db, refused_id, now=at)
    assert refused.status == Status.pending
    assert refused.error == "refused: 127.0.0.1 is a loopback address"
    receiver.assert_idle()

    delivered = tasks.deliver_delivery(hooks_db, allowed_id, now=at)
    assert delivered.status == Status.delivered
    assert receiver.next().headers["webhook-id"] == allowed_id


def test_deliver_due_attempts_what_is_due(hooks_db: Database, kit: TenantKit, receiver: Receiver):
    make_endpoint(hooks_db, tenant_id=kit.tenant_id, url=receiver.url("/ok"))
    # Long past, so these are the only deliveries due at that moment.
    at = datetime(2001, 1, 1, tzinfo=UTC) + timedelta(seconds=datetime.now(UTC).microsecond)
    ids = emit_at(hooks_db, tenant_id=kit.tenant_id, at=at)
    ids += emit_at(hooks_db, tenant_id=kit.tenant_id, at=at)
    (not_yet,) = emit_at(hooks_db, tenant_id=kit.tenant_id, at=at + timedelta(seconds=1))

    assert tasks.deliver_due(hooks_db, now=at, limit=50) == 2

    assert {receiver.next().headers["webhook-id"] for _ in ids} == set(ids)
    receiver.assert_idle()
    assert tasks.deliver_due(hooks_db, now=at, limit=50) == 0
    with hooks_db.transaction() as session:
        rows = {d: session.get(WebhookDelivery, d) for d in [*ids, not_yet]}
        assert [r.status if r else None for r in rows.values()] == [
            Status.delivered,
            Status.delivered,
            Status.pending,
        ]
        # settle the remaining one: it must not linger due in a shared database
        row = rows[not_yet]
        assert row is not None
        row.status, row.next_attempt_at = Status.failed, None


def test_due_lists_pending_rows_whose_time_has_come(db: Database, kit: TenantKit):
    make_endpoint(db, tenant_id=kit.tenant_id, url="https://1.2.3.4/x")
    at = later(500)
    (delivery_id,) = emit_at(db, tenant_id=kit.tenant_id, at=at)
    with db.transaction(write=False) as session:
        assert delivery_id not in service.due(session, now=at - timedelta(microseconds=1))
        assert delivery_id in service.due(session, now=at, limit=100_000)


def _claim(db: Database, delivery_id: str, box: SecretBox, now: datetime) -> object:
    with db.transaction() as session:
        return service.claim(session, delivery_id, box=box, now=now)


def test_a_claimed_attempt_is_not_claimed_again(db: Database, kit: TenantKit, box: SecretBox):
    make_endpoint(db, tenant_id=kit.tenant_id, url="https://1.2.3.4/x")
    at = later()
    (delivery_id,) = emit_at(db, tenant_id=kit.tenant_id, at=at)
    first = _claim(db, delivery_id, box, at)
    assert isinstance(first, PreparedAttempt)
    second = _claim(db, delivery_id, box, at + timedelta(seconds=1))
    assert second == DeliveryResult(
        delivery_id, Status.pending, error="not due yet", next_attempt_at=at + LEASE
    )

    # A worker that died mid-attempt: once its lease runs out the delivery is due again.
    with db.transaction(write=False) as session:
        assert delivery_id in service.due(session, now=at + LEASE, limit=100_000)
    third = _claim(db, delivery_id, box, at + LEASE)
    assert isinstance(third, PreparedAttempt)
    assert third.claim_id != first.claim_id

    # The late result of the lapsed claim is kept as history but settles nothing.
    with db.transaction() as session:
        late = service.record(session, first, OK, now=at + LEASE)
        assert late.attempted
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        assert delivery.status == Status.pending
    with db.transaction() as session:
        current = service.record(session, third, OK, now=at + LEASE)
        assert current.status == Status.delivered
        attempts = session.scalar(
            select(func.count()).where(WebhookAttempt.delivery_id == delivery_id)
        )
        assert attempts == 2


def test_a_replay_supersedes_an_unfinished_claim(db: Database, kit: TenantKit, box: SecretBox):
    make_endpoint(db, tenant_id=kit.tenant_id, url="https://1.2.3.4/x")
    at = later()
    (delivery_id,) = emit_at(db, tenant_id=kit.tenant_id, at=at)
    claimed = _claim(db, delivery_id, box, at)
    assert isinstance(claimed, PreparedAttempt)
    with db.transaction() as session:
        actor = Principal.system(kit.tenant_id)
        with pytest.raises(Conflict, match="in progress"):
            service.replay(session, actor=actor, delivery_id=delivery_id, now=at)
        service.replay(session, actor=actor, delivery_id=delivery_id, now=at + LEASE)
    with db.transaction() as session:
        result = service.record(session, claimed, OK, now=at + LEASE)
        assert result.status == Status.pending
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        assert delivery.next_attempt_at == at + LEASE


@pytest.mark.skipif(BACKEND != "postgresql", reason="row locks exist on PostgreSQL only")
def test_a_locked_delivery_is_skipped_not_waited_for(db: Database, kit: TenantKit, box: SecretBox):
    make_endpoint(db, tenant_id=kit.tenant_id, url="https://1.2.3.4/x")
    at = later()
    (delivery_id,) = emit_at(db, tenant_id=kit.tenant_id, at=at)
    with db.transaction() as holder:
        claimed = service.claim(holder, delivery_id, box=box, now=at)
        assert isinstance(claimed, PreparedAttempt)
        # Another worker, while the first still holds the row in its transaction.
        with db.transaction() as other:
            skipped = service.claim(other, delivery_id, box=box, now=at)
        assert skipped == DeliveryResult(
            delivery_id, None, error="absent, or being attempted elsewhere"
        )
