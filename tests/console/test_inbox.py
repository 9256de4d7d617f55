"""The console inbox: a user's @mention notifications, read and marked read."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.infra.db import Database
from casework.models import Notification
from tests.console.support import Browser
from tests.factories import Member, TenantKit, case_body

Open = Callable[[Member | None], Browser]
SCRIPT = "<script>alert(1)</script>"


def _mention(client: TestClient, kit: TenantKit, who: Member, text: str = "") -> str:
    r = client.post("/v1/cases", json=case_body(), headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    case_id: str = r.json()["id"]
    r = client.post(
        f"/v1/cases/{case_id}/comments",
        json={"body": f"@{who.email} {text}"},
        headers=kit.analyst.headers,
    )
    assert r.status_code == 201, r.text
    return case_id


def _notifications(db: Database, user_id: str) -> list[Notification]:
    with db.transaction(write=False) as session:
        stmt = (
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.id.desc())
        )
        return list(session.scalars(stmt))


def _unread(db: Database, user_id: str) -> int:
    return sum(1 for n in _notifications(db, user_id) if n.read_at is None)


def test_inbox_lists_mentions_newest_first_escaped_with_case_links(
    client: TestClient, staff: TenantKit, browser: Open, db: Database
):
    first = _mention(client, staff, staff.viewer, "older note")
    second = _mention(client, staff, staff.viewer, f"look {SCRIPT}")

    page = browser(staff.viewer).get("/console/inbox")
    assert page.status_code == 200, page.text
    html = page.text
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.index(f"/console/cases/{second}") < html.index(f"/console/cases/{first}")
    assert "2 unread" in html
    assert html.count("Mark read</button>") == 2
    assert 'action="/console/inbox/read-all"' in html
    assert "mentioned you in case #" in html


def test_mark_one_read_then_all_read(
    client: TestClient, staff: TenantKit, browser: Open, db: Database
):
    for n in range(3):
        _mention(client, staff, staff.supervisor, f"number {n}")
    newest, *_ = _notifications(db, staff.supervisor.user_id)
    user = browser(staff.supervisor)

    r = user.post(f"/console/inbox/{newest.id}/read")
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/console/inbox"
    assert _unread(db, staff.supervisor.user_id) == 2
    unread_page = user.get("/console/inbox?show=unread").text
    assert f"/console/inbox/{newest.id}/read" not in unread_page
    assert unread_page.count("Mark read</button>") == 2

    r = user.post("/console/inbox/read-all")
    assert r.status_code == 303, r.text
    assert _unread(db, staff.supervisor.user_id) == 0
    after = user.get("/console/inbox")
    assert "Marked 2 notifications as read." in after.text
    assert "Mark read</button>" not in after.text
    assert "Mark all read" not in after.text
    assert after.text.count("mentioned you in case #") == 3


def test_inbox_pages_by_fifty(client: TestClient, staff: TenantKit, browser: Open, db: Database):
    r = client.post("/v1/cases", json=case_body(), headers=staff.analyst.headers)
    case_id = r.json()["id"]
    for n in range(52):
        r = client.post(
            f"/v1/cases/{case_id}/comments",
            json={"body": f"@{staff.viewer.email} item-{n:02d}-end"},
            headers=staff.analyst.headers,
        )
        assert r.status_code == 201, r.text
    user = browser(staff.viewer)
    first = user.get("/console/inbox").text
    assert first.count("mentioned you in case #") == 50
    assert "item-51-end" in first and "item-01-end" not in first
    older = re.search(r'href="(/console/inbox\?cursor=[^"]+)"', first)
    assert older, "no link to the older page"
    second = user.get(older.group(1).replace("&amp;", "&")).text
    assert second.count("mentioned you in case #") == 2
    assert "item-01-end" in second and "item-00-end" in second


def test_another_users_or_tenants_notification_is_not_found(
    client: TestClient, staff: TenantKit, other_staff: TenantKit, browser: Open, db: Database
):
    _mention(client, staff, staff.viewer, "private")
    (note,) = _notifications(db, staff.viewer.user_id)

    outsider = browser(other_staff.admin)
    assert "private" not in outsider.get("/console/inbox").text
    r = outsider.post(f"/console/inbox/{note.id}/read")
    assert r.status_code == 404
    assert "not found" in r.text
    colleague = browser(staff.admin)
    assert colleague.post(f"/console/inbox/{note.id}/read").status_code == 404
    assert colleague.post("/console/inbox/read-all").status_code == 303
    assert _unread(db, staff.viewer.user_id) == 1


def test_posts_without_csrf_are_refused_and_change_nothing(
    client: TestClient, staff: TenantKit, browser: Open, db: Database
):
    _mention(client, staff, staff.viewer)
    (note,) = _notifications(db, staff.viewer.user_id)
    user = browser(staff.viewer)
    for url in (f"/console/inbox/{note.id}/read", "/console/inbox/read-all"):
        r = user.client.post(url, data={})
        assert r.status_code == 403, r.text
        r = user.client.post(url, data={"csrf_token": "forged"})
        assert r.status_code == 403, r.text
    assert _unread(db, staff.viewer.user_id) == 1


def test_bad_query_values_name_their_field(staff: TenantKit, browser: Open):
    user = browser(staff.viewer)
    r = user.get("/console/inbox?show=everything")
    assert r.status_code == 422
    assert "show" in r.text
    r = user.get("/console/inbox?cursor=not-a-cursor")
    assert r.status_code == 422
    assert "cursor" in r.text


def test_signed_out_visitor_is_sent_to_sign_in(browser: Open):
    r = browser(None).get("/console/inbox")
    assert r.status_code == 303
    assert r.headers["location"].startswith("/console/login?next=")
