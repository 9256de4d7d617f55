"""Documents attached to cases: at creation, afterwards, and across tenants."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.documents.test_documents_api import CSV, PDF, PNG, _uploaded
from tests.factories import TenantKit, case_body

pytestmark = pytest.mark.every_storage


def _case(client: TestClient, kit: TenantKit, **overrides: Any) -> dict:
    r = client.post("/v1/cases", json=case_body(**overrides), headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    return r.json()


def _log(client: TestClient, kit: TenantKit, case_id: str) -> list[dict]:
    r = client.get(f"/v1/cases/{case_id}/log", headers=kit.viewer.headers)
    assert r.status_code == 200
    return r.json()


def _attachment_view(doc: dict) -> dict:
    return {k: doc[k] for k in ("filename", "content_type", "size", "sha256")} | {
        "document_id": doc["id"]
    }


def test_case_created_with_attachments(client: TestClient, kit: TenantKit):
    png = _uploaded(client, kit.analyst, "scan.png", PNG)
    pdf = _uploaded(client, kit.analyst, "statement.pdf", PDF)
    case = _case(client, kit, attachments=[png["id"], pdf["id"]])

    # Both links share one attached_at, so their relative order is not asserted.
    attached = sorted(case["attachments"], key=lambda a: a["document_id"])
    expected = sorted(
        [_attachment_view(png), _attachment_view(pdf)], key=lambda a: a["document_id"]
    )
    assert [{k: v for k, v in a.items() if k != "attached_at"} for a in attached] == expected
    assert all(a["attached_at"] for a in attached)
    again = client.get(f"/v1/cases/{case['id']}", headers=kit.viewer.headers).json()
    assert sorted(again["attachments"], key=lambda a: a["document_id"]) == attached
    log = _log(client, kit, case["id"])
    assert log[0]["action"] == "case.created"
    assert log[0]["after"]["attachments"] == [png["id"], pdf["id"]]


def test_attach_and_detach_after_creation_are_audited(client: TestClient, kit: TenantKit):
    doc = _uploaded(client, kit.analyst, "statement.pdf", PDF)
    case = _case(client, kit)
    cid = case["id"]
    h = kit.analyst.headers

    r = client.post(f"/v1/cases/{cid}/attachments", json={"document_id": doc["id"]}, headers=h)
    assert r.status_code == 201, r.text
    assert [a["document_id"] for a in r.json()["attachments"]] == [doc["id"]]

    r = client.delete(f"/v1/cases/{cid}/attachments/{doc['id']}", headers=h)
    assert r.status_code == 204
    assert r.content == b""
    assert client.get(f"/v1/cases/{cid}", headers=h).json()["attachments"] == []

    log = _log(client, kit, cid)
    assert [e["action"] for e in log] == [
        "case.created",
        "attachment.added",
        "attachment.removed",
    ]
    added, removed = log[1], log[2]
    assert added["entity_id"] == removed["entity_id"] == doc["id"]
    assert added["after"] == {
        "document_id": doc["id"],
        "filename": "statement.pdf",
        "sha256": doc["sha256"],
    }
    assert removed["before"] == {"document_id": doc["id"], "filename": "statement.pdf"}
    assert added["actor_user_id"] == removed["actor_user_id"] == kit.analyst.user_id

    # Detaching unlinks only: the document stays, and can be attached again.
    content = client.get(f"/v1/documents/{doc['id']}/content", headers=h)
    assert content.status_code == 200 and content.content == PDF
    r = client.post(f"/v1/cases/{cid}/attachments", json={"document_id": doc["id"]}, headers=h)
    assert r.status_code == 201


def test_attaching_another_tenants_document_is_422(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    foreign = _uploaded(client, other_kit.analyst, "secret.pdf", PDF)
    case = _case(client, kit)
    r = client.post(
        f"/v1/cases/{case['id']}/attachments",
        json={"document_id": foreign["id"]},
        headers=kit.analyst.headers,
    )
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["document_id"]
    assert (
        client.get(f"/v1/cases/{case['id']}", headers=kit.viewer.headers).json()["attachments"]
        == []
    )
    assert [e["action"] for e in _log(client, kit, case["id"])] == ["case.created"]


def test_creating_a_case_with_another_tenants_document_is_422(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    own = _uploaded(client, kit.analyst, "mine.pdf", PDF)
    foreign = _uploaded(client, other_kit.analyst, "secret.pdf", PDF)
    r = client.post(
        "/v1/cases",
        json=case_body(attachments=[own["id"], foreign["id"]]),
        headers=kit.analyst.headers,
    )
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["attachments[1]"]
    listed = client.get("/v1/cases", headers=kit.viewer.headers).json()
    assert listed["items"] == []


def test_listing_a_document_twice_at_creation_is_422(client: TestClient, kit: TenantKit):
    doc = _uploaded(client, kit.analyst, "scan.png", PNG)
    r = client.post(
        "/v1/cases",
        json=case_body(attachments=[doc["id"], doc["id"]]),
        headers=kit.analyst.headers,
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["attachments"]


def test_attaching_twice_is_409(client: TestClient, kit: TenantKit):
    first = _uploaded(client, kit.analyst, "scan.png", PNG)
    second = _uploaded(client, kit.analyst, "statement.pdf", PDF)
    case = _case(client, kit, attachments=[first["id"]])
    cid, h = case["id"], kit.analyst.headers

    r = client.post(f"/v1/cases/{cid}/attachments", json={"document_id": first["id"]}, headers=h)
    assert r.status_code == 409, r.text
    r = client.post(f"/v1/cases/{cid}/attachments", json={"document_id": second["id"]}, headers=h)
    assert r.status_code == 201
    r = client.post(f"/v1/cases/{cid}/attachments", json={"document_id": second["id"]}, headers=h)
    assert r.status_code == 409
    attached = client.get(f"/v1/cases/{cid}", headers=h).json()["attachments"]
    assert [a["document_id"] for a in attached] == [first["id"], second["id"]]
    actions = [e["action"] for e in _log(client, kit, cid)]
    assert actions == ["case.created", "attachment.added"]


def test_detaching_what_is_not_attached_is_404(client: TestClient, kit: TenantKit):
    doc = _uploaded(client, kit.analyst, "scan.png", PNG)
    case = _case(client, kit)
    r = client.delete(
        f"/v1/cases/{case['id']}/attachments/{doc['id']}", headers=kit.analyst.headers
    )
    assert r.status_code == 404


def test_attachment_permissions_and_tenancy(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    doc = _uploaded(client, kit.analyst, "scan.png", PNG)
    case = _case(client, kit)
    body = {"document_id": doc["id"]}
    r = client.post(f"/v1/cases/{case['id']}/attachments", json=body, headers=kit.viewer.headers)
    assert r.status_code == 403
    r = client.post(
        f"/v1/cases/{case['id']}/attachments", json=body, headers=other_kit.admin.headers
    )
    assert r.status_code == 404
    r = client.post(f"/v1/cases/{case['id']}/attachments", json=body, headers=kit.analyst.headers)
    assert r.status_code == 201
    r = client.delete(f"/v1/cases/{case['id']}/attachments/{doc['id']}", headers=kit.viewer.headers)
    assert r.status_code == 403
    r = client.delete(
        f"/v1/cases/{case['id']}/attachments/{doc['id']}", headers=other_kit.admin.headers
    )
    assert r.status_code == 404
    attached = client.get(f"/v1/cases/{case['id']}", headers=kit.viewer.headers).json()
    assert [a["document_id"] for a in attached["attachments"]] == [doc["id"]]


def test_downloading_an_attached_file(client: TestClient, kit: TenantKit):
    doc = _uploaded(client, kit.analyst, "transactions.csv", CSV, declared="image/png")
    case = _case(client, kit, attachments=[doc["id"]])
    attachment = client.get(f"/v1/cases/{case['id']}", headers=kit.viewer.headers).json()[
        "attachments"
    ][0]
    assert attachment["content_type"] == "text/csv"
    r = client.get(f"/v1/documents/{attachment['document_id']}/content", headers=kit.viewer.headers)
    assert r.status_code == 200
    assert r.content == CSV
    assert hashlib.sha256(r.content).hexdigest() == attachment["sha256"]
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["x-content-type-options"] == "nosniff"
