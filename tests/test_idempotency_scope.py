"""Whose answer an Idempotency-Key replays: only the caller's own, even when other
clients of the same tenant used the same key; and what is stored to tell bodies apart."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.infra.db import Database
from casework.models import IdempotencyRecord
from tests.factories import Member, TenantKit, case_body


def _post(client: TestClient, member: Member, key: str, path: str, body: Any) -> Any:
    return client.post(path, json=body, headers={**member.headers, "Idempotency-Key": key})


def test_a_key_replays_only_the_callers_own_answer(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    members = [kit.analyst, kit.supervisor, other_kit.analyst]
    firsts = [_post(client, m, "same-key", "/v1/cases", case_body()) for m in members]
    assert [r.status_code for r in firsts] == [201, 201, 201]
    assert len({r.json()["id"] for r in firsts}) == 3
    for member, first in reversed(list(zip(members, firsts, strict=True))):
        again = _post(client, member, "same-key", "/v1/cases", case_body())
        assert again.status_code == 201, again.text
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json()["id"] == first.json()["id"], member.role


def test_a_different_body_under_the_same_key_says_so(client: TestClient, kit: TenantKit):
    assert _post(client, kit.analyst, "k-1", "/v1/cases", case_body()).status_code == 201
    r = _post(client, kit.analyst, "k-1", "/v1/cases", case_body(title="Another"))
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == "this Idempotency-Key was used with a different request body"
    assert "idempotent-replayed" not in r.headers


def test_a_create_that_finds_its_object_stored_replays_its_own_status(
    client: TestClient, kit: TenantKit
):
    customer = client.post(
        "/v1/customers", json={"full_name": "Nils Aas"}, headers=kit.admin.headers
    ).json()
    body = {
        "external_id": "wire-42",
        "customer_id": customer["id"],
        "amount": "10.00",
        "currency": "EUR",
        "direction": "in",
        "occurred_at": "2024-01-05T10:00:00Z",
    }
    created = _post(client, kit.analyst, "t-1", "/v1/transactions", body)
    assert created.status_code == 201, created.text
    found = _post(client, kit.analyst, "t-2", "/v1/transactions", body)
    assert found.status_code == 200 and found.json()["id"] == created.json()["id"]
    replayed = _post(client, kit.analyst, "t-2", "/v1/transactions", body)
    assert replayed.status_code == 200 and replayed.json() == found.json()
    assert replayed.headers["idempotent-replayed"] == "true"


def test_a_password_is_fingerprinted_without_being_stored(
    client: TestClient, db: Database, kit: TenantKit
):
    body = {
        "email": "kari@example.test",
        "first_name": "Kari",
        "last_name": "Nordmann",
        "role": "viewer",
        "password": "a long and secret passphrase",
    }
    first = _post(client, kit.admin, "u-1", "/v1/users", body)
    assert first.status_code == 201, first.text
    again = _post(client, kit.admin, "u-1", "/v1/users", body)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    other = _post(client, kit.admin, "u-1", "/v1/users", {**body, "password": "another one!!"})
    assert other.status_code == 422, other.text
    with db.transaction(write=False) as session:
        record = session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.tenant_id == kit.tenant_id, IdempotencyRecord.key == "u-1"
            )
        )
    assert record is not None
    assert "secret passphrase" not in str(record.fingerprint) + str(record.response)
