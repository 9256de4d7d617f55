"""Which decisions need a second person: the case config's policy, else the tenant's."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from casework.configs.approvals import ApprovalPolicy
from casework.models import Case, Check, ScreeningMatch, Tenant
from casework.models.enums import MatchDecision, Priority, Resolution, words

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
        reasons.append(f"resolving as {words(resolution)}")
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


def match_reasons(
    policy: ApprovalPolicy, check: Check, match: ScreeningMatch, decision: MatchDecision
) -> list[str]:
    """Why deciding ``match`` so needs a second person (none: it does not). Only
    clearing a match is held: confirming one asks for no second opinion."""
    rules = policy.clear_match
    if (
        decision is MatchDecision.false_positive
        and rules.min_score is not None
        and check.type in rules.check_types
        and match.score >= rules.min_score
    ):
        return [
            f"clearing a {check.type} match scoring {match.score:.2f}, at least {rules.min_score:g}"
        ]
    return []
