"""Customers and documents, which the case bodies name by integer id."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.dialects.sphinx.support import bearer
from tests.factories import TenantKit

Make = Callable[..., dict[str, Any]]
CUSTOMER_KEYS = {
    "id",
    "full_name",
    "external_id",
    "customer_type",
    "email",
    "country",
    "input_details",
    "delete_after",
    "created_at",
    "updated_at",
}
DOCUMENT_KEYS = {
    "id",
    "filename",
    "content_type",
    "size",
    "sha256",
    "customer_id",
    "created_at",
    "delete_after",
}


def test_create_read_and_list_customers(client: TestClient, auth: dict[str, str]):
    body = {
        "full_name": "Fjellheim Eiendom AS",
        "external_id": f"fe-{secrets.token_hex(4)}",
        "customer_type": "BUSINESS",
        "input_details": {"registration_number": "912345678"},
        "delete_after": 90,
        "email": "post@fjellheim.example",
    }
    r = client.post("/api/customers/", json=body, headers=auth)
    assert r.status_code == 201, r.text
    created = r.json()
    assert set(created) == CUSTOMER_KEYS
    assert isinstance(created["id"], int)
    assert {k: created[k] for k in body} == body
    assert created["created_at"].endswith("Z")

    r = client.get(f"/api/customers/{created['id']}/", headers=auth)
    assert r.status_code == 200 and r.json() == created
    second = client.post("/api/customers/", json={"full_name": "Kari Berg"}, headers=auth).json()
    assert second["id"] == created["id"] + 1
    assert second["customer_type"] == "INDIVIDUAL" and second["external_id"] == ""

    page = client.get("/api/customers/", headers=auth).json()
    assert page["count"] == 2 and [c["id"] for c in page["results"]] == [
        second["id"],
        created["id"],
    ]
    r = client.get("/api/customers/999999/", headers=auth)
    assert r.status_code == 404 and r.json() == {"detail": "Not found."}


def test_customer_rules(client: TestClient, auth: dict[str, str]):
    def refused(body: dict[str, Any]) -> Any:
        r = client.post("/api/customers/", json=body, headers=auth)
        assert r.status_code == 400, r.text
        return r.json()

    assert refused({}) == {"full_name": ["This field is required."]}
    assert refused({"full_name": "A", "customer_type": "TRUST"}) == {
        "customer_type": ['"TRUST" is not a valid choice.']
    }
    assert refused({"full_name": "A", "email": "nope"}) == {
        "email": ["Enter a valid email address."]
    }
    assert refused({"full_name": "A", "delete_after": 400}) == {
        "delete_after": ["Ensure this value is less than or equal to 365."]
    }
    assert refused({"full_name": "x" * 401}) == {
        "full_name": ["Ensure this field has no more than 400 characters."]
    }


def test_duplicate_external_id_is_a_conflict(client: TestClient, auth: dict[str, str]):
    body = {"full_name": "Twice", "external_id": f"dup-{secrets.token_hex(4)}"}
    assert client.post("/api/customers/", json=body, headers=auth).status_code == 201
    r = client.post("/api/customers/", json=body, headers=auth)
    assert r.status_code == 409 and list(r.json()) == ["detail"]
    inline = {"customer": body}
    r = client.post("/api/cases/", json=inline, headers=auth)
    assert r.status_code == 409 and list(r.json()) == ["detail"]


def test_upload_read_and_list_documents(
    client: TestClient, auth: dict[str, str], new_customer: Make
):
    customer = new_customer()
    content = b"name,share\nKari Berg,100\n"
    r = client.post(
        "/api/documents/",
        files={"file": ("owners.csv", content, "application/octet-stream")},
        data={"customer_id": str(customer["id"]), "delete_after": "30"},
        headers=auth,
    )
    assert r.status_code == 201, r.text
    document = r.json()
    assert set(document) == DOCUMENT_KEYS
    assert document["filename"] == "owners.csv" and document["content_type"] == "text/csv"
    assert document["size"] == len(content)
    assert document["sha256"] == hashlib.sha256(content).hexdigest()
    assert document["customer_id"] == customer["id"] and document["delete_after"] == 30

    assert client.get(f"/api/documents/{document['id']}/", headers=auth).json() == document
    page = client.get("/api/documents/", headers=auth).json()
    assert page["count"] == 1 and page["results"] == [document]
    r = client.get(f"/api/documents/{document['id'] + 1}/", headers=auth)
    assert r.status_code == 404 and r.json() == {"detail": "Not found."}


def test_upload_rules(client: TestClient, auth: dict[str, str]):
    r = client.post("/api/documents/", data={"delete_after": "1"}, headers=auth)
    assert r.status_code == 400 and r.json() == {"file": ["No file was submitted."]}
    files = {"file": ("a.txt", b"hello", "text/plain")}
    r = client.post("/api/documents/", files=files, data={"customer_id": "424242"}, headers=auth)
    assert r.status_code == 400
    assert r.json() == {"customer_id": ['Invalid pk "424242" - object does not exist.']}
    r = client.post("/api/documents/", files=files, data={"delete_after": "-5"}, headers=auth)
    assert r.status_code == 400
    assert r.json() == {"delete_after": ["Ensure this value is greater than or equal to -1."]}
    r = client.post("/api/documents/", files={"file": ("e.txt", b"", "text/plain")}, headers=auth)
    assert r.status_code == 400 and r.json() == {"file": ["The submitted file is empty."]}


def test_documents_of_another_tenant_are_unknown(
    client: TestClient, auth: dict[str, str], other_kit: TenantKit, new_document: Make
):
    mine = new_document()
    theirs = bearer(client, other_kit.analyst)
    r = client.get(f"/api/documents/{mine['id']}/", headers=theirs)
    assert r.status_code == 404 and r.json() == {"detail": "Not found."}
    assert client.get("/api/documents/", headers=theirs).json()["count"] == 0
