from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from casework.auth.dependencies import (
    CaseAssigner,
    CaseCommenter,
    CaseCreator,
    CaseEscalator,
    CaseReader,
    CaseResolver,
    CaseUpdater,
    ConfigManager,
)
from casework.cases import checklist, listing, parts, repository, service
from casework.cases.schemas import (
    AssignBody,
    AttachBody,
    AuditEventOut,
    CaseCreate,
    CaseOut,
    CaseUpdate,
    CommentCreate,
    CommentOut,
    EscalateBody,
    LegalHoldBody,
    PriorityName,
    ReopenBody,
    RfiBody,
    TaskCreate,
    TaskOut,
    TaskUpdate,
)
from casework.idempotency import Idempotent
from casework.infra.dependencies import AppSettings, DbSession
from casework.infra.pagination import CursorParam, Page, PageSize
from casework.infra.routing import CommittingRoute
from casework.models.enums import CreatedByType, Module, Priority, ReviewStatus
from casework.rfi import service as rfi

router = APIRouter(prefix="/v1/cases", tags=["cases"], route_class=CommittingRoute)


@router.post("", status_code=201, response_model=CaseOut)
def create_case(
    body: CaseCreate,
    session: DbSession,
    settings: AppSettings,
    principal: CaseCreator,
    once: Idempotent,
) -> JSONResponse:
    """Open a case. The assignee must be an active user holding ``case.assign``; a
    ``webhook_url`` must be one webhooks may be sent to."""
    return once.respond(
        session,
        principal,
        identity=body,
        produce=lambda: CaseOut.of(
            service.create_case(
                session,
                actor=principal,
                data=body,
                webhook_allowed_hosts=settings.webhook_allowed_hosts,
            )
        ),
    )


@router.get("")
def list_cases(
    session: DbSession,
    principal: CaseReader,
    review_status: Annotated[list[ReviewStatus] | None, Query(max_length=10)] = None,
    priority: Annotated[list[PriorityName] | None, Query(max_length=3)] = None,
    module: Module | None = None,
    assignee: Annotated[
        str | None, Query(max_length=64, description="A user id, `me` or `none`.")
    ] = None,
    customer_id: Annotated[str | None, Query(max_length=64)] = None,
    created_by_type: CreatedByType | None = None,
    overdue: bool | None = None,
    escalated: bool | None = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Title, description, name")
    ] = None,
    sort: listing.CaseSort = listing.CaseSort.created_desc,
    cursor: CursorParam = None,
    limit: PageSize = 50,
) -> Page[CaseOut]:
    filters = listing.CaseFilters(
        review_status=review_status,
        priority=[Priority[p] for p in priority] if priority else None,
        module=module,
        assignee=assignee,
        customer_id=customer_id,
        created_by_type=created_by_type,
        overdue=overdue,
        escalated=escalated,
        q=q,
    )
    rows, next_cursor = repository.list_cases(
        session, actor=principal, filters=filters, sort=sort, cursor=cursor, limit=limit
    )
    return Page[CaseOut](items=[CaseOut.of(c) for c in rows], next_cursor=next_cursor)


@router.get("/{case_id}")
def get_case(case_id: str, session: DbSession, principal: CaseReader) -> CaseOut:
    return CaseOut.of(service.get_case(session, actor=principal, case_id=case_id))


@router.patch("/{case_id}")
def update_case(
    case_id: str, body: CaseUpdate, session: DbSession, principal: CaseUpdater
) -> CaseOut:
    return CaseOut.of(service.update_case(session, actor=principal, case_id=case_id, data=body))


@router.post("/{case_id}/assign")
def assign_case(
    case_id: str, body: AssignBody, session: DbSession, principal: CaseAssigner
) -> CaseOut:
    case = service.assign(session, actor=principal, case_id=case_id, assignee_id=body.assignee_id)
    return CaseOut.of(case)


@router.post("/{case_id}/escalate")
def escalate_case(
    case_id: str, body: EscalateBody, session: DbSession, principal: CaseEscalator
) -> CaseOut:
    case = service.escalate(
        session,
        actor=principal,
        case_id=case_id,
        to=body.to,
        reassign=body.reassign,
        note=body.note,
    )
    return CaseOut.of(case)


@router.post("/{case_id}/reopen")
def reopen_case(
    case_id: str, body: ReopenBody, session: DbSession, principal: CaseResolver
) -> CaseOut:
    return CaseOut.of(service.reopen(session, actor=principal, case_id=case_id, note=body.note))


@router.post("/{case_id}/legal-hold")
def legal_hold(
    case_id: str, body: LegalHoldBody, session: DbSession, principal: ConfigManager
) -> CaseOut:
    """Place (hold: true) or lift a legal hold; a held case is never deleted by retention."""
    case = service.set_legal_hold(
        session, actor=principal, case_id=case_id, hold=body.hold, reason=body.reason
    )
    return CaseOut.of(case)


@router.post("/{case_id}/rfi")
def request_information(
    case_id: str, body: RfiBody, session: DbSession, principal: CaseUpdater
) -> CaseOut:
    """Ask the customer for information: the case moves to ``awaiting_user`` and the
    text is emailed to the customer (their ``email``) when SMTP is configured."""
    return CaseOut.of(
        rfi.request_information(session, actor=principal, case_id=case_id, text=body.text)
    )


@router.post("/{case_id}/tasks", status_code=201, response_model=TaskOut)
def add_task(
    case_id: str,
    body: TaskCreate,
    session: DbSession,
    principal: CaseUpdater,
    once: Idempotent,
) -> JSONResponse:
    return once.respond(
        session,
        principal,
        identity=body,
        produce=lambda: TaskOut.of(
            checklist.add_checklist_item(session, actor=principal, case_id=case_id, text=body.text)
        ),
    )


@router.patch("/{case_id}/tasks/{task_id}")
def update_task(
    case_id: str, task_id: str, body: TaskUpdate, session: DbSession, principal: CaseUpdater
) -> TaskOut:
    task = checklist.update_checklist_item(
        session,
        actor=principal,
        case_id=case_id,
        task_id=task_id,
        done=body.done,
        text=body.text,
    )
    return TaskOut.of(task)


@router.delete("/{case_id}/tasks/{task_id}", status_code=204)
def remove_task(case_id: str, task_id: str, session: DbSession, principal: CaseUpdater) -> Response:
    checklist.remove_checklist_item(session, actor=principal, case_id=case_id, task_id=task_id)
    return Response(status_code=204)


@router.post("/{case_id}/comments", status_code=201, response_model=CommentOut)
def add_comment(
    case_id: str,
    body: CommentCreate,
    session: DbSession,
    principal: CaseCommenter,
    once: Idempotent,
) -> JSONResponse:
    return once.respond(
        session,
        principal,
        identity=body,
        produce=lambda: CommentOut.of(
            parts.add_comment(session, actor=principal, case_id=case_id, body=body.body)
        ),
    )


@router.get("/{case_id}/comments")
def list_comments(case_id: str, session: DbSession, principal: CaseReader) -> list[CommentOut]:
    comments = parts.list_comments(session, actor=principal, case_id=case_id)
    return [CommentOut.of(c) for c in comments]


@router.post("/{case_id}/attachments", status_code=201)
def attach_document(
    case_id: str, body: AttachBody, session: DbSession, principal: CaseUpdater
) -> CaseOut:
    case = parts.attach(session, actor=principal, case_id=case_id, document_id=body.document_id)
    return CaseOut.of(case)


@router.delete("/{case_id}/attachments/{document_id}", status_code=204)
def detach_document(
    case_id: str, document_id: str, session: DbSession, principal: CaseUpdater
) -> Response:
    parts.detach(session, actor=principal, case_id=case_id, document_id=document_id)
    return Response(status_code=204)


@router.get("/{case_id}/log")
def case_log(case_id: str, session: DbSession, principal: CaseReader) -> list[AuditEventOut]:
    """The case's audit events, oldest first."""
    service.get_case(session, actor=principal, case_id=case_id)
    events = repository.log(session, tenant_id=principal.tenant_id, case_id=case_id)
    return [AuditEventOut.model_validate(e, from_attributes=True) for e in events]
