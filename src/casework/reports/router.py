from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from casework.auth.dependencies import (
    CaseApprover,
    CaseReader,
    ConfigManager,
    ConfigReader,
    ReportWriter,
)
from casework.decisions.schemas import DecisionNote, RejectionNote
from casework.idempotency import Idempotent
from casework.infra.dependencies import DbSession
from casework.infra.pagination import CursorParam, PageSize
from casework.infra.routing import CommittingRoute
from casework.models import ReportSchema
from casework.models.enums import ReportStatus
from casework.reports import service
from casework.reports import settings as reporting
from casework.reports.content import ReportContent
from casework.reports.schema import MAX_SCHEMA_BYTES, Schema
from casework.reports.schemas import (
    FilingBody,
    NoteBody,
    ProblemOut,
    ReportCreate,
    ReportList,
    ReportOut,
    ReportUpdate,
    SchemaUsed,
    ValidationOut,
)

router = APIRouter(prefix="/v1", tags=["reports"], route_class=CommittingRoute)
FormatName = Literal["goaml", "fincen_sar"]


class ReportItems(BaseModel):
    items: list[ReportOut]


@router.post("/cases/{case_id}/reports", status_code=201, response_model=ReportOut)
def create_report(
    case_id: str, body: ReportCreate, session: DbSession, principal: ReportWriter, once: Idempotent
) -> JSONResponse:
    """Draft a regulatory report on the case, pre-filled from its customer, the customer's
    directors and owners, and the case's transactions (amounts in the report's local
    currency). Fields given in ``content`` replace the pre-filled ones."""
    return once.respond(
        session,
        principal,
        identity=lambda: {"case_id": case_id, **body.model_dump(mode="json", exclude_unset=True)},
        produce=lambda: ReportOut.of(
            service.create(session, actor=principal, case_id=case_id, body=body)
        ),
    )


@router.get("/cases/{case_id}/reports")
def list_case_reports(case_id: str, session: DbSession, principal: CaseReader) -> ReportItems:
    found = service.of_case(session, actor=principal, case_id=case_id)
    return ReportItems(items=[ReportOut.of(r) for r in found])


@router.get("/reports")
def list_reports(
    session: DbSession,
    principal: CaseReader,
    limit: PageSize = 50,
    cursor: CursorParam = None,
    status: Annotated[list[ReportStatus] | None, Query(max_length=5)] = None,
    format: FormatName | None = None,
    overdue: Annotated[
        bool, Query(description="Only reports still owed whose due date has passed.")
    ] = False,
) -> ReportList:
    """The tenant's reports, newest first."""
    rows, next_cursor = service.page(
        session,
        actor=principal,
        statuses=status or [],
        format=format,
        overdue=overdue,
        cursor=cursor,
        limit=limit,
    )
    return ReportList(items=[ReportOut.of(r) for r in rows], next_cursor=next_cursor)


@router.get("/reports/deadlines")
def report_deadlines(
    session: DbSession,
    principal: CaseReader,
    within_days: Annotated[int, Query(ge=0, le=366)] = 14,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ReportItems:
    """Filings owed and continuing-activity reviews due within ``within_days`` (overdue
    ones included), soonest first."""
    found = service.deadlines_due(session, actor=principal, within_days=within_days, limit=limit)
    return ReportItems(items=[ReportOut.of(r) for r in found])


@router.get("/reports/{report_id}")
def get_report(report_id: str, session: DbSession, principal: CaseReader) -> ReportOut:
    return ReportOut.of(service.get(session, actor=principal, report_id=report_id))


@router.patch("/reports/{report_id}")
def update_report(
    report_id: str, body: ReportUpdate, session: DbSession, principal: ReportWriter
) -> ReportOut:
    """Edit a draft. ``content`` is replaced whole: read the report, change it, send it."""
    return ReportOut.of(service.update(session, actor=principal, report_id=report_id, body=body))


@router.get("/reports/{report_id}/validation")
def validate_report(report_id: str, session: DbSession, principal: CaseReader) -> ValidationOut:
    """Every missing or invalid element, each naming the field that would fill it and the
    rule it breaks: casework's own rules, and the tenant's schema for the format when one
    is set."""
    report = service.get(session, actor=principal, report_id=report_id)
    found, stored, compiled = service.problems(session, report)
    content = ReportContent.model_validate(report.content)
    used = (
        SchemaUsed(
            filename=stored.filename, sha256=stored.sha256, adjustments=list(compiled.adjustments)
        )
        if stored is not None and compiled is not None
        else None
    )
    return ValidationOut(
        report_id=report.id,
        valid=not found,
        problems=[ProblemOut.of(p, content) for p in found],
        schema_used=used,
    )


@router.get(
    "/reports/{report_id}/xml",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}, "description": "The report's XML."}},
)
def report_xml(report_id: str, session: DbSession, principal: CaseReader) -> Response:
    """The XML: as frozen for approval once the report is ready, or else written from the
    draft as it stands (which may not be valid yet)."""
    report, data = service.xml(session, actor=principal, report_id=report_id)
    name = service.xml_filename(report)
    return Response(
        data,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/reports/{report_id}/ready")
def mark_ready(report_id: str, session: DbSession, principal: ReportWriter) -> ReportOut:
    """Validate the draft, freeze its XML and propose its approval: a second person
    (``case.approve``, never who drafted or submitted it) approves it."""
    return ReportOut.of(service.mark_ready(session, actor=principal, report_id=report_id))


@router.post("/reports/{report_id}/approve")
def approve_report(
    report_id: str, body: DecisionNote, session: DbSession, principal: CaseApprover
) -> ReportOut:
    report = service.approve(session, actor=principal, report_id=report_id, note=body.note)
    return ReportOut.of(report)


@router.post("/reports/{report_id}/reject")
def reject_report(
    report_id: str, body: RejectionNote, session: DbSession, principal: CaseApprover
) -> ReportOut:
    """Send the report back to draft, saying why."""
    report = service.reject(session, actor=principal, report_id=report_id, note=body.note)
    return ReportOut.of(report)


@router.post("/reports/{report_id}/file")
def file_report(
    report_id: str, body: FilingBody, session: DbSession, principal: ReportWriter
) -> ReportOut:
    """Record the filing of an approved report: the FIU's reference or the BSA ID, and
    the acknowledgement date. casework does not upload it. A filed report never changes."""
    return ReportOut.of(service.file(session, actor=principal, report_id=report_id, body=body))


@router.post("/reports/{report_id}/fiu-rejection")
def record_fiu_rejection(
    report_id: str, body: NoteBody, session: DbSession, principal: ReportWriter
) -> ReportOut:
    """Record that the FIU rejected a filed report; amend it to file a replacement."""
    report = service.record_rejection(session, actor=principal, report_id=report_id, note=body.note)
    return ReportOut.of(report)


@router.post("/reports/{report_id}/amend", status_code=201)
def amend_report(report_id: str, session: DbSession, principal: ReportWriter) -> ReportOut:
    """A new draft replacing the report, carrying its reference: goAML's
    ``prev_rejected_ref_number`` once the FIU rejected it, FinCEN's prior BSA ID."""
    return ReportOut.of(service.amend(session, actor=principal, report_id=report_id))


@router.post("/reports/{report_id}/review")
def review_report(
    report_id: str, body: NoteBody, session: DbSession, principal: ReportWriter
) -> ReportOut:
    """Record a filed FinCEN SAR's continuing-activity review done without another
    filing, saying why (filing a continuing report records it too)."""
    report = service.record_review(session, actor=principal, report_id=report_id, note=body.note)
    return ReportOut.of(report)


@router.get("/settings/reporting")
def get_reporting(session: DbSession, principal: ConfigReader) -> reporting.ReportingSettings:
    """The tenant's reporting-entity settings for goAML and FinCEN."""
    return service.get_settings(session, actor=principal)


@router.put("/settings/reporting")
def put_reporting(
    body: reporting.ReportingSettings, session: DbSession, principal: ConfigManager
) -> reporting.ReportingSettings:
    return service.set_settings(session, actor=principal, body=body)


class SchemaOut(BaseModel):
    format: FormatName
    filename: str
    sha256: str
    uploaded_by_name: str
    adjustments: list[str] = Field(
        description="Patterns written for the FIU portal's regular expressions, read as "
        "that portal reads them."
    )

    @classmethod
    def of(cls, format: FormatName, stored: ReportSchema, compiled: Schema) -> SchemaOut:
        return cls(
            format=format,
            filename=stored.filename,
            sha256=stored.sha256,
            uploaded_by_name=stored.uploaded_by_name,
            adjustments=list(compiled.adjustments),
        )


@router.put("/settings/reporting/schemas/{format}")
def put_schema(
    format: FormatName,
    file: Annotated[UploadFile, File(description="The FIU's XSD, one self-contained file.")],
    session: DbSession,
    principal: ConfigManager,
) -> SchemaOut:
    """Validate this format's reports against the FIU's own XSD from now on."""
    # Read synchronously, so that the route's transaction commits like every other's.
    data = file.file.read(MAX_SCHEMA_BYTES + 1)
    stored, compiled = service.put_schema(
        session, actor=principal, format=format, filename=file.filename or "schema.xsd", data=data
    )
    return SchemaOut.of(format, stored, compiled)


@router.get("/settings/reporting/schemas/{format}")
def get_schema(format: FormatName, session: DbSession, principal: ConfigReader) -> SchemaOut:
    stored, compiled = service.get_schema(session, actor=principal, format=format)
    return SchemaOut.of(format, stored, compiled)


@router.delete("/settings/reporting/schemas/{format}", status_code=204)
def delete_schema(format: FormatName, session: DbSession, principal: ConfigManager) -> Response:
    service.delete_schema(session, actor=principal, format=format)
    return Response(status_code=204)
