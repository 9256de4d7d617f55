"""Every route refuses callers without credentials (401) and callers without its
permission (403); the built-in roles get exactly what the role matrix grants."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.api_clients.service import create_api_client
from casework.auth.permissions import ALL_PERMISSIONS, BUILTIN_ROLES, Permission
from casework.auth.principal import Principal
from casework.infra.db import Database
from casework.users.schemas import RoleCreate
from casework.users.service import create_role, create_user
from tests.factories import TenantKit
from tests.security.routes import DIALECT_OPERATIONS, OPERATIONS, PROTECTED, Op, fill, op_id


def _call(client: TestClient, op: Op, headers: dict[str, str]) -> int:
    kwargs: dict = {"headers": headers}
    if op.body is not None:
        kwargs["json"] = op.body
    return client.request(op.method, fill(op.path), **kwargs).status_code


def test_table_lists_every_operation(app: FastAPI):
    documented = {
        f"{method.upper()} {path}"
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    assert documented == {op_id(op) for op in OPERATIONS} | set(DIALECT_OPERATIONS)


@pytest.mark.parametrize("op", PROTECTED, ids=op_id)
def test_unauthenticated_is_401(client: TestClient, op: Op):
    response = client.request(op.method, fill(op.path), json=op.body)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.fixture(scope="module")
def everything_but(db: Database) -> dict[Permission, dict[str, str]]:
    """For each permission, the headers of a client whose role holds all the others."""
    from tests.factories import make_tenant_kit

    kit = make_tenant_kit(db)
    headers: dict[Permission, dict[str, str]] = {}
    with db.transaction() as session:
        system = Principal.system(kit.tenant_id)
        for missing in Permission:
            slug = "no-" + missing.value.replace(".", "-").replace("_", "-")
            granted = sorted(p.value for p in ALL_PERMISSIONS - {missing})
            create_role(
                session, actor=system, data=RoleCreate(slug=slug, name=slug, permissions=granted)
            )
            user = create_user(
                session,
                actor=system,
                email=f"{slug}@example.test",
                first_name="No",
                last_name=missing.value,
                role_slug=slug,
            )
            _, _, api_key = create_api_client(
                session, actor=system, name=slug, acting_user_id=user.id
            )
            headers[missing] = {"Authorization": f"Bearer {api_key}"}
    return headers


@pytest.mark.parametrize("op", PROTECTED, ids=op_id)
def test_missing_permission_is_403(
    client: TestClient, op: Op, everything_but: dict[Permission, dict[str, str]]
):
    assert op.permission is not None
    assert _call(client, op, everything_but[op.permission]) == 403


@pytest.mark.parametrize("role", sorted(BUILTIN_ROLES))
def test_builtin_role_matrix(client: TestClient, kit: TenantKit, role: str):
    granted = BUILTIN_ROLES[role][1]
    headers = kit.members[role].headers
    refused, allowed_but_refused = [], []
    for op in PROTECTED:
        status = _call(client, op, headers)
        if op.permission in granted and status in (401, 403):
            allowed_but_refused.append((op_id(op), status))
        if op.permission not in granted and status != 403:
            refused.append((op_id(op), status))
    assert refused == [], f"{role} was not refused"
    assert allowed_but_refused == [], f"{role} was refused"
