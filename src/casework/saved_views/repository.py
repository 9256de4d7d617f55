"""Queries of saved views: each user's own, by name or id."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.models.workspace import SavedView


def views_of(session: Session, *, tenant_id: str, user_id: str) -> list[SavedView]:
    """The user's saved views, by name."""
    stmt = (
        select(SavedView)
        .where(SavedView.tenant_id == tenant_id, SavedView.user_id == user_id)
        .order_by(SavedView.name, SavedView.id)
    )
    return list(session.scalars(stmt))


def view_named(session: Session, *, user_id: str, name: str) -> str | None:
    """The id of the user's view with this name, if they have one."""
    return session.scalar(
        select(SavedView.id).where(SavedView.user_id == user_id, SavedView.name == name)
    )


def view(session: Session, *, tenant_id: str, user_id: str, view_id: str) -> SavedView | None:
    return session.scalar(
        select(SavedView).where(
            SavedView.id == view_id,
            SavedView.tenant_id == tenant_id,
            SavedView.user_id == user_id,
        )
    )
