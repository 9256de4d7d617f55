"""API clients through /v1/api-clients: issued once, stored as digests, revocable."""

from __future__ import annotations

import base64
import secrets
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.auth import secrets as credential
from casework.infra.db import Database
from casework.models import AccessToken, ApiClient, AuditEvent
from tests.factories import TenantKit, case_body

CREATED_FIELDS = {
    "id",
    "name",
    "client_id",
    "client_secret",
    "api_key",
    "acting_user",
    "created_at",
}
LISTED_FIELDS = {"id", "name", "client_id", "acting_user", "revoked_at", "created_at"}


def _issue(
    client: TestClient, kit: TenantKit, acting_user_id: str | None = None, name: str = "ERP link"
) -> dict[str, Any]:
    r = client.post(
        "/v1/api-clients",
        json={"name": name, "acting_user_id": acting_user_id or kit.analyst.user_id},
        headers=kit.admin.headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _row(db: Database, api_client_id: str) -> ApiClient:
    with db.transaction(write=False) as session:
        row = session.get(ApiClient, api_client_id)
        assert row is not None
        return row


def _audit_rows(db: Database, tenant_id: str) -> list[list[Any]]:
    with db.transaction(write=False) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.tenant_id == tenant_id).order_by(AuditEvent.seq)
        )
        return [[getattr(e, c.key) for c in AuditEvent.__table__.columns] for e in events]


def test_create_shows_secret_and_api_key_once(client: TestClient, kit: TenantKit):
    r = client.post(
        "/v1/api-clients",
        json={"name": "  Core banking  ", "acting_user_id": kit.analyst.user_id},
        headers=kit.admin.headers,
    )
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    created = r.json()
    assert set(created) == CREATED_FIELDS
    assert created["name"] == "Core banking"
    assert created["client_id"].startswith(credential.CLIENT_ID_PREFIX)
    assert created["api_key"].startswith(credential.API_KEY_PREFIX)
    assert len(created["client_secret"]) >= 43
    assert created["client_secret"] != created["api_key"]
    assert created["acting_user"] == {
        "id": kit.analyst.user_id,
        "first_name": "Analyst",
        "last_name": created["acting_user"]["last_name"],
        "email": kit.analyst.email,
    }

    got = client.get(f"/v1/api-clients/{created['id']}", headers=kit.admin.headers)
    assert got.status_code == 200
    assert set(got.json()) == LISTED_FIELDS
    assert got.json()["revoked_at"] is None
    listed = client.get("/v1/api-clients", headers=kit.admin.headers)
    assert listed.status_code == 200
    assert created["id"] in {c["id"] for c in listed.json()["items"]}
    for response in (got, listed):
        for value in (created["client_secret"], created["api_key"]):
            assert value not in response.text
        assert "secret" not in response.text
        assert "api_key" not in response.text


def test_issued_credentials_work_in_every_way(client: TestClient, kit: TenantKit, db: Database):
    created = _issue(client, kit)
    assert client.get("/v1/cases", headers=_bearer(created["api_key"])).status_code == 200
    headers = {"apiKey": created["client_id"], "apiSecret": created["client_secret"]}
    assert client.get("/v1/cases", headers=headers).status_code == 200
    r = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": created["client_id"],
            "client_secret": created["client_secret"],
        },
    )
    assert r.status_code == 200
    token = r.json()["access_token"]
    assert client.get("/v1/cases", headers=_bearer(token)).status_code == 200
    assert client.get("/v1/cases", headers=_bearer(created["client_secret"])).status_code == 401
    with db.transaction(write=False) as session:
        stored = list(
            session.scalars(
                select(AccessToken.token_hash).where(AccessToken.api_client_id == created["id"])
            )
        )
    assert stored == [credential.digest(token)]


def test_client_acts_as_its_user(client: TestClient, kit: TenantKit):
    viewer_client = _issue(client, kit, kit.viewer.user_id)
    h = _bearer(viewer_client["api_key"])
    assert client.post("/v1/cases", json=case_body(), headers=h).status_code == 403
    analyst_client = _issue(client, kit, kit.analyst.user_id)
    r = client.post("/v1/cases", json=case_body(), headers=_bearer(analyst_client["api_key"]))
    assert r.status_code == 201
    log = client.get(f"/v1/cases/{r.json()['id']}/log", headers=h).json()
    assert log[0]["actor_client_id"] == analyst_client["id"]


def test_list_and_get_never_reveal_secrets(client: TestClient, kit: TenantKit):
    issued = [_issue(client, kit, name=f"client {i}") for i in range(3)]
    h = kit.admin.headers
    texts = [client.get("/v1/api-clients", headers=h).text]
    texts += [client.get(f"/v1/api-clients/{c['id']}", headers=h).text for c in issued]
    r = client.get("/v1/api-clients", params={"limit": 2}, headers=h)
    texts += [
        r.text,
        client.get(
            "/v1/api-clients", params={"limit": 2, "cursor": r.json()["next_cursor"]}, headers=h
        ).text,
    ]
    for c in issued:
        for value in (c["client_secret"], c["api_key"]):
            for text in texts:
                assert value not in text


def test_secrets_never_reach_the_audit_trail(client: TestClient, kit: TenantKit, db: Database):
    created = _issue(client, kit)
    h = _bearer(created["api_key"])
    case = client.post("/v1/cases", json=case_body(), headers=h).json()
    client.post(f"/v1/cases/{case['id']}/comments", json={"body": "seen"}, headers=h)
    r = client.post(f"/v1/api-clients/{created['id']}/revoke", headers=kit.admin.headers)
    assert r.status_code == 200

    rows = _audit_rows(db, kit.tenant_id)
    actions = {row[[c.key for c in AuditEvent.__table__.columns].index("action")] for row in rows}
    assert {"api_client.created", "api_client.revoked", "case.created"} <= actions
    for row in rows:
        text = repr(row)
        for value in (created["client_secret"], created["api_key"]):
            assert value not in text
            assert value[8:40] not in text, "a part of the secret is in the trail"
    log = client.get(f"/v1/cases/{case['id']}/log", headers=kit.viewer.headers).text
    assert created["client_secret"] not in log
    assert created["api_key"] not in log


def test_row_stores_only_sha256_digests(client: TestClient, kit: TenantKit, db: Database):
    created = _issue(client, kit)
    row = _row(db, created["id"])
    assert row.secret_hash == credential.digest(created["client_secret"])
    assert row.api_key_hash == credential.digest(created["api_key"])
    assert len(row.secret_hash) == len(row.api_key_hash) == 64
    assert row.client_id == created["client_id"]
    values = repr([getattr(row, c.key) for c in ApiClient.__table__.columns])
    assert created["client_secret"] not in values
    assert created["api_key"] not in values


def test_two_clients_get_different_credentials(client: TestClient, kit: TenantKit):
    a, b = _issue(client, kit), _issue(client, kit)
    assert a["client_id"] != b["client_id"]
    assert a["client_secret"] != b["client_secret"]
    assert a["api_key"] != b["api_key"]


def test_acting_user_of_another_tenant_is_422(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    r = client.post(
        "/v1/api-clients",
        json={"name": "cross", "acting_user_id": other_kit.admin.user_id},
        headers=kit.admin.headers,
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["acting_user_id"]


def test_unknown_acting_user_is_422(client: TestClient, kit: TenantKit):
    r = client.post(
        "/v1/api-clients",
        json={"name": "ghost", "acting_user_id": secrets.token_hex(12)},
        headers=kit.admin.headers,
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["acting_user_id"]


def test_inactive_acting_user_is_422(client: TestClient, kit: TenantKit):
    h = kit.admin.headers
    r = client.patch(f"/v1/users/{kit.viewer.user_id}", json={"is_active": False}, headers=h)
    assert r.status_code == 200
    r = client.post(
        "/v1/api-clients", json={"name": "dormant", "acting_user_id": kit.viewer.user_id}, headers=h
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["acting_user_id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "acting_user_id": "x"}, "name"),
        ({"name": "   ", "acting_user_id": "x"}, "name"),
        ({"name": "n" * 201, "acting_user_id": "x"}, "name"),
        ({"name": "ok"}, "acting_user_id"),
        ({"name": "ok", "acting_user_id": "x", "api_key": "cwk_mine"}, "api_key"),
    ],
)
def test_bad_create_bodies_are_422(
    client: TestClient, kit: TenantKit, body: dict[str, Any], field: str
):
    r = client.post("/v1/api-clients", json=body, headers=kit.admin.headers)
    assert r.status_code == 422
    assert field in [e["field"] for e in r.json()["errors"]]


def test_revoke_stops_every_credential_at_once(client: TestClient, kit: TenantKit):
    created = _issue(client, kit)
    token = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": created["client_id"],
            "client_secret": created["client_secret"],
        },
    ).json()["access_token"]
    secret_headers = {"apiKey": created["client_id"], "apiSecret": created["client_secret"]}
    for headers in (_bearer(created["api_key"]), _bearer(token), secret_headers):
        assert client.get("/v1/cases", headers=headers).status_code == 200

    r = client.post(f"/v1/api-clients/{created['id']}/revoke", headers=kit.admin.headers)
    assert r.status_code == 200
    assert set(r.json()) == LISTED_FIELDS
    assert r.json()["revoked_at"] is not None

    for headers in (_bearer(created["api_key"]), _bearer(token), secret_headers):
        r = client.get("/v1/cases", headers=headers)
        assert r.status_code == 401
        assert r.headers["www-authenticate"] == "Bearer"
    basic = base64.b64encode(f"{created['client_id']}:{created['client_secret']}".encode())
    r = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic.decode()}"},
    )
    assert r.status_code == 401
    got = client.get(f"/v1/api-clients/{created['id']}", headers=kit.admin.headers).json()
    assert got["revoked_at"] is not None


def test_revoking_one_client_leaves_the_others(client: TestClient, kit: TenantKit):
    a, b = _issue(client, kit), _issue(client, kit)
    assert client.post(f"/v1/api-clients/{a['id']}/revoke", headers=kit.admin.headers).is_success
    assert client.get("/v1/cases", headers=_bearer(a["api_key"])).status_code == 401
    assert client.get("/v1/cases", headers=_bearer(b["api_key"])).status_code == 200
    assert client.get("/v1/cases", headers=kit.analyst.headers).status_code == 200


def test_revoke_twice_is_409_and_records_once(client: TestClient, kit: TenantKit, db: Database):
    created = _issue(client, kit)
    url = f"/v1/api-clients/{created['id']}/revoke"
    first = client.post(url, headers=kit.admin.headers)
    assert first.status_code == 200
    second = client.post(url, headers=kit.admin.headers)
    assert second.status_code == 409
    assert "already revoked" in second.json()["detail"]
    with db.transaction(write=False) as session:
        actions = list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.entity_id == created["id"])
                .order_by(AuditEvent.seq)
            )
        )
    assert actions == ["api_client.created", "api_client.revoked"]
    got = client.get(f"/v1/api-clients/{created['id']}", headers=kit.admin.headers).json()
    assert got["revoked_at"] == first.json()["revoked_at"]


def test_revoke_of_unknown_or_foreign_client_is_404(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    h = kit.admin.headers
    foreign = other_kit.analyst.api_client_id
    assert client.post(f"/v1/api-clients/{foreign}/revoke", headers=h).status_code == 404
    assert client.get(f"/v1/api-clients/{foreign}", headers=h).status_code == 404
    assert client.post("/v1/api-clients/nope/revoke", headers=h).status_code == 404
    assert client.get("/v1/cases", headers=other_kit.analyst.headers).status_code == 200


def test_list_is_the_tenant_newest_first(client: TestClient, kit: TenantKit, other_kit: TenantKit):
    extra = _issue(client, kit)
    items = client.get("/v1/api-clients", headers=kit.admin.headers).json()["items"]
    ids = [c["id"] for c in items]
    assert ids[0] == extra["id"]
    assert ids == sorted(ids, reverse=True)
    assert set(ids) == {m.api_client_id for m in kit.members.values()} | {extra["id"]}
    assert all(set(c) == LISTED_FIELDS for c in items)


def test_revoked_client_api_key_is_still_digest_only(
    client: TestClient, kit: TenantKit, db: Database
):
    created = _issue(client, kit)
    client.post(f"/v1/api-clients/{created['id']}/revoke", headers=kit.admin.headers)
    row = _row(db, created["id"])
    assert row.revoked_at is not None
    assert row.api_key_hash == credential.digest(created["api_key"])
    assert row.secret_hash == credential.digest(created["client_secret"])


@pytest.mark.parametrize("role", ["supervisor", "analyst", "viewer"])
def test_non_admins_are_refused_on_every_clients_route(
    client: TestClient, kit: TenantKit, role: str
):
    member = getattr(kit, role)
    h = member.headers
    calls = [
        client.post(
            "/v1/api-clients", json={"name": "mine", "acting_user_id": member.user_id}, headers=h
        ),
        client.get("/v1/api-clients", headers=h),
        client.get(f"/v1/api-clients/{kit.admin.api_client_id}", headers=h),
        client.post(f"/v1/api-clients/{kit.admin.api_client_id}/revoke", headers=h),
    ]
    for r in calls:
        assert r.status_code == 403, (r.request.method, r.request.url)
    assert client.get("/v1/cases", headers=kit.admin.headers).status_code == 200
    listed = client.get("/v1/api-clients", headers=kit.admin.headers).json()["items"]
    assert len(listed) == 4
