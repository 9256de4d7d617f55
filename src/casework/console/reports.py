"""The report page: a regulatory report's draft form, what validation finds, its XML, and
the steps of its life (ready, approve or reject, filed, rejected by the FIU, amended),
each handed to the service the /v1 report routes use."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from casework.auth.permissions import Permission
from casework.cases import repository as cases
from casework.console.forms import FormText, optional, required_text, validated
from casework.console.routing import ConsoleRoute
from casework.console.templating import redirect, render
from casework.console.web import Viewer, allowed
from casework.decisions import service as decisions
from casework.infra.dependencies import DbSession
from casework.infra.errors import ValidationFailed
from casework.models import Report
from casework.models.enums import DecisionStatus, ReportStatus
from casework.reports import formats
from casework.reports import service as reports
from casework.reports.content import ReportContent
from casework.reports.deadlines import deadline_of
from casework.reports.origins import origin
from casework.reports.schemas import FilingBody, ReportCreate, ReportUpdate

router = APIRouter(route_class=ConsoleRoute)

Reader = Annotated[Viewer, allowed(Permission.case_read)]
Writer = Annotated[Viewer, allowed(Permission.report_write)]
Approver = Annotated[Viewer, allowed(Permission.case_approve)]
NOTE_CHARS = 5_000
CODES = {name: formats.codes(name) for name in formats.FORMATS}


def _page(report_id: str) -> str:
    return f"/console/reports/{report_id}"


@router.get("/reports/{report_id}")
def report_page(report_id: str, request: Request, session: DbSession, viewer: Reader) -> Response:
    report = reports.get(session, actor=viewer.principal, report_id=report_id)
    case = cases.get(session, tenant_id=viewer.tenant_id, case_id=report.case_id)
    found, stored, _compiled = reports.problems(session, report)
    content = ReportContent.model_validate(report.content)
    context = {
        "report": report,
        "case": case,
        "label": formats.LABELS[report.format],
        "content": content,
        "deadline": deadline_of(report),
        "problems": [(p, origin(p.field, content)) for p in found],
        "schema": stored,
        "can": _can(session, viewer, report),
        "joined": {
            "indicators": ", ".join(content.indicators),
            "activity_types": ", ".join(content.activity_types),
        },
    }
    return render(request, "report.html", context)


def _can(session: Session, viewer: Viewer, report: Report) -> dict[str, bool]:
    write = viewer.can(Permission.report_write)
    status = report.status
    approvable = False
    if status is ReportStatus.ready and report.pending_decision_id and viewer.user_id:
        decision = decisions.get_decision(
            session, actor=viewer.principal, decision_id=report.pending_decision_id
        )
        # Never who drafted or submitted it (the service refuses them too).
        approvable = (
            viewer.can(Permission.case_approve)
            and decision.status is DecisionStatus.pending
            and viewer.user_id not in decision.change.get("authors", [])
            and viewer.user_id != decision.proposed_by_user_id
        )
    amendable = status is ReportStatus.rejected or (
        status is ReportStatus.filed and report.format == "fincen_sar"
    )
    return {
        "edit": write and status is ReportStatus.draft,
        "ready": write and status is ReportStatus.draft,
        "approve": approvable,
        "file": write and status is ReportStatus.approved,
        "fiu_reject": write and status is ReportStatus.filed,
        "amend": write and amendable,
        "review": write
        and status is ReportStatus.filed
        and report.review_on is not None
        and report.reviewed_at is None,
    }


@router.get("/reports/{report_id}/xml")
def report_xml(report_id: str, session: DbSession, viewer: Reader) -> Response:
    report, data = reports.xml(session, actor=viewer.principal, report_id=report_id)
    name = reports.xml_filename(report)
    return Response(
        data,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/cases/{case_id}/reports")
def create_report(
    case_id: str,
    session: DbSession,
    viewer: Writer,
    format: FormText = "",
    report_code: FormText = "",
    detected_on: FormText = "",
) -> Response:
    chosen_format = format.strip()
    code = report_code.strip()
    if chosen_format in CODES and code not in CODES[chosen_format]:
        # One select lists both formats' codes; name the mismatch plainly.
        allowed_codes = ", ".join(CODES[chosen_format])
        raise ValidationFailed.on(
            "report_code", f"must be one of {allowed_codes} for {chosen_format}"
        )
    body = validated(
        ReportCreate,
        {"format": chosen_format, "report_code": code, "detected_on": optional(detected_on)},
    )
    report = reports.create(session, actor=viewer.principal, case_id=case_id, body=body)
    return redirect(_page(report.id), notice=f"Report #{report.number} drafted from the case.")


@router.post("/reports/{report_id}/draft")
def save_draft(
    report_id: str,
    session: DbSession,
    viewer: Writer,
    narrative: FormText = "",
    action: FormText = "",
    indicators: FormText = "",
    activity_types: FormText = "",
    detected_on: FormText = "",
    suspect_identified: FormText = "",
) -> Response:
    report = reports.get(session, actor=viewer.principal, report_id=report_id)
    content = ReportContent.model_validate(report.content).model_dump(mode="json")
    content.update(
        narrative=optional(narrative),
        action=optional(action),
        indicators=_codes(indicators),
        activity_types=_codes(activity_types),
    )
    values: dict[str, Any] = {
        "content": content,
        "suspect_identified": "true" if suspect_identified == "yes" else "false",
    }
    if optional(detected_on):
        values["detected_on"] = detected_on.strip()
    body = validated(ReportUpdate, values)
    reports.update(session, actor=viewer.principal, report_id=report_id, body=body)
    return redirect(_page(report_id), notice="Draft saved.")


def _codes(raw: str) -> list[str]:
    return [part.strip() for part in raw.replace("\n", ",").split(",") if part.strip()]


@router.post("/reports/{report_id}/ready")
def mark_ready(report_id: str, session: DbSession, viewer: Writer) -> Response:
    reports.mark_ready(session, actor=viewer.principal, report_id=report_id)
    return redirect(
        _page(report_id), notice="Report ready: it is filed once someone else approves it."
    )


@router.post("/reports/{report_id}/approve")
def approve(report_id: str, session: DbSession, viewer: Approver, note: FormText = "") -> Response:
    reports.approve(session, actor=viewer.principal, report_id=report_id, note=optional(note))
    return redirect(_page(report_id), notice="Report approved: it may be filed now.")


@router.post("/reports/{report_id}/reject")
def reject(report_id: str, session: DbSession, viewer: Approver, note: FormText = "") -> Response:
    reports.reject(
        session,
        actor=viewer.principal,
        report_id=report_id,
        note=required_text(note, "note", limit=NOTE_CHARS),
    )
    return redirect(_page(report_id), notice="Report returned to draft.")


@router.post("/reports/{report_id}/file")
def file(
    report_id: str,
    session: DbSession,
    viewer: Writer,
    reference: FormText = "",
    acknowledged_on: FormText = "",
) -> Response:
    body = validated(
        FilingBody,
        {"reference": reference, "acknowledged_on": optional(acknowledged_on)},
    )
    reports.file(session, actor=viewer.principal, report_id=report_id, body=body)
    return redirect(_page(report_id), notice="Filing recorded.")


@router.post("/reports/{report_id}/fiu-rejection")
def fiu_rejection(
    report_id: str, session: DbSession, viewer: Writer, note: FormText = ""
) -> Response:
    reports.record_rejection(
        session,
        actor=viewer.principal,
        report_id=report_id,
        note=required_text(note, "note", limit=NOTE_CHARS),
    )
    return redirect(_page(report_id), notice="Rejection by the FIU recorded.")


@router.post("/reports/{report_id}/amend")
def amend(report_id: str, session: DbSession, viewer: Writer) -> Response:
    amendment = reports.amend(session, actor=viewer.principal, report_id=report_id)
    return redirect(_page(amendment.id), notice=f"Amendment #{amendment.number} drafted.")


@router.post("/reports/{report_id}/review")
def review(report_id: str, session: DbSession, viewer: Writer, note: FormText = "") -> Response:
    reports.record_review(
        session,
        actor=viewer.principal,
        report_id=report_id,
        note=required_text(note, "note", limit=NOTE_CHARS),
    )
    return redirect(_page(report_id), notice="Continuing-activity review recorded.")
