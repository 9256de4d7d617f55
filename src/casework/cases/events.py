"""A case as outbound events show it: its native read shape (``CaseOut``), registered
with the webhooks' shapers for every event about a case."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from casework.cases import repository
from casework.cases.schemas import CaseOut
from casework.models import Case
from casework.webhooks import shapers

KIND = "case"


def payloads(session: Session, tenant_id: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The cases of the tenant with these ids, as ``CaseOut`` JSON, by id."""
    stmt = (
        repository.cases_of(tenant_id)
        .where(Case.id.in_(ids))
        .options(*repository.full_case_options())
    )
    return {
        case.id: CaseOut.of(case).model_dump(mode="json") for case in session.scalars(stmt).unique()
    }


def register() -> None:
    shapers.register(KIND, payloads)
