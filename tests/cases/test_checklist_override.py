"""Resolving over open checklist items is an explicit, recorded override: asked for in
the request with a reason, by someone holding ``case.override_checklist``."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import Member, TenantKit, case_body

RESOLVE = {"to": "resolved", "resolution": "false_positive", "note": "Payroll, explained"}
REASON = "Source of funds confirmed by phone; the MLRO signed off"


def _case(client: TestClient, kit: TenantKit, **body: Any) -> dict[str, Any]:
    r = client.post("/v1/cases", json=case_body(**body), headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _state(client: TestClient, kit: TenantKit, case_id: str) -> tuple[Any, ...]:
    case = client.get(f"/v1/cases/{case_id}", headers=kit.admin.headers).json()
    log = client.get(f"/v1/cases/{case_id}/log", headers=kit.admin.headers).json()
    return case["review_status"], case["resolution"], len(log)


def _resolve(client: TestClient, who: Member, case_id: str, **extra: Any) -> Any:
    return client.post(
        f"/v1/cases/{case_id}/transition", json={**RESOLVE, **extra}, headers=who.headers
    )


@pytest.mark.parametrize("role", ["admin", "supervisor"])
def test_open_items_refuse_a_resolution_that_does_not_override_them(
    client: TestClient, kit: TenantKit, role: str
):
    case = _case(client, kit)
    before = _state(client, kit, case["id"])
    r = _resolve(client, getattr(kit, role), case["id"])
    assert r.status_code == 409, r.text
    problem = r.json()
    detail = (
        "2 checklist item(s) are still open; tick them, or resolve with override_checklist "
        "and an override_reason"
    )
    assert problem["detail"] == detail
    assert problem["errors"] == [{"field": "checklist", "message": detail}]
    assert _state(client, kit, case["id"]) == before


def test_a_client_signing_in_with_its_id_and_secret_is_refused_as_well(
    client: TestClient, kit: TenantKit
):
    case = _case(client, kit)
    pair = {"apiKey": kit.supervisor.client_id, "apiSecret": kit.supervisor.client_secret}
    r = client.post(f"/v1/cases/{case['id']}/transition", json=RESOLVE, headers=pair)
    assert r.status_code == 409, r.text
    assert r.json()["errors"][0]["field"] == "checklist"


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"override_checklist": True}, "override_reason", "is required to override the checklist"),
        (
            {"override_checklist": True, "override_reason": "   "},
            "override_reason",
            "is required to override the checklist",
        ),
        (
            {"override_reason": REASON},
            "override_reason",
            "is only given with override_checklist",
        ),
    ],
)
def test_an_override_needs_its_reason(
    client: TestClient, kit: TenantKit, extra: dict[str, Any], field: str, message: str
):
    case = _case(client, kit)
    before = _state(client, kit, case["id"])
    r = _resolve(client, kit.supervisor, case["id"], **extra)
    assert r.status_code == 422, r.text
    assert {"field": field, "message": message} in r.json()["errors"]
    assert _state(client, kit, case["id"]) == before


@pytest.mark.parametrize("value", ["true", 1, "yes", None])
def test_the_override_is_a_json_boolean(client: TestClient, kit: TenantKit, value: object):
    case = _case(client, kit)
    r = _resolve(
        client, kit.supervisor, case["id"], override_checklist=value, override_reason=REASON
    )
    assert r.status_code == 422, r.text
    assert any(e["field"] == "override_checklist" for e in r.json()["errors"])


def test_an_override_only_applies_to_a_resolution(client: TestClient, kit: TenantKit):
    case = _case(client, kit)
    r = client.post(
        f"/v1/cases/{case['id']}/transition",
        json={"to": "in_progress", "override_checklist": True, "override_reason": REASON},
        headers=kit.supervisor.headers,
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [
        {"field": "override_checklist", "message": "only applies when resolving"}
    ]


def test_an_override_resolves_and_the_trail_says_who_overrode_what_and_why(
    client: TestClient, kit: TenantKit
):
    case = _case(client, kit, tasks=["Review history", "Verify source of funds", "Call"])
    tasks = client.get(f"/v1/cases/{case['id']}", headers=kit.admin.headers).json()["tasks"]
    ticked = client.patch(
        f"/v1/cases/{case['id']}/tasks/{tasks[0]['id']}",
        json={"done": True},
        headers=kit.supervisor.headers,
    )
    assert ticked.status_code == 200, ticked.text
    r = _resolve(
        client, kit.supervisor, case["id"], override_checklist=True, override_reason=REASON
    )
    assert r.status_code == 200, r.text
    assert (r.json()["review_status"], r.json()["resolution"]) == ("resolved", "false_positive")

    log = client.get(f"/v1/cases/{case['id']}/log", headers=kit.admin.headers).json()
    resolved = log[-1]
    assert resolved["action"] == "case.resolved"
    assert resolved["after"]["checklist_override"] == {
        "reason": REASON,
        "open_items": ["Verify source of funds", "Call"],
    }
    assert resolved["message"] == (
        f"Resolved as false positive: Payroll, explained "
        f"(checklist overridden with 2 items open: {REASON})"
    )
    assert resolved["actor_user_id"] == kit.supervisor.user_id


def test_with_every_item_ticked_nothing_is_overridden(client: TestClient, kit: TenantKit):
    case = _case(client, kit, tasks=[])
    r = _resolve(
        client, kit.supervisor, case["id"], override_checklist=True, override_reason=REASON
    )
    assert r.status_code == 200, r.text
    log = client.get(f"/v1/cases/{case['id']}/log", headers=kit.admin.headers).json()
    assert "checklist_override" not in log[-1]["after"]
    assert log[-1]["message"] == "Resolved as false positive: Payroll, explained"
