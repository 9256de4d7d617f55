"""Roles through /v1/roles: the built-ins, custom roles and the permissions they grant."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casework.auth.permissions import BUILTIN_ROLES, Permission
from tests.factories import TenantKit, case_body

ROLE_FIELDS = {"id", "slug", "name", "permissions", "is_builtin"}


def _slug() -> str:
    return f"role-{secrets.token_hex(4)}"


def _create_role(
    client: TestClient, kit: TenantKit, permissions: list[str], **overrides: Any
) -> dict[str, Any]:
    body = {"slug": _slug(), "name": "Custom role", "permissions": permissions, **overrides}
    r = client.post("/v1/roles", json=body, headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    return r.json()


def _member_with_role(client: TestClient, kit: TenantKit, role_slug: str) -> dict[str, str]:
    """A new user of ``role_slug`` and the headers of an API client acting as them."""
    r = client.post(
        "/v1/users",
        json={
            "email": f"custom-{secrets.token_hex(4)}@example.test",
            "first_name": "Custom",
            "last_name": "Member",
            "role": role_slug,
        },
        headers=kit.admin.headers,
    )
    assert r.status_code == 201, r.text
    r = client.post(
        "/v1/api-clients",
        json={"name": "custom", "acting_user_id": r.json()["id"]},
        headers=kit.admin.headers,
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['api_key']}"}


def _builtins(client: TestClient, kit: TenantKit) -> dict[str, dict[str, Any]]:
    r = client.get("/v1/roles", headers=kit.admin.headers)
    assert r.status_code == 200
    return {role["slug"]: role for role in r.json()["items"] if role["is_builtin"]}


def test_every_tenant_lists_exactly_the_four_builtins(client: TestClient, kit: TenantKit):
    r = client.get("/v1/roles", headers=kit.admin.headers)
    assert r.status_code == 200
    body = r.json()
    assert body["next_cursor"] is None
    assert [role["slug"] for role in body["items"]] == ["admin", "analyst", "supervisor", "viewer"]
    for role in body["items"]:
        assert set(role) == ROLE_FIELDS
        name, permissions = BUILTIN_ROLES[role["slug"]]
        assert role["is_builtin"] is True
        assert role["name"] == name
        assert role["permissions"] == sorted(p.value for p in permissions)
    assert "admin" in body["items"][0]["permissions"]
    assert "admin" not in body["items"][2]["permissions"]


def test_roles_are_per_tenant(client: TestClient, kit: TenantKit, other_kit: TenantKit):
    mine = _builtins(client, kit)
    theirs = _builtins(client, other_kit)
    assert {r["id"] for r in mine.values()}.isdisjoint({r["id"] for r in theirs.values()})
    custom = _create_role(client, kit, ["case.read"])
    slugs = [
        r["slug"] for r in client.get("/v1/roles", headers=other_kit.admin.headers).json()["items"]
    ]
    assert custom["slug"] not in slugs
    assert (
        client.get(f"/v1/roles/{custom['id']}", headers=other_kit.admin.headers).status_code == 404
    )
    r = client.patch(
        f"/v1/roles/{custom['id']}", json={"name": "Taken over"}, headers=other_kit.admin.headers
    )
    assert r.status_code == 404


def test_create_custom_role(client: TestClient, kit: TenantKit):
    slug = _slug()
    r = client.post(
        "/v1/roles",
        json={
            "slug": slug,
            "name": "  Case reader  ",
            "permissions": ["case.read", "audit.read", "case.read"],
        },
        headers=kit.admin.headers,
    )
    assert r.status_code == 201, r.text
    role = r.json()
    assert set(role) == ROLE_FIELDS
    assert role["slug"] == slug
    assert role["name"] == "Case reader"
    assert role["permissions"] == ["audit.read", "case.read"]
    assert role["is_builtin"] is False
    assert client.get(f"/v1/roles/{role['id']}", headers=kit.admin.headers).json() == role
    listed = client.get("/v1/roles", headers=kit.admin.headers).json()["items"]
    assert role in listed


def test_role_with_no_permissions_is_allowed_and_grants_nothing(client: TestClient, kit: TenantKit):
    role = _create_role(client, kit, [])
    assert role["permissions"] == []
    headers = _member_with_role(client, kit, role["slug"])
    assert client.get("/v1/cases", headers=headers).status_code == 403
    assert client.get("/v1/case-configs", headers=headers).status_code == 403


@pytest.mark.parametrize(
    ("permissions", "bad_index"),
    [
        (["case.fly"], 0),
        (["case.read", "case.read.all"], 1),
        (["case.read", "config.read", "ADMIN"], 2),
    ],
)
def test_unknown_permission_is_422_naming_its_index(
    client: TestClient, kit: TenantKit, permissions: list[str], bad_index: int
):
    slug = _slug()
    r = client.post(
        "/v1/roles",
        json={"slug": slug, "name": "Bad", "permissions": permissions},
        headers=kit.admin.headers,
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == [f"permissions[{bad_index}]"]
    assert permissions[bad_index] in r.json()["errors"][0]["message"]
    slugs = [
        role["slug"] for role in client.get("/v1/roles", headers=kit.admin.headers).json()["items"]
    ]
    assert slug not in slugs


def test_unknown_permission_in_a_patch_is_422(client: TestClient, kit: TenantKit):
    role = _create_role(client, kit, ["case.read"])
    r = client.patch(
        f"/v1/roles/{role['id']}",
        json={"permissions": ["case.read", "nope"]},
        headers=kit.admin.headers,
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["permissions[1]"]
    assert client.get(f"/v1/roles/{role['id']}", headers=kit.admin.headers).json() == role


@pytest.mark.parametrize("slug", ["Readers", "-readers", "read ers", "read_ers", "x" * 64, ""])
def test_bad_role_slug_is_422_naming_slug(client: TestClient, kit: TenantKit, slug: str):
    r = client.post(
        "/v1/roles",
        json={"slug": slug, "name": "Readers", "permissions": ["case.read"]},
        headers=kit.admin.headers,
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["slug"]


@pytest.mark.parametrize("slug", ["admin", "viewer"])
def test_builtin_slug_cannot_be_reused(client: TestClient, kit: TenantKit, slug: str):
    r = client.post(
        "/v1/roles",
        json={"slug": slug, "name": "Shadow", "permissions": ["case.read"]},
        headers=kit.admin.headers,
    )
    assert r.status_code == 409


def test_duplicate_custom_slug_is_409(client: TestClient, kit: TenantKit):
    role = _create_role(client, kit, ["case.read"])
    r = client.post(
        "/v1/roles",
        json={"slug": role["slug"], "name": "Again", "permissions": []},
        headers=kit.admin.headers,
    )
    assert r.status_code == 409


@pytest.mark.parametrize("role_slug", ["admin", "supervisor", "analyst", "viewer"])
@pytest.mark.parametrize(
    "change",
    [{"name": "Renamed"}, {"permissions": ["case.read"]}, {"permissions": sorted(Permission)}],
)
def test_builtin_roles_are_immutable(
    client: TestClient, kit: TenantKit, role_slug: str, change: dict[str, Any]
):
    before = _builtins(client, kit)[role_slug]
    r = client.patch(f"/v1/roles/{before['id']}", json=change, headers=kit.admin.headers)
    assert r.status_code == 409
    assert role_slug in r.json()["detail"]
    assert _builtins(client, kit)[role_slug] == before


def test_custom_role_can_be_renamed(client: TestClient, kit: TenantKit):
    role = _create_role(client, kit, ["case.read"])
    r = client.patch(f"/v1/roles/{role['id']}", json={"name": "Readers"}, headers=kit.admin.headers)
    assert r.status_code == 200
    assert r.json() == {**role, "name": "Readers"}


def test_patch_cannot_remove_role_fields(client: TestClient, kit: TenantKit):
    role = _create_role(client, kit, ["case.read"])
    for field in ("name", "permissions"):
        r = client.patch(f"/v1/roles/{role['id']}", json={field: None}, headers=kit.admin.headers)
        assert r.status_code == 422, field
        assert [e["field"] for e in r.json()["errors"]] == [field]


def test_read_only_role_reads_cases_but_cannot_create(client: TestClient, kit: TenantKit):
    case = client.post("/v1/cases", json=case_body(), headers=kit.analyst.headers).json()
    role = _create_role(client, kit, ["case.read"])
    headers = _member_with_role(client, kit, role["slug"])
    r = client.get("/v1/cases", headers=headers)
    assert r.status_code == 200
    assert [c["id"] for c in r.json()["items"]] == [case["id"]]
    assert client.get(f"/v1/cases/{case['id']}", headers=headers).status_code == 200
    r = client.post("/v1/cases", json=case_body(), headers=headers)
    assert r.status_code == 403
    assert "case.create" in r.json()["detail"]
    r = client.post(f"/v1/cases/{case['id']}/comments", json={"body": "hi"}, headers=headers)
    assert r.status_code == 403
    assert client.get("/v1/case-configs", headers=headers).status_code == 403
    assert client.get("/v1/users", headers=headers).status_code == 403


def test_user_of_custom_role_reports_exactly_its_permissions(client: TestClient, kit: TenantKit):
    role = _create_role(client, kit, ["config.read", "case.read"])
    r = client.post(
        "/v1/users",
        json={
            "email": f"perm-{secrets.token_hex(4)}@example.test",
            "first_name": "P",
            "last_name": "Q",
            "role": role["slug"],
        },
        headers=kit.admin.headers,
    )
    assert r.status_code == 201
    assert r.json()["role"] == role["slug"]
    assert r.json()["permissions"] == ["case.read", "config.read"]


def test_changing_role_permissions_takes_effect_at_once(client: TestClient, kit: TenantKit):
    role = _create_role(client, kit, ["case.read"])
    headers = _member_with_role(client, kit, role["slug"])
    assert client.post("/v1/cases", json=case_body(), headers=headers).status_code == 403
    r = client.patch(
        f"/v1/roles/{role['id']}",
        json={"permissions": ["case.read", "case.create"]},
        headers=kit.admin.headers,
    )
    assert r.status_code == 200
    assert r.json()["permissions"] == ["case.create", "case.read"]
    assert client.post("/v1/cases", json=case_body(), headers=headers).status_code == 201
    r = client.patch(f"/v1/roles/{role['id']}", json={"permissions": []}, headers=kit.admin.headers)
    assert r.status_code == 200
    assert client.get("/v1/cases", headers=headers).status_code == 403


def test_admin_cannot_strip_admin_from_its_own_custom_role(client: TestClient, kit: TenantKit):
    h = kit.admin.headers
    role = _create_role(client, kit, ["admin", "case.read"])
    r = client.patch(f"/v1/users/{kit.admin.user_id}", json={"role": role["slug"]}, headers=h)
    assert r.status_code == 200
    r = client.patch(f"/v1/roles/{role['id']}", json={"permissions": ["case.read"]}, headers=h)
    assert r.status_code == 409
    assert client.get(f"/v1/roles/{role['id']}", headers=h).json()["permissions"] == [
        "admin",
        "case.read",
    ]
    r = client.patch(f"/v1/roles/{role['id']}", json={"name": "Still admin"}, headers=h)
    assert r.status_code == 200


def test_roles_list_paginates(client: TestClient, kit: TenantKit):
    for _ in range(3):
        _create_role(client, kit, ["case.read"])
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/roles", params=params, headers=kit.admin.headers).json()
        assert len(page["items"]) <= 3
        seen += [role["slug"] for role in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 7 == len(set(seen))
    assert seen == sorted(seen)


@pytest.mark.parametrize("member", ["supervisor", "analyst", "viewer"])
def test_non_admins_are_refused_on_every_roles_route(
    client: TestClient, kit: TenantKit, member: str
):
    custom = _create_role(client, kit, ["case.read"])
    h = getattr(kit, member).headers
    calls = [
        client.get("/v1/roles", headers=h),
        client.get(f"/v1/roles/{custom['id']}", headers=h),
        client.post(
            "/v1/roles", json={"slug": _slug(), "name": "x", "permissions": ["admin"]}, headers=h
        ),
        client.patch(f"/v1/roles/{custom['id']}", json={"permissions": ["admin"]}, headers=h),
    ]
    for r in calls:
        assert r.status_code == 403, (r.request.method, r.request.url)
    after = client.get(f"/v1/roles/{custom['id']}", headers=kit.admin.headers).json()
    assert after == custom
    assert len(client.get("/v1/roles", headers=kit.admin.headers).json()["items"]) == 5
