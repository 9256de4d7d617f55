"""Opening and working cases: create, update, assign, escalate, move through states."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.permissions import Permission
from casework.auth.principal import Principal
from casework.cases import links, repository, state
from casework.cases.schemas import CaseCreate, CaseUpdate, RecordRef
from casework.checks import service as case_checks
from casework.configs import repository as configs
from casework.customers import service as customers
from casework.documents import repository as document_repository
from casework.infra import persist
from casework.infra.errors import (
    FieldError,
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
)
from casework.infra.ids import new_id
from casework.infra.tenancy import owned
from casework.models import Case, CaseAttachment, CaseConfig, Customer, Document, Task, User
from casework.models.base import utcnow
from casework.models.enums import (
    CreatedByType,
    Priority,
    ProcessingStatus,
    Resolution,
    ReviewStatus,
    words,
)
from casework.retention import service as retention
from casework.rfi import service as rfi
from casework.tenants.service import next_number
from casework.users import repository as users
from casework.webhooks.outbound import Refused, check_later_url

T = TypeVar("T")


def snapshot(case: Case) -> dict[str, Any]:
    """The audited view of a case's own fields."""
    return {
        "title": case.title,
        "description": case.description,
        "priority": Priority(case.priority).name,
        "module": case.module,
        "custom_module": case.custom_module,
        "record": (
            {"id": case.record_id, "type": case.record_type, "name": case.record_name}
            if case.record_id
            else None
        ),
        "customer_id": case.customer_id,
        "review_status": case.review_status,
        "resolution": case.resolution,
        "assignee_id": case.assignee_id,
        "is_escalated": case.is_escalated,
        "escalated_to_id": case.escalated_to_id,
        "due_date": case.due_date,
        "notes": case.notes,
    }


# Said where an email address stands for a user: the API names users by id, and a
# caller who may assign can look the ids up without the admin's /v1/users.
_IDS_NOT_EMAILS = "expects a user id, not an email address; GET /v1/assignees lists them"


def active_user(session: Session, *, tenant_id: str, user_id: str, field: str) -> User:
    user = users.active(session, tenant_id=tenant_id, user_id=user_id, with_role=True)
    if user is None:
        if "@" in user_id:
            raise ValidationFailed.on(field, _IDS_NOT_EMAILS)
        raise ValidationFailed.on(field, f"no active user {user_id} in this tenant")
    return user


def assignable_user(session: Session, *, tenant_id: str, user_id: str, field: str) -> User:
    user = active_user(session, tenant_id=tenant_id, user_id=user_id, field=field)
    if Permission.case_assign.value not in user.role.permissions:
        raise ValidationFailed.on(field, "this user lacks the case.assign permission")
    return user


def _customer(session: Session, *, tenant_id: str, customer_id: str) -> Customer:
    customer = owned(session, Customer, customer_id, tenant_id=tenant_id)
    if customer is None:
        raise ValidationFailed.on("customer_id", f"no customer {customer_id} in this tenant")
    return customer


def _config(session: Session, *, tenant_id: str, slug: str) -> CaseConfig:
    config = configs.active_by_slug(session, tenant_id=tenant_id, slug=slug)
    if config is None:
        raise ValidationFailed.on("config", f"no active case config {slug!r}")
    return config


def _documents(
    session: Session, *, tenant_id: str, ids: Sequence[str], field: str
) -> list[Document]:
    if not ids:
        return []
    if len(set(ids)) != len(ids):
        raise ValidationFailed.on(field, "lists a document twice")
    found = document_repository.by_id(session, tenant_id=tenant_id, ids=list(ids))
    missing = [
        FieldError(f"{field}[{index}]", f"no document {doc_id} in this tenant")
        for index, doc_id in enumerate(ids)
        if doc_id not in found
    ]
    if missing:
        raise ValidationFailed.of(missing)
    return [found[i] for i in ids]


@dataclass(frozen=True)
class References:
    """What a new case's request names, found in the tenant."""

    config: CaseConfig | None
    customer: Customer | None
    assignee: User | None
    escalated_to: User | None
    documents: list[Document]


def find_references(
    session: Session,
    *,
    tenant_id: str,
    config: str | None = None,
    customer_id: str | None = None,
    assignee_id: str | None = None,
    escalate_to: str | None = None,
    attachments: Sequence[str] = (),
) -> References:
    """The config, customer, users and documents a new case's request names. Whatever
    names nothing usable is refused, all of it in one answer, each naming its field."""
    errors: list[FieldError] = []

    def found(lookup: Callable[..., T], **kwargs: Any) -> T | None:
        try:
            return lookup(session, tenant_id=tenant_id, **kwargs)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            return None

    case_config = found(_config, slug=config) if config else None
    customer = found(_customer, customer_id=customer_id) if customer_id else None
    assignee = (
        found(assignable_user, user_id=assignee_id, field="assignee_id") if assignee_id else None
    )
    escalated_to = (
        found(active_user, user_id=escalate_to, field="escalate_to") if escalate_to else None
    )
    documents = found(_documents, ids=attachments, field="attachments") if attachments else []
    refs = References(case_config, customer, assignee, escalated_to, documents or [])
    if errors:
        raise ValidationFailed.of(errors)
    return refs


def _apply_record(case: Case, record: RecordRef | None) -> None:
    case.record_id = record.id if record else None
    case.record_type = record.type if record else None
    case.record_name = record.name if record else None


def _check_webhook_url(url: str, allowed_hosts: Sequence[str]) -> None:
    """Refuse now a URL the webhook sender would refuse at every attempt."""
    try:
        check_later_url(url, allowed_hosts=allowed_hosts)
    except Refused as exc:
        raise ValidationFailed.on("webhook_url", str(exc)) from None


def create_case(
    session: Session,
    *,
    actor: Principal,
    data: CaseCreate,
    created_by_type: CreatedByType | None = None,
    parent_case_id: str | None = None,
    related_case_id: str | None = None,
    dialect: str | None = None,
    customer_ref: str | None = None,
    webhook_allowed_hosts: Sequence[str] = (),
) -> Case:
    """``dialect``: the API the case was created through, whose shape its case-webhook
    payloads take. ``customer_ref``: how that API's request named the customer, kept so
    that the API names it back the same way. ``webhook_allowed_hosts``: the operator's
    exceptions to the outbound policy (settings), which the case's own ``webhook_url`` is
    held to from the start."""
    if data.webhook_url:
        _check_webhook_url(str(data.webhook_url), webhook_allowed_hosts)
    tenant_id = actor.tenant_id
    now = utcnow()
    refs = find_references(
        session,
        tenant_id=tenant_id,
        config=data.config,
        customer_id=data.customer_id,
        assignee_id=data.assignee_id,
        escalate_to=data.escalate_to,
        attachments=data.attachments,
    )
    config, customer, documents = refs.config, refs.customer, refs.documents
    assignee, escalated_to = refs.assignee, refs.escalated_to
    if data.customer is not None:
        customer = customers.new_customer(session, tenant_id=tenant_id, data=data.customer)
    transactions = links.named_transactions(
        session, tenant_id=tenant_id, refs=data.transaction_ids, customer=customer
    )

    priority = (
        Priority[data.priority]
        if data.priority
        else (config.default_priority if config else Priority.medium)
    )
    module, custom_module = data.module, data.custom_module
    if module is None and custom_module is None and config is not None:
        module, custom_module = config.module, config.custom_module
    due_date = data.due_date
    if due_date is None and config is not None and config.sla_hours:
        due_date = now + timedelta(hours=config.sla_hours)
    if created_by_type is None:
        created_by_type = CreatedByType.by_api if actor.api_client_id else CreatedByType.by_officer

    texts = [*(config.checklist if config else []), *data.tasks]
    # Relationships are set on the new objects so the response needs no re-read.
    case_id = new_id()
    case = Case(
        id=case_id,
        tenant_id=tenant_id,
        title=data.title,
        description=data.description,
        priority=priority,
        module=module,
        custom_module=custom_module,
        customer=customer,
        customer_ref=customer_ref if customer is not None else None,
        config=config,
        review_status=ReviewStatus.open,
        assignee=assignee,
        assigned_by=session.get(User, actor.user_id) if assignee and actor.user_id else None,
        assigned_at=now if assignee else None,
        is_escalated=escalated_to is not None,
        escalated_to=escalated_to,
        escalated_at=now if escalated_to else None,
        due_date=due_date,
        created_by_type=created_by_type,
        created_by_user_id=actor.user_id,
        created_by_client_id=actor.api_client_id,
        notes=data.notes,
        dialect=dialect,
        total_amount_in_default_currency=links.total(transactions),
        webhook_url=str(data.webhook_url) if data.webhook_url else None,
        parent_case_id=parent_case_id,
        related_case_id=related_case_id,
        delete_after=retention.deadline(
            data.delete_after
            if data.delete_after is not None
            else retention.default_days(session, tenant_id),
            start=now,
        ),
        created_at=now,
        updated_at=now,
        tasks=[
            Task(
                id=new_id(),
                tenant_id=tenant_id,
                case_id=case_id,
                text=text,
                position=position,
                created_at=now,
                done_by=None,
            )
            for position, text in enumerate(texts)
        ],
        comments=[],
        attachments=[
            CaseAttachment(
                case_id=case_id,
                tenant_id=tenant_id,
                document=doc,
                attached_by_id=actor.user_id,
                attached_at=now,
            )
            for doc in documents
        ],
    )
    _apply_record(case, data.record)
    if data.rfi:
        rfi.open_request(session, case, data.rfi, now=now)
    wanted = case_checks.wanted_checks(data.checks, config)
    if wanted:
        case.processing_status = ProcessingStatus.pending
    # The per-tenant counter is locked until commit, so it is taken as late as possible.
    case.number = next_number(session, tenant_id=tenant_id, name="case_number")
    session.flush()  # what validation loaded or changed goes first, as in any write
    persist.insert_new(
        session, [case], case.tasks, case.attachments, links.links(case_id, tenant_id, transactions)
    )
    checks = case_checks.request_checks(
        session, case=case, wanted=wanted, config=config, auto_start=data.auto_start
    )
    after = snapshot(case) | {
        "number": case.number,
        "config": config.slug if config else None,
        "created_by_type": created_by_type,
        "tasks": texts,
        "attachments": [d.id for d in documents],
        "checks": [c.type for c in checks],
        "webhook_url": case.webhook_url,
        "rfi": case.rfi,
        "transactions": [t.id for t in transactions],
        "parent_case_id": case.parent_case_id,
        "related_case_id": case.related_case_id,
        "delete_after": case.delete_after,
    }
    if data.customer is not None and customer is not None:
        after["customer"] = customers.snapshot(customer) | {"id": customer.id}
    audit.record(
        session,
        actor=actor,
        action="case.created",
        entity_type="case",
        entity_id=case.id,
        case_id=case.id,
        message="Case created",
        after=after,
    )
    return case


def get_case(session: Session, *, actor: Principal, case_id: str) -> Case:
    return repository.get(session, tenant_id=actor.tenant_id, case_id=case_id)


def set_legal_hold(
    session: Session, *, actor: Principal, case_id: str, hold: bool, reason: str
) -> Case:
    """Place or lift a legal hold: a held case (and what it holds) is never deleted."""
    case = _locked(session, actor, case_id)
    if case.legal_hold == hold:
        return case
    case.legal_hold = hold
    case.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="case.legal_hold_placed" if hold else "case.legal_hold_lifted",
        entity_type="case",
        entity_id=case.id,
        case_id=case.id,
        message=("Legal hold placed: " if hold else "Legal hold lifted: ") + reason[:400],
        before={"legal_hold": not hold},
        after={"legal_hold": hold, "reason": reason},
    )
    return case


def locked_case(session: Session, *, actor: Principal, case_id: str) -> Case:
    """The case, its row locked until the transaction ends (for changes that read first)."""
    return _locked(session, actor, case_id)


def _locked(session: Session, actor: Principal, case_id: str) -> Case:
    return repository.get(session, tenant_id=actor.tenant_id, case_id=case_id, for_update=True)


def _record_change(
    session: Session,
    *,
    actor: Principal,
    case: Case,
    action: str,
    message: str,
    before: dict[str, Any],
    extra_after: dict[str, Any] | None = None,
) -> Case:
    old, new = audit.changes(before, snapshot(case))
    case.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        entity_type="case",
        entity_id=case.id,
        case_id=case.id,
        message=message,
        before=old,
        after=new | (extra_after or {}),
    )
    return repository.reload(session, case)


def update_case(session: Session, *, actor: Principal, case_id: str, data: CaseUpdate) -> Case:
    case = _locked(session, actor, case_id)
    values = data.model_dump(exclude_unset=True)
    if "title" in values and values["title"] is None:
        raise ValidationFailed.on("title", "cannot be removed")
    before = snapshot(case)
    if "customer_id" in values:
        case.customer_id = (
            _customer(session, tenant_id=actor.tenant_id, customer_id=values["customer_id"]).id
            if values["customer_id"]
            else None
        )
    if "module" in values or "custom_module" in values:
        case.module = values.get("module")
        case.custom_module = values.get("custom_module")
    if "record" in values:
        _apply_record(case, data.record)
    if "priority" in values:
        if values["priority"] is None:
            raise ValidationFailed.on("priority", "cannot be removed")
        case.priority = Priority[values["priority"]]
    for name in ("title", "description", "due_date", "notes"):
        if name in values:
            setattr(case, name, values[name] if name != "description" else values[name] or "")
    if audit.changes(before, snapshot(case))[1] == {}:
        return case
    return _record_change(
        session,
        actor=actor,
        case=case,
        action="case.updated",
        message="Case updated",
        before=before,
    )


def assign(session: Session, *, actor: Principal, case_id: str, assignee_id: str | None) -> Case:
    case = _locked(session, actor, case_id)
    if case.review_status in state.FINISHED:
        raise InvalidTransition(f"a {case.review_status.value} case cannot be reassigned")
    assignee = (
        assignable_user(
            session, tenant_id=actor.tenant_id, user_id=assignee_id, field="assignee_id"
        )
        if assignee_id
        else None
    )
    before = snapshot(case)
    case.assignee_id = assignee.id if assignee else None
    case.assigned_by_id = actor.user_id
    case.assigned_at = utcnow()
    message = f"Assigned to {assignee.full_name}" if assignee else "Unassigned"
    return _record_change(
        session, actor=actor, case=case, action="case.assigned", message=message, before=before
    )


def escalate(
    session: Session,
    *,
    actor: Principal,
    case_id: str,
    to: str,
    reassign: bool,
    note: str | None,
) -> Case:
    case = _locked(session, actor, case_id)
    if case.review_status in state.FINISHED:
        raise InvalidTransition(f"a {case.review_status.value} case cannot be escalated")
    if reassign:
        if not actor.can(Permission.case_assign):
            raise PermissionDenied("re-assigning needs the 'case.assign' permission")
        target = assignable_user(session, tenant_id=actor.tenant_id, user_id=to, field="to")
    else:
        target = active_user(session, tenant_id=actor.tenant_id, user_id=to, field="to")
    before = snapshot(case)
    now = utcnow()
    case.is_escalated = True
    case.escalated_to_id = target.id
    case.escalated_at = now
    if reassign:
        case.assignee_id = target.id
        case.assigned_by_id = actor.user_id
        case.assigned_at = now
    return _record_change(
        session,
        actor=actor,
        case=case,
        action="case.escalated",
        message=f"Escalated to {target.full_name}" + (f": {note}" if note else ""),
        before=before,
        extra_after={"note": note} if note else None,
    )


@dataclass(frozen=True)
class Move:
    """A change of a case's review status as it was asked for; also what a decision held
    for a second person stores until it is approved (``as_change``)."""

    to: ReviewStatus
    resolution: Resolution | None = None
    note: str | None = None
    override_checklist: bool = False
    override_reason: str | None = None

    def as_change(self) -> dict[str, Any]:
        return {
            "to": self.to.value,
            "resolution": self.resolution.value if self.resolution is not None else None,
            "note": self.note,
            "override_checklist": self.override_checklist,
            "override_reason": self.override_reason,
        }

    @classmethod
    def of_change(cls, change: dict[str, Any]) -> Move:
        resolution = change.get("resolution")
        return cls(
            to=ReviewStatus(change["to"]),
            resolution=Resolution(resolution) if resolution is not None else None,
            note=change.get("note"),
            override_checklist=bool(change.get("override_checklist")),
            override_reason=change.get("override_reason"),
        )


def transition(session: Session, *, actor: Principal, case_id: str, move: Move) -> Case:
    """Move a case's review status (``change_status`` on the case, locked)."""
    return change_status(session, actor=actor, case=_locked(session, actor, case_id), move=move)


def check_transition(actor: Principal, case: Case, move: Move) -> dict[str, Any] | None:
    """Refuse a move the case cannot make now, changing nothing; returns the checklist
    override it records, if any. Resolving over open checklist items is an explicit
    override: asked for, with a reason, by someone allowed to (see ``_override``)."""
    to, resolution = move.to, move.resolution
    if to in state.FINISHED and not actor.can(Permission.case_resolve):
        raise PermissionDenied(f"moving a case to {to.value} needs the 'case.resolve' permission")
    if not state.allowed(case.review_status, to):
        detail = f"a case cannot move from {case.review_status.value} to {to.value}"
        if case.review_status in state.REOPEN_FROM and to in state.WORKING:
            detail += (
                f"; reopen it with POST /v1/cases/{case.id}/reopen and a note, which returns"
                f" it to {state.REOPEN_TO.value}"
            )
        raise InvalidTransition(detail)
    if to in state.FINISHED and case.pending_decision_id is not None:
        detail = "a decision on this case awaits approval: approve or reject it first"
        raise InvalidTransition(detail, errors=[FieldError("decision", detail)])
    if move.override_reason and not move.override_checklist:
        raise ValidationFailed.on("override_reason", "is only given with override_checklist")
    if to == ReviewStatus.resolved:
        if resolution is None:
            raise ValidationFailed.on("resolution", "is required to resolve a case")
        if not move.note:
            raise ValidationFailed.on("note", "is required to resolve a case")
        return _override(actor, case, move.override_checklist, move.override_reason)
    if resolution is not None:
        raise ValidationFailed.on("resolution", "is only given when resolving")
    if move.override_checklist:
        raise ValidationFailed.on("override_checklist", "only applies when resolving")
    return None


def change_status(
    session: Session,
    *,
    actor: Principal,
    case: Case,
    move: Move,
    approval: dict[str, Any] | None = None,
) -> Case:
    """Move a locked case's review status; ``approval`` names the decision that held it
    for a second person, when one did."""
    override = check_transition(actor, case, move)
    to, resolution, note = move.to, move.resolution, move.note
    before = snapshot(case)
    case.review_status = to
    extra: dict[str, Any] = {}
    if to == ReviewStatus.resolved:
        case.resolution = resolution
        case.resolution_note = note
        case.resolved_at = utcnow()
        case.resolved_by_id = actor.user_id
        extra["note"] = note
    elif note:
        extra["note"] = note
    message = f"Status changed to {words(to)}"
    if resolution is not None:  # check_transition allows one only when resolving
        message = f"Resolved as {words(resolution)}: {note}"
    if override is not None:
        extra["checklist_override"] = override
        items = len(override["open_items"])
        message += (
            f" (checklist overridden with {items} item{'s' if items != 1 else ''} open: "
            f"{override['reason']})"
        )
    if approval is not None:
        extra["approval"] = approval
        message += f"; proposed by {approval['proposed_by']}, approved by {actor.display_name}"
    return _record_change(
        session,
        actor=actor,
        case=case,
        action="case.resolved" if to == ReviewStatus.resolved else "case.status_changed",
        message=message,
        before=before,
        extra_after=extra,
    )


def _override(
    actor: Principal, case: Case, asked: bool, reason: str | None
) -> dict[str, Any] | None:
    """The checklist override a resolution records, or None when every item is ticked.

    Open items refuse the resolution for every role unless the override is asked for;
    asking needs ``case.override_checklist`` and a reason, so that no integration or
    user overrides a checklist without saying so."""
    open_items = [t.text for t in case.tasks if not t.done]
    if not open_items:
        return None
    if not asked:
        detail = (
            f"{len(open_items)} checklist item(s) are still open; tick them, or resolve with "
            "override_checklist and an override_reason"
        )
        raise InvalidTransition(detail, errors=[FieldError("checklist", detail)])
    if not actor.can(Permission.case_override_checklist):
        raise PermissionDenied(
            "resolving over open checklist items needs the 'case.override_checklist' permission"
        )
    if not reason:
        raise ValidationFailed.on("override_reason", "is required to override the checklist")
    return {"reason": reason, "open_items": open_items}


def reopen(session: Session, *, actor: Principal, case_id: str, note: str) -> Case:
    case = _locked(session, actor, case_id)
    if case.review_status not in state.REOPEN_FROM:
        raise InvalidTransition(
            f"only resolved or closed cases reopen, not {case.review_status.value}"
        )
    before = snapshot(case)
    case.review_status = state.REOPEN_TO
    case.resolution = None
    case.resolution_note = None
    case.resolved_at = None
    case.resolved_by_id = None
    return _record_change(
        session,
        actor=actor,
        case=case,
        action="case.reopened",
        message=f"Reopened: {note}",
        before=before,
        extra_after={"note": note},
    )
