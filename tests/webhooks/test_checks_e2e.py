"""End to end: a listed business with SANCTIONS, PEP and UBO_RESOLUTION checks runs in
the background, completes with the outcome its findings call for, and a receiver gets
exactly one signed case.completed webhook."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.infra.db import Database
from casework.screening.service import import_dataset
from casework.webhooks import signing
from tests.factories import TenantKit
from tests.webhooks.conftest import OnPremReceiver


@pytest.fixture(scope="module")
def listed(db: Database, tmp_path_factory: pytest.TempPathFactory) -> str:
    name = f"e2e-{secrets.token_hex(4)}"
    path = tmp_path_factory.mktemp("list") / "list.json"
    records = [
        {
            "id": "kr",
            "schema": "Company",
            "properties": {"name": ["Kestrel Ridge Trading FZE"], "topics": ["sanction"]},
        },
        # Someone else, so that the PEP check has a PEP list to search.
        {
            "id": "pep",
            "schema": "Person",
            "properties": {"name": ["Odile Marchetti-Vance"], "topics": ["role.pep"]},
        },
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    with db.transaction() as session:
        import_dataset(session, name=name, format_name="ftm", paths=[path])
    return name


OWNERSHIP = {
    "subject": "kr",
    "entities": [
        {"id": "kr", "name": "Kestrel Ridge Trading FZE", "type": "company", "country": "ARE"},
        {"id": "p", "name": "Tomasz Wierzbicki", "type": "person", "country": "POL"},
    ],
    "ownerships": [{"owner": "p", "owned": "kr", "percentage": 100}],
}


def test_checks_complete_and_one_signed_webhook_arrives(
    app: FastAPI,
    client: TestClient,
    kit: TenantKit,
    listed: str,
    onprem: OnPremReceiver,
):
    url, got = onprem.url, onprem.requests
    r = client.post(
        "/v1/webhook-endpoints",
        json={"url": url, "event_types": ["case.completed"]},
        headers=kit.admin.headers,
    )
    assert r.status_code == 201, r.text
    secret = r.json()["secret"]
    body: dict[str, Any] = {
        "title": "Onboard Kestrel Ridge",
        "customer": {"customer_type": "BUSINESS", "full_name": "Kestrel Ridge Trading FZE"},
        "checks": [
            {"type": "SANCTIONS"},
            {"type": "PEP"},
            {"type": "UBO_RESOLUTION", "input_details": {"ownership": OWNERSHIP}},
        ],
    }
    case = client.post("/v1/cases", json=body, headers=kit.analyst.headers).json()
    app.state.jobs.join()

    done = client.get(f"/v1/cases/{case['id']}", headers=kit.viewer.headers).json()
    assert done["processing_status"] == "COMPLETED"
    assert done["outcome"] == "PENDING", "a possible sanctions match waits for an analyst"
    headers, raw = got.get(timeout=10)
    signing.verify(secret=secret, headers=headers, body=raw)  # raises if not signed by it
    payload = json.loads(raw)
    assert payload["type"] == "case.completed"
    assert payload["data"]["id"] == case["id"] and payload["data"]["outcome"] == "PENDING"
    app.state.jobs.sweep_now()
    app.state.jobs.join()
    assert got.empty(), "exactly one webhook"
