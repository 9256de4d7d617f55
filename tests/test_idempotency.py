"""Idempotency-Key on creating POSTs, including concurrent duplicates."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from casework.infra.db import Database
from casework.models import Case
from tests.factories import TenantKit, case_body


def _count(db: Database, tenant_id: str) -> int:
    with db.transaction(write=False) as session:
        return (
            session.scalar(
                select(func.count()).select_from(Case).where(Case.tenant_id == tenant_id)
            )
            or 0
        )


def test_same_key_same_body_replays(client: TestClient, kit: TenantKit, db: Database):
    headers = {**kit.analyst.headers, "Idempotency-Key": "abc-1"}
    first = client.post("/v1/cases", json=case_body(), headers=headers)
    second = client.post("/v1/cases", json=case_body(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert _count(db, kit.tenant_id) == 1


def test_same_key_other_body_is_422(client: TestClient, kit: TenantKit, db: Database):
    headers = {**kit.analyst.headers, "Idempotency-Key": "abc-2"}
    client.post("/v1/cases", json=case_body(), headers=headers)
    r = client.post("/v1/cases", json=case_body(title="other"), headers=headers)
    assert r.status_code == 422
    assert r.json()["type"].endswith("idempotency-mismatch")
    assert _count(db, kit.tenant_id) == 1


def test_keys_are_per_client(client: TestClient, kit: TenantKit, db: Database):
    for member in (kit.analyst, kit.supervisor):
        r = client.post(
            "/v1/cases", json=case_body(), headers={**member.headers, "Idempotency-Key": "shared"}
        )
        assert r.status_code == 201
    assert _count(db, kit.tenant_id) == 2


def test_failed_request_does_not_burn_the_key(client: TestClient, kit: TenantKit):
    headers = {**kit.analyst.headers, "Idempotency-Key": "retry-me"}
    bad = client.post("/v1/cases", json=case_body(assignee_id="0" * 24), headers=headers)
    assert bad.status_code == 422
    good = client.post("/v1/cases", json=case_body(), headers=headers)
    assert good.status_code == 201


def test_twenty_concurrent_requests_create_one_case(live_server: str, kit: TenantKit, db: Database):
    headers = {**kit.analyst.headers, "Idempotency-Key": "burst"}

    def send(_: int) -> httpx.Response:
        with httpx.Client(base_url=live_server, timeout=60) as http:
            return http.post("/v1/cases", json=case_body(), headers=headers)

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(send, range(20)))
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert _count(db, kit.tenant_id) == 1
