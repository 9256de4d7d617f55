"""An analyst's day in a real browser, and a viewer who can only look."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from casework.infra.db import Database
from tests.console.e2e.conftest import screenshot
from tests.console.support import PASSWORD
from tests.console.test_case_page import load_watchlist, screened_case
from tests.factories import Member, TenantKit


@pytest.fixture(scope="module")
def watchlist(db: Database, tmp_path_factory: pytest.TempPathFactory) -> str:
    return load_watchlist(db, tmp_path_factory.mktemp("e2e-list"))


def sign_in(page: Page, member: Member) -> None:
    page.goto("/console/login")
    page.get_by_label("Email", exact=True).fill(member.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/console/cases"))


def log_actions(client: TestClient, member: Member, case_id: str) -> list[str]:
    response = client.get(f"/v1/cases/{case_id}/log", headers=member.headers)
    assert response.status_code == 200, response.text
    body: Any = response.json()
    events = body["items"] if isinstance(body, dict) else body
    return [event["action"] for event in events]


def test_an_analyst_works_a_case_from_the_queue_to_its_resolution(
    page: Page,
    app: FastAPI,
    client: TestClient,
    staff: TenantKit,
    watchlist: str,
    tmp_path: Path,
) -> None:
    title = f"Sanctions review {secrets.token_hex(3)}"
    case = screened_case(app, client, staff, title=title)

    sign_in(page, staff.analyst)
    screenshot(page, "queue")
    page.get_by_role("link", name="All").first.click()
    page.get_by_label("Search").fill(title)
    page.get_by_label("Search").press("Enter")
    page.get_by_role("link", name=title).click()
    expect(page.locator("h1")).to_contain_text(title)
    screenshot(page, "case")

    for box in page.locator("input[name=done]").all():
        box.check()
    page.get_by_role("button", name="Save checklist").click()
    expect(page.locator("input[name=done]:checked")).to_have_count(2)

    mention = f"Source of funds verified, @{staff.supervisor.email} please countersign"
    page.get_by_label("Add a comment").fill(mention)
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(page.get_by_text("Source of funds verified")).to_be_visible()

    statement = tmp_path / "bank-statement.pdf"
    statement.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    page.get_by_label("Attach a file").set_input_files(str(statement))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("link", name="bank-statement.pdf")).to_be_visible()

    page.get_by_role("button", name="False positive").first.click()
    expect(page.locator("button[aria-pressed=true]").first).to_have_text("False positive")
    screenshot(page, "case-worked")

    page.get_by_label("Resolution", exact=True).select_option("false_positive")
    page.get_by_label("Resolution note").fill("Different person: birth date and country differ.")
    page.get_by_role("button", name="Resolve case").click()
    expect(page.locator("main")).to_contain_text("Resolved")
    screenshot(page, "case-resolved")

    # Every step went through the same services as the API, and is in the audit trail.
    actions = log_actions(client, staff.analyst, case["id"])
    assert actions[-6:] == [
        "task.updated",
        "task.updated",
        "comment.added",
        "attachment.added",
        "screening_match.decided",
        "case.resolved",
    ]
    got = client.get(f"/v1/cases/{case['id']}", headers=staff.viewer.headers).json()
    assert got["review_status"] == "resolved"


def test_a_viewer_reads_the_case_but_has_nothing_to_act_with(
    page: Page, app: FastAPI, client: TestClient, staff: TenantKit, watchlist: str
) -> None:
    case = screened_case(app, client, staff, title=f"Read only {secrets.token_hex(3)}")
    sign_in(page, staff.viewer)
    page.goto(f"/console/cases/{case['id']}")
    expect(page.locator("h1")).to_contain_text("Read only")
    expect(page.locator(f"form[method=post][action^='/console/cases/{case['id']}']")).to_have_count(
        0
    )
    expect(page.locator("input[name=done]")).to_have_count(0)
    screenshot(page, "case-viewer")
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    for action, form in (
        ("comments", {"body": "sneaky"}),
        ("resolve", {"resolution": "false_positive", "note": "sneaky"}),
        ("assign", {"assignee_id": staff.viewer.user_id}),
    ):
        response = page.request.post(
            f"/console/cases/{case['id']}/{action}", form={"csrf_token": csrf, **form}
        )
        assert response.status == 403, action
    got = client.get(f"/v1/cases/{case['id']}", headers=staff.viewer.headers).json()
    assert got["review_status"] == "open"


def _focused(page: Page) -> dict[str, str]:
    result: dict[str, str] = page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {text: (el.textContent || '').trim(), tag: el.tagName,
                    outline: style.outlineStyle, width: style.outlineWidth};
        }"""
    )
    return result


def test_the_queue_and_the_case_actions_work_from_the_keyboard(
    page: Page, app: FastAPI, client: TestClient, staff: TenantKit, watchlist: str
) -> None:
    marker = secrets.token_hex(3)
    first = screened_case(app, client, staff, title=f"Keyboard one {marker}")
    screened_case(app, client, staff, title=f"Keyboard two {marker}")
    sign_in(page, staff.analyst)
    page.goto(f"/console/cases?tab=all&q={marker}")
    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Skip to content"
    # Tab reaches the first case link, and j moves to the next row.
    for _ in range(80):
        page.keyboard.press("Tab")
        if _focused(page)["text"].startswith("Keyboard"):
            break
    focused = _focused(page)
    assert focused["text"].startswith("Keyboard"), focused
    assert focused["outline"] != "none" and focused["width"] != "0px", focused
    page.keyboard.press("j")
    moved = _focused(page)
    assert moved["text"].startswith("Keyboard") and moved["text"] != focused["text"]
    screenshot(page, "queue-keyboard")
    # On the case page, Tab alone reaches the resolve action, with a visible focus ring.
    page.goto(f"/console/cases/{first['id']}")
    for _ in range(300):
        page.keyboard.press("Tab")
        if _focused(page)["text"] == "Resolve case":
            break
    focused = _focused(page)
    assert focused["text"] == "Resolve case", focused
    assert focused["outline"] != "none", focused


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("dashboard", "/console/dashboard"),
        ("screening", "/console/screening?name=Viktor+Bout"),
        ("watchlists", "/console/watchlists"),
        ("inbox", "/console/inbox"),
        ("admin", "/console/admin"),
        ("admin-users", "/console/admin/users"),
        ("admin-api-clients", "/console/admin/api-clients"),
        ("admin-case-configs", "/console/admin/case-configs"),
        ("admin-webhooks", "/console/admin/webhooks"),
        ("admin-rules", "/console/admin/rules"),
    ],
)
def test_each_main_page_renders_in_the_browser(
    page: Page,
    app: FastAPI,
    client: TestClient,
    staff: TenantKit,
    watchlist: str,
    name: str,
    url: str,
) -> None:
    screened_case(app, client, staff, title="Dashboard sample")
    sign_in(page, staff.admin)
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    expect(page.locator("h1")).to_have_count(1)
    screenshot(page, name)
