"""POST /case-management/create with the vendor's example, compared with its example
answer; the case as the native API then shows it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from casework.infra.ids import is_public_id
from tests.dialects.sigma.support import DATE, assert_same_shape, future, sigma
from tests.factories import TenantKit

DESCRIPTION = (
    "A transfer of ₦4,500,000 was flagged by the fraud scoring engine with a score of 87. "
    "The customer has no prior history of transactions of this size. Requires manual "
    "review before release."
)
TASKS = [
    "Review customer transaction history for the last 90 days",
    "Verify source of funds documentation",
    "Check customer against internal watchlist",
    "Record final decision with supporting notes",
]


def example_request(assignee_id: str, due_date: str) -> dict[str, Any]:
    """The reference's example body, with a real assignee. Its due date
    (2026-04-25T23:59:59.000Z) has passed and casework refuses past due dates, so a
    date in the future, written the same way, stands in for it."""
    return {
        "module": "transaction-monitoring",
        "record": {
            "id": "64f1a2b3c4d5e6f7a8b9c0d1",
            "type": "transaction",
            "name": "TXN-00123456",
        },
        "title": "High-value transaction requiring review",
        "description": DESCRIPTION,
        "priority": "high",
        "assignedTo": assignee_id,
        "dueDate": due_date,
        "tasks": TASKS,
    }


def _person(_id: str, first: str, last: str) -> dict[str, Any]:
    return {"_id": _id, "firstName": first, "lastName": last}


EXAMPLE_RESPONSE: dict[str, Any] = {
    "message": "Case created successfully",
    "data": {
        "_id": "6801c4f2a3b7d8e9f1c2d3e4",
        "businessProfile": "63f0a1b2c3d4e5f6a7b8c9d0",
        "module": "transaction-monitoring",
        "record": {"id": "64f1a2b3c4d5e6f7a8b9c0d1", "type": "transaction", "name": "TXN-00123456"},
        "title": "High-value transaction requiring review",
        "description": DESCRIPTION,
        "priority": "high",
        "status": "open",
        "assignedTo": _person("64a9f1c2d3e4b5a6c7d8e9f0", "Amaka", "Osei"),
        "assignedBy": _person("63e8b0a1c2d3f4e5a6b7c8d9", "Tunde", "Adeyemi"),
        "dueDate": "2026-04-25T23:59:59.000Z",
        "tasks": [
            {"_id": "6801c4f2a3b7d8e9f1c2d3e5", "text": TASKS[0], "status": False},
            {"_id": "6801c4f2a3b7d8e9f1c2d3e6", "text": TASKS[1], "status": False},
            {"_id": "6801c4f2a3b7d8e9f1c2d3e7", "text": TASKS[2], "status": False},
            {"_id": "6801c4f2a3b7d8e9f1c2d3e8", "text": TASKS[3], "status": False},
        ],
        "comments": [],
        "attachments": [],
        "isEscalated": False,
        "log": [
            {
                "_id": "6801c4f2a3b7d8e9f1c2d3e9",
                "status": "open",
                "message": "Case created",
                "user": _person("63e8b0a1c2d3f4e5a6b7c8d9", "Tunde", "Adeyemi"),
                "date": "2026-04-22T09:15:42.000Z",
            }
        ],
        "createdAt": "2026-04-22T09:15:42.000Z",
        "updatedAt": "2026-04-22T09:15:42.000Z",
    },
}
# What the reference types as nullable, or what casework leaves empty when not given.
NULLABLE = frozenset({"$.data.record", "$.data.dueDate", "$.data.assignedBy"})


def _create_example(client: TestClient, kit: TenantKit) -> tuple[dict[str, Any], str]:
    due = future(days=45)
    r = client.post(
        "/case-management/create",
        json=example_request(kit.supervisor.user_id, due),
        headers={"Content-Type": "application/json", **sigma(kit.analyst)},
    )
    assert r.status_code == 201, r.text
    return r.json(), due


def test_example_request_answers_the_example_shape(client: TestClient, kit: TenantKit):
    answer, due = _create_example(client, kit)
    assert_same_shape(answer, EXAMPLE_RESPONSE, nullable=NULLABLE)
    assert answer["message"] == "Case created successfully"
    data = answer["data"]
    assert is_public_id(data["_id"])
    assert data["businessProfile"] == kit.tenant_id
    assert data["module"] == "transaction-monitoring"
    assert data["record"] == EXAMPLE_RESPONSE["data"]["record"]
    assert data["title"] == "High-value transaction requiring review"
    assert data["description"] == DESCRIPTION
    assert (data["priority"], data["status"], data["isEscalated"]) == ("high", "open", False)
    assert data["assignedTo"]["_id"] == kit.supervisor.user_id
    assert data["assignedTo"]["firstName"] == "Supervisor"
    assert data["assignedBy"]["_id"] == kit.analyst.user_id
    assert data["dueDate"] == due
    assert [t["text"] for t in data["tasks"]] == TASKS
    assert all(is_public_id(t["_id"]) and t["status"] is False for t in data["tasks"])
    assert (data["comments"], data["attachments"]) == ([], [])
    [entry] = data["log"]
    assert (entry["status"], entry["message"]) == ("open", "Case created")
    assert entry["user"] == data["assignedBy"]
    for date in (data["createdAt"], data["updatedAt"], entry["date"], data["dueDate"]):
        assert DATE.match(date), date


def test_created_case_reads_back_through_both_apis(client: TestClient, kit: TenantKit):
    created, due = _create_example(client, kit)
    case_id = created["data"]["_id"]

    again = client.get(f"/case-management/{case_id}", headers=sigma(kit.viewer))
    assert again.status_code == 200, again.text
    assert again.json() == {**created, "message": "Case retrieved successfully"}

    native = client.get(f"/v1/cases/{case_id}", headers=kit.admin.headers)
    assert native.status_code == 200, native.text
    case = native.json()
    assert case["title"] == "High-value transaction requiring review"
    assert case["description"] == DESCRIPTION
    assert case["priority"] == "high"
    assert case["module"] == "transaction-monitoring"
    assert case["record"] == created["data"]["record"]
    assert case["assignee"]["id"] == kit.supervisor.user_id
    assert case["assigned_by"]["id"] == kit.analyst.user_id
    assert [t["text"] for t in case["tasks"]] == TASKS
    assert case["review_status"] == "open"
    assert case["created_by_type"] == "byApi"
    assert case["due_date"].startswith(due[:19])

    log = client.get(f"/v1/cases/{case_id}/log", headers=kit.admin.headers).json()
    [created_event] = [e for e in log if e["action"] == "case.created"]
    assert created_event["actor_type"] == "api_client"
    assert created_event["actor_client_id"] == kit.analyst.api_client_id
    assert created_event["actor_user_id"] == kit.analyst.user_id
    assert created["data"]["log"][0]["_id"] == created_event["id"]


def test_later_work_shows_in_tasks_comments_log_and_status(client: TestClient, kit: TenantKit):
    created, _ = _create_example(client, kit)
    case_id = created["data"]["_id"]
    h = kit.supervisor.headers
    first_task = created["data"]["tasks"][0]["_id"]
    r = client.patch(f"/v1/cases/{case_id}/tasks/{first_task}", json={"done": True}, headers=h)
    assert r.status_code == 200, r.text
    r = client.post(f"/v1/cases/{case_id}/comments", json={"body": "Called the bank"}, headers=h)
    assert r.status_code == 201, r.text
    r = client.post(f"/v1/cases/{case_id}/transition", json={"to": "blocked"}, headers=h)
    assert r.status_code == 200, r.text

    data = client.get(f"/case-management/{case_id}", headers=sigma(kit.analyst)).json()["data"]
    assert data["status"] == "in-progress"
    assert [t["status"] for t in data["tasks"]] == [True, False, False, False]
    [comment] = data["comments"]
    assert set(comment) == {"_id", "text", "user", "date"}
    assert comment["text"] == "Called the bank"
    assert comment["user"]["_id"] == kit.supervisor.user_id
    assert DATE.match(comment["date"])
    assert [e["status"] for e in data["log"]] == ["open", "open", "open", "in-progress"]
    assert all(e["user"]["_id"] == kit.supervisor.user_id for e in data["log"][1:])
    assert data["updatedAt"] >= data["createdAt"]


def test_resolved_and_closed_statuses(client: TestClient, kit: TenantKit):
    case_id = client.post(
        "/case-management/create",
        json=example_request(kit.supervisor.user_id, future()) | {"tasks": []},
        headers=sigma(kit.analyst),
    ).json()["data"]["_id"]
    h = kit.supervisor.headers
    r = client.post(
        f"/v1/cases/{case_id}/transition",
        json={"to": "resolved", "resolution": "false_positive", "note": "Salary payment"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert _status(client, kit, case_id) == "resolved"
    r = client.post(f"/v1/cases/{case_id}/transition", json={"to": "closed"}, headers=h)
    assert r.status_code == 200, r.text
    assert _status(client, kit, case_id) == "closed"
    log = client.get(f"/case-management/{case_id}", headers=sigma(kit.analyst)).json()["data"][
        "log"
    ]
    assert [e["status"] for e in log] == ["open", "resolved", "closed"]


def _status(client: TestClient, kit: TenantKit, case_id: str) -> str:
    r = client.get(f"/case-management/{case_id}", headers=sigma(kit.analyst))
    assert r.status_code == 200, r.text
    return str(r.json()["data"]["status"])
