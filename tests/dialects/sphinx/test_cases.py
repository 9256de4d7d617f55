"""Cases through the Sphinx API: start and rerun, the completion webhook, requests for
information, the list, outcomes, and the same case seen through ``/v1``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.cases.repository import number_to_id
from casework.infra.db import Database
from tests.dialects.sphinx.shapes import assert_case_shape
from tests.factories import TenantKit
from tests.webhooks.conftest import OnPremReceiver

Make = Callable[..., dict[str, Any]]
JURISDICTION = {"check_type": "JURISDICTION", "input_details": {"counterparty_countries": ["PRK"]}}


def native_id(db: Database, kit: TenantKit, number: int) -> str:
    with db.transaction(write=False) as session:
        return number_to_id(session, tenant_id=kit.tenant_id, number=number)


def test_start_then_rerun(
    app: FastAPI, client: TestClient, auth: dict[str, str], new_customer: Make
):
    body = {"customer_id": new_customer()["id"], "checks": [JURISDICTION], "auto_start": False}
    case = client.post("/api/cases/", json=body, headers=auth).json()
    first_check = case["checks"][0]["id"]

    started = client.post(f"/api/cases/{case['id']}/start/", headers=auth)
    assert started.status_code == 200, started.text
    assert [c["id"] for c in started.json()["checks"]] == [first_check]
    app.state.jobs.join()
    done = client.get(f"/api/cases/{case['id']}/", headers=auth).json()
    assert done["status"] == "COMPLETED" and done["outcome"] == done["checks"][0]["outcome"]

    rerun = client.post(f"/api/cases/{case['id']}/start/", headers=auth)
    assert rerun.status_code == 200, rerun.text
    assert_case_shape(rerun.json(), checks_ran=False)
    (check,) = rerun.json()["checks"]
    assert check["id"] != first_check and check["status"] == "PENDING"
    assert rerun.json()["status"] == "PENDING" and rerun.json()["is_complete"] is False
    app.state.jobs.join()
    again = client.get(f"/api/cases/{case['id']}/", headers=auth).json()
    assert again["status"] == "COMPLETED" and again["checks"][0]["id"] == check["id"]


def test_start_without_checks_is_a_conflict(
    client: TestClient, auth: dict[str, str], new_customer: Make
):
    case = client.post("/api/cases/", json={"customer_id": new_customer()["id"]}, headers=auth)
    r = client.post(f"/api/cases/{case.json()['id']}/start/", headers=auth)
    assert r.status_code == 409 and list(r.json()) == ["detail"]
    r = client.post("/api/cases/99999999/start/", headers=auth)
    assert r.status_code == 404 and r.json() == {"detail": "Not found."}
    r = client.get("/api/cases/abc/", headers=auth)
    assert r.status_code == 404 and r.json() == {"detail": "Not found."}


def test_completion_webhook_has_the_case_shape(
    app: FastAPI,
    client: TestClient,
    auth: dict[str, str],
    new_customer: Make,
    onprem: OnPremReceiver,
):
    body = {
        "customer_id": new_customer()["id"],
        "checks": [JURISDICTION],
        "webhook_url": onprem.url,
    }
    case = client.post("/api/cases/", json=body, headers=auth).json()
    app.state.jobs.join()

    headers, raw = onprem.requests.get(timeout=10)
    # The body is the case itself, as a Sphinx integration reads it.
    sent = json.loads(raw)
    assert_case_shape(sent)
    assert sent["id"] == case["id"] and sent["status"] == "COMPLETED"
    assert sent["checks"][0]["check_type"] == "JURISDICTION"
    assert sent == client.get(f"/api/cases/{case['id']}/", headers=auth).json() | {
        "delete_after": sent["delete_after"]
    }
    assert "webhook-signature" in headers
    app.state.jobs.join()
    assert onprem.requests.empty(), "one delivery, in the Sphinx shape only"


def test_rfi_puts_the_case_awaiting_the_customer(
    client: TestClient, db: Database, kit: TenantKit, auth: dict[str, str]
):
    body = {
        "customer": {"full_name": "Per Olsen", "email": "per@example.test"},
        "rfi": "Please send a utility bill",
    }
    case = client.post("/api/cases/", json=body, headers=auth).json()
    assert case["rfi"] == "Please send a utility bill"
    native = client.get(f"/v1/cases/{native_id(db, kit, case['id'])}", headers=kit.admin.headers)
    assert native.json()["review_status"] == "awaiting_user"
    assert native.json()["rfi"] == "Please send a utility bill"


def test_the_case_through_v1_and_its_audit_trail(
    client: TestClient, db: Database, kit: TenantKit, auth: dict[str, str], new_customer: Make
):
    customer = new_customer(external_id="v1-cross-check")
    body = {
        "customer_id": customer["id"],
        "notes": "Opened from the onboarding flow",
        "webhook_url": "https://hooks.example.com/cases",
        "delete_after": 30,
    }
    case = client.post("/api/cases/", json=body, headers=auth).json()
    case_id = native_id(db, kit, case["id"])

    native = client.get(f"/v1/cases/{case_id}", headers=kit.admin.headers).json()
    assert native["number"] == case["id"]
    assert native["customer"]["full_name"] == "Ingrid Halvorsen"
    assert native["customer"]["external_id"] == "v1-cross-check"
    assert native["notes"] == "Opened from the onboarding flow"
    assert native["webhook_url"] == "https://hooks.example.com/cases"
    assert native["created_by_type"] == "byApi"
    assert native["delete_after"] is not None

    log = client.get(f"/v1/cases/{case_id}/log", headers=kit.admin.headers).json()
    (created,) = [e for e in log if e["action"] == "case.created"]
    assert created["actor_type"] == "api_client"
    assert created["actor_client_id"] == kit.analyst.api_client_id


@pytest.mark.parametrize(
    ("resolution", "outcome"),
    [("false_positive", "ACCEPTED"), ("potential_threat", "REJECTED")],
)
def test_outcome_follows_the_resolution(
    client: TestClient,
    db: Database,
    kit: TenantKit,
    auth: dict[str, str],
    new_customer: Make,
    resolution: str,
    outcome: str,
):
    case = client.post("/api/cases/", json={"customer_id": new_customer()["id"]}, headers=auth)
    number = case.json()["id"]
    assert case.json()["outcome"] == "PENDING"
    case_id = native_id(db, kit, number)
    h = kit.admin.headers
    resolve = {"to": "resolved", "resolution": resolution, "note": "Reviewed"}
    assert client.post(f"/v1/cases/{case_id}/transition", json=resolve, headers=h).is_success
    assert client.get(f"/api/cases/{number}/", headers=auth).json()["outcome"] == outcome
    assert client.post(f"/v1/cases/{case_id}/transition", json={"to": "closed"}, headers=h)
    assert client.get(f"/api/cases/{number}/", headers=auth).json()["outcome"] == outcome
    reopen = client.post(f"/v1/cases/{case_id}/reopen", json={"note": "Again"}, headers=h)
    assert reopen.is_success
    assert client.get(f"/api/cases/{number}/", headers=auth).json()["outcome"] == "PENDING"


def test_list_is_paged(client: TestClient, auth: dict[str, str], new_customer: Make):
    customer = new_customer()["id"]
    numbers = [
        client.post("/api/cases/", json={"customer_id": customer}, headers=auth).json()["id"]
        for _ in range(3)
    ]
    first = client.get("/api/cases/", params={"page_size": 2}, headers=auth).json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 3 and first["previous"] is None
    assert [c["id"] for c in first["results"]] == numbers[::-1][:2]
    assert_case_shape(first["results"][0])
    second = client.get(first["next"], headers=auth).json()
    assert [c["id"] for c in second["results"]] == numbers[:1]
    assert second["next"] is None and "page=" not in second["previous"]
    r = client.get("/api/cases/", params={"page": 3, "page_size": 2}, headers=auth)
    assert r.status_code == 404 and r.json() == {"detail": "Invalid page."}
    capped = client.get("/api/cases/", params={"page_size": 1000}, headers=auth).json()
    assert capped["count"] == 3 and len(capped["results"]) == 3
