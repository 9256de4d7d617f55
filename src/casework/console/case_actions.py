"""The case page's forms, each handed to the domain service the /v1 case routes use.

Every action acts as the signed-in user, so the services check the state, write the
audit event and raise the errors the console renders as pages naming the field.
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from casework.auth.permissions import Permission
from casework.cases import checklist, parts
from casework.cases import service as cases
from casework.cases.service import Move
from casework.checks import service as checks
from casework.console.forms import FormText, form_text, required_text
from casework.console.routing import ConsoleRoute
from casework.console.templating import redirect
from casework.console.web import Viewer, allowed
from casework.decisions import service as decisions
from casework.documents import service as documents
from casework.documents import uploads
from casework.documents.router import Storage
from casework.infra.dependencies import AppSettings, DbSession
from casework.infra.errors import (
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from casework.models.enums import MatchDecision, Resolution, ReviewStatus, words

router = APIRouter(route_class=ConsoleRoute)

Reader = Annotated[Viewer, allowed(Permission.case_read)]
Updater = Annotated[Viewer, allowed(Permission.case_update)]
Assigner = Annotated[Viewer, allowed(Permission.case_assign)]
Escalator = Annotated[Viewer, allowed(Permission.case_escalate)]
Resolver = Annotated[Viewer, allowed(Permission.case_resolve)]
Commenter = Annotated[Viewer, allowed(Permission.case_comment)]
HoldKeeper = Annotated[Viewer, allowed(Permission.config_manage)]
Approver = Annotated[Viewer, allowed(Permission.case_approve)]
Ids = Annotated[list[str] | None, Form()]

NOTE_CHARS = 5_000
Choice = TypeVar("Choice", ReviewStatus, Resolution, MatchDecision)


def _page(case_id: str, anchor: str = "") -> str:
    return f"/console/cases/{case_id}" + (f"#{anchor}" if anchor else "")


def _choice(kind: type[Choice], value: str, field: str) -> Choice:
    try:
        return kind(value)
    except ValueError:
        allowed_values = ", ".join(member.value for member in kind)
        raise ValidationFailed.on(field, f"must be one of {allowed_values}") from None


@router.post("/cases/{case_id}/assign")
def assign(
    case_id: str, session: DbSession, viewer: Assigner, assignee_id: FormText = ""
) -> Response:
    case = cases.assign(
        session, actor=viewer.principal, case_id=case_id, assignee_id=assignee_id.strip() or None
    )
    who = case.assignee.full_name if case.assignee else "nobody"
    return redirect(_page(case_id), notice=f"Assigned to {who}.")


@router.post("/cases/{case_id}/escalate")
def escalate(
    case_id: str,
    session: DbSession,
    viewer: Escalator,
    to: FormText = "",
    note: FormText = "",
    reassign: FormText = "",
) -> Response:
    case = cases.escalate(
        session,
        actor=viewer.principal,
        case_id=case_id,
        to=required_text(to, "to", limit=64),
        reassign=bool(reassign),
        note=form_text(note, "note", limit=NOTE_CHARS, required=False),
    )
    who = case.escalated_to.full_name if case.escalated_to else "them"
    return redirect(_page(case_id), notice=f"Escalated to {who}.")


@router.post("/cases/{case_id}/status")
def change_status(
    case_id: str, session: DbSession, viewer: Updater, to: FormText = "", note: FormText = ""
) -> Response:
    target = _choice(ReviewStatus, to.strip(), "to")
    if target is ReviewStatus.resolved:
        raise ValidationFailed.on("to", "resolving needs a resolution: use the Resolve form")
    move = Move(to=target, note=form_text(note, "note", limit=NOTE_CHARS, required=False))
    decisions.transition(session, actor=viewer.principal, case_id=case_id, move=move)
    return redirect(_page(case_id), notice=f"Status changed to {words(target)}.")


@router.post("/cases/{case_id}/resolve")
def resolve(
    case_id: str,
    session: DbSession,
    viewer: Updater,
    resolution: FormText = "",
    note: FormText = "",
    override_checklist: FormText = "",
    override_reason: FormText = "",
) -> Response:
    chosen = _choice(Resolution, resolution.strip(), "resolution") if resolution.strip() else None
    overriding = override_checklist == "yes"
    move = Move(
        to=ReviewStatus.resolved,
        resolution=chosen,
        note=form_text(note, "note", limit=NOTE_CHARS, required=False),
        override_checklist=overriding,
        override_reason=form_text(
            override_reason, "override_reason", limit=NOTE_CHARS, required=False
        )
        if overriding
        else None,
    )
    _, proposed = decisions.transition(session, actor=viewer.principal, case_id=case_id, move=move)
    if proposed is not None:
        notice = "Resolution proposed: it applies once someone else approves it."
    else:
        notice = "Case resolved, checklist overridden." if overriding else "Case resolved."
    return redirect(_page(case_id), notice=notice)


@router.post("/cases/{case_id}/reopen")
def reopen(case_id: str, session: DbSession, viewer: Resolver, note: FormText = "") -> Response:
    cases.reopen(
        session,
        actor=viewer.principal,
        case_id=case_id,
        note=required_text(note, "note", limit=NOTE_CHARS),
    )
    return redirect(_page(case_id), notice="Case reopened.")


@router.post("/cases/{case_id}/decisions/{decision_id}/approve")
def approve_decision(
    case_id: str, decision_id: str, session: DbSession, viewer: Approver, note: FormText = ""
) -> Response:
    _decision_of(session, viewer, case_id, decision_id)
    decisions.approve(
        session,
        actor=viewer.principal,
        decision_id=decision_id,
        note=form_text(note, "note", limit=NOTE_CHARS, required=False) or None,
    )
    return redirect(_page(case_id), notice="Approved: the change is made.")


@router.post("/cases/{case_id}/decisions/{decision_id}/reject")
def reject_decision(
    case_id: str, decision_id: str, session: DbSession, viewer: Approver, note: FormText = ""
) -> Response:
    _decision_of(session, viewer, case_id, decision_id)
    decisions.reject(
        session,
        actor=viewer.principal,
        decision_id=decision_id,
        note=required_text(note, "note", limit=NOTE_CHARS),
    )
    return redirect(_page(case_id), notice="Rejected: the case stays as it was.")


def _decision_of(session: Session, viewer: Viewer, case_id: str, decision_id: str) -> None:
    """Refuse a decision of another case, as if it did not exist."""
    decision = decisions.get_decision(session, actor=viewer.principal, decision_id=decision_id)
    if decision.case_id != case_id:
        raise NotFound(f"decision {decision_id} not found")


@router.post("/cases/{case_id}/legal-hold")
def legal_hold(
    case_id: str, session: DbSession, viewer: HoldKeeper, hold: FormText = "", reason: FormText = ""
) -> Response:
    if hold not in {"on", "off"}:
        raise ValidationFailed.on("hold", "must be on or off")
    cases.set_legal_hold(
        session,
        actor=viewer.principal,
        case_id=case_id,
        hold=hold == "on",
        reason=required_text(reason, "reason", limit=2_000),
    )
    notice = "Legal hold placed." if hold == "on" else "Legal hold lifted."
    return redirect(_page(case_id), notice=notice)


@router.post("/cases/{case_id}/checks/run")
def run_checks(case_id: str, session: DbSession, viewer: Updater) -> Response:
    case = cases.locked_case(session, actor=viewer.principal, case_id=case_id)
    started = checks.start(session, actor=viewer.principal, case=case)
    notice = "Checks started." if started[0].attempt == 1 else "Checks rerun."
    return redirect(_page(case_id, "checks-title"), notice=notice)


@router.post("/cases/{case_id}/checks/{check_id}/matches/{match_id}/decision")
def decide_match(
    case_id: str,
    check_id: str,
    match_id: str,
    session: DbSession,
    viewer: Updater,
    decision: FormText = "",
    note: FormText = "",
) -> Response:
    chosen = _choice(MatchDecision, decision.strip(), "decision")
    check = checks.get_check(session, actor=viewer.principal, check_id=check_id)
    if check.case_id != case_id:
        raise NotFound(f"check {check_id} not found on case {case_id}")
    _, proposed = decisions.decide_match(
        session,
        actor=viewer.principal,
        check_id=check_id,
        match_id=match_id,
        decision=chosen,
        note=form_text(note, "note", limit=NOTE_CHARS, required=False),
    )
    notice = (
        "Proposed: the match is marked once someone else approves it."
        if proposed is not None
        else f"Match marked {words(chosen)}."
    )
    return redirect(_page(case_id, f"match-{match_id}"), notice=notice)


@router.post("/cases/{case_id}/tasks")
def save_checklist(
    case_id: str,
    session: DbSession,
    viewer: Updater,
    task: Ids = None,
    done: Ids = None,
) -> Response:
    """Tick and untick the listed tasks; ``task`` names those the form showed, so a task
    added meanwhile keeps its state."""
    shown, ticked = list(task or []), set(done or [])
    case = cases.get_case(session, actor=viewer.principal, case_id=case_id)
    current = {t.id: t.done for t in case.tasks}
    for index, task_id in enumerate(shown):
        if task_id not in current:
            raise ValidationFailed.on(f"task[{index}]", f"no task {task_id} on this case")
    if not ticked <= set(shown):
        raise ValidationFailed.on("done", "ticks a task the form did not list")
    changes = [(t, t in ticked) for t in shown if current[t] != (t in ticked)]
    for task_id, state in changes:
        checklist.update_checklist_item(
            session,
            actor=viewer.principal,
            case_id=case_id,
            task_id=task_id,
            done=state,
            text=None,
        )
    notice = "Checklist saved." if changes else "The checklist had no changes."
    return redirect(_page(case_id, "checklist-title"), notice=notice)


@router.post("/cases/{case_id}/tasks/new")
def add_task(case_id: str, session: DbSession, viewer: Updater, text: FormText = "") -> Response:
    checklist.add_checklist_item(
        session,
        actor=viewer.principal,
        case_id=case_id,
        text=required_text(text, "text", limit=1_000),
    )
    return redirect(_page(case_id, "checklist-title"), notice="Checklist item added.")


@router.post("/cases/{case_id}/comments")
def add_comment(
    case_id: str, session: DbSession, viewer: Commenter, body: FormText = ""
) -> Response:
    parts.add_comment(
        session,
        actor=viewer.principal,
        case_id=case_id,
        body=required_text(body, "body", limit=20_000),
    )
    return redirect(_page(case_id, "comments-title"), notice="Comment added.")


@router.post("/cases/{case_id}/attachments")
def upload_attachment(
    case_id: str,
    session: DbSession,
    viewer: Updater,
    settings: AppSettings,
    storage: Storage,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Store the file as a document of the case's customer, then attach it."""
    if not viewer.can(Permission.document_write):
        raise PermissionDenied("uploading needs the 'document.write' permission")
    case = cases.get_case(session, actor=viewer.principal, case_id=case_id)
    if file is None or not file.filename:
        raise ValidationFailed.on("file", "choose a file to upload")
    with documents.receive(
        storage, file.file, filename=file.filename, max_bytes=settings.max_upload_bytes
    ) as upload:
        document = documents.create_document(
            session,
            actor=viewer.principal,
            storage=storage,
            upload=upload,
            customer_id=case.customer_id,
        )
    parts.attach(session, actor=viewer.principal, case_id=case_id, document_id=document.id)
    return redirect(_page(case_id, "attachments-title"), notice=f"Attached {document.filename}.")


@router.get("/cases/{case_id}/attachments/{document_id}")
def download_attachment(
    case_id: str, document_id: str, session: DbSession, viewer: Reader, storage: Storage
) -> Response:
    """The stored bytes of a document attached to the case, typed as sniffed on upload."""
    if not viewer.can(Permission.document_read):
        raise PermissionDenied("downloading needs the 'document.read' permission")
    case = cases.get_case(session, actor=viewer.principal, case_id=case_id)
    link = next((a for a in case.attachments if a.document_id == document_id), None)
    if link is None:
        raise NotFound(f"document {document_id} is not attached to case {case_id}")
    return uploads.download(link.document, storage)
