"""Tenant scoping of rows fetched by id, in one place."""

from __future__ import annotations

from typing import Protocol, TypeVar

from sqlalchemy.orm import Session


class TenantOwned(Protocol):
    tenant_id: str


T = TypeVar("T", bound=TenantOwned)


def owned(session: Session, model: type[T], row_id: str, *, tenant_id: str) -> T | None:
    """The row with ``row_id`` if it belongs to ``tenant_id``; another tenant's row is as
    absent as one that does not exist, so callers cannot tell the two apart."""
    row = session.get(model, row_id)
    return row if row is not None and row.tenant_id == tenant_id else None
