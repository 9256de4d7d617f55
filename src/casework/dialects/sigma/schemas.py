"""Sigma's request bodies and query parameters, and their translation to casework's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from casework.cases.listing import CaseFilters
from casework.cases.schemas import CaseCreate, RecordRef
from casework.infra.errors import FieldError, ValidationFailed
from casework.infra.field_paths import field_name
from casework.infra.strict import StrictModel
from casework.models.enums import Module, Priority, ReviewStatus

SigmaPriority = Literal["low", "medium", "high"]
SigmaStatus = Literal["open", "in-progress", "resolved", "closed"]
PublicId = Annotated[str, Field(min_length=1, max_length=64)]

# Casework's field names as Sigma calls them, for errors raised past the dialect.
FIELD_NAMES = {
    "assignee_id": "assignedTo",
    "escalate_to": "escalateTo",
    "due_date": "dueDate",
    "custom_module": "customModule",
}

STATUSES: dict[SigmaStatus, list[ReviewStatus]] = {
    "open": [ReviewStatus.open],
    "in-progress": [ReviewStatus.in_progress, ReviewStatus.awaiting_user, ReviewStatus.blocked],
    "resolved": [ReviewStatus.resolved],
    "closed": [ReviewStatus.closed],
}


def sigma_field(field: str) -> str:
    """``escalate_to`` -> ``escalateTo``; ``attachments[1]`` and ``record.id`` stay."""
    head, sep, rest = field.partition(".")
    index = head.find("[")
    name, suffix = (head[:index], head[index:]) if index >= 0 else (head, "")
    return FIELD_NAMES.get(name, name) + suffix + sep + rest


class SigmaRecord(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=100)
    name: str | None = Field(default=None, max_length=300)


class CreateCaseBody(StrictModel):
    """The body of ``POST /case-management/create``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=300)
    description: str = Field(min_length=1, max_length=20_000)
    priority: SigmaPriority
    assignedTo: PublicId  # noqa: N815 (Sigma's field names)
    module: Module | None = None
    customModule: str | None = Field(default=None, min_length=1, max_length=100)  # noqa: N815
    record: SigmaRecord | None = None
    dueDate: datetime | None = None  # noqa: N815
    tasks: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(
        default_factory=list, max_length=100
    )
    attachments: list[PublicId] = Field(default_factory=list, max_length=50)
    escalateTo: PublicId | None = None  # noqa: N815

    @field_validator("customModule")
    @classmethod
    def _one_module(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("module") is not None:
            raise ValueError("give either module or customModule, not both")
        return value

    @field_validator("dueDate")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        # Sigma's examples always carry "Z"; a date-time without an offset is read as UTC.
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    def to_case_create(self) -> CaseCreate:
        """The native request; what casework's own schema refuses is named Sigma's way."""
        data: dict[str, Any] = {
            "title": self.title,
            "description": self.description,
            "priority": self.priority,
            "assignee_id": self.assignedTo,
            "module": self.module,
            "custom_module": self.customModule,
            "record": RecordRef(**self.record.model_dump()) if self.record else None,
            "due_date": self.dueDate,
            "tasks": self.tasks,
            "attachments": self.attachments,
            "escalate_to": self.escalateTo,
        }
        try:
            return CaseCreate(**data)
        except ValidationError as exc:
            errors = [
                FieldError(
                    sigma_field(field_name(tuple(e["loc"]))),
                    str(e["msg"]).removeprefix("Value error, "),
                )
                for e in exc.errors()
            ]
            raise ValidationFailed.of(errors) from None


class ListQuery(BaseModel):
    """The query of ``GET /case-management``."""

    page: int = Field(default=1, ge=1, le=1_000_000)
    limit: int = Field(default=20, ge=1, le=100)
    status: SigmaStatus | None = None
    priority: SigmaPriority | None = None
    module: str | None = Field(default=None, min_length=1, max_length=100)
    assignedTo: PublicId | None = None  # noqa: N815

    def filters(self) -> CaseFilters:
        """The case list's filters for this query. Sigma shows a custom module in the
        same field as a standard one, so ``module`` matches either."""
        return CaseFilters(
            review_status=STATUSES[self.status] if self.status else None,
            priority=[Priority[self.priority]] if self.priority else None,
            module_named=self.module,
            assignee_id=self.assignedTo,
        )


class Envelope(BaseModel):
    """Sigma's answer: a message and the data."""

    message: str
    data: dict[str, Any]


class SigmaFieldError(BaseModel):
    field: str
    message: str


class SigmaError(BaseModel):
    """Sigma's answer to a refused request."""

    message: str
    data: None = None
    errors: list[SigmaFieldError] = []
