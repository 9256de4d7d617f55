"""The console's case page: every panel filled from real data, in a bounded number of
queries, read-only for viewers, scoped to the tenant, escaping what users wrote."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from casework.checks.runners import ownership as ubo
from casework.console.ownership_graph import ownership_view
from casework.infra.db import Database
from casework.models import Case
from casework.models.base import utcnow
from casework.screening.service import import_dataset
from tests.console.support import Browser, page_statements
from tests.factories import Member, TenantKit, case_body

SCRIPT = "<script>alert(1)</script>"
OWNERSHIP = {
    "subject": "co",
    "entities": [
        {"id": "co", "name": "Fjordline Shipping AS", "type": "company", "country": "NOR"},
        {"id": "hold", "name": "Fjord Holding Ltd", "type": "company", "country": "CYP"},
        {"id": "ana", "name": "Ana Lindqvist", "type": "person", "country": "SWE"},
        {"id": "ben", "name": "Ben <b>Okafor</b>", "type": "person", "country": "NGA"},
    ],
    "ownerships": [
        {"owner": "hold", "owned": "co", "percentage": 80},
        {"owner": "ana", "owned": "hold", "percentage": 75},
        {"owner": "ben", "owned": "hold", "percentage": 25},
        {"owner": "ben", "owned": "co", "percentage": 10},
    ],
}
ACTION_FORM = re.compile(r'<form method="post" action="/console/cases/')


def load_watchlist(db: Database, folder: Path) -> str:
    """A small sanctions list with one listed person, imported for the whole instance."""
    name = f"console-{secrets.token_hex(4)}"
    properties = {"name": ["Viktor Anatolyevich Bout"], "topics": ["sanction"]}
    record = {"id": "vb", "schema": "Person", "target": True, "properties": properties}
    record["properties"]["birthDate"] = ["1967-01-13"]
    path = folder / "list.json"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with db.transaction() as session:
        import_dataset(session, name=name, format_name="ftm", paths=[path])
    return name


@pytest.fixture(scope="module")
def watchlist(db: Database, tmp_path_factory: pytest.TempPathFactory) -> str:
    return load_watchlist(db, tmp_path_factory.mktemp("console-list"))


def api(client: TestClient, member: Member, method: str, url: str, **kwargs: Any) -> Any:
    response = client.request(method, url, headers=member.headers, **kwargs)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def customer(client: TestClient, kit: TenantKit, name: str = "Ada Payer") -> dict[str, Any]:
    body = {"full_name": name, "external_id": f"c-{secrets.token_hex(4)}", "country": "GBR"}
    return dict(api(client, kit.analyst, "POST", "/v1/customers", json=body))


def transaction(client: TestClient, kit: TenantKit, customer_id: str, amount: str) -> dict:
    body = {
        "external_id": f"tx-{secrets.token_hex(6)}",
        "customer_id": customer_id,
        "amount": amount,
        "currency": "EUR",
        "direction": "out",
        "counterparty_name": "Northwind Traders",
        "occurred_at": "2026-11-02T10:00:00Z",
    }
    return dict(api(client, kit.analyst, "POST", "/v1/transactions", json=body))


def screened_case(app: FastAPI, client: TestClient, kit: TenantKit, **body: Any) -> dict:
    """A case about a listed person, screened, with an ownership structure resolved."""
    person = {"customer_type": "INDIVIDUAL", "full_name": "Viktor Bout"}
    person |= {"birth_date": "1967-01-13", "country": "RUS"}
    checks = [
        {"type": "SANCTIONS"},
        {"type": "UBO_RESOLUTION", "input_details": {"ownership": OWNERSHIP}},
    ]
    created = api(
        client,
        kit.analyst,
        "POST",
        "/v1/cases",
        json=case_body(customer=person, checks=checks, **body),
    )
    app.state.jobs.join()
    return dict(created)


def checks_of(client: TestClient, kit: TenantKit, case_id: str) -> dict[str, dict[str, Any]]:
    items = api(client, kit.viewer, "GET", f"/v1/cases/{case_id}/checks")["items"]
    return {c["type"]: c for c in items}


def test_the_page_shows_every_panel_with_real_data(
    app: FastAPI,
    client: TestClient,
    db: Database,
    staff: TenantKit,
    browser: Callable[[Member], Browser],
    watchlist: str,
):
    case = screened_case(app, client, staff)
    with db.transaction() as session:  # the API only takes due dates in the future
        session.execute(
            update(Case).where(Case.id == case["id"]).values(due_date=utcnow() - timedelta(days=1))
        )
    api(
        client,
        staff.analyst,
        "POST",
        f"/v1/cases/{case['id']}/comments",
        json={"body": "Spoke to the RM"},
    )
    api(
        client,
        staff.analyst,
        "POST",
        f"/v1/cases/{case['id']}/assign",
        json={"assignee_id": staff.analyst.user_id},
    )
    sanctions = checks_of(client, staff, case["id"])["SANCTIONS"]
    match = next(m for m in sanctions["matches"] if m["entity_id"] == f"{watchlist}:vb")

    page = browser(staff.analyst).get(f"/console/cases/{case['id']}")
    assert page.status_code == 200, page.text
    html = page.text
    # Header: number, title, status, priority, overdue, assignee, provenance, outcome.
    assert f"#{case['number']}" in html and "High-value transfer" in html
    assert 'class="badge priority-high"' in html and 'class="badge overdue"' in html
    assert 'class="badge status">Open<' in html
    assert "Opened through the API" in html and "(byApi)" in html
    assert "API client analyst client for Analyst Tester" in html
    assert "Pending" in html  # the unreviewed match leaves the outcome pending
    # Customer panel.
    assert "Viktor Bout" in html and "1967-01-13" in html and "RUS" in html
    # Screening: the match, the matcher's per-feature explanation, the two decisions.
    assert "Viktor Anatolyevich Bout" in html
    assert match["explanation"]["name"]["text"] in html
    assert "Birth date" in html
    action = f"/checks/{sanctions['id']}/matches/{match['id']}/decision"
    assert action in html
    assert 'value="false_positive">False positive<' in html
    assert 'value="true_positive">True positive<' in html
    # UBO: the SVG graph with percentages, and the tables for screen readers.
    assert '<svg class="ownership chart"' in html and 'role="img"' in html
    assert ">80%<" in html and ">75%<" in html
    assert "Fjord Holding Ltd" in html and "60.0%" in html
    assert "Ben &lt;b&gt;Okafor&lt;/b&gt;" in html and "<b>Okafor" not in html
    # Checklist, comments with the mention hint, attachments, audit trail, actions.
    assert "Review history" in html and 'name="done"' in html
    assert "Spoke to the RM" in html and "@mention a colleague by email" in html
    assert 'enctype="multipart/form-data"' in html
    assert "Case created" in html and "Assigned to Analyst" in html
    for form in ("assign", "status", "resolve", "escalate", "checks/run", "tasks", "comments"):
        assert f'action="/console/cases/{case["id"]}/{form}"' in html, form
    assert "legal-hold" not in html  # an analyst does not manage legal holds
    assert 'for="comment-body"' in html and 'for="assign-assignee"' in html


def test_a_rule_made_case_lists_its_transactions_and_rule_hits(
    app: FastAPI, client: TestClient, staff: TenantKit, browser: Callable[[Member], Browser]
):
    rule = {
        "name": f"large-{secrets.token_hex(4)}",
        "title": "Large console transfer",
        "severity": "high",
        "condition": {"test": "amount", "at_least": "1000"},
        "enabled": True,
    }
    api(client, staff.admin, "POST", "/v1/rules", json=rule)
    payer = customer(client, staff, "Grace Hopper")
    tx = transaction(client, staff, payer["id"], "2500.00")
    app.state.jobs.join()
    cases = api(client, staff.viewer, "GET", "/v1/cases", params={"customer_id": payer["id"]})[
        "items"
    ]
    assert len(cases) == 1, cases

    html = browser(staff.viewer).get(f"/console/cases/{cases[0]['id']}").text
    assert "byRule" in html and "rule Large console transfer (revision 1)" in html
    assert "Rule hits (1)" in html and "Large console transfer" in html
    assert "Linked transactions (1)" in html and tx["external_id"] in html
    assert "Northwind Traders" in html and "2500" in html


def test_a_manually_linked_transaction_is_listed(
    client: TestClient, staff: TenantKit, browser: Callable[[Member], Browser]
):
    payer = customer(client, staff)
    tx = transaction(client, staff, payer["id"], "1000.25")
    body = case_body(customer_id=payer["id"], transaction_ids=[tx["id"]])
    case = api(client, staff.analyst, "POST", "/v1/cases", json=body)
    html = browser(staff.viewer).get(f"/console/cases/{case['id']}").text
    assert "Linked transactions (1)" in html and tx["external_id"] in html
    assert "1000.25" in html


def test_the_page_reads_a_fixed_number_of_queries(
    app: FastAPI,
    client: TestClient,
    db: Database,
    staff: TenantKit,
    browser: Callable[[Member], Browser],
    watchlist: str,
):
    small = screened_case(app, client, staff)
    large = screened_case(app, client, staff, tasks=[f"Task {i}" for i in range(30)])
    for i in range(25):
        api(
            client,
            staff.analyst,
            "POST",
            f"/v1/cases/{large['id']}/comments",
            json={"body": f"Note {i}"},
        )
    user = browser(staff.supervisor)
    counts = []
    for case in (small, large):
        user.get(f"/console/cases/{case['id']}")  # warm: the session is touched once
        with page_statements(db) as statements:
            assert user.get(f"/console/cases/{case['id']}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 20, counts


def test_a_case_is_found_by_its_number(
    client: TestClient, staff: TenantKit, browser: Callable[[Member], Browser]
):
    case = api(client, staff.analyst, "POST", "/v1/cases", json=case_body())
    user = browser(staff.viewer)
    for url in (f"/console/cases/by-number/{case['number']}", f"/console/cases/{case['number']}"):
        response = user.get(url)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == f"/console/cases/{case['id']}"
    missing = user.get("/console/cases/by-number/999999")
    assert missing.status_code == 404
    assert "case 999999 not found" in missing.text


def test_a_viewer_sees_the_case_but_no_forms(
    app: FastAPI,
    client: TestClient,
    staff: TenantKit,
    browser: Callable[[Member], Browser],
    watchlist: str,
):
    case = screened_case(app, client, staff)
    html = browser(staff.viewer).get(f"/console/cases/{case['id']}").text
    assert "Viktor Anatolyevich Bout" in html and "Review history" in html
    assert not ACTION_FORM.search(html)
    assert 'name="done"' not in html and "False positive</button>" not in html
    assert "There is nothing you can change on this case." in html


def test_another_tenants_case_is_not_found(
    client: TestClient,
    staff: TenantKit,
    other_staff: TenantKit,
    browser: Callable[[Member], Browser],
):
    theirs = api(client, other_staff.analyst, "POST", "/v1/cases", json=case_body())
    user = browser(staff.admin)
    assert user.get(f"/console/cases/{theirs['id']}").status_code == 404
    assert user.get(f"/console/cases/by-number/{theirs['number'] + 10_000}").status_code == 404
    assert user.get("/console/cases/0123456789abcdef01234567").status_code == 404


def test_user_content_is_escaped(
    client: TestClient, staff: TenantKit, browser: Callable[[Member], Browser]
):
    person = {"customer_type": "INDIVIDUAL", "full_name": f"Eve {SCRIPT}"}
    body = case_body(title=f"Title {SCRIPT}", description=SCRIPT, customer=person)
    case = api(client, staff.analyst, "POST", "/v1/cases", json=body)
    api(client, staff.analyst, "POST", f"/v1/cases/{case['id']}/comments", json={"body": SCRIPT})
    html = browser(staff.analyst).get(f"/console/cases/{case['id']}").text
    assert SCRIPT not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5


def test_signed_out_visitors_are_sent_to_sign_in(app: FastAPI, staff: TenantKit):
    anonymous = Browser(app)
    response = anonymous.get("/console/cases/0123456789abcdef01234567")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/login?next=")


def _evidence(entities: list[dict[str, Any]], ownerships: list[dict[str, Any]]) -> dict:
    structure = ubo.parse_structure(
        {"subject": "s", "entities": entities, "ownerships": ownerships}
    )
    return ubo.resolve(structure).as_evidence()


def test_circular_and_large_structures_are_drawn_or_listed():
    entities = [
        {"id": "s", "name": "Subject plc", "type": "company"},
        {"id": "a", "name": "Alpha SARL", "type": "company"},
        {"id": "b", "name": "Beta Trust", "type": "trust"},
        {"id": "p", "name": "Petra", "type": "person"},
        {"id": "x", "name": "Loose Ltd", "type": "company"},
    ]
    holdings = [
        {"owner": "a", "owned": "s", "percentage": 40},
        {"owner": "b", "owned": "a", "percentage": 50},
        {"owner": "a", "owned": "b", "percentage": 1},
        {"owner": "p", "owned": "b", "percentage": 100},
        {"owner": "p", "owned": "s"},
    ]
    view = ownership_view(_evidence(entities, holdings), "k")
    assert view is not None and view.svg is not None
    assert 'class="cycle"' in view.svg and ">?<" in view.svg and "Loose Ltd" in view.svg

    people = [{"id": f"p{i}", "name": f"Person {i}", "type": "person"} for i in range(70)]
    shares = [{"owner": f"p{i}", "owned": "s", "percentage": 1} for i in range(70)]
    crowd = ownership_view(_evidence(entities[:1] + people, shares), "k")
    assert crowd is not None and crowd.svg is None and len(crowd.links) == 70
