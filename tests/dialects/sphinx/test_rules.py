"""Each rule the reference documents for ``POST /api/cases/``, with the exact error body."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.cases.repository import number_to_id
from casework.infra.db import Database
from tests.dialects.sphinx.support import bearer
from tests.factories import TenantKit

Make = Callable[..., dict[str, Any]]


@pytest.fixture
def customer(new_customer: Make) -> dict[str, Any]:
    return new_customer()


def post(client: TestClient, auth: dict[str, str], body: Any) -> Any:
    return client.post("/api/cases/", json=body, headers=auth)


def refused(client: TestClient, auth: dict[str, str], body: Any) -> Any:
    r = post(client, auth, body)
    assert r.status_code == 400, r.text
    return r.json()


def test_customer_id_or_customer_is_required(client: TestClient, auth: dict[str, str]):
    assert refused(client, auth, {"delete_after": 30}) == {
        "non_field_errors": ["Either customer_id or customer is required."]
    }


def test_customer_id_and_customer_are_exclusive(
    client: TestClient, auth: dict[str, str], customer: dict[str, Any]
):
    body = {"customer_id": customer["id"], "customer": {"full_name": "Eirik Dahl"}}
    assert refused(client, auth, body) == {
        "non_field_errors": ["Give either customer_id or customer, not both."]
    }


def test_unknown_customer_id(client: TestClient, auth: dict[str, str]):
    assert refused(client, auth, {"customer_id": 2_000_000}) == {
        "customer_id": ['Invalid pk "2000000" - object does not exist.']
    }
    assert refused(client, auth, {"customer_id": "abc"}) == {
        "customer_id": ["A valid integer is required."]
    }


def test_another_tenants_customer_is_unknown(
    client: TestClient, auth: dict[str, str], other_kit: TenantKit
):
    theirs = client.post(
        "/api/customers/",
        json={"full_name": "Other Tenant AS"},
        headers=bearer(client, other_kit.analyst),
    ).json()
    # This tenant has no customer yet, so the number is only the other tenant's.
    assert refused(client, auth, {"customer_id": theirs["id"]}) == {
        "customer_id": [f'Invalid pk "{theirs["id"]}" - object does not exist.']
    }


def test_inline_customer_needs_a_full_name(client: TestClient, auth: dict[str, str]):
    body = {"customer": {"customer_type": "BUSINESS"}}
    assert refused(client, auth, body) == {"customer": {"full_name": ["This field is required."]}}


def test_customer_type_is_a_choice(client: TestClient, auth: dict[str, str]):
    body = {"customer": {"full_name": "Fjord Fisk AS", "customer_type": "COMPANY"}}
    assert refused(client, auth, body) == {
        "customer": {"customer_type": ['"COMPANY" is not a valid choice.']}
    }


def test_webhook_url_at_most_511_characters(
    client: TestClient, auth: dict[str, str], customer: dict[str, Any]
):
    base = "https://hooks.example.com/"
    longest = base + "a" * (511 - len(base))
    r = post(client, auth, {"customer_id": customer["id"], "webhook_url": longest})
    assert r.status_code == 201 and r.json()["webhook_url"] == longest
    body = {"customer_id": customer["id"], "webhook_url": longest + "a"}
    assert refused(client, auth, body) == {
        "webhook_url": ["Ensure this field has no more than 511 characters."]
    }
    body["webhook_url"] = "not a url"
    assert refused(client, auth, body) == {"webhook_url": ["Enter a valid URL."]}
    body["webhook_url"] = None
    assert post(client, auth, body).json()["webhook_url"] is None


def test_check_type_is_a_choice(client: TestClient, auth: dict[str, str], customer: dict[str, Any]):
    body = {
        "customer_id": customer["id"],
        "checks": [{"check_type": "PEP"}, {"check_type": "FOO"}],
        "auto_start": False,
    }
    assert refused(client, auth, body) == {
        "checks": [{}, {"check_type": ['"FOO" is not a valid choice.']}]
    }
    body["checks"] = [{"check_type": "PEP"}, {"check_type": "PEP"}]
    assert refused(client, auth, body) == {"checks": ["Each check_type may be given only once."]}
    body["checks"] = [{"input_details": {}}]
    assert refused(client, auth, body) == {"checks": [{"check_type": ["This field is required."]}]}


def test_case_config_and_checks_are_exclusive(
    client: TestClient, auth: dict[str, str], customer: dict[str, Any]
):
    body = {
        "customer_id": customer["id"],
        "case_config": "standard-kyc",
        "checks": [{"check_type": "PEP"}],
    }
    assert refused(client, auth, body) == {
        "non_field_errors": ["case_config cannot be used together with checks."]
    }


def test_unknown_case_config(client: TestClient, auth: dict[str, str], customer: dict[str, Any]):
    body = {"customer_id": customer["id"], "case_config": f"none-{secrets.token_hex(3)}"}
    errors = refused(client, auth, body)
    assert list(errors) == ["case_config"] and len(errors["case_config"]) == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-2, "Ensure this value is greater than or equal to -1."),
        (366, "Ensure this value is less than or equal to 365."),
    ],
)
def test_delete_after_range(
    client: TestClient, auth: dict[str, str], customer: dict[str, Any], value: int, message: str
):
    body = {"customer_id": customer["id"], "delete_after": value}
    assert refused(client, auth, body) == {"delete_after": [message]}
    body = {"customer_id": customer["id"], "checks": [{"check_type": "PEP", "delete_after": value}]}
    assert refused(client, auth, body) == {"checks": [{"delete_after": [message]}]}


def test_delete_after_defaults_to_never(
    client: TestClient, auth: dict[str, str], customer: dict[str, Any]
):
    assert post(client, auth, {"customer_id": customer["id"]}).json()["delete_after"] == -1
    for days in (0, 365):
        r = post(client, auth, {"customer_id": customer["id"], "delete_after": days})
        assert r.status_code == 201 and r.json()["delete_after"] == days


def test_unknown_document_ids(
    client: TestClient, auth: dict[str, str], customer: dict[str, Any], new_document: Make
):
    known = new_document()["id"]
    body = {"customer_id": customer["id"], "document_ids": [known, 999_999]}
    assert refused(client, auth, body) == {
        "document_ids": ['Invalid pk "999999" - object does not exist.']
    }
    body = {
        "customer_id": customer["id"],
        "checks": [{"check_type": "UBO_RESOLUTION", "document_ids": [known, 888_888]}],
        "auto_start": False,
    }
    assert refused(client, auth, body) == {
        "checks": [{"document_ids": ['Invalid pk "888888" - object does not exist.']}]
    }
    body = {"customer_id": customer["id"], "document_ids": [known, known]}
    assert list(refused(client, auth, body)) == ["document_ids"]


def test_auto_start_false_leaves_the_checks_waiting(
    app: FastAPI, client: TestClient, auth: dict[str, str], customer: dict[str, Any]
):
    body = {
        "customer_id": customer["id"],
        "checks": [{"check_type": "JURISDICTION"}],
        "auto_start": False,
    }
    case = post(client, auth, body).json()
    app.state.jobs.join()
    again = client.get(f"/api/cases/{case['id']}/", headers=auth).json()
    assert again["status"] == "PENDING" and again["checks"][0]["status"] == "PENDING"


def test_title_is_made_from_the_customer_and_the_checks(
    client: TestClient, auth: dict[str, str], db: Database, kit: TenantKit, customer: dict
):
    body = {
        "customer_id": customer["id"],
        "checks": [{"check_type": "SANCTIONS"}, {"check_type": "PEP"}],
        "auto_start": False,
    }
    case = post(client, auth, body).json()
    with db.transaction(write=False) as session:
        case_id = number_to_id(session, tenant_id=kit.tenant_id, number=case["id"])
    native = client.get(f"/v1/cases/{case_id}", headers=kit.admin.headers).json()
    assert native["title"] == "Ingrid Halvorsen (SANCTIONS, PEP)"


def test_body_errors(client: TestClient, auth: dict[str, str], customer: dict[str, Any]):
    r = client.post(
        "/api/cases/", content=b"{not json", headers=auth | {"Content-Type": "application/json"}
    )
    assert r.status_code == 400 and list(r.json()) == ["detail"]
    assert refused(client, auth, [1, 2]) == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }
    body = {"customer_id": customer["id"], "rfi": "", "auto_start": "perhaps"}
    assert refused(client, auth, body) == {
        "rfi": ["This field may not be blank."],
        "auto_start": ["Must be a valid boolean."],
    }
    # Fields the API does not know are ignored, as a serializer does.
    r = post(client, auth, {"customer_id": customer["id"], "priority": "urgent"})
    assert r.status_code == 201


def test_idempotency_key_replays_the_case(
    client: TestClient, auth: dict[str, str], customer: dict[str, Any]
):
    headers = auth | {"Idempotency-Key": secrets.token_hex(8)}
    body = {"customer_id": customer["id"], "notes": "once"}
    first = client.post("/api/cases/", json=body, headers=headers)
    second = client.post("/api/cases/", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    other = client.post("/api/cases/", json=body | {"notes": "twice"}, headers=headers)
    assert other.status_code == 422 and list(other.json()) == ["detail"]


BEYOND = 2**31  # past the 32-bit integer ids: names nothing, and must not reach the database


def test_ids_beyond_the_integer_range_name_nothing(
    client: TestClient, auth: dict[str, str], customer: dict[str, Any]
):
    for path in (f"/api/cases/{BEYOND}/", f"/api/customers/{BEYOND}/", f"/api/documents/{BEYOND}/"):
        r = client.get(path, headers=auth)
        assert (r.status_code, r.json()) == (404, {"detail": "Not found."}), path
    assert client.post(f"/api/cases/{BEYOND}/start/", headers=auth).status_code == 404
    assert refused(client, auth, {"customer_id": BEYOND}) == {
        "customer_id": [f'Invalid pk "{BEYOND}" - object does not exist.']
    }
    body = {"customer_id": customer["id"], "document_ids": [BEYOND]}
    assert refused(client, auth, body) == {
        "document_ids": [f'Invalid pk "{BEYOND}" - object does not exist.']
    }
