"""A check as outbound events show it: its native read shape (``CheckOut``, by alias),
registered with the webhooks' shapers for check.completed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from casework.checks.schemas import CheckOut
from casework.models import Check
from casework.webhooks import shapers

KIND = "check"


def payloads(session: Session, tenant_id: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The checks of the tenant with these ids, as ``CheckOut`` JSON, by id."""
    stmt = (
        select(Check)
        .where(Check.tenant_id == tenant_id, Check.id.in_(ids))
        .options(selectinload(Check.matches))
    )
    return {
        check.id: CheckOut.of(check).model_dump(mode="json", by_alias=True)
        for check in session.scalars(stmt)
    }


shapers.register(KIND, payloads)
