"""The UBO_RESOLUTION check: the ownership structure given with the check, or read from
its shareholder register, resolved to the people who own or control the subject."""

from __future__ import annotations

from casework.checks.country_risk import load_table, with_overrides
from casework.checks.runners.base import (
    CheckFailed,
    CheckInputs,
    CheckResult,
    RunContext,
    input_details,
)
from casework.checks.runners.ownership import OwnershipStructure, parse_structure, resolve
from casework.checks.runners.shareholder_register import parse_register
from casework.infra.errors import ValidationFailed

HIGH_RISK_FROM = 0.6  # a country at this risk or above counts as high-risk for ownership


def _ownership(inputs: CheckInputs) -> OwnershipStructure:
    details = input_details(inputs)
    try:
        if "ownership" in details:
            return parse_structure(details["ownership"])
        for content in inputs.documents.values():
            subject = inputs.customer.name if inputs.customer else None
            return parse_register(content.decode("utf-8-sig"), subject_name=subject)
    except ValidationFailed as exc:
        problems = "; ".join(f"{e.field}: {e.message}" for e in exc.errors[:5])
        raise CheckFailed(f"the ownership structure is not valid: {problems}") from exc
    except UnicodeDecodeError as exc:
        raise CheckFailed("the shareholder register is not UTF-8 text") from exc
    raise CheckFailed(
        "no ownership structure: give input_details.ownership or a shareholder register"
    )


def run_ubo(inputs: CheckInputs, context: RunContext) -> CheckResult:
    structure = _ownership(inputs)
    view = context.country_risk or with_overrides(load_table(), ())
    countries = {e.country for e in structure.entities if e.country}
    high_risk = frozenset(c for c in countries if view.risk(c, inputs.today) >= HIGH_RISK_FROM)
    analysis = resolve(
        structure,
        threshold=float(inputs.params.get("ubo_threshold") or 25.0),
        high_risk_countries=high_risk,
    )
    return CheckResult(
        risk_score=analysis.risk_score,
        outcome=context.policy.outcome(analysis.risk_score),
        title=analysis.title,
        reasoning=list(analysis.reasoning),
        evidence=analysis.as_evidence(),
    )
