"""TRANSACTION_RISK through the Sphinx API: asked for in ``checks`` (Sphinx cases link
no transactions, so the check says it could not run, and why), and rerun with
``start`` on a case that has transactions, where it evaluates the tenant's rules."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.infra.db import Database
from tests.checks.transaction_risk import (
    HIT_TITLE,
    NO_TRANSACTIONS,
    busy_day,
    hit_lines,
    tripping_rules,
)
from tests.factories import TenantKit
from tests.rules.pipeline import Api, alert_count


@pytest.fixture
def api(client: TestClient, app: FastAPI, db: Database, kit: TenantKit) -> Api:
    return Api(client, app, db, kit)


def _case(client: TestClient, auth: dict[str, str], number: int) -> dict[str, Any]:
    r = client.get(f"/api/cases/{number}/", headers=auth)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_asked_for_in_checks_it_says_no_transaction_was_linked(
    api: Api, client: TestClient, auth: dict[str, str]
):
    tripping_rules(api)
    customer = client.post("/api/customers/", json={"full_name": "Eirik Dahl"}, headers=auth)
    body = {
        "customer_id": customer.json()["id"],
        "checks": [{"check_type": "TRANSACTION_RISK"}],
    }
    r = client.post("/api/cases/", json=body, headers=auth)
    assert r.status_code == 201, r.text
    api.app.state.jobs.join()

    case = _case(client, auth, r.json()["id"])
    assert (case["status"], case["failed"], case["is_complete"]) == ("ERROR", True, False)
    assert (case["risk_score"], case["outcome"]) == (None, "PENDING")
    (check,) = case["checks"]
    assert check["check_type"] == "TRANSACTION_RISK" and check["status"] == "ERROR"
    assert (check["risk_score"], check["outcome"]) == (None, None)
    assert check["title"] == "Not checked: no linked transactions"
    assert check["note"] == NO_TRANSACTIONS and check["reasoning"] == NO_TRANSACTIONS


def test_start_reruns_it_on_a_case_with_transactions(
    api: Api, db: Database, client: TestClient, auth: dict[str, str]
):
    customer = api.customer()
    day = busy_day(api, customer)
    rules = tripping_rules(api)
    r = api.client.post(
        "/v1/cases",
        json={
            "title": "Busy day",
            "customer_id": customer,
            "transaction_ids": [day.large_id],
            "checks": [{"type": "TRANSACTION_RISK"}],
            "auto_start": False,
        },
        headers=api.kit.analyst.headers,
    )
    assert r.status_code == 201, r.text
    number = r.json()["number"]

    started = client.post(f"/api/cases/{number}/start/", headers=auth)
    assert started.status_code == 200, started.text
    api.app.state.jobs.join()
    case = _case(client, auth, number)
    assert (case["status"], case["outcome"], case["risk_score"]) == ("COMPLETED", "PENDING", 0.75)
    (check,) = case["checks"]
    assert (check["status"], check["outcome"], check["risk_score"]) == (
        "COMPLETED",
        "PENDING",
        0.75,
    )
    assert check["title"] == HIT_TITLE
    assert check["reasoning"] == "\n".join(hit_lines(day, rules))
    assert alert_count(db, api.kit.tenant_id) == 0
