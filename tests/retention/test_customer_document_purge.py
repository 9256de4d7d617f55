"""Customers and documents given their own ``delete_after`` through the API go when it
passes (clock moved forward), unless a case still refers to the customer or a held case
keeps the document; the audit chain still verifies with their content erased."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.audit import service as audit
from casework.config import Settings
from casework.infra.db import Database
from casework.infra.jobs import JobContext
from casework.infra.storage import Store
from casework.models import AuditEvent
from casework.models.base import utcnow
from casework.retention.tasks import purge_all
from tests.factories import TenantKit, case_body
from tests.retention.helpers import storage_key, stored

pytestmark = pytest.mark.every_storage


def _upload(client: TestClient, kit: TenantKit, name: str, **form: str) -> dict[str, Any]:
    r = client.post(
        "/v1/documents",
        files={"file": (name, f"contents of {name}\n".encode(), "text/plain")},
        data=form or None,
        headers=kit.analyst.headers,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def _customer(client: TestClient, kit: TenantKit, name: str, days: int) -> dict[str, Any]:
    r = client.post(
        "/v1/customers",
        json={"full_name": name, "delete_after": days},
        headers=kit.analyst.headers,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def _open(client: TestClient, kit: TenantKit, **body: Any) -> dict[str, Any]:
    r = client.post("/v1/cases", json=case_body(**body), headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _status(client: TestClient, kit: TenantKit, path: str) -> int:
    return client.get(path, headers=kit.viewer.headers).status_code


def test_expired_customers_and_documents_go_kept_and_held_ones_stay(
    app: FastAPI,
    client: TestClient,
    kit: TenantKit,
    db: Database,
    settings: Settings,
    store: Store,
):
    loose = _upload(client, kit, "loose.txt", delete_after="30")
    held_doc = _upload(client, kit, "held.txt", delete_after="30")
    unheld_doc = _upload(client, kit, "unheld.txt", delete_after="30")
    kept_doc = _upload(client, kit, "kept.txt", delete_after="-1")
    recent_doc = _upload(client, kit, "recent.txt", delete_after="90")

    expired = _customer(client, kit, "Petra Lindholm", 30)
    # Kept by its own setting, but it goes with its customer (no case uses it).
    expired_id_doc = _upload(client, kit, "passport.txt", customer_id=expired["id"])
    referred = _customer(client, kit, "Rolf Ek", 30)
    kept = _customer(client, kit, "Kai Berg", -1)

    held_case = _open(client, kit, title="Held", delete_after=-1, attachments=[held_doc["id"]])
    r = client.post(
        f"/v1/cases/{held_case['id']}/legal-hold",
        json={"hold": True, "reason": "Subpoena 2026-31"},
        headers=kit.supervisor.headers,
    )
    assert r.status_code == 200, r.text
    open_case = _open(
        client,
        kit,
        title="Kept, not held",
        delete_after=-1,
        customer_id=referred["id"],
        attachments=[unheld_doc["id"]],
    )
    keys = {d["id"]: storage_key(db, d["id"]) for d in (loose, held_doc, expired_id_doc)}
    assert all(stored(store, key) for key in keys.values())

    app.state.jobs.join()  # background work of earlier requests does not race the purge
    done = purge_all(JobContext(database=db, settings=settings), now=utcnow() + timedelta(days=31))
    assert done.customers >= 1 and done.documents >= 3

    for doc in (loose, unheld_doc, expired_id_doc):
        assert _status(client, kit, f"/v1/documents/{doc['id']}") == 404
    for doc in (held_doc, kept_doc, recent_doc):
        assert _status(client, kit, f"/v1/documents/{doc['id']}") == 200
    # The objects of purged documents are gone from the store; a held one's stays.
    assert not stored(store, keys[loose["id"]]) and not stored(store, keys[expired_id_doc["id"]])
    assert stored(store, keys[held_doc["id"]])
    assert _status(client, kit, f"/v1/customers/{expired['id']}") == 404
    assert _status(client, kit, f"/v1/customers/{referred['id']}") == 200
    assert _status(client, kit, f"/v1/customers/{kept['id']}") == 200

    # The held case keeps its attachment; a case without a hold loses the expired one.
    held_now = client.get(f"/v1/cases/{held_case['id']}", headers=kit.viewer.headers).json()
    assert [a["document_id"] for a in held_now["attachments"]] == [held_doc["id"]]
    open_now = client.get(f"/v1/cases/{open_case['id']}", headers=kit.viewer.headers).json()
    assert open_now["attachments"] == [] and open_now["customer"]["id"] == referred["id"]

    with db.transaction(write=False) as session:
        trail = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_id.in_([expired["id"], loose["id"]]))
            .order_by(AuditEvent.seq)
        ).all()
        assert {e.action for e in trail if e.redacted_digest is None} == {
            "customer.purged",
            "document.purged",
        }
        assert "Petra" not in str([(e.before, e.after, e.message) for e in trail])
        assert "loose.txt" not in str([(e.before, e.after, e.message) for e in trail])
        assert audit.verify(session, tenant_id=kit.tenant_id).ok


def test_inline_customer_outlives_its_case_until_its_own_deadline(
    client: TestClient, kit: TenantKit, db: Database, settings: Settings
):
    case = _open(
        client,
        kit,
        title="Short-lived case",
        delete_after=10,
        customer={"full_name": "Ines Falk", "delete_after": 20},
    )
    customer_id = case["customer"]["id"]
    context = JobContext(database=db, settings=settings)

    purge_all(context, now=utcnow() + timedelta(days=11))
    assert _status(client, kit, f"/v1/cases/{case['id']}") == 404
    assert _status(client, kit, f"/v1/customers/{customer_id}") == 200

    purge_all(context, now=utcnow() + timedelta(days=21))
    assert _status(client, kit, f"/v1/customers/{customer_id}") == 404
    with db.transaction(write=False) as session:
        assert audit.verify(session, tenant_id=kit.tenant_id).ok


def test_tenant_default_reaches_customers_and_documents(
    client: TestClient, kit: TenantKit, db: Database, settings: Settings
):
    r = client.put("/v1/settings/retention", json={"retention_days": 30}, headers=kit.admin.headers)
    assert r.status_code == 200, r.text
    doc = _upload(client, kit, "default.txt")
    customer = client.post(
        "/v1/customers", json={"full_name": "Dana Holm"}, headers=kit.analyst.headers
    ).json()
    context = JobContext(database=db, settings=settings)

    purge_all(context, now=utcnow() + timedelta(days=29))
    assert _status(client, kit, f"/v1/documents/{doc['id']}") == 200
    assert _status(client, kit, f"/v1/customers/{customer['id']}") == 200

    purge_all(context, now=utcnow() + timedelta(days=31))
    assert _status(client, kit, f"/v1/documents/{doc['id']}") == 404
    assert _status(client, kit, f"/v1/customers/{customer['id']}") == 404
