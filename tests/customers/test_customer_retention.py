"""Customers' retention: ``delete_after`` in days on create (directly and inline in a case)
and on update, turned into a deadline from now, the tenant's default when not given."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from casework.infra.db import Database
from casework.models import AuditEvent, Case, Customer, IdempotencyRecord
from tests.factories import TenantKit, case_body
from tests.retention.helpers import about, at, set_default


def _create(client: TestClient, kit: TenantKit, **body: Any) -> dict[str, Any]:
    r = client.post("/v1/customers", json={"full_name": "Mara Quist", **body}, headers=_h(kit))
    assert r.status_code == 201, r.text
    return dict(r.json())


def _h(kit: TenantKit) -> dict[str, str]:
    return kit.analyst.headers


def _events(db: Database, kit: TenantKit, action: str, entity_id: str) -> list[AuditEvent]:
    with db.transaction(write=False) as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.tenant_id == kit.tenant_id,
                    AuditEvent.action == action,
                    AuditEvent.entity_id == entity_id,
                )
                .order_by(AuditEvent.seq)
            )
        )


def _footprint(db: Database, tenant_id: str) -> tuple[int, ...]:
    with db.transaction(write=False) as session:
        return tuple(
            session.scalar(
                select(func.count()).select_from(model).where(model.tenant_id == tenant_id)
            )
            or 0
            for model in (Customer, Case, AuditEvent, IdempotencyRecord)
        )


def test_days_become_a_deadline_that_is_stored_returned_and_audited(
    client: TestClient, kit: TenantKit, db: Database
):
    start = datetime.now(UTC)
    customer = _create(client, kit, delete_after=30)
    end = datetime.now(UTC)
    assert about(customer["delete_after"], 30, start, end)
    fetched = client.get(f"/v1/customers/{customer['id']}", headers=kit.viewer.headers).json()
    assert at(fetched["delete_after"]) == at(customer["delete_after"])
    listed = client.get("/v1/customers", headers=kit.viewer.headers).json()["items"]
    assert [at(c["delete_after"]) for c in listed] == [at(customer["delete_after"])]
    (created,) = _events(db, kit, "customer.created", customer["id"])
    assert created.after is not None
    assert at(created.after["delete_after"]) == at(customer["delete_after"])


def test_minus_one_keeps_and_no_value_without_a_tenant_default_keeps(
    client: TestClient, kit: TenantKit, db: Database
):
    kept = _create(client, kit, delete_after=-1)
    assert kept["delete_after"] is None
    unset = _create(client, kit, full_name="Noor Vale")
    assert unset["delete_after"] is None
    (created,) = _events(db, kit, "customer.created", kept["id"])
    assert created.after is not None and created.after["delete_after"] is None


def test_tenant_default_applies_unless_the_customer_gives_its_own(
    client: TestClient, kit: TenantKit
):
    set_default(client, kit, 365)
    start = datetime.now(UTC)
    by_default = _create(client, kit)
    own = _create(client, kit, full_name="Ivo Brandt", delete_after=7)
    kept = _create(client, kit, full_name="Lia Sorel", delete_after=-1)
    now = _create(client, kit, full_name="Ola Dahl", delete_after=0)
    end = datetime.now(UTC)
    assert about(by_default["delete_after"], 365, start, end)
    assert about(own["delete_after"], 7, start, end)
    assert kept["delete_after"] is None
    assert about(now["delete_after"], 0, start, end)


@pytest.mark.parametrize("value", [-2, 36_501, "soon", 1.5])
def test_out_of_range_is_422_naming_the_field_and_writes_nothing(
    client: TestClient, kit: TenantKit, db: Database, value: Any
):
    before = _footprint(db, kit.tenant_id)
    headers = {**_h(kit), "Idempotency-Key": f"bad-retention-{value}"}
    r = client.post(
        "/v1/customers", json={"full_name": "Mara Quist", "delete_after": value}, headers=headers
    )
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["delete_after"]
    inline = client.post(
        "/v1/cases",
        json=case_body(customer={"full_name": "Mara Quist", "delete_after": value}),
        headers=_h(kit),
    )
    assert inline.status_code == 422, inline.text
    assert [e["field"] for e in inline.json()["errors"]] == ["customer.delete_after"]
    assert _footprint(db, kit.tenant_id) == before


def test_inline_customer_of_a_case_takes_its_own_retention(client: TestClient, kit: TenantKit):
    start = datetime.now(UTC)
    r = client.post(
        "/v1/cases",
        json=case_body(delete_after=-1, customer={"full_name": "Pia Lund", "delete_after": 30}),
        headers=_h(kit),
    )
    end = datetime.now(UTC)
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["delete_after"] is None
    customer = client.get(
        f"/v1/customers/{case['customer']['id']}", headers=kit.viewer.headers
    ).json()
    assert about(customer["delete_after"], 30, start, end)
    log = client.get(f"/v1/cases/{case['id']}/log", headers=kit.viewer.headers).json()
    logged = log[0]["after"]["customer"]["delete_after"]
    assert at(logged) == at(customer["delete_after"])


def test_inline_customer_without_retention_takes_the_tenant_default(
    client: TestClient, kit: TenantKit
):
    set_default(client, kit, 90)
    start = datetime.now(UTC)
    r = client.post(
        "/v1/cases", json=case_body(customer={"full_name": "Eli Moss"}), headers=_h(kit)
    )
    end = datetime.now(UTC)
    assert r.status_code == 201, r.text
    customer_id = r.json()["customer"]["id"]
    customer = client.get(f"/v1/customers/{customer_id}", headers=kit.viewer.headers).json()
    assert about(customer["delete_after"], 90, start, end)


def test_update_resets_the_deadline_from_now(client: TestClient, kit: TenantKit, db: Database):
    customer = _create(client, kit, delete_after=-1)
    url = f"/v1/customers/{customer['id']}"

    start = datetime.now(UTC)
    r = client.patch(url, json={"delete_after": 10}, headers=_h(kit))
    end = datetime.now(UTC)
    assert r.status_code == 200, r.text
    assert about(r.json()["delete_after"], 10, start, end)
    deadline = r.json()["delete_after"]

    # Other changes leave the deadline alone.
    r = client.patch(url, json={"email": "mara@example.test"}, headers=_h(kit))
    assert r.status_code == 200 and r.json()["delete_after"] == deadline

    r = client.patch(url, json={"delete_after": -1}, headers=_h(kit))
    assert r.status_code == 200 and r.json()["delete_after"] is None

    # null: the tenant's default, counted from now.
    set_default(client, kit, 60)
    start = datetime.now(UTC)
    r = client.patch(url, json={"delete_after": None}, headers=_h(kit))
    end = datetime.now(UTC)
    assert r.status_code == 200
    assert about(r.json()["delete_after"], 60, start, end)

    updates = _events(db, kit, "customer.updated", customer["id"])
    assert [sorted((e.after or {}).keys()) for e in updates] == [
        ["delete_after"],
        ["email"],
        ["delete_after"],
        ["delete_after"],
    ]
    assert updates[0].before == {"delete_after": None}
    assert updates[2].after == {"delete_after": None}


@pytest.mark.parametrize("value", [-2, 36_501, "never"])
def test_bad_update_is_422_and_changes_nothing(
    client: TestClient, kit: TenantKit, db: Database, value: Any
):
    customer = _create(client, kit, delete_after=30)
    before = _footprint(db, kit.tenant_id)
    url = f"/v1/customers/{customer['id']}"
    r = client.patch(url, json={"delete_after": value, "email": "x@example.test"}, headers=_h(kit))
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["delete_after"]
    assert _footprint(db, kit.tenant_id) == before
    assert client.get(url, headers=kit.viewer.headers).json() == customer
