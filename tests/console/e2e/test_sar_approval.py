"""Four-eyes over a resolution and its SAR in a real browser: an analyst proposes
"resolved, potential threat", drafts a FinCEN SAR from the case, writes its narrative
and marks it ready; a supervisor approves both; the case's trail tells that story."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from tests.console.e2e.conftest import screenshot
from tests.console.e2e.test_console_flow import log_actions, sign_in
from tests.console.e2e.test_four_eyes import second_page  # noqa: F401  (a fixture)
from tests.factories import TenantKit
from tests.reports.support import FINCEN, NARRATIVE, configure, reporting_case


def test_an_analyst_proposes_a_resolution_with_a_sar_and_a_supervisor_approves_both(
    page: Page,
    second_page: Page,  # noqa: F811
    client: TestClient,
    staff: TenantKit,
) -> None:
    policy = {"resolve": {"resolutions": ["potential_threat"]}}
    r = client.put("/v1/settings/approvals", json=policy, headers=staff.admin.headers)
    assert r.status_code == 200, r.text
    configure(client, staff, fincen=FINCEN)
    case = reporting_case(
        client,
        staff,
        "person",
        title="Wires below the threshold",
        assignee_id=staff.analyst.user_id,
    )
    case_url = f"/console/cases/{case['id']}"

    sign_in(page, staff.analyst)
    page.goto(case_url)
    page.get_by_label("Resolution", exact=True).select_option("potential_threat")
    page.get_by_label("Resolution note").fill("Funds split under the threshold; SAR filed")
    page.get_by_role("button", name="Resolve case").click()
    expect(page.get_by_text("Resolution proposed")).to_be_visible()

    page.get_by_label("Format").select_option("fincen_sar")
    page.get_by_label("Report code or filing type").select_option("initial")
    page.get_by_role("button", name="Draft a report from the case").click()
    expect(page.get_by_text("drafted from the case")).to_be_visible()
    expect(page.locator("#report-problems")).to_contain_text("narrative")
    screenshot(page, "sar-drafted")
    page.get_by_label("Narrative: what happened and why it is suspicious").fill(NARRATIVE)
    page.get_by_label("Suspicious activity types").fill("812")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#report-valid")).to_be_visible()
    page.get_by_role("button", name="Mark ready for approval").click()
    expect(page.locator("#report-awaiting")).to_be_visible()
    expect(page.get_by_role("button", name="Approve report")).to_have_count(0)
    screenshot(page, "sar-ready")

    sign_in(second_page, staff.supervisor)
    second_page.get_by_role("link", name=re.compile("Awaiting my approval")).click()
    second_page.get_by_role("link", name="Wires below the threshold").click()
    expect(second_page.locator("#pending-decision")).to_contain_text("potential threat")
    screenshot(second_page, "sar-case-to-approve")
    second_page.locator("#approve-note-1").fill("Agreed")
    second_page.get_by_role("button", name="Approve", exact=True).first.click()
    expect(second_page.get_by_text("Approved: the change is made.")).to_be_visible()
    second_page.get_by_role("link", name=re.compile("FinCEN SAR initial report")).first.click()
    second_page.get_by_role("button", name="Approve report").click()
    expect(second_page.get_by_text("Report approved")).to_be_visible()
    expect(second_page.locator("#report-approved")).to_contain_text("Supervisor")
    screenshot(second_page, "sar-approved")

    actions = log_actions(client, staff.admin, case["id"])
    story = [a for a in actions if a.startswith(("decision.", "report.", "case.resolved"))]
    assert story == [
        "decision.proposed",
        "report.created",
        "report.updated",
        "report.ready",
        "decision.proposed",
        "decision.approved",
        "case.resolved",
        "decision.approved",
        "report.approved",
    ]
    resolved = client.get(f"/v1/cases/{case['id']}", headers=staff.viewer.headers).json()
    assert (resolved["review_status"], resolved["resolution"]) == ("resolved", "potential_threat")
