"""Every main console page: labelled inputs, one heading, escaped user content."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from casework.infra.db import Database
from casework.screening.service import import_dataset
from tests.console.support import Browser
from tests.factories import TenantKit, case_body

HOSTILE = "<script>alert(1)</script>"


class PageAudit(HTMLParser):
    """Collects what the checks below need from one page."""

    def __init__(self) -> None:
        super().__init__()
        self.labels: set[str] = set()
        self.fields: list[dict[str, str | None]] = []
        self.h1 = 0
        self.scripts: list[dict[str, str | None]] = []
        self.in_label = 0
        self.wrapped: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "label":
            self.in_label += 1
            if found.get("for"):
                self.labels.add(str(found["for"]))
        elif tag in {"input", "select", "textarea"}:
            if tag == "input" and found.get("type") in {"hidden", "submit", "button"}:
                return
            (self.wrapped if self.in_label else self.fields).append(found)
        elif tag == "h1":
            self.h1 += 1
        elif tag == "script":
            self.scripts.append(found)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self.in_label:
            self.in_label -= 1

    def unlabelled(self) -> list[dict[str, str | None]]:
        return [
            f
            for f in self.fields
            if not (f.get("id") and f["id"] in self.labels)
            and not f.get("aria-label")
            and not f.get("aria-labelledby")
        ]


@pytest.fixture
def hostile_case(client: TestClient, staff: TenantKit) -> dict[str, object]:
    body = case_body(title=HOSTILE, description=HOSTILE, tasks=[HOSTILE])
    created = client.post("/v1/cases", json=body, headers=staff.admin.headers)
    assert created.status_code == 201, created.text
    case = created.json()
    comment = client.post(
        f"/v1/cases/{case['id']}/comments", json={"body": HOSTILE}, headers=staff.admin.headers
    )
    assert comment.status_code == 201
    return dict(case)


@pytest.fixture
def own_list(db: Database, staff: TenantKit, tmp_path: Path) -> str:
    """A list of the tenant's own, so that the screening page searches rather than
    saying there is nothing to search, whichever lists other tests loaded."""
    name = f"own-{secrets.token_hex(4)}"
    path = tmp_path / "list.json"
    record = {"id": "p1", "schema": "Person", "properties": {"name": ["Ann Listed"]}}
    path.write_text(json.dumps({**record, "target": True}) + "\n", encoding="utf-8")
    with db.transaction() as session:
        import_dataset(
            session, name=name, format_name="ftm", paths=[path], tenant_id=staff.tenant_id
        )
    return name


def _pages(case_id: str) -> list[str]:
    return [
        "/console/cases",
        "/console/cases?tab=all",
        f"/console/cases?tab=all&q={HOSTILE}",
        f"/console/cases/{case_id}",
        "/console/dashboard",
        "/console/screening",
        f"/console/screening?name={HOSTILE}",
        "/console/watchlists",
        "/console/inbox",
        "/console/admin",
        "/console/admin/users",
        "/console/admin/roles",
        "/console/admin/api-clients",
        "/console/admin/case-configs",
        "/console/admin/webhooks",
        "/console/admin/webhooks/deliveries",
        "/console/admin/rules",
    ]


def test_every_main_page_labels_its_inputs_and_escapes_user_content(
    browser: Callable[..., Browser],
    staff: TenantKit,
    hostile_case: dict[str, object],
    own_list: str,
) -> None:
    opened = browser(staff.admin)
    for url in _pages(str(hostile_case["id"])):
        response = opened.get(url)
        assert response.status_code == 200, (url, response.text[:500])
        page = response.text
        assert HOSTILE not in page, url
        audit = PageAudit()
        audit.feed(page)
        assert audit.h1 == 1, (url, audit.h1)
        assert not audit.unlabelled(), (url, audit.unlabelled())
        # Only the console's own script file, never inline code.
        assert all(s.get("src") == "/console/static/console.js" for s in audit.scripts), url
    case_page = opened.get(f"/console/cases/{hostile_case['id']}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in case_page


def test_the_login_page_labels_its_inputs(browser: Callable[..., Browser]) -> None:
    page = browser().get("/console/login").text
    audit = PageAudit()
    audit.feed(page)
    assert audit.h1 == 1 and not audit.unlabelled()


def test_focus_is_visible_in_the_stylesheet(client: TestClient) -> None:
    css = client.get("/console/static/console.css")
    assert css.status_code == 200
    assert ":focus-visible" in css.text and "outline: 3px solid" in css.text
