"""Probes and metrics."""

from __future__ import annotations

from fastapi.testclient import TestClient

from casework.app import create_app
from casework.config import Settings
from casework.infra.db import Database
from casework.infra.storage import open_store
from casework.infra.storage.location import parse
from tests.factories import TenantKit
from tests.s3_server import S3Server


def test_probes(client: TestClient):
    liveness = client.get("/healthz")
    assert liveness.status_code == 200 and liveness.json()["status"] == "ok"
    assert client.get("/readyz").json() == {"status": "ok"}


def test_a_bucket_that_cannot_be_used_makes_a_replica_unready(
    settings: Settings, db: Database, s3_server: S3Server
) -> None:
    bucket = s3_server.create_bucket()
    store = open_store(parse(s3_server.storage_url(bucket, "documents")))
    client = TestClient(create_app(settings, db, storage=store))
    assert client.get("/readyz").json() == {"status": "ok"}
    s3_server.client().delete_bucket(Bucket=bucket)
    unready = client.get("/readyz")
    assert unready.status_code == 503
    # Why is logged; the probe is told only what is unavailable, not the bucket's name.
    assert unready.json() == {"status": "document store unavailable"}


def test_metrics_count_requests_by_route_template(client: TestClient, kit: TenantKit):
    client.get("/v1/cases/0123456789abcdef01234567", headers=kit.viewer.headers)
    text = client.get("/metrics").text
    assert 'route="/v1/cases/{case_id}",status="404"' in text
    assert "0123456789abcdef01234567" not in text


def test_unknown_route_is_problem_json(client: TestClient):
    r = client.get("/v1/nothing-here")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["correlation_id"] == r.headers["x-correlation-id"]


def test_openapi_documents_errors(client: TestClient):
    spec = client.get("/openapi.json").json()
    responses = spec["paths"]["/v1/cases"]["post"]["responses"]
    assert {"201", "401", "403", "409", "413", "422"} <= set(responses)
    assert "Problem" in spec["components"]["schemas"]
