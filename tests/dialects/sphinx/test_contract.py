"""The reference's example requests, sent as documented (real ids in place of the
placeholders), and the responses compared with the documented shape."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.cases.repository import number_to_id
from casework.infra.db import Database
from tests.dialects.sphinx.shapes import assert_case_shape
from tests.factories import TenantKit
from tests.webhooks.conftest import OnPremReceiver

# The current page's short example.
SHORT_EXAMPLE: dict[str, Any] = {
    "customer_id": 123,
    "webhook_url": "https://example.com/webhook/case-complete",
    "delete_after": 30,
}

# The current page's full request example, placeholders and all.
FULL_EXAMPLE: dict[str, Any] = {
    "customer_id": 123,
    "customer": {
        "full_name": "<string>",
        "external_id": "<string>",
        "customer_type": "INDIVIDUAL",
        "input_details": {},
        "delete_after": 123,
    },
    "webhook_url": "<string>",
    "checks": [
        {
            "check_type": "UBO_RESOLUTION",
            "input_details": {},
            "document_ids": [123],
            "delete_after": 123,
        }
    ],
    "document_ids": [123],
    "delete_after": 123,
    "case_config": "<string>",
    "auto_start": True,
}

# The earlier page's request example (cookie authentication, notes and rfi).
EARLIER_EXAMPLE: dict[str, Any] = {
    "customer_id": 123,
    "customer": {
        "full_name": "<string>",
        "external_id": "<string>",
        "customer_type": "INDIVIDUAL",
        "input_details": "<unknown>",
        "delete_after": 123,
    },
    "webhook_url": "<string>",
    "notes": "<string>",
    "rfi": "<string>",
    "checks": [
        {
            "check_type": "PEP",
            "input_details": "<unknown>",
            "document_ids": [123],
            "delete_after": 123,
        }
    ],
    "document_ids": [123],
    "delete_after": 123,
}


def _config(client: TestClient, kit: TenantKit) -> dict[str, Any]:
    body = {
        "slug": f"kyc-{secrets.token_hex(3)}",
        "name": "Standard KYC",
        "checks": [{"type": "JURISDICTION"}],
    }
    r = client.post("/v1/case-configs", json=body, headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_short_example(
    client: TestClient, auth: dict[str, str], new_customer: Callable[..., dict[str, Any]]
):
    customer = new_customer(external_id=f"cust-{secrets.token_hex(4)}")
    body = SHORT_EXAMPLE | {"customer_id": customer["id"]}

    r = client.post("/api/cases/", json=body, headers=auth)

    assert r.status_code == 201, r.text
    case = r.json()
    assert_case_shape(case)
    assert case["customer"] == {
        "id": customer["id"],
        "full_name": "Ingrid Halvorsen",
        "external_id": customer["external_id"],
        "customer_type": "INDIVIDUAL",
    }
    assert case["webhook_url"] == SHORT_EXAMPLE["webhook_url"]
    assert case["delete_after"] == 30
    assert case["checks"] == [] and case["status"] == "PENDING"
    assert case["outcome"] == "PENDING" and case["risk_score"] is None
    assert case["is_complete"] is False and case["failed"] is False
    assert case["created_at"].endswith("Z")


def test_full_example(
    app: FastAPI,
    client: TestClient,
    kit: TenantKit,
    auth: dict[str, str],
    new_customer: Callable[..., dict[str, Any]],
    new_document: Callable[..., dict[str, Any]],
    onprem: OnPremReceiver,
):
    existing = new_customer()
    document = new_document()
    config = _config(client, kit)
    filled = copy.deepcopy(FULL_EXAMPLE)
    filled["customer_id"] = existing["id"]
    filled["customer"]["full_name"] = "Nordlys Shipping AS"
    filled["customer"]["external_id"] = f"nordlys-{secrets.token_hex(4)}"
    filled["webhook_url"] = onprem.url
    filled["checks"][0]["document_ids"] = [document["id"]]
    filled["document_ids"] = [document["id"]]
    filled["case_config"] = config["slug"]

    # As documented, the example names both a customer and a customer_id.
    r = client.post("/api/cases/", json=filled, headers=auth)
    assert r.status_code == 400, r.text
    assert r.json() == {"non_field_errors": ["Give either customer_id or customer, not both."]}

    with_checks = {k: v for k, v in filled.items() if k not in {"customer_id", "case_config"}}
    r = client.post("/api/cases/", json=with_checks, headers=auth)
    assert r.status_code == 201, r.text
    case = r.json()
    assert_case_shape(case, checks_ran=False)
    assert case["customer"]["full_name"] == "Nordlys Shipping AS"
    assert case["customer"]["id"] != existing["id"]
    (check,) = case["checks"]
    assert check["check_type"] == "UBO_RESOLUTION" and check["input_details"] == {}
    assert check["delete_after"] == 123 and case["delete_after"] == 123
    assert case["webhook_url"] == onprem.url

    with_config = {k: v for k, v in filled.items() if k not in {"customer", "checks"}}
    r = client.post("/api/cases/", json=with_config, headers=auth)
    assert r.status_code == 201, r.text
    assert_case_shape(r.json(), checks_ran=False)
    assert [c["check_type"] for c in r.json()["checks"]] == ["JURISDICTION"]
    assert r.json()["customer"]["id"] == existing["id"]
    app.state.jobs.join()


def test_earlier_example_with_a_session_cookie(
    app: FastAPI,
    client: TestClient,
    db: Database,
    kit: TenantKit,
    console: dict[str, str],
    new_customer: Callable[..., dict[str, Any]],
    new_document: Callable[..., dict[str, Any]],
):
    existing = new_customer()
    document = new_document()
    filled = copy.deepcopy(EARLIER_EXAMPLE)
    filled["customer_id"] = existing["id"]
    filled["customer"]["full_name"] = "Solveig Aasen"
    filled["customer"]["external_id"] = f"aasen-{secrets.token_hex(4)}"
    filled["customer"]["input_details"] = {"source": "onboarding form"}
    filled["webhook_url"] = "https://hooks.example.com/sphinx"
    filled["notes"] = "Referred by the branch"
    filled["rfi"] = "Please send a recent utility bill"
    filled["checks"][0]["input_details"] = {}
    filled["checks"][0]["document_ids"] = [document["id"]]
    filled["document_ids"] = [document["id"]]

    r = client.post("/api/cases/", json=filled, headers=console)
    assert r.status_code == 400, r.text
    assert list(r.json()) == ["non_field_errors"]

    del filled["customer_id"]
    r = client.post("/api/cases/", json=filled, headers=console)
    assert r.status_code == 201, r.text
    case = r.json()
    assert_case_shape(case, checks_ran=False)
    assert case["notes"] == case["note"] == "Referred by the branch"
    assert case["rfi"] == "Please send a recent utility bill"
    assert [c["check_type"] for c in case["checks"]] == ["PEP"]
    app.state.jobs.join()

    with db.transaction(write=False) as session:
        case_id = number_to_id(session, tenant_id=kit.tenant_id, number=case["id"])
    native = client.get(f"/v1/cases/{case_id}", headers=kit.admin.headers).json()
    assert native["review_status"] == "awaiting_user"
    assert native["created_by_type"] == "byOfficer", "a console user, not an API client"


def test_start_example(
    app: FastAPI,
    client: TestClient,
    auth: dict[str, str],
    console: dict[str, str],
    new_customer: Callable[..., dict[str, Any]],
):
    customer = new_customer(external_id=f"start-{secrets.token_hex(4)}")
    body = {
        "customer_id": customer["id"],
        "checks": [
            {"check_type": "JURISDICTION", "input_details": {"counterparty_countries": ["PRK"]}}
        ],
        "auto_start": False,
    }
    created = client.post("/api/cases/", json=body, headers=auth).json()

    r = client.post(f"/api/cases/{created['id']}/start/", headers=console)

    assert r.status_code == 200, r.text
    assert_case_shape(r.json(), checks_ran=False)
    assert r.json()["status"] == "PENDING"
    app.state.jobs.join()
    done = client.get(f"/api/cases/{created['id']}/", headers=console).json()
    assert_case_shape(done)
    (check,) = done["checks"]
    assert done["status"] == "COMPLETED" and done["is_complete"] is True
    assert done["risk_score"] == check["risk_score"] > 0
    assert "PRK" in check["reasoning"]
