"""What a finished check leads to beyond its case: the owners' cases of a dual config,
and ongoing monitoring of a screened customer."""

from __future__ import annotations

from sqlalchemy.orm import Session

from casework.checks import runners
from casework.checks.runners.screening import TOPICS
from casework.models import Case, Check
from casework.models.enums import CheckType
from casework.monitoring import service as monitoring
from casework.processing import children
from casework.processing.run import Ran


def follow_up(session: Session, case: Case, stored: list[tuple[Check, Ran]]) -> None:
    """Follow up each stored check that has a result."""
    for check, outcome in stored:
        if outcome.result is None:
            continue
        if check.type is CheckType.ubo_resolution:
            children.open_owner_cases(session, case=case, evidence=outcome.result.evidence)
        elif check.type in TOPICS and monitoring.monitoring_on(session, case):
            subjects = runners.screening_subjects(outcome.claimed.inputs)
            monitoring.enrol(
                session, case=case, check=check, subjects=[s.as_dict() for s in subjects]
            )
