"""Which decisions need a second person: the case config's policy, else the tenant's."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from casework.configs.approvals import ApprovalPolicy
from casework.models import Case, Tenant
from casework.models.enums import Priority, Resolution

SETTING = "approvals"  # the tenant's default, in its settings


def tenant_default(session: Session, tenant_id: str) -> ApprovalPolicy:
    tenant = session.get(Tenant, tenant_id)
    stored = (tenant.settings or {}).get(SETTING) if tenant else None
    return ApprovalPolicy.model_validate(stored) if isinstance(stored, dict) else ApprovalPolicy()


def for_case(session: Session, case: Case) -> ApprovalPolicy:
    if case.config is not None and case.config.approvals is not None:
        return ApprovalPolicy.model_validate(case.config.approvals)
    return tenant_default(session, case.tenant_id)


def resolution_reasons(
    policy: ApprovalPolicy,
    case: Case,
    resolution: Resolution,
    override: dict[str, Any] | None,
) -> list[str]:
    """Why resolving ``case`` as ``resolution`` needs a second person: one reason per
    rule it meets (none: it does not)."""
    rules = policy.resolve
    reasons = []
    if resolution in rules.resolutions:
        reasons.append(f"resolving as {resolution.value}")
    if (
        rules.min_risk_score is not None
        and case.risk_score is not None
        and case.risk_score >= rules.min_risk_score
    ):
        reasons.append(f"risk score {case.risk_score:g} is at least {rules.min_risk_score:g}")
    priority = Priority(case.priority).name
    if priority in rules.priorities:
        reasons.append(f"priority {priority}")
    if policy.checklist_override and override is not None:
        reasons.append("the checklist is overridden")
    return reasons
