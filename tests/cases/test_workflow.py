"""A case worked from creation to resolution through the native API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import TenantKit, case_body


def _create(client: TestClient, kit: TenantKit, **overrides: object) -> dict:
    response = client.post("/v1/cases", json=case_body(**overrides), headers=kit.analyst.headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_create_case_returns_full_shape_and_first_log_entry(client: TestClient, kit: TenantKit):
    case = _create(client, kit, assignee_id=kit.analyst.user_id)
    assert len(case["id"]) == 24 and case["id"] == case["id"].lower()
    int(case["id"], 16)
    assert case["review_status"] == "open"
    assert case["priority"] == "high"
    assert case["created_by_type"] == "byApi"
    assert case["assignee"]["id"] == kit.analyst.user_id
    assert case["assigned_by"]["id"] == kit.analyst.user_id
    assert [t["text"] for t in case["tasks"]] == ["Review history", "Verify source of funds"]
    assert all(t["done"] is False and t["done_by"] is None for t in case["tasks"])
    assert case["is_overdue"] is False
    log = client.get(f"/v1/cases/{case['id']}/log", headers=kit.viewer.headers).json()
    assert [e["message"] for e in log] == ["Case created"]
    assert log[0]["actor_name"].startswith("Analyst")
    assert log[0]["actor_client_id"] == kit.analyst.api_client_id


def test_numbers_are_sequential_per_tenant(client: TestClient, kit: TenantKit, other_kit):
    first = _create(client, kit)["number"]
    second = _create(client, kit)["number"]
    other = client.post("/v1/cases", json=case_body(), headers=other_kit.analyst.headers).json()
    assert second == first + 1
    assert other["number"] == 1


def test_ids_are_time_ordered(client: TestClient, kit: TenantKit):
    ids = [_create(client, kit)["id"] for _ in range(5)]
    assert ids == sorted(ids)


def test_full_lifecycle(client: TestClient, kit: TenantKit):
    h = kit.analyst.headers
    case = _create(client, kit)
    cid = case["id"]

    r = client.post(f"/v1/cases/{cid}/assign", json={"assignee_id": kit.analyst.user_id}, headers=h)
    assert r.status_code == 200 and r.json()["assignee"]["id"] == kit.analyst.user_id

    r = client.post(f"/v1/cases/{cid}/transition", json={"to": "in_progress"}, headers=h)
    assert r.json()["review_status"] == "in_progress"

    r = client.post(f"/v1/cases/{cid}/tasks", json={"text": "Call the customer"}, headers=h)
    assert r.status_code == 201
    added = r.json()

    r = client.post(f"/v1/cases/{cid}/comments", json={"body": "Statements requested"}, headers=h)
    assert r.status_code == 201 and r.json()["author"]["id"] == kit.analyst.user_id

    r = client.post(
        f"/v1/cases/{cid}/escalate",
        json={"to": kit.supervisor.user_id, "reassign": True, "note": "Needs a second look"},
        headers=h,
    )
    body = r.json()
    assert body["is_escalated"] is True
    assert body["escalated_to"]["id"] == kit.supervisor.user_id
    assert body["assignee"]["id"] == kit.supervisor.user_id

    resolve = {"to": "resolved", "resolution": "false_positive", "note": "Benign"}
    r = client.post(f"/v1/cases/{cid}/transition", json=resolve, headers=h)
    assert r.status_code == 409
    assert "checklist" in r.json()["detail"]

    tasks = client.get(f"/v1/cases/{cid}", headers=h).json()["tasks"]
    for task in tasks:
        r = client.patch(f"/v1/cases/{cid}/tasks/{task['id']}", json={"done": True}, headers=h)
        assert r.status_code == 200
        assert r.json()["done_by"]["id"] == kit.analyst.user_id
        assert r.json()["done_at"] is not None
    assert added["id"] in {t["id"] for t in tasks}

    r = client.post(f"/v1/cases/{cid}/transition", json=resolve, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["review_status"] == "resolved"
    assert r.json()["resolution"] == "false_positive"
    assert r.json()["resolution_note"] == "Benign"

    r = client.post(f"/v1/cases/{cid}/transition", json={"to": "closed"}, headers=h)
    assert r.json()["review_status"] == "closed"

    r = client.post(f"/v1/cases/{cid}/reopen", json={"note": "New evidence"}, headers=h)
    assert r.json()["review_status"] == "in_progress"
    assert r.json()["resolution"] is None

    log = client.get(f"/v1/cases/{cid}/log", headers=h).json()
    actions = [e["action"] for e in log]
    assert actions == [
        "case.created",
        "case.assigned",
        "case.status_changed",
        "task.added",
        "comment.added",
        "case.escalated",
        "task.updated",
        "task.updated",
        "task.updated",
        "case.resolved",
        "case.status_changed",
        "case.reopened",
    ]
    seqs = [e["seq"] for e in log]
    assert seqs == sorted(seqs)


def test_resolution_needs_resolution_and_note(client: TestClient, kit: TenantKit):
    cid = _create(client, kit, tasks=[])["id"]
    h = kit.analyst.headers
    r = client.post(f"/v1/cases/{cid}/transition", json={"to": "resolved", "note": "x"}, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "resolution"
    r = client.post(
        f"/v1/cases/{cid}/transition",
        json={"to": "resolved", "resolution": "potential_threat"},
        headers=h,
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "note"


def test_supervisor_may_override_open_checklist(client: TestClient, kit: TenantKit):
    cid = _create(client, kit)["id"]
    resolve = {"to": "resolved", "resolution": "potential_threat", "note": "Confirmed"}
    url, h = f"/v1/cases/{cid}/transition", kit.supervisor.headers
    assert client.post(url, json=resolve, headers=h).status_code == 409
    overriding = {**resolve, "override_checklist": True, "override_reason": "MLRO decision"}
    r = client.post(url, json=overriding, headers=h)
    assert r.status_code == 200
    assert r.json()["resolution"] == "potential_threat"


def test_invalid_transitions_are_409(client: TestClient, kit: TenantKit):
    cid = _create(client, kit)["id"]
    h = kit.analyst.headers
    for target in ("closed", "open"):
        r = client.post(f"/v1/cases/{cid}/transition", json={"to": target}, headers=h)
        assert r.status_code == 409, target
        assert r.json()["type"].endswith("invalid-transition")
    r = client.post(f"/v1/cases/{cid}/reopen", json={"note": "x"}, headers=h)
    assert r.status_code == 409


def test_a_finished_case_is_pointed_to_reopen(client: TestClient, kit: TenantKit):
    cid = _create(client, kit, tasks=[])["id"]
    h, url = kit.supervisor.headers, f"/v1/cases/{cid}/transition"
    resolve = {"to": "resolved", "resolution": "false_positive", "note": "Benign"}
    assert client.post(url, json=resolve, headers=h).status_code == 200
    assert client.post(url, json={"to": "closed"}, headers=h).status_code == 200
    reopen = (
        f"reopen it with POST /v1/cases/{cid}/reopen and a note, which returns it to in_progress"
    )
    for target, detail in [
        ("open", f"a case cannot move from closed to open; {reopen}"),
        ("blocked", f"a case cannot move from closed to blocked; {reopen}"),
        # Not a way back to work: nothing to point to.
        ("resolved", "a case cannot move from closed to resolved"),
    ]:
        r = client.post(url, json={"to": target}, headers=h)
        assert r.status_code == 409, target
        assert r.json()["detail"] == detail
    r = client.post(f"/v1/cases/{cid}/reopen", json={"note": "New evidence"}, headers=h)
    assert r.json()["review_status"] == "in_progress"


def test_a_working_case_is_not_pointed_to_reopen(client: TestClient, kit: TenantKit):
    cid = _create(client, kit)["id"]
    r = client.post(
        f"/v1/cases/{cid}/transition", json={"to": "closed"}, headers=kit.supervisor.headers
    )
    assert r.json()["detail"] == "a case cannot move from open to closed"


def test_unchecking_a_task_clears_who_and_when(client: TestClient, kit: TenantKit):
    case = _create(client, kit)
    cid, tid = case["id"], case["tasks"][0]["id"]
    h = kit.analyst.headers
    client.patch(f"/v1/cases/{cid}/tasks/{tid}", json={"done": True}, headers=h)
    r = client.patch(
        f"/v1/cases/{cid}/tasks/{tid}", json={"done": False, "text": "Re-check"}, headers=h
    )
    assert r.json() == {
        **r.json(),
        "done": False,
        "done_by": None,
        "done_at": None,
        "text": "Re-check",
    }
    assert client.delete(f"/v1/cases/{cid}/tasks/{tid}", headers=h).status_code == 204
    assert tid not in {t["id"] for t in client.get(f"/v1/cases/{cid}", headers=h).json()["tasks"]}


def test_patch_updates_fields_and_logs_only_changes(client: TestClient, kit: TenantKit):
    cid = _create(client, kit)["id"]
    h = kit.analyst.headers
    r = client.patch(f"/v1/cases/{cid}", json={"priority": "low", "title": "Renamed"}, headers=h)
    assert r.status_code == 200
    assert r.json()["priority"] == "low" and r.json()["title"] == "Renamed"
    log = client.get(f"/v1/cases/{cid}/log", headers=h).json()
    assert log[-1]["before"] == {"priority": "high", "title": "High-value transfer"}
    assert log[-1]["after"] == {"priority": "low", "title": "Renamed"}


def test_inline_customer_is_created_with_transliteration(client: TestClient, kit: TenantKit):
    customer = {
        "customer_type": "INDIVIDUAL",
        "first_name": "Олена",
        "last_name": "Коваленко",
        "birth_date": "1990-07",
        "country": "ukr",
    }
    case = _create(client, kit, customer=customer)
    cust_id = case["customer"]["id"]
    full = client.get(f"/v1/customers/{cust_id}", headers=kit.analyst.headers).json()
    assert full["first_name_en"] == "Olena"
    assert full["last_name_en"] == "Kovalenko"
    assert full["country"] == "UKR"
    assert full["birth_date"] == "1990-07"
    log = client.get(f"/v1/cases/{case['id']}/log", headers=kit.analyst.headers).json()
    assert len(log) == 1 and log[0]["after"]["customer"]["id"] == cust_id
