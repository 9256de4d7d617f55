"""Approval policies: which decisions on a case need a second person (four-eyes).

A case config may set one; the tenant's default (a setting) covers the configs that do
not. Checked and applied by ``casework.decisions``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from casework.cases.schemas import PriorityName
from casework.infra.strict import StrictModel
from casework.models.enums import Resolution


class ResolutionApprovals(StrictModel):
    """Resolving a case needs a second person when any of these holds."""

    model_config = ConfigDict(extra="forbid")

    resolutions: list[Resolution] = Field(
        default_factory=list, max_length=2, description="Resolving with one of these."
    )
    min_risk_score: float | None = Field(
        default=None, ge=0, le=1, description="A case whose risk score is at least this."
    )
    priorities: list[PriorityName] = Field(
        default_factory=list, max_length=4, description="A case of one of these priorities."
    )


ScreeningType = Literal["SANCTIONS", "PEP", "ADVERSE_MEDIA"]
_SANCTIONS: list[ScreeningType] = ["SANCTIONS"]


class MatchApprovals(StrictModel):
    """Clearing a screening match (marking it a false positive) needs a second person
    when the match scores at least ``min_score`` on a check of one of these types."""

    model_config = ConfigDict(extra="forbid")

    min_score: float | None = Field(
        default=None, ge=0, le=1, description="null: clearing a match is never held."
    )
    check_types: list[ScreeningType] = Field(
        default_factory=lambda: _SANCTIONS.copy(), min_length=1, max_length=3
    )


class ApprovalPolicy(StrictModel):
    """Which decisions on a case need a second person (four-eyes)."""

    model_config = ConfigDict(extra="forbid")

    resolve: ResolutionApprovals = Field(default_factory=ResolutionApprovals)
    checklist_override: bool = Field(
        default=False, description="Resolving over open checklist items."
    )
    clear_match: MatchApprovals = Field(default_factory=MatchApprovals)
    report: Literal["always"] = Field(
        default="always",
        description="Approving a regulatory report: always by a second person, whatever "
        "the rest of the policy says (it cannot be turned off).",
    )
