"""Tenant A's credentials never reach tenant B's rows: ids from B are 404 on every
id-taking route, B's ids in bodies are refused, and lists never show B's rows."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from casework.models import MonitoredCustomer
from tests.factories import TenantKit, case_body
from tests.security.routes import PROTECTED, SHARED_REFERENCE, fill, op_id
from tests.webhooks.factories import settled_delivery

# A report format in a path names a kind of setting, not a row.
ID_ROUTES = [
    op
    for op in PROTECTED
    if "{" in op.path.replace("{format}", "") and op.path not in SHARED_REFERENCE
]
# Routes without an id that answer with something other than a list of rows.
NOT_LISTS = {
    "/v1/analytics/cases",
    "/v1/country-risk",
    "/v1/country-risk/overrides",
    "/v1/settings/retention",
    "/v1/settings/approvals",
    "/v1/settings/reporting",
    "/v1/settings/case-webhook-secret",
    "/v1/settings/transaction-monitoring",
}
LIST_ROUTES = [
    op
    for op in PROTECTED
    if op.method == "GET"
    and "{" not in op.path
    and op.path not in NOT_LISTS
    and op.path not in SHARED_REFERENCE
]


def _resources(client: TestClient, owner: TenantKit) -> dict[str, str]:
    """One of each kind of row, made in the owner's tenant; returns their ids."""
    h = owner.admin.headers
    document = client.post(
        "/v1/documents",
        headers=h,
        files={"file": ("evidence.txt", b"ledger extract", "text/plain")},
    )
    assert document.status_code == 201, document.text
    customer = client.post("/v1/customers", json={"full_name": "Bea Other"}, headers=h).json()
    case = client.post(
        "/v1/cases",
        headers=h,
        json=case_body(customer_id=customer["id"], attachments=[document.json()["id"]]),
    ).json()
    client.post(f"/v1/cases/{case['id']}/comments", json={"body": "hidden"}, headers=h)
    checked = client.post(
        "/v1/cases",
        headers=h,
        json=case_body(customer_id=customer["id"], checks=[{"type": "PEP"}], auto_start=False),
    ).json()
    check = client.get(f"/v1/cases/{checked['id']}/checks", headers=h).json()["items"][0]
    role = client.post(
        "/v1/roles", headers=h, json={"slug": "secret-role", "name": "r", "permissions": []}
    ).json()
    config = client.post(
        "/v1/case-configs", headers=h, json={"slug": "secret-config", "name": "c"}
    ).json()
    endpoint = client.post(
        "/v1/webhook-endpoints",
        headers=h,
        json={"url": "https://1.2.3.4/hooks", "event_types": ["case.escalated"]},
    ).json()
    rule = client.post(
        "/v1/rules",
        headers=h,
        json={
            "name": "any-amount",
            "title": "Any amount",
            "condition": {"test": "amount", "at_least": "1"},
            "enabled": True,
        },
    ).json()
    transaction = client.post(
        "/v1/transactions",
        headers=h,
        json={
            "external_id": "secret-transfer",
            "customer_id": customer["id"],
            "amount": "12.50",
            "currency": "EUR",
            "direction": "out",
            "occurred_at": "2024-01-05T10:00:00Z",
        },
    )
    assert transaction.status_code == 201, transaction.text
    client.app.state.jobs.join()  # the rule's alert, raised in the background
    alert = client.get("/v1/alerts", headers=h).json()["items"][0]
    monitored = MonitoredCustomer(tenant_id=owner.tenant_id, customer_id=customer["id"])
    with client.app.state.db.transaction() as session:  # as a monitored screening leaves it
        session.add(monitored)
        session.flush()
        monitored_id = monitored.id
    held = {"resolve": {"resolutions": ["potential_threat"]}}
    assert client.put("/v1/settings/approvals", headers=h, json=held).status_code == 200
    pending = client.post("/v1/cases", headers=h, json=case_body(tasks=[])).json()
    proposed = client.post(
        f"/v1/cases/{pending['id']}/transition",
        headers=owner.analyst.headers,
        json={"to": "resolved", "resolution": "potential_threat", "note": "Reported"},
    )
    assert proposed.status_code == 202, proposed.text
    report = client.post(
        f"/v1/cases/{case['id']}/reports",
        headers=h,
        # Detected 20 days ago: its filing falls due within the deadline list's 14 days.
        json={
            "format": "fincen_sar",
            "report_code": "initial",
            "detected_on": (date.today() - timedelta(days=20)).isoformat(),
        },
    )
    assert report.status_code == 201, report.text
    return {
        "case_id": case["id"],
        "report_id": report.json()["id"],
        "task_id": case["tasks"][0]["id"],
        "document_id": document.json()["id"],
        "customer_id": customer["id"],
        "user_id": owner.analyst.user_id,
        "role_id": role["id"],
        "api_client_id": owner.analyst.api_client_id,
        "config_id": config["id"],
        "endpoint_id": endpoint["id"],
        "delivery_id": settled_delivery(client.app.state.db, tenant_id=owner.tenant_id),
        "check_id": check["id"],
        "match_id": "0" * 24,
        "monitored_id": monitored_id,
        "transaction_id": transaction.json()["id"],
        "rule_id": rule["id"],
        "revision": "1",
        "alert_id": alert["id"],
        "decision_id": proposed.json()["pending_decision_id"],
    }


@pytest.fixture
def foreign(client: TestClient, other_kit: TenantKit) -> dict[str, str]:
    return _resources(client, other_kit)


def test_foreign_ids_are_404_on_every_id_route(
    client: TestClient, kit: TenantKit, foreign: dict[str, str]
):
    leaks = []
    for op in ID_ROUTES:
        kwargs: dict = {"headers": kit.admin.headers}
        if op.body is not None:
            kwargs["json"] = op.body
        response = client.request(op.method, fill(op.path, foreign), **kwargs)
        if response.status_code != 404:
            leaks.append((op_id(op), response.status_code))
    assert leaks == []


def test_own_case_with_foreign_task_is_404(
    client: TestClient, kit: TenantKit, foreign: dict[str, str]
):
    own = client.post("/v1/cases", json=case_body(), headers=kit.admin.headers).json()
    r = client.patch(
        f"/v1/cases/{own['id']}/tasks/{foreign['task_id']}",
        json={"done": True},
        headers=kit.admin.headers,
    )
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/cases", {"title": "t", "customer_id": "{customer_id}"}, "customer_id"),
        ("/v1/cases", {"title": "t", "assignee_id": "{user_id}"}, "assignee_id"),
        ("/v1/cases", {"title": "t", "escalate_to": "{user_id}"}, "escalate_to"),
        ("/v1/cases", {"title": "t", "attachments": ["{document_id}"]}, "attachments[0]"),
        ("/v1/api-clients", {"name": "c", "acting_user_id": "{user_id}"}, "acting_user_id"),
        (
            "/v1/transactions",
            {
                "external_id": "x",
                "customer_id": "{customer_id}",
                "amount": "1",
                "currency": "EUR",
                "direction": "in",
                "occurred_at": "2024-01-05T10:00:00Z",
            },
            "customer_id",
        ),
    ],
)
def test_foreign_ids_in_bodies_are_refused(
    client: TestClient, kit: TenantKit, foreign: dict[str, str], path: str, body: dict, field: str
):
    text = json.dumps(body)
    for name, value in foreign.items():
        text = text.replace("{" + name + "}", value)
    filled = json.loads(text)
    r = client.post(path, json=filled, headers=kit.admin.headers)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == [field]


def test_foreign_ids_in_case_actions_are_refused(
    client: TestClient, kit: TenantKit, foreign: dict[str, str]
):
    h = kit.admin.headers
    cid = client.post("/v1/cases", json=case_body(), headers=h).json()["id"]
    assert (
        client.post(
            f"/v1/cases/{cid}/assign", json={"assignee_id": foreign["user_id"]}, headers=h
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/v1/cases/{cid}/escalate", json={"to": foreign["user_id"]}, headers=h
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/v1/cases/{cid}/attachments", json={"document_id": foreign["document_id"]}, headers=h
        ).status_code
        == 422
    )
    assert (
        client.patch(
            f"/v1/cases/{cid}", json={"customer_id": foreign["customer_id"]}, headers=h
        ).status_code
        == 422
    )


def test_lists_never_show_foreign_rows(client: TestClient, kit: TenantKit, foreign: dict[str, str]):
    _resources(client, kit)
    foreign_ids = set(foreign.values())
    for op in LIST_ROUTES:
        r = client.get(op.path, params={"limit": 200}, headers=kit.admin.headers)
        assert r.status_code == 200, op_id(op)
        body = r.json()
        items = body["items"] if isinstance(body, dict) else body
        assert items, f"{op_id(op)} shows nothing at all, so the test proves nothing"
        assert not foreign_ids & {i["id"] for i in items}, op_id(op)


def test_analytics_count_only_own_cases(
    client: TestClient, kit: TenantKit, foreign: dict[str, str]
):
    r = client.get("/v1/analytics/cases", headers=kit.admin.headers)
    assert r.json()["total"] == 0
