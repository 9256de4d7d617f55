"""No response, log line, stored audit event or error message carries a secret."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from casework.infra.db import Database
from tests.factories import TenantKit, case_body

PASSWORD = "correct horse battery staple"


def test_secrets_never_leave_where_they_belong(
    client: TestClient, kit: TenantKit, db: Database, capfd: pytest.CaptureFixture[str]
):
    h = kit.admin.headers
    user = client.post(
        "/v1/users",
        headers=h,
        json={
            "email": "leaky@example.test",
            "first_name": "L",
            "last_name": "K",
            "role": "analyst",
            "password": PASSWORD,
        },
    )
    assert user.status_code == 201
    created = client.post(
        "/v1/api-clients",
        headers=h,
        json={"name": "leak check", "acting_user_id": user.json()["id"]},
    )
    assert created.status_code == 201
    secret, api_key = created.json()["client_secret"], created.json()["api_key"]
    client_id = created.json()["client_id"]
    token = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    ).json()["access_token"]
    with db.transaction(write=False) as session:
        stored = session.execute(
            text(
                "SELECT u.password_hash, c.secret_hash, c.api_key_hash FROM users u "
                "JOIN api_clients c ON c.acting_user_id = u.id WHERE u.email = 'leaky@example.test'"
            )
        ).one()
    secrets = [PASSWORD, secret, api_key, token, *stored]

    responses = [
        client.get("/v1/api-clients", headers=h),
        client.get(f"/v1/api-clients/{created.json()['id']}", headers=h),
        client.get(f"/v1/users/{user.json()['id']}", headers=h),
        client.get("/v1/users", headers=h),
        client.post("/v1/cases", json=case_body(), headers={"Authorization": f"Bearer {api_key}"}),
        client.get("/v1/cases", headers={"apiKey": client_id, "apiSecret": secret + "x"}),
        client.get("/v1/cases", headers={"Authorization": f"Bearer {api_key}x"}),
        client.get("/v1/cases", headers={"Authorization": f"Bearer {token}x"}),
        client.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret + "x",
            },
        ),
        client.post(
            "/v1/users",
            headers=h,
            json={
                "email": "leaky@example.test",
                "first_name": "L",
                "last_name": "K",
                "role": "analyst",
                "password": PASSWORD,
            },
        ),
        client.patch(f"/v1/users/{user.json()['id']}", headers=h, json={"password": "short"}),
        client.post(f"/v1/api-clients/{created.json()['id']}/revoke", headers=h),
    ]
    assert [r.status_code for r in responses] == [
        200,
        200,
        200,
        200,
        201,
        401,
        401,
        401,
        401,
        409,
        422,
        200,
    ]
    for response in [user, *responses]:
        blob = response.text + repr(response.headers)
        for value in secrets:
            assert value not in blob, response.request.url

    logs = capfd.readouterr()
    for value in secrets:
        assert value not in logs.out
        assert value not in logs.err

    with db.transaction(write=False) as session:
        for table in ("audit_events", "idempotency_records"):
            rows = session.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608
            dumped = repr(rows)
            for value in secrets:
                assert value not in dumped, table


def test_password_hash_is_argon2id(client: TestClient, kit: TenantKit, db: Database):
    client.post(
        "/v1/users",
        headers=kit.admin.headers,
        json={
            "email": "hashed@example.test",
            "first_name": "H",
            "last_name": "A",
            "role": "viewer",
            "password": PASSWORD,
        },
    )
    with db.transaction(write=False) as session:
        stored = session.execute(
            text("SELECT password_hash FROM users WHERE email = 'hashed@example.test'")
        ).scalar_one()
    assert stored.startswith("$argon2id$")
