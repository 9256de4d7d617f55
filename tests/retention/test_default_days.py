"""The tenant's default retention as the service keeps it: the bounds hold whoever calls
(the API's schema checks them too, a script or console need not), the tenant's other
settings survive, and each real change leaves one event saying what it was."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.auth.principal import Principal
from casework.infra.db import Database
from casework.infra.errors import ValidationFailed
from casework.models import AuditEvent, Tenant
from casework.retention.service import default_days, set_default_days
from tests.factories import TenantKit


def _set(db: Database, kit: TenantKit, days: int | None) -> None:
    with db.transaction() as session:
        set_default_days(session, actor=Principal.system(kit.tenant_id, "script"), days=days)


def _settings(db: Database, kit: TenantKit) -> dict[str, Any]:
    with db.transaction(write=False) as session:
        tenant = session.get(Tenant, kit.tenant_id)
        assert tenant is not None
        return dict(tenant.settings or {})


def _events(db: Database, kit: TenantKit) -> list[tuple[Any, Any, str]]:
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(AuditEvent.before, AuditEvent.after, AuditEvent.actor_name)
            .where(
                AuditEvent.tenant_id == kit.tenant_id,
                AuditEvent.action == "tenant.retention_set",
                AuditEvent.entity_id == kit.tenant_id,
            )
            .order_by(AuditEvent.seq)
        )
        return [tuple(r) for r in rows]


@pytest.mark.parametrize("days", [-2, 36_501, -100])
def test_out_of_range_is_refused_by_the_service(db: Database, kit: TenantKit, days: int):
    with pytest.raises(ValidationFailed) as refused:
        _set(db, kit, days)
    assert [e.as_dict() for e in refused.value.errors] == [
        {"field": "retention_days", "message": "must be between -1 and 36500"}
    ]
    assert "retention_days" not in _settings(db, kit)
    assert _events(db, kit) == []


@pytest.mark.parametrize("days", [-1, 0, 1, 36_500, None])
def test_the_bounds_and_none_are_accepted(db: Database, kit: TenantKit, days: int | None):
    _set(db, kit, 7)
    _set(db, kit, days)
    assert _settings(db, kit)["retention_days"] == days
    with db.transaction(write=False) as session:
        assert default_days(session, kit.tenant_id) == days


def test_other_settings_survive_and_each_change_is_one_event(
    client: TestClient, db: Database, kit: TenantKit
):
    override = {"country": "CHE", "risk": 0.8, "note": "Internal policy"}
    r = client.put(
        "/v1/country-risk/overrides", json={"overrides": [override]}, headers=kit.admin.headers
    )
    assert r.status_code == 200, r.text
    kept = _settings(db, kit)
    _set(db, kit, 30)
    _set(db, kit, 30)
    _set(db, kit, -1)
    assert _settings(db, kit) == {**kept, "retention_days": -1}
    assert _events(db, kit) == [
        ({"retention_days": None}, {"retention_days": 30}, "script"),
        ({"retention_days": 30}, {"retention_days": -1}, "script"),
    ]
    r = client.get("/v1/settings/retention", headers=kit.viewer.headers)
    assert r.json() == {"retention_days": -1}
