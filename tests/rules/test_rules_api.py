"""Rules and their revisions through the API: create, list, edit, malformed conditions,
permissions and tenants."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casework.infra.db import Database
from tests.factories import TenantKit
from tests.rules.requests import (
    AMOUNT,
    MARCH,
    RULE_FIELDS,
    VELOCITY,
    all_pages,
    create_rule,
    error_fields,
    nested,
    rule_body,
    rule_events,
    rule_name,
    stored_counts,
)

# --- create, get, list -----------------------------------------------------------------


def test_create_get_and_audit(client: TestClient, kit: TenantKit, db: Database):
    body = rule_body(
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

    events = rule_events(db, kit.tenant_id, rule["id"])
    assert [e.action for e in events] == ["rule.created"]
    assert events[0].after["name"] == body["name"]
    assert events[0].after["condition"] == body["condition"]


def test_defaults(client: TestClient, kit: TenantKit):
    body = {"name": rule_name(), "title": "Velocity", "condition": AMOUNT}
    r = client.post("/v1/rules", json=body, headers=kit.supervisor.headers)
    assert r.status_code == 201, r.text
    assert (r.json()["enabled"], r.json()["severity"], r.json()["description"]) == (
        False,
        "medium",
        "",
    )


def test_json_number_amounts_are_stored_as_decimal_strings(client: TestClient, kit: TenantKit):
    raw = json.dumps(
        rule_body(
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
    rule = create_rule(client, kit, condition={"test": "amount", "at_least": 1000})
    assert rule["condition"] == {"test": "amount", "at_least": "1000"}


def test_duplicate_name_is_409_naming_name(client: TestClient, kit: TenantKit, db: Database):
    rule = create_rule(client, kit)
    before = stored_counts(db, kit.tenant_id)
    r = client.post(
        "/v1/rules", json=rule_body(name=rule["name"], title="Other"), headers=kit.admin.headers
    )
    assert r.status_code == 409, r.text
    assert error_fields(r) == ["name"]
    assert rule["name"] in r.json()["errors"][0]["message"]
    assert stored_counts(db, kit.tenant_id) == before
    assert client.get(f"/v1/rules/{rule['id']}", headers=kit.admin.headers).json() == rule


@pytest.mark.parametrize("name", ["", "Upper", "has space", "-leading", "x" * 101])
def test_bad_name_is_422(client: TestClient, kit: TenantKit, db: Database, name: str):
    r = client.post("/v1/rules", json=rule_body(name=name), headers=kit.admin.headers)
    assert r.status_code == 422
    assert error_fields(r) == ["name"]
    assert stored_counts(db, kit.tenant_id) == (0, 0)


def test_idempotency_key_replays_the_first_answer(client: TestClient, kit: TenantKit, db: Database):
    body = rule_body()
    h = {**kit.admin.headers, "Idempotency-Key": f"k-{secrets.token_hex(4)}"}
    first = client.post("/v1/rules", json=body, headers=h)
    assert first.status_code == 201, first.text
    again = client.post("/v1/rules", json=body, headers=h)
    assert again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert stored_counts(db, kit.tenant_id) == (1, 1)
    assert len(rule_events(db, kit.tenant_id)) == 1

    other = client.post("/v1/rules", json={**body, "title": "Changed"}, headers=h)
    assert other.status_code == 422
    assert other.json()["type"].endswith("idempotency-mismatch")
    assert stored_counts(db, kit.tenant_id) == (1, 1)
    # Without a key the same body is a second create: a duplicate name.
    plain = client.post("/v1/rules", json=body, headers=kit.admin.headers)
    assert plain.status_code == 409
    assert error_fields(plain) == ["name"]


def test_list_paginates_by_name_and_filters_on_enabled(client: TestClient, kit: TenantKit):
    prefix = f"r{secrets.token_hex(3)}"
    made = {
        n: create_rule(client, kit, name=f"{prefix}-{n}", enabled=n in ("b", "d"))
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
    assert error_fields(bad) == ["cursor"]


def test_unknown_rule_and_revision_are_404(client: TestClient, kit: TenantKit):
    rule = create_rule(client, kit)
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
    rule = create_rule(client, kit)
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

    events = rule_events(db, kit.tenant_id, rule["id"])
    assert [e.action for e in events] == ["rule.created"] + ["rule.updated"] * 3
    # Each update names only what it changed.
    assert events[1].before == {"revision": 1, "title": "Large transfer"}
    assert events[1].after == {"revision": 2, "title": "Larger transfer"}
    assert events[2].after == {"revision": 3, "severity": "low"}
    assert set(events[3].after) == {"revision", "condition", "description"}
    assert events[3].after["condition"] == velocity


def test_enabled_alone_makes_no_revision(client: TestClient, kit: TenantKit, db: Database):
    rule = create_rule(client, kit)
    url = f"/v1/rules/{rule['id']}"
    h = kit.admin.headers
    r = client.patch(url, json={"enabled": True}, headers=h)
    assert r.status_code == 200, r.text
    assert (r.json()["revision"], r.json()["enabled"]) == (1, True)
    assert r.json()["updated_at"] > rule["updated_at"]
    assert len(client.get(f"{url}/revisions", headers=h).json()) == 1
    r = client.patch(url, json={"enabled": False}, headers=h)
    assert (r.json()["revision"], r.json()["enabled"]) == (1, False)

    events = rule_events(db, kit.tenant_id, rule["id"])
    assert [(e.action, e.before, e.after) for e in events[1:]] == [
        ("rule.updated", {"enabled": False}, {"enabled": True}),
        ("rule.updated", {"enabled": True}, {"enabled": False}),
    ]
    assert stored_counts(db, kit.tenant_id) == (1, 1)


def test_patch_that_changes_nothing_adds_nothing(client: TestClient, kit: TenantKit, db: Database):
    rule = create_rule(client, kit)
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
    assert stored_counts(db, kit.tenant_id) == (1, 1)
    assert [e.action for e in rule_events(db, kit.tenant_id)] == ["rule.created"]


def test_null_description_on_empty_description_adds_nothing(
    client: TestClient, kit: TenantKit, db: Database
):
    rule = create_rule(client, kit, description="")
    r = client.patch(
        f"/v1/rules/{rule['id']}", json={"description": None}, headers=kit.admin.headers
    )
    assert r.status_code == 422, r.text
    assert error_fields(r) == ["description"]
    assert stored_counts(db, kit.tenant_id) == (1, 1)


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
    rule = create_rule(client, kit)
    r = client.patch(f"/v1/rules/{rule['id']}", json=body, headers=kit.admin.headers)
    assert r.status_code == 422, r.text
    assert error_fields(r) == [field]
    assert client.get(f"/v1/rules/{rule['id']}", headers=kit.admin.headers).json() == rule
    assert stored_counts(db, kit.tenant_id) == (1, 1)


# --- malformed conditions --------------------------------------------------------------

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
    ("too-deep", nested(6), "condition" + ".all[0]" * 6),
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
    rule = create_rule(client, kit)
    h = kit.admin.headers
    before = (stored_counts(db, kit.tenant_id), len(rule_events(db, kit.tenant_id)))

    r = client.post("/v1/rules", json=rule_body(condition=condition), headers=h)
    assert r.status_code == 422, r.text
    assert error_fields(r) == [field], r.json()
    assert r.json()["errors"][0]["message"]

    r = client.patch(
        f"/v1/rules/{rule['id']}", json={"condition": condition, "title": "New"}, headers=h
    )
    assert r.status_code == 422, r.text
    assert error_fields(r) == [field], r.json()

    assert (stored_counts(db, kit.tenant_id), len(rule_events(db, kit.tenant_id))) == before
    assert client.get(f"/v1/rules/{rule['id']}", headers=h).json() == rule
    assert [
        v["revision"] for v in client.get(f"/v1/rules/{rule['id']}/revisions", headers=h).json()
    ] == [1]
    listed = client.get("/v1/rules", headers=h).json()["items"]
    assert [i["id"] for i in listed] == [rule["id"]]


def test_nesting_at_the_limit_is_accepted(client: TestClient, kit: TenantKit):
    rule = create_rule(client, kit, condition=nested(5))
    assert rule["condition"] == nested(5)


# --- permissions and tenants -----------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_only_config_managers_write_and_backtest(
    client: TestClient, kit: TenantKit, db: Database, role: str
):
    rule = create_rule(client, kit)
    h = getattr(kit, role).headers
    url = f"/v1/rules/{rule['id']}"
    assert client.get(url, headers=h).json() == rule
    assert client.get("/v1/rules", headers=h).json()["items"] == [rule]
    assert client.get(f"{url}/revisions", headers=h).status_code == 200
    assert client.get(f"{url}/revisions/1", headers=h).status_code == 200
    assert client.get("/v1/settings/transaction-monitoring", headers=h).status_code == 200
    assert client.get("/v1/alerts", headers=h).status_code == 200

    denied = [
        client.post("/v1/rules", json=rule_body(), headers=h),
        client.patch(url, json={"title": "Mine now"}, headers=h),
        client.patch(url, json={"enabled": True}, headers=h),
        client.post(f"{url}/backtest", json=MARCH, headers=h),
        client.post("/v1/rules/backtest", json={**MARCH, "condition": AMOUNT}, headers=h),
        client.put("/v1/settings/transaction-monitoring", json={}, headers=h),
    ]
    assert [r.status_code for r in denied] == [403] * len(denied)
    assert denied[0].headers["content-type"].startswith("application/problem+json")
    assert client.get(url, headers=h).json() == rule
    assert stored_counts(db, kit.tenant_id) == (1, 1)


def test_unauthenticated_is_401(client: TestClient):
    assert client.get("/v1/rules").status_code == 401
    assert client.get("/v1/alerts").status_code == 401


def test_other_tenants_rules_are_not_found(
    client: TestClient, kit: TenantKit, other_kit: TenantKit, db: Database
):
    theirs = create_rule(client, other_kit, enabled=True)
    mine = create_rule(client, kit, name=theirs["name"])  # names are unique per tenant
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

    assert [i["id"] for i in all_pages(client, kit, "/v1/rules")] == [mine["id"]]
    assert all_pages(client, kit, "/v1/rules", enabled="true") == []
    unchanged = client.get(url, headers=other_kit.admin.headers).json()
    assert unchanged == theirs
    assert rule_events(db, other_kit.tenant_id, theirs["id"])[-1].action == "rule.created"
