"""Making and checking data for the administration page tests."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.infra.db import Database
from casework.models import AuditEvent
from tests.console.support import Browser
from tests.factories import Member, TenantKit

Open = Callable[[Member | None], Browser]
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
ADMIN_PAGES = [
    "/console/admin",
    "/console/admin/users",
    "/console/admin/users/new",
    "/console/admin/roles",
    "/console/admin/roles/new",
    "/console/admin/api-clients",
    "/console/admin/api-clients/new",
    "/console/admin/case-configs/new",
]


def fresh_slug(prefix: str = "cfg") -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def location_id(response: Any, area: str) -> str:
    assert response.status_code == 303, response.text
    found = re.fullmatch(rf"/console/admin/{area}/(\w+)", response.headers["location"])
    assert found, response.headers["location"]
    return found.group(1)


def api_user(client: TestClient, kit: TenantKit, user_id: str) -> dict[str, Any]:
    r = client.get(f"/v1/users/{user_id}", headers=kit.admin.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def user_count(client: TestClient, kit: TenantKit) -> int:
    r = client.get("/v1/users", params={"limit": 200}, headers=kit.admin.headers)
    return len(r.json()["items"])


def role_id_of(client: TestClient, kit: TenantKit, slug: str) -> str:
    r = client.get("/v1/roles", params={"limit": 200}, headers=kit.admin.headers)
    return next(role["id"] for role in r.json()["items"] if role["slug"] == slug)


def api_config(client: TestClient, kit: TenantKit, **body: Any) -> dict[str, Any]:
    r = client.post(
        "/v1/case-configs",
        json={"slug": fresh_slug(), "name": "Base", **body},
        headers=kit.admin.headers,
    )
    assert r.status_code == 201, r.text
    config: dict[str, Any] = r.json()
    return config


def new_user(email: str = "", **fields: str) -> dict[str, str]:
    form = {
        "email": email or f"new-{secrets.token_hex(4)}@example.test",
        "first_name": "Nora",
        "last_name": "Quinn",
        "role": "analyst",
        "password": "",
    }
    return {**form, **fields}


def config_form(**fields: str) -> dict[str, str]:
    form = {
        "slug": fresh_slug(),
        "name": "Enhanced due diligence",
        "module": "kyc",
        "custom_module": "",
        "default_priority": "high",
        "checklist": "Verify identity\n\nCheck source of wealth\n",
        "sla_hours": "48",
        "checks": '[{"type": "SANCTIONS", "params": {"threshold": 0.8}}]',
        "accept_below": "0.2",
        "reject_from": "0.9",
        "monitoring": "",
        "kyc_config": "",
    }
    return {**form, **fields}


def field_error(response: Any, field: str) -> None:
    assert 400 <= response.status_code < 500, response.text
    assert f"<strong>{field}</strong>" in response.text, response.text


def audited(db: Database, action: str, entity_id: str) -> bool:
    with db.transaction(write=False) as session:
        stmt = select(AuditEvent.id).where(
            AuditEvent.action == action, AuditEvent.entity_id == entity_id
        )
        return session.scalar(stmt) is not None
