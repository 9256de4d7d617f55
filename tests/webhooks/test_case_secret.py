"""Deliveries to a case's own ``webhook_url`` are signed with the tenant's case-webhook
secret: made on the first such delivery or by a rotation, shown only by a rotation,
rotated like an endpoint's (both secrets sign for 24 hours), per tenant."""

from __future__ import annotations

import json
import random
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from casework.api_clients.service import create_api_client
from casework.auth.principal import Principal
from casework.infra.db import Database
from casework.infra.secrets_box import SecretBox
from casework.models import AuditEvent, Tenant, WebhookAttempt, WebhookDelivery
from casework.models import WebhookDeliveryStatus as Status
from casework.users.schemas import RoleCreate
from casework.users.service import create_role, create_user
from casework.webhooks import case_secret, service, signing
from casework.webhooks.outbound import OutboundClient
from casework.webhooks.service import DeliveryResult
from tests.factories import TenantKit, case_body
from tests.webhooks.conftest import OnPremReceiver, Received, Receiver
from tests.webhooks.factories import emit_at, later

PATH = "/v1/settings/case-webhook-secret"
STATUS_FIELDS = {"exists", "created_at", "rotated_at", "previous_expires_at"}


def _deliver(
    db: Database, delivery_id: str, sender: OutboundClient, box: SecretBox, now: datetime
) -> DeliveryResult:
    with db.transaction() as session:
        return service.deliver(
            session, delivery_id, sender=sender, box=box, now=now, rng=random.Random(1)
        )


def _rotate(db: Database, tenant_id: str, box: SecretBox, now: datetime) -> str:
    with db.transaction() as session:
        _, secret = case_secret.rotate(session, actor=Principal.system(tenant_id), box=box, now=now)
        return secret


def _case_url_delivery(
    db: Database,
    tenant_id: str,
    receiver: Receiver,
    at: datetime,
    sender: OutboundClient,
    box: SecretBox,
) -> Received:
    """Emit case.completed for a case URL at ``at``, deliver it then, and return what
    the receiver got."""
    (delivery_id,) = emit_at(
        db,
        tenant_id=tenant_id,
        at=at,
        event_type="case.completed",
        case_webhook_url=receiver.url("/ok"),
    )
    assert _deliver(db, delivery_id, sender, box, at).status == Status.delivered
    request = receiver.next()
    assert request.headers["webhook-id"] == delivery_id
    return request


def _verifies(secret: str, request: Received, at: datetime) -> bool:
    try:
        signing.verify(
            secret=secret, headers=request.headers, body=request.body, now=at.timestamp()
        )
    except signing.InvalidSignature:
        return False
    return True


def _audit(db: Database, tenant_id: str) -> list[AuditEvent]:
    with db.transaction(write=False) as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.tenant_id == tenant_id,
                    AuditEvent.action.like("tenant.case_webhook_secret%"),
                )
                .order_by(AuditEvent.seq)
            )
        )


def _rotate_api(client: TestClient, kit: TenantKit) -> dict[str, Any]:
    r = client.post(f"{PATH}/rotate", headers=kit.admin.headers)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    return dict(r.json())


def _open_case(client: TestClient, kit: TenantKit, url: str) -> dict[str, Any]:
    body = case_body(
        webhook_url=url,
        customer={"customer_type": "INDIVIDUAL", "full_name": "Petra Lindholm"},
        checks=[{"type": "JURISDICTION"}],
    )
    r = client.post("/v1/cases", json=body, headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_a_case_url_delivery_verifies_with_the_rotated_secrets(
    app: FastAPI, client: TestClient, kit: TenantKit, onprem: OnPremReceiver
):
    """End to end: the app's own job runner sends case.completed to the case's URL,
    signed with the secret the rotation returned; after a second rotation both sign."""
    first = _rotate_api(client, kit)
    assert first["secret"].startswith("whsec_")
    assert set(first) == STATUS_FIELDS | {"secret"}
    assert first["exists"] is True
    assert first["rotated_at"] is None and first["previous_expires_at"] is None

    case = _open_case(client, kit, onprem.url)
    app.state.jobs.join()
    headers, raw = onprem.requests.get(timeout=10)
    signing.verify(secret=first["secret"], headers=headers, body=raw)
    event = json.loads(raw)
    assert (event["type"], event["data"]["id"]) == ("case.completed", case["id"])
    assert len(headers["webhook-signature"].split()) == 1

    second = _rotate_api(client, kit)
    assert second["secret"] != first["secret"]
    assert second["created_at"] == first["created_at"]
    expires = datetime.fromisoformat(second["previous_expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(hours=24))) < timedelta(minutes=1)
    assert second["rotated_at"] is not None

    _open_case(client, kit, onprem.url)
    app.state.jobs.join()
    headers, raw = onprem.requests.get(timeout=10)
    assert len(headers["webhook-signature"].split()) == 2
    for secret in (first["secret"], second["secret"]):
        signing.verify(secret=secret, headers=headers, body=raw)
    app.state.jobs.sweep_now()
    app.state.jobs.join()
    assert onprem.requests.empty(), "one delivery per completed case"


def test_get_says_whether_there_is_one_and_never_shows_it(
    client: TestClient, kit: TenantKit, db: Database, capfd: pytest.CaptureFixture[str]
):
    h = kit.viewer.headers
    none = client.get(PATH, headers=h)
    assert none.status_code == 200, none.text
    assert none.json() == {
        "exists": False,
        "created_at": None,
        "rotated_at": None,
        "previous_expires_at": None,
    }
    first = _rotate_api(client, kit)
    second = _rotate_api(client, kit)
    shown = client.get(PATH, headers=h)
    assert shown.status_code == 200
    body = shown.json()
    assert set(body) == STATUS_FIELDS
    assert body["exists"] is True
    assert body["created_at"] == first["created_at"]
    assert body["rotated_at"] == second["rotated_at"]
    assert body["previous_expires_at"] == second["previous_expires_at"]

    with db.transaction(write=False) as session:
        tenant = session.get(Tenant, kit.tenant_id)
        assert tenant is not None
        stored = dict(tenant.settings[case_secret.SETTING])
        audit_rows = repr(session.execute(text("SELECT * FROM audit_events")).all())
    sealed = [stored["secret_encrypted"], stored["previous_secret_encrypted"]]
    logs = capfd.readouterr()
    for secret in (first["secret"], second["secret"]):
        key = secret.removeprefix("whsec_")
        assert key not in shown.text and key not in none.text
        assert key not in repr(stored), "stored sealed, never in clear"
        assert key not in audit_rows
        assert key not in logs.out + logs.err
    for token in sealed:
        assert token not in shown.text
        assert token not in audit_rows

    events = _audit(db, kit.tenant_id)
    assert [e.action for e in events] == [
        "tenant.case_webhook_secret_created",
        "tenant.case_webhook_secret_rotated",
    ]
    assert all(e.entity_type == "tenant" and e.entity_id == kit.tenant_id for e in events)
    assert events[-1].after is not None
    assert set(events[-1].after) == {"created_at", "rotated_at", "previous_secret_expires_at"}


def test_only_config_managers_rotate(client: TestClient, kit: TenantKit, db: Database):
    for member in (kit.viewer, kit.analyst):
        r = client.post(f"{PATH}/rotate", headers=member.headers)
        assert r.status_code == 403
        assert r.headers["content-type"].startswith("application/problem+json")
    assert client.get(PATH, headers=kit.viewer.headers).status_code == 200
    assert client.get(PATH).status_code == 401
    assert client.post(f"{PATH}/rotate").status_code == 401
    assert client.post(f"{PATH}/rotate", headers=kit.supervisor.headers).status_code == 200
    with db.transaction() as session:
        system = Principal.system(kit.tenant_id)
        slug = f"nothing-{secrets.token_hex(4)}"
        create_role(session, actor=system, data=RoleCreate(slug=slug, name=slug, permissions=[]))
        user = create_user(
            session,
            actor=system,
            email=f"{slug}@example.test",
            first_name="No",
            last_name="Thing",
            role_slug=slug,
        )
        _, _, api_key = create_api_client(session, actor=system, name="n", acting_user_id=user.id)
    assert client.get(PATH, headers={"Authorization": f"Bearer {api_key}"}).status_code == 403
    assert [e.action for e in _audit(db, kit.tenant_id)] == ["tenant.case_webhook_secret_created"]


def test_tenants_have_their_own_secrets(
    client: TestClient,
    kit: TenantKit,
    other_kit: TenantKit,
    db: Database,
    receiver: Receiver,
    sender: OutboundClient,
    box: SecretBox,
):
    at = later()
    mine = _rotate(db, kit.tenant_id, box, at)
    theirs = _rotate(db, other_kit.tenant_id, box, at)
    request = _case_url_delivery(db, kit.tenant_id, receiver, at, sender, box)
    assert _verifies(mine, request, at)
    assert not _verifies(theirs, request, at)
    # One tenant's rotation is not another's.
    assert client.get(PATH, headers=other_kit.admin.headers).json()["rotated_at"] is None
    _rotate_api(client, other_kit)
    assert client.get(PATH, headers=kit.admin.headers).json()["rotated_at"] is None
    assert [e.action for e in _audit(db, kit.tenant_id)] == ["tenant.case_webhook_secret_created"]


def test_rotation_signs_with_both_secrets_for_a_day(
    db: Database, kit: TenantKit, receiver: Receiver, sender: OutboundClient, box: SecretBox
):
    at = later()
    old = _rotate(db, kit.tenant_id, box, at)
    new = _rotate(db, kit.tenant_id, box, at + timedelta(hours=1))

    during = at + timedelta(hours=24)
    request = _case_url_delivery(db, kit.tenant_id, receiver, during, sender, box)
    assert len(request.headers["webhook-signature"].split()) == 2
    assert _verifies(old, request, during) and _verifies(new, request, during)

    after = at + timedelta(hours=26)
    request = _case_url_delivery(db, kit.tenant_id, receiver, after, sender, box)
    assert len(request.headers["webhook-signature"].split()) == 1
    assert _verifies(new, request, after) and not _verifies(old, request, after)


def test_the_first_case_url_delivery_makes_the_secret(
    client: TestClient,
    db: Database,
    kit: TenantKit,
    receiver: Receiver,
    sender: OutboundClient,
    box: SecretBox,
):
    assert client.get(PATH, headers=kit.admin.headers).json()["exists"] is False
    at = later()
    first = _case_url_delivery(db, kit.tenant_id, receiver, at, sender, box)
    assert len(first.headers["webhook-signature"].split()) == 1
    status = client.get(PATH, headers=kit.admin.headers).json()
    assert status["exists"] is True and status["rotated_at"] is None
    events = _audit(db, kit.tenant_id)
    assert [(e.action, e.actor_type.value) for e in events] == [
        ("tenant.case_webhook_secret_created", "system")
    ]
    # The next delivery uses the same secret, and makes no other.
    second = _case_url_delivery(db, kit.tenant_id, receiver, at, sender, box)
    with db.transaction(write=False) as session:
        value = case_secret.current(session, tenant_id=kit.tenant_id)
        assert value is not None
        (secret,) = box.secrets_in_use(value, now=at)
    assert _verifies(secret, first, at) and _verifies(secret, second, at)
    assert len(_audit(db, kit.tenant_id)) == 1

    # A rotation then hands out a secret the receiver can verify with.
    rotated = _rotate_api(client, kit)
    assert rotated["created_at"] == status["created_at"]
    assert rotated["rotated_at"] is not None
    third = _case_url_delivery(db, kit.tenant_id, receiver, at, sender, box)
    assert _verifies(rotated["secret"], third, at)


def test_a_secret_that_cannot_be_opened_settles_the_delivery_without_sending(
    db: Database, kit: TenantKit, receiver: Receiver, sender: OutboundClient, box: SecretBox
):
    at = later()
    _rotate(db, kit.tenant_id, box, at)
    (delivery_id,) = emit_at(
        db,
        tenant_id=kit.tenant_id,
        at=at,
        event_type="case.completed",
        case_webhook_url=receiver.url("/ok"),
    )
    result = _deliver(db, delivery_id, sender, SecretBox(Fernet.generate_key()), at)
    assert (result.attempted, result.status, result.error) == (False, Status.failed, "cannot sign")
    with db.transaction(write=False) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        assert delivery.next_attempt_at is None
        assert delivery.last_error is not None and delivery.last_error.startswith("cannot sign")
        attempts = session.scalars(
            select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id)
        ).all()
        assert attempts == []
    receiver.assert_idle()


def test_a_rotation_after_a_key_change_drops_the_secret_it_cannot_open(
    db: Database, kit: TenantKit, receiver: Receiver, sender: OutboundClient, box: SecretBox
):
    """Keeping the old secret for its grace period would fail every delivery until then."""
    at = later()
    _rotate(db, kit.tenant_id, SecretBox(Fernet.generate_key()), at)
    new = _rotate(db, kit.tenant_id, box, at)
    request = _case_url_delivery(db, kit.tenant_id, receiver, at, sender, box)
    assert len(request.headers["webhook-signature"].split()) == 1
    assert _verifies(new, request, at)
