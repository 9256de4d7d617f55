"""Request and response bodies of /v1/rules, /v1/alerts and the monitoring settings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from casework.infra.schemas import not_null
from casework.infra.strict import StrictModel
from casework.models import Alert, Rule, RuleRevision
from casework.models.enums import Priority

Severity = Literal["low", "medium", "high"]
GroupBy = Literal["customer", "rule_and_customer"]
NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,99}$"
CONDITION_DOC = (
    'A test such as {"test": "velocity", "window": "24h", "count_at_least": 5}, '
    'or {"all": [...]} / {"any": [...]} of conditions. Tests: amount, velocity, '
    "structuring, high_risk_country, round_amount, pass_through, dormant_reactivation, "
    "new_counterparty. Amounts are in the tenant's default currency."
)


class _In(StrictModel):
    model_config = ConfigDict(extra="forbid")


class RuleCreate(_In):
    name: str = Field(pattern=NAME_PATTERN, description="Unique per tenant, e.g. 'velocity-24h'.")
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=5000)
    severity: Severity = "medium"
    condition: dict[str, Any] = Field(description=CONDITION_DOC)
    enabled: bool = Field(
        default=False, description="Whether new transactions are evaluated against the rule."
    )


class RuleUpdate(_In):
    """Any change to title, description, severity or condition makes a new revision;
    ``enabled`` alone does not."""

    title: str | None = Field(
        default=None, min_length=1, max_length=300, json_schema_extra=not_null
    )
    description: str | None = Field(default=None, max_length=5000, json_schema_extra=not_null)
    severity: Severity | None = Field(default=None, json_schema_extra=not_null)
    condition: dict[str, Any] | None = Field(
        json_schema_extra=not_null, default=None, description=CONDITION_DOC
    )
    enabled: bool | None = Field(default=None, json_schema_extra=not_null)

    @field_validator("title", "description", "severity", "condition", "enabled")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Only a value given as null gets here: left out, a field keeps its default.
        if value is None:
            raise ValueError("cannot be null; leave the field out to keep it as it is")
        return value

    @model_validator(mode="after")
    def _something(self) -> RuleUpdate:
        if not self.model_fields_set:
            raise ValueError(
                "give at least one of title, description, severity, condition, enabled"
            )
        return self


class RevisionOut(BaseModel):
    rule_id: str
    revision: int
    title: str
    description: str
    severity: Severity
    condition: dict[str, Any]
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, revision: RuleRevision) -> RevisionOut:
        return cls(
            rule_id=revision.rule_id,
            revision=revision.revision,
            title=revision.title,
            description=revision.description,
            severity=severity_name(revision.severity),
            condition=revision.condition,
            created_by=revision.created_by,
            created_at=revision.created_at,
        )


class RuleOut(BaseModel):
    id: str
    name: str
    revision: int
    enabled: bool
    title: str
    description: str
    severity: Severity
    condition: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, rule: Rule, current: RuleRevision) -> RuleOut:
        return cls(
            id=rule.id,
            name=rule.name,
            revision=rule.revision,
            enabled=rule.enabled,
            title=current.title,
            description=current.description,
            severity=severity_name(current.severity),
            condition=current.condition,
            created_at=rule.created_at,
            updated_at=rule.updated_at,
        )


def severity_name(value: Priority) -> Severity:
    name = Priority(value).name
    assert name in ("low", "medium", "high")
    return name  # type: ignore[return-value]


class BacktestIn(_In):
    """A past period to replay. Without ``condition`` the rule's current revision runs;
    with one, that draft runs instead (nothing is saved either way)."""

    start: AwareDatetime = Field(alias="from")
    end: AwareDatetime = Field(alias="to")
    condition: dict[str, Any] | None = Field(default=None, description=CONDITION_DOC)
    customer_id: str | None = Field(default=None, description="Replay one customer only.")
    group_by: GroupBy | None = Field(
        default=None, description="How cases would be grouped; the tenant's setting by default."
    )
    sample: int = Field(default=20, ge=0, le=200, description="Alerts to return as examples.")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _period(self) -> BacktestIn:
        if self.end <= self.start:
            raise ValueError("'to' must be after 'from'")
        return self


class SampleAlert(BaseModel):
    customer_id: str
    transaction_id: str
    transaction_ids: list[str]
    occurred_at: datetime
    score: float
    reason: str


class BacktestOut(BaseModel):
    rule_id: str | None
    revision: int | None = Field(description="The revision replayed; null for a draft.")
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    group_by: GroupBy
    transactions_evaluated: int
    alerts: int
    customers: int = Field(description="Customers with at least one alert.")
    cases: int = Field(
        description="Cases the alerts would have opened, one per group, if none was "
        "resolved during the period."
    )
    alerted_amount_in_default_currency: Decimal
    samples: list[SampleAlert]
    elapsed_ms: float


class AlertOut(BaseModel):
    id: str
    rule_id: str
    rule_revision: int
    customer_id: str
    transaction_id: str
    transaction_ids: list[str]
    score: float
    reason: str
    case_id: str | None
    occurred_at: datetime
    created_at: datetime

    @classmethod
    def of(cls, alert: Alert) -> AlertOut:
        return cls(
            id=alert.id,
            rule_id=alert.rule_id,
            rule_revision=alert.rule_revision,
            customer_id=alert.customer_id,
            transaction_id=alert.transaction_id,
            transaction_ids=list(alert.transaction_ids),
            score=alert.score,
            reason=alert.reason,
            case_id=alert.case_id,
            occurred_at=alert.occurred_at,
            created_at=alert.created_at,
        )


class MonitoringSettings(_In):
    group_by: GroupBy = Field(
        default="customer",
        description="customer: one open case per customer collects every rule's alerts; "
        "rule_and_customer: one open case per rule and customer.",
    )
    case_config: str | None = Field(
        default=None,
        description="Slug of the case config rule-created cases follow (checklist, SLA, "
        "outcome policy, module).",
    )
    sla_hours: int | None = Field(
        default=72,
        ge=1,
        le=24 * 365,
        description="Due date of a rule-created case, when its config sets no SLA.",
    )
