"""Case lifecycle webhooks, published from the audit trail by the app's job runner."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.webhooks import signing
from tests.factories import TenantKit, case_body
from tests.webhooks.conftest import OnPremReceiver


def _events(onprem: OnPremReceiver, secret: str) -> list[dict[str, Any]]:
    got = []
    while not onprem.requests.empty():
        headers, raw = onprem.requests.get_nowait()
        signing.verify(secret=secret, headers=headers, body=raw)
        got.append(json.loads(raw))
    return got


def test_case_changes_are_published_once_to_subscribers(
    app: FastAPI, client: TestClient, kit: TenantKit, onprem: OnPremReceiver
):
    jobs = app.state.jobs
    before = client.post("/v1/cases", json=case_body(title="Before"), headers=kit.analyst.headers)
    r = client.post(
        "/v1/webhook-endpoints",
        json={"url": onprem.url, "event_types": ["case.created", "case.assigned", "case.updated"]},
        headers=kit.admin.headers,
    )
    assert r.status_code == 201, r.text
    secret = r.json()["secret"]
    h = kit.analyst.headers
    case = client.post("/v1/cases", json=case_body(title="After"), headers=h).json()
    client.post(
        f"/v1/cases/{case['id']}/assign", json={"assignee_id": kit.analyst.user_id}, headers=h
    )
    client.post(f"/v1/cases/{case['id']}/comments", json={"body": "Looked at it"}, headers=h)
    client.post(f"/v1/cases/{case['id']}/escalate", json={"to": kit.supervisor.user_id}, headers=h)

    jobs.sweep_now()
    jobs.join()
    # Deliveries run in parallel, so they may arrive in any order; seq gives the order.
    events = sorted(_events(onprem, secret), key=lambda e: int(e["data"]["seq"]))
    assert [(e["type"], e["data"]["action"]) for e in events] == [
        ("case.created", "case.created"),
        ("case.assigned", "case.assigned"),
        ("case.updated", "comment.added"),
    ], "history before the endpoint and unsubscribed events are not sent"
    assert {e["data"]["case"]["id"] for e in events} == {case["id"]}
    assert before.json()["id"] not in json.dumps(events)

    jobs.sweep_now()
    jobs.join()
    assert onprem.requests.empty(), "each event is published once"


def test_alerts_joining_a_rule_case_are_published_as_an_update(
    app: FastAPI, client: TestClient, kit: TenantKit, onprem: OnPremReceiver
):
    jobs = app.state.jobs
    h = kit.admin.headers
    r = client.post(
        "/v1/webhook-endpoints",
        json={"url": onprem.url, "event_types": ["case.created", "case.updated"]},
        headers=h,
    )
    assert r.status_code == 201, r.text
    secret = r.json()["secret"]
    rule = {
        "name": "big",
        "title": "Big amount",
        "condition": {"test": "amount", "at_least": "1000"},
        "enabled": True,
    }
    assert client.post("/v1/rules", json=rule, headers=h).status_code == 201
    customer = client.post("/v1/customers", json={"full_name": "Ada Payer"}, headers=h).json()
    body = {
        "transactions": [
            {
                "external_id": "big-1",
                "customer_id": customer["id"],
                "amount": "5000",
                "currency": "EUR",
                "direction": "out",
                "occurred_at": "2024-01-05T10:00:00Z",
            }
        ]
    }
    assert client.post("/v1/transactions/batch", json=body, headers=h).status_code == 201
    jobs.join()  # the rule's evaluation opens the case

    jobs.sweep_now()
    jobs.join()
    events = sorted(_events(onprem, secret), key=lambda e: int(e["data"]["seq"]))
    assert [(e["type"], e["data"]["action"]) for e in events] == [
        ("case.created", "case.created"),
        ("case.updated", "case.alerts_added"),
    ]
    assert events[1]["data"]["case"]["created_by_type"] == "byRule"
