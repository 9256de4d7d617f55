"""Calling the rules, alerts and settings API in tests: bodies, creation and counts."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from casework.infra.db import Database
from casework.models import AuditEvent, Rule, RuleRevision
from tests.factories import TenantKit

AMOUNT = {"test": "amount", "at_least": "1000"}
VELOCITY = {"test": "velocity", "window": "24h", "count_at_least": 2}
MARCH = {"from": "2024-03-01T00:00:00Z", "to": "2024-04-01T00:00:00Z"}
RULE_FIELDS = {
    "id",
    "name",
    "revision",
    "enabled",
    "title",
    "description",
    "severity",
    "condition",
    "created_at",
    "updated_at",
}
ALERT_FIELDS = {
    "id",
    "rule_id",
    "rule_revision",
    "customer_id",
    "transaction_id",
    "transaction_ids",
    "score",
    "reason",
    "case_id",
    "occurred_at",
    "created_at",
}


def rule_name() -> str:
    return f"rule-{secrets.token_hex(4)}"


def rule_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": rule_name(),
        "title": "Large transfer",
        "description": "One transaction of 1,000 or more",
        "severity": "high",
        "condition": AMOUNT,
    }
    body.update(overrides)
    return body


def create_rule(client: TestClient, kit: TenantKit, **overrides: Any) -> dict[str, Any]:
    r = client.post("/v1/rules", json=rule_body(**overrides), headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    return r.json()


def error_fields(response: Any) -> list[str]:
    assert response.headers["content-type"].startswith("application/problem+json")
    return [e["field"] for e in response.json()["errors"]]


def stored_counts(db: Database, tenant_id: str) -> tuple[int, int]:
    """The tenant's rules and rule revisions in the database."""
    with db.transaction(write=False) as session:
        rules = session.scalar(
            select(func.count()).select_from(Rule).where(Rule.tenant_id == tenant_id)
        )
        revisions = session.scalar(
            select(func.count())
            .select_from(RuleRevision)
            .where(RuleRevision.tenant_id == tenant_id)
        )
    return rules or 0, revisions or 0


def rule_events(db: Database, tenant_id: str, rule_id: str | None = None) -> list[Any]:
    with db.transaction(write=False) as session:
        stmt = select(AuditEvent.action, AuditEvent.before, AuditEvent.after).where(
            AuditEvent.tenant_id == tenant_id, AuditEvent.entity_type == "rule"
        )
        if rule_id is not None:
            stmt = stmt.where(AuditEvent.entity_id == rule_id)
        return list(session.execute(stmt.order_by(AuditEvent.seq)).all())


def new_customer(client: TestClient, kit: TenantKit, name: str = "Ada Payer") -> dict[str, Any]:
    body = {"full_name": name, "external_id": f"c-{secrets.token_hex(4)}"}
    r = client.post("/v1/customers", json=body, headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    return r.json()


def tx_body(customer: dict[str, Any], amount: str, occurred_at: str, **overrides: Any) -> dict:
    body: dict[str, Any] = {
        "external_id": f"tx-{secrets.token_hex(6)}",
        "customer_id": customer["id"],
        "amount": amount,
        "currency": "EUR",
        "direction": "out",
        "occurred_at": occurred_at,
    }
    body.update(overrides)
    return body


def post_batch(client: TestClient, kit: TenantKit, items: list[dict[str, Any]]) -> list[str]:
    r = client.post(
        "/v1/transactions/batch", json={"transactions": items}, headers=kit.analyst.headers
    )
    assert r.status_code == 201, r.text
    assert r.json()["inserted"] == len(items)
    return [i["id"] for i in r.json()["items"]]


def all_pages(client: TestClient, kit: TenantKit, path: str, **params: Any) -> list[dict]:
    items: list[dict] = []
    cursor = None
    while True:
        query = {**params, "limit": 200, **({"cursor": cursor} if cursor else {})}
        r = client.get(path, params=query, headers=kit.admin.headers)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


def nested(depth: int) -> dict[str, Any]:
    condition: dict[str, Any] = dict(AMOUNT)
    for _ in range(depth):
        condition = {"all": [condition]}
    return condition
