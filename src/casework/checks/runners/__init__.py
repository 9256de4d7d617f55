"""One runner per check type, each pure given its inputs and the list versions, and
the registry that picks a check's runner."""

from __future__ import annotations

from casework.checks.runners.base import (
    CheckFailed,
    CheckInputs,
    CheckResult,
    CustomerFacts,
    LinkedTransactions,
    RunContext,
    Runner,
)
from casework.checks.runners.jurisdiction import run_country_risk
from casework.checks.runners.screening import run_screening, screening_subjects
from casework.checks.runners.transactions import run_transaction_risk
from casework.checks.runners.ubo import run_ubo
from casework.models.enums import CheckType

__all__ = [
    "RUNNERS",
    "CheckFailed",
    "CheckInputs",
    "CheckResult",
    "CustomerFacts",
    "LinkedTransactions",
    "RunContext",
    "Runner",
    "run",
    "screening_subjects",
]

RUNNERS: dict[CheckType, Runner] = {
    CheckType.ubo_resolution: run_ubo,
    CheckType.jurisdiction: run_country_risk,
    CheckType.sanctions: run_screening,
    CheckType.pep: run_screening,
    CheckType.adverse_media: run_screening,
    CheckType.transaction_risk: run_transaction_risk,
}


def run(inputs: CheckInputs, context: RunContext) -> CheckResult:
    runner = RUNNERS.get(inputs.check_type)
    if runner is None:
        raise CheckFailed(f"{inputs.check_type.value} checks cannot run here")
    return runner(inputs, context)
