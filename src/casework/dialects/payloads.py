"""Case-webhook payloads in the shape of the API a case was created through: each
dialect with a shape of its own registers it with the webhooks' shapers, as a variant
of the case named after the dialect (``Case.dialect``); the others get the native one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session, joinedload

from casework.cases import repository
from casework.dialects.sphinx import views
from casework.models import Case
from casework.webhooks import shapers


def sphinx_cases(session: Session, tenant_id: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The body for a Sphinx-created case's own ``webhook_url``: its Sphinx read shape."""
    stmt = repository.cases_of(tenant_id).where(Case.id.in_(ids)).options(joinedload(Case.customer))
    cases = list(session.scalars(stmt).unique())
    return {
        case.id: body for case, body in zip(cases, views.case_bodies(session, cases), strict=True)
    }


def register() -> None:
    shapers.register("case", sphinx_cases, variant="sphinx")
