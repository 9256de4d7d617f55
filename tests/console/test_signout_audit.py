"""Signing out of the console is recorded against the user who signed out."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from casework.infra.db import Database
from casework.models import AuditEvent
from casework.models.enums import ActorType
from tests.console.support import Browser
from tests.factories import Member, TenantKit


def _signed_out(db: Database, tenant_id: str) -> list[AuditEvent]:
    with db.transaction(write=False) as session:
        return list(
            session.scalars(
                select(AuditEvent).where(
                    AuditEvent.tenant_id == tenant_id, AuditEvent.action == "user.signed_out"
                )
            )
        )


def test_signing_out_is_audited_once(
    browser: Callable[[Member | None], Browser], staff: TenantKit, db: Database
) -> None:
    opened = browser(staff.analyst)
    assert opened.client.post("/console/logout", data={"csrf_token": "forged"}).status_code == 403
    assert _signed_out(db, staff.tenant_id) == [], "a refused sign-out is not one"
    assert opened.post("/console/logout").status_code == 303

    (event,) = _signed_out(db, staff.tenant_id)
    assert event.actor_type == ActorType.user and event.actor_user_id == staff.analyst.user_id
    assert event.entity_type == "user" and event.entity_id == staff.analyst.user_id
    assert event.message == "Signed out of the console"
    # Signing out again without a session records nothing more.
    opened.post("/console/logout")
    assert len(_signed_out(db, staff.tenant_id)) == 1
