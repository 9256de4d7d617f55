"""The Sumsub case request, and the answer a case is rendered into."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, RootModel

from casework.cases.schemas import PriorityName
from casework.infra.strict import StrictModel

# Ids or external ids of ingested transactions, as the native API accepts them.
TxnRef = Annotated[str, Field(min_length=1, max_length=200)]


class SumsubCaseCreate(StrictModel):
    """``POST /resources/api/caseManagement/v2/cases``. Fields the vendor may add later
    are ignored, so that an integration sending them keeps working."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    applicant_id: str = Field(
        alias="applicantId",
        min_length=1,
        max_length=200,
        description="A customer id, or a customer's external id when no customer has that id.",
    )
    txn_ids: list[TxnRef] = Field(
        alias="txnIds",
        default_factory=list,
        max_length=1000,
        description="Transactions of the applicant already ingested, by id or external id.",
    )
    blueprint_id: str = Field(
        alias="blueprintId",
        min_length=1,
        max_length=63,
        description="A case config, by id or by slug.",
    )
    name: str = Field(min_length=1, max_length=300, description="The case title.")
    priority: PriorityName | None = Field(
        default=None,
        description="Defaults to medium, as Sumsub documents; the blueprint's default "
        "priority does not apply.",
    )


class CaseBody(RootModel[dict[str, Any]]):
    """A case in Sumsub's JSON; a root model so that idempotent replays store it."""


class SumsubError(BaseModel):
    """Every refusal; the HTTP status equals ``code``."""

    code: int
    correlation_id: str = Field(alias="correlationId")
    description: str = Field(description="What was wrong, naming the parameter.")
