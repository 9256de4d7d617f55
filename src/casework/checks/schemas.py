"""Checks in requests (on a case or a config) and in responses."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from casework.audit.chain import canonical
from casework.checks.country_risk import Override
from casework.infra.strict import StrictModel
from casework.infra.validation import DatasetName
from casework.models import Check, ScreeningMatch
from casework.models.enums import CheckType, MatchDecision, Outcome, ProcessingStatus

PublicId = Annotated[str, Field(pattern=r"^[0-9a-f]{24}$")]
RetentionDays = Annotated[
    int,
    Field(ge=-1, le=36_500, description="Days until deletion; 0: once done; -1: never."),
]


def _bounded(value: dict[str, Any] | None) -> dict[str, Any] | None:
    # Room for an ownership structure of a few thousand entities, within the body limit.
    if value is not None and len(canonical(value)) > 512 * 1024:
        raise ValueError("must be at most 512 KiB of JSON")
    return value


class CheckParams(StrictModel):
    """Per-check settings a config may give."""

    model_config = ConfigDict(extra="forbid")

    threshold: float | None = Field(default=None, ge=0.0, le=1.0, description="Screening")
    datasets: list[DatasetName] | None = Field(default=None, max_length=50, description="Screening")
    ubo_threshold: float | None = Field(
        default=None, gt=0.0, le=100.0, description="UBO: percent that makes an owner"
    )


class CheckSpec(StrictModel):
    """A check asked for on a new case."""

    model_config = ConfigDict(extra="forbid")

    type: CheckType
    input_details: dict[str, Any] | None = None
    document_ids: list[PublicId] = Field(default_factory=list, max_length=20)
    delete_after: RetentionDays | None = None

    _details = field_validator("input_details")(_bounded)


class ConfigCheck(StrictModel):
    model_config = ConfigDict(extra="forbid")

    type: CheckType
    params: CheckParams = Field(default_factory=CheckParams)


class OutcomePolicyIn(StrictModel):
    model_config = ConfigDict(extra="forbid")

    accept_below: float = Field(default=0.3, ge=0.0, le=1.0)
    reject_from: float = Field(default=0.85, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> OutcomePolicyIn:
        if self.accept_below > self.reject_from:
            raise ValueError("accept_below must not exceed reject_from")
        return self


class Overrides(StrictModel):
    """A tenant's overrides of the shipped country-risk lists, replaced as a whole."""

    overrides: list[Override] = Field(max_length=500)


class MatchDecisionIn(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    decision: Literal["false_positive", "true_positive", "unreviewed"]
    note: str | None = Field(default=None, max_length=5_000)


class MatchOut(BaseModel):
    id: str
    subject: str
    subject_role: str
    entity_id: str
    caption: str
    schema_: str = Field(alias="schema")
    topics: list[str]
    programs: list[str]
    score: float
    explanation: dict[str, Any]
    decision: MatchDecision
    decision_note: str | None
    decided_by: str | None
    decided_at: datetime | None
    delisted_version: int | None = Field(
        description="The version of the match's list that no longer holds the entity."
    )
    pending_decision_id: str | None = Field(
        description="A decision on this match that waits for a second person's approval."
    )

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    @classmethod
    def of(cls, match: ScreeningMatch) -> MatchOut:
        return cls(
            id=match.id,
            subject=match.subject,
            subject_role=match.subject_role,
            entity_id=f"{match.dataset}:{match.entity_key}",
            caption=match.caption,
            schema_=match.schema,
            topics=match.topics,
            programs=match.programs,
            score=match.score,
            explanation=match.explanation,
            decision=match.decision,
            decision_note=match.decision_note,
            decided_by=match.decided_by_id,
            decided_at=match.decided_at,
            delisted_version=match.delisted_version,
            pending_decision_id=match.pending_decision_id,
        )


class CheckOut(BaseModel):
    id: str
    case_id: str
    type: CheckType
    attempt: int
    status: ProcessingStatus
    risk_score: float | None
    outcome: Outcome | None
    title: str | None
    note: str | None
    reasoning: list[str]
    evidence: dict[str, Any]
    dataset_versions: dict[str, Any]
    input_details: dict[str, Any] | None
    document_ids: list[str]
    error: str | None
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    created_at: datetime
    matches: list[MatchOut]

    @classmethod
    def of(cls, check: Check) -> CheckOut:
        return cls(
            id=check.id,
            case_id=check.case_id,
            type=check.type,
            attempt=check.attempt,
            status=check.status,
            risk_score=check.risk_score,
            outcome=check.outcome,
            title=check.title,
            note=check.note,
            reasoning=check.reasoning,
            evidence=check.evidence,
            dataset_versions=check.dataset_versions,
            input_details=check.input_details,
            document_ids=check.document_ids,
            error=check.error,
            queued_at=check.queued_at,
            started_at=check.started_at,
            finished_at=check.finished_at,
            created_at=check.created_at,
            matches=[MatchOut.of(m) for m in check.matches],
        )
