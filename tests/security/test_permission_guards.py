"""The permission checks made inside services, where a route's own dependency already let
the caller in: each is tried by a custom role that holds every permission but the one
checked, through the API and the console. The action is refused and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.auth.permissions import Permission
from casework.auth.principal import Principal
from casework.infra.db import Database
from casework.models import AuditEvent, Case
from tests.console.support import PASSWORD, Browser
from tests.factories import Member, TenantKit, case_body, make_tenant_kit
from tests.security.custom_roles import member_without

Browse = Callable[[Member], Browser]


@pytest.fixture
def browse(app: FastAPI, client: TestClient) -> Browse:
    def open_browser(member: Member) -> Browser:
        opened = Browser(app)
        assert opened.sign_in(member).status_code == 303
        return opened

    return open_browser


@pytest.fixture
def staff(db: Database) -> TenantKit:
    return make_tenant_kit(db, password=PASSWORD)


def _case(client: TestClient, kit: TenantKit, **body: Any) -> dict[str, Any]:
    r = client.post("/v1/cases", json=case_body(**body), headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _read(client: TestClient, kit: TenantKit, case_id: str) -> dict[str, Any]:
    r = client.get(f"/v1/cases/{case_id}", headers=kit.admin.headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _actions(client: TestClient, kit: TenantKit, case_id: str) -> list[str]:
    r = client.get(f"/v1/cases/{case_id}/log", headers=kit.admin.headers)
    assert r.status_code == 200, r.text
    return [e["action"] for e in r.json()]


def _forbidden(response: Any, permission: Permission) -> None:
    assert response.status_code == 403, response.text
    assert permission.value in response.text


def _move(client: TestClient, kit: TenantKit, case_id: str, **body: Any) -> None:
    r = client.post(f"/v1/cases/{case_id}/transition", json=body, headers=kit.admin.headers)
    assert r.status_code == 200, r.text


RESOLVE = {"to": "resolved", "resolution": "false_positive", "note": "Payroll, explained"}


def test_resolving_through_the_api_needs_case_resolve(
    client: TestClient, db: Database, kit: TenantKit
):
    member = member_without(db, kit, Permission.case_resolve)
    case = _case(client, kit, tasks=[])
    url = f"/v1/cases/{case['id']}/transition"
    # The route lets the caller in (it holds case.update): a harmless move works...
    r = client.post(url, json={"to": "in_progress"}, headers=member.headers)
    assert r.status_code == 200, r.text
    before, trail = _read(client, kit, case["id"]), _actions(client, kit, case["id"])

    # ...but resolving is refused by the service and changes nothing.
    _forbidden(client.post(url, json=RESOLVE, headers=member.headers), Permission.case_resolve)
    after = _read(client, kit, case["id"])
    assert after["review_status"] == "in_progress" and after["resolution"] is None
    assert after == before and _actions(client, kit, case["id"]) == trail

    # Closing is a finishing move too.
    _move(client, kit, case["id"], **RESOLVE)
    before, trail = _read(client, kit, case["id"]), _actions(client, kit, case["id"])
    _forbidden(
        client.post(url, json={"to": "closed"}, headers=member.headers), Permission.case_resolve
    )
    assert _read(client, kit, case["id"]) == before and before["review_status"] == "resolved"
    assert _actions(client, kit, case["id"]) == trail


def test_resolving_and_closing_in_the_console_need_case_resolve(
    client: TestClient, db: Database, staff: TenantKit, browse: Browse
):
    member = member_without(db, staff, Permission.case_resolve, password=PASSWORD)
    user = browse(member)
    case = _case(client, staff, tasks=[])
    url = f"/console/cases/{case['id']}"
    r = user.post(f"{url}/resolve", {"resolution": "false_positive", "note": "Payroll"})
    assert r.status_code == 403, r.text
    assert _read(client, staff, case["id"])["review_status"] == "open"

    _move(client, staff, case["id"], **RESOLVE)
    assert user.post(f"{url}/status", {"to": "closed"}).status_code == 403
    assert _read(client, staff, case["id"])["review_status"] == "resolved"
    assert _actions(client, staff, case["id"]) == ["case.created", "case.resolved"]


def test_escalating_with_a_reassignment_needs_case_assign(
    client: TestClient, db: Database, kit: TenantKit
):
    member = member_without(db, kit, Permission.case_assign)
    case = _case(client, kit, assignee_id=kit.analyst.user_id)
    url = f"/v1/cases/{case['id']}/escalate"
    before, trail = _read(client, kit, case["id"]), _actions(client, kit, case["id"])

    body = {"to": kit.supervisor.user_id, "reassign": True, "note": "Over my limit"}
    refused = client.post(url, json=body, headers=member.headers)
    _forbidden(refused, Permission.case_assign)
    assert refused.json()["detail"] == "re-assigning needs the 'case.assign' permission"
    after = _read(client, kit, case["id"])
    assert after == before and after["is_escalated"] is False
    assert after["assignee"]["id"] == kit.analyst.user_id
    assert _actions(client, kit, case["id"]) == trail

    # Escalating alone is what the route allows, and it leaves the assignee.
    r = client.post(url, json={"to": kit.supervisor.user_id}, headers=member.headers)
    assert r.status_code == 200, r.text
    assert r.json()["is_escalated"] is True
    assert r.json()["assignee"]["id"] == kit.analyst.user_id


def test_escalating_with_a_reassignment_in_the_console_needs_case_assign(
    client: TestClient, db: Database, staff: TenantKit, browse: Browse
):
    member = member_without(db, staff, Permission.case_assign, password=PASSWORD)
    user = browse(member)
    case = _case(client, staff)
    form = {"to": staff.supervisor.user_id, "reassign": "on", "note": "Over my limit"}
    r = user.post(f"/console/cases/{case['id']}/escalate", form)
    assert r.status_code == 403, r.text
    after = _read(client, staff, case["id"])
    assert after["is_escalated"] is False and after["assignee"] is None
    assert _actions(client, staff, case["id"]) == ["case.created"]


def test_resolving_over_an_open_checklist_needs_case_override_checklist(
    client: TestClient, db: Database, kit: TenantKit
):
    member = member_without(db, kit, Permission.case_override_checklist)
    case = _case(client, kit)  # two checklist items, neither ticked
    url = f"/v1/cases/{case['id']}/transition"
    before, trail = _read(client, kit, case["id"]), _actions(client, kit, case["id"])
    overriding = {**RESOLVE, "override_checklist": True, "override_reason": "Signed off by MLRO"}
    r = client.post(url, json=overriding, headers=member.headers)
    _forbidden(r, Permission.case_override_checklist)
    assert r.json()["detail"] == (
        "resolving over open checklist items needs the 'case.override_checklist' permission"
    )
    assert _read(client, kit, case["id"]) == before
    assert _actions(client, kit, case["id"]) == trail

    # The permission is what lets a caller over the open items, when it asks to.
    r = client.post(url, json=overriding, headers=kit.supervisor.headers)
    assert r.status_code == 200, r.text
    assert r.json()["review_status"] == "resolved"


def test_uploading_in_the_console_needs_document_write(
    client: TestClient, db: Database, staff: TenantKit, browse: Browse
):
    member = member_without(db, staff, Permission.document_write, password=PASSWORD)
    case = _case(client, staff)
    r = browse(member).post(
        f"/console/cases/{case['id']}/attachments",
        files={"file": ("ledger.txt", b"ledger extract", "text/plain")},
    )
    _forbidden(r, Permission.document_write)
    assert _read(client, staff, case["id"])["attachments"] == []
    assert client.get("/v1/documents", headers=staff.admin.headers).json()["items"] == []
    assert _actions(client, staff, case["id"]) == ["case.created"]


def test_downloading_in_the_console_needs_document_read(
    client: TestClient, db: Database, staff: TenantKit, browse: Browse
):
    member = member_without(db, staff, Permission.document_read, password=PASSWORD)
    document = client.post(
        "/v1/documents",
        files={"file": ("ledger.txt", b"ledger extract", "text/plain")},
        headers=staff.admin.headers,
    ).json()
    case = _case(client, staff, attachments=[document["id"]])
    link = f"/console/cases/{case['id']}/attachments/{document['id']}"
    r = browse(member).get(link)
    _forbidden(r, Permission.document_read)
    assert b"ledger extract" not in r.content
    assert browse(staff.viewer).get(link).content == b"ledger extract"


def test_the_console_admin_needs_admin_or_config_manage(
    db: Database, staff: TenantKit, browse: Browse
):
    without_admin = member_without(db, staff, Permission.admin, password=PASSWORD)
    assert browse(without_admin).get("/console/admin").status_code == 200
    without_config = member_without(db, staff, Permission.config_manage, password=PASSWORD)
    assert browse(without_config).get("/console/admin").status_code == 200
    neither = member_without(
        db, staff, Permission.admin, Permission.config_manage, password=PASSWORD
    )
    assert browse(neither).get("/console/admin").status_code == 403


def test_an_assignee_must_hold_case_assign(client: TestClient, db: Database, kit: TenantKit):
    """The assignee's permission, not the caller's: a case goes only to someone who may
    work it."""
    target = member_without(db, kit, Permission.case_assign)
    case = _case(client, kit)
    before = _read(client, kit, case["id"])
    for url, body, field in [
        (f"/v1/cases/{case['id']}/assign", {"assignee_id": target.user_id}, "assignee_id"),
        (f"/v1/cases/{case['id']}/escalate", {"to": target.user_id, "reassign": True}, "to"),
    ]:
        r = client.post(url, json=body, headers=kit.admin.headers)
        assert r.status_code == 422, r.text
        assert r.json()["errors"] == [
            {"field": field, "message": "this user lacks the case.assign permission"}
        ]
    assert _read(client, kit, case["id"]) == before
    r = client.post(
        "/v1/cases", json=case_body(assignee_id=target.user_id), headers=kit.admin.headers
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "assignee_id"


def test_an_admin_cannot_take_admin_from_its_own_role(
    client: TestClient, db: Database, kit: TenantKit
):
    """A custom role with every permission: removing ``admin`` from it would lock its own
    holder out, so it is refused; another role's admin may do it."""
    member = member_without(db, kit)  # every permission, in a custom role
    me = client.get(f"/v1/users/{member.user_id}", headers=kit.admin.headers).json()
    role = next(
        r
        for r in client.get("/v1/roles", headers=kit.admin.headers).json()["items"]
        if r["slug"] == me["role"]
    )
    url = f"/v1/roles/{role['id']}"
    fewer = sorted(p.value for p in Permission if p != Permission.admin)
    r = client.patch(url, json={"permissions": fewer}, headers=member.headers)
    assert r.status_code == 409, r.text
    assert r.json()["detail"] == "you cannot remove the admin permission from your own role"
    assert "admin" in client.get(url, headers=kit.admin.headers).json()["permissions"]
    # Renaming it is fine.
    assert client.patch(url, json={"name": "Everything"}, headers=member.headers).status_code == 200
    r = client.patch(url, json={"permissions": fewer}, headers=kit.admin.headers)
    assert r.status_code == 200, r.text
    assert "admin" not in r.json()["permissions"]


def test_an_admin_cannot_move_itself_to_a_role_without_admin(client: TestClient, kit: TenantKit):
    url = f"/v1/users/{kit.admin.user_id}"
    r = client.patch(url, json={"role": "supervisor"}, headers=kit.admin.headers)
    assert r.status_code == 409, r.text
    assert client.get(url, headers=kit.admin.headers).json()["role"] == "admin"


def test_a_case_is_escalated_only_to_an_active_user_of_its_tenant(
    client: TestClient, db: Database, kit: TenantKit
):
    """Another tenant's user, even one that may work cases there, is no one here."""
    stranger = make_tenant_kit(db).supervisor.user_id
    case = _case(client, kit, assignee_id=kit.analyst.user_id)
    before, trail = _read(client, kit, case["id"]), _actions(client, kit, case["id"])
    for body in ({"to": stranger}, {"to": stranger, "reassign": True}):
        r = client.post(f"/v1/cases/{case['id']}/escalate", json=body, headers=kit.admin.headers)
        assert r.status_code == 422, r.text
        assert r.json()["errors"] == [
            {"field": "to", "message": f"no active user {stranger} in this tenant"}
        ]
    assert _read(client, kit, case["id"]) == before
    assert _actions(client, kit, case["id"]) == trail


def test_a_role_field_cannot_be_removed(client: TestClient, db: Database, kit: TenantKit):
    member = member_without(db, kit)
    me = client.get(f"/v1/users/{member.user_id}", headers=kit.admin.headers).json()
    role = next(
        r
        for r in client.get("/v1/roles", headers=kit.admin.headers).json()["items"]
        if r["slug"] == me["role"]
    )
    for field in ("name", "permissions"):
        r = client.patch(f"/v1/roles/{role['id']}", json={field: None}, headers=kit.admin.headers)
        assert r.status_code == 422, r.text
        assert r.json()["errors"] == [{"field": field, "message": "cannot be removed"}]
    assert client.get(f"/v1/roles/{role['id']}", headers=kit.admin.headers).json() == role


def test_an_escalation_with_a_reassignment_records_who_when_and_why(
    client: TestClient, db: Database, kit: TenantKit
):
    case = _case(client, kit, assignee_id=kit.analyst.user_id)
    body = {"to": kit.supervisor.user_id, "reassign": True, "note": "Over my limit"}
    r = client.post(f"/v1/cases/{case['id']}/escalate", json=body, headers=kit.admin.headers)
    assert r.status_code == 200, r.text
    assert r.json()["assignee"]["id"] == kit.supervisor.user_id
    assert r.json()["assigned_by"]["id"] == kit.admin.user_id
    assert r.json()["escalated_to"]["id"] == kit.supervisor.user_id
    with db.transaction(write=False) as session:
        row = session.get(Case, case["id"])
        assert row is not None and row.escalated_at is not None
        assert row.assigned_at == row.escalated_at
    log = client.get(f"/v1/cases/{case['id']}/log", headers=kit.admin.headers).json()
    event = log[-1]
    assert event["action"] == "case.escalated"
    assert event["message"].endswith(": Over my limit")
    assert event["after"]["note"] == "Over my limit"
    assert event["after"]["assignee_id"] == kit.supervisor.user_id

    # Without a note, the event says only to whom.
    r = client.post(
        f"/v1/cases/{case['id']}/escalate",
        json={"to": kit.analyst.user_id},
        headers=kit.admin.headers,
    )
    assert r.status_code == 200, r.text
    event = client.get(f"/v1/cases/{case['id']}/log", headers=kit.admin.headers).json()[-1]
    assert event["action"] == "case.escalated"
    to = r.json()["escalated_to"]
    assert event["message"] == f"Escalated to {to['first_name']} {to['last_name']}"
    assert "note" not in (event["after"] or {})


def test_a_finished_case_cannot_be_escalated_and_says_so(client: TestClient, kit: TenantKit):
    case = _case(client, kit, tasks=[])
    _move(client, kit, case["id"], **RESOLVE)
    r = client.post(
        f"/v1/cases/{case['id']}/escalate",
        json={"to": kit.supervisor.user_id},
        headers=kit.admin.headers,
    )
    assert r.status_code == 409, r.text
    assert r.json()["detail"] == "a resolved case cannot be escalated"


def test_a_refused_move_says_why(client: TestClient, kit: TenantKit):
    case = _case(client, kit, tasks=[])
    url = f"/v1/cases/{case['id']}/transition"
    r = client.post(url, json={"to": "resolved", "note": "x"}, headers=kit.admin.headers)
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [
        {"field": "resolution", "message": "is required to resolve a case"}
    ]
    for body, field, message in [
        (
            {"to": "resolved", "resolution": "false_positive"},
            "note",
            "is required to resolve a case",
        ),
        (
            {"to": "in_progress", "resolution": "false_positive"},
            "resolution",
            "is only given when resolving",
        ),
    ]:
        r = client.post(url, json=body, headers=kit.admin.headers)
        assert r.status_code == 422, r.text
        assert r.json()["errors"] == [{"field": field, "message": message}]
    assert _read(client, kit, case["id"])["review_status"] == case["review_status"]
    _move(client, kit, case["id"], **RESOLVE)
    r = client.post(url, json={"to": "in_progress"}, headers=kit.admin.headers)
    assert r.status_code == 409, r.text
    assert r.json()["detail"] == (
        "a case cannot move from resolved to in_progress; reopen it with "
        f"POST /v1/cases/{case['id']}/reopen and a note, which returns it to in_progress"
    )


def test_resolving_records_when_and_the_note(client: TestClient, db: Database, kit: TenantKit):
    case = _case(client, kit, tasks=[])
    _move(client, kit, case["id"], to="in_progress", note="Looking into it")
    event = client.get(f"/v1/cases/{case['id']}/log", headers=kit.admin.headers).json()[-1]
    assert event["action"] == "case.status_changed"
    assert event["after"]["note"] == "Looking into it"
    _move(client, kit, case["id"], **RESOLVE)
    with db.transaction(write=False) as session:
        row = session.get(Case, case["id"])
        assert row is not None and row.resolved_at is not None
        assert row.resolved_by_id == kit.admin.user_id
    event = client.get(f"/v1/cases/{case['id']}/log", headers=kit.admin.headers).json()[-1]
    assert event["action"] == "case.resolved"
    assert event["after"]["note"] == RESOLVE["note"]


def test_the_system_acts_under_its_own_name(db: Database):
    """Work no person started (a tenant's creation, a finished check) is recorded as the
    system's."""
    kit = make_tenant_kit(db)
    with db.transaction(write=False) as session:
        first = session.scalars(
            select(AuditEvent).where(AuditEvent.tenant_id == kit.tenant_id).order_by(AuditEvent.seq)
        ).first()
    assert first is not None
    assert (first.actor_type, first.actor_name, first.actor_user_id) == ("system", "system", None)


def test_the_system_principal_holds_every_permission():
    """Jobs and the command line act as the system, which no permission check stops."""
    system = Principal.system("tenant-1", "cli")
    assert all(system.can(permission) for permission in Permission)
    assert (system.tenant_id, system.display_name, system.key) == ("tenant-1", "cli", "system")
