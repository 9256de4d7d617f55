"""Rolling a case's current checks (and its child cases) up into the case: its
processing status, risk score and outcome, under its config's outcome policy.

Called whenever a part changes: a run finishing, an analyst deciding a match, a rule or
a rescreen adding to a check."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from casework.cases import repository as case_repository
from casework.checks import repository
from casework.checks.policy import OutcomePolicy, PartResult, roll_up
from casework.models import Case, CaseConfig
from casework.models.base import utcnow


def update_case(session: Session, case: Case) -> dict[str, Any]:
    """Roll the current checks (and child cases) up into the case; return what changed."""
    return update_cases(session, [case])[case.id]


def update_cases(session: Session, cases: list[Case]) -> dict[str, dict[str, Any]]:
    """``update_case`` for several cases, each kind of row read once for all; by case id."""
    session.flush()
    ids = [case.id for case in cases]
    parts: dict[str, list[PartResult]] = {case_id: [] for case_id in ids}
    for row in repository.current_results(session, cases):
        parts[row.case_id].append(PartResult(row.status, row.risk_score, row.outcome))
    # Child cases come only from a (dual) config's workflow.
    parents = [case.id for case in cases if case.config_id is not None]
    if parents:
        for child in case_repository.child_results(session, parents):
            parts[child.parent_case_id].append(
                PartResult(child.processing_status, child.risk_score, child.outcome)
            )
    return {case.id: _apply_rollup(session, case, parts[case.id]) for case in cases}


def _apply_rollup(session: Session, case: Case, parts: list[PartResult]) -> dict[str, Any]:
    config = session.get(CaseConfig, case.config_id) if case.config_id else None
    result = roll_up(parts, OutcomePolicy.of(config.outcome_policy if config else None))
    before = (case.processing_status, case.risk_score, case.outcome)
    case.processing_status, case.risk_score, case.outcome = (
        result.status,
        result.risk_score,
        result.outcome,
    )
    if before != (result.status, result.risk_score, result.outcome):
        case.updated_at = utcnow()
    return {
        "processing_status": result.status,
        "risk_score": result.risk_score,
        "outcome": result.outcome,
    }
