"""Case-webhook payloads in the shape of the API a case was created through.

A case remembers its dialect; the dialect registers how a case of its own looks to
the case's ``webhook_url`` (``register_case_payload``), when the application or the
worker is put together. A case whose dialect registered nothing gets the native shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from casework.models import Case

CasePayload = Callable[[Session, Case], dict[str, Any]]

_SHAPERS: dict[str, CasePayload] = {}


def register_case_payload(dialect: str, shape: CasePayload) -> None:
    """Shape the case webhooks of cases created through ``dialect`` with ``shape``."""
    _SHAPERS[dialect] = shape


def registered(dialect: str) -> CasePayload | None:
    return _SHAPERS.get(dialect)


def case_payload(session: Session, case: Case) -> dict[str, Any] | None:
    """The body for the case's own ``webhook_url``, or None for the native shape."""
    shape = _SHAPERS.get(case.dialect) if case.dialect else None
    return shape(session, case) if shape is not None else None
