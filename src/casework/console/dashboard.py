"""The dashboard: the tenant's open work, its backlog and its pace, at a glance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from casework.analytics import repository as analytics
from casework.auth.permissions import Permission
from casework.console import charts
from casework.console.routing import ConsoleRoute
from casework.console.templating import label, render
from casework.console.web import Viewer, allowed
from casework.infra.dependencies import DbSession
from casework.models.enums import CreatedByType
from casework.reports import formats
from casework.reports import service as reports
from casework.reports.deadlines import deadline_of

router = APIRouter(route_class=ConsoleRoute)

OVERDUE_SHOWN = 20
DAYS = 30
PROVENANCE = {
    CreatedByType.by_officer: "Officer",
    CreatedByType.by_api: "API",
    CreatedByType.by_rule: "Rule",
    CreatedByType.by_workflow: "Workflow",
    CreatedByType.by_ongoing_aml_hit: "Ongoing AML hit",
}

REPORT_DAYS = 14
REPORTS_SHOWN = 20


def duration(hours: float | None) -> str:
    """A time to resolve as people say it: hours under two days, days beyond."""
    if hours is None:
        return "—"
    if hours < 1:
        return f"{round(hours * 60)} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"


def _charts(
    opened: analytics.OpenCases, daily: analytics.DailyCounts, load: list[analytics.Workload]
) -> dict[str, Markup]:
    return {
        "by_priority": charts.horizontal_bars(
            "open-by-priority",
            "Open cases by priority",
            [(label(name), n) for name, n in opened.by_priority.items()],
            key="Priority",
        ),
        "by_status": charts.vertical_bars(
            "open-by-status",
            "Open cases by status",
            [(label(name), n) for name, n in opened.by_status.items()],
            key="Status",
        ),
        "per_day": charts.stacked_bars(
            "created-per-day",
            f"Cases created per day, last {DAYS} days (UTC)",
            [day.isoformat() for day in daily.days],
            [(PROVENANCE[CreatedByType(t)], n) for t, n in daily.by_provenance.items()],
            key="Day",
        ),
        "workload": charts.horizontal_bars(
            "workload",
            "Open cases per assignee",
            [(w.name, w.open_cases) for w in load if w.user_id is not None],
            key="Assignee",
        ),
    }


def _figures(session: Session, viewer: Viewer, now: datetime) -> dict[str, Any]:
    actor = viewer.principal
    opened = analytics.open_cases(session, actor=actor, now=now)
    daily = analytics.created_per_day(session, actor=actor, today=now.date(), days=DAYS)
    load = analytics.workload(session, actor=actor)
    return {
        "now": now,
        "opened": opened,
        "overdue": analytics.overdue_cases(session, actor=actor, now=now, limit=OVERDUE_SHOWN),
        "created_total": sum(sum(counts) for counts in daily.by_provenance.values()),
        "median_30": analytics.median_hours_to_resolve(
            session, actor=actor, since=now - timedelta(days=30)
        ),
        "median_90": analytics.median_hours_to_resolve(
            session, actor=actor, since=now - timedelta(days=90)
        ),
        "unassigned": sum(w.open_cases for w in load if w.user_id is None),
        "charts": _charts(opened, daily, load),
        "report_deadlines": [
            (r, deadline_of(r, today=now.date()))
            for r in reports.deadlines_due(
                session, actor=actor, within_days=REPORT_DAYS, limit=REPORTS_SHOWN
            )
        ],
        "report_labels": formats.LABELS,
        "report_days": REPORT_DAYS,
    }


@router.get("/dashboard")
def dashboard_page(
    request: Request,
    session: DbSession,
    viewer: Annotated[Viewer, allowed(Permission.analytics_read)],
) -> Response:
    context = _figures(session, viewer, datetime.now(UTC))
    context["duration"] = duration
    return render(request, "dashboard.html", context)
