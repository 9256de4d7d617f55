"""Four-eyes in a real browser: an analyst proposes a resolution the policy holds, a
supervisor finds it under "Awaiting my approval" and approves it, and the trail tells
that story."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect

from tests.console.e2e.conftest import screenshot
from tests.console.e2e.test_console_flow import log_actions, sign_in
from tests.factories import Member, TenantKit, case_body


@pytest.fixture
def second_page(chromium: Browser, live_server: str) -> Iterator[Page]:
    context = chromium.new_context(base_url=live_server, viewport={"width": 1360, "height": 900})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _held_case(client: TestClient, staff: TenantKit, title: str) -> str:
    policy = {"resolve": {"resolutions": ["potential_threat"]}}
    r = client.put("/v1/settings/approvals", json=policy, headers=staff.admin.headers)
    assert r.status_code == 200, r.text
    body = case_body(title=title, tasks=[], assignee_id=staff.analyst.user_id)
    r = client.post("/v1/cases", json=body, headers=staff.admin.headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_an_analyst_proposes_and_a_supervisor_approves(
    page: Page, second_page: Page, client: TestClient, staff: TenantKit
) -> None:
    case_id = _held_case(client, staff, "Structuring across branches")
    analyst: Member = staff.analyst
    sign_in(page, analyst)
    page.goto(f"/console/cases/{case_id}")
    page.get_by_label("Resolution", exact=True).select_option("potential_threat")
    page.get_by_label("Resolution note").fill("Cash split under the threshold; reported")
    page.get_by_role("button", name="Resolve case").click()
    expect(page.get_by_text("Resolution proposed")).to_be_visible()
    expect(page.locator("#pending-decision")).to_contain_text("resolving as potential threat")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    screenshot(page, "decision-proposed")

    sign_in(second_page, staff.supervisor)
    second_page.get_by_role("link", name=re.compile("Awaiting my approval")).click()
    second_page.get_by_role("link", name="Structuring across branches").click()
    second_page.locator("#approve-note-1").fill("Agreed, file the SAR")
    screenshot(second_page, "decision-to-approve")
    second_page.get_by_role("button", name="Approve", exact=True).click()
    expect(second_page.get_by_text("Approved: the change is made.")).to_be_visible()
    expect(second_page.locator("#pending-decision")).to_have_count(0)
    screenshot(second_page, "decision-approved")

    assert log_actions(client, staff.admin, case_id)[1:] == [
        "decision.proposed",
        "decision.approved",
        "case.resolved",
    ]
