"""The monitoring settings, backtests (which write nothing) and alerts through the API."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from casework.infra.db import Database
from casework.models import AuditEvent
from tests.factories import TenantKit
from tests.rules.requests import (
    ALERT_FIELDS,
    AMOUNT,
    MARCH,
    VELOCITY,
    all_pages,
    create_rule,
    error_fields,
    new_customer,
    post_batch,
    rule_events,
    tx_body,
)

# --- settings --------------------------------------------------------------------------

SETTINGS_URL = "/v1/settings/transaction-monitoring"
DEFAULT_SETTINGS = {"group_by": "customer", "case_config": None, "sla_hours": 72}


def _case_config(client: TestClient, kit: TenantKit) -> str:
    slug = f"cfg-{secrets.token_hex(4)}"
    body = {
        "slug": slug,
        "name": "Monitoring review",
        "module": "transaction-monitoring",
        "default_priority": "medium",
        "checklist": ["Review the alerts"],
        "sla_hours": 48,
    }
    r = client.post("/v1/case-configs", json=body, headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    return slug


def test_settings_default_and_round_trip(
    client: TestClient, kit: TenantKit, other_kit: TenantKit, db: Database
):
    got = client.get(SETTINGS_URL, headers=kit.viewer.headers)
    assert got.status_code == 200
    assert got.json() == DEFAULT_SETTINGS

    slug = _case_config(client, kit)
    wanted = {"group_by": "rule_and_customer", "case_config": slug, "sla_hours": 24}
    r = client.put(SETTINGS_URL, json=wanted, headers=kit.admin.headers)
    assert r.status_code == 200, r.text
    assert r.json() == wanted
    assert client.get(SETTINGS_URL, headers=kit.viewer.headers).json() == wanted
    assert client.get(SETTINGS_URL, headers=other_kit.viewer.headers).json() == DEFAULT_SETTINGS

    # Fields left out take their defaults; the SLA may be switched off.
    r = client.put(SETTINGS_URL, json={"sla_hours": None}, headers=kit.supervisor.headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"group_by": "customer", "case_config": None, "sla_hours": None}
    assert client.get(SETTINGS_URL, headers=kit.admin.headers).json() == r.json()

    with db.transaction(write=False) as session:
        actions = list(
            session.scalars(
                select(AuditEvent.action)
                .where(
                    AuditEvent.tenant_id == kit.tenant_id,
                    AuditEvent.action == "tenant.monitoring_settings_set",
                )
                .order_by(AuditEvent.seq)
            )
        )
    assert len(actions) == 2
    # Putting what is already there records nothing.
    client.put(SETTINGS_URL, json=r.json(), headers=kit.admin.headers)
    with db.transaction(write=False) as session:
        count = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.tenant_id == kit.tenant_id,
                AuditEvent.action == "tenant.monitoring_settings_set",
            )
        )
    assert count == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"case_config": "no-such-config"}, "case_config"),
        ({"group_by": "rule"}, "group_by"),
        ({"group_by": None}, "group_by"),
        ({"sla_hours": 0}, "sla_hours"),
        ({"sla_hours": 24 * 365 + 1}, "sla_hours"),
        ({"grouping": "customer"}, "grouping"),
    ],
)
def test_bad_settings_are_422_and_change_nothing(
    client: TestClient, kit: TenantKit, body: dict[str, Any], field: str
):
    slug = _case_config(client, kit)
    current = {"group_by": "rule_and_customer", "case_config": slug, "sla_hours": 10}
    assert client.put(SETTINGS_URL, json=current, headers=kit.admin.headers).status_code == 200
    r = client.put(SETTINGS_URL, json={**current, **body}, headers=kit.admin.headers)
    assert r.status_code == 422, r.text
    assert error_fields(r) == [field]
    assert client.get(SETTINGS_URL, headers=kit.admin.headers).json() == current


def test_another_tenants_case_config_is_unknown(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    slug = _case_config(client, other_kit)
    r = client.put(SETTINGS_URL, json={"case_config": slug}, headers=kit.admin.headers)
    assert r.status_code == 422
    assert error_fields(r) == ["case_config"]
    assert client.get(SETTINGS_URL, headers=kit.admin.headers).json() == DEFAULT_SETTINGS


# --- backtests -------------------------------------------------------------------------


@pytest.fixture
def march(client: TestClient, kit: TenantKit) -> dict[str, Any]:
    """Two customers with transactions around March 2024, stored while no rule runs."""
    ada = new_customer(client, kit, "Ada Payer")
    bob = new_customer(client, kit, "Bob Payer")
    items = {
        "ada_before": tx_body(ada, "9000", "2024-02-29T23:59:59Z"),  # just before `from`
        "ada_first": tx_body(ada, "1500", "2024-03-01T00:00:00Z"),  # at `from`: inside
        "ada_big": tx_body(ada, "2000", "2024-03-10T10:00:00Z"),
        "ada_small": tx_body(ada, "50", "2024-03-10T11:00:00Z"),
        "bob_big": tx_body(bob, "5000", "2024-03-15T12:00:00Z"),
        "bob_small": tx_body(bob, "100", "2024-03-31T23:59:59.999999Z"),
        "bob_after": tx_body(bob, "7000", "2024-04-01T00:00:00Z"),  # at `to`: outside
    }
    ids = dict(zip(items, post_batch(client, kit, list(items.values())), strict=True))
    return {"ada": ada, "bob": bob, "ids": ids}


def _case_count(client: TestClient, kit: TenantKit) -> int:
    return len(all_pages(client, kit, "/v1/cases"))


def test_backtest_replays_a_disabled_rule_and_writes_nothing(
    client: TestClient, app: FastAPI, kit: TenantKit, db: Database, march: dict[str, Any]
):
    rule = create_rule(client, kit, enabled=False)
    app.state.jobs.join()
    cases_before = _case_count(client, kit)
    events_before = len(rule_events(db, kit.tenant_id))
    ids, ada, bob = march["ids"], march["ada"], march["bob"]

    r = client.post(f"/v1/rules/{rule['id']}/backtest", json=MARCH, headers=kit.admin.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["rule_id"], body["revision"]) == (rule["id"], 1)
    assert (body["from"], body["to"]) == ("2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z")
    assert body["group_by"] == "customer"
    assert body["transactions_evaluated"] == 5
    assert (body["alerts"], body["customers"], body["cases"]) == (3, 2, 2)
    assert Decimal(body["alerted_amount_in_default_currency"]) == Decimal("8500")
    assert body["elapsed_ms"] >= 0
    samples = {s["transaction_id"]: s for s in body["samples"]}
    assert set(samples) == {ids["ada_first"], ids["ada_big"], ids["bob_big"]}
    big = samples[ids["bob_big"]]
    assert big["customer_id"] == bob["id"]
    assert big["transaction_ids"] == [ids["bob_big"]]
    assert big["occurred_at"] == "2024-03-15T12:00:00Z"
    assert big["score"] > 0
    assert "1000" in big["reason"]
    assert samples[ids["ada_first"]]["customer_id"] == ada["id"]

    by_rule = client.post(
        f"/v1/rules/{rule['id']}/backtest",
        json={**MARCH, "group_by": "rule_and_customer", "sample": 1},
        headers=kit.supervisor.headers,
    ).json()
    assert by_rule["group_by"] == "rule_and_customer"
    assert (by_rule["alerts"], by_rule["customers"], by_rule["cases"]) == (3, 2, 2)
    assert len(by_rule["samples"]) == 1

    none = client.post(
        f"/v1/rules/{rule['id']}/backtest", json={**MARCH, "sample": 0}, headers=kit.admin.headers
    ).json()
    assert (none["alerts"], none["samples"]) == (3, [])

    # Nothing was written: no alerts, no cases, the rule as it was, no audit events.
    assert all_pages(client, kit, "/v1/alerts") == []
    assert _case_count(client, kit) == cases_before
    assert client.get(f"/v1/rules/{rule['id']}", headers=kit.admin.headers).json() == rule
    assert len(rule_events(db, kit.tenant_id)) == events_before


def test_backtest_groups_by_the_tenant_setting(
    client: TestClient, kit: TenantKit, march: dict[str, Any]
):
    rule = create_rule(client, kit)
    url = f"/v1/rules/{rule['id']}/backtest"
    put = client.put(
        SETTINGS_URL, json={"group_by": "rule_and_customer"}, headers=kit.admin.headers
    )
    assert put.status_code == 200
    r = client.post(url, json=MARCH, headers=kit.admin.headers)
    assert r.json()["group_by"] == "rule_and_customer"
    r = client.post(url, json={**MARCH, "group_by": "customer"}, headers=kit.admin.headers)
    assert r.json()["group_by"] == "customer"
    assert (r.json()["alerts"], r.json()["cases"]) == (3, 2)


def test_backtest_one_customer(client: TestClient, kit: TenantKit, march: dict[str, Any]):
    rule = create_rule(client, kit)
    r = client.post(
        f"/v1/rules/{rule['id']}/backtest",
        json={**MARCH, "customer_id": march["bob"]["id"]},
        headers=kit.admin.headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["transactions_evaluated"], body["alerts"], body["customers"]) == (2, 1, 1)
    assert [s["transaction_id"] for s in body["samples"]] == [march["ids"]["bob_big"]]


def test_backtest_period_is_from_inclusive_to_exclusive(
    client: TestClient, kit: TenantKit, march: dict[str, Any]
):
    rule = create_rule(client, kit)
    url = f"/v1/rules/{rule['id']}/backtest"
    ids = march["ids"]

    def run(start: str, end: str) -> dict[str, Any]:
        r = client.post(url, json={"from": start, "to": end}, headers=kit.admin.headers)
        assert r.status_code == 200, r.text
        return r.json()

    # Exactly one transaction at each edge.
    at_from = run("2024-03-01T00:00:00Z", "2024-03-01T00:00:00.000001Z")
    assert (at_from["transactions_evaluated"], at_from["alerts"]) == (1, 1)
    assert at_from["samples"][0]["transaction_id"] == ids["ada_first"]
    # The same instant written with another offset.
    same = run("2024-03-01T01:00:00+01:00", "2024-03-01T01:00:00.000001+01:00")
    assert same["samples"][0]["transaction_id"] == ids["ada_first"]
    before_to = run("2024-02-29T23:59:59.000001Z", "2024-03-01T00:00:00Z")
    assert (before_to["transactions_evaluated"], before_to["alerts"]) == (0, 0)
    at_to = run("2024-04-01T00:00:00Z", "2024-04-02T00:00:00Z")
    assert [s["transaction_id"] for s in at_to["samples"]] == [ids["bob_after"]]
    wider = run("2024-02-29T23:59:59Z", "2024-04-01T00:00:00.000001Z")
    assert (wider["transactions_evaluated"], wider["alerts"]) == (7, 5)
    empty = run("2023-01-01T00:00:00Z", "2023-02-01T00:00:00Z")
    assert (empty["transactions_evaluated"], empty["alerts"], empty["cases"]) == (0, 0, 0)


def test_backtest_sees_history_before_the_period(
    client: TestClient, kit: TenantKit, march: dict[str, Any]
):
    velocity = {"test": "velocity", "window": "24h", "count_at_least": 2}
    rule = create_rule(client, kit, condition=velocity)
    r = client.post(f"/v1/rules/{rule['id']}/backtest", json=MARCH, headers=kit.admin.headers)
    assert r.status_code == 200, r.text
    ids = march["ids"]
    hits = {s["transaction_id"]: s["transaction_ids"] for s in r.json()["samples"]}
    # The transaction a second before `from` is history for the first one inside it,
    # but is not itself evaluated.
    assert hits == {
        ids["ada_first"]: [ids["ada_before"], ids["ada_first"]],
        ids["ada_small"]: [ids["ada_big"], ids["ada_small"]],
    }
    assert (r.json()["alerts"], r.json()["customers"], r.json()["cases"]) == (2, 1, 1)


def test_draft_backtests(client: TestClient, kit: TenantKit, march: dict[str, Any]):
    rule = create_rule(client, kit)
    h = kit.admin.headers
    higher = {"test": "amount", "at_least": "4000"}

    draft = client.post("/v1/rules/backtest", json={**MARCH, "condition": higher}, headers=h)
    assert draft.status_code == 200, draft.text
    body = draft.json()
    assert (body["rule_id"], body["revision"]) == (None, None)
    assert (body["transactions_evaluated"], body["alerts"], body["customers"]) == (5, 1, 1)
    assert [s["transaction_id"] for s in body["samples"]] == [march["ids"]["bob_big"]]

    edit = client.post(
        f"/v1/rules/{rule['id']}/backtest", json={**MARCH, "condition": higher}, headers=h
    )
    assert edit.status_code == 200, edit.text
    assert (edit.json()["rule_id"], edit.json()["revision"]) == (rule["id"], None)
    assert edit.json()["alerts"] == 1
    stored = client.post(f"/v1/rules/{rule['id']}/backtest", json=MARCH, headers=h).json()
    assert (stored["revision"], stored["alerts"]) == (1, 3)
    # The draft was not saved.
    assert client.get(f"/v1/rules/{rule['id']}", headers=h).json() == rule

    missing = client.post("/v1/rules/backtest", json=MARCH, headers=h)
    assert missing.status_code == 422
    assert error_fields(missing) == ["condition"]


@pytest.mark.parametrize("draft", [True, False], ids=["draft", "rule"])
def test_bad_backtests_are_422(
    client: TestClient, kit: TenantKit, other_kit: TenantKit, draft: bool
):
    rule = create_rule(client, kit)
    url = "/v1/rules/backtest" if draft else f"/v1/rules/{rule['id']}/backtest"
    base = {**MARCH, "condition": AMOUNT} if draft else dict(MARCH)
    h = kit.admin.headers

    def post(**changes: Any) -> Any:
        return client.post(url, json={**base, **changes}, headers=h)

    same = post(to=MARCH["from"])
    assert same.status_code == 422
    assert "'to' must be after 'from'" in same.json()["errors"][0]["message"]
    assert post(to="2024-02-01T00:00:00Z").status_code == 422

    # At most 731 days (2024 is a leap year).
    assert post(**{"from": "2024-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}).status_code == 200
    too_long = post(**{"from": "2024-01-01T00:00:00Z", "to": "2026-01-01T00:00:01Z"})
    assert too_long.status_code == 422
    assert error_fields(too_long) == ["to"]

    bad = post(condition={"all": [AMOUNT, {**VELOCITY, "window": "forever"}]})
    assert bad.status_code == 422
    assert error_fields(bad) == ["condition.all[1].window"]
    assert error_fields(post(condition={"test": "nope"})) == ["condition.test"]

    unknown = post(customer_id="0" * 24)
    assert unknown.status_code == 422
    assert error_fields(unknown) == ["customer_id"]
    foreign = post(customer_id=new_customer(client, other_kit)["id"])
    assert foreign.status_code == 422
    assert error_fields(foreign) == ["customer_id"]

    assert error_fields(post(**{"from": "2024-03-01T00:00:00"})) == ["from"]  # no offset
    assert error_fields(post(group_by="rule")) == ["group_by"]
    assert error_fields(post(sample=201)) == ["sample"]
    assert error_fields(post(extra=1)) == ["extra"]


def test_backtest_only_sees_its_own_tenant(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    theirs = new_customer(client, other_kit)
    post_batch(client, other_kit, [tx_body(theirs, "5000", "2024-03-05T10:00:00Z")])
    rule = create_rule(client, kit)
    r = client.post(f"/v1/rules/{rule['id']}/backtest", json=MARCH, headers=kit.admin.headers)
    assert (r.json()["transactions_evaluated"], r.json()["alerts"]) == (0, 0)
    draft = client.post(
        "/v1/rules/backtest", json={**MARCH, "condition": AMOUNT}, headers=kit.admin.headers
    )
    assert (draft.json()["transactions_evaluated"], draft.json()["alerts"]) == (0, 0)


# --- alerts ----------------------------------------------------------------------------


def test_enabled_rule_raises_alerts_on_new_transactions(
    client: TestClient, app: FastAPI, kit: TenantKit, other_kit: TenantKit
):
    rule = create_rule(client, kit, enabled=True)
    # Revision 2 is the one that runs.
    patched = client.patch(
        f"/v1/rules/{rule['id']}",
        json={"title": "Transfer of 1,000 or more"},
        headers=kit.admin.headers,
    )
    assert patched.json()["revision"] == 2
    quiet = create_rule(client, kit, enabled=True, condition={"test": "amount", "at_least": "1e9"})
    ada = new_customer(client, kit, "Ada Payer")
    bob = new_customer(client, kit, "Bob Payer")
    ids = post_batch(
        client,
        kit,
        [
            tx_body(ada, "1500", "2024-03-05T10:00:00Z"),
            tx_body(ada, "50", "2024-03-05T11:00:00Z"),
            tx_body(bob, "2500.25", "2024-03-06T09:00:00Z"),
            tx_body(bob, "999.99", "2024-03-06T10:00:00Z"),
        ],
    )
    app.state.jobs.join()

    h = kit.viewer.headers
    listed = client.get("/v1/alerts", headers=h)
    assert listed.status_code == 200, listed.text
    alerts = listed.json()["items"]
    assert len(alerts) == 2
    assert all(set(a) == ALERT_FIELDS for a in alerts)
    by_txn = {a["transaction_id"]: a for a in alerts}
    assert set(by_txn) == {ids[0], ids[2]}
    first, second = by_txn[ids[0]], by_txn[ids[2]]
    assert (first["rule_id"], first["rule_revision"]) == (rule["id"], 2)
    assert (first["customer_id"], second["customer_id"]) == (ada["id"], bob["id"])
    assert first["transaction_ids"] == [ids[0]]
    assert first["occurred_at"] == "2024-03-05T10:00:00Z"
    assert 0 < first["score"] <= 1
    assert "1500" in first["reason"] and "1000" in first["reason"]
    assert first["case_id"] and second["case_id"]
    assert first["case_id"] != second["case_id"]  # one case per customer
    # Newest first.
    assert [a["id"] for a in alerts] == sorted((a["id"] for a in alerts), reverse=True)

    got = client.get(f"/v1/alerts/{first['id']}", headers=h)
    assert got.status_code == 200
    assert got.json() == first

    def ids_of(**params: str) -> set[str]:
        return {a["id"] for a in client.get("/v1/alerts", params=params, headers=h).json()["items"]}

    assert ids_of(rule_id=rule["id"]) == {first["id"], second["id"]}
    assert ids_of(rule_id=quiet["id"]) == set()
    assert ids_of(customer_id=ada["id"]) == {first["id"]}
    assert ids_of(customer_id=bob["id"]) == {second["id"]}
    assert ids_of(case_id=second["case_id"]) == {second["id"]}
    assert ids_of(rule_id=rule["id"], customer_id=bob["id"]) == {second["id"]}
    assert ids_of(rule_id=rule["id"], case_id=first["case_id"], customer_id=bob["id"]) == set()

    page = client.get("/v1/alerts", params={"limit": 1}, headers=h).json()
    assert [a["id"] for a in page["items"]] == [alerts[0]["id"]]
    rest = client.get(
        "/v1/alerts", params={"limit": 1, "cursor": page["next_cursor"]}, headers=h
    ).json()
    assert [a["id"] for a in rest["items"]] == [alerts[1]["id"]]

    case = client.get(f"/v1/cases/{first['case_id']}", headers=h)
    assert case.status_code == 200
    assert case.json()["created_by_rule"]["revision"] == 2

    # A later edit leaves the alert naming the revision that raised it.
    client.patch(f"/v1/rules/{rule['id']}", json={"severity": "low"}, headers=kit.admin.headers)
    assert client.get(f"/v1/alerts/{first['id']}", headers=h).json()["rule_revision"] == 2
    old = client.get(f"/v1/rules/{rule['id']}/revisions/2", headers=h).json()
    assert (old["title"], old["severity"]) == ("Transfer of 1,000 or more", "high")

    # Another tenant sees none of it.
    o = other_kit.admin.headers
    assert client.get("/v1/alerts", headers=o).json()["items"] == []
    assert client.get("/v1/alerts", params={"rule_id": rule["id"]}, headers=o).json()["items"] == []
    assert client.get(f"/v1/alerts/{first['id']}", headers=o).status_code == 404
    assert client.get(f"/v1/alerts/{'0' * 24}", headers=h).status_code == 404


def test_disabled_rules_raise_no_alerts(client: TestClient, app: FastAPI, kit: TenantKit):
    rule = create_rule(client, kit, enabled=False)
    ada = new_customer(client, kit)
    post_batch(client, kit, [tx_body(ada, "5000", "2024-03-05T10:00:00Z")])
    app.state.jobs.join()
    assert client.get("/v1/alerts", headers=kit.admin.headers).json()["items"] == []
    # Enabling it does not reach back to transactions already stored.
    client.patch(f"/v1/rules/{rule['id']}", json={"enabled": True}, headers=kit.admin.headers)
    app.state.jobs.join()
    assert client.get("/v1/alerts", headers=kit.admin.headers).json()["items"] == []
    post_batch(client, kit, [tx_body(ada, "6000", "2024-03-06T10:00:00Z")])
    app.state.jobs.join()
    alerts = client.get("/v1/alerts", headers=kit.admin.headers).json()["items"]
    assert [(a["rule_id"], a["rule_revision"]) for a in alerts] == [(rule["id"], 1)]


def test_alert_filters_are_checked(client: TestClient, kit: TenantKit):
    assert client.get("/v1/alerts", headers=kit.analyst.headers).status_code == 200
    bad = client.get("/v1/alerts", params={"rule_id": "x" * 25}, headers=kit.admin.headers)
    assert bad.status_code == 422
    assert error_fields(bad) == ["query.rule_id"]
