"""Plain factory functions with keyword overrides."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from casework.api_clients.service import create_api_client
from casework.auth.principal import Principal
from casework.auth.secrets import hash_password
from casework.infra.db import Database
from casework.infra.secrets_box import box_for
from casework.models import Tenant, User
from casework.tenants.service import create_tenant
from casework.users.service import create_user

ROLES = ("admin", "supervisor", "analyst", "viewer")
# An argon2id hash costs a tenth of a second or more, and most tests make a tenant of four
# members who sign in with one password: each process hashes it once. Signing in still
# verifies it against that real hash.
_password_hash = cache(hash_password)


@dataclass
class Member:
    user_id: str
    email: str
    role: str
    client_id: str
    client_secret: str
    api_key: str
    api_client_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


@dataclass
class TenantKit:
    tenant_id: str
    slug: str
    members: dict[str, Member] = field(default_factory=dict)

    def __getattr__(self, role: str) -> Member:
        try:
            return self.members[role]
        except KeyError:
            raise AttributeError(role) from None


def make_member(db: Database, *, tenant_id: str, role: str, password: str | None = None) -> Member:
    email = f"{role}-{secrets.token_hex(4)}@example.test"
    with db.transaction() as session:
        system = Principal.system(tenant_id)
        user = create_user(
            session,
            actor=system,
            email=email,
            first_name=role.title(),
            last_name=f"Tester{secrets.token_hex(2)}",
            role_slug=role,
        )
        if password is not None:
            user.password_hash = _password_hash(password)
        client, secret, api_key = create_api_client(
            session,
            actor=system,
            name=f"{role} client",
            acting_user_id=user.id,
            box=box_for(db.settings),
        )
        return Member(
            user_id=user.id,
            email=email,
            role=role,
            client_id=client.client_id,
            client_secret=secret,
            api_key=api_key,
            api_client_id=client.id,
        )


def make_tenant_kit(
    db: Database, *, currency: str = "EUR", password: str | None = None
) -> TenantKit:
    slug = f"t-{secrets.token_hex(6)}"
    with db.transaction() as session:
        tenant: Tenant = create_tenant(
            session, slug_value=slug, name=f"Tenant {slug}", currency=currency
        )
        tenant_id = tenant.id
    kit = TenantKit(tenant_id=tenant_id, slug=slug)
    for role in ROLES:
        kit.members[role] = make_member(db, tenant_id=tenant_id, role=role, password=password)
    return kit


def case_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "High-value transfer",
        "description": "Flagged by the fraud engine",
        "priority": "high",
        "module": "transaction-monitoring",
        "tasks": ["Review history", "Verify source of funds"],
    }
    body.update(overrides)
    return body


def user_of(db: Database, user_id: str) -> User | None:
    with db.transaction(write=False) as session:
        return session.get(User, user_id)
