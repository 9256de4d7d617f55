"""A case's checklist: items added, ticked, edited and removed while the case is worked.

The items are stored (and named in the API and the audit log) as the case's tasks.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.cases import repository, state
from casework.infra.errors import InvalidTransition, NotFound, ValidationFailed
from casework.models import Case, Task
from casework.models.base import utcnow

MAX_ITEMS = 200


def _case(session: Session, actor: Principal, case_id: str) -> Case:
    return repository.get(session, tenant_id=actor.tenant_id, case_id=case_id, for_update=True)


def _touch(case: Case) -> None:
    case.updated_at = utcnow()


def _item(case: Case, task_id: str) -> Task:
    for task in case.tasks:
        if task.id == task_id:
            return task
    raise NotFound(f"task {task_id} not found on case {case.id}")


def _working(case: Case) -> None:
    if case.review_status in state.FINISHED:
        raise InvalidTransition(f"a {case.review_status.value} case's checklist cannot change")


def add_checklist_item(session: Session, *, actor: Principal, case_id: str, text: str) -> Task:
    case = _case(session, actor, case_id)
    _working(case)
    if len(case.tasks) >= MAX_ITEMS:
        raise ValidationFailed.on("text", f"a case holds at most {MAX_ITEMS} tasks")
    position = max((t.position for t in case.tasks), default=-1) + 1
    task = Task(tenant_id=actor.tenant_id, case_id=case.id, text=text, position=position)
    _touch(case)
    audit.record_created(
        session,
        task,
        actor=actor,
        entity_type="task",
        action="task.added",
        case_id=case.id,
        message=f"Task added: {text}",
        after=lambda _: {"text": text, "position": position},
    )
    return _load_item(session, task.id)


def update_checklist_item(
    session: Session,
    *,
    actor: Principal,
    case_id: str,
    task_id: str,
    done: bool | None,
    text: str | None,
) -> Task:
    case = _case(session, actor, case_id)
    task = _item(case, task_id)
    _working(case)
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
    return _load_item(session, task.id)


def _load_item(session: Session, task_id: str) -> Task:
    return repository.task(session, task_id)


def remove_checklist_item(
    session: Session, *, actor: Principal, case_id: str, task_id: str
) -> None:
    case = _case(session, actor, case_id)
    task = _item(case, task_id)
    _working(case)
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
