"""Users of a tenant through /v1/users: creation, listing, changes and who may do them."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.auth.permissions import BUILTIN_ROLES
from casework.auth.secrets import verify_password
from casework.infra.db import Database
from casework.models import AuditEvent, User
from tests.factories import TenantKit, case_body, user_of

PASSWORD = "correct horse battery staple"
USER_FIELDS = {
    "id",
    "email",
    "first_name",
    "last_name",
    "role",
    "permissions",
    "is_active",
    "created_at",
    "updated_at",
}


def _user_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "email": f"user-{secrets.token_hex(4)}@example.test",
        "first_name": "Grace",
        "last_name": "Hopper",
        "role": "analyst",
    }
    body.update(overrides)
    return body


def _create(client: TestClient, kit: TenantKit, **overrides: Any) -> dict[str, Any]:
    r = client.post("/v1/users", json=_user_body(**overrides), headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    return r.json()


def _field_errors(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def _assert_no_secret_keys(value: Any) -> None:
    """No key anywhere in a JSON document mentions a password or a hash."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert "password" not in key.lower(), key
            assert "hash" not in key.lower(), key
            _assert_no_secret_keys(item)
    elif isinstance(value, list):
        for item in value:
            _assert_no_secret_keys(item)


def _password_hash(db: Database, user_id: str) -> str | None:
    with db.transaction(write=False) as session:
        return session.scalar(select(User.password_hash).where(User.id == user_id))


def _api_key_for(client: TestClient, kit: TenantKit, user_id: str) -> dict[str, str]:
    r = client.post(
        "/v1/api-clients",
        json={"name": "probe", "acting_user_id": user_id},
        headers=kit.admin.headers,
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['api_key']}"}


# --- creation ---------------------------------------------------------------------------


def test_create_user_returns_shape_without_any_password(client: TestClient, kit: TenantKit):
    email = f"Mixed.Case-{secrets.token_hex(3)}@Example.TEST"
    r = client.post(
        "/v1/users",
        json=_user_body(email=f"  {email}  ", role="supervisor", password=PASSWORD),
        headers=kit.admin.headers,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == USER_FIELDS
    assert body["email"] == email.lower()
    assert body["first_name"] == "Grace" and body["last_name"] == "Hopper"
    assert body["role"] == "supervisor"
    assert body["permissions"] == sorted(p.value for p in BUILTIN_ROLES["supervisor"][1])
    assert body["is_active"] is True
    assert len(body["id"]) == 24
    assert PASSWORD not in r.text
    assert "$argon2" not in r.text
    _assert_no_secret_keys(body)


def test_created_user_is_readable_and_in_the_tenant(
    client: TestClient, kit: TenantKit, db: Database
):
    created = _create(client, kit)
    r = client.get(f"/v1/users/{created['id']}", headers=kit.admin.headers)
    assert r.status_code == 200
    assert r.json() == created
    row = user_of(db, created["id"])
    assert row is not None and row.tenant_id == kit.tenant_id


def test_password_is_stored_as_argon2id(client: TestClient, kit: TenantKit, db: Database):
    user = _create(client, kit, password=PASSWORD)
    stored = _password_hash(db, user["id"])
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert verify_password(PASSWORD, stored)
    assert not verify_password(PASSWORD + "!", stored)


def test_user_without_password_has_no_hash(client: TestClient, kit: TenantKit, db: Database):
    user = _create(client, kit)
    assert _password_hash(db, user["id"]) is None


def test_password_is_kept_exactly_as_typed(client: TestClient, kit: TenantKit, db: Database):
    padded = "  spaced out password  "
    user = _create(client, kit, password=padded)
    stored = _password_hash(db, user["id"])
    assert stored is not None
    assert verify_password(padded, stored)
    assert not verify_password(padded.strip(), stored)


def test_password_never_reaches_the_audit_trail(client: TestClient, kit: TenantKit, db: Database):
    user = _create(client, kit, password=PASSWORD)
    new_password = "another long passphrase"
    r = client.patch(
        f"/v1/users/{user['id']}", json={"password": new_password}, headers=kit.admin.headers
    )
    assert r.status_code == 200
    hashes = [_password_hash(db, user["id"])]
    with db.transaction(write=False) as session:
        events = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.entity_id == user["id"])
                .order_by(AuditEvent.seq)
            )
        )
    assert [e.action for e in events] == ["user.created", "user.updated"]
    assert events[0].after is not None and events[0].after["has_password"] is True
    assert events[1].after == {"password_changed": True}
    for event in events:
        text = repr([getattr(event, c.key) for c in AuditEvent.__table__.columns])
        for secret in (PASSWORD, new_password, *hashes):
            assert secret is not None and secret not in text
        assert "$argon2" not in text


def test_idempotent_create_replays_only_the_same_request(
    client: TestClient, kit: TenantKit, db: Database
):
    headers = {**kit.admin.headers, "Idempotency-Key": f"user-{secrets.token_hex(6)}"}
    body = _user_body(password=PASSWORD)
    first = client.post("/v1/users", json=body, headers=headers)
    assert first.status_code == 201
    replay = client.post("/v1/users", json=body, headers=headers)
    assert replay.status_code == 201
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()

    other = client.post(
        "/v1/users", json={**body, "password": "a different passphrase"}, headers=headers
    )
    assert other.status_code == 422, "a different password is a different request"
    assert other.json()["type"].endswith("/idempotency-mismatch")
    stored = _password_hash(db, first.json()["id"])
    assert stored is not None and verify_password(PASSWORD, stored)


def test_duplicate_email_is_409_whatever_its_case(client: TestClient, kit: TenantKit):
    user = _create(client, kit)
    r = client.post(
        "/v1/users", json=_user_body(email=user["email"].upper()), headers=kit.admin.headers
    )
    assert r.status_code == 409
    assert r.json()["type"].endswith("/conflict")


def test_same_email_may_exist_in_another_tenant(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    user = _create(client, kit)
    r = client.post(
        "/v1/users", json=_user_body(email=user["email"]), headers=other_kit.admin.headers
    )
    assert r.status_code == 201


def test_unknown_role_is_422_naming_role(client: TestClient, kit: TenantKit):
    r = client.post("/v1/users", json=_user_body(role="wizard"), headers=kit.admin.headers)
    assert r.status_code == 422
    assert _field_errors(r) == ["role"]
    assert "wizard" in r.json()["errors"][0]["message"]


def test_role_of_another_tenant_is_unknown(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    r = client.post(
        "/v1/roles",
        json={"slug": "tenant-only", "name": "Only here", "permissions": ["case.read"]},
        headers=other_kit.admin.headers,
    )
    assert r.status_code == 201
    r = client.post("/v1/users", json=_user_body(role="tenant-only"), headers=kit.admin.headers)
    assert r.status_code == 422
    assert _field_errors(r) == ["role"]


@pytest.mark.parametrize("password", ["short", "x" * 11, " " * 12, "y" * 201])
def test_bad_password_is_422_naming_password(client: TestClient, kit: TenantKit, password: str):
    r = client.post("/v1/users", json=_user_body(password=password), headers=kit.admin.headers)
    assert r.status_code == 422, r.text
    assert _field_errors(r) == ["password"]
    assert password.strip() == "" or password not in r.text


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "two@@example.test", ""])
def test_bad_email_is_422_naming_email(client: TestClient, kit: TenantKit, email: str):
    r = client.post("/v1/users", json=_user_body(email=email), headers=kit.admin.headers)
    assert r.status_code == 422
    assert _field_errors(r) == ["email"]


def test_unknown_fields_are_rejected(client: TestClient, kit: TenantKit):
    r = client.post(
        "/v1/users", json=_user_body(password_hash="$argon2id$x"), headers=kit.admin.headers
    )
    assert r.status_code == 422
    assert _field_errors(r) == ["password_hash"]


# --- listing ----------------------------------------------------------------------------


def test_list_filters_by_text_role_and_activity(client: TestClient, kit: TenantKit):
    marker = f"zq{secrets.token_hex(3)}"
    viewer = _create(client, kit, last_name=f"{marker}Viewer", role="viewer")
    analyst = _create(client, kit, last_name=f"{marker}Analyst", role="analyst")
    gone = _create(client, kit, last_name=f"{marker}Gone", role="analyst")
    h = kit.admin.headers
    assert client.patch(f"/v1/users/{gone['id']}", json={"is_active": False}, headers=h).is_success

    def ids(**params: Any) -> set[str]:
        r = client.get("/v1/users", params={"q": marker, **params}, headers=h)
        assert r.status_code == 200, r.text
        return {u["id"] for u in r.json()["items"]}

    assert ids() == {viewer["id"], analyst["id"], gone["id"]}
    assert ids(role="viewer") == {viewer["id"]}
    assert ids(role="analyst") == {analyst["id"], gone["id"]}
    assert ids(is_active="false") == {gone["id"]}
    assert ids(is_active="true") == {viewer["id"], analyst["id"]}
    assert ids(role="analyst", is_active="true") == {analyst["id"]}
    assert ids(role="no-such-role") == set()


def test_list_text_search_matches_email_and_full_name(client: TestClient, kit: TenantKit):
    marker = secrets.token_hex(4)
    user = _create(
        client,
        kit,
        email=f"finder-{marker}@example.test",
        first_name="Ada",
        last_name=f"Lovelace{marker}",
    )
    h = kit.admin.headers
    for q in (f"finder-{marker}", f"ada lovelace{marker}", f"LOVELACE{marker}".upper()):
        items = client.get("/v1/users", params={"q": q}, headers=h).json()["items"]
        assert [u["id"] for u in items] == [user["id"]], q


def test_list_text_search_treats_wildcards_literally(client: TestClient, kit: TenantKit):
    """`q` is text to find, as on /v1/cases: `_` and `%` are not LIKE wildcards."""
    marker = secrets.token_hex(3)
    under = _create(client, kit, last_name=f"Under_score{marker}")
    percent = _create(client, kit, last_name=f"Hundred%{marker}")
    h = kit.admin.headers

    def found(q: str) -> set[str]:
        r = client.get("/v1/users", params={"q": q}, headers=h)
        assert r.status_code == 200
        return {u["id"] for u in r.json()["items"]}

    assert found("_") == {under["id"]}
    assert found("%") == {percent["id"]}
    assert found(f"r_{marker}") == set()


def test_list_without_filters_is_the_whole_tenant_sorted_by_email(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    # other_kit exists so that a leak across tenants would show in the list
    r = client.get("/v1/users", headers=kit.admin.headers)
    assert r.status_code == 200
    body = r.json()
    assert body["next_cursor"] is None
    emails = [u["email"] for u in body["items"]]
    assert emails == sorted(emails)
    assert set(emails) == {m.email for m in kit.members.values()}
    assert all(set(u) == USER_FIELDS for u in body["items"])


def test_list_paginates_with_a_cursor(client: TestClient, kit: TenantKit):
    marker = f"pg{secrets.token_hex(3)}"
    created = [
        _create(client, kit, email=f"{marker}-{i}@example.test", last_name=marker)["email"]
        for i in (3, 0, 4, 1, 2)
    ]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"q": marker, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        r = client.get("/v1/users", params=params, headers=kit.admin.headers)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) <= 2
        seen += [u["email"] for u in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == sorted(created)


def test_list_rejects_a_forged_cursor_and_bad_limits(client: TestClient, kit: TenantKit):
    h = kit.admin.headers
    r = client.get("/v1/users", params={"cursor": "not-a-cursor"}, headers=h)
    assert r.status_code == 422
    assert _field_errors(r) == ["cursor"]
    assert client.get("/v1/users", params={"limit": 0}, headers=h).status_code == 422
    assert client.get("/v1/users", params={"limit": 201}, headers=h).status_code == 422


# --- reading across tenants -------------------------------------------------------------


def test_users_of_another_tenant_are_not_found(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    stranger = other_kit.analyst.user_id
    h = kit.admin.headers
    assert client.get(f"/v1/users/{stranger}", headers=h).status_code == 404
    r = client.patch(f"/v1/users/{stranger}", json={"first_name": "Hacked"}, headers=h)
    assert r.status_code == 404
    r = client.get(f"/v1/users/{stranger}", headers=other_kit.admin.headers)
    assert r.json()["first_name"] == "Analyst"
    assert client.get("/v1/users/nope", headers=h).status_code == 404


# --- changes ----------------------------------------------------------------------------


def test_patch_changes_names_and_logs_only_changes(
    client: TestClient, kit: TenantKit, db: Database
):
    user = _create(client, kit)
    r = client.patch(
        f"/v1/users/{user['id']}",
        json={"first_name": "  Katherine ", "last_name": "Hopper"},
        headers=kit.admin.headers,
    )
    assert r.status_code == 200
    assert r.json()["first_name"] == "Katherine"
    assert r.json()["last_name"] == "Hopper"
    assert r.json()["created_at"] == user["created_at"]
    updated = datetime.fromisoformat(r.json()["updated_at"])
    assert updated > datetime.fromisoformat(user["updated_at"])
    with db.transaction(write=False) as session:
        last = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_id == user["id"])
            .order_by(AuditEvent.seq.desc())
        ).first()
    assert last is not None and last.action == "user.updated"
    assert last.before == {"first_name": "Grace"}
    assert last.after == {"first_name": "Katherine"}


def test_patch_cannot_remove_required_fields(client: TestClient, kit: TenantKit):
    user = _create(client, kit)
    for field in ("first_name", "role", "is_active"):
        r = client.patch(f"/v1/users/{user['id']}", json={field: None}, headers=kit.admin.headers)
        assert r.status_code == 422, field
        assert _field_errors(r) == [field]


def test_patch_to_unknown_role_is_422(client: TestClient, kit: TenantKit):
    r = client.patch(
        f"/v1/users/{kit.analyst.user_id}", json={"role": "wizard"}, headers=kit.admin.headers
    )
    assert r.status_code == 422
    assert _field_errors(r) == ["role"]


def test_patch_password_replaces_the_hash(client: TestClient, kit: TenantKit, db: Database):
    user = _create(client, kit, password=PASSWORD)
    old = _password_hash(db, user["id"])
    h = kit.admin.headers
    r = client.patch(f"/v1/users/{user['id']}", json={"password": "short"}, headers=h)
    assert r.status_code == 422 and _field_errors(r) == ["password"]
    assert _password_hash(db, user["id"]) == old
    new_password = "a fresh and long passphrase"
    r = client.patch(f"/v1/users/{user['id']}", json={"password": new_password}, headers=h)
    assert r.status_code == 200
    assert new_password not in r.text
    _assert_no_secret_keys(r.json())
    stored = _password_hash(db, user["id"])
    assert stored is not None and stored != old and stored.startswith("$argon2id$")
    assert verify_password(new_password, stored)
    assert not verify_password(PASSWORD, stored)


def test_demoting_an_analyst_takes_effect_on_its_api_key(client: TestClient, kit: TenantKit):
    analyst = kit.analyst
    assert client.post("/v1/cases", json=case_body(), headers=analyst.headers).status_code == 201
    r = client.patch(
        f"/v1/users/{analyst.user_id}", json={"role": "viewer"}, headers=kit.admin.headers
    )
    assert r.status_code == 200
    assert r.json()["role"] == "viewer"
    assert r.json()["permissions"] == sorted(p.value for p in BUILTIN_ROLES["viewer"][1])
    r = client.post("/v1/cases", json=case_body(), headers=analyst.headers)
    assert r.status_code == 403
    assert "case.create" in r.json()["detail"]
    assert client.get("/v1/cases", headers=analyst.headers).status_code == 200


def test_promoting_a_viewer_takes_effect_on_its_api_key(client: TestClient, kit: TenantKit):
    viewer = kit.viewer
    assert client.post("/v1/cases", json=case_body(), headers=viewer.headers).status_code == 403
    assert client.get("/v1/users", headers=viewer.headers).status_code == 403
    r = client.patch(
        f"/v1/users/{viewer.user_id}", json={"role": "admin"}, headers=kit.admin.headers
    )
    assert r.status_code == 200
    assert client.post("/v1/cases", json=case_body(), headers=viewer.headers).status_code == 201
    assert client.get("/v1/users", headers=viewer.headers).status_code == 200


def test_deactivating_a_user_cuts_off_its_api_key(client: TestClient, kit: TenantKit):
    analyst = kit.analyst
    r = client.patch(
        f"/v1/users/{analyst.user_id}", json={"is_active": False}, headers=kit.admin.headers
    )
    assert r.status_code == 200
    assert r.json()["is_active"] is False
    assert client.get("/v1/cases", headers=analyst.headers).status_code == 401
    r = client.patch(
        f"/v1/users/{analyst.user_id}", json={"is_active": True}, headers=kit.admin.headers
    )
    assert r.json()["is_active"] is True
    assert client.get("/v1/cases", headers=analyst.headers).status_code == 200


def test_deactivated_user_cannot_be_assigned(client: TestClient, kit: TenantKit):
    h = kit.admin.headers
    assert client.patch(
        f"/v1/users/{kit.supervisor.user_id}", json={"is_active": False}, headers=h
    ).is_success
    r = client.post(
        "/v1/cases", json=case_body(assignee_id=kit.supervisor.user_id), headers=kit.admin.headers
    )
    assert r.status_code == 422
    assert _field_errors(r) == ["assignee_id"]


def test_admin_cannot_deactivate_itself(client: TestClient, kit: TenantKit):
    r = client.patch(
        f"/v1/users/{kit.admin.user_id}", json={"is_active": False}, headers=kit.admin.headers
    )
    assert r.status_code == 409
    assert "deactivate" in r.json()["detail"]
    assert client.get("/v1/users", headers=kit.admin.headers).status_code == 200


@pytest.mark.parametrize("role", ["supervisor", "analyst", "viewer"])
def test_admin_cannot_demote_itself(client: TestClient, kit: TenantKit, role: str):
    r = client.patch(
        f"/v1/users/{kit.admin.user_id}", json={"role": role}, headers=kit.admin.headers
    )
    assert r.status_code == 409
    me = client.get(f"/v1/users/{kit.admin.user_id}", headers=kit.admin.headers).json()
    assert me["role"] == "admin"


def test_admin_cannot_move_itself_to_a_custom_role_without_admin(
    client: TestClient, kit: TenantKit
):
    h = kit.admin.headers
    body = {"slug": "almost-admin", "name": "Almost", "permissions": ["case.read", "config.read"]}
    assert client.post("/v1/roles", json=body, headers=h).status_code == 201
    r = client.patch(f"/v1/users/{kit.admin.user_id}", json={"role": "almost-admin"}, headers=h)
    assert r.status_code == 409


def test_admin_may_edit_its_own_name_and_keep_its_role(client: TestClient, kit: TenantKit):
    r = client.patch(
        f"/v1/users/{kit.admin.user_id}",
        json={"first_name": "Boss", "role": "admin", "is_active": True},
        headers=kit.admin.headers,
    )
    assert r.status_code == 200
    assert r.json()["first_name"] == "Boss"


def test_an_admin_may_demote_and_deactivate_another_admin(client: TestClient, kit: TenantKit):
    second = _create(client, kit, role="admin")
    h = kit.admin.headers
    r = client.patch(f"/v1/users/{second['id']}", json={"role": "viewer"}, headers=h)
    assert r.status_code == 200 and r.json()["role"] == "viewer"
    r = client.patch(f"/v1/users/{second['id']}", json={"is_active": False}, headers=h)
    assert r.status_code == 200 and r.json()["is_active"] is False


# --- who may --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["supervisor", "analyst", "viewer"])
def test_non_admins_are_refused_on_every_users_route(client: TestClient, kit: TenantKit, role: str):
    h = getattr(kit, role).headers
    target = kit.viewer.user_id
    calls = [
        client.post("/v1/users", json=_user_body(), headers=h),
        client.get("/v1/users", headers=h),
        client.get(f"/v1/users/{target}", headers=h),
        client.patch(f"/v1/users/{target}", json={"first_name": "Nope"}, headers=h),
        client.patch(f"/v1/users/{getattr(kit, role).user_id}", json={"role": "admin"}, headers=h),
    ]
    for r in calls:
        assert r.status_code == 403, (r.request.method, r.request.url, r.text)
        assert "'admin'" in r.json()["detail"]
    users = client.get("/v1/users", headers=kit.admin.headers).json()["items"]
    assert len(users) == 4
    assert {u["first_name"] for u in users} == {"Admin", "Supervisor", "Analyst", "Viewer"}
    assert {u["role"] for u in users} == {"admin", "supervisor", "analyst", "viewer"}


def test_users_routes_need_credentials(client: TestClient, kit: TenantKit):
    assert client.get("/v1/users").status_code == 401
    assert client.post("/v1/users", json=_user_body()).status_code == 401
    assert client.get(f"/v1/users/{kit.admin.user_id}").status_code == 401
