"""Reports in the console: drafted from the case page, edited and validated on the report
page, approved there by a second person only, filed; deadlines in the queue and on the
dashboard."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.console.support import Browser
from tests.factories import Member, TenantKit
from tests.reports.support import FINCEN, NARRATIVE, configure, reporting_case

Browse = Callable[[Member], Browser]


def _report(client: TestClient, staff: TenantKit, report_id: str) -> dict[str, Any]:
    return dict(client.get(f"/v1/reports/{report_id}", headers=staff.viewer.headers).json())


def _drafted(client: TestClient, staff: TenantKit, browser: Browse, **form: str) -> tuple:
    configure(client, staff, fincen=FINCEN)
    case = reporting_case(client, staff, "person")
    analyst = browser(staff.analyst)
    page = analyst.get(f"/console/cases/{case['id']}").text
    assert 'id="new-report"' in page
    r = analyst.post(
        f"/console/cases/{case['id']}/reports",
        {"format": "fincen_sar", "report_code": "initial", **form},
    )
    assert r.status_code == 303, r.text
    report_url = r.headers["location"]
    assert re.fullmatch(r"/console/reports/\w{24}", report_url)
    return case, analyst, report_url


def test_a_report_is_drafted_validated_approved_and_filed_in_the_console(
    client: TestClient, staff: TenantKit, browser: Browse
):
    case, analyst, url = _drafted(client, staff, browser)
    report_id = url.rsplit("/", 1)[1]
    page = analyst.get(url).text
    assert "Report #" in page and 'id="report-problems"' in page
    assert "narrative" in page and "activity_types" in page  # what is missing, by field

    r = analyst.post(
        f"{url}/draft",
        {
            "narrative": NARRATIVE,
            "activity_types": "812, 114",
            "detected_on": date.today().isoformat(),
            "suspect_identified": "yes",
        },
    )
    assert r.status_code == 303, r.text
    page = analyst.get(url).text
    assert 'id="report-valid"' in page
    assert _report(client, staff, report_id)["content"]["activity_types"] == ["812", "114"]
    xml = analyst.get(f"{url}/xml")
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")

    assert analyst.post(f"{url}/ready", {}).status_code == 303
    page = analyst.get(url).text
    assert 'id="report-awaiting"' in page and f'action="{url}/approve"' not in page
    assert analyst.post(f"{url}/approve", {}).status_code == 403

    supervisor = browser(staff.supervisor)
    assert case["id"] in supervisor.get("/console/cases?tab=approval").text
    shown = supervisor.get(f"/console/cases/{case['id']}").text
    assert f'href="/console/reports/{report_id}"' in shown
    assert f'action="{url}/approve"' in supervisor.get(url).text
    assert supervisor.post(f"{url}/approve", {"note": "Agreed"}).status_code == 303
    assert _report(client, staff, report_id)["status"] == "approved"

    r = analyst.post(
        f"{url}/file",
        {"reference": "31000012345678", "acknowledged_on": date.today().isoformat()},
    )
    assert r.status_code == 303, r.text
    page = analyst.get(url).text
    assert 'id="report-filed"' in page and "31000012345678" in page
    assert "Continuing-activity review due" in page
    assert f'action="{url}/draft"' not in page, "a filed report has no draft form"


def test_console_report_forms_name_the_bad_field(
    client: TestClient, staff: TenantKit, browser: Browse
):
    _case, analyst, url = _drafted(client, staff, browser)
    r = analyst.post(f"{url}/draft", {"detected_on": "2999-01-01"})
    assert r.status_code == 422 and "detected_on" in r.text
    r = analyst.post(f"{url}/ready", {})
    assert r.status_code == 409 and "narrative" in r.text
    bad = analyst.post(
        f"/console/cases/{_case['id']}/reports", {"format": "goaml", "report_code": "initial"}
    )
    assert bad.status_code == 422 and "report_code" in bad.text
    viewer = browser(staff.viewer)
    assert viewer.post(f"{url}/ready", {}).status_code == 403
    assert 'id="new-report"' not in viewer.get(f"/console/cases/{_case['id']}").text


def test_report_deadlines_show_in_the_queue_and_on_the_dashboard(
    client: TestClient, staff: TenantKit, browser: Browse
):
    detected = (date.today() - timedelta(days=35)).isoformat()
    case, _analyst, url = _drafted(client, staff, browser, detected_on=detected)
    supervisor = browser(staff.supervisor)
    queue = supervisor.get("/console/cases?tab=all").text
    due = (date.today() - timedelta(days=5)).isoformat()
    assert "Report overdue" in queue
    dashboard = supervisor.get("/console/dashboard").text
    assert 'id="report-deadlines"' in dashboard and url in dashboard and "5 d late" in dashboard
    page = supervisor.get(f"/console/cases/{case['id']}").text
    assert 'id="case-reports"' in page and "Overdue" in page
    assert due
