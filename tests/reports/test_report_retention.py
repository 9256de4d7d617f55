"""A report holds personal data: it goes with its case under the retention period, and
stays while the case is under legal hold."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from casework.config import Settings
from casework.infra.db import Database
from casework.infra.jobs import JobContext
from casework.models import Report
from casework.models.base import utcnow
from casework.retention.tasks import purge_all
from tests.factories import TenantKit
from tests.reports.support import FINCEN, NARRATIVE, configure, draft, reporting_case


def _reports(db: Database, case_id: str) -> int:
    with db.transaction(write=False) as session:
        stmt = select(func.count()).select_from(Report).where(Report.case_id == case_id)
        return int(session.scalar(stmt) or 0)


def test_reports_go_with_their_case_and_stay_under_legal_hold(
    app: FastAPI, client: TestClient, kit: TenantKit, db: Database, settings: Settings
):
    configure(client, kit, fincen=FINCEN)
    expiring = reporting_case(client, kit, "person", delete_after=30)
    held = reporting_case(client, kit, "business", delete_after=30)
    for case in (expiring, held):
        draft(
            client,
            kit.analyst,
            case["id"],
            format="fincen_sar",
            report_code="initial",
            content={"narrative": NARRATIVE, "activity_types": ["812"]},
        )
    r = client.post(
        f"/v1/cases/{held['id']}/legal-hold",
        json={"hold": True, "reason": "Law enforcement request"},
        headers=kit.supervisor.headers,
    )
    assert r.status_code == 200, r.text
    app.state.jobs.join()

    purge_all(JobContext(database=db, settings=settings), now=utcnow() + timedelta(days=31))

    assert _reports(db, expiring["id"]) == 0
    assert _reports(db, held["id"]) == 1
    listed = client.get("/v1/reports", headers=kit.viewer.headers).json()["items"]
    assert [r["case_id"] for r in listed] == [held["id"]]
