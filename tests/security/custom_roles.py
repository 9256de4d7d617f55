"""Members whose custom role holds every permission but the ones named: the caller a
guard inside a service must refuse, since every route dependency lets it through."""

from __future__ import annotations

import secrets

from casework.auth.permissions import ALL_PERMISSIONS, Permission
from casework.auth.principal import Principal
from casework.infra.db import Database
from casework.users.schemas import RoleCreate
from casework.users.service import create_role
from tests.factories import Member, TenantKit, make_member


def member_without(
    db: Database, kit: TenantKit, *missing: Permission, password: str | None = None
) -> Member:
    slug = f"lacks-{secrets.token_hex(4)}"
    granted = sorted(p.value for p in ALL_PERMISSIONS - set(missing))
    with db.transaction() as session:
        create_role(
            session,
            actor=Principal.system(kit.tenant_id),
            data=RoleCreate(slug=slug, name=slug, permissions=granted),
        )
    return make_member(db, tenant_id=kit.tenant_id, role=slug, password=password)
