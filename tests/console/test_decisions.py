"""Four-eyes in the console: a held resolution shows as awaiting approval, another
person approves or rejects it from the case page, and the queue lists what awaits them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.console.support import Browser
from tests.factories import Member, TenantKit, case_body

Browse = Callable[[Member], Browser]
FORM = {"resolution": "potential_threat", "note": "Structuring, reported"}


def _held_case(client: TestClient, staff: TenantKit) -> dict[str, Any]:
    policy = {"resolve": {"resolutions": ["potential_threat"]}}
    r = client.put("/v1/settings/approvals", json=policy, headers=staff.admin.headers)
    assert r.status_code == 200, r.text
    r = client.post("/v1/cases", json=case_body(tasks=[]), headers=staff.admin.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _case(client: TestClient, staff: TenantKit, case_id: str) -> dict[str, Any]:
    return dict(client.get(f"/v1/cases/{case_id}", headers=staff.viewer.headers).json())


def _actions(client: TestClient, staff: TenantKit, case_id: str) -> list[str]:
    log = client.get(f"/v1/cases/{case_id}/log", headers=staff.admin.headers).json()
    return [e["action"] for e in log]


def test_an_analyst_proposes_and_a_supervisor_approves_in_the_console(
    client: TestClient, staff: TenantKit, browser: Browse
):
    case = _held_case(client, staff)
    url = f"/console/cases/{case['id']}"
    analyst, supervisor = browser(staff.analyst), browser(staff.supervisor)

    r = analyst.post(f"{url}/resolve", FORM)
    assert r.status_code == 303, r.text
    page = analyst.get(url).text
    assert "Resolution proposed: it applies once someone else approves it." in page
    assert 'id="pending-decision"' in page and "resolving as potential threat" in page
    assert "/approve" not in page, "the proposer gets no approve form"
    assert _case(client, staff, case["id"])["review_status"] == "open"

    queue = supervisor.get("/console/cases?tab=approval").text
    assert case["id"] in queue
    assert case["id"] not in analyst.get("/console/cases?tab=approval").text
    shown = supervisor.get(url).text
    decision_id = _case(client, staff, case["id"])["pending_decision_id"]
    assert f'action="{url}/decisions/{decision_id}/approve"' in shown
    assert f'action="{url}/resolve"' not in shown, "no second resolution while one waits"

    r = supervisor.post(f"{url}/decisions/{decision_id}/approve", {"note": "Agreed"})
    assert r.status_code == 303, r.text
    after = _case(client, staff, case["id"])
    assert (after["review_status"], after["resolution"]) == ("resolved", "potential_threat")
    assert _actions(client, staff, case["id"])[1:] == [
        "decision.proposed",
        "decision.approved",
        "case.resolved",
    ]
    assert re.search(r"Potential threat by Supervisor \w+", supervisor.get(url).text)


def test_a_rejection_in_the_console_needs_a_reason_and_changes_nothing(
    client: TestClient, staff: TenantKit, browser: Browse
):
    case = _held_case(client, staff)
    url = f"/console/cases/{case['id']}"
    assert browser(staff.analyst).post(f"{url}/resolve", FORM).status_code == 303
    decision_id = _case(client, staff, case["id"])["pending_decision_id"]
    supervisor = browser(staff.supervisor)
    r = supervisor.post(f"{url}/decisions/{decision_id}/reject", {"note": " "})
    assert r.status_code == 422, r.text
    r = supervisor.post(f"{url}/decisions/{decision_id}/reject", {"note": "Evidence missing"})
    assert r.status_code == 303, r.text
    after = _case(client, staff, case["id"])
    assert (after["review_status"], after["pending_decision_id"]) == ("open", None)
    assert _actions(client, staff, case["id"])[-1] == "decision.rejected"


def test_the_proposer_cannot_approve_through_the_console(
    client: TestClient, staff: TenantKit, browser: Browse
):
    case = _held_case(client, staff)
    url = f"/console/cases/{case['id']}"
    supervisor = browser(staff.supervisor)
    assert supervisor.post(f"{url}/resolve", FORM).status_code == 303
    decision_id = _case(client, staff, case["id"])["pending_decision_id"]
    assert "/approve" not in supervisor.get(url).text
    r = supervisor.post(f"{url}/decisions/{decision_id}/approve", {})
    assert r.status_code == 403, r.text
    # Nor through the API client that acts for them.
    r = client.post(
        f"/v1/decisions/{decision_id}/approve", json={}, headers=staff.supervisor.headers
    )
    assert r.status_code == 403, r.text
    assert _case(client, staff, case["id"])["review_status"] == "open"


def test_a_decision_of_another_case_is_not_found(
    client: TestClient, staff: TenantKit, browser: Browse
):
    case = _held_case(client, staff)
    other = client.post("/v1/cases", json=case_body(), headers=staff.admin.headers).json()
    assert (
        browser(staff.analyst).post(f"/console/cases/{case['id']}/resolve", FORM).status_code == 303
    )
    decision_id = _case(client, staff, case["id"])["pending_decision_id"]
    r = browser(staff.supervisor).post(
        f"/console/cases/{other['id']}/decisions/{decision_id}/approve", {}
    )
    assert r.status_code == 404, r.text
    assert _case(client, staff, case["id"])["pending_decision_id"] == decision_id
