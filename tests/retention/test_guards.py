"""What retention must not delete yet: the checks of a case under legal hold, and a case
whose child cases are still there."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.auth.principal import Principal
from casework.cases.schemas import CaseCreate
from casework.cases.service import create_case
from casework.config import Settings
from casework.infra.db import Database
from casework.infra.jobs import JobContext
from casework.models import AuditEvent, Document
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


def _log(client: TestClient, kit: TenantKit, case_id: str) -> list[dict[str, Any]]:
    r = client.get(f"/v1/cases/{case_id}/log", headers=kit.admin.headers)
    assert r.status_code == 200, r.text
    return list(r.json())


def test_only_due_finished_checks_go_and_only_their_trail_is_erased(
    app: FastAPI, client: TestClient, kit: TenantKit, db: Database, settings: Settings
):
    customer = {"customer_type": "INDIVIDUAL", "full_name": "Ilse Varga", "country": "AUT"}
    case = _open(
        client,
        kit,
        delete_after=-1,
        customer=customer,
        checks=[
            {"type": "JURISDICTION", "delete_after": 30},  # due at +31 days
            {"type": "PEP", "delete_after": 90},  # not yet due
            {"type": "SANCTIONS"},  # kept until the case goes
        ],
    )
    waiting = _open(
        client,
        kit,
        delete_after=-1,
        customer=customer,
        checks=[{"type": "JURISDICTION", "delete_after": 30}],
        auto_start=False,  # still pending: a check that has not run is not purged
    )
    app.state.jobs.join()
    checks = {c["type"]: c for c in _checks(client, kit, case["id"])}
    assert {c["status"] for c in checks.values()} <= {"COMPLETED", "ERROR"}  # all finished
    (pending,) = _checks(client, kit, waiting["id"])
    assert pending["status"] == "PENDING"
    trail = _log(client, kit, case["id"])
    finished = ("check.completed", "check.failed")
    assert len([e for e in trail if e["action"] in finished]) == 3

    purge_all(JobContext(database=db, settings=settings), now=utcnow() + timedelta(days=31))

    left = {c["type"] for c in _checks(client, kit, case["id"])}
    assert left == {"PEP", "SANCTIONS"}
    assert [c["id"] for c in _checks(client, kit, waiting["id"])] == [pending["id"]]
    after = {e["id"]: e for e in _log(client, kit, case["id"])}
    gone = checks["JURISDICTION"]["id"]
    erased = {e["id"] for e in after.values() if e["message"] == "[erased under retention]"}
    assert (
        erased == {e["id"] for e in trail if e["action"] in finished and gone in json.dumps(e)}
        and len(erased) == 1
    ), "the purged check's own events, and nothing else"
    assert _purged(db, kit.tenant_id, "check.purged") == [gone]


def test_the_deadline_itself_is_due_and_the_oldest_go_first(
    client: TestClient, kit: TenantKit, db: Database
):
    from casework.models import Case
    from casework.retention.repository import due_cases

    first = _open(client, kit, title="First", delete_after=1)
    second = _open(client, kit, title="Second", delete_after=2)
    with db.transaction(write=False) as session:
        deadline = session.get(Case, second["id"]).delete_after
        at_deadline = [c.id for c in due_cases(session, now=deadline, limit=1000)]
        assert first["id"] in at_deadline and second["id"] in at_deadline
        just_before = [
            c.id for c in due_cases(session, now=deadline - timedelta(microseconds=1), limit=1000)
        ]
        assert first["id"] in just_before and second["id"] not in just_before
        (oldest,) = due_cases(session, now=deadline + timedelta(days=3650), limit=1)
        assert oldest.delete_after <= session.get(Case, first["id"]).delete_after


def test_a_webhook_on_its_way_holds_only_its_own_case(
    client: TestClient, kit: TenantKit, db: Database, settings: Settings
):
    from casework.webhooks import service as webhooks

    waiting = _open(client, kit, title="Webhook pending", delete_after=0, tasks=[])
    free = _open(client, kit, title="Nothing pending", delete_after=0, tasks=[])
    with db.transaction() as session:
        webhooks.emit(
            session,
            tenant_id=kit.tenant_id,
            event_type="case.completed",
            payload={"id": waiting["id"]},
            case_webhook_url="https://receiver.example/hooks",
            case_id=waiting["id"],
            now=utcnow() + timedelta(days=400),
        )
    purge_all(JobContext(database=db, settings=settings), now=utcnow() + timedelta(seconds=1))
    assert _exists(client, kit, waiting["id"])
    assert not _exists(client, kit, free["id"])


def test_an_event_not_yet_published_holds_its_case(
    app: FastAPI,
    client: TestClient,
    kit: TenantKit,
    db: Database,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
):
    from casework.webhooks import outbox

    monkeypatch.setattr(app.state.jobs, "sweep_now", lambda: 0)  # it stays unpublished
    waiting = _open(client, kit, title="Event queued", delete_after=0, tasks=[])
    free = _open(client, kit, title="Nothing queued", delete_after=0, tasks=[])
    with db.transaction() as session:
        outbox.add(
            session,
            tenant_id=kit.tenant_id,
            event_type="case.completed",
            subject="case",
            subject_id=waiting["id"],
            case_id=waiting["id"],
            case_url="https://receiver.example/hooks",
        )
    purge_all(JobContext(database=db, settings=settings), now=utcnow() + timedelta(seconds=1))
    assert _exists(client, kit, waiting["id"])
    assert not _exists(client, kit, free["id"])


def test_a_case_whose_checks_have_not_run_waits(
    app: FastAPI, client: TestClient, kit: TenantKit, db: Database, settings: Settings
):
    case = _open(
        client,
        kit,
        delete_after=0,
        customer={"customer_type": "INDIVIDUAL", "full_name": "Ola Nordmann", "country": "NOR"},
        checks=[{"type": "JURISDICTION"}],
        auto_start=False,
    )
    context = JobContext(database=db, settings=settings)
    purge_all(context, now=utcnow() + timedelta(days=1))
    assert _exists(client, kit, case["id"])
    assert client.post(f"/v1/cases/{case['id']}/start", headers=kit.analyst.headers).status_code
    app.state.jobs.join()
    purge_all(context, now=utcnow() + timedelta(days=1))
    assert not _exists(client, kit, case["id"])


def _tombstones(db: Database, tenant_id: str) -> dict[str, list[tuple[str, str, str, str]]]:
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(
                AuditEvent.action,
                AuditEvent.entity_type,
                AuditEvent.entity_id,
                AuditEvent.actor_name,
                AuditEvent.message,
            ).where(AuditEvent.tenant_id == tenant_id, AuditEvent.action.like("%.purged"))
        )
        out: dict[str, list[tuple[str, str, str, str]]] = {}
        for action, kind, entity, actor, message in rows:
            out.setdefault(action, []).append((kind, entity, actor, message))
        return out


def test_documents_go_from_their_deadline_in_batches_with_a_tombstone_each(
    client: TestClient, kit: TenantKit, db: Database
):
    from casework.retention.service import purge_documents

    ids = []
    for n in range(3):
        r = client.post(
            "/v1/documents",
            files={"file": (f"d{n}.txt", f"statement {n}".encode(), "text/plain")},
            data={"delete_after": "5"},
            headers=kit.analyst.headers,
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    with db.transaction() as session:
        deadline = max(session.get(Document, i).delete_after for i in ids)
        assert purge_documents(session, now=deadline - timedelta(days=1)).documents == 0
        assert purge_documents(session, now=deadline, limit=2).documents == 2
    with db.transaction() as session:
        assert purge_documents(session, now=deadline, limit=2).documents == 1
    for document_id in ids:
        r = client.get(f"/v1/documents/{document_id}", headers=kit.viewer.headers)
        assert r.status_code == 404
    tombstones = _tombstones(db, kit.tenant_id)["document.purged"]
    assert sorted(tombstones) == sorted(
        ("document", i, "retention", "Document deleted under its retention period") for i in ids
    )


def test_checks_and_cases_leave_a_tombstone_by_retention(
    app: FastAPI, client: TestClient, kit: TenantKit, db: Database, settings: Settings
):
    kept = _open(
        client,
        kit,
        delete_after=-1,
        customer={"customer_type": "INDIVIDUAL", "full_name": "Ilse Varga", "country": "AUT"},
        checks=[{"type": "JURISDICTION", "delete_after": 5}],
    )
    gone = _open(client, kit, title="Goes", delete_after=5)
    app.state.jobs.join()
    (check,) = _checks(client, kit, kept["id"])
    purge_all(JobContext(database=db, settings=settings), now=utcnow() + timedelta(days=6))
    tombstones = _tombstones(db, kit.tenant_id)
    assert tombstones["check.purged"] == [
        ("check", check["id"], "retention", "Check deleted under its retention period")
    ]
    ((kind, entity, actor, message),) = tombstones["case.purged"]
    assert (kind, entity, actor) == ("case", gone["id"], "retention")
    assert message == f"Case {gone['number']} deleted under its retention period"
    log = [e["action"] for e in _log(client, kit, kept["id"])]
    assert log[-1] == "check.purged"
