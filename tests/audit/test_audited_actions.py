"""Actions that leave an audit event, each driven through the API route that performs it:
the event names its actor, what it touched, and what changed; a call that changes
nothing leaves no event."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.infra.db import Database
from casework.models import AuditEvent, MonitoredCustomer
from casework.screening.service import import_dataset
from tests.factories import Member, TenantKit, case_body

TRANSACTION = {
    "external_id": "wire-0001",
    "amount": "1250.00",
    "currency": "EUR",
    "direction": "out",
    "occurred_at": "2024-01-05T10:00:00Z",
}


def events(db: Database, tenant_id: str, action: str) -> list[AuditEvent]:
    with db.transaction(write=False) as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.tenant_id == tenant_id, AuditEvent.action == action)
                .order_by(AuditEvent.seq)
            )
        )


def by(event: AuditEvent, member: Member) -> bool:
    return event.actor_user_id == member.user_id and event.actor_client_id == member.api_client_id


def _customer(client: TestClient, kit: TenantKit, **body: Any) -> dict[str, Any]:
    r = client.post(
        "/v1/customers", json={"full_name": "Greta Holm", **body}, headers=kit.admin.headers
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_role_updated(client: TestClient, db: Database, kit: TenantKit):
    r = client.post(
        "/v1/roles",
        json={"slug": "reviewer", "name": "Reviewer", "permissions": ["case.read"]},
        headers=kit.admin.headers,
    )
    role = r.json()
    url = f"/v1/roles/{role['id']}"
    body = {"name": "Senior reviewer", "permissions": ["case.read", "case.comment"]}
    assert client.patch(url, json=body, headers=kit.admin.headers).status_code == 200

    (event,) = events(db, kit.tenant_id, "role.updated")
    assert by(event, kit.admin) and event.entity_type == "role" and event.entity_id == role["id"]
    assert event.before == {"name": "Reviewer", "permissions": ["case.read"]}
    assert event.after == {"name": "Senior reviewer", "permissions": ["case.comment", "case.read"]}
    assert client.patch(url, json=body, headers=kit.admin.headers).status_code == 200
    assert len(events(db, kit.tenant_id, "role.updated")) == 1, "nothing changed the second time"


def test_task_removed(client: TestClient, db: Database, kit: TenantKit):
    case = client.post("/v1/cases", json=case_body(), headers=kit.analyst.headers).json()
    task = case["tasks"][1]
    r = client.delete(f"/v1/cases/{case['id']}/tasks/{task['id']}", headers=kit.analyst.headers)
    assert r.status_code == 204, r.text

    log = client.get(f"/v1/cases/{case['id']}/log", headers=kit.viewer.headers).json()
    assert [e["action"] for e in log][-1] == "task.removed"
    (event,) = events(db, kit.tenant_id, "task.removed")
    assert by(event, kit.analyst) and event.case_id == case["id"]
    assert event.entity_type == "task" and event.entity_id == task["id"]
    assert event.before is not None and event.before["text"] == "Verify source of funds"
    assert event.message == "Task removed: Verify source of funds"
    r = client.delete(f"/v1/cases/{case['id']}/tasks/{task['id']}", headers=kit.analyst.headers)
    assert r.status_code == 404
    assert len(events(db, kit.tenant_id, "task.removed")) == 1


def test_tenant_retention_set(client: TestClient, db: Database, kit: TenantKit):
    url = "/v1/settings/retention"
    for days in (365, 365, None):
        r = client.put(url, json={"retention_days": days}, headers=kit.admin.headers)
        assert r.status_code == 200, r.text

    first, second = events(db, kit.tenant_id, "tenant.retention_set")
    assert by(first, kit.admin) and first.entity_type == "tenant"
    assert first.entity_id == kit.tenant_id
    assert (first.before, first.after) == ({"retention_days": None}, {"retention_days": 365})
    assert (second.before, second.after) == ({"retention_days": 365}, {"retention_days": None})


def test_monitoring_stopped(client: TestClient, db: Database, kit: TenantKit):
    customer = _customer(client, kit)
    with db.transaction() as session:  # as a screening with monitoring on leaves it
        session.add(
            MonitoredCustomer(
                tenant_id=kit.tenant_id, customer_id=customer["id"], checks=["SANCTIONS"]
            )
        )
    url = f"/v1/monitoring/customers/{customer['id']}"
    assert client.delete(url, headers=kit.analyst.headers).status_code == 204

    (event,) = events(db, kit.tenant_id, "monitoring.stopped")
    assert by(event, kit.analyst) and event.entity_type == "customer"
    assert event.entity_id == customer["id"]
    assert event.before == {"checks": ["SANCTIONS"], "case_id": None}
    assert client.delete(url, headers=kit.analyst.headers).status_code == 404
    assert len(events(db, kit.tenant_id, "monitoring.stopped")) == 1


def test_transaction_created(client: TestClient, db: Database, kit: TenantKit):
    customer = _customer(client, kit)
    body = {**TRANSACTION, "customer_id": customer["id"]}
    r = client.post("/v1/transactions", json=body, headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    again = client.post("/v1/transactions", json=body, headers=kit.analyst.headers)
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"]

    (event,) = events(db, kit.tenant_id, "transaction.created")
    assert by(event, kit.analyst) and event.entity_type == "transaction"
    assert event.entity_id == r.json()["id"]
    assert event.after is not None
    assert event.after["external_id"] == "wire-0001"
    assert event.after["customer_id"] == customer["id"]


def test_transactions_ingested(client: TestClient, db: Database, kit: TenantKit):
    customer = _customer(client, kit, external_id="cust-7")
    items = [
        {**TRANSACTION, "external_id": "b-1", "customer_id": customer["id"]},
        {**TRANSACTION, "external_id": "b-2", "customer_external_id": "cust-7"},
        {**TRANSACTION, "external_id": "b-1", "customer_id": customer["id"]},  # a repeat
    ]
    url = "/v1/transactions/batch"
    bad = [*items, {**TRANSACTION, "external_id": "b-3", "customer_external_id": "nobody"}]
    r = client.post(url, json={"transactions": bad}, headers=kit.analyst.headers)
    assert r.status_code == 422, r.text
    assert events(db, kit.tenant_id, "transactions.ingested") == [], "a refused batch"
    r = client.post(url, json={"transactions": items}, headers=kit.analyst.headers)
    assert r.status_code in (200, 201), r.text

    (event,) = events(db, kit.tenant_id, "transactions.ingested")
    assert by(event, kit.analyst) and event.entity_type == "transaction_batch"
    assert event.entity_id == r.json()["batch_id"]
    assert event.after == {"received": 3, "inserted": 2, "duplicates": 1, "refused": 0}
    assert events(db, kit.tenant_id, "transaction.created") == [], "one event per batch"


def test_country_risk_overrides_replaced(client: TestClient, db: Database, kit: TenantKit):
    url = "/v1/country-risk/overrides"
    override = {"country": "CHE", "risk": 0.8, "note": "Internal policy"}
    for body in ({"overrides": [override]}, {"overrides": [override]}, {"overrides": []}):
        r = client.put(url, json=body, headers=kit.admin.headers)
        assert r.status_code == 200, r.text

    first, second = events(db, kit.tenant_id, "country_risk.overrides_replaced")
    assert by(first, kit.admin) and first.entity_id == kit.tenant_id
    assert first.before == {"overrides": []}
    assert first.after is not None
    (stored,) = first.after["overrides"]
    assert (stored["country"], stored["risk"], stored["note"]) == ("CHE", 0.8, "Internal policy")
    assert first.message == "1 country-risk override(s)"
    assert second.before == first.after and second.after == {"overrides": []}


@pytest.fixture(scope="module")
def watchlist(db: Database, tmp_path_factory: pytest.TempPathFactory) -> str:
    name = f"audited-{secrets.token_hex(4)}"
    path = tmp_path_factory.mktemp("list") / "list.json"
    record = {
        "id": "lv",
        "schema": "Person",
        "target": True,
        "properties": {"name": ["Ludovico Ferraresi Vance"], "topics": ["sanction"]},
    }
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with db.transaction() as session:
        import_dataset(session, name=name, format_name="ftm", paths=[path])
    return name


def test_screening_match_decided(
    app: FastAPI, client: TestClient, db: Database, kit: TenantKit, watchlist: str
):
    body = case_body(
        customer={"customer_type": "INDIVIDUAL", "full_name": "Ludovico Ferraresi Vance"},
        checks=[{"type": "SANCTIONS"}],
    )
    case = client.post("/v1/cases", json=body, headers=kit.analyst.headers).json()
    app.state.jobs.join()
    (check,) = client.get(f"/v1/cases/{case['id']}/checks", headers=kit.viewer.headers).json()[
        "items"
    ]
    match = next(m for m in check["matches"] if m["entity_id"] == f"{watchlist}:lv")
    url = f"/v1/checks/{check['id']}/matches/{match['id']}/decision"
    decision = {"decision": "true_positive", "note": "Same person, passport seen"}
    r = client.post(url, json=decision, headers=kit.analyst.headers)
    assert r.status_code == 200, r.text

    log = client.get(f"/v1/cases/{case['id']}/log", headers=kit.viewer.headers).json()
    assert "screening_match.decided" in [e["action"] for e in log]
    decided = events(db, kit.tenant_id, "screening_match.decided")
    (event,) = [e for e in decided if e.entity_id == match["id"]]
    assert by(event, kit.analyst) and event.entity_type == "screening_match"
    assert event.case_id == case["id"]
    assert event.before is not None and event.before["decision"] == "unreviewed"
    assert event.after is not None
    assert event.after["decision"] == "true_positive"
    assert event.after["note"] == "Same person, passport seen"
    assert event.after["check_id"] == check["id"]
