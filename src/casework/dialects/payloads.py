"""Case-webhook payloads in the shape of the API a case was created through."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from casework.models import Case


def case_payload(session: Session, case: Case) -> dict[str, Any] | None:
    """The body for the case's own ``webhook_url``, or None for the native shape."""
    if case.dialect == "sphinx":
        from casework.dialects.sphinx import views

        return views.case_body(session, case)
    return None
