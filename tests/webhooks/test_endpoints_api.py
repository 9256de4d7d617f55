"""Webhook endpoints and deliveries through /v1: CRUD, validation, secrets shown once,
one audit event per write, tenant isolation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from casework.app import create_app
from casework.config import Settings
from casework.infra.db import Database
from casework.models import AuditEvent, WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint
from tests.factories import TenantKit
from tests.webhooks.factories import emit_at, later

URL = "https://1.2.3.4/hooks/casework"
ENDPOINT_FIELDS = {
    "id",
    "url",
    "description",
    "event_types",
    "is_active",
    "disabled_at",
    "disabled_reason",
    "previous_secret_expires_at",
    "created_at",
    "updated_at",
}


def _create(client: TestClient, kit: TenantKit, **overrides: Any) -> dict[str, Any]:
    body = {"url": URL, "description": "ledger sync", "event_types": ["case.escalated"]}
    body.update(overrides)
    r = client.post("/v1/webhook-endpoints", json=body, headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    return r.json()


def _fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def _audit(db: Database, tenant_id: str, entity_id: str) -> list[AuditEvent]:
    with db.transaction(write=False) as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.tenant_id == tenant_id, AuditEvent.entity_id == entity_id)
                .order_by(AuditEvent.seq)
            )
        )


def test_create_shows_the_secret_once(client: TestClient, kit: TenantKit, db: Database):
    r = client.post(
        "/v1/webhook-endpoints",
        json={"url": URL, "event_types": ["case.created", "case.resolved", "case.created"]},
        headers=kit.admin.headers,
    )
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    created = r.json()
    assert set(created) == ENDPOINT_FIELDS | {"secret"}
    assert created["secret"].startswith("whsec_")
    assert created["event_types"] == ["case.created", "case.resolved"]
    assert created["is_active"] is True
    assert created["previous_secret_expires_at"] is None

    h = kit.admin.headers
    later_responses = [
        client.get(f"/v1/webhook-endpoints/{created['id']}", headers=h),
        client.get("/v1/webhook-endpoints", headers=h),
        client.patch(
            f"/v1/webhook-endpoints/{created['id']}", json={"description": "x"}, headers=h
        ),
    ]
    for response in later_responses:
        assert response.status_code == 200
        assert created["secret"] not in response.text
        assert "secret_encrypted" not in response.text
    assert set(later_responses[0].json()) == ENDPOINT_FIELDS
    with db.transaction(write=False) as session:
        stored = session.get(WebhookEndpoint, created["id"])
        assert stored is not None
        assert created["secret"] not in stored.secret_encrypted


def test_secret_never_reaches_audit_log_or_logs(
    client: TestClient, kit: TenantKit, db: Database, capfd: pytest.CaptureFixture[str]
):
    created = _create(client, kit)
    rotated = client.post(
        f"/v1/webhook-endpoints/{created['id']}/rotate-secret", headers=kit.admin.headers
    ).json()
    secrets = [created["secret"], rotated["secret"]]
    with db.transaction(write=False) as session:
        dumped = repr(session.execute(text("SELECT * FROM audit_events")).all())
        dumped += repr(session.execute(text("SELECT * FROM idempotency_records")).all())
    logs = capfd.readouterr()
    for secret in secrets:
        key = secret.removeprefix("whsec_")
        assert key not in dumped
        assert key not in logs.out + logs.err


def test_rotation_keeps_the_previous_secret_for_a_day(
    client: TestClient, kit: TenantKit, db: Database
):
    created = _create(client, kit)
    r = client.post(
        f"/v1/webhook-endpoints/{created['id']}/rotate-secret", headers=kit.admin.headers
    )
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    rotated = r.json()
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != created["secret"]
    expires = datetime.fromisoformat(rotated["previous_secret_expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(hours=24))) < timedelta(minutes=1)
    events = _audit(db, kit.tenant_id, created["id"])
    assert [e.action for e in events] == [
        "webhook_endpoint.created",
        "webhook_endpoint.secret_rotated",
    ]


def test_each_write_records_one_audit_event(client: TestClient, kit: TenantKit, db: Database):
    h = kit.admin.headers
    created = _create(client, kit)
    eid = created["id"]
    assert len(_audit(db, kit.tenant_id, eid)) == 1
    client.patch(
        f"/v1/webhook-endpoints/{eid}",
        json={"event_types": ["case.resolved"], "is_active": False},
        headers=h,
    )
    events = _audit(db, kit.tenant_id, eid)
    assert len(events) == 2
    assert events[-1].entity_type == "webhook_endpoint"
    assert events[-1].before == {
        "event_types": ["case.escalated"],
        "is_active": True,
        "disabled_reason": None,
    }
    assert events[-1].after is not None
    assert events[-1].after["is_active"] is False
    # a PATCH that changes nothing writes nothing
    client.patch(f"/v1/webhook-endpoints/{eid}", json={"description": "ledger sync"}, headers=h)
    assert len(_audit(db, kit.tenant_id, eid)) == 2
    assert client.delete(f"/v1/webhook-endpoints/{eid}", headers=h).status_code == 204
    events = _audit(db, kit.tenant_id, eid)
    assert [e.action for e in events][-1] == "webhook_endpoint.deleted"
    assert len(events) == 3


def test_update_and_reactivate(client: TestClient, kit: TenantKit):
    h = kit.admin.headers
    eid = _create(client, kit)["id"]
    paused = client.patch(f"/v1/webhook-endpoints/{eid}", json={"is_active": False}, headers=h)
    assert paused.status_code == 200
    assert paused.json()["is_active"] is False
    assert paused.json()["disabled_reason"].startswith("disabled by ")
    assert paused.json()["disabled_at"] is not None
    listed = client.get("/v1/webhook-endpoints", params={"is_active": False}, headers=h).json()
    assert [e["id"] for e in listed["items"]] == [eid]
    resumed = client.patch(
        f"/v1/webhook-endpoints/{eid}",
        json={"is_active": True, "url": "https://1.2.3.5/new", "description": "new"},
        headers=h,
    ).json()
    assert resumed["is_active"] is True
    assert resumed["disabled_at"] is None
    assert resumed["disabled_reason"] is None
    assert resumed["url"] == "https://1.2.3.5/new"
    assert resumed["description"] == "new"


def test_list_is_paginated(client: TestClient, kit: TenantKit):
    ids = {_create(client, kit)["id"] for _ in range(3)}
    first = client.get("/v1/webhook-endpoints", params={"limit": 2}, headers=kit.viewer.headers)
    assert first.status_code == 200
    assert len(first.json()["items"]) == 2
    second = client.get(
        "/v1/webhook-endpoints",
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
        headers=kit.viewer.headers,
    ).json()
    assert second["next_cursor"] is None
    assert {e["id"] for e in first.json()["items"] + second["items"]} == ids


BAD_CREATES = [
    ({"url": "https://10.0.0.5/hook"}, "url", "refused: 10.0.0.5 is a private address"),
    ({"url": "http://127.0.0.1:8080/hook"}, "url", "refused: 127.0.0.1 is a loopback address"),
    (
        {"url": "http://169.254.169.254/latest"},
        "url",
        "refused: 169.254.169.254 is a cloud metadata address",
    ),
    ({"url": "http://[::1]/hook"}, "url", "refused: ::1 is a loopback address"),
    (
        {"url": "http://localhost/hook"},
        "url",
        "refused: localhost resolves to 127.0.0.1, which is a loopback address",
    ),
    ({"url": "ftp://1.2.3.4/hook"}, "url", "must be an https or http URL"),
    ({"url": "https://me:pw@1.2.3.4/hook"}, "url", "must not contain credentials"),
    ({"url": "https://1.2.3.4/" + "x" * 2000}, "url", None),
    ({"url": ""}, "url", None),
    ({"event_types": []}, "event_types", None),
    ({"event_types": ["case.deleted"]}, "event_types.0", None),
    ({"event_types": "case.created"}, "event_types", None),
    ({"description": "d" * 501}, "description", None),
    ({"secret": "whsec_mine"}, "secret", None),
]


@pytest.mark.parametrize(
    ("overrides", "field", "message"), BAD_CREATES, ids=[str(b[0])[:40] for b in BAD_CREATES]
)
def test_bad_bodies_name_the_field_and_write_nothing(
    client: TestClient, kit: TenantKit, db: Database, overrides: dict, field: str, message: str
):
    body = {"url": URL, "event_types": ["case.created"], **overrides}
    r = client.post("/v1/webhook-endpoints", json=body, headers=kit.admin.headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    errors = r.json()["errors"]
    assert field in [e["field"] for e in errors]
    if message is not None:
        assert errors == [{"field": field, "message": message}]
    with db.transaction(write=False) as session:
        assert (
            session.scalars(
                select(WebhookEndpoint.id).where(WebhookEndpoint.tenant_id == kit.tenant_id)
            ).all()
            == []
        )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": None}, "url"),
        ({"event_types": None}, "event_types"),
        ({"is_active": None}, "is_active"),
        ({"url": "https://192.168.0.10/"}, "url"),
        ({"event_types": ["nope"]}, "event_types.0"),
    ],
)
def test_bad_updates_name_the_field(
    client: TestClient, kit: TenantKit, db: Database, body: dict, field: str
):
    eid = _create(client, kit)["id"]
    r = client.patch(f"/v1/webhook-endpoints/{eid}", json=body, headers=kit.admin.headers)
    assert r.status_code == 422, r.text
    assert _fields(r) == [field]
    assert len(_audit(db, kit.tenant_id, eid)) == 1


def test_allow_listed_receivers_are_accepted(
    client: TestClient, settings: Settings, db: Database, kit: TenantKit
):
    body = {"url": "http://127.0.0.1:9999/hook", "event_types": ["case.created"]}
    refused = client.post("/v1/webhook-endpoints", json=body, headers=kit.admin.headers)
    assert refused.status_code == 422
    allowing = create_app(
        settings.model_copy(update={"webhook_allowed_hosts": ["127.0.0.0/8"]}), db
    )
    # Not entered as a context manager: the shared database must outlive this app.
    r = TestClient(allowing).post("/v1/webhook-endpoints", json=body, headers=kit.admin.headers)
    assert r.status_code == 201, r.text


def test_deliveries_are_listed_filtered_and_shown_with_attempts(
    client: TestClient, kit: TenantKit, db: Database
):
    h = kit.admin.headers
    first = _create(client, kit, event_types=["case.created", "case.resolved"])["id"]
    second = _create(client, kit, event_types=["case.created"])["id"]
    at = later()
    created = emit_at(db, tenant_id=kit.tenant_id, at=at, payload={"case_id": "a" * 24})
    resolved = emit_at(db, tenant_id=kit.tenant_id, at=at, event_type="case.resolved")
    assert len(created) == 2
    assert len(resolved) == 1

    def ids(**params: Any) -> set[str]:
        r = client.get("/v1/webhook-deliveries", params=params, headers=kit.viewer.headers)
        assert r.status_code == 200, r.text
        return {d["id"] for d in r.json()["items"]}

    assert ids() == set(created + resolved)
    assert len(ids(endpoint_id=first)) == 2
    assert len(ids(endpoint_id=second)) == 1
    assert ids(endpoint_id=first) | ids(endpoint_id=second) == set(created + resolved)
    assert ids(event_type="case.resolved") == set(resolved)
    assert ids(status="pending") == set(created + resolved)
    assert ids(status="delivered") == set()
    bad = client.get("/v1/webhook-deliveries", params={"status": "lost"}, headers=h)
    assert bad.status_code == 422
    assert _fields(bad) == ["query.status"]

    detail = client.get(f"/v1/webhook-deliveries/{resolved[0]}", headers=h).json()
    assert detail["endpoint_id"] == first
    assert detail["payload"] == {"case_id": "c" * 24}
    assert detail["attempts"] == []
    assert detail["status"] == "pending"
    assert datetime.fromisoformat(detail["next_attempt_at"]) == at


def test_replay_through_the_api(client: TestClient, kit: TenantKit, db: Database):
    h = kit.admin.headers
    eid = _create(client, kit, event_types=["case.created"])["id"]
    (delivery_id,) = emit_at(db, tenant_id=kit.tenant_id, at=later())
    with db.transaction() as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        delivery.status = WebhookDeliveryStatus.failed
        delivery.next_attempt_at = None
    r = client.post(f"/v1/webhook-deliveries/{delivery_id}/replay", headers=h)
    assert r.status_code == 202, r.text
    assert r.json()["id"] == delivery_id
    assert r.json()["status"] == "pending"
    assert r.json()["attempt_count"] == 0
    assert [e.action for e in _audit(db, kit.tenant_id, delivery_id)] == [
        "webhook_delivery.replayed"
    ]
    client.patch(f"/v1/webhook-endpoints/{eid}", json={"is_active": False}, headers=h)
    refused = client.post(f"/v1/webhook-deliveries/{delivery_id}/replay", headers=h)
    assert refused.status_code == 409
    assert "disabled" in refused.json()["detail"]


def test_delete_abandons_pending_deliveries_and_keeps_them(
    client: TestClient, kit: TenantKit, db: Database
):
    h = kit.admin.headers
    eid = _create(client, kit, event_types=["case.created"])["id"]
    (delivery_id,) = emit_at(db, tenant_id=kit.tenant_id, at=later())
    assert client.delete(f"/v1/webhook-endpoints/{eid}", headers=h).status_code == 204
    assert client.get(f"/v1/webhook-endpoints/{eid}", headers=h).status_code == 404
    assert client.delete(f"/v1/webhook-endpoints/{eid}", headers=h).status_code == 404
    kept = client.get(f"/v1/webhook-deliveries/{delivery_id}", headers=h).json()
    assert kept["status"] == "abandoned"
    assert kept["endpoint_id"] is None
    assert kept["next_attempt_at"] is None
    assert kept["last_error"] == "endpoint deleted"
    refused = client.post(f"/v1/webhook-deliveries/{delivery_id}/replay", headers=h)
    assert refused.status_code == 409


def test_other_tenants_see_404(
    client: TestClient, kit: TenantKit, other_kit: TenantKit, db: Database
):
    eid = _create(client, kit, event_types=["case.created"])["id"]
    (delivery_id,) = emit_at(db, tenant_id=kit.tenant_id, at=later())
    h = other_kit.admin.headers
    calls = [
        client.get(f"/v1/webhook-endpoints/{eid}", headers=h),
        client.patch(f"/v1/webhook-endpoints/{eid}", json={"description": "x"}, headers=h),
        client.post(f"/v1/webhook-endpoints/{eid}/rotate-secret", headers=h),
        client.delete(f"/v1/webhook-endpoints/{eid}", headers=h),
        client.get(f"/v1/webhook-deliveries/{delivery_id}", headers=h),
        client.post(f"/v1/webhook-deliveries/{delivery_id}/replay", headers=h),
    ]
    assert [c.status_code for c in calls] == [404] * len(calls)
    assert client.get("/v1/webhook-endpoints", headers=h).json()["items"] == []
    listed = client.get("/v1/webhook-deliveries", params={"endpoint_id": eid}, headers=h)
    assert listed.json()["items"] == []
    assert len(_audit(db, kit.tenant_id, eid)) == 1


def test_viewer_reads_but_does_not_write(client: TestClient, kit: TenantKit):
    eid = _create(client, kit)["id"]
    h = kit.viewer.headers
    assert client.get(f"/v1/webhook-endpoints/{eid}", headers=h).status_code == 200
    assert client.post(f"/v1/webhook-endpoints/{eid}/rotate-secret", headers=h).status_code == 403
    r = client.post(
        "/v1/webhook-endpoints",
        json={"url": URL, "event_types": ["case.created"]},
        headers=kit.analyst.headers,
    )
    assert r.status_code == 403
