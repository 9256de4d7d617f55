"""Transactions in: one, in batches, idempotent re-sends, conflicts and bad input."""

from __future__ import annotations

import json
import secrets
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from casework.fx.ecb import Quote
from casework.fx.service import upsert_rates
from casework.infra.db import Database
from casework.models import AuditEvent, Transaction
from tests.factories import TenantKit, make_tenant_kit

WHEN = "2004-03-06T18:30:00+01:00"  # a Saturday: Friday's rates apply


@pytest.fixture(scope="module", autouse=True)
def rates(db: Database) -> None:
    with db.transaction() as session:
        upsert_rates(
            session,
            [
                Quote("USD", date(2004, 3, 5), Decimal("1.2500")),
                Quote("GBP", date(2004, 3, 5), Decimal("0.8000")),
            ],
            source="test",
        )


@pytest.fixture
def customer(client: TestClient, kit: TenantKit) -> dict[str, Any]:
    body = {"full_name": "Ada Payer", "external_id": f"c-{secrets.token_hex(4)}"}
    r = client.post("/v1/customers", json=body, headers=kit.analyst.headers)
    return r.json()


def _tx(customer: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_id": f"tx-{secrets.token_hex(6)}",
        "customer_id": customer["id"],
        "amount": "125.50",
        "currency": "USD",
        "direction": "out",
        "type": "transfer",
        "channel": "online",
        "counterparty_name": "Bob Payee",
        "counterparty_account": "GB33BUKB20201555555555",
        "counterparty_bank": "BUKBGB22",
        "counterparty_country": "gbr",
        "occurred_at": WHEN,
        "metadata": {"reference": "invoice 7", "score": 0.25},
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def _raw(customer: dict[str, Any], external_id: str, amount: str) -> str:
    """A body whose amount is the literal JSON number (or constant) given."""
    body = _tx(customer, external_id=external_id, currency="EUR", amount="AMOUNT", metadata={})
    return json.dumps(body).replace('"AMOUNT"', amount)


def _count(db: Database, tenant_id: str) -> tuple[int, int]:
    with db.transaction(write=False) as session:
        rows = session.scalar(
            select(func.count()).select_from(Transaction).where(Transaction.tenant_id == tenant_id)
        )
        events = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.tenant_id == tenant_id)
        )
    return rows or 0, events or 0


def test_create_converts_to_the_default_currency(
    client: TestClient, kit: TenantKit, customer: dict[str, Any]
):
    r = client.post("/v1/transactions", json=_tx(customer), headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["amount"] == "125.5000"
    assert body["currency"] == "USD"
    assert body["counterparty_country"] == "GBR"
    assert body["default_currency"] == "EUR"
    assert body["amount_in_default_currency"] == "100.4000"  # 125.50 / 1.25
    assert (body["fx_rate"], body["fx_rate_date"]) == ("0.8000000000", "2004-03-05")
    assert body["metadata"] == {"reference": "invoice 7", "score": 0.25}
    got = client.get(f"/v1/transactions/{body['id']}", headers=kit.viewer.headers)
    assert got.json() == body


def test_customer_by_external_id_and_cross_rate(client: TestClient, db: Database):
    kit = make_tenant_kit(db, currency="GBP")
    customer = client.post(
        "/v1/customers",
        json={"full_name": "Gus Brit", "external_id": "gus"},
        headers=kit.admin.headers,
    ).json()
    body = _tx(customer, customer_id=None, customer_external_id="gus", amount=1000)
    r = client.post("/v1/transactions", json=body, headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    assert r.json()["customer_id"] == customer["id"]
    assert r.json()["amount_in_default_currency"] == "640.0000"  # 1000 / 1.25 * 0.8


def test_json_numbers_keep_every_digit(
    client: TestClient, kit: TenantKit, customer: dict[str, Any]
):
    h = kit.analyst.headers
    raw = _raw(customer, "exact-1", "12345678901234.5678")
    r = client.post(
        "/v1/transactions", content=raw, headers={**h, "Content-Type": "application/json"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["amount"] == "12345678901234.5678"
    assert r.json()["amount_in_default_currency"] == "12345678901234.5678"
    small = [
        client.post(
            "/v1/transactions",
            content=raw.replace("exact-1", f"exact-{n}").replace("12345678901234.5678", n),
            headers={**h, "Content-Type": "application/json"},
        ).json()["amount"]
        for n in ("0.1", "0.2")
    ]
    assert sum(Decimal(a) for a in small) == Decimal("0.3")
    # Filtering on the stored amounts is exact too.
    listed = client.get(
        "/v1/transactions",
        params={"min_amount": "0.1", "max_amount": "0.2", "customer_id": customer["id"]},
        headers=h,
    ).json()["items"]
    assert sorted(i["amount"] for i in listed) == ["0.1000", "0.2000"]


def test_resend_is_idempotent_and_changed_content_conflicts(
    client: TestClient, kit: TenantKit, db: Database, customer: dict[str, Any]
):
    h = kit.analyst.headers
    body = _tx(customer)
    first = client.post("/v1/transactions", json=body, headers=h)
    before = _count(db, kit.tenant_id)
    # The same content, written differently: a number, another offset, the customer by
    # external id.
    same = {
        **body,
        "amount": 125.5,
        "occurred_at": "2004-03-06T17:30:00Z",
        "customer_id": None,
        "customer_external_id": customer["external_id"],
    }
    again = client.post("/v1/transactions", json={k: v for k, v in same.items() if v}, headers=h)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    assert _count(db, kit.tenant_id) == before

    changed = client.post("/v1/transactions", json={**body, "amount": "125.51"}, headers=h)
    assert changed.status_code == 409
    assert [e["field"] for e in changed.json()["errors"]] == ["external_id"]
    assert _count(db, kit.tenant_id) == before


BAD = [
    ({"currency": "XYZ"}, "currency"),
    ({"currency": "USDX"}, "currency"),
    ({"amount": "-5"}, "amount"),
    ({"amount": 0}, "amount"),
    ({"amount": "0.00"}, "amount"),
    ({"amount": "ten"}, "amount"),
    ({"amount": "1e400"}, "amount"),
    ({"amount": "NaN"}, "amount"),
    ({"amount": "Infinity"}, "amount"),
    ({"amount": "1.23456"}, "amount"),
    ({"amount": True}, "amount"),
    ({"amount": None, "currency": "EUR"}, "amount"),
    ({"customer_id": "0" * 24}, "customer_id"),
    ({"customer_id": None, "customer_external_id": "nobody"}, "customer_external_id"),
    ({"customer_external_id": "also"}, "customer_id"),
    ({"customer_id": None}, "customer_id"),
    ({"direction": "sideways"}, "direction"),
    ({"counterparty_country": "XX"}, "counterparty_country"),
    ({"occurred_at": "2004-03-06T18:30:00"}, "occurred_at"),
    ({"occurred_at": "2004-03-06T18:30:00Z", "currency": "CHF"}, "currency"),  # no CHF rate
]


@pytest.mark.parametrize(("overrides", "field"), BAD, ids=[f"{f}-{o}" for o, f in BAD])
def test_bad_input_names_the_field_and_stores_nothing(
    client: TestClient,
    kit: TenantKit,
    db: Database,
    customer: dict[str, Any],
    overrides: dict,
    field: str,
):
    before = _count(db, kit.tenant_id)
    body = _tx(customer)
    body.update(overrides)
    body = {k: v for k, v in body.items() if v is not None}
    r = client.post("/v1/transactions", json=body, headers=kit.analyst.headers)
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]], r.json()
    assert _count(db, kit.tenant_id) == before


def test_a_nan_json_literal_is_refused(
    client: TestClient, kit: TenantKit, customer: dict[str, Any]
):
    raw = _raw(customer, "nan", "NaN")
    r = client.post(
        "/v1/transactions",
        content=raw,
        headers={**kit.analyst.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["amount"]


def test_viewers_cannot_write(client: TestClient, kit: TenantKit, customer: dict[str, Any]):
    r = client.post("/v1/transactions", json=_tx(customer), headers=kit.viewer.headers)
    assert r.status_code == 403


def test_list_filters_and_pages(client: TestClient, kit: TenantKit, customer: dict[str, Any]):
    h = kit.analyst.headers
    for n, (amount, direction) in enumerate([("10", "in"), ("20", "out"), ("30", "in")]):
        client.post(
            "/v1/transactions",
            json=_tx(
                customer,
                amount=amount,
                currency="EUR",
                direction=direction,
                occurred_at=f"2004-03-0{n + 1}T12:00:00Z",
            ),
            headers=h,
        )
    incoming = client.get("/v1/transactions", params={"direction": "in"}, headers=h).json()
    assert [i["amount"] for i in incoming["items"]] == ["30.0000", "10.0000"]
    window = client.get(
        "/v1/transactions",
        params={"occurred_from": "2004-03-02T00:00:00Z", "occurred_to": "2004-03-03T12:00:00Z"},
        headers=h,
    ).json()
    assert [i["amount"] for i in window["items"]] == ["20.0000"]
    page = client.get("/v1/transactions", params={"limit": 2}, headers=h).json()
    rest = client.get(
        "/v1/transactions", params={"limit": 2, "cursor": page["next_cursor"]}, headers=h
    ).json()
    assert [i["amount"] for i in page["items"] + rest["items"]] == ["30.0000", "20.0000", "10.0000"]
    assert rest["next_cursor"] is None
    bad = client.get("/v1/transactions", params={"occurred_from": "2004-03-02"}, headers=h)
    assert bad.status_code == 422


def test_other_tenants_transactions_are_invisible(
    client: TestClient, kit: TenantKit, other_kit: TenantKit, customer: dict[str, Any]
):
    created = client.post("/v1/transactions", json=_tx(customer), headers=kit.analyst.headers)
    tx_id = created.json()["id"]
    other = other_kit.admin.headers
    assert client.get(f"/v1/transactions/{tx_id}", headers=other).status_code == 404
    assert client.get("/v1/transactions", headers=other).json()["items"] == []
    # The same external id is free in another tenant.
    theirs = client.post("/v1/customers", json={"full_name": "Other"}, headers=other).json()
    body = {**_tx(theirs), "external_id": created.json()["external_id"]}
    assert client.post("/v1/transactions", json=body, headers=other).status_code == 201


def test_an_external_id_finds_only_the_customer_that_has_it(
    client: TestClient, kit: TenantKit, customer: dict[str, Any]
):
    """A customer without an external id is not found by any external id, not even one
    spelled like the missing value."""
    r = client.post("/v1/customers", json={"full_name": "No External"}, headers=kit.analyst.headers)
    assert r.status_code == 201 and r.json()["external_id"] is None, r.text
    for ref in ("None", "null"):
        body = _tx(customer)
        del body["customer_id"]
        body["customer_external_id"] = ref
        r = client.post("/v1/transactions", json=body, headers=kit.analyst.headers)
        assert r.status_code == 422, (ref, r.text)
        assert r.json()["errors"] == [
            {"field": "customer_external_id", "message": "no customer has this external id"}
        ]
    body = _tx(customer)
    del body["customer_id"]
    body["customer_external_id"] = customer["external_id"]
    r = client.post("/v1/transactions", json=body, headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    assert r.json()["customer_id"] == customer["id"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"customer_id": "0123456789abcdef01234567"}, "no such customer"),
        (
            {"customer_external_id": "c-elsewhere"},
            "give customer_id or customer_external_id, not both",
        ),
        ({"customer_id": None}, "customer_id or customer_external_id is required"),
    ],
)
def test_a_customer_reference_problem_is_named(
    client: TestClient,
    kit: TenantKit,
    customer: dict[str, Any],
    change: dict[str, Any],
    message: str,
):
    body = {k: v for k, v in (_tx(customer) | change).items() if v is not None}
    r = client.post("/v1/transactions", json=body, headers=kit.analyst.headers)
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [{"field": "customer_id", "message": message}]
