"""What a case holds: checklist tasks, comments and attachments."""

from __future__ import annotations

from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.cases import repository, state
from casework.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from casework.models import Case, CaseAttachment, Comment, Document, Task
from casework.models.base import utcnow
from casework.notifications import service as notifications
from casework.tenancy import owned

MAX_TASKS = 200


def _case(session: Session, actor: Principal, case_id: str) -> Case:
    return repository.get(session, tenant_id=actor.tenant_id, case_id=case_id, for_update=True)


def _touch(case: Case) -> None:
    case.updated_at = utcnow()


def _task(case: Case, task_id: str) -> Task:
    for task in case.tasks:
        if task.id == task_id:
            return task
    raise NotFound(f"task {task_id} not found on case {case.id}")


def _working(case: Case, what: str) -> None:
    if case.review_status in state.FINISHED:
        raise InvalidTransition(f"a {case.review_status.value} case's {what} cannot change")


def add_task(session: Session, *, actor: Principal, case_id: str, text: str) -> Task:
    case = _case(session, actor, case_id)
    _working(case, "checklist")
    if len(case.tasks) >= MAX_TASKS:
        raise ValidationFailed.on("text", f"a case holds at most {MAX_TASKS} tasks")
    position = max((t.position for t in case.tasks), default=-1) + 1
    task = Task(tenant_id=actor.tenant_id, case_id=case.id, text=text, position=position)
    session.add(task)
    _touch(case)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="task.added",
        entity_type="task",
        entity_id=task.id,
        case_id=case.id,
        message=f"Task added: {text}",
        after={"text": text, "position": position},
    )
    return _load_task(session, task.id)


def update_task(
    session: Session,
    *,
    actor: Principal,
    case_id: str,
    task_id: str,
    done: bool | None,
    text: str | None,
) -> Task:
    case = _case(session, actor, case_id)
    task = _task(case, task_id)
    _working(case, "checklist")
    before = {"text": task.text, "done": task.done}
    if text is not None:
        task.text = text
    if done is not None and done != task.done:
        task.done = done
        task.done_by_id = actor.user_id if done else None
        task.done_at = utcnow() if done else None
    old, new = audit.changes(before, {"text": task.text, "done": task.done})
    if not new:
        return task
    _touch(case)
    session.flush()
    if "done" in new:
        message = f"Task {'ticked' if task.done else 'unticked'}: {task.text}"
    else:
        message = f"Task edited: {task.text}"
    audit.record(
        session,
        actor=actor,
        action="task.updated",
        entity_type="task",
        entity_id=task.id,
        case_id=case.id,
        message=message,
        before=old,
        after=new,
    )
    session.expire(task)
    return _load_task(session, task.id)


def _load_task(session: Session, task_id: str) -> Task:
    return repository.task(session, task_id)


def remove_task(session: Session, *, actor: Principal, case_id: str, task_id: str) -> None:
    case = _case(session, actor, case_id)
    task = _task(case, task_id)
    _working(case, "checklist")
    before = {"text": task.text, "done": task.done, "position": task.position}
    case.tasks.remove(task)
    _touch(case)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="task.removed",
        entity_type="task",
        entity_id=task_id,
        case_id=case.id,
        message=f"Task removed: {before['text']}",
        before=before,
    )


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
