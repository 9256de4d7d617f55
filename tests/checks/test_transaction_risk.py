"""TRANSACTION_RISK checks asked for on a case through /v1: the tenant's enabled rules
evaluated over the case's linked transactions and the customer's history, read-only
and the same on a rerun; and a check with nothing to evaluate ends in ERROR, saying why."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.infra.db import Database
from tests.checks.transaction_risk import (
    HIT_TITLE,
    LARGE,
    NO_TRANSACTIONS,
    busy_day,
    hit_lines,
    no_rules,
    tripping_rules,
)
from tests.factories import TenantKit, case_body
from tests.rules.pipeline import Api, alert_count, tx

CHECK = [{"type": "TRANSACTION_RISK"}]


@pytest.fixture
def api(client: TestClient, app: FastAPI, db: Database, kit: TenantKit) -> Api:
    return Api(client, app, db, kit)


def _open(api: Api, customer_id: str, transactions: list[str]) -> dict[str, Any]:
    body = case_body(customer_id=customer_id, transaction_ids=transactions, checks=CHECK)
    r = api.client.post("/v1/cases", json=body, headers=api.kit.analyst.headers)
    assert r.status_code == 201, r.text
    api.app.state.jobs.join()
    return api.case(r.json()["id"])


def _all_cases(api: Api) -> list[dict[str, Any]]:
    r = api.client.get("/v1/cases", params={"limit": 200}, headers=api.kit.analyst.headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def test_rules_that_hit_are_named_with_the_transactions_and_nothing_is_written(
    api: Api, db: Database
):
    customer = api.customer("Ada Payer")
    day = busy_day(api, customer)
    rules = tripping_rules(api)
    api.rule({"test": "amount", "at_least": "100"}, enabled=False, title="Switched off")

    case = _open(api, customer, [day.large["external_id"]])
    check = api.risk_check(case["id"])
    assert (check["status"], check["outcome"], check["risk_score"]) == (
        "COMPLETED",
        "PENDING",
        0.75,
    )
    assert check["error"] is None
    assert check["title"] == HIT_TITLE
    assert check["reasoning"] == hit_lines(day, rules)
    assert check["note"] == (
        "2 hit(s) from 2 of 3 enabled rule(s) on 1 linked transaction(s); highest score 0.75."
    )
    evidence = check["evidence"]
    assert [(r["name"], r["revision"], r["hits"]) for r in evidence["rules_evaluated"]] == [
        (rules.large["name"], 1, 1),
        (rules.busy["name"], 1, 1),
        (rules.huge["name"], 1, 0),
    ]
    assert evidence["transactions"][0]["id"] == day.large_id
    assert evidence["hit_count"] == 2 and evidence["history_transactions"] == 3
    busy = evidence["hits"][1]
    assert busy["rule_id"] == rules.busy["id"] and busy["transaction_id"] == day.large_id
    assert busy["external_ids"] == [t["external_id"] for t in [*day.earlier, day.large]]
    assert check["dataset_versions"] == {
        "rules": {rules.large["name"]: 1, rules.busy["name"]: 1, rules.huge["name"]: 1}
    }
    assert (case["processing_status"], case["outcome"], case["risk_score"]) == (
        "COMPLETED",
        "PENDING",
        0.75,
    )

    # Read-only: no alert, no case beyond the one asked for.
    assert alert_count(db, api.kit.tenant_id) == 0
    assert [c["id"] for c in _all_cases(api)] == [case["id"]]

    # The same data gives the same result: a rerun is a new attempt saying the same.
    r = api.client.post(f"/v1/cases/{case['id']}/start", headers=api.kit.analyst.headers)
    assert r.status_code == 202, r.text
    api.app.state.jobs.join()
    again = api.risk_check(case["id"])
    assert again["attempt"] == 2 and again["id"] != check["id"]
    for field in ("status", "outcome", "risk_score", "title", "note", "reasoning", "evidence"):
        assert again[field] == check[field], field
    assert alert_count(db, api.kit.tenant_id) == 0


def test_transactions_that_trip_nothing_say_which_rules_were_evaluated_over_which(api: Api):
    customer = api.customer()
    first, second = tx(customer, "500.00"), tx(customer, "250.00", at="2024-10-15T09:30:00Z")
    api.post(first, second)
    api.settle()
    large = api.rule(LARGE, title="Large transfer", name="a-large")
    large = api.patch_rule(large["id"], title="Large single transfer")  # revision 2
    busy = api.rule({"test": "velocity", "window": "24h", "count_at_least": 4}, name="b-busy")
    api.rule({"test": "amount", "at_least": "100"}, enabled=False, title="Switched off")

    case = _open(api, customer, [second["external_id"], first["external_id"]])
    check = api.risk_check(case["id"])
    assert (check["status"], check["outcome"], check["risk_score"]) == (
        "COMPLETED",
        "ACCEPTED",
        0.0,
    )
    assert check["title"] == "No rule hit on 2 linked transaction(s)"
    assert check["reasoning"] == [
        "Evaluated 2 enabled rule(s) over 2 linked transaction(s): "
        f"{first['external_id']}, {second['external_id']}.",
        "Each transaction was seen against its customer's earlier transactions, as live "
        "monitoring sees it; 0 other transaction(s) were read as history.",
        f"No hit: Large single transfer (rule {large['name']}, revision 2).",
        f"No hit: {busy['title']} (rule {busy['name']}, revision 1).",
        "Risk 0.00: no rule hit the linked transactions.",
    ]
    assert check["note"] == ("2 enabled rule(s) evaluated over 2 linked transaction(s); none hit.")
    assert check["evidence"]["hits"] == [] and check["evidence"]["transaction_count"] == 2
    assert api.case(case["id"])["outcome"] == "ACCEPTED"


def _failed(check: dict[str, Any], reason: str, title: str) -> None:
    assert check["status"] == "ERROR"
    assert (check["outcome"], check["risk_score"]) == (None, None), "nothing was checked"
    assert check["error"] == reason and check["note"] == reason
    assert check["reasoning"] == [reason]
    assert check["title"] == title


def test_no_linked_transactions_is_an_error_not_a_clean_result(api: Api):
    customer = api.customer()
    busy_day(api, customer)  # the customer has transactions; the case names none
    api.rule(LARGE)
    case = _open(api, customer, [])
    _failed(api.risk_check(case["id"]), NO_TRANSACTIONS, "Not checked: no linked transactions")
    assert (case["processing_status"], case["outcome"]) == ("ERROR", None)


def test_no_enabled_rule_is_an_error_not_a_clean_result(api: Api):
    customer = api.customer()
    day = busy_day(api, customer)
    api.rule(LARGE, enabled=False)
    case = _open(api, customer, [day.large_id])
    _failed(api.risk_check(case["id"]), no_rules(1), "Not checked: no enabled rule")
    assert (case["processing_status"], case["outcome"]) == ("ERROR", None)


def test_neither_transactions_nor_rules_names_both(api: Api):
    case = _open(api, api.customer(), [])
    reason = f"{NO_TRANSACTIONS}; the tenant has no enabled transaction-monitoring rule either"
    _failed(
        api.risk_check(case["id"]),
        reason,
        "Not checked: no linked transactions and no enabled rule",
    )


def test_a_rule_case_rerun_evaluates_what_its_alerts_linked_and_adds_no_alert(
    api: Api, db: Database
):
    rules = tripping_rules(api)
    customer = api.customer()
    day = busy_day(api, customer)  # evaluated live: two alerts on one case
    (case,) = api.cases(customer)
    alerted = api.risk_check(case["id"])
    assert alerted["evidence"]["alert_count"] == 2

    r = api.client.post(f"/v1/cases/{case['id']}/start", headers=api.kit.analyst.headers)
    assert r.status_code == 202, r.text
    api.app.state.jobs.join()
    check = api.risk_check(case["id"])
    assert (check["attempt"], check["status"], check["outcome"], check["risk_score"]) == (
        2,
        "COMPLETED",
        "PENDING",
        0.75,
    )
    # The alerts linked the velocity hit's earlier payments too: all four are evaluated.
    names = ", ".join(t["external_id"] for t in [*day.earlier, day.large])
    assert check["reasoning"][0] == (
        f"Evaluated 3 enabled rule(s) over 4 linked transaction(s): {names}."
    )
    assert check["reasoning"][2:] == hit_lines(day, rules)[2:]
    assert alert_count(db, api.kit.tenant_id) == 2
    assert [c["id"] for c in api.cases(customer)] == [case["id"]]
