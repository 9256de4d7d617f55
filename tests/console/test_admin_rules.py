"""Monitoring-rule administration in the console: rules created and edited through the
pages, their revision history, backtests of stored rules and drafts over transactions
ingested through /v1, and who may do what."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casework.infra.db import Database
from tests.console.support import Browser
from tests.factories import Member, TenantKit
from tests.rules.requests import (
    AMOUNT,
    VELOCITY,
    create_rule,
    new_customer,
    post_batch,
    rule_events,
    rule_name,
    stored_counts,
    tx_body,
)

OpenBrowser = Callable[[Member | None], Browser]
HOME = "/console/admin/rules"
XSS = "<script>alert(1)</script>"
MARCH = {"from": "2024-03-01", "to": "2024-03-31"}


def _rule(client: TestClient, kit: TenantKit, rule_id: str) -> dict[str, Any]:
    r = client.get(f"/v1/rules/{rule_id}", headers=kit.admin.headers)
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()
    return found


def _form(**overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "name": rule_name(),
        "title": "Large transfer",
        "description": "One transaction of 1,000 or more",
        "severity": "high",
        "condition": json.dumps(AMOUNT),
    }
    form.update(overrides)
    return form


def _count(page: str, label: str) -> int:
    found = re.search(rf"<dt>{label}</dt><dd>(?:<strong>)?(\d+)", page)
    assert found, f"the page shows no {label!r}"
    return int(found.group(1))


def test_admin_creates_and_edits_a_rule(
    browser: OpenBrowser, client: TestClient, staff: TenantKit, db: Database
):
    admin = browser(staff.admin)
    assert 'href="/console/admin/rules/new"' in admin.get(HOME).text
    form_page = admin.get(f"{HOME}/new")
    assert form_page.status_code == 200
    assert 'for="rule-condition"' in form_page.text

    form = _form(title=XSS, description=f"watch {XSS}")
    created = admin.post(HOME, form)
    assert created.status_code == 303, created.text
    rule_id = created.headers["location"].rsplit("/", 1)[1]
    rule = _rule(client, staff, rule_id)
    assert (rule["name"], rule["title"], rule["severity"]) == (form["name"], XSS, "high")
    assert rule["condition"] == AMOUNT
    assert rule["enabled"] is False
    assert rule["revision"] == 1

    listing = admin.get(HOME).text
    assert form["name"] in listing
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing
    assert "amount (at_least 1000)" in listing
    detail = admin.get(f"{HOME}/{rule_id}")
    assert detail.status_code == 200
    for page in (listing, detail.text):
        assert XSS not in page

    edited = admin.post(
        f"{HOME}/{rule_id}",
        {
            "title": "Many transfers",
            "description": "",
            "severity": "low",
            "condition": json.dumps(VELOCITY),
            "enabled": "on",
        },
    )
    assert edited.status_code == 303, edited.text
    assert edited.headers["location"] == f"{HOME}/{rule_id}"
    rule = _rule(client, staff, rule_id)
    assert (rule["title"], rule["severity"], rule["revision"]) == ("Many transfers", "low", 2)
    assert rule["condition"] == VELOCITY
    assert rule["enabled"] is True

    history = admin.get(f"{HOME}/{rule_id}").text
    assert "Revision history" in history
    assert "Many transfers" in history
    assert "&lt;script&gt;" in history  # revision 1 keeps its title
    assert "velocity (window 24h, count_at_least 2)" in history
    assert [e.action for e in rule_events(db, staff.tenant_id, rule_id)] == [
        "rule.created",
        "rule.updated",
    ]

    # Sending the form back unchanged makes no revision and records nothing.
    same = admin.post(
        f"{HOME}/{rule_id}",
        {
            "title": "Many transfers",
            "description": "",
            "severity": "low",
            "condition": json.dumps(VELOCITY),
            "enabled": "on",
        },
    )
    assert same.status_code == 303
    assert _rule(client, staff, rule_id)["revision"] == 2
    assert len(rule_events(db, staff.tenant_id, rule_id)) == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "Bad Name"}, "name"),
        ({"name": XSS}, "name"),
        ({"title": ""}, "title"),
        ({"severity": "extreme"}, "severity"),
        ({"condition": ""}, "condition"),
        ({"condition": "{not json"}, "condition"),
        ({"condition": "[1, 2]"}, "condition"),
        (
            {"condition": '{"test": "velocity", "window": "forever", "count_at_least": 2}'},
            "condition.window",
        ),
    ],
)
def test_bad_rule_forms_name_the_field_and_change_nothing(
    browser: OpenBrowser,
    client: TestClient,
    staff: TenantKit,
    db: Database,
    overrides: dict[str, Any],
    field: str,
):
    existing = create_rule(client, staff)
    counts = stored_counts(db, staff.tenant_id)
    admin = browser(staff.admin)

    created = admin.post(HOME, _form(**overrides))
    assert created.status_code == 422, created.text
    assert f"<strong>{field}</strong>" in created.text
    assert XSS not in created.text

    if field != "name":
        edit = {k: v for k, v in _form(**overrides).items() if k != "name"}
        edited = admin.post(f"{HOME}/{existing['id']}", edit)
        assert edited.status_code == 422, edited.text
        assert f"<strong>{field}</strong>" in edited.text
    assert stored_counts(db, staff.tenant_id) == counts
    assert _rule(client, staff, existing["id"]) == existing


def test_a_taken_name_is_a_conflict_on_the_name(
    browser: OpenBrowser, client: TestClient, staff: TenantKit, db: Database
):
    existing = create_rule(client, staff)
    counts = stored_counts(db, staff.tenant_id)
    r = browser(staff.admin).post(HOME, _form(name=existing["name"]))
    assert r.status_code == 409
    assert "<strong>name</strong>" in r.text
    assert stored_counts(db, staff.tenant_id) == counts


def _march(client: TestClient, kit: TenantKit) -> dict[str, str]:
    """Transactions around March 2024 for two customers, through /v1."""
    ada = new_customer(client, kit, "Ada Payer")
    bob = new_customer(client, kit, "Bob Payer")
    items = {
        "ada_before": tx_body(ada, "9000", "2024-02-29T23:59:59Z"),
        "ada_first": tx_body(ada, "1500", "2024-03-01T00:00:00Z"),
        "ada_small": tx_body(ada, "50", "2024-03-10T11:00:00Z"),
        "bob_big": tx_body(bob, "5000", "2024-03-15T12:00:00Z"),
        "bob_last": tx_body(bob, "2500", "2024-03-31T23:59:59Z"),
        "bob_after": tx_body(bob, "7000", "2024-04-01T00:00:00Z"),
    }
    ids = dict(zip(items, post_batch(client, kit, list(items.values())), strict=True))
    return {**ids, "ada": ada["id"], "bob": bob["id"]}


def test_backtests_of_a_rule_and_of_a_draft_show_their_hits(
    browser: OpenBrowser, client: TestClient, staff: TenantKit, db: Database
):
    rule = create_rule(client, staff, title=XSS)
    txs = _march(client, staff)
    events = len(rule_events(db, staff.tenant_id))
    admin = browser(staff.admin)

    detail = admin.get(f"{HOME}/{rule['id']}").text
    assert f'action="{HOME}/{rule["id"]}/backtest"' in detail
    r = admin.post(f"{HOME}/{rule['id']}/backtest", MARCH)
    assert r.status_code == 200, r.text
    page = r.text
    assert _count(page, "Transactions evaluated") == 4
    assert _count(page, "Alerts") == 3
    assert _count(page, "Customers alerted") == 2
    assert _count(page, "Cases it would open") == 2
    for key in ("ada_first", "bob_big", "bob_last"):
        assert txs[key] in page
    for key in ("ada_before", "ada_small", "bob_after"):
        assert txs[key] not in page
    assert "Ada Payer" in page and "Bob Payer" in page
    assert "revision 1" in page
    assert XSS not in page

    one = admin.post(
        f"{HOME}/{rule['id']}/backtest",
        {**MARCH, "customer_id": txs["bob"], "sample": "1", "group_by": "rule_and_customer"},
    ).text
    assert _count(one, "Alerts") == 2
    assert one.count("<code>" + txs["bob"] + "</code>") == 1

    assert admin.get(f"{HOME}/backtest").status_code == 200
    draft = admin.post(
        f"{HOME}/backtest", {**MARCH, "condition": '{"test": "amount", "at_least": "4000"}'}
    )
    assert draft.status_code == 200, draft.text
    assert _count(draft.text, "Alerts") == 1
    assert txs["bob_big"] in draft.text
    assert "draft condition" in draft.text

    # A draft edit of a stored rule replays the edit instead of the saved revision.
    edit = admin.post(
        f"{HOME}/{rule['id']}/backtest",
        {**MARCH, "condition": '{"test": "amount", "at_least": "2000"}'},
    )
    assert _count(edit.text, "Alerts") == 2

    assert len(rule_events(db, staff.tenant_id)) == events
    assert _rule(client, staff, rule["id"]) == rule
    assert client.get("/v1/alerts", headers=staff.admin.headers).json()["items"] == []


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"from": "March", "to": "2024-03-31"}, "from"),
        ({"from": "2024-03-01", "to": ""}, "to"),
        ({"from": "2024-03-31", "to": "2024-03-01"}, "to"),
        ({**MARCH, "sample": "500"}, "sample"),
        ({**MARCH, "group_by": "rule"}, "group_by"),
        ({**MARCH, "customer_id": "f" * 24}, "customer_id"),
        ({**MARCH, "condition": '{"test": "nothing"}'}, "condition.test"),
    ],
)
def test_bad_backtests_name_the_field(
    browser: OpenBrowser, client: TestClient, staff: TenantKit, form: dict[str, str], field: str
):
    rule = create_rule(client, staff)
    r = browser(staff.admin).post(f"{HOME}/{rule['id']}/backtest", form)
    assert r.status_code == 422, r.text
    assert f"<strong>{field}</strong>" in r.text


def test_a_draft_backtest_needs_a_condition(browser: OpenBrowser, staff: TenantKit):
    r = browser(staff.admin).post(f"{HOME}/backtest", MARCH)
    assert r.status_code == 422
    assert "<strong>condition</strong>" in r.text


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_readers_see_no_forms_and_cannot_post(
    browser: OpenBrowser, client: TestClient, staff: TenantKit, db: Database, role: str
):
    rule = create_rule(client, staff)
    counts = stored_counts(db, staff.tenant_id)
    reader = browser(getattr(staff, role))
    listing, detail = reader.get(HOME), reader.get(f"{HOME}/{rule['id']}")
    assert (listing.status_code, detail.status_code) == (200, 200)
    assert rule["name"] in listing.text
    assert "Revision history" in detail.text
    for page in (listing, detail):
        assert 'method="post" action="/console/admin' not in page.text
        assert f'href="{HOME}/new"' not in page.text
    assert reader.get(f"{HOME}/new").status_code == 403
    assert reader.get(f"{HOME}/backtest").status_code == 403
    posts = [
        reader.post(HOME, _form()),
        reader.post(f"{HOME}/{rule['id']}", {**_form(), "title": "Changed"}),
        reader.post(f"{HOME}/{rule['id']}/backtest", MARCH),
        reader.post(f"{HOME}/backtest", {**MARCH, "condition": json.dumps(AMOUNT)}),
    ]
    assert [p.status_code for p in posts] == [403] * len(posts)
    assert stored_counts(db, staff.tenant_id) == counts
    assert _rule(client, staff, rule["id"]) == rule


def test_another_tenants_rule_is_not_found(
    browser: OpenBrowser, client: TestClient, staff: TenantKit, other_staff: TenantKit, db: Database
):
    rule = create_rule(client, staff)
    outsider = browser(other_staff.admin)
    answers = [
        outsider.get(f"{HOME}/{rule['id']}"),
        outsider.post(f"{HOME}/{rule['id']}", {**_form(), "title": "Mine now"}),
        outsider.post(f"{HOME}/{rule['id']}/backtest", MARCH),
    ]
    assert [a.status_code for a in answers] == [404] * len(answers)
    assert rule["name"] not in outsider.get(HOME).text
    assert _rule(client, staff, rule["id"]) == rule
    assert len(rule_events(db, staff.tenant_id, rule["id"])) == 1


def test_a_post_without_the_csrf_token_is_refused(
    browser: OpenBrowser, client: TestClient, staff: TenantKit, db: Database
):
    rule = create_rule(client, staff)
    counts = stored_counts(db, staff.tenant_id)
    admin = browser(staff.admin)
    answers = [
        admin.client.post(HOME, data=_form()),
        admin.client.post(f"{HOME}/{rule['id']}", data={**_form(), "title": "Changed"}),
        admin.client.post(
            f"{HOME}/{rule['id']}", data={**_form(), "title": "Changed", "csrf_token": "x"}
        ),
    ]
    assert [a.status_code for a in answers] == [403] * len(answers)
    assert stored_counts(db, staff.tenant_id) == counts
    assert _rule(client, staff, rule["id"]) == rule
