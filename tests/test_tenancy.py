"""Rows fetched by id within a tenant, and the creation of one recorded in the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.infra.db import Database
from casework.infra.errors import NotFound
from casework.infra.repository import get
from casework.models import AuditEvent, Role
from tests.factories import TenantKit


def _role(tenant_id: str, slug: str) -> Role:
    return Role(tenant_id=tenant_id, slug=slug, name=slug, permissions=[], is_builtin=False)


def test_another_tenants_row_is_as_missing_as_none(
    db: Database, kit: TenantKit, other_kit: TenantKit
) -> None:
    with db.transaction() as session:
        role = audit.record_created(
            session,
            _role(kit.tenant_id, "reviewer"),
            actor=Principal.system(kit.tenant_id),
            entity_type="role",
            after=lambda row: {"slug": row.slug},
        )
        assert get(session, Role, role.id, tenant_id=kit.tenant_id, what="role") is role
        for tenant_id, row_id in ((other_kit.tenant_id, role.id), (kit.tenant_id, "0" * 24)):
            with pytest.raises(NotFound, match=f"^role {row_id} not found$"):
                get(session, Role, row_id, tenant_id=tenant_id, what="role")


def test_a_created_row_is_recorded_under_its_new_id(db: Database, kit: TenantKit) -> None:
    actor = Principal.system(kit.tenant_id)
    with db.transaction() as session:
        plain = audit.record_created(
            session,
            _role(kit.tenant_id, "plain"),
            actor=actor,
            entity_type="role",
            after=lambda row: {"slug": row.slug, "id": row.id},
        )
        named = audit.record_created(
            session,
            _role(kit.tenant_id, "named"),
            actor=actor,
            entity_type="role",
            action="role.copied",
            message="Copied",
            after=lambda row: {"slug": row.slug},
        )
    with db.transaction(write=False) as session:
        events = {
            e.entity_id: e
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.entity_id.in_([plain.id, named.id]))
            )
        }
    assert (events[plain.id].action, events[plain.id].message) == ("role.created", "")
    assert events[plain.id].after == {"slug": "plain", "id": plain.id}
    assert (events[named.id].action, events[named.id].message) == ("role.copied", "Copied")
    assert events[named.id].entity_type == "role"
