"""Another tenant's ids and external ids inside request bodies, batches, query filters and
the dialects' lookups: each is refused (or finds nothing) exactly as an id that does not
exist, and nothing gets linked to the other tenant's rows."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from casework.infra.db import Database
from casework.models import Case, Customer, Document, Transaction
from tests.dialects.sigma.support import sigma
from tests.dialects.sphinx.support import bearer
from tests.dialects.sumsub.support import CASES, Sumsub
from tests.factories import TenantKit, case_body

UNKNOWN = "0123456789abcdef01234567"
WHEN = "2024-01-05T10:00:00Z"


@dataclass
class Theirs:
    """Rows of the other tenant, and the external ids they are known by."""

    customer_id: str
    customer_external_id: str
    shared_external_id: str  # a customer external id both tenants use
    customer_number: int
    transaction_id: str
    transaction_external_id: str
    document_id: str
    document_number: int
    case_id: str
    case_number: int
    config_id: str
    config_slug: str
    user_id: str


def _post(client: TestClient, kit: TenantKit, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(path, json=body, headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _transaction(customer_id: str, external_id: str) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "customer_id": customer_id,
        "amount": "980.00",
        "currency": "EUR",
        "direction": "out",
        "occurred_at": WHEN,
    }


@pytest.fixture
def theirs(client: TestClient, other_kit: TenantKit) -> Theirs:
    tag = secrets.token_hex(4)
    customer = _post(
        client,
        other_kit,
        "/v1/customers",
        {"full_name": "Harald Brekke", "external_id": f"theirs-{tag}"},
    )
    _post(client, other_kit, "/v1/customers", {"full_name": "Shared", "external_id": "shared-1"})
    for n in range(3):  # numbers the own tenant has not reached
        _post(client, other_kit, "/v1/customers", {"full_name": f"Filler {n}"})
    transaction = _post(
        client, other_kit, "/v1/transactions", _transaction(customer["id"], f"wire-{tag}")
    )
    document = client.post(
        "/v1/documents",
        files={"file": ("ledger.txt", b"their ledger", "text/plain")},
        data={"customer_id": customer["id"]},
        headers=other_kit.admin.headers,
    )
    assert document.status_code == 201, document.text
    config = _post(client, other_kit, "/v1/case-configs", {"slug": f"c-{tag}", "name": "Theirs"})
    for _ in range(3):
        case = _post(
            client,
            other_kit,
            "/v1/cases",
            case_body(
                customer_id=customer["id"],
                assignee_id=other_kit.analyst.user_id,
                transaction_ids=[transaction["id"]],
            ),
        )
    with client.app.state.db.transaction(write=False) as session:
        numbers = {
            "customer": session.get(Customer, customer["id"]).number,
            "document": session.get(Document, document.json()["id"]).number,
            "case": session.get(Case, case["id"]).number,
        }
    return Theirs(
        customer_id=customer["id"],
        customer_external_id=customer["external_id"],
        shared_external_id="shared-1",
        customer_number=numbers["customer"] + 4,  # the last filler's, at least
        transaction_id=transaction["id"],
        transaction_external_id=transaction["external_id"],
        document_id=document.json()["id"],
        document_number=numbers["document"],
        case_id=case["id"],
        case_number=numbers["case"],
        config_id=config["id"],
        config_slug=config["slug"],
        user_id=other_kit.analyst.user_id,
    )


def _count(db: Database, model: Any, tenant_id: str) -> int:
    with db.transaction(write=False) as session:
        stmt = select(func.count()).select_from(model).where(model.tenant_id == tenant_id)
        return int(session.scalar(stmt) or 0)


@pytest.fixture
def unchanged(db: Database, kit: TenantKit, other_kit: TenantKit):
    """Asserts at the end of the test that no case, customer, transaction or document was
    added to either tenant by the refused requests."""
    models = (Case, Customer, Transaction, Document)

    def snapshot() -> dict[str, int]:
        return {
            f"{m.__name__}@{t}": _count(db, m, t)
            for m in models
            for t in (kit.tenant_id, other_kit.tenant_id)
        }

    state: dict[str, dict[str, int]] = {}

    def mark() -> None:
        state["before"] = snapshot()

    yield mark
    assert "before" in state, "the test never marked the state it keeps"
    assert snapshot() == state["before"]


def _mine(client: TestClient, kit: TenantKit, **fields: Any) -> dict[str, Any]:
    return _post(client, kit, "/v1/customers", {"full_name": "Own Customer", **fields})


def test_case_bodies_refuse_foreign_transactions_and_documents(
    client: TestClient, kit: TenantKit, theirs: Theirs, unchanged: Any
):
    own = _mine(client, kit)
    unchanged()
    for ref in (theirs.transaction_id, theirs.transaction_external_id):
        body = case_body(customer_id=own["id"], transaction_ids=[ref])
        r = client.post("/v1/cases", json=body, headers=kit.admin.headers)
        assert r.status_code == 422, r.text
        assert r.json()["errors"] == [
            {"field": "transaction_ids[0]", "message": f"no transaction {ref} in this tenant"}
        ], "refused as unknown, without telling that it exists elsewhere"
    body = case_body(
        customer_id=own["id"], checks=[{"type": "PEP", "document_ids": [theirs.document_id]}]
    )
    r = client.post("/v1/cases", json=body, headers=kit.admin.headers)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"].startswith("checks[0].document_ids")
    for body in (
        case_body(config=theirs.config_slug),
        case_body(customer_id=theirs.customer_id),
        case_body(attachments=[theirs.document_id]),
        case_body(assignee_id=theirs.user_id),
    ):
        assert client.post("/v1/cases", json=body, headers=kit.admin.headers).status_code == 422


def test_an_inline_customer_with_a_foreign_external_id_is_a_new_own_customer(
    client: TestClient, kit: TenantKit, other_kit: TenantKit, theirs: Theirs
):
    customer = {
        "customer_type": "INDIVIDUAL",
        "full_name": "Someone Else",
        "external_id": theirs.customer_external_id,
    }
    r = client.post("/v1/cases", json=case_body(customer=customer), headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    created = r.json()["customer"]
    assert created["id"] != theirs.customer_id
    their = client.get(f"/v1/customers/{theirs.customer_id}", headers=other_kit.admin.headers)
    assert their.json()["full_name"] == "Harald Brekke"


def test_a_foreign_customer_external_id_does_not_resolve_for_a_transaction(
    client: TestClient, kit: TenantKit, theirs: Theirs, unchanged: Any
):
    unchanged()
    body = {**_transaction(UNKNOWN, "wire-x"), "customer_external_id": theirs.customer_external_id}
    del body["customer_id"]
    r = client.post("/v1/transactions", json=body, headers=kit.admin.headers)
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [
        {"field": "customer_external_id", "message": "no customer has this external id"}
    ]
    r = client.post(
        "/v1/transactions",
        json=_transaction(theirs.customer_id, "wire-y"),
        headers=kit.admin.headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "customer_id"


def test_an_external_id_both_tenants_use_resolves_to_the_own_customer(
    client: TestClient, kit: TenantKit, theirs: Theirs
):
    own = _mine(client, kit, external_id=theirs.shared_external_id)
    single = {**_transaction(UNKNOWN, "one"), "customer_external_id": theirs.shared_external_id}
    del single["customer_id"]
    r = client.post("/v1/transactions", json=single, headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    assert r.json()["customer_id"] == own["id"]
    batch = [dict(single, external_id=f"b-{n}") for n in range(3)]
    r = client.post(
        "/v1/transactions/batch", json={"transactions": batch}, headers=kit.admin.headers
    )
    assert r.status_code in (200, 201), r.text
    listed = client.get(
        "/v1/transactions", params={"customer_id": own["id"]}, headers=kit.admin.headers
    ).json()["items"]
    assert sorted(t["external_id"] for t in listed) == ["b-0", "b-1", "b-2", "one"]


def test_a_transaction_external_id_of_another_tenant_is_no_duplicate(
    client: TestClient, kit: TenantKit, other_kit: TenantKit, theirs: Theirs
):
    """External ids are unique per tenant: the same one here is a new transaction, not a
    replay of (or a conflict with) theirs."""
    own = _mine(client, kit)
    body = _transaction(own["id"], theirs.transaction_external_id)
    r = client.post("/v1/transactions", json={**body, "amount": "1.00"}, headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    assert r.json()["id"] != theirs.transaction_id and r.json()["customer_id"] == own["id"]
    their = client.get(
        f"/v1/transactions/{theirs.transaction_id}", headers=other_kit.admin.headers
    ).json()
    assert Decimal(their["amount"]) == Decimal("980") and their["customer_id"] == theirs.customer_id


@pytest.mark.parametrize("field", ["customer_id", "customer_external_id"])
def test_a_batch_naming_a_foreign_customer_is_refused_whole(
    client: TestClient, kit: TenantKit, theirs: Theirs, unchanged: Any, field: str
):
    own = _mine(client, kit)
    unchanged()
    foreign = _transaction(theirs.customer_id, "b-foreign")
    if field == "customer_external_id":
        del foreign["customer_id"]
        foreign["customer_external_id"] = theirs.customer_external_id
    batch = [_transaction(own["id"], "b-own"), foreign]
    r = client.post(
        "/v1/transactions/batch", json={"transactions": batch}, headers=kit.admin.headers
    )
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == [f"transactions[1].{field}"]


def test_other_bodies_refuse_foreign_ids(
    client: TestClient, kit: TenantKit, theirs: Theirs, unchanged: Any
):
    unchanged()
    h = kit.admin.headers
    r = client.post(
        "/v1/documents",
        files={"file": ("a.txt", b"mine", "text/plain")},
        data={"customer_id": theirs.customer_id},
        headers=h,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "customer_id", r.text
    r = client.put(
        "/v1/settings/transaction-monitoring",
        json={"group_by": "customer", "case_config": theirs.config_slug},
        headers=h,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "case_config", r.text
    r = client.post(
        "/v1/rules/backtest",
        json={
            "from": "2024-01-01T00:00:00Z",
            "to": "2024-02-01T00:00:00Z",
            "condition": {"test": "amount", "at_least": "1"},
            "customer_id": theirs.customer_id,
        },
        headers=h,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "customer_id", r.text


def test_query_filters_with_foreign_ids_find_nothing(
    client: TestClient, kit: TenantKit, theirs: Theirs
):
    """Each filter names a row of the other tenant that has matching rows there."""
    h = kit.admin.headers
    own = _mine(client, kit, external_id="own-ext")
    client.post("/v1/cases", json=case_body(customer_id=own["id"]), headers=h)
    client.post("/v1/transactions", json=_transaction(own["id"], "own-wire"), headers=h)
    lookups = [
        ("/v1/cases", {"customer_id": theirs.customer_id}),
        ("/v1/cases", {"assignee": theirs.user_id}),
        ("/v1/transactions", {"customer_id": theirs.customer_id}),
        ("/v1/transactions", {"case_id": theirs.case_id}),
        ("/v1/customers", {"external_id": theirs.customer_external_id}),
        ("/v1/documents", {"customer_id": theirs.customer_id}),
        ("/v1/alerts", {"customer_id": theirs.customer_id}),
        ("/v1/alerts", {"case_id": theirs.case_id}),
        ("/v1/monitoring/customers", {"customer_id": theirs.customer_id}),
    ]
    for path, params in lookups:
        r = client.get(path, params=params, headers=h)
        assert r.status_code == 200, (path, r.text)
        assert r.json()["items"] == [], (path, params)
    # The filters do work on the own tenant's rows.
    mine = client.get("/v1/customers", params={"external_id": "own-ext"}, headers=h).json()
    assert [c["id"] for c in mine["items"]] == [own["id"]]
    mine = client.get("/v1/cases", params={"customer_id": own["id"]}, headers=h).json()
    assert len(mine["items"]) == 1


def test_sigma_refuses_foreign_users_and_documents(
    client: TestClient, kit: TenantKit, theirs: Theirs, unchanged: Any
):
    unchanged()
    base = {
        "title": "Structuring",
        "description": "Deposits under the threshold.",
        "priority": "medium",
        "assignedTo": kit.supervisor.user_id,
        "module": "aml",
    }
    for overrides in (
        {"assignedTo": theirs.user_id},
        {"escalateTo": theirs.user_id},
        {"attachments": [theirs.document_id]},
    ):
        r = client.post(
            "/case-management/create", json={**base, **overrides}, headers=sigma(kit.analyst)
        )
        assert 400 <= r.status_code < 500, r.text
        assert r.json()["data"] is None
    r = client.get(f"/case-management/{theirs.case_id}", headers=sigma(kit.analyst))
    assert r.status_code == 404, r.text
    r = client.get(
        "/case-management", params={"assignedTo": theirs.user_id}, headers=sigma(kit.analyst)
    )
    assert r.status_code == 200, r.text
    assert theirs.case_id not in r.text


def test_sumsub_refuses_foreign_applicants_transactions_and_blueprints(
    client: TestClient, kit: TenantKit, theirs: Theirs, unchanged: Any
):
    own = _mine(client, kit, external_id=f"app-{secrets.token_hex(3)}")
    own_txn = _post(client, kit, "/v1/transactions", _transaction(own["id"], "own-txn"))
    own_config = _post(
        client, kit, "/v1/case-configs", {"slug": f"bp-{secrets.token_hex(3)}", "name": "Own"}
    )
    unchanged()
    sumsub = Sumsub(client, kit.analyst)
    good = {
        "applicantId": own["id"],
        "txnIds": [own_txn["id"]],
        "blueprintId": own_config["id"],
        "name": "Case",
    }
    for overrides in (
        {"applicantId": theirs.customer_id},
        {"applicantId": theirs.customer_external_id},
        {"txnIds": [theirs.transaction_id]},
        {"txnIds": [theirs.transaction_external_id]},
        {"blueprintId": theirs.config_id},
        {"blueprintId": theirs.config_slug},
    ):
        r = sumsub.create({**good, **overrides})
        assert 400 <= r.status_code < 500, (overrides, r.text)
        assert set(r.json()) == {"code", "correlationId", "description"}
    assert sumsub.case(theirs.case_id).status_code == 404
    assert sumsub.get(f"{CASES}/{theirs.case_id}").status_code == 404


def test_sphinx_refuses_foreign_numbers(
    client: TestClient, kit: TenantKit, theirs: Theirs, unchanged: Any
):
    auth = bearer(client, kit.analyst)
    unchanged()
    bodies = [
        {"customer_id": theirs.customer_number},
        {
            "customer": {"full_name": "Own Person", "customer_type": "INDIVIDUAL"},
            "document_ids": [theirs.document_number],
        },
        {
            "customer": {"full_name": "Own Person", "customer_type": "INDIVIDUAL"},
            "case_config": theirs.config_slug,
        },
    ]
    for body in bodies:
        r = client.post("/api/cases/", json=body, headers=auth)
        assert 400 <= r.status_code < 500, (body, r.text)
    r = client.post(
        "/api/documents/",
        files={"file": ("a.txt", b"mine", "text/plain")},
        data={"customer_id": str(theirs.customer_number)},
        headers=auth,
    )
    assert 400 <= r.status_code < 500, r.text
    for path in (
        f"/api/cases/{theirs.case_number}/",
        f"/api/customers/{theirs.customer_number}/",
        f"/api/documents/{theirs.document_number}/",
    ):
        assert client.get(path, headers=auth).status_code == 404, path
    r = client.post(f"/api/cases/{theirs.case_number}/start/", headers=auth)
    assert r.status_code == 404, r.text


def test_sphinx_numbers_find_the_own_row_where_both_tenants_have_one(
    client: TestClient, kit: TenantKit, theirs: Theirs
):
    """Numbers count per tenant, so the other tenant has a case 1 too: it is never the
    one found."""
    auth = bearer(client, kit.analyst)
    body = {"customer": {"full_name": "Own Person", "customer_type": "INDIVIDUAL"}}
    r = client.post("/api/cases/", json=body, headers=auth)
    assert r.status_code == 201, r.text
    number = r.json()["id"]
    assert number <= theirs.case_number, "the other tenant has a case with this number"
    mine = client.get(f"/api/cases/{number}/", headers=auth)
    assert mine.status_code == 200, mine.text
    assert mine.json()["id"] == number and "Own Person" in mine.text
    assert "Harald Brekke" not in mine.text


def test_sphinx_numbers_name_one_case_each_and_nothing_beyond_the_range(
    client: TestClient, kit: TenantKit, theirs: Theirs
):
    """Each number finds its own case, not merely some case of the tenant; a number the
    32-bit column cannot hold, or one never given, is a 404."""
    auth = bearer(client, kit.analyst)
    numbers = {}
    for name in ("Ada First", "Bo Second"):
        body = {"customer": {"full_name": name, "customer_type": "INDIVIDUAL"}}
        r = client.post("/api/cases/", json=body, headers=auth)
        assert r.status_code == 201, r.text
        numbers[name] = r.json()["id"]
    for name, number in numbers.items():
        found = client.get(f"/api/cases/{number}/", headers=auth)
        assert found.status_code == 200, found.text
        assert found.json()["id"] == number and name in found.text
    for number in (2**63, max(numbers.values()) + 1000):
        missing = client.get(f"/api/cases/{number}/", headers=auth)
        assert missing.status_code == 404, (number, missing.text)


def test_an_update_answers_with_the_own_case_read_again(client: TestClient, kit: TenantKit):
    """The answer to a change is the case read afresh within the caller's tenant."""
    case = _post(client, kit, "/v1/cases", case_body(customer_id=_mine(client, kit)["id"]))
    r = client.patch(
        f"/v1/cases/{case['id']}", json={"title": "Renamed"}, headers=kit.admin.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["id"] == case["id"] and r.json()["title"] == "Renamed"
    missing = client.get(f"/v1/cases/{UNKNOWN}", headers=kit.admin.headers)
    assert missing.status_code == 404
    assert f"case {UNKNOWN} not found" in missing.text


def test_a_customer_external_id_is_unique_within_its_tenant_only(
    client: TestClient, kit: TenantKit, theirs: Theirs
):
    """The other tenant's external id is free here; the own tenant's is taken, except by
    the customer that holds it."""
    h = kit.admin.headers
    ref = theirs.customer_external_id
    first = client.post(
        "/v1/customers", json={"full_name": "Own One", "external_id": ref}, headers=h
    )
    assert first.status_code == 201, first.text
    again = client.post(
        "/v1/customers", json={"full_name": "Own Two", "external_id": ref}, headers=h
    )
    assert again.status_code == 409, again.text
    assert f"external_id {ref!r} belongs to customer {first.json()['id']}" in again.text
    kept = client.patch(
        f"/v1/customers/{first.json()['id']}",
        json={"full_name": "Own One Renamed", "external_id": ref},
        headers=h,
    )
    assert kept.status_code == 200, kept.text
    assert kept.json()["external_id"] == ref
    second = _mine(client, kit)
    taken = client.patch(f"/v1/customers/{second['id']}", json={"external_id": ref}, headers=h)
    assert taken.status_code == 409, taken.text
