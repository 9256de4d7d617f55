"""GET /v1/assignees: whoever may assign cases finds the ids of the colleagues a case can
be assigned to, without the admin's /v1/users; an email address where an id belongs is
answered with where the ids are."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import TenantKit, case_body

EXPECTS_ID = "expects a user id, not an email address; GET /v1/assignees lists them"


def _all(client: TestClient, kit: TenantKit, **params: Any) -> list[dict[str, Any]]:
    r = client.get("/v1/assignees", params=params, headers=kit.supervisor.headers)
    assert r.status_code == 200, r.text
    assert r.json()["next_cursor"] is None
    return r.json()["items"]


def _user(client: TestClient, kit: TenantKit, role: str, **fields: Any) -> dict[str, Any]:
    body = {
        "email": f"{role}-{kit.slug}@example.test",
        "first_name": "Ada",
        "last_name": role.title(),
        "role": role,
        **fields,
    }
    r = client.post("/v1/users", json=body, headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_a_supervisor_lists_the_active_colleagues_who_can_take_cases(
    client: TestClient, kit: TenantKit
):
    listed = _all(client, kit)
    assert {a["id"] for a in listed} == {
        kit.admin.user_id,
        kit.supervisor.user_id,
        kit.analyst.user_id,
    }
    assert [a["email"] for a in listed] == sorted(a["email"] for a in listed)
    analyst = next(a for a in listed if a["id"] == kit.analyst.user_id)
    assert analyst == {
        "id": kit.analyst.user_id,
        "name": analyst["name"],
        "email": kit.analyst.email,
        "role": "analyst",
    }
    assert analyst["name"].startswith("Analyst ")


def test_only_roles_holding_case_assign_and_active_users_are_listed(
    client: TestClient, kit: TenantKit
):
    h = kit.admin.headers
    for slug, permissions in (
        ("triage", ["case.read", "case.assign"]),
        ("reader", ["case.read", "case.update"]),
    ):
        role = {"slug": slug, "name": slug, "permissions": permissions}
        assert client.post("/v1/roles", json=role, headers=h).status_code == 201
    triage = _user(client, kit, "triage")
    reader = _user(client, kit, "reader")
    gone = _user(client, kit, "analyst", email=f"gone-{kit.slug}@example.test")
    r = client.patch(f"/v1/users/{gone['id']}", json={"is_active": False}, headers=h)
    assert r.status_code == 200, r.text

    listed = {a["id"]: a for a in _all(client, kit)}
    assert triage["id"] in listed and listed[triage["id"]]["role"] == "triage"
    assert reader["id"] not in listed
    assert gone["id"] not in listed
    assert kit.viewer.user_id not in listed


def test_the_list_pages_and_filters_like_the_others(client: TestClient, kit: TenantKit):
    everyone = _all(client, kit)
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/assignees", params=params, headers=kit.analyst.headers).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == everyone
    assert [a["id"] for a in _all(client, kit, q="supervisor-")] == [kit.supervisor.user_id]
    r = client.get("/v1/assignees?cursor=nonsense", headers=kit.analyst.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor"


def test_a_listed_id_is_an_assignee_id(client: TestClient, kit: TenantKit):
    h = kit.supervisor.headers
    analyst = next(a for a in _all(client, kit) if a["role"] == "analyst")
    case = client.post("/v1/cases", json=case_body(assignee_id=analyst["id"]), headers=h)
    assert case.status_code == 201, case.text
    assert case.json()["assignee"]["id"] == analyst["id"]


def test_a_viewer_may_not_list_them(client: TestClient, kit: TenantKit):
    assert client.get("/v1/assignees", headers=kit.viewer.headers).status_code == 403


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("", case_body(assignee_id="a@b.c"), "assignee_id"),
        ("/assign", {"assignee_id": "a@b.c"}, "assignee_id"),
        ("/escalate", {"to": "a@b.c", "reassign": True}, "to"),
        ("/escalate", {"to": "a@b.c"}, "to"),
    ],
    ids=["create", "assign", "escalate-reassigning", "escalate"],
)
def test_an_email_where_a_user_id_belongs_says_where_the_ids_are(
    client: TestClient, kit: TenantKit, path: str, body: dict[str, Any], field: str
):
    h = kit.supervisor.headers
    url = "/v1/cases"
    if path:
        url = f"/v1/cases/{client.post(url, json=case_body(), headers=h).json()['id']}{path}"
    r = client.post(url, json=body, headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [{"field": field, "message": EXPECTS_ID}]
    assert r.json()["detail"] == f"{field}: {EXPECTS_ID}"


def test_an_email_of_a_real_colleague_is_still_not_an_id(client: TestClient, kit: TenantKit):
    r = client.post(
        "/v1/cases",
        json=case_body(assignee_id=kit.analyst.email),
        headers=kit.supervisor.headers,
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "assignee_id", "message": EXPECTS_ID}]


def test_an_unknown_id_is_still_named(client: TestClient, kit: TenantKit):
    r = client.post(
        "/v1/cases", json=case_body(assignee_id="0" * 24), headers=kit.supervisor.headers
    )
    assert r.json()["errors"] == [
        {"field": "assignee_id", "message": f"no active user {'0' * 24} in this tenant"}
    ]
