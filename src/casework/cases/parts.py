"""What a case holds besides its checklist (see checklist): comments and attachments."""

from __future__ import annotations

from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.cases import repository
from casework.infra.errors import Conflict, NotFound, ValidationFailed
from casework.infra.tenancy import owned
from casework.models import Case, CaseAttachment, Comment, Document
from casework.models.base import utcnow
from casework.notifications import service as notifications


def _case(session: Session, actor: Principal, case_id: str) -> Case:
    return repository.get(session, tenant_id=actor.tenant_id, case_id=case_id, for_update=True)


def _touch(case: Case) -> None:
    case.updated_at = utcnow()


def add_comment(session: Session, *, actor: Principal, case_id: str, body: str) -> Comment:
    case = _case(session, actor, case_id)
    if actor.user_id is None:
        raise ValidationFailed.on("body", "comments need a user to author them")
    comment = Comment(
        tenant_id=actor.tenant_id, case_id=case.id, author_id=actor.user_id, body=body
    )
    session.add(comment)
    _touch(case)
    session.flush()
    mentioned = notifications.notify_mentions(session, actor=actor, case=case, comment=comment)
    audit.record(
        session,
        actor=actor,
        action="comment.added",
        entity_type="comment",
        entity_id=comment.id,
        case_id=case.id,
        message="Comment added",
        after={"body": body, **({"mentioned_user_ids": mentioned} if mentioned else {})},
    )
    return repository.comment(session, comment.id)


def list_comments(session: Session, *, actor: Principal, case_id: str) -> list[Comment]:
    return repository.get(session, tenant_id=actor.tenant_id, case_id=case_id).comments


def attach(session: Session, *, actor: Principal, case_id: str, document_id: str) -> Case:
    case = _case(session, actor, case_id)
    document = owned(session, Document, document_id, tenant_id=actor.tenant_id)
    if document is None:
        raise ValidationFailed.on("document_id", f"no document {document_id} in this tenant")
    if any(a.document_id == document_id for a in case.attachments):
        raise Conflict(f"document {document_id} is already attached")
    session.add(
        CaseAttachment(
            tenant_id=actor.tenant_id,
            case_id=case.id,
            document_id=document.id,
            attached_by_id=actor.user_id,
        )
    )
    _touch(case)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="attachment.added",
        entity_type="document",
        entity_id=document.id,
        case_id=case.id,
        message=f"Attached {document.filename}",
        after={
            "document_id": document.id,
            "filename": document.filename,
            "sha256": document.sha256,
        },
    )
    return repository.reload(session, case)


def detach(session: Session, *, actor: Principal, case_id: str, document_id: str) -> None:
    case = _case(session, actor, case_id)
    link = next((a for a in case.attachments if a.document_id == document_id), None)
    if link is None:
        raise NotFound(f"document {document_id} is not attached to case {case_id}")
    filename = link.document.filename
    case.attachments.remove(link)
    _touch(case)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="attachment.removed",
        entity_type="document",
        entity_id=document_id,
        case_id=case.id,
        message=f"Detached {filename}",
        before={"document_id": document_id, "filename": filename},
    )
