from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AnyHttpUrl,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from casework.checks.schemas import CheckSpec
from casework.customers.schemas import CustomerCreate, CustomerRef
from casework.infra.schemas import not_null
from casework.infra.strict import StrictModel
from casework.models import Case, CaseAttachment, Comment, Task
from casework.models.enums import (
    CreatedByType,
    Module,
    Outcome,
    Priority,
    ProcessingStatus,
    Resolution,
    ReviewStatus,
)
from casework.users.schemas import UserRef

PriorityName = Literal["low", "medium", "high"]
PublicId = Annotated[str, Field(min_length=1, max_length=64)]
ExternalRef = Annotated[str, Field(min_length=1, max_length=200)]
TaskText = Annotated[str, Field(min_length=1, max_length=1000)]


def _future(value: datetime | None) -> datetime | None:
    if value is not None and value <= datetime.now(UTC):
        raise ValueError("must be in the future")
    return value


class RecordRef(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=100)
    name: str | None = Field(default=None, max_length=300)


class _ModuleChoice(StrictModel):
    module: Module | None = None
    custom_module: str | None = Field(default=None, min_length=1, max_length=100)

    @field_validator("custom_module")
    @classmethod
    def _one_module(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("module") is not None:
            raise ValueError("give module or custom_module, not both")
        return value


class CaseCreate(_ModuleChoice):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=20_000)
    priority: PriorityName | None = Field(
        default=None, description="Defaults to the config's priority, else medium."
    )
    record: RecordRef | None = None
    customer_id: PublicId | None = None
    customer: CustomerCreate | None = None
    assignee_id: PublicId | None = None
    escalate_to: PublicId | None = None
    due_date: AwareDatetime | None = Field(
        default=None, description="Defaults to now + the config's SLA when a config is given."
    )
    tasks: list[TaskText] = Field(default_factory=list, max_length=100)
    attachments: list[PublicId] = Field(default_factory=list, max_length=50)
    config: str | None = Field(default=None, min_length=1, max_length=63)
    notes: str | None = Field(default=None, max_length=20_000)
    rfi: str | None = Field(
        default=None,
        min_length=1,
        max_length=20_000,
        description="A request for information to the customer: the case starts awaiting "
        "them, and the text is emailed to them when SMTP is configured.",
    )
    transaction_ids: list[ExternalRef] = Field(
        default_factory=list,
        max_length=1000,
        description="Ingested transactions to link, by id or external id; they must be "
        "the case customer's.",
    )
    checks: list[CheckSpec] | None = Field(
        default=None,
        max_length=10,
        description="Automated checks to run; when absent, those of the config.",
    )
    auto_start: bool = Field(default=True, description="Run the checks once the case exists.")
    delete_after: int | None = Field(
        default=None,
        ge=-1,
        le=36_500,
        description="Days to keep the case once created; 0: delete as soon as its checks "
        "are done and its webhooks delivered; -1: keep. Default: the tenant's setting.",
    )
    webhook_url: AnyHttpUrl | None = Field(
        default=None, description="Receives the case when its checks complete."
    )

    _due = field_validator("due_date")(_future)

    @field_validator("checks")
    @classmethod
    def _distinct_checks(cls, value: list[CheckSpec] | None) -> list[CheckSpec] | None:
        if value is not None and len({c.type for c in value}) != len(value):
            raise ValueError("lists a check type twice")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: AnyHttpUrl | None) -> AnyHttpUrl | None:
        if value is not None and (value.username or value.password):
            raise ValueError("must not carry credentials")
        if value is not None and len(str(value)) > 2000:
            raise ValueError("must be at most 2000 characters")
        return value

    @field_validator("customer")
    @classmethod
    def _one_customer(
        cls, value: CustomerCreate | None, info: ValidationInfo
    ) -> CustomerCreate | None:
        if value is not None and info.data.get("customer_id") is not None:
            raise ValueError("give customer_id or customer, not both")
        return value


class LegalHoldBody(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    hold: bool
    reason: str = Field(min_length=1, max_length=2_000)


class CaseUpdate(_ModuleChoice):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(
        default=None, min_length=1, max_length=300, json_schema_extra=not_null
    )
    description: str | None = Field(default=None, max_length=20_000)
    priority: PriorityName | None = Field(default=None, json_schema_extra=not_null)
    record: RecordRef | None = None
    customer_id: PublicId | None = None
    due_date: AwareDatetime | None = None
    notes: str | None = Field(default=None, max_length=20_000)

    _due = field_validator("due_date")(_future)


class AssignBody(StrictModel):
    model_config = ConfigDict(extra="forbid")

    assignee_id: PublicId | None = Field(description="A user holding case.assign; null unassigns.")


class EscalateBody(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    to: PublicId
    reassign: bool = False
    note: str | None = Field(default=None, max_length=5000)


class TransitionBody(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    to: ReviewStatus
    resolution: Resolution | None = None
    note: str | None = Field(default=None, max_length=5000)
    override_checklist: bool = Field(
        default=False,
        description="Resolve although checklist items are open: needs the "
        "'case.override_checklist' permission and an override_reason.",
    )
    override_reason: str | None = Field(
        default=None,
        max_length=5000,
        description="Why the open checklist items are overridden; recorded in the audit trail.",
    )


class ReopenBody(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str = Field(min_length=1, max_length=5000)


class RfiBody(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: str = Field(min_length=1, max_length=20_000)


class TaskCreate(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: TaskText


class TaskUpdate(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    done: bool | None = None
    text: TaskText | None = None


class CommentCreate(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    body: str = Field(min_length=1, max_length=20_000)


class AttachBody(StrictModel):
    model_config = ConfigDict(extra="forbid")

    document_id: PublicId


class TaskOut(BaseModel):
    id: str
    text: str
    done: bool
    done_by: UserRef | None
    done_at: datetime | None

    @classmethod
    def of(cls, task: Task) -> TaskOut:
        return cls(
            id=task.id,
            text=task.text,
            done=task.done,
            done_by=UserRef.of(task.done_by),
            done_at=task.done_at,
        )


class CommentOut(BaseModel):
    id: str
    body: str
    author: UserRef | None
    created_at: datetime

    @classmethod
    def of(cls, comment: Comment) -> CommentOut:
        return cls(
            id=comment.id,
            body=comment.body,
            author=UserRef.of(comment.author),
            created_at=comment.created_at,
        )


class AttachmentOut(BaseModel):
    document_id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    attached_at: datetime

    @classmethod
    def of(cls, link: CaseAttachment) -> AttachmentOut:
        doc = link.document
        return cls(
            document_id=doc.id,
            filename=doc.filename,
            content_type=doc.content_type,
            size=doc.size,
            sha256=doc.sha256,
            attached_at=link.attached_at,
        )


class CreatedByRule(BaseModel):
    id: str
    name: str
    title: str
    revision: int


class CaseOut(BaseModel):
    id: str
    number: int
    title: str
    description: str
    priority: PriorityName
    module: Module | None
    custom_module: str | None
    record: RecordRef | None
    customer: CustomerRef | None
    config: str | None
    review_status: ReviewStatus
    resolution: Resolution | None
    resolution_note: str | None
    pending_decision_id: str | None = Field(
        description="A decision on the case that waits for a second person's approval "
        "(GET /v1/decisions/{id}); nothing it would change has happened yet."
    )
    processing_status: ProcessingStatus | None
    outcome: Outcome | None
    risk_score: float | None
    assignee: UserRef | None
    assigned_by: UserRef | None
    is_escalated: bool
    escalated_to: UserRef | None
    due_date: datetime | None
    is_overdue: bool
    created_by_type: CreatedByType
    created_by_rule: CreatedByRule | None = Field(
        description="For a case opened by a transaction-monitoring rule: the rule as it was."
    )
    group_by_type: str | None = Field(
        description="How a rule-created case gathers alerts: byApplicant or byRuleAndApplicant."
    )
    total_amount_in_default_currency: Decimal | None = Field(
        description="Sum of the linked transactions, in the tenant's default currency."
    )
    notes: str | None
    rfi: str | None = Field(description="The open request for information to the customer.")
    rfi_requested_at: datetime | None
    rfi_sent_at: datetime | None = Field(
        description="When the mailer dealt with the request (emailed, or found no address)."
    )
    webhook_url: str | None
    legal_hold: bool
    delete_after: datetime | None
    parent_case_id: str | None
    related_case_id: str | None = Field(
        description="For an ongoing-monitoring case: the case whose screening it continues."
    )
    tasks: list[TaskOut]
    comments: list[CommentOut]
    attachments: list[AttachmentOut]
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None

    @classmethod
    def of(cls, case: Case, *, now: datetime | None = None) -> CaseOut:
        now = now or datetime.now(UTC)
        record = (
            RecordRef(id=case.record_id, type=case.record_type or "", name=case.record_name)
            if case.record_id
            else None
        )
        return cls(
            id=case.id,
            number=case.number,
            title=case.title,
            description=case.description,
            priority=Priority(case.priority).name,
            module=case.module,
            custom_module=case.custom_module,
            record=record,
            customer=CustomerRef.of(case.customer),
            config=case.config.slug if case.config else None,
            review_status=case.review_status,
            resolution=case.resolution,
            resolution_note=case.resolution_note,
            pending_decision_id=case.pending_decision_id,
            processing_status=case.processing_status,
            outcome=case.outcome,
            risk_score=case.risk_score,
            assignee=UserRef.of(case.assignee),
            assigned_by=UserRef.of(case.assigned_by),
            is_escalated=case.is_escalated,
            escalated_to=UserRef.of(case.escalated_to),
            due_date=case.due_date,
            is_overdue=is_overdue(case, now),
            created_by_type=case.created_by_type,
            created_by_rule=(
                CreatedByRule.model_validate(case.created_by_rule) if case.created_by_rule else None
            ),
            group_by_type=case.group_by_type,
            total_amount_in_default_currency=case.total_amount_in_default_currency,
            notes=case.notes,
            rfi=case.rfi,
            rfi_requested_at=case.rfi_requested_at,
            rfi_sent_at=case.rfi_sent_at,
            webhook_url=case.webhook_url,
            legal_hold=case.legal_hold,
            delete_after=case.delete_after,
            parent_case_id=case.parent_case_id,
            related_case_id=case.related_case_id,
            tasks=[TaskOut.of(t) for t in case.tasks],
            comments=[CommentOut.of(c) for c in case.comments],
            attachments=[AttachmentOut.of(a) for a in case.attachments],
            created_at=case.created_at,
            updated_at=case.updated_at,
            resolved_at=case.resolved_at,
        )


def is_overdue(case: Case, now: datetime) -> bool:
    return (
        case.due_date is not None
        and case.due_date < now
        and case.review_status not in (ReviewStatus.resolved, ReviewStatus.closed)
    )


class AuditEventOut(BaseModel):
    id: str
    seq: int
    occurred_at: datetime
    actor_type: str
    actor_user_id: str | None
    actor_client_id: str | None
    actor_name: str
    action: str
    entity_type: str
    entity_id: str
    message: str
    before: dict[str, object] | None
    after: dict[str, object] | None
