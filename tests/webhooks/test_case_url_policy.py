"""A case's own ``webhook_url`` is held to the outbound policy when the case is created
(/v1 and the Sphinx dialect, the APIs that take one), and a delivery the policy refuses
ends as failed instead of staying pending for days."""

from __future__ import annotations

import random
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from casework.infra.db import Database
from casework.infra.secrets_box import SecretBox
from casework.models import Case, WebhookDelivery, WebhookDeliveryStatus
from casework.webhooks import service
from casework.webhooks.outbound import OutboundClient
from tests.dialects.sphinx.support import bearer
from tests.factories import TenantKit
from tests.webhooks.factories import emit_at, later

REFUSED = [
    ("http://127.0.0.1:8080/hook", "refused: 127.0.0.1 is a loopback address"),
    ("http://localhost/hook", "refused: localhost resolves to 127.0.0.1"),
    ("http://169.254.169.254/latest/meta-data/", "cloud metadata address"),
    ("https://10.0.0.5/hook", "refused: 10.0.0.5 is a private address"),
    ("http://[::ffff:127.0.0.1]/hook", "is a loopback address"),
]


def _cases(db: Database, tenant_id: str) -> int:
    with db.transaction(write=False) as session:
        count = session.scalar(select(func.count()).where(Case.tenant_id == tenant_id))
        return int(count or 0)


@pytest.mark.parametrize(("url", "reason"), REFUSED)
def test_v1_refuses_a_webhook_url_the_sender_would_refuse(
    client: TestClient, db: Database, kit: TenantKit, url: str, reason: str
):
    before = _cases(db, kit.tenant_id)
    r = client.post(
        "/v1/cases", json={"title": "t", "webhook_url": url}, headers=kit.analyst.headers
    )
    assert r.status_code == 422, r.text
    (error,) = r.json()["errors"]
    assert error["field"] == "webhook_url" and reason in error["message"]
    assert _cases(db, kit.tenant_id) == before


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.2:9/hook",  # allow-listed by the operator (the test settings)
        "https://hooks.example.com/cases",  # resolves later, if ever: checked at each attempt
    ],
)
def test_v1_keeps_a_webhook_url_the_policy_lets_through(
    client: TestClient, kit: TenantKit, url: str
):
    r = client.post(
        "/v1/cases",
        json={"title": "t", "webhook_url": url, "auto_start": False},
        headers=kit.analyst.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["webhook_url"] == url


def test_sphinx_refuses_it_in_its_own_shape(client: TestClient, db: Database, kit: TenantKit):
    auth = bearer(client, kit.analyst)
    customer: dict[str, Any] = client.post(
        "/api/customers/",
        json={"full_name": "Ada Lovelace", "customer_type": "INDIVIDUAL"},
        headers=auth,
    ).json()
    before = _cases(db, kit.tenant_id)
    r = client.post(
        "/api/cases/",
        json={"customer_id": customer["id"], "webhook_url": "http://10.1.2.3/hook"},
        headers=auth,
    )
    assert r.status_code == 400, r.text
    assert list(r.json()) == ["webhook_url"]
    assert "private address" in r.json()["webhook_url"][0]
    assert _cases(db, kit.tenant_id) == before


def test_a_delivery_the_policy_refuses_ends_failed(
    db: Database, kit: TenantKit, sender: OutboundClient, box: SecretBox
):
    at = later()
    (delivery_id,) = emit_at(
        db, tenant_id=kit.tenant_id, at=at, case_webhook_url="http://10.0.0.5/hook"
    )
    with db.transaction() as session:
        result = service.deliver(
            session, delivery_id, sender=sender, box=box, now=at, rng=random.Random(1)
        )
    assert result.status == WebhookDeliveryStatus.failed
    with db.transaction(write=False) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        assert delivery.status == WebhookDeliveryStatus.failed
        assert delivery.next_attempt_at is None
        assert delivery.last_error == "refused: 10.0.0.5 is a private address"


def test_a_host_that_does_not_resolve_is_tried_again(
    db: Database, kit: TenantKit, sender: OutboundClient, box: SecretBox
):
    at = later()
    (delivery_id,) = emit_at(
        db, tenant_id=kit.tenant_id, at=at, case_webhook_url="https://no-such-host.invalid/h"
    )
    with db.transaction() as session:
        result = service.deliver(
            session, delivery_id, sender=sender, box=box, now=at, rng=random.Random(1)
        )
    assert result.status == WebhookDeliveryStatus.pending
    assert result.next_attempt_at is not None and result.next_attempt_at > at
