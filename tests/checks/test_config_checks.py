"""Case configs that name checks, parameters and an outcome policy."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.infra.db import Database
from casework.screening.service import import_dataset
from tests.factories import TenantKit


@pytest.fixture(scope="module")
def watchlist(db: Database, tmp_path_factory: pytest.TempPathFactory) -> str:
    name = f"cfg-{secrets.token_hex(4)}"
    path = tmp_path_factory.mktemp("list") / "list.json"
    record = {
        "id": "ob",
        "schema": "Person",
        "properties": {"name": ["Oleksandr Borysovych Tkachenko"], "topics": ["sanction"]},
    }
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with db.transaction() as session:
        import_dataset(session, name=name, format_name="ftm", paths=[path])
    return name


def _config(client: TestClient, kit: TenantKit, **body: Any) -> dict[str, Any]:
    base = {"slug": f"kyc-{secrets.token_hex(3)}", "name": "KYC"}
    r = client.post("/v1/case-configs", json=base | body, headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_a_config_implies_its_checks_with_their_parameters(
    app: FastAPI, client: TestClient, kit: TenantKit, watchlist: str
):
    config = _config(
        client,
        kit,
        checks=[{"type": "SANCTIONS", "params": {"threshold": 0.75, "datasets": [watchlist]}}],
        outcome_policy={"accept_below": 0.2, "reject_from": 0.9},
    )
    assert config["monitoring"] is True, "screening configs monitor by default"
    params = {"threshold": 0.75, "datasets": [watchlist], "ubo_threshold": None}
    assert config["checks"] == [{"type": "SANCTIONS", "params": params}]
    body = {
        "title": "Onboarding",
        "config": config["slug"],
        "customer": {"customer_type": "INDIVIDUAL", "full_name": "Oleksandr Tkachenko"},
    }
    case = client.post("/v1/cases", json=body, headers=kit.analyst.headers).json()
    app.state.jobs.join()
    (check,) = client.get(f"/v1/cases/{case['id']}/checks", headers=kit.viewer.headers).json()[
        "items"
    ]
    assert check["type"] == "SANCTIONS" and check["evidence"]["threshold"] == 0.75
    assert set(check["dataset_versions"]) == {watchlist}
    assert [m["entity_id"] for m in check["matches"]] == [f"{watchlist}:ob"]


def test_policy_and_dual_config_validation(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    for body, field in [
        ({"outcome_policy": {"accept_below": 0.9, "reject_from": 0.5}}, "outcome_policy"),
        ({"checks": [{"type": "PEP"}, {"type": "PEP"}]}, "checks"),
        ({"checks": [{"type": "PEP", "params": {"threshold": 2}}]}, "checks.0.params.threshold"),
        ({"kyc_config": "missing"}, "kyc_config"),
    ]:
        r = client.post(
            "/v1/case-configs",
            json={"slug": f"bad-{secrets.token_hex(3)}", "name": "Bad", **body},
            headers=kit.admin.headers,
        )
        assert r.status_code == 422, r.text
        assert any(e["field"].startswith(field) for e in r.json()["errors"]), r.json()
    theirs = _config(client, other_kit)
    r = client.post(
        "/v1/case-configs",
        json={"slug": "dual", "name": "Dual", "kyc_config": theirs["slug"]},
        headers=kit.admin.headers,
    )
    assert r.status_code == 422, "another tenant's config is not found"
    kyc = _config(client, kit, checks=[{"type": "SANCTIONS"}])
    dual = _config(client, kit, checks=[{"type": "UBO_RESOLUTION"}], kyc_config=kyc["slug"])
    assert dual["kyc_config"] == kyc["slug"] and dual["monitoring"] is False
