"""The three ways an API client authenticates, and the ways it is refused."""

from __future__ import annotations

import base64
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from casework.auth import secrets
from casework.infra.db import Database
from casework.models import AccessToken
from casework.models.base import utcnow
from tests.factories import TenantKit


def _me(client: TestClient, headers: dict[str, str]) -> int:
    return client.get("/v1/cases", headers=headers).status_code


def test_bearer_api_key(client: TestClient, kit: TenantKit):
    assert _me(client, kit.analyst.headers) == 200


def test_api_key_and_secret_headers(client: TestClient, kit: TenantKit):
    m = kit.analyst
    assert _me(client, {"apiKey": m.client_id, "apiSecret": m.client_secret}) == 200
    assert _me(client, {"apiKey": m.client_id, "apiSecret": m.client_secret + "x"}) == 401
    assert _me(client, {"apiKey": m.client_id}) == 401


def test_oauth_client_credentials_with_form_fields(client: TestClient, kit: TenantKit):
    m = kit.analyst
    r = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": m.client_id,
            "client_secret": m.client_secret,
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert 0 < body["expires_in"] <= 3600
    assert r.headers["cache-control"] == "no-store"
    assert _me(client, {"Authorization": f"Bearer {body['access_token']}"}) == 200


def test_oauth_client_credentials_with_basic_auth(client: TestClient, kit: TenantKit):
    m = kit.analyst
    basic = base64.b64encode(f"{m.client_id}:{m.client_secret}".encode()).decode()
    r = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert r.status_code == 200
    assert "refresh_token" not in r.json()


def test_oauth_refusals(client: TestClient, kit: TenantKit):
    m = kit.analyst
    r = client.post(
        "/oauth/token",
        data={"grant_type": "password", "client_id": m.client_id, "client_secret": m.client_secret},
    )
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    r = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": m.client_id,
            "client_secret": "wrong",
        },
    )
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    r = client.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert r.status_code == 401
    r = client.post("/oauth/token", data={})
    assert r.status_code == 422


def test_expired_access_token_is_refused(client: TestClient, kit: TenantKit, db: Database):
    m = kit.analyst
    token = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": m.client_id,
            "client_secret": m.client_secret,
        },
    ).json()
    with db.transaction() as session:
        session.execute(
            update(AccessToken)
            .where(AccessToken.token_hash == secrets.digest(token["access_token"]))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert _me(client, {"Authorization": f"Bearer {token['access_token']}"}) == 401


def test_revoked_client_is_refused_everywhere(client: TestClient, kit: TenantKit):
    m = kit.analyst
    token = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": m.client_id,
            "client_secret": m.client_secret,
        },
    ).json()
    r = client.post(f"/v1/api-clients/{m.api_client_id}/revoke", headers=kit.admin.headers)
    assert r.status_code == 200, r.text
    assert _me(client, m.headers) == 401
    assert _me(client, {"apiKey": m.client_id, "apiSecret": m.client_secret}) == 401
    assert _me(client, {"Authorization": f"Bearer {token['access_token']}"}) == 401


def test_deactivated_acting_user_disables_its_clients(client: TestClient, kit: TenantKit):
    r = client.patch(
        f"/v1/users/{kit.analyst.user_id}", json={"is_active": False}, headers=kit.admin.headers
    )
    assert r.status_code == 200, r.text
    assert _me(client, kit.analyst.headers) == 401


def test_malformed_credentials(client: TestClient):
    assert _me(client, {}) == 401
    assert _me(client, {"Authorization": "Bearer"}) == 401
    assert _me(client, {"Authorization": "Token abc"}) == 401
    r = client.get("/v1/cases", headers={"Authorization": "Bearer cwk_nope"})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["correlation_id"] == r.headers["x-correlation-id"]


def test_api_client_acts_as_its_user(client: TestClient, kit: TenantKit):
    r = client.post(
        "/v1/cases",
        json={"title": "t", "assignee_id": kit.analyst.user_id},
        headers=kit.supervisor.headers,
    )
    assert r.json()["assigned_by"]["id"] == kit.supervisor.user_id


def test_a_json_token_request_is_told_to_be_form_encoded(client: TestClient, kit: TenantKit):
    m = kit.analyst
    credentials = {
        "grant_type": "client_credentials",
        "client_id": m.client_id,
        "client_secret": m.client_secret,
    }
    r = client.post("/oauth/token", json=credentials)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    message = (
        "the token request must be form-encoded (Content-Type: "
        "application/x-www-form-urlencoded), as OAuth 2 requires"
    )
    assert r.json()["errors"] == [{"field": "body", "message": message}]
    assert r.json()["detail"] == f"body: {message}"
    # The same credentials, form-encoded, get a token.
    assert client.post("/oauth/token", data=credentials).status_code == 200
