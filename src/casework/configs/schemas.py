from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from casework.cases.schemas import PriorityName, TaskText
from casework.checks.schemas import CheckParams, ConfigCheck, OutcomePolicyIn
from casework.configs.approvals import ApprovalPolicy
from casework.infra.schemas import not_null
from casework.infra.strict import StrictModel
from casework.infra.validation import slug
from casework.models import CaseConfig
from casework.models.enums import CheckType, Module, Priority

Slug = Annotated[str, Field(min_length=1, max_length=63), AfterValidator(slug)]
ConfigName = Annotated[str, Field(min_length=1, max_length=200)]
SlaHours = Annotated[int, Field(ge=1, le=8760, description="Hours until a new case is due")]


class _ConfigFields(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    module: Module | None = None
    custom_module: str | None = Field(default=None, min_length=1, max_length=100)

    @field_validator("custom_module")
    @classmethod
    def _one_module(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("module") is not None:
            raise ValueError("give module or custom_module, not both")
        return value


def _distinct(value: list[ConfigCheck] | None) -> list[ConfigCheck] | None:
    if value is not None and len({c.type for c in value}) != len(value):
        raise ValueError("lists a check type twice")
    return value


ConfigChecks = Annotated[list[ConfigCheck], Field(max_length=10), AfterValidator(_distinct)]


class CaseConfigCreate(_ConfigFields):
    slug: Slug
    name: ConfigName
    default_priority: PriorityName = "medium"
    checklist: list[TaskText] = Field(default_factory=list, max_length=100)
    sla_hours: SlaHours | None = None
    checks: ConfigChecks = Field(default_factory=list)
    outcome_policy: OutcomePolicyIn = Field(default_factory=OutcomePolicyIn)
    approvals: ApprovalPolicy | None = Field(
        default=None,
        description="Which decisions on its cases need a second person; null: the "
        "tenant's default (GET /v1/settings/approvals).",
    )
    monitoring: bool | None = Field(
        default=None,
        description="Rescreen customers when a list changes; default on when the config "
        "has screening checks.",
    )
    kyc_config: Slug | None = Field(
        default=None,
        description="Makes this a dual (KYB) config: one case of this KYC config is opened "
        "per beneficial owner its UBO resolution finds.",
    )


class CaseConfigUpdate(_ConfigFields):
    slug: Slug | None = Field(default=None, json_schema_extra=not_null)
    name: ConfigName | None = Field(default=None, json_schema_extra=not_null)
    default_priority: PriorityName | None = Field(default=None, json_schema_extra=not_null)
    checklist: list[TaskText] | None = Field(default=None, max_length=100)
    sla_hours: SlaHours | None = None
    is_active: bool | None = Field(default=None, json_schema_extra=not_null)
    checks: ConfigChecks | None = None
    outcome_policy: OutcomePolicyIn | None = None
    approvals: ApprovalPolicy | None = Field(
        default=None, description="null: follow the tenant's default again."
    )
    monitoring: bool | None = Field(default=None, json_schema_extra=not_null)
    kyc_config: Slug | None = None


def _stored(check: dict[str, Any]) -> ConfigCheck:
    """A stored check as it was accepted. It is not validated again: a dataset name that
    today's rule refuses must not make the config unreadable (the check then fails on
    it, naming it)."""
    params = CheckParams.model_construct(**(check.get("params") or {}))
    return ConfigCheck.model_construct(type=CheckType(check["type"]), params=params)


class CaseConfigOut(BaseModel):
    id: str
    slug: str
    name: str
    module: Module | None
    custom_module: str | None
    default_priority: PriorityName
    checklist: list[str]
    sla_hours: int | None
    is_active: bool
    checks: list[ConfigCheck]
    outcome_policy: OutcomePolicyIn
    approvals: ApprovalPolicy | None
    monitoring: bool
    kyc_config: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, config: CaseConfig) -> CaseConfigOut:
        return cls(
            id=config.id,
            slug=config.slug,
            name=config.name,
            module=config.module,
            custom_module=config.custom_module,
            default_priority=Priority(config.default_priority).name,
            checklist=list(config.checklist),
            sla_hours=config.sla_hours,
            is_active=config.is_active,
            checks=[_stored(check) for check in config.checks],
            outcome_policy=OutcomePolicyIn.model_validate(config.outcome_policy or {}),
            approvals=(
                ApprovalPolicy.model_validate(config.approvals)
                if config.approvals is not None
                else None
            ),
            monitoring=config.monitoring,
            kyc_config=config.kyc_config.slug if config.kyc_config else None,
            created_at=config.created_at,
            updated_at=config.updated_at,
        )
