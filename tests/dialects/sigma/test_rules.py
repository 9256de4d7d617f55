"""Each rule of Sigma's create request, refused in Sigma's error shape."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.dialects.sigma.support import assert_error, body, create, future, sigma
from tests.factories import TenantKit

URL = "/case-management/create"


def _post(client: TestClient, kit: TenantKit, **overrides: Any) -> Any:
    return client.post(URL, json=body(kit, **overrides), headers=sigma(kit.analyst))


@pytest.mark.parametrize("field", ["title", "description", "priority", "assignedTo"])
def test_each_required_field(client: TestClient, kit: TenantKit, field: str):
    answer = assert_error(_post(client, kit, **{field: ...}), 400, field)
    assert answer["errors"] == [{"field": field, "message": "is required"}]
    assert answer["message"] == f"{field}: is required"


@pytest.mark.parametrize("field", ["title", "description", "assignedTo"])
def test_required_text_must_not_be_blank(client: TestClient, kit: TenantKit, field: str):
    assert_error(_post(client, kit, **{field: "   "}), 400, field)


def test_priority_is_one_of_three(client: TestClient, kit: TenantKit):
    assert_error(_post(client, kit, priority="urgent"), 400, "priority")
    for priority in ("low", "medium", "high"):
        assert create(client, kit, priority=priority)["priority"] == priority


def test_module_is_one_of_the_standard_modules(client: TestClient, kit: TenantKit):
    assert_error(_post(client, kit, module="fraud"), 400, "module")
    for module in ("transaction-monitoring", "aml", "cdd", "kyc", "reporting"):
        assert create(client, kit, module=module)["module"] == module


def test_custom_module_instead_of_module(client: TestClient, kit: TenantKit):
    data = create(client, kit, module=..., customModule="internal-audit")
    assert data["module"] == "internal-audit"


def test_module_and_custom_module_exclude_each_other(client: TestClient, kit: TenantKit):
    r = _post(client, kit, module="kyc", customModule="internal-audit")
    answer = assert_error(r, 400, "customModule")
    assert "not both" in answer["errors"][0]["message"]


def test_module_may_be_left_out(client: TestClient, kit: TenantKit):
    data = create(client, kit, module=...)
    assert data["module"] is None
    assert (data["record"], data["dueDate"], data["tasks"]) == (None, None, [])


def test_assignee_needs_the_assign_permission(client: TestClient, kit: TenantKit):
    answer = assert_error(_post(client, kit, assignedTo=kit.viewer.user_id), 400, "assignedTo")
    assert "case.assign" in answer["errors"][0]["message"]


def test_assignee_of_another_tenant_is_unknown(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    assert_error(_post(client, kit, assignedTo=other_kit.supervisor.user_id), 400, "assignedTo")


def test_escalation_target_must_exist(client: TestClient, kit: TenantKit):
    assert_error(_post(client, kit, escalateTo="0" * 24), 400, "escalateTo")
    data = create(client, kit, escalateTo=kit.admin.user_id)
    assert data["isEscalated"] is True
    assert create(client, kit, escalateTo=None)["isEscalated"] is False


def test_attachments_are_documents_of_the_tenant(client: TestClient, kit: TenantKit):
    assert_error(_post(client, kit, attachments=["0" * 24]), 400, "attachments[0]")
    r = client.post(
        "/v1/documents",
        files={"file": ("proof.txt", b"source of funds letter", "text/plain")},
        headers=kit.analyst.headers,
    )
    assert r.status_code == 201, r.text
    document_id = r.json()["id"]
    assert create(client, kit, attachments=[document_id])["attachments"] == [document_id]


def test_tasks_are_strings(client: TestClient, kit: TenantKit):
    assert_error(_post(client, kit, tasks=["Call the bank", 42]), 400, "tasks[1]")
    assert_error(_post(client, kit, tasks="Call the bank"), 400, "tasks")


def test_record_needs_id_and_type(client: TestClient, kit: TenantKit):
    assert_error(_post(client, kit, record={"type": "transaction"}), 400, "record.id")
    record = {"id": "TX-1", "type": "transaction", "name": "TXN-1"}
    assert create(client, kit, record=record)["record"] == record


def test_due_date_is_an_iso_date_in_the_future(client: TestClient, kit: TenantKit):
    assert_error(_post(client, kit, dueDate="next friday"), 400, "dueDate")
    assert_error(_post(client, kit, dueDate="2020-01-01T00:00:00.000Z"), 400, "dueDate")
    due = future(days=3)
    assert create(client, kit, dueDate=due)["dueDate"] == due
    assert create(client, kit, dueDate=None)["dueDate"] is None


def test_unknown_fields_are_refused_by_name(client: TestClient, kit: TenantKit):
    answer = assert_error(_post(client, kit, severity="high"), 400, "severity")
    assert answer["errors"] == [{"field": "severity", "message": "is not an accepted field"}]


def test_body_must_be_a_json_object(client: TestClient, kit: TenantKit):
    headers = {**sigma(kit.analyst), "Content-Type": "application/json"}
    assert_error(client.post(URL, content=b"{not json", headers=headers), 400, "body")
    assert_error(client.post(URL, json=["a list"], headers=headers), 400)
    assert_error(client.post(URL, headers=sigma(kit.analyst)), 400, "body")


def test_creating_needs_the_create_permission(client: TestClient, kit: TenantKit):
    r = client.post(URL, json=body(kit), headers=sigma(kit.viewer))
    answer = assert_error(r, 403)
    assert "case.create" in answer["message"]


def test_idempotency_key_replays_the_first_answer(client: TestClient, kit: TenantKit):
    headers = {**sigma(kit.analyst), "Idempotency-Key": "sigma-create-1"}
    first = client.post(URL, json=body(kit), headers=headers)
    again = client.post(URL, json=body(kit), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = client.post(URL, json=body(kit, title="Another"), headers=headers)
    assert_error(other, 400)
