"""TRANSACTION_RISK through the Sumsub dialect: a blueprint with the check, opened on
``txnIds``, evaluates the tenant's rules over them; a check that could not run says
why in the review block's ``clientComment``."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.infra.db import Database
from tests.checks.transaction_risk import (
    LARGE,
    NO_TRANSACTIONS,
    busy_day,
    hit_lines,
    no_rules,
    tripping_rules,
)
from tests.dialects.sumsub.support import Setup, Sumsub
from tests.factories import TenantKit
from tests.rules.pipeline import Api, alert_count


@pytest.fixture
def api(client: TestClient, app: FastAPI, db: Database, kit: TenantKit) -> Api:
    return Api(client, app, db, kit)


def _open(sumsub: Sumsub, setup: Setup, api: Api, customer: str, txn_ids: list[str]) -> Any:
    blueprint = setup.config(checks=[{"type": "TRANSACTION_RISK"}])
    body = {"applicantId": customer, "txnIds": txn_ids, "blueprintId": blueprint["id"]}
    r = sumsub.create(body | {"name": "Busy day"})
    assert r.status_code == 200, r.text
    api.app.state.jobs.join()
    case = sumsub.case(r.json()["id"])
    assert case.status_code == 200, case.text
    return case.json()


def test_txn_ids_are_evaluated_against_the_rules(
    api: Api, db: Database, sumsub: Sumsub, setup: Setup
):
    customer = api.customer()
    day = busy_day(api, customer)
    rules = tripping_rules(api)

    case = _open(sumsub, setup, api, customer, [day.large["external_id"]])
    assert case["review"]["reviewStatus"] == "completed"
    assert "reviewResult" not in case["review"], "the check ran"
    assert case["totalAmountInDefaultCurrency"] == 15000
    # Sumsub's case object carries no check results: the check reads through /v1.
    check = api.risk_check(case["id"])
    assert (check["status"], check["outcome"], check["risk_score"]) == (
        "COMPLETED",
        "PENDING",
        0.75,
    )
    assert check["reasoning"] == hit_lines(day, rules)
    assert alert_count(db, api.kit.tenant_id) == 0


def test_without_an_enabled_rule_the_comment_says_so(api: Api, sumsub: Sumsub, setup: Setup):
    customer = api.customer()
    day = busy_day(api, customer)
    api.rule(LARGE, enabled=False)
    case = _open(sumsub, setup, api, customer, [day.large_id])
    assert case["review"]["reviewStatus"] == "completed"
    assert case["review"]["reviewResult"] == {
        "clientComment": f"TRANSACTION_RISK check could not run: {no_rules(1)}."
    }
    assert api.risk_check(case["id"])["status"] == "ERROR"


def test_without_txn_ids_the_comment_says_so(api: Api, sumsub: Sumsub, setup: Setup):
    tripping_rules(api)
    case = _open(sumsub, setup, api, api.customer(), [])
    assert case["review"]["reviewResult"] == {
        "clientComment": f"TRANSACTION_RISK check could not run: {NO_TRANSACTIONS}."
    }
    assert api.risk_check(case["id"])["status"] == "ERROR"
