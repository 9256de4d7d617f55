"""Retention with a controllable clock: expired rows go (files too), held rows stay, and
the audit chain still verifies with their content erased."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from casework.audit import service as audit
from casework.config import Settings
from casework.infra.db import Database
from casework.infra.jobs import JobContext
from casework.infra.storage import Store
from casework.models import AuditEvent, Check, Document, WebhookDelivery, WebhookDeliveryStatus
from casework.models.base import utcnow
from casework.retention.tasks import purge_all
from casework.webhooks import service as webhooks
from tests.factories import TenantKit, case_body
from tests.retention.helpers import storage_key, stored


def _upload(client: TestClient, kit: TenantKit, content: bytes) -> dict[str, Any]:
    r = client.post(
        "/v1/documents",
        files={"file": ("ledger.txt", content, "text/plain")},
        headers=kit.analyst.headers,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def _open(client: TestClient, kit: TenantKit, **body: Any) -> dict[str, Any]:
    r = client.post("/v1/cases", json=case_body(**body), headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _count(db: Database, model: Any, *where: Any) -> int:
    with db.transaction(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.mark.every_storage
def test_expired_cases_go_held_and_current_ones_stay(
    app: FastAPI,
    client: TestClient,
    kit: TenantKit,
    db: Database,
    settings: Settings,
    store: Store,
):
    app.state.jobs.join()
    doc = _upload(client, kit, b"statement for the expiring case")
    expiring = _open(
        client,
        kit,
        title="Expiring",
        delete_after=30,
        attachments=[doc["id"]],
        customer={"customer_type": "INDIVIDUAL", "full_name": "Petra Lindholm"},
        checks=[{"type": "JURISDICTION"}],
    )
    held = _open(client, kit, title="Held", delete_after=30)
    kept = _open(client, kit, title="Kept", delete_after=-1)
    recent = _open(client, kit, title="Recent", delete_after=90)
    app.state.jobs.join()
    r = client.post(
        f"/v1/cases/{held['id']}/legal-hold",
        json={"hold": True, "reason": "Subpoena 2026-17"},
        headers=kit.supervisor.headers,
    )
    assert r.status_code == 200 and r.json()["legal_hold"] is True
    assert expiring["delete_after"] is not None and kept["delete_after"] is None
    key = storage_key(db, doc["id"])
    assert stored(store, key)

    context = JobContext(database=db, settings=settings)
    purge_all(context, now=utcnow() + timedelta(days=31))

    gone = client.get(f"/v1/cases/{expiring['id']}", headers=kit.viewer.headers)
    assert gone.status_code == 404
    for case in (held, kept, recent):
        assert client.get(f"/v1/cases/{case['id']}", headers=kit.viewer.headers).status_code == 200
    assert _count(db, Check, Check.case_id == expiring["id"]) == 0
    assert _count(db, Document, Document.id == doc["id"]) == 0
    assert not stored(store, key), "the stored object goes with its row"

    with db.transaction(write=False) as session:
        trail = session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == expiring["id"]).order_by(AuditEvent.seq)
        ).all()
        assert [e.action for e in trail][-1] == "case.purged"
        erased = [e for e in trail if e.action != "case.purged"]
        assert erased and all(e.redacted_digest and e.after is None for e in erased)
        assert "Petra" not in str([(e.before, e.after, e.message) for e in trail])
        assert audit.verify(session, tenant_id=kit.tenant_id).ok

    lifted = client.post(
        f"/v1/cases/{held['id']}/legal-hold",
        json={"hold": False, "reason": "Released"},
        headers=kit.supervisor.headers,
    )
    assert lifted.status_code == 200
    purge_all(context, now=utcnow() + timedelta(days=31))
    assert client.get(f"/v1/cases/{held['id']}", headers=kit.viewer.headers).status_code == 404


def test_zero_days_waits_for_the_checks_and_the_webhook(
    app: FastAPI, client: TestClient, kit: TenantKit, db: Database, settings: Settings
):
    case = _open(
        client,
        kit,
        title="Delete when done",
        delete_after=0,
        customer={"customer_type": "INDIVIDUAL", "full_name": "Ola Nordmann", "country": "NOR"},
        checks=[{"type": "JURISDICTION"}],
        auto_start=False,
    )
    context = JobContext(database=db, settings=settings)
    # Made before the checks start, so the background sweep never finds the case due.
    with db.transaction() as session:  # a webhook about the case still on its way
        (delivery,) = webhooks.emit(
            session,
            tenant_id=kit.tenant_id,
            event_type="case.completed",
            payload={"id": case["id"]},
            case_webhook_url="https://receiver.example/hooks",
            case_id=case["id"],
            now=utcnow() + timedelta(days=400),
        )
    purge_all(context, now=utcnow())
    assert client.get(f"/v1/cases/{case['id']}", headers=kit.viewer.headers).status_code == 200
    client.post(f"/v1/cases/{case['id']}/start", headers=kit.analyst.headers)
    app.state.jobs.join()
    purge_all(context, now=utcnow())
    assert client.get(f"/v1/cases/{case['id']}", headers=kit.viewer.headers).status_code == 200
    with db.transaction() as session:
        row = session.get(WebhookDelivery, delivery.id)
        assert row is not None
        row.status = WebhookDeliveryStatus.delivered
    purge_all(context, now=utcnow())
    assert client.get(f"/v1/cases/{case['id']}", headers=kit.viewer.headers).status_code == 404


def test_tenant_default_and_bad_values(client: TestClient, kit: TenantKit):
    r = client.put(
        "/v1/settings/retention", json={"retention_days": 365}, headers=kit.admin.headers
    )
    assert r.status_code == 200
    case = _open(client, kit, title="Default retention")
    assert case["delete_after"] is not None
    assert client.get("/v1/settings/retention", headers=kit.viewer.headers).json() == {
        "retention_days": 365
    }
    bad = client.put(
        "/v1/settings/retention", json={"retention_days": -5}, headers=kit.admin.headers
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "retention_days"
    bad = client.post("/v1/cases", json=case_body(delete_after=-2), headers=kit.analyst.headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "delete_after"
    no_reason = client.post(
        f"/v1/cases/{case['id']}/legal-hold", json={"hold": True}, headers=kit.admin.headers
    )
    assert no_reason.status_code == 422
