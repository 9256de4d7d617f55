"""The console's case queue: tabs, filters, sorting, pages and saved views."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from casework.infra.db import Database
from casework.models import AuditEvent, Case
from casework.models.workspace import SavedView
from tests.console.support import Browser, page_statements
from tests.factories import Member, TenantKit, case_body

Open = Callable[[Member | None], Browser]
ROW = re.compile(r'href="/console/cases/([0-9a-f]{24})" data-row-link')
NEXT = re.compile(r'href="([^"]+)" rel="next"')
SCRIPT = "<script>alert(1)</script>"


def _case(client: TestClient, member: Member, **overrides: Any) -> dict[str, Any]:
    body = case_body(tasks=[], **overrides)
    r = client.post("/v1/cases", json=body, headers=member.headers)
    assert r.status_code == 201, r.text
    return r.json()


def _ids(page: str) -> list[str]:
    return ROW.findall(page)


def _queue(browser: Browser, query: str = "") -> str:
    r = browser.get(f"/console/cases{'?' + query if query else ''}")
    assert r.status_code == 200, r.text
    return r.text


def _set(db: Database, case_id: str, **values: Any) -> None:
    with db.transaction() as session:
        session.execute(update(Case).where(Case.id == case_id).values(**values))


def _views(db: Database, user_id: str) -> list[SavedView]:
    with db.transaction(write=False) as session:
        return list(session.scalars(select(SavedView).where(SavedView.user_id == user_id)))


def test_signed_out_goes_to_sign_in_and_back(browser: Open):
    anonymous = browser(None)
    r = anonymous.get("/console/cases?tab=all&priority=high")
    assert r.status_code == 303
    assert r.headers["location"] == (
        "/console/login?next=%2Fconsole%2Fcases%3Ftab%3Dall%26priority%3Dhigh"
    )
    assert anonymous.post("/console/cases/views", {"name": "x"}).status_code == 303
    assert anonymous.get("/console/").headers["location"] == "/console/cases"


def test_each_tab_shows_its_cases(
    client: TestClient, db: Database, staff: TenantKit, browser: Open
):
    analyst, supervisor = staff.analyst, staff.supervisor
    mine = _case(client, analyst, title="Mine", assignee_id=analyst.user_id)["id"]
    unassigned = _case(client, analyst, title="Nobody's")["id"]
    theirs = _case(client, analyst, title="Theirs", assignee_id=supervisor.user_id)["id"]
    escalated = _case(client, analyst, title="Up", assignee_id=supervisor.user_id)["id"]
    r = client.post(
        f"/v1/cases/{escalated}/escalate",
        json={"to": analyst.user_id, "note": "please look"},
        headers=supervisor.headers,
    )
    assert r.status_code == 200, r.text
    handed = _case(client, supervisor, title="Handed over")["id"]
    r = client.post(
        f"/v1/cases/{handed}/escalate",
        json={"to": analyst.user_id, "reassign": True},
        headers=supervisor.headers,
    )
    assert r.status_code == 200, r.text
    late = _case(client, analyst, title="Late", due_date=_future(1))["id"]
    _set(db, late, due_date=datetime.now(UTC) - timedelta(days=2))
    done_late = _case(client, analyst, title="Late but closed", due_date=_future(1))["id"]
    _set(db, done_late, due_date=datetime.now(UTC) - timedelta(days=2), review_status="closed")

    page = browser(analyst)
    default = _queue(page)
    assert _ids(default) == [handed, mine]
    assert 'aria-current="page">My cases' in default
    assert _ids(_queue(page, "tab=mine")) == [handed, mine]
    assert _ids(_queue(page, "tab=unassigned")) == [done_late, late, unassigned]
    assert _ids(_queue(page, "tab=escalated")) == [handed, escalated]
    assert _ids(_queue(page, "tab=overdue")) == [late]
    everything = _queue(page, "tab=all")
    assert _ids(everything) == [done_late, late, handed, escalated, theirs, unassigned, mine]
    assert re.search(r"All <span class=\"queue-count\">7</span>", everything)
    assert re.search(r"Overdue <span class=\"queue-count\">1</span>", everything)
    assert _ids(_queue(browser(supervisor))) == [escalated, theirs]


def _future(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def test_rows_show_what_a_case_is_at_a_glance(
    client: TestClient, db: Database, staff: TenantKit, browser: Open
):
    customer = {"full_name": "Mirela Oduya", "external_id": "C-88"}
    case = _case(
        client,
        staff.analyst,
        title="Structuring pattern",
        priority="high",
        assignee_id=staff.analyst.user_id,
        customer=customer,
        due_date=_future(1),
    )
    _set(db, case["id"], due_date=datetime.now(UTC) - timedelta(hours=3))
    r = client.post(
        f"/v1/cases/{case['id']}/legal-hold",
        json={"hold": True, "reason": "Subpoena"},
        headers=staff.admin.headers,
    )
    assert r.status_code == 200, r.text
    client.post(
        f"/v1/cases/{case['id']}/escalate",
        json={"to": staff.supervisor.user_id},
        headers=staff.analyst.headers,
    )
    page = _queue(browser(staff.analyst))
    row = page[page.index(f"#{case['number']}") :]
    row = row[: row.index("</tr>")]
    assert f'<a href="/console/cases/{case["id"]}" data-row-link>Structuring pattern</a>' in row
    for text in ("Mirela Oduya", "Open", "priority-high", "Overdue", "Escalated", "Legal hold"):
        assert text in row
    assert "API" in row and "Analyst" in row
    assert datetime.now(UTC).strftime("%Y-%m-%d") in row


def test_filters_narrow_the_queue(
    client: TestClient, db: Database, staff: TenantKit, browser: Open
):
    a = staff.analyst
    aml = _case(client, a, title="Wire to Cyprus", priority="high", module="aml")["id"]
    kyc = _case(
        client,
        a,
        title="Passport expired",
        priority="low",
        module="kyc",
        description="Document check needed",
        customer={"full_name": "Jonas Vettergren", "external_id": "EXT-7"},
    )
    medium = _case(client, a, title="Odd login", priority="medium", module="aml")["id"]
    r = client.post(f"/v1/cases/{medium}/transition", json={"to": "in_progress"}, headers=a.headers)
    assert r.status_code == 200, r.text
    old = _case(client, a, title="Last year", priority="low", module="cdd")["id"]
    _set(db, old, created_at=datetime(2024, 3, 5, 12, tzinfo=UTC))
    page = browser(a)

    def ids(query: str) -> list[str]:
        return _ids(_queue(page, "tab=all&" + query))

    assert ids("status=in_progress") == [medium]
    assert ids("status=in_progress&status=open&priority=low") == [old, kyc["id"]]
    assert ids("priority=high&priority=medium") == [medium, aml]
    assert ids("module=aml") == [medium, aml]
    assert ids("created_by_type=byApi&module=kyc") == [kyc["id"]]
    assert ids("created_by_type=byRule") == []
    assert ids("customer=vetter") == [kyc["id"]]
    assert ids("customer=EXT-7") == [kyc["id"]]
    assert ids(f"customer={kyc['customer']['id']}") == [kyc["id"]]
    assert ids("q=cyprus") == [aml]
    assert ids("q=document+check") == [kyc["id"]]
    assert ids("q=jonas") == [kyc["id"]]
    assert ids("created_from=2024-03-05&created_to=2024-03-05") == [old]
    assert ids("created_to=2024-03-04") == []
    today = datetime.now(UTC).date().isoformat()
    assert old not in ids(f"created_from={today}")
    empty = _queue(page, "tab=all&q=nothing-like-this")
    assert "No cases match" in empty
    assert 'value="nothing-like-this"' in empty


def test_sort_orders(client: TestClient, staff: TenantKit, browser: Open):
    a = staff.analyst
    low = _case(client, a, priority="low", due_date=_future(3))["id"]
    high = _case(client, a, priority="high")["id"]
    medium = _case(client, a, priority="medium", due_date=_future(1))["id"]
    page = browser(a)

    def ids(sort: str) -> list[str]:
        return _ids(_queue(page, f"tab=all&sort={sort}"))

    assert ids("-priority") == [high, medium, low]
    assert ids("priority") == [low, medium, high]
    assert ids("due_date") == [medium, low, high]
    assert ids("-created_at") == [medium, high, low]
    assert ids("created_at") == [low, high, medium]
    client.patch(f"/v1/cases/{low}", json={"title": "Touched"}, headers=a.headers)
    assert ids("-updated_at")[0] == low


def test_pages_follow_the_cursor_and_keep_the_filters(
    client: TestClient, staff: TenantKit, browser: Open
):
    a = staff.analyst
    made = [_case(client, a, title=f"Batch {i}", priority="high")["id"] for i in range(12)]
    _case(client, a, title="Other", priority="low")
    page = browser(a)
    first = _queue(page, "tab=all&priority=high&limit=10")
    assert _ids(first) == list(reversed(made))[:10]
    assert "First page" not in first
    found = NEXT.search(first)
    assert found
    link = html.unescape(found.group(1))
    assert "priority=high" in link and "limit=10" in link and "tab=all" in link
    second = page.get(link)
    assert second.status_code == 200
    assert _ids(second.text) == list(reversed(made))[10:]
    assert not NEXT.search(second.text)
    assert 'href="/console/cases?tab=all&amp;priority=high&amp;limit=10">First page' in second.text


def test_invalid_filters_name_the_field(staff: TenantKit, browser: Open):
    page = browser(staff.analyst)
    for query, field in [
        ("priority=urgent", "priority"),
        ("status=pending", "status"),
        ("created_from=yesterday", "created_from"),
        ("created_from=2026-02-10&created_to=2026-02-01", "created_to"),
        ("tab=everything", "tab"),
        ("sort=name", "sort"),
        ("limit=7", "limit"),
        ("module=fraud", "module"),
        ("created_by_type=byMagic", "created_by_type"),
        ("cursor=not-a-cursor", "cursor"),
        ("q=" + "x" * 201, "q"),
    ]:
        r = page.get(f"/console/cases?{query}")
        assert r.status_code == 422, (query, r.text)
        assert f"<strong>{field}</strong>" in r.text, query


def test_user_text_is_escaped(client: TestClient, staff: TenantKit, browser: Open):
    _case(client, staff.analyst, title=SCRIPT, customer={"full_name": SCRIPT})
    page = browser(staff.analyst)
    r = page.post("/console/cases/views", {"name": SCRIPT, "query": "tab=all&q=" + SCRIPT})
    assert r.status_code == 303
    shown = page.get(r.headers["location"]).text
    assert SCRIPT not in shown
    assert shown.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4


def test_other_tenants_cases_never_appear(
    client: TestClient, staff: TenantKit, other_staff: TenantKit, browser: Open
):
    ours = _case(client, staff.analyst, title="Ours", assignee_id=staff.analyst.user_id)["id"]
    theirs = _case(client, other_staff.analyst, title="Ours", assignee_id=None)
    page = browser(staff.analyst)
    for tab in ("mine", "unassigned", "escalated", "overdue", "all"):
        assert theirs["id"] not in _queue(page, f"tab={tab}")
    assert _ids(_queue(page, "tab=all&q=Ours")) == [ours]
    assert _ids(_queue(page, f"tab=all&customer={theirs['id']}")) == []


def test_saved_views_are_saved_listed_used_and_deleted(
    client: TestClient, db: Database, staff: TenantKit, browser: Open
):
    a = staff.analyst
    high = _case(client, a, title="Urgent", priority="high")["id"]
    _case(client, a, title="Calm", priority="low")
    page = browser(a)
    audited = _audit_count(db, staff.tenant_id)
    query = "tab=all&priority=high&sort=-due_date&cursor=abc"
    r = page.post("/console/cases/views", {"name": "  Hot   cases ", "query": query})
    assert r.status_code == 303
    assert r.headers["location"] == "/console/cases?tab=all&priority=high&sort=-due_date"
    [view] = _views(db, a.user_id)
    assert view.name == "Hot cases" and view.query == "tab=all&priority=high&sort=-due_date"
    listed = _queue(page, view.query)
    assert _ids(listed) == [high]
    assert "Saved the view “Hot cases”." in listed
    assert (
        'href="/console/cases?tab=all&amp;priority=high&amp;sort=-due_date" '
        'aria-current="page">Hot cases</a>'
    ) in listed
    again = page.post("/console/cases/views", {"name": "Hot cases", "query": "tab=mine"})
    assert again.status_code == 409 and "<strong>name</strong>" in again.text
    r = page.post(f"/console/cases/views/{view.id}/delete")
    assert r.status_code == 303 and r.headers["location"] == "/console/cases"
    assert _views(db, a.user_id) == []
    assert page.post(f"/console/cases/views/{view.id}/delete").status_code == 404
    assert _audit_count(db, staff.tenant_id) == audited


def _audit_count(db: Database, tenant_id: str) -> int:
    with db.transaction(write=False) as session:
        rows = session.scalars(select(AuditEvent.id).where(AuditEvent.tenant_id == tenant_id))
        return len(list(rows))


def test_saved_view_input_is_checked(db: Database, staff: TenantKit, browser: Open):
    page = browser(staff.analyst)
    for data, status, field in [
        ({"name": "", "query": "tab=all"}, 422, "name"),
        ({"name": "   ", "query": ""}, 422, "name"),
        ({"name": "x" * 101, "query": ""}, 422, "name"),
        ({"name": "Bad", "query": "priority=urgent"}, 422, "priority"),
        ({"name": "Long", "query": "q=" + "x" * 2001}, 422, "query"),
    ]:
        r = page.post("/console/cases/views", data)
        assert r.status_code == status, (data, r.text)
        assert f"<strong>{field}</strong>" in r.text
    assert _views(db, staff.analyst.user_id) == []
    assert page.post("/console/cases/views", {"name": "x" * 100}).status_code == 303


def test_saved_views_need_the_csrf_token(db: Database, staff: TenantKit, browser: Open):
    page = browser(staff.analyst)
    r = page.client.post("/console/cases/views", data={"name": "Sneaky", "query": ""})
    assert r.status_code == 403
    assert _views(db, staff.analyst.user_id) == []
    assert page.post("/console/cases/views", {"name": "Mine", "query": ""}).status_code == 303
    [view] = _views(db, staff.analyst.user_id)
    r = page.client.post(f"/console/cases/views/{view.id}/delete", data={"csrf_token": "bad"})
    assert r.status_code == 403
    assert len(_views(db, staff.analyst.user_id)) == 1


def test_saved_views_are_personal(
    db: Database, staff: TenantKit, other_staff: TenantKit, browser: Open
):
    owner = browser(staff.analyst)
    assert owner.post("/console/cases/views", {"name": "Mine", "query": ""}).status_code == 303
    [view] = _views(db, staff.analyst.user_id)
    colleague = browser(staff.supervisor)
    assert "Mine</a>" not in _queue(colleague)
    assert colleague.post(f"/console/cases/views/{view.id}/delete").status_code == 404
    stranger = browser(other_staff.admin)
    assert stranger.post(f"/console/cases/views/{view.id}/delete").status_code == 404
    assert colleague.post("/console/cases/views", {"name": "Mine"}).status_code == 303
    assert len(_views(db, staff.analyst.user_id)) == 1


def test_a_viewer_reads_the_queue_and_keeps_views(
    client: TestClient, db: Database, staff: TenantKit, browser: Open
):
    case = _case(client, staff.analyst, title="Seen by a viewer")["id"]
    page = browser(staff.viewer)
    shown = _queue(page, "tab=all")
    assert _ids(shown) == [case]
    forms = re.findall(r'<form method="post" action="([^"]+)"', shown)
    assert forms == ["/console/logout", "/console/cases/views"]
    assert (
        page.post("/console/cases/views", {"name": "All of it", "query": "tab=all"}).status_code
        == 303
    )
    assert [v.name for v in _views(db, staff.viewer.user_id)] == ["All of it"]


def test_queries_do_not_grow_with_the_rows(
    client: TestClient, db: Database, staff: TenantKit, browser: Open
):
    a = staff.analyst
    page = browser(a)
    _case(client, a, customer={"full_name": "First"}, assignee_id=a.user_id)
    with page_statements(db) as one:
        assert len(_ids(_queue(page, "tab=all"))) == 1
    for i in range(5):
        _case(client, a, customer={"full_name": f"C{i}"}, assignee_id=a.user_id)
    with page_statements(db) as six:
        assert len(_ids(_queue(page, "tab=all"))) == 6
    assert len(six) == len(one)
