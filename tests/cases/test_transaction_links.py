"""A case opened on transactions already ingested: linked, summed, checked."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import TenantKit, case_body


def _customer(client: TestClient, kit: TenantKit) -> dict[str, Any]:
    body = {"full_name": "Ada Payer", "external_id": f"c-{secrets.token_hex(4)}"}
    r = client.post("/v1/customers", json=body, headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _transaction(
    client: TestClient, kit: TenantKit, customer_id: str, amount: str
) -> dict[str, Any]:
    body = {
        "external_id": f"tx-{secrets.token_hex(6)}",
        "customer_id": customer_id,
        "amount": amount,
        "currency": "EUR",
        "direction": "out",
        "occurred_at": "2026-11-02T10:00:00Z",
    }
    r = client.post("/v1/transactions", json=body, headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_transactions_named_by_id_or_external_id_are_linked_and_summed(
    client: TestClient, kit: TenantKit
) -> None:
    customer = _customer(client, kit)
    first = _transaction(client, kit, customer["id"], "1000.25")
    second = _transaction(client, kit, customer["id"], "99.75")
    _transaction(client, kit, customer["id"], "5.00")  # not named: not linked
    body = case_body(
        customer_id=customer["id"], transaction_ids=[first["id"], second["external_id"]]
    )
    r = client.post("/v1/cases", json=body, headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["total_amount_in_default_currency"] == "1100.0000"

    listed = client.get(f"/v1/transactions?case_id={case['id']}", headers=kit.viewer.headers)
    assert {t["id"] for t in listed.json()["items"]} == {first["id"], second["id"]}
    [created] = client.get(f"/v1/cases/{case['id']}/log", headers=kit.admin.headers).json()
    assert created["after"]["transactions"] == [first["id"], second["id"]]


def test_a_case_without_transactions_has_no_total(client: TestClient, kit: TenantKit) -> None:
    customer = _customer(client, kit)
    r = client.post(
        "/v1/cases", json=case_body(customer_id=customer["id"]), headers=kit.analyst.headers
    )
    assert r.json()["total_amount_in_default_currency"] is None


@pytest.mark.parametrize(
    "problem", ["unknown", "other_customer", "twice", "same_by_both", "no_customer"]
)
def test_bad_transaction_references_are_refused_and_nothing_is_stored(
    client: TestClient, kit: TenantKit, other_kit: TenantKit, problem: str
) -> None:
    customer = _customer(client, kit)
    mine = _transaction(client, kit, customer["id"], "10")
    stranger = _customer(client, kit)
    theirs = _transaction(client, kit, stranger["id"], "10")
    foreign_customer = _customer(client, other_kit)
    foreign = _transaction(client, other_kit, foreign_customer["id"], "10")
    twice = "names a transaction twice"
    refs, field, message, extra = {
        # Another tenant's transaction does not exist here.
        "unknown": (
            [mine["id"], foreign["id"]],
            "transaction_ids[1]",
            f"no transaction {foreign['id']} in this tenant",
            {},
        ),
        "other_customer": (
            [theirs["id"]],
            "transaction_ids[0]",
            f"transaction {theirs['id']} belongs to another customer",
            {},
        ),
        "twice": ([mine["id"], mine["id"]], "transaction_ids", twice, {}),
        "same_by_both": ([mine["id"], mine["external_id"]], "transaction_ids[1]", twice, {}),
        "no_customer": (
            [mine["id"]],
            "transaction_ids",
            "transactions are linked to a case about a customer",
            {"customer_id": None},
        ),
    }[problem]
    body = case_body(customer_id=customer["id"], transaction_ids=refs) | extra
    body = {k: v for k, v in body.items() if v is not None}
    before = client.get("/v1/cases", headers=kit.admin.headers).json()["items"]
    r = client.post("/v1/cases", json=body, headers=kit.analyst.headers)
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [{"field": field, "message": message}]
    assert client.get("/v1/cases", headers=kit.admin.headers).json()["items"] == before
