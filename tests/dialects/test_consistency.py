"""One case, four views: a case made through any dialect is the same case, in
substance, through /v1 and the other two dialects, with one audit trail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.dialects.sigma.support import sigma
from tests.dialects.sumsub.support import CASES, Setup, Sumsub
from tests.factories import Member, TenantKit

TASKS = ["Review the transactions", "Record the decision"]


def _sphinx(client: TestClient, member: Member) -> dict[str, str]:
    r = client.post(
        "/api/oauth/token/",
        data={
            "grant_type": "client_credentials",
            "client_id": member.client_id,
            "client_secret": member.client_secret,
        },
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _customer_number(client: TestClient, kit: TenantKit, external_id: str) -> int:
    r = client.get("/api/customers/?page_size=100", headers=_sphinx(client, kit.viewer))
    [number] = [c["id"] for c in r.json()["results"] if c["external_id"] == external_id]
    return int(number)


def _native_id(client: TestClient, kit: TenantKit, number: int) -> str:
    items = client.get("/v1/cases?limit=200", headers=kit.admin.headers).json()["items"]
    [case_id] = [c["id"] for c in items if c["number"] == number]
    return str(case_id)


def _create(
    via: str, client: TestClient, kit: TenantKit, customer: dict[str, Any], config: dict[str, Any]
) -> str:
    """Open a case through ``via``; returns its native id."""
    if via == "sigma":
        body = {
            "title": "Unusual activity",
            "description": "Opened from the Sigma integration",
            "priority": "medium",
            "assignedTo": kit.supervisor.user_id,
            "module": "aml",
            "tasks": TASKS,
        }
        r = client.post("/case-management/create", json=body, headers=sigma(kit.analyst))
        assert r.status_code == 201, r.text
        return str(r.json()["data"]["_id"])
    if via == "sumsub":
        body = {
            "applicantId": customer["id"],
            "blueprintId": config["id"],
            "name": "Unusual activity",
        }
        r = Sumsub(client, kit.analyst).create(body)
        assert r.status_code == 200, r.text
        return str(r.json()["id"])
    number = _customer_number(client, kit, customer["external_id"])
    body = {"customer_id": number, "case_config": config["slug"], "auto_start": False}
    r = client.post("/api/cases/", json=body, headers=_sphinx(client, kit.analyst))
    assert r.status_code == 201, r.text
    return _native_id(client, kit, int(r.json()["id"]))


def _views(client: TestClient, kit: TenantKit, case_id: str) -> dict[str, dict[str, Any]]:
    native = client.get(f"/v1/cases/{case_id}", headers=kit.viewer.headers)
    assert native.status_code == 200, native.text
    number = native.json()["number"]
    sigma_view = client.get(f"/case-management/{case_id}", headers=sigma(kit.viewer))
    sumsub_view = Sumsub(client, kit.viewer).case(case_id)
    sphinx_view = client.get(f"/api/cases/{number}/", headers=_sphinx(client, kit.viewer))
    for response in (sigma_view, sumsub_view, sphinx_view):
        assert response.status_code == 200, response.text
    return {
        "v1": native.json(),
        "sigma": sigma_view.json()["data"],
        "sumsub": sumsub_view.json(),
        "sphinx": sphinx_view.json(),
    }


def _instant(text: str) -> datetime:
    if text.endswith("+0000"):  # Sumsub's "yyyy-MM-dd HH:mm:ss+0000"
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S%z")
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _same_second(*texts: str) -> bool:
    return len({_instant(t).replace(microsecond=0) for t in texts}) == 1


def _assert_same_case(views: dict[str, dict[str, Any]], statuses: tuple[str, str, str]) -> None:
    v1, sig, sub, sph = views["v1"], views["sigma"], views["sumsub"], views["sphinx"]
    assert sig["_id"] == sub["id"] == v1["id"]
    assert sph["id"] == v1["number"]
    assert sig["title"] == sub["name"] == v1["title"]
    assert sig["priority"] == sub["priority"] == v1["priority"]
    assert sig["description"] == v1["description"]
    assert [t["text"] for t in sig["tasks"]] == [t["text"] for t in v1["tasks"]]
    checklist = sub["caseReview"].get("checklistState", {}).get("checklist", [])
    assert [c["name"] for c in checklist] == [t["text"] for t in v1["tasks"]]
    assert [c["checked"] for c in checklist] == [t["status"] for t in sig["tasks"]]
    assert (sig["status"], sub["caseReview"]["status"], sph["outcome"]) == statuses
    assert sph["notes"] == v1["notes"]
    if v1["customer"] is None:  # a Sigma case is about a record, not a customer
        assert sph["customer"] is None
    else:
        assert sub["applicantReference"]["applicantId"] == v1["customer"]["id"]
        assert sub["applicantReference"]["fullName"] == v1["customer"]["full_name"]
        assert sph["customer"]["full_name"] == v1["customer"]["full_name"]
        assert sph["customer"]["external_id"] == (v1["customer"]["external_id"] or "")
    assert _same_second(v1["created_at"], sig["createdAt"], sub["createdAt"], sph["created_at"])
    assert _same_second(v1["updated_at"], sig["updatedAt"], sub["updatedAt"], sph["updated_at"])


@pytest.mark.parametrize("via", ["sigma", "sumsub", "sphinx"])
def test_a_case_made_through_a_dialect_is_the_same_case_everywhere(
    client: TestClient, kit: TenantKit, via: str
) -> None:
    setup = Setup(client, kit)
    customer = setup.customer(first_name="Amaka", last_name="Osei")
    config = setup.config(checklist=TASKS)
    case_id = _create(via, client, kit, customer, config)

    _assert_same_case(_views(client, kit, case_id), ("open", "open", "PENDING"))

    # Worked natively, every dialect follows: awaiting the customer, then resolved.
    h = kit.admin.headers
    r = client.post(
        f"/v1/cases/{case_id}/rfi", json={"text": "Proof of address, please"}, headers=h
    )
    assert r.status_code == 200, r.text
    _assert_same_case(_views(client, kit, case_id), ("in-progress", "awaitingUser", "PENDING"))
    task_id = client.get(f"/v1/cases/{case_id}", headers=h).json()["tasks"][0]["id"]
    r = client.patch(f"/v1/cases/{case_id}/tasks/{task_id}", json={"done": True}, headers=h)
    assert r.status_code == 200, r.text
    resolve = {
        "to": "resolved",
        "resolution": "potential_threat",
        "note": "Confirmed",
        "override_checklist": True,  # the rest of the config's checklist stays open
        "override_reason": "Confirmed by the FIU",
    }
    r = client.post(f"/v1/cases/{case_id}/transition", json=resolve, headers=h)
    assert r.status_code == 200, r.text
    views = _views(client, kit, case_id)
    _assert_same_case(views, ("resolved", "resolvedPotentialThreat", "REJECTED"))

    # One audit trail: created by the integration's API client, then the native work.
    log = client.get(f"/v1/cases/{case_id}/log", headers=h).json()
    assert log[0]["action"] == "case.created"
    assert log[0]["actor_client_id"] == kit.analyst.api_client_id
    assert [e["action"] for e in log[1:]] == [
        "case.rfi_requested",
        "task.updated",
        "case.resolved",
    ]
    assert [entry["_id"] for entry in views["sigma"]["log"]] == [e["id"] for e in log]
    assert views["sigma"]["log"][-1]["status"] == "resolved"


def test_the_same_case_is_not_visible_to_another_tenant_through_any_dialect(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
) -> None:
    setup = Setup(client, kit)
    case_id = _create("sumsub", client, kit, setup.customer(), setup.config())
    number = client.get(f"/v1/cases/{case_id}", headers=kit.viewer.headers).json()["number"]
    stranger = other_kit.admin
    assert client.get(f"/v1/cases/{case_id}", headers=stranger.headers).status_code == 404
    assert client.get(f"/case-management/{case_id}", headers=sigma(stranger)).status_code == 404
    assert Sumsub(client, stranger).get(f"{CASES}/{case_id}").status_code == 404
    # The other tenant has no cases at all, so no number of this tenant's means anything.
    answer = client.get(f"/api/cases/{number}/", headers=_sphinx(client, stranger))
    assert answer.status_code == 404


def _statuses(views: dict[str, dict[str, Any]]) -> tuple[str, str, str]:
    return (
        views["sigma"]["status"],
        views["sumsub"]["caseReview"]["status"],
        views["sphinx"]["outcome"],
    )


@pytest.mark.parametrize("via", ["sigma", "sumsub", "sphinx"])
def test_a_resolution_awaiting_approval_reads_as_not_yet_made_in_every_dialect(
    client: TestClient, kit: TenantKit, via: str
) -> None:
    setup = Setup(client, kit)
    customer = setup.customer(first_name="Amaka", last_name="Osei")
    config = setup.config(checklist=TASKS)
    case_id = _create(via, client, kit, customer, config)
    h = kit.admin.headers
    held = {"resolve": {"resolutions": ["potential_threat"]}}
    assert client.put("/v1/settings/approvals", json=held, headers=h).status_code == 200
    for task in client.get(f"/v1/cases/{case_id}", headers=h).json()["tasks"]:
        url = f"/v1/cases/{case_id}/tasks/{task['id']}"
        assert client.patch(url, json={"done": True}, headers=h).status_code == 200
    before = _views(client, kit, case_id)

    resolve = {"to": "resolved", "resolution": "potential_threat", "note": "Confirmed"}
    r = client.post(f"/v1/cases/{case_id}/transition", json=resolve, headers=kit.analyst.headers)
    assert r.status_code == 202, r.text
    waiting = _views(client, kit, case_id)
    assert _statuses(waiting) == _statuses(before), "nothing is decided until approved"
    assert waiting["v1"]["pending_decision_id"] == r.json()["pending_decision_id"]

    decision = r.json()["pending_decision_id"]
    approved = client.post(f"/v1/decisions/{decision}/approve", json={}, headers=h)
    assert approved.status_code == 200, approved.text
    _assert_same_case(
        _views(client, kit, case_id), ("resolved", "resolvedPotentialThreat", "REJECTED")
    )
