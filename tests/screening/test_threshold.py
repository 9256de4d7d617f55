"""The threshold is inclusive: a score exactly at it is a match, in compare, in a search
and in a SANCTIONS check."""

from __future__ import annotations

import json
import secrets

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.infra.db import Database
from casework.screening.score import NAME_FACTOR
from casework.screening.service import import_dataset
from tests.factories import TenantKit, case_body

NAME = "Oswaldo Quintero Barragan"
# The same name with nothing else to compare scores the name factor exactly.
EXACT = NAME_FACTOR


@pytest.fixture(scope="module")
def listed(db: Database, tmp_path_factory: pytest.TempPathFactory) -> str:
    name = f"threshold-{secrets.token_hex(4)}"
    path = tmp_path_factory.mktemp("list") / "list.json"
    record = {
        "id": "oqb",
        "schema": "Person",
        "target": True,
        "properties": {"name": [NAME], "topics": ["sanction"]},
    }
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with db.transaction() as session:
        import_dataset(session, name=name, format_name="ftm", paths=[path])
    return name


def test_compare_at_exactly_the_threshold_is_a_match(client: TestClient, kit: TenantKit):
    body = {"schema": "Person", "a": {"name": NAME}, "b": {"name": NAME}}
    r = client.post("/v1/screenings/compare", json=body, headers=kit.viewer.headers)
    assert r.status_code == 200, r.text
    assert r.json()["score"] == EXACT
    at = client.post(
        "/v1/screenings/compare", json={**body, "threshold": EXACT}, headers=kit.viewer.headers
    )
    assert at.json()["score"] == EXACT and at.json()["match"] is True
    above = client.post(
        "/v1/screenings/compare",
        json={**body, "threshold": EXACT + 0.0001},
        headers=kit.viewer.headers,
    )
    assert above.json()["match"] is False


def test_a_search_at_exactly_the_threshold_finds_and_matches(
    client: TestClient, kit: TenantKit, listed: str
):
    r = client.post(
        "/v1/screenings",
        json={"name": NAME, "datasets": [listed], "threshold": EXACT},
        headers=kit.viewer.headers,
    )
    assert r.status_code == 200, r.text
    (match,) = r.json()["matches"]
    assert match["entity_id"] == f"{listed}:oqb"
    assert match["score"] == EXACT and match["match"] is True


def test_a_sanctions_check_at_exactly_the_threshold_records_the_match(
    app: FastAPI, client: TestClient, kit: TenantKit, listed: str
):
    slug = f"at-{secrets.token_hex(3)}"
    config = {
        "slug": slug,
        "name": "Exact threshold",
        "checks": [{"type": "SANCTIONS", "params": {"threshold": EXACT}}],
    }
    r = client.post("/v1/case-configs", json=config, headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    body = case_body(config=slug, customer={"customer_type": "INDIVIDUAL", "full_name": NAME})
    case = client.post("/v1/cases", json=body, headers=kit.analyst.headers)
    assert case.status_code == 201, case.text
    app.state.jobs.join()
    r = client.get(f"/v1/cases/{case.json()['id']}/checks", headers=kit.viewer.headers)
    (check,) = r.json()["items"]
    assert check["status"] == "COMPLETED", check
    found = [m for m in check["matches"] if m["entity_id"] == f"{listed}:oqb"]
    assert len(found) == 1 and found[0]["score"] == EXACT
