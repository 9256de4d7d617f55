"""Rules, revisions, backtests, alerts and the monitoring settings through the API."""

from __future__ import annotations

import json
import secrets
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from casework.db import Database
from casework.models import AuditEvent, Rule, RuleRevision
from tests.factories import TenantKit

AMOUNT = {"test": "amount", "at_least": "1000"}
MARCH = {"from": "2024-03-01T00:00:00Z", "to": "2024-04-01T00:00:00Z"}
RULE_FIELDS = {
    "id",
    "name",
    "revision",
    "enabled",
    "title",
    "description",
    "severity",
    "condition",
    "created_at",
    "updated_at",
}
ALERT_FIELDS = {
    "id",
    "rule_id",
    "rule_revision",
    "customer_id",
    "transaction_id",
    "transaction_ids",
    "score",
    "reason",
    "case_id",
    "occurred_at",
    "created_at",
}


def _name() -> str:
    return f"rule-{secrets.token_hex(4)}"


def _rule_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": _name(),
        "title": "Large transfer",
        "description": "One transaction of 1,000 or more",
        "severity": "high",
        "condition": AMOUNT,
    }
    body.update(overrides)
    return body


def _create_rule(client: TestClient, kit: TenantKit, **overrides: Any) -> dict[str, Any]:
    r = client.post("/v1/rules", json=_rule_body(**overrides), headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    return r.json()


def _fields(response: Any) -> list[str]:
    assert response.headers["content-type"].startswith("application/problem+json")
    return [e["field"] for e in response.json()["errors"]]


def _stored(db: Database, tenant_id: str) -> tuple[int, int]:
    """The tenant's rules and rule revisions in the database."""
    with db.transaction(write=False) as session:
        rules = session.scalar(
            select(func.count()).select_from(Rule).where(Rule.tenant_id == tenant_id)
        )
        revisions = session.scalar(
            select(func.count())
            .select_from(RuleRevision)
            .where(RuleRevision.tenant_id == tenant_id)
        )
    return rules or 0, revisions or 0


def _rule_events(db: Database, tenant_id: str, rule_id: str | None = None) -> list[Any]:
    with db.transaction(write=False) as session:
        stmt = select(AuditEvent.action, AuditEvent.before, AuditEvent.after).where(
            AuditEvent.tenant_id == tenant_id, AuditEvent.entity_type == "rule"
        )
        if rule_id is not None:
            stmt = stmt.where(AuditEvent.entity_id == rule_id)
        return list(session.execute(stmt.order_by(AuditEvent.seq)).all())


def _customer(client: TestClient, kit: TenantKit, name: str = "Ada Payer") -> dict[str, Any]:
    body = {"full_name": name, "external_id": f"c-{secrets.token_hex(4)}"}
    r = client.post("/v1/customers", json=body, headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    return r.json()


def _tx(customer: dict[str, Any], amount: str, occurred_at: str, **overrides: Any) -> dict:
    body: dict[str, Any] = {
        "external_id": f"tx-{secrets.token_hex(6)}",
        "customer_id": customer["id"],
        "amount": amount,
        "currency": "EUR",
        "direction": "out",
        "occurred_at": occurred_at,
    }
    body.update(overrides)
    return body


def _post_batch(client: TestClient, kit: TenantKit, items: list[dict[str, Any]]) -> list[str]:
    r = client.post(
        "/v1/transactions/batch", json={"transactions": items}, headers=kit.analyst.headers
    )
    assert r.status_code == 201, r.text
    assert r.json()["inserted"] == len(items)
    return [i["id"] for i in r.json()["items"]]


def _all_pages(client: TestClient, kit: TenantKit, path: str, **params: Any) -> list[dict]:
    items: list[dict] = []
    cursor = None
    while True:
        query = {**params, "limit": 200, **({"cursor": cursor} if cursor else {})}
        r = client.get(path, params=query, headers=kit.admin.headers)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


def _nested(depth: int) -> dict[str, Any]:
    condition: dict[str, Any] = dict(AMOUNT)
    for _ in range(depth):
        condition = {"all": [condition]}
    return condition


# --- create, get, list -----------------------------------------------------------------


def test_create_get_and_audit(client: TestClient, kit: TenantKit, db: Database):
    body = _rule_body(
        condition={
            "all": [
                {"test": "amount", "at_least": "1000"},
                {"test": "velocity", "window": "24h", "count_at_least": 3, "direction": "out"},
            ]
        }
    )
    r = client.post("/v1/rules", json=body, headers=kit.admin.headers)
    assert r.status_code == 201, r.text
    rule = r.json()
    assert set(rule) == RULE_FIELDS
    assert rule["name"] == body["name"]
    assert (rule["revision"], rule["enabled"]) == (1, False)
    assert (rule["title"], rule["description"], rule["severity"]) == (
        "Large transfer",
        "One transaction of 1,000 or more",
        "high",
    )
    assert rule["condition"] == body["condition"]
    assert rule["created_at"] == rule["updated_at"]

    got = client.get(f"/v1/rules/{rule['id']}", headers=kit.viewer.headers)
    assert got.status_code == 200
    assert got.json() == rule
    revisions = client.get(f"/v1/rules/{rule['id']}/revisions", headers=kit.viewer.headers)
    assert [(v["revision"], v["rule_id"]) for v in revisions.json()] == [(1, rule["id"])]
    assert revisions.json()[0]["condition"] == body["condition"]

    events = _rule_events(db, kit.tenant_id, rule["id"])
    assert [e.action for e in events] == ["rule.created"]
    assert events[0].after["name"] == body["name"]
    assert events[0].after["condition"] == body["condition"]


def test_defaults(client: TestClient, kit: TenantKit):
    body = {"name": _name(), "title": "Velocity", "condition": AMOUNT}
    r = client.post("/v1/rules", json=body, headers=kit.supervisor.headers)
    assert r.status_code == 201, r.text
    assert (r.json()["enabled"], r.json()["severity"], r.json()["description"]) == (
        False,
        "medium",
        "",
    )


def test_json_number_amounts_are_stored_as_decimal_strings(client: TestClient, kit: TenantKit):
    raw = json.dumps(
        _rule_body(
            condition={
                "any": [
                    {"test": "amount", "at_least": "AMOUNT"},
                    {"test": "round_amount", "multiple_of": "MULTIPLE", "at_least": "5000"},
                ]
            }
        )
    )
    raw = raw.replace('"AMOUNT"', "1000.50").replace('"MULTIPLE"', "1E+3")
    r = client.post(
        "/v1/rules",
        content=raw,
        headers={**kit.admin.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 201, r.text
    stored = r.json()["condition"]
    assert stored == {
        "any": [
            {"test": "amount", "at_least": "1000.50"},
            {"test": "round_amount", "multiple_of": "1E+3", "at_least": "5000"},
        ]
    }
    got = client.get(f"/v1/rules/{r.json()['id']}", headers=kit.viewer.headers).json()
    assert got["condition"] == stored


def test_integer_json_amounts_are_stored_as_decimal_strings(client: TestClient, kit: TenantKit):
    rule = _create_rule(client, kit, condition={"test": "amount", "at_least": 1000})
    assert rule["condition"] == {"test": "amount", "at_least": "1000"}


def test_duplicate_name_is_409_naming_name(client: TestClient, kit: TenantKit, db: Database):
    rule = _create_rule(client, kit)
    before = _stored(db, kit.tenant_id)
    r = client.post(
        "/v1/rules", json=_rule_body(name=rule["name"], title="Other"), headers=kit.admin.headers
    )
    assert r.status_code == 409, r.text
    assert _fields(r) == ["name"]
    assert rule["name"] in r.json()["errors"][0]["message"]
    assert _stored(db, kit.tenant_id) == before
    assert client.get(f"/v1/rules/{rule['id']}", headers=kit.admin.headers).json() == rule


@pytest.mark.parametrize("name", ["", "Upper", "has space", "-leading", "x" * 101])
def test_bad_name_is_422(client: TestClient, kit: TenantKit, db: Database, name: str):
    r = client.post("/v1/rules", json=_rule_body(name=name), headers=kit.admin.headers)
    assert r.status_code == 422
    assert _fields(r) == ["name"]
    assert _stored(db, kit.tenant_id) == (0, 0)


def test_idempotency_key_replays_the_first_answer(client: TestClient, kit: TenantKit, db: Database):
    body = _rule_body()
    h = {**kit.admin.headers, "Idempotency-Key": f"k-{secrets.token_hex(4)}"}
    first = client.post("/v1/rules", json=body, headers=h)
    assert first.status_code == 201, first.text
    again = client.post("/v1/rules", json=body, headers=h)
    assert again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert _stored(db, kit.tenant_id) == (1, 1)
    assert len(_rule_events(db, kit.tenant_id)) == 1

    other = client.post("/v1/rules", json={**body, "title": "Changed"}, headers=h)
    assert other.status_code == 422
    assert other.json()["type"].endswith("idempotency-mismatch")
    assert _stored(db, kit.tenant_id) == (1, 1)
    # Without a key the same body is a second create: a duplicate name.
    plain = client.post("/v1/rules", json=body, headers=kit.admin.headers)
    assert plain.status_code == 409
    assert _fields(plain) == ["name"]


def test_list_paginates_by_name_and_filters_on_enabled(client: TestClient, kit: TenantKit):
    prefix = f"r{secrets.token_hex(3)}"
    made = {
        n: _create_rule(client, kit, name=f"{prefix}-{n}", enabled=n in ("b", "d"))
        for n in ("c", "a", "d", "b", "e")
    }
    h = kit.viewer.headers
    first = client.get("/v1/rules", params={"limit": 2}, headers=h)
    assert first.status_code == 200, first.text
    assert [i["name"] for i in first.json()["items"]] == [f"{prefix}-a", f"{prefix}-b"]
    assert first.json()["items"][0] == made["a"]
    names: list[str] = []
    cursor = first.json()["next_cursor"]
    pages = 1
    while cursor is not None:
        page = client.get("/v1/rules", params={"limit": 2, "cursor": cursor}, headers=h).json()
        names += [i["name"] for i in page["items"]]
        cursor = page["next_cursor"]
        pages += 1
    assert names == [f"{prefix}-{n}" for n in "cde"]
    assert pages == 3

    on = client.get("/v1/rules", params={"enabled": "true"}, headers=h).json()
    assert [i["name"] for i in on["items"]] == [f"{prefix}-b", f"{prefix}-d"]
    assert all(i["enabled"] for i in on["items"])
    off = client.get("/v1/rules", params={"enabled": "false"}, headers=h).json()
    assert [i["name"] for i in off["items"]] == [f"{prefix}-{n}" for n in "ace"]

    bad = client.get("/v1/rules", params={"cursor": "not-a-cursor"}, headers=h)
    assert bad.status_code == 422
    assert _fields(bad) == ["cursor"]


def test_unknown_rule_and_revision_are_404(client: TestClient, kit: TenantKit):
    rule = _create_rule(client, kit)
    h = kit.admin.headers
    missing = "0" * 24
    assert client.get(f"/v1/rules/{missing}", headers=h).status_code == 404
    assert client.patch(f"/v1/rules/{missing}", json={"title": "x"}, headers=h).status_code == 404
    assert client.get(f"/v1/rules/{missing}/revisions", headers=h).status_code == 404
    assert client.get(f"/v1/rules/{rule['id']}/revisions/2", headers=h).status_code == 404
    assert client.get(f"/v1/rules/{rule['id']}/revisions/0", headers=h).status_code == 404
    r = client.post(f"/v1/rules/{missing}/backtest", json=MARCH, headers=h)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


# --- revisions -------------------------------------------------------------------------


def test_changes_make_revisions_and_old_ones_stay_readable(
    client: TestClient, kit: TenantKit, db: Database
):
    rule = _create_rule(client, kit)
    h = kit.admin.headers
    url = f"/v1/rules/{rule['id']}"
    first = client.get(f"{url}/revisions/1", headers=h).json()
    assert first["title"] == rule["title"]

    r = client.patch(url, json={"title": "Larger transfer"}, headers=h)
    assert r.status_code == 200, r.text
    assert (r.json()["revision"], r.json()["title"]) == (2, "Larger transfer")
    assert r.json()["condition"] == AMOUNT

    r = client.patch(url, json={"severity": "low"}, headers=h)
    assert (r.json()["revision"], r.json()["severity"]) == (3, "low")

    velocity = {"test": "velocity", "window": "P7D", "sum_at_least": "50000"}
    r = client.patch(url, json={"condition": velocity, "description": "Weekly sum"}, headers=h)
    assert r.status_code == 200, r.text
    current = r.json()
    assert current["revision"] == 4
    assert (current["condition"], current["description"]) == (velocity, "Weekly sum")
    assert (current["title"], current["severity"]) == ("Larger transfer", "low")
    assert current["updated_at"] > rule["updated_at"]
    assert current["created_at"] == rule["created_at"]
    assert client.get(url, headers=kit.viewer.headers).json() == current

    revisions = client.get(f"{url}/revisions", headers=kit.viewer.headers).json()
    assert [v["revision"] for v in revisions] == [4, 3, 2, 1]
    assert revisions[-1] == first
    assert [(v["title"], v["severity"]) for v in revisions] == [
        ("Larger transfer", "low"),
        ("Larger transfer", "low"),
        ("Larger transfer", "high"),
        ("Large transfer", "high"),
    ]
    assert [v["condition"] for v in revisions] == [velocity, AMOUNT, AMOUNT, AMOUNT]
    for v in revisions:
        single = client.get(f"{url}/revisions/{v['revision']}", headers=kit.viewer.headers)
        assert single.json() == v

    events = _rule_events(db, kit.tenant_id, rule["id"])
    assert [e.action for e in events] == ["rule.created"] + ["rule.updated"] * 3
    # Each update names only what it changed.
    assert events[1].before == {"revision": 1, "title": "Large transfer"}
    assert events[1].after == {"revision": 2, "title": "Larger transfer"}
    assert events[2].after == {"revision": 3, "severity": "low"}
    assert set(events[3].after) == {"revision", "condition", "description"}
    assert events[3].after["condition"] == velocity


def test_enabled_alone_makes_no_revision(client: TestClient, kit: TenantKit, db: Database):
    rule = _create_rule(client, kit)
    url = f"/v1/rules/{rule['id']}"
    h = kit.admin.headers
    r = client.patch(url, json={"enabled": True}, headers=h)
    assert r.status_code == 200, r.text
    assert (r.json()["revision"], r.json()["enabled"]) == (1, True)
    assert r.json()["updated_at"] > rule["updated_at"]
    assert len(client.get(f"{url}/revisions", headers=h).json()) == 1
    r = client.patch(url, json={"enabled": False}, headers=h)
    assert (r.json()["revision"], r.json()["enabled"]) == (1, False)

    events = _rule_events(db, kit.tenant_id, rule["id"])
    assert [(e.action, e.before, e.after) for e in events[1:]] == [
        ("rule.updated", {"enabled": False}, {"enabled": True}),
        ("rule.updated", {"enabled": True}, {"enabled": False}),
    ]
    assert _stored(db, kit.tenant_id) == (1, 1)


def test_patch_that_changes_nothing_adds_nothing(client: TestClient, kit: TenantKit, db: Database):
    rule = _create_rule(client, kit)
    url = f"/v1/rules/{rule['id']}"
    # The same values, the condition's keys in another order.
    same = {
        "title": rule["title"],
        "description": rule["description"],
        "severity": rule["severity"],
        "condition": {"at_least": "1000", "test": "amount"},
        "enabled": False,
    }
    for body in (same, {"title": rule["title"]}, {"enabled": False}):
        r = client.patch(url, json=body, headers=kit.admin.headers)
        assert r.status_code == 200, r.text
        assert r.json() == rule
    assert _stored(db, kit.tenant_id) == (1, 1)
    assert [e.action for e in _rule_events(db, kit.tenant_id)] == ["rule.created"]


def test_null_description_on_empty_description_adds_nothing(
    client: TestClient, kit: TenantKit, db: Database
):
    rule = _create_rule(client, kit, description="")
    r = client.patch(
        f"/v1/rules/{rule['id']}", json={"description": None}, headers=kit.admin.headers
    )
    assert r.status_code == 422, r.text
    assert _fields(r) == ["description"]
    assert _stored(db, kit.tenant_id) == (1, 1)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"title": None}, "title"),
        ({"severity": None}, "severity"),
        ({"condition": None}, "condition"),
        ({"enabled": None}, "enabled"),
        ({"title": ""}, "title"),
        ({"severity": "critical"}, "severity"),
        ({"name": "renamed"}, "name"),
        ({"condition": [AMOUNT]}, "condition"),
    ],
)
def test_bad_patch_is_422_and_changes_nothing(
    client: TestClient, kit: TenantKit, db: Database, body: dict[str, Any], field: str
):
    rule = _create_rule(client, kit)
    r = client.patch(f"/v1/rules/{rule['id']}", json=body, headers=kit.admin.headers)
    assert r.status_code == 422, r.text
    assert _fields(r) == [field]
    assert client.get(f"/v1/rules/{rule['id']}", headers=kit.admin.headers).json() == rule
    assert _stored(db, kit.tenant_id) == (1, 1)


# --- malformed conditions --------------------------------------------------------------

VELOCITY = {"test": "velocity", "window": "24h", "count_at_least": 2}
BAD_CONDITIONS = [
    ("unknown-test", {"test": "teleport", "at_least": "1"}, "condition.test"),
    (
        "bad-window-in-all",
        {"all": [AMOUNT, {**VELOCITY, "window": "soon"}]},
        "condition.all[1].window",
    ),
    ("zero-window", {"all": [AMOUNT, {**VELOCITY, "window": "0h"}]}, "condition.all[1].window"),
    ("too-long-window", {"any": [{**VELOCITY, "window": "401d"}]}, "condition.any[0].window"),
    ("missing-key", {"test": "amount"}, "condition.at_least"),
    (
        "missing-key-nested",
        {"any": [AMOUNT, {"test": "structuring", "threshold": "10000", "window": "72h"}]},
        "condition.any[1].count_at_least",
    ),
    ("negative-amount", {"test": "amount", "at_least": "-0.01"}, "condition.at_least"),
    ("not-an-amount", {"test": "amount", "at_least": "lots"}, "condition.at_least"),
    ("boolean-amount", {"test": "amount", "at_least": True}, "condition.at_least"),
    ("non-object", [AMOUNT], "condition"),
    ("string", "amount >= 1000", "condition"),
    ("non-object-in-any", {"any": [AMOUNT, "x"]}, "condition.any[1]"),
    ("empty-all", {"all": []}, "condition.all"),
    ("neither-test-nor-all", {"at_least": "1000"}, "condition"),
    ("too-deep", _nested(6), "condition" + ".all[0]" * 6),
    ("velocity-without-measure", {"test": "velocity", "window": "24h"}, "condition"),
    ("extra-key", {**AMOUNT, "currency": "EUR"}, "condition.currency"),
    ("extra-key-nested", {"all": [AMOUNT, {**VELOCITY, "per": "day"}]}, "condition.all[1].per"),
    ("bad-direction", {**AMOUNT, "direction": "sideways"}, "condition.direction"),
    (
        "ratio-above-one",
        {"test": "pass_through", "window": "48h", "in_at_least": "1", "ratio": "1.5"},
        "condition.ratio",
    ),
]


@pytest.mark.parametrize(
    ("condition", "field"),
    [(c, f) for _, c, f in BAD_CONDITIONS],
    ids=[i for i, _, _ in BAD_CONDITIONS],
)
def test_malformed_condition_is_422_at_its_path_and_stores_nothing(
    client: TestClient, kit: TenantKit, db: Database, condition: Any, field: str
):
    rule = _create_rule(client, kit)
    h = kit.admin.headers
    before = (_stored(db, kit.tenant_id), len(_rule_events(db, kit.tenant_id)))

    r = client.post("/v1/rules", json=_rule_body(condition=condition), headers=h)
    assert r.status_code == 422, r.text
    assert _fields(r) == [field], r.json()
    assert r.json()["errors"][0]["message"]

    r = client.patch(
        f"/v1/rules/{rule['id']}", json={"condition": condition, "title": "New"}, headers=h
    )
    assert r.status_code == 422, r.text
    assert _fields(r) == [field], r.json()

    assert (_stored(db, kit.tenant_id), len(_rule_events(db, kit.tenant_id))) == before
    assert client.get(f"/v1/rules/{rule['id']}", headers=h).json() == rule
    assert [
        v["revision"] for v in client.get(f"/v1/rules/{rule['id']}/revisions", headers=h).json()
    ] == [1]
    listed = client.get("/v1/rules", headers=h).json()["items"]
    assert [i["id"] for i in listed] == [rule["id"]]


def test_nesting_at_the_limit_is_accepted(client: TestClient, kit: TenantKit):
    rule = _create_rule(client, kit, condition=_nested(5))
    assert rule["condition"] == _nested(5)


# --- permissions and tenants -----------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_only_config_managers_write_and_backtest(
    client: TestClient, kit: TenantKit, db: Database, role: str
):
    rule = _create_rule(client, kit)
    h = getattr(kit, role).headers
    url = f"/v1/rules/{rule['id']}"
    assert client.get(url, headers=h).json() == rule
    assert client.get("/v1/rules", headers=h).json()["items"] == [rule]
    assert client.get(f"{url}/revisions", headers=h).status_code == 200
    assert client.get(f"{url}/revisions/1", headers=h).status_code == 200
    assert client.get("/v1/settings/transaction-monitoring", headers=h).status_code == 200
    assert client.get("/v1/alerts", headers=h).status_code == 200

    denied = [
        client.post("/v1/rules", json=_rule_body(), headers=h),
        client.patch(url, json={"title": "Mine now"}, headers=h),
        client.patch(url, json={"enabled": True}, headers=h),
        client.post(f"{url}/backtest", json=MARCH, headers=h),
        client.post("/v1/rules/backtest", json={**MARCH, "condition": AMOUNT}, headers=h),
        client.put("/v1/settings/transaction-monitoring", json={}, headers=h),
    ]
    assert [r.status_code for r in denied] == [403] * len(denied)
    assert denied[0].headers["content-type"].startswith("application/problem+json")
    assert client.get(url, headers=h).json() == rule
    assert _stored(db, kit.tenant_id) == (1, 1)


def test_unauthenticated_is_401(client: TestClient):
    assert client.get("/v1/rules").status_code == 401
    assert client.get("/v1/alerts").status_code == 401


def test_other_tenants_rules_are_not_found(
    client: TestClient, kit: TenantKit, other_kit: TenantKit, db: Database
):
    theirs = _create_rule(client, other_kit, enabled=True)
    mine = _create_rule(client, kit, name=theirs["name"])  # names are unique per tenant
    h = kit.admin.headers
    url = f"/v1/rules/{theirs['id']}"
    assert client.get(url, headers=h).status_code == 404
    assert client.patch(url, json={"title": "Taken"}, headers=h).status_code == 404
    assert client.patch(url, json={"enabled": False}, headers=h).status_code == 404
    assert client.get(f"{url}/revisions", headers=h).status_code == 404
    assert client.get(f"{url}/revisions/1", headers=h).status_code == 404
    assert client.post(f"{url}/backtest", json=MARCH, headers=h).status_code == 404
    draft = {**MARCH, "condition": AMOUNT}
    assert client.post(f"{url}/backtest", json=draft, headers=h).status_code == 404

    assert [i["id"] for i in _all_pages(client, kit, "/v1/rules")] == [mine["id"]]
    assert _all_pages(client, kit, "/v1/rules", enabled="true") == []
    unchanged = client.get(url, headers=other_kit.admin.headers).json()
    assert unchanged == theirs
    assert _rule_events(db, other_kit.tenant_id, theirs["id"])[-1].action == "rule.created"


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
    assert _fields(r) == [field]
    assert client.get(SETTINGS_URL, headers=kit.admin.headers).json() == current


def test_another_tenants_case_config_is_unknown(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    slug = _case_config(client, other_kit)
    r = client.put(SETTINGS_URL, json={"case_config": slug}, headers=kit.admin.headers)
    assert r.status_code == 422
    assert _fields(r) == ["case_config"]
    assert client.get(SETTINGS_URL, headers=kit.admin.headers).json() == DEFAULT_SETTINGS


# --- backtests -------------------------------------------------------------------------


@pytest.fixture
def march(client: TestClient, kit: TenantKit) -> dict[str, Any]:
    """Two customers with transactions around March 2024, stored while no rule runs."""
    ada = _customer(client, kit, "Ada Payer")
    bob = _customer(client, kit, "Bob Payer")
    items = {
        "ada_before": _tx(ada, "9000", "2024-02-29T23:59:59Z"),  # just before `from`
        "ada_first": _tx(ada, "1500", "2024-03-01T00:00:00Z"),  # at `from`: inside
        "ada_big": _tx(ada, "2000", "2024-03-10T10:00:00Z"),
        "ada_small": _tx(ada, "50", "2024-03-10T11:00:00Z"),
        "bob_big": _tx(bob, "5000", "2024-03-15T12:00:00Z"),
        "bob_small": _tx(bob, "100", "2024-03-31T23:59:59.999999Z"),
        "bob_after": _tx(bob, "7000", "2024-04-01T00:00:00Z"),  # at `to`: outside
    }
    ids = dict(zip(items, _post_batch(client, kit, list(items.values())), strict=True))
    return {"ada": ada, "bob": bob, "ids": ids}


def _case_count(client: TestClient, kit: TenantKit) -> int:
    return len(_all_pages(client, kit, "/v1/cases"))


def test_backtest_replays_a_disabled_rule_and_writes_nothing(
    client: TestClient, app: FastAPI, kit: TenantKit, db: Database, march: dict[str, Any]
):
    rule = _create_rule(client, kit, enabled=False)
    app.state.jobs.join()
    cases_before = _case_count(client, kit)
    events_before = len(_rule_events(db, kit.tenant_id))
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
    assert _all_pages(client, kit, "/v1/alerts") == []
    assert _case_count(client, kit) == cases_before
    assert client.get(f"/v1/rules/{rule['id']}", headers=kit.admin.headers).json() == rule
    assert len(_rule_events(db, kit.tenant_id)) == events_before


def test_backtest_groups_by_the_tenant_setting(
    client: TestClient, kit: TenantKit, march: dict[str, Any]
):
    rule = _create_rule(client, kit)
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
    rule = _create_rule(client, kit)
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
    rule = _create_rule(client, kit)
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
    rule = _create_rule(client, kit, condition=velocity)
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
    rule = _create_rule(client, kit)
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
    assert _fields(missing) == ["condition"]


@pytest.mark.parametrize("draft", [True, False], ids=["draft", "rule"])
def test_bad_backtests_are_422(
    client: TestClient, kit: TenantKit, other_kit: TenantKit, draft: bool
):
    rule = _create_rule(client, kit)
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
    assert _fields(too_long) == ["to"]

    bad = post(condition={"all": [AMOUNT, {**VELOCITY, "window": "forever"}]})
    assert bad.status_code == 422
    assert _fields(bad) == ["condition.all[1].window"]
    assert _fields(post(condition={"test": "nope"})) == ["condition.test"]

    unknown = post(customer_id="0" * 24)
    assert unknown.status_code == 422
    assert _fields(unknown) == ["customer_id"]
    foreign = post(customer_id=_customer(client, other_kit)["id"])
    assert foreign.status_code == 422
    assert _fields(foreign) == ["customer_id"]

    assert _fields(post(**{"from": "2024-03-01T00:00:00"})) == ["from"]  # no offset
    assert _fields(post(group_by="rule")) == ["group_by"]
    assert _fields(post(sample=201)) == ["sample"]
    assert _fields(post(extra=1)) == ["extra"]


def test_backtest_only_sees_its_own_tenant(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    theirs = _customer(client, other_kit)
    _post_batch(client, other_kit, [_tx(theirs, "5000", "2024-03-05T10:00:00Z")])
    rule = _create_rule(client, kit)
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
    rule = _create_rule(client, kit, enabled=True)
    # Revision 2 is the one that runs.
    patched = client.patch(
        f"/v1/rules/{rule['id']}",
        json={"title": "Transfer of 1,000 or more"},
        headers=kit.admin.headers,
    )
    assert patched.json()["revision"] == 2
    quiet = _create_rule(client, kit, enabled=True, condition={"test": "amount", "at_least": "1e9"})
    ada = _customer(client, kit, "Ada Payer")
    bob = _customer(client, kit, "Bob Payer")
    ids = _post_batch(
        client,
        kit,
        [
            _tx(ada, "1500", "2024-03-05T10:00:00Z"),
            _tx(ada, "50", "2024-03-05T11:00:00Z"),
            _tx(bob, "2500.25", "2024-03-06T09:00:00Z"),
            _tx(bob, "999.99", "2024-03-06T10:00:00Z"),
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
    rule = _create_rule(client, kit, enabled=False)
    ada = _customer(client, kit)
    _post_batch(client, kit, [_tx(ada, "5000", "2024-03-05T10:00:00Z")])
    app.state.jobs.join()
    assert client.get("/v1/alerts", headers=kit.admin.headers).json()["items"] == []
    # Enabling it does not reach back to transactions already stored.
    client.patch(f"/v1/rules/{rule['id']}", json={"enabled": True}, headers=kit.admin.headers)
    app.state.jobs.join()
    assert client.get("/v1/alerts", headers=kit.admin.headers).json()["items"] == []
    _post_batch(client, kit, [_tx(ada, "6000", "2024-03-06T10:00:00Z")])
    app.state.jobs.join()
    alerts = client.get("/v1/alerts", headers=kit.admin.headers).json()["items"]
    assert [(a["rule_id"], a["rule_revision"]) for a in alerts] == [(rule["id"], 1)]


def test_alert_filters_are_checked(client: TestClient, kit: TenantKit):
    assert client.get("/v1/alerts", headers=kit.analyst.headers).status_code == 200
    bad = client.get("/v1/alerts", params={"rule_id": "x" * 25}, headers=kit.admin.headers)
    assert bad.status_code == 422
    assert _fields(bad) == ["query.rule_id"]
