"""What retention must not delete yet: the checks of a case under legal hold, and a case
whose child cases are still there."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.auth.principal import Principal
from casework.cases.schemas import CaseCreate
from casework.cases.service import create_case
from casework.config import Settings
from casework.db import Database
from casework.jobs import JobContext
from casework.models import AuditEvent
from casework.models.base import utcnow
from casework.models.enums import CreatedByType
from casework.retention.tasks import purge_all
from tests.factories import TenantKit, case_body


def _open(client: TestClient, kit: TenantKit, **body: Any) -> dict[str, Any]:
    r = client.post("/v1/cases", json=case_body(**body), headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _checks(client: TestClient, kit: TenantKit, case_id: str) -> list[dict[str, Any]]:
    r = client.get(f"/v1/cases/{case_id}/checks", headers=kit.viewer.headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def _exists(client: TestClient, kit: TenantKit, case_id: str) -> bool:
    status = client.get(f"/v1/cases/{case_id}", headers=kit.viewer.headers).status_code
    assert status in (200, 404)
    return status == 200


def _purged(db: Database, tenant_id: str, action: str) -> list[str]:
    with db.transaction(write=False) as session:
        return list(
            session.scalars(
                select(AuditEvent.entity_id).where(
                    AuditEvent.tenant_id == tenant_id, AuditEvent.action == action
                )
            )
        )


def test_a_legal_hold_keeps_the_checks_whose_own_retention_passed(
    app: FastAPI, client: TestClient, kit: TenantKit, db: Database, settings: Settings
):
    body = {
        "delete_after": -1,  # the cases themselves are kept; only their checks expire
        "customer": {"customer_type": "INDIVIDUAL", "full_name": "Ilse Varga", "country": "AUT"},
        "checks": [{"type": "JURISDICTION", "delete_after": 30}],
    }
    held, free = _open(client, kit, title="Held", **body), _open(client, kit, title="Free", **body)
    app.state.jobs.join()
    r = client.post(
        f"/v1/cases/{held['id']}/legal-hold",
        json={"hold": True, "reason": "Court order 2026-41"},
        headers=kit.supervisor.headers,
    )
    assert r.status_code == 200, r.text
    (held_check,) = _checks(client, kit, held["id"])
    (free_check,) = _checks(client, kit, free["id"])
    assert held_check["status"] == free_check["status"] == "COMPLETED"

    purge_all(JobContext(database=db, settings=settings), now=utcnow() + timedelta(days=31))

    assert [c["id"] for c in _checks(client, kit, held["id"])] == [held_check["id"]]
    assert _checks(client, kit, free["id"]) == []
    assert _purged(db, kit.tenant_id, "check.purged") == [free_check["id"]]
    assert _exists(client, kit, held["id"]) and _exists(client, kit, free["id"])


def test_a_case_waits_for_its_child_cases(
    client: TestClient, kit: TenantKit, db: Database, settings: Settings
):
    parent = _open(client, kit, title="Onboard Fjordline", delete_after=30)
    alone = _open(client, kit, title="No children", delete_after=30)
    with db.transaction() as session:  # as a dual config opens one per beneficial owner
        child = create_case(
            session,
            actor=Principal.system(kit.tenant_id, "workflow"),
            data=CaseCreate(title="KYC: Ana Lindqvist", delete_after=60),
            created_by_type=CreatedByType.by_workflow,
            parent_case_id=parent["id"],
        ).id
    context = JobContext(database=db, settings=settings)

    purge_all(context, now=utcnow() + timedelta(days=31))
    assert not _exists(client, kit, alone["id"]), "a case without children goes when due"
    assert _exists(client, kit, parent["id"]), "a parent stays while a child case is there"
    assert _exists(client, kit, child)
    assert _purged(db, kit.tenant_id, "case.purged") == [alone["id"]]

    purge_all(context, now=utcnow() + timedelta(days=61))
    assert not _exists(client, kit, child) and not _exists(client, kit, parent["id"])
    assert sorted(_purged(db, kit.tenant_id, "case.purged")) == sorted(
        [alone["id"], parent["id"], child]
    )
