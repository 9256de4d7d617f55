"""The country-risk table through the API, with a tenant's own overrides."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import TenantKit, case_body


def test_lookup_and_overrides_are_per_tenant(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    r = client.get(
        "/v1/country-risk", params={"country": "IR", "on": "2025-01-01"}, headers=kit.viewer.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["country"] == "IRN" and r.json()["risk"] >= 0.9

    override = {"country": "CHE", "risk": 0.8, "note": "Internal policy"}
    r = client.put(
        "/v1/country-risk/overrides", json={"overrides": [override]}, headers=kit.admin.headers
    )
    assert r.status_code == 200, r.text
    mine = client.get("/v1/country-risk", params={"country": "CHE"}, headers=kit.viewer.headers)
    theirs = client.get(
        "/v1/country-risk", params={"country": "CHE"}, headers=other_kit.viewer.headers
    )
    assert mine.json()["risk"] == 0.8 and theirs.json()["risk"] == 0.0
    listed = client.get("/v1/country-risk/overrides", headers=other_kit.viewer.headers).json()
    assert listed == {"overrides": []}


def test_bad_overrides_name_the_field(client: TestClient, kit: TenantKit):
    for override, field in [
        ({"country": "XXX", "risk": 0.5}, "overrides.0.country"),
        ({"country": "CHE", "risk": 1.5}, "overrides.0.risk"),
    ]:
        r = client.put(
            "/v1/country-risk/overrides", json={"overrides": [override]}, headers=kit.admin.headers
        )
        assert r.status_code == 422, r.text
        assert any(e["field"].startswith(field) for e in r.json()["errors"]), r.json()
    bad = client.get("/v1/country-risk", params={"country": "ZZ"}, headers=kit.viewer.headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "country"


def test_jurisdiction_check_uses_the_tenant_overrides(
    app: FastAPI, client: TestClient, kit: TenantKit
):
    client.put(
        "/v1/country-risk/overrides",
        json={"overrides": [{"country": "NOR", "risk": 0.9, "note": "test"}]},
        headers=kit.admin.headers,
    )
    body = case_body(
        customer={"customer_type": "INDIVIDUAL", "full_name": "Kari Nordmann", "country": "NOR"},
        checks=[{"type": "JURISDICTION", "input_details": {"counterparty_countries": ["PRK"]}}],
    )
    case = client.post("/v1/cases", json=body, headers=kit.analyst.headers).json()
    app.state.jobs.join()
    (check,) = client.get(f"/v1/cases/{case['id']}/checks", headers=kit.viewer.headers).json()[
        "items"
    ]
    assert check["status"] == "COMPLETED", check
    assert check["risk_score"] >= 0.9 and check["outcome"] == "REJECTED"
    assert any("NOR" in line for line in check["reasoning"])
    assert any("PRK" in line for line in check["reasoning"])
