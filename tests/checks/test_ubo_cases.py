"""UBO_RESOLUTION on a case, and dual configs opening one KYC case per owner."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import TenantKit, case_body

OWNERSHIP = {
    "subject": "co",
    "entities": [
        {"id": "co", "name": "Fjordline Shipping AS", "type": "company", "country": "NOR"},
        {"id": "hold", "name": "Fjord Holding Ltd", "type": "company", "country": "CYP"},
        {"id": "ana", "name": "Ana Lindqvist", "type": "person", "country": "SWE"},
        {"id": "ben", "name": "Ben Okafor", "type": "person", "country": "NGA"},
    ],
    "ownerships": [
        {"owner": "hold", "owned": "co", "percentage": 80},
        {"owner": "ana", "owned": "hold", "percentage": 75},
        {"owner": "ben", "owned": "hold", "percentage": 25},
        {"owner": "ben", "owned": "co", "percentage": 10},
    ],
}
BUSINESS = {"customer_type": "BUSINESS", "full_name": "Fjordline Shipping AS", "country": "NOR"}


def _config(client: TestClient, kit: TenantKit, **body: Any) -> dict[str, Any]:
    base = {"slug": f"c-{secrets.token_hex(3)}", "name": "Config"}
    r = client.post("/v1/case-configs", json=base | body, headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _checks(client: TestClient, kit: TenantKit, case_id: str) -> list[dict[str, Any]]:
    r = client.get(f"/v1/cases/{case_id}/checks", headers=kit.viewer.headers)
    return list(r.json()["items"])


def test_ownership_is_resolved_with_its_chains(app: FastAPI, client: TestClient, kit: TenantKit):
    body = case_body(
        customer=BUSINESS,
        checks=[{"type": "UBO_RESOLUTION", "input_details": {"ownership": OWNERSHIP}}],
    )
    case = client.post("/v1/cases", json=body, headers=kit.analyst.headers).json()
    app.state.jobs.join()
    (check,) = _checks(client, kit, case["id"])
    assert check["status"] == "COMPLETED", check
    owners = {o["id"]: o for o in check["evidence"]["owners"]}
    assert owners["ana"]["effective_percent"] == 60.0  # 80% x 75%
    assert owners["ben"]["effective_percent"] == 30.0  # 80% x 25% + 10%
    assert check["evidence"]["beneficial_owners"] == ["ana", "ben"]
    assert any("Ana Lindqvist" in line for line in check["reasoning"])


def test_a_dual_config_opens_a_kyc_case_per_owner(app: FastAPI, client: TestClient, kit: TenantKit):
    kyc = _config(client, kit, checks=[{"type": "JURISDICTION"}])
    kyb = _config(
        client,
        kit,
        checks=[{"type": "UBO_RESOLUTION", "params": {"ubo_threshold": 50}}],
        kyc_config=kyc["slug"],
    )
    body = {
        "title": "Onboard Fjordline",
        "config": kyb["slug"],
        "customer": BUSINESS | {"input_details": {"ownership": OWNERSHIP}},
    }
    parent = client.post("/v1/cases", json=body, headers=kit.analyst.headers).json()
    app.state.jobs.join()
    children = client.get("/v1/cases", params={"limit": 200}, headers=kit.viewer.headers).json()[
        "items"
    ]
    mine = [c for c in children if c["title"].startswith("KYC: Ana Lindqvist")]
    assert len(mine) == 1, [c["title"] for c in children]
    child = mine[0]
    assert child["created_by_type"] == "byWorkflow" and child["config"] == kyc["slug"]
    assert child["parent_case_id"] == parent["id"]
    assert child["processing_status"] == "COMPLETED"
    done = client.get(f"/v1/cases/{parent['id']}", headers=kit.viewer.headers).json()
    assert done["processing_status"] == "COMPLETED"
    assert done["risk_score"] >= child["risk_score"]
    assert not [c for c in children if c["title"].startswith("KYC: Ben Okafor")]


def test_a_bad_structure_fails_the_check_with_the_reason(
    app: FastAPI, client: TestClient, kit: TenantKit
):
    broken = {**OWNERSHIP, "ownerships": [{"owner": "nobody", "owned": "co", "percentage": 5}]}
    body = case_body(
        customer=BUSINESS,
        checks=[{"type": "UBO_RESOLUTION", "input_details": {"ownership": broken}}],
    )
    case = client.post("/v1/cases", json=body, headers=kit.analyst.headers).json()
    app.state.jobs.join()
    (check,) = _checks(client, kit, case["id"])
    assert check["status"] == "ERROR" and "ownerships[0].owner" in check["error"]
