"""The dashboard: open work by priority and status, overdue cases, cases created per day,
time to resolve and workload, counted within the viewer's tenant and drawn as SVG."""

from __future__ import annotations

import re
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from casework.analytics import repository as analytics
from casework.auth.principal import Principal
from casework.infra.db import Database
from casework.models import Case
from casework.models.enums import CreatedByType
from tests.console.support import PASSWORD, Browser
from tests.factories import Member, TenantKit, case_body

Open = Callable[[Member | None], Browser]
SCRIPT = "<script>alert(1)</script>"
SVG = "{http://www.w3.org/2000/svg}"


def _create(client: TestClient, kit: TenantKit, **overrides: Any) -> dict[str, Any]:
    future = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    body = case_body(tasks=[], due_date=future, **overrides)
    r = client.post("/v1/cases", json=body, headers=kit.analyst.headers)
    assert r.status_code == 201, r.text
    case: dict[str, Any] = r.json()
    return case


def _move(client: TestClient, kit: TenantKit, case_id: str, to: str, **extra: str) -> None:
    r = client.post(
        f"/v1/cases/{case_id}/transition", json={"to": to, **extra}, headers=kit.analyst.headers
    )
    assert r.status_code == 200, r.text


def _resolve(client: TestClient, kit: TenantKit, case_id: str) -> None:
    _move(client, kit, case_id, "resolved", resolution="false_positive", note="Benign")


def _assign(client: TestClient, kit: TenantKit, case_id: str, user_id: str) -> None:
    r = client.post(
        f"/v1/cases/{case_id}/assign", json={"assignee_id": user_id}, headers=kit.analyst.headers
    )
    assert r.status_code == 200, r.text


def _set(db: Database, case_id: str, **values: Any) -> None:
    with db.transaction() as session:
        result = session.execute(update(Case).where(Case.id == case_id).values(**values))
        assert result.rowcount == 1


def _user(client: TestClient, kit: TenantKit, first_name: str, role: str = "analyst") -> Member:
    email = f"u-{secrets.token_hex(4)}@example.test"
    r = client.post(
        "/v1/users",
        json={
            "email": email,
            "first_name": first_name,
            "last_name": "Doe",
            "role": role,
            "password": PASSWORD,
        },
        headers=kit.admin.headers,
    )
    assert r.status_code == 201, r.text
    return Member(r.json()["id"], email, role, "", "", "", "")


def _noon(days_ago: int) -> datetime:
    return datetime.combine(
        datetime.now(UTC).date() - timedelta(days=days_ago), time(12), tzinfo=UTC
    )


def _svgs(html: str) -> dict[str, ET.Element]:
    """Every chart on the page, parsed as XML, by the id its title carries."""
    found = {}
    for source in re.findall(r"<svg\b.*?</svg>", html, re.S):
        # The page under test is our own output, and a strict parser is the point.
        root = ET.fromstring(source)  # noqa: S314
        assert root.tag == f"{SVG}svg"
        assert root.get("role") == "img"
        title = root.find(f"{SVG}title")
        assert title is not None and title.text
        labelled = root.get("aria-labelledby", "").split()
        assert title.get("id") in labelled
        assert root.find(f"{SVG}desc") is not None
        found[str(title.get("id")).removesuffix("-title")] = root
    return found


def _table_row(html: str, label: str) -> list[str]:
    """The numbers of one row of a chart's data table."""
    row = re.search(rf'<tr><th scope="row">{re.escape(label)}</th>(.*?)</tr>', html)
    assert row, f"no row {label!r}"
    return re.findall(r"<td>(.*?)</td>", row.group(1))


def _populate(client: TestClient, db: Database, kit: TenantKit) -> dict[str, Any]:
    """Cases of every kind this dashboard counts, their timing set where the API cannot."""
    now = datetime.now(UTC)
    scripted = _user(client, kit, SCRIPT)
    late_first = _create(client, kit, title=SCRIPT, priority="high")
    working = _create(client, kit, title="In progress", priority="high")
    waiting = _create(client, kit, title="Waiting", priority="medium")
    late_second = _create(client, kit, title="Second late", priority="low")
    _move(client, kit, working["id"], "in_progress")
    _move(client, kit, waiting["id"], "awaiting_user")
    _assign(client, kit, late_first["id"], kit.analyst.user_id)
    _assign(client, kit, working["id"], kit.analyst.user_id)
    _assign(client, kit, waiting["id"], scripted.user_id)
    _set(db, late_first["id"], due_date=now - timedelta(days=3), created_at=_noon(2))
    _set(db, late_second["id"], due_date=now - timedelta(days=1))
    _set(db, working["id"], created_at=_noon(2), created_by_type=CreatedByType.by_rule)
    _set(db, waiting["id"], created_at=_noon(10), created_by_type=CreatedByType.by_officer)

    # Finished cases: never open nor overdue, even when past due; their durations set
    # to 480 h and 24 h (last 30 days), and 48 h (last 90 days only).
    slow, quick, older = (_create(client, kit, priority="medium") for _ in range(3))
    for finished in (slow, quick, older):
        _resolve(client, kit, finished["id"])
    _set(
        db,
        slow["id"],
        created_at=now - timedelta(days=40),
        resolved_at=now - timedelta(days=20),
        due_date=now - timedelta(days=30),
    )
    _set(db, quick["id"], created_at=_noon(5), resolved_at=_noon(5) + timedelta(hours=24))
    _set(
        db,
        older["id"],
        created_at=now - timedelta(days=62),
        resolved_at=now - timedelta(days=60),
    )
    return {"late": [late_first, late_second], "scripted": scripted}


def _other_tenant_noise(client: TestClient, db: Database, kit: TenantKit) -> None:
    for priority in ("high", "high", "low"):
        case = _create(client, kit, title="Foreign case", priority=priority)
        _set(db, case["id"], due_date=datetime.now(UTC) - timedelta(days=5))
        _assign(client, kit, case["id"], kit.analyst.user_id)
    resolved = _create(client, kit)
    _resolve(client, kit, resolved["id"])
    _set(db, resolved["id"], created_at=datetime.now(UTC) - timedelta(days=3))


def test_dashboard_figures_match_the_tenants_cases(
    client: TestClient, staff: TenantKit, other_staff: TenantKit, browser: Open, db: Database
):
    made = _populate(client, db, staff)
    _other_tenant_noise(client, db, other_staff)

    page = browser(staff.viewer).get("/console/dashboard")
    assert page.status_code == 200, page.text
    html = page.text

    charts = _svgs(html)
    assert set(charts) == {"open-by-priority", "open-by-status", "created-per-day", "workload"}
    assert _table_row(html, "High") == ["2"]
    assert _table_row(html, "Medium") == ["1"]
    assert _table_row(html, "Low") == ["1"]
    assert _table_row(html, "Open") == ["2"]
    assert _table_row(html, "In progress") == ["1"]
    assert _table_row(html, "Awaiting user") == ["1"]
    assert _table_row(html, "Blocked") == ["0"]

    # Columns: Officer, API, Rule, Workflow, Ongoing AML hit, Total.
    day = datetime.now(UTC).date()

    def created(days_ago: int) -> list[str]:
        return _table_row(html, (day - timedelta(days=days_ago)).isoformat())

    assert created(2) == ["0", "1", "1", "0", "0", "2"]
    assert created(10) == ["1", "0", "0", "0", "0", "1"]
    assert created(5) == ["0", "1", "0", "0", "0", "1"]
    assert created(0) == ["0", "1", "0", "0", "0", "1"]
    assert created(29) == ["0", "0", "0", "0", "0", "0"]
    assert "(5 in the last 30 days" in html

    assert 'id="median-30">10.5 days<' in html
    assert 'id="median-90">2.0 days<' in html

    analyst_name = re.search(r'<th scope="row">(Analyst Tester[0-9a-f]+)</th><td>2</td>', html)
    assert analyst_name, "the analyst's two open cases are not in the workload table"
    assert _table_row(html, "&lt;script&gt;alert(1)&lt;/script&gt; Doe") == ["1"]
    assert "1 open case is unassigned." in html

    overdue = html[html.index('id="h-overdue"') :]
    first, second = made["late"]
    assert overdue.index(f"/console/cases/{first['id']}") < overdue.index(
        f"/console/cases/{second['id']}"
    )
    assert overdue.count("/console/cases/") == 2
    assert "Foreign case" not in html
    assert ">2</span>" in html[: html.index('id="h-priority"')]  # the overdue badge


def test_user_text_is_escaped_in_svg_and_page(
    client: TestClient, staff: TenantKit, browser: Open, db: Database
):
    _populate(client, db, staff)
    html = browser(staff.viewer).get("/console/dashboard").text
    assert SCRIPT not in html
    workload = _svgs(html)["workload"]
    labels = ["".join(node.itertext()) for node in workload.iter(f"{SVG}title")]
    assert any(label.startswith(SCRIPT) for label in labels)
    svg_source = re.search(r'<svg\b[^>]*aria-labelledby="workload-title.*?</svg>', html, re.S)
    assert svg_source and "&lt;script&gt;alert(1)&lt;/scrip" in svg_source.group(0)
    overdue = html[html.index('id="h-overdue"') :]
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in overdue


def test_service_counts_only_the_callers_tenant(
    client: TestClient, kit: TenantKit, other_kit: TenantKit, db: Database
):
    _other_tenant_noise(client, db, other_kit)
    actor = Principal(tenant_id=kit.tenant_id, user_id=kit.viewer.user_id, display_name="V")
    now = datetime.now(UTC)
    with db.transaction(write=False) as session:
        opened = analytics.open_cases(session, actor=actor, now=now)
        assert (opened.total, opened.overdue) == (0, 0)
        assert analytics.overdue_cases(session, actor=actor, now=now, limit=20) == []
        daily = analytics.created_per_day(session, actor=actor, today=now.date(), days=30)
        assert len(daily.days) == 30 and daily.days[-1] == now.date()
        assert all(sum(counts) == 0 for counts in daily.by_provenance.values())
        assert analytics.median_hours_to_resolve(session, actor=actor, since=now) is None
        assert analytics.workload(session, actor=actor) == []


def test_empty_dashboard_still_draws_well_formed_charts(staff: TenantKit, browser: Open):
    page = browser(staff.viewer).get("/console/dashboard")
    assert page.status_code == 200, page.text
    assert len(_svgs(page.text)) == 4
    assert "No case is past its due date." in page.text
    assert 'id="median-30">—<' in page.text
    # Read-only: the only form is the sign-out button.
    assert page.text.count("<form") == 1


def test_without_analytics_read_the_dashboard_is_refused(
    client: TestClient, staff: TenantKit, browser: Open
):
    r = client.post(
        "/v1/roles",
        json={"slug": "case-reader", "name": "Case reader", "permissions": ["case.read"]},
        headers=staff.admin.headers,
    )
    assert r.status_code == 201, r.text
    reader = _user(client, staff, "Reader", role="case-reader")
    page = browser(reader).get("/console/dashboard")
    assert page.status_code == 403
    assert "analytics.read" in page.text
    assert "<svg" not in page.text


def test_signed_out_visitor_is_sent_to_sign_in(browser: Open):
    r = browser(None).get("/console/dashboard")
    assert r.status_code == 303
    assert r.headers["location"].startswith("/console/login?next=")
