"""The token endpoint, bearer and cookie authentication, CSRF, and refusals in DRF's
shape."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from casework.auth import sessions
from casework.auth.secrets import digest
from casework.config import Settings
from casework.infra.db import Database
from casework.models import UserSession
from casework.models.base import utcnow
from tests.dialects.sphinx.support import bearer, cookie_headers, start_session, token_for
from tests.factories import TenantKit

NOT_PROVIDED = {"detail": "Authentication credentials were not provided."}
INVALID_TOKEN = {"detail": "Invalid token."}
FORBIDDEN = {"detail": "You do not have permission to perform this action."}
CSRF_FAILED = {"detail": "CSRF Failed: CSRF token missing or incorrect."}


@pytest.fixture
def case(
    client: TestClient, auth: dict[str, str], new_customer: Callable[..., dict[str, Any]]
) -> dict[str, Any]:
    r = client.post("/api/cases/", json={"customer_id": new_customer()["id"]}, headers=auth)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_token_from_form_fields_or_basic(client: TestClient, kit: TenantKit):
    member = kit.analyst
    r = client.post(
        "/api/oauth/token/",
        data={
            "grant_type": "client_credentials",
            "client_id": member.client_id,
            "client_secret": member.client_secret,
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    assert body["access_token"].startswith("cwt_")
    assert r.headers["cache-control"] == "no-store"

    basic = base64.b64encode(f"{member.client_id}:{member.client_secret}".encode()).decode()
    r = client.post(
        "/api/oauth/token/",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert r.status_code == 200, r.text
    listed = client.get(
        "/api/cases/", headers={"Authorization": f"Bearer {r.json()['access_token']}"}
    )
    assert listed.status_code == 200


def test_token_errors_are_oauth2_errors(client: TestClient, kit: TenantKit):
    member = kit.analyst
    good = {"client_id": member.client_id, "client_secret": member.client_secret}
    r = client.post("/api/oauth/token/", data=good | {"grant_type": "password"})
    assert r.status_code == 400
    assert r.json()["error"] == "unsupported_grant_type" and r.json()["error_description"]
    r = client.post("/api/oauth/token/", data=good)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    wrong = good | {"grant_type": "client_credentials", "client_secret": "nope"}
    r = client.post("/api/oauth/token/", data=wrong)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    assert set(r.json()) == {"error", "error_description"}
    r = client.post("/api/oauth/token/", data={"grant_type": "client_credentials"})
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"


def test_no_credentials(client: TestClient, case: dict[str, Any]):
    r = client.get(f"/api/cases/{case['id']}/")
    assert r.status_code == 401 and r.json() == NOT_PROVIDED
    assert r.headers["www-authenticate"].startswith("Bearer")
    r = client.post("/api/cases/", json={"customer_id": 1})
    assert r.status_code == 401 and r.json() == NOT_PROVIDED


def test_wrong_token(client: TestClient, case: dict[str, Any]):
    for token in ("cwt_" + secrets.token_urlsafe(32), "not-a-key"):
        r = client.get(f"/api/cases/{case['id']}/", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401 and r.json() == INVALID_TOKEN
        assert r.headers["www-authenticate"].startswith("Bearer")


def test_api_key_is_a_bearer_too(client: TestClient, kit: TenantKit, case: dict[str, Any]):
    r = client.get(f"/api/cases/{case['id']}/", headers=kit.viewer.headers)
    assert r.status_code == 200 and r.json()["id"] == case["id"]


def test_revoked_clients_token_is_refused(client: TestClient, kit: TenantKit, case: dict):
    member = kit.supervisor
    token = token_for(client, member)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/cases/{case['id']}/", headers=headers).status_code == 200
    r = client.post(f"/v1/api-clients/{member.api_client_id}/revoke", headers=kit.admin.headers)
    assert r.status_code == 200, r.text

    r = client.get(f"/api/cases/{case['id']}/", headers=headers)
    assert r.status_code == 401 and r.json() == INVALID_TOKEN
    r = client.post(
        "/api/oauth/token/",
        data={
            "grant_type": "client_credentials",
            "client_id": member.client_id,
            "client_secret": member.client_secret,
        },
    )
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"


def test_other_tenant_cannot_see_the_case(
    client: TestClient, other_kit: TenantKit, case: dict[str, Any]
):
    theirs = bearer(client, other_kit.admin)
    for path in (f"/api/cases/{case['id']}/", f"/api/customers/{case['customer']['id']}/"):
        r = client.get(path, headers=theirs)
        assert r.status_code == 404 and r.json() == {"detail": "Not found."}
    r = client.post(f"/api/cases/{case['id']}/start/", headers=theirs)
    assert r.status_code == 404 and r.json() == {"detail": "Not found."}


def test_permissions(
    client: TestClient, kit: TenantKit, new_customer: Callable[..., dict[str, Any]]
):
    viewer = bearer(client, kit.viewer)
    r = client.post("/api/cases/", json={"customer_id": new_customer()["id"]}, headers=viewer)
    assert r.status_code == 403 and r.json() == FORBIDDEN
    r = client.post("/api/customers/", json={"full_name": "Viewer Made"}, headers=viewer)
    assert r.status_code == 403 and r.json() == FORBIDDEN
    assert client.get("/api/cases/", headers=viewer).status_code == 200


def test_session_cookie_reads_and_writes_with_csrf(
    client: TestClient,
    console: dict[str, str],
    case: dict[str, Any],
    new_customer: Callable[..., dict[str, Any]],
):
    r = client.get(f"/api/cases/{case['id']}/", headers=console)
    assert r.status_code == 200 and r.json()["id"] == case["id"]
    body = {"customer_id": new_customer()["id"], "notes": "from the console"}
    r = client.post("/api/cases/", json=body, headers=console)
    assert r.status_code == 201, r.text


def test_cookie_writes_need_the_csrf_token(
    client: TestClient,
    db: Database,
    settings: Settings,
    kit: TenantKit,
    new_customer: Callable[..., dict[str, Any]],
):
    token = start_session(db, settings, kit.analyst.user_id)
    body = {"customer_id": new_customer()["id"]}
    for headers in (
        cookie_headers(token),
        cookie_headers(token, csrf="abc"),
        cookie_headers(token, header="abc"),
        cookie_headers(token, csrf="abc", header="abd"),
        cookie_headers(token, csrf="", header=""),
    ):
        r = client.post("/api/cases/", json=body, headers=headers)
        assert r.status_code == 403 and r.json() == CSRF_FAILED, headers
    # Reading needs no CSRF token.
    assert client.get("/api/cases/", headers=cookie_headers(token)).status_code == 200


def test_ended_or_expired_session_is_refused(
    client: TestClient, db: Database, settings: Settings, kit: TenantKit
):
    ended = start_session(db, settings, kit.analyst.user_id)
    with db.transaction() as session:
        sessions.end(session, ended)
    idle = start_session(db, settings, kit.analyst.user_id)
    with db.transaction() as session:
        session.execute(
            update(UserSession)
            .where(UserSession.token_hash == digest(idle))
            .values(last_seen_at=utcnow() - timedelta(minutes=settings.session_idle_minutes + 1))
        )
    for token in (ended, idle, "cws_" + secrets.token_urlsafe(32)):
        r = client.get("/api/cases/", headers=cookie_headers(token))
        assert r.status_code == 401 and r.json() == NOT_PROVIDED


def test_a_used_session_is_kept_alive(
    client: TestClient, db: Database, settings: Settings, kit: TenantKit
):
    token = start_session(db, settings, kit.analyst.user_id)
    earlier = utcnow() - timedelta(minutes=5)
    with db.transaction() as session:
        session.execute(
            update(UserSession)
            .where(UserSession.token_hash == digest(token))
            .values(last_seen_at=earlier)
        )
    assert client.get("/api/cases/", headers=cookie_headers(token)).status_code == 200
    with db.transaction(write=False) as session:
        seen = session.scalar(
            select(UserSession.last_seen_at).where(UserSession.token_hash == digest(token))
        )
    assert seen is not None and seen > earlier + timedelta(minutes=4)
