"""A check as outbound events show it: its native read shape (``CheckOut``, by alias),
registered with the webhooks' shapers for check.completed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from casework.checks import repository
from casework.checks.schemas import CheckOut
from casework.webhooks import shapers

KIND = "check"


def payloads(session: Session, tenant_id: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The checks of the tenant with these ids, as ``CheckOut`` JSON, by id."""
    return {
        check.id: CheckOut.of(check).model_dump(mode="json", by_alias=True)
        for check in repository.with_matches(session, tenant_id=tenant_id, ids=ids)
    }


def register() -> None:
    shapers.register(KIND, payloads)
