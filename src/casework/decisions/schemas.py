from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from casework.infra.strict import StrictModel
from casework.models import Decision
from casework.models.enums import DecisionStatus


class DecisionNote(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str | None = Field(default=None, max_length=5000)


class RejectionNote(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str = Field(min_length=1, max_length=5000, description="Why it is rejected.")


class DecisionOut(BaseModel):
    id: str
    case_id: str
    kind: str = Field(description="What is decided: resolution.")
    change: dict[str, Any] = Field(description="The change that applies once approved.")
    reasons: list[str] = Field(description="Why the policy holds it for a second person.")
    status: DecisionStatus
    proposed_by_user_id: str | None
    proposed_by_client_id: str | None
    proposed_by_name: str
    proposed_at: datetime
    decided_by_user_id: str | None
    decided_by_name: str | None
    decided_at: datetime | None
    decision_note: str | None

    @classmethod
    def of(cls, decision: Decision) -> DecisionOut:
        return cls(
            id=decision.id,
            case_id=decision.case_id,
            kind=decision.kind,
            change=dict(decision.change),
            reasons=list(decision.reasons),
            status=decision.status,
            proposed_by_user_id=decision.proposed_by_user_id,
            proposed_by_client_id=decision.proposed_by_client_id,
            proposed_by_name=decision.proposed_by_name,
            proposed_at=decision.proposed_at,
            decided_by_user_id=decision.decided_by_user_id,
            decided_by_name=decision.decided_by_name,
            decided_at=decision.decided_at,
            decision_note=decision.decision_note,
        )
